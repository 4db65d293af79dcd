//! `/me/calendar-feed` and `/calendar-feeds/{token}`, `/consultation-bookings/export` and
//! `/consultation-reports/bookings`: appointments leave the application as a subscribed
//! calendar, a spreadsheet and counts.

use std::collections::HashMap;

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

const FEED: &str = "/api/v1/me/calendar-feed";
const EXPORT: &str = "/api/v1/consultation-bookings/export";
const REPORT: &str = "/api/v1/consultation-reports/bookings";

/// The report's path for `from` and `to`, percent-encoded (offsets keep their `+`).
fn report(from: &str, to: &str) -> String {
    let encode = |text: &str| text.replace('+', "%2B").replace(':', "%3A");
    format!("{REPORT}?from={}&to={}", encode(from), encode(to))
}

/// Issues a feed for `user`; asserts 201 and returns the feed's path on this server.
async fn issue_feed(app: &TestApp, user: &TestUser) -> String {
    let response = app
        .authed(Method::POST, FEED, &user.access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("cache-control").unwrap(),
        "no-store",
        "the secret address is not cached"
    );
    let body = json_body(response, StatusCode::CREATED).await;
    assert!(body["issuedAt"].is_string(), "{body}");
    let url = body["url"].as_str().expect("the feed's address");
    let start = url
        .find("/api/v1/calendar-feeds/")
        .unwrap_or_else(|| panic!("a feed address: {url}"));
    let path = &url[start..];
    assert_eq!(
        url,
        format!("http://localhost:8080{path}"),
        "an absolute address under the configured public address"
    );
    assert!(
        path.len() > "/api/v1/calendar-feeds/".len() + 30,
        "a long secret token: {path}"
    );
    path.to_owned()
}

/// Fetches a feed without credentials; asserts 200 `text/calendar` and returns its events.
async fn read_feed(app: &TestApp, path: &str) -> HashMap<String, HashMap<String, String>> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/calendar"), "{content_type}");
    events_of(&response.text().await.unwrap())
}

/// A consultant's offer with one confirmed booking by a learner of a new municipality.
async fn booked(app: &TestApp) -> (TestUser, TestUser, Value) {
    let consultant = app.consultant().await;
    let offer = app.offer(&consultant, json!({})).await;
    let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
    let learner = app.learner(app.some_municipality().await).await;
    let booking = json_body(
        app.book(&learner, slots[2]["id"].as_str().unwrap(), None)
            .await,
        StatusCode::CREATED,
    )
    .await;
    (consultant, learner, booking)
}

