//! `municipalities`: municipalities and funded sites.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipalities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Amtlicher Gemeindeschlüssel, 8 digits.
    #[sea_orm(unique)]
    pub ags: String,
    pub district: String,
    pub funded_site: bool,
    pub cohort_year: Option<i32>,
    pub phase: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
