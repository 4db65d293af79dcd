//! `consultation_waitlist`: people waiting for a seat in a full slot, first come first served.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_waitlist")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slot_id: Uuid,
    pub user_id: Uuid,
    pub municipality_id: Uuid,
    /// The concern and answers the booking will carry.
    pub concern: String,
    pub answers: Json,
    /// `waiting`, `offered`, `booked`, `expired` or `left`.
    pub status: String,
    /// While `offered`: the seat is held for this person until then.
    pub offered_until: Option<DateTimeUtc>,
    /// The booking it became.
    pub booking_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
