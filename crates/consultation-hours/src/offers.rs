//! Offers: who may publish and change them, their validation, and keeping their slots in
//! step with the availability. Slots are rows from now to the end of the booking
//! horizon; changing the availability adds the new ones and removes free ones that no
//! longer fit, while slots with bookings stay until the bookings are dealt with.

use std::collections::{BTreeMap, HashSet};

use academy_auth::entity::user;
use academy_auth::{Principal, Role, audit};
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use academy_taxonomy::TermKind;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{self, Format, IntakeQuestion, Rules, WaitlistMode};
use crate::entity::{booking, offer, slot};
use crate::schedule::{self, Availability, Plan};

/// Slots written per INSERT statement (9 values each, well below both engines' limits).
const INSERT_BATCH: usize = 500;

/// The subject type of audit entries about offers.
const SUBJECT: &str = "consultation_offer";

/// What a consultant offers; the body of `POST /consultation-offers` and
/// `PUT /consultation-offers/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferInput {
    /// The consultant holding the hours. Consultants leave it out (it is themselves);
    /// coordinators name the consultant they publish for. Fixed once created.
    #[serde(default)]
    pub consultant_id: Option<Uuid>,
    /// Title, at most 200 characters.
    #[schema(example = "Sprechstunde Bürgerbeteiligung")]
    pub title: String,
    /// What the consultation covers (Markdown without raw HTML, at most 5,000 characters).
    #[serde(default)]
    pub description: String,
    /// Slugs of the fields of action (Handlungsfelder); at least one.
    #[schema(example = json!(["activation-participation"]))]
    pub fields_of_action: Vec<String>,
    /// Online, phone or on site.
    pub format: Format,
    /// Meeting link (online), phone number (phone) or address (on site). Shown only to
    /// participants with a confirmed booking.
    #[schema(example = "https://meet.example.org/sprechstunde")]
    pub location: String,
    /// Length of one appointment in minutes (5–480).
    #[schema(example = 30)]
    pub slot_minutes: i32,
    /// Seats per slot: 1 for individual advice, more for a group hour (1–500).
    #[serde(default = "one")]
    pub seats: i32,
    /// Bookings close this many minutes before the start (0–43,200).
    #[serde(default = "default_notice")]
    pub min_notice_minutes: i32,
    /// Slots can be booked at most this many days ahead (1–365).
    #[serde(default = "default_advance")]
    pub max_advance_days: i32,
    /// Participants may cancel or move until this many minutes before the start (0–20,160).
    #[serde(default = "default_deadline")]
    pub cancel_deadline_minutes: i32,
    /// Free minutes between two appointments (0–240).
    #[serde(default)]
    pub buffer_minutes: i32,
    /// Whether the consultant confirms each booking (bookings start `pending`).
    #[serde(default)]
    pub requires_confirmation: bool,
    /// Questions participants answer when booking.
    #[serde(default)]
    pub intake_questions: Vec<IntakeQuestion>,
    /// Fair use: at most this many open bookings per municipality for this offer
    /// (1–1,000; no limit when left out). Seats held for the municipality's people on the
    /// waitlist count as booked.
    #[serde(default)]
    pub municipality_limit: Option<i32>,
    /// Fair use: at most this many open bookings per person for this offer (1–100,
    /// default 1). Seats held for the person on the waitlist count as booked.
    #[serde(default = "default_person_limit")]
    pub person_limit: i32,
    /// What happens when a seat in a full slot frees up.
    #[serde(default = "default_waitlist_mode")]
    pub waitlist_mode: WaitlistMode,
    /// How long a waitlisted person may take to accept an offered seat (5–10,080 minutes).
    #[serde(default = "default_hold")]
    pub waitlist_hold_minutes: i32,
    /// When the consultant is available, in local time `Europe/Berlin`.
    #[serde(default)]
    pub availability: Availability,
}

