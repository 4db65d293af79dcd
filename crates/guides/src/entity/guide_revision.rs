//! `guide_revisions`: one version of a guide's content and where it is in the workflow.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "guide_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub guide_id: Uuid,
    /// 1, 2, … per guide.
    pub number: i32,
    /// `draft`, `in_review`, `scheduled`, `published` or `superseded`.
    pub state: String,
    /// When a scheduled revision goes live.
    pub publish_at: Option<DateTimeUtc>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub context: String,
    /// `[{"title": …, "body": …}]`
    #[sea_orm(column_type = "JsonBinary")]
    pub steps: Json,
    #[sea_orm(column_type = "Text")]
    pub success_factors: String,
    #[sea_orm(column_type = "Text")]
    pub pitfalls: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub language: String,
    pub easy_language_guide_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub reading_minutes: Option<i32>,
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
