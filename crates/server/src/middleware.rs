//! The request pipeline every route runs through: request id, log span, time limit,
//! access log, metrics, security headers, and the guarantee that every error is a
//! problem document.

use std::time::{Duration, Instant};

use academy_kernel::{AppError, PROBLEM_JSON};
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use tracing::Instrument;
use uuid::Uuid;

/// Header carrying the request id in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Settings the pipeline reads per request.
#[derive(Debug, Clone, Copy)]
pub struct PipelineSettings {
    /// Longest a request may run before it is answered 503.
    pub request_timeout: Duration,
}

/// Request id, tracing span, access log and metrics, in one pass.
///
/// The request id comes from `X-Request-Id` when the caller (or a proxy) sent a sane one,
/// else a new UUID v7; it is echoed in the response and is a field of every log line
/// written while the request runs.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_request_id(v))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    // Health probes come every few seconds from every load balancer and orchestrator:
    // they are counted and get their request id, and that is all — no span and no access
    // log line (a failed readiness check logs its cause itself), so that the log shows
    // what people did and a probe costs next to nothing.
    if is_probe(req.path()) {
        let method = req.method().clone();
        let mut response = next.call(req).await?.map_into_boxed_body();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        let route = response.request().path().to_owned();
        record(&method, &route, response.status().as_u16(), started);
        return Ok(response);
    }
    let method = req.method().clone();
    let is_docs = req.path().starts_with("/docs");
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        path = %loggable_path(req.path()),
    );

    let mut response = match next.call(req).instrument(span.clone()).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            // Only middleware fails this way (the time limit, say; handlers' errors are
            // already responses). Without the request no `ServiceResponse` can be built, so
            // the finished response travels inside the error and actix sends it as it is.
            let mut response = error.error_response();
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            secure(response.headers_mut(), is_docs);
            let status = response.status().as_u16();
            record(&method, "unmatched", status, started);
            tracing::warn!(
                target: "academy::access",
                parent: &span,
                status,
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request failed"
            );
            return Err(InternalError::from_response(error.to_string(), response).into());
        }
    };

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }

    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    record(&method, &route, status, started);
    tracing::info!(
        target: "academy::access",
        parent: &span,
        route = %route,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request finished"
    );
    Ok(response)
}

/// Whether `path` is a health probe (`/health/live`, `/health/ready`).
fn is_probe(path: &str) -> bool {
    matches!(path, "/health/live" | "/health/ready")
}

/// Counts the request and its latency by method, route template and status.
fn record(method: &Method, route: &str, status: u16, started: Instant) {
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
}

/// Refuses a request whose path or query string carries a NUL character (`%00`): no name,
/// id, slug or search of this API contains one, and PostgreSQL cannot store or compare
/// text with it, so it would otherwise surface as a server error. 400 `invalid_character`.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let carries_nul = |text: &str| text.contains("%00") || text.contains('\0');
    if carries_nul(req.path()) || carries_nul(req.query_string()) {
        let error = AppError::bad_request(
            "invalid_character",
            "The address contains a NUL character (%00), which no parameter accepts.",
        );
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// HEAD wherever GET: a HEAD request is routed as GET, and its answer keeps the status and
/// headers (`Content-Length`, `ETag`, `Content-Disposition`, …) but loses the body, which is
/// never read — a download answers HEAD without touching the file's contents.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_head = req.method() == Method::HEAD;
    if is_head {
        req.head_mut().method = Method::GET;
    }
    let response = next.call(req).await?.map_into_boxed_body();
    if !is_head {
        return Ok(response);
    }
    Ok(response.map_body(|_, body| BoxBody::new(HeadBody(body.size()))))
}

/// The body of a HEAD answer: the size of the GET answer's body, and no bytes.
struct HeadBody(BodySize);

impl MessageBody for HeadBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

/// Bounds the time a request may take. A request that runs over is abandoned — its future
/// is dropped, which rolls back any open transaction — and answered 503 `request_timeout`.
pub async fn limit_time(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<PipelineSettings>>()
        .map_or(Duration::from_secs(30), |s| s.request_timeout);
    match tokio::time::timeout(timeout, next.call(req)).await {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
            Err(AppError::unavailable(
                "request_timeout",
                "The request took too long and was abandoned; try again later.",
            )
            .into())
        }
    }
}

/// A request id we are willing to echo and log: short, visible ASCII, no separators that
/// could forge log structure.
fn is_sane_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Prefixes of paths whose last segment is a secret (the calendar feed token): logged
/// without it.
const SECRET_PATHS: &[&str] = &["/api/v1/calendar-feeds/"];

/// The request path as it may appear in logs.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match SECRET_PATHS
        .iter()
        .find(|prefix| path.starts_with(**prefix))
    {
        Some(prefix) => format!("{prefix}…").into(),
        None => path.into(),
    }
}