fn one() -> i32 {
    domain::DEFAULT_SEATS
}
fn default_notice() -> i32 {
    domain::DEFAULT_MIN_NOTICE_MINUTES
}
fn default_advance() -> i32 {
    domain::DEFAULT_MAX_ADVANCE_DAYS
}
fn default_deadline() -> i32 {
    domain::DEFAULT_CANCEL_DEADLINE_MINUTES
}
fn default_person_limit() -> i32 {
    domain::DEFAULT_PERSON_LIMIT
}
fn default_waitlist_mode() -> WaitlistMode {
    WaitlistMode::Offer
}
fn default_hold() -> i32 {
    domain::DEFAULT_WAITLIST_HOLD_MINUTES
}

impl OfferInput {
    fn rules(&self) -> Rules {
        Rules {
            slot_minutes: self.slot_minutes,
            seats: self.seats,
            min_notice_minutes: self.min_notice_minutes,
            max_advance_days: self.max_advance_days,
            cancel_deadline_minutes: self.cancel_deadline_minutes,
            buffer_minutes: self.buffer_minutes,
        }
    }
}

/// The booking rules of a stored offer.
pub fn rules_of(offer: &offer::Model) -> Rules {
    Rules {
        slot_minutes: offer.slot_minutes,
        seats: offer.seats,
        min_notice_minutes: offer.min_notice_minutes,
        max_advance_days: offer.max_advance_days,
        cancel_deadline_minutes: offer.cancel_deadline_minutes,
        buffer_minutes: offer.buffer_minutes,
    }
}

/// The intake questions of a stored offer.
pub fn questions_of(offer: &offer::Model) -> Vec<IntakeQuestion> {
    serde_json::from_value(offer.intake_questions.clone()).unwrap_or_default()
}

/// The availability of a stored offer.
pub fn availability_of(offer: &offer::Model) -> Availability {
    serde_json::from_value(offer.availability.clone()).unwrap_or_default()
}

/// An offer with its fields of action.
#[derive(Debug, Clone)]
pub struct OfferView {
    pub offer: offer::Model,
    pub fields_of_action: Vec<String>,
}

/// Whether the caller manages the offer: the coordinating office, or its consultant
/// while they hold the consultant role (roles are read from the account on every
/// request, so taking the role away ends the access at once).
pub fn manages(caller: &Principal, offer: &offer::Model) -> bool {
    is_staff(caller) || is_consultant(caller, offer.consultant_id)
}

/// Whether the caller is the consultant `consultant_id` and holds the role now.
pub fn is_consultant(caller: &Principal, consultant_id: Uuid) -> bool {
    caller.has(Role::Consultant) && caller.user_id == consultant_id
}

/// Coordinators and administrators.
pub fn is_staff(caller: &Principal) -> bool {
    caller.has_any(&[Role::Coordinator, Role::Admin])
}

