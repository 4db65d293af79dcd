//! `/taxonomy`: the seeded themes, fields of action, phases and audiences.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

on_both_backends! {
    async fn the_seeded_taxonomy_is_public_and_cacheable(app: TestApp) {
        let response = app.get("/api/v1/taxonomy").await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let body = json_body(response, StatusCode::OK).await;
        let themes = body["themes"].as_array().unwrap();
        let codes: Vec<&str> = themes.iter().map(|t| t["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["A", "B", "C", "D"]);
        let fields: Vec<usize> = themes.iter().map(|t| t["fieldsOfAction"].as_array().unwrap().len()).collect();
        assert_eq!(fields, [3, 3, 2, 2]);
        assert_eq!(themes[0]["fieldsOfAction"][1]["slug"], "activation-participation");
        assert_eq!(themes[0]["fieldsOfAction"][1]["name"], "Aktivierung und Beteiligung");
        assert_eq!(themes[0]["fieldsOfAction"][1]["themeSlug"], "participation-integration");
        assert_eq!(themes[1]["name"], "Lebens- und Aufenthaltsqualität im Quartier");
        let phases: Vec<&str> = body["phases"].as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
        assert_eq!(phases, ["concept", "implementation", "consolidation"]);
        assert_eq!(body["audiences"].as_array().unwrap().len(), 6);

        let cached = app.request(Method::GET, "/api/v1/taxonomy").header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let term = json_body(app.get("/api/v1/taxonomy/phases/consolidation").await, StatusCode::OK).await;
        assert_eq!(term["name"], "Verstetigung");
        problem(app.get("/api/v1/taxonomy/phases/nothing").await, StatusCode::NOT_FOUND, "not_found").await;
        problem(app.get("/api/v1/taxonomy/colours/red").await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn coordinators_edit_the_taxonomy(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let before = app.get("/api/v1/taxonomy").await.headers()["etag"].to_str().unwrap().to_owned();

        // Replace a field of action's name, based on the version read.
        let path = "/api/v1/taxonomy/fields-of-action/housing";
        let read = app.get(path).await;
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        let changed = app
            .authed(Method::PUT, path, &coordinator.access)
            .header("if-match", &etag)
            .json(&json!({"name": "Wohnen, Wohnumfeld und Nachbarschaft", "description": "Bezahlbarer Wohnraum und ein gutes Umfeld."}))
            .send()
            .await
            .unwrap();
        let changed = json_body(changed, StatusCode::OK).await;
        assert_eq!(changed["themeSlug"], "quality-of-life", "kept");
        assert_eq!(changed["position"], 5, "kept");
        let stale = app
            .authed(Method::PUT, path, &coordinator.access)
            .header("if-match", &etag)
            .json(&json!({"name": "Wohnen"}))
            .send()
            .await
            .unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let after = app.get("/api/v1/taxonomy").await.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(before, after, "the taxonomy's tag follows its content");

        // A new audience goes last.
        let created = app
            .authed(Method::PUT, "/api/v1/taxonomy/audiences/schools", &coordinator.access)
            .json(&json!({"name": "Schulen und Kitas"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.headers()["location"], "/api/v1/taxonomy/audiences/schools");
        let created = json_body(created, StatusCode::CREATED).await;
        assert_eq!(created["position"], 7);

        // Each kind's own rules.
        for (path, body, field, code) in [
            ("/api/v1/taxonomy/fields-of-action/digital", json!({"name": "Digitales", "themeSlug": "nope"}), "themeSlug", "unknown"),
            ("/api/v1/taxonomy/fields-of-action/digital", json!({"name": "Digitales"}), "themeSlug", "required"),
            ("/api/v1/taxonomy/audiences/press", json!({"name": "Presse", "code": "P"}), "code", "not_applicable"),
            ("/api/v1/taxonomy/themes/culture", json!({"name": "Kultur"}), "code", "required"),
            ("/api/v1/taxonomy/themes/culture", json!({"name": "Kultur", "code": "ee"}), "code", "invalid_code"),
            ("/api/v1/taxonomy/audiences/Presse", json!({"name": "Presse"}), "slug", "invalid_slug"),
            ("/api/v1/taxonomy/audiences/press", json!({"name": " "}), "name", "required"),
        ] {
            let response = app.authed(Method::PUT, path, &coordinator.access).json(&body).send().await.unwrap();
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
            assert_eq!(body["errors"][0]["code"], code, "{path}: {body}");
        }
        let duplicate_code = app
            .authed(Method::PUT, "/api/v1/taxonomy/themes/culture", &coordinator.access)
            .json(&json!({"name": "Kultur", "code": "A"}))
            .send()
            .await
            .unwrap();
        problem(duplicate_code, StatusCode::CONFLICT, "already_exists").await;

        // A theme with fields of action cannot go; an unused audience can.
        let referenced = app
            .authed(Method::DELETE, "/api/v1/taxonomy/themes/economy-services", &coordinator.access)
            .send()
            .await
            .unwrap();
        problem(referenced, StatusCode::CONFLICT, "reference_conflict").await;
        let deleted = app
            .authed(Method::DELETE, "/api/v1/taxonomy/audiences/schools", &coordinator.access)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        problem(app.get("/api/v1/taxonomy/audiences/schools").await, StatusCode::NOT_FOUND, "not_found").await;

        let admin = app.user(&[Role::Admin]).await;
        let audit = json_body(
            app.authed(Method::GET, "/api/v1/audit-log?subjectType=audiences", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["taxonomy.deleted", "taxonomy.created"]);
    }
}
