//! `consultation_offers`: what a consultant offers, how it is booked, and its availability.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The expert who holds the consultation hours.
    pub consultant_id: Uuid,
    /// The consultant's member organisation.
    pub organisation_id: Uuid,
    pub title: String,
    pub description: String,
    /// `online`, `phone` or `on_site`.
    pub format: String,
    /// Meeting link, phone number or address; shown to confirmed participants only.
    pub location: String,
    pub slot_minutes: i32,
    pub seats: i32,
    pub min_notice_minutes: i32,
    pub max_advance_days: i32,
    pub cancel_deadline_minutes: i32,
    pub buffer_minutes: i32,
    pub requires_confirmation: bool,
    /// `Vec<IntakeQuestion>` as JSON.
    pub intake_questions: Json,
    pub municipality_limit: Option<i32>,
    /// At most this many open bookings (and held seats) per person.
    pub person_limit: i32,
    /// `offer` or `direct`.
    pub waitlist_mode: String,
    pub waitlist_hold_minutes: i32,
    /// `Availability` as JSON: weekly hours, absences, extra hours.
    pub availability: Json,
    /// `active` or `archived`.
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised by every change; the `ETag`.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
