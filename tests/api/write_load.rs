//! Ordinary use never meets a locked database: every write transaction takes the write
//! lock up front, and every mail that was promised arrives.

use academy_auth::Role;
use academy_tests::*;
use std::collections::HashSet;
use std::time::Duration;

/// Waits until every address in `expected` got at least one mail; panics after `within`.
async fn every_mail_arrives(app: &TestApp, expected: &HashSet<String>, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let received: HashSet<String> =
            app.mail.received().into_iter().flat_map(|m| m.to).collect();
        let missing: Vec<&String> = expected.iter().filter(|a| !received.contains(*a)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail arrived for {} addresses, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(3)]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both_backends! {
    // One client registers a hundred people here: the per-client mail limit is not the subject.
    settings = [("ACADEMY_MAIL_MAX_PER_CLIENT", "1000")];
    async fn sequential_registrations_and_resets_all_succeed_and_are_mailed(app: TestApp) {
        let mut expected = HashSet::new();
        for i in 0..100 {
            let email = format!("person-{i}@example.org");
            let response = app
                .post_json("/api/v1/auth/register", &json!({"email": email, "password": "Apfelbaum hinter der Scheune", "displayName": format!("Person {i}")}))
                .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED, "registration {i}: {}", response.text().await.unwrap_or_default());
            expected.insert(email);
        }
        let mut resets = HashSet::new();
        for _ in 0..20 {
            let user = app.user(&[Role::Learner]).await;
            let response = app.post_json("/api/v1/auth/password-reset", &json!({"email": user.email})).await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            resets.insert(user.email);
        }
        every_mail_arrives(&app, &expected, Duration::from_secs(60)).await;
        every_mail_arrives(&app, &resets, Duration::from_secs(60)).await;
        let reset_mails = app.mail.received().into_iter().filter(|m| m.to.iter().any(|t| resets.contains(t))).count();
        assert_eq!(reset_mails, 20);
    }
}

on_both_backends! {
    settings = RACING;
    async fn concurrent_writes_never_fail(app: TestApp) {
        let organisations = app.user(&[Role::Coordinator]).await;
        let requests = (0..40).map(|i| {
            let app = &app;
            let token = organisations.access.clone();
            async move {
                let response = match i % 3 {
                    0 => app.post_json("/api/v1/auth/register", &json!({"email": format!("parallel-{i}@example.org"), "password": "Apfelbaum hinter der Scheune", "displayName": "Parallel"})).await,
                    1 => app.post_json("/api/v1/auth/password-reset", &json!({"email": format!("parallel-{}@example.org", i - 1)})).await,
                    _ => app
                        .authed(reqwest::Method::POST, "/api/v1/organisations", &token)
                        .json(&json!({"name": format!("Verein Nummer {i}"), "kind": "association"}))
                        .send()
                        .await
                        .unwrap(),
                };
                let status = response.status();
                (i, status, response.text().await.unwrap_or_default())
            }
        });
        let race = race(requests).await;
        race.assert_overlapped(2);
        for (i, status, body) in race.outcomes {
            assert!(status.is_success(), "request {i}: {status} {body}");
        }
    }
}
