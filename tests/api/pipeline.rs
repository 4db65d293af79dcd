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
        for header in ["x-request-id", "etag", "content-disposition", "content-range", "idempotent-replayed", "retry-after"] {
            assert!(exposed.contains(header), "{header} not in {exposed}");
        }
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

on_both_backends! {
    async fn head_works_wherever_get_does(app: TestApp) {
        let taxonomy = app.get("/api/v1/taxonomy").await;
        let etag = taxonomy.headers()["etag"].clone();
        for path in ["/health/live", "/health/ready", "/api/v1/version", "/api/v1/taxonomy", "/api/v1/guides?limit=5", "/api/v1/organisations", "/openapi.json", "/metrics"] {
            let get = app.request(Method::GET, path).bearer_auth(METRICS_TOKEN).send().await.unwrap();
            let head = app.request(Method::HEAD, path).bearer_auth(METRICS_TOKEN).send().await.unwrap();
            assert_eq!(head.status(), get.status(), "{path}");
            for name in ["content-type", "etag", "cache-control"] {
                assert_eq!(head.headers().get(name), get.headers().get(name), "{path}: {name}");
            }
            // Readiness and metrics carry measurements, which differ from call to call.
            if !["/health/ready", "/metrics"].contains(&path) {
                assert_eq!(head.headers().get("content-length"), get.headers().get("content-length"), "{path}");
            }
            assert!(head.headers().contains_key("x-request-id"), "{path}");
            assert!(head.bytes().await.unwrap().is_empty(), "{path}: HEAD has no body");
        }
        let conditional = app.request(Method::HEAD, "/api/v1/taxonomy").header("if-none-match", etag).send().await.unwrap();
        assert_eq!(conditional.status(), StatusCode::NOT_MODIFIED);

        // Where GET answers an error, so does HEAD; where there is no GET, HEAD is refused.
        let missing = app.request(Method::HEAD, "/api/v1/nope").send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let post_only = app.request(Method::HEAD, "/api/v1/auth/login").send().await.unwrap();
        assert_eq!(post_only.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(!post_only.headers()["allow"].to_str().unwrap().contains("HEAD"));
        let get_allowed = app.request(Method::DELETE, "/api/v1/taxonomy").send().await.unwrap();
        assert_eq!(get_allowed.headers()["allow"], "GET, HEAD");
    }
}

on_both_backends! {
    async fn metrics_are_for_the_scraper_with_its_token(app: TestApp) {
        for token in [None, Some("wrong-token-of-the-same-sort"), Some("x")] {
            let mut request = app.request(Method::GET, "/metrics");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert!(response.headers().contains_key("www-authenticate"), "{token:?}");
            problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
        assert!(app.metrics().await.contains("http_requests_total"));
    }
}

on_both_backends! {
    settings = [("ACADEMY_METRICS_TOKEN", "")];
    async fn without_a_token_metrics_are_off_outside_development_mode(app: TestApp) {
        problem(app.get("/metrics").await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    settings = [("ACADEMY_METRICS_TOKEN", ""), ("ACADEMY_DEV_MODE", "true")];
    async fn in_development_mode_metrics_are_open(app: TestApp) {
        assert_eq!(app.get("/metrics").await.status(), StatusCode::OK);
    }
}
