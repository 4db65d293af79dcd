//! `/consultation-offers` and `/consultation-slots`: publishing with its rights and
//! validation, local time across the changes to and from summer time, conditional reads
//! and writes, slot upkeep when hours change, overlap refused by the API and by the
//! database, filters, and archiving.

use academy_auth::Role;
use academy_tests::*;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

const OFFERS: &str = "/api/v1/consultation-offers";

fn offer_path(id: &str) -> String {
    format!("{OFFERS}/{id}")
}

/// `method path` with an optional bearer token and JSON body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let mut request = app.request(method, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request sent")
}

/// `path?name=value&…`, the values percent-encoded (so offsets keep their `+`).
fn with_query<V: AsRef<str>>(path: &str, query: &[(&str, V)]) -> String {
    let encoded: Vec<String> = query
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .as_ref()
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(b).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{name}={value}")
        })
        .collect();
    format!("{path}?{}", encoded.join("&"))
}

/// An anonymous `GET path` with query parameters; asserts 200.
async fn list(app: &TestApp, path: &str, query: &[(&str, String)]) -> Value {
    json_body(app.get(&with_query(path, query)).await, StatusCode::OK).await
}

/// The ids of a page's items.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Rows in a table, counted straight in the database.
async fn rows(app: &TestApp, table: &str) -> i64 {
    app.db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn utc_text(local: &str) -> String {
    instant(local)
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The UTC offset of Berlin at `t` by the EU rule (summer time from 01:00 UTC on the last
/// Sunday of March to 01:00 UTC on the last Sunday of October), worked out here rather
/// than with the application's time zone database.
fn berlin_offset_seconds(t: DateTime<Utc>) -> i32 {
    let last_sunday = |month: u32| {
        let mut day = NaiveDate::from_ymd_opt(t.year(), month, 31).unwrap();
        while day.weekday() != Weekday::Sun {
            day = day.pred_opt().unwrap();
        }
        Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap())
    };
    if last_sunday(3) <= t && t < last_sunday(10) {
        7200
    } else {
        3600
    }
}

fn local_hour(slot: &Value) -> u32 {
    use chrono::Timelike;
    instant(slot["startsAt"].as_str().unwrap()).hour()
}

on_both_backends! {
    async fn a_published_offer_is_public_without_its_location_and_lists_berlin_slots(app: TestApp) {
        let consultant = app.consultant().await;

        let response = send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&offer_body(json!({"seats": 3})))).await;
        let location = header(&response, "location");
        let etag = header(&response, "etag");
        let created = json_body(response, StatusCode::CREATED).await;
        let id = created["id"].as_str().unwrap();
        assert_eq!(location, offer_path(id));
        assert_eq!(created["consultantId"], consultant.id.to_string());
        assert_eq!(created["status"], "active");
        assert_eq!(created["location"], "https://meet.example.org/raum-1");

        let public = app.get(&location).await;
        assert_eq!(header(&public, "etag"), etag);
        let public = json_body(public, StatusCode::OK).await;
        assert_eq!(public["title"], "Sprechstunde Bürgerbeteiligung");
        assert_eq!(public["fieldsOfAction"], json!(["activation-participation"]));
        assert_eq!(public["seats"], 3);
        assert!(public.get("location").is_none(), "anonymous callers see no location: {public}");
        let learner = app.learner(app.some_municipality().await).await;
        let as_learner = json_body(send(&app, Method::GET, &location, Some(&learner.access), None).await, StatusCode::OK).await;
        assert!(as_learner.get("location").is_none(), "{as_learner}");
        let own = json_body(send(&app, Method::GET, &location, Some(&consultant.access), None).await, StatusCode::OK).await;
        assert_eq!(own["location"], "https://meet.example.org/raum-1");

        let cached = app.request(Method::GET, &location).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let other = app.request(Method::GET, &location).header("if-none-match", "\"v999\"").send().await.unwrap();
        assert_eq!(other.status(), StatusCode::OK);

        let page = list(&app, "/api/v1/consultation-slots", &[("offer", id.to_owned()), ("limit", "100".into())]).await;
        // Hourly from 00:00 to 23:00 local on each of the next 14 days.
        assert!(page["total"].as_u64().unwrap() >= 13 * 23, "{}", page["total"]);
        let slots = page["items"].as_array().unwrap();
        assert_eq!(slots.len(), 100);
        let now = Utc::now();
        let mut previous: Option<DateTime<Utc>> = None;
        for slot in slots {
            let text = slot["startsAt"].as_str().unwrap();
            let starts_at = instant(text);
            let ends_at = instant(slot["endsAt"].as_str().unwrap());
            let utc = starts_at.with_timezone(&Utc);
            assert_eq!(text, starts_at.format("%Y-%m-%dT%H:%M:%S%:z").to_string(), "RFC 3339 with offset");
            assert_eq!(starts_at.offset().local_minus_utc(), berlin_offset_seconds(utc), "{text}");
            assert_eq!(ends_at.offset().local_minus_utc(), berlin_offset_seconds(ends_at.with_timezone(&Utc)));
            assert_eq!(ends_at - starts_at, Duration::minutes(60));
            assert!(local_hour(slot) <= 22, "{text}");
            assert!(utc > now, "{text}");
            assert!(previous.is_none_or(|p| p < utc), "soonest first");
            previous = Some(utc);
            assert_eq!(slot["remainingSeats"], 3);
            assert_eq!(slot["capacity"], 3);
            assert_eq!(slot["offerId"], id);
            assert_eq!(slot["consultantId"], consultant.id.to_string());
        }
        let one = json_body(app.get(&format!("/api/v1/consultation-slots/{}", slots[0]["id"].as_str().unwrap())).await, StatusCode::OK).await;
        assert_eq!(one["startsAt"], slots[0]["startsAt"]);
    }
}

