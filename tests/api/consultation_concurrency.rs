//! Seats under contention: however many requests arrive at once, and at however many
//! instances, a slot never holds more bookings than seats. The requests start together
//! behind a barrier at servers with several workers, and each test asserts that they
//! overlapped.

use academy_tests::*;
use futures_util::future::join_all;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};

/// `n` signed-in learners of one municipality.
async fn learners(app: &TestApp, n: usize) -> Vec<TestUser> {
    let municipality = app.some_municipality().await;
    let mut all = Vec::with_capacity(n);
    for _ in 0..n / 10 {
        all.extend(join_all((0..10).map(|_| app.learner(municipality))).await);
    }
    all
}

/// Sends one booking request per learner at once, to the given base addresses in turn;
/// asserts that they overlapped and returns the statuses and problem codes.
async fn rush(
    app: &TestApp,
    bases: &[String],
    slot: &str,
    people: &[TestUser],
) -> Vec<(StatusCode, String)> {
    let requests = people.iter().enumerate().map(|(i, learner)| {
        let url = format!(
            "{}/api/v1/consultation-slots/{slot}/bookings",
            bases[i % bases.len()]
        );
        let request = app
            .client
            .request(Method::POST, url)
            .bearer_auth(&learner.access)
            .json(&json!({"concern": "Gleichzeitig gebucht"}));
        async move {
            let response = request.send().await.expect("request sent");
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    });
    let race = race(requests).await;
    race.assert_overlapped(2);
    race.outcomes
}

/// Open bookings of a slot and its booked counter, read straight from the database.
async fn stored(app: &TestApp, slot: &str) -> (i64, i64) {
    let id = uuid::Uuid::parse_str(slot).unwrap();
    let backend = app.db.get_database_backend();
    let count = app
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            match app.backend {
                Backend::Postgres => "SELECT COUNT(*) AS n FROM consultation_bookings WHERE slot_id = $1 AND status IN ('pending', 'confirmed')",
                Backend::Sqlite => "SELECT COUNT(*) AS n FROM consultation_bookings WHERE slot_id = ? AND status IN ('pending', 'confirmed')",
            },
            [id.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let booked = app
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            match app.backend {
                Backend::Postgres => "SELECT booked FROM consultation_slots WHERE id = $1",
                Backend::Sqlite => "SELECT booked FROM consultation_slots WHERE id = ?",
            },
            [id.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i32>("", "booked")
        .unwrap();
    (count, booked.into())
}

fn tally(results: &[(StatusCode, String)]) -> (usize, usize) {
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let full = results
        .iter()
        .filter(|(s, code)| *s == StatusCode::CONFLICT && code == "slot_full")
        .count();
    (created, full)
}

on_both_backends! {
    settings = RACING;
    async fn hundred_concurrent_bookings_fill_a_slot_exactly(app: TestApp) {
        let people = learners(&app, 100).await;
        let consultant = app.consultant().await;
        let base = vec![app.address.clone()];

        let single = app.offer(&consultant, json!({"availability": every_day("08:00", "12:00")})).await;
        let slot = app.slots(single["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        let results = rush(&app, &base, &slot, &people).await;
        assert_eq!(tally(&results), (1, 99), "{results:?}");
        assert_eq!(stored(&app, &slot).await, (1, 1));

        let group = app.offer(&consultant, json!({"seats": 3, "availability": every_day("14:00", "18:00")})).await;
        let slot = app.slots(group["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        let results = rush(&app, &base, &slot, &people).await;
        assert_eq!(tally(&results), (3, 97), "{results:?}");
        assert_eq!(stored(&app, &slot).await, (3, 3));
    }
}

on_both_backends! {
    settings = RACING;
    async fn two_instances_on_one_database_never_oversell(app: TestApp) {
        let people = learners(&app, 100).await;
        let consultant = app.consultant().await;
        let second = app.another_instance().await;
        let bases = vec![app.address.clone(), second.address.clone()];

        let single = app.offer(&consultant, json!({"availability": every_day("08:00", "12:00")})).await;
        let slot = app.slots(single["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        let results = rush(&app, &bases, &slot, &people).await;
        assert_eq!(tally(&results), (1, 99), "{results:?}");
        assert_eq!(stored(&app, &slot).await, (1, 1));

        let group = app.offer(&consultant, json!({"seats": 3, "availability": every_day("14:00", "18:00")})).await;
        let slot = app.slots(group["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        let results = rush(&app, &bases, &slot, &people).await;
        assert_eq!(tally(&results), (3, 97), "{results:?}");
        assert_eq!(stored(&app, &slot).await, (3, 3));
        second.stop().await;
    }
}

on_both_backends! {
    settings = RACING;
    async fn concurrent_retries_with_one_key_book_once(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"seats": 10})).await;
        let slot = app.slots(offer["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        let learner = app.learner(app.some_municipality().await).await;
        let race = race((0..10).map(|_| app.book(&learner, &slot, Some("retry-storm-1")))).await;
        race.assert_overlapped(2);
        let mut ids = Vec::new();
        for response in race.outcomes {
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            // A retry that arrives while the first is still being written may be told to
            // try again; none books a second seat.
            match status {
                StatusCode::CREATED => ids.push(body["id"].as_str().unwrap().to_owned()),
                StatusCode::CONFLICT => assert_eq!(body["code"], "request_in_progress", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert!(!ids.is_empty());
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(stored(&app, &slot).await, (1, 1));
    }
}
