//! Sign-in, throttling, access-token checks, refresh rotation with reuse detection, and
//! sign-out.

use academy_auth::Role;
use academy_auth::jwt::{AUDIENCE, Claims, ISSUER};
use academy_tests::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use sea_orm::EntityTrait;
use uuid::Uuid;

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.authed(Method::GET, "/api/v1/me", token)
        .send()
        .await
        .unwrap()
        .status()
}

on_both_backends! {
    async fn login_returns_a_working_token_pair(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let tokens = app.login(&user.email.to_uppercase(), PASSWORD).await;
        assert_eq!(tokens["tokenType"], "Bearer");
        assert_eq!(tokens["expiresIn"], 900);
        let me = json_body(
            app.authed(Method::GET, "/api/v1/me", tokens["accessToken"].as_str().unwrap())
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["id"], user.id.to_string());
        assert_eq!(me["roles"], json!(["learner"]));
        let metrics = app.metrics().await;
        assert!(metrics.contains("logins_total{outcome=\"success\"}"), "{metrics}");
    }
}

on_both_backends! {
    async fn wrong_password_and_unknown_email_get_the_same_answer(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let wrong = app
            .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "falsches Passwort 123"}))
            .await;
        let unknown = app
            .post_json("/api/v1/auth/login", &json!({"email": "niemand@example.org", "password": "falsches Passwort 123"}))
            .await;
        assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
        assert_eq!(unknown.headers()["www-authenticate"], "Bearer");
        let wrong = problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let unknown = problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(wrong, unknown);
    }
}

on_both_backends! {
    settings = [("ACADEMY_LOGIN_MAX_FAILURES", "3")];
    async fn repeated_failures_are_throttled_with_retry_after(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        for _ in 0..3 {
            let response = app
                .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "falsches Passwort 123"}))
                .await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        // Now even the right password waits.
        let response = app
            .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD}))
            .await;
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
        // Unknown accounts are throttled alike, so a 429 reveals nothing.
        for _ in 0..3 {
            app.post_json("/api/v1/auth/login", &json!({"email": "niemand@example.org", "password": "x"})).await;
        }
        let response = app
            .post_json("/api/v1/auth/login", &json!({"email": "niemand@example.org", "password": "x"}))
            .await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

on_both_backends! {
    settings = [("ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT", "4")];
    async fn one_client_guessing_across_accounts_is_throttled(app: TestApp) {
        for n in 0..4 {
            let response = app
                .post_json("/api/v1/auth/login", &json!({"email": format!("nr{n}@example.org"), "password": "falsches Passwort"}))
                .await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let response = app
            .post_json("/api/v1/auth/login", &json!({"email": "nr9@example.org", "password": "falsches Passwort"}))
            .await;
        problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    }
}

on_both_backends! {
    async fn a_successful_login_resets_the_account_counter(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        for round in 0..3 {
            for _ in 0..4 {
                let response = app
                    .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "falsches Passwort 123"}))
                    .await;
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "round {round}");
            }
            app.login(&user.email, PASSWORD).await;
        }
    }
}

/// A token signed with the right secret but HS512, which the server must not accept.
fn signed_hs512(claims: &Claims) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512);
    header.kid = Some(academy_auth::jwt::key_id(JWT_SECRET));
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

