//! `/me/calendar-feed`, `/calendar-feeds/{token}` and `/consultation-reports/bookings`.

use academy_auth::{Coordinators, Principal, Require};
use academy_kernel::extract::Query;
use academy_kernel::{AppError, Db, FieldError};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Settings;
use crate::browse;
use crate::feeds;

/// The caller's calendar feed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarFeedResponse {
    /// When the current feed address was issued; `null` without one.
    pub issued_at: Option<DateTime<Utc>>,
    /// The secret address to subscribe to; only in the answer that issues it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Whether the caller has a calendar feed (the address itself is shown only once).
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    responses(
        (status = OK, description = "The feed's state.", body = CalendarFeedResponse),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/me/calendar-feed")]
pub async fn get_calendar_feed(
    db: web::Data<Db>,
    caller: Principal,
) -> Result<web::Json<CalendarFeedResponse>, AppError> {
    Ok(web::Json(CalendarFeedResponse {
        issued_at: feeds::issued_at(db.get_ref(), caller.user_id).await?,
        url: None,
    }))
}

/// Issues a new secret feed address with the caller's appointments (as participant and,
/// for consultants, of their offers); an earlier address stops working. The address
/// starts with the configured public address of the API (`ACADEMY_PUBLIC_URL`). Subscribe to it
/// in Outlook, Thunderbird or any calendar.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    responses(
        (status = CREATED, description = "Issued; `url` is the address to subscribe to.", body = CalendarFeedResponse),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/me/calendar-feed")]
pub async fn rotate_calendar_feed(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let token = feeds::rotate(db.get_ref(), caller.user_id, now).await?;
    let url = format!("{}/api/v1/calendar-feeds/{token}", settings.public_url);
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CalendarFeedResponse {
            issued_at: Some(now),
            url: Some(url),
        }))
}

/// Ends the caller's calendar feed.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    responses(
        (status = NO_CONTENT, description = "Ended (or there was none)."),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/me/calendar-feed")]
pub async fn revoke_calendar_feed(
    db: web::Data<Db>,
    caller: Principal,
) -> Result<HttpResponse, AppError> {
    feeds::revoke(db.get_ref(), caller.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The iCalendar feed behind a secret address: the owner's appointments from 90 days
/// ago on, times in TZID Europe/Berlin. No sign-in; the address is the credential.
#[utoipa::path(
    tag = "consultation-bookings",
    params(("token" = String, Path, description = "The secret token of the feed address.")),
    responses(
        (status = OK, description = "The calendar.", body = String, content_type = "text/calendar"),
        (status = NOT_FOUND, description = "No such feed (never issued, rotated or ended).", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar-feeds/{token}")]
pub async fn calendar_feed(
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let body = feeds::feed(db.get_ref(), token, Utc::now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(body))
}

/// The period of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Appointments starting at or after this time (RFC 3339).
    pub from: DateTime<FixedOffset>,
    /// Appointments starting before this time (RFC 3339).
    pub to: DateTime<FixedOffset>,
}

/// Booking counts of one group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CountsResponse {
    /// Every booking, whatever its state.
    pub total: u64,
    /// By state (`pending`, `confirmed`, `completed`, `no_show`, `cancelled`, `declined`).
    pub by_status: BTreeMap<String, u64>,
}

/// Counts for one municipality.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MunicipalityCounts {
    /// The municipality.
    pub municipality_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its bookings.
    #[serde(flatten)]
    pub counts: CountsResponse,
}

/// Counts for one field of action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldCounts {
    /// The field of action's slug.
    pub field_of_action: String,
    /// Bookings of offers for it (a booking counts for each field of its offer).
    #[serde(flatten)]
    pub counts: CountsResponse,
}

/// Bookings over a period, per municipality and per field of action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingReport {
    /// Start of the period.
    pub from: DateTime<FixedOffset>,
    /// End of the period.
    pub to: DateTime<FixedOffset>,
    /// Most bookings first.
    pub by_municipality: Vec<MunicipalityCounts>,
    /// Most bookings first.
    pub by_field_of_action: Vec<FieldCounts>,
}

fn counts(c: browse::Counts) -> CountsResponse {
    CountsResponse {
        total: c.total,
        by_status: c.by_status,
    }
}

/// Counts bookings of appointments in a period per municipality and per field of
/// action. Coordinators.
#[utoipa::path(
    tag = "consultation-bookings",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = OK, description = "The counts.", body = BookingReport),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`from` missing, or not before `to`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/consultation-reports/bookings")]
pub async fn booking_report(
    db: web::Data<Db>,
    _caller: Require<Coordinators>,
    query: Query<ReportQuery>,
) -> Result<web::Json<BookingReport>, AppError> {
    let q = query.into_inner();
    if q.from >= q.to {
        return Err(AppError::validation(vec![FieldError::new(
            "to",
            "before_from",
            "must be later than from",
        )]));
    }
    let (municipalities, fields) = browse::report(
        db.get_ref(),
        q.from.with_timezone(&Utc),
        q.to.with_timezone(&Utc),
    )
    .await?;
    Ok(web::Json(BookingReport {
        from: q.from,
        to: q.to,
        by_municipality: municipalities
            .into_iter()
            .map(|(id, name, c)| MunicipalityCounts {
                municipality_id: id,
                name,
                counts: counts(c),
            })
            .collect(),
        by_field_of_action: fields
            .into_iter()
            .map(|(slug, c)| FieldCounts {
                field_of_action: slug,
                counts: counts(c),
            })
            .collect(),
    }))
}
