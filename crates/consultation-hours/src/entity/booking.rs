//! `consultation_bookings`: a participant's seat in a slot, for their municipality.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The slot; `None` once a closed booking's slot was removed from the availability.
    pub slot_id: Option<Uuid>,
    pub offer_id: Uuid,
    pub participant_id: Uuid,
    pub municipality_id: Uuid,
    /// `pending`, `confirmed`, `declined`, `cancelled`, `completed` or `no_show`.
    pub status: String,
    /// The slot's times, copied so lists, feeds and reminders need no join.
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// What the participant wants to talk about; `None` once anonymised.
    pub concern: Option<String>,
    /// Answers to the intake questions (`{questionId: answer}`); `None` once anonymised.
    pub answers: Option<Json>,
    pub anonymised_at: Option<DateTimeUtc>,
    /// Why it was declined or cancelled.
    pub reason: Option<String>,
    /// Who declined, cancelled or closed it.
    pub closed_by: Option<Uuid>,
    /// The iCalendar SEQUENCE: raised by every change participants are told about.
    pub sequence: i32,
    pub reminder_sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
