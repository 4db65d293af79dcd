//! Certificates anyone can verify: issued when a course is completed, shown at a public
//! address, given out as an Open Badges 3.0 credential that an independent verifier
//! (openbadgeslib, in Python) accepts and that breaks when any field is changed,
//! revoked by coordinators (page and status list), expiring after the course's validity
//! (with a reminder before, and a new enrolment after), and as a PDF.

use academy_auth::Role;
use academy_tests::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

/// A published course of one text lesson (completed by opening it), with `extra` fields;
/// its id and the lesson's key.
async fn course(app: &TestApp, extra: Value) -> (String, String) {
    let organisation = app.organisation("Stiftung Zertifikate").await;
    let author = app.user_in(&[Role::Author], Some(organisation), None).await;
    let coordinator = app.user(&[Role::Coordinator]).await;
    let mut body = json!({
        "title": "Beteiligung im Quartier",
        "summary": "Der Einstieg in drei Schritten.",
        "estimatedHours": 4.5,
        "modules": [{"title": "Einstieg", "lessons": [
            {"title": "Lesen", "kind": "text", "body": "Beteiligung beginnt früh."}
        ]}]
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let created = json_body(
        app.authed(Method::POST, "/api/v1/courses", &author.access)
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let lesson = created["modules"][0]["lessons"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let submit = app
        .authed(
            Method::POST,
            &format!("/api/v1/courses/{id}/submit"),
            &author.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(submit.status(), StatusCode::OK);
    let publish = app
        .authed(
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            &coordinator.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), StatusCode::OK);
    (id, lesson)
}

/// A learner who enrolled in `course` and completed it; the learner and the enrolment id.
async fn complete(app: &TestApp, course: &str, lesson: &str) -> (TestUser, String) {
    let learner = app.learner(app.some_municipality().await).await;
    let enrolment = json_body(
        app.authed(
            Method::POST,
            &format!("/api/v1/courses/{course}/enrolments"),
            &learner.access,
        )
        .send()
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let id = enrolment["id"].as_str().unwrap().to_owned();
    let done = json_body(
        app.authed(
            Method::POST,
            &format!("/api/v1/enrolments/{id}/lessons/{lesson}/view"),
            &learner.access,
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["state"], "completed", "{done}");
    (learner, id)
}

async fn my_certificate(app: &TestApp, learner: &TestUser) -> Value {
    let list = json_body(
        app.authed(Method::GET, "/api/v1/me/certificates", &learner.access)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0].clone()
}

/// Runs the independent verifier on `token` with the published key: its output, or the
/// reason it refused.
async fn verify_independently(app: &TestApp, token: &str) -> Result<Value, String> {
    let keys = json_body(app.get("/api/v1/credentials/keys").await, StatusCode::OK).await;
    let x = keys["keys"][0]["x"].as_str().unwrap().to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/support/ob3_verify.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .arg(x)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(token.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    match output.status.code() {
        Some(0) => Ok(serde_json::from_str(&stdout).expect("the verifier prints JSON")),
        Some(1) => Err(stdout),
        _ => panic!(
            "the verifier did not run (is openbadgeslib installed?): {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The token with its payload changed by `change`, the signature kept.
fn tampered(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    change(&mut payload);
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    )
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

on_both_backends! {
    async fn completing_a_course_issues_a_certificate_anyone_can_verify(app: TestApp) {
        let (course, lesson) = course(&app, json!({})).await;
        let (learner, _) = complete(&app, &course, &lesson).await;
        let certificate = my_certificate(&app, &learner).await;
        let id = certificate["id"].as_str().unwrap();

        // The public page, without a token.
        let page = json_body(app.get(&format!("/api/v1/certificates/{id}")).await, StatusCode::OK).await;
        assert_eq!(page["status"], "valid");
        assert_eq!(page["courseTitle"], "Beteiligung im Quartier");
        assert_eq!(page["hours"], 4.5);
        assert_eq!(page["organisationName"], "Stiftung Zertifikate");
        assert!(page["recipientName"].as_str().unwrap().len() > 1);
        assert!(page["verificationUrl"].as_str().unwrap().ends_with(&format!("/api/v1/certificates/{id}")));
        problem(app.get(&format!("/api/v1/certificates/{}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND, "not_found").await;

        // The credential: an OpenBadgeCredential that another implementation verifies.
        let response = app.get(&format!("/api/v1/certificates/{id}/credential")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/vc+jwt");
        let token = response.text().await.unwrap();
        let claims = payload(&token);
        assert_eq!(claims["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        assert_eq!(claims["credentialSubject"]["achievement"]["name"], "Beteiligung im Quartier");
        assert_eq!(claims["credentialStatus"]["type"], "BitstringStatusListEntry");
        let verified = verify_independently(&app, &token).await.expect("the credential verifies");
        assert_eq!(verified["achievement"], "Beteiligung im Quartier");
        assert_eq!(verified["id"], claims["id"]);

        // Changing any field breaks it.
        let changes: [(&[&str], Value); 5] = [
            (&["credentialSubject", "identifier", "0", "identityHash"], json!("Jemand Anderes")),
            (&["credentialSubject", "achievement", "creditsAvailable"], json!(40.0)),
            (&["credentialSubject", "achievement", "name"], json!("Ein anderer Kurs")),
            (&["validFrom"], json!("2020-01-01T00:00:00Z")),
            (&["issuer", "name"], json!("Falsche Akademie")),
        ];
        for (path, value) in changes {
            let forged = tampered(&token, |payload| {
                let pointer = format!("/{}", path.join("/"));
                *payload.pointer_mut(&pointer).expect("the field exists") = value;
            });
            let refused = verify_independently(&app, &forged).await.expect_err("a changed credential is refused");
            assert!(refused.to_lowercase().contains("signature"), "{refused}");
        }

        // The issuer's profile names the same key.
        let issuer = json_body(app.get("/api/v1/credentials/issuer").await, StatusCode::OK).await;
        assert_eq!(issuer["id"], claims["issuer"]["id"]);
        assert_eq!(issuer["publicKeyJwk"]["crv"], "Ed25519");

        // The PDF, tagged, with the address.
        let pdf = app.get(&format!("/api/v1/certificates/{id}/pdf")).await;
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/StructTreeRoot") && text.contains("/Lang (de-DE)"));

        // The completion mail links the page.
        academy_courses::scheduler::mail_certificates(&app.db, &app.config().courses, Utc::now()).await.unwrap();
        let mail = app.mail.wait_for(&learner.email).await;
        assert!(mail.subject.contains("Zertifikat"), "{}", mail.subject);
        assert!(mail.text.contains(&format!("/api/v1/certificates/{id}")), "{}", mail.text);
    }
}

on_both_backends! {
    async fn a_revoked_certificate_says_so_on_its_page_and_in_the_status_list(app: TestApp) {
        let (course, lesson) = course(&app, json!({})).await;
        let (learner, _) = complete(&app, &course, &lesson).await;
        let (other, _) = complete(&app, &course, &lesson).await;
        let certificate = my_certificate(&app, &learner).await;
        let id = certificate["id"].as_str().unwrap();
        let token = app.get(&format!("/api/v1/certificates/{id}/credential")).await.text().await.unwrap();
        let index: usize = payload(&token)["credentialStatus"]["statusListIndex"].as_str().unwrap().parse().unwrap();

        let path = format!("/api/v1/certificates/{id}/revoke");
        let reason = json!({"reason": "Irrtümlich ausgestellt."});
        let anonymous = app.request(Method::POST, &path).json(&reason).send().await.unwrap();
        problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let by_learner = app.authed(Method::POST, &path, &learner.access).json(&reason).send().await.unwrap();
        problem(by_learner, StatusCode::FORBIDDEN, "forbidden").await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let blank = app.authed(Method::POST, &path, &coordinator.access).json(&json!({"reason": "  "})).send().await.unwrap();
        problem(blank, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let revoked = json_body(
            app.authed(Method::POST, &path, &coordinator.access).json(&reason).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(revoked["status"], "revoked");
        let again = app.authed(Method::POST, &path, &coordinator.access).json(&reason).send().await.unwrap();
        problem(again, StatusCode::CONFLICT, "already_revoked").await;

        let page = json_body(app.get(&format!("/api/v1/certificates/{id}")).await, StatusCode::OK).await;
        assert_eq!(page["status"], "revoked");
        assert_eq!(page["revocationReason"], "Irrtümlich ausgestellt.");
        assert!(page["revokedAt"].is_string());

        // The status list sets this certificate's bit and not the other's.
        let other_id = my_certificate(&app, &other).await["id"].as_str().unwrap().to_owned();
        let other_token = app.get(&format!("/api/v1/certificates/{other_id}/credential")).await.text().await.unwrap();
        let other_index: usize = payload(&other_token)["credentialStatus"]["statusListIndex"].as_str().unwrap().parse().unwrap();
        assert_ne!(index, other_index);
        let list = app.get("/api/v1/credentials/status/revocation").await.text().await.unwrap();
        let list = payload(&list);
        assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
        let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
        let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u').unwrap()).unwrap();
        let mut bits = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut bits).unwrap();
        let set = |i: usize| bits[i / 8] & (0x80 >> (i % 8)) != 0;
        assert!(set(index));
        assert!(!set(other_index));
    }
}

on_both_backends! {
    async fn a_certificate_expires_after_the_courses_validity_and_its_learner_enrols_again(app: TestApp) {
        let (course, lesson) = course(&app, json!({"validityMonths": 12})).await;
        let (learner, enrolment) = complete(&app, &course, &lesson).await;
        let certificate = my_certificate(&app, &learner).await;
        let id: uuid::Uuid = certificate["id"].as_str().unwrap().parse().unwrap();
        assert!(certificate["expiresAt"].is_string());
        // Already completed: no second enrolment while the certificate is valid.
        let early = app.authed(Method::POST, &format!("/api/v1/courses/{course}/enrolments"), &learner.access).send().await.unwrap();
        problem(early, StatusCode::CONFLICT, "already_completed").await;

        use academy_courses::entity::course_certificate;
        let set_expiry = |at: chrono::DateTime<Utc>| {
            course_certificate::Entity::update_many()
                .col_expr(course_certificate::Column::ExpiresAt, Expr::value(at))
                .filter(course_certificate::Column::Id.eq(id))
                .exec(&app.db)
        };
        // A reminder before it runs out, once.
        set_expiry(Utc::now() + Duration::days(10)).await.unwrap();
        let settings = app.config().courses;
        assert_eq!(academy_courses::scheduler::remind_expiry(&app.db, &settings, Utc::now()).await.unwrap(), 1);
        assert_eq!(academy_courses::scheduler::remind_expiry(&app.db, &settings, Utc::now()).await.unwrap(), 0);
        let mail = app.mail.wait_for(&learner.email).await;
        assert!(mail.subject.contains("läuft ab"), "{}", mail.subject);

        // Run out: the page says so, the enrolment is over, and a new one starts anew.
        set_expiry(Utc::now() - Duration::minutes(1)).await.unwrap();
        academy_courses::certificates::expire(&app.db, Utc::now()).await.unwrap();
        let page = json_body(app.get(&format!("/api/v1/certificates/{id}")).await, StatusCode::OK).await;
        assert_eq!(page["status"], "expired");
        let old = json_body(app.authed(Method::GET, &format!("/api/v1/enrolments/{enrolment}"), &learner.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(old["state"], "expired");
        let again = json_body(
            app.authed(Method::POST, &format!("/api/v1/courses/{course}/enrolments"), &learner.access).send().await.unwrap(),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(again["state"], "active");
        assert_eq!(again["progress"]["lessonsCompleted"], 0);
        assert_ne!(again["id"], json!(enrolment));
    }
}
