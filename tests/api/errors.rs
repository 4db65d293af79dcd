//! Every failure is an RFC 9457 problem document, including actix's own 404 and 405.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

on_both_backends! {
    async fn unknown_api_path_is_a_404_problem(app: TestApp) {
        let body = problem(app.get("/api/v1/nope").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(body["title"], "Not found");
        assert_eq!(body["errors"], json!([]));
    }
}

on_both_backends! {
    async fn unknown_path_outside_the_api_is_a_404_problem(app: TestApp) {
        problem(app.get("/wp-admin/install.php").await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn wrong_method_is_a_405_problem_listing_the_allowed_ones(app: TestApp) {
        let response = app.request(Method::DELETE, "/api/v1/version").send().await.unwrap();
        assert_eq!(response.headers()["allow"], "GET, HEAD");
        problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

        let response = app.request(Method::POST, "/health/ready").send().await.unwrap();
        problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

on_both_backends! {
    async fn a_literal_path_beside_a_parameter_path_answers_405_not_404(app: TestApp) {
        // `PATCH /users/{id}` exists, but `invitations` is a path of its own, not an id.
        let admin = app.user(&[Role::Admin]).await;
        let response = app
            .authed(Method::PATCH, "/api/v1/users/invitations", &admin.access)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "POST");
        problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        // Methods no route of either path serves name the literal path's methods too.
        for method in [Method::DELETE, Method::PUT] {
            let response = app.authed(method, "/api/v1/users/invitations", &admin.access).send().await.unwrap();
            assert_eq!(response.headers()["allow"], "POST");
            problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        }
        // An id that does not parse, where no literal path matches, is still a 404.
        let response = app.authed(Method::GET, "/api/v1/users/not-an-id", &admin.access).send().await.unwrap();
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn a_404_inside_the_docs_is_a_problem_too(app: TestApp) {
        problem(app.get("/docs/no-such-asset.js").await, StatusCode::NOT_FOUND, "not_found").await;
    }
}
