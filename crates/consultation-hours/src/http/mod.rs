//! HTTP handlers of consultation hours: offers and slots (`offers`), bookings and the
//! waitlist (`bookings`), calendar feeds and reports (`feeds`).

mod bookings;
mod feeds;
mod offers;

use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};
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

/// For every operation on one booking.
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum BookingNotFound {
    /// `not_found`: no such booking visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// For every operation on one slot.
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum SlotNotFound {
    /// `not_found`: no such slot of an active offer.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// Where the consultation responses lead: a new offer to its slots, a slot to booking it
/// or joining its waitlist, a booking to what can happen to it, a waitlist place to
/// accepting or leaving it; a list's first item to the item.
pub fn links() -> Vec<Link> {
    const ID: (&str, &str) = ("id", "$response.body#/id");
    const FIRST: (&str, &str) = ("id", "$response.body#/items/0/id");
    let offer = ["get_offer", "archive_offer"];
    let slot = ["get_slot", "book_slot", "join_waitlist"];
    let booking = [
        "get_booking",
        "confirm_booking",
        "decline_booking",
        "cancel_booking",
        "complete_booking",
        "mark_no_show",
        "reschedule_booking",
    ];
    let place = ["accept_waitlist_place", "leave_waitlist_place"];
    [
        Link::each("create_offer", "201", &offer, &[ID]),
        Link::each(
            "create_offer",
            "201",
            &["replace_offer"],
            &[ID, ("If-Match", "$response.header.ETag")],
        ),
        Link::each(
            "create_offer",
            "201",
            &["list_slots"],
            &[("offer", "$response.body#/id")],
        ),
        Link::each("list_offers", "200", &offer, &[FIRST]),
        Link::each("list_slots", "200", &slot, &[FIRST]),
        Link::each("book_slot", "201", &booking, &[ID]),
        Link::each("list_bookings", "200", &booking, &[FIRST]),
        Link::each("join_waitlist", "201", &place, &[ID]),
        // The caller's places come as a plain list, not a page.
        Link::each(
            "list_waitlist_places",
            "200",
            &place,
            &[("id", "$response.body#/0/id")],
        ),
        Link::each("accept_waitlist_place", "201", &booking, &[ID]),
    ]
    .concat()
}

/// The bounds and defaults the consultation hours' checks apply, for the contract (from
/// the same constants).
pub fn contract() -> Vec<Constraint> {
    use crate::domain::*;
    use crate::schedule::{ABSENCE_NOTE_MAX, MAX_ENTRIES, TIME_PATTERN};
    use Rule::{Default, ItemLength, Items, Length, MinItems, Pattern, Range};
    let offer = |field, rule| Constraint::field("OfferInput", field, rule);
    let range = |(min, max): (i32, i32)| Range(min.into(), max.into());
    let mut all = vec![
        offer("title", Length(1, OFFER_TITLE_MAX)),
        offer("title", Pattern(NOT_BLANK)),
        offer("description", Length(0, OFFER_DESCRIPTION_MAX)),
        offer("fieldsOfAction", MinItems(1)),
        offer("slotMinutes", range(SLOT_MINUTES)),
        offer("seats", range(SEATS)),
        offer("seats", Default(DEFAULT_SEATS.into())),
        offer("minNoticeMinutes", range(MIN_NOTICE_MINUTES)),
        offer(
            "minNoticeMinutes",
            Default(DEFAULT_MIN_NOTICE_MINUTES.into()),
        ),
        offer("maxAdvanceDays", range(MAX_ADVANCE_DAYS)),
        offer("maxAdvanceDays", Default(DEFAULT_MAX_ADVANCE_DAYS.into())),
        offer("cancelDeadlineMinutes", range(CANCEL_DEADLINE_MINUTES)),
        offer(
            "cancelDeadlineMinutes",
            Default(DEFAULT_CANCEL_DEADLINE_MINUTES.into()),
        ),
        offer("bufferMinutes", range(BUFFER_MINUTES)),
        offer("bufferMinutes", Default(0.into())),
        offer("requiresConfirmation", Default(false.into())),
        offer("intakeQuestions", Items(0, MAX_QUESTIONS)),
        offer("municipalityLimit", Range(1, MAX_MUNICIPALITY_LIMIT.into())),
        offer("personLimit", Range(1, MAX_PERSON_LIMIT.into())),
        offer("personLimit", Default(DEFAULT_PERSON_LIMIT.into())),
        offer("waitlistHoldMinutes", range(WAITLIST_HOLD_MINUTES)),
        offer(
            "waitlistHoldMinutes",
            Default(DEFAULT_WAITLIST_HOLD_MINUTES.into()),
        ),
        Constraint::field(
            "IntakeQuestion",
            "id",
            Length(QUESTION_ID_LENGTH.0, QUESTION_ID_LENGTH.1),
        ),
        Constraint::field("IntakeQuestion", "id", Pattern(QUESTION_ID_PATTERN)),
        Constraint::field("IntakeQuestion", "label", Length(1, QUESTION_LABEL_MAX)),
        Constraint::field("IntakeQuestion", "label", Pattern(NOT_BLANK)),
        Constraint::field("IntakeQuestion", "options", Items(0, QUESTION_OPTIONS.1)),
        Constraint::field(
            "IntakeQuestion",
            "options",
            ItemLength(1, QUESTION_OPTION_MAX),
        ),
        Constraint::field("Availability", "weekly", Items(0, MAX_ENTRIES)),
        Constraint::field("Availability", "absences", Items(0, MAX_ENTRIES)),
        Constraint::field("Availability", "extra", Items(0, MAX_ENTRIES)),
        Constraint::field("WeeklyHours", "start", Pattern(TIME_PATTERN)),
        Constraint::field("WeeklyHours", "end", Pattern(TIME_PATTERN)),
        Constraint::field("ExtraHours", "start", Pattern(TIME_PATTERN)),
        Constraint::field("ExtraHours", "end", Pattern(TIME_PATTERN)),
        Constraint::field("Absence", "note", Length(0, ABSENCE_NOTE_MAX)),
        Constraint::field("BookingInput", "concern", Length(1, MAX_CONCERN)),
        Constraint::field("BookingInput", "concern", Pattern(NOT_BLANK)),
        Constraint::field("ReasonRequest", "reason", Length(0, REASON_MAX)),
        Constraint::field("DeclineRequest", "reason", Length(1, REASON_MAX)),
        Constraint::field("DeclineRequest", "reason", Pattern(NOT_BLANK)),
        Constraint::parameter(
            "book_slot",
            "Idempotency-Key",
            Length(1, crate::bookings::KEY_MAX),
        ),
        Constraint::parameter(
            "book_slot",
            "Idempotency-Key",
            Pattern(crate::bookings::KEY_PATTERN),
        ),
    ];
    for operation in ["list_offers", "list_slots"] {
        all.extend(academy_taxonomy::filter_contract(
            operation,
            &["fieldOfAction"],
            &["organisation", "consultant", "format"],
        ));
    }
    all
}
