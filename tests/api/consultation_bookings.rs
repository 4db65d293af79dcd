//! `/consultation-slots/{id}/bookings` and `/consultation-bookings`: booking, who sees
//! what, confirmation with its mails and calendar files, refusals with their codes,
//! idempotent retries and cancellation rules.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use sea_orm::ConnectionTrait;

on_both_backends! {
    async fn booking_with_confirmation_reveals_the_link_only_once_confirmed(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"requiresConfirmation": true})).await;
        let offer_id = offer["id"].as_str().unwrap();
        let slots = app.slots(offer_id, false).await;
        assert!(slots.len() > 20, "{}", slots.len());
        let slot = &slots[3];
        assert_eq!(slot["remainingSeats"], 1);
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;

        let booking = json_body(app.book(&learner, slot["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        assert_eq!(booking["status"], "pending");
        assert_eq!(booking["location"], Value::Null, "no link before confirmation");
        assert_eq!(booking["concern"], "Wir planen einen Quartiersrat.");
        assert_eq!(booking["startsAt"], slot["startsAt"]);
        let id = booking["id"].as_str().unwrap();

        // The slot is full now and no longer listed as free.
        assert!(app.slots(offer_id, false).await.iter().all(|s| s["id"] != slot["id"]));

        let received = app.mail.wait_for(&learner.email).await;
        assert!(received.subject.contains("Buchung eingegangen"), "{}", received.subject);
        let ics = &received.attachments.iter().find(|a| a.content_type == "text/calendar").expect("an .ics").content;
        let event = event_of(ics);
        assert_eq!(event["CAL:METHOD"], "REQUEST");
        assert_eq!(event["STATUS"], "TENTATIVE");
        assert_eq!(event["UID"], booking["calendarUid"].as_str().unwrap());
        assert_eq!(event["SEQUENCE"], "0");
        assert!(!ics.contains("meet.example.org"), "no link in the tentative entry");
        let local = slot["startsAt"].as_str().unwrap();
        // 2026-12-01T10:00:00+01:00 → 20261201T100000
        let wall: String = local[..19].chars().filter(|c| c.is_ascii_digit() || *c == 'T').collect();
        assert_eq!(event["DTSTART;TZID=Europe/Berlin"], wall);

        let confirmed = json_body(app.booking_action(&consultant, id, "confirm", None).await, StatusCode::OK).await;
        assert_eq!(confirmed["status"], "confirmed");
        assert_eq!(confirmed["location"], "https://meet.example.org/raum-1");
        let seen = json_body(app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{id}"), &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(seen["location"], "https://meet.example.org/raum-1");

        let mails = app.mail.wait_for_count(4).await;
        let confirmation = mails.iter().find(|m| m.to.contains(&learner.email) && m.subject.contains("bestätigt")).expect("confirmation mail");
        let event = event_of(&confirmation.attachments[0].content);
        assert_eq!(event["SEQUENCE"], "1");
        assert_eq!(event["STATUS"], "CONFIRMED");
        assert_eq!(event["LOCATION"], "https://meet.example.org/raum-1");
        assert_eq!(event["UID"], booking["calendarUid"].as_str().unwrap());

        // Confirming twice is a conflict.
        problem(app.booking_action(&consultant, id, "confirm", None).await, StatusCode::CONFLICT, "not_pending").await;
    }
}

on_both_backends! {
    async fn someone_elses_booking_is_404(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;
        let booking = json_body(app.book(&learner, slots[0]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let path = format!("/api/v1/consultation-bookings/{}", booking["id"].as_str().unwrap());

        let colleague = app.learner(municipality).await;
        let other_consultant = app.consultant().await;
        for stranger in [&colleague, &other_consultant] {
            problem(app.authed(Method::GET, &path, &stranger.access).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
            problem(app.booking_action(stranger, booking["id"].as_str().unwrap(), "cancel", Some(json!({"reason": "x"}))).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let coordinator = app.user(&[Role::Coordinator]).await;
        let seen = json_body(app.authed(Method::GET, &path, &coordinator.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(seen["concern"], "Wir planen einen Quartiersrat.");
        let seen = json_body(app.authed(Method::GET, &path, &consultant.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(seen["concern"], "Wir planen einen Quartiersrat.");
        // Lists: the colleague's own list is empty.
        let mine = json_body(app.authed(Method::GET, "/api/v1/consultation-bookings", &colleague.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(mine["total"], 0);
        problem(app.authed(Method::GET, "/api/v1/consultation-bookings?scope=all", &colleague.access).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
        problem(app.request(Method::GET, &path).send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

on_both_backends! {
    async fn refusals_have_one_code_each(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"seats": 3, "municipalityLimit": 1, "personLimit": 10})).await;
        let offer_id = offer["id"].as_str().unwrap();
        let slots = app.slots(offer_id, false).await;
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;
        let colleague = app.learner(municipality).await;
        let slot = slots[2]["id"].as_str().unwrap();

        json_body(app.book(&learner, slot, None).await, StatusCode::CREATED).await;
        // The same person cannot book the same slot twice … (the municipality limit would
        // also refuse, so lift it first)
        app.db.execute_unprepared("UPDATE consultation_offers SET municipality_limit = NULL").await.unwrap();
        problem(app.book(&learner, slot, None).await, StatusCode::CONFLICT, "already_booked").await;
        app.db.execute_unprepared("UPDATE consultation_offers SET municipality_limit = 1").await.unwrap();
        // … and one municipality may hold only one open booking of this offer.
        problem(app.book(&colleague, slots[5]["id"].as_str().unwrap(), None).await, StatusCode::CONFLICT, "municipality_limit_reached").await;
        let elsewhere = app.learner(app.some_municipality().await).await;
        json_body(app.book(&elsewhere, slots[5]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;

        // A full slot.
        let one_seat = app.offer(&app.consultant().await, json!({})).await;
        let one_slot = app.slots(one_seat["id"].as_str().unwrap(), false).await[0]["id"].as_str().unwrap().to_owned();
        json_body(app.book(&elsewhere, &one_slot, None).await, StatusCode::CREATED).await;
        problem(app.book(&colleague, &one_slot, None).await, StatusCode::CONFLICT, "slot_full").await;

        // Notice and advance windows, and slots that have begun.
        app.db.execute_unprepared("UPDATE consultation_offers SET min_notice_minutes = 43200, municipality_limit = NULL").await.unwrap();
        problem(app.book(&colleague, slots[6]["id"].as_str().unwrap(), None).await, StatusCode::CONFLICT, "notice_too_short").await;
        app.db.execute_unprepared("UPDATE consultation_offers SET min_notice_minutes = 0, max_advance_days = 1").await.unwrap();
        let last = slots.last().unwrap()["id"].as_str().unwrap();
        problem(app.book(&colleague, last, None).await, StatusCode::CONFLICT, "too_far_ahead").await;
        let past = "2020-01-01 10:00:00+00:00";
        let sql = match app.backend {
            Backend::Postgres => format!("UPDATE consultation_slots SET starts_at = '{past}', ends_at = '2020-01-01 11:00:00+00:00', blocked_until = '2020-01-01 11:00:00+00:00' WHERE id = '{}'", slots[7]["id"].as_str().unwrap()),
            Backend::Sqlite => format!("UPDATE consultation_slots SET starts_at = '2020-01-01T10:00:00+00:00', ends_at = '2020-01-01T11:00:00+00:00', blocked_until = '2020-01-01T11:00:00+00:00' WHERE id = x'{}'", slots[7]["id"].as_str().unwrap().replace('-', "")),
        };
        app.db.execute_unprepared(&sql).await.unwrap();
        problem(app.book(&colleague, slots[7]["id"].as_str().unwrap(), None).await, StatusCode::CONFLICT, "slot_in_past").await;

        // Invalid input loses nothing.
        let response = app.authed(Method::POST, &format!("/api/v1/consultation-slots/{}/bookings", slots[8]["id"].as_str().unwrap()), &colleague.access)
            .json(&json!({"concern": " "})).send().await.unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "concern");
        assert_eq!(app.slots(offer_id, false).await.iter().find(|s| s["id"] == slots[8]["id"]).unwrap()["remainingSeats"], 3);

        // Only learners with a municipality book.
        problem(app.book(&consultant, slot, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let homeless = app.user(&[Role::Learner]).await;
        problem(app.book(&homeless, slot, None).await, StatusCode::FORBIDDEN, "no_municipality").await;
        problem(app.post_json(&format!("/api/v1/consultation-slots/{slot}/bookings"), &json!({"concern": "x"})).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(app.book(&colleague, &uuid::Uuid::now_v7().to_string(), None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn a_retried_booking_with_the_same_key_returns_the_first(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"seats": 5, "personLimit": 5})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let slot = slots[0]["id"].as_str().unwrap();
        let learner = app.learner(app.some_municipality().await).await;

        let first = app.book(&learner, slot, Some("7f1c9a52-booking")).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first = first.json::<Value>().await.unwrap();
        let again = app.book(&learner, slot, Some("7f1c9a52-booking")).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        let again = again.json::<Value>().await.unwrap();
        assert_eq!(first["id"], again["id"]);
        let slot_now = app.slots(offer["id"].as_str().unwrap(), false).await.into_iter().find(|s| s["id"] == slot).unwrap();
        assert_eq!(slot_now["remainingSeats"], 4, "one seat taken, not two");

        // The same key with another request is refused; a new key books anew (and finds the
        // person already booked).
        let other = app.authed(Method::POST, &format!("/api/v1/consultation-slots/{slot}/bookings"), &learner.access)
            .header("Idempotency-Key", "7f1c9a52-booking")
            .json(&json!({"concern": "Etwas anderes"})).send().await.unwrap();
        problem(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
        problem(app.book(&learner, slot, Some("second-key")).await, StatusCode::CONFLICT, "already_booked").await;
        // Keys are per person.
        let someone = app.learner(app.some_municipality().await).await;
        let theirs = json_body(app.book(&someone, slot, Some("7f1c9a52-booking")).await, StatusCode::CREATED).await;
        assert_ne!(theirs["id"], first["id"]);
    }
}

on_both_backends! {
    async fn cancellation_follows_the_deadline_and_needs_a_reason_from_the_consultant(app: TestApp) {
        let consultant = app.consultant().await;
        // Every slot within the next two weeks is inside a 15-day deadline.
        let offer = app.offer(&consultant, json!({"cancelDeadlineMinutes": 20160})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, slots[0]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let id = booking["id"].as_str().unwrap();

        problem(app.booking_action(&learner, id, "cancel", None).await, StatusCode::CONFLICT, "cancellation_deadline_passed").await;
        let body = problem(app.booking_action(&consultant, id, "cancel", None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "reason");
        problem(app.booking_action(&learner, id, "confirm", None).await, StatusCode::FORBIDDEN, "forbidden").await;

        let cancelled = json_body(app.booking_action(&consultant, id, "cancel", Some(json!({"reason": "Krankheit"}))).await, StatusCode::OK).await;
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["reason"], "Krankheit");
        let mails = app.mail.wait_for_count(3).await;
        let notice = mails.iter().find(|m| m.to.contains(&learner.email) && m.subject.contains("abgesagt")).expect("cancellation mail");
        let event = event_of(&notice.attachments[0].content);
        assert_eq!(event["CAL:METHOD"], "CANCEL");
        assert_eq!(event["STATUS"], "CANCELLED");
        assert_eq!(event["SEQUENCE"], "1");
        // The seat is free again.
        let slot = app.slots(offer["id"].as_str().unwrap(), false).await.into_iter().find(|s| s["id"] == slots[0]["id"]).unwrap();
        assert_eq!(slot["remainingSeats"], 1);
        problem(app.booking_action(&consultant, id, "cancel", Some(json!({"reason": "x"}))).await, StatusCode::CONFLICT, "not_open").await;

        // Before the deadline the participant may cancel without a reason.
        app.db.execute_unprepared("UPDATE consultation_offers SET cancel_deadline_minutes = 0").await.unwrap();
        let again = json_body(app.book(&learner, slots[1]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let cancelled = json_body(app.booking_action(&learner, again["id"].as_str().unwrap(), "cancel", None).await, StatusCode::OK).await;
        assert_eq!(cancelled["status"], "cancelled");
    }
}

on_both_backends! {
    async fn every_signed_in_consultation_route_answers_401_without_a_token(app: TestApp) {
        let id = uuid::Uuid::now_v7();
        let routes = [
            (Method::POST, "/api/v1/consultation-offers".to_owned()),
            (Method::PUT, format!("/api/v1/consultation-offers/{id}")),
            (Method::POST, format!("/api/v1/consultation-offers/{id}/archive")),
            (Method::POST, format!("/api/v1/consultation-slots/{id}/bookings")),
            (Method::POST, format!("/api/v1/consultation-slots/{id}/waitlist")),
            (Method::GET, "/api/v1/consultation-waitlist".to_owned()),
            (Method::POST, format!("/api/v1/consultation-waitlist/{id}/accept")),
            (Method::DELETE, format!("/api/v1/consultation-waitlist/{id}")),
            (Method::GET, "/api/v1/consultation-bookings".to_owned()),
            (Method::GET, "/api/v1/consultation-bookings/export".to_owned()),
            (Method::GET, format!("/api/v1/consultation-bookings/{id}")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/confirm")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/decline")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/cancel")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/complete")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/no-show")),
            (Method::POST, format!("/api/v1/consultation-bookings/{id}/reschedule")),
            (Method::GET, "/api/v1/me/calendar-feed".to_owned()),
            (Method::POST, "/api/v1/me/calendar-feed".to_owned()),
            (Method::DELETE, "/api/v1/me/calendar-feed".to_owned()),
        ];
        for (method, path) in routes {
            let anonymous = app.request(method.clone(), &path).json(&json!({})).send().await.unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
            problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
            let forged = app.authed(method.clone(), &path, "not-a-token").json(&json!({})).send().await.unwrap();
            assert_eq!(forged.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
}

on_both_backends! {
    async fn invalid_waitlist_and_reschedule_requests_are_422_and_change_nothing(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let slot = slots[0]["id"].as_str().unwrap();
        let holder = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&holder, slot, None).await, StatusCode::CREATED).await;
        let waiting = app.learner(app.some_municipality().await).await;

        let response = app.authed(Method::POST, &format!("/api/v1/consultation-slots/{slot}/waitlist"), &waiting.access)
            .json(&json!({"concern": "", "answers": {"unknown": "x"}})).send().await.unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["concern", "answers.unknown"]);
        let places = json_body(app.authed(Method::GET, "/api/v1/consultation-waitlist", &waiting.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(places, json!([]));

        let response = app
            .booking_action(&holder, booking["id"].as_str().unwrap(), "reschedule", Some(json!({"slotId": "tomorrow"})))
            .await;
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let seen = json_body(app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{}", booking["id"].as_str().unwrap()), &holder.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(seen["slotId"], slots[0]["id"]);
    }
}

on_both_backends! {
    async fn offers_slots_and_bookings_name_the_people_and_places_behind_the_ids(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let municipality = app.some_municipality().await;
        let learner = app.learner(municipality).await;
        let rename = |id: uuid::Uuid, name: &str| match app.backend {
            Backend::Postgres => format!("UPDATE users SET display_name = '{name}' WHERE id = '{id}'"),
            Backend::Sqlite => format!("UPDATE users SET display_name = '{name}' WHERE id = x'{}'", id.simple()),
        };
        app.db.execute_unprepared(&rename(consultant.id, "Dr. Petra Rat")).await.unwrap();
        app.db.execute_unprepared(&rename(learner.id, "Max Muster")).await.unwrap();
        let organisation = offer["organisationId"].as_str().unwrap();
        let organisation_name = json_body(app.get(&format!("/api/v1/organisations/{organisation}")).await, StatusCode::OK).await["name"].clone();
        let municipality_name = json_body(app.get(&format!("/api/v1/municipalities/{municipality}")).await, StatusCode::OK).await["name"].clone();
        assert!(organisation_name.is_string() && municipality_name.is_string());

        let offer_id = offer["id"].as_str().unwrap();
        let read = json_body(app.get(&format!("/api/v1/consultation-offers/{offer_id}")).await, StatusCode::OK).await;
        let listed = json_body(app.get("/api/v1/consultation-offers").await, StatusCode::OK).await;
        for o in [&read, &listed["items"][0]] {
            assert_eq!(o["consultantName"], "Dr. Petra Rat", "{o}");
            assert_eq!(o["organisationName"], organisation_name, "{o}");
        }
        let slots = app.slots(offer_id, false).await;
        let slot_id = slots[2]["id"].as_str().unwrap();
        let one = json_body(app.get(&format!("/api/v1/consultation-slots/{slot_id}")).await, StatusCode::OK).await;
        for s in [&slots[0], &slots[2], &one] {
            assert_eq!(s["consultantName"], "Dr. Petra Rat", "{s}");
            assert_eq!(s["organisationName"], organisation_name, "{s}");
            assert_eq!(s["organisationId"], organisation, "{s}");
        }

        let booking = json_body(app.book(&learner, slot_id, None).await, StatusCode::CREATED).await;
        assert_eq!(booking["participantName"], "Max Muster");
        assert_eq!(booking["consultantName"], "Dr. Petra Rat");
        let theirs = json_body(
            app.authed(Method::GET, "/api/v1/consultation-bookings?scope=consultant", &consultant.access).send().await.unwrap(),
            StatusCode::OK,
        ).await;
        let item = &theirs["items"][0];
        assert_eq!(item["participantName"], "Max Muster", "{item}");
        assert_eq!(item["municipalityName"], municipality_name, "{item}");
        assert_eq!(item["organisationName"], organisation_name, "{item}");
    }
}

/// The calendar file attached to a mail.
fn ics_in(mail: &ReceivedMail) -> String {
    mail.attachments
        .iter()
        .find(|a| a.content_type == "text/calendar")
        .unwrap_or_else(|| panic!("an .ics in “{}”", mail.subject))
        .content
        .clone()
}

on_both_backends! {
    async fn mails_read_as_their_recipient_reads_them(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({
            "intakeQuestions": [{"id": "phase", "label": "Programmphase?", "kind": "choice", "options": ["Konzept", "Umsetzung"]}],
        })).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let response = app
            .authed(Method::POST, &format!("/api/v1/consultation-slots/{}/bookings", slots[2]["id"].as_str().unwrap()), &learner.access)
            .json(&json!({"concern": "Wie gründen wir einen Quartiersrat?", "answers": {"phase": "Umsetzung"}}))
            .send()
            .await
            .unwrap();
        let booking = json_body(response, StatusCode::CREATED).await;

        // The title says "Sprechstunde" once.
        let booked = app.mail.wait_for(&learner.email).await;
        assert_eq!(event_of(&ics_in(&booked))["SUMMARY"], "Sprechstunde Bürgerbeteiligung");
        assert!(booked.text.contains("Den Termin finden Sie auch im Anhang"), "{}", booked.text);
        // The consultant learns who booked and what they want to discuss.
        let told = app.mail.wait_for(&consultant.email).await;
        assert!(told.text.contains("Erika Beispiel hat die Sprechstunde"), "{}", told.text);
        assert!(told.text.contains("Anliegen: Wie gründen wir einen Quartiersrat?"), "{}", told.text);
        assert!(told.text.contains("phase: Umsetzung"), "{}", told.text);
        assert!(!told.text.contains("Ihre Buchung"), "{}", told.text);

        // The participant cancels: they are told they did, the consultant who did.
        json_body(app.booking_action(&learner, booking["id"].as_str().unwrap(), "cancel", None).await, StatusCode::OK).await;
        let cancelled = app.mail.wait_for(&learner.email).await;
        assert!(cancelled.subject.contains("abgesagt"), "{}", cancelled.subject);
        assert!(cancelled.text.contains("Sie haben den Termin"), "{}", cancelled.text);
        assert!(!cancelled.text.contains("wurde von"), "{}", cancelled.text);
        assert!(cancelled.text.contains("Im Anhang finden Sie die Absage"), "{}", cancelled.text);
        assert!(!cancelled.text.contains("Den Termin finden Sie auch im Anhang"), "{}", cancelled.text);
        assert_eq!(event_of(&ics_in(&cancelled))["CAL:METHOD"], "CANCEL");
        let consultant_told = app.mail.wait_for(&consultant.email).await;
        assert!(consultant_told.text.contains("Erika Beispiel hat den Termin"), "{}", consultant_told.text);
        assert!(consultant_told.text.contains("Im Anhang finden Sie die Absage"), "{}", consultant_told.text);
    }
}

on_both_backends! {
    async fn declining_takes_a_reason_in_a_body_the_document_requires(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"requiresConfirmation": true})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, slots[0]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let id = booking["id"].as_str().unwrap();
        let path = format!("/api/v1/consultation-bookings/{id}/decline");
        // No body at all, an empty object, a blank reason: refused, and the booking stays.
        let bare = app.authed(Method::POST, &path, &consultant.access).send().await.unwrap();
        assert!(bare.status().is_client_error(), "{}", bare.status());
        for body in [json!({}), json!({"reason": "   "}), json!({"reason": null})] {
            let response = app.authed(Method::POST, &path, &consultant.access).json(&body).send().await.unwrap();
            let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], "reason", "{body}: {problem}");
        }
        let still = json_body(app.authed(Method::GET, &format!("/api/v1/consultation-bookings/{id}"), &consultant.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(still["status"], "pending");
        let declined = app.booking_action(&consultant, id, "decline", Some(json!({"reason": "Dazu berät die Servicestelle Wohnen."}))).await;
        assert_eq!(json_body(declined, StatusCode::OK).await["status"], "declined");
    }
}
