//! Builds the application: one `Application::build(config)` used by `main` and the tests.

use std::net::TcpListener;

use academy_auth::Auth;
use academy_files::FileStore;
use academy_kernel::db::{self, Db};
use academy_kernel::extract;
use academy_kernel::periodic::Periodic;
use academy_notifications::{Transport, Worker};
use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, http::header, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::middleware::{self, PipelineSettings};
use crate::openapi;
use crate::routes::fallback::{self, RouteTable};
use crate::routes::meta::PoolSize;
use crate::telemetry;

/// How often scheduled guides are looked for; a scheduled guide goes live at most this
/// late.
const SCHEDULED_PUBLISHING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// A bound, configured server, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    mail_worker: Option<Worker>,
    scheduler: Periodic,
    tutorial_scheduler: Periodic,
    course_jobs: Periodic,
    consultation_jobs: Periodic,
}

/// The OpenAPI document as served at `/openapi.json`.
struct OpenApiJson(web::Bytes);

/// `GET /openapi.json`: the OpenAPI 3.1 document Swagger UI at `/docs` reads.
async fn openapi_json(document: web::Data<OpenApiJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

impl Application {
    /// Opens the database, applies migrations (unless switched off), binds the listener,
    /// prepares the HTTP server, and starts the mail worker (unless switched off) and
    /// scheduled publishing of guides on the current tokio runtime. Binding port 0 picks a
    /// free port; [`port`](Self::port) tells which.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let auth = web::Data::new(Auth::new(config.auth_settings()?));
        let files = web::Data::new(
            FileStore::new(&config.files)
                .context("cannot open the file store (ACADEMY_FILES_DIR / ACADEMY_S3_*)")?,
        );
        let db = db::connect(&config.db_settings())
            .await
            .context("cannot open the database given by DATABASE_URL")?;
        if config.migrate_on_start {
            academy_migrations::migrate_up(&db)
                .await
                .context("cannot apply the database migrations")?;
            // Once, after the migration that created the catalogue's read model.
            academy_catalogue::rebuild(&db)
                .await
                .context("cannot write the catalogue from the live content")?;
        }

        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("cannot listen on {} (ACADEMY_BIND)", config.bind))?;
        let port = listener.local_addr()?.port();
        let transport = Transport::from_settings(&config.mail)
            .context("cannot set up mail delivery (ACADEMY_SMTP_*, ACADEMY_MAIL_DIR)")?;

        telemetry::metrics_handle();
        let api = openapi::document();
        let route_table = web::Data::new(RouteTable::from_openapi(&api));
        // Serialised once and shared by every worker: the document is large, and a copy
        // per worker for Swagger UI cost each worker megabytes.
        let api_json = web::Data::new(OpenApiJson(web::Bytes::from(
            serde_json::to_vec(&api).context("cannot write the OpenAPI document")?,
        )));
        drop(api);
        let db_data = web::Data::new(db.clone());
        let consultation = web::Data::new(config.consultation.clone());
        let tutorials = web::Data::new(config.tutorials.clone());
        let courses = web::Data::new(config.courses.clone());
        let completions = web::Data::new(academy_tutorials::watching::Completions::new(vec![
            std::sync::Arc::new(academy_courses::learning::TutorialLessons),
        ]));
        let pipeline = web::Data::new(PipelineSettings {
            request_timeout: config.request_timeout,
        });
        let pool_size = web::Data::new(PoolSize(config.db_max_connections));
        let metrics_access = web::Data::new(config.metrics.clone());
        let cors_origins = config.cors_origins.clone();
        let json_limit = config.json_limit;
        let catalogue_cache = web::Data::new(academy_catalogue::Cache::new(config.catalogue_cache));

        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(openapi::routes)
                .split_for_parts();
            app.app_data(db_data.clone())
                .app_data(auth.clone())
                .app_data(files.clone())
                .app_data(consultation.clone())
                .app_data(tutorials.clone())
                .app_data(completions.clone())
                .app_data(courses.clone())
                .app_data(catalogue_cache.clone())
                .app_data(pipeline.clone())
                .app_data(pool_size.clone())
                .app_data(metrics_access.clone())
                .app_data(route_table.clone())
                .app_data(extract::json_config(json_limit))
                .app_data(extract::payload_config(json_limit))
                .app_data(extract::query_config())
                .app_data(fallback::path_config())
                .app_data(api_json.clone())
                .route("/openapi.json", web::get().to(openapi_json))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/openapi.json")),
                )
                .configure(academy_auth::configure_pages)
                .default_service(web::to(fallback::not_routed))
                .wrap(from_fn(middleware::head_as_get))
                .wrap(from_fn(middleware::refuse_nul))
                .wrap(from_fn(middleware::limit_time))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(from_fn(middleware::harden))
                .wrap(from_fn(middleware::observe))
        })
        .workers(config.workers)
        .shutdown_timeout(config.shutdown_timeout.as_secs().max(1))
        .listen(listener)?;
        let server = if config.handle_signals {
            server
        } else {
            server.disable_signals()
        };

        let mail_worker = if config.mail.worker {
            Some(Worker::spawn(
                db.clone(),
                transport,
                config.mail.poll_interval,
            ))
        } else {
            tracing::info!("mail delivery is off on this instance (ACADEMY_MAIL_WORKER=false)");
            None
        };

        // Every instance looks for due guides; each revision is claimed by exactly one.
        let scheduler = academy_guides::scheduler::spawn(db.clone(), SCHEDULED_PUBLISHING_INTERVAL);
        let tutorial_scheduler =
            academy_tutorials::scheduler::spawn(db.clone(), SCHEDULED_PUBLISHING_INTERVAL);
        // Courses: scheduled revisions, enrolment mails and due-date reminders.
        let course_jobs = academy_courses::scheduler::spawn(
            db.clone(),
            config.courses.clone(),
            config.consultation_jobs_interval,
        );
        // Likewise reminders, seat holds and slot upkeep: claimed row by row.
        let consultation_jobs = academy_consultation_hours::jobs::spawn(
            db.clone(),
            config.consultation.clone(),
            config.consultation_jobs_interval,
        );

        Ok(Self {
            port,
            server: server.run(),
            db,
            mail_worker,
            scheduler,
            tutorial_scheduler,
            course_jobs,
            consultation_jobs,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The application's database pool.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A handle to stop the server gracefully from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM/SIGINT or [`ServerHandle::stop`]); in-flight requests
    /// finish first, within the shutdown timeout. Then the mail worker finishes the mail in
    /// hand, scheduled publishing and the consultation hours jobs stop and the database pool is closed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(worker) = self.mail_worker {
            worker.stop().await;
        }
        self.scheduler.stop().await;
        self.tutorial_scheduler.stop().await;
        self.course_jobs.stop().await;
        self.consultation_jobs.stop().await;
        let _ = self.db.close().await;
        result
    }
}

/// Cross-origin access for the configured browser origins. Requests from other origins are
/// not rejected here; they simply get no CORS headers, and the browser withholds the answer.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_RANGE,
            header::RANGE,
            header::HeaderName::from_static("idempotency-key"),
            middleware::REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
            header::HeaderName::from_static("idempotent-replayed"),
            middleware::REQUEST_ID,
        ])
        .max_age(3600)
        .block_on_origin_mismatch(false)
}
