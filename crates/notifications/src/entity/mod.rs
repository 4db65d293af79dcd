//! Tables of the notifications crate.

pub mod outbox_mail;