on_both_backends! {
    async fn forged_and_misused_tokens_get_401(app: TestApp) {
        let user = app.user(&[Role::Admin]).await;
        let keys = test_keys();
        let valid = keys.verify(&user.access).unwrap();
        assert_eq!(me_status(&app, &user.access).await, StatusCode::OK);

        let claims_json = serde_json::to_value(&valid).unwrap();
        let header_with_kid = |alg: &str| {
            format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{}"}}"#, academy_auth::jwt::key_id(JWT_SECRET))
        };
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header_with_kid("none")),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims_json).unwrap())
        );
        let hs512 = signed_hs512(&valid);
        let mut tampered = user.access.clone();
        tampered.push('x');
        let other_key = academy_auth::jwt::JwtKeys::new(
            "some-other-secret-that-is-long-enough",
            &[],
            std::time::Duration::from_secs(900),
        )
        .sign(&valid)
        .unwrap();
        let with = |change: &dyn Fn(&mut Claims)| {
            let mut claims = valid.clone();
            change(&mut claims);
            keys.sign(&claims).unwrap()
        };
        let expired = with(&|c| {
            c.iat -= 3600;
            c.exp = c.iat + 900;
        });
        let wrong_audience = with(&|c| c.aud = "urn:other-service".into());
        let wrong_issuer = with(&|c| c.iss = "urn:somebody-else".into());
        let wrong_type = with(&|c| c.typ = "refresh".into());
        let unknown_user = with(&|c| c.sub = Uuid::now_v7());
        let unknown_session = with(&|c| c.sid = Uuid::now_v7());
        assert_eq!(valid.aud, AUDIENCE);
        assert_eq!(valid.iss, ISSUER);

        for (name, token) in [
            ("alg none", none),
            ("HS512", hs512),
            ("bad signature", tampered),
            ("foreign key", other_key),
            ("expired", expired),
            ("wrong aud", wrong_audience),
            ("wrong iss", wrong_issuer),
            ("wrong typ", wrong_type),
            ("unknown user", unknown_user),
            ("unknown session", unknown_session),
            ("refresh token as access token", user.refresh.clone()),
            ("garbage", "not.a.token".to_owned()),
        ] {
            let response = app.authed(Method::GET, "/api/v1/me", &token).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
            problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
        let missing = app.get("/api/v1/me").await;
        assert_eq!(missing.headers()["www-authenticate"], "Bearer");
        problem(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

on_both_backends! {
    async fn refresh_rotates_and_reuse_revokes_the_session(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let first = json_body(
            app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": user.refresh})).await,
            StatusCode::OK,
        )
        .await;
        let second_refresh = first["refreshToken"].as_str().unwrap().to_owned();
        let second_access = first["accessToken"].as_str().unwrap().to_owned();
        assert_ne!(second_refresh, user.refresh);
        assert_eq!(me_status(&app, &second_access).await, StatusCode::OK);

        // The first refresh token is spent: presenting it again is reuse …
        let reuse = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": user.refresh})).await;
        problem(reuse, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        // … which ends the whole session: the newest refresh token and the access tokens die.
        let after = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": second_refresh})).await;
        problem(after, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        assert_eq!(me_status(&app, &second_access).await, StatusCode::UNAUTHORIZED);
        assert_eq!(me_status(&app, &user.access).await, StatusCode::UNAUTHORIZED);

        // Other sessions of the same user are untouched.
        let other = app.login(&user.email, PASSWORD).await;
        assert_eq!(me_status(&app, other["accessToken"].as_str().unwrap()).await, StatusCode::OK);

        let unknown = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": "made-up"})).await;
        problem(unknown, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }
}

on_both_backends! {
    async fn racing_refreshes_with_one_token_yield_one_new_pair(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let body = json!({"refreshToken": user.refresh});
        let attempts = (0..8).map(|_| app.post_json("/api/v1/auth/refresh", &body));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.status())
            .collect();
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    }
}

on_both_backends! {
    async fn logout_ends_the_session_at_once(app: TestApp) {
        let user = app.user(&[Role::Learner]).await;
        let other = app.login(&user.email, PASSWORD).await;
        let response = app.post_json("/api/v1/auth/logout", &json!({"refreshToken": user.refresh})).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(me_status(&app, &user.access).await, StatusCode::UNAUTHORIZED);
        let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": user.refresh})).await;
        assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
        // Only that session: the other one goes on.
        let other_access = other["accessToken"].as_str().unwrap();
        assert_eq!(me_status(&app, other_access).await, StatusCode::OK);
        // Logging out twice is fine.
        let again = app.post_json("/api/v1/auth/logout", &json!({"refreshToken": user.refresh})).await;
        assert_eq!(again.status(), StatusCode::NO_CONTENT);

        let everywhere = app.authed(Method::POST, "/api/v1/auth/logout-all", other_access).send().await.unwrap();
        assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
        assert_eq!(me_status(&app, other_access).await, StatusCode::UNAUTHORIZED);
        let unauthenticated = app.request(Method::POST, "/api/v1/auth/logout-all").send().await.unwrap();
        problem(unauthenticated, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

on_both_backends! {
    async fn old_hashes_are_upgraded_at_login(app: TestApp) {
        use argon2::password_hash::PasswordHasher;
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
        let id = Uuid::now_v7();
        app.insert_user(id, "alt@example.org", &[Role::Learner], None, None, "active", Some(weak)).await;
        app.login("alt@example.org", PASSWORD).await;
        let stored = academy_auth::entity::user::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        app.login("alt@example.org", PASSWORD).await;
    }
}

on_both_backends! {
    async fn login_validates_its_body(app: TestApp) {
        let response = app.post_json("/api/v1/auth/login", &json!({"email": "a@example.org"})).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "password");
        let response = app
            .request(Method::POST, "/api/v1/auth/login")
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
}

on_both_backends! {
    settings = [("ACADEMY_LOGIN_MAX_FAILURES", "3")];
    async fn throttling_and_reuse_detection_hold_across_instances(app: TestApp) {
        let other = app.another_instance().await;
        let user = app.user(&[Role::Learner]).await;
        for _ in 0..3 {
            let response = app
                .post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "falsches Passwort 123"}))
                .await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let elsewhere = app
            .client
            .post(other.url("/api/v1/auth/login"))
            .json(&json!({"email": user.email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        problem(elsewhere, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;

        // Rotated on one instance, replayed on the other: the session ends everywhere.
        let rotated = json_body(
            app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": user.refresh})).await,
            StatusCode::OK,
        )
        .await;
        let replay = app
            .client
            .post(other.url("/api/v1/auth/refresh"))
            .json(&json!({"refreshToken": user.refresh}))
            .send()
            .await
            .unwrap();
        problem(replay, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
        let me = app
            .client
            .get(other.url("/api/v1/me"))
            .bearer_auth(rotated["accessToken"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        other.stop().await;
    }
}