/// The next change of the clocks in `month` (3 or 10) whose surrounding Tuesdays are both
/// bookable within a year from now: (Tuesday before, Tuesday after).
fn next_change(month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let today = Utc::now().date_naive();
    (today.year()..=today.year() + 1).find_map(|year| {
        let mut sunday = NaiveDate::from_ymd_opt(year, month, 31).unwrap();
        while sunday.weekday() != Weekday::Sun {
            sunday = sunday.pred_opt().unwrap();
        }
        let (before, after) = (
            sunday - chrono::Duration::days(5),
            sunday + chrono::Duration::days(2),
        );
        (before > today + chrono::Duration::days(1) && after < today + chrono::Duration::days(364))
            .then_some((before, after))
    })
}

on_both_backends! {
    async fn weekly_hours_keep_their_local_time_across_the_daylight_saving_changes(app: TestApp) {
        // Tuesdays 10:00–11:00 around the next change to summer time (last Sunday of March)
        // and back (last Sunday of October), whichever fall within the booking year.
        let changes: Vec<(NaiveDate, NaiveDate, &str, &str)> = [(3, "+01:00", "+02:00"), (10, "+02:00", "+01:00")]
            .into_iter()
            .filter_map(|(month, before, after)| next_change(month).map(|(b, a)| (b, a, before, after)))
            .collect();
        assert!(!changes.is_empty(), "at least one change is always within a year");
        let weekly: Vec<Value> = changes.iter().map(|(before, after, _, _)| json!({
            "weekday": "tuesday", "start": "10:00", "end": "11:00",
            "validFrom": before.to_string(), "validUntil": after.to_string(),
        })).collect();
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"maxAdvanceDays": 365, "availability": {"weekly": weekly}})).await;
        let id = offer["id"].as_str().unwrap();

        let mut slots = app.slots(id, true).await;
        slots.sort_by_key(|s| instant(s["startsAt"].as_str().unwrap()));
        let mut expected: Vec<(String, String, String)> = Vec::new();
        for (before, after, offset_before, offset_after) in &changes {
            for (day, offset) in [(before, offset_before), (after, offset_after)] {
                let local = format!("{day}T10:00:00{offset}");
                let end = format!("{day}T11:00:00{offset}");
                let utc = utc_text(&local);
                expected.push((local, end, utc));
            }
        }
        expected.sort_by_key(|(_, _, utc)| utc.clone());
        let got: Vec<(String, String, String)> = slots.iter().map(|s| {
            let start = s["startsAt"].as_str().unwrap().to_owned();
            (start.clone(), s["endsAt"].as_str().unwrap().to_owned(), utc_text(&start))
        }).collect();
        assert_eq!(got, expected);
        // Summer time is UTC+2, winter time UTC+1, by the EU rule worked out independently.
        for (local, _, _) in &got {
            let t = instant(local);
            assert_eq!(t.offset().local_minus_utc(), berlin_offset_seconds(t.with_timezone(&Utc)), "{local}");
        }

        // The time filter speaks instants in any offset: from the day after the first
        // change's Tuesday before, in UTC, only later slots come.
        let (before, _, _, _) = changes[0];
        let from = format!("{}T00:00:00Z", before + chrono::Duration::days(1));
        let later = list(&app, "/api/v1/consultation-slots", &[("offer", id.to_owned()), ("from", from)]).await;
        assert_eq!(later["total"].as_u64().unwrap() as usize, got.len() - 1);
    }
}

