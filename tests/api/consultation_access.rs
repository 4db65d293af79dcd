//! Who may do what in consultation hours follows the roles an account holds now: a
//! consultant whose role is taken away loses every consultant path at once. Public views
//! of offers show public data only.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

/// Issues a calendar feed for `user`; returns its path.
async fn feed_path(app: &TestApp, user: &TestUser) -> String {
    let response = app
        .authed(Method::POST, "/api/v1/me/calendar-feed", &user.access)
        .send()
        .await
        .unwrap();
    let body = json_body(response, StatusCode::CREATED).await;
    let url = str_of(&body["url"]);
    url[url.find("/api/v1/calendar-feeds/").expect("a feed address")..].to_owned()
}

async fn get_as(app: &TestApp, user: &TestUser, path: &str) -> Response {
    app.authed(Method::GET, path, &user.access)
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn a_consultant_whose_role_is_taken_away_loses_every_consultant_path_at_once(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({"requiresConfirmation": true})).await;
        let offer_id = str_of(&offer["id"]).to_owned();
        let slots = app.slots(&offer_id, false).await;
        let mut bookings = Vec::new();
        for slot in &slots[2..6] {
            let learner = app.learner(app.some_municipality().await).await;
            let booking = json_body(app.book(&learner, str_of(&slot["id"]), None).await, StatusCode::CREATED).await;
            bookings.push(str_of(&booking["id"]).to_owned());
        }
        let feed = feed_path(&app, &consultant).await;
        let booking_path = format!("/api/v1/consultation-bookings/{}", bookings[0]);
        let mine = "/api/v1/consultation-bookings?scope=consultant";
        let export = "/api/v1/consultation-bookings/export";

        // While a consultant, everything works.
        let read = json_body(get_as(&app, &consultant, &booking_path).await, StatusCode::OK).await;
        assert_eq!(read["concern"], "Wir planen einen Quartiersrat.");
        assert_eq!(json_body(get_as(&app, &consultant, mine).await, StatusCode::OK).await["total"], 4);
        assert_eq!(get_as(&app, &consultant, export).await.status(), StatusCode::OK);
        assert_eq!(app.get(&feed).await.status(), StatusCode::OK);
        let own = json_body(get_as(&app, &consultant, &format!("/api/v1/consultation-offers/{offer_id}")).await, StatusCode::OK).await;
        assert!(own["location"].is_string(), "{own}");

        // An administrator takes the role away; the access token stays valid.
        let admin = app.user(&[Role::Admin]).await;
        let demoted = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", consultant.id), &admin.access)
            .json(&json!({"roles": ["author"]}))
            .send()
            .await
            .unwrap();
        json_body(demoted, StatusCode::OK).await;

        problem(get_as(&app, &consultant, &booking_path).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(get_as(&app, &consultant, mine).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(get_as(&app, &consultant, export).await, StatusCode::FORBIDDEN, "forbidden").await;
        let reason = Some(json!({"reason": "Terminkonflikt"}));
        problem(app.booking_action(&consultant, &bookings[0], "confirm", None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(app.booking_action(&consultant, &bookings[1], "decline", reason.clone()).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(app.booking_action(&consultant, &bookings[2], "cancel", reason).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(app.booking_action(&consultant, &bookings[3], "reschedule", Some(json!({"slotId": slots[8]["id"]}))).await, StatusCode::NOT_FOUND, "not_found").await;
        for id in &bookings {
            let coordinator_view = json_body(get_as(&app, &admin, &format!("/api/v1/consultation-bookings/{id}")).await, StatusCode::OK).await;
            assert_eq!(coordinator_view["status"], "pending", "nothing changed");
        }

        // Nor are the offers theirs to manage or to see the location of.
        let offer_path = format!("/api/v1/consultation-offers/{offer_id}");
        let read = get_as(&app, &consultant, &offer_path).await;
        let etag = read.headers().get("etag").unwrap().to_str().unwrap().to_owned();
        let public = json_body(read, StatusCode::OK).await;
        assert!(public.get("location").is_none(), "{public}");
        let replaced = app
            .authed(Method::PUT, &offer_path, &consultant.access)
            .header("if-match", etag)
            .json(&offer_body(json!({"title": "Übernommen"})))
            .send()
            .await
            .unwrap();
        problem(replaced, StatusCode::FORBIDDEN, "forbidden").await;
        let archived = app.authed(Method::POST, &format!("{offer_path}/archive"), &consultant.access).send().await.unwrap();
        problem(archived, StatusCode::FORBIDDEN, "forbidden").await;
        let created = app
            .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
            .json(&offer_body(json!({})))
            .send()
            .await
            .unwrap();
        problem(created, StatusCode::FORBIDDEN, "forbidden").await;

        // And the calendar feed with the participants' appointments is gone.
        problem(app.get(&feed).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn absence_notes_are_for_the_consultant_and_coordinators_only(app: TestApp) {
        let consultant = app.consultant().await;
        let day = (chrono::Utc::now() + chrono::Duration::days(5)).date_naive();
        let mut availability = every_day("09:00", "12:00");
        availability["absences"] = json!([{"from": day, "until": day, "note": "Weihnachtspause"}]);
        let offer = app.offer(&consultant, json!({"availability": availability})).await;
        let path = format!("/api/v1/consultation-offers/{}", str_of(&offer["id"]));
        assert_eq!(offer["availability"]["absences"][0]["note"], "Weihnachtspause");

        let learner = app.learner(app.some_municipality().await).await;
        let other_consultant = app.consultant().await;
        let anonymous = app.get(&path).await;
        assert!(anonymous.headers().get("vary").is_some_and(|v| v.to_str().unwrap().contains("Authorization")));
        let reads = [
            anonymous.text().await.unwrap(),
            get_as(&app, &learner, &path).await.text().await.unwrap(),
            get_as(&app, &other_consultant, &path).await.text().await.unwrap(),
            app.get("/api/v1/consultation-offers").await.text().await.unwrap(),
            get_as(&app, &learner, "/api/v1/consultation-offers").await.text().await.unwrap(),
        ];
        for body in &reads {
            assert!(!body.contains("Weihnachtspause"), "{body}");
            assert!(body.contains(&day.to_string()), "the absence itself is public: {body}");
        }
        let coordinator = app.user(&[Role::Coordinator]).await;
        for user in [&consultant, &coordinator] {
            let own = json_body(get_as(&app, user, &path).await, StatusCode::OK).await;
            assert_eq!(own["availability"]["absences"][0]["note"], "Weihnachtspause");
        }
    }
}
