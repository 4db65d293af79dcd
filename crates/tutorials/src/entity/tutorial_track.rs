//! `tutorial_tracks`: a WebVTT text track of a tutorial, one per kind and language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_tracks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tutorial_id: Uuid,
    /// `captions`, `subtitles`, `descriptions` or `chapters`.
    pub kind: String,
    /// BCP 47.
    pub language: String,
    pub label: String,
    pub is_default: bool,
    /// `human` or `machine`.
    pub provenance: String,
    /// `draft` or `approved`.
    pub status: String,
    /// The track as normalised WebVTT.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Hex SHA-256 of `body`; the `ETag`.
    pub sha256: String,
    pub cue_count: i32,
    pub last_cue_end_ms: i64,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
