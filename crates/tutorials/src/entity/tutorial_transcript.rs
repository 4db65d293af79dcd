//! `tutorial_transcripts`: a transcript written for a tutorial in one language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_transcripts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tutorial_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub language: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
