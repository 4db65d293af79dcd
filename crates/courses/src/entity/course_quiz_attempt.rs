//! `course_quiz_attempts`: one try at a quiz, pinned to the quiz version (lesson row) it
//! started on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_quiz_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub lesson_id: Uuid,
    pub lesson_key: Uuid,
    /// 1, 2, … per enrolment and quiz.
    pub number: i32,
    /// The questions drawn, in the order shown, with their options' order.
    #[sea_orm(column_type = "JsonBinary")]
    pub layout: Json,
    /// Saved answers by question key.
    #[sea_orm(column_type = "JsonBinary")]
    pub answers: Json,
    pub started_at: DateTimeUtc,
    /// Answers are taken until this (plus a short grace).
    pub deadline_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub score: Option<f64>,
    pub max_score: f64,
    pub passed: Option<bool>,
    /// Points per question key.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub results: Option<Json>,
    pub score_before_regrade: Option<f64>,
    pub regraded_at: Option<DateTimeUtc>,
    pub regraded_by: Option<Uuid>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
