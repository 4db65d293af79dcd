//! Registration with email verification, password reset and change, invitations — each
//! through a real SMTP conversation with the test's mail server.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

async fn outbox_count(app: &TestApp, to: &str) -> u64 {
    use academy_notifications::entity::outbox_mail;
    outbox_mail::Entity::find()
        .filter(outbox_mail::Column::Recipient.eq(to))
        .count(&app.db)
        .await
        .unwrap()
}

async fn register(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": email, "password": password, "displayName": "Jana Beispiel"}),
    )
    .await
}

on_both_backends! {
    settings = [("ACADEMY_REFRESH_GRACE", "0s")];
    async fn registration_verification_login_refresh_reuse_logout(app: TestApp) {
        let email = "jana.beispiel@example.org";
        let password = "Sonnenblumen am Rathausplatz";
        let accepted = json_body(register(&app, email, password).await, StatusCode::ACCEPTED).await;
        assert_eq!(accepted["status"], "accepted");

        let mail = app.mail.wait_for(email).await;
        assert_eq!(mail.subject, "Bitte bestätigen Sie Ihre E-Mail-Adresse");
        assert!(mail.text.contains("Guten Tag Jana Beispiel,"), "{}", mail.text);
        assert!(mail.html.contains("E-Mail-Adresse bestätigen</a>"), "{}", mail.html);
        let token = token_in(&mail.text);
        assert!(mail.html.contains(&token));

        // Not before the address is confirmed.
        let early = app.post_json("/api/v1/auth/login", &json!({"email": email, "password": password})).await;
        problem(early, StatusCode::FORBIDDEN, "email_not_verified").await;

        let verified = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
        assert_eq!(verified.status(), StatusCode::NO_CONTENT);
        let again = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
        problem(again, StatusCode::BAD_REQUEST, "invalid_token").await;

        let tokens = app.login(email, password).await;
        let me = json_body(
            app.authed(Method::GET, "/api/v1/me", tokens["accessToken"].as_str().unwrap()).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["roles"], json!(["learner"]));
        assert_eq!(me["emailVerified"], true);

        let refreshed = json_body(
            app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": tokens["refreshToken"]})).await,
            StatusCode::OK,
        )
        .await;
        let reuse = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": tokens["refreshToken"]})).await;
        problem(reuse, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let dead = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": refreshed["refreshToken"]})).await;
        problem(dead, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;

        let fresh = app.login(email, password).await;
        let logout = app.post_json("/api/v1/auth/logout", &json!({"refreshToken": fresh["refreshToken"]})).await;
        assert_eq!(logout.status(), StatusCode::NO_CONTENT);
        let after = app.authed(Method::GET, "/api/v1/me", fresh["accessToken"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn registering_a_taken_address_reveals_nothing(app: TestApp) {
        let existing = app.user(&[Role::Learner]).await;
        let first = register(&app, "neu@example.org", "Sonnenblumen am Rathausplatz").await;
        let first_status = first.status();
        let first_body = first.text().await.unwrap();
        let second = register(&app, &existing.email.to_uppercase(), "Ganz anderes Passwort 42").await;
        assert_eq!(second.status(), first_status);
        assert_eq!(second.text().await.unwrap(), first_body);

        // The owner is told by mail, and keeps their password.
        let notice = app.mail.wait_for(&existing.email).await;
        assert_eq!(notice.subject, "Ihr Konto bei der Akademie besteht bereits");
        app.login(&existing.email, PASSWORD).await;
        let wrong = app
            .post_json("/api/v1/auth/login", &json!({"email": existing.email, "password": "Ganz anderes Passwort 42"}))
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        app.mail.wait_for("neu@example.org").await;
    }
}

on_both_backends! {
    async fn registration_refuses_bad_input_and_keeps_nothing(app: TestApp) {
        let municipality = uuid::Uuid::now_v7();
        for (body, field, code) in [
            (json!({"email": "a@example.org", "password": "zu kurz", "displayName": "A"}), "password", "too_short"),
            (json!({"email": "a@example.org", "password": "Passwort12345", "displayName": "A"}), "password", "too_common"),
            (json!({"email": "kein-at.example.org", "password": "Sonnenblumen am Rathausplatz", "displayName": "A"}), "email", "invalid_email"),
            (json!({"email": "a@example.org", "password": "Sonnenblumen am Rathausplatz", "displayName": " "}), "displayName", "required"),
            (json!({"email": "a@example.org", "password": "Sonnenblumen am Rathausplatz", "displayName": "A", "municipalityId": municipality}), "municipalityId", "unknown"),
        ] {
            let response = app.post_json("/api/v1/auth/register", &body).await;
            let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
        }
        // Nobody registers themselves into a role.
        let response = app
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": "a@example.org", "password": "Sonnenblumen am Rathausplatz", "displayName": "A", "roles": ["admin"]}),
            )
            .await;
        problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let users = academy_auth::entity::user::Entity::find().count(&app.db).await.unwrap();
        assert_eq!(users, 0);
        assert_eq!(outbox_count(&app, "a@example.org").await, 0);
    }
}

on_both_backends! {
    async fn a_password_reset_ends_every_session(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let unknown = app.post_json("/api/v1/auth/password-reset", &json!({"email": "niemand@example.org"})).await;
        let known = app.post_json("/api/v1/auth/password-reset", &json!({"email": user.email})).await;
        assert_eq!(unknown.status(), StatusCode::ACCEPTED);
        assert_eq!(known.status(), StatusCode::ACCEPTED);
        assert_eq!(unknown.text().await.unwrap(), known.text().await.unwrap());
        let mail = app.mail.wait_for(&user.email).await;
        // The requests are handled after the answer; by now both have been.
        assert_eq!(outbox_count(&app, "niemand@example.org").await, 0);
        assert_eq!(mail.subject, "Passwort zurücksetzen");
        let token = token_in(&mail.text);

        let weak = app
            .post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "kurz"}))
            .await;
        problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let done = app
            .post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "Neue Wege durchs Quartier"}))
            .await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
        let reused = app
            .post_json("/api/v1/auth/password-reset/confirm", &json!({"token": token, "password": "Noch ein neues Passwort"}))
            .await;
        problem(reused, StatusCode::BAD_REQUEST, "invalid_token").await;

        let old_session = app.authed(Method::GET, "/api/v1/me", &user.access).send().await.unwrap();
        assert_eq!(old_session.status(), StatusCode::UNAUTHORIZED);
        let old_password = app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD})).await;
        assert_eq!(old_password.status(), StatusCode::UNAUTHORIZED);
        app.login(&user.email, "Neue Wege durchs Quartier").await;
    }
}

