//! What every request gets: a request id, security headers, CORS. (What `/metrics` counts
//! is tested in `tests/metrics`.)

use academy_tests::*;
use reqwest::Method;

on_both_backends! {
    async fn a_sane_request_id_is_echoed(app: TestApp) {
        let response = app
            .request(Method::GET, "/health/live")
            .header("x-request-id", "lb-7f3c:42")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-request-id"], "lb-7f3c:42");
    }
}

on_both_backends! {
    async fn a_missing_or_unsafe_request_id_is_replaced_by_a_uuid(app: TestApp) {
        for sent in [None, Some("a b\" injected=1")] {
            let mut request = app.request(Method::GET, "/api/v1/nope");
            if let Some(value) = sent {
                request = request.header("x-request-id", value);
            }
            let response = request.send().await.unwrap();
            let id = response.headers()["x-request-id"].to_str().unwrap();
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        }
    }
}

on_both_backends! {
    async fn responses_carry_security_headers(app: TestApp) {
        for path in ["/health/live", "/api/v1/nope"] {
            let response = app.get(path).await;
            let headers = response.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["x-frame-options"], "DENY");
            assert_eq!(headers["referrer-policy"], "no-referrer");
            assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        }
    }
}

on_both_backends! {
    settings = [("ACADEMY_CORS_ORIGINS", "https://portal.example.org")];
    async fn cors_admits_configured_origins_only(app: TestApp) {
        let preflight = |origin: &'static str| {
            app.request(Method::OPTIONS, "/api/v1/version")
                .header("origin", origin)
                .header("access-control-request-method", "GET")
                .send()
        };
        let allowed = preflight("https://portal.example.org").await.unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], "https://portal.example.org");

        let other = preflight("https://evil.example.org").await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());

        let simple = app
            .request(Method::GET, "/api/v1/version")
            .header("origin", "https://portal.example.org")
            .send()
            .await
            .unwrap();
        assert_eq!(simple.status(), StatusCode::OK);
        assert_eq!(simple.headers()["access-control-allow-origin"], "https://portal.example.org");
        let exposed = simple.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
        assert!(exposed.contains("x-request-id") && exposed.contains("etag"), "{exposed}");
    }
}

on_both_backends! {
    async fn without_configured_origins_no_cors_headers_are_sent(app: TestApp) {
        let response = app
            .request(Method::GET, "/api/v1/version")
            .header("origin", "https://portal.example.org")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("access-control-allow-origin").is_none());
    }
}
