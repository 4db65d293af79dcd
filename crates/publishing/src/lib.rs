//! The publishing workflow that guides, tutorials and courses share.
//!
//! Content is written in revisions: authors of the publishing organisation write a draft,
//! submit it, and a coordinator publishes it (now or at a set time) or returns it with a
//! comment; a published revision stays live while the next one is written; every
//! published revision is kept; archiving withdraws the whole item. Every kind of content
//! keeps the same workflow columns in tables of its own ([`Kind`] names them), and this
//! crate does everything the workflow does with them, once:
//!
//! Reading order: [`workflow`] (states, transitions and their checks, pure) → [`kind`]
//! (the tables and the rows the workflow reads) → [`slug`] → [`links`] (taxonomy terms
//! and co-publishers per revision) → [`lifecycle`] (access, the transitions in the
//! caller's transaction, scheduled publishing, history) → [`mails`] → [`listing`] (the
//! conditions every list shares, including the review queue).

pub mod catalogue;
pub mod kind;
pub mod language;
pub mod lifecycle;
pub mod links;
pub mod listing;
pub mod mails;
pub mod search;
pub mod slug;
pub mod workflow;

pub use kind::{German, Item, Kind, RevisionHead};
pub use lifecycle::{Published, Which, is_editor, is_public, is_staff};
pub use links::{Links, Tags};
pub use workflow::{
    NOTE_MAX, PublicationStatus, RevisionState, Transition, Workflow, check, not_archived,
    review_comment,
};
