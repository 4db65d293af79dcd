//! Login throttling on the database's rate limits ([`academy_kernel::throttle`]): every
//! attempt takes one unit per account and per client *before* the password is checked,
//! in one atomic step, so parallel attempts cannot outrun the limit and a right password
//! inside a blocked burst is refused too. A right password gives its unit back: the
//! account's count is cleared, and the client's unit is returned (signing in many people
//! from one office is not guessing). Wrong passwords keep theirs.

use std::time::Duration;

use academy_kernel::AppError;
use academy_kernel::throttle::{self, Decision, Quota};
use sea_orm::{ConnectionTrait, DbErr};

use crate::settings::ThrottleSettings;

/// Rows of finished windows older than this are deleted now and then.
const PURGE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The keys a login attempt is counted under.
pub struct LoginKeys {
    pub account: String,
    pub client: String,
}

impl LoginKeys {
    pub fn new(normalized_email: &str, client: &str) -> Self {
        Self {
            account: format!("login:account:{normalized_email}"),
            client: format!("login:client:{client}"),
        }
    }
}

/// Takes one attempt under both keys, or answers 429 with `Retry-After` and counts
/// nothing.
pub async fn reserve(
    db: &academy_kernel::Db,
    settings: &ThrottleSettings,
    keys: &LoginKeys,
) -> Result<(), AppError> {
    let quotas = [
        Quota::new(keys.account.as_str(), settings.per_account, settings.window),
        Quota::new(keys.client.as_str(), settings.per_client, settings.window),
    ];
    match throttle::take(db, &quotas).await? {
        Decision::Granted => Ok(()),
        Decision::Refused { retry_after } => {
            Err(AppError::too_many_requests(retry_after.as_secs().max(1)))
        }
    }
}

/// The password was right: the account starts afresh and the client gets its unit back.
pub async fn succeeded(db: &impl ConnectionTrait, keys: &LoginKeys) -> Result<(), DbErr> {
    throttle::clear(db, &keys.account).await?;
    throttle::give_back(db, &keys.client).await
}

/// The password was wrong: the unit stays taken. Finished windows are tidied up here, where
/// they accumulate.
pub async fn failed(db: &impl ConnectionTrait, settings: &ThrottleSettings) -> Result<(), DbErr> {
    throttle::purge(db, PURGE_AFTER.max(settings.window)).await?;
    Ok(())
}