/// Checks everything that needs no database and returns the plan of the availability.
fn validate(
    input: &OfferInput,
    now: DateTime<Utc>,
) -> Result<(String, String, String, Plan), AppError> {
    let mut errors = Vec::new();
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > domain::OFFER_TITLE_MAX {
        errors.push(FieldError::new(
            "title",
            "invalid_length",
            format!("must be 1–{} characters", domain::OFFER_TITLE_MAX),
        ));
    }
    let description = input.description.trim();
    if description.chars().count() > domain::OFFER_DESCRIPTION_MAX {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!(
                "must be at most {} characters",
                domain::OFFER_DESCRIPTION_MAX
            ),
        ));
    }
    academy_kernel::markdown::check("description", description, &mut errors);
    if input.fields_of_action.is_empty() {
        errors.push(FieldError::new(
            "fieldsOfAction",
            "required",
            "name at least one field of action",
        ));
    }
    let location = domain::check_location(input.format, &input.location)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    input.rules().check(&mut errors);
    domain::check_limits(input.municipality_limit, input.person_limit, &mut errors);
    let (min, max) = domain::WAITLIST_HOLD_MINUTES;
    if !(min..=max).contains(&input.waitlist_hold_minutes) {
        errors.push(FieldError::new(
            "waitlistHoldMinutes",
            "out_of_range",
            format!("must be between {min} and {max}"),
        ));
    }
    domain::check_questions(&input.intake_questions, &mut errors);
    let plan = domain::check_availability(&input.availability, input.slot_minutes, &mut errors);
    if let Some(plan) = &plan
        && errors.is_empty()
    {
        // Counted before a single slot is made.
        let rules = input.rules();
        let count = plan.count_at_most(
            Duration::minutes(rules.slot_minutes.into()),
            Duration::minutes(rules.buffer_minutes.into()),
            now,
            rules.horizon(now),
            domain::MAX_SLOTS_PER_OFFER,
        );
        if count > domain::MAX_SLOTS_PER_OFFER {
            errors.push(FieldError::new(
                "availability",
                "too_many_slots",
                format!(
                    "these hours make more than {} slots within maxAdvanceDays; use longer slots, fewer hours or a shorter horizon",
                    domain::MAX_SLOTS_PER_OFFER
                ),
            ));
        }
    }
    match plan {
        Some(plan) if errors.is_empty() => Ok((title.into(), description.into(), location, plan)),
        _ => Err(AppError::validation(errors)),
    }
}

async fn check_fields(
    db: &impl ConnectionTrait,
    slugs: &[String],
) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    let mut unique = Vec::new();
    for (i, slug) in slugs.iter().enumerate() {
        if academy_taxonomy::terms::find(db, TermKind::FieldsOfAction, slug)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                format!("fieldsOfAction[{i}]"),
                "unknown",
                "no such field of action",
            ));
        } else if !unique.contains(slug) {
            unique.push(slug.clone());
        }
    }
    if errors.is_empty() {
        Ok(unique)
    } else {
        Err(AppError::validation(errors))
    }
}

/// The consultant an offer is created for, checked: an active consultant of a member
/// organisation. Returns their organisation.
async fn consultant_for(
    db: &impl ConnectionTrait,
    caller: &Principal,
    requested: Option<Uuid>,
) -> Result<(Uuid, Uuid), AppError> {
    let id = match requested {
        Some(id) if id != caller.user_id && !is_staff(caller) => {
            return Err(AppError::forbidden());
        }
        Some(id) => id,
        None if caller.has(Role::Consultant) => caller.user_id,
        None => {
            return Err(AppError::validation(vec![FieldError::new(
                "consultantId",
                "required",
                "name the consultant who holds the hours",
            )]));
        }
    };
    if id == caller.user_id && !caller.has(Role::Consultant) && !is_staff(caller) {
        return Err(AppError::forbidden());
    }
    let account = user::Entity::find_by_id(id).one(db).await?;
    let roles = account
        .as_ref()
        .map(|u| academy_auth::Roles::from_stored(&u.roles));
    match (account, roles) {
        (Some(account), Some(roles))
            if roles.contains(Role::Consultant)
                && account.status == "active"
                && account.organisation_id.is_some() =>
        {
            Ok((id, account.organisation_id.unwrap_or_default()))
        }
        _ => Err(AppError::validation(vec![FieldError::new(
            "consultantId",
            "not_a_consultant",
            "must be an active consultant of a member organisation",
        )])),
    }
}

