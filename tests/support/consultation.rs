//! Consultation hours for tests: consultants and learners, offers with hours around the
//! clock, slots and bookings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use academy_auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{Response, StatusCode, TestApp, TestUser, json_body};

/// Weekly hours on every day of the week from `start` to `end` (local time).
pub fn every_day(start: &str, end: &str) -> Value {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    json!({
        "weekly": days
            .iter()
            .map(|d| json!({"weekday": d, "start": start, "end": end}))
            .collect::<Vec<_>>()
    })
}

/// An offer body: online, 60-minute slots around the clock (00:00–23:00 local) for the
/// next 14 days, one seat, no notice or cancellation deadline, immediate confirmation.
/// `overrides` replaces top-level fields.
pub fn offer_body(overrides: Value) -> Value {
    let mut body = json!({
        "title": "Sprechstunde Bürgerbeteiligung",
        "description": "Fragen zu Beteiligungsformaten im Quartier.",
        "fieldsOfAction": ["activation-participation"],
        "format": "online",
        "location": "https://meet.example.org/raum-1",
        "slotMinutes": 60,
        "seats": 1,
        "minNoticeMinutes": 0,
        "maxAdvanceDays": 14,
        "cancelDeadlineMinutes": 0,
        "availability": every_day("00:00", "23:00"),
    });
    if let (Some(body), Some(overrides)) = (body.as_object_mut(), overrides.as_object()) {
        for (key, value) in overrides {
            body.insert(key.clone(), value.clone());
        }
    }
    body
}

impl TestApp {
    /// A signed-in consultant of a new member organisation.
    pub async fn consultant(&self) -> TestUser {
        let organisation = self
            .organisation(&format!("Verein {}", Uuid::now_v7()))
            .await;
        self.user_in(&[Role::Consultant], Some(organisation), None)
            .await
    }

    /// A signed-in learner of `municipality`.
    pub async fn learner(&self, municipality: Uuid) -> TestUser {
        self.user_in(&[Role::Learner], None, Some(municipality))
            .await
    }

    /// A new municipality with a unique, valid AGS.
    pub async fn some_municipality(&self) -> Uuid {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed) % 1_000;
        let ags = format!("06414{n:03}");
        self.municipality(&format!("Gemeinde {}", Uuid::now_v7()), &ags)
            .await
    }

    /// Publishes [`offer_body`]`(overrides)` as `consultant`; asserts 201.
    pub async fn offer(&self, consultant: &TestUser, overrides: Value) -> Value {
        let response = self
            .authed(
                Method::POST,
                "/api/v1/consultation-offers",
                &consultant.access,
            )
            .json(&offer_body(overrides))
            .send()
            .await
            .expect("request sent");
        json_body(response, StatusCode::CREATED).await
    }

    /// The first 100 slots of an offer (free ones, or all with `include_full`).
    pub async fn slots(&self, offer_id: &str, include_full: bool) -> Vec<Value> {
        let response = self
            .get(&format!(
                "/api/v1/consultation-slots?offer={offer_id}&limit=100&includeFull={include_full}"
            ))
            .await;
        json_body(response, StatusCode::OK).await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `POST /consultation-slots/{slot}/bookings` as `learner`, with an optional
    /// `Idempotency-Key`.
    pub async fn book(&self, learner: &TestUser, slot_id: &str, key: Option<&str>) -> Response {
        let mut request = self
            .authed(
                Method::POST,
                &format!("/api/v1/consultation-slots/{slot_id}/bookings"),
                &learner.access,
            )
            .json(&json!({"concern": "Wir planen einen Quartiersrat."}));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("request sent")
    }

    /// `POST /consultation-bookings/{id}/{action}` with an optional JSON body.
    pub async fn booking_action(
        &self,
        user: &TestUser,
        id: &str,
        action: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.authed(
            Method::POST,
            &format!("/api/v1/consultation-bookings/{id}/{action}"),
            &user.access,
        );
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }
}

/// The properties (`NAME;PARAM=value` → value, unfolded) of each VEVENT of an iCalendar
/// text, parsed with an independent parser, by UID.
pub fn events_of(ics: &str) -> HashMap<String, HashMap<String, String>> {
    calendar_of(ics)
        .1
        .into_iter()
        .map(|event| (event["UID"].clone(), event))
        .collect()
}

/// The properties of the first VEVENT of an iCalendar text, with the calendar's own
/// properties as `CAL:NAME` (e.g. `CAL:METHOD`).
pub fn event_of(ics: &str) -> HashMap<String, String> {
    let (calendar, events) = calendar_of(ics);
    let mut out = events.into_iter().next().expect("a VEVENT");
    out.extend(calendar.into_iter().map(|(k, v)| (format!("CAL:{k}"), v)));
    out
}

fn calendar_of(ics: &str) -> (HashMap<String, String>, Vec<HashMap<String, String>>) {
    let unfolded = icalendar::parser::unfold(ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
    let properties = |list: &[icalendar::parser::Property<'_>]| {
        list.iter()
            .map(|property| {
                let mut name = property.name.to_string();
                for parameter in &property.params {
                    let value = parameter.val.as_ref().map(|v| v.to_string());
                    name.push_str(&format!(";{}={}", parameter.key, value.unwrap_or_default()));
                }
                (name, property.val.to_string())
            })
            .collect::<HashMap<_, _>>()
    };
    let events = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .map(|c| properties(&c.properties))
        .collect();
    (properties(&calendar.properties), events)
}

/// `2026-12-01T10:00:00+01:00` → `20261201T100000`: the wall time of a DTSTART with TZID.
pub fn wall_time(rfc3339: &str) -> String {
    rfc3339[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect()
}
