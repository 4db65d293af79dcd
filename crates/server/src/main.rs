//! `academy`: the server of the digital academy for social cohesion, and its tools.

use std::process::ExitCode;

use academy_server::config::{Config, VARIABLES};
use academy_server::{Application, demo, openapi, telemetry};
use clap::{Parser, Subcommand};

/// jemalloc instead of the system allocator: each worker's start-up (it builds the route
/// table with its documentation) leaves glibc's per-thread arenas holding memory they
/// never give back; jemalloc returns freed pages to the system after a few seconds, so the
/// resident set stays at what the server uses.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "academy",
    version,
    about = "Server of the digital academy for social cohesion in Hessen.",
    after_help = settings_help()
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply or inspect database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI document (the committed `openapi/openapi.json` is its output).
    Openapi,
    /// Create the first administrator, or make an existing account one. The password comes
    /// from ACADEMY_ADMIN_PASSWORD or, if that is unset, from the first line of stdin.
    CreateAdmin {
        /// Email address of the administrator.
        #[arg(long)]
        email: String,
        /// Display name of a new account.
        #[arg(long, default_value = "Administration")]
        name: String,
    },
    /// Fill an empty database with a demo academy — member organisations, municipalities,
    /// an account of every role, published guides and captioned video tutorials, consultation
    /// hours with free slots —
    /// and print the accounts. A second run changes nothing; a database with other content
    /// is refused (exit 2).
    SeedDemo {
        /// Password of every demo account (also ACADEMY_DEMO_PASSWORD). Without one,
        /// development mode (ACADEMY_DEV_MODE=true) uses the demo password from the README.
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration, then write the catalogue from the live content if
    /// it is new or was reset (`catalogue_state.built` false).
    Up,
    /// List every migration and whether it is applied.
    Status,
}

fn settings_help() -> String {
    let mut help =
        String::from("Settings (environment variables; a .env file is read if present):\n");
    for (name, default, meaning) in VARIABLES {
        let default = if default.is_empty() { "unset" } else { default };
        help.push_str(&format!("  {name:<28} {meaning} [default: {default}]\n"));
    }
    help
}

#[tokio::main]
async fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::document_json());
        return ExitCode::SUCCESS;
    }

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("academy: {error}");
            return ExitCode::from(2);
        }
    };
    let _log_guard = telemetry::init_tracing(&config.log_filter, config.log_format);
    if let Ok(path) = dotenv {
        tracing::info!(path = %path.display(), "read settings from .env");
    }

    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            if let Err(error) = config.auth_settings() {
                eprintln!("academy: {error}");
                return ExitCode::from(2);
            }
            serve(config).await
        }
        Command::CreateAdmin { email, name } => {
            return create_admin(config, &email, &name).await;
        }
        Command::SeedDemo { password } => {
            return seed_demo(config, password).await;
        }
        Command::Migrate { action } => migrate(config, action).await,
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "academy stopped with an error"
            );
            eprintln!("academy: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    for warning in config.startup_warnings() {
        tracing::warn!("{warning}");
    }
    if config.jwt_secret_generated {
        tracing::warn!(
            "development mode: generated a random ACADEMY_JWT_SECRET; every token dies when the server stops. Never run production like this."
        );
    }
    let backend = academy_kernel::db::Backend::from_url(&config.database_url)
        .map_or("unknown", |b| b.as_str());
    let app = Application::build(config.clone()).await?;
    tracing::info!(
        address = %format!("http://{}:{}", config.bind.ip(), app.port()),
        database = backend,
        workers = config.workers,
        version = env!("CARGO_PKG_VERSION"),
        "academy listening"
    );
    app.run_until_stopped().await?;
    tracing::info!("academy stopped");
    Ok(())
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    let db = academy_kernel::db::connect(&config.db_settings()).await?;
    match action {
        MigrateAction::Up => {
            academy_migrations::migrate_up(&db).await?;
            println!("all migrations applied");
            // Derived data the migrations cannot write: the catalogue, when it is new or
            // was reset (after a bulk load around the application).
            let written = academy_catalogue::rebuild(&db).await?;
            if written > 0 {
                println!("catalogue written from the live content: {written} entries");
            }
        }
        MigrateAction::Status => {
            let migrations = academy_migrations::migration_status(&db).await?;
            if migrations.is_empty() {
                println!("no migrations defined");
            }
            for (name, applied) in migrations {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    db.close().await?;
    Ok(())
}

/// `academy create-admin`: exit 0 on success, 2 on unusable input, 1 on other failures.
async fn create_admin(config: Config, email: &str, name: &str) -> ExitCode {
    let password = match std::env::var("ACADEMY_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => password,
        _ => {
            let mut line = String::new();
            if std::io::stdin().read_line(&mut line).is_err() {
                eprintln!("academy: cannot read the password from stdin");
                return ExitCode::from(2);
            }
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let outcome = async {
        let db = academy_kernel::db::connect(&config.db_settings()).await?;
        academy_migrations::migrate_up(&db).await?;
        let outcome = academy_auth::create_admin(&db, email, name, password).await;
        db.close().await?;
        anyhow::Ok(outcome)
    }
    .await;
    match outcome {
        Ok(Ok(academy_auth::CreateAdminOutcome::Created(id))) => {
            println!("created administrator {email} ({id})");
            ExitCode::SUCCESS
        }
        Ok(Ok(academy_auth::CreateAdminOutcome::Promoted(id))) => {
            println!("{email} ({id}) is now an administrator with the new password");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            let problem = error.problem();
            eprintln!("academy: {}", problem.detail);
            for field in &problem.errors {
                eprintln!("  {}: {}", field.field, field.message);
            }
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("academy: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `academy seed-demo`: exit 0 when seeded now or before, 2 when refused or without a
/// password outside development mode, 1 on other failures.
async fn seed_demo(config: Config, password: Option<String>) -> ExitCode {
    let chosen = password.or_else(|| {
        std::env::var("ACADEMY_DEMO_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
    });
    let password = match chosen {
        Some(password) => password,
        None if config.dev_mode => demo::DEMO_PASSWORD.to_owned(),
        None => {
            eprintln!(
                "academy: outside development mode seed-demo needs a password for the demo accounts: set ACADEMY_DEMO_PASSWORD or pass --password (with ACADEMY_DEV_MODE=true it uses {:?})",
                demo::DEMO_PASSWORD
            );
            return ExitCode::from(2);
        }
    };
    match demo::run(&config, &password).await {
        Ok(demo::Outcome::Seeded(report)) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Ok(demo::Outcome::AlreadySeeded(earlier)) => {
            print!("{earlier}");
            ExitCode::SUCCESS
        }
        Ok(demo::Outcome::Refused(refusal)) => {
            eprintln!("academy: {refusal}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("academy: seed-demo failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}
