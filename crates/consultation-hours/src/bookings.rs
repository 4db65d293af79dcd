//! Booking, the life of a booking, and the waitlist.
//!
//! Seats are taken and given back only by conditional updates of the slot row
//! (`booked + held < capacity`), inside the transaction that writes the booking, so the
//! database never lets a slot be oversold, whatever the number of requests or instances.
//! Every state change is one conditional update on the booking's current state: two
//! racing changes cannot both apply.

use std::collections::BTreeMap;

use academy_auth::{Principal, Role};
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, FieldError};
use actix_web::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    ExprTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Settings;
use crate::domain::{self, BookingStatus, WaitlistMode};
use crate::entity::{booking, offer, slot, waitlist_entry};
use crate::notify::{self, Appointment, Notice};
use crate::offers::{manages, questions_of, rules_of};

/// What a participant brings to the appointment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingInput {
    /// What the participant would like to discuss (at most 4,000 characters). Visible to
    /// the participant, the consultant and the coordinating office only.
    #[schema(
        example = "Wir planen einen Quartiersrat und suchen Beispiele für die Geschäftsordnung."
    )]
    pub concern: String,
    /// Answers to the offer's intake questions, by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

/// How a booking request ended.
pub enum Booked {
    /// A new booking.
    Created(BookingView),
    /// The same request was made before with this `Idempotency-Key`: its booking.
    Replayed(BookingView),
}

fn conflict(code: &'static str, detail: &'static str) -> AppError {
    AppError::conflict(code, detail)
}

fn refusal(code: &'static str) -> AppError {
    match code {
        "slot_in_past" => conflict("slot_in_past", "The slot has already begun."),
        "notice_too_short" => conflict(
            "notice_too_short",
            "The slot starts too soon; the offer needs more notice.",
        ),
        "too_far_ahead" => conflict("too_far_ahead", "The slot is too far ahead to book yet."),
        other => conflict(other, "The slot cannot be booked."),
    }
}

/// The learner's municipality; bookings are always for one, and only for a confirmed
/// membership (403 `municipality_unconfirmed` while a coordinator has yet to confirm it).
fn booking_municipality(caller: &Principal) -> Result<Uuid, AppError> {
    if !caller.has(Role::Learner) {
        return Err(AppError::forbidden());
    }
    let municipality = caller.municipality_id.ok_or_else(|| {
        AppError::new(
            StatusCode::FORBIDDEN,
            "no_municipality",
            "Only staff assigned to a municipality can book consultation hours.",
        )
    })?;
    if !caller.municipality_confirmed {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "municipality_unconfirmed",
            "Your membership in the municipality is not confirmed yet; the coordinating office will confirm it.",
        ));
    }
    Ok(municipality)
}

async fn bookable_slot(
    db: &impl ConnectionTrait,
    slot_id: Uuid,
) -> Result<(slot::Model, offer::Model), AppError> {
    let slot = slot::Entity::find_by_id(slot_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let offer = offer::Entity::find_by_id(slot.offer_id)
        .one(db)
        .await?
        .filter(|o| o.status == "active")
        .ok_or_else(AppError::not_found)?;
    Ok((slot, offer))
}

fn request_hash(slot_id: Uuid, concern: &str, answers: &BTreeMap<String, String>) -> String {
    academy_auth::tokens::digest(&format!("{slot_id}\n{concern}\n{}", json!(answers)))
}

/// Longest `Idempotency-Key`.
pub const KEY_MAX: usize = 255;
/// An `Idempotency-Key`: visible ASCII characters (`!` to `~`).
pub const KEY_PATTERN: &str = "^[!-~]+$";

/// Checks an `Idempotency-Key`: 1–255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), AppError> {
    if (1..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(AppError::validation(vec![FieldError::new(
            "Idempotency-Key",
            "invalid",
            "must be 1–255 visible ASCII characters, e.g. a UUID",
        )]))
    }
}

/// The earlier result of a request with the same key, if there was one.
async fn replay(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    hash: &str,
) -> Result<Option<booking::Model>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        request_hash: String,
        booking_id: Uuid,
    }
    let query = Query::select()
        .columns([Alias::new("request_hash"), Alias::new("booking_id")])
        .from(Alias::new("booking_idempotency_keys"))
        .and_where(Expr::col(Alias::new("user_id")).eq(user_id))
        .and_where(Expr::col(Alias::new("key")).eq(key))
        .to_owned();
    let Some(row) = Row::find_by_statement(db.get_database_backend().build(&query))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.request_hash != hash {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request.",
        ));
    }
    Ok(booking::Entity::find_by_id(row.booking_id).one(db).await?)
}

/// A fair-use limit of an offer that one more booking would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Person,
    Municipality,
}

