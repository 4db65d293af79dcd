//! Settings and shared state of the identity capability.

use std::time::Duration;

use crate::jwt::JwtKeys;
use crate::password::PasswordHasherPool;

/// Login throttling: attempts granted per window before answering 429.
#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Login attempts per account (email address) within `window`.
    pub per_account: u32,
    /// Login attempts per client address within `window`.
    pub per_client: u32,
    pub window: Duration,
}

/// Quiet limits of mails to addresses a caller chooses (registration, password reset,
/// invitations): beyond them the request is answered as usual and the mail is not sent.
#[derive(Debug, Clone)]
pub struct MailLimitSettings {
    /// Such mails to one address within `window`.
    pub per_recipient: u32,
    /// Such mails asked for by one client address within `window` (registration and
    /// password reset; invitations come from signed-in coordinators and are audited).
    pub per_client: u32,
    pub window: Duration,
}

impl Default for MailLimitSettings {
    fn default() -> Self {
        Self {
            per_recipient: DEFAULT_MAILS_PER_RECIPIENT,
            per_client: DEFAULT_MAILS_PER_CLIENT,
            window: DEFAULT_MAIL_LIMIT_WINDOW,
        }
    }
}

/// Default of [`MailLimitSettings::per_recipient`].
pub const DEFAULT_MAILS_PER_RECIPIENT: u32 = 5;
/// Default of [`MailLimitSettings::per_client`].
pub const DEFAULT_MAILS_PER_CLIENT: u32 = 20;
/// Default of [`MailLimitSettings::window`].
pub const DEFAULT_MAIL_LIMIT_WINDOW: Duration = Duration::from_secs(3600);

/// Everything the identity capability is configured with. `Debug` leaves the secrets out.
#[derive(Clone)]
pub struct AuthSettings {
    /// Signs new access tokens.
    pub jwt_secret: String,
    /// Still accepted for verification, so rotating the key logs no one out.
    pub jwt_previous_secrets: Vec<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long a just-exchanged refresh token may be presented again and get the same
    /// new pair (two tabs refreshing at once); later it ends the session as reuse.
    pub refresh_grace: Duration,
    /// Base address of the web frontend; links in mails point there.
    pub app_url: String,
    /// Password hashes computed at once, at most.
    pub hash_concurrency: usize,
    pub throttle: ThrottleSettings,
    pub mail_limit: MailLimitSettings,
    /// Take the client address from `Forwarded`/`X-Forwarded-For` (only behind a proxy
    /// that sets them).
    pub trust_forwarded: bool,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<hidden>")
            .field("jwt_previous_secrets", &self.jwt_previous_secrets.len())
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("refresh_grace", &self.refresh_grace)
            .field("app_url", &self.app_url)
            .field("hash_concurrency", &self.hash_concurrency)
            .field("throttle", &self.throttle)
            .field("mail_limit", &self.mail_limit)
            .field("trust_forwarded", &self.trust_forwarded)
            .finish()
    }
}

/// Default of `refresh_grace`.
pub const DEFAULT_REFRESH_GRACE: Duration = Duration::from_secs(10);

/// How long a mailed email-verification link stays valid.
pub const VERIFY_EMAIL_TTL: Duration = Duration::from_secs(48 * 3600);
/// How long an invitation stays valid.
pub const INVITATION_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// How long a password-reset link stays valid.
pub const PASSWORD_RESET_TTL: Duration = Duration::from_secs(3600);

/// Shared state of the identity capability, one per application.
#[derive(Clone)]
pub struct Auth {
    pub(crate) keys: JwtKeys,
    /// Derives a refresh token's successor (see [`crate::tokens::successor`]).
    pub(crate) successor_key: crate::tokens::SuccessorKey,
    pub(crate) hasher: PasswordHasherPool,
    pub(crate) settings: AuthSettings,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Self {
        Self {
            keys: JwtKeys::new(
                &settings.jwt_secret,
                &settings.jwt_previous_secrets,
                settings.access_token_ttl,
            ),
            successor_key: crate::tokens::SuccessorKey::from_secret(&settings.jwt_secret),
            hasher: PasswordHasherPool::new(settings.hash_concurrency),
            settings,
        }
    }

    /// The access-token keys (for tests that forge tokens, and for the benchmark).
    pub fn keys(&self) -> &JwtKeys {
        &self.keys
    }

    /// The password hasher.
    pub fn hasher(&self) -> &PasswordHasherPool {
        &self.hasher
    }

    pub(crate) fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}/{}",
            self.settings.app_url.trim_end_matches('/'),
            path_and_query
        )
    }
}
