//! Shared building blocks of every academy crate: the problem+json error contract,
//! actix extractor configuration that renders through it, pagination, entity tags,
//! the database handle and rate limits kept in the database.

pub mod contract;
pub mod db;
pub mod error;
pub mod etag;
pub mod extract;
pub mod markdown;
pub mod page;
pub mod periodic;
pub mod responses;
pub mod throttle;

pub use db::Db;
pub use error::{AppError, FieldError, PROBLEM_JSON, Problem};
pub use page::{Bounds, Page};
