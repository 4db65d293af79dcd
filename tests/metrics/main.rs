//! `/metrics`: what the counters say about this test's own requests.
//!
//! The Prometheus recorder is one per process, so counters collect every request of every
//! app in it. These tests live in a process of their own and take turns ([`one_at_a_time`]):
//! while one runs, no other app in the process makes a request, and each can assert the
//! exact rise of a counter between two readings — a count its own requests caused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use tokio::sync::{Mutex, MutexGuard};

/// Held for the whole of a test: the apps of the other tests stay idle meanwhile.
async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::const_new(());
    TURN.lock().await
}

/// The current exposition.
async fn scrape(app: &TestApp) -> String {
    let response = app
        .request(reqwest::Method::GET, "/metrics")
        .bearer_auth(academy_tests::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of one series (`name{labels}` exactly as exposed); 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

/// How much each series rose between two readings.
fn rise(before: &str, after: &str, series: &str) -> f64 {
    value(after, series) - value(before, series)
}

on_both_backends! {
    settings = [("ACADEMY_DB_MAX_CONNECTIONS", "7")];
    async fn requests_are_counted_by_route_template_and_status(app: TestApp) {
        let _turn = one_at_a_time().await;
        let before = scrape(&app).await;
        for _ in 0..3 {
            assert_eq!(app.get("/api/v1/version").await.status(), StatusCode::OK);
        }
        for slug in ["gibt-es-nicht", "auch-nicht"] {
            let response = app.get(&format!("/api/v1/guides/{slug}")).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
        }
        assert_eq!(app.get("/api/v1/nirgends").await.status(), StatusCode::NOT_FOUND);
        let after = scrape(&app).await;

        let version = r#"{method="GET",route="/api/v1/version",status="200"}"#;
        assert_eq!(rise(&before, &after, &format!("http_requests_total{version}")), 3.0, "{after}");
        assert_eq!(rise(&before, &after, &format!("http_request_duration_seconds_count{version}")), 3.0, "{after}");
        // Two paths, one template.
        let guide = r#"http_requests_total{method="GET",route="/api/v1/guides/{guide}",status="404"}"#;
        assert_eq!(rise(&before, &after, guide), 2.0, "{after}");
        let unmatched = r#"http_requests_total{method="GET",route="unmatched",status="404"}"#;
        assert_eq!(rise(&before, &after, unmatched), 1.0, "{after}");
        // The first reading was counted once it was answered.
        let scrapes = r#"http_requests_total{method="GET",route="/metrics",status="200"}"#;
        assert_eq!(rise(&before, &after, scrapes), 1.0, "{after}");
        // The pool of this app (no other test runs one of 7).
        assert_eq!(value(&after, "db_pool_max_connections"), 7.0, "{after}");
        assert!(after.lines().any(|l| l.starts_with(r#"db_pool_connections{state="idle"} "#)), "{after}");
    }
}

on_both_backends! {
    async fn sign_ins_and_refresh_token_reuse_are_counted(app: TestApp) {
        let _turn = one_at_a_time().await;
        let user = app.user(&[Role::Learner]).await;
        let before = scrape(&app).await;
        app.login(&user.email, PASSWORD).await;
        app.login(&user.email, PASSWORD).await;
        let wrong = app
            .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "falsch geraten"}))
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        // Two rotations, then the first token again: a replay, not a retry of the last one.
        let client = &app;
        let refresh = |token: Value| async move {
            client.post_json("/api/v1/auth/refresh", &json!({"refreshToken": token})).await
        };
        let second = json_body(refresh(json!(user.refresh)).await, StatusCode::OK).await;
        json_body(refresh(second["refreshToken"].clone()).await, StatusCode::OK).await;
        let replayed = refresh(json!(user.refresh)).await;
        assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
        let after = scrape(&app).await;

        assert_eq!(rise(&before, &after, r#"logins_total{outcome="success"}"#), 2.0, "{after}");
        assert_eq!(rise(&before, &after, r#"logins_total{outcome="invalid_credentials"}"#), 1.0, "{after}");
        assert_eq!(rise(&before, &after, "refresh_token_reuse_total"), 1.0, "{after}");
    }
}

on_both_backends! {
    async fn delivered_mails_are_counted(app: TestApp) {
        let _turn = one_at_a_time().await;
        let user = app.user(&[Role::Learner]).await;
        let before = scrape(&app).await;
        let response = app
            .request(Method::POST, "/api/v1/auth/password-reset")
            .json(&json!({"email": user.email}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        app.mail.wait_for(&user.email).await;
        // The counter rises once the outbox row is marked sent, just after delivery.
        let sent = r#"mail_deliveries_total{outcome="sent"}"#;
        let mut after = scrape(&app).await;
        for _ in 0..50 {
            if rise(&before, &after, sent) >= 1.0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            after = scrape(&app).await;
        }
        assert_eq!(rise(&before, &after, sent), 1.0, "{after}");
    }
}
