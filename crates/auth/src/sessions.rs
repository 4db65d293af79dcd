//! Sessions: login, refresh-token rotation with reuse detection (RFC 9700), logout.
//!
//! A session is a family of refresh tokens descending from one login. Each refresh
//! exchanges the presented token for a new one; presenting an exchanged token again means
//! it was stolen or replayed, and the whole family is revoked. Access tokens carry the
//! family as `sid`, and the extractor refuses them once it is revoked.

use academy_kernel::AppError;
use academy_kernel::db::begin_write;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::domain::{Roles, UserStatus, normalize_email};
use crate::entity::{refresh_token, user};
use crate::password::Verified;
use crate::settings::Auth;
use crate::throttle::{self, LoginKeys};
use crate::tokens;

/// What a successful login or refresh returns.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// The one answer to every failed login, whatever the reason.
fn invalid_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "The email address or the password is wrong.",
    )
    .with_header(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    )
}

fn invalid_refresh_token() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
        "The refresh token is invalid, expired or already used; sign in again.",
    )
}

/// Checks the password of an active, verified account and opens a session.
///
/// Unknown addresses cost the same argon2 time as wrong passwords and get the same answer.
pub async fn login(
    db: &DatabaseConnection,
    auth: &Auth,
    email: &str,
    password: String,
    client: &str,
) -> Result<TokenPair, AppError> {
    let normalized = normalize_email(email);
    let keys = LoginKeys::new(&normalized, client);
    // Reserved before the password is checked: the decision and the count are one step.
    if let Err(throttled) = throttle::reserve(db, &auth.settings.throttle, &keys).await {
        count_login("throttled");
        return Err(throttled);
    }

    let account = user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(normalized.as_str()))
        .one(db)
        .await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let verified = auth.hasher.verify(password, stored).await?;
    let account = match account {
        Some(account)
            if verified != Verified::No
                && UserStatus::parse(&account.status) != Some(UserStatus::Disabled) =>
        {
            account
        }
        _ => {
            throttle::failed(db, &auth.settings.throttle).await?;
            count_login("invalid_credentials");
            return Err(invalid_credentials());
        }
    };
    throttle::succeeded(db, &keys).await?;
    if account.email_verified_at.is_none()
        || UserStatus::parse(&account.status) != Some(UserStatus::Active)
    {
        // Only someone who knows the password learns this.
        count_login("email_not_verified");
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "Confirm your email address with the link we sent you first; registering again sends a new link.",
        ));
    }

    let txn = begin_write(db).await?;
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(account.id));
    if let Verified::YesRehashed(new_hash) = verified {
        update = update.col_expr(user::Column::PasswordHash, Expr::value(new_hash));
    }
    update.exec(&txn).await?;
    let pair = open_session(&txn, auth, &account).await?;
    txn.commit().await?;
    count_login("success");
    Ok(pair)
}

/// `logins_total{outcome}`: a rise in `invalid_credentials` or `throttled` is an attack.
fn count_login(outcome: &'static str) {
    metrics::counter!("logins_total", "outcome" => outcome).increment(1);
}

/// Starts a new refresh-token family for `account`.
pub async fn open_session(
    db: &impl ConnectionTrait,
    auth: &Auth,
    account: &user::Model,
) -> Result<TokenPair, AppError> {
    issue(db, auth, account, Uuid::now_v7()).await
}

async fn issue(
    db: &impl ConnectionTrait,
    auth: &Auth,
    account: &user::Model,
    family: Uuid,
) -> Result<TokenPair, AppError> {
    let refresh = tokens::generate();
    store(db, auth, account, family, &refresh, Utc::now()).await?;
    pair(auth, account, family, refresh, Utc::now())
}

/// Stores a new refresh token of `family` (its hash only).
async fn store(
    db: &impl ConnectionTrait,
    auth: &Auth,
    account: &user::Model,
    family: Uuid,
    refresh: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ttl = chrono::Duration::from_std(auth.settings.refresh_token_ttl)
        .unwrap_or(chrono::Duration::days(30));
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.id),
        family_id: Set(family),
        token_hash: Set(tokens::digest(refresh)),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        successor_hash: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The pair handed out: `refresh` with an access token issued at `issued_at`.
fn pair(
    auth: &Auth,
    account: &user::Model,
    family: Uuid,
    refresh: String,
    issued_at: DateTime<Utc>,
) -> Result<TokenPair, AppError> {
    let access = auth
        .keys
        .issue_at(
            account.id,
            family,
            &Roles::from_stored(&account.roles),
            u64::try_from(issued_at.timestamp()).unwrap_or(0),
        )
        .map_err(AppError::internal)?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        expires_in: auth.keys.ttl().as_secs(),
    })
}

