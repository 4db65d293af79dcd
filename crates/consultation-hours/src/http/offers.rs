//! `/consultation-offers` and `/consultation-slots`.

use academy_auth::{MaybePrincipal, Principal};
use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Bounds, Db, Page, etag};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::local;
use crate::browse::{self, Names, SlotFilter, SlotRow};
use crate::domain::{Format, IntakeQuestion, WaitlistMode};
use crate::offers::{self, OfferFilter, OfferInput, OfferView, manages};
use crate::schedule::Availability;

/// An offer of consultation hours.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferResponse {
    /// Stable id.
    pub id: Uuid,
    /// The consultant holding the hours.
    pub consultant_id: Uuid,
    /// The consultant's name as shown to others.
    #[schema(example = "Erika Beispiel")]
    pub consultant_name: String,
    /// The consultant's member organisation.
    pub organisation_id: Uuid,
    /// The organisation's name.
    #[schema(example = "Verein für Nachbarschaft")]
    pub organisation_name: String,
    /// Title.
    pub title: String,
    /// What the consultation covers (Markdown).
    pub description: String,
    /// `description` rendered as sanitised HTML: no scripts, styles or event handlers,
    /// links only to `http`, `https`, `mailto` and `tel`; safe to insert as it is.
    pub description_html: String,
    /// Slugs of the fields of action.
    pub fields_of_action: Vec<String>,
    /// Online, phone or on site.
    pub format: Format,
    /// Meeting link, phone number or address. Only for the consultant and the
    /// coordinating office here; participants see it on their confirmed booking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Length of one appointment in minutes.
    pub slot_minutes: i32,
    /// Seats per slot (1 = individual advice).
    pub seats: i32,
    /// Bookings close this many minutes before the start.
    pub min_notice_minutes: i32,
    /// Slots can be booked at most this many days ahead.
    pub max_advance_days: i32,
    /// Participants may cancel or move until this many minutes before the start.
    pub cancel_deadline_minutes: i32,
    /// Free minutes between two appointments.
    pub buffer_minutes: i32,
    /// Whether the consultant confirms each booking.
    pub requires_confirmation: bool,
    /// Questions participants answer when booking.
    pub intake_questions: Vec<IntakeQuestion>,
    /// At most this many open bookings per municipality, if limited.
    pub municipality_limit: Option<i32>,
    /// At most this many open bookings per person.
    pub person_limit: i32,
    /// What happens when a seat in a full slot frees up.
    pub waitlist_mode: WaitlistMode,
    /// How long an offered seat is held, in minutes.
    pub waitlist_hold_minutes: i32,
    /// Weekly hours, absences and extra hours in local time. Notes on absences only for
    /// the consultant and the coordinating office.
    pub availability: Availability,
    /// `active` (listed, bookable) or `archived`.
    #[schema(example = "active")]
    pub status: String,
    /// When the offer was published.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The names of the consultants and organisations of some offers.
async fn offer_names(db: &Db, views: &[&OfferView]) -> Result<Names, AppError> {
    Ok(Names::load(
        db,
        views.iter().map(|v| v.offer.consultant_id),
        views.iter().map(|v| v.offer.organisation_id),
        [],
    )
    .await?)
}

