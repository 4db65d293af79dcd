//! Black-box HTTP tests: each runs against the real application on a fresh database, once
//! on SQLite and once on PostgreSQL. Laid out like the routes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod accounts;
mod attachments;
mod catalogue;
mod certificates;
mod consultation_access;
mod consultation_bookings;
mod consultation_calendar;
mod consultation_concurrency;
mod consultation_limits;
mod consultation_offers;
mod consultation_paths;
mod consultation_waitlist;
mod contract;
mod course_reports;
mod courses;
mod demo;
mod directory;
mod errors;
mod filters;
mod guides;
mod health;
mod identity_hardening;
mod input;
mod mail;
mod markdown;
mod pipeline;
mod sessions;
mod taxonomy;
mod tutorials;
mod write_load;
