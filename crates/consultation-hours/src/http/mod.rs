//! HTTP handlers of consultation hours: offers and slots (`offers`), bookings and the
//! waitlist (`bookings`), calendar feeds and reports (`feeds`).

mod bookings;
mod feeds;
mod offers;

use chrono::{DateTime, FixedOffset, Utc};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::schedule::ZONE;

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[
    (
        "consultation-hours",
        "Consultation hours (Sprechstunden): experts' offers and their free slots, planned in local time Europe/Berlin.",
    ),
    (
        "consultation-bookings",
        "Booking consultation hours for a municipality, the life of a booking, the waitlist, calendar feeds and reports.",
    ),
];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(offers::list_offers)
        .service(offers::create_offer)
        .service(offers::get_offer)
        .service(offers::replace_offer)
        .service(offers::archive_offer)
        .service(offers::list_slots)
        .service(offers::get_slot)
        .service(bookings::book_slot)
        .service(bookings::join_waitlist)
        .service(bookings::list_waitlist_places)
        .service(bookings::accept_waitlist_place)
        .service(bookings::leave_waitlist_place)
        .service(bookings::list_bookings)
        .service(bookings::export_bookings)
        .service(bookings::get_booking)
        .service(bookings::confirm_booking)
        .service(bookings::decline_booking)
        .service(bookings::cancel_booking)
        .service(bookings::complete_booking)
        .service(bookings::mark_no_show)
        .service(bookings::reschedule_booking)
        .service(feeds::get_calendar_feed)
        .service(feeds::rotate_calendar_feed)
        .service(feeds::revoke_calendar_feed)
        .service(feeds::calendar_feed)
        .service(feeds::booking_report);
}

/// An instant as local time `Europe/Berlin` with its offset (RFC 3339).
fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&ZONE).fixed_offset()
}
