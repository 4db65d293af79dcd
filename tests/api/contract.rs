//! The OpenAPI contract: served, committed, and the same.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = academy_server::openapi::document_json();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is out of date; regenerate it with\n\n    \
         cargo run -q -- openapi > openapi/openapi.json\n\nand commit the result"
    );
}

on_both_backends! {
    async fn served_document_is_the_committed_openapi_3_1_document(app: TestApp) {
        let served = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
        let committed: Value = serde_json::from_str(COMMITTED).unwrap();
        assert_eq!(served, committed);
        assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    }
}

on_both_backends! {
    async fn docs_serve_swagger_ui(app: TestApp) {
        let response = app.get("/docs/").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("swagger-ui"));

        let initializer = app.get("/docs/swagger-initializer.js").await;
        assert_eq!(initializer.status(), StatusCode::OK);
        assert!(initializer.text().await.unwrap().contains("/openapi.json"));
    }
}

on_both_backends! {
    async fn bodies_are_required_exactly_when_the_document_says_so(app: TestApp) {
        // Every operation whose body the document calls optional works without one, and
        // refuses a malformed one instead of ignoring it.
        let committed: Value = serde_json::from_str(COMMITTED).unwrap();
        let optional: Vec<String> = committed["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().unwrap().iter().filter_map(move |(method, op)| {
                    let body = op.get("requestBody")?;
                    (body["required"] != json!(true)).then(|| format!("{} {path}", method.to_uppercase()))
                })
            })
            .collect();
        assert_eq!(
            optional,
            [
                "POST /api/v1/consultation-bookings/{id}/cancel",
                "POST /api/v1/consultation-bookings/{id}/decline",
                "POST /api/v1/guides/{guide}/publish",
            ]
        );

        // Publishing without a body.
        let organisation = app.organisation("Stiftung Vorlagen").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let guide = json_body(
            app.authed(Method::POST, "/api/v1/guides", &author.access)
                .json(&json!({"title": "Beteiligung verstetigen", "summary": "Wie Kommunen Beteiligung auf Dauer stellen.", "fieldsOfAction": ["activation-participation"]}))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await;
        let id = guide["id"].as_str().unwrap();
        let submit = app.authed(Method::POST, &format!("/api/v1/guides/{id}/submit"), &author.access).send().await.unwrap();
        assert_eq!(submit.status(), StatusCode::OK);
        let publish = |body: Option<&'static str>| {
            let mut request = app.authed(Method::POST, &format!("/api/v1/guides/{id}/publish"), &coordinator.access);
            if let Some(body) = body {
                request = request.header("Content-Type", "application/json").body(body);
            }
            request.send()
        };
        problem(publish(Some("{\"publishAt\": ")).await.unwrap(), StatusCode::BAD_REQUEST, "malformed_json").await;
        problem(publish(Some("{\"publishNow\": true}")).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        problem(publish(Some("[]")).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let published = json_body(publish(None).await.unwrap(), StatusCode::OK).await;
        assert_eq!(published["status"], "published");

        // Cancelling with a malformed reason is refused, not taken as no reason.
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, slots[2]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let booking = booking["id"].as_str().unwrap();
        let malformed = app
            .authed(Method::POST, &format!("/api/v1/consultation-bookings/{booking}/cancel"), &learner.access)
            .header("Content-Type", "application/json")
            .body("{\"reason\": 42}")
            .send()
            .await
            .unwrap();
        problem(malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        // `null`, which the document's optional body allows, is no reason.
        let cancelled = json_body(app.booking_action(&learner, booking, "cancel", Some(Value::Null)).await, StatusCode::OK).await;
        assert_eq!(cancelled["status"], "cancelled");
    }
}