impl Limit {
    fn error(self) -> AppError {
        match self {
            Self::Person => conflict(
                "person_limit_reached",
                "You hold as many open bookings of this offer as one person may.",
            ),
            Self::Municipality => conflict(
                "municipality_limit_reached",
                "Your municipality holds as many open bookings of this offer as it may.",
            ),
        }
    }
}

/// Takes the row `(offer_id, key)` of a lock table (inserting it the first time), so
/// transactions counting the same thing wait for each other on every backend and
/// instance.
async fn lock_row(
    txn: &DatabaseTransaction,
    table: &str,
    key: &str,
    offer_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let lock = Query::insert()
        .into_table(Alias::new(table))
        .columns([
            Alias::new("offer_id"),
            Alias::new(key),
            Alias::new("touched_at"),
        ])
        .values_panic([offer_id.into(), id.into(), now.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("offer_id"), Alias::new(key)])
                .update_column(Alias::new("touched_at"))
                .to_owned(),
        )
        .to_owned();
    txn.execute(&lock).await.map(|_| ())
}

/// Which limit of the offer one more booking of `user_id` for `municipality_id` would
/// exceed, if any. Open bookings and seats held on the waitlist both count. Each count
/// is taken under the lock of its (offer, person) or (offer, municipality) row, so
/// parallel bookings are counted one after the other.
async fn exceeded_limit(
    txn: &DatabaseTransaction,
    offer: &offer::Model,
    user_id: Uuid,
    municipality_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Limit>, DbErr> {
    lock_row(
        txn,
        "consultation_person_locks",
        "user_id",
        offer.id,
        user_id,
        now,
    )
    .await?;
    let open_of = |column: booking::Column, id: Uuid| {
        booking::Entity::find()
            .filter(booking::Column::OfferId.eq(offer.id))
            .filter(column.eq(id))
            .filter(booking::Column::Status.is_in(domain::OPEN))
            .filter(booking::Column::EndsAt.gt(now))
    };
    let held_of = |column: waitlist_entry::Column, id: Uuid| {
        waitlist_entry::Entity::find()
            .filter(column.eq(id))
            .filter(waitlist_entry::Column::Status.eq("offered"))
            .filter(waitlist_entry::Column::SlotId.in_subquery(future_slots(offer.id, now)))
    };
    let person = open_of(booking::Column::ParticipantId, user_id)
        .count(txn)
        .await?
        + held_of(waitlist_entry::Column::UserId, user_id)
            .count(txn)
            .await?;
    if person >= u64::try_from(offer.person_limit).unwrap_or(0) {
        return Ok(Some(Limit::Person));
    }
    let Some(limit) = offer.municipality_limit else {
        return Ok(None);
    };
    lock_row(
        txn,
        "consultation_quota_locks",
        "municipality_id",
        offer.id,
        municipality_id,
        now,
    )
    .await?;
    let municipality = open_of(booking::Column::MunicipalityId, municipality_id)
        .count(txn)
        .await?
        + held_of(waitlist_entry::Column::MunicipalityId, municipality_id)
            .count(txn)
            .await?;
    Ok((municipality >= u64::try_from(limit).unwrap_or(0)).then_some(Limit::Municipality))
}

/// The ids of the offer's slots that have not ended.
fn future_slots(offer_id: Uuid, now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(slot::Column::Id)
        .from(slot::Entity)
        .and_where(slot::Column::OfferId.eq(offer_id))
        .and_where(slot::Column::EndsAt.gt(now))
        .to_owned()
}

fn slot_full() -> AppError {
    conflict("slot_full", "Every seat of this slot is taken.")
}

/// Takes one free seat of the slot; `false` when none is left or it has begun.
async fn take_seat(
    txn: &DatabaseTransaction,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = slot::Entity::update_many()
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).add(1))
        .filter(slot::Column::Id.eq(slot_id))
        .filter(slot::Column::StartsAt.gt(now))
        .filter(Expr::cust("booked + held < capacity"))
        .exec(txn)
        .await?;
    Ok(result.rows_affected == 1)
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Who a new booking is for and what they bring.
struct Participant {
    id: Uuid,
    municipality_id: Uuid,
    concern: String,
    answers: serde_json::Value,
}

impl Participant {
    fn of(entry: &waitlist_entry::Model) -> Self {
        Self {
            id: entry.user_id,
            municipality_id: entry.municipality_id,
            concern: entry.concern.clone(),
            answers: entry.answers.clone(),
        }
    }
}

