#![warn(missing_docs)]
//! Mail for every capability.
//!
//! A capability composes a [`Mail`] and [`enqueue`]s it with the same connection or
//! transaction that writes the event causing it: the mail exists exactly when the event
//! does. A background [`Worker`] delivers the outbox through a [`Transport`] — an SMTP
//! server, or a folder of `.eml` files when none is configured — and several workers on one
//! database send each mail once.

pub mod entity;
mod message;
mod outbox;
mod settings;
mod template;
mod transport;
mod worker;

pub use outbox::{Attachment, Mail, enqueue};
pub use settings::{
    DEFAULT_FROM, DEFAULT_MAIL_DIR, DEFAULT_POLL_INTERVAL, DEFAULT_SMTP_PORT, MailSettings, Sender,
    SmtpCredentials, SmtpSettings, TlsMode,
};
pub use template::{Action, Letter};
pub use transport::{Transport, TransportError};
pub use worker::{CLAIM_LEASE, MAX_ATTEMPTS, Worker, backoff, deliver_due};
