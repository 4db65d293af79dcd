//! Configuration from environment variables, each with a documented default.
//!
//! Invalid values stop the server at start-up with one message that names the variable.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use academy_auth::{AuthSettings, ThrottleSettings};
use academy_files::{FileBackend, FileSettings};
use academy_kernel::db::{Backend, DbSettings};
use academy_notifications::{MailSettings, SmtpCredentials, SmtpSettings};

/// The default database: an embedded SQLite file, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/academy.db";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Every setting the server reads, with its default. `README.md` documents the same list.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "postgres://… or sqlite://…",
    ),
    (
        "ACADEMY_BIND",
        DEFAULT_BIND,
        "address and port to listen on",
    ),
    (
        "ACADEMY_LOG",
        "info",
        "log filter, e.g. `info,academy=debug`",
    ),
    (
        "ACADEMY_LOG_FORMAT",
        "pretty",
        "`pretty` for people, `json` for log collectors",
    ),
    (
        "ACADEMY_CORS_ORIGINS",
        "",
        "comma-separated origins allowed to call the API from browsers",
    ),
    ("ACADEMY_JSON_LIMIT", "1MiB", "largest accepted JSON body"),
    (
        "ACADEMY_CATALOGUE_CACHE",
        "8MiB",
        "catalogue answers kept in memory per instance (0: none)",
    ),
    (
        "ACADEMY_REQUEST_TIMEOUT",
        "30s",
        "longest a request may take before it is answered 503",
    ),
    (
        "ACADEMY_MIGRATE",
        "true",
        "apply pending migrations at start-up",
    ),
    (
        "ACADEMY_DB_MAX_CONNECTIONS",
        "10",
        "size of the database pool",
    ),
    (
        "ACADEMY_DB_ACQUIRE_TIMEOUT",
        "5s",
        "longest a request waits for a database connection",
    ),
    ("ACADEMY_WORKERS", "number of cores", "HTTP worker threads"),
    (
        "ACADEMY_SHUTDOWN_TIMEOUT",
        "30s",
        "grace period for in-flight requests on SIGTERM/SIGINT",
    ),
    (
        "ACADEMY_JWT_SECRET",
        "",
        "signs access tokens; at least 32 bytes of randomness, e.g. `openssl rand -base64 48` (required unless ACADEMY_DEV_MODE)",
    ),
    (
        "ACADEMY_JWT_PREVIOUS_SECRETS",
        "",
        "comma-separated earlier secrets still accepted, so the key can rotate without signing anyone out",
    ),
    (
        "ACADEMY_DEV_MODE",
        "false",
        "development: without ACADEMY_JWT_SECRET a random one is generated per start (tokens die on restart); mails without SMTP are logged with their text; /metrics is open",
    ),
    (
        "ACADEMY_METRICS_TOKEN",
        "",
        "bearer token the metrics scraper sends to GET /metrics (at least 16 characters); unset: /metrics answers 404 outside development mode",
    ),
    (
        "ACADEMY_ACCESS_TOKEN_TTL",
        "15m",
        "lifetime of access tokens",
    ),
    (
        "ACADEMY_REFRESH_TOKEN_TTL",
        "30d",
        "lifetime of a session without use",
    ),
    (
        "ACADEMY_REFRESH_GRACE",
        "10s",
        "how long a just-exchanged refresh token still gets the same new pair (tabs refreshing at once); later it ends the session",
    ),
    (
        "ACADEMY_APP_URL",
        "http://localhost:8080",
        "base address of the web frontend; links in mails point there",
    ),
    (
        "ACADEMY_PUBLIC_URL",
        "http://localhost:8080",
        "public base address of this API; absolute addresses it hands out (calendar feeds) start with it",
    ),
    (
        "ACADEMY_PASSWORD_HASH_CONCURRENCY",
        "number of cores",
        "password hashes (19 MiB each) computed at once; more wait",
    ),
    (
        "ACADEMY_LOGIN_MAX_FAILURES",
        "5",
        "login attempts per account within the window before 429 (a right password clears the count)",
    ),
    (
        "ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT",
        "50",
        "login attempts per client address within the window before 429 (a right password gives its attempt back)",
    ),
    (
        "ACADEMY_LOGIN_WINDOW",
        "15m",
        "window of the login throttle, from the first attempt",
    ),
    (
        "ACADEMY_MAIL_MAX_PER_RECIPIENT",
        "5",
        "mails to one address a caller chooses (registration, password reset, invitation) within the window; more are quietly not sent",
    ),
    (
        "ACADEMY_MAIL_MAX_PER_CLIENT",
        "20",
        "registration and password-reset mails one client address may cause within the window; more are quietly not sent",
    ),
    (
        "ACADEMY_MAIL_LIMIT_WINDOW",
        "1h",
        "window of the two mail limits",
    ),
    (
        "ACADEMY_TRUST_FORWARDED",
        "false",
        "take the client address from Forwarded/X-Forwarded-For (only behind a proxy that sets them)",
    ),
    (
        "ACADEMY_SMTP_HOST",
        "",
        "SMTP server for outgoing mail; unset writes mails to ACADEMY_MAIL_DIR and the log",
    ),
    ("ACADEMY_SMTP_PORT", "587", "port of the SMTP server"),
    (
        "ACADEMY_SMTP_TLS",
        "starttls",
        "`starttls`, `tls` (implicit TLS, usually port 465) or `none`",
    ),
    (
        "ACADEMY_SMTP_USERNAME",
        "",
        "SMTP user name; set together with ACADEMY_SMTP_PASSWORD",
    ),
    ("ACADEMY_SMTP_PASSWORD", "", "SMTP password"),
    (
        "ACADEMY_MAIL_FROM",
        academy_notifications::DEFAULT_FROM,
        "sender of every mail",
    ),
    (
        "ACADEMY_MAIL_DIR",
        academy_notifications::DEFAULT_MAIL_DIR,
        "folder for `.eml` files while ACADEMY_SMTP_HOST is unset",
    ),
    (
        "ACADEMY_MAIL_POLL_INTERVAL",
        "2s",
        "how often the mail worker looks for due mails",
    ),
    (
        "ACADEMY_MAIL_WORKER",
        "true",
        "deliver mail from this instance (several instances may; each mail goes out once)",
    ),
    (
        "ACADEMY_FILES_DIR",
        "data/files",
        "folder for uploaded files while ACADEMY_S3_BUCKET is unset (created)",
    ),
    (
        "ACADEMY_UPLOAD_LIMIT",
        "20MiB",
        "largest accepted file upload",
    ),
    (
        "ACADEMY_S3_BUCKET",
        "",
        "keep files in this S3-compatible bucket instead of the folder (shared by every instance)",
    ),
    ("ACADEMY_S3_REGION", "eu-central-1", "region of the bucket"),
    (
        "ACADEMY_S3_ENDPOINT",
        "",
        "endpoint of an S3-compatible service other than AWS, e.g. https://s3.example.org",
    ),
    ("ACADEMY_S3_ACCESS_KEY_ID", "", "access key of the bucket"),
    (
        "ACADEMY_S3_SECRET_ACCESS_KEY",
        "",
        "secret key of the bucket",
    ),
    (
        "ACADEMY_BOOKING_RETENTION_DAYS",
        "365",
        "days after an appointment when the concern and intake answers of its booking are anonymised",
    ),
    (
        "ACADEMY_CONSULTATION_JOBS_INTERVAL",
        "60s",
        "how often each instance sends due reminders, ends seat holds and extends slots",
    ),
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub cors_origins: Vec<String>,
    pub json_limit: usize,
    /// Bytes of catalogue answers each instance keeps in memory; 0 keeps none.
    pub catalogue_cache: usize,
    pub request_timeout: Duration,
    pub migrate_on_start: bool,
    pub db_max_connections: u32,
    pub db_acquire_timeout: Duration,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    /// Outgoing mail: transport, sender, delivery worker.
    pub mail: MailSettings,
    /// Where uploaded files are kept, and the upload limit.
    pub files: FileSettings,
    /// Whether the server installs its own SIGTERM/SIGINT handlers (off in tests, where
    /// many servers share one process).
    pub handle_signals: bool,
    /// Identity and access; `auth.jwt_secret` is empty when none was configured outside
    /// development mode, which [`Config::auth_settings`] refuses.
    pub auth: AuthSettings,
    /// The JWT secret was generated for this process (development mode).
    pub jwt_secret_generated: bool,
    /// Consultation hours: mail links and retention.
    pub consultation: academy_consultation_hours::Settings,
    /// How often the consultation hours jobs run on this instance.
    pub consultation_jobs_interval: Duration,
    /// Video tutorials: the hosts external videos may come from, the fastest playback a
    /// progress report may claim.
    pub tutorials: academy_tutorials::Settings,
    /// Courses: mail links, the public address of certificates, the credential key.
    pub courses: academy_courses::Settings,
    /// Development mode (`ACADEMY_DEV_MODE`).
    pub dev_mode: bool,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
}

