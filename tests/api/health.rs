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

/// PostgreSQL only: SQLite is a file inside the process and cannot become unreachable.
/// The database is made to refuse connections and every open one is cut, as when the
/// server restarts; readiness must say 503 and recover by itself when it is back.
#[tokio::test]
async fn ready_is_503_while_postgres_is_unreachable_and_recovers_without_restart() {
    run_test(Backend::Postgres, &[], |app| async move {
        let admin = postgres_admin().await.unwrap();
        let name = &app.database_name;
        let cut_off = format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        );
        admin.execute_unprepared(&cut_off).await.unwrap();

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
