//! `/consultation-slots/{id}/bookings`, `/consultation-bookings` and the waitlist.

use academy_kernel::extract::{Json, OptionalJson, Query};
use std::collections::BTreeMap;

use academy_auth::Principal;
use academy_kernel::{AppError, Bounds, Db, FieldError, Page, etag};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::local;
use crate::Settings;
use crate::bookings::{self, Booked, BookingInput, BookingView, Change, PlaceView};
use crate::browse::{self, BookingFilter, Names, Scope};
use crate::domain::{BookingStatus, Format};
use crate::notify;

/// A booking as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingResponse {
    /// Stable id.
    pub id: Uuid,
    /// The booked slot; `null` for a closed booking whose slot was withdrawn.
    pub slot_id: Option<Uuid>,
    /// The offer.
    pub offer_id: Uuid,
    /// The offer's title.
    pub offer_title: String,
    /// The consultant.
    pub consultant_id: Uuid,
    /// The consultant's name as shown to others.
    #[schema(example = "Erika Beispiel")]
    pub consultant_name: String,
    /// The consultant's member organisation.
    pub organisation_name: String,
    /// Who booked.
    pub participant_id: Uuid,
    /// The participant's name as shown to others.
    #[schema(example = "Max Muster")]
    pub participant_name: String,
    /// For which municipality.
    pub municipality_id: Uuid,
    /// The municipality's name.
    #[schema(example = "Hanau")]
    pub municipality_name: String,
    /// Where the booking stands.
    pub status: BookingStatus,
    /// Start, local time Europe/Berlin with offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-31T10:00:00+02:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, local time Europe/Berlin with offset.
    #[schema(value_type = String, format = DateTime, example = "2026-03-31T10:30:00+02:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Online, phone or on site.
    pub format: Format,
    /// Meeting link, phone number or address: present once the booking is confirmed (and
    /// always for the consultant and coordinators).
    pub location: Option<String>,
    /// The participant's concern; `null` once anonymised.
    pub concern: Option<String>,
    /// Answers to the intake questions; `null` once anonymised.
    pub answers: Option<BTreeMap<String, String>>,
    /// When concern and answers were anonymised (retention).
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Why it was declined or cancelled.
    pub reason: Option<String>,
    /// The calendar UID of the appointment (stable across changes).
    pub calendar_uid: String,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn booking_response(view: &BookingView, names: &Names) -> BookingResponse {
    let b = &view.booking;
    BookingResponse {
        id: b.id,
        slot_id: b.slot_id,
        offer_id: b.offer_id,
        offer_title: view.offer.title.clone(),
        consultant_id: view.offer.consultant_id,
        consultant_name: names.person(view.offer.consultant_id),
        organisation_name: names.organisation(view.offer.organisation_id),
        participant_id: b.participant_id,
        participant_name: names.person(b.participant_id),
        municipality_id: b.municipality_id,
        municipality_name: names.municipality(b.municipality_id),
        status: BookingStatus::parse(&b.status).unwrap_or(BookingStatus::Pending),
        starts_at: local(b.starts_at),
        ends_at: local(b.ends_at),
        format: Format::parse(&view.offer.format).unwrap_or(Format::Online),
        location: view.location().map(str::to_owned),
        concern: b.concern.clone(),
        answers: b
            .answers
            .as_ref()
            .and_then(|a| serde_json::from_value(a.clone()).ok()),
        anonymised_at: b.anonymised_at,
        reason: b.reason.clone(),
        calendar_uid: notify::uid(b.id),
        created_at: b.created_at,
        updated_at: b.updated_at,
    }
}

async fn with_etag(
    db: &Db,
    view: &BookingView,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    let names = Names::of_bookings(db, &[view]).await?;
    Ok(HttpResponse::build(status)
        .insert_header((header::ETAG, etag::of(view.booking.version)))
        .json(booking_response(view, &names)))
}