fn new_booking(
    id: Uuid,
    slot: &slot::Model,
    offer: &offer::Model,
    who: Participant,
    now: DateTime<Utc>,
) -> booking::ActiveModel {
    let status = if offer.requires_confirmation {
        BookingStatus::Pending
    } else {
        BookingStatus::Confirmed
    };
    booking::ActiveModel {
        id: Set(id),
        slot_id: Set(Some(slot.id)),
        offer_id: Set(offer.id),
        participant_id: Set(who.id),
        municipality_id: Set(who.municipality_id),
        status: Set(status.as_str().into()),
        starts_at: Set(slot.starts_at),
        ends_at: Set(slot.ends_at),
        concern: Set(Some(who.concern)),
        answers: Set(Some(who.answers)),
        anonymised_at: Set(None),
        reason: Set(None),
        closed_by: Set(None),
        sequence: Set(0),
        reminder_sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

fn appointment<'a>(b: &'a booking::Model, offer: &'a offer::Model) -> Appointment<'a> {
    Appointment {
        id: b.id,
        sequence: b.sequence,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        confirmed: b.status == BookingStatus::Confirmed.as_str(),
        participant_id: b.participant_id,
        reason: b.reason.as_deref(),
        concern: b.concern.as_deref(),
        answers: b.answers.as_ref(),
        offer,
    }
}

fn created_notice(b: &booking::Model) -> Notice {
    if b.status == BookingStatus::Pending.as_str() {
        Notice::Received
    } else {
        Notice::Confirmed
    }
}

/// Writes a new booking and puts its first mails into the outbox.
async fn insert_and_announce(
    txn: &DatabaseTransaction,
    settings: &Settings,
    booking: booking::ActiveModel,
    offer: &offer::Model,
    now: DateTime<Utc>,
) -> Result<booking::Model, AppError> {
    let model = booking.insert(txn).await.map_err(|error| {
        if is_unique_violation(&error) {
            conflict(
                "already_booked",
                "You already hold a booking for this slot.",
            )
        } else {
            error.into()
        }
    })?;
    notify::send(
        txn,
        &settings.app_url,
        created_notice(&model),
        &appointment(&model, offer),
        now,
    )
    .await?;
    Ok(model)
}

/// Books a seat in `slot_id` for the caller's municipality.
pub async fn book(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    slot_id: Uuid,
    input: BookingInput,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Booked, AppError> {
    let municipality_id = booking_municipality(caller)?;
    if let Some(key) = key {
        check_key(key)?;
    }
    let (slot, offer) = bookable_slot(db, slot_id).await?;
    let (concern, answers) =
        domain::check_request(&questions_of(&offer), &input.concern, &input.answers)
            .map_err(AppError::validation)?;
    let hash = request_hash(slot_id, &concern, &answers);
    if let Some(key) = key
        && let Some(earlier) = replay(db, caller.user_id, key, &hash).await?
    {
        return Ok(Booked::Replayed(view_of(caller, earlier, &offer)));
    }
    if let Some(code) = rules_of(&offer).booking_refusal(now, slot.starts_at) {
        return Err(refusal(code));
    }
    if slot.booked + slot.held >= slot.capacity {
        // Full when read: refused as of that moment, without a transaction or a lock, so
        // a rush on full slots costs what a read costs. A seat freed later is taken by
        // the conditional update below, never by this shortcut.
        return Err(slot_full());
    }

    let id = Uuid::now_v7();
    let txn = begin_write(db).await?;
    if let Some(key) = key {
        // Written first: a concurrent retry with the same key waits here for this
        // transaction and then finds the key taken.
        let insert = Query::insert()
            .into_table(Alias::new("booking_idempotency_keys"))
            .columns([
                Alias::new("user_id"),
                Alias::new("key"),
                Alias::new("request_hash"),
                Alias::new("booking_id"),
                Alias::new("created_at"),
            ])
            .values_panic([
                caller.user_id.into(),
                key.into(),
                hash.clone().into(),
                id.into(),
                now.into(),
            ])
            .to_owned();
        if let Err(error) = txn.execute(&insert).await {
            drop(txn);
            if is_unique_violation(&error) {
                return match replay(db, caller.user_id, key, &hash).await? {
                    Some(earlier) => Ok(Booked::Replayed(view_of(caller, earlier, &offer))),
                    None => Err(conflict(
                        "request_in_progress",
                        "A request with this Idempotency-Key is being processed; try again.",
                    )),
                };
            }
            return Err(error.into());
        }
    }
    if let Some(limit) = exceeded_limit(&txn, &offer, caller.user_id, municipality_id, now).await? {
        return Err(limit.error());
    }
    if !take_seat(&txn, slot.id, now).await? {
        return Err(slot_full());
    }
    let who = Participant {
        id: caller.user_id,
        municipality_id,
        concern,
        answers: json!(answers),
    };
    let model = insert_and_announce(
        &txn,
        settings,
        new_booking(id, &slot, &offer, who, now),
        &offer,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Booked::Created(view_of(caller, model, &offer)))
}

/// A booking with its offer, as one caller may see it.
#[derive(Debug, Clone)]
pub struct BookingView {
    pub booking: booking::Model,
    pub offer: offer::Model,
    /// Whether the caller manages the offer (consultant or coordinating office).
    pub manager: bool,
}

impl BookingView {
    /// The meeting link, number or address: for managers, and for the participant once
    /// the booking is confirmed.
    pub fn location(&self) -> Option<&str> {
        let confirmed = self.booking.status == BookingStatus::Confirmed.as_str();
        (self.manager || confirmed).then_some(self.offer.location.as_str())
    }
}

/// A booking of `offer` as `caller` sees it.
fn view_of(caller: &Principal, booking: booking::Model, offer: &offer::Model) -> BookingView {
    BookingView {
        manager: manages(caller, offer),
        booking,
        offer: offer.clone(),
    }
}

/// The booking, if the caller is its participant, the offer's consultant or in the
/// coordinating office; 404 for everyone else.
pub async fn visible(
    db: &impl ConnectionTrait,
    caller: &Principal,
    id: Uuid,
) -> Result<BookingView, AppError> {
    let booking = booking::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let offer = offer::Entity::find_by_id(booking.offer_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let manager = manages(caller, &offer);
    if manager || booking.participant_id == caller.user_id {
        Ok(BookingView {
            booking,
            offer,
            manager,
        })
    } else {
        Err(AppError::not_found())
    }
}

/// A change of a booking's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Confirm,
    Decline,
    Cancel,
    Complete,
    NoShow,
}

/// Applies `change` to a booking.
pub async fn change(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    id: Uuid,
    change: Change,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<BookingView, AppError> {
    let view = visible(db, caller, id).await?;
    let b = &view.booking;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > domain::REASON_MAX)
    {
        return Err(AppError::validation(vec![FieldError::new(
            "reason",
            "too_long",
            format!("must be at most {} characters", domain::REASON_MAX),
        )]));
    }
    let by_participant = !view.manager;
    if by_participant && change != Change::Cancel {
        return Err(AppError::forbidden());
    }
    let needs_reason =
        matches!(change, Change::Decline) || (change == Change::Cancel && !by_participant);
    if needs_reason && reason.is_none() {
        return Err(AppError::validation(vec![FieldError::new(
            "reason",
            "required",
            "tell the participant why",
        )]));
    }
    let (from, to, frees_seat): (&[&str], BookingStatus, bool) = match change {
        Change::Confirm => (&["pending"], BookingStatus::Confirmed, false),
        Change::Decline => (&["pending"], BookingStatus::Declined, true),
        Change::Cancel => (&domain::OPEN, BookingStatus::Cancelled, true),
        Change::Complete => (&["confirmed"], BookingStatus::Completed, false),
        Change::NoShow => (&["confirmed"], BookingStatus::NoShow, false),
    };
    if !from.contains(&b.status.as_str()) {
        return Err(match change {
            Change::Confirm | Change::Decline => conflict(
                "not_pending",
                "Only a pending booking can be confirmed or declined.",
            ),
            Change::Cancel => conflict("not_open", "The booking is not open any more."),
            Change::Complete | Change::NoShow => {
                conflict("not_confirmed", "Only a confirmed booking can be closed.")
            }
        });
    }
    match change {
        Change::Cancel
            if by_participant
                && !rules_of(&view.offer).participant_may_cancel(now, b.starts_at) =>
        {
            return Err(conflict(
                "cancellation_deadline_passed",
                "The deadline for cancelling has passed; please contact the consultant.",
            ));
        }
        Change::Cancel if b.ends_at <= now => {
            return Err(conflict("already_over", "The appointment is over."));
        }
        Change::Complete | Change::NoShow if b.starts_at > now => {
            return Err(conflict(
                "not_started",
                "The appointment has not begun yet.",
            ));
        }
        _ => {}
    }
    let txn = begin_write(db).await?;
    let notifies = matches!(change, Change::Confirm | Change::Decline | Change::Cancel);
    let mut update = booking::Entity::update_many()
        .col_expr(booking::Column::Status, Expr::value(to.as_str()))
        .col_expr(booking::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            booking::Column::Version,
            Expr::col(booking::Column::Version).add(1),
        )
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::Status.is_in(from.iter().copied()));
    if notifies {
        update = update.col_expr(
            booking::Column::Sequence,
            Expr::col(booking::Column::Sequence).add(1),
        );
    }
    if change != Change::Confirm {
        update = update
            .col_expr(booking::Column::ClosedBy, Expr::value(caller.user_id))
            .col_expr(booking::Column::Reason, Expr::value(reason.clone()));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(conflict(
            "changed",
            "The booking changed meanwhile; reload it.",
        ));
    }
    let updated = booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    if frees_seat && let Some(slot_id) = updated.slot_id {
        release_seat(&txn, settings, slot_id, slot::Column::Booked, now).await?;
    }
    let notice = match change {
        Change::Confirm => Some(Notice::Confirmed),
        Change::Decline => Some(Notice::Declined),
        Change::Cancel => Some(Notice::Cancelled { by_participant }),
        _ => None,
    };
    if let Some(notice) = notice {
        notify::send(
            &txn,
            &settings.app_url,
            notice,
            &appointment(&updated, &view.offer),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(BookingView {
        booking: updated,
        ..view
    })
}

/// Moves an open booking to another slot of the same offer in one transaction: the new
/// seat is taken, the booking moves, the old seat goes to the waitlist.
pub async fn reschedule(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    id: Uuid,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> Result<BookingView, AppError> {
    let view = visible(db, caller, id).await?;
    let b = &view.booking;
    if !domain::OPEN.contains(&b.status.as_str()) {
        return Err(conflict("not_open", "The booking is not open any more."));
    }
    let rules = rules_of(&view.offer);
    if !view.manager && !rules.participant_may_cancel(now, b.starts_at) {
        return Err(conflict(
            "cancellation_deadline_passed",
            "The deadline for moving the appointment has passed; please contact the consultant.",
        ));
    }
    let target = slot::Entity::find_by_id(slot_id)
        .one(db)
        .await?
        .filter(|s| s.offer_id == b.offer_id)
        .ok_or_else(|| {
            AppError::validation(vec![FieldError::new(
                "slotId",
                "unknown_slot",
                "no such slot of this booking's offer",
            )])
        })?;
    let Some(current_slot) = b.slot_id else {
        return Err(conflict("not_open", "The booking is not open any more."));
    };
    if target.id == current_slot {
        return Err(conflict(
            "same_slot",
            "The booking is in this slot already.",
        ));
    }
    let refusal_code = if view.manager {
        (target.starts_at <= now).then_some("slot_in_past")
    } else {
        rules.booking_refusal(now, target.starts_at)
    };
    if let Some(code) = refusal_code {
        return Err(refusal(code));
    }
    let txn = begin_write(db).await?;
    if !take_seat(&txn, target.id, now).await? {
        return Err(slot_full());
    }
    let moved = booking::Entity::update_many()
        .col_expr(booking::Column::SlotId, Expr::value(target.id))
        .col_expr(booking::Column::StartsAt, Expr::value(target.starts_at))
        .col_expr(booking::Column::EndsAt, Expr::value(target.ends_at))
        .col_expr(
            booking::Column::ReminderSentAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            booking::Column::Sequence,
            Expr::col(booking::Column::Sequence).add(1),
        )
        .col_expr(booking::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            booking::Column::Version,
            Expr::col(booking::Column::Version).add(1),
        )
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::SlotId.eq(current_slot))
        .filter(booking::Column::Status.is_in(domain::OPEN))
        .exec(&txn)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                conflict(
                    "already_booked",
                    "The participant already holds a booking for that slot.",
                )
            } else {
                error.into()
            }
        })?;
    if moved.rows_affected == 0 {
        return Err(conflict(
            "changed",
            "The booking changed meanwhile; reload it.",
        ));
    }
    release_seat(&txn, settings, current_slot, slot::Column::Booked, now).await?;
    let updated = booking::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    notify::send(
        &txn,
        &settings.app_url,
        Notice::Rescheduled,
        &appointment(&updated, &view.offer),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(BookingView {
        booking: updated,
        ..view
    })
}

/// Gives a seat back — a booked one (`slot::Column::Booked`) or a held one
/// (`slot::Column::Held`) — and offers it to the waitlist.
async fn release_seat(
    txn: &DatabaseTransaction,
    settings: &Settings,
    slot_id: Uuid,
    taken: slot::Column,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    slot::Entity::update_many()
        .col_expr(taken, Expr::col(taken).sub(1))
        .filter(slot::Column::Id.eq(slot_id))
        .filter(taken.gt(0))
        .exec(txn)
        .await?;
    fill_free_seat(txn, settings, slot_id, now).await
}

/// Gives a free seat of the slot to the first in line who may take it: booked directly
/// or offered and held, by the offer's setting. People at their own limit or whose
/// municipality is at its limit are passed over (they keep their place).
pub(crate) async fn fill_free_seat(
    txn: &DatabaseTransaction,
    settings: &Settings,
    slot_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(slot) = slot::Entity::find_by_id(slot_id).one(txn).await? else {
        return Ok(());
    };
    if slot.starts_at <= now || slot.booked + slot.held >= slot.capacity {
        return Ok(());
    }
    let Some(offer) = offer::Entity::find_by_id(slot.offer_id).one(txn).await? else {
        return Ok(());
    };
    let waiting = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::SlotId.eq(slot_id))
        .filter(waitlist_entry::Column::Status.eq("waiting"))
        .order_by_asc(waitlist_entry::Column::CreatedAt)
        .order_by_asc(waitlist_entry::Column::Id)
        .all(txn)
        .await?;
    for entry in waiting {
        // Someone who got a seat of this slot meanwhile (e.g. by moving a booking into it
        // after being passed over) cannot take a second one.
        let holds_seat = booking::Entity::find()
            .filter(booking::Column::SlotId.eq(slot.id))
            .filter(booking::Column::ParticipantId.eq(entry.user_id))
            .filter(booking::Column::Status.is_in(domain::OPEN))
            .count(txn)
            .await?
            > 0;
        if holds_seat
            || exceeded_limit(txn, &offer, entry.user_id, entry.municipality_id, now)
                .await?
                .is_some()
        {
            continue;
        }
        let direct = WaitlistMode::parse(&offer.waitlist_mode) == Some(WaitlistMode::Direct);
        if direct {
            if !take_seat(txn, slot.id, now).await? {
                return Ok(());
            }
            waitlist_entry::Entity::update_many()
                .col_expr(waitlist_entry::Column::Status, Expr::value("booked"))
                .col_expr(waitlist_entry::Column::BookingId, Expr::value(entry.id))
                .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
                .filter(waitlist_entry::Column::Id.eq(entry.id))
                .exec(txn)
                .await?;
            let booking = new_booking(entry.id, &slot, &offer, Participant::of(&entry), now);
            insert_and_announce(txn, settings, booking, &offer, now).await?;
        } else {
            let held = slot::Entity::update_many()
                .col_expr(slot::Column::Held, Expr::col(slot::Column::Held).add(1))
                .filter(slot::Column::Id.eq(slot.id))
                .filter(Expr::cust("booked + held < capacity"))
                .exec(txn)
                .await?;
            if held.rows_affected == 0 {
                return Ok(());
            }
            let until = Ord::min(
                now + Duration::minutes(offer.waitlist_hold_minutes.into()),
                slot.starts_at,
            );
            waitlist_entry::Entity::update_many()
                .col_expr(waitlist_entry::Column::Status, Expr::value("offered"))
                .col_expr(waitlist_entry::Column::OfferedUntil, Expr::value(until))
                .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
                .filter(waitlist_entry::Column::Id.eq(entry.id))
                .exec(txn)
                .await?;
            let a = Appointment {
                id: entry.id,
                sequence: 0,
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                confirmed: false,
                participant_id: entry.user_id,
                reason: None,
                concern: None,
                answers: None,
                offer: &offer,
            };
            notify::send(
                txn,
                &settings.app_url,
                Notice::SeatOffered { until },
                &a,
                now,
            )
            .await?;
        }
        return Ok(());
    }
    Ok(())
}

/// A waitlist place with its position.
#[derive(Debug, Clone)]
pub struct PlaceView {
    pub entry: waitlist_entry::Model,
    /// 1 for the first in line; `None` once the place is no longer waiting.
    pub position: Option<u64>,
}

async fn place_view(
    db: &impl ConnectionTrait,
    entry: waitlist_entry::Model,
) -> Result<PlaceView, AppError> {
    let position = if entry.status == "waiting" {
        let ahead = waitlist_entry::Entity::find()
            .filter(waitlist_entry::Column::SlotId.eq(entry.slot_id))
            .filter(waitlist_entry::Column::Status.eq("waiting"))
            .filter(waitlist_entry::Column::CreatedAt.lt(entry.created_at))
            .count(db)
            .await?;
        Some(ahead + 1)
    } else {
        None
    };
    Ok(PlaceView { entry, position })
}

/// Puts the caller on the waitlist of a full slot.
pub async fn join_waitlist(
    db: &sea_orm::DatabaseConnection,
    caller: &Principal,
    slot_id: Uuid,
    input: BookingInput,
    now: DateTime<Utc>,
) -> Result<PlaceView, AppError> {
    let municipality_id = booking_municipality(caller)?;
    let (slot, offer) = bookable_slot(db, slot_id).await?;
    let (concern, answers) =
        domain::check_request(&questions_of(&offer), &input.concern, &input.answers)
            .map_err(AppError::validation)?;
    if let Some(code) = rules_of(&offer).booking_refusal(now, slot.starts_at) {
        return Err(refusal(code));
    }
    let txn = begin_write(db).await?;
    // A conditional no-op update checks that the slot is full and locks its row until
    // commit: a cancellation freeing a seat at the same moment either comes first (and
    // this answers `seats_available`) or waits and then finds this place in line.
    let full = slot::Entity::update_many()
        .col_expr(slot::Column::Held, Expr::col(slot::Column::Held))
        .filter(slot::Column::Id.eq(slot_id))
        .filter(Expr::cust("booked + held >= capacity"))
        .exec(&txn)
        .await?;
    if full.rows_affected == 0 {
        return Err(conflict(
            "seats_available",
            "The slot has free seats; book one instead.",
        ));
    }
    let holds_booking = booking::Entity::find()
        .filter(booking::Column::SlotId.eq(slot_id))
        .filter(booking::Column::ParticipantId.eq(caller.user_id))
        .filter(booking::Column::Status.is_in(domain::OPEN))
        .count(&txn)
        .await?;
    if holds_booking > 0 {
        return Err(conflict(
            "already_booked",
            "You already hold a booking for this slot.",
        ));
    }
    let entry = waitlist_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        slot_id: Set(slot_id),
        user_id: Set(caller.user_id),
        municipality_id: Set(municipality_id),
        concern: Set(concern),
        answers: Set(json!(answers)),
        status: Set("waiting".into()),
        offered_until: Set(None),
        booking_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            conflict(
                "already_waiting",
                "You are on this slot's waitlist already.",
            )
        } else {
            error.into()
        }
    })?;
    txn.commit().await?;
    place_view(db, entry).await
}

