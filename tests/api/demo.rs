//! `academy seed-demo`: the demo academy works over HTTP at once, with the credentials it
//! reports; a second run changes nothing; a database with real content is refused.

use academy_auth::Role;
use academy_server::demo::{self, Outcome, Refusal};
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;

/// Seeds the app's database as `academy seed-demo` does and returns what it reports.
async fn seed(app: &TestApp) -> demo::Report {
    match demo::run(&app.config(), demo::DEMO_PASSWORD)
        .await
        .expect("the seed runs")
    {
        Outcome::Seeded(report) => report,
        other => panic!("expected a seeded demo, got {other:?}"),
    }
}

/// Signs in with the reported credentials of the first account of `role`; its access token.
async fn sign_in(app: &TestApp, report: &demo::Report, role: Role) -> String {
    let account = report
        .accounts
        .iter()
        .find(|a| a.role == role)
        .unwrap_or_else(|| panic!("no demo account of role {role}"));
    let tokens = app.login(&account.email, &account.password).await;
    tokens["accessToken"].as_str().unwrap().to_owned()
}

/// Counts of what a visitor and an administrator see: accounts, organisations,
/// municipalities, public guides, offers, and slots from `from` on.
async fn counts(app: &TestApp, admin: &str, from: &str) -> Vec<Value> {
    let slots = format!("/api/v1/consultation-slots?includeFull=true&from={from}");
    let mut counts = Vec::new();
    for (path, token) in [
        ("/api/v1/users", Some(admin)),
        ("/api/v1/organisations", None),
        ("/api/v1/municipalities", None),
        ("/api/v1/guides", None),
        ("/api/v1/consultation-offers", None),
        (slots.as_str(), None),
    ] {
        let mut request = app.request(Method::GET, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let page = json_body(request.send().await.unwrap(), StatusCode::OK).await;
        counts.push(page["total"].clone());
    }
    counts
}

on_both_backends! {
    async fn the_demo_academy_works_at_once_and_a_second_seed_changes_nothing(app: TestApp) {
        let report = seed(&app).await;

        // Every role signs in with the reported credentials and holds its role.
        for role in Role::ALL {
            let token = sign_in(&app, &report, role).await;
            let me = json_body(
                app.authed(Method::GET, "/api/v1/me", &token).send().await.unwrap(),
                StatusCode::OK,
            )
            .await;
            assert_eq!(me["roles"], json!([role.as_str()]), "{me}");
            assert_eq!(me["emailVerified"], true, "{me}");
            if role == Role::Learner {
                assert_eq!(me["municipalityStatus"], "confirmed", "{me}");
            }
        }

        // Anyone finds the published guides, with their taxonomy, and the template file.
        let guides = json_body(app.get("/api/v1/guides?limit=100").await, StatusCode::OK).await;
        let items = guides["items"].as_array().unwrap();
        assert!((3..=5).contains(&items.len()), "{guides}");
        assert_eq!(items.len(), report.guides.len());
        for guide in items {
            assert_eq!(guide["status"], "published", "{guide}");
            assert_eq!(guide["language"], "de", "{guide}");
            assert!(!guide["fieldsOfAction"].as_array().unwrap().is_empty(), "{guide}");
            assert!(!guide["themes"].as_array().unwrap().is_empty(), "{guide}");
        }
        let mut files = Vec::new();
        for guide in items {
            let slug = guide["slug"].as_str().unwrap();
            let listed = json_body(
                app.get(&format!("/api/v1/guides/{slug}/attachments")).await,
                StatusCode::OK,
            )
            .await;
            files.extend(listed.as_array().unwrap().iter().cloned());
        }
        assert_eq!(files.len(), report.attachments);
        let file = files.first().expect("a guide with a file");
        let download = app.get(file["downloadUrl"].as_str().unwrap()).await;
        assert_eq!(download.status(), StatusCode::OK);
        assert!(download.text().await.unwrap().contains("Quartiersbeirat"));

        // Anyone finds free slots in the coming weeks; a learner books one.
        let from = (Utc::now() + Duration::days(2))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let slots = json_body(
            app.get(&format!("/api/v1/consultation-slots?from={from}&limit=100")).await,
            StatusCode::OK,
        )
        .await;
        assert!(slots["total"].as_u64().unwrap() > 0, "{slots}");
        let slot = slots["items"][0]["id"].as_str().unwrap();
        let learner = sign_in(&app, &report, Role::Learner).await;
        let booked = app
            .authed(
                Method::POST,
                &format!("/api/v1/consultation-slots/{slot}/bookings"),
                &learner,
            )
            .json(&json!({"concern": "Wir möchten einen Quartiersbeirat gründen."}))
            .send()
            .await
            .unwrap();
        let booking = json_body(booked, StatusCode::CREATED).await;
        assert!(["confirmed", "pending"].contains(&booking["status"].as_str().unwrap()), "{booking}");

        // A second run changes nothing and says so.
        let admin = sign_in(&app, &report, Role::Admin).await;
        let before = counts(&app, &admin, &from).await;
        let again = demo::run(&app.config(), demo::DEMO_PASSWORD).await.unwrap();
        let Outcome::AlreadySeeded(earlier) = again else {
            panic!("expected the demo to be there already, got {again:?}");
        };
        let listed: Vec<(Role, String)> =
            report.accounts.iter().map(|a| (a.role, a.email.clone())).collect();
        assert_eq!(earlier.accounts, listed);
        assert_eq!(counts(&app, &admin, &from).await, before);
    }
}

on_both_backends! {
    async fn seeding_a_database_with_an_account_made_outside_the_demo_is_refused(app: TestApp) {
        app.user(&[Role::Learner]).await;

        let outcome = demo::run(&app.config(), demo::DEMO_PASSWORD).await.unwrap();
        let Outcome::Refused(refusal) = outcome else {
            panic!("expected a refusal, got {outcome:?}");
        };
        assert_eq!(refusal, Refusal::RealContent(vec![("accounts", 1)]));
        assert!(refusal.to_string().contains("(accounts: 1)"), "{refusal}");

        // Nothing of the demo was made.
        let organisations = json_body(app.get("/api/v1/organisations").await, StatusCode::OK).await;
        assert_eq!(organisations["total"], 0);
        let demo_admin = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": "demo-admin@example.org", "password": demo::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(demo_admin.status(), StatusCode::UNAUTHORIZED);
    }
}
