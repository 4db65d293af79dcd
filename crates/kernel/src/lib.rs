//! Shared building blocks of every academy crate: the problem+json error contract,
//! actix extractor configuration that renders through it, and the database handle.

pub mod db;
pub mod error;
pub mod extract;

pub use db::Db;
pub use error::{AppError, FieldError, PROBLEM_JSON, Problem};
