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
//! Reading order: `entity/` (tables) → [`domain`] (validated content) → [`quiz`]
//! (questions, layout, scoring) → [`progress`] (locking and completion rules) →
//! [`courses`] (the workflow, browsing) → [`enrolments`] (who takes a course, teams) →
//! [`learning`] (lesson events, tutorial completion, quiz attempts) → `http/` (handlers,
//! mounted by [`configure`]) → [`scheduler`].

pub mod courses;
pub mod domain;
pub mod enrolments;
pub mod entity;
mod http;
pub mod learning;
pub mod progress;
pub mod quiz;
pub mod scheduler;

pub use http::{CourseRevisionChoice, CourseSort, TAGS, configure, contract, links};
