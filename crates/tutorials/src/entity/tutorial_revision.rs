//! `tutorial_revisions`: one version of a tutorial's metadata and where it is in the
//! workflow.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tutorial_id: Uuid,
    /// 1, 2, … per tutorial.
    pub number: i32,
    /// `draft`, `in_review`, `scheduled`, `published` or `superseded`.
    pub state: String,
    pub publish_at: Option<DateTimeUtc>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub language: String,
    pub duration_ms: i64,
    /// `impulse`, `orientation` or `in_depth`.
    pub kind: String,
    /// `["Dr. Jana Beispiel", …]`
    #[sea_orm(column_type = "JsonBinary")]
    pub speakers: Json,
    pub licence: Option<String>,
    /// `["<guide id>", …]`
    #[sea_orm(column_type = "JsonBinary")]
    pub related_guides: Json,
    /// `[{"startMs": 0, "title": "…"}, …]`
    #[sea_orm(column_type = "JsonBinary")]
    pub chapters: Json,
    pub easy_language_tutorial_id: Option<Uuid>,
    pub completion_threshold: f64,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_comment: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub change_note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<Uuid>,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
