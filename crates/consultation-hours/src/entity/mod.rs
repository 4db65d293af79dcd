//! Tables of consultation hours, one file each. The small bookkeeping tables (offer
//! fields, fair-use locks, idempotency keys, feed tokens) are written with sea-query in
//! [`crate::repo`].

pub mod booking;
pub mod offer;
pub mod slot;
pub mod waitlist_entry;