fn offer_response(view: &OfferView, caller: Option<&Principal>, names: &Names) -> OfferResponse {
    let o = &view.offer;
    let manager = caller.is_some_and(|c| manages(c, o));
    let mut availability = offers::availability_of(o);
    if !manager {
        // Notes on absences are the consultant's own ("Urlaub", "Weihnachtspause").
        for absence in &mut availability.absences {
            absence.note = None;
        }
    }
    OfferResponse {
        id: o.id,
        consultant_id: o.consultant_id,
        consultant_name: names.person(o.consultant_id),
        organisation_id: o.organisation_id,
        organisation_name: names.organisation(o.organisation_id),
        title: o.title.clone(),
        description: o.description.clone(),
        description_html: academy_kernel::markdown::to_html(&o.description),
        fields_of_action: view.fields_of_action.clone(),
        format: Format::parse(&o.format).unwrap_or(Format::Online),
        location: manager.then(|| o.location.clone()),
        slot_minutes: o.slot_minutes,
        seats: o.seats,
        min_notice_minutes: o.min_notice_minutes,
        max_advance_days: o.max_advance_days,
        cancel_deadline_minutes: o.cancel_deadline_minutes,
        buffer_minutes: o.buffer_minutes,
        requires_confirmation: o.requires_confirmation,
        intake_questions: offers::questions_of(o),
        municipality_limit: o.municipality_limit,
        person_limit: o.person_limit,
        waitlist_mode: WaitlistMode::parse(&o.waitlist_mode).unwrap_or(WaitlistMode::Offer),
        waitlist_hold_minutes: o.waitlist_hold_minutes,
        availability,
        status: o.status.clone(),
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

/// Filters and page of the offer list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OfferListQuery {
    /// Only offers for one of these fields of action (slugs; repeat the parameter for
    /// several: `?fieldOfAction=a&fieldOfAction=b`). An unknown slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only offers in one of these formats (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub format: Vec<Format>,
    /// Only offers of consultants of one of these organisations (ids, repeatable). An
    /// unknown id is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only offers of one of these consultants (account ids, repeatable). An unknown id
    /// is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub consultant: Vec<Uuid>,
    /// Only offers with a free slot starting at or after this time (RFC 3339).
    pub from: Option<DateTime<FixedOffset>>,
    /// Only offers with a free slot starting before this time (RFC 3339).
    pub to: Option<DateTime<FixedOffset>>,
    /// `true`: also archived offers the caller manages.
    pub include_archived: Option<bool>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Lists offers, newest first. Public: active offers for everyone; managers may add
/// their archived ones.
#[utoipa::path(
    tag = "consultation-hours",
    params(OfferListQuery),
    responses(
        (status = OK, description = "One page of offers.", body = Page<OfferResponse>),
        academy_kernel::responses::Filtered,
    )
)]
#[get("/consultation-offers")]
pub async fn list_offers(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    query: Query<OfferListQuery>,
) -> Result<web::Json<Page<OfferResponse>>, AppError> {
    let q = query.into_inner();
    let bounds = Bounds::new(q.limit, q.offset)?;
    let filter = OfferFilter {
        field_of_action: q.field_of_action,
        format: q.format,
        organisation: q.organisation,
        consultant: q.consultant,
        from: q.from.map(|t| t.with_timezone(&Utc)),
        to: q.to.map(|t| t.with_timezone(&Utc)),
        include_archived: q.include_archived.unwrap_or(false),
    };
    let caller = caller.0;
    let (views, total) =
        offers::list_offers(db.get_ref(), caller.as_ref(), filter, bounds, Utc::now()).await?;
    let names = offer_names(&db, &views.iter().collect::<Vec<_>>()).await?;
    let items = views
        .iter()
        .map(|v| offer_response(v, caller.as_ref(), &names))
        .collect();
    Ok(web::Json(Page::new(items, total, bounds)))
}

/// Publishes an offer; its slots follow from the availability at once. Consultants
/// (for themselves) and coordinators (naming the consultant).
#[utoipa::path(
    tag = "consultation-hours",
    security(("bearer" = [])),
    request_body = OfferInput,
    responses(
        (status = CREATED, description = "Published; `Location` names it, `ETag` is its version.", body = OfferResponse),
        (status = FORBIDDEN, description = "Neither consultant nor coordinator, or a consultant naming someone else.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slot_overlap`: the hours overlap the consultant's other appointments.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields (`out_of_range`, `invalid_time`, `unknown`, `not_a_consultant`, `too_many_slots` above 5,000 slots within the booking horizon, …).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/consultation-offers")]
pub async fn create_offer(
    db: web::Data<Db>,
    caller: Principal,
    body: Json<OfferInput>,
) -> Result<HttpResponse, AppError> {
    let view = offers::create_offer(&db, &caller, body.into_inner(), Utc::now()).await?;
    let names = offer_names(&db, &[&view]).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::of(view.offer.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/consultation-offers/{}", view.offer.id),
        ))
        .json(offer_response(&view, Some(&caller), &names)))
}

/// One offer. Public while active; `ETag`, 304 on `If-None-Match`.
#[utoipa::path(
    tag = "consultation-hours",
    params(("id" = Uuid, Path, description = "The offer's id.")),
    responses(
        (status = OK, description = "The offer.", body = OfferResponse),
        (status = NOT_FOUND, description = "No such offer, or archived and not the caller's.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
    )
)]
#[get("/consultation-offers/{id}")]
pub async fn get_offer(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let caller = caller.0;
    let view = offers::get_offer(db.get_ref(), caller.as_ref(), path.into_inner()).await?;
    let tag = etag::of(view.offer.version);
    if etag::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    let names = offer_names(&db, &[&view]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Authorization"))
        .json(offer_response(&view, caller.as_ref(), &names)))
}

/// Replaces an offer: content, rules and availability. Free slots that no longer fit go,
/// new ones appear; booked slots stay. The offer's consultant and coordinators;
/// `If-Match` is required (428 without it, 412 when stale).
#[utoipa::path(
    tag = "consultation-hours",
    security(("bearer" = [])),
    request_body = OfferInput,
    params(
        ("id" = Uuid, Path, description = "The offer's id."),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Changed.", body = OfferResponse),
        (status = FORBIDDEN, description = "May see the offer but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such offer visible to the caller.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slot_overlap`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields, or `too_many_slots`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionChecked,
    )
)]
#[put("/consultation-offers/{id}")]
pub async fn replace_offer(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: Json<OfferInput>,
) -> Result<HttpResponse, AppError> {
    let check = |version: i32| etag::require_if_match(&req, &etag::of(version));
    let view = offers::replace_offer(
        &db,
        &caller,
        path.into_inner(),
        check,
        body.into_inner(),
        Utc::now(),
    )
    .await?;
    let names = offer_names(&db, &[&view]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(view.offer.version)))
        .json(offer_response(&view, Some(&caller), &names)))
}

