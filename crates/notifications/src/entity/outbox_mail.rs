//! `outbox_mails`: one mail waiting for, or done with, delivery.

use sea_orm::entity::prelude::*;

/// One row of `outbox_mails`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_mails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7, also the name of the `.eml` file and part of the message id.
    pub id: Uuid,
    /// The address the mail goes to.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    /// The plain-text body.
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    /// The HTML body.
    pub body_html: String,
    /// JSON array of [`crate::Attachment`], or null.
    pub attachments: Option<Json>,
    /// `pending`, `sent` or `failed` (gave up after the last retry).
    pub status: String,
    /// Deliveries begun so far, counted when a worker claims the row.
    pub attempts: i32,
    /// Not to be tried before this instant (backoff after a failure).
    pub next_attempt_at: DateTimeUtc,
    /// Set by the worker that holds the row; only that worker may mark it done.
    pub claim_token: Option<Uuid>,
    /// The claim lapses after this instant, so a crashed worker's mail is retried.
    pub claimed_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    /// Why the last attempt failed, short and free of secrets.
    pub last_error: Option<String>,
    /// When the mail was enqueued.
    pub created_at: DateTimeUtc,
    /// When the SMTP server (or the mail folder) accepted it.
    pub sent_at: Option<DateTimeUtc>,
}

/// The outbox has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
