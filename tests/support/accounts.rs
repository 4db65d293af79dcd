//! Accounts for tests: users with roles created straight in the database, signed in over
//! HTTP, and forged tokens for attack tests.

use std::sync::OnceLock;

use academy_auth::entity::{municipality, organisation, user};
use academy_auth::{Role, Roles};
use chrono::Utc;
use reqwest::Method;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{StatusCode, TestApp, json_body};

/// The password of every account made by [`TestApp::user`].
pub const PASSWORD: &str = "Apfelbaum hinter der Scheune";

/// One argon2id hash of [`PASSWORD`], computed once per test process.
async fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return hash.clone();
    }
    let hash = academy_auth::password::PasswordHasherPool::new(1)
        .hash(PASSWORD.to_owned())
        .await
        .map_err(|e| e.code().to_owned())
        .expect("hash the test password");
    HASH.get_or_init(|| hash).clone()
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// Creates an active, verified account with `roles` (password [`PASSWORD`]) and signs
    /// it in.
    pub async fn user(&self, roles: &[Role]) -> TestUser {
        self.user_in(roles, None, None).await
    }

    /// Like [`user`](Self::user), with an organisation and a municipality.
    pub async fn user_in(
        &self,
        roles: &[Role],
        organisation_id: Option<Uuid>,
        municipality_id: Option<Uuid>,
    ) -> TestUser {
        let id = Uuid::now_v7();
        let email = format!("user-{}@example.org", id.simple());
        self.insert_user(
            id,
            &email,
            roles,
            organisation_id,
            municipality_id,
            "active",
            Some(password_hash().await),
        )
        .await;
        let tokens = self.login(&email, PASSWORD).await;
        TestUser {
            id,
            email,
            access: tokens["accessToken"].as_str().unwrap().to_owned(),
            refresh: tokens["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    /// Inserts an account row as given.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &self,
        id: Uuid,
        email: &str,
        roles: &[Role],
        organisation_id: Option<Uuid>,
        municipality_id: Option<Uuid>,
        status: &str,
        password_hash: Option<String>,
    ) {
        let now = Utc::now();
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            email: Set(email.to_owned()),
            email_normalized: Set(email.to_lowercase()),
            display_name: Set("Erika Beispiel".to_owned()),
            password_hash: Set(password_hash),
            roles: Set(Roles::new(roles.iter().copied()).to_stored()),
            organisation_id: Set(organisation_id),
            municipality_id: Set(municipality_id),
            // Accounts made for tests belong to their municipality, confirmed.
            municipality_confirmed_at: Set(municipality_id.map(|_| now)),
            status: Set(status.to_owned()),
            email_verified_at: Set(Some(now)),
            last_login_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(&self.db)
        .await
        .expect("insert a test user");
    }

    /// Signs in; asserts 200 and returns the token response.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        json_body(response, StatusCode::OK).await
    }

    /// `POST path` with a JSON body, without credentials.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// A request with `Authorization: Bearer token`.
    pub fn authed(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// Creates an organisation straight in the database.
    pub async fn organisation(&self, name: &str) -> Uuid {
        let id = Uuid::now_v7();
        let now = Utc::now();
        organisation::Entity::insert(organisation::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            kind: Set("foundation".to_owned()),
            website: Set(None),
            role_profiles: Set("advise".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(&self.db)
        .await
        .expect("insert an organisation");
        id
    }

    /// Creates a municipality straight in the database.
    pub async fn municipality(&self, name: &str, ags: &str) -> Uuid {
        let id = Uuid::now_v7();
        let now = Utc::now();
        municipality::Entity::insert(municipality::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            ags: Set(ags.to_owned()),
            district: Set("Landkreis Beispiel".to_owned()),
            funded_site: Set(true),
            cohort_year: Set(Some(2024)),
            phase: Set(Some("implementation".to_owned())),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(&self.db)
        .await
        .expect("insert a municipality");
        id
    }
}

/// The access-token keys of the test servers, for forging tokens.
pub fn test_keys() -> academy_auth::jwt::JwtKeys {
    academy_auth::jwt::JwtKeys::new(crate::JWT_SECRET, &[], std::time::Duration::from_secs(900))
}

/// The token in a mailed link (`…?token=XYZ`).
pub fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
