//! Validated offers, intake questions and answers, booking states and the time rules of
//! booking and cancelling. Pure: no database, unit-tested below.

use std::collections::BTreeMap;

use academy_auth::domain::check_url;
use academy_kernel::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::schedule::{Availability, Plan};

/// How the consultation takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Video meeting; the location is the meeting link.
    Online,
    /// Phone call; the location is the number to call.
    Phone,
    /// In person; the location is the address.
    OnSite,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Phone => "phone",
            Self::OnSite => "on_site",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "online" => Some(Self::Online),
            "phone" => Some(Self::Phone),
            "on_site" => Some(Self::OnSite),
            _ => None,
        }
    }
}

/// What happens when a seat in a full slot frees up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistMode {
    /// The first in line is offered the seat and holds it for the hold time.
    Offer,
    /// The first in line is booked straight away.
    Direct,
}

impl WaitlistMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::Direct => "direct",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "offer" => Some(Self::Offer),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Waiting for the consultant to confirm.
    Pending,
    /// The appointment takes place.
    Confirmed,
    /// The consultant declined it.
    Declined,
    /// Cancelled by the participant or the consultant.
    Cancelled,
    /// It took place.
    Completed,
    /// The participant did not come.
    NoShow,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Confirmed,
            Self::Declined,
            Self::Cancelled,
            Self::Completed,
            Self::NoShow,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The state in German words, for people reading exports.
    pub fn german(self) -> &'static str {
        match self {
            Self::Pending => "angefragt",
            Self::Confirmed => "bestätigt",
            Self::Declined => "abgelehnt",
            Self::Cancelled => "abgesagt",
            Self::Completed => "stattgefunden",
            Self::NoShow => "nicht erschienen",
        }
    }

    /// Pending and confirmed bookings hold a seat.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed)
    }
}

/// The states that hold a seat, as stored.
pub const OPEN: [&str; 2] = ["pending", "confirmed"];

/// The kind of answer an intake question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Free text, at most 2,000 characters.
    Text,
    /// One of the listed options.
    Choice,
}

/// A question participants answer when they book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntakeQuestion {
    /// Stable key the answers refer to: lowercase letters, digits, `_` or `-`.
    #[schema(example = "phase")]
    pub id: String,
    /// The question as shown.
    #[schema(example = "In welcher Programmphase ist Ihr Fördergebiet?")]
    pub label: String,
    /// Text or choice.
    pub kind: QuestionKind,
    /// The options of a choice question (2–20).
    #[serde(default)]
    pub options: Vec<String>,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
}

/// Most intake questions of an offer.
pub const MAX_QUESTIONS: usize = 20;
/// Longest answer to an intake question.
pub const MAX_ANSWER: usize = 2000;
/// Length of a question's id.
pub const QUESTION_ID_LENGTH: (usize, usize) = (1, 40);
/// A question's id: lowercase letters, digits, `_` and `-`.
pub const QUESTION_ID_PATTERN: &str = "^[a-z0-9_-]+$";
/// Longest question label.
pub const QUESTION_LABEL_MAX: usize = 300;
/// Options of a choice question.
pub const QUESTION_OPTIONS: (usize, usize) = (2, 20);
/// Longest option of a choice question.
pub const QUESTION_OPTION_MAX: usize = 200;
/// The longest concern text.
pub const MAX_CONCERN: usize = 4000;
/// The longest reason for declining or cancelling a booking.
pub const REASON_MAX: usize = 1000;

