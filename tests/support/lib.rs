//! Test harness: starts the real application on port 0 against a fresh database per test,
//! on SQLite and on PostgreSQL, with its own SMTP server ([`TestApp::mail`]) that receives
//! every mail the app sends.
//!
//! Each server runs one HTTP worker; tests of contention start theirs with [`RACING`]
//! (several workers, a larger pool) and send their requests through [`race`], which
//! starts them together and lets them assert that they overlapped.
//!
//! PostgreSQL is found in this order: `TEST_POSTGRES_URL` (a server URL whose user may
//! `CREATE DATABASE`); a server on 127.0.0.1:5432 accepting `postgres` without password;
//! a throwaway cluster started with `initdb`/`pg_ctl` under `target/`. Without any of
//! them the PostgreSQL half of each test is skipped with a loud notice — except when
//! `CI=true`, where that is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod consultation;
mod race;

pub use accounts::{PASSWORD, TestUser, test_keys, token_in};
pub use consultation::{event_of, events_of, every_day, offer_body, wall_time};
pub use race::{RACING, Race, race};

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use academy_server::{Application, Config};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

mod smtp;

pub use reqwest::{Response, StatusCode};
pub use serde_json::{Value, json};
pub use smtp::{ReceivedAttachment, ReceivedMail, SmtpServer};

/// The two database engines every black-box test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running application with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// A client that keeps no cookies and follows no redirects.
    pub client: reqwest::Client,
    /// The backend this app runs on.
    pub backend: Backend,
    /// The application's database, for arranging and asserting state directly.
    pub db: DatabaseConnection,
    /// Name of the database (PostgreSQL) or path of the file (SQLite).
    pub database_name: String,
    /// The `DATABASE_URL` the app runs on, e.g. for a second instance or pool.
    pub database_url: String,
    /// The SMTP server the app delivers to (plain text, polled every 50 ms).
    pub mail: SmtpServer,
    /// The folder the app keeps uploaded files in.
    pub files_dir: PathBuf,
    /// The settings the app was started with, for further instances.
    env: Vec<(String, String)>,
}

impl TestApp {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// `GET /metrics` with the metrics token, as the scraper reads it; the text.
    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(self.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), StatusCode::OK, "metrics readable");
        response.text().await.expect("metrics text")
    }

    /// A request builder for any method.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }
}

/// Reads a response as JSON, asserting its status first.
pub async fn json_body(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a problem document with the given status and code, and returns it.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body = json_body(response, status).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(
        body["type"],
        format!("urn:academy:problem:{code}"),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    assert!(body["errors"].is_array(), "{body}");
    body
}

/// The metrics token of every test server ([`TestApp::metrics`] sends it).
pub const METRICS_TOKEN: &str = "metrics-token-of-the-black-box-tests";

/// The access-token secret of every test server, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-for-the-academy-black-box-tests";
/// The credential signing key of the tests: the base64 of a fixed 32-byte Ed25519 seed.
pub const CREDENTIAL_KEY: &str = "ZXhhbXBsZS1rZXktZm9yLWJsYWNrLWJveC10ZXN0cyE=";

/// Environment overrides for one test's server, on top of the test defaults.
pub type Settings = &'static [(&'static str, &'static str)];

fn test_config(env: &[(String, String)]) -> Config {
    let mut config =
        Config::from_lookup(|name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("test config");
    config.handle_signals = false;
    config
}

/// Another instance of the application on the same database, as behind a load balancer.
pub struct Instance {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    handle: actix_web::dev::ServerHandle,
}

impl Instance {
    /// Absolute URL of `path` on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the instance gracefully.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

impl TestApp {
    /// Every file in the app's files folder (the folder store), staging files of
    /// unfinished uploads included: what a test counts to prove nothing was left behind.
    pub fn stored_files(&self) -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
        }
        count(&self.files_dir)
    }

    /// The settings the app was started with, as the command line would read them (its
    /// database, its file store).
    pub fn config(&self) -> Config {
        test_config(&self.env)
    }

    /// Starts a second instance with the same settings on the same database.
    pub async fn another_instance(&self) -> Instance {
        let app = Application::build(test_config(&self.env))
            .await
            .expect("second instance starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Instance { address, handle }
    }
}

/// Runs `test` against a fresh app on `backend`, then stops the server and drops the
/// database, whether the test passed or panicked.
pub async fn run_test<F, Fut>(backend: Backend, settings: Settings, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let files_dir = std::env::temp_dir().join(format!("academy-files-{}", uuid::Uuid::now_v7()));
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database.url.clone()),
        ("ACADEMY_BIND", "127.0.0.1:0".to_owned()),
        ("ACADEMY_WORKERS", "1".to_owned()),
        ("ACADEMY_DB_MAX_CONNECTIONS", "5".to_owned()),
        ("ACADEMY_LOG", "warn".to_owned()),
        ("ACADEMY_JWT_SECRET", JWT_SECRET.to_owned()),
        ("ACADEMY_SMTP_HOST", "127.0.0.1".to_owned()),
        ("ACADEMY_SMTP_PORT", smtp.port().to_string()),
        ("ACADEMY_SMTP_TLS", "none".to_owned()),
        ("ACADEMY_MAIL_POLL_INTERVAL", "50ms".to_owned()),
        ("ACADEMY_FILES_DIR", files_dir.display().to_string()),
        ("ACADEMY_METRICS_TOKEN", METRICS_TOKEN.to_owned()),
        ("ACADEMY_CREDENTIAL_KEY", CREDENTIAL_KEY.to_owned()),
        // Tests drive the consultation hours jobs themselves.
        ("ACADEMY_CONSULTATION_JOBS_INTERVAL", "1h".to_owned()),
    ]);
    for (name, value) in settings {
        env.insert(name, (*value).to_owned());
    }
    let env: Vec<(String, String)> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let config = test_config(&env);
    static LOG_GUARD: OnceLock<Option<academy_server::telemetry::LogGuard>> = OnceLock::new();
    LOG_GUARD.get_or_init(|| {
        academy_server::telemetry::init_tracing(&config.log_filter, config.log_format)
    });

    let app = Application::build(config)
        .await
        .expect("application starts");
    let port = app.port();
    let handle = app.handle();
    let db = app.db().clone();
    let server = tokio::spawn(app.run_until_stopped());

    // reqwest is built without a TLS provider of its own (the server's S3 client installs
    // ring); the tests talk plain HTTP, but the client still wants one to exist.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let test_app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        backend,
        db,
        database_name: database.name.clone(),
        database_url: database.url.clone(),
        mail: smtp.clone(),
        files_dir: files_dir.clone(),
        env,
    };
    let outcome = tokio::spawn(test(test_app)).await;

    handle.stop(true).await;
    let _ = server.await;
    // Kept until the app (and its mail worker) has stopped, so no delivery meets a
    // closed port.
    drop(smtp);
    database.drop().await;
    let _ = std::fs::remove_dir_all(&files_dir);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL, as
