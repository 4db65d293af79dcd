//! Availability in local wall time and the slots that follow from it.
//!
//! Consultants plan in `Europe/Berlin` ("Tuesdays 10:00–12:00"); the database and the API
//! speak instants. Every slot is placed by its local start time, converted on its own
//! date, so a 10:00 slot stays at 10:00 across the changes to and from summer time. A
//! local time that does not exist (the skipped hour in March) yields no slot; one that
//! exists twice (the repeated hour in October) takes its first occurrence.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use academy_kernel::FieldError;

/// The zone every consultation hour is planned in.
pub const ZONE: Tz = chrono_tz::Europe::Berlin;

/// How many weekly windows, absences and extra hours an offer may have (each).
pub const MAX_ENTRIES: usize = 200;
/// Longest note of an absence.
pub const ABSENCE_NOTE_MAX: usize = 200;
/// A local time of day, `HH:MM` (24 hours).
pub const TIME_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    fn weekday(self) -> chrono::Weekday {
        match self {
            Self::Monday => chrono::Weekday::Mon,
            Self::Tuesday => chrono::Weekday::Tue,
            Self::Wednesday => chrono::Weekday::Wed,
            Self::Thursday => chrono::Weekday::Thu,
            Self::Friday => chrono::Weekday::Fri,
            Self::Saturday => chrono::Weekday::Sat,
            Self::Sunday => chrono::Weekday::Sun,
        }
    }
}

/// Recurring hours on one day of every week, in local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeeklyHours {
    /// The day of the week.
    pub weekday: Day,
    /// Local start time, `HH:MM`.
    #[schema(example = "10:00")]
    pub start: String,
    /// Local end time, `HH:MM`; the last slot ends at or before it.
    #[schema(example = "12:00")]
    pub end: String,
    /// First day the hours apply; without it they apply from now on.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day the hours apply (inclusive); without it they apply until changed.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

/// Whole local days without consultation hours (holidays, leave).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Absence {
    /// First day away.
    pub from: NaiveDate,
    /// Last day away (inclusive).
    pub until: NaiveDate,
    /// A note for the consultant's own overview, e.g. "Urlaub"; shown to the consultant
    /// and the coordinating office only.
    #[serde(default)]
    pub note: Option<String>,
}

/// One-off hours on a single local day, in addition to the weekly ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraHours {
    /// The day.
    pub date: NaiveDate,
    /// Local start time, `HH:MM`.
    #[schema(example = "14:00")]
    pub start: String,
    /// Local end time, `HH:MM`.
    #[schema(example = "16:00")]
    pub end: String,
}

/// When a consultant is available for an offer, in local wall time `Europe/Berlin`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Availability {
    /// Recurring weekly hours.
    #[serde(default)]
    pub weekly: Vec<WeeklyHours>,
    /// Days without hours; they win over weekly and extra hours.
    #[serde(default)]
    pub absences: Vec<Absence>,
    /// One-off additional hours.
    #[serde(default)]
    pub extra: Vec<ExtraHours>,
}

/// A window of local time on some days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    start: NaiveTime,
    end: NaiveTime,
}

/// Availability that passed [`Availability::check`]: times parsed, ranges ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    weekly: Vec<(
        chrono::Weekday,
        Window,
        Option<NaiveDate>,
        Option<NaiveDate>,
    )>,
    absences: Vec<(NaiveDate, NaiveDate)>,
    extra: Vec<(NaiveDate, Window)>,
}

/// A slot's place in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTime {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The end plus the buffer before the consultant's next appointment.
    pub blocked_until: DateTime<Utc>,
}

fn parse_time(field: String, text: &str) -> Result<NaiveTime, FieldError> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    valid
        .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| FieldError::new(field, "invalid_time", "must be a local time HH:MM"))
}

fn window(field: &str, start: &str, end: &str, errors: &mut Vec<FieldError>) -> Option<Window> {
    let start = parse_time(format!("{field}.start"), start).map_err(|e| errors.push(e));
    let end = parse_time(format!("{field}.end"), end).map_err(|e| errors.push(e));
    let (Ok(start), Ok(end)) = (start, end) else {
        return None;
    };
    if end <= start {
        errors.push(FieldError::new(
            format!("{field}.end"),
            "end_before_start",
            "must be later than the start on the same day",
        ));
        return None;
    }
    Some(Window { start, end })
}

