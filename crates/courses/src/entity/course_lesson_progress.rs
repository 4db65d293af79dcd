//! `course_lesson_progress`: where one enrolment stands with one lesson.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_lesson_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enrolment_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lesson_key: Uuid,
    /// The lesson's fingerprint when this was recorded.
    pub fingerprint: String,
    pub started_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
