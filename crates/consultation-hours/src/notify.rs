//! The mails of consultation hours, each with an `.ics` file: booking received,
//! confirmed, declined, cancelled, rescheduled, the reminder, and waitlist news. Written
//! into the outbox with the transaction of the change, so a change and its mails commit
//! together.
//!
//! Every appointment has one calendar UID for its whole life (the booking's id; a booking
//! that comes from a waitlist place keeps the place's id), and each change raises its
//! SEQUENCE, so calendars update the event instead of adding a second one.

use academy_auth::entity::user;
use academy_notifications::{Action, Attachment, Letter, enqueue};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::entity::offer;
use crate::ics::{self, Event, EventStatus, Method, Person};
use crate::schedule::ZONE;

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Booked; waiting for the consultant's confirmation.
    Received,
    /// Booked and confirmed (straight away or by the consultant).
    Confirmed,
    /// The consultant declined.
    Declined,
    /// Cancelled; `by_participant` tells who.
    Cancelled { by_participant: bool },
    /// Moved to another slot.
    Rescheduled,
    /// It is tomorrow.
    Reminder,
    /// A seat is free and held for the waitlisted person until the given time.
    SeatOffered { until: DateTime<Utc> },
    /// A held seat was not taken in time.
    OfferExpired,
}

/// One appointment as the mails describe it.
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    /// The calendar UID's stem: the booking's (or waitlist place's) id.
    pub id: Uuid,
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Whether the booking is confirmed: only then the location is shown.
    pub confirmed: bool,
    pub participant_id: Uuid,
    pub reason: Option<&'a str>,
    /// The participant's concern and answers, for the consultant's mail of a new booking.
    pub concern: Option<&'a str>,
    pub answers: Option<&'a serde_json::Value>,
    pub offer: &'a offer::Model,
}

/// The title of an appointment in calendars: the offer's title, with "Sprechstunde: "
/// before it unless it already says so ("Sprechstunde Bürgerbeteiligung").
pub fn calendar_title(offer_title: &str) -> String {
    let says_so = offer_title
        .get(..PREFIX.len())
        .is_some_and(|start| start.to_lowercase() == PREFIX.to_lowercase());
    if says_so {
        offer_title.to_owned()
    } else {
        format!("{PREFIX}: {offer_title}")
    }
}

const PREFIX: &str = "Sprechstunde";

/// The calendar UID of an appointment.
pub fn uid(id: Uuid) -> String {
    format!("{id}@sprechstunden.akademie")
}

const WEEKDAYS: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];

/// "Dienstag, 31.03.2026, 10:00–10:30 Uhr" in local time.
pub fn when(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    let start = starts_at.with_timezone(&ZONE);
    let end = ends_at.with_timezone(&ZONE);
    let day = WEEKDAYS[start.weekday().num_days_from_monday() as usize];
    format!(
        "{day}, {}, {}–{} Uhr",
        start.format("%d.%m.%Y"),
        start.format("%H:%M"),
        end.format("%H:%M")
    )
}

fn format_name(format: &str) -> &'static str {
    match format {
        "online" => "online",
        "phone" => "telefonisch",
        _ => "vor Ort",
    }
}

/// The calendar event of an appointment, as the participant or consultant sees it.
pub fn event(
    a: &Appointment<'_>,
    participant: &user::Model,
    consultant: &user::Model,
    status: EventStatus,
    stamp: DateTime<Utc>,
) -> Event {
    let mut description = format!(
        "Sprechstunde ({}) mit {}.",
        format_name(&a.offer.format),
        consultant.display_name
    );
    if !a.confirmed && status != EventStatus::Cancelled {
        description.push_str(" Die Zugangsdaten erhalten Sie mit der Bestätigung.");
    }
    Event {
        uid: uid(a.id),
        sequence: a.sequence,
        stamp,
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        summary: calendar_title(&a.offer.title),
        description,
        location: a.confirmed.then(|| a.offer.location.clone()),
        url: None,
        organizer: Some(Person {
            name: consultant.display_name.clone(),
            email: consultant.email.clone(),
        }),
        attendees: vec![Person {
            name: participant.display_name.clone(),
            email: participant.email.clone(),
        }],
        status,
    }
}