/// Checks the questions of an offer.
pub fn check_questions(questions: &[IntakeQuestion], errors: &mut Vec<FieldError>) {
    if questions.len() > MAX_QUESTIONS {
        errors.push(FieldError::new(
            "intakeQuestions",
            "too_many",
            format!("at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut seen = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let field = |name: &str| format!("intakeQuestions[{i}].{name}");
        let id_ok = (QUESTION_ID_LENGTH.0..=QUESTION_ID_LENGTH.1).contains(&q.id.len())
            && q.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !id_ok {
            errors.push(FieldError::new(
                field("id"),
                "invalid_id",
                "1–40 lowercase letters, digits, '_' or '-'",
            ));
        } else if seen.contains(&q.id.as_str()) {
            errors.push(FieldError::new(
                field("id"),
                "duplicate",
                "ids must be unique",
            ));
        }
        seen.push(q.id.as_str());
        let label = q.label.trim();
        if label.is_empty() || label.chars().count() > QUESTION_LABEL_MAX {
            errors.push(FieldError::new(
                field("label"),
                "invalid_length",
                format!("must be 1–{QUESTION_LABEL_MAX} characters"),
            ));
        }
        match q.kind {
            QuestionKind::Choice => {
                let ok = (QUESTION_OPTIONS.0..=QUESTION_OPTIONS.1).contains(&q.options.len())
                    && q.options
                        .iter()
                        .all(|o| !o.trim().is_empty() && o.chars().count() <= QUESTION_OPTION_MAX);
                if !ok {
                    errors.push(FieldError::new(
                        field("options"),
                        "invalid_options",
                        "a choice needs 2–20 non-empty options of at most 200 characters",
                    ));
                }
            }
            QuestionKind::Text if !q.options.is_empty() => errors.push(FieldError::new(
                field("options"),
                "not_allowed",
                "only choice questions have options",
            )),
            QuestionKind::Text => {}
        }
    }
}

/// Checks a participant's concern and answers against the offer's questions; returns the
/// trimmed answers of the known questions.
pub fn check_request(
    questions: &[IntakeQuestion],
    concern: &str,
    answers: &BTreeMap<String, String>,
) -> Result<(String, BTreeMap<String, String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let concern = concern.trim();
    if concern.is_empty() {
        errors.push(FieldError::new(
            "concern",
            "required",
            "say briefly what you would like to discuss",
        ));
    } else if concern.chars().count() > MAX_CONCERN {
        errors.push(FieldError::new(
            "concern",
            "too_long",
            format!("must be at most {MAX_CONCERN} characters"),
        ));
    }
    for key in answers.keys() {
        if !questions.iter().any(|q| &q.id == key) {
            errors.push(FieldError::new(
                format!("answers.{key}"),
                "unknown_question",
                "the offer has no such question",
            ));
        }
    }
    let mut clean = BTreeMap::new();
    for q in questions {
        let answer = answers.get(&q.id).map(|a| a.trim()).unwrap_or_default();
        let field = format!("answers.{}", q.id);
        if answer.is_empty() {
            if q.required {
                errors.push(FieldError::new(
                    field,
                    "required",
                    "this question needs an answer",
                ));
            }
            continue;
        }
        match q.kind {
            QuestionKind::Choice if !q.options.iter().any(|o| o.trim() == answer) => {
                errors.push(FieldError::new(
                    field,
                    "not_an_option",
                    "must be one of the question's options",
                ))
            }
            QuestionKind::Text if answer.chars().count() > MAX_ANSWER => {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("at most {MAX_ANSWER} characters"),
                ))
            }
            _ => {
                clean.insert(q.id.clone(), answer.to_owned());
            }
        }
    }
    if errors.is_empty() {
        Ok((concern.to_owned(), clean))
    } else {
        Err(errors)
    }
}

/// Checks where the appointment takes place, by format.
pub fn check_location(format: Format, location: &str) -> Result<String, FieldError> {
    let text = location.trim();
    match format {
        Format::Online => check_url("location", text),
        Format::Phone => {
            let digits = text.chars().filter(char::is_ascii_digit).count();
            let allowed = text
                .chars()
                .all(|c| c.is_ascii_digit() || " +()/-".contains(c));
            if allowed && (5..=20).contains(&digits) && text.len() <= 40 {
                Ok(text.to_owned())
            } else {
                Err(FieldError::new(
                    "location",
                    "invalid_phone",
                    "must be a phone number such as +49 611 123456",
                ))
            }
        }
        Format::OnSite => {
            if text.is_empty() || text.chars().count() > 500 {
                Err(FieldError::new(
                    "location",
                    "invalid_address",
                    "must be an address of 1–500 characters",
                ))
            } else {
                Ok(text.to_owned())
            }
        }
    }
}

/// Length of one appointment, in minutes.
pub const SLOT_MINUTES: (i32, i32) = (5, 480);
/// Seats per slot.
pub const SEATS: (i32, i32) = (1, 500);
/// Minutes before the start when bookings close.
pub const MIN_NOTICE_MINUTES: (i32, i32) = (0, 43_200);
/// Days ahead a slot can be booked.
pub const MAX_ADVANCE_DAYS: (i32, i32) = (1, 365);
/// Minutes before the start until which participants may cancel or move.
pub const CANCEL_DEADLINE_MINUTES: (i32, i32) = (0, 20_160);
/// Free minutes between two appointments.
pub const BUFFER_MINUTES: (i32, i32) = (0, 240);
/// Minutes a waitlisted person has to accept an offered seat.
pub const WAITLIST_HOLD_MINUTES: (i32, i32) = (5, 10_080);
/// Seats per slot unless the offer says otherwise.
pub const DEFAULT_SEATS: i32 = 1;
/// Minimum notice unless the offer says otherwise: a day.
pub const DEFAULT_MIN_NOTICE_MINUTES: i32 = 24 * 60;
/// Booking horizon unless the offer says otherwise.
pub const DEFAULT_MAX_ADVANCE_DAYS: i32 = 90;
/// Cancellation deadline unless the offer says otherwise: a day.
pub const DEFAULT_CANCEL_DEADLINE_MINUTES: i32 = 24 * 60;
/// How long an offered seat is held unless the offer says otherwise: twelve hours.
pub const DEFAULT_WAITLIST_HOLD_MINUTES: i32 = 12 * 60;
/// Longest offer title.
pub const OFFER_TITLE_MAX: usize = 200;
/// Longest offer description (Markdown).
pub const OFFER_DESCRIPTION_MAX: usize = 5000;

/// The most slots one offer may have within its booking horizon: more would make every
/// change of its hours a long write.
pub const MAX_SLOTS_PER_OFFER: usize = 5_000;

/// The largest per-municipality limit of open bookings an offer may set.
pub const MAX_MUNICIPALITY_LIMIT: i32 = 1000;
/// Open bookings (and held seats) one person may have of an offer, unless it says
/// otherwise.
pub const DEFAULT_PERSON_LIMIT: i32 = 1;
/// The largest per-person limit an offer may set.
pub const MAX_PERSON_LIMIT: i32 = 100;

/// Checks the fair-use limits of an offer.
pub fn check_limits(
    municipality_limit: Option<i32>,
    person_limit: i32,
    errors: &mut Vec<FieldError>,
) {
    if municipality_limit.is_some_and(|l| !(1..=MAX_MUNICIPALITY_LIMIT).contains(&l)) {
        errors.push(FieldError::new(
            "municipalityLimit",
            "out_of_range",
            format!("must be between 1 and {MAX_MUNICIPALITY_LIMIT}"),
        ));
    }
    if !(1..=MAX_PERSON_LIMIT).contains(&person_limit) {
        errors.push(FieldError::new(
            "personLimit",
            "out_of_range",
            format!("must be between 1 and {MAX_PERSON_LIMIT}"),
        ));
    }
}

/// The settings of an offer that shape its slots and bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub slot_minutes: i32,
    pub seats: i32,
    pub min_notice_minutes: i32,
    pub max_advance_days: i32,
    pub cancel_deadline_minutes: i32,
    pub buffer_minutes: i32,
}