on_both_backends! {
    async fn the_calendar_feed_serves_the_appointment_to_participant_and_consultant(app: TestApp) {
        let (consultant, learner, booking) = booked(&app).await;
        let uid = booking["calendarUid"].as_str().unwrap();
        let starts = wall_time(booking["startsAt"].as_str().unwrap());
        let ends = wall_time(booking["endsAt"].as_str().unwrap());

        let learners_feed = issue_feed(&app, &learner).await;
        let events = read_feed(&app, &learners_feed).await;

        assert_eq!(events.len(), 1, "{events:?}");
        let event = &events[uid];
        assert_eq!(event["DTSTART;TZID=Europe/Berlin"], starts);
        assert_eq!(event["DTEND;TZID=Europe/Berlin"], ends);
        assert_eq!(event["STATUS"], "CONFIRMED");
        assert_eq!(event["LOCATION"], "https://meet.example.org/raum-1");

        let consultants_feed = issue_feed(&app, &consultant).await;
        assert_ne!(consultants_feed, learners_feed);
        let events = read_feed(&app, &consultants_feed).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[uid]["DTSTART;TZID=Europe/Berlin"], starts);
        assert_eq!(events[uid]["STATUS"], "CONFIRMED");

        // Someone else's feed has nothing of it.
        let colleague = app.learner(app.some_municipality().await).await;
        assert!(read_feed(&app, &issue_feed(&app, &colleague).await).await.is_empty());

        // A calendar may ask for the address with `.ics`.
        assert!(read_feed(&app, &format!("{learners_feed}.ics")).await.contains_key(uid));

        // The state shows when the address was issued, never the address itself.
        let state = json_body(app.authed(Method::GET, FEED, &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert!(state["issuedAt"].is_string(), "{state}");
        assert!(state.get("url").is_none(), "{state}");
    }
}

on_both_backends! {
    async fn rotating_or_ending_a_feed_stops_the_old_address(app: TestApp) {
        let (_consultant, learner, booking) = booked(&app).await;
        let uid = booking["calendarUid"].as_str().unwrap();
        let state = json_body(app.authed(Method::GET, FEED, &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(state["issuedAt"], Value::Null, "no feed yet");
        let first = issue_feed(&app, &learner).await;
        assert!(read_feed(&app, &first).await.contains_key(uid));

        let second = issue_feed(&app, &learner).await;

        assert_ne!(second, first);
        problem(app.get(&first).await, StatusCode::NOT_FOUND, "not_found").await;
        assert!(read_feed(&app, &second).await.contains_key(uid));

        let ended = app.authed(Method::DELETE, FEED, &learner.access).send().await.unwrap();
        assert_eq!(ended.status(), StatusCode::NO_CONTENT);
        problem(app.get(&second).await, StatusCode::NOT_FOUND, "not_found").await;
        let state = json_body(app.authed(Method::GET, FEED, &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(state["issuedAt"], Value::Null);
        problem(app.get("/api/v1/calendar-feeds/no-such-token").await, StatusCode::NOT_FOUND, "not_found").await;

        for method in [Method::POST, Method::GET, Method::DELETE] {
            let anonymous = app.request(method.clone(), FEED).send().await.unwrap();
            problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    }
}

on_both_backends! {
    async fn consultants_export_their_bookings_as_csv(app: TestApp) {
        let (consultant, learner, booking) = booked(&app).await;
        let id = booking["id"].as_str().unwrap();

        let response = app.authed(Method::GET, EXPORT, &consultant.access).send().await.unwrap();

        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
        // A byte order mark, so German Excel reads it as UTF-8.
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{:?}", &bytes[..8]);
        let csv = std::str::from_utf8(&bytes[3..]).unwrap().to_owned();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "Beginn;Ende;Angebot;Status;Teilnehmer*in;E-Mail;Kommune;Anliegen;Antworten;Buchungs-ID");
        assert_eq!(lines.len(), 2, "{csv}");
        let cells: Vec<&str> = lines[1].split(';').collect();
        // 2026-12-01T10:00:00+01:00 → "2026-12-01 10:00", the local time.
        let local = booking["startsAt"].as_str().unwrap();
        assert_eq!(cells[0], format!("\"{} {}\"", &local[..10], &local[11..16]));
        assert_eq!(cells[3], "\"bestätigt\"");
        assert_eq!(cells[5], format!("\"{}\"", learner.email));
        assert_eq!(cells[7], "\"Wir planen einen Quartiersrat.\"");
        assert_eq!(cells[9], format!("\"{id}\""));

        // Only the caller's own appointments; someone else's only for the coordinating office.
        let colleague = app.consultant().await;
        let theirs = app.authed(Method::GET, EXPORT, &colleague.access).send().await.unwrap().text().await.unwrap();
        assert!(!theirs.contains(id), "{theirs}");
        let for_consultant = format!("{EXPORT}?consultant={}", consultant.id);
        problem(app.authed(Method::GET, &for_consultant, &learner.access).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
        problem(app.authed(Method::GET, &for_consultant, &colleague.access).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let response = app.authed(Method::GET, &for_consultant, &coordinator.access).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains(id));
        problem(app.get(EXPORT).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

on_both_backends! {
    async fn the_booking_report_counts_per_municipality_and_field_of_action(app: TestApp) {
        let neustadt = app.municipality("Neustadt am Beispiel", "06411001").await;
        let altdorf = app.municipality("Altdorf im Beispiel", "06411002").await;
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"fieldsOfAction": ["activation-participation", "housing"], "personLimit": 10})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let slot = |i: usize| slots[i]["id"].as_str().unwrap().to_owned();
        let from_neustadt = app.learner(neustadt).await;
        let from_altdorf = app.learner(altdorf).await;
        json_body(app.book(&from_neustadt, &slot(0), None).await, StatusCode::CREATED).await;
        json_body(app.book(&from_altdorf, &slot(1), None).await, StatusCode::CREATED).await;
        let cancelled = json_body(app.book(&from_neustadt, &slot(2), None).await, StatusCode::CREATED).await;
        json_body(app.booking_action(&from_neustadt, cancelled["id"].as_str().unwrap(), "cancel", None).await, StatusCode::OK).await;
        // Outside the period: starts exactly at its end.
        json_body(app.book(&from_altdorf, &slot(6), None).await, StatusCode::CREATED).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let (from, to) = (slots[0]["startsAt"].as_str().unwrap(), slots[6]["startsAt"].as_str().unwrap());
        let period = report(from, to);

        let response = app.authed(Method::GET, &period, &coordinator.access).send().await.unwrap();
        let counts = json_body(response, StatusCode::OK).await;

        assert_eq!(counts["from"], from);
        assert_eq!(counts["to"], to);
        assert_eq!(counts["byMunicipality"], json!([
            {"municipalityId": neustadt, "name": "Neustadt am Beispiel", "total": 2, "byStatus": {"cancelled": 1, "confirmed": 1}},
            {"municipalityId": altdorf, "name": "Altdorf im Beispiel", "total": 1, "byStatus": {"confirmed": 1}},
        ]));
        assert_eq!(counts["byFieldOfAction"], json!([
            {"fieldOfAction": "activation-participation", "total": 3, "byStatus": {"cancelled": 1, "confirmed": 2}},
            {"fieldOfAction": "housing", "total": 3, "byStatus": {"cancelled": 1, "confirmed": 2}},
        ]));

        // A period without bookings counts nothing.
        let empty = app.authed(Method::GET, &report("2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z"), &coordinator.access).send().await.unwrap();
        let empty = json_body(empty, StatusCode::OK).await;
        assert_eq!(empty["byMunicipality"], json!([]));
        assert_eq!(empty["byFieldOfAction"], json!([]));

        let learner = app.authed(Method::GET, &period, &from_neustadt.access).send().await.unwrap();
        problem(learner, StatusCode::FORBIDDEN, "forbidden").await;
        let consultants = app.authed(Method::GET, &period, &consultant.access).send().await.unwrap();
        problem(consultants, StatusCode::FORBIDDEN, "forbidden").await;
        problem(app.get(&period).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        for (from, to) in [(to, from), (from, from)] {
            let response = app.authed(Method::GET, &report(from, to), &coordinator.access).send().await.unwrap();
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], "to");
        }
    }
}

on_both_backends! {
    settings = [("ACADEMY_PUBLIC_URL", "https://api.akademie.example.org/"), ("ACADEMY_TRUST_FORWARDED", "true")];
    async fn the_feed_address_comes_from_the_configuration_not_from_the_request(app: TestApp) {
        let (consultant, _learner, _booking) = booked(&app).await;
        let response = app
            .authed(Method::POST, FEED, &consultant.access)
            .header("host", "evil.example.org")
            .header("x-forwarded-host", "phish.example.org")
            .header("x-forwarded-proto", "http")
            .header("forwarded", "host=phish.example.org;proto=http")
            .send()
            .await
            .unwrap();
        let body = json_body(response, StatusCode::CREATED).await;
        let url = body["url"].as_str().unwrap();
        assert!(url.starts_with("https://api.akademie.example.org/api/v1/calendar-feeds/"), "{url}");
        // The address works on this server.
        let path = &url["https://api.akademie.example.org".len()..];
        assert_eq!(app.get(path).await.status(), StatusCode::OK);
    }
}
