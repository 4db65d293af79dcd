//! The HTTP answer for a stored file: `Content-Disposition` with the original name, a
//! strong `ETag` from the content hash, `If-None-Match` (304) and single byte ranges (206,
//! or 416 when unsatisfiable), honouring `If-Range` (the whole file when it does not match).

use academy_kernel::AppError;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    HeaderValue,
};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::TryStreamExt;

use crate::store::FileStore;

/// What a download needs to know about a stored file.
#[derive(Debug, Clone)]
pub struct StoredFileMeta {
    pub key: String,
    /// The name the file was uploaded with.
    pub filename: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
}

/// A requested byte range, resolved against the size.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) `Range` header: the whole file.
    Whole,
    /// `start..end` (end exclusive).
    Part(u64, u64),
    /// A range outside the file.
    Unsatisfiable,
}

/// Reads a `Range: bytes=…` header. Several ranges, other units and malformed values
/// are answered with the whole file, as RFC 9110 allows.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>().ok(), last.parse::<u64>().ok()) {
        // bytes=-N: the last N bytes
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || size == 0 {
                return RangeRequest::Unsatisfiable;
            }
            (size.saturating_sub(suffix), size)
        }
        // bytes=N-
        (Some(start), None) if last.is_empty() => (start, size),
        // bytes=N-M
        (Some(start), Some(end)) if end >= start => (start, end.saturating_add(1).min(size)),
        _ => return RangeRequest::Whole,
    };
    if range.0 >= size {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part(range.0, range.1)
    }
}

/// Whether a `Range` may be served under `If-Range` (RFC 9110, 13.1.5): without the
/// header, yes; with an entity tag, only when it is strong and equals the current `ETag`.
/// A date never matches, as no `Last-Modified` is sent. Otherwise the whole file is sent.
pub fn if_range_matches(value: Option<&str>, etag: &str) -> bool {
    match value {
        None => true,
        Some(value) => {
            let value = value.trim();
            value.starts_with('"') && value == etag
        }
    }
}

fn disposition(filename: &str) -> ContentDisposition {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: filename.as_bytes().to_vec(),
            }),
        ],
    }
}

/// Answers a download of `file` from `store`.
pub async fn respond(
    req: &HttpRequest,
    store: &FileStore,
    file: &StoredFileMeta,
) -> Result<HttpResponse, AppError> {
    let etag = format!("\"{}\"", &file.sha256[..file.sha256.len().min(32)]);
    if academy_kernel::etag::not_modified(req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let if_range = req
        .headers()
        .get(header::IF_RANGE)
        .map(|v| v.to_str().unwrap_or(""));
    let range = if if_range_matches(if_range, &etag) {
        parse_range(
            req.headers()
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok()),
            file.size,
        )
    } else {
        // The client's copy is another version: a part of this one would corrupt it.
        RangeRequest::Whole
    };
    let (status, bytes) = match range {
        RangeRequest::Unsatisfiable => {
            return Ok(HttpResponse::build(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{}", file.size)))
                .insert_header((header::CONTENT_TYPE, academy_kernel::PROBLEM_JSON))
                .json(
                    AppError::new(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        "range_not_satisfiable",
                        "The requested range lies outside the file.",
                    )
                    .problem(),
                ));
        }
        RangeRequest::Whole => (StatusCode::OK, None),
        RangeRequest::Part(start, end) => (StatusCode::PARTIAL_CONTENT, Some(start..end)),
    };
    let stream = store
        .get(&file.key, bytes.clone())
        .await
        .map_err(AppError::internal)?
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(disposition(&file.filename))
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&file.media_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ));
    let length = match &bytes {
        Some(range) => {
            response.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", range.start, range.end - 1, file.size),
            ));
            range.end - range.start
        }
        None => file.size,
    };
    Ok(response.no_chunking(length).streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(parse_range(None, 100), RangeRequest::Whole);
        assert_eq!(
            parse_range(Some("bytes=0-9"), 100),
            RangeRequest::Part(0, 10)
        );
        assert_eq!(
            parse_range(Some("bytes=90-"), 100),
            RangeRequest::Part(90, 100)
        );
        assert_eq!(
            parse_range(Some("bytes=-10"), 100),
            RangeRequest::Part(90, 100)
        );
        assert_eq!(
            parse_range(Some("bytes=50-500"), 100),
            RangeRequest::Part(50, 100)
        );
        assert_eq!(
            parse_range(Some("bytes=100-"), 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some("bytes=-0"), 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), RangeRequest::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), RangeRequest::Whole);
        assert_eq!(parse_range(Some("bytes=9-2"), 100), RangeRequest::Whole);
    }

    #[test]
    fn if_range_needs_the_same_strong_tag() {
        let etag = "\"abc\"";
        assert!(if_range_matches(None, etag));
        assert!(if_range_matches(Some("\"abc\""), etag));
        assert!(if_range_matches(Some(" \"abc\" "), etag));
        assert!(!if_range_matches(Some("\"abd\""), etag));
        assert!(!if_range_matches(Some("W/\"abc\""), etag));
        assert!(!if_range_matches(
            Some("Sat, 29 Oct 1994 19:43:31 GMT"),
            etag
        ));
        assert!(!if_range_matches(Some(""), etag));
    }

    #[test]
    fn names_keep_their_umlauts_in_the_extended_parameter() {
        let value = disposition("Vorlage Bürgerbeteiligung \"2026\".docx").to_string();
        assert!(
            value.starts_with("attachment; filename=\"Vorlage B_rgerbeteiligung _2026_.docx\""),
            "{value}"
        );
        assert!(
            value.contains("filename*=UTF-8''Vorlage%20B%C3%BCrgerbeteiligung%20%222026%22.docx"),
            "{value}"
        );
    }
}
