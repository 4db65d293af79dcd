//! `consultation_slots`: bookable appointments that follow from an offer's availability.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub offer_id: Uuid,
    /// Copied from the offer, so the database can keep a consultant's slots apart.
    pub consultant_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// `ends_at` plus the offer's buffer: no other slot of the consultant starts before.
    pub blocked_until: DateTimeUtc,
    pub capacity: i32,
    /// Seats taken by pending or confirmed bookings.
    pub booked: i32,
    /// Seats held for waitlisted people who were offered one.
    pub held: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
