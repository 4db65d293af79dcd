//! Municipality membership: the domains a municipality registers, and the pending
//! requests coordinators confirm or decline.

use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::UserResponse;
use super::tagged;
use crate::membership;
use crate::principal::{Coordinators, Principal, Require};

/// The address domains of a municipality. An account whose address is at one of them is
/// confirmed as a member at once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailDomains {
    /// Domains such as `hanau.de` (stored in lower-case ASCII form; at most 20, each
    /// registered by one municipality only).
    #[schema(example = json!(["hanau.de"]))]
    pub domains: Vec<String>,
}

/// The address domains of a municipality. Coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The municipality's id.")),
    responses(
        (status = OK, description = "The registered domains, sorted.", body = EmailDomains),
        (status = NOT_FOUND, description = "No such municipality.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/municipalities/{id}/email-domains")]
pub async fn get_email_domains(
    db: web::Data<Db>,
    _caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let domains = membership::email_domains(&db, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(EmailDomains { domains }))
}

/// Replaces the address domains of a municipality. Coordinators.
///
/// Accounts that register or ask for the municipality later with an address at one of
/// them are confirmed at once; requests already pending stay with the coordinators.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The municipality's id.")),
    request_body = EmailDomains,
    responses(
        (status = OK, description = "The registered domains, sorted.", body = EmailDomains),
        (status = NOT_FOUND, description = "No such municipality.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`domain_taken`: another municipality registered one of the domains.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "A domain is invalid (`domains[i]`), or more than 20.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[put("/municipalities/{id}/email-domains")]
pub async fn replace_email_domains(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
    body: Json<EmailDomains>,
) -> Result<HttpResponse, AppError> {
    let domains =
        membership::set_email_domains(&db, &caller, id.into_inner(), &body.domains).await?;
    Ok(HttpResponse::Ok().json(EmailDomains { domains }))
}

/// Filters and page of the pending requests.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MembershipListQuery {
    /// Only requests for this municipality.
    pub municipality_id: Option<Uuid>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// A learner's request to belong to a municipality.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRequestResponse {
    /// The account asking.
    pub user_id: Uuid,
    /// Its name.
    #[schema(example = "Erika Mustermann")]
    pub display_name: String,
    /// Its address, to judge the request by.
    #[schema(example = "erika.mustermann@example.org")]
    pub email: String,
    /// The municipality asked for.
    pub municipality_id: Uuid,
    /// Its name.
    #[schema(example = "Musterstadt")]
    pub municipality_name: String,
    /// When the account last changed (about when it asked).
    pub requested_at: DateTime<Utc>,
}

/// Pending membership requests, oldest first. Coordinators (all, or one municipality's);
/// a contact person sees their own municipality's only.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(MembershipListQuery),
    responses(
        (status = OK, description = "One page of pending requests.", body = Page<MembershipRequestResponse>),
        (status = FORBIDDEN, description = "Neither a coordinator nor a contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/municipality-memberships")]
pub async fn list_membership_requests(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<MembershipListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let municipality = membership::scope(&caller, query.municipality_id)?;
    let (items, total) = membership::list_pending(&db, municipality, bounds).await?;
    let items = items
        .into_iter()
        .filter_map(|p| {
            let municipality = p.municipality?;
            Some(MembershipRequestResponse {
                user_id: p.account.id,
                display_name: p.account.display_name,
                email: p.account.email,
                municipality_id: municipality.id,
                municipality_name: municipality.name,
                requested_at: p.account.updated_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// Confirms an account's pending membership: it may now book for the municipality, and
/// joins the courses its team is enrolled in. Coordinators, or the municipality's contact
/// person.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id.")),
    responses(
        (status = OK, description = "The account, confirmed.", body = UserResponse),
        (status = FORBIDDEN, description = "Neither a coordinator nor a contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such account, or (for a contact person) none asking to join their municipality.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`no_membership_request`: nothing is pending.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/users/{id}/municipality-membership/confirm")]
pub async fn confirm_membership(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let account = membership::decide(&db, &caller, id.into_inner(), true).await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}

/// Declines an account's pending membership; the claimed municipality is removed.
/// Coordinators, or the municipality's contact person.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id.")),
    responses(
        (status = OK, description = "The account, without the municipality.", body = UserResponse),
        (status = FORBIDDEN, description = "Neither a coordinator nor a contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No such account, or (for a contact person) none asking to join their municipality.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`no_membership_request`: nothing is pending.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/users/{id}/municipality-membership/decline")]
pub async fn decline_membership(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let account = membership::decide(&db, &caller, id.into_inner(), false).await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}
