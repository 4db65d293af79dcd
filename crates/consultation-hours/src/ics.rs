//! RFC 5545 (iCalendar) rendering for consultation appointments.
//!
//! The same renderer serves two consumers:
//!
//! * mail attachments, where the calendar carries an iTIP method
//!   ([`Method::Request`] for a booking or change, [`Method::Cancel`] for a
//!   cancellation) so that mail clients offer "add to calendar"/"remove", and
//! * subscribable feeds, which carry no method (or [`Method::Publish`]) and a
//!   display name (`X-WR-CALNAME`).
//!
//! All appointments are planned in [`TZID`]. Start and end are therefore
//! written as Berlin wall-clock times referencing an embedded `VTIMEZONE`, so
//! that clients show the time the consultation was agreed on even if their own
//! time-zone database differs.
//!
//! The output follows the RFC's syntax rules: CRLF line endings, content lines
//! folded at 75 octets (never inside a UTF-8 character) and escaped TEXT
//! values. Values that are not TEXT (addresses, URLs, parameters) are cleaned
//! of control characters so that caller data can never inject extra lines.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

/// The zone every appointment is planned in.
pub const TZID: &str = "Europe/Berlin";

/// Product identifier written to every calendar (`PRODID`), naming the
/// software that produced it as RFC 5545 section 3.7.3 requires.
pub const PRODID: &str = "-//Akademie fuer sozialen Zusammenhalt//Sprechstunden//DE";

/// Maximum length of one physical line in octets, excluding the CRLF
/// (RFC 5545 section 3.1).
const MAX_LINE_OCTETS: usize = 75;

/// The line terminator mandated by RFC 5545.
const CRLF: &str = "\r\n";

/// Format of a floating/local DATE-TIME value (used together with `TZID`).
const LOCAL_FORMAT: &str = "%Y%m%dT%H%M%S";

/// Format of a UTC DATE-TIME value (RFC 5545 section 3.3.5, form #2).
const UTC_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// The iTIP method (RFC 5546) of a calendar, telling the receiving client what
/// to do with the contained events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `METHOD:REQUEST`: a new or changed appointment the recipient should
    /// put into their calendar.
    Request,
    /// `METHOD:CANCEL`: the appointment was cancelled and should be removed.
    /// Events rendered with this method always carry `STATUS:CANCELLED`.
    Cancel,
    /// `METHOD:PUBLISH`: informational publication without a reply expected.
    Publish,
}

impl Method {
    /// The value written after `METHOD:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// The state of an appointment (`STATUS` of a `VEVENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// The appointment takes place as planned.
    Confirmed,
    /// The appointment is not yet final (e.g. awaiting confirmation);
    /// attendees are rendered with `PARTSTAT=NEEDS-ACTION`.
    Tentative,
    /// The appointment was cancelled.
    Cancelled,
}

impl EventStatus {
    /// The value written after `STATUS:`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// A participant of an appointment, rendered as a calendar user address
/// (`mailto:`) with a common name (`CN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name, written as the `CN` parameter (omitted when empty).
    pub name: String,
    /// E-mail address, written as `mailto:` URI.
    pub email: String,
}

/// One consultation appointment, rendered as a `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Globally unique, stable identifier of the appointment. Clients match
    /// updates and cancellations by it, so it must not change between
    /// renderings of the same appointment.
    pub uid: String,
    /// Revision counter; must increase with every change so clients accept
    /// the newer version. Negative values are written as 0.
    pub sequence: i32,
    /// When this rendering was created (`DTSTAMP`, written in UTC).
    pub stamp: DateTime<Utc>,
    /// Start instant; written as Berlin wall-clock time.
    pub starts_at: DateTime<Utc>,
    /// End instant; written as Berlin wall-clock time.
    pub ends_at: DateTime<Utc>,
    /// Short title (`SUMMARY`).
    pub summary: String,
    /// Longer text (`DESCRIPTION`); line breaks are preserved.
    pub description: String,
    /// Place or "online" hint (`LOCATION`); omitted when `None` or empty.
    pub location: Option<String>,
    /// Link to the appointment, e.g. a video room (`URL`); omitted when
    /// `None` or empty.
    pub url: Option<String>,
    /// Who runs the consultation (`ORGANIZER`). iTIP `REQUEST`/`CANCEL`
    /// messages should carry one for clients to process them.
    pub organizer: Option<Person>,
    /// Who takes part (`ATTENDEE`, one line each).
    pub attendees: Vec<Person>,
    /// State of the appointment; overridden to cancelled for
    /// [`Method::Cancel`].
    pub status: EventStatus,
}

