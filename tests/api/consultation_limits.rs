//! Fair use of an offer: the per-person and per-municipality limits count booked and
//! held seats alike, are checked again when a held seat is accepted, and hold under
//! concurrent requests.

use academy_tests::*;
use futures_util::future::join_all;
use reqwest::Method;
use sea_orm::ConnectionTrait;

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

/// `POST /consultation-slots/{slot}/waitlist` as `user`; asserts 201.
async fn join(app: &TestApp, user: &TestUser, slot_id: &str) -> Value {
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/consultation-slots/{slot_id}/waitlist"),
            &user.access,
        )
        .json(&json!({"concern": "Wir suchen Beispiele für einen Quartiersrat."}))
        .send()
        .await
        .unwrap();
    json_body(response, StatusCode::CREATED).await
}

/// The caller's waitlist places.
async fn places(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let response = app
        .authed(Method::GET, "/api/v1/consultation-waitlist", &user.access)
        .send()
        .await
        .unwrap();
    json_body(response, StatusCode::OK)
        .await
        .as_array()
        .cloned()
        .expect("an array of places")
}

async fn accept(app: &TestApp, user: &TestUser, place_id: &str) -> Response {
    app.authed(
        Method::POST,
        &format!("/api/v1/consultation-waitlist/{place_id}/accept"),
        &user.access,
    )
    .send()
    .await
    .unwrap()
}

/// The caller's open bookings.
async fn open_bookings(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let response = app
        .authed(
            Method::GET,
            "/api/v1/consultation-bookings?limit=100",
            &user.access,
        )
        .send()
        .await
        .unwrap();
    json_body(response, StatusCode::OK).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b["status"] == "confirmed" || b["status"] == "pending")
        .collect()
}

/// Books each slot for a learner of a new municipality; returns those learners with
/// their booking ids.
async fn fill(app: &TestApp, slots: &[String]) -> Vec<(TestUser, String)> {
    let mut out = Vec::new();
    for slot in slots {
        let other = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&other, slot, None).await, StatusCode::CREATED).await;
        out.push((other, str_of(&booking["id"]).to_owned()));
    }
    out
}

on_both_backends! {
    async fn held_waitlist_seats_count_against_the_municipality_limit(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"municipalityLimit": 1, "personLimit": 10})).await;
        let slots: Vec<String> = app.slots(str_of(&offer["id"]), false).await[2..5]
            .iter()
            .map(|s| str_of(&s["id"]).to_owned())
            .collect();
        let others = fill(&app, &slots).await;
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;
        let colleague = app.learner(municipality).await;
        for slot in &slots {
            join(&app, &learner, slot).await;
        }

        // Every seat frees up; the first is held for the learner, the others are not:
        // a held seat counts like a booked one.
        for (other, booking) in &others {
            json_body(app.booking_action(other, booking, "cancel", None).await, StatusCode::OK).await;
        }
        let mine = places(&app, &learner).await;
        let offered: Vec<&Value> = mine.iter().filter(|p| p["status"] == "offered").collect();
        assert_eq!(offered.len(), 1, "{mine:?}");
        assert_eq!(offered[0]["slotId"], slots[0].as_str());
        for place in &mine {
            if place["status"] != "offered" {
                problem(accept(&app, &learner, str_of(&place["id"])).await, StatusCode::CONFLICT, "no_seat_offered").await;
            }
        }
        // Nor can the learner book one of the freed seats while holding one.
        problem(app.book(&learner, &slots[1], None).await, StatusCode::CONFLICT, "municipality_limit_reached").await;
        problem(app.book(&colleague, &slots[2], None).await, StatusCode::CONFLICT, "municipality_limit_reached").await;

        json_body(accept(&app, &learner, str_of(&offered[0]["id"])).await, StatusCode::CREATED).await;
        assert_eq!(open_bookings(&app, &learner).await.len(), 1);
    }
}

