//! Video tutorials: short films that "set impulses, give a first orientation, or serve as
//! a detailed guide", available around the clock. Authors of the alliance's member
//! organisations describe them — title, summary, chapters, speakers, licence, taxonomy —
//! and the coordinating office publishes them through the same workflow as guides. The
//! videos play from allowed external hosts. Text tracks (captions, subtitles,
//! descriptions, chapters) are uploaded as WebVTT or SRT and served to `<track>`; each
//! tutorial states which WCAG 2.1 media criteria it meets, computed from its tracks and
//! sources, and is only published with approved German captions (or a coordinator's
//! recorded exemption). Learners' players report what they watched; progress counts
//! only what was played, so jumping to the end completes nothing.
//!
//! Reading order: `entity/` (tables) → [`domain`] (validated metadata, sources, the
//! accessibility profile) → [`tracks`] (WebVTT/SRT rules) → [`progress`] (watch rules) →
//! [`media`] (video and image headers) → [`tutorials`] (the workflow, browsing) → [`search`] →
//! [`text_tracks`] → [`sources`] → [`uploads`] → [`watching`] (progress reports) → [`reports`] →
//! `http/` (handlers, mounted by [`configure`]) → [`scheduler`].

pub mod domain;
pub mod entity;
mod http;
pub mod media;
pub mod progress;
pub mod reports;
pub mod scheduler;
pub mod search;
pub mod sources;
pub mod text_tracks;
pub mod tracks;
pub mod tutorials;
pub mod uploads;
pub mod watching;

pub use http::{
    ReportFormat, TAGS, TutorialRevisionChoice, TutorialSort, configure, contract, links,
};

/// The largest video upload unless configured otherwise: 2 GiB.
pub const DEFAULT_VIDEO_UPLOAD_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// What the tutorials take from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Hosts external video addresses may point at (exactly, case-insensitive).
    pub allowed_hosts: Vec<String>,
    /// The fastest playback a progress report may claim (e.g. 2.0).
    pub max_playback_rate: f64,
    /// The largest video upload, in bytes.
    pub video_upload_limit: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            max_playback_rate: 2.0,
            video_upload_limit: DEFAULT_VIDEO_UPLOAD_LIMIT,
        }
    }
}
