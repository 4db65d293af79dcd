//! `tutorial_progress`: what one learner has watched of one tutorial. Personal data: the
//! learner sees it, coordinators see counts only, and it goes with the account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tutorial_progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tutorial_id: Uuid,
    /// The watched spans, merged: `[{"from": ms, "to": ms}, …]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub coverage: Json,
    pub covered_ms: i64,
    /// covered ÷ duration, 0–1.
    pub progress: f64,
    /// Where to resume, in milliseconds.
    pub position_ms: i64,
    /// Unused allowance of watched time from earlier reports.
    pub credit_ms: i64,
    /// How many reports were accepted; each report's update is conditional on it.
    pub reports: i32,
    pub started_at: DateTimeUtc,
    pub last_report_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