/// `name::sqlite` and `name::postgres`. Optional `settings = [("ACADEMY_…", "…")];`
/// before the function sets environment overrides for the server under test.
#[macro_export]
macro_rules! on_both_backends {
    ($(settings = $settings:expr;)? async fn $name:ident($app:ident: TestApp) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: $crate::TestApp) $body

            fn settings() -> $crate::Settings {
                let settings: $crate::Settings = &[];
                $(let settings: $crate::Settings = &$settings;)?
                settings
            }

            #[tokio::test]
            async fn sqlite() {
                $crate::run_test($crate::Backend::Sqlite, settings(), body).await
            }

            #[tokio::test]
            async fn postgres() {
                $crate::run_test($crate::Backend::Postgres, settings(), body).await
            }
        }
    };
}

/// A database created for one test.
struct TestDatabase {
    backend: Backend,
    url: String,
    name: String,
    admin_url: Option<String>,
}

impl TestDatabase {
    async fn create(backend: Backend) -> Option<Self> {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("academy-test-{unique}.db"));
                Some(Self {
                    backend,
                    url: format!("sqlite://{}", path.display()),
                    name: path.display().to_string(),
                    admin_url: None,
                })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("academy_test_{unique}");
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("connect to the PostgreSQL test server");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                Some(Self {
                    backend,
                    url: with_database(&admin_url, &name),
                    name,
                    admin_url: Some(admin_url),
                })
            }
        }
    }

    async fn drop(self) {
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
                }
            }
            Backend::Postgres => {
                if let Some(admin_url) = self.admin_url
                    && let Ok(admin) = Database::connect(admin_url.as_str()).await
                {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            self.name
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// Connects to the PostgreSQL server of the tests as an administrator; `None` when the
/// PostgreSQL half is skipped.
pub async fn postgres_admin() -> Option<DatabaseConnection> {
    let url = postgres_admin_url()?;
    Some(
        Database::connect(url.as_str())
            .await
            .expect("connect as administrator"),
    )
}

/// The URL of a server the tests may create databases on, found once per process.
fn postgres_admin_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let found = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(local_server)
            .or_else(throwaway_cluster);
        if found.is_none() {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !ci,
                "CI=true but no PostgreSQL is reachable: set TEST_POSTGRES_URL or start one"
            );
            // Written to the raw stderr handle so the test runner's capture cannot hide it.
            let _ = std::io::stderr().write_all(
                b"\n\n!!! PostgreSQL NOT AVAILABLE: the PostgreSQL half of every test is SKIPPED.\n\
                  !!! Set TEST_POSTGRES_URL=postgres://user@host:port/postgres, or put initdb and\n\
                  !!! pg_ctl on the PATH (as a non-root user) for a throwaway cluster.\n\n",
            );
        }
        found
    })
    .clone()
}

/// A server on the standard local port that trusts the `postgres` user.
fn local_server() -> Option<String> {
    let address: SocketAddr = "127.0.0.1:5432".parse().ok()?;
    TcpStream::connect_timeout(&address, Duration::from_millis(300)).ok()?;
    Some("postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Starts (or reuses) a cluster under `target/test-postgres` on a free port. PostgreSQL
/// refuses to run as root, so root gets nothing here.
fn throwaway_cluster() -> Option<String> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if is_root {
        return None;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-postgres");
    let data = dir.join("data");
    if let Some(port) = running_port(&data) {
        return Some(format!("postgres://postgres@127.0.0.1:{port}/postgres"));
    }
    if !data.join("PG_VERSION").exists() {
        std::fs::create_dir_all(&dir).ok()?;
        let status = Command::new("initdb")
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ])
            .arg("-D")
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let log: PathBuf = dir.join("server.log");
    let status = Command::new("pg_ctl")
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .arg("-o")
        .arg(format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            dir.display()
        ))
        .args(["-w", "start"])
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status
        .success()
        .then(|| format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// The port of a cluster already running from `data`, read from its `postmaster.pid`.
fn running_port(data: &Path) -> Option<u16> {
    let running = Command::new("pg_ctl")
        .arg("-D")
        .arg(data)
        .arg("status")
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?
        .success();
    if !running {
        return None;
    }
    let pid_file = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    pid_file.lines().nth(3)?.trim().parse().ok()
}

/// The server URL with its database path replaced by `name`.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_replaces_the_path() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            with_database("postgres://u:p@h/x?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}