/// Content-Security-Policy of API responses: nothing may be loaded or framed.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// Content-Security-Policy of the Swagger UI pages, which load their own scripts and styles.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Security headers on every response, and problem documents for every error.
///
/// Responses from actix itself or from third-party services that carry an error status but
/// not our problem body (a 404 inside Swagger UI, say) are rewritten into one, keeping their
/// headers, so a client never has to parse two error formats.
pub async fn harden(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_docs = req.path().starts_with("/docs");
    let mut response = next.call(req).await?.map_into_boxed_body();

    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        let is_problem = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        if !is_problem {
            let (request, original) = response.into_parts();
            let mut problem = AppError::from_status(status).error_response();
            for (name, value) in original.headers() {
                let body_header = [
                    header::CONTENT_TYPE,
                    header::CONTENT_LENGTH,
                    header::CONTENT_ENCODING,
                ];
                if !body_header.contains(name) {
                    problem.headers_mut().append(name.clone(), value.clone());
                }
            }
            response = ServiceResponse::new(request, problem);
        }
    }

    secure(response.headers_mut(), is_docs);
    Ok(response)
}

/// Adds the security headers a response does not set itself.
fn secure(headers: &mut HeaderMap, is_docs: bool) {
    let csp = if is_docs { DOCS_CSP } else { API_CSP };
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ),
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-site",
        ),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::test::{self as actix_test, TestRequest};
    use actix_web::{App, HttpResponse};

    async fn slow() -> HttpResponse {
        tokio::time::sleep(Duration::from_secs(5)).await;
        HttpResponse::Ok().finish()
    }

    fn short_time_limit() -> web::Data<PipelineSettings> {
        web::Data::new(PipelineSettings {
            request_timeout: Duration::from_millis(50),
        })
    }

    async fn plain_error() -> HttpResponse {
        HttpResponse::Conflict()
            .insert_header(("retry-after", "3"))
            .body("plain text from somewhere")
    }

    #[actix_web::test]
    async fn a_request_over_the_time_limit_is_answered_503() {
        let app = actix_test::init_service(
            App::new()
                .app_data(short_time_limit())
                .wrap(from_fn(limit_time))
                .route("/slow", web::get().to(slow)),
        )
        .await;
        let started = Instant::now();
        let result =
            actix_test::try_call_service(&app, TestRequest::get().uri("/slow").to_request()).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        let error = result.err().expect("the request is abandoned");
        let response = error.error_response();
        assert_eq!(response.status().as_u16(), 503);
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "request_timeout");
    }

    #[actix_web::test]
    async fn a_timed_out_request_still_carries_its_request_id_and_security_headers() {
        let app = actix_test::init_service(
            App::new()
                .app_data(short_time_limit())
                .wrap(from_fn(limit_time))
                .wrap(from_fn(harden))
                .wrap(from_fn(observe))
                .route("/slow", web::get().to(slow)),
        )
        .await;
        let request = TestRequest::get()
            .uri("/slow")
            .insert_header(("x-request-id", "trace-7"))
            .to_request();
        let error = actix_test::try_call_service(&app, request)
            .await
            .expect_err("the request is abandoned");
        let response = error.error_response();
        assert_eq!(response.status().as_u16(), 503);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("x-request-id").as_deref(), Some("trace-7"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("content-type").as_deref(), Some(PROBLEM_JSON));
    }

    #[actix_web::test]
    async fn errors_without_a_problem_body_are_rewritten_into_one() {
        let app = actix_test::init_service(
            App::new()
                .wrap(from_fn(harden))
                .route("/conflict", web::get().to(plain_error)),
        )
        .await;
        let response =
            actix_test::call_service(&app, TestRequest::get().uri("/conflict").to_request()).await;
        assert_eq!(response.status().as_u16(), 409);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("content-type").as_deref(), Some(PROBLEM_JSON));
        assert_eq!(header("retry-after").as_deref(), Some("3"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        let body: serde_json::Value = actix_test::read_body_json(response).await;
        assert_eq!(body["code"], "conflict");
        assert_eq!(body["status"], 409);
    }

    #[test]
    fn request_ids_are_accepted_only_when_sane() {
        assert!(is_sane_request_id("0192f5d2-7f3c-7cc1-9c51-0bb2a1c7e0f1"));
        assert!(is_sane_request_id("lb-1:abc.def_42"));
        assert!(!is_sane_request_id(""));
        assert!(!is_sane_request_id("a b"));
        assert!(!is_sane_request_id("x\", \"admin\": true"));
        assert!(!is_sane_request_id(&"a".repeat(129)));
    }

    #[test]
    fn feed_tokens_stay_out_of_the_log() {
        assert_eq!(
            loggable_path("/api/v1/calendar-feeds/Zm9vYmFyc2VjcmV0"),
            "/api/v1/calendar-feeds/…"
        );
        assert_eq!(loggable_path("/api/v1/guides"), "/api/v1/guides");
    }
}
