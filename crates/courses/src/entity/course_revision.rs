//! `course_revisions`: one version of a course — its metadata here, its modules and
//! lessons in their tables — and where it is in the workflow.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub course_id: Uuid,
    /// 1, 2, … per course.
    pub number: i32,
    /// `draft`, `in_review`, `scheduled`, `published` or `superseded`.
    pub state: String,
    pub publish_at: Option<DateTimeUtc>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// `["…", …]`
    #[sea_orm(column_type = "JsonBinary")]
    pub objectives: Json,
    pub language: String,
    pub estimated_hours: f64,
    /// Ids of courses to complete first: `["<course id>", …]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub prerequisites: Json,
    pub enrolment_opens_at: Option<DateTimeUtc>,
    pub enrolment_closes_at: Option<DateTimeUtc>,
    /// When the course closes; a quiz may hold back its review until then.
    pub closes_at: Option<DateTimeUtc>,
    pub self_enrolment: bool,
    pub capacity: Option<i32>,
    /// Modules unlock one after the other.
    pub sequential: bool,
    /// How long a certificate is valid, in months.
    pub validity_months: Option<i32>,
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
