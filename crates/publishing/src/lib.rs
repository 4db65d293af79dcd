//! The publishing workflow that guides, tutorials and courses share.
//!
//! Content is written in revisions: authors of the publishing organisation write a draft,
//! submit it, and a coordinator publishes it (now or at a set time) or returns it with a
//! comment; a published revision stays live while the next one is written; archiving
//! withdraws the whole item. This crate holds the rules of that workflow — the states, the
//! transitions and when each may happen, the review comment — free of I/O, so that every
//! kind of content follows the same ones. Each content crate keeps its revisions in its
//! own tables and asks [`check`] before every transition.

pub mod workflow;

pub use workflow::{
    NOTE_MAX, PublicationStatus, RevisionState, Transition, Workflow, check, review_comment,
};