fn attachment(method: Method, event: Event) -> Attachment {
    Attachment {
        filename: "termin.ics".into(),
        content_type: format!("text/calendar; method={}; charset=utf-8", method.as_str()),
        content: ics::calendar(Some(method), None, &[event]),
    }
}

/// Puts the mails about `notice` into the outbox through `db` (the change's transaction).
pub async fn send(
    db: &impl ConnectionTrait,
    app_url: &str,
    notice: Notice,
    a: &Appointment<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let participant = user::Entity::find_by_id(a.participant_id).one(db).await?;
    let consultant = user::Entity::find_by_id(a.offer.consultant_id)
        .one(db)
        .await?;
    let (Some(participant), Some(consultant)) = (participant, consultant) else {
        return Ok(());
    };
    let when = when(a.starts_at, a.ends_at);
    let title = &a.offer.title;
    let link = format!(
        "{}/sprechstunden/buchungen/{}",
        app_url.trim_end_matches('/'),
        a.id
    );
    let (subject, lines, method, status): (String, Vec<String>, Method, EventStatus) = match notice
    {
        Notice::Received => (
            format!("Buchung eingegangen: {title}"),
            vec![
                format!("Ihre Buchung der Sprechstunde „{title}“ am {when} ist eingegangen."),
                format!(
                    "{} bestätigt sie in Kürze; die Zugangsdaten erhalten Sie mit der Bestätigung.",
                    consultant.display_name
                ),
            ],
            Method::Request,
            EventStatus::Tentative,
        ),
        Notice::Confirmed => (
            format!("Termin bestätigt: {title}"),
            vec![
                format!("Ihr Termin in der Sprechstunde „{title}“ am {when} ist bestätigt."),
                format!("Ort / Zugang: {}", a.offer.location),
            ],
            Method::Request,
            EventStatus::Confirmed,
        ),
        Notice::Declined => (
            format!("Termin abgelehnt: {title}"),
            vec![
                format!("Ihre Anfrage für „{title}“ am {when} wurde leider abgelehnt."),
                a.reason
                    .map(|r| format!("Begründung: {r}"))
                    .unwrap_or_default(),
            ],
            Method::Cancel,
            EventStatus::Cancelled,
        ),
        Notice::Cancelled { by_participant } => (
            format!("Termin abgesagt: {title}"),
            vec![
                if by_participant {
                    format!("Sie haben den Termin „{title}“ am {when} abgesagt.")
                } else {
                    format!(
                        "{} hat den Termin „{title}“ am {when} abgesagt.",
                        consultant.display_name
                    )
                },
                a.reason
                    .map(|r| format!("Begründung: {r}"))
                    .unwrap_or_default(),
            ],
            Method::Cancel,
            EventStatus::Cancelled,
        ),
        Notice::Rescheduled => (
            format!("Termin verlegt: {title}"),
            vec![format!("Der Termin „{title}“ ist verlegt auf {when}.")],
            Method::Request,
            if a.confirmed {
                EventStatus::Confirmed
            } else {
                EventStatus::Tentative
            },
        ),
        Notice::Reminder => (
            format!("Erinnerung: morgen {title}"),
            vec![
                format!("Wir erinnern an Ihren Termin „{title}“ am {when}."),
                format!("Ort / Zugang: {}", a.offer.location),
            ],
            Method::Request,
            EventStatus::Confirmed,
        ),
        Notice::SeatOffered { until } => (
            format!("Ein Platz ist frei: {title}"),
            vec![
                format!(
                    "In der Sprechstunde „{title}“ am {when} ist ein Platz für Sie frei geworden."
                ),
                format!(
                    "Wir halten ihn bis {} Uhr für Sie; bitte nehmen Sie ihn bis dahin an.",
                    until.with_timezone(&ZONE).format("%d.%m.%Y, %H:%M")
                ),
            ],
            Method::Request,
            EventStatus::Tentative,
        ),
        Notice::OfferExpired => (
            format!("Platzangebot verfallen: {title}"),
            vec![format!(
                "Der für Sie gehaltene Platz in „{title}“ am {when} wurde nicht rechtzeitig angenommen und ist weitergegeben."
            )],
            Method::Cancel,
            EventStatus::Cancelled,
        ),
    };
    let paragraphs: Vec<String> = lines.into_iter().filter(|l| !l.is_empty()).collect();
    let event = event(a, &participant, &consultant, status, now);
    // What the attached calendar file does, in the recipient's words.
    let attached = match method {
        Method::Cancel => {
            "Im Anhang finden Sie die Absage für Ihren Kalender; sie entfernt den Termin dort."
        }
        _ => "Den Termin finden Sie auch im Anhang für Ihren Kalender.",
    };
    let letter = Letter {
        subject: subject.clone(),
        greeting: format!("Guten Tag {},", participant.display_name),
        paragraphs,
        action: Some(Action {
            label: "Buchung ansehen".into(),
            url: link.clone(),
        }),
        after: vec![attached.into()],
    };
    let mut mail = letter.to_mail(&participant.email);
    mail.attachments.push(attachment(method, event.clone()));
    enqueue(db, mail).await?;

    // The consultant hears of new bookings and of changes the participant made, told as
    // the consultant reads them.
    let name = &participant.display_name;
    let for_consultant: Option<Vec<String>> = match notice {
        Notice::Received => Some(vec![
            format!("{name} hat die Sprechstunde „{title}“ am {when} gebucht."),
            "Bitte bestätigen Sie die Buchung oder lehnen Sie sie ab.".into(),
        ]),
        Notice::Confirmed => Some(vec![format!(
            "{name} hat die Sprechstunde „{title}“ am {when} gebucht; der Termin ist bestätigt."
        )]),
        Notice::Rescheduled => Some(vec![format!(
            "Der Termin „{title}“ mit {name} ist verlegt auf {when}."
        )]),
        Notice::Cancelled {
            by_participant: true,
        } => Some(vec![
            format!("{name} hat den Termin „{title}“ am {when} abgesagt."),
            a.reason
                .map(|r| format!("Begründung: {r}"))
                .unwrap_or_default(),
        ]),
        _ => None,
    };
    if let Some(mut lines) = for_consultant {
        if matches!(notice, Notice::Received | Notice::Confirmed) {
            if let Some(concern) = a.concern {
                lines.push(format!("Anliegen: {concern}"));
            }
            let answers = a
                .answers
                .and_then(|v| v.as_object())
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            if !answers.is_empty() {
                lines.push(format!("Antworten: {answers}"));
            }
        }
        let letter = Letter {
            subject: format!("{subject} ({name})"),
            greeting: format!("Guten Tag {},", consultant.display_name),
            paragraphs: lines.into_iter().filter(|l| !l.is_empty()).collect(),
            action: Some(Action {
                label: "Buchung ansehen".into(),
                url: link,
            }),
            after: vec![attached.into()],
        };
        let mut mail = letter.to_mail(&consultant.email);
        let mut event = event;
        event.location = Some(a.offer.location.clone());
        mail.attachments.push(attachment(method, event));
        enqueue(db, mail).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::calendar_title;

    #[test]
    fn calendar_titles_say_sprechstunde_once() {
        assert_eq!(
            calendar_title("Sprechstunde Bürgerbeteiligung"),
            "Sprechstunde Bürgerbeteiligung"
        );
        assert_eq!(calendar_title("sprechstunde Wohnen"), "sprechstunde Wohnen");
        assert_eq!(
            calendar_title("Fördermittel im Quartier"),
            "Sprechstunde: Fördermittel im Quartier"
        );
        assert_eq!(calendar_title("Ü"), "Sprechstunde: Ü");
    }
}
