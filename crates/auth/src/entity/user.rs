//! `users`: accounts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The address as the user typed it.
    pub email: String,
    /// Lower-cased address; unique.
    #[sea_orm(unique)]
    pub email_normalized: String,
    pub display_name: String,
    /// argon2id PHC string; none until an invited user sets a password.
    pub password_hash: Option<String>,
    /// Comma-separated roles, sorted.
    pub roles: String,
    pub organisation_id: Option<Uuid>,
    pub municipality_id: Option<Uuid>,
    /// When the membership in `municipality_id` was confirmed (by a coordinator, or by
    /// the address's domain); until then the account cannot book for it.
    pub municipality_confirmed_at: Option<DateTimeUtc>,
    /// `invited`, `active` or `disabled`.
    pub status: String,
    pub email_verified_at: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
