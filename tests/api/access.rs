//! Role checks of every coordinator and administrator route: 401 without credentials, 403
//! for every role that lacks the right.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use uuid::Uuid;

/// Every route that needs a role, with a body that would otherwise be valid.
fn protected_routes(some_id: Uuid) -> Vec<(Method, String, Value, &'static [Role])> {
    const COORDINATORS: &[Role] = &[Role::Coordinator, Role::Admin];
    const ADMINS: &[Role] = &[Role::Admin];
    let organisation = json!({"name": "Neue Stiftung", "kind": "foundation"});
    let municipality =
        json!({"name": "Neustadt", "ags": "06411999", "district": "Landkreis Beispiel"});
    vec![
        (
            Method::GET,
            "/api/v1/users".into(),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::GET,
            format!("/api/v1/users/{some_id}"),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::POST,
            "/api/v1/users/invitations".into(),
            json!({"email": "neu@example.org", "displayName": "Neu", "roles": ["learner"]}),
            COORDINATORS,
        ),
        (
            Method::POST,
            format!("/api/v1/users/{some_id}/invitation"),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{some_id}"),
            json!({"roles": ["learner"]}),
            ADMINS,
        ),
        (
            Method::POST,
            "/api/v1/organisations".into(),
            organisation.clone(),
            COORDINATORS,
        ),
        (
            Method::PUT,
            format!("/api/v1/organisations/{some_id}"),
            organisation,
            COORDINATORS,
        ),
        (
            Method::DELETE,
            format!("/api/v1/organisations/{some_id}"),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::POST,
            "/api/v1/municipalities".into(),
            municipality.clone(),
            COORDINATORS,
        ),
        (
            Method::PUT,
            format!("/api/v1/municipalities/{some_id}"),
            municipality,
            COORDINATORS,
        ),
        (
            Method::DELETE,
            format!("/api/v1/municipalities/{some_id}"),
            Value::Null,
            COORDINATORS,
        ),
        (Method::GET, "/api/v1/audit-log".into(), Value::Null, ADMINS),
        (
            Method::PUT,
            "/api/v1/taxonomy/audiences/press".into(),
            json!({"name": "Presse"}),
            COORDINATORS,
        ),
        (
            Method::DELETE,
            "/api/v1/taxonomy/audiences/press".into(),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::POST,
            format!("/api/v1/guides/{some_id}/return"),
            json!({"comment": "Bitte Quellen ergänzen."}),
            COORDINATORS,
        ),
        (
            Method::POST,
            format!("/api/v1/guides/{some_id}/publish"),
            json!({}),
            COORDINATORS,
        ),
        (
            Method::POST,
            format!("/api/v1/guides/{some_id}/archive"),
            Value::Null,
            COORDINATORS,
        ),
        (
            Method::GET,
            "/api/v1/consultation-reports/bookings?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z"
                .into(),
            Value::Null,
            COORDINATORS,
        ),
    ]
}

fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = app.request(method.clone(), path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if !body.is_null() {
        request = request.json(body);
    }
    request
}

on_both_backends! {
    async fn every_protected_route_refuses_the_wrong_roles(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let mut users = Vec::new();
        for role in Role::ALL {
            let org = matches!(role, Role::Author | Role::Consultant).then_some(organisation);
            users.push((role, app.user_in(&[role], org, None).await));
        }
        let target = users[0].1.id;
        for (method, path, body, allowed) in protected_routes(target) {
            let anonymous = send(&app, &method, &path, &body, None).send().await.unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path} anonymous");
            problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
            for (role, user) in &users {
                let response = send(&app, &method, &path, &body, Some(&user.access)).send().await.unwrap();
                if allowed.contains(role) {
                    assert!(
                        response.status() != StatusCode::FORBIDDEN && response.status() != StatusCode::UNAUTHORIZED,
                        "{method} {path} as {role}: {}",
                        response.status()
                    );
                } else {
                    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path} as {role}");
                    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
                }
            }
        }
    }
}

