//! `tutorial_files`: a tutorial's uploaded files — video renditions and its poster.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tutorial_id: Uuid,
    /// `poster` or `video`.
    pub purpose: String,
    /// Offered again on download.
    pub filename: String,
    /// Judged from the content.
    pub media_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content; the download's `ETag`.
    pub sha256: String,
    /// Key in the object store.
    #[sea_orm(unique)]
    pub storage_key: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Read from the container header (videos).
    pub duration_ms: Option<i64>,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
