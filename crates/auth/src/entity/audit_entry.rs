//! `audit_log`: who changed what, when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The acting user; none for the system or the command line.
    pub actor_id: Option<Uuid>,
    /// e.g. `user.roles_changed`.
    pub action: String,
    /// e.g. `user`, `organisation`.
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub details: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
