//! Stored files, for guide templates, tutorials' videos and posters, courses' covers and
//! every later capability that keeps files.
//!
//! Uploads are judged by their content ([`kind`] for documents, [`image`] for pictures),
//! limited in size while they stream (an oversized upload leaves nothing behind), hashed
//! (SHA-256) and written to an object store: a local folder by default, an S3-compatible
//! bucket by configuration so several instances share files. Uploads that must be judged
//! whole first are [`spool`]ed to a temporary file. Downloads send `Content-Disposition`, a
//! strong `ETag` from the hash, and honour `If-None-Match` and single byte ranges.
//!
//! Reading order: [`kind`] (pure rules) → [`store`] (the object store) → [`spool`] and
//! [`image`] (uploads judged before they are kept) → [`download`] (the HTTP answer).

pub mod download;
pub mod image;
pub mod kind;
pub mod spool;
pub mod store;

pub use download::{StoredFileMeta, respond};
pub use kind::{FileKind, Refusal};
pub use store::{FileBackend, FileSettings, FileStore, StoredFile, StoredObject, UploadError};