/// Archives an offer: it is no longer listed or bookable and its free slots go; its
/// consultant and coordinators still see it, marked archived. Refused with 409
/// `open_bookings` while future bookings are open.
#[utoipa::path(
    tag = "consultation-hours",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The offer's id.")),
    responses(
        (status = OK, description = "Archived; the offer as its managers now see it.", body = OfferResponse),
        (status = FORBIDDEN, description = "May see the offer but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such offer visible to the caller.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`open_bookings` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/consultation-offers/{id}/archive")]
pub async fn archive_offer(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    offers::archive_offer(&db, &caller, id, Utc::now()).await?;
    let view = offers::get_offer(db.get_ref(), Some(&caller), id).await?;
    let names = offer_names(&db, &[&view]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(view.offer.version)))
        .json(offer_response(&view, Some(&caller), &names)))
}

/// A bookable appointment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlotResponse {
    /// Stable id; book with `POST /consultation-slots/{id}/bookings`.
    pub id: Uuid,
    /// The offer.
    pub offer_id: Uuid,
    /// The consultant.
    pub consultant_id: Uuid,
    /// The consultant's name as shown to others.
    #[schema(example = "Erika Beispiel")]
    pub consultant_name: String,
    /// The consultant's member organisation.
    pub organisation_id: Uuid,
    /// The organisation's name.
    #[schema(example = "Verein für Nachbarschaft")]
    pub organisation_name: String,
    /// Start, local time Europe/Berlin with offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-31T10:00:00+02:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, local time Europe/Berlin with offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-31T10:30:00+02:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Seats in all.
    pub capacity: i32,
    /// Seats still free (seats held for the waitlist count as taken).
    pub remaining_seats: i32,
}

fn slot_response(row: SlotRow) -> SlotResponse {
    let s = row.slot;
    SlotResponse {
        id: s.id,
        offer_id: s.offer_id,
        consultant_id: s.consultant_id,
        consultant_name: row.consultant_name,
        organisation_id: row.organisation_id,
        organisation_name: row.organisation_name,
        starts_at: local(s.starts_at),
        ends_at: local(s.ends_at),
        capacity: s.capacity,
        remaining_seats: (s.capacity - s.booked - s.held).max(0),
    }
}

/// Filters and page of the slot list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotListQuery {
    /// Only slots of this offer.
    pub offer: Option<Uuid>,
    /// Only slots of offers for one of these fields of action (slugs, repeatable). An
    /// unknown slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only slots of offers in one of these formats (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub format: Vec<Format>,
    /// Only slots of consultants of one of these organisations (ids, repeatable). An
    /// unknown id is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only slots of one of these consultants (account ids, repeatable). An unknown id
    /// is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub consultant: Vec<Uuid>,
    /// Only slots starting at or after this time (RFC 3339); never before now.
    pub from: Option<DateTime<FixedOffset>>,
    /// Only slots starting before this time (RFC 3339).
    pub to: Option<DateTime<FixedOffset>>,
    /// `true`: also full slots (to join their waitlist).
    pub include_full: Option<bool>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Lists future slots of active offers, soonest first; by default only those with a
/// free seat. Public.
#[utoipa::path(
    tag = "consultation-hours",
    params(SlotListQuery),
    responses(
        (status = OK, description = "One page of slots.", body = Page<SlotResponse>),
        academy_kernel::responses::Filtered,
    )
)]
#[get("/consultation-slots")]
pub async fn list_slots(
    db: web::Data<Db>,
    query: Query<SlotListQuery>,
) -> Result<web::Json<Page<SlotResponse>>, AppError> {
    let q = query.into_inner();
    let bounds = Bounds::new(q.limit, q.offset)?;
    let filter = SlotFilter {
        offer: q.offer,
        field_of_action: q.field_of_action,
        format: q.format,
        organisation: q.organisation,
        consultant: q.consultant,
        from: q.from.map(|t| t.with_timezone(&Utc)),
        to: q.to.map(|t| t.with_timezone(&Utc)),
        include_full: q.include_full.unwrap_or(false),
    };
    let (slots, total) = browse::list_slots(db.get_ref(), filter, bounds, Utc::now()).await?;
    Ok(web::Json(Page::new(
        slots.into_iter().map(slot_response).collect(),
        total,
        bounds,
    )))
}

/// One slot with its remaining seats. Public for active offers.
#[utoipa::path(
    tag = "consultation-hours",
    params(("id" = Uuid, Path, description = "The slot's id.")),
    responses(
        (status = OK, description = "The slot.", body = SlotResponse),
        crate::http::SlotNotFound,
    )
)]
#[get("/consultation-slots/{id}")]
pub async fn get_slot(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<Uuid>,
) -> Result<web::Json<SlotResponse>, AppError> {
    let row = browse::slot_row(db.get_ref(), path.into_inner())
        .await?
        .ok_or_else(AppError::not_found)?;
    offers::visible(db.get_ref(), caller.0.as_ref(), row.slot.offer_id).await?;
    Ok(web::Json(slot_response(row)))
}
