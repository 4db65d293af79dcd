//! Tables of the identity capability, one file each. Entities never leave the crate as
//! response bodies; `http` maps them to DTOs.

pub mod audit_entry;
pub mod municipality;
pub mod municipality_email_domain;
pub mod organisation;
pub mod refresh_token;
pub mod user;
pub mod user_token;
