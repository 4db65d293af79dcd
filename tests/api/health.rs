//! `/health/live`, `/health/ready` and `/api/v1/version`.

use academy_tests::*;
use sea_orm::ConnectionTrait;

on_both_backends! {
    async fn live_answers_ok(app: TestApp) {
        let body = json_body(app.get("/health/live").await, StatusCode::OK).await;
        assert_eq!(body, json!({"status": "ok"}));
    }
}

on_both_backends! {
    async fn ready_reports_a_real_database_round_trip(app: TestApp) {
        let response = app.get("/health/ready").await;
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body = json_body(response, StatusCode::OK).await;
        assert_eq!(body["status"], "ok");
        let expected = match app.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        assert_eq!(body["database"], expected);
        assert!(body["databaseLatencyMs"].as_f64().unwrap() >= 0.0);
    }
}

on_both_backends! {
    async fn version_names_the_build(app: TestApp) {
        let body = json_body(app.get("/api/v1/version").await, StatusCode::OK).await;
        assert_eq!(body["name"], "academy");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        let revision = body["gitRevision"].as_str().unwrap();
        assert!(!revision.is_empty());
    }
}

/// Cuts the test database off: no new connections, and every open one ended. Ending a
/// backend is a signal it acts on in its own time, and a connection opened just before the
/// refusal took effect would survive one round; so this ends client backends until none
/// is left, since until then a pooled connection could still answer a query. (Autovacuum
/// may still visit the database: it is not a client.)
async fn cut_off(admin: &sea_orm::DatabaseConnection, name: &str) {
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    let clients = format!(
        "FROM pg_stat_activity WHERE datname = '{name}' AND backend_type = 'client backend'"
    );
    for _ in 0..100 {
        admin
            .execute_unprepared(&format!("SELECT pg_terminate_backend(pid) {clients}"))
            .await
            .unwrap();
        let left = admin
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                format!("SELECT count(*) AS n {clients}"),
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the backends of {name} did not end");
}

/// PostgreSQL only: SQLite is a file inside the process and cannot become unreachable.
/// The database is made to refuse connections and every open one is cut, as when the
/// server restarts; readiness must say 503 and recover by itself when it is back.
#[tokio::test]
async fn ready_is_503_while_postgres_is_unreachable_and_recovers_without_restart() {
    run_test(Backend::Postgres, &[], |app| async move {
        let admin = postgres_admin().await.unwrap();
        let name = &app.database_name;
        cut_off(&admin, name).await;

        let body = problem(
            app.get("/health/ready").await,
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
        )
        .await;
        assert!(
            !body.to_string().contains(name.as_str()),
            "no internals in the problem: {body}"
        );
        // Liveness does not depend on the database.
        assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);

        admin
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
            .await
            .unwrap();
        let mut status = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..50 {
            status = app.get("/health/ready").await.status();
            if status == StatusCode::OK {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, StatusCode::OK, "readiness recovered");
        let _ = admin.close().await;
    })
    .await;
}

/// PostgreSQL only, as above: while the database is cut off, requests that need it answer
/// 503 `database_unavailable` with `Retry-After`, like readiness, instead of 500; writes
/// and reads alike. Cutting every open connection while requests run never yields a 500.
#[tokio::test]
async fn requests_while_postgres_is_unreachable_are_503_with_retry_after() {
    let settings: Settings = &[("ACADEMY_DB_ACQUIRE_TIMEOUT", "1s")];
    run_test(Backend::Postgres, settings, |app| async move {
        let admin = postgres_admin().await.unwrap();
        let name = app.database_name.clone();
        assert_eq!(app.get("/api/v1/organisations").await.status(), StatusCode::OK);

        // Connections cut while requests are under way: each is answered, none with a 500.
        let requests = (0..20).map(|i| {
            let app = &app;
            async move {
                if i % 2 == 0 {
                    app.get("/api/v1/municipalities").await.status()
                } else {
                    app.post_json(
                        "/api/v1/auth/register",
                        &json!({"email": format!("person-{i}@example.org"), "password": "Apfelbaum hinter der Scheune", "displayName": "Erika"}),
                    )
                    .await
                    .status()
                }
            }
        });
        let cut = async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ))
                .await
                .unwrap();
        };
        let (statuses, ()) = tokio::join!(futures_util::future::join_all(requests), cut);
        for status in statuses {
            assert!(
                [StatusCode::OK, StatusCode::ACCEPTED, StatusCode::SERVICE_UNAVAILABLE].contains(&status),
                "{status}"
            );
        }

        cut_off(&admin, &name).await;
        for response in [
            app.get("/api/v1/organisations").await,
            app.post_json(
                "/api/v1/auth/register",
                &json!({"email": "erika@example.org", "password": "Apfelbaum hinter der Scheune", "displayName": "Erika"}),
            )
            .await,
        ] {
            assert_eq!(response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()).as_deref(), Some("5"));
            let body = problem(response, StatusCode::SERVICE_UNAVAILABLE, "database_unavailable").await;
            assert!(!body.to_string().contains(name.as_str()), "no internals: {body}");
        }

        admin
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
            .await
            .unwrap();
        let mut status = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..50 {
            status = app.get("/api/v1/organisations").await.status();
            if status == StatusCode::OK {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, StatusCode::OK, "recovered by itself");
        let _ = admin.close().await;
    })
    .await;
}
