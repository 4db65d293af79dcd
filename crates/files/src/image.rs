//! Pictures shown beside content — a tutorial's poster, a course's cover: PNG, JPEG or
//! WebP, judged by the header of the bytes (never by the name or the declared type, both of
//! which the uploader controls), at most [`IMAGE_MAX_BYTES`] and [`IMAGE_MAX_SIDE`] pixels a
//! side, and only then written to the store.
//!
//! `imagesize` reads the size from the header without decoding the picture. It still parses
//! hostile bytes, so it runs behind [`guarded`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use academy_kernel::AppError;
use bytes::Bytes;
use futures_util::Stream;

use crate::spool::{refused, spool};
use crate::store::{FileStore, StoredObject};

/// Largest picture file accepted, in bytes. A picture is shown small next to its content;
/// anything bigger is wasted bandwidth for every visitor.
pub const IMAGE_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// Largest width or height accepted, in pixels. Browsers decode the whole picture into
/// memory, so a tiny file claiming an enormous canvas must not reach them.
pub const IMAGE_MAX_SIDE: u32 = 8192;

/// How many leading bytes are read for the header. A JPEG's size comes after its metadata
/// segments (a camera's EXIF block with its thumbnail easily takes 30 KiB), so this leaves
/// room for them.
const HEAD_BYTES: usize = 256 * 1024;

/// The media types a picture may be sent as (its content decides what it is).
pub const MEDIA_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The picture formats every browser displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    WebP,
}

impl ImageKind {
    /// The media type to serve the picture with, taken from the content instead of the
    /// upload's claim.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::WebP => "image/webp",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::WebP => "webp",
        }
    }
}

/// What the header of an accepted picture states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

/// From the first bytes of a file.
///
/// None when the bytes are not a PNG, JPEG or WebP image, when the header is cut short, or
/// when it states an empty picture. The limits are left to the caller, which knows the file
/// size and what to tell the uploader.
pub fn image_info(head: &[u8]) -> Option<ImageInfo> {
    guarded(|| {
        let kind = match imagesize::image_type(head).ok()? {
            imagesize::ImageType::Png => ImageKind::Png,
            imagesize::ImageType::Jpeg => ImageKind::Jpeg,
            imagesize::ImageType::Webp => ImageKind::WebP,
            _ => return None,
        };
        let size = imagesize::blob_size(head).ok()?;
        let width = u32::try_from(size.width).ok().filter(|side| *side > 0)?;
        let height = u32::try_from(size.height).ok().filter(|side| *side > 0)?;
        Some(ImageInfo {
            kind,
            width,
            height,
        })
    })
    .flatten()
}

/// Runs a third-party parser of uploaded bytes so that a panic on malformed input turns
/// into `None` instead of unwinding through the request handler. That only works while the
/// workspace keeps the default `panic = "unwind"`.
pub fn guarded<T>(parse: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(parse)).ok()
}

/// A picture written to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub object: StoredObject,
    pub info: ImageInfo,
}

/// Spools the body, judges it by its header and writes it to the store. 413 above
/// [`IMAGE_MAX_BYTES`]; 422 on `file`: `type_not_allowed`, `too_large_image`, `empty`.
/// Nothing remains on a refusal.
pub async fn store_image<E: std::fmt::Display>(
    store: &FileStore,
    body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<StoredImage, AppError> {
    let spooled = spool(body, IMAGE_MAX_BYTES, HEAD_BYTES).await?;
    let Some(info) = image_info(&spooled.head) else {
        return Err(refused(
            "type_not_allowed",
            "must be a PNG, JPEG or WebP image",
        ));
    };
    if info.width > IMAGE_MAX_SIDE || info.height > IMAGE_MAX_SIDE {
        return Err(refused(
            "too_large_image",
            format!("at most {IMAGE_MAX_SIDE} pixels a side"),
        ));
    }
    let object = store
        .put_judged(spooled.read_back(), IMAGE_MAX_BYTES)
        .await?;
    Ok(StoredImage { object, info })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = include_bytes!("../tests/fixtures/poster.png");
    const JPEG: &[u8] = include_bytes!("../tests/fixtures/poster.jpg");
    const WEBP_LOSSY: &[u8] = include_bytes!("../tests/fixtures/poster.webp");
    const WEBP_LOSSLESS: &[u8] = include_bytes!("../tests/fixtures/poster-lossless.webp");

    #[test]
    fn media_types_and_extensions_follow_the_content() {
        assert_eq!(ImageKind::Png.media_type(), "image/png");
        assert_eq!(ImageKind::Jpeg.media_type(), "image/jpeg");
        assert_eq!(ImageKind::WebP.media_type(), "image/webp");
        assert_eq!(ImageKind::Jpeg.extension(), "jpg");
    }

    #[test]
    fn pictures_are_recognised_with_their_size() {
        let cases = [
            (PNG, ImageKind::Png, 48, 32),
            (JPEG, ImageKind::Jpeg, 40, 30),
            (WEBP_LOSSY, ImageKind::WebP, 30, 20),
            (WEBP_LOSSLESS, ImageKind::WebP, 50, 70),
        ];
        for (bytes, kind, width, height) in cases {
            assert_eq!(
                image_info(bytes),
                Some(ImageInfo {
                    kind,
                    width,
                    height
                })
            );
        }
    }

    /// A camera's JPEG: a large APP1 (EXIF) segment before the frame header.
    #[test]
    fn jpeg_size_after_large_metadata_is_found_within_the_head() {
        let mut jpeg = JPEG[..2].to_vec();
        let exif = vec![0x20u8; 60_000];
        jpeg.extend_from_slice(&[0xFF, 0xE1]);
        jpeg.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        jpeg.extend_from_slice(&exif);
        jpeg.extend_from_slice(&JPEG[2..]);
        assert!(jpeg.len() <= HEAD_BYTES);
        assert_eq!(
            image_info(&jpeg),
            Some(ImageInfo {
                kind: ImageKind::Jpeg,
                width: 40,
                height: 30
            })
        );
        // The head an earlier upload path kept (4 KiB) would not have reached the size.
        assert_eq!(image_info(&jpeg[..4096]), None);
    }

    #[test]
    fn garbage_truncated_and_other_formats_are_not_pictures() {
        let gif = b"GIF89a\x10\0\x10\0\x80\0\0\0\0\0\xff\xff\xff";
        for bytes in [
            &b""[..],
            b"\0",
            b"not an image at all, just words",
            &PNG[..12],
            &JPEG[..20],
            &WEBP_LOSSY[..16],
            &gif[..],
        ] {
            assert_eq!(image_info(bytes), None);
        }
    }

    #[test]
    fn empty_picture_is_refused() {
        let mut png = PNG.to_vec();
        png[16..20].copy_from_slice(&[0, 0, 0, 0]);
        assert_eq!(image_info(&png), None);
    }

    #[test]
    fn corrupted_pictures_never_panic() {
        for original in [PNG, JPEG, WEBP_LOSSY, WEBP_LOSSLESS] {
            for position in 0..original.len() {
                for value in [0x00, 0xFF, 0x7F] {
                    let mut bytes = original.to_vec();
                    bytes[position] = value;
                    let _ = image_info(&bytes);
                }
            }
        }
    }
}
