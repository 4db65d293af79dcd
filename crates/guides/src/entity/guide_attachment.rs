//! `guide_attachments`: files attached to a guide.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guide_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub guide_id: Uuid,
    /// What the file is, for people (defaults to the file name).
    pub title: String,
    /// The name it was uploaded with; offered again on download.
    pub filename: String,
    /// Judged from the content, not the upload's claim.
    pub media_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content; also the download's ETag.
    pub sha256: String,
    /// Key in the object store.
    #[sea_orm(unique)]
    pub storage_key: String,
    pub download_count: i64,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