impl Rules {
    /// Checks the numbers against their ranges.
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        for (field, value, (min, max)) in [
            ("slotMinutes", self.slot_minutes, SLOT_MINUTES),
            ("seats", self.seats, SEATS),
            (
                "minNoticeMinutes",
                self.min_notice_minutes,
                MIN_NOTICE_MINUTES,
            ),
            ("maxAdvanceDays", self.max_advance_days, MAX_ADVANCE_DAYS),
            (
                "cancelDeadlineMinutes",
                self.cancel_deadline_minutes,
                CANCEL_DEADLINE_MINUTES,
            ),
            ("bufferMinutes", self.buffer_minutes, BUFFER_MINUTES),
        ] {
            if !(min..=max).contains(&value) {
                errors.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("must be between {min} and {max}"),
                ));
            }
        }
    }

    /// Why a slot starting at `starts_at` cannot be booked at `now`, as a stable code, or
    /// `None` when it can.
    pub fn booking_refusal(
        &self,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
    ) -> Option<&'static str> {
        if starts_at <= now {
            Some("slot_in_past")
        } else if starts_at < now + Duration::minutes(self.min_notice_minutes.into()) {
            Some("notice_too_short")
        } else if starts_at > now + Duration::days(self.max_advance_days.into()) {
            Some("too_far_ahead")
        } else {
            None
        }
    }

    /// Whether a participant may still cancel or move an appointment at `starts_at`.
    pub fn participant_may_cancel(&self, now: DateTime<Utc>, starts_at: DateTime<Utc>) -> bool {
        now <= starts_at - Duration::minutes(self.cancel_deadline_minutes.into())
    }

    /// How far ahead slots are kept in the database.
    pub fn horizon(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::days(self.max_advance_days.into())
    }
}

