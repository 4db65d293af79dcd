//! `course_covers`: a course's cover image, one per course.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_covers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_id: Uuid,
    /// New with every upload.
    #[sea_orm(unique)]
    pub id: Uuid,
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
    pub width: i32,
    pub height: i32,
    /// The text alternative; empty for a decorative picture.
    pub alt: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
