//! The database handle: one pool, PostgreSQL or SQLite, chosen from the URL scheme.

use std::path::Path;
use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// The pooled connection every repository and service works with.
pub type Db = DatabaseConnection;

/// How long a SQLite connection waits for another's write lock before it gives up with
/// `database is locked` (answered 503 `database_busy`). Writers take the lock up front
/// ([`begin_write`]), so they queue here instead of failing half-way.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How to open the pool.
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// `postgres://…` or `sqlite://path/to/file.db`.
    pub url: String,
    /// Upper bound of pooled connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection before it fails.
    pub acquire_timeout: Duration,
}

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a URL names, or `None` for a scheme we do not run on.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// Opens the pool. For SQLite the file (and its folder) is created if missing, with
/// write-ahead logging so readers never wait for the writer, and foreign keys enforced.
pub async fn connect(settings: &DbSettings) -> Result<Db, DbErr> {
    let backend = Backend::from_url(&settings.url)
        .ok_or_else(|| DbErr::Custom("unsupported database URL scheme".into()))?;
    let url = match backend {
        Backend::Sqlite => prepare_sqlite_url(&settings.url)?,
        Backend::Postgres => settings.url.clone(),
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .idle_timeout(Duration::from_secs(600))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    Database::connect(options).await
}

/// Makes sure the folder of a SQLite file exists and the file is created on first open.
fn prepare_sqlite_url(url: &str) -> Result<String, DbErr> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            DbErr::Custom(format!(
                "cannot create the folder {} for the SQLite database: {e}",
                parent.display()
            ))
        })?;
    }
    if url.contains("mode=") {
        Ok(url.to_owned())
    } else if url.contains('?') {
        Ok(format!("{url}&mode=rwc"))
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

/// One real round trip to the database, bounded in time; returns how long it took.
pub async fn ping(db: &Db, timeout: Duration) -> Result<Duration, DbErr> {
    let started = Instant::now();
    let statement = sea_orm::Statement::from_string(db.get_database_backend(), "SELECT 1");
    match tokio::time::timeout(timeout, db.execute_raw(statement)).await {
        Ok(result) => result.map(|_| started.elapsed()),
        Err(_) => Err(DbErr::Custom("database did not answer in time".into())),
    }
}

/// The backend of an open pool.
pub fn backend_of(db: &Db) -> Backend {
    match db.get_database_backend() {
        DbBackend::Postgres => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// Pool occupancy for the metrics endpoint: (open connections, idle connections).
pub fn pool_usage(db: &Db) -> (u32, u32) {
    match backend_of(db) {
        Backend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        Backend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    }
}

/// Starts a transaction that is going to write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first cannot be upgraded once
/// another writer has committed, and would fail half-way. PostgreSQL begins as usual.
pub async fn begin_write(db: &Db) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("sqlite://data/a.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_urls_are_opened_read_write_create() {
        let dir = std::env::temp_dir().join(format!("academy-kernel-{}", std::process::id()));
        let url = format!("sqlite://{}/nested/a.db", dir.display());
        let prepared = prepare_sqlite_url(&url).unwrap_or_default();
        assert_eq!(prepared, format!("{url}?mode=rwc"));
        assert!(dir.join("nested").is_dir());
        let _ = std::fs::remove_dir_all(dir);

        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").unwrap_or_default(),
            "sqlite::memory:"
        );
        assert_eq!(
            prepare_sqlite_url("sqlite://x.db?mode=ro").unwrap_or_default(),
            "sqlite://x.db?mode=ro"
        );
    }

    /// A writer that waits longer than the busy timeout gets `database_busy` (503, to be
    /// retried), never an internal error.
    #[tokio::test]
    async fn a_write_lock_held_past_the_busy_timeout_is_busy_not_internal() {
        use sea_orm::ConnectionTrait;
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("academy-kernel-busy-{unique}.db"));
        let settings = DbSettings {
            url: format!("sqlite://{}", path.display()),
            max_connections: 2,
            acquire_timeout: Duration::from_secs(2),
        };
        let first = connect(&settings).await.expect("opens");
        let second = connect(&settings).await.expect("opens");
        first
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .expect("table");
        let holder = begin_write(&first).await.expect("first writer");
        holder
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .expect("insert");
        let started = Instant::now();
        let refused = begin_write(&second)
            .await
            .expect_err("second writer waits, then fails");
        assert!(started.elapsed() >= SQLITE_BUSY_TIMEOUT - Duration::from_millis(500));
        let error = crate::AppError::from(refused);
        assert_eq!(error.code(), "database_busy");
        drop(holder);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[tokio::test]
    async fn ping_round_trips_on_sqlite() {
        let settings = DbSettings {
            url: "sqlite::memory:".into(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(2),
        };
        let db = connect(&settings).await.expect("in-memory SQLite opens");
        assert!(ping(&db, Duration::from_secs(2)).await.is_ok());
        assert_eq!(backend_of(&db), Backend::Sqlite);
    }
}
