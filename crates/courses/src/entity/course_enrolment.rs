//! `course_enrolments`: one learner taking one course, pinned to a revision. Personal
//! data: it goes with the account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_enrolments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub course_id: Uuid,
    pub user_id: Uuid,
    /// The revision the learner takes.
    pub revision_id: Uuid,
    /// `active`, `completed`, `withdrawn` or `expired`.
    pub state: String,
    /// `self`, `coordinator`, `contact` or `team`.
    pub source: String,
    pub team_id: Option<Uuid>,
    pub due_at: Option<DateTimeUtc>,
    pub enrolled_at: DateTimeUtc,
    pub enrolled_by: Option<Uuid>,
    pub completed_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub expired_at: Option<DateTimeUtc>,
    pub notified_at: Option<DateTimeUtc>,
    pub reminded_at: Option<DateTimeUtc>,
    /// Whether it took one of the course's limited places (self-enrolment).
    pub holds_seat: bool,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
