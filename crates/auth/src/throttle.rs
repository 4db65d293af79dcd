//! Login throttling, kept in the database so that it holds across instances: failures are
//! rows, counted per key over a sliding window.

use academy_kernel::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::login_failure;
use crate::settings::ThrottleSettings;

/// The keys a login attempt is counted under, with their limits.
pub struct LoginKeys {
    pub account: String,
    pub client: String,
}

impl LoginKeys {
    pub fn new(normalized_email: &str, client: &str) -> Self {
        Self {
            account: format!("account:{normalized_email}"),
            client: format!("client:{client}"),
        }
    }
}

fn window_start(settings: &ThrottleSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(settings.window).unwrap_or(chrono::Duration::minutes(15))
}

/// 429 with `Retry-After` when either key has used up its failures in the window.
pub async fn check(
    db: &impl ConnectionTrait,
    settings: &ThrottleSettings,
    keys: &LoginKeys,
) -> Result<(), AppError> {
    let now = Utc::now();
    let since = window_start(settings, now);
    for (key, limit) in [
        (&keys.account, settings.per_account),
        (&keys.client, settings.per_client),
    ] {
        let failures = login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key.as_str()))
            .filter(login_failure::Column::FailedAt.gt(since))
            .count(db)
            .await?;
        if failures < u64::from(limit) {
            continue;
        }
        // The attempt is allowed again once enough of the counted failures have aged out
        // of the window for fewer than `limit` to remain.
        let unblocking = login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key.as_str()))
            .filter(login_failure::Column::FailedAt.gt(since))
            .order_by_asc(login_failure::Column::FailedAt)
            .offset(failures - u64::from(limit))
            .one(db)
            .await?;
        let retry_after = unblocking
            .map(|f| (f.failed_at - since).num_seconds())
            .unwrap_or(1)
            .max(1);
        return Err(AppError::too_many_requests(
            u64::try_from(retry_after).unwrap_or(1),
        ));
    }
    Ok(())
}

/// Counts a failed attempt under both keys, and forgets failures older than the window.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    settings: &ThrottleSettings,
    keys: &LoginKeys,
) -> Result<(), DbErr> {
    let now = Utc::now();
    login_failure::Entity::insert_many([failure(&keys.account, now), failure(&keys.client, now)])
        .exec_without_returning(db)
        .await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lt(window_start(settings, now)))
        .exec(db)
        .await?;
    Ok(())
}

fn failure(key: &str, now: DateTime<Utc>) -> login_failure::ActiveModel {
    login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key.to_owned()),
        failed_at: Set(now),
    }
}

/// A successful login clears the account's failures (not the client's: one right
/// password must not reset a client that guesses across many accounts).
pub async fn clear_account(db: &impl ConnectionTrait, keys: &LoginKeys) -> Result<(), DbErr> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(keys.account.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
