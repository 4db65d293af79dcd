//! What is running, and how it is doing.

use academy_kernel::db::{self, Db};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

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
/// Expose it to the metrics scraper only, not to the internet.
#[utoipa::path(
    tag = "operations",
    responses((status = OK, description = "Metrics in the Prometheus text format.",
        body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn get_metrics(db: web::Data<Db>, max: web::Data<PoolSize>) -> HttpResponse {
    let (open, idle) = db::pool_usage(&db);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(open - idle.min(open)));
    metrics::gauge!("db_pool_max_connections").set(f64::from(max.0));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(telemetry::metrics_handle().render())
}

/// The configured upper bound of the database pool, for the metrics endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize(pub u32);
