//! The authenticated caller, extracted from `Authorization: Bearer <access token>`.
//!
//! The token's signature and claims are checked, then the account and the session are
//! read from the database: a disabled account or a revoked session stops working at once,
//! not when the token expires, and role changes apply to the next request.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;

use academy_kernel::{AppError, Db};
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::{Role, Roles, UserStatus};
use crate::entity::{refresh_token, user};
use crate::settings::Auth;

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    /// The session (refresh-token family) of the access token.
    pub session_id: Uuid,
    /// Current roles, read from the account (not the token).
    pub roles: Roles,
    pub organisation_id: Option<Uuid>,
    pub municipality_id: Option<Uuid>,
    /// Whether the membership in `municipality_id` is confirmed; only then may the caller
    /// act for the municipality (e.g. book consultation hours).
    pub municipality_confirmed: bool,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.contains_any(roles)
    }

    /// The municipality the caller is the contact person of: their own confirmed one,
    /// while they hold the role.
    pub fn contact_for(&self) -> Option<Uuid> {
        self.municipality_id
            .filter(|_| self.has(Role::ContactPerson) && self.municipality_confirmed)
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), AppError> {
        if self.has_any(roles) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    async fn authenticate(req: HttpRequest) -> Result<Self, AppError> {
        let token = bearer_token(&req).ok_or_else(AppError::unauthorized)?;
        let auth = req
            .app_data::<web::Data<Auth>>()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("Auth is not registered")))?;
        let db = req
            .app_data::<web::Data<Db>>()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("Db is not registered")))?;
        let claims = auth.keys.verify(token).map_err(|_| invalid_token())?;

        let account = user::Entity::find_by_id(claims.sub)
            .one(db.get_ref())
            .await?
            .ok_or_else(invalid_token)?;
        if UserStatus::parse(&account.status) != Some(UserStatus::Active) {
            return Err(invalid_token());
        }
        let live_session = refresh_token::Entity::find()
            .filter(refresh_token::Column::FamilyId.eq(claims.sid))
            .filter(refresh_token::Column::UserId.eq(account.id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .count(db.get_ref())
            .await?;
        if live_session == 0 {
            return Err(invalid_token());
        }
        Ok(Self {
            user_id: account.id,
            session_id: claims.sid,
            roles: Roles::from_stored(&account.roles),
            organisation_id: account.organisation_id,
            municipality_id: account.municipality_id,
            municipality_confirmed: account.municipality_id.is_some()
                && account.municipality_confirmed_at.is_some(),
        })
    }
}

/// 401 for a token that was sent but cannot be used (forged, expired, of a revoked
/// session or a disabled account), with `WWW-Authenticate: Bearer error="invalid_token"`
/// (RFC 6750 §3.1) so clients know to refresh or sign in again. A request without any
/// token gets the plain `Bearer` challenge of [`AppError::unauthorized`].
fn invalid_token() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "unauthorized",
        "The access token is invalid or expired; refresh it or sign in again.",
    )
    .with_header(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static(r#"Bearer error="invalid_token""#),
    )
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::authenticate(req.clone()))
    }
}

/// The caller if credentials came with the request, `None` for anonymous requests — for
/// public routes that show more to some callers. Credentials that are sent but invalid
/// still answer 401: a client with an expired token must learn it, not silently see less.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if req.headers().contains_key(header::AUTHORIZATION) {
                Principal::authenticate(req)
                    .await
                    .map(|p| MaybePrincipal(Some(p)))
            } else {
                Ok(MaybePrincipal(None))
            }
        })
    }
}

/// A set of roles a route requires, named so that a handler's signature states it.
pub trait RoleSet {
    const ROLES: &'static [Role];
}

/// The coordinating office and administrators.
pub struct Coordinators;
impl RoleSet for Coordinators {
    const ROLES: &'static [Role] = &[Role::Coordinator, Role::Admin];
}

/// Administrators only.
pub struct Admins;
impl RoleSet for Admins {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// An authenticated caller holding one of `R::ROLES`: 401 without valid credentials, 403
/// with the wrong roles. `async fn list_users(caller: Require<Coordinators>, …)`.
pub struct Require<R: RoleSet>(pub Principal, PhantomData<R>);

impl<R: RoleSet> Deref for Require<R> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<R: RoleSet + 'static> FromRequest for Require<R> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = Principal::authenticate(req).await?;
            principal.require_any(R::ROLES)?;
            Ok(Require(principal, PhantomData))
        })
    }
}
