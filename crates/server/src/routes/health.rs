//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use academy_kernel::db::{self, Db};
use academy_kernel::{AppError, Problem};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

/// How long readiness waits for the database before it declares it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveResponse {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The server can do its work: the database answered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadyResponse {
    /// Always `ok`; an unready server answers 503 with a problem document instead.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The database engine in use: `postgres` or `sqlite`.
    #[schema(example = "postgres")]
    pub database: &'static str,
    /// Round-trip time of the readiness query, in milliseconds.
    #[schema(example = 0.42)]
    pub database_latency_ms: f64,
}

/// Liveness: the process runs and serves HTTP.
///
/// Touches nothing else, so it stays green while the database is away; use it to decide
/// whether to restart the process, not whether to send it traffic.
#[utoipa::path(
    tag = "operations",
    responses((status = OK, description = "The process is up.", body = LiveResponse))
)]
#[get("/health/live")]
pub async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(LiveResponse { status: "ok" })
}

/// Readiness: the server can serve requests, checked with a real database round trip.
///
/// Answers 503 while the database is unreachable and 200 again as soon as it is back;
/// no restart is needed. Load balancers send traffic only to ready instances.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = OK, description = "The database answered.", body = ReadyResponse),
        (status = SERVICE_UNAVAILABLE, description = "The database is unreachable (`database_unavailable`).",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn readiness(db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    match db::ping(&db, READY_TIMEOUT).await {
        Ok(latency) => Ok(HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(ReadyResponse {
                status: "ok",
                database: db::backend_of(&db).as_str(),
                database_latency_ms: latency.as_secs_f64() * 1000.0,
            })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(AppError::database_unavailable())
        }
    }
}
