//! Courses: the academy's "low-threshold qualification channels" for municipal staff.
//! Authors of the alliance's member organisations build a course from modules and
//! lessons — text, a published guide, a published video tutorial, a quiz — and the
//! coordinating office publishes it through the same workflow as guides and tutorials.
//! Learners enrol themselves where a course allows it; coordinators enrol accounts, and
//! coordinators or a municipality's contact person enrol the municipality's whole team,
//! including whoever joins later. Each enrolment keeps to the revision it started on;
//! progress is recorded by the events that cause it (a lesson viewed or marked done, a
//! tutorial watched to completion, a quiz passed), and quizzes are scored on the server
//! without ever showing an answer key before the review policy allows.
//!
//! Completing a course issues a certificate anyone can verify: a public page, an Open
//! Badges 3.0 credential signed with the academy's Ed25519 key, a PDF with a QR code,
//! revocation published as a status list, and expiry after the course's validity.
//!
//! Reading order: `entity/` (tables) → [`domain`] (validated content) → [`quiz`]
//! (questions, layout, scoring) → [`progress`] (locking and completion rules) →
//! [`credentials`] and [`pdf`] (what a certificate is made of) → [`courses`] (the
//! workflow, browsing) → [`covers`] (the cover image) → [`enrolments`] (who takes a course, teams) → [`learning`]
//! (lesson events, tutorial completion, quiz attempts) → [`certificates`] → [`reports`] → `http/`
//! (handlers, mounted by [`configure`]) → [`scheduler`].

pub mod certificates;
pub mod courses;
pub mod covers;
pub mod credentials;
pub mod domain;
pub mod enrolments;
pub mod entity;
mod http;
pub mod learning;
pub mod pdf;
pub mod progress;
pub mod quiz;
pub mod reports;
pub mod scheduler;

pub use http::{CourseRevisionChoice, CourseSort, CoverResponse, TAGS, configure, contract, links};

/// What courses take from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The learners' web application: links in mails lead there.
    pub app_url: String,
    /// The public address of this API: certificates' verification addresses start here.
    pub public_url: String,
    /// The key credentials are signed with (`ACADEMY_CREDENTIAL_KEY`); without it,
    /// certificates are issued and verifiable, but no signed credential is given out.
    pub issuer: Option<credentials::Issuer>,
}