impl Availability {
    /// Checks every entry; all problems are reported at once, with the JSON path of the
    /// field (`availability.weekly[1].end`).
    pub fn check(&self, slot_minutes: i64) -> Result<Plan, Vec<FieldError>> {
        let mut errors = Vec::new();
        for (name, len) in [
            ("availability.weekly", self.weekly.len()),
            ("availability.absences", self.absences.len()),
            ("availability.extra", self.extra.len()),
        ] {
            if len > MAX_ENTRIES {
                errors.push(FieldError::new(
                    name,
                    "too_many",
                    format!("at most {MAX_ENTRIES} entries"),
                ));
            }
        }
        let too_short = |field: String, w: &Window, errors: &mut Vec<FieldError>| {
            if (w.end - w.start).num_minutes() < slot_minutes {
                errors.push(FieldError::new(
                    field,
                    "shorter_than_slot",
                    "the hours must be at least as long as one slot",
                ));
            }
        };
        let mut weekly = Vec::new();
        for (i, hours) in self.weekly.iter().enumerate() {
            let field = format!("availability.weekly[{i}]");
            if let Some(w) = window(&field, &hours.start, &hours.end, &mut errors) {
                too_short(format!("{field}.end"), &w, &mut errors);
                weekly.push((
                    hours.weekday.weekday(),
                    w,
                    hours.valid_from,
                    hours.valid_until,
                ));
            }
            if let (Some(from), Some(until)) = (hours.valid_from, hours.valid_until)
                && until < from
            {
                errors.push(FieldError::new(
                    format!("{field}.validUntil"),
                    "before_valid_from",
                    "must not be before validFrom",
                ));
            }
        }
        let mut absences = Vec::new();
        for (i, absence) in self.absences.iter().enumerate() {
            if absence.until < absence.from {
                errors.push(FieldError::new(
                    format!("availability.absences[{i}].until"),
                    "before_from",
                    "must not be before from",
                ));
            }
            if absence
                .note
                .as_ref()
                .is_some_and(|n| n.chars().count() > ABSENCE_NOTE_MAX)
            {
                errors.push(FieldError::new(
                    format!("availability.absences[{i}].note"),
                    "too_long",
                    format!("must be at most {ABSENCE_NOTE_MAX} characters"),
                ));
            }
            absences.push((absence.from, absence.until));
        }
        let mut extra = Vec::new();
        for (i, hours) in self.extra.iter().enumerate() {
            let field = format!("availability.extra[{i}]");
            if let Some(w) = window(&field, &hours.start, &hours.end, &mut errors) {
                too_short(format!("{field}.end"), &w, &mut errors);
                extra.push((hours.date, w));
            }
        }
        if errors.is_empty() {
            Ok(Plan {
                weekly,
                absences,
                extra,
            })
        } else {
            Err(errors)
        }
    }
}