/// Checks the availability against the offer's slot length.
pub fn check_availability(
    availability: &Availability,
    slot_minutes: i32,
    errors: &mut Vec<FieldError>,
) -> Option<Plan> {
    match availability.check(slot_minutes.into()) {
        Ok(plan) => Some(plan),
        Err(more) => {
            errors.extend(more);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            slot_minutes: 30,
            seats: 1,
            min_notice_minutes: 120,
            max_advance_days: 30,
            cancel_deadline_minutes: 1440,
            buffer_minutes: 0,
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn booking_windows_have_one_code_each() {
        let now = at("2026-05-01T10:00:00Z");
        let r = rules();
        assert_eq!(
            r.booking_refusal(now, at("2026-05-01T09:59:00Z")),
            Some("slot_in_past")
        );
        assert_eq!(r.booking_refusal(now, now), Some("slot_in_past"));
        assert_eq!(
            r.booking_refusal(now, at("2026-05-01T11:59:00Z")),
            Some("notice_too_short")
        );
        assert_eq!(r.booking_refusal(now, at("2026-05-01T12:00:00Z")), None);
        assert_eq!(r.booking_refusal(now, at("2026-05-31T10:00:00Z")), None);
        assert_eq!(
            r.booking_refusal(now, at("2026-05-31T10:01:00Z")),
            Some("too_far_ahead")
        );
    }

    #[test]
    fn participants_cancel_until_the_deadline_only() {
        let r = rules();
        let start = at("2026-05-02T10:00:00Z");
        assert!(r.participant_may_cancel(at("2026-05-01T10:00:00Z"), start));
        assert!(!r.participant_may_cancel(at("2026-05-01T10:00:01Z"), start));
    }

    #[test]
    fn rules_out_of_range_are_named() {
        let mut errors = Vec::new();
        Rules {
            slot_minutes: 2,
            seats: 0,
            ..rules()
        }
        .check(&mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.to_string()).collect();
        assert_eq!(fields, ["slotMinutes", "seats"]);
    }

    fn questions() -> Vec<IntakeQuestion> {
        vec![
            IntakeQuestion {
                id: "phase".into(),
                label: "Programmphase?".into(),
                kind: QuestionKind::Choice,
                options: vec!["Konzept".into(), "Umsetzung".into()],
                required: true,
            },
            IntakeQuestion {
                id: "note".into(),
                label: "Anmerkung".into(),
                kind: QuestionKind::Text,
                options: vec![],
                required: false,
            },
        ]
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let qs = questions();
        let ok = check_request(
            &qs,
            "  Beteiligung im Quartier ",
            &BTreeMap::from([("phase".into(), " Umsetzung ".into())]),
        )
        .expect("valid");
        assert_eq!(ok.0, "Beteiligung im Quartier");
        assert_eq!(ok.1, BTreeMap::from([("phase".into(), "Umsetzung".into())]));

        let errors = check_request(
            &qs,
            " ",
            &BTreeMap::from([("phase".into(), "Später".into()), ("x".into(), "y".into())]),
        )
        .expect_err("invalid");
        let got: Vec<_> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.code))
            .collect();
        assert_eq!(
            got,
            [
                "concern required",
                "answers.x unknown_question",
                "answers.phase not_an_option"
            ]
        );
        let missing = check_request(&qs, "Thema", &BTreeMap::new()).expect_err("required");
        assert_eq!(missing[0].code, "required");
    }

    #[test]
    fn questions_need_unique_ids_and_choices_options() {
        let mut qs = questions();
        qs[1].id = "phase".into();
        qs[0].options.truncate(1);
        let mut errors = Vec::new();
        check_questions(&qs, &mut errors);
        let got: Vec<_> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.code))
            .collect();
        assert_eq!(
            got,
            [
                "intakeQuestions[0].options invalid_options",
                "intakeQuestions[1].id duplicate"
            ]
        );
    }

    #[test]
    fn locations_follow_the_format() {
        assert!(check_location(Format::Online, "https://meet.example.org/r/1").is_ok());
        assert!(check_location(Format::Online, "Raum 3").is_err());
        assert!(check_location(Format::Phone, "+49 611 123456").is_ok());
        assert!(check_location(Format::Phone, "call me").is_err());
        assert!(check_location(Format::OnSite, "Rathaus, Marktplatz 1, Wiesbaden").is_ok());
        assert!(check_location(Format::OnSite, " ").is_err());
    }

    #[test]
    fn only_pending_and_confirmed_hold_a_seat() {
        for s in OPEN {
            assert!(BookingStatus::parse(s).is_some_and(BookingStatus::is_open));
        }
        assert!(!BookingStatus::Cancelled.is_open());
        assert_eq!(BookingStatus::parse("no_show"), Some(BookingStatus::NoShow));
    }
}
