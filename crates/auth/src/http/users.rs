//! `/users`: account administration.

use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::{AcceptedResponse, UserResponse};
use super::{created, if_match, tagged};
use crate::accounts::{self, AccountChange, Invitation, UserFilter};
use crate::domain::{Role, UserStatus};
use crate::principal::{Admins, Coordinators, Require};
use crate::settings::Auth;

/// Filters and page of the user list.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of the email address or display name, case-insensitive.
    pub q: Option<String>,
    /// Only accounts holding this role.
    pub role: Option<Role>,
    /// Only accounts in this status.
    pub status: Option<UserStatus>,
    /// Only members of this organisation.
    pub organisation_id: Option<Uuid>,
    /// Only accounts of this municipality.
    pub municipality_id: Option<Uuid>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Searches accounts, newest first. Coordinators and administrators.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = OK, description = "One page of accounts.", body = Page<UserResponse>),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/users")]
pub async fn list_users(
    db: web::Data<Db>,
    _caller: Require<Coordinators>,
    query: Query<UserListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (items, total) = accounts::list_users(
        &db,
        UserFilter {
            q: query.q,
            role: query.role,
            status: query.status,
            organisation_id: query.organisation_id,
            municipality_id: query.municipality_id,
        },
        bounds,
    )
    .await?;
    let items = items.into_iter().map(UserResponse::from).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// Someone to invite, with preset roles and assignment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InviteRequest {
    /// Where the invitation is sent; becomes the sign-in address.
    #[schema(example = "max.beispiel@example.org")]
    pub email: String,
    /// The invitee's name, used in the mail and shown to others.
    #[schema(example = "Max Beispiel")]
    pub display_name: String,
    /// At least one. Only administrators can grant `admin`.
    #[schema(example = json!(["author"]))]
    pub roles: Vec<Role>,
    /// Required for authors and consultants.
    pub organisation_id: Option<Uuid>,
    /// The municipality a learner works for.
    pub municipality_id: Option<Uuid>,
}

/// Invites someone by mail. The invitee sets a password with the mailed token
/// (`POST /api/v1/auth/invitations/accept`). Coordinators and administrators.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = InviteRequest,
    responses(
        (status = CREATED, description = "The invited account (status `invited`).", body = UserResponse),
        (status = CONFLICT, description = "`email_taken`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/users/invitations")]
pub async fn invite_user(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    caller: Require<Coordinators>,
    body: Json<InviteRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let account = accounts::invite(
        &db,
        &auth,
        &caller,
        Invitation {
            email: body.email,
            display_name: body.display_name,
            roles: body.roles,
            organisation_id: body.organisation_id,
            municipality_id: body.municipality_id,
        },
    )
    .await?;
    let version = account.version;
    let location = format!("/api/v1/users/{}", account.id);
    Ok(created(location, version, &UserResponse::from(account)))
}

/// One account, with its `ETag`. Coordinators and administrators.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id.")),
    responses(
        (status = OK, description = "The account.", body = UserResponse),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::Cached,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    db: web::Data<Db>,
    _caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let account = accounts::load(db.get_ref(), id.into_inner()).await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}

/// An administrator's change; absent fields stay as they are, `null` clears an
/// assignment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// The name shown to others; 1–100 characters.
    pub display_name: Option<String>,
    /// The complete new set of roles.
    pub roles: Option<Vec<Role>>,
    /// `active` or `disabled`. Disabling ends every session at once.
    pub status: Option<StatusChange>,
    /// The member organisation; `null` removes it (not for authors and consultants).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub organisation_id: Option<Option<Uuid>>,
    /// The municipality; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub municipality_id: Option<Option<Uuid>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D>(deserializer: D) -> Result<Option<Option<Uuid>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<Uuid>::deserialize(deserializer).map(Some)
}

/// The status an administrator may set: `invited` follows only from an invitation.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    /// May sign in.
    Active,
    /// May not sign in; every session ends.
    Disabled,
}

impl From<StatusChange> for UserStatus {
    fn from(change: StatusChange) -> Self {
        match change {
            StatusChange::Active => UserStatus::Active,
            StatusChange::Disabled => UserStatus::Disabled,
        }
    }
}

/// Changes roles, status or assignment of an account. Administrators only; role changes
/// and disabling are audited. Send `If-Match` with the `ETag` you read.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = UpdateUserRequest,
    params(
        ("id" = Uuid, Path, description = "The account's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "The updated account.", body = UserResponse),
        (status = CONFLICT, description = "`cannot_lock_out_self`: administrators cannot disable or demote themselves.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionOptional,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Admins>,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let account = accounts::update_user(
        &db,
        &caller,
        id.into_inner(),
        AccountChange {
            display_name: body.display_name,
            roles: body.roles,
            status: body.status.map(UserStatus::from),
            organisation_id: body.organisation_id,
            municipality_id: body.municipality_id,
        },
        if_match(&req),
    )
    .await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}

/// Sends an invited account a fresh invitation (the earlier link stops working), e.g.
/// when it expired or got lost. Coordinators and administrators.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The invited account's id.")),
    responses(
        (status = ACCEPTED, description = "A new invitation is on its way.", body = AcceptedResponse),
        (status = CONFLICT, description = "`not_invited`: the account is already active or disabled.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/users/{id}/invitation")]
pub async fn resend_invitation(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    accounts::resend_invitation(&db, &auth, &caller, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(AcceptedResponse {
        status: "accepted",
        message: "A new invitation is on its way; earlier links no longer work.",
    }))
}
