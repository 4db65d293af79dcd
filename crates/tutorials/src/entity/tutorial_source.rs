//! `tutorial_sources`: where a tutorial's video (or its accessible alternatives) plays
//! from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tutorial_id: Uuid,
    /// `main`, `audio_described` or `sign_language`.
    pub role: String,
    /// `embed`, `file` or `hls`.
    pub delivery: String,
    /// An external `https` address.
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    /// An uploaded file.
    pub file_id: Option<Uuid>,
    pub media_type: Option<String>,
    pub height: Option<i32>,
    pub bitrate_kbps: Option<i32>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
