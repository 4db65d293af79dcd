//! Delivering the outbox.
//!
//! Any number of workers, in one process or many, may deliver from one database. A worker
//! owns a row only after a conditional `UPDATE` that succeeds for exactly one of them: it
//! sets a fresh claim token and a lease, and only the holder of the token may mark the row
//! done. A worker that dies mid-delivery leaves a lease that lapses, and the mail is tried
//! again — delivery is once in normal operation and at least once after a crash.

use std::time::Duration;

use academy_kernel::db::Db;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::entity::outbox_mail::{self, Column};
use crate::transport::{SendError, Transport};
use crate::{Attachment, Mail};

/// Deliveries per mail before it is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claim holds. Far longer than one SMTP conversation may take, so a claim
/// never lapses while its worker is still sending.
pub const CLAIM_LEASE: Duration = Duration::from_secs(10 * 60);
/// The wait before the first retry; it doubles with every further failure.
const FIRST_RETRY: Duration = Duration::from_secs(30);
/// The longest wait between two attempts.
const LONGEST_RETRY: Duration = Duration::from_secs(2 * 60 * 60);
/// Rows looked at per query.
const BATCH: u64 = 20;
/// Longest `last_error` kept, in characters.
const ERROR_LIMIT: usize = 300;

/// The wait before the next attempt after `failed_attempts` failures: 30 s, 1 min,
/// 2 min, … up to 2 h.
pub fn backoff(failed_attempts: i32) -> Duration {
    let doublings = failed_attempts.saturating_sub(1).clamp(0, 16) as u32;
    FIRST_RETRY
        .saturating_mul(1 << doublings)
        .min(LONGEST_RETRY)
}

/// Delivers every mail that is due now and not held by another worker, then returns how
/// many were sent. Failures are recorded on their rows (retry later, or `failed`); only a
/// database error ends the pass early.
pub async fn deliver_due(db: &Db, transport: &Transport) -> Result<usize, DbErr> {
    deliver(db, transport, None).await
}

/// A running delivery worker. Dropping it stops the worker too, but only
/// [`stop`](Self::stop) waits until it has finished the mail in hand.
#[derive(Debug)]
pub struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts a worker on the current tokio runtime that delivers due mails every
    /// `poll_interval`.
    pub fn spawn(db: Db, transport: Transport, poll_interval: Duration) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(db, transport, poll_interval, stopped));
        Self { stop, task }
    }

    /// Asks the worker to stop and waits until it has: the mail being sent is finished
    /// and recorded, the rest stays for the next start or another instance.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the mail worker ended abnormally");
        }
    }
}

async fn run(
    db: Db,
    transport: Transport,
    poll_interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!(
        to = %transport.describe(),
        every = ?poll_interval,
        "mail delivery started"
    );
    loop {
        if let Err(error) = deliver(&db, &transport, Some(&stop)).await {
            tracing::warn!(%error, "mail delivery pass failed; trying again");
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            () = tokio::time::sleep(poll_interval) => {}
        }
    }
    tracing::info!("mail delivery stopped");
}

async fn deliver(
    db: &Db,
    transport: &Transport,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<usize, DbErr> {
    let stopping = || stop.is_some_and(|stop| *stop.borrow());
    let mut sent = 0;
    loop {
        let now = Utc::now();
        let due: Vec<Uuid> = outbox_mail::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::Status.eq("pending"))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(unclaimed(now))
            .order_by_asc(Column::NextAttemptAt)
            .order_by_asc(Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let mut claimed_any = false;
        for id in due {
            if stopping() {
                return Ok(sent);
            }
            let Some(claim) = claim(db, id).await? else {
                continue;
            };
            claimed_any = true;
            if deliver_claimed(db, transport, claim).await? {
                sent += 1;
            }
        }
        // Every claimed row is now sent, failed or due later, and rows held by other
        // workers are skipped by the query: an empty round means nothing is left.
        if !claimed_any {
            return Ok(sent);
        }
    }
}

/// Not held by any worker, or held by one whose lease has lapsed.
fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::ClaimedUntil.is_null())
        .add(Column::ClaimedUntil.lt(now))
}

/// A row this worker owns until `token` is cleared or the lease lapses.
struct Claim {
    token: Uuid,
    row: outbox_mail::Model,
}

/// Takes row `id` if it is still due and free; `None` when another worker was first.
async fn claim(db: &Db, id: Uuid) -> Result<Option<Claim>, DbErr> {
    let token = Uuid::now_v7();
    let now = Utc::now();
    let lease = chrono::Duration::from_std(CLAIM_LEASE)
        .map_err(|e| DbErr::Custom(format!("claim lease out of range: {e}")))?;
    let result = outbox_mail::Entity::update_many()
        .col_expr(Column::ClaimToken, Expr::value(token))
        .col_expr(Column::ClaimedUntil, Expr::value(now + lease))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq("pending"))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    let row = outbox_mail::Entity::find()
        .filter(Column::Id.eq(id))
        .filter(Column::ClaimToken.eq(token))
        .one(db)
        .await?;
    Ok(row.map(|row| Claim { token, row }))
}

