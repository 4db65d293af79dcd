//! Uploads that must be judged whole before they are kept: the body is written to a
//! temporary file while it arrives (at most a limit, 413 above), its first bytes kept for
//! the content checks, and read back into the store only once it passed them. The
//! temporary file goes when the [`Spooled`] upload is dropped, whatever happened.

use std::io::Write;
use std::path::{Path, PathBuf};

use academy_kernel::{AppError, FieldError};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

/// An upload written to a temporary file; the file is removed when this is dropped.
#[derive(Debug)]
pub struct Spooled {
    path: PathBuf,
    /// Bytes received.
    pub size: u64,
    /// The first bytes, for the content checks.
    pub head: Vec<u8>,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A 422 about the uploaded `file`.
pub fn refused(code: &'static str, message: impl Into<std::borrow::Cow<'static, str>>) -> AppError {
    AppError::validation(vec![FieldError::new("file", code, message)])
}

/// Writes the body to a temporary file: at most `limit` bytes (413 above, nothing kept),
/// keeping the first `head_len` bytes. An empty body is a 422 `empty`.
pub async fn spool<E: std::fmt::Display>(
    mut body: impl Stream<Item = Result<Bytes, E>> + Unpin,
    limit: u64,
    head_len: usize,
) -> Result<Spooled, AppError> {
    let mut spooled = Spooled {
        path: std::env::temp_dir().join(format!("academy-upload-{}", Uuid::now_v7())),
        size: 0,
        head: Vec::new(),
    };
    let mut file = std::fs::File::create(&spooled.path).map_err(AppError::internal)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(
                "malformed_upload",
                format!("The upload could not be read: {e}"),
            )
        })?;
        spooled.size += chunk.len() as u64;
        if spooled.size > limit {
            return Err(AppError::payload_too_large(
                usize::try_from(limit).unwrap_or(usize::MAX),
            ));
        }
        if spooled.head.len() < head_len {
            let wanted = head_len - spooled.head.len();
            spooled
                .head
                .extend_from_slice(&chunk[..chunk.len().min(wanted)]);
        }
        // Small writes on a local file; the executor is not held up for long.
        file.write_all(&chunk).map_err(AppError::internal)?;
    }
    file.flush().map_err(AppError::internal)?;
    if spooled.size == 0 {
        return Err(refused("empty", "the file is empty"));
    }
    Ok(spooled)
}

impl Spooled {
    /// Where the upload lies, for parsers that read it whole.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The upload as a stream of chunks, for the store.
    pub fn read_back(&self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin + use<> {
        Box::pin(futures_util::stream::unfold(
            (None::<tokio::fs::File>, self.path.clone(), false),
            |(file, path, done)| async move {
                use tokio::io::AsyncReadExt;
                if done {
                    return None;
                }
                let mut file = match file {
                    Some(file) => file,
                    None => match tokio::fs::File::open(&path).await {
                        Ok(file) => file,
                        Err(error) => return Some((Err(error), (None, path, true))),
                    },
                };
                let mut buffer = vec![0u8; 256 * 1024];
                match file.read(&mut buffer).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buffer.truncate(n);
                        Some((Ok(Bytes::from(buffer)), (Some(file), path, false)))
                    }
                    Err(error) => Some((Err(error), (Some(file), path, true))),
                }
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: &[&'static [u8]]) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        futures_util::stream::iter(
            chunks
                .iter()
                .map(|c| Ok(Bytes::from_static(c)))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn keeps_the_head_and_reads_back_everything() {
        let spooled = spool(body(&[b"abc", b"defg", b"h"]), 100, 5).await.unwrap();
        assert_eq!(spooled.size, 8);
        assert_eq!(spooled.head, b"abcde");
        let back: Vec<u8> = spooled
            .read_back()
            .map(|c| c.unwrap().to_vec())
            .concat()
            .await;
        assert_eq!(back, b"abcdefgh");
    }

    #[tokio::test]
    async fn over_the_limit_leaves_nothing() {
        let error = spool(body(&[b"abc", b"def"]), 5, 16).await.unwrap_err();
        assert_eq!(actix_web::ResponseError::status_code(&error).as_u16(), 413);
        let leftovers = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("academy-upload-")
            })
            .filter(|e| std::fs::read(e.path()).is_ok_and(|b| b == b"abc"))
            .count();
        assert_eq!(leftovers, 0);
    }

    #[tokio::test]
    async fn dropping_removes_the_file() {
        let spooled = spool(body(&[b"x"]), 5, 16).await.unwrap();
        let path = spooled.path().to_owned();
        assert!(path.exists());
        drop(spooled);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn empty_is_refused() {
        let error = spool(body(&[]), 5, 16).await.unwrap_err();
        assert_eq!(actix_web::ResponseError::status_code(&error).as_u16(), 422);
    }
}
