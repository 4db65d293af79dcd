//! Writing mails into the outbox.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::outbox_mail;

/// One mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (the same content as `text`).
    pub html: String,
    /// Files attached to the mail, e.g. calendar invitations.
    pub attachments: Vec<Attachment>,
}

/// A text file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the recipient sees.
    pub filename: String,
    /// MIME type, e.g. `text/calendar; method=REQUEST; charset=utf-8`.
    pub content_type: String,
    /// The file's text.
    pub content: String,
}

/// Puts `mail` into the outbox through `conn` — pass the transaction that writes the event
/// causing the mail, so both commit or neither does. Returns the outbox row's id.
pub async fn enqueue(conn: &impl ConnectionTrait, mail: Mail) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let attachments = if mail.attachments.is_empty() {
        None
    } else {
        Some(serde_json::to_value(&mail.attachments).map_err(|e| DbErr::Json(e.to_string()))?)
    };
    outbox_mail::Entity::insert(outbox_mail::ActiveModel {
        id: Set(id),
        recipient: Set(mail.to),
        subject: Set(mail.subject),
        body_text: Set(mail.text),
        body_html: Set(mail.html),
        attachments: Set(attachments),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claim_token: Set(None),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}