/// The columns an offer's author writes, from the request.
fn content(
    input: &OfferInput,
    title: String,
    description: String,
    location: String,
    now: DateTime<Utc>,
) -> offer::ActiveModel {
    offer::ActiveModel {
        title: Set(title),
        description: Set(description),
        format: Set(input.format.as_str().into()),
        location: Set(location),
        slot_minutes: Set(input.slot_minutes),
        seats: Set(input.seats),
        min_notice_minutes: Set(input.min_notice_minutes),
        max_advance_days: Set(input.max_advance_days),
        cancel_deadline_minutes: Set(input.cancel_deadline_minutes),
        buffer_minutes: Set(input.buffer_minutes),
        requires_confirmation: Set(input.requires_confirmation),
        intake_questions: Set(json!(input.intake_questions)),
        municipality_limit: Set(input.municipality_limit),
        person_limit: Set(input.person_limit),
        waitlist_mode: Set(input.waitlist_mode.as_str().into()),
        waitlist_hold_minutes: Set(input.waitlist_hold_minutes),
        availability: Set(json!(input.availability)),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Publishes an offer and creates its slots.
pub async fn create_offer(
    db: &sea_orm::DatabaseConnection,
    caller: &Principal,
    input: OfferInput,
    now: DateTime<Utc>,
) -> Result<OfferView, AppError> {
    if !caller.has(Role::Consultant) && !is_staff(caller) {
        return Err(AppError::forbidden());
    }
    let (title, description, location, plan) = validate(&input, now)?;
    let (consultant_id, organisation_id) = consultant_for(db, caller, input.consultant_id).await?;
    let fields = check_fields(db, &input.fields_of_action).await?;
    let txn = begin_write(db).await?;
    let mut model = content(&input, title, description, location, now);
    model.id = Set(Uuid::now_v7());
    model.consultant_id = Set(consultant_id);
    model.organisation_id = Set(organisation_id);
    model.status = Set("active".into());
    model.created_by = Set(caller.user_id);
    model.created_at = Set(now);
    model.version = Set(1);
    let model = model.insert(&txn).await?;
    write_fields(&txn, model.id, &fields).await?;
    sync_slots(&txn, &model, &plan, now).await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "consultation_offer.created",
        SUBJECT,
        Some(model.id),
        json!({"consultantId": consultant_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(OfferView {
        offer: model,
        fields_of_action: fields,
    })
}

/// Replaces an offer's content, rules and availability (`If-Match` checked by the
/// caller through `version`); slots follow.
pub async fn replace_offer(
    db: &sea_orm::DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
    input: OfferInput,
    now: DateTime<Utc>,
) -> Result<OfferView, AppError> {
    let current = managed(db, caller, id).await?;
    if let Some(requested) = input.consultant_id
        && requested != current.consultant_id
    {
        return Err(AppError::validation(vec![FieldError::new(
            "consultantId",
            "immutable",
            "the consultant of an offer cannot change; publish a new offer",
        )]));
    }
    check_version(current.version)?;
    let (title, description, location, plan) = validate(&input, now)?;
    let fields = check_fields(db, &input.fields_of_action).await?;
    let txn = begin_write(db).await?;
    let updated = offer::Entity::update_many()
        .set(content(&input, title, description, location, now))
        .col_expr(
            offer::Column::Version,
            Expr::col(offer::Column::Version).add(1),
        )
        .filter(offer::Column::Id.eq(id))
        .filter(offer::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::precondition_failed());
    }
    let model = offer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    txn.execute(
        &Query::delete()
            .from_table(Alias::new("consultation_offer_fields"))
            .and_where(Expr::col(Alias::new("offer_id")).eq(id))
            .to_owned(),
    )
    .await?;
    write_fields(&txn, id, &fields).await?;
    if model.status == "active" {
        sync_slots(&txn, &model, &plan, now).await?;
    }
    audit::record(
        &txn,
        Some(caller.user_id),
        "consultation_offer.updated",
        SUBJECT,
        Some(id),
        json!({"version": model.version}),
    )
    .await?;
    txn.commit().await?;
    Ok(OfferView {
        offer: model,
        fields_of_action: fields,
    })
}

/// Archives an offer: it leaves the public listing and its free future slots go. Refused
/// while future bookings are open; cancel them first.
pub async fn archive_offer(
    db: &sea_orm::DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let current = managed(db, caller, id).await?;
    if current.status == "archived" {
        return Err(AppError::conflict(
            "already_archived",
            "The offer is archived already.",
        ));
    }
    let txn = begin_write(db).await?;
    let open = booking::Entity::find()
        .filter(booking::Column::OfferId.eq(id))
        .filter(booking::Column::Status.is_in(domain::OPEN))
        .filter(booking::Column::EndsAt.gt(now))
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(AppError::conflict(
            "open_bookings",
            format!("The offer has {open} open bookings; cancel them before archiving it."),
        ));
    }
    offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value("archived"))
        .col_expr(offer::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            offer::Column::Version,
            Expr::col(offer::Column::Version).add(1),
        )
        .filter(offer::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    remove_free_slots(&txn, id, now, &HashSet::new()).await?;
    audit::record(
        &txn,
        Some(caller.user_id),
        "consultation_offer.archived",
        SUBJECT,
        Some(id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The offer, if the caller may see it: active offers are public, archived ones are
/// seen by whoever manages them.
pub async fn visible(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    id: Uuid,
) -> Result<offer::Model, AppError> {
    let offer = offer::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    if offer.status == "active" || caller.is_some_and(|c| manages(c, &offer)) {
        Ok(offer)
    } else {
        Err(AppError::not_found())
    }
}

/// The offer, if the caller manages it: 404 when they may not see it, 403 when they see
/// it but may not change it.
pub async fn managed(
    db: &impl ConnectionTrait,
    caller: &Principal,
    id: Uuid,
) -> Result<offer::Model, AppError> {
    let offer = visible(db, Some(caller), id).await?;
    if manages(caller, &offer) {
        Ok(offer)
    } else {
        Err(AppError::forbidden())
    }
}

/// One offer with its fields of action.
pub async fn get_offer(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    id: Uuid,
) -> Result<OfferView, AppError> {
    let offer = visible(db, caller, id).await?;
    let mut fields = load_fields(db, &[id]).await?;
    Ok(OfferView {
        fields_of_action: fields.remove(&id).unwrap_or_default(),
        offer,
    })
}

async fn write_fields(db: &impl ConnectionTrait, id: Uuid, fields: &[String]) -> Result<(), DbErr> {
    if fields.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("consultation_offer_fields"))
        .columns([Alias::new("offer_id"), Alias::new("field_of_action_slug")]);
    for slug in fields {
        insert.values_panic([id.into(), slug.clone().into()]);
    }
    db.execute(&insert).await.map(|_| ())
}

/// The fields of action of each offer.
pub async fn load_fields(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<String>>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        offer_id: Uuid,
        field_of_action_slug: String,
    }
    let mut out: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let query = Query::select()
        .columns([Alias::new("offer_id"), Alias::new("field_of_action_slug")])
        .from(Alias::new("consultation_offer_fields"))
        .and_where(Expr::col(Alias::new("offer_id")).is_in(ids.iter().copied()))
        .order_by(Alias::new("field_of_action_slug"), sea_orm::Order::Asc)
        .to_owned();
    let rows = Row::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.offer_id)
            .or_default()
            .push(row.field_of_action_slug);
    }
    Ok(out)
}

/// Deletes the offer's future slots that hold nobody, except those starting at `keep`.
/// Closed bookings of a deleted slot keep their times and let go of the slot; waitlist
/// places of a free slot cannot exist (a slot with a waitlist is full).
async fn remove_free_slots(
    db: &impl ConnectionTrait,
    offer_id: Uuid,
    now: DateTime<Utc>,
    keep: &HashSet<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let free = slot::Entity::find()
        .filter(slot::Column::OfferId.eq(offer_id))
        .filter(slot::Column::StartsAt.gt(now))
        .filter(slot::Column::Booked.eq(0))
        .filter(slot::Column::Held.eq(0))
        .all(db)
        .await?;
    let gone: Vec<Uuid> = free
        .iter()
        .filter(|s| !keep.contains(&s.starts_at))
        .map(|s| s.id)
        .collect();
    for chunk in gone.chunks(500) {
        // Checked again in the statement: a booking may have taken a seat meanwhile.
        slot::Entity::delete_many()
            .filter(slot::Column::Id.is_in(chunk.iter().copied()))
            .filter(slot::Column::Booked.eq(0))
            .filter(slot::Column::Held.eq(0))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Makes the offer's future slots follow `plan` up to its booking horizon: free slots
/// that no longer fit go, missing ones are added, capacities follow the seats. A slot that
/// would overlap another of the consultant's appointments refuses the whole change with
/// 409 `slot_overlap`.
pub async fn sync_slots(
    db: &impl ConnectionTrait,
    offer: &offer::Model,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rules = rules_of(offer);
    let wanted = plan.slots(
        Duration::minutes(offer.slot_minutes.into()),
        Duration::minutes(offer.buffer_minutes.into()),
        now,
        rules.horizon(now),
    );
    let existing = slot::Entity::find()
        .filter(slot::Column::OfferId.eq(offer.id))
        .filter(slot::Column::StartsAt.gt(now))
        .all(db)
        .await?;
    // A free slot is kept only when it is wanted exactly as it is.
    let wanted_exactly: HashSet<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)> = wanted
        .iter()
        .map(|w| (w.starts_at, w.ends_at, w.blocked_until))
        .collect();
    let keep: HashSet<DateTime<Utc>> = existing
        .iter()
        .filter(|s| wanted_exactly.contains(&(s.starts_at, s.ends_at, s.blocked_until)))
        .map(|s| s.starts_at)
        .collect();
    remove_free_slots(db, offer.id, now, &keep).await?;
    let remaining: Vec<(DateTime<Utc>, DateTime<Utc>)> = slot::Entity::find()
        .select_only()
        .column(slot::Column::StartsAt)
        .column(slot::Column::BlockedUntil)
        .filter(slot::Column::OfferId.eq(offer.id))
        .filter(slot::Column::StartsAt.gt(now))
        .order_by_asc(slot::Column::StartsAt)
        .into_tuple()
        .all(db)
        .await?;
    // Capacities follow the seats, but never below what is taken.
    slot::Entity::update_many()
        .col_expr(slot::Column::Capacity, Expr::value(offer.seats))
        .filter(slot::Column::OfferId.eq(offer.id))
        .filter(slot::Column::StartsAt.gt(now))
        .filter(Expr::cust("booked + held").lte(offer.seats))
        .exec(db)
        .await?;
    slot::Entity::update_many()
        .col_expr(slot::Column::Capacity, Expr::cust("booked + held"))
        .filter(slot::Column::OfferId.eq(offer.id))
        .filter(slot::Column::StartsAt.gt(now))
        .filter(Expr::cust("booked + held").gt(offer.seats))
        .exec(db)
        .await?;
    let new: Vec<slot::ActiveModel> = schedule::missing(&wanted, &remaining)
        .iter()
        .map(|w| slot::ActiveModel {
            id: Set(Uuid::now_v7()),
            offer_id: Set(offer.id),
            consultant_id: Set(offer.consultant_id),
            starts_at: Set(w.starts_at),
            ends_at: Set(w.ends_at),
            blocked_until: Set(w.blocked_until),
            capacity: Set(offer.seats),
            booked: Set(0),
            held: Set(0),
        })
        .collect();
    // Many rows per statement, in bounded batches.
    for chunk in new.chunks(INSERT_BATCH) {
        slot::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(overlap_error)?;
    }
    Ok(())
}

/// Adds the slots that came into the booking horizon since the offer's last slot. Safe
/// to run on several instances at once: an existing slot is skipped, and a slot that
/// would overlap another offer's appointment is left out (and logged).
pub async fn extend_horizon(
    db: &impl ConnectionTrait,
    offer: &offer::Model,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Ok(plan) = availability_of(offer).check(offer.slot_minutes.into()) else {
        return Ok(0);
    };
    let last: Option<DateTime<Utc>> = slot::Entity::find()
        .select_only()
        .column_as(slot::Column::StartsAt.max(), "last")
        .filter(slot::Column::OfferId.eq(offer.id))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let from = last.map_or(now, |l| Ord::max(l, now) + Duration::seconds(1));
    let wanted = plan.slots(
        Duration::minutes(offer.slot_minutes.into()),
        Duration::minutes(offer.buffer_minutes.into()),
        from,
        rules_of(offer).horizon(now),
    );
    let mut added = 0;
    for w in wanted {
        let row = slot::ActiveModel {
            id: Set(Uuid::now_v7()),
            offer_id: Set(offer.id),
            consultant_id: Set(offer.consultant_id),
            starts_at: Set(w.starts_at),
            ends_at: Set(w.ends_at),
            blocked_until: Set(w.blocked_until),
            capacity: Set(offer.seats),
            booked: Set(0),
            held: Set(0),
        };
        let result = slot::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([slot::Column::OfferId, slot::Column::StartsAt])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await;
        match result {
            Ok(n) => added += n as usize,
            Err(error) if is_overlap(&error) => {
                tracing::warn!(offer = %offer.id, starts_at = %w.starts_at, "slot overlaps another appointment of the consultant; left out");
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(added)
}

/// Whether the database refused a slot because it overlaps another of the consultant's.
pub fn is_overlap(error: &DbErr) -> bool {
    error.to_string().contains("consultation_slot_overlap")
}

fn overlap_error(error: DbErr) -> AppError {
    if is_overlap(&error) {
        AppError::conflict(
            "slot_overlap",
            "These hours overlap appointments the consultant already has in another offer.",
        )
    } else {
        error.into()
    }
}

/// Checks the multi-select filters of the offer and slot lists: every field of action,
/// organisation and consultant known (422 naming `fieldOfAction[i]`, `organisation[i]` or
/// `consultant[i]` otherwise), and no more values than a filter takes.
pub(crate) async fn check_filter(
    db: &impl ConnectionTrait,
    fields_of_action: &[String],
    formats: usize,
    organisations: &[Uuid],
    consultants: &[Uuid],
) -> Result<(), AppError> {
    let mut errors = academy_taxonomy::terms::check_filter(
        db,
        academy_taxonomy::TermKind::FieldsOfAction,
        "fieldOfAction",
        fields_of_action,
    )
    .await?;
    let too_many = |parameter: &str| {
        academy_kernel::FieldError::new(
            parameter.to_owned(),
            "too_many",
            format!(
                "takes at most {} values",
                academy_taxonomy::terms::MAX_FILTER_VALUES
            ),
        )
    };
    if formats > academy_taxonomy::terms::MAX_FILTER_VALUES {
        errors.push(too_many("format"));
    }
    if organisations.len() > academy_taxonomy::terms::MAX_FILTER_VALUES {
        errors.push(too_many("organisation"));
    } else {
        errors
            .extend(academy_auth::unknown_organisations(db, "organisation", organisations).await?);
    }
    if consultants.len() > academy_taxonomy::terms::MAX_FILTER_VALUES {
        errors.push(too_many("consultant"));
    } else {
        errors.extend(academy_auth::unknown_accounts(db, "consultant", consultants).await?);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// The ids of offers for any of `slugs`.
pub(crate) fn with_fields(slugs: Vec<String>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Alias::new("offer_id"))
        .from(Alias::new("consultation_offer_fields"))
        .and_where(Expr::col(Alias::new("field_of_action_slug")).is_in(slugs))
        .to_owned()
}

/// Filters of the public offer list.
#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    /// Any of these fields of action (empty: any).
    pub field_of_action: Vec<String>,
    /// Any of these formats (empty: any).
    pub format: Vec<Format>,
    /// Any of these organisations (empty: any).
    pub organisation: Vec<Uuid>,
    /// Any of these consultants (empty: any).
    pub consultant: Vec<Uuid>,
    /// Only offers with a free slot starting in `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Include archived offers the caller manages.
    pub include_archived: bool,
}

/// Offers, newest first.
pub async fn list_offers(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    filter: OfferFilter,
    bounds: Bounds,
    now: DateTime<Utc>,
) -> Result<(Vec<OfferView>, u64), AppError> {
    let mut condition = Condition::all();
    let archived_visible = filter.include_archived && caller.is_some();
    if archived_visible {
        let caller = caller.ok_or_else(AppError::unauthorized)?;
        if !is_staff(caller) {
            let mut visible = Condition::any().add(offer::Column::Status.eq("active"));
            if caller.has(Role::Consultant) {
                visible = visible.add(offer::Column::ConsultantId.eq(caller.user_id));
            }
            condition = condition.add(visible);
        }
    } else {
        condition = condition.add(offer::Column::Status.eq("active"));
    }
    check_filter(
        db,
        &filter.field_of_action,
        filter.format.len(),
        &filter.organisation,
        &filter.consultant,
    )
    .await?;
    if !filter.field_of_action.is_empty() {
        condition =
            condition.add(offer::Column::Id.in_subquery(with_fields(filter.field_of_action)));
    }
    if !filter.format.is_empty() {
        condition =
            condition.add(offer::Column::Format.is_in(filter.format.iter().map(|f| f.as_str())));
    }
    if !filter.organisation.is_empty() {
        condition = condition.add(offer::Column::OrganisationId.is_in(filter.organisation));
    }
    if !filter.consultant.is_empty() {
        condition = condition.add(offer::Column::ConsultantId.is_in(filter.consultant));
    }
    if filter.from.is_some() || filter.to.is_some() {
        let mut slots = Query::select();
        slots
            .column(slot::Column::OfferId)
            .from(slot::Entity)
            .and_where(slot::Column::StartsAt.gt(now))
            .and_where(Expr::cust("booked + held < capacity"));
        if let Some(from) = filter.from {
            slots.and_where(slot::Column::StartsAt.gte(from));
        }
        if let Some(to) = filter.to {
            slots.and_where(slot::Column::StartsAt.lt(to));
        }
        condition = condition.add(offer::Column::Id.in_subquery(slots.to_owned()));
    }
    let query = offer::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let offers = query
        .order_by_desc(offer::Column::CreatedAt)
        .order_by_desc(offer::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = offers.iter().map(|o| o.id).collect();
    let mut fields = load_fields(db, &ids).await?;
    Ok((
        offers
            .into_iter()
            .map(|offer| OfferView {
                fields_of_action: fields.remove(&offer.id).unwrap_or_default(),
                offer,
            })
            .collect(),
        total,
    ))
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn the_contract_states_the_limits_the_validation_applies() {
        use utoipa::openapi::{ComponentsBuilder, OpenApiBuilder};
        let mut api = OpenApiBuilder::new()
            .components(Some(
                ComponentsBuilder::new()
                    .schema("OfferInput", OfferInput::schema())
                    .build(),
            ))
            .build();
        // The other schemas the crate constrains are not in this small document.
        let _ = academy_kernel::contract::apply(&mut api, &crate::contract());
        let json = serde_json::to_value(&api).expect("a document");
        let schema = &json["components"]["schemas"]["OfferInput"];
        let person = &schema["properties"]["personLimit"];
        assert_eq!(person["default"], domain::DEFAULT_PERSON_LIMIT);
        assert_eq!(person["minimum"], 1);
        assert_eq!(person["maximum"], domain::MAX_PERSON_LIMIT);
        let municipality = &schema["properties"]["municipalityLimit"];
        assert_eq!(municipality["minimum"], 1);
        assert_eq!(municipality["maximum"], domain::MAX_MUNICIPALITY_LIMIT);
        let seats = &schema["properties"]["seats"];
        assert_eq!(seats["minimum"], domain::SEATS.0);
        assert_eq!(seats["maximum"], domain::SEATS.1);
        assert_eq!(seats["default"], domain::DEFAULT_SEATS);
    }
}