/// Books a seat in a slot for the caller's municipality. Learners assigned to a
/// municipality. Send an `Idempotency-Key` (e.g. a UUID) to make retries safe: a repeated
/// request with the same key and body returns the first booking (201, header
/// `Idempotent-Replayed: true`) instead of booking twice. Bookings start `confirmed`, or
/// `pending` when the offer's consultant confirms each one.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    request_body = BookingInput,
    params(
        ("id" = Uuid, Path, description = "The slot's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the first result."),
    ),
    responses(
        (status = CREATED, description = "Booked (or the replayed first booking).", body = BookingResponse),
        (status = FORBIDDEN, description = "Not a learner, or `no_municipality`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slot_full`, `slot_in_past`, `notice_too_short`, `too_far_ahead`, `person_limit_reached`, `municipality_limit_reached`, `already_booked`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid concern or answers, invalid key, or `idempotency_key_reused` with another body.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::SlotNotFound,
    )
)]
#[post("/consultation-slots/{id}/bookings")]
pub async fn book_slot(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: Json<BookingInput>,
) -> Result<HttpResponse, AppError> {
    let key = match req.headers().get("idempotency-key") {
        Some(value) => Some(value.to_str().map_err(|_| {
            AppError::validation(vec![FieldError::new(
                "Idempotency-Key",
                "invalid",
                "must be visible ASCII",
            )])
        })?),
        None => None,
    };
    let outcome = bookings::book(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        body.into_inner(),
        key,
        Utc::now(),
    )
    .await?;
    let (view, replayed) = match outcome {
        Booked::Created(view) => (view, false),
        Booked::Replayed(view) => (view, true),
    };
    let mut response = HttpResponse::Created();
    response
        .insert_header((header::ETAG, etag::of(view.booking.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/consultation-bookings/{}", view.booking.id),
        ));
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    let names = Names::of_bookings(db.get_ref(), &[&view]).await?;
    Ok(response.json(booking_response(&view, &names)))
}

/// Filters and page of booking lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookingListQuery {
    /// `mine` (default): the caller's bookings; `consultant`: bookings of the caller's
    /// offers; `all`: every booking (coordinators).
    pub scope: Option<Scope>,
    /// Only bookings of this offer.
    pub offer: Option<Uuid>,
    /// Only bookings for this municipality.
    pub municipality: Option<Uuid>,
    /// Only bookings in this state.
    pub status: Option<BookingStatus>,
    /// Only appointments starting at or after this time (RFC 3339).
    pub from: Option<DateTime<FixedOffset>>,
    /// Only appointments starting before this time (RFC 3339).
    pub to: Option<DateTime<FixedOffset>>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Lists bookings by start time: the caller's own, those of their offers (consultants:
/// `scope=consultant&from=now` is their upcoming appointments), or all (coordinators).
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(BookingListQuery),
    responses(
        (status = OK, description = "One page of bookings.", body = Page<BookingResponse>),
        (status = FORBIDDEN, description = "`scope=all` without being a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::Filtered,
    )
)]
#[get("/consultation-bookings")]
pub async fn list_bookings(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<BookingListQuery>,
) -> Result<web::Json<Page<BookingResponse>>, AppError> {
    let q = query.into_inner();
    let bounds = Bounds::new(q.limit, q.offset)?;
    let filter = BookingFilter {
        offer: q.offer,
        municipality: q.municipality,
        status: q.status,
        from: q.from.map(|t| t.with_timezone(&Utc)),
        to: q.to.map(|t| t.with_timezone(&Utc)),
    };
    let (views, total) = browse::list_bookings(
        db.get_ref(),
        &caller,
        q.scope.unwrap_or(Scope::Mine),
        filter,
        bounds,
    )
    .await?;
    let names = Names::of_bookings(db.get_ref(), &views.iter().collect::<Vec<_>>()).await?;
    Ok(web::Json(Page::new(
        views.iter().map(|v| booking_response(v, &names)).collect(),
        total,
        bounds,
    )))
}

/// Range of the export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Whose appointments: the caller (default) or, for coordinators, any consultant.
    pub consultant: Option<Uuid>,
    /// From this time (default: now).
    pub from: Option<DateTime<FixedOffset>>,
    /// Until this time (default: 90 days after `from`).
    pub to: Option<DateTime<FixedOffset>>,
}

/// Exports a consultant's bookings as CSV (semicolon-separated, UTF-8 with a byte order
/// mark, local times, states in German): start, end, offer, status, participant,
/// address, municipality, concern, answers. Not cached (`Cache-Control: no-store`).
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = OK, description = "The bookings as CSV.", body = String, content_type = "text/csv"),
        (status = FORBIDDEN, description = "Another consultant's bookings without being a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/consultation-bookings/export")]