/// Exchanges a refresh token for a new pair.
///
/// The new refresh token is derived from the presented one with a server key
/// ([`tokens::successor`]) and only its hash is kept beside the exchanged token. For
/// `refresh_grace` after the exchange, presenting the exchanged token again — a second
/// tab that refreshed at the same moment — answers with the same new pair, as long as
/// that successor is still the session's current token (RFC 9700 §4.14.2 allows such a
/// grace). Any other repeated use, or one after the grace, revokes the whole family.
pub async fn refresh(
    db: &DatabaseConnection,
    auth: &Auth,
    presented: &str,
) -> Result<TokenPair, AppError> {
    let now = Utc::now();
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(db)
        .await?
        .ok_or_else(invalid_refresh_token)?;
    if found.revoked_at.is_some() || found.expires_at <= now {
        return Err(invalid_refresh_token());
    }
    if found.used_at.is_some() {
        return replayed(db, auth, presented, &found).await;
    }

    let successor = tokens::successor(&auth.successor_key, presented);
    let txn = begin_write(db).await?;
    // The conditional update is the claim: of two requests racing with the same token,
    // exactly one sees a row change; the other one is a replay within the grace.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .col_expr(
            refresh_token::Column::SuccessorHash,
            Expr::value(tokens::digest(&successor)),
        )
        .filter(refresh_token::Column::Id.eq(found.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        let current = refresh_token::Entity::find_by_id(found.id)
            .one(db)
            .await?
            .ok_or_else(invalid_refresh_token)?;
        return replayed(db, auth, presented, &current).await;
    }
    let account = user::Entity::find_by_id(found.user_id)
        .one(&txn)
        .await?
        .filter(|a| UserStatus::parse(&a.status) == Some(UserStatus::Active))
        .ok_or_else(invalid_refresh_token)?;
    store(&txn, auth, &account, found.family_id, &successor, now).await?;
    txn.commit().await?;
    pair(auth, &account, found.family_id, successor, now)
}

/// A token that was already exchanged: the same new pair within the grace period while
/// its successor is the session's current token, otherwise reuse.
async fn replayed(
    db: &DatabaseConnection,
    auth: &Auth,
    presented: &str,
    token: &refresh_token::Model,
) -> Result<TokenPair, AppError> {
    // Read after the exchange committed, so a grace of zero means none.
    let now = Utc::now();
    let grace =
        chrono::Duration::from_std(auth.settings.refresh_grace).unwrap_or(chrono::Duration::zero());
    let (Some(used_at), Some(successor_hash)) = (token.used_at, token.successor_hash.as_deref())
    else {
        return Err(reuse_detected(db, token).await);
    };
    if token.revoked_at.is_some() || now - used_at >= grace {
        return Err(reuse_detected(db, token).await);
    }
    let successor = tokens::successor(&auth.successor_key, presented);
    if tokens::digest(&successor) != successor_hash {
        return Err(reuse_detected(db, token).await);
    }
    // Only the immediately previous token: its successor must not have been exchanged
    // (or revoked) in turn.
    let current = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(successor_hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if current.is_none() {
        return Err(reuse_detected(db, token).await);
    }
    let account = user::Entity::find_by_id(token.user_id)
        .one(db)
        .await?
        .filter(|a| UserStatus::parse(&a.status) == Some(UserStatus::Active))
        .ok_or_else(invalid_refresh_token)?;
    pair(auth, &account, token.family_id, successor, used_at)
}

async fn reuse_detected(db: &DatabaseConnection, token: &refresh_token::Model) -> AppError {
    tracing::warn!(
        user = %token.user_id,
        session = %token.family_id,
        "refresh token presented again; revoking its session"
    );
    metrics::counter!("refresh_token_reuse_total").increment(1);
    let outcome = async {
        revoke_family(db, token.family_id).await?;
        audit::record(
            db,
            Some(token.user_id),
            "session.reuse_detected",
            "user",
            Some(token.user_id),
            json!({"session": token.family_id}),
        )
        .await
    }
    .await;
    match outcome {
        Ok(()) => invalid_refresh_token(),
        Err(error) => AppError::from(error),
    }
}

/// Revokes every token of one session.
pub async fn revoke_family(db: &impl ConnectionTrait, family: Uuid) -> Result<(), sea_orm::DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every session of `user`, except `keep` if given.
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    user: Uuid,
    keep: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let mut update = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(refresh_token::Column::FamilyId.ne(keep));
    }
    update.exec(db).await?;
    Ok(())
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored: logging out
/// twice is not an error.
pub async fn logout(db: &DatabaseConnection, presented: &str) -> Result<(), AppError> {
    if let Some(found) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(db)
        .await?
    {
        revoke_family(db, found.family_id).await?;
    }
    Ok(())
}
