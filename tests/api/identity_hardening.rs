//! Identity under pressure: login throttling that parallel attempts cannot outrun, strict
//! access-token checks, refresh grace for racing tabs, lookalike addresses, quiet mail
//! limits, confirmed municipality membership, and mailed links that lead somewhere.

use std::time::Duration;

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

/// Statuses of `attempts` logins sent all at once (and proven to have overlapped).
async fn parallel_logins(app: &TestApp, attempts: Vec<(String, String)>) -> Vec<StatusCode> {
    let requests = attempts.into_iter().map(|(email, password)| {
        let request = app
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"email": email, "password": password}));
        async move { request.send().await.expect("request sent").status() }
    });
    let race = race(requests).await;
    race.assert_overlapped(2);
    race.outcomes
}

fn tally(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

on_both_backends! {
    settings = [("ACADEMY_WORKERS", "4"), ("ACADEMY_DB_MAX_CONNECTIONS", "10"), ("ACADEMY_LOGIN_MAX_FAILURES", "5")];
    async fn parallel_wrong_passwords_for_one_account_never_pass_the_limit(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let attempts = (0..30)
            .map(|_| (user.email.clone(), "falsches Passwort 123".to_owned()))
            .collect();
        let statuses = parallel_logins(&app, attempts).await;
        let unauthorized = tally(&statuses, StatusCode::UNAUTHORIZED);
        let throttled = tally(&statuses, StatusCode::TOO_MANY_REQUESTS);
        assert!(unauthorized <= 5, "{unauthorized} attempts were checked: {statuses:?}");
        assert_eq!(unauthorized + throttled, 30, "{statuses:?}");
        // The right password inside the blocked window is refused as well.
        let response = app
            .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD}))
            .await;
        problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    }
}

on_both_backends! {
    settings = [("ACADEMY_WORKERS", "4"), ("ACADEMY_DB_MAX_CONNECTIONS", "10"), ("ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT", "10")];
    async fn a_burst_from_one_client_never_records_more_than_the_client_limit(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let attempts = (0..40)
            .map(|n| (format!("rate-{n}@example.org"), "falsches Passwort 123".to_owned()))
            .collect();
        // The right password travels as soon as the burst has used up the client's limit.
        let burst = parallel_logins(&app, attempts);
        let inside = async {
            let key = "login:client:127.0.0.1";
            for _ in 0..2000 {
                let used = academy_kernel::throttle::count(&app.db, key, Duration::from_secs(900))
                    .await
                    .unwrap();
                if used >= 10 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD}))
                .await
        };
        let (statuses, inside) = tokio::join!(burst, inside);
        let unauthorized = tally(&statuses, StatusCode::UNAUTHORIZED);
        assert!(unauthorized <= 10, "{unauthorized} attempts were checked: {statuses:?}");
        assert_eq!(
            unauthorized + tally(&statuses, StatusCode::TOO_MANY_REQUESTS),
            40,
            "{statuses:?}"
        );
        let recorded = academy_kernel::throttle::count(
            &app.db,
            "login:client:127.0.0.1",
            Duration::from_secs(900),
        )
        .await
        .unwrap();
        assert!(recorded <= 10, "{recorded} attempts recorded");
        problem(inside, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
        let after = app
            .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD}))
            .await;
        problem(after, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    }
}