/// Sends a claimed row and records the outcome; `true` when it was sent.
async fn deliver_claimed(db: &Db, transport: &Transport, claim: Claim) -> Result<bool, DbErr> {
    let Claim { token, row } = claim;
    let outcome = match to_mail(&row) {
        Ok(mail) => transport.send(row.id, &mail).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            mark_sent(db, &row, token).await?;
            Ok(true)
        }
        Err(error) => {
            record_failure(db, &row, token, error).await?;
            Ok(false)
        }
    }
}

fn to_mail(row: &outbox_mail::Model) -> Result<Mail, SendError> {
    let attachments: Vec<Attachment> = match &row.attachments {
        None => Vec::new(),
        Some(json) => serde_json::from_value(json.clone()).map_err(|_| SendError {
            message: "the stored attachments cannot be read".into(),
            permanent: true,
        })?,
    };
    Ok(Mail {
        to: row.recipient.clone(),
        subject: row.subject.clone(),
        text: row.body_text.clone(),
        html: row.body_html.clone(),
        attachments,
    })
}

/// Marks the mail sent and drops its content: mails carry single-use links (verification,
/// password reset), and a delivered one has no reason to keep them in the database.
async fn mark_sent(db: &Db, row: &outbox_mail::Model, token: Uuid) -> Result<(), DbErr> {
    let result = outbox_mail::Entity::update_many()
        .col_expr(Column::Status, Expr::value("sent"))
        .col_expr(Column::BodyText, Expr::value(""))
        .col_expr(Column::BodyHtml, Expr::value(""))
        .col_expr(
            Column::Attachments,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .col_expr(Column::SentAt, Expr::value(Utc::now()))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(row.id))
        .filter(Column::ClaimToken.eq(token))
        .exec(db)
        .await?;
    metrics::counter!("mail_deliveries_total", "outcome" => "sent").increment(1);
    if result.rows_affected == 1 {
        tracing::debug!(mail = %row.id, attempt = row.attempts, "mail sent");
    } else {
        tracing::warn!(
            mail = %row.id,
            "mail sent after its claim had lapsed; another worker may send it again"
        );
    }
    Ok(())
}

async fn record_failure(
    db: &Db,
    row: &outbox_mail::Model,
    token: Uuid,
    error: SendError,
) -> Result<(), DbErr> {
    let message: String = error.message.chars().take(ERROR_LIMIT).collect();
    let give_up = error.permanent || row.attempts >= MAX_ATTEMPTS;
    let mut update = outbox_mail::Entity::update_many()
        .col_expr(Column::ClaimToken, Expr::value(Option::<Uuid>::None))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(message.clone()));
    metrics::counter!(
        "mail_deliveries_total",
        "outcome" => if give_up { "failed" } else { "retry" }
    )
    .increment(1);
    if give_up {
        update = update.col_expr(Column::Status, Expr::value("failed"));
        tracing::error!(
            mail = %row.id,
            attempts = row.attempts,
            error = %message,
            "mail given up as failed"
        );
    } else {
        let wait = backoff(row.attempts);
        let next = Utc::now()
            + chrono::Duration::from_std(wait)
                .map_err(|e| DbErr::Custom(format!("retry delay out of range: {e}")))?;
        update = update.col_expr(Column::NextAttemptAt, Expr::value(next));
        tracing::warn!(
            mail = %row.id,
            attempts = row.attempts,
            retry_in = ?wait,
            error = %message,
            "mail not delivered; will retry"
        );
    }
    update
        .filter(Column::Id.eq(row.id))
        .filter(Column::ClaimToken.eq(token))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(120));
        assert_eq!(backoff(8), Duration::from_secs(30 * 128));
        assert_eq!(backoff(9), Duration::from_secs(2 * 60 * 60));
        assert_eq!(backoff(MAX_ATTEMPTS), Duration::from_secs(2 * 60 * 60));
        assert_eq!(backoff(i32::MAX), Duration::from_secs(2 * 60 * 60));
        // Nonsense counts do not underflow.
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(-5), Duration::from_secs(30));
    }

    #[test]
    fn the_lease_outlasts_an_smtp_conversation_and_the_longest_wait_is_below_a_day() {
        assert!(CLAIM_LEASE > Duration::from_secs(5 * 60));
        let total: Duration = (1..MAX_ATTEMPTS).map(backoff).sum();
        assert!(total > Duration::from_secs(60 * 60), "{total:?}");
        assert!(total < Duration::from_secs(24 * 60 * 60), "{total:?}");
    }

    #[test]
    fn stored_attachments_are_read_back() {
        let attachment = Attachment {
            filename: "termin.ics".into(),
            content_type: "text/calendar".into(),
            content: "BEGIN:VCALENDAR".into(),
        };
        let now = Utc::now();
        let mut row = outbox_mail::Model {
            id: Uuid::now_v7(),
            recipient: "a@example.org".into(),
            subject: "s".into(),
            body_text: "t".into(),
            body_html: "h".into(),
            attachments: Some(serde_json::json!([attachment])),
            status: "pending".into(),
            attempts: 1,
            next_attempt_at: now,
            claim_token: None,
            claimed_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        };
        let mail = to_mail(&row).expect("readable");
        assert_eq!(mail.attachments, vec![attachment]);

        row.attachments = Some(serde_json::json!({"not": "a list"}));
        let error = to_mail(&row).expect_err("unreadable");
        assert!(error.permanent);
    }
}