/// A whole VCALENDAR. `name` becomes X-WR-CALNAME (feeds); `method` None for feeds.
///
/// A `VTIMEZONE` for [`TZID`] is embedded whenever there is at least one
/// event, because event times reference it. The result uses CRLF line
/// endings throughout and can be used directly as `text/calendar` body.
pub fn calendar(method: Option<Method>, name: Option<&str>, events: &[Event]) -> String {
    let mut out = ContentWriter::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!("PRODID:{PRODID}"));
    out.line("CALSCALE:GREGORIAN");
    if let Some(method) = method {
        out.line(&format!("METHOD:{}", method.as_str()));
    }
    if let Some(name) = name {
        out.line(&format!("X-WR-CALNAME:{}", escape_text(name)));
    }
    if !events.is_empty() {
        write_vtimezone(&mut out);
    }
    for event in events {
        write_event(&mut out, method, event);
    }
    out.line("END:VCALENDAR");
    out.finish()
}

/// Accumulates content lines, folding each one and terminating it with CRLF.
#[derive(Default)]
struct ContentWriter {
    text: String,
}

impl ContentWriter {
    /// Appends one logical content line (without terminator), folded so no
    /// physical line exceeds [`MAX_LINE_OCTETS`] octets.
    fn line(&mut self, content: &str) {
        fold_into(&mut self.text, content);
    }

    /// Returns the rendered text.
    fn finish(self) -> String {
        self.text
    }
}