on_both_backends! {
    async fn changing_the_password_keeps_only_this_session(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let other = app.login(&user.email, PASSWORD).await;
        let wrong = app
            .authed(Method::POST, "/api/v1/me/password", &user.access)
            .json(&json!({"currentPassword": "geraten und falsch", "newPassword": "Neue Wege durchs Quartier"}))
            .send()
            .await
            .unwrap();
        let body = problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "currentPassword");

        let changed = app
            .authed(Method::POST, "/api/v1/me/password", &user.access)
            .json(&json!({"currentPassword": PASSWORD, "newPassword": "Neue Wege durchs Quartier"}))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);
        let this = app.authed(Method::GET, "/api/v1/me", &user.access).send().await.unwrap();
        assert_eq!(this.status(), StatusCode::OK);
        let that = app.authed(Method::GET, "/api/v1/me", other["accessToken"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(that.status(), StatusCode::UNAUTHORIZED);
        let notice = app.mail.wait_for(&user.email).await;
        assert_eq!(notice.subject, "Ihr Passwort wurde geändert");
        app.login(&user.email, "Neue Wege durchs Quartier").await;
    }
}

on_both_backends! {
    async fn an_invitation_presets_roles_and_is_accepted_once(app: TestApp) {
        let organisation = app.organisation("Architektenkammer Beispiel").await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let response = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({
                "email": "autorin@example.org",
                "displayName": "Petra Autorin",
                "roles": ["author", "consultant"],
                "organisationId": organisation
            }))
            .send()
            .await
            .unwrap();
        let invited = json_body(response, StatusCode::CREATED).await;
        assert_eq!(invited["status"], "invited");
        assert_eq!(invited["roles"], json!(["author", "consultant"]));

        let mail = app.mail.wait_for("autorin@example.org").await;
        assert_eq!(mail.subject, "Einladung zur Akademie für sozialen Zusammenhalt");
        assert!(mail.text.contains("Erika Beispiel lädt Sie"), "{}", mail.text);
        let token = token_in(&mail.text);

        let weak = app
            .post_json("/api/v1/auth/invitations/accept", &json!({"token": token, "password": "123456789012"}))
            .await;
        problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let accepted = json_body(
            app.post_json("/api/v1/auth/invitations/accept", &json!({"token": token, "password": "Leitfaden für alle Kommunen"})).await,
            StatusCode::OK,
        )
        .await;
        let me = json_body(
            app.authed(Method::GET, "/api/v1/me", accepted["accessToken"].as_str().unwrap()).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["status"], "active");
        assert_eq!(me["organisationId"], organisation.to_string());
        let twice = app
            .post_json("/api/v1/auth/invitations/accept", &json!({"token": token, "password": "Leitfaden für alle Kommunen"}))
            .await;
        problem(twice, StatusCode::BAD_REQUEST, "invalid_token").await;
        app.login("autorin@example.org", "Leitfaden für alle Kommunen").await;
        let active_again = app
            .authed(Method::POST, &format!("/api/v1/users/{}/invitation", invited["id"].as_str().unwrap()), &coordinator.access)
            .send()
            .await
            .unwrap();
        problem(active_again, StatusCode::CONFLICT, "not_invited").await;

        let taken = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({"email": "AUTORIN@example.org", "displayName": "X", "roles": ["learner"]}))
            .send()
            .await
            .unwrap();
        problem(taken, StatusCode::CONFLICT, "email_taken").await;
        let no_org = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({"email": "berater@example.org", "displayName": "X", "roles": ["consultant"]}))
            .send()
            .await
            .unwrap();
        problem(no_org, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let admin_by_coordinator = app
            .authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
            .json(&json!({"email": "chef@example.org", "displayName": "X", "roles": ["admin"]}))
            .send()
            .await
            .unwrap();
        problem(admin_by_coordinator, StatusCode::FORBIDDEN, "cannot_grant_admin").await;
        let admin = app.user(&[Role::Admin]).await;
        let admin_by_admin = app
            .authed(Method::POST, "/api/v1/users/invitations", &admin.access)
            .json(&json!({"email": "chef@example.org", "displayName": "X", "roles": ["admin"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(admin_by_admin.status(), StatusCode::CREATED);

        let audit = json_body(
            app.authed(Method::GET, "/api/v1/audit-log?action=user.invited", &admin.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["total"], 2);
        assert_eq!(audit["items"][1]["actorId"], coordinator.id.to_string());
    }
}

on_both_backends! {
    async fn the_first_administrator_can_sign_in(app: TestApp) {
        let outcome = academy_auth::create_admin(&app.db, "admin@example.org", "Administration", "Verwaltung am Marktplatz 7".into())
            .await
            .map_err(|e| e.code().to_owned())
            .unwrap();
        assert!(matches!(outcome, academy_auth::CreateAdminOutcome::Created(_)));
        let tokens = app.login("admin@example.org", "Verwaltung am Marktplatz 7").await;
        let users = app
            .authed(Method::GET, "/api/v1/users", tokens["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(users.status(), StatusCode::OK);
    }
}

on_both_backends! {
    async fn deleting_the_own_account_erases_personal_data(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let wrong = app
            .authed(Method::DELETE, "/api/v1/me", &user.access)
            .json(&json!({"password": "nicht mein Passwort"}))
            .send()
            .await
            .unwrap();
        let body = problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "password");

        let deleted = app
            .authed(Method::DELETE, "/api/v1/me", &user.access)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        let notice = app.mail.wait_for(&user.email).await;
        assert_eq!(notice.subject, "Ihr Konto wurde gelöscht");

        let me = app.authed(Method::GET, "/api/v1/me", &user.access).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        let login = app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD})).await;
        assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
        let row = academy_auth::entity::user::Entity::find_by_id(user.id).one(&app.db).await.unwrap().unwrap();
        assert!(!row.email.contains(&user.email) && row.email.ends_with("@deleted.invalid"), "{}", row.email);
        assert_eq!((row.display_name.as_str(), row.status.as_str()), ("Gelöschtes Konto", "disabled"));
        assert_eq!(row.password_hash, None);

        // The address is free again.
        let again = register(&app, &user.email, "Sonnenblumen am Rathausplatz").await;
        assert_eq!(again.status(), StatusCode::ACCEPTED);
        assert_eq!(app.mail.wait_for(&user.email).await.subject, "Bitte bestätigen Sie Ihre E-Mail-Adresse");
    }
}

on_both_backends! {
    async fn the_last_administrator_cannot_delete_their_account(app: TestApp) {
        let admin = app.user(&[Role::Admin]).await;
        let response = app
            .authed(Method::DELETE, "/api/v1/me", &admin.access)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::CONFLICT, "last_admin").await;
        let _second = app.user(&[Role::Admin]).await;
        let response = app
            .authed(Method::DELETE, "/api/v1/me", &admin.access)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

on_both_backends! {
    async fn a_lost_invitation_can_be_sent_again(app: TestApp) {
        let coordinator = app.user(&[Role::Coordinator]).await;
        let invited = json_body(
            app.authed(Method::POST, "/api/v1/users/invitations", &coordinator.access)
                .json(&json!({"email": "lernende@example.org", "displayName": "Lea Lernend", "roles": ["learner"]}))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await;
        let first = token_in(&app.mail.wait_for("lernende@example.org").await.text);
        let resent = app
            .authed(Method::POST, &format!("/api/v1/users/{}/invitation", invited["id"].as_str().unwrap()), &coordinator.access)
            .send()
            .await
            .unwrap();
        assert_eq!(resent.status(), StatusCode::ACCEPTED);
        let second = token_in(&app.mail.wait_for("lernende@example.org").await.text);
        assert_ne!(first, second);
        let old = app
            .post_json("/api/v1/auth/invitations/accept", &json!({"token": first, "password": "Leitfaden für alle Kommunen"}))
            .await;
        problem(old, StatusCode::BAD_REQUEST, "invalid_token").await;
        let new = app
            .post_json("/api/v1/auth/invitations/accept", &json!({"token": second, "password": "Leitfaden für alle Kommunen"}))
            .await;
        assert_eq!(new.status(), StatusCode::OK);
        let missing = app
            .authed(Method::POST, &format!("/api/v1/users/{}/invitation", uuid::Uuid::now_v7()), &coordinator.access)
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn a_password_reset_for_text_that_is_no_address_is_422(app: TestApp) {
        // The answer for any well-formed address is the same 202; text that cannot be an
        // address says nothing about accounts and is refused, naming the field.
        for email in ["00", "kein-at-zeichen.example.org", "a@b", "zwei@@example.org"] {
            let response = app.post_json("/api/v1/auth/password-reset", &json!({"email": email})).await;
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], "email", "{email}: {body}");
            assert_eq!(body["errors"][0]["code"], "invalid_email", "{email}: {body}");
        }
        let fine = app.post_json("/api/v1/auth/password-reset", &json!({"email": "niemand@example.org"})).await;
        assert_eq!(fine.status(), StatusCode::ACCEPTED);
    }
}
