//! What is running, and how it is doing.

use academy_kernel::AppError;
use academy_kernel::db::{self, Db};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::MetricsAccess;
use crate::telemetry;

/// The build that answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionResponse {
    /// Name of the service.
    #[schema(example = "academy")]
    pub name: &'static str,
    /// Semantic version of the release.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// Git commit the binary was built from, or `unknown`.
    #[schema(example = "3f9c2a1b7d0e")]
    pub git_revision: &'static str,
}

/// The version and git revision of the running server.
#[utoipa::path(
    tag = "operations",
    responses((status = OK, description = "The running build.", body = VersionResponse))
)]
#[get("/version")]
pub async fn get_version() -> HttpResponse {
    HttpResponse::Ok().json(VersionResponse {
        name: "academy",
        version: env!("CARGO_PKG_VERSION"),
        git_revision: env!("ACADEMY_GIT_REVISION"),
    })
}

/// Prometheus metrics in the text exposition format.
///
/// `http_requests_total` and `http_request_duration_seconds` by method, route template and
/// status; `db_pool_connections` by state (`idle`, `in_use`) and `db_pool_max_connections`.
/// For the metrics scraper: it sends `Authorization: Bearer <ACADEMY_METRICS_TOKEN>`.
/// Without a configured token the endpoint answers 404, except in development mode.
#[utoipa::path(
    tag = "operations",
    security(("metricsToken" = [])),
    responses(
        (status = OK, description = "Metrics in the Prometheus text format.",
            body = String, content_type = "text/plain; version=0.0.4"),
        (status = UNAUTHORIZED, description = "The metrics token is missing or wrong.",
            body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = NOT_FOUND, description = "No metrics token is configured.",
            body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn get_metrics(
    req: HttpRequest,
    db: web::Data<Db>,
    max: web::Data<PoolSize>,
    access: web::Data<MetricsAccess>,
) -> Result<HttpResponse, AppError> {
    match access.get_ref() {
        MetricsAccess::Open => {}
        MetricsAccess::Off => return Err(AppError::not_found()),
        MetricsAccess::Token(token) => {
            let sent = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if !same_secret(sent.trim().as_bytes(), token.as_bytes()) {
                return Err(AppError::unauthorized());
            }
        }
    }
    let (open, idle) = db::pool_usage(&db);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(open - idle.min(open)));
    metrics::gauge!("db_pool_max_connections").set(f64::from(max.0));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(telemetry::metrics_handle().render()))
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(sent: &[u8], expected: &[u8]) -> bool {
    sent.len() == expected.len()
        && sent
            .iter()
            .zip(expected)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// The configured upper bound of the database pool, for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize(pub u32);