impl Plan {
    /// The slots starting in `[from, until)`: each window is filled from its start with
    /// slots of `slot` length, `buffer` apart, as long as a slot ends within the window.
    /// Slots that would overlap an earlier one (overlapping windows) are left out.
    pub fn slots(
        &self,
        slot: Duration,
        buffer: Duration,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<SlotTime> {
        let mut slots = Vec::new();
        if until <= from || slot <= Duration::zero() {
            return slots;
        }
        let first = from.with_timezone(&ZONE).date_naive();
        let last = until.with_timezone(&ZONE).date_naive();
        let mut day = first;
        while day <= last {
            if !self.absences.iter().any(|(a, b)| *a <= day && day <= *b) {
                let weekly = self
                    .weekly
                    .iter()
                    .filter(|(weekday, _, valid_from, valid_until)| {
                        day.weekday() == *weekday
                            && valid_from.is_none_or(|f| f <= day)
                            && valid_until.is_none_or(|u| day <= u)
                    });
                let windows = weekly.map(|(_, w, _, _)| *w).chain(
                    self.extra
                        .iter()
                        .filter(|(d, _)| *d == day)
                        .map(|(_, w)| *w),
                );
                for w in windows {
                    fill(day, w, slot, buffer, &mut slots);
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        slots.retain(|s| from <= s.starts_at && s.starts_at < until);
        slots.sort_by_key(|s| s.starts_at);
        let mut kept: Vec<SlotTime> = Vec::with_capacity(slots.len());
        for s in slots {
            if kept
                .last()
                .is_none_or(|prev| prev.blocked_until <= s.starts_at)
            {
                kept.push(s);
            }
        }
        kept
    }
}

impl Plan {
    /// At most how many slots [`Plan::slots`] would give for the same arguments, counted
    /// without making them (absences and overlapping windows aside, each window holds
    /// as many slots as fit). Stops counting above `cap`.
    pub fn count_at_most(
        &self,
        slot: Duration,
        buffer: Duration,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        cap: usize,
    ) -> usize {
        if until <= from || slot <= Duration::zero() {
            return 0;
        }
        let fits = |w: &Window| {
            let length = w.end - w.start;
            if length < slot {
                0
            } else {
                let step = (slot + buffer).num_minutes().max(1);
                usize::try_from((length - slot).num_minutes() / step + 1).unwrap_or(0)
            }
        };
        let mut count = 0;
        let mut day = from.with_timezone(&ZONE).date_naive();
        let last = until.with_timezone(&ZONE).date_naive();
        while day <= last && count <= cap {
            if !self.absences.iter().any(|(a, b)| *a <= day && day <= *b) {
                count += self
                    .weekly
                    .iter()
                    .filter(|(weekday, _, valid_from, valid_until)| {
                        day.weekday() == *weekday
                            && valid_from.is_none_or(|f| f <= day)
                            && valid_until.is_none_or(|u| day <= u)
                    })
                    .map(|(_, w, _, _)| fits(w))
                    .sum::<usize>();
                count += self
                    .extra
                    .iter()
                    .filter(|(d, _)| *d == day)
                    .map(|(_, w)| fits(w))
                    .sum::<usize>();
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        count
    }
}

/// The wanted slots that overlap none of the `taken` ones (`(starts_at, blocked_until)`),
/// in one pass: both lists sorted by start, neither overlapping itself.
pub fn missing(wanted: &[SlotTime], taken: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<SlotTime> {
    let mut out = Vec::new();
    let mut i = 0;
    for w in wanted {
        // Taken slots that end (buffer included) before this one starts cannot overlap
        // it or any later one.
        while i < taken.len() && taken[i].1 <= w.starts_at {
            i += 1;
        }
        let overlaps = taken.get(i).is_some_and(|t| t.0 < w.blocked_until);
        if !overlaps {
            out.push(*w);
        }
    }
    out
}

fn fill(day: NaiveDate, w: Window, slot: Duration, buffer: Duration, out: &mut Vec<SlotTime>) {
    let mut start = day.and_time(w.start);
    let end = day.and_time(w.end);
    while start + slot <= end {
        if let Some(starts_at) = instant(start) {
            let ends_at = starts_at + slot;
            out.push(SlotTime {
                starts_at,
                ends_at,
                blocked_until: ends_at + buffer,
            });
        }
        start += slot + buffer;
    }
}

/// The instant of a local wall time: `None` in the skipped hour, the first occurrence in
/// the repeated one.
pub fn instant(local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    match ZONE.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn weekly(day: Day, start: &str, end: &str) -> WeeklyHours {
        WeeklyHours {
            weekday: day,
            start: start.into(),
            end: end.into(),
            valid_from: None,
            valid_until: None,
        }
    }

    fn starts(plan: &Plan, slot: i64, buffer: i64, from: &str, until: &str) -> Vec<DateTime<Utc>> {
        plan.slots(
            Duration::minutes(slot),
            Duration::minutes(buffer),
            utc(from),
            utc(until),
        )
        .into_iter()
        .map(|s| s.starts_at)
        .collect()
    }

    #[test]
    fn tuesday_ten_oclock_stays_ten_oclock_across_the_march_change() {
        let plan = Availability {
            weekly: vec![weekly(Day::Tuesday, "10:00", "11:00")],
            ..Default::default()
        }
        .check(60)
        .expect("valid");
        // Summer time starts on Sunday 29 March 2026.
        let got = starts(&plan, 60, 0, "2026-03-23T00:00:00Z", "2026-04-01T00:00:00Z");
        assert_eq!(
            got,
            vec![utc("2026-03-24T09:00:00Z"), utc("2026-03-31T08:00:00Z")]
        );
    }

    #[test]
    fn tuesday_ten_oclock_stays_ten_oclock_across_the_october_change() {
        let plan = Availability {
            weekly: vec![weekly(Day::Tuesday, "10:00", "11:00")],
            ..Default::default()
        }
        .check(60)
        .expect("valid");
        // Summer time ends on Sunday 25 October 2026.
        let got = starts(&plan, 60, 0, "2026-10-19T00:00:00Z", "2026-10-28T00:00:00Z");
        assert_eq!(
            got,
            vec![utc("2026-10-20T08:00:00Z"), utc("2026-10-27T09:00:00Z")]
        );
    }

    #[test]
    fn the_skipped_hour_has_no_slot_and_the_repeated_hour_its_first() {
        let plan = Availability {
            weekly: vec![weekly(Day::Sunday, "01:30", "03:30")],
            ..Default::default()
        }
        .check(30)
        .expect("valid");
        let march = starts(
            &plan,
            30,
            30,
            "2026-03-29T00:00:00Z",
            "2026-03-30T00:00:00Z",
        );
        // 01:30 CET, [02:30 does not exist], so only 01:30 (00:30Z). Then no 03:30 slot fits.
        assert_eq!(march, vec![utc("2026-03-29T00:30:00Z")]);
        let october = starts(
            &plan,
            30,
            30,
            "2026-10-25T00:00:00Z",
            "2026-10-26T00:00:00Z",
        );
        // 01:30 CEST (23:30Z the day before: outside), 02:30 first occurrence (00:30Z).
        assert_eq!(october, vec![utc("2026-10-25T00:30:00Z")]);
    }

    #[test]
    fn slots_are_spaced_by_length_plus_buffer_and_end_inside_the_window() {
        let plan = Availability {
            weekly: vec![weekly(Day::Monday, "09:00", "11:00")],
            ..Default::default()
        }
        .check(30)
        .expect("valid");
        let slots = plan.slots(
            Duration::minutes(30),
            Duration::minutes(15),
            utc("2026-01-05T00:00:00Z"),
            utc("2026-01-06T00:00:00Z"),
        );
        let got: Vec<_> = slots.iter().map(|s| s.starts_at).collect();
        assert_eq!(
            got,
            vec![
                utc("2026-01-05T08:00:00Z"),
                utc("2026-01-05T08:45:00Z"),
                utc("2026-01-05T09:30:00Z")
            ]
        );
        assert_eq!(slots[0].ends_at, utc("2026-01-05T08:30:00Z"));
        assert_eq!(slots[0].blocked_until, utc("2026-01-05T08:45:00Z"));
    }

    #[test]
    fn absences_remove_days_and_extra_hours_add_them() {
        let plan = Availability {
            weekly: vec![weekly(Day::Monday, "09:00", "10:00")],
            absences: vec![Absence {
                from: date("2026-01-05"),
                until: date("2026-01-05"),
                note: None,
            }],
            extra: vec![ExtraHours {
                date: date("2026-01-07"),
                start: "14:00".into(),
                end: "15:00".into(),
            }],
        }
        .check(60)
        .expect("valid");
        let got = starts(&plan, 60, 0, "2026-01-05T00:00:00Z", "2026-01-13T00:00:00Z");
        assert_eq!(
            got,
            vec![utc("2026-01-07T13:00:00Z"), utc("2026-01-12T08:00:00Z")]
        );
    }

    #[test]
    fn validity_limits_the_weeks_and_overlapping_windows_keep_the_first_slot() {
        let mut hours = weekly(Day::Monday, "09:00", "10:00");
        hours.valid_from = Some(date("2026-01-12"));
        hours.valid_until = Some(date("2026-01-19"));
        let plan = Availability {
            weekly: vec![hours, weekly(Day::Monday, "09:30", "10:30")],
            ..Default::default()
        }
        .check(60)
        .expect("valid");
        let got = starts(&plan, 60, 0, "2026-01-05T00:00:00Z", "2026-01-27T00:00:00Z");
        assert_eq!(
            got,
            vec![
                utc("2026-01-05T08:30:00Z"),
                utc("2026-01-12T08:00:00Z"),
                utc("2026-01-19T08:00:00Z"),
                utc("2026-01-26T08:30:00Z"),
            ]
        );
    }

    #[test]
    fn the_count_bounds_the_slots_without_making_them() {
        let plan = Availability {
            weekly: vec![weekly(Day::Monday, "09:00", "11:00")],
            extra: vec![ExtraHours {
                date: date("2026-01-07"),
                start: "14:00".into(),
                end: "15:00".into(),
            }],
            ..Default::default()
        }
        .check(30)
        .expect("valid");
        let (from, until) = (utc("2026-01-05T00:00:00Z"), utc("2026-01-20T00:00:00Z"));
        let made = plan
            .slots(Duration::minutes(30), Duration::minutes(15), from, until)
            .len();
        let counted = plan.count_at_most(
            Duration::minutes(30),
            Duration::minutes(15),
            from,
            until,
            usize::MAX,
        );
        assert_eq!((made, counted), (3 * 3 + 1, 10));
        // A year of five-minute slots around the clock is counted, and stops early.
        let around_the_clock = Availability {
            weekly: [
                Day::Monday,
                Day::Tuesday,
                Day::Wednesday,
                Day::Thursday,
                Day::Friday,
                Day::Saturday,
                Day::Sunday,
            ]
            .into_iter()
            .map(|d| weekly(d, "00:00", "23:55"))
            .collect(),
            ..Default::default()
        }
        .check(5)
        .expect("valid");
        let year = (utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
        let n = around_the_clock.count_at_most(
            Duration::minutes(5),
            Duration::zero(),
            year.0,
            year.1,
            5000,
        );
        assert!((5000..5000 + 300).contains(&n), "{n}");
    }

    fn slot(start: &str, minutes: i64, buffer: i64) -> SlotTime {
        let starts_at = utc(start);
        SlotTime {
            starts_at,
            ends_at: starts_at + Duration::minutes(minutes),
            blocked_until: starts_at + Duration::minutes(minutes + buffer),
        }
    }

    #[test]
    fn missing_slots_are_those_overlapping_nothing_taken() {
        let wanted = vec![
            slot("2026-01-05T08:00:00Z", 30, 0),
            slot("2026-01-05T08:30:00Z", 30, 0),
            slot("2026-01-05T09:00:00Z", 30, 0),
            slot("2026-01-05T09:30:00Z", 30, 0),
            slot("2026-01-05T10:00:00Z", 30, 0),
        ];
        let taken = vec![
            // Exactly the first: not missing.
            (utc("2026-01-05T08:00:00Z"), utc("2026-01-05T08:30:00Z")),
            // Straddles the third and fourth.
            (utc("2026-01-05T09:15:00Z"), utc("2026-01-05T09:45:00Z")),
            // Touches the end of the last without overlapping.
            (utc("2026-01-05T10:30:00Z"), utc("2026-01-05T11:00:00Z")),
        ];
        let got: Vec<_> = missing(&wanted, &taken)
            .iter()
            .map(|s| s.starts_at)
            .collect();
        assert_eq!(
            got,
            vec![utc("2026-01-05T08:30:00Z"), utc("2026-01-05T10:00:00Z")]
        );
        assert_eq!(missing(&wanted, &[]).len(), 5);
        assert!(missing(&[], &taken).is_empty());
    }

    #[test]
    fn invalid_entries_are_reported_with_their_path() {
        let mut hours = weekly(Day::Monday, "9:00", "25:00");
        hours.valid_from = Some(date("2026-02-01"));
        hours.valid_until = Some(date("2026-01-01"));
        let errors = Availability {
            weekly: vec![hours, weekly(Day::Friday, "12:00", "11:00")],
            extra: vec![ExtraHours {
                date: date("2026-01-07"),
                start: "14:00".into(),
                end: "14:20".into(),
            }],
            ..Default::default()
        }
        .check(30)
        .expect_err("invalid");
        let got: Vec<_> = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                "availability.weekly[0].start invalid_time",
                "availability.weekly[0].end invalid_time",
                "availability.weekly[0].validUntil before_valid_from",
                "availability.weekly[1].end end_before_start",
                "availability.extra[0].end shorter_than_slot",
            ]
        );
    }
}
