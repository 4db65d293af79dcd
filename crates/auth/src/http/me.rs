//! `/me`: the signed-in user's own account.

use academy_kernel::extract::Json;
use academy_kernel::{AppError, Db};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::UserResponse;
use super::{if_match, tagged};
use crate::accounts;
use crate::principal::Principal;
use crate::settings::Auth;

/// The caller's own account, with its `ETag`.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = OK, description = "The caller's account.", body = UserResponse),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::Cached,
    )
)]
#[get("/me")]
pub async fn get_me(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
) -> Result<HttpResponse, AppError> {
    let account = accounts::load(db.get_ref(), caller.user_id).await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}

/// What users may change about themselves. Roles, organisation and status are changed by
/// administrators; sending them here is refused (422).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// The name shown to others; 1–100 characters.
    #[schema(example = "Erika Mustermann")]
    pub display_name: Option<String>,
    /// Asks to belong to this municipality (e.g. after registering without one). The
    /// membership is `pending` until a coordinator confirms it, or `confirmed` at once
    /// when the address is at a domain the municipality registered.
    pub municipality_id: Option<Uuid>,
}

/// Changes the caller's own profile. Send `If-Match` with the `ETag` you read to avoid
/// overwriting a change made elsewhere (412).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    params(("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on.")),
    responses(
        (status = OK, description = "The updated account.", body = UserResponse),
        (status = UNPROCESSABLE_ENTITY, description = "A field is invalid, or `municipalityId` does not exist.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionOptional,
    )
)]
#[patch("/me")]
pub async fn update_me(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    body: Json<UpdateMeRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let account = accounts::update_me(
        &db,
        &caller,
        body.display_name,
        body.municipality_id,
        if_match(&req),
    )
    .await?;
    let version = account.version;
    Ok(tagged(&req, version, &UserResponse::from(account)))
}

/// The current and the new password.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password the account has now.
    #[schema(example = "Wiese am Fluss im Herbst")]
    pub current_password: String,
    /// 12 to 128 characters, not a common password.
    #[schema(example = "Neues Passwort am Marktplatz")]
    pub new_password: String,
}

/// Changes the caller's password. Every other session of the account ends; this one
/// stays. The owner is told by mail.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = NO_CONTENT, description = "Changed."),
        (status = UNPROCESSABLE_ENTITY, description = "`currentPassword` is wrong or `newPassword` is not acceptable.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/me/password")]
pub async fn change_password(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    caller: Principal,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    accounts::change_password(
        &db,
        &auth,
        &caller,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirmation of an account deletion.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteMeRequest {
    /// The account's current password.
    #[schema(example = "Wiese am Fluss im Herbst")]
    pub password: String,
}

/// Deletes the caller's own account. Address, name, password and assignments are erased
/// (an anonymous placeholder remains for records that refer to it), every session ends,
/// and a confirmation goes to the old address. The last active administrator cannot.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = DeleteMeRequest,
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = UNPROCESSABLE_ENTITY, description = "`password` is wrong.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`last_admin`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/me")]
pub async fn delete_me(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    caller: Principal,
    body: Json<DeleteMeRequest>,
) -> Result<HttpResponse, AppError> {
    accounts::delete_me(&db, &auth, &caller, body.into_inner().password).await?;
    Ok(HttpResponse::NoContent().finish())
}
