//! `/auth/…`: registration, verification, sign-in, refresh, sign-out, invitations and
//! password reset.

use academy_kernel::extract::Json;
use academy_kernel::{AppError, Db};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{AcceptedResponse, TokenResponse};
use crate::accounts::{self, Registration};
use crate::principal::Principal;
use crate::sessions;
use crate::settings::Auth;

/// A self-registration as learner.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    /// The address to sign in with; a verification link is sent to it.
    #[schema(example = "erika.mustermann@example.org")]
    pub email: String,
    /// 12 to 128 characters, not a common password.
    #[schema(example = "Wiese am Fluss im Herbst")]
    pub password: String,
    /// The name shown to others, e.g. in consultation bookings.
    #[schema(example = "Erika Mustermann")]
    pub display_name: String,
    /// The municipality the learner works for, if known.
    pub municipality_id: Option<Uuid>,
}

/// Registers a learner account.
///
/// The account can sign in once the address is confirmed with the mailed token
/// (`POST /api/v1/auth/verify-email`). The answer is the same whether or not the address
/// was registered before — the owner of an existing account gets a notice by mail instead.
/// Mails to one address, and those one client causes, are quietly limited per hour.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = ACCEPTED, description = "Check your mail for the verification link.", body = AcceptedResponse),
        (status = UNPROCESSABLE_ENTITY, description = "A field is invalid (e.g. the password is too short or too common).", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let client = client_address(&req, auth.settings.trust_forwarded);
    accounts::register(
        &db,
        &auth,
        Registration {
            email: body.email,
            password: body.password,
            display_name: body.display_name,
            municipality_id: body.municipality_id,
        },
        &client,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(AcceptedResponse {
        status: "accepted",
        message: "If the address can be registered, a verification link is on its way to it.",
    }))
}

/// A token from a mail.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the link or the code in the mail.
    #[schema(example = "Xq3v8kT1b2Lr9mZs4Pw7Yc0Nd5Hf6Jg")]
    pub token: String,
}

