//! The waitlist of full slots (offer and direct mode, holds that run out), rescheduling,
//! reminders sent once however many workers run, retention, and closing appointments.
//! Background jobs are driven by calling the library, as the servers under test run them
//! only once an hour.

use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::{ConnectionTrait, EntityTrait};

/// The calendar file attached to a mail.
fn ics_of(mail: &ReceivedMail) -> &str {
    &mail
        .attachments
        .iter()
        .find(|a| a.content_type == "text/calendar")
        .unwrap_or_else(|| panic!("an .ics in “{}”", mail.subject))
        .content
}

/// The settings the jobs run with.
fn job_settings() -> academy_consultation_hours::Settings {
    academy_consultation_hours::Settings {
        app_url: "http://localhost:8080".into(),
        public_url: "http://localhost:8080".into(),
        retention_days: 365,
    }
}

/// A uuid as an SQL literal: 16-byte blob on SQLite, text on PostgreSQL.
fn id_sql(app: &TestApp, id: &str) -> String {
    match app.backend {
        Backend::Sqlite => format!("x'{}'", id.replace('-', "")),
        Backend::Postgres => format!("'{id}'"),
    }
}

/// Puts a booking's appointment on 1 January 2020, long over.
async fn move_booking_into_the_past(app: &TestApp, booking_id: &str) {
    app.db
        .execute_unprepared(&format!(
            "UPDATE consultation_bookings SET starts_at = '2020-01-01T10:00:00+00:00', \
             ends_at = '2020-01-01T11:00:00+00:00' WHERE id = {}",
            id_sql(app, booking_id)
        ))
        .await
        .unwrap();
}

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