pub async fn export_bookings(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let from = q.from.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let to =
        q.to.map_or(from + Duration::days(90), |t| t.with_timezone(&Utc));
    let consultant = q.consultant.unwrap_or(caller.user_id);
    let csv = browse::export_csv(db.get_ref(), &caller, consultant, from, to).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        // Participants' addresses and concerns: kept out of every cache.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"sprechstunden-buchungen.csv\"",
        ))
        .body(csv))
}

/// One booking: for its participant, the offer's consultant and coordinators; 404 for
/// everyone else. `ETag` is its version.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "The booking.", body = BookingResponse),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[get("/consultation-bookings/{id}")]
pub async fn get_booking(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let view = bookings::visible(db.get_ref(), &caller, path.into_inner()).await?;
    with_etag(&db, &view, actix_web::http::StatusCode::OK).await
}

/// Why a booking is cancelled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReasonRequest {
    /// Required when the consultant or a coordinator cancels (422 `required`); optional
    /// for the participant. At most 1,000 characters; the participant reads it.
    #[schema(example = "Die Beraterin ist an diesem Tag leider erkrankt.")]
    pub reason: Option<String>,
}

/// Why a booking is declined.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclineRequest {
    /// At most 1,000 characters; the participant reads it.
    #[schema(example = "Zu diesem Anliegen berät Sie die Servicestelle Wohnen besser.")]
    pub reason: String,
}

async fn apply(
    db: &Db,
    settings: &Settings,
    caller: &Principal,
    id: Uuid,
    change: Change,
    reason: Option<String>,
) -> Result<HttpResponse, AppError> {
    let view = bookings::change(db, settings, caller, id, change, reason, Utc::now()).await?;
    with_etag(db, &view, actix_web::http::StatusCode::OK).await
}

/// Confirms a pending booking; the participant gets the meeting details. The offer's
/// consultant and coordinators.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Confirmed.", body = BookingResponse),
        (status = FORBIDDEN, description = "The participant, who cannot confirm.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_pending`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/confirm")]
pub async fn confirm_booking(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    apply(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        Change::Confirm,
        None,
    )
    .await
}

/// Declines a pending booking with a reason; the seat goes to the waitlist. The offer's
/// consultant and coordinators.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    request_body = DeclineRequest,
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Declined.", body = BookingResponse),
        (status = FORBIDDEN, description = "The participant, who cannot decline.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_pending`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`reason` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/decline")]
pub async fn decline_booking(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: Json<DeclineRequest>,
) -> Result<HttpResponse, AppError> {
    apply(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        Change::Decline,
        Some(body.into_inner().reason),
    )
    .await
}

/// Cancels an open booking. The participant until the offer's cancellation deadline;
/// the consultant and coordinators any time before it ends, with a reason. The seat goes
/// to the waitlist; the other side is told, with an iCalendar CANCEL.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    request_body = Option<ReasonRequest>,
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Cancelled.", body = BookingResponse),
        (status = CONFLICT, description = "`cancellation_deadline_passed`, `not_open` or `already_over`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`reason` missing (consultant) or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/cancel")]
pub async fn cancel_booking(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: OptionalJson<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    apply(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        Change::Cancel,
        body.into_inner().reason,
    )
    .await
}

/// Marks a confirmed appointment that has begun as held. The offer's consultant and
/// coordinators.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Completed.", body = BookingResponse),
        (status = FORBIDDEN, description = "The participant.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_confirmed` or `not_started`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/complete")]
pub async fn complete_booking(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    apply(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        Change::Complete,
        None,
    )
    .await
}

/// Marks a confirmed appointment that has begun as missed by the participant. The
/// offer's consultant and coordinators.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Marked as no-show.", body = BookingResponse),
        (status = FORBIDDEN, description = "The participant.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_confirmed` or `not_started`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/no-show")]
pub async fn mark_no_show(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    apply(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        Change::NoShow,
        None,
    )
    .await
}

/// Where a booking moves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RescheduleRequest {
    /// Another slot of the same offer.
    pub slot_id: Uuid,
}

