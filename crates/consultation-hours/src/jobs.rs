//! Background work every instance runs: reminders a day ahead, ending seat holds that
//! were not accepted, extending slots into the booking horizon, anonymising old concerns
//! forgetting old idempotency keys and removing slots that passed unbooked. Every step claims its rows with conditional
//! updates (or inserts that skip existing rows), so any number of instances may run it.

use std::time::Duration as StdDuration;

use academy_kernel::periodic::Periodic;
use academy_kernel::{AppError, Db};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::Settings;
use crate::bookings;
use crate::entity::{offer, slot};
use crate::offers;

/// Reminders go out this long before an appointment.
pub const REMINDER_LEAD: Duration = Duration::hours(24);

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub reminders: usize,
    pub holds_ended: usize,
    pub slots_added: usize,
    pub anonymised: u64,
}

/// One round of every job at `now`.
pub async fn run_once(db: &Db, settings: &Settings, now: DateTime<Utc>) -> Result<Round, AppError> {
    let reminders = bookings::send_reminders(db, settings, now, REMINDER_LEAD).await?;
    let holds_ended = bookings::expire_holds(db, settings, now).await?;
    let mut slots_added = 0;
    for offer in offer::Entity::find()
        .filter(offer::Column::Status.eq("active"))
        .all(db)
        .await?
    {
        slots_added += offers::extend_horizon(db, &offer, now).await?;
    }
    let anonymised = bookings::anonymise_due(db, now, settings.retention_days).await?;
    let forget = Query::delete()
        .from_table(Alias::new("booking_idempotency_keys"))
        .and_where(Expr::col(Alias::new("created_at")).lt(now - Duration::hours(24)))
        .to_owned();
    db.execute(&forget).await?;
    // Slots that passed with no open booking are of no further use; closed bookings keep
    // their own copy of the times.
    slot::Entity::delete_many()
        .filter(slot::Column::EndsAt.lt(now - Duration::days(1)))
        .filter(slot::Column::Booked.eq(0))
        .filter(slot::Column::Held.eq(0))
        .exec(db)
        .await?;
    Ok(Round {
        reminders,
        holds_ended,
        slots_added,
        anonymised,
    })
}

/// Runs a round every `interval` on the current tokio runtime.
pub fn spawn(db: Db, settings: Settings, interval: StdDuration) -> Periodic {
    Periodic::spawn(interval, move || {
        let (db, settings) = (db.clone(), settings.clone());
        async move {
            match run_once(&db, &settings, Utc::now()).await {
                Ok(round) if round == Round::default() => {}
                Ok(round) => tracing::info!(?round, "consultation hours jobs"),
                Err(error) => tracing::warn!(%error, "consultation hours jobs failed"),
            }
        }
    })
}
