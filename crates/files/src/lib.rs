//! Stored files, for guide templates and every later capability that keeps files.
//!
//! Uploads are judged by their content ([`kind`]), limited in size while they stream (an
//! oversized upload leaves nothing behind), hashed (SHA-256) and written to an object
//! store: a local folder by default, an S3-compatible bucket by configuration so several
//! instances share files. Downloads send `Content-Disposition`, a strong `ETag` from the
//! hash, and honour `If-None-Match` and single byte ranges.
//!
//! Reading order: [`kind`] (pure rules) → [`store`] (the object store) → [`download`]
//! (the HTTP answer) → [`upload`] (reading a multipart upload into the store).

pub mod download;
pub mod kind;
pub mod store;

pub use download::{StoredFileMeta, respond};
pub use kind::{FileKind, Refusal};
pub use store::{FileBackend, FileSettings, FileStore, StoredFile, StoredObject, UploadError};
