//! The OpenAPI contract: served, committed, and the same.

use academy_tests::*;

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