/// Who may read `GET /metrics`.
#[derive(Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Callers that send `Authorization: Bearer <token>`.
    Token(String),
    /// Everyone (development mode without a token).
    Open,
    /// No one: the endpoint answers 404.
    Off,
}

impl fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(…)"),
            Self::Open => f.write_str("Open"),
            Self::Off => f.write_str("Off"),
        }
    }
}

/// Shortest accepted `ACADEMY_METRICS_TOKEN`.
pub const MIN_METRICS_TOKEN_CHARS: usize = 16;

/// A setting that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid configuration: {}: {}",
            self.variable, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get`, so tests can pass any environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let fail = |variable: &'static str, message: String| ConfigError { variable, message };

        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if Backend::from_url(&database_url).is_none() {
            return Err(fail(
                "DATABASE_URL",
                "must start with postgres:// or sqlite:".into(),
            ));
        }

        let bind_text = var("ACADEMY_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let bind = bind_text
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| {
                fail(
                    "ACADEMY_BIND",
                    format!("{bind_text:?} is not an address such as 127.0.0.1:8080"),
                )
            })?;

        let log_filter = var("ACADEMY_LOG").unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| {
            fail(
                "ACADEMY_LOG",
                format!("{log_filter:?} is not a log filter: {e}"),
            )
        })?;

        let log_format = match var("ACADEMY_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(fail(
                    "ACADEMY_LOG_FORMAT",
                    format!("{other:?} is neither `pretty` nor `json`"),
                ));
            }
        };

        let cors_origins = match var("ACADEMY_CORS_ORIGINS") {
            None => Vec::new(),
            Some(list) => parse_origins(&list).map_err(|m| fail("ACADEMY_CORS_ORIGINS", m))?,
        };

        let json_limit = match var("ACADEMY_JSON_LIMIT") {
            None => 1024 * 1024,
            Some(text) => parse_size(&text).map_err(|m| fail("ACADEMY_JSON_LIMIT", m))?,
        };
        let catalogue_cache = match var("ACADEMY_CATALOGUE_CACHE") {
            None => academy_catalogue::cache::DEFAULT_CAPACITY,
            Some(text) if text.trim() == "0" => 0,
            Some(text) => parse_size(&text).map_err(|m| fail("ACADEMY_CATALOGUE_CACHE", m))?,
        };

        let duration = |name: &'static str, default: Duration| match var(name) {
            None => Ok(default),
            Some(text) => parse_duration(&text).map_err(|m| fail(name, m)),
        };
        let request_timeout = duration("ACADEMY_REQUEST_TIMEOUT", Duration::from_secs(30))?;
        let db_acquire_timeout = duration("ACADEMY_DB_ACQUIRE_TIMEOUT", Duration::from_secs(5))?;
        let shutdown_timeout = duration("ACADEMY_SHUTDOWN_TIMEOUT", Duration::from_secs(30))?;

        let migrate_on_start = match var("ACADEMY_MIGRATE") {
            None => true,
            Some(text) => parse_bool(&text).map_err(|m| fail("ACADEMY_MIGRATE", m))?,
        };

        // Counts of connections, threads and attempts: 1 to 1024.
        let positive = |name: &'static str, default: u32| match var(name) {
            None => Ok(default),
            Some(text) => parse_bounded(&text, 1..=1024u32).map_err(|m| fail(name, m)),
        };
        let db_max_connections = positive("ACADEMY_DB_MAX_CONNECTIONS", 10)?;
        let cores = std::thread::available_parallelism()
            .map_or(2, |n| u32::try_from(n.get()).unwrap_or(1024).min(1024));
        let workers = positive("ACADEMY_WORKERS", cores)? as usize;
        let mut mail = mail_settings(&var, &get)?;
        let files = file_settings(&var)?;

        let flag = |name: &'static str, default: bool| match var(name) {
            None => Ok(default),
            Some(text) => parse_bool(&text).map_err(|m| fail(name, m)),
        };
        let dev_mode = flag("ACADEMY_DEV_MODE", false)?;
        // Mail text holds sign-in and reset links: logged on a development machine only.
        mail.log_text = dev_mode;
        let metrics = match var("ACADEMY_METRICS_TOKEN") {
            Some(token) if token.chars().count() < MIN_METRICS_TOKEN_CHARS => {
                return Err(fail(
                    "ACADEMY_METRICS_TOKEN",
                    format!(
                        "must be at least {MIN_METRICS_TOKEN_CHARS} characters long; generate one with `openssl rand -hex 24`"
                    ),
                ));
            }
            Some(token) => MetricsAccess::Token(token),
            None if dev_mode => MetricsAccess::Open,
            None => MetricsAccess::Off,
        };
        let check_secret = |name: &'static str, secret: &str| {
            if secret.len() < academy_auth::jwt::MIN_SECRET_BYTES {
                Err(fail(
                    name,
                    format!(
                        "must be at least {} bytes long; generate one with `openssl rand -base64 48`",
                        academy_auth::jwt::MIN_SECRET_BYTES
                    ),
                ))
            } else {
                Ok(secret.to_owned())
            }
        };
        let (jwt_secret, jwt_secret_generated) = match var("ACADEMY_JWT_SECRET") {
            Some(secret) => (check_secret("ACADEMY_JWT_SECRET", &secret)?, false),
            None if dev_mode => (academy_auth::tokens::generate(), true),
            None => (String::new(), false),
        };
        let jwt_previous_secrets = var("ACADEMY_JWT_PREVIOUS_SECRETS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| check_secret("ACADEMY_JWT_PREVIOUS_SECRETS", s))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let access_token_ttl = duration("ACADEMY_ACCESS_TOKEN_TTL", Duration::from_secs(15 * 60))?;
        let refresh_token_ttl = duration(
            "ACADEMY_REFRESH_TOKEN_TTL",
            Duration::from_secs(30 * 24 * 3600),
        )?;
        // `0s` turns the grace off: every repeated refresh token is reuse.
        let refresh_grace = match var("ACADEMY_REFRESH_GRACE").as_deref() {
            Some("0" | "0s") => Duration::ZERO,
            _ => duration("ACADEMY_REFRESH_GRACE", academy_auth::DEFAULT_REFRESH_GRACE)?,
        };
        if refresh_grace > Duration::from_secs(300) {
            return Err(fail(
                "ACADEMY_REFRESH_GRACE",
                "must be at most 5m: a replayed refresh token is accepted for that long".into(),
            ));
        }
        let app_url = var("ACADEMY_APP_URL").unwrap_or_else(|| "http://localhost:8080".into());
        parse_origins(app_url.trim_end_matches('/')).map_err(|_| {
            fail(
                "ACADEMY_APP_URL",
                format!("{app_url:?} is not an address such as https://akademie.example.org"),
            )
        })?;
        // Absolute addresses come from here, never from a request's Host or
        // X-Forwarded-Host, which any client can set.
        let public_url = var("ACADEMY_PUBLIC_URL")
            .unwrap_or_else(|| "http://localhost:8080".into())
            .trim_end_matches('/')
            .to_owned();
        parse_origins(&public_url)
            .ok()
            .filter(|list| list.len() == 1)
            .ok_or_else(|| {
                fail(
                    "ACADEMY_PUBLIC_URL",
                    format!(
                        "{public_url:?} is not an address such as https://api.akademie.example.org"
                    ),
                )
            })?;
        let hash_concurrency = positive("ACADEMY_PASSWORD_HASH_CONCURRENCY", cores)? as usize;
        let per_account = positive("ACADEMY_LOGIN_MAX_FAILURES", 5)?;
        let per_client = positive("ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT", 50)?;
        let window = duration("ACADEMY_LOGIN_WINDOW", Duration::from_secs(15 * 60))?;
        let mail_limit = academy_auth::MailLimitSettings {
            per_recipient: positive(
                "ACADEMY_MAIL_MAX_PER_RECIPIENT",
                academy_auth::DEFAULT_MAILS_PER_RECIPIENT,
            )?,
            per_client: positive(
                "ACADEMY_MAIL_MAX_PER_CLIENT",
                academy_auth::DEFAULT_MAILS_PER_CLIENT,
            )?,
            window: duration(
                "ACADEMY_MAIL_LIMIT_WINDOW",
                academy_auth::DEFAULT_MAIL_LIMIT_WINDOW,
            )?,
        };
        let trust_forwarded = flag("ACADEMY_TRUST_FORWARDED", false)?;
        let retention_days = match var("ACADEMY_BOOKING_RETENTION_DAYS") {
            None => 365,
            Some(text) => parse_bounded(&text, 1..=3650i64)
                .map_err(|m| fail("ACADEMY_BOOKING_RETENTION_DAYS", m))?,
        };
        let consultation = academy_consultation_hours::Settings {
            app_url: app_url.clone(),
            public_url,
            retention_days,
        };
        let tutorials = academy_tutorials::Settings {
            allowed_hosts: match var("ACADEMY_VIDEO_HOSTS") {
                None => Vec::new(),
                Some(list) => parse_hosts(&list).map_err(|m| fail("ACADEMY_VIDEO_HOSTS", m))?,
            },
            max_playback_rate: match var("ACADEMY_MAX_PLAYBACK_RATE") {
                None => 2.0,
                Some(text) => {
                    parse_rate(&text).map_err(|m| fail("ACADEMY_MAX_PLAYBACK_RATE", m))?
                }
            },
            video_upload_limit: match var("ACADEMY_VIDEO_UPLOAD_LIMIT") {
                None => academy_tutorials::DEFAULT_VIDEO_UPLOAD_LIMIT,
                Some(text) => parse_size(&text)
                    .map(|n| n as u64)
                    .map_err(|m| fail("ACADEMY_VIDEO_UPLOAD_LIMIT", m))?,
            },
        };
        let courses = academy_courses::Settings {
            app_url: app_url.clone(),
            public_url: consultation.public_url.clone(),
            issuer: match var("ACADEMY_CREDENTIAL_KEY") {
                None if dev_mode => Some(academy_courses::credentials::Issuer::ephemeral(
                    &consultation.public_url,
                    "Akademie für sozialen Zusammenhalt",
                )),
                None => None,
                Some(seed) => Some(
                    academy_courses::credentials::Issuer::from_seed(
                        &seed,
                        &consultation.public_url,
                        "Akademie für sozialen Zusammenhalt",
                    )
                    .map_err(|e| {
                        fail(
                            "ACADEMY_CREDENTIAL_KEY",
                            format!(
                                "{}: give the base64 of a 32-byte Ed25519 seed, e.g. from `openssl rand -base64 32`",
                                e.0
                            ),
                        )
                    })?,
                ),
            },
        };
        let consultation_jobs_interval = duration(
            "ACADEMY_CONSULTATION_JOBS_INTERVAL",
            Duration::from_secs(60),
        )?;
        let auth = AuthSettings {
            jwt_secret,
            jwt_previous_secrets,
            access_token_ttl,
            refresh_token_ttl,
            refresh_grace,
            app_url,
            hash_concurrency,
            throttle: ThrottleSettings {
                per_account,
                per_client,
                window,
            },
            mail_limit,
            trust_forwarded,
        };

        Ok(Self {
            database_url,
            bind,
            log_filter,
            log_format,
            cors_origins,
            json_limit,
            catalogue_cache,
            request_timeout,
            migrate_on_start,
            db_max_connections,
            db_acquire_timeout,
            workers,
            shutdown_timeout,
            mail,
            files,
            handle_signals: true,
            auth,
            jwt_secret_generated,
            consultation,
            consultation_jobs_interval,
            tutorials,
            courses,
            dev_mode,
            metrics,
        })
    }

    /// What an operator must hear at start-up about this configuration, loudly.
    pub fn startup_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.mail.smtp.is_none() && !self.dev_mode {
            warnings.push(format!(
                "ACADEMY_SMTP_HOST is not set: NO MAIL LEAVES THIS SERVER. Verification links, invitations and password resets are only written to {} (their text is not logged outside development mode). Set ACADEMY_SMTP_HOST.",
                self.mail.dir.display()
            ));
        }
        if self.courses.issuer.is_none() {
            warnings.push(
                "ACADEMY_CREDENTIAL_KEY is not set: certificates are issued and verifiable, but no signed Open Badges credential is given out; set the base64 of a 32-byte Ed25519 seed (`openssl rand -base64 32`)".to_owned(),
            );
        }
        if self.metrics == MetricsAccess::Off {
            warnings.push(
                "ACADEMY_METRICS_TOKEN is not set: GET /metrics answers 404; set a token for the metrics scraper to read it".to_owned(),
            );
        }
        warnings
    }

    /// The identity settings, or the error that no JWT secret is configured.
    pub fn auth_settings(&self) -> Result<AuthSettings, ConfigError> {
        if self.auth.jwt_secret.is_empty() {
            return Err(ConfigError {
                variable: "ACADEMY_JWT_SECRET",
                message: "is required to sign access tokens; generate one with `openssl rand -base64 48`, or set ACADEMY_DEV_MODE=true on a development machine".into(),
            });
        }
        Ok(self.auth.clone())
    }

    /// The settings of the database pool.
    pub fn db_settings(&self) -> DbSettings {
        DbSettings {
            url: self.database_url.clone(),
            max_connections: self.db_max_connections,
            acquire_timeout: self.db_acquire_timeout,
        }
    }
}

/// The `ACADEMY_FILES_DIR`, `ACADEMY_UPLOAD_LIMIT` and `ACADEMY_S3_*` settings.
fn file_settings(
    var: &impl Fn(&'static str) -> Option<String>,
) -> Result<FileSettings, ConfigError> {
    let fail = |variable: &'static str, message: String| ConfigError { variable, message };
    let max_upload = match var("ACADEMY_UPLOAD_LIMIT") {
        None => 20 * 1024 * 1024,
        Some(text) => parse_size(&text).map_err(|m| fail("ACADEMY_UPLOAD_LIMIT", m))? as u64,
    };
    let backend = match var("ACADEMY_S3_BUCKET") {
        None => FileBackend::Folder(
            var("ACADEMY_FILES_DIR")
                .unwrap_or_else(|| "data/files".into())
                .into(),
        ),
        Some(bucket) => {
            let required = |name: &'static str| {
                var(name).ok_or_else(|| fail(name, "is required with ACADEMY_S3_BUCKET".into()))
            };
            let endpoint = var("ACADEMY_S3_ENDPOINT");
            if let Some(endpoint) = &endpoint {
                parse_origins(endpoint.trim_end_matches('/')).map_err(|_| {
                    fail(
                        "ACADEMY_S3_ENDPOINT",
                        format!("{endpoint:?} is not an address such as https://s3.example.org"),
                    )
                })?;
            }
            FileBackend::S3 {
                bucket,
                region: var("ACADEMY_S3_REGION").unwrap_or_else(|| "eu-central-1".into()),
                endpoint,
                access_key_id: required("ACADEMY_S3_ACCESS_KEY_ID")?,
                secret_access_key: required("ACADEMY_S3_SECRET_ACCESS_KEY")?,
            }
        }
    };
    Ok(FileSettings {
        backend,
        max_upload,
    })
}

/// The `ACADEMY_SMTP_*` and `ACADEMY_MAIL_*` settings. `var` gives trimmed, non-empty
/// values; `get` the raw ones, so that a password is taken exactly as written.
fn mail_settings(
    var: &impl Fn(&'static str) -> Option<String>,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<MailSettings, ConfigError> {
    let fail = |variable: &'static str, message: String| ConfigError { variable, message };
    let defaults = MailSettings::default();

    let smtp = match var("ACADEMY_SMTP_HOST") {
        None => None,
        Some(host) => {
            parse_smtp_host(&host).map_err(|m| fail("ACADEMY_SMTP_HOST", m))?;
            let port = match var("ACADEMY_SMTP_PORT") {
                None => academy_notifications::DEFAULT_SMTP_PORT,
                Some(text) => text.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    fail(
                        "ACADEMY_SMTP_PORT",
                        format!("{text:?} is not a port from 1 to 65535"),
                    )
                })?,
            };
            let tls = match var("ACADEMY_SMTP_TLS") {
                None => Default::default(),
                Some(text) => text.parse().map_err(|m| fail("ACADEMY_SMTP_TLS", m))?,
            };
            let password = get("ACADEMY_SMTP_PASSWORD").filter(|p| !p.is_empty());
            let credentials = match (var("ACADEMY_SMTP_USERNAME"), password) {
                (None, None) => None,
                (Some(username), Some(password)) => Some(SmtpCredentials { username, password }),
                (Some(_), None) => {
                    return Err(fail(
                        "ACADEMY_SMTP_PASSWORD",
                        "is required when ACADEMY_SMTP_USERNAME is set".into(),
                    ));
                }
                (None, Some(_)) => {
                    return Err(fail(
                        "ACADEMY_SMTP_USERNAME",
                        "is required when ACADEMY_SMTP_PASSWORD is set".into(),
                    ));
                }
            };
            Some(SmtpSettings {
                host,
                port,
                tls,
                credentials,
            })
        }
    };

    let from = match var("ACADEMY_MAIL_FROM") {
        None => defaults.from,
        Some(text) => text.parse().map_err(|m| fail("ACADEMY_MAIL_FROM", m))?,
    };
    let dir = var("ACADEMY_MAIL_DIR").map_or(defaults.dir, Into::into);
    let poll_interval = match var("ACADEMY_MAIL_POLL_INTERVAL") {
        None => defaults.poll_interval,
        Some(text) => parse_duration(&text).map_err(|m| fail("ACADEMY_MAIL_POLL_INTERVAL", m))?,
    };
    let worker = match var("ACADEMY_MAIL_WORKER") {
        None => defaults.worker,
        Some(text) => parse_bool(&text).map_err(|m| fail("ACADEMY_MAIL_WORKER", m))?,
    };
    Ok(MailSettings {
        smtp,
        from,
        dir,
        poll_interval,
        worker,
        // Set from ACADEMY_DEV_MODE by the caller.
        log_text: false,
    })
}

/// A bare host name or IP address; the port has its own setting.
fn parse_smtp_host(host: &str) -> Result<(), String> {
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return Err(format!(
            "{host:?} is not a host name such as mail.example.org (no scheme, no user)"
        ));
    }
    if host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(format!(
            "{host:?} contains a port; put the port into ACADEMY_SMTP_PORT"
        ));
    }
    Ok(())
}

/// The longest duration a setting may name: ten years. Longer ones would overflow the
/// clock arithmetic they feed, and no window, timeout or interval needs more.
const MAX_DURATION: Duration = Duration::from_secs(3650 * 24 * 3600);

/// `30s`, `500ms`, `2m`, `1h`, `7d`, or a bare number of seconds; longer than zero and at
/// most ten years.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = split_number(text);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30s, 500ms or 2m"))?;
    let seconds = |factor: u64| value.checked_mul(factor).map(Duration::from_secs);
    let duration = match unit {
        "" | "s" => Some(Duration::from_secs(value)),
        "ms" => Some(Duration::from_millis(value)),
        "m" | "min" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(24 * 3600),
        _ => {
            return Err(format!(
                "{text:?} has an unknown unit; use ms, s, m, h or d"
            ));
        }
    };
    match duration {
        Some(d) if d.is_zero() => Err(format!("{text:?} must be longer than zero")),
        Some(d) if d <= MAX_DURATION => Ok(d),
        _ => Err(format!("{text:?} is longer than ten years")),
    }
}

/// A whole number within `range`; anything else, including numbers too large for any
/// integer type, is refused with the range named.
/// A comma-separated list of host names (`video.example.org, player.vimeo.com`): each a
/// valid DNS name, lower-cased; no schemes, ports or paths.
fn parse_hosts(list: &str) -> Result<Vec<String>, String> {
    let mut hosts = Vec::new();
    for host in list.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let valid = host.len() <= 253
            && host.split('.').count() >= 2
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !valid {
            return Err(format!(
                "{host:?} is not a host name (give names like video.example.org, without scheme or path)"
            ));
        }
        hosts.push(host.to_ascii_lowercase());
    }
    Ok(hosts)
}

/// A playback rate from 1 to 16, e.g. `2` or `1.5`.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (1.0..=16.0).contains(&rate) => Ok(rate),
        _ => Err(format!("{text:?} is not a playback rate from 1 to 16")),
    }
}

fn parse_bounded<T>(text: &str, range: std::ops::RangeInclusive<T>) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    text.trim()
        .parse::<T>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{text:?} is not a whole number from {} to {}",
                range.start(),
                range.end()
            )
        })
}

/// `1MiB`, `256KiB`, `64kB`, or a bare number of bytes.
fn parse_size(text: &str) -> Result<usize, String> {
    let (number, unit) = split_number(text);
    let value: usize = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 1MiB, 256KiB or 65536"))?;
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "{text:?} has an unknown unit; use B, KiB, MiB or GiB"
            ));
        }
    };
    match value.checked_mul(factor) {
        Some(0) | None => Err(format!(
            "{text:?} must be between 1 byte and the address space"
        )),
        Some(bytes) => Ok(bytes),
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is neither true nor false")),
    }
}

fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && !origin.contains(char::is_whitespace);
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(format!(
                    "{origin:?} is not an origin such as https://akademie.example.org (scheme and host, no path)"
                ))
            }
        })
        .collect()
}

fn split_number(text: &str) -> (&str, &str) {
    let at = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (&text[..at], text[at..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn defaults_give_an_embedded_sqlite_server_on_port_8080() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/academy.db");
        assert_eq!(config.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.json_limit, 1024 * 1024);
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert!(config.migrate_on_start);
        assert!(config.cors_origins.is_empty());
    }

    #[test]
    fn every_setting_is_read() {
        let config = config(&[
            ("DATABASE_URL", "postgres://academy@db/academy"),
            ("ACADEMY_BIND", "0.0.0.0:9000"),
            ("ACADEMY_LOG", "warn,academy=debug"),
            ("ACADEMY_LOG_FORMAT", "json"),
            (
                "ACADEMY_CORS_ORIGINS",
                "https://a.example.org, http://localhost:5173",
            ),
            ("ACADEMY_JSON_LIMIT", "256KiB"),
            ("ACADEMY_REQUEST_TIMEOUT", "1500ms"),
            ("ACADEMY_MIGRATE", "false"),
            ("ACADEMY_DB_MAX_CONNECTIONS", "32"),
            ("ACADEMY_WORKERS", "3"),
            ("ACADEMY_SHUTDOWN_TIMEOUT", "2m"),
        ])
        .unwrap();
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.cors_origins,
            ["https://a.example.org", "http://localhost:5173"]
        );
        assert_eq!(config.json_limit, 256 * 1024);
        assert_eq!(config.request_timeout, Duration::from_millis(1500));
        assert!(!config.migrate_on_start);
        assert_eq!(config.db_max_connections, 32);
        assert_eq!(config.workers, 3);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(120));
    }

    #[test]
    fn each_invalid_value_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x/y"),
            ("ACADEMY_BIND", "not an address"),
            ("ACADEMY_LOG", "info,[[["),
            ("ACADEMY_LOG_FORMAT", "xml"),
            ("ACADEMY_CORS_ORIGINS", "akademie.example.org"),
            ("ACADEMY_JSON_LIMIT", "1GB?"),
            ("ACADEMY_REQUEST_TIMEOUT", "0s"),
            ("ACADEMY_MIGRATE", "maybe"),
            ("ACADEMY_DB_MAX_CONNECTIONS", "0"),
            ("ACADEMY_WORKERS", "-1"),
            ("ACADEMY_JWT_SECRET", "too-short"),
            ("ACADEMY_JWT_PREVIOUS_SECRETS", "also-too-short"),
            ("ACADEMY_DEV_MODE", "sometimes"),
            ("ACADEMY_ACCESS_TOKEN_TTL", "0s"),
            ("ACADEMY_REFRESH_TOKEN_TTL", "forever"),
            ("ACADEMY_APP_URL", "akademie.example.org"),
            ("ACADEMY_PUBLIC_URL", "api.akademie.example.org"),
            ("ACADEMY_PASSWORD_HASH_CONCURRENCY", "0"),
            ("ACADEMY_LOGIN_MAX_FAILURES", "none"),
            ("ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT", "0"),
            ("ACADEMY_LOGIN_WINDOW", "1w"),
            ("ACADEMY_TRUST_FORWARDED", "perhaps"),
            ("ACADEMY_UPLOAD_LIMIT", "lots"),
            ("ACADEMY_METRICS_TOKEN", "too-short"),
        ];
        for (variable, value) in cases {
            let error = config(&[(variable, value)]).expect_err(variable);
            assert_eq!(error.variable, variable);
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("invalid configuration: {variable}: ")),
                "{error}"
            );
        }
    }

    #[test]
    fn numbers_and_durations_too_large_are_refused_not_wrapped() {
        let cases = [
            ("ACADEMY_DB_MAX_CONNECTIONS", "4294967297"),
            ("ACADEMY_WORKERS", "18446744073709551617"),
            ("ACADEMY_LOGIN_MAX_FAILURES", "4294967296"),
            ("ACADEMY_MAIL_MAX_PER_RECIPIENT", "1025"),
            ("ACADEMY_BOOKING_RETENTION_DAYS", "9223372036854775808"),
            ("ACADEMY_REQUEST_TIMEOUT", "18446744073709551615h"),
            ("ACADEMY_LOGIN_WINDOW", "5124095576030431d"),
            ("ACADEMY_SHUTDOWN_TIMEOUT", "3651d"),
            ("ACADEMY_MAIL_LIMIT_WINDOW", "99999999999999999m"),
        ];
        for (variable, value) in cases {
            let error = config(&[(variable, value)]).expect_err(variable);
            assert_eq!(error.variable, variable, "{value}");
        }
        let longest = config(&[("ACADEMY_REFRESH_TOKEN_TTL", "3650d")]).unwrap();
        assert_eq!(longest.auth.refresh_token_ttl, MAX_DURATION);
        assert_eq!(parse_bounded("1024", 1..=1024u32), Ok(1024));
        assert!(parse_bounded("-1", 1..=1024u32).is_err());
    }

    #[test]
    fn metrics_need_a_token_outside_development_mode() {
        assert_eq!(config(&[]).unwrap().metrics, MetricsAccess::Off);
        assert_eq!(
            config(&[("ACADEMY_DEV_MODE", "true")]).unwrap().metrics,
            MetricsAccess::Open
        );
        let token = "scraper-token-0123456789";
        let with_token = config(&[("ACADEMY_METRICS_TOKEN", token)]).unwrap();
        assert_eq!(with_token.metrics, MetricsAccess::Token(token.into()));
        assert!(!format!("{with_token:?}").contains(token));
    }

    #[test]
    fn a_credential_key_must_be_a_base64_ed25519_seed() {
        let error = config(&[("ACADEMY_CREDENTIAL_KEY", "kein-schlüssel")])
            .err()
            .unwrap();
        assert_eq!(error.variable, "ACADEMY_CREDENTIAL_KEY");
        let configured = config(&[(
            "ACADEMY_CREDENTIAL_KEY",
            "ZXhhbXBsZS1rZXktZm9yLWJsYWNrLWJveC10ZXN0cyE=",
        )])
        .unwrap();
        assert!(configured.courses.issuer.is_some());
        assert!(config(&[]).unwrap().courses.issuer.is_none());
        // Development mode signs with a key of its own run.
        let development = config(&[("ACADEMY_DEV_MODE", "true")]).unwrap();
        assert!(development.courses.issuer.is_some());
    }

    #[test]
    fn without_smtp_outside_development_mode_start_up_warns_and_mail_text_is_not_logged() {
        let production = config(&[]).unwrap();
        assert!(!production.mail.log_text);
        let warnings = production.startup_warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("NO MAIL LEAVES THIS SERVER")),
            "{warnings:?}"
        );
        assert!(warnings.iter().any(|w| w.contains("ACADEMY_METRICS_TOKEN")));

        let development = config(&[("ACADEMY_DEV_MODE", "true")]).unwrap();
        assert!(development.mail.log_text);
        assert!(development.startup_warnings().is_empty());

        let with_smtp = config(&[
            ("ACADEMY_SMTP_HOST", "mail.example.org"),
            ("ACADEMY_METRICS_TOKEN", "scraper-token-0123456789"),
            (
                "ACADEMY_CREDENTIAL_KEY",
                "ZXhhbXBsZS1rZXktZm9yLWJsYWNrLWJveC10ZXN0cyE=",
            ),
        ])
        .unwrap();
        assert!(with_smtp.startup_warnings().is_empty());
    }

    #[test]
    fn files_live_in_a_folder_unless_a_bucket_is_configured() {
        let files = config(&[]).unwrap().files;
        assert_eq!(files.backend, FileBackend::Folder("data/files".into()));
        assert_eq!(files.max_upload, 20 * 1024 * 1024);
        let error = config(&[("ACADEMY_S3_BUCKET", "academy")]).unwrap_err();
        assert_eq!(error.variable, "ACADEMY_S3_ACCESS_KEY_ID");
        let s3 = config(&[
            ("ACADEMY_S3_BUCKET", "academy"),
            ("ACADEMY_S3_ENDPOINT", "https://s3.example.org"),
            ("ACADEMY_S3_ACCESS_KEY_ID", "academy"),
            ("ACADEMY_S3_SECRET_ACCESS_KEY", "s3-geheimnis"),
        ])
        .unwrap();
        assert!(matches!(s3.files.backend, FileBackend::S3 { .. }));
        assert!(!format!("{s3:?}").contains("s3-geheimnis"));
        let bad = config(&[
            ("ACADEMY_S3_BUCKET", "a"),
            ("ACADEMY_S3_ENDPOINT", "s3.example.org"),
        ]);
        assert_eq!(bad.unwrap_err().variable, "ACADEMY_S3_ENDPOINT");
    }

    #[test]
    fn a_jwt_secret_is_required_outside_development_mode() {
        let error = config(&[]).unwrap().auth_settings().unwrap_err();
        assert_eq!(error.variable, "ACADEMY_JWT_SECRET");

        let dev = config(&[("ACADEMY_DEV_MODE", "true")]).unwrap();
        assert!(dev.jwt_secret_generated);
        assert!(dev.auth_settings().unwrap().jwt_secret.len() >= 32);

        let secret = "a-configured-secret-that-is-long-enough";
        let configured =
            config(&[("ACADEMY_JWT_SECRET", secret), ("ACADEMY_DEV_MODE", "true")]).unwrap();
        assert!(!configured.jwt_secret_generated);
        assert_eq!(configured.auth_settings().unwrap().jwt_secret, secret);
    }

    #[test]
    fn auth_settings_have_safe_defaults() {
        let auth = config(&[("ACADEMY_DEV_MODE", "1")]).unwrap().auth;
        assert_eq!(auth.access_token_ttl, Duration::from_secs(900));
        assert_eq!(auth.refresh_token_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(auth.throttle.per_account, 5);
        assert_eq!(auth.throttle.window, Duration::from_secs(900));
        assert!(!auth.trust_forwarded);
        assert!(auth.hash_concurrency >= 1);
    }

    #[test]
    fn mail_defaults_write_to_the_mail_folder_with_a_worker() {
        let mail = config(&[]).unwrap().mail;
        assert_eq!(mail.smtp, None);
        assert_eq!(mail.dir, std::path::Path::new("data/mail"));
        assert_eq!(mail.poll_interval, Duration::from_secs(2));
        assert!(mail.worker);
        assert_eq!(
            mail.from.to_string(),
            "Akademie für sozialen Zusammenhalt <noreply@example.org>"
        );
        // Without a host the other SMTP settings are not needed.
        let mail = config(&[("ACADEMY_SMTP_TLS", "none"), ("ACADEMY_SMTP_PORT", "25")])
            .unwrap()
            .mail;
        assert_eq!(mail.smtp, None);
    }

    #[test]
    fn every_mail_setting_is_read() {
        use academy_notifications::TlsMode;
        let mail = config(&[
            ("ACADEMY_SMTP_HOST", "mail.example.org"),
            ("ACADEMY_SMTP_PORT", "465"),
            ("ACADEMY_SMTP_TLS", "tls"),
            ("ACADEMY_SMTP_USERNAME", "academy"),
            ("ACADEMY_SMTP_PASSWORD", " geheim "),
            ("ACADEMY_MAIL_FROM", "Akademie <akademie@example.org>"),
            ("ACADEMY_MAIL_DIR", "/var/lib/academy/mail"),
            ("ACADEMY_MAIL_POLL_INTERVAL", "250ms"),
            ("ACADEMY_MAIL_WORKER", "false"),
        ])
        .unwrap()
        .mail;
        let smtp = mail.smtp.expect("SMTP configured");
        assert_eq!(smtp.host, "mail.example.org");
        assert_eq!(smtp.port, 465);
        assert_eq!(smtp.tls, TlsMode::Tls);
        let credentials = smtp.credentials.expect("credentials");
        assert_eq!(credentials.username, "academy");
        assert_eq!(
            credentials.password, " geheim ",
            "passwords are taken as written"
        );
        assert_eq!(mail.from.to_string(), "Akademie <akademie@example.org>");
        assert_eq!(mail.dir, std::path::Path::new("/var/lib/academy/mail"));
        assert_eq!(mail.poll_interval, Duration::from_millis(250));
        assert!(!mail.worker);

        let smtp = config(&[("ACADEMY_SMTP_HOST", "127.0.0.1")])
            .unwrap()
            .mail
            .smtp
            .expect("SMTP configured");
        assert_eq!((smtp.port, smtp.tls), (587, TlsMode::StartTls));
        assert_eq!(smtp.credentials, None);
    }

    #[test]
    fn each_invalid_mail_setting_names_its_variable() {
        let host = ("ACADEMY_SMTP_HOST", "mail.example.org");
        let cases: [(&str, &[(&str, &str)]); 12] = [
            (
                "ACADEMY_SMTP_HOST",
                &[("ACADEMY_SMTP_HOST", "smtp://mail.example.org")],
            ),
            (
                "ACADEMY_SMTP_HOST",
                &[("ACADEMY_SMTP_HOST", "mail.example.org:587")],
            ),
            ("ACADEMY_SMTP_PORT", &[host, ("ACADEMY_SMTP_PORT", "0")]),
            ("ACADEMY_SMTP_PORT", &[host, ("ACADEMY_SMTP_PORT", "70000")]),
            ("ACADEMY_SMTP_TLS", &[host, ("ACADEMY_SMTP_TLS", "ssl")]),
            (
                "ACADEMY_SMTP_PASSWORD",
                &[host, ("ACADEMY_SMTP_USERNAME", "academy")],
            ),
            (
                "ACADEMY_SMTP_USERNAME",
                &[host, ("ACADEMY_SMTP_PASSWORD", "geheim")],
            ),
            ("ACADEMY_MAIL_FROM", &[("ACADEMY_MAIL_FROM", "Akademie")]),
            ("ACADEMY_MAIL_FROM", &[("ACADEMY_MAIL_FROM", "noreply@")]),
            (
                "ACADEMY_MAIL_POLL_INTERVAL",
                &[("ACADEMY_MAIL_POLL_INTERVAL", "0s")],
            ),
            (
                "ACADEMY_MAIL_POLL_INTERVAL",
                &[("ACADEMY_MAIL_POLL_INTERVAL", "fast")],
            ),
            (
                "ACADEMY_MAIL_WORKER",
                &[("ACADEMY_MAIL_WORKER", "sometimes")],
            ),
        ];
        for (variable, pairs) in cases {
            let error = config(pairs).expect_err(variable);
            assert_eq!(error.variable, variable, "{pairs:?}: {error}");
        }
        assert!(parse_smtp_host("::1").is_ok());
        assert!(parse_smtp_host("192.0.2.1").is_ok());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let smtp = config(&[
            ("ACADEMY_SMTP_HOST", "mail.example.org"),
            ("ACADEMY_SMTP_USERNAME", "academy"),
            ("ACADEMY_SMTP_PASSWORD", "geheim-123"),
        ])
        .unwrap();
        let shown = format!("{smtp:?}");
        assert!(!shown.contains("geheim-123"), "{shown}");
        let with_key = config(&[(
            "ACADEMY_JWT_SECRET",
            "a-very-secret-signing-key-of-enough-length",
        )])
        .unwrap();
        assert!(!format!("{with_key:?}").contains("a-very-secret"));
    }

    #[test]
    fn sizes_and_durations_parse_with_units() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert!(parse_size("0").is_err());
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_duration("30d"),
            Ok(Duration::from_secs(30 * 24 * 3600))
        );
        assert!(parse_duration("1w").is_err());
    }
}