on_both_backends! {
    async fn invalid_offers_are_refused_with_the_field_and_nothing_is_stored(app: TestApp) {
        let consultant = app.consultant().await;
        let cases = [
            (json!({"slotMinutes": 2}), "slotMinutes", "out_of_range"),
            (json!({"availability": {"weekly": [{"weekday": "monday", "start": "10:00", "end": "25:00"}]}}), "availability.weekly[0].end", "invalid_time"),
            (json!({"fieldsOfAction": ["no-such-field"]}), "fieldsOfAction[0]", "unknown"),
            (json!({"location": "Raum 3"}), "location", "invalid_url"),
            (json!({"format": "phone", "location": "bitte anrufen"}), "location", "invalid_phone"),
            (json!({"colour": "blau"}), "colour", "unknown_field"),
        ];

        for (overrides, field, code) in cases {
            let response = send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&offer_body(overrides.clone()))).await;
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{overrides}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{overrides}: {body}");
            assert_eq!(body["errors"][0]["code"], code, "{overrides}: {body}");
        }
        // Several problems are reported together.
        let response = send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&offer_body(json!({"seats": 0, "bufferMinutes": 500})))).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["seats", "bufferMinutes"]);

        assert_eq!(list(&app, OFFERS, &[]).await["total"], 0);
        assert_eq!(rows(&app, "consultation_offers").await, 0);
        assert_eq!(rows(&app, "consultation_slots").await, 0);
        // The same consultant's valid offer is stored, so the counts above could see one.
        app.offer(&consultant, json!({})).await;
        assert_eq!(list(&app, OFFERS, &[]).await["total"], 1);
        assert_eq!(rows(&app, "consultation_offers").await, 1);
    }
}