on_both_backends! {
    async fn accepting_a_held_seat_checks_the_municipality_limit_again(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"municipalityLimit": 2})).await;
        let slots: Vec<String> = app.slots(str_of(&offer["id"]), false).await[2..4]
            .iter()
            .map(|s| str_of(&s["id"]).to_owned())
            .collect();
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;
        let colleague = app.learner(municipality).await;
        let others = fill(&app, &slots[..1]).await;
        let place = join(&app, &learner, &slots[0]).await;
        let next_in_line = app.learner(app.some_municipality().await).await;
        join(&app, &next_in_line, &slots[0]).await;
        let (other, booking) = &others[0];
        json_body(app.booking_action(other, booking, "cancel", None).await, StatusCode::OK).await;
        assert_eq!(places(&app, &learner).await[0]["status"], "offered");
        assert_eq!(places(&app, &next_in_line).await[0]["status"], "waiting");

        // While the seat is held, a colleague takes the municipality's other booking and
        // the consultant lowers the limit: accepting now would exceed it.
        json_body(app.book(&colleague, &slots[1], None).await, StatusCode::CREATED).await;
        app.db.execute_unprepared("UPDATE consultation_offers SET municipality_limit = 1").await.unwrap();
        problem(accept(&app, &learner, str_of(&place["id"])).await, StatusCode::CONFLICT, "municipality_limit_reached").await;
        assert!(open_bookings(&app, &learner).await.is_empty());
        // The learner waits again, keeping the turn; the seat went on to the next in line
        // at once instead of staying held until the hold ran out.
        assert_eq!(places(&app, &learner).await[0]["status"], "waiting");
        assert_eq!(places(&app, &next_in_line).await[0]["status"], "offered");
        let seats = json_body(app.get(&format!("/api/v1/consultation-slots/{}", slots[0])).await, StatusCode::OK).await;
        assert_eq!(seats["remainingSeats"], 0, "the seat is held for the next in line");
    }
}

on_both_backends! {
    async fn one_learner_holds_one_open_booking_of_an_offer_unless_it_allows_more(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        assert_eq!(offer["personLimit"], 1, "the default");
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let first = json_body(app.book(&learner, str_of(&slots[2]["id"]), None).await, StatusCode::CREATED).await;
        problem(app.book(&learner, str_of(&slots[3]["id"]), None).await, StatusCode::CONFLICT, "person_limit_reached").await;
        // A cancelled booking no longer counts.
        json_body(app.booking_action(&learner, str_of(&first["id"]), "cancel", None).await, StatusCode::OK).await;
        json_body(app.book(&learner, str_of(&slots[3]["id"]), None).await, StatusCode::CREATED).await;

        let generous = app.offer(&app.consultant().await, json!({"personLimit": 3})).await;
        assert_eq!(generous["personLimit"], 3);
        let slots = app.slots(str_of(&generous["id"]), false).await;
        for slot in &slots[2..5] {
            json_body(app.book(&learner, str_of(&slot["id"]), None).await, StatusCode::CREATED).await;
        }
        problem(app.book(&learner, str_of(&slots[5]["id"]), None).await, StatusCode::CONFLICT, "person_limit_reached").await;
        assert_eq!(open_bookings(&app, &learner).await.len(), 4);
    }
}

on_both_backends! {
    async fn the_person_limit_is_bounded_and_validated(app: TestApp) {
        let consultant = app.consultant().await;
        for bad in [json!(0), json!(101)] {
            let response = app
                .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
                .json(&offer_body(json!({"personLimit": bad})))
                .send()
                .await
                .unwrap();
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], "personLimit", "{body}");
            assert_eq!(body["errors"][0]["code"], "out_of_range", "{body}");
        }
    }
}

on_both_backends! {
    settings = [("ACADEMY_WORKERS", "4")];
    async fn parallel_bookings_of_one_learner_never_exceed_the_person_limit(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"personLimit": 2})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let requests = slots[2..14].iter().map(|slot| app.book(&learner, str_of(&slot["id"]), None));
        let results = join_all(requests).await;
        let mut created = 0;
        for response in results {
            match response.status() {
                StatusCode::CREATED => created += 1,
                _ => {
                    problem(response, StatusCode::CONFLICT, "person_limit_reached").await;
                }
            }
        }
        assert_eq!(created, 2);
        assert_eq!(open_bookings(&app, &learner).await.len(), 2);
    }
}

on_both_backends! {
    async fn a_learner_at_the_person_limit_is_passed_over_on_the_waitlist(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots: Vec<String> = app.slots(str_of(&offer["id"]), false).await[2..4]
            .iter()
            .map(|s| str_of(&s["id"]).to_owned())
            .collect();
        let others = fill(&app, &slots[..1]).await;
        let learner = app.learner(app.some_municipality().await).await;
        let next = app.learner(app.some_municipality().await).await;
        join(&app, &learner, &slots[0]).await;
        join(&app, &next, &slots[0]).await;
        json_body(app.book(&learner, &slots[1], None).await, StatusCode::CREATED).await;

        let (other, booking) = &others[0];
        json_body(app.booking_action(other, booking, "cancel", None).await, StatusCode::OK).await;
        assert_eq!(places(&app, &learner).await[0]["status"], "waiting", "passed over, place kept");
        assert_eq!(places(&app, &next).await[0]["status"], "offered");
    }
}
