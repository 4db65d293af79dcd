//! The shared taxonomy every content type is tagged with: the programme's four themes
//! (Themenfelder) with their ten fields of action (Handlungsfelder), the programme phases
//! and target audiences. Seeded by a migration with stable slugs; anyone reads it,
//! coordinators edit it.
//!
//! Reading order: `entity/` → [`terms`] (rules and queries, one code path for the four
//! kinds) → `http` (handlers, mounted by [`configure`]).

pub mod entity;
mod http;
pub mod terms;

pub use http::{TAGS, configure, contract, filter_contract, links};
pub use terms::TermKind;
