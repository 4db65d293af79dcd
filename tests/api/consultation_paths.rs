//! Paths that matter and were untested: declining a booking, intake answers over HTTP,
//! and the background jobs' slot extension and forgetting of idempotency keys.

use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::ConnectionTrait;

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

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

fn job_settings() -> academy_consultation_hours::Settings {
    academy_consultation_hours::Settings {
        app_url: "http://localhost:8080".into(),
        public_url: "http://localhost:8080".into(),
        retention_days: 365,
    }
}

on_both_backends! {
    async fn declining_frees_the_seat_serves_the_waitlist_and_mails_a_cancel(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"requiresConfirmation": true})).await;
        let slot = str_of(&app.slots(str_of(&offer["id"]), false).await[2]["id"]).to_owned();
        let a = app.learner(app.some_municipality().await).await;
        let b = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&a, &slot, None).await, StatusCode::CREATED).await;
        assert_eq!(booking["status"], "pending");
        let place = app
            .authed(Method::POST, &format!("/api/v1/consultation-slots/{slot}/waitlist"), &b.access)
            .json(&json!({"concern": "Wir suchen Beispiele."}))
            .send()
            .await
            .unwrap();
        let place = json_body(place, StatusCode::CREATED).await;
        let received = app.mail.wait_for(&a.email).await;
        assert!(received.subject.contains("Buchung eingegangen"), "{}", received.subject);

        let id = str_of(&booking["id"]);
        // The document requires the body: none at all is 415, one without a reason 422.
        problem(app.booking_action(&consultant, id, "decline", None).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
        problem(app.booking_action(&consultant, id, "decline", Some(json!({}))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        problem(app.booking_action(&a, id, "decline", Some(json!({"reason": "x"}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        let declined = json_body(app.booking_action(&consultant, id, "decline", Some(json!({"reason": "Leider verhindert."}))).await, StatusCode::OK).await;
        assert_eq!(declined["status"], "declined");
        assert_eq!(declined["reason"], "Leider verhindert.");
        problem(app.booking_action(&consultant, id, "decline", Some(json!({"reason": "again"}))).await, StatusCode::CONFLICT, "not_pending").await;

        // The seat went to the first in line, held for them.
        let places = json_body(app.authed(Method::GET, "/api/v1/consultation-waitlist", &b.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(places[0]["id"], place["id"]);
        assert_eq!(places[0]["status"], "offered");
        let offered = app.mail.wait_for(&b.email).await;
        assert!(offered.subject.contains("Ein Platz ist frei"), "{}", offered.subject);

        // The participant hears it with a CANCEL of the same calendar entry.
        let mail = app.mail.wait_for(&a.email).await;
        assert!(mail.subject.contains("abgelehnt"), "{}", mail.subject);
        assert!(mail.text.contains("Leider verhindert."), "{}", mail.text);
        let ics = &mail.attachments.iter().find(|x| x.content_type == "text/calendar").expect("an .ics").content;
        let event = event_of(ics);
        assert_eq!(event["CAL:METHOD"], "CANCEL");
        assert_eq!(event["UID"], str_of(&booking["calendarUid"]));
        assert_eq!(event["SEQUENCE"], "1");
    }
}

on_both_backends! {
    async fn intake_answers_are_checked_and_shown_to_the_consultant(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"intakeQuestions": [
            {"id": "phase", "label": "In welcher Programmphase?", "kind": "choice", "options": ["Konzept", "Umsetzung"], "required": true},
            {"id": "note", "label": "Anmerkung", "kind": "text"},
        ]})).await;
        assert_eq!(offer["intakeQuestions"][0]["id"], "phase");
        let slot = str_of(&app.slots(str_of(&offer["id"]), false).await[2]["id"]).to_owned();
        let learner = app.learner(app.some_municipality().await).await;
        let book = |answers: Value| {
            app.authed(Method::POST, &format!("/api/v1/consultation-slots/{slot}/bookings"), &learner.access)
                .json(&json!({"concern": "Beteiligung im Quartier", "answers": answers}))
                .send()
        };

        let errors = |body: &Value| -> Vec<String> {
            body["errors"].as_array().unwrap().iter().map(|e| format!("{} {}", str_of(&e["field"]), str_of(&e["code"]))).collect()
        };
        let missing = problem(book(json!({})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(errors(&missing), ["answers.phase required"]);
        let wrong = problem(book(json!({"phase": "Später", "colour": "blau"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(errors(&wrong), ["answers.colour unknown_question", "answers.phase not_an_option"]);
        assert_eq!(rows(&app, "consultation_bookings").await, 0);

        let booking = json_body(book(json!({"phase": " Umsetzung ", "note": "Zwei Personen"})).await.unwrap(), StatusCode::CREATED).await;
        assert_eq!(booking["answers"], json!({"phase": "Umsetzung", "note": "Zwei Personen"}));
        let seen = json_body(
            app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{}", str_of(&booking["id"])), &consultant.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        assert_eq!(seen["answers"], json!({"phase": "Umsetzung", "note": "Zwei Personen"}));
        assert_eq!(seen["concern"], "Beteiligung im Quartier");
    }
}

on_both_backends! {
    async fn the_jobs_extend_the_slots_once_and_forget_old_idempotency_keys(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let learner = app.learner(app.some_municipality().await).await;
        let slots = app.slots(str_of(&offer["id"]), false).await;
        json_body(app.book(&learner, str_of(&slots[2]["id"]), Some("key-1")).await, StatusCode::CREATED).await;
        let before = rows(&app, "consultation_slots").await;
        assert_eq!(rows(&app, "booking_idempotency_keys").await, 1);

        // Three days on, the horizon has moved: three more days of slots (23 a day).
        let later = Utc::now() + Duration::days(3);
        let settings = job_settings();
        let round = academy_consultation_hours::jobs::run_once(&app.db, &settings, later).await.unwrap();
        assert!((60..=75).contains(&round.slots_added), "{round:?}");
        // (Slots that passed unbooked more than a day before are gone meanwhile.)
        let after = rows(&app, "consultation_slots").await;
        assert!(after > before - 3 * 23 && after <= before + round.slots_added as i64, "{before} {after}");
        // The key is older than a day then: forgotten.
        assert_eq!(rows(&app, "booking_idempotency_keys").await, 0);

        // Running again (or on another instance) adds each slot once only.
        let again = academy_consultation_hours::jobs::run_once(&app.db, &settings, later).await.unwrap();
        assert_eq!(again.slots_added, 0);
        assert_eq!(rows(&app, "consultation_slots").await, after);
        let starts = "SELECT COUNT(DISTINCT starts_at) AS n FROM consultation_slots";
        let distinct = app.db.query_one_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), starts)).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap();
        assert_eq!(distinct, after, "no slot twice");
    }
}
