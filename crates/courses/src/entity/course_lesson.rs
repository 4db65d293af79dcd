//! `course_lessons`: the ordered lessons of a module, in one course revision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_lessons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub revision_id: Uuid,
    pub module_id: Uuid,
    /// The same lesson in every revision of the course.
    pub key: Uuid,
    pub position: i32,
    pub title: String,
    /// `text`, `guide`, `tutorial` or `quiz`.
    pub kind: String,
    /// Markdown of a text lesson, an introduction for the others.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub guide_id: Option<Uuid>,
    pub tutorial_id: Option<Uuid>,
    /// A quiz lesson's settings and questions, answer key included.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub quiz: Option<Json>,
    /// `viewed`, `done`, `tutorial` or `quiz`.
    pub rule: String,
    pub min_seconds: Option<i32>,
    pub unlock_at: Option<DateTimeUtc>,
    /// SHA-256 of what the lesson asks of a learner; progress carries over to a later
    /// revision while it stays the same.
    pub fingerprint: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
