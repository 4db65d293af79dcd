//! The catalogue: guides, tutorials and courses found together.
//!
//! One list across every kind of public content, ranked by a German search that forgives
//! what people type (prefixes of compounds, umlauts written out, inflected verbs, typos),
//! filtered by type, taxonomy, language, organisation and accessibility, with facet counts
//! for the filter UI. It reads the read model the content crates write in the transaction
//! that changes what the public sees (`academy_publishing::catalogue`), so a page is one
//! indexed statement and never stale.
//!
//! Reading order: [`request`] (the checked query) → [`query`] (the one statement and its
//! rows) → [`suggest`] ("did you mean") → [`cache`] (answers kept per catalogue version)
//! → [`http`] → [`rebuild`] (writing the read model from the live content once, after
//! the migration that created it).

pub mod cache;
mod http;
pub mod query;
pub mod rebuild;
pub mod request;
pub mod suggest;

pub use cache::Cache;
pub use http::{Accessibility, CatalogueSort, ContentType, TAGS, configure, contract};
pub use rebuild::rebuild;