/// Moves an open booking to another slot of the same offer, atomically: the new seat is
/// taken and the old one freed in one transaction, or nothing changes. The participant
/// until the cancellation deadline (within the booking windows); the consultant and
/// coordinators to any future slot. Both sides get an updated calendar entry (same UID,
/// higher SEQUENCE).
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    request_body = RescheduleRequest,
    params(("id" = Uuid, Path, description = "The booking's id.")),
    responses(
        (status = OK, description = "Moved.", body = BookingResponse),
        (status = CONFLICT, description = "`slot_full`, `same_slot`, `not_open`, `cancellation_deadline_passed`, `already_booked` or a booking-window code.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`unknown_slot`: not a slot of this offer.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::BookingNotFound,
    )
)]
#[post("/consultation-bookings/{id}/reschedule")]
pub async fn reschedule_booking(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: Json<RescheduleRequest>,
) -> Result<HttpResponse, AppError> {
    let view = bookings::reschedule(
        &db,
        &settings,
        &caller,
        path.into_inner(),
        body.slot_id,
        Utc::now(),
    )
    .await?;
    with_etag(&db, &view, actix_web::http::StatusCode::OK).await
}

/// A place on a slot's waitlist.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitlistPlaceResponse {
    /// Stable id; it becomes the booking's id when the place turns into a booking.
    pub id: Uuid,
    /// The full slot.
    pub slot_id: Uuid,
    /// `waiting`, `offered` (a seat is held until `offeredUntil`), `booked`, `expired`
    /// or `left`.
    #[schema(example = "waiting")]
    pub status: String,
    /// 1 for the first in line, while waiting.
    pub position: Option<u64>,
    /// Until when the offered seat is held.
    pub offered_until: Option<DateTime<Utc>>,
    /// The booking it became.
    pub booking_id: Option<Uuid>,
    /// When the place was taken.
    pub created_at: DateTime<Utc>,
}

fn place_response(p: &PlaceView) -> WaitlistPlaceResponse {
    WaitlistPlaceResponse {
        id: p.entry.id,
        slot_id: p.entry.slot_id,
        status: p.entry.status.clone(),
        position: p.position,
        offered_until: p.entry.offered_until,
        booking_id: p.entry.booking_id,
        created_at: p.entry.created_at,
    }
}

/// Joins the waitlist of a full slot, with the concern and answers the booking will
/// carry. When a seat frees up, the first in line is booked directly or offered the seat
/// for the offer's hold time, by the offer's setting. Learners with a municipality.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    request_body = BookingInput,
    params(("id" = Uuid, Path, description = "The slot's id.")),
    responses(
        (status = CREATED, description = "On the waitlist.", body = WaitlistPlaceResponse),
        (status = FORBIDDEN, description = "Not a learner, or `no_municipality`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`seats_available`, `already_waiting`, `already_booked` or a booking-window code.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid concern or answers.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::SlotNotFound,
    )
)]
#[post("/consultation-slots/{id}/waitlist")]
pub async fn join_waitlist(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<Uuid>,
    body: Json<BookingInput>,
) -> Result<HttpResponse, AppError> {
    let place = bookings::join_waitlist(
        &db,
        &caller,
        path.into_inner(),
        body.into_inner(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(place_response(&place)))
}

/// The caller's waitlist places, newest first (at most 100).
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    responses(
        (status = OK, description = "The places.", body = Vec<WaitlistPlaceResponse>),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/consultation-waitlist")]
pub async fn list_waitlist_places(
    db: web::Data<Db>,
    caller: Principal,
) -> Result<web::Json<Vec<WaitlistPlaceResponse>>, AppError> {
    let places = bookings::my_places(db.get_ref(), &caller).await?;
    Ok(web::Json(places.iter().map(place_response).collect()))
}

/// Takes the seat held for the caller; the place becomes a booking with the same id.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The waitlist place's id.")),
    responses(
        (status = CREATED, description = "Booked.", body = BookingResponse),
        (status = NOT_FOUND, description = "Not one of the caller's places.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`no_seat_offered`: nothing held, or the hold ran out; `person_limit_reached` or `municipality_limit_reached`: the offer's limits changed since.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/consultation-waitlist/{id}/accept")]
pub async fn accept_waitlist_place(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let view =
        bookings::accept_place(&db, &settings, &caller, path.into_inner(), Utc::now()).await?;
    with_etag(&db, &view, actix_web::http::StatusCode::CREATED).await
}

/// Leaves a waitlist; a seat held for the caller goes to the next in line.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The waitlist place's id.")),
    responses(
        (status = NO_CONTENT, description = "Left."),
        (status = NOT_FOUND, description = "Not one of the caller's places.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_waiting`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/consultation-waitlist/{id}")]
pub async fn leave_waitlist_place(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    bookings::leave_place(&db, &settings, &caller, path.into_inner(), Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}
