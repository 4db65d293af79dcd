//! Mail for every capability.
//!
//! A capability composes a [`Mail`] and [`enqueue`]s it with the same connection or
//! transaction that writes the event causing it: the mail exists exactly when the event
//! does. A background worker delivers the outbox.

pub mod entity;
mod outbox;
mod template;

pub use outbox::{Attachment, Mail, enqueue};
pub use template::{Action, Letter};
