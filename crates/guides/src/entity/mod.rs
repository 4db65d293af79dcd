//! Tables of guides, one file each; the per-revision link tables are written with
//! sea-query in [`crate::repo`].

pub mod guide;
pub mod guide_attachment;
pub mod guide_revision;
