//! `course_modules`: the ordered parts of one course revision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_modules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub revision_id: Uuid,
    /// The same module in every revision of the course.
    pub key: Uuid,
    pub position: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// `all` or `any` of its lessons complete it.
    pub completion: String,
    /// Its lessons unlock one after the other.
    pub sequential: bool,
    pub unlock_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