/// Folds `content` (RFC 5545 section 3.1) into `out`: a physical line holds at
/// most 75 octets, continuation lines start with a single space (which counts
/// towards their 75 octets), and a multi-byte UTF-8 character is never split.
fn fold_into(out: &mut String, content: &str) {
    let mut used = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if used + len > MAX_LINE_OCTETS {
            out.push_str(CRLF);
            out.push(' ');
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str(CRLF);
}

/// Writes the `VTIMEZONE` for Europe/Berlin (EU rules since 1996: summer time
/// from the last Sunday of March 02:00 to the last Sunday of October 03:00
/// local time).
fn write_vtimezone(out: &mut ContentWriter) {
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{TZID}"));
    out.line("BEGIN:STANDARD");
    out.line("TZOFFSETFROM:+0200");
    out.line("TZOFFSETTO:+0100");
    out.line("TZNAME:CET");
    out.line("DTSTART:19701025T030000");
    out.line("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
    out.line("END:STANDARD");
    out.line("BEGIN:DAYLIGHT");
    out.line("TZOFFSETFROM:+0100");
    out.line("TZOFFSETTO:+0200");
    out.line("TZNAME:CEST");
    out.line("DTSTART:19700329T020000");
    out.line("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
    out.line("END:DAYLIGHT");
    out.line("END:VTIMEZONE");
}

/// Writes one `VEVENT`. The calendar's method is needed because a
/// cancellation must mark the event itself as cancelled.
fn write_event(out: &mut ContentWriter, method: Option<Method>, event: &Event) {
    let status = if method == Some(Method::Cancel) {
        EventStatus::Cancelled
    } else {
        event.status
    };
    let partstat = match event.status {
        EventStatus::Tentative => "NEEDS-ACTION",
        EventStatus::Confirmed | EventStatus::Cancelled => "ACCEPTED",
    };

    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{}", escape_text(&event.uid)));
    out.line(&format!("DTSTAMP:{}", event.stamp.format(UTC_FORMAT)));
    out.line(&format!("SEQUENCE:{}", event.sequence.max(0)));
    out.line(&format!("DTSTART{}", date_time(event.starts_at)));
    out.line(&format!("DTEND{}", date_time(event.ends_at)));
    out.line(&format!("SUMMARY:{}", escape_text(&event.summary)));
    out.line(&format!("DESCRIPTION:{}", escape_text(&event.description)));
    if let Some(location) = event.location.as_deref().filter(|l| !l.is_empty()) {
        out.line(&format!("LOCATION:{}", escape_text(location)));
    }
    let url = event
        .url
        .as_deref()
        .map(clean_uri)
        .filter(|u| !u.is_empty());
    if let Some(url) = url {
        out.line(&format!("URL:{url}"));
    }
    out.line(&format!("STATUS:{}", status.as_str()));
    if let Some(organizer) = &event.organizer {
        out.line(&format!("ORGANIZER{}", cal_address(organizer, "")));
    }
    for attendee in &event.attendees {
        let extra = format!(";ROLE=REQ-PARTICIPANT;PARTSTAT={partstat}");
        out.line(&format!("ATTENDEE{}", cal_address(attendee, &extra)));
    }
    out.line("END:VEVENT");
}

/// Renders the parameters and value of a DATE-TIME property (everything after
/// the property name) as Berlin wall-clock time, e.g.
/// `;TZID=Europe/Berlin:20260331T100000`.
///
/// In the repeated hour when summer time ends, a wall-clock time denotes two
/// instants and RFC 5545 section 3.3.5 resolves it to the first one. An
/// instant in the second occurrence is therefore written in UTC
/// (`:20261025T013000Z`) so it is not moved by an hour.
fn date_time(instant: DateTime<Utc>) -> String {
    let local = instant.with_timezone(&Berlin);
    let wall = local.naive_local();
    if Berlin.from_local_datetime(&wall).earliest() == Some(local) {
        format!(";TZID={TZID}:{}", wall.format(LOCAL_FORMAT))
    } else {
        format!(":{}", instant.format(UTC_FORMAT))
    }
}

/// Renders the parameters and value of a CAL-ADDRESS property (ORGANIZER,
/// ATTENDEE): an optional `CN`, the given `extra` parameters and the `mailto:`
/// URI.
fn cal_address(person: &Person, extra: &str) -> String {
    let name = param_value(&person.name);
    let cn = if name.is_empty() {
        String::new()
    } else {
        format!(";CN={name}")
    };
    format!("{cn}{extra}:mailto:{}", clean_uri(&person.email))
}

/// Makes a parameter value safe (RFC 5545 section 3.1): double quotes cannot
/// be represented at all and are removed, control characters become spaces,
/// and the value is quoted when it contains `:`, `;` or `,`.
fn param_value(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| *c != '"')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.contains([':', ';', ',']) {
        format!("\"{cleaned}\"")
    } else {
        cleaned.to_owned()
    }
}

/// Cleans a URI-like value (URL, e-mail address): surrounding whitespace and
/// all control characters are dropped so the value stays on its line.
fn clean_uri(raw: &str) -> String {
    raw.trim().chars().filter(|c| !c.is_control()).collect()
}

/// Escapes a TEXT value (RFC 5545 section 3.3.11): backslash, semicolon and
/// comma get a backslash, line breaks (`\n`, `\r\n` or `\r`) become `\n`.
/// Other control characters except TAB are not allowed in TEXT and dropped.
fn escape_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration, NaiveDate, Offset, Weekday};
    use icalendar::parser::{read_components, unfold};

    /// Owned copy of a parsed property, so tests need not juggle the
    /// parser's borrowed lifetimes.
    #[derive(Debug)]
    struct Prop {
        name: String,
        params: Vec<(String, Option<String>)>,
        value: String,
    }

    impl Prop {
        fn param(&self, key: &str) -> Option<&str> {
            self.params
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_deref())
        }
    }

    /// Owned copy of a parsed component.
    #[derive(Debug)]
    struct Comp {
        name: String,
        props: Vec<Prop>,
        comps: Vec<Comp>,
    }

    impl Comp {
        fn props(&self, name: &str) -> Vec<&Prop> {
            self.props.iter().filter(|p| p.name == name).collect()
        }

        fn prop(&self, name: &str) -> &Prop {
            let found = self.props(name);
            assert_eq!(found.len(), 1, "expected exactly one {name} in {self:#?}");
            found[0]
        }

        fn value(&self, name: &str) -> &str {
            &self.prop(name).value
        }

        fn children(&self, name: &str) -> Vec<&Comp> {
            self.comps.iter().filter(|c| c.name == name).collect()
        }
    }

    fn own(c: &icalendar::parser::Component<'_>) -> Comp {
        Comp {
            name: c.name.as_str().to_owned(),
            props: c
                .properties
                .iter()
                .map(|p| Prop {
                    name: p.name.as_str().to_owned(),
                    params: p
                        .params
                        .iter()
                        .map(|pa| {
                            (
                                pa.key.as_str().to_owned(),
                                pa.val.as_ref().map(|v| v.as_str().to_owned()),
                            )
                        })
                        .collect(),
                    value: p.val.as_str().to_owned(),
                })
                .collect(),
            comps: c.components.iter().map(own).collect(),
        }
    }

    /// Parses with the independent `icalendar` parser and insists on exactly
    /// one VCALENDAR root. The parser does not unfold on its own.
    fn parse(text: &str) -> Comp {
        let unfolded = unfold(text);
        let roots = read_components(&unfolded).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(roots.len(), 1);
        let root = own(&roots[0]);
        assert_eq!(root.name, "VCALENDAR");
        root
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn person(name: &str, email: &str) -> Person {
        Person {
            name: name.to_owned(),
            email: email.to_owned(),
        }
    }

    fn event(starts_at: &str) -> Event {
        let starts_at = utc(starts_at);
        Event {
            uid: "3f2c9a1e-0000-4000-8000-000000000001@sprechstunden".to_owned(),
            sequence: 3,
            stamp: utc("2026-03-01T12:34:56Z"),
            starts_at,
            ends_at: starts_at + Duration::minutes(45),
            summary: "Sprechstunde Förderberatung".to_owned(),
            description: "Bitte Unterlagen mitbringen.".to_owned(),
            location: None,
            url: None,
            organizer: Some(person("Dr. Anna Beispiel", "anna@example.org")),
            attendees: vec![person("Max Mustermann", "max@example.org")],
            status: EventStatus::Confirmed,
        }
    }

    fn only_event(cal: &Comp) -> &Comp {
        let events = cal.children("VEVENT");
        assert_eq!(events.len(), 1);
        events[0]
    }

    #[test]
    fn request_carries_identity_method_and_participants() {
        let text = calendar(
            Some(Method::Request),
            None,
            &[event("2026-03-31T08:00:00Z")],
        );
        let cal = parse(&text);
        assert_eq!(cal.value("VERSION"), "2.0");
        assert_eq!(cal.value("PRODID"), PRODID);
        assert_eq!(cal.value("CALSCALE"), "GREGORIAN");
        assert_eq!(cal.value("METHOD"), "REQUEST");
        assert!(cal.props("X-WR-CALNAME").is_empty());

        let ev = only_event(&cal);
        assert_eq!(
            ev.value("UID"),
            "3f2c9a1e-0000-4000-8000-000000000001@sprechstunden"
        );
        assert_eq!(ev.value("SEQUENCE"), "3");
        assert_eq!(ev.value("DTSTAMP"), "20260301T123456Z");
        assert_eq!(ev.value("SUMMARY"), "Sprechstunde Förderberatung");
        assert_eq!(ev.value("DESCRIPTION"), "Bitte Unterlagen mitbringen.");
        assert_eq!(ev.value("STATUS"), "CONFIRMED");
        assert!(ev.props("LOCATION").is_empty());
        assert!(ev.props("URL").is_empty());

        let org = ev.prop("ORGANIZER");
        assert_eq!(org.value, "mailto:anna@example.org");
        assert_eq!(org.param("CN"), Some("Dr. Anna Beispiel"));

        let att = ev.prop("ATTENDEE");
        assert_eq!(att.value, "mailto:max@example.org");
        assert_eq!(att.param("CN"), Some("Max Mustermann"));
        assert_eq!(att.param("ROLE"), Some("REQ-PARTICIPANT"));
        assert_eq!(att.param("PARTSTAT"), Some("ACCEPTED"));
        // 86 octets, so only present in this form once unfolded.
        assert!(unfold(&text).contains(
            "\r\nATTENDEE;CN=Max Mustermann;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:max@example.org\r\n"
        ));
    }

    #[test]
    fn wall_times_are_right_on_both_sides_of_dst_changes() {
        // (UTC start, expected Berlin wall time of start, of end = start + 45 min)
        let cases = [
            ("2026-03-24T09:00:00Z", "20260324T100000", "20260324T104500"), // CET
            ("2026-03-31T08:00:00Z", "20260331T100000", "20260331T104500"), // CEST
            ("2026-10-20T08:00:00Z", "20261020T100000", "20261020T104500"), // CEST
            ("2026-10-27T09:00:00Z", "20261027T100000", "20261027T104500"), // CET
            // Ends after the spring-forward jump: 00:30 CET .. 01:15Z = 03:15 CEST.
            ("2026-03-29T00:30:00Z", "20260329T013000", "20260329T031500"),
        ];
        let events: Vec<Event> = cases.iter().map(|(s, _, _)| event(s)).collect();
        let text = calendar(Some(Method::Publish), None, &events);
        let cal = parse(&text);
        assert_eq!(cal.value("METHOD"), "PUBLISH");
        let parsed = cal.children("VEVENT");
        assert_eq!(parsed.len(), cases.len());
        for (ev, (_, start, end)) in parsed.iter().zip(cases) {
            for (name, expected) in [("DTSTART", start), ("DTEND", end)] {
                let p = ev.prop(name);
                assert_eq!(p.param("TZID"), Some(TZID));
                assert_eq!(p.value, expected);
                assert!(text.contains(&format!("\r\n{name};TZID=Europe/Berlin:{expected}\r\n")));
            }
        }
    }

    #[test]
    fn second_occurrence_of_repeated_hour_is_written_in_utc() {
        // 00:30Z = 02:30 CEST (first 02:30), 01:30Z = 02:30 CET (second 02:30).
        let first = event("2026-10-25T00:30:00Z");
        let mut second = event("2026-10-25T01:30:00Z");
        second.ends_at = utc("2026-10-25T01:45:00Z");
        let cal = parse(&calendar(None, None, &[first, second]));
        let events = cal.children("VEVENT");
        let a = events[0].prop("DTSTART");
        assert_eq!(a.param("TZID"), Some(TZID));
        assert_eq!(a.value, "20261025T023000");
        let b = events[1].prop("DTSTART");
        assert!(b.params.is_empty(), "{b:?}");
        assert_eq!(b.value, "20261025T013000Z");
        // 01:45Z = 02:45 CET, again the second occurrence.
        let end = events[1].prop("DTEND");
        assert!(end.params.is_empty(), "{end:?}");
        assert_eq!(end.value, "20261025T014500Z");
        // 00:30Z + 45 min = 01:15Z = 02:15 CET: second occurrence as well.
        assert_eq!(events[0].value("DTEND"), "20261025T011500Z");
    }

    #[test]
    fn exactly_one_berlin_vtimezone_with_eu_rules() {
        let cal = parse(&calendar(
            None,
            None,
            &[event("2026-01-05T09:00:00Z"), event("2026-07-06T09:00:00Z")],
        ));
        let zones = cal.children("VTIMEZONE");
        assert_eq!(zones.len(), 1);
        let tz = zones[0];
        assert_eq!(tz.value("TZID"), TZID);
        let std = tz.children("STANDARD");
        let dst = tz.children("DAYLIGHT");
        assert_eq!((std.len(), dst.len()), (1, 1));
        assert_eq!(std[0].value("TZOFFSETFROM"), "+0200");
        assert_eq!(std[0].value("TZOFFSETTO"), "+0100");
        assert_eq!(std[0].value("TZNAME"), "CET");
        assert_eq!(std[0].value("DTSTART"), "19701025T030000");
        assert_eq!(std[0].value("RRULE"), "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
        assert_eq!(dst[0].value("TZOFFSETFROM"), "+0100");
        assert_eq!(dst[0].value("TZOFFSETTO"), "+0200");
        assert_eq!(dst[0].value("TZNAME"), "CEST");
        assert_eq!(dst[0].value("DTSTART"), "19700329T020000");
        assert_eq!(dst[0].value("RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
    }

    /// The hard-coded VTIMEZONE rules must agree with chrono-tz, which is
    /// what converts the instants: last Sunday of March/October at 01:00 UTC.
    #[test]
    fn vtimezone_rules_agree_with_chrono_tz() {
        fn last_sunday(year: i32, month: u32) -> NaiveDate {
            let mut day = NaiveDate::from_ymd_opt(year, month, 31).unwrap();
            while day.weekday() != Weekday::Sun {
                day = day.pred_opt().unwrap();
            }
            day
        }
        let offset_hours =
            |t: DateTime<Utc>| t.with_timezone(&Berlin).offset().fix().local_minus_utc() / 3600;
        for year in 1996..=2037 {
            for (month, before, after) in [(3, 1, 2), (10, 2, 1)] {
                let switch = last_sunday(year, month)
                    .and_hms_opt(1, 0, 0)
                    .unwrap()
                    .and_utc();
                assert_eq!(
                    offset_hours(switch - Duration::seconds(1)),
                    before,
                    "{switch}"
                );
                assert_eq!(offset_hours(switch), after, "{switch}");
            }
        }
    }

    #[test]
    fn long_german_description_folds_and_unfolds() {
        let description = "Sehr geehrte Frau Müller, wir bestätigen Ihren Termin zur \
            Förderberatung. Bitte bringen Sie Ihre Unterlagen (Gründungsurkunde, \
            Satzung, Übersicht über bisherige Maßnahmen) mit.\nFür Rückfragen \
            erreichen Sie uns werktags; außerhalb der Öffnungszeiten per E-Mail. \
            Grüße aus Köln — äöüÄÖÜß€"
            .to_owned();
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.description = description.clone();
        let text = calendar(Some(Method::Request), None, &[ev]);

        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let body = text.strip_suffix("\r\n").unwrap();
        assert!(
            !body.replace("\r\n", "").contains(['\r', '\n']),
            "bare CR or LF"
        );
        let lines: Vec<&str> = body.split("\r\n").collect();
        for line in &lines {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        let first = lines
            .iter()
            .position(|l| l.starts_with("DESCRIPTION:"))
            .unwrap();
        let continuations = lines[first + 1..]
            .iter()
            .take_while(|l| l.starts_with(' '))
            .count();
        assert_eq!(continuations, 4);
        // Octet 75 would be the first half of "ö", so the line breaks after
        // 74 octets and the "ö" opens the continuation line intact.
        assert_eq!(
            lines[first],
            "DESCRIPTION:Sehr geehrte Frau Müller\\, wir bestätigen Ihren Termin zur F"
        );
        assert_eq!(lines[first].len(), 74);
        assert!(lines[first + 1].starts_with(" örderberatung."));
        // Without a straddling character, lines are filled to exactly 75 octets.
        assert_eq!(lines[first + 1].len(), 75);

        assert_eq!(only_event(&parse(&text)).value("DESCRIPTION"), description);
    }

    #[test]
    fn folding_never_splits_a_multibyte_character() {
        // "SUMMARY:" is 8 octets, 33 × "ä" = 66 → 74 octets; the next "ä"
        // would end at octet 76, so the line must break after 74 octets.
        let summary = "ä".repeat(100);
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.summary = summary.clone();
        let text = calendar(None, None, &[ev]);
        let start = text.find("SUMMARY:").unwrap();
        let folded: Vec<&str> = text[start..].split("\r\n").take(3).collect();
        assert_eq!(folded[0], format!("SUMMARY:{}", "ä".repeat(33)));
        // Continuation: 1 space + 37 × 2 octets = 75 octets.
        assert_eq!(folded[1], format!(" {}", "ä".repeat(37)));
        assert_eq!(folded[2], format!(" {}", "ä".repeat(30)));
        assert_eq!(only_event(&parse(&text)).value("SUMMARY"), summary);
    }

    #[test]
    fn text_escaping_round_trips() {
        let tricky = "Raum 2.14; Haus A, 3. OG\nC:\\Pfad\\n \"Zitat\"";
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.summary = tricky.to_owned();
        ev.description = "Zeile 1\r\nZeile 2\rZeile 3".to_owned();
        ev.location = Some(tricky.to_owned());
        ev.uid = "a,b;c".to_owned();
        let text = calendar(
            Some(Method::Request),
            Some("Sprechstunden; Köln, Bonn"),
            &[ev],
        );

        assert!(
            text.contains(
                "\r\nSUMMARY:Raum 2.14\\; Haus A\\, 3. OG\\nC:\\\\Pfad\\\\n \"Zitat\"\r\n"
            )
        );
        assert!(text.contains("\r\nDESCRIPTION:Zeile 1\\nZeile 2\\nZeile 3\r\n"));
        let cal = parse(&text);
        assert_eq!(cal.value("X-WR-CALNAME"), "Sprechstunden; Köln, Bonn");
        let ev = only_event(&cal);
        assert_eq!(ev.value("SUMMARY"), tricky);
        assert_eq!(ev.value("LOCATION"), tricky);
        assert_eq!(ev.value("UID"), "a,b;c");
        assert_eq!(ev.value("DESCRIPTION"), "Zeile 1\nZeile 2\nZeile 3");
    }

    #[test]
    fn control_characters_cannot_inject_lines() {
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.summary = "a\u{7}b".to_owned();
        ev.url = Some(" https://example.org/raum\r\nX-EVIL:1 ".to_owned());
        ev.attendees = vec![person("Eve\r\nX-EVIL:2", "eve@example.org\nX-EVIL:3")];
        let text = calendar(None, None, &[ev]);
        assert!(!text.contains("\nX-EVIL"));
        let parsed = parse(&text);
        let ev = only_event(&parsed);
        assert_eq!(ev.value("SUMMARY"), "ab");
        assert_eq!(ev.value("URL"), "https://example.org/raumX-EVIL:1");
        let att = ev.prop("ATTENDEE");
        assert_eq!(att.param("CN"), Some("Eve  X-EVIL:2"));
        assert_eq!(att.value, "mailto:eve@example.orgX-EVIL:3");
    }

    #[test]
    fn common_names_are_quoted_only_when_needed() {
        assert_eq!(param_value("Max Mustermann"), "Max Mustermann");
        assert_eq!(param_value("Müller, Anna"), "\"Müller, Anna\"");
        assert_eq!(param_value("Team: Beratung"), "\"Team: Beratung\"");
        assert_eq!(param_value("A;B"), "\"A;B\"");
        assert_eq!(param_value("Anna \"Nan\" Roth"), "Anna Nan Roth");
        assert_eq!(param_value("\"Roth, Anna\""), "\"Roth, Anna\"");

        let mut ev = event("2026-03-31T08:00:00Z");
        ev.organizer = Some(person("Müller, \"Anna\"", "anna@example.org"));
        ev.attendees = vec![
            person("Team: Beratung", "team@example.org"),
            person("", "x@example.org"),
        ];
        let text = calendar(Some(Method::Request), None, &[ev]);
        assert!(text.contains("\r\nORGANIZER;CN=\"Müller, Anna\":mailto:anna@example.org\r\n"));
        let cal = parse(&text);
        let ev = only_event(&cal);
        assert_eq!(ev.prop("ORGANIZER").param("CN"), Some("Müller, Anna"));
        let atts = ev.props("ATTENDEE");
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0].param("CN"), Some("Team: Beratung"));
        assert_eq!(atts[0].value, "mailto:team@example.org");
        assert_eq!(atts[1].param("CN"), None);
        assert_eq!(atts[1].value, "mailto:x@example.org");
    }

    #[test]
    fn optional_fields_are_written_when_present() {
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.location = Some("Akademie, Raum 1".to_owned());
        ev.url = Some("https://example.org/termine/42?a=1;b=2".to_owned());
        ev.organizer = None;
        ev.attendees.clear();
        let cal = parse(&calendar(None, None, &[ev.clone()]));
        let parsed = only_event(&cal);
        assert_eq!(parsed.value("LOCATION"), "Akademie, Raum 1");
        assert_eq!(
            parsed.value("URL"),
            "https://example.org/termine/42?a=1;b=2"
        );
        assert!(parsed.props("ORGANIZER").is_empty());
        assert!(parsed.props("ATTENDEE").is_empty());

        ev.location = Some(String::new());
        ev.url = Some("  ".to_owned());
        let cal = parse(&calendar(None, None, &[ev]));
        let parsed = only_event(&cal);
        assert!(parsed.props("LOCATION").is_empty());
        assert!(parsed.props("URL").is_empty());
    }

    #[test]
    fn cancel_marks_event_cancelled() {
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.sequence = 4;
        ev.status = EventStatus::Confirmed;
        let cal = parse(&calendar(Some(Method::Cancel), None, &[ev]));
        assert_eq!(cal.value("METHOD"), "CANCEL");
        let parsed = only_event(&cal);
        assert_eq!(parsed.value("STATUS"), "CANCELLED");
        assert_eq!(parsed.value("SEQUENCE"), "4");
    }

    #[test]
    fn tentative_event_asks_attendees_for_action() {
        let mut ev = event("2026-03-31T08:00:00Z");
        ev.status = EventStatus::Tentative;
        ev.sequence = -2;
        let cal = parse(&calendar(Some(Method::Request), None, &[ev]));
        let parsed = only_event(&cal);
        assert_eq!(parsed.value("STATUS"), "TENTATIVE");
        assert_eq!(parsed.value("SEQUENCE"), "0");
        assert_eq!(
            parsed.prop("ATTENDEE").param("PARTSTAT"),
            Some("NEEDS-ACTION")
        );
    }

    #[test]
    fn empty_feed_is_a_valid_calendar_without_timezone() {
        let text = calendar(None, Some("Sprechstunden, Team Nord"), &[]);
        assert_eq!(
            text,
            "BEGIN:VCALENDAR\r\n\
             VERSION:2.0\r\n\
             PRODID:-//Akademie fuer sozialen Zusammenhalt//Sprechstunden//DE\r\n\
             CALSCALE:GREGORIAN\r\n\
             X-WR-CALNAME:Sprechstunden\\, Team Nord\r\n\
             END:VCALENDAR\r\n"
        );
        let cal = parse(&text);
        assert!(cal.comps.is_empty());
        assert!(cal.props("METHOD").is_empty());
        assert_eq!(cal.value("X-WR-CALNAME"), "Sprechstunden, Team Nord");
    }
}
