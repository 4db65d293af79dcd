//! Identity and access: accounts, roles, member organisations, municipalities, sessions,
//! and the [`Principal`] extractor every other capability authenticates with.
//!
//! Reading order: `entity/` (tables) → [`domain`] (validated types, pure rules) →
//! [`password`], [`jwt`], [`tokens`] (mechanics) → `accounts`, `sessions`, [`directory`],
//! [`membership`] (use cases) → `http/` (handlers, mounted by [`configure`]).

mod accounts;
pub mod audit;
pub mod directory;
pub mod domain;
pub mod entity;
mod http;
pub mod jwt;
mod mails;
pub mod membership;
pub mod password;
mod principal;
mod sessions;
mod settings;
mod throttle;
pub mod tokens;

pub use accounts::{CreateAdminOutcome, NewAccount, create_account, create_admin};
pub use directory::{unknown_accounts, unknown_organisations};
pub use domain::{Role, Roles, UserStatus};
pub use http::{TAGS, configure, configure_pages, contract, links};
pub use membership::MembershipStatus;
pub use principal::{Admins, Coordinators, MaybePrincipal, Principal, Require, RoleSet};
pub use settings::{
    Auth, AuthSettings, DEFAULT_MAIL_LIMIT_WINDOW, DEFAULT_MAILS_PER_CLIENT,
    DEFAULT_MAILS_PER_RECIPIENT, DEFAULT_REFRESH_GRACE, MailLimitSettings, ThrottleSettings,
};
