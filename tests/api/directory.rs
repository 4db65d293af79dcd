//! `/organisations` and `/municipalities`.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use uuid::Uuid;

on_both_backends! {
    async fn coordinators_manage_organisations(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let response = app
            .authed(Method::POST, "/api/v1/organisations", &coordinator.access)
            .json(&json!({
                "name": "Landesverband Beispiel e. V.",
                "kind": "welfare_association",
                "website": "https://www.example.org",
                "roleProfiles": ["advise", "mediate", "advise"]
            }))
            .send()
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let created = json_body(response, StatusCode::CREATED).await;
        assert_eq!(location, format!("/api/v1/organisations/{}", created["id"].as_str().unwrap()));
        assert_eq!(created["roleProfiles"], json!(["mediate", "advise"]));
        assert_eq!(created["kind"], "welfare_association");

        // Anyone can read, with ETag and 304.
        let read = app.get(&location).await;
        assert_eq!(read.headers()["etag"].to_str().unwrap(), etag);
        let cached = app.request(Method::GET, &location).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let list = json_body(app.get("/api/v1/organisations?q=landesverband").await, StatusCode::OK).await;
        assert_eq!(list["total"], 1);
        let none = json_body(app.get("/api/v1/organisations?kind=university").await, StatusCode::OK).await;
        assert_eq!(none["total"], 0);

        // Names are unique.
        let duplicate = app
            .authed(Method::POST, "/api/v1/organisations", &coordinator.access)
            .json(&json!({"name": "Landesverband Beispiel e. V.", "kind": "other"}))
            .send()
            .await
            .unwrap();
        problem(duplicate, StatusCode::CONFLICT, "already_exists").await;

        // Replacing needs the current version when If-Match is sent.
        let replacement = json!({"name": "Landesverband Beispiel", "kind": "welfare_association"});
        let stale = app
            .authed(Method::PUT, &location, &coordinator.access)
            .header("if-match", "\"v9\"")
            .json(&replacement)
            .send()
            .await
            .unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let replaced = app
            .authed(Method::PUT, &location, &coordinator.access)
            .header("if-match", &etag)
            .json(&replacement)
            .send()
            .await
            .unwrap();
        assert_ne!(replaced.headers()["etag"].to_str().unwrap(), etag);
        let replaced = json_body(replaced, StatusCode::OK).await;
        assert_eq!(replaced["name"], "Landesverband Beispiel");
        assert_eq!(replaced["website"], Value::Null);
        assert_eq!(replaced["roleProfiles"], json!([]));

        // An organisation with members cannot go; an empty one can.
        let id: Uuid = created["id"].as_str().unwrap().parse().unwrap();
        let _member = app.user_in(&[Role::Author], Some(id), None).await;
        let referenced = app.authed(Method::DELETE, &location, &coordinator.access).send().await.unwrap();
        problem(referenced, StatusCode::CONFLICT, "reference_conflict").await;
        let empty = app.organisation("Leere Stiftung").await;
        let path = format!("/api/v1/organisations/{empty}");
        let deleted = app.authed(Method::DELETE, &path, &coordinator.access).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
        let again = app.authed(Method::DELETE, &path, &coordinator.access).send().await.unwrap();
        problem(again, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn organisation_fields_are_validated(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let response = app
            .authed(Method::POST, "/api/v1/organisations", &coordinator.access)
            .json(&json!({"name": "  ", "kind": "chamber", "website": "www.example.org"}))
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "website"]);
        let response = app
            .authed(Method::POST, "/api/v1/organisations", &coordinator.access)
            .json(&json!({"name": "Kammer", "kind": "guild"}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let list = json_body(app.get("/api/v1/organisations").await, StatusCode::OK).await;
        assert_eq!(list["total"], 0, "nothing was written");
    }
}

on_both_backends! {
    async fn coordinators_manage_municipalities(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let body = json!({
            "name": "Musterstadt",
            "ags": "06411000",
            "district": "Landkreis Beispiel",
            "fundedSite": true,
            "cohortYear": 2023,
            "phase": "concept"
        });
        let response = app
            .authed(Method::POST, "/api/v1/municipalities", &coordinator.access)
            .json(&body)
            .send()
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created = json_body(response, StatusCode::CREATED).await;
        assert_eq!(created["ags"], "06411000");
        assert_eq!(created["phase"], "concept");

        let duplicate = app
            .authed(Method::POST, "/api/v1/municipalities", &coordinator.access)
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(duplicate, StatusCode::CONFLICT, "already_exists").await;

        for (ags, year) in [("6411000", 2023), ("99411000", 2023), ("06411000", 1800)] {
            let response = app
                .authed(Method::POST, "/api/v1/municipalities", &coordinator.access)
                .json(&json!({"name": "X", "ags": ags, "district": "Y", "cohortYear": year}))
                .send()
                .await
                .unwrap();
            problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }

        let _other = app.municipality("Beispieldorf", "06435001").await;
        let funded = json_body(app.get("/api/v1/municipalities?fundedSite=true&phase=concept").await, StatusCode::OK).await;
        assert_eq!(funded["total"], 1);
        assert_eq!(funded["items"][0]["name"], "Musterstadt");
        let by_key = json_body(app.get("/api/v1/municipalities?q=06435").await, StatusCode::OK).await;
        assert_eq!(by_key["items"][0]["name"], "Beispieldorf");
        let page = json_body(app.get("/api/v1/municipalities?limit=1&offset=1").await, StatusCode::OK).await;
        assert_eq!(page["total"], 2);
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["name"], "Musterstadt");

        let replaced = app
            .authed(Method::PUT, &location, &coordinator.access)
            .json(&json!({"name": "Musterstadt", "ags": "06411000", "district": "Landkreis Beispiel", "phase": "implementation"}))
            .send()
            .await
            .unwrap();
        let replaced = json_body(replaced, StatusCode::OK).await;
        assert_eq!(replaced["phase"], "implementation");
        assert_eq!(replaced["fundedSite"], false);
        let unknown = app
            .authed(Method::PUT, &format!("/api/v1/municipalities/{}", Uuid::now_v7()), &coordinator.access)
            .json(&json!({"name": "X", "ags": "06411001", "district": "Y"}))
            .send()
            .await
            .unwrap();
        problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        let deleted = app.authed(Method::DELETE, &location, &coordinator.access).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }
}

on_both_backends! {
    async fn the_own_profile_cannot_be_used_to_raise_privileges(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let learner = app.user(&[Role::Learner]).await;
        let read = app.authed(Method::GET, "/api/v1/me", &learner.access).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();

        for extra in [
            json!({"displayName": "Chefin", "roles": ["admin"]}),
            json!({"organisationId": organisation}),
            json!({"status": "active", "email": "neu@example.org"}),
        ] {
            let response = app
                .authed(Method::PATCH, "/api/v1/me", &learner.access)
                .json(&extra)
                .send()
                .await
                .unwrap();
            problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
        let me = json_body(app.authed(Method::GET, "/api/v1/me", &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(me["roles"], json!(["learner"]));
        assert_eq!(me["organisationId"], Value::Null);
        assert_eq!(me["displayName"], "Erika Beispiel");

        let changed = app
            .authed(Method::PATCH, "/api/v1/me", &learner.access)
            .header("if-match", &etag)
            .json(&json!({"displayName": "Erika B."}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_body(changed, StatusCode::OK).await["displayName"], "Erika B.");
        let stale = app
            .authed(Method::PATCH, "/api/v1/me", &learner.access)
            .header("if-match", &etag)
            .json(&json!({"displayName": "Erika C."}))
            .send()
            .await
            .unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let empty = app
            .authed(Method::PATCH, "/api/v1/me", &learner.access)
            .json(&json!({"displayName": ""}))
            .send()
            .await
            .unwrap();
        problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}
