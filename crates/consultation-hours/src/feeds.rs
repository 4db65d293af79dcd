//! Calendar feeds: a secret address per account that serves its appointments as an
//! iCalendar feed — bookings as participant and, for consultants, the booked
//! appointments of their offers — so Outlook or Thunderbird can subscribe. The address
//! carries a random token; only its SHA-256 is stored, and rotating it ends the old one.

use std::collections::BTreeMap;

use academy_auth::entity::user;
use academy_auth::tokens::{self, digest};
use academy_auth::{Role, Roles};
use academy_kernel::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::BookingStatus;
use crate::entity::{booking, offer};
use crate::ics::{self, EventStatus};
use crate::notify::{self, Appointment};

/// Issues a new feed token for the account; an earlier one stops working.
pub async fn rotate(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = tokens::generate();
    let upsert = Query::insert()
        .into_table(Alias::new("calendar_feeds"))
        .columns([
            Alias::new("user_id"),
            Alias::new("token_hash"),
            Alias::new("created_at"),
        ])
        .values_panic([user_id.into(), digest(&token).into(), now.into()])
        .on_conflict(
            OnConflict::column(Alias::new("user_id"))
                .update_columns([Alias::new("token_hash"), Alias::new("created_at")])
                .to_owned(),
        )
        .to_owned();
    db.execute(&upsert).await?;
    Ok(token)
}

/// Ends the account's feed.
pub async fn revoke(db: &impl ConnectionTrait, user_id: Uuid) -> Result<bool, AppError> {
    let delete = Query::delete()
        .from_table(Alias::new("calendar_feeds"))
        .and_where(Expr::col(Alias::new("user_id")).eq(user_id))
        .to_owned();
    Ok(db.execute(&delete).await?.rows_affected() > 0)
}

/// When the account's feed was issued, if it has one.
pub async fn issued_at(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<DateTime<Utc>>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        created_at: DateTime<Utc>,
    }
    let query = Query::select()
        .column(Alias::new("created_at"))
        .from(Alias::new("calendar_feeds"))
        .and_where(Expr::col(Alias::new("user_id")).eq(user_id))
        .to_owned();
    Ok(
        Row::find_by_statement(db.get_database_backend().build(&query))
            .one(db)
            .await?
            .map(|r| r.created_at),
    )
}

/// The feed behind `token`, or 404.
pub async fn feed(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: Uuid,
    }
    if token.len() > 100 {
        return Err(AppError::not_found());
    }
    let query = Query::select()
        .column(Alias::new("user_id"))
        .from(Alias::new("calendar_feeds"))
        .and_where(Expr::col(Alias::new("token_hash")).eq(digest(token)))
        .to_owned();
    let row = Row::find_by_statement(db.get_database_backend().build(&query))
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let owner = user::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .filter(|u| u.status == "active")
        .ok_or_else(AppError::not_found)?;
    // What the feed shows follows the roles the owner holds now: appointments as
    // participant for learners, those of their offers for consultants. Someone who is
    // neither (any more) has no feed.
    let roles = Roles::from_stored(&owner.roles);
    let (participant, consults) = (
        roles.contains(Role::Learner),
        roles.contains(Role::Consultant),
    );
    if !participant && !consults {
        return Err(AppError::not_found());
    }
    let mut whose = Condition::any();
    if participant {
        whose = whose.add(booking::Column::ParticipantId.eq(owner.id));
    }
    if consults {
        let own_offers = Query::select()
            .column(offer::Column::Id)
            .from(offer::Entity)
            .and_where(offer::Column::ConsultantId.eq(owner.id))
            .to_owned();
        whose = whose.add(booking::Column::OfferId.in_subquery(own_offers));
    }
    let bookings = booking::Entity::find()
        .filter(whose)
        .filter(booking::Column::StartsAt.gte(now - Duration::days(90)))
        .filter(booking::Column::Status.is_in([
            "pending",
            "confirmed",
            "completed",
            "cancelled",
            "declined",
        ]))
        .order_by_asc(booking::Column::StartsAt)
        .limit(2000)
        .all(db)
        .await?;
    let offers: BTreeMap<Uuid, offer::Model> = offer::Entity::find()
        .filter(offer::Column::Id.is_in(bookings.iter().map(|b| b.offer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let people: BTreeMap<Uuid, user::Model> = user::Entity::find()
        .filter(
            user::Column::Id.is_in(
                bookings
                    .iter()
                    .map(|b| b.participant_id)
                    .chain(offers.values().map(|o| o.consultant_id)),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut events = Vec::with_capacity(bookings.len());
    for b in &bookings {
        let (Some(offer), Some(participant)) =
            (offers.get(&b.offer_id), people.get(&b.participant_id))
        else {
            continue;
        };
        let Some(consultant) = people.get(&offer.consultant_id) else {
            continue;
        };
        let status = match BookingStatus::parse(&b.status) {
            Some(BookingStatus::Pending) => EventStatus::Tentative,
            Some(BookingStatus::Confirmed | BookingStatus::Completed) => EventStatus::Confirmed,
            _ => EventStatus::Cancelled,
        };
        let is_consultant = consults && offer.consultant_id == owner.id;
        let a = Appointment {
            id: b.id,
            sequence: b.sequence,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            confirmed: b.status == "confirmed" || is_consultant,
            participant_id: b.participant_id,
            reason: None,
            concern: None,
            answers: None,
            offer,
        };
        let mut event = notify::event(&a, participant, consultant, status, b.updated_at);
        if is_consultant {
            event.summary = format!(
                "{} – {}",
                notify::calendar_title(&offer.title),
                participant.display_name
            );
        }
        events.push(event);
    }
    Ok(ics::calendar(
        None,
        Some("Sprechstunden – Akademie"),
        &events,
    ))
}
