//! Consultation hours (Sprechstunden): municipal staff book time with an expert of the
//! alliance, "focused on their own site", when they need targeted support.
//!
//! A consultant (or the coordinating office on their behalf) publishes an offer with its
//! booking rules and availability in local time; slots follow from the availability and
//! are kept as rows, so the database can keep seats from being oversold and a
//! consultant's appointments from overlapping. Learners book a slot for their
//! municipality, join the waitlist of a full one, and get every change by mail with an
//! `.ics` file; everyone can subscribe to their appointments as a calendar feed.
//!
//! Reading order: `entity/` (tables) → [`schedule`] (local hours → slots, DST) →
//! [`domain`] (validated offers, answers, states, time rules) → [`ics`] (calendar files)
//! → `repo` (queries) → [`offers`] (offers, availability, slot upkeep) → [`bookings`]
//! (booking, state changes, waitlist) → `letters` (mails) → [`jobs`] (reminders, holds,
//! retention, slot horizon) → `http/` (handlers, mounted by [`configure`]).

pub mod bookings;
pub mod domain;
pub mod entity;
pub mod ics;
pub mod notify;
pub mod offers;
pub mod schedule;

/// Settings of consultation hours.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The frontend's address; mails link to `/sprechstunden/buchungen/{id}` below it.
    pub app_url: String,
    /// The public base address of the API (no trailing `/`); calendar-feed addresses
    /// start with it.
    pub public_url: String,
    /// Concern and answers are anonymised this many days after the appointment.
    pub retention_days: i64,
}
pub mod browse;
pub mod feeds;
mod http;
pub mod jobs;

pub use http::{TAGS, configure, contract, links};
