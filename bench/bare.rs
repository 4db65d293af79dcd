//! A bare actix-web server that answers `GET /health/live` with the same body as the
//! academy, without its middleware, database or OpenAPI: the baseline that shows what the
//! academy's request pipeline costs.

use actix_web::{App, HttpResponse, HttpServer, get};

#[get("/health/live")]
async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BARE_BIND").unwrap_or_else(|_| "127.0.0.1:8091".to_owned());
    let workers = std::env::var("BARE_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    HttpServer::new(|| App::new().service(live))
        .workers(workers)
        .bind(bind)?
        .run()
        .await
}
