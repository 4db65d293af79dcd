//! `municipality_email_domains`: address domains a municipality has registered; an
//! account at such a domain is confirmed as its member at once. A domain belongs to one
//! municipality at most.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipality_email_domains")]
pub struct Model {
    /// Lower-case ASCII (IDNA) form, e.g. `hanau.de`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain: String,
    pub municipality_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