on_both_backends! {
    async fn expired_and_forged_access_tokens_get_an_invalid_token_challenge(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let keys = test_keys();
        let valid = keys.verify(&user.access).unwrap();
        let forge = |change: &dyn Fn(&mut academy_auth::jwt::Claims)| {
            let mut claims = valid.clone();
            change(&mut claims);
            keys.sign(&claims).unwrap()
        };
        let now = valid.iat;
        // Ten seconds past its expiry: beyond a few seconds of clock skew.
        let expired_recently = forge(&|c| {
            c.iat = now - 910;
            c.exp = now - 10;
        });
        let unknown_session = forge(&|c| c.sid = uuid::Uuid::now_v7());
        let mut tampered = user.access.clone();
        tampered.push('x');
        for (name, token) in [
            ("expired 10 s ago", expired_recently),
            ("unknown session", unknown_session),
            ("bad signature", tampered),
            ("garbage", "kein.gueltiges.token".to_owned()),
        ] {
            let response = app.authed(Method::GET, "/api/v1/me", &token).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
            assert_eq!(
                response.headers()["www-authenticate"],
                r#"Bearer error="invalid_token""#,
                "{name}"
            );
            problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
        // No token at all: the plain challenge, no error.
        let missing = app.get("/api/v1/me").await;
        assert_eq!(missing.headers()["www-authenticate"], "Bearer");
        problem(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // The real token still works.
        let me = app.authed(Method::GET, "/api/v1/me", &user.access).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
}

async fn refresh(app: &TestApp, token: &str) -> Response {
    app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": token}))
        .await
}

on_both_backends! {
    settings = RACING;
    async fn tabs_refreshing_at_once_get_the_same_new_pair(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let attempts = (0..8).map(|_| refresh(&app, &user.refresh));
        let mut pairs = Vec::new();
        let race = race(attempts).await;
        race.assert_overlapped(2);
        for response in race.outcomes {
            pairs.push(json_body(response, StatusCode::OK).await);
        }
        let first = &pairs[0];
        for pair in &pairs {
            assert_eq!(pair["refreshToken"], first["refreshToken"]);
            assert_eq!(pair["accessToken"], first["accessToken"]);
        }
        let new_refresh = first["refreshToken"].as_str().unwrap();
        assert_ne!(new_refresh, user.refresh);
        // A tab that comes a moment later still gets the same pair, and the session lives.
        let late = json_body(refresh(&app, &user.refresh).await, StatusCode::OK).await;
        assert_eq!(late["refreshToken"], first["refreshToken"]);
        let me = app
            .authed(Method::GET, "/api/v1/me", first["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
        // The shared successor rotates on as usual.
        json_body(refresh(&app, new_refresh).await, StatusCode::OK).await;
        // The stored successor is a hash, never the token itself.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let rows = academy_auth::entity::refresh_token::Entity::find()
            .filter(academy_auth::entity::refresh_token::Column::UserId.eq(user.id))
            .all(&app.db)
            .await
            .unwrap();
        for row in rows {
            assert_ne!(row.token_hash, new_refresh);
            assert_ne!(row.successor_hash.as_deref(), Some(new_refresh));
        }
    }
}

on_both_backends! {
    settings = [("ACADEMY_REFRESH_GRACE", "1s")];
    async fn a_replay_after_the_grace_ends_the_session(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let next = json_body(refresh(&app, &user.refresh).await, StatusCode::OK).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let successor = next["refreshToken"].as_str().unwrap();
        problem(refresh(&app, successor).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let me = app
            .authed(Method::GET, "/api/v1/me", next["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn only_the_immediately_previous_token_has_a_grace(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let second = json_body(refresh(&app, &user.refresh).await, StatusCode::OK).await;
        let second = second["refreshToken"].as_str().unwrap().to_owned();
        let third = json_body(refresh(&app, &second).await, StatusCode::OK).await;
        // The first token is two rotations old: reuse, even within the grace seconds.
        problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let third = third["refreshToken"].as_str().unwrap();
        problem(refresh(&app, third).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }
}

on_both_backends! {
    async fn a_lookalike_address_is_the_same_account(app: TestApp) {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let password = "Sonnenblumen am Rathausplatz";
        // Registered with a Kelvin sign (U+212A) where the K belongs.
        let kelvin = "\u{212A}arl.neu@example.org";
        let response = app
            .post_json("/api/v1/auth/register", &json!({"email": kelvin, "password": password, "displayName": "Karl Neu"}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        // The link goes to the mailbox the address stands for, not to a lookalike.
        let mail = app.mail.wait_for("Karl.neu@example.org").await;
        let token = token_in(&mail.text);
        let verified = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
        assert_eq!(verified.status(), StatusCode::NO_CONTENT);

        let tokens = app.login("karl.neu@example.org", password).await;
        app.login(kelvin, password).await;
        app.login("\u{FF4B}arl.neu@EXAMPLE.org", password).await;
        let me = json_body(
            app.authed(Method::GET, "/api/v1/me", tokens["accessToken"].as_str().unwrap()).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["email"], "Karl.neu@example.org");

        // Registering the plain form finds the same account: no second one.
        let again = app
            .post_json("/api/v1/auth/register", &json!({"email": "karl.neu@example.org", "password": password, "displayName": "Jemand"}))
            .await;
        assert_eq!(again.status(), StatusCode::ACCEPTED);
        let notice = app.mail.wait_for("Karl.neu@example.org").await;
        assert!(notice.text.contains("Karl Neu"), "{}", notice.text);
        let accounts = academy_auth::entity::user::Entity::find().count(&app.db).await.unwrap();
        assert_eq!(accounts, 1);

        // An invitation of either form is the existing account.
        let coordinator = app.user(&[Role::Coordinator]).await;
        for address in ["karl.neu@example.org", kelvin] {
            let invite = app
                .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
                .json(&json!({"email": address, "displayName": "Karl", "roles": ["learner"]}))
                .send()
                .await
                .unwrap();
            problem(invite, StatusCode::CONFLICT, "email_taken").await;
        }

        // A reset requested for the lookalike reaches the real mailbox.
        let reset = app.post_json("/api/v1/auth/password-reset", &json!({"email": kelvin})).await;
        assert_eq!(reset.status(), StatusCode::ACCEPTED);
        let reset_mail = app.mail.wait_for("Karl.neu@example.org").await;
        assert!(reset_mail.text.contains("token="), "{}", reset_mail.text);
    }
}

on_both_backends! {
    async fn an_internationalised_domain_is_stored_in_its_ascii_form(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let invited = json_body(
            app.authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
                .json(&json!({"email": "Info@B\u{00FC}cherei-Musterstadt.example", "displayName": "Bücherei", "roles": ["learner"]}))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(invited["email"], "Info@xn--bcherei-musterstadt-59b.example");
        app.mail.wait_for("Info@xn--bcherei-musterstadt-59b.example").await;
        let same = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({"email": "info@xn--BCHEREI-musterstadt-59b.example", "displayName": "X", "roles": ["learner"]}))
            .send()
            .await
            .unwrap();
        problem(same, StatusCode::CONFLICT, "email_taken").await;
    }
}

/// Mails received so far addressed to `to`.
fn mails_to(app: &TestApp, to: &str) -> usize {
    app.mail
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|r| r == to))
        .count()
}

on_both_backends! {
    settings = RACING;
    async fn password_resets_to_one_address_are_limited_quietly(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let requests = (0..40).map(|_| async {
            let response = app
                .post_json("/api/v1/auth/password-reset", &json!({"email": user.email}))
                .await;
            (response.status(), response.text().await.unwrap())
        });
        let race = race(requests).await;
        race.assert_overlapped(2);
        let answers = race.outcomes;
        // Every answer is the same: nothing tells the caller that mails stopped.
        for answer in &answers {
            assert_eq!(answer, &answers[0]);
        }
        assert_eq!(answers[0].0, StatusCode::ACCEPTED);
        app.mail.wait_for_count(5).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(mails_to(&app, &user.email), 5, "the default limit is 5 per address");
        // An address that was not asked for is not affected.
        let other = app.user(&[Role::Learner]).await;
        app.post_json("/api/v1/auth/password-reset", &json!({"email": other.email})).await;
        app.mail.wait_for(&other.email).await;
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_MAX_PER_RECIPIENT", "2")];
    async fn registrations_for_a_third_party_address_mail_it_only_within_the_limit(app: TestApp) {
        let victim = "dritte.person@example.org";
        let mut answers = Vec::new();
        for n in 0..6 {
            let response = app
                .post_json(
                    "/api/v1/auth/register",
                    &json!({"email": victim, "password": "Sonnenblumen am Rathausplatz", "displayName": format!("Werbung {n}")}),
                )
                .await;
            answers.push((response.status(), response.text().await.unwrap()));
        }
        for answer in &answers {
            assert_eq!(answer, &answers[0]);
        }
        app.mail.wait_for_count(2).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(mails_to(&app, victim), 2);
    }
}

on_both_backends! {
    settings = [("ACADEMY_MAIL_MAX_PER_CLIENT", "3")];
    async fn one_client_can_cause_only_so_many_mails(app: TestApp) {
        let mut users = Vec::new();
        for _ in 0..6 {
            users.push(app.user(&[Role::Learner]).await);
        }
        for user in &users {
            let response = app
                .post_json("/api/v1/auth/password-reset", &json!({"email": user.email}))
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
        app.mail.wait_for_count(3).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(app.mail.received().len(), 3);
    }
}

/// Registers, verifies and signs in a learner; returns the access token.
async fn registered_learner(
    app: &TestApp,
    email: &str,
    municipality: Option<uuid::Uuid>,
) -> String {
    let password = "Sonnenblumen am Rathausplatz";
    let mut body = json!({"email": email, "password": password, "displayName": "Lena Lernend"});
    if let Some(id) = municipality {
        body["municipalityId"] = json!(id);
    }
    let response = app.post_json("/api/v1/auth/register", &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let token = token_in(&app.mail.wait_for(email).await.text);
    let verified = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
    app.login(email, password).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn me(app: &TestApp, token: &str) -> Value {
    json_body(
        app.authed(Method::GET, "/api/v1/me", token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

on_both_backends! {
    async fn a_claimed_municipality_must_be_confirmed_before_booking(app: TestApp) {
        let musterstadt = app.municipality("Musterstadt", "06411000").await;
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let slot = slots[0]["id"].as_str().unwrap();

        // Claimed at registration: pending, reads work, booking does not.
        let token = registered_learner(&app, "lena@example.org", Some(musterstadt)).await;
        let profile = me(&app, &token).await;
        assert_eq!(profile["municipalityStatus"], "pending");
        assert_eq!(profile["municipalityId"], musterstadt.to_string());
        let learner = TestUser { id: profile["id"].as_str().unwrap().parse().unwrap(), email: "lena@example.org".into(), access: token.clone(), refresh: String::new() };
        problem(app.book(&learner, slot, None).await, StatusCode::FORBIDDEN, "municipality_unconfirmed").await;
        assert_eq!(app.get(&format!("/api/v1/consultation-offers/{}", offer["id"].as_str().unwrap())).await.status(), StatusCode::OK);

        // Coordinators see the request; others may not.
        let coordinator = app.user(&[Role::Coordinator]).await;
        let other_learner = app.user(&[Role::Learner]).await;
        let denied = app.authed(Method::GET, "/api/v1/municipality-memberships", &other_learner.access).send().await.unwrap();
        problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
        let pending = json_body(
            app.authed(Method::GET, "/api/v1/municipality-memberships", &coordinator.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(pending["total"], 1);
        assert_eq!(pending["items"][0]["userId"], learner.id.to_string());
        assert_eq!(pending["items"][0]["municipalityName"], "Musterstadt");

        let confirm_path = format!("/api/v1/users/{}/municipality-membership/confirm", learner.id);
        let not_allowed = app.authed(Method::POST, &confirm_path, &other_learner.access).send().await.unwrap();
        problem(not_allowed, StatusCode::FORBIDDEN, "forbidden").await;
        let unknown = app
            .authed(Method::POST, &format!("/api/v1/users/{}/municipality-membership/confirm", uuid::Uuid::now_v7()), &coordinator.access)
            .send()
            .await
            .unwrap();
        problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        let confirmed = json_body(app.authed(Method::POST, &confirm_path, &coordinator.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(confirmed["municipalityStatus"], "confirmed");
        let twice = app.authed(Method::POST, &confirm_path, &coordinator.access).send().await.unwrap();
        problem(twice, StatusCode::CONFLICT, "no_membership_request").await;

        // Confirmed: the same token books now (roles and membership are read per request).
        json_body(app.book(&learner, slot, None).await, StatusCode::CREATED).await;
    }
}

on_both_backends! {
    async fn a_learner_without_a_municipality_can_ask_for_one_later(app: TestApp) {
        let musterstadt = app.municipality("Musterstadt", "06411000").await;
        let token = registered_learner(&app, "ohne.gemeinde@example.org", None).await;
        assert_eq!(me(&app, &token).await["municipalityStatus"], "none");

        let unknown = app
            .authed(Method::PATCH, "/api/v1/me", &token)
            .json(&json!({"municipalityId": uuid::Uuid::now_v7()}))
            .send()
            .await
            .unwrap();
        let body = problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "municipalityId");

        let asked = json_body(
            app.authed(Method::PATCH, "/api/v1/me", &token)
                .json(&json!({"municipalityId": musterstadt}))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(asked["municipalityStatus"], "pending");
        assert_eq!(asked["municipalityId"], musterstadt.to_string());

        // Declined: the claim is gone, and the learner may ask again.
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = asked["id"].as_str().unwrap();
        let declined = json_body(
            app.authed(Method::POST, &format!("/api/v1/users/{id}/municipality-membership/decline"), &coordinator.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(declined["municipalityStatus"], "none");
        assert!(declined["municipalityId"].is_null());
    }
}

on_both_backends! {
    async fn an_address_at_a_registered_domain_is_confirmed_at_once(app: TestApp) {
        let hanau = app.municipality("Hanau", "06435014").await;
        let elsewhere = app.municipality("Musterstadt", "06411000").await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let path = format!("/api/v1/municipalities/{hanau}/email-domains");

        let denied = app.authed(Method::PUT, &path, &learner.access).json(&json!({"domains": ["hanau.de"]})).send().await.unwrap();
        problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
        let invalid = app.authed(Method::PUT, &path, &coordinator.access).json(&json!({"domains": ["hanau"]})).send().await.unwrap();
        let body = problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "domains[0]");
        let unknown = app
            .authed(Method::PUT, &format!("/api/v1/municipalities/{}/email-domains", uuid::Uuid::now_v7()), &coordinator.access)
            .json(&json!({"domains": ["hanau.de"]}))
            .send()
            .await
            .unwrap();
        problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        let saved = json_body(
            app.authed(Method::PUT, &path, &coordinator.access).json(&json!({"domains": ["@Hanau.DE", "stadt-hanau.example"]})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(saved["domains"], json!(["hanau.de", "stadt-hanau.example"]));
        let read = json_body(app.authed(Method::GET, &path, &coordinator.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(read, saved);
        let taken = app
            .authed(Method::PUT, &format!("/api/v1/municipalities/{elsewhere}/email-domains"), &coordinator.access)
            .json(&json!({"domains": ["hanau.de"]}))
            .send()
            .await
            .unwrap();
        problem(taken, StatusCode::CONFLICT, "domain_taken").await;

        // At the registered domain: confirmed at registration …
        let token = registered_learner(&app, "lena.lernend@hanau.de", Some(hanau)).await;
        assert_eq!(me(&app, &token).await["municipalityStatus"], "confirmed");
        // … but not for another municipality.
        let token = registered_learner(&app, "max.muster@hanau.de", Some(elsewhere)).await;
        assert_eq!(me(&app, &token).await["municipalityStatus"], "pending");
        // Asking later through PATCH /me is confirmed by the domain as well.
        let asked = json_body(
            app.authed(Method::PATCH, "/api/v1/me", &token).json(&json!({"municipalityId": hanau})).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(asked["municipalityStatus"], "confirmed");
    }
}

/// Path and query of the first link in a mail (`http://…/einladung?token=…` → `/einladung?token=…`).
fn link_path(text: &str, page: &str) -> String {
    let start = text
        .find(&format!("/{page}?token="))
        .expect("a link to the page");
    text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['>', ')', '.'])
        .to_owned()
}

async fn post_form(app: &TestApp, path: &str, body: String) -> Response {
    app.request(Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn html(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    response.text().await.unwrap()
}

on_both_backends! {
    async fn an_invitation_names_what_it_grants_and_its_link_leads_to_a_page(app: TestApp) {
        let organisation = app.organisation("Architektenkammer Beispiel").await;
        let musterstadt = app.municipality("Musterstadt", "06411000").await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let response = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({
                "email": "berta.beraterin@example.org",
                "displayName": "Berta Beraterin",
                "roles": ["consultant", "learner"],
                "organisationId": organisation,
                "municipalityId": musterstadt
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let mail = app.mail.wait_for("berta.beraterin@example.org").await;
        for expected in ["Beraterin oder Berater", "Lernende", "Architektenkammer Beispiel", "Musterstadt"] {
            assert!(mail.text.contains(expected), "{expected} missing: {}", mail.text);
        }

        // The mailed link opens a page; opening it changes nothing …
        let path = link_path(&mail.text, "einladung");
        let page = html(app.get(&path).await).await;
        assert!(page.contains("<form method=\"post\" action=\"/einladung\""), "{page}");
        let page_again = html(app.get(&path).await).await;
        assert_eq!(page, page_again);
        // … sending the form accepts the invitation.
        let token = token_in(&mail.text);
        let done = html(post_form(&app, "/einladung", format!("token={token}&password=Leitfaden-fuer-alle-Kommunen")).await).await;
        assert!(done.contains("Ihr Konto ist eingerichtet"), "{done}");
        app.login("berta.beraterin@example.org", "Leitfaden-fuer-alle-Kommunen").await;
        let twice = html(post_form(&app, "/einladung", format!("token={token}&password=Leitfaden-fuer-alle-Kommunen")).await).await;
        assert!(twice.contains("ungültig"), "{twice}");
        // A forged token is not echoed into the page.
        let forged = html(app.get("/einladung?token=%22%3E%3Cscript%3E").await).await;
        assert!(!forged.contains("<script>"), "{forged}");
    }
}

on_both_backends! {
    async fn verification_and_reset_links_lead_to_working_pages(app: TestApp) {
        let email = "paula.page@example.org";
        let response = app
            .post_json("/api/v1/auth/register", &json!({"email": email, "password": "Sonnenblumen am Rathausplatz", "displayName": "Paula"}))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let mail = app.mail.wait_for(email).await;
        let page = html(app.get(&link_path(&mail.text, "konto/bestaetigen")).await).await;
        assert!(page.contains("action=\"/konto/bestaetigen\""), "{page}");
        // Still unconfirmed after the GET.
        let early = app.post_json("/api/v1/auth/login", &json!({"email": email, "password": "Sonnenblumen am Rathausplatz"})).await;
        problem(early, StatusCode::FORBIDDEN, "email_not_verified").await;
        let done = html(post_form(&app, "/konto/bestaetigen", format!("token={}", token_in(&mail.text))).await).await;
        assert!(done.contains("bestätigt"), "{done}");
        app.login(email, "Sonnenblumen am Rathausplatz").await;

        assert!(html(app.get("/passwort-vergessen").await).await.contains("<form"));
        html(post_form(&app, "/passwort-vergessen", format!("email={}", email.replace('@', "%40"))).await).await;
        let reset = app.mail.wait_for(email).await;
        let page = html(app.get(&link_path(&reset.text, "passwort-zuruecksetzen")).await).await;
        assert!(page.contains("type=\"password\""), "{page}");
        let done = html(post_form(&app, "/passwort-zuruecksetzen", format!("token={}&password=Neues-Passwort-am-Fluss", token_in(&reset.text))).await).await;
        assert!(done.contains("Passwort ist geändert"), "{done}");
        app.login(email, "Neues-Passwort-am-Fluss").await;
    }
}