async fn own_place(
    db: &impl ConnectionTrait,
    caller: &Principal,
    id: Uuid,
) -> Result<waitlist_entry::Model, AppError> {
    waitlist_entry::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|e| e.user_id == caller.user_id)
        .ok_or_else(AppError::not_found)
}

/// Takes the seat offered to the caller, while it is held.
pub async fn accept_place(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<BookingView, AppError> {
    let entry = own_place(db, caller, id).await?;
    let txn = begin_write(db).await?;
    let accepted = waitlist_entry::Entity::update_many()
        .col_expr(waitlist_entry::Column::Status, Expr::value("booked"))
        .col_expr(waitlist_entry::Column::BookingId, Expr::value(entry.id))
        .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
        .filter(waitlist_entry::Column::Id.eq(id))
        .filter(waitlist_entry::Column::Status.eq("offered"))
        .filter(waitlist_entry::Column::OfferedUntil.gt(now))
        .exec(&txn)
        .await?;
    if accepted.rows_affected == 0 {
        return Err(conflict(
            "no_seat_offered",
            "No seat is held for you (any more).",
        ));
    }
    let slot = slot::Entity::find_by_id(entry.slot_id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let offer = offer::Entity::find_by_id(slot.offer_id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    // The place is no longer `offered`, so its own hold does not count here; whatever
    // else the person or the municipality holds or booked since the seat was offered
    // does.
    if let Some(limit) =
        exceeded_limit(&txn, &offer, entry.user_id, entry.municipality_id, now).await?
    {
        // Refused: the place goes back to waiting (keeping its turn), and the held seat
        // goes on to the next in line now rather than when the hold would have run out.
        waitlist_entry::Entity::update_many()
            .col_expr(waitlist_entry::Column::Status, Expr::value("waiting"))
            .col_expr(
                waitlist_entry::Column::BookingId,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(
                waitlist_entry::Column::OfferedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
            .filter(waitlist_entry::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        release_seat(&txn, settings, entry.slot_id, slot::Column::Held, now).await?;
        txn.commit().await?;
        return Err(limit.error());
    }
    let moved = slot::Entity::update_many()
        .col_expr(slot::Column::Held, Expr::col(slot::Column::Held).sub(1))
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).add(1))
        .filter(slot::Column::Id.eq(entry.slot_id))
        .filter(slot::Column::Held.gt(0))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(AppError::internal(anyhow::anyhow!(
            "slot {} holds no seat",
            entry.slot_id
        )));
    }
    // The seat offer's calendar entry had SEQUENCE 0; the booking is its next version.
    let mut booking = new_booking(entry.id, &slot, &offer, Participant::of(&entry), now);
    booking.sequence = Set(1);
    let model = insert_and_announce(&txn, settings, booking, &offer, now).await?;
    txn.commit().await?;
    Ok(view_of(caller, model, &offer))
}

/// Leaves the waitlist; a seat held for the caller goes to the next in line.
pub async fn leave_place(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let entry = own_place(db, caller, id).await?;
    let txn = begin_write(db).await?;
    let left = waitlist_entry::Entity::update_many()
        .col_expr(waitlist_entry::Column::Status, Expr::value("left"))
        .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
        .filter(waitlist_entry::Column::Id.eq(id))
        .filter(waitlist_entry::Column::Status.eq(entry.status.clone()))
        .filter(waitlist_entry::Column::Status.is_in(["waiting", "offered"]))
        .exec(&txn)
        .await?;
    if left.rows_affected == 0 {
        return Err(conflict(
            "not_waiting",
            "You are not waiting for this slot (any more).",
        ));
    }
    if entry.status == "offered" {
        release_seat(&txn, settings, entry.slot_id, slot::Column::Held, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends holds that were not accepted in time and offers each seat to the next in line.
/// Each hold is claimed with a conditional update, so several instances may run this at
/// once. Returns how many holds ended.
pub async fn expire_holds(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let due = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::Status.eq("offered"))
        .filter(waitlist_entry::Column::OfferedUntil.lte(now))
        .limit(100)
        .all(db)
        .await?;
    let mut ended = 0;
    for entry in due {
        let txn = begin_write(db).await?;
        let claimed = waitlist_entry::Entity::update_many()
            .col_expr(waitlist_entry::Column::Status, Expr::value("expired"))
            .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(now))
            .filter(waitlist_entry::Column::Id.eq(entry.id))
            .filter(waitlist_entry::Column::Status.eq("offered"))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        let slot = slot::Entity::find_by_id(entry.slot_id).one(&txn).await?;
        let offer = match &slot {
            Some(slot) => offer::Entity::find_by_id(slot.offer_id).one(&txn).await?,
            None => None,
        };
        if let (Some(slot), Some(offer)) = (slot, offer) {
            let a = Appointment {
                id: entry.id,
                sequence: 1,
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                confirmed: false,
                participant_id: entry.user_id,
                reason: None,
                concern: None,
                answers: None,
                offer: &offer,
            };
            notify::send(&txn, &settings.app_url, Notice::OfferExpired, &a, now).await?;
        }
        release_seat(&txn, settings, entry.slot_id, slot::Column::Held, now).await?;
        txn.commit().await?;
        ended += 1;
    }
    Ok(ended)
}

/// The caller's waitlist places, newest first.
pub async fn my_places(
    db: &impl ConnectionTrait,
    caller: &Principal,
) -> Result<Vec<PlaceView>, AppError> {
    let entries = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::UserId.eq(caller.user_id))
        .order_by_desc(waitlist_entry::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        out.push(place_view(db, entry).await?);
    }
    Ok(out)
}

/// Sends the reminder of every confirmed appointment starting within `lead`. Each
/// booking is claimed by setting `reminder_sent_at` conditionally in the transaction
/// that enqueues the mail: with several instances, every reminder goes out once.
pub async fn send_reminders(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    lead: Duration,
) -> Result<usize, AppError> {
    let due = booking::Entity::find()
        .filter(booking::Column::Status.eq(BookingStatus::Confirmed.as_str()))
        .filter(booking::Column::ReminderSentAt.is_null())
        .filter(booking::Column::StartsAt.gt(now))
        .filter(booking::Column::StartsAt.lte(now + lead))
        .limit(200)
        .all(db)
        .await?;
    let mut sent = 0;
    for b in due {
        let txn = begin_write(db).await?;
        let claimed = booking::Entity::update_many()
            .col_expr(booking::Column::ReminderSentAt, Expr::value(now))
            .filter(booking::Column::Id.eq(b.id))
            .filter(booking::Column::ReminderSentAt.is_null())
            .filter(booking::Column::Status.eq(BookingStatus::Confirmed.as_str()))
            .filter(booking::Column::StartsAt.eq(b.starts_at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        if let Some(offer) = offer::Entity::find_by_id(b.offer_id).one(&txn).await? {
            notify::send(
                &txn,
                &settings.app_url,
                Notice::Reminder,
                &appointment(&b, &offer),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Anonymises concern and answers of appointments that ended more than `days` ago.
pub async fn anonymise_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    days: i64,
) -> Result<u64, AppError> {
    let before = now - Duration::days(days);
    let done = booking::Entity::update_many()
        .col_expr(
            booking::Column::Concern,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            booking::Column::Answers,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .col_expr(booking::Column::AnonymisedAt, Expr::value(now))
        .filter(booking::Column::AnonymisedAt.is_null())
        .filter(booking::Column::EndsAt.lt(before))
        .exec(db)
        .await?;
    // Waitlist places of past slots carry the same kind of text.
    let slots = Query::select()
        .column(slot::Column::Id)
        .from(slot::Entity)
        .and_where(slot::Column::EndsAt.lt(before))
        .to_owned();
    waitlist_entry::Entity::update_many()
        .col_expr(waitlist_entry::Column::Concern, Expr::value(""))
        .col_expr(waitlist_entry::Column::Answers, Expr::value(json!({})))
        .filter(waitlist_entry::Column::SlotId.in_subquery(slots))
        .filter(waitlist_entry::Column::Concern.ne(""))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
