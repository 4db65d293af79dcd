//! Guides (Leitfäden): structured, reviewed knowledge from the alliance's member
//! organisations — context, steps, success factors and pitfalls — tagged with the shared
//! taxonomy.
//!
//! A guide is a stable identity (id, slug, publishing organisation) with numbered
//! revisions: at most one is live, at most one is being worked on. Authors of the
//! publishing organisation write and submit drafts; coordinators return, publish (now or
//! at a set time) and archive. Editing a published guide starts a new draft while the
//! live revision stays visible; every revision ever published is kept.
//!
//! Reading order: `entity/` (tables) → [`domain`] (validated content, the workflow's
//! rules) → `repo` (queries) → [`service`] (use cases, authorization, transactions) →
//! `http` (handlers, mounted by [`configure`]) →
//! `attachments` (template files) →
//! [`scheduler`] (scheduled publishing).

mod attachments;
pub mod domain;
pub mod entity;
mod http;
mod repo;
pub mod scheduler;
pub mod search;
pub mod service;

pub use attachments::attach_file;
pub use http::{GuideSort, RevisionChoice, TAGS, configure, contract, links};
pub use service::publish_due;