on_both_backends! {
    async fn publishing_needs_a_consultant_or_a_coordinator_naming_one(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let consultant = app.user_in(&[Role::Consultant], Some(organisation), None).await;
        let colleague = app.consultant().await;
        let learner = app.learner(app.some_municipality().await).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let body = offer_body(json!({}));

        problem(send(&app, Method::POST, OFFERS, None, Some(&body)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(send(&app, Method::POST, OFFERS, Some(&learner.access), Some(&body)).await, StatusCode::FORBIDDEN, "forbidden").await;
        let for_colleague = offer_body(json!({"consultantId": colleague.id}));
        problem(send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&for_colleague)).await, StatusCode::FORBIDDEN, "forbidden").await;
        let refused = problem(send(&app, Method::POST, OFFERS, Some(&coordinator.access), Some(&body)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(refused["errors"][0]["field"], "consultantId");
        assert_eq!(refused["errors"][0]["code"], "required");
        let for_learner = offer_body(json!({"consultantId": learner.id}));
        let refused = problem(send(&app, Method::POST, OFFERS, Some(&coordinator.access), Some(&for_learner)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(refused["errors"][0]["code"], "not_a_consultant");
        assert_eq!(rows(&app, "consultation_offers").await, 0);

        let for_consultant = offer_body(json!({"consultantId": consultant.id}));
        let created = json_body(send(&app, Method::POST, OFFERS, Some(&coordinator.access), Some(&for_consultant)).await, StatusCode::CREATED).await;

        assert_eq!(created["consultantId"], consultant.id.to_string());
        assert_eq!(created["organisationId"], organisation.to_string());
        let slots = app.slots(created["id"].as_str().unwrap(), false).await;
        assert!(!slots.is_empty());
        assert!(slots.iter().all(|s| s["consultantId"] == consultant.id.to_string()));
        // It is the consultant's own: they may change it.
        let own = app.authed(Method::GET, &offer_path(created["id"].as_str().unwrap()), &consultant.access).send().await.unwrap();
        let etag = header(&own, "etag");
        let changed = app.authed(Method::PUT, &offer_path(created["id"].as_str().unwrap()), &consultant.access)
            .header("if-match", etag)
            .json(&offer_body(json!({"title": "Von der Geschäftsstelle angelegt"})))
            .send().await.unwrap();
        assert_eq!(json_body(changed, StatusCode::OK).await["title"], "Von der Geschäftsstelle angelegt");
    }
}

on_both_backends! {
    async fn only_the_offers_consultant_or_a_coordinator_changes_or_archives_it(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let path = offer_path(offer["id"].as_str().unwrap());
        let etag = header(&app.get(&path).await, "etag");
        let change = offer_body(json!({"title": "Übernommen"}));
        let colleague = app.consultant().await;
        let learner = app.learner(app.some_municipality().await).await;

        for stranger in [&colleague, &learner] {
            let put = app.authed(Method::PUT, &path, &stranger.access).header("if-match", &etag).json(&change).send().await.unwrap();
            problem(put, StatusCode::FORBIDDEN, "forbidden").await;
            problem(send(&app, Method::POST, &format!("{path}/archive"), Some(&stranger.access), None).await, StatusCode::FORBIDDEN, "forbidden").await;
        }
        problem(app.request(Method::PUT, &path).header("if-match", &etag).json(&change).send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(send(&app, Method::POST, &format!("{path}/archive"), None, None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;

        let unchanged = app.get(&path).await;
        assert_eq!(header(&unchanged, "etag"), etag);
        let unchanged = json_body(unchanged, StatusCode::OK).await;
        assert_eq!(unchanged["title"], "Sprechstunde Bürgerbeteiligung");
        assert_eq!(unchanged["status"], "active");

        let coordinator = app.user(&[Role::Coordinator]).await;
        let put = app.authed(Method::PUT, &path, &coordinator.access).header("if-match", &etag).json(&change).send().await.unwrap();
        assert_eq!(json_body(put, StatusCode::OK).await["title"], "Übernommen");
    }
}

on_both_backends! {
    async fn an_archived_offer_is_seen_only_by_whoever_manages_it(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let id = offer["id"].as_str().unwrap();
        let path = offer_path(id);
        let colleague = app.consultant().await;
        let coordinator = app.user(&[Role::Coordinator]).await;

        assert_eq!(send(&app, Method::POST, &format!("{path}/archive"), Some(&consultant.access), None).await.status(), StatusCode::OK);

        problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &path, Some(&colleague.access), None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::POST, &format!("{path}/archive"), Some(&colleague.access), None).await, StatusCode::NOT_FOUND, "not_found").await;
        let own = json_body(send(&app, Method::GET, &path, Some(&consultant.access), None).await, StatusCode::OK).await;
        assert_eq!(own["status"], "archived");
        // Archiving is not deleting: the offer is still there for its managers, so DELETE
        // is no method of it (before, DELETE archived and the "deleted" offer stayed).
        let delete = send(&app, Method::DELETE, &path, Some(&consultant.access), None).await;
        assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
        let seen = json_body(send(&app, Method::GET, &path, Some(&coordinator.access), None).await, StatusCode::OK).await;
        assert_eq!(seen["status"], "archived");
        problem(send(&app, Method::POST, &format!("{path}/archive"), Some(&consultant.access), None).await, StatusCode::CONFLICT, "already_archived").await;

        // Listed only for its manager, and only when asked for.
        assert_eq!(list(&app, OFFERS, &[]).await["total"], 0);
        assert_eq!(list(&app, OFFERS, &[("includeArchived", "true".into())]).await["total"], 0);
        let mine = json_body(
            app.authed(Method::GET, &format!("{OFFERS}?includeArchived=true"), &consultant.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        assert_eq!(ids(&mine), [id]);
        let theirs = json_body(
            app.authed(Method::GET, &format!("{OFFERS}?includeArchived=true"), &colleague.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        assert_eq!(theirs["total"], 0);
    }
}

on_both_backends! {
    async fn replacing_an_offer_needs_the_current_etag(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let path = offer_path(offer["id"].as_str().unwrap());
        let etag = header(&app.get(&path).await, "etag");
        let change = offer_body(json!({"title": "Sprechstunde Quartiersmanagement"}));

        let missing = app.authed(Method::PUT, &path, &consultant.access).json(&change).send().await.unwrap();
        problem(missing, StatusCode::PRECONDITION_REQUIRED, "precondition_required").await;
        let stale = app.authed(Method::PUT, &path, &consultant.access).header("if-match", "\"v0\"").json(&change).send().await.unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let untouched = app.get(&path).await;
        assert_eq!(header(&untouched, "etag"), etag);
        assert_eq!(json_body(untouched, StatusCode::OK).await["title"], "Sprechstunde Bürgerbeteiligung");

        let response = app.authed(Method::PUT, &path, &consultant.access).header("if-match", &etag).json(&change).send().await.unwrap();
        let new_etag = header(&response, "etag");
        let changed = json_body(response, StatusCode::OK).await;

        assert_eq!(changed["title"], "Sprechstunde Quartiersmanagement");
        assert_ne!(new_etag, etag, "the version moves on");
        let read = app.get(&path).await;
        assert_eq!(header(&read, "etag"), new_etag);
        assert_eq!(json_body(read, StatusCode::OK).await["title"], "Sprechstunde Quartiersmanagement");
        // The first ETag is stale now.
        let again = app.authed(Method::PUT, &path, &consultant.access).header("if-match", &etag).json(&change).send().await.unwrap();
        problem(again, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    }
}

on_both_backends! {
    async fn narrower_hours_remove_free_slots_but_keep_a_booked_one(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let id = offer["id"].as_str().unwrap();
        let path = offer_path(id);
        let before = app.slots(id, false).await;
        let booked_slot = before.iter().find(|s| !(9..=12).contains(&local_hour(s))).unwrap().clone();
        let ten_oclock = before.iter().find(|s| local_hour(s) == 10).unwrap().clone();
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, booked_slot["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let etag = header(&app.get(&path).await, "etag");

        let response = app.authed(Method::PUT, &path, &consultant.access)
            .header("if-match", &etag)
            .json(&offer_body(json!({"availability": every_day("10:00", "12:00")})))
            .send().await.unwrap();
        json_body(response, StatusCode::OK).await;

        let after = app.slots(id, true).await;
        assert!(after.len() >= 13 * 2, "{}", after.len());
        let outside: Vec<&Value> = after.iter().filter(|s| ![10, 11].contains(&local_hour(s))).collect();
        assert_eq!(outside.len(), 1, "only the booked slot is left outside the new hours: {outside:?}");
        assert_eq!(outside[0]["id"], booked_slot["id"]);
        assert_eq!(outside[0]["startsAt"], booked_slot["startsAt"]);
        assert!(after.iter().any(|s| s["id"] == ten_oclock["id"]), "a free slot that still fits stays as it was");
        assert!(after.iter().any(|s| local_hour(s) == 11));
        // The booking is untouched, and its full slot is not offered as free.
        let seen = json_body(
            app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{}", booking["id"].as_str().unwrap()), &learner.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        assert_eq!(seen["status"], "confirmed");
        assert_eq!(seen["slotId"], booked_slot["id"]);
        assert!(app.slots(id, false).await.iter().all(|s| s["id"] != booked_slot["id"]));
    }
}

on_both_backends! {
    async fn publishing_overlapping_hours_returns_409(app: TestApp) {
        let consultant = app.consultant().await;
        let first = app.offer(&consultant, json!({})).await;
        let slots_before = rows(&app, "consultation_slots").await;

        let second = offer_body(json!({"title": "Zweite Sprechstunde", "fieldsOfAction": ["housing"], "availability": every_day("09:00", "10:00")}));
        let response = send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&second)).await;
        problem(response, StatusCode::CONFLICT, "slot_overlap").await;

        assert_eq!(rows(&app, "consultation_offers").await, 1);
        assert_eq!(rows(&app, "consultation_offer_fields").await, 1);
        assert_eq!(rows(&app, "consultation_slots").await, slots_before);
        let listed = list(&app, OFFERS, &[("consultant", consultant.id.to_string())]).await;
        assert_eq!(ids(&listed), [first["id"].as_str().unwrap()]);

        // Hours that do not overlap are fine, and so are the same hours of someone else.
        app.offer(&consultant, json!({"slotMinutes": 30, "availability": every_day("23:00", "23:59")})).await;
        app.offer(&app.consultant().await, json!({"availability": every_day("09:00", "10:00")})).await;
        assert_eq!(rows(&app, "consultation_offers").await, 3);
    }
}

on_both_backends! {
    async fn the_database_itself_refuses_overlapping_slots(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let offer_id = offer["id"].as_str().unwrap();
        let slot = &app.slots(offer_id, false).await[0];
        let starts_at = instant(slot["startsAt"].as_str().unwrap()).with_timezone(&Utc);
        let insert = |id: Uuid, from: DateTime<Utc>, until: DateTime<Utc>| match app.backend {
            Backend::Postgres => format!(
                "INSERT INTO consultation_slots (id, offer_id, consultant_id, starts_at, ends_at, blocked_until, capacity, booked, held) \
                 VALUES ('{id}', '{offer_id}', '{}', '{}', '{}', '{}', 1, 0, 0)",
                consultant.id,
                from.format("%Y-%m-%d %H:%M:%S+00:00"),
                until.format("%Y-%m-%d %H:%M:%S+00:00"),
                until.format("%Y-%m-%d %H:%M:%S+00:00"),
            ),
            Backend::Sqlite => format!(
                "INSERT INTO consultation_slots (id, offer_id, consultant_id, starts_at, ends_at, blocked_until, capacity, booked, held) \
                 VALUES (x'{}', x'{}', x'{}', '{}', '{}', '{}', 1, 0, 0)",
                id.simple(),
                offer_id.replace('-', ""),
                consultant.id.simple(),
                from.format("%Y-%m-%dT%H:%M:%S+00:00"),
                until.format("%Y-%m-%dT%H:%M:%S+00:00"),
                until.format("%Y-%m-%dT%H:%M:%S+00:00"),
            ),
        };

        // Half an hour into an existing slot.
        let overlapping = insert(Uuid::now_v7(), starts_at + Duration::minutes(30), starts_at + Duration::minutes(90));
        let error = app.db.execute_unprepared(&overlapping).await.expect_err("an overlapping slot is refused");
        assert!(error.to_string().contains("consultation_slot_overlap"), "{error}");

        // The same statement elsewhere in time is accepted …
        let far_away = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
        let spare = Uuid::now_v7();
        app.db.execute_unprepared(&insert(spare, far_away, far_away + Duration::hours(1))).await.expect("a slot without overlap is stored");
        // … and moving it onto an existing slot is refused as well.
        let (from, until) = (starts_at + Duration::minutes(59), starts_at + Duration::minutes(119));
        let update = match app.backend {
            Backend::Postgres => format!(
                "UPDATE consultation_slots SET starts_at = '{}', ends_at = '{}', blocked_until = '{}' WHERE id = '{spare}'",
                from.format("%Y-%m-%d %H:%M:%S+00:00"), until.format("%Y-%m-%d %H:%M:%S+00:00"), until.format("%Y-%m-%d %H:%M:%S+00:00"),
            ),
            Backend::Sqlite => format!(
                "UPDATE consultation_slots SET starts_at = '{}', ends_at = '{}', blocked_until = '{}' WHERE id = x'{}'",
                from.format("%Y-%m-%dT%H:%M:%S+00:00"), until.format("%Y-%m-%dT%H:%M:%S+00:00"), until.format("%Y-%m-%dT%H:%M:%S+00:00"), spare.simple(),
            ),
        };
        let error = app.db.execute_unprepared(&update).await.expect_err("moving onto a slot is refused");
        assert!(error.to_string().contains("consultation_slot_overlap"), "{error}");
    }
}

on_both_backends! {
    async fn offers_and_slots_filter_by_field_format_consultant_organisation_and_time(app: TestApp) {
        let online_consultant = app.consultant().await;
        let phone_consultant = app.consultant().await;
        let online = app.offer(&online_consultant, json!({})).await;
        let day = (Utc::now() + Duration::days(40)).date_naive();
        let phone = app.offer(&phone_consultant, json!({
            "fieldsOfAction": ["housing"],
            "format": "phone",
            "location": "+49 611 123456",
            "maxAdvanceDays": 60,
            "personLimit": 2,
            "availability": {"extra": [{"date": day.to_string(), "start": "10:00", "end": "12:00"}]},
        })).await;
        let online_id = online["id"].as_str().unwrap();
        let phone_id = phone["id"].as_str().unwrap();
        let day_start = format!("{day}T00:00:00Z");
        let day_end = format!("{}T00:00:00Z", day.succ_opt().unwrap());
        let soon_from = (Utc::now() + Duration::days(1)).to_rfc3339();
        let soon_to = (Utc::now() + Duration::days(3)).to_rfc3339();

        let offers = |query: &'static [(&'static str, &'static str)]| {
            let query: Vec<(&str, String)> = query.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            let app = &app;
            async move { ids(&list(app, OFFERS, &query).await) }
        };
        assert_eq!(list(&app, OFFERS, &[]).await["total"], 2);
        assert_eq!(offers(&[("fieldOfAction", "housing")]).await, [phone_id]);
        assert_eq!(offers(&[("fieldOfAction", "activation-participation")]).await, [online_id]);
        assert_eq!(offers(&[("fieldOfAction", "public-spaces")]).await, Vec::<String>::new());
        assert_eq!(offers(&[("format", "phone")]).await, [phone_id]);
        assert_eq!(offers(&[("format", "online")]).await, [online_id]);
        assert_eq!(ids(&list(&app, OFFERS, &[("consultant", online_consultant.id.to_string())]).await), [online_id]);
        assert_eq!(ids(&list(&app, OFFERS, &[("organisation", phone["organisationId"].as_str().unwrap().to_owned())]).await), [phone_id]);
        assert_eq!(ids(&list(&app, OFFERS, &[("from", soon_from.clone()), ("to", soon_to.clone())]).await), [online_id]);
        assert_eq!(ids(&list(&app, OFFERS, &[("from", day_start.clone()), ("to", day_end.clone())]).await), [phone_id]);

        let slots = |query: Vec<(&'static str, String)>| {
            let app = &app;
            async move { list(app, "/api/v1/consultation-slots", &[query, vec![("limit", "100".into())]].concat()).await }
        };
        let of_phone = slots(vec![("offer", phone_id.to_owned())]).await;
        assert_eq!(of_phone["total"], 2);
        let phone_slots = ids(&of_phone);
        assert_eq!(ids(&slots(vec![("consultant", phone_consultant.id.to_string())]).await), phone_slots);
        assert_eq!(ids(&slots(vec![("fieldOfAction", "housing".into())]).await), phone_slots);
        assert_eq!(ids(&slots(vec![("format", "phone".into())]).await), phone_slots);
        assert_eq!(ids(&slots(vec![("organisation", phone["organisationId"].as_str().unwrap().to_owned())]).await), phone_slots);
        assert_eq!(ids(&slots(vec![("from", day_start.clone()), ("to", day_end.clone())]).await), phone_slots);
        let of_online = slots(vec![("consultant", online_consultant.id.to_string())]).await;
        assert!(of_online["items"].as_array().unwrap().iter().all(|s| s["offerId"] == online_id));
        assert_eq!(of_online["total"], slots(vec![("offer", online_id.to_owned())]).await["total"]);
        let online_slots = of_online["items"].as_array().unwrap();
        // [from, to): the start of the fourth slot is not included.
        let window = slots(vec![
            ("offer", online_id.to_owned()),
            ("from", online_slots[5]["startsAt"].as_str().unwrap().to_owned()),
            ("to", online_slots[8]["startsAt"].as_str().unwrap().to_owned()),
        ]).await;
        let expected: Vec<String> = online_slots[5..8].iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids(&window), expected);

        // An offer whose slots in the period are all taken is not found by time.
        let learner = app.learner(app.some_municipality().await).await;
        for slot in &phone_slots {
            json_body(app.book(&learner, slot, None).await, StatusCode::CREATED).await;
        }
        assert_eq!(list(&app, OFFERS, &[("from", day_start.clone()), ("to", day_end.clone())]).await["total"], 0);
        assert_eq!(slots(vec![("offer", phone_id.to_owned())]).await["total"], 0);
        assert_eq!(slots(vec![("offer", phone_id.to_owned()), ("includeFull", "true".into())]).await["total"], 2);
        assert_eq!(list(&app, OFFERS, &[("format", "phone".into())]).await["total"], 1, "still listed without a time filter");

        for path in [OFFERS, "/api/v1/consultation-slots"] {
            for limit in ["0", "101"] {
                let response = app.get(&with_query(path, &[("limit", limit)])).await;
                let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
                assert_eq!(body["errors"][0]["field"], "limit");
            }
        }
    }
}

on_both_backends! {
    async fn archiving_waits_for_open_bookings_and_then_hides_the_offer_and_its_slots(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let id = offer["id"].as_str().unwrap();
        let path = offer_path(id);
        let slots = app.slots(id, false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, slots[0]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;

        problem(send(&app, Method::POST, &format!("{path}/archive"), Some(&consultant.access), None).await, StatusCode::CONFLICT, "open_bookings").await;
        assert_eq!(list(&app, OFFERS, &[]).await["total"], 1);
        let free = list(&app, "/api/v1/consultation-slots", &[("offer", id.to_owned())]).await["total"].as_u64().unwrap();
        assert!(free > 0);

        json_body(app.booking_action(&learner, booking["id"].as_str().unwrap(), "cancel", None).await, StatusCode::OK).await;
        assert_eq!(send(&app, Method::POST, &format!("{path}/archive"), Some(&consultant.access), None).await.status(), StatusCode::OK);

        assert_eq!(list(&app, OFFERS, &[]).await["total"], 0);
        assert_eq!(list(&app, "/api/v1/consultation-slots", &[("offer", id.to_owned()), ("includeFull", "true".into())]).await["total"], 0);
        assert_eq!(list(&app, "/api/v1/consultation-slots", &[("consultant", consultant.id.to_string())]).await["total"], 0);
        problem(app.get(&format!("/api/v1/consultation-slots/{}", slots[1]["id"].as_str().unwrap())).await, StatusCode::NOT_FOUND, "not_found").await;
        let other = app.learner(app.some_municipality().await).await;
        problem(app.book(&other, slots[1]["id"].as_str().unwrap(), None).await, StatusCode::NOT_FOUND, "not_found").await;
        // Free slots are gone, not just hidden, the one of the cancelled booking too.
        assert_eq!(rows(&app, "consultation_slots").await, 0);
    }
}

on_both_backends! {
    async fn a_slot_whose_booking_was_cancelled_goes_with_the_hours(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let id = offer["id"].as_str().unwrap();
        let path = offer_path(id);
        let outside = app.slots(id, false).await.into_iter().find(|s| !(10..=11).contains(&local_hour(s))).unwrap();
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, outside["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let booking_id = booking["id"].as_str().unwrap();
        json_body(app.booking_action(&learner, booking_id, "cancel", None).await, StatusCode::OK).await;

        // Narrower hours: the freed slot outside them is no longer offered …
        let etag = header(&app.get(&path).await, "etag");
        let response = app.authed(Method::PUT, &path, &consultant.access)
            .header("if-match", &etag)
            .json(&offer_body(json!({"availability": every_day("10:00", "12:00")})))
            .send().await.unwrap();
        json_body(response, StatusCode::OK).await;
        let after = app.slots(id, true).await;
        assert!(after.iter().all(|s| s["id"] != outside["id"]), "the withdrawn slot is gone");
        assert!(after.iter().all(|s| [10, 11].contains(&local_hour(s))));
        // … and the cancelled booking keeps its times.
        let seen = json_body(
            app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{booking_id}"), &learner.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        assert_eq!(seen["status"], "cancelled");
        assert_eq!(seen["slotId"], Value::Null);
        assert_eq!(seen["startsAt"], outside["startsAt"]);

        // Archived, its hours are free for a new offer of the same consultant.
        let archived = app.authed(Method::POST, &format!("{path}/archive"), &consultant.access).send().await.unwrap();
        assert_eq!(json_body(archived, StatusCode::OK).await["status"], "archived");
        app.offer(&consultant, json!({"title": "Neue Sprechstunde"})).await;
    }
}

on_both_backends! {
    async fn an_offer_that_would_make_too_many_slots_is_refused_and_a_large_one_edits_fine(app: TestApp) {
        let consultant = app.consultant().await;
        // Five-minute slots around the clock for a year: about 105,000 slots.
        let huge = offer_body(json!({"slotMinutes": 5, "maxAdvanceDays": 365, "availability": every_day("00:00", "23:55")}));
        let response = send(&app, Method::POST, OFFERS, Some(&consultant.access), Some(&huge)).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "availability", "{body}");
        assert_eq!(body["errors"][0]["code"], "too_many_slots", "{body}");
        assert_eq!(rows(&app, "consultation_offers").await, 0);
        assert_eq!(rows(&app, "consultation_slots").await, 0);

        // Just below the bound: 30-minute slots, 23 hours a day, 100 days.
        let large = app.offer(&consultant, json!({"slotMinutes": 30, "maxAdvanceDays": 100, "availability": every_day("00:00", "23:00")})).await;
        let created = rows(&app, "consultation_slots").await;
        assert!((4_500..=5_000).contains(&created), "{created}");
        let path = offer_path(large["id"].as_str().unwrap());
        let etag = header(&app.get(&path).await, "etag");
        // The same offer stretched beyond the bound is refused, and nothing changes.
        let longer = offer_body(json!({"slotMinutes": 30, "maxAdvanceDays": 200, "availability": every_day("00:00", "23:00")}));
        let refused = app.authed(Method::PUT, &path, &consultant.access).header("if-match", &etag).json(&longer).send().await.unwrap();
        problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(rows(&app, "consultation_slots").await, created);
        // Shifting every slot by an hour replaces them all, quickly.
        let shifted = offer_body(json!({"slotMinutes": 30, "maxAdvanceDays": 100, "availability": every_day("01:00", "23:30")}));
        let started = std::time::Instant::now();
        let response = app.authed(Method::PUT, &path, &consultant.access).header("if-match", &etag).json(&shifted).send().await.unwrap();
        json_body(response, StatusCode::OK).await;
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
        let now = rows(&app, "consultation_slots").await;
        assert!((4_000..=5_000).contains(&now), "{now}");
        let listed = app.slots(large["id"].as_str().unwrap(), false).await;
        assert!(listed.iter().all(|s| local_hour(s) >= 1), "nothing left at midnight");
    }
}
