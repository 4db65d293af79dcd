//! Shared building blocks of every academy crate: the problem+json error contract,
//! actix extractor configuration that renders through it, pagination, entity tags and
//! the database handle.

pub mod db;
pub mod error;
pub mod etag;
pub mod extract;
pub mod markdown;
pub mod page;
pub mod periodic;

pub use db::Db;
pub use error::{AppError, FieldError, PROBLEM_JSON, Problem};
pub use page::{Bounds, Page};
