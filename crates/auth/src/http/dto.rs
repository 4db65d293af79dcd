//! Response bodies shared by several handlers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{Role, Roles, UserStatus};
use crate::entity::user;
use crate::membership::MembershipStatus;
use crate::sessions::TokenPair;

/// An account as its owner and administrators see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    /// The account's id.
    pub id: Uuid,
    /// The sign-in address in its canonical form (Unicode NFKC, the domain in lower-case
    /// ASCII/IDNA form); lookalike spellings are the same address.
    #[schema(example = "erika.mustermann@example.org")]
    pub email: String,
    /// The name shown to others.
    #[schema(example = "Erika Mustermann")]
    pub display_name: String,
    /// What the user may do.
    pub roles: Vec<Role>,
    /// `invited` until the invitation is accepted, `active`, or `disabled`.
    pub status: UserStatus,
    /// The member organisation (authors, consultants).
    pub organisation_id: Option<Uuid>,
    /// The municipality (learners): claimed, or confirmed — see `municipalityStatus`.
    pub municipality_id: Option<Uuid>,
    /// `none`, `pending` (waiting for a coordinator; reading works, booking does not) or
    /// `confirmed`.
    pub municipality_status: MembershipStatus,
    /// Whether the email address has been confirmed.
    pub email_verified: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last signed in.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<user::Model> for UserResponse {
    fn from(model: user::Model) -> Self {
        Self {
            municipality_status: crate::membership::status_of(&model),
            id: model.id,
            email: model.email,
            display_name: model.display_name,
            roles: Roles::from_stored(&model.roles).to_vec(),
            status: UserStatus::parse(&model.status).unwrap_or(UserStatus::Disabled),
            organisation_id: model.organisation_id,
            municipality_id: model.municipality_id,
            email_verified: model.email_verified_at.is_some(),
            created_at: model.created_at,
            last_login_at: model.last_login_at,
        }
    }
}

/// Tokens of a session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque, single-use token for `POST /api/v1/auth/refresh`; keep it secret.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
        }
    }
}

/// A request was accepted; what follows arrives by mail.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedResponse {
    /// Always `accepted`.
    #[schema(example = "accepted")]
    pub status: &'static str,
    /// What happens next, for people.
    pub message: &'static str,
}
