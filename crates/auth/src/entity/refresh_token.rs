//! `refresh_tokens`: opaque refresh tokens, stored as SHA-256 hashes. All tokens that
//! descend from one login share a `family_id`, which is also the session id (`sid`) in
//! access tokens.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    /// Set when the token was exchanged; presenting it again is reuse (but see
    /// `successor_hash`).
    pub used_at: Option<DateTimeUtc>,
    /// Once exchanged: the SHA-256 of the token it was exchanged for. Within the grace
    /// period, presenting this token again answers with that same successor instead of
    /// ending the session (two tabs refreshing at once).
    pub successor_hash: Option<String>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