/// `POST /consultation-slots/{slot}/waitlist` as `user`.
async fn join(app: &TestApp, user: &TestUser, slot_id: &str) -> Response {
    app.authed(
        Method::POST,
        &format!("/api/v1/consultation-slots/{slot_id}/waitlist"),
        &user.access,
    )
    .json(&json!({"concern": "Wir suchen Beispiele für einen Quartiersrat."}))
    .send()
    .await
    .unwrap()
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

/// The caller's place on the waitlist of `slot_id`.
async fn place_in(app: &TestApp, user: &TestUser, slot_id: &str) -> Value {
    places(app, user)
        .await
        .into_iter()
        .find(|p| p["slotId"] == slot_id)
        .expect("a place on this slot's waitlist")
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

async fn leave(app: &TestApp, user: &TestUser, place_id: &str) -> Response {
    app.authed(
        Method::DELETE,
        &format!("/api/v1/consultation-waitlist/{place_id}"),
        &user.access,
    )
    .send()
    .await
    .unwrap()
}

async fn get_booking(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let response = app
        .authed(
            Method::GET,
            &format!("/api/v1/consultation-bookings/{id}"),
            &user.access,
        )
        .send()
        .await
        .unwrap();
    json_body(response, StatusCode::OK).await
}

/// Remaining seats of a slot, full or not.
async fn remaining(app: &TestApp, slot_id: &str) -> i64 {
    let slot = json_body(
        app.get(&format!("/api/v1/consultation-slots/{slot_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    slot["remainingSeats"].as_i64().expect("remainingSeats")
}

async fn reschedule(app: &TestApp, user: &TestUser, booking_id: &str, slot_id: &str) -> Response {
    app.booking_action(
        user,
        booking_id,
        "reschedule",
        Some(json!({"slotId": slot_id})),
    )
    .await
}

/// A one-seat offer and a free slot of it (the third, so it does not begin while the test
/// runs).
async fn one_seat_slot(app: &TestApp, overrides: Value) -> (TestUser, Value, String) {
    let consultant = app.consultant().await;
    let offer = app.offer(&consultant, overrides).await;
    let slots = app.slots(str_of(&offer["id"]), false).await;
    let slot = str_of(&slots[2]["id"]).to_owned();
    (consultant, offer, slot)
}

on_both_backends! {
    async fn only_full_slots_have_a_waitlist_and_places_keep_their_order(app: TestApp) {
        let (consultant, _offer, slot) = one_seat_slot(&app, json!({})).await;
        let a = app.learner(app.some_municipality().await).await;
        let b = app.learner(app.some_municipality().await).await;
        let c = app.learner(app.some_municipality().await).await;

        // A free seat is booked, not waited for.
        problem(join(&app, &b, &slot).await, StatusCode::CONFLICT, "seats_available").await;
        json_body(app.book(&a, &slot, None).await, StatusCode::CREATED).await;

        let first = json_body(join(&app, &b, &slot).await, StatusCode::CREATED).await;
        assert_eq!(first["status"], "waiting");
        assert_eq!(first["position"], 1);
        assert_eq!(first["slotId"], slot.as_str());
        assert_eq!(first["offeredUntil"], Value::Null);
        let second = json_body(join(&app, &c, &slot).await, StatusCode::CREATED).await;
        assert_eq!(second["position"], 2);

        problem(join(&app, &b, &slot).await, StatusCode::CONFLICT, "already_waiting").await;
        problem(join(&app, &a, &slot).await, StatusCode::CONFLICT, "already_booked").await;
        problem(join(&app, &consultant, &slot).await, StatusCode::FORBIDDEN, "forbidden").await;

        // Everyone sees their own places only.
        let mine = places(&app, &b).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["id"], first["id"]);
        assert_eq!(mine[0]["position"], 1);
        let theirs = places(&app, &c).await;
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(theirs[0]["id"], second["id"]);
        assert_eq!(theirs[0]["position"], 2);
        assert!(places(&app, &a).await.is_empty());

        // Someone else's place does not exist for C.
        let b_place = str_of(&first["id"]);
        problem(accept(&app, &c, b_place).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(leave(&app, &c, b_place).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(place_in(&app, &b, &slot).await["status"], "waiting");
        // Nothing is held for B yet.
        problem(accept(&app, &b, b_place).await, StatusCode::CONFLICT, "no_seat_offered").await;

        // When B leaves, C moves up.
        let left = leave(&app, &b, b_place).await;
        assert_eq!(left.status(), StatusCode::NO_CONTENT);
        assert_eq!(place_in(&app, &b, &slot).await["status"], "left");
        assert_eq!(place_in(&app, &b, &slot).await["position"], Value::Null);
        assert_eq!(place_in(&app, &c, &slot).await["position"], 1);
        problem(leave(&app, &b, b_place).await, StatusCode::CONFLICT, "not_waiting").await;
    }
}

on_both_backends! {
    async fn a_cancelled_seat_is_held_for_the_first_in_line_until_they_accept(app: TestApp) {
        let (_consultant, _offer, slot) = one_seat_slot(&app, json!({})).await;
        let a = app.learner(app.some_municipality().await).await;
        let b = app.learner(app.some_municipality().await).await;
        let c = app.learner(app.some_municipality().await).await;
        let a_booking = json_body(app.book(&a, &slot, None).await, StatusCode::CREATED).await;
        let b_place = json_body(join(&app, &b, &slot).await, StatusCode::CREATED).await;
        let c_place = json_body(join(&app, &c, &slot).await, StatusCode::CREATED).await;
        let b_id = str_of(&b_place["id"]).to_owned();

        let before_cancel = Utc::now();
        json_body(app.booking_action(&a, str_of(&a_booking["id"]), "cancel", None).await, StatusCode::OK).await;

        // B's place is offered and held; the seat is not free for anyone else.
        let offered = place_in(&app, &b, &slot).await;
        assert_eq!(offered["status"], "offered");
        assert_eq!(offered["position"], Value::Null);
        let until: chrono::DateTime<Utc> = serde_json::from_value(offered["offeredUntil"].clone()).expect("offeredUntil");
        assert!(until > before_cancel, "{until}");
        assert_eq!(place_in(&app, &c, &slot).await["status"], "waiting");
        assert_eq!(remaining(&app, &slot).await, 0, "the freed seat is held");
        problem(app.book(&c, &slot, None).await, StatusCode::CONFLICT, "slot_full").await;
        problem(accept(&app, &c, str_of(&c_place["id"])).await, StatusCode::CONFLICT, "no_seat_offered").await;

        let mail = app.mail.wait_for(&b.email).await;
        assert!(mail.subject.contains("Ein Platz ist frei"), "{}", mail.subject);
        let event = event_of(ics_of(&mail));
        assert_eq!(event["CAL:METHOD"], "REQUEST");
        assert_eq!(event["UID"], format!("{b_id}@sprechstunden.akademie"));

        // B takes it: the place becomes a booking with the same id.
        let booking = json_body(accept(&app, &b, &b_id).await, StatusCode::CREATED).await;
        assert_eq!(booking["id"], b_id.as_str());
        assert_eq!(booking["status"], "confirmed");
        assert_eq!(booking["slotId"], slot.as_str());
        assert_eq!(booking["participantId"], b.id.to_string());
        assert_eq!(booking["concern"], "Wir suchen Beispiele für einen Quartiersrat.");
        let place = place_in(&app, &b, &slot).await;
        assert_eq!(place["status"], "booked");
        assert_eq!(place["bookingId"], b_id.as_str());
        assert_eq!(remaining(&app, &slot).await, 0);
        let confirmation = app.mail.wait_for(&b.email).await;
        assert!(confirmation.subject.contains("bestätigt"), "{}", confirmation.subject);

        problem(accept(&app, &b, &b_id).await, StatusCode::CONFLICT, "no_seat_offered").await;
        assert_eq!(place_in(&app, &c, &slot).await["position"], 1);
    }
}

on_both_backends! {
    async fn in_direct_mode_a_cancelled_seat_books_the_first_in_line(app: TestApp) {
        let (_consultant, offer, slot) = one_seat_slot(&app, json!({"waitlistMode": "direct"})).await;
        assert_eq!(offer["waitlistMode"], "direct");
        let a = app.learner(app.some_municipality().await).await;
        let b = app.learner(app.some_municipality().await).await;
        let c = app.learner(app.some_municipality().await).await;
        let a_booking = json_body(app.book(&a, &slot, None).await, StatusCode::CREATED).await;
        let b_place = json_body(join(&app, &b, &slot).await, StatusCode::CREATED).await;
        json_body(join(&app, &c, &slot).await, StatusCode::CREATED).await;
        let mine_before = json_body(app.authed(Method::GET, "/api/v1/consultation-bookings", &b.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(mine_before["total"], 0);

        json_body(app.booking_action(&a, str_of(&a_booking["id"]), "cancel", None).await, StatusCode::OK).await;

        let mine = json_body(app.authed(Method::GET, "/api/v1/consultation-bookings", &b.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(mine["total"], 1, "{mine}");
        let booking = &mine["items"][0];
        assert_eq!(booking["id"], b_place["id"]);
        assert_eq!(booking["slotId"], slot.as_str());
        assert_eq!(booking["status"], "confirmed");
        let place = place_in(&app, &b, &slot).await;
        assert_eq!(place["status"], "booked");
        assert_eq!(place["bookingId"], b_place["id"]);
        assert_eq!(place_in(&app, &c, &slot).await["position"], 1);
        assert_eq!(remaining(&app, &slot).await, 0);

        let mail = app.mail.wait_for(&b.email).await;
        assert!(mail.subject.contains("Termin bestätigt"), "{}", mail.subject);
        let event = event_of(ics_of(&mail));
        assert_eq!(event["UID"], booking["calendarUid"].as_str().unwrap());
        assert_eq!(event["STATUS"], "CONFIRMED");
    }
}

on_both_backends! {
    async fn a_hold_that_runs_out_passes_to_the_next_and_so_does_leaving(app: TestApp) {
        let (_consultant, _offer, slot) = one_seat_slot(&app, json!({})).await;
        let a = app.learner(app.some_municipality().await).await;
        let b = app.learner(app.some_municipality().await).await;
        let c = app.learner(app.some_municipality().await).await;
        let d = app.learner(app.some_municipality().await).await;
        let a_booking = json_body(app.book(&a, &slot, None).await, StatusCode::CREATED).await;
        let b_place = json_body(join(&app, &b, &slot).await, StatusCode::CREATED).await;
        let c_place = json_body(join(&app, &c, &slot).await, StatusCode::CREATED).await;
        json_body(join(&app, &d, &slot).await, StatusCode::CREATED).await;
        json_body(app.booking_action(&a, str_of(&a_booking["id"]), "cancel", None).await, StatusCode::OK).await;
        assert_eq!(place_in(&app, &b, &slot).await["status"], "offered");
        let settings = job_settings();

        // While the hold lasts, the jobs leave it alone.
        let round = academy_consultation_hours::jobs::run_once(&app.db, &settings, Utc::now()).await.unwrap();
        assert_eq!(round.holds_ended, 0);
        assert_eq!(place_in(&app, &b, &slot).await["status"], "offered");

        // The hold runs out.
        app.db.execute_unprepared(&format!(
            "UPDATE consultation_waitlist SET offered_until = '2020-01-01T10:00:00+00:00' WHERE id = {}",
            id_sql(&app, str_of(&b_place["id"]))
        )).await.unwrap();
        problem(accept(&app, &b, str_of(&b_place["id"])).await, StatusCode::CONFLICT, "no_seat_offered").await;
        let round = academy_consultation_hours::jobs::run_once(&app.db, &settings, Utc::now()).await.unwrap();
        assert_eq!(round.holds_ended, 1);

        assert_eq!(place_in(&app, &b, &slot).await["status"], "expired");
        let c_now = place_in(&app, &c, &slot).await;
        assert_eq!(c_now["status"], "offered");
        assert!(c_now["offeredUntil"].is_string(), "{c_now}");
        assert_eq!(place_in(&app, &d, &slot).await["position"], 1);
        assert_eq!(remaining(&app, &slot).await, 0, "still held, now for C");
        let offer_to_b = app.mail.wait_for(&b.email).await;
        assert!(offer_to_b.subject.contains("Ein Platz ist frei"), "{}", offer_to_b.subject);
        let expired = app.mail.wait_for(&b.email).await;
        assert!(expired.subject.contains("verfallen"), "{}", expired.subject);
        assert_eq!(event_of(ics_of(&expired))["CAL:METHOD"], "CANCEL");
        let offer_to_c = app.mail.wait_for(&c.email).await;
        assert!(offer_to_c.subject.contains("Ein Platz ist frei"), "{}", offer_to_c.subject);

        // C declines by leaving: the seat goes on to D.
        let left = leave(&app, &c, str_of(&c_place["id"])).await;
        assert_eq!(left.status(), StatusCode::NO_CONTENT);
        assert_eq!(place_in(&app, &c, &slot).await["status"], "left");
        assert_eq!(place_in(&app, &d, &slot).await["status"], "offered");
        assert_eq!(remaining(&app, &slot).await, 0);
        let offer_to_d = app.mail.wait_for(&d.email).await;
        assert!(offer_to_d.subject.contains("Ein Platz ist frei"), "{}", offer_to_d.subject);
    }
}

on_both_backends! {
    async fn a_booking_moves_to_another_slot_of_its_offer_with_an_updated_calendar_entry(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let (from, to, full, later) = (str_of(&slots[2]["id"]), str_of(&slots[3]["id"]), str_of(&slots[4]["id"]), str_of(&slots[5]["id"]));
        let learner = app.learner(app.some_municipality().await).await;
        let other = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, from, None).await, StatusCode::CREATED).await;
        let id = str_of(&booking["id"]);
        let others = json_body(app.book(&other, full, None).await, StatusCode::CREATED).await;
        let booked_mail = app.mail.wait_for(&learner.email).await;
        assert_eq!(event_of(ics_of(&booked_mail))["SEQUENCE"], "0");

        let moved = json_body(reschedule(&app, &learner, id, to).await, StatusCode::OK).await;
        assert_eq!(moved["id"], id);
        assert_eq!(moved["slotId"], to);
        assert_eq!(moved["startsAt"], slots[3]["startsAt"]);
        assert_eq!(moved["endsAt"], slots[3]["endsAt"]);
        assert_eq!(moved["status"], "confirmed");
        assert_eq!(remaining(&app, from).await, 1, "the old seat is free again");
        assert_eq!(remaining(&app, to).await, 0, "the new seat is taken");

        let mail = app.mail.wait_for(&learner.email).await;
        assert!(mail.subject.contains("verlegt"), "{}", mail.subject);
        let event = event_of(ics_of(&mail));
        assert_eq!(event["CAL:METHOD"], "REQUEST");
        assert_eq!(event["UID"], booking["calendarUid"].as_str().unwrap());
        assert_eq!(event["SEQUENCE"], "1");
        assert_eq!(event["DTSTART;TZID=Europe/Berlin"], wall_time(str_of(&slots[3]["startsAt"])));

        // A full target, the same slot and another offer's slot change nothing.
        problem(reschedule(&app, &learner, id, full).await, StatusCode::CONFLICT, "slot_full").await;
        problem(reschedule(&app, &learner, id, to).await, StatusCode::CONFLICT, "same_slot").await;
        let elsewhere = app.offer(&app.consultant().await, json!({})).await;
        let foreign = app.slots(str_of(&elsewhere["id"]), false).await;
        let body = problem(reschedule(&app, &learner, id, str_of(&foreign[2]["id"])).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "slotId");
        assert_eq!(body["errors"][0]["code"], "unknown_slot");
        let unchanged = get_booking(&app, &learner, id).await;
        assert_eq!(unchanged["slotId"], to);
        assert_eq!(unchanged["startsAt"], slots[3]["startsAt"]);
        assert_eq!(remaining(&app, to).await, 0);
        assert_eq!(remaining(&app, full).await, 0);
        assert_eq!(remaining(&app, str_of(&foreign[2]["id"])).await, 1);
        assert_eq!(get_booking(&app, &other, str_of(&others["id"])).await["slotId"], full);

        // Past the cancellation deadline only the consultant may move it.
        app.db.execute_unprepared("UPDATE consultation_offers SET cancel_deadline_minutes = 20160").await.unwrap();
        problem(reschedule(&app, &learner, id, later).await, StatusCode::CONFLICT, "cancellation_deadline_passed").await;
        assert_eq!(get_booking(&app, &learner, id).await["slotId"], to);
        let by_consultant = json_body(reschedule(&app, &consultant, id, later).await, StatusCode::OK).await;
        assert_eq!(by_consultant["slotId"], later);
        assert_eq!(by_consultant["startsAt"], slots[5]["startsAt"]);
        assert_eq!(remaining(&app, to).await, 1);
        assert_eq!(remaining(&app, later).await, 0);
    }
}

on_both_backends! {
    settings = RACING;
    async fn two_bookings_racing_into_the_last_seat_move_only_one(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let (first_slot, second_slot, target) = (str_of(&slots[2]["id"]), str_of(&slots[3]["id"]), str_of(&slots[4]["id"]));
        let one = app.learner(app.some_municipality().await).await;
        let two = app.learner(app.some_municipality().await).await;
        let first = json_body(app.book(&one, first_slot, None).await, StatusCode::CREATED).await;
        let second = json_body(app.book(&two, second_slot, None).await, StatusCode::CREATED).await;

        let race = race([
            reschedule(&app, &one, str_of(&first["id"]), target),
            reschedule(&app, &two, str_of(&second["id"]), target),
        ])
        .await;
        race.assert_overlapped(2);
        let [a, b]: [Response; 2] = race.outcomes.try_into().unwrap();

        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let (winner, loser_slot, loser) = if a.status() == StatusCode::OK {
            (first_slot, second_slot, b)
        } else {
            (second_slot, first_slot, a)
        };
        problem(loser, StatusCode::CONFLICT, "slot_full").await;
        assert_eq!(remaining(&app, target).await, 0);
        assert_eq!(remaining(&app, winner).await, 1, "the winner's old seat is free");
        assert_eq!(remaining(&app, loser_slot).await, 0, "the loser stays where it was");
        let in_target = json_body(app.authed(Method::GET, "/api/v1/consultation-bookings?scope=consultant&status=confirmed", &consultant.access).send().await.unwrap(), StatusCode::OK).await;
        let count = in_target["items"].as_array().unwrap().iter().filter(|b| b["slotId"] == target).count();
        assert_eq!(count, 1, "{in_target}");
    }
}

on_both_backends! {
    async fn reminders_go_out_once_however_many_workers_run(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let slot = &slots[1];
        let learner = app.learner(app.some_municipality().await).await;
        json_body(app.book(&learner, str_of(&slot["id"]), None).await, StatusCode::CREATED).await;
        // A pending booking of another offer, also within a day, gets none.
        let waiting_for_confirmation = app.offer(&app.consultant().await, json!({"requiresConfirmation": true})).await;
        let pending_slots = app.slots(str_of(&waiting_for_confirmation["id"]), false).await;
        let pending_learner = app.learner(app.some_municipality().await).await;
        let pending = json_body(app.book(&pending_learner, str_of(&pending_slots[1]["id"]), None).await, StatusCode::CREATED).await;
        assert_eq!(pending["status"], "pending");
        let second_worker = academy_kernel::db::connect(&academy_kernel::db::DbSettings {
            url: app.database_url.clone(),
            max_connections: 2,
            acquire_timeout: std::time::Duration::from_secs(10),
        }).await.expect("a second pool");
        let settings = job_settings();
        let lead = academy_consultation_hours::jobs::REMINDER_LEAD;
        let now = Utc::now();

        let race = race([
            academy_consultation_hours::bookings::send_reminders(&app.db, &settings, now, lead),
            academy_consultation_hours::bookings::send_reminders(&second_worker, &settings, now, lead),
        ])
        .await;
        race.assert_overlapped(2);

        let sent: usize = race.outcomes.into_iter().map(Result::unwrap).sum();
        assert_eq!(sent, 1);
        let reminders_to = |email: &str| {
            app.mail.received().into_iter()
                .filter(|m| m.to.iter().any(|t| t == email) && m.subject.contains("Erinnerung"))
                .collect::<Vec<_>>()
        };
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while reminders_to(&learner.email).is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // Give a duplicate time to arrive before counting.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let reminders = reminders_to(&learner.email);
        assert_eq!(reminders.len(), 1, "{:?}", reminders.iter().map(|m| &m.subject).collect::<Vec<_>>());
        let event = event_of(ics_of(&reminders[0]));
        assert_eq!(event["DTSTART;TZID=Europe/Berlin"], wall_time(str_of(&slot["startsAt"])));
        assert_eq!(event["STATUS"], "CONFIRMED");
        assert!(reminders_to(&pending_learner.email).is_empty());

        let again = academy_consultation_hours::bookings::send_reminders(&second_worker, &settings, Utc::now(), lead).await.unwrap()
            + academy_consultation_hours::bookings::send_reminders(&app.db, &settings, Utc::now(), lead).await.unwrap();
        assert_eq!(again, 0);
        let _ = second_worker.close().await;
    }
}

on_both_backends! {
    async fn concern_and_answers_are_anonymised_after_the_retention_period(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"personLimit": 10})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let old = json_body(app.book(&learner, str_of(&slots[2]["id"]), None).await, StatusCode::CREATED).await;
        let recent = json_body(app.book(&learner, str_of(&slots[3]["id"]), None).await, StatusCode::CREATED).await;
        let waiting = app.learner(app.some_municipality().await).await;
        let place = json_body(join(&app, &waiting, str_of(&slots[3]["id"])).await, StatusCode::CREATED).await;
        assert_eq!(recent["answers"], json!({}));
        move_booking_into_the_past(&app, str_of(&old["id"])).await;

        let round = academy_consultation_hours::jobs::run_once(&app.db, &job_settings(), Utc::now()).await.unwrap();

        assert_eq!(round.anonymised, 1);
        let seen = get_booking(&app, &learner, str_of(&old["id"])).await;
        assert_eq!(seen["concern"], Value::Null);
        assert_eq!(seen["answers"], Value::Null);
        assert!(seen["anonymisedAt"].is_string(), "{seen}");
        assert_eq!(seen["status"], "confirmed", "only the text goes");
        let untouched = get_booking(&app, &learner, str_of(&recent["id"])).await;
        assert_eq!(untouched["concern"], "Wir planen einen Quartiersrat.");
        assert_eq!(untouched["answers"], json!({}));
        assert_eq!(untouched["anonymisedAt"], Value::Null);

        // A year and more after the recent appointment, its text goes too, and so does that
        // of the waitlist place of its slot.
        let later = Utc::now() + Duration::days(400);
        let done = academy_consultation_hours::bookings::anonymise_due(&app.db, later, 365).await.unwrap();
        assert_eq!(done, 1);
        assert_eq!(get_booking(&app, &learner, str_of(&recent["id"])).await["concern"], Value::Null);
        let place_id: uuid::Uuid = str_of(&place["id"]).parse().unwrap();
        let entry = academy_consultation_hours::entity::waitlist_entry::Entity::find_by_id(place_id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(entry.concern, "");
        assert_eq!(academy_consultation_hours::bookings::anonymise_due(&app.db, later, 365).await.unwrap(), 0);
    }
}

on_both_backends! {
    async fn only_the_consultant_closes_an_appointment_and_only_once_it_has_begun(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"personLimit": 10})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let held = json_body(app.book(&learner, str_of(&slots[2]["id"]), None).await, StatusCode::CREATED).await;
        let missed = json_body(app.book(&learner, str_of(&slots[3]["id"]), None).await, StatusCode::CREATED).await;
        let (held, missed) = (str_of(&held["id"]), str_of(&missed["id"]));

        problem(app.booking_action(&consultant, held, "complete", None).await, StatusCode::CONFLICT, "not_started").await;
        problem(app.booking_action(&consultant, missed, "no-show", None).await, StatusCode::CONFLICT, "not_started").await;
        assert_eq!(get_booking(&app, &learner, held).await["status"], "confirmed");

        move_booking_into_the_past(&app, held).await;
        move_booking_into_the_past(&app, missed).await;

        problem(app.booking_action(&learner, held, "complete", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(app.booking_action(&learner, missed, "no-show", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let completed = json_body(app.booking_action(&consultant, held, "complete", None).await, StatusCode::OK).await;
        assert_eq!(completed["status"], "completed");
        let no_show = json_body(app.booking_action(&consultant, missed, "no-show", None).await, StatusCode::OK).await;
        assert_eq!(no_show["status"], "no_show");
        assert_eq!(get_booking(&app, &learner, held).await["status"], "completed");
        problem(app.booking_action(&consultant, held, "complete", None).await, StatusCode::CONFLICT, "not_confirmed").await;
    }
}

on_both_backends! {
    async fn a_waiting_person_who_already_holds_a_seat_of_the_slot_is_passed_over(app: TestApp) {
        // Two seats, direct mode, two open bookings per municipality.
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"seats": 2, "municipalityLimit": 2, "waitlistMode": "direct"})).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        let (own, colleagues, target) = (str_of(&slots[2]["id"]), str_of(&slots[3]["id"]), str_of(&slots[4]["id"]));
        let municipality = app.some_municipality().await;
        let b = app.learner(municipality).await;
        let colleague = app.learner(municipality).await;
        let x1 = app.learner(app.some_municipality().await).await;
        let x2 = app.learner(app.some_municipality().await).await;
        let c = app.learner(app.some_municipality().await).await;
        let b_booking = json_body(app.book(&b, own, None).await, StatusCode::CREATED).await;
        let colleague_booking = json_body(app.book(&colleague, colleagues, None).await, StatusCode::CREATED).await;
        let x1_booking = json_body(app.book(&x1, target, None).await, StatusCode::CREATED).await;
        let x2_booking = json_body(app.book(&x2, target, None).await, StatusCode::CREATED).await;
        json_body(join(&app, &b, target).await, StatusCode::CREATED).await;
        json_body(join(&app, &c, target).await, StatusCode::CREATED).await;
        // B's municipality is at its limit: a freed seat goes past B to C …
        json_body(app.booking_action(&x1, str_of(&x1_booking["id"]), "cancel", None).await, StatusCode::OK).await;
        assert_eq!(place_in(&app, &c, target).await["status"], "booked");
        assert_eq!(place_in(&app, &b, target).await["status"], "waiting");
        // … and B, still waiting, moves an own booking into the slot once C frees it.
        let c_place = place_in(&app, &c, target).await;
        json_body(app.booking_action(&c, str_of(&c_place["bookingId"]), "cancel", None).await, StatusCode::OK).await;
        assert_eq!(place_in(&app, &b, target).await["status"], "waiting", "B is still over the limit");
        json_body(reschedule(&app, &b, str_of(&b_booking["id"]), target).await, StatusCode::OK).await;
        json_body(app.booking_action(&colleague, str_of(&colleague_booking["id"]), "cancel", None).await, StatusCode::OK).await;

        // The next freed seat of the slot cannot go to B, who has one already; cancelling works.
        let cancelled = json_body(app.booking_action(&x2, str_of(&x2_booking["id"]), "cancel", None).await, StatusCode::OK).await;

        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(remaining(&app, target).await, 1);
        let mine = json_body(app.authed(Method::GET, "/api/v1/consultation-bookings?status=confirmed", &b.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(mine["total"], 1, "{mine}");
    }
}