on_both_backends! {
    async fn a_disabled_user_is_locked_out_at_once(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let learner = app.user(&[Role::Learner]).await;
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", learner.id), &admin.access)
            .json(&json!({"status": "disabled"}))
            .send()
            .await
            .unwrap();
        let body = json_body(response, StatusCode::OK).await;
        assert_eq!(body["status"], "disabled");

        // The still unexpired access token stops working, and so does refreshing …
        let me = app.authed(Method::GET, "/api/v1/me", &learner.access).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": learner.refresh})).await;
        assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
        // … and signing in, with the same answer as a wrong password.
        let login = app
            .post_json("/api/v1/auth/login", &json!({"email": learner.email, "password": PASSWORD}))
            .await;
        problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

        // Enabled again, the account can sign in.
        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", learner.id), &admin.access)
            .json(&json!({"status": "active"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        app.login(&learner.email, PASSWORD).await;

        let audit = json_body(
            app.authed(Method::GET, &format!("/api/v1/audit-log?subjectId={}", learner.id), &admin.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["user.enabled", "user.disabled"]);
        assert_eq!(audit["items"][1]["actorId"], admin.id.to_string());
    }
}

on_both_backends! {
    async fn role_changes_apply_to_the_next_request_and_are_audited(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let user = app.user(&[Role::Learner]).await;
        let users = app.authed(Method::GET, "/api/v1/users", &user.access).send().await.unwrap();
        assert_eq!(users.status(), StatusCode::FORBIDDEN);

        let response = app
            .authed(Method::PATCH, &format!("/api/v1/users/{}", user.id), &admin.access)
            .json(&json!({"roles": ["learner", "coordinator"]}))
            .send()
            .await
            .unwrap();
        let body = json_body(response, StatusCode::OK).await;
        assert_eq!(body["roles"], json!(["learner", "coordinator"]));
        // Same token, new roles.
        let users = app.authed(Method::GET, "/api/v1/users", &user.access).send().await.unwrap();
        assert_eq!(users.status(), StatusCode::OK);

        let audit = json_body(
            app.authed(Method::GET, "/api/v1/audit-log?action=user.roles_changed", &admin.access)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["total"], 1);
        let entry = &audit["items"][0];
        assert_eq!(entry["subjectId"], user.id.to_string());
        assert_eq!(entry["details"], json!({"from": ["learner"], "to": ["learner", "coordinator"]}));
    }
}

on_both_backends! {
    async fn admins_cannot_lock_themselves_out(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        for change in [json!({"status": "disabled"}), json!({"roles": ["coordinator"]})] {
            let response = app
                .authed(Method::PATCH, &format!("/api/v1/users/{}", admin.id), &admin.access)
                .json(&change)
                .send()
                .await
                .unwrap();
            problem(response, StatusCode::CONFLICT, "cannot_lock_out_self").await;
        }
    }
}

on_both_backends! {
    async fn user_administration_validates_and_finds(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let organisation = app.organisation("Wohnbau Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let _learner = app.user(&[Role::Learner]).await;

        let path = format!("/api/v1/users/{}", author.id);
        let read = app.authed(Method::GET, &path, &admin.access).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        json_body(read, StatusCode::OK).await;

        // A consultant needs an organisation; unknown roles and ids are refused.
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"roles": ["consultant"], "organisationId": null}))
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "organisationId");
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"roles": ["superuser"]}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .json(&json!({"municipalityId": Uuid::now_v7()}))
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "unknown");

        // A stale If-Match loses; the current one wins.
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .header("if-match", "\"v0\"")
            .json(&json!({"displayName": "Neuer Name"}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let response = app
            .authed(Method::PATCH, &path, &admin.access)
            .header("if-match", etag)
            .json(&json!({"displayName": "Neuer Name"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_body(response, StatusCode::OK).await["displayName"], "Neuer Name");

        let missing = app
            .authed(Method::GET, &format!("/api/v1/users/{}", Uuid::now_v7()), &admin.access)
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND, "not_found").await;

        let list = json_body(
            app.authed(Method::GET, "/api/v1/users?role=author&limit=10", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["limit"], 10);
        assert_eq!(list["items"][0]["id"], author.id.to_string());
        let q = author.email[25..37].to_uppercase();
        let found = json_body(
            app.authed(Method::GET, &format!("/api/v1/users?q={q}"), &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["total"], 1, "{found}");
        let all = json_body(
            app.authed(Method::GET, "/api/v1/users", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(all["total"], 3);
        let too_many = app.authed(Method::GET, "/api/v1/users?limit=101", &admin.access).send().await.unwrap();
        problem(too_many, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let bad_role = app.authed(Method::GET, "/api/v1/users?role=king", &admin.access).send().await.unwrap();
        let bad_role = problem(bad_role, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(bad_role["errors"][0]["field"], "role", "{bad_role}");
    }
}