/// Confirms an email address with the mailed token; the account can sign in afterwards.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = NO_CONTENT, description = "The address is confirmed."),
        (status = BAD_REQUEST, description = "`invalid_token`: invalid, expired or already used.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    db: web::Data<Db>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, AppError> {
    accounts::verify_email(&db, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email address (case does not matter).
    #[schema(example = "erika.mustermann@example.org")]
    pub email: String,
    /// The account's password.
    #[schema(example = "Wiese am Fluss im Herbst")]
    pub password: String,
}

/// Signs in and opens a session.
///
/// A wrong password and an unknown address get the same 401 in about the same time.
/// Repeated failures per address and per client are throttled: 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = OK, description = "Signed in.", body = TokenResponse),
        (status = UNAUTHORIZED, description = "`invalid_credentials`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = FORBIDDEN, description = "`email_not_verified`: the password is right but the address is not confirmed yet.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = TOO_MANY_REQUESTS, description = "`too_many_requests`: too many failed attempts; see `Retry-After`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let client = client_address(&req, auth.settings.trust_forwarded);
    let pair = sessions::login(&db, &auth, &body.email, body.password, &client).await?;
    Ok(no_store(HttpResponse::Ok()).json(TokenResponse::from(pair)))
}

/// A refresh token.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh; it can be used once.
    #[schema(example = "r5Tq9zL2mW8xV1bN4cK7hJ3gF6dS0aPe")]
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair.
///
/// The presented token dies. For a few seconds (`ACADEMY_REFRESH_GRACE`, default 10 s)
/// presenting it again answers with the same new pair, so two tabs refreshing at once
/// both stay signed in; presenting it later, or an older token, revokes the whole
/// session: a replayed refresh token means it was stolen.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = OK, description = "A new pair.", body = TokenResponse),
        (status = UNAUTHORIZED, description = "`invalid_refresh_token`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let pair = sessions::refresh(&db, &auth, &body.refresh_token).await?;
    Ok(no_store(HttpResponse::Ok()).json(TokenResponse::from(pair)))
}

/// Ends the session of the refresh token; its access tokens stop working at once.
/// Unknown tokens are accepted silently.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = NO_CONTENT, description = "Signed out."))
)]
#[post("/auth/logout")]
pub async fn logout(
    db: web::Data<Db>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    sessions::logout(&db, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every session of the signed-in user, on every device.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = NO_CONTENT, description = "Signed out everywhere."),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(db: web::Data<Db>, caller: Principal) -> Result<HttpResponse, AppError> {
    accounts::logout_everywhere(&db, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An address to send a reset link to.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The address of the account whose password is forgotten.
    #[schema(example = "erika.mustermann@example.org")]
    pub email: String,
}

/// How often a password-reset request is tried before it is given up (and logged).
const PASSWORD_RESET_ATTEMPTS: u32 = 5;
/// Wait before the first retry; the n-th waits n times as long.
const PASSWORD_RESET_RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// Mails a password-reset link if the address belongs to an account.
///
/// 202 for every well-formed address, whether it has an account or not; 422 only for
/// text that is no email address at all, which says nothing about any account.
///
/// Mails to one address, and those one client causes, are limited per hour
/// (`ACADEMY_MAIL_MAX_PER_RECIPIENT`, `ACADEMY_MAIL_MAX_PER_CLIENT`); beyond that the
/// answer is the same and no mail is sent.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = ACCEPTED, description = "If the address has an account, a link is on its way.", body = AcceptedResponse),
        (status = UNPROCESSABLE_ENTITY, description = "`invalid_email`, `too_long`: not an email address.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, AppError> {
    let client = client_address(&req, auth.settings.trust_forwarded);
    // The lookup and the mail run after the answer, so its timing cannot tell whether the
    // address has an account.
    let email = body.into_inner().email;
    crate::domain::Email::parse("email", &email)
        .map_err(|error| AppError::validation(vec![error]))?;
    // The answer promises a mail, so a passing failure (the database busy or briefly
    // away) is retried a few times, waiting longer each time.
    actix_web::rt::spawn(async move {
        for attempt in 1..=PASSWORD_RESET_ATTEMPTS {
            match accounts::request_password_reset(&db, &auth, &email, &client).await {
                Ok(()) => return,
                Err(error) if error.is_transient() && attempt < PASSWORD_RESET_ATTEMPTS => {
                    tracing::warn!(attempt, error = ?error, "password reset request failed; retrying");
                    actix_web::rt::time::sleep(PASSWORD_RESET_RETRY_DELAY * attempt).await;
                }
                Err(error) => {
                    tracing::error!(attempt, error = ?error, "password reset request failed");
                    return;
                }
            }
        }
    });
    Ok(HttpResponse::Accepted().json(AcceptedResponse {
        status: "accepted",
        message: "If the address belongs to an account, a reset link is on its way to it.",
    }))
}

/// A mailed token with the new password.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetPasswordRequest {
    /// The token from the link or the code in the mail.
    #[schema(example = "Xq3v8kT1b2Lr9mZs4Pw7Yc0Nd5Hf6Jg")]
    pub token: String,
    /// 12 to 128 characters, not a common password.
    #[schema(example = "Neues Passwort am Marktplatz")]
    pub password: String,
}

/// Sets a new password with the mailed reset token. Every session of the account ends.
#[utoipa::path(
    tag = "auth",
    request_body = SetPasswordRequest,
    responses(
        (status = NO_CONTENT, description = "The password is changed; sign in with it."),
        (status = BAD_REQUEST, description = "`invalid_token`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<SetPasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    accounts::confirm_password_reset(&db, &auth, &body.token, body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accepts an invitation: sets the password and signs in.
#[utoipa::path(
    tag = "auth",
    request_body = SetPasswordRequest,
    responses(
        (status = OK, description = "The account is active and signed in.", body = TokenResponse),
        (status = BAD_REQUEST, description = "`invalid_token`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/invitations/accept")]
pub async fn accept_invitation(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    body: Json<SetPasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let pair = accounts::accept_invitation(&db, &auth, &body.token, body.password).await?;
    Ok(no_store(HttpResponse::Ok()).json(TokenResponse::from(pair)))
}

fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    builder
}

/// The client's address for throttling: the peer, or — behind a trusted proxy — the
/// address the proxy reports.
pub(super) fn client_address(req: &HttpRequest, trust_forwarded: bool) -> String {
    if trust_forwarded && let Some(address) = req.connection_info().realip_remote_addr() {
        return address.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
