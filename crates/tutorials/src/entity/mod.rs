//! Tables of tutorials, one file each. The `tutorials` table itself holds only the shared
//! workflow columns and is read through `academy_publishing`; the captions exemption
//! beside them is read in [`crate::service`].

pub mod tutorial_cue;
pub mod tutorial_file;
pub mod tutorial_progress;
pub mod tutorial_revision;
pub mod tutorial_source;
pub mod tutorial_track;
pub mod tutorial_transcript;
