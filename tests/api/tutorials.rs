//! `/tutorials`: the shared workflow with the captions gate, text tracks (WebVTT and SRT,
//! refused by line), sources on allowed hosts, the accessibility profile and its filters,
//! transcripts, watch progress that cannot be skipped, and the coordinators' counts.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const SETTINGS: [(&str, &str); 3] = [
    ("ACADEMY_VIDEO_HOSTS", "video.example.org"),
    ("ACADEMY_CORS_ORIGINS", "https://app.example.org"),
    ("ACADEMY_VIDEO_UPLOAD_LIMIT", "64KiB"),
];

const VIDEO: &[u8] = include_bytes!("../../crates/tutorials/tests/fixtures/short-moov-at-end.mp4");
const POSTER: &[u8] = include_bytes!("../../crates/files/tests/fixtures/poster.png");
const NOT_A_VIDEO: &[u8] = include_bytes!("../../crates/tutorials/tests/fixtures/not-a-video.mp4");

async fn put_bytes(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Response {
    app.authed(method, path, token)
        .header("content-type", content_type)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

fn metadata(title: &str, seconds: f64) -> Value {
    json!({
        "title": title,
        "summary": "Ein Impuls zur Beteiligung im Quartier.",
        "description": "Mit **Beispielen** aus Kassel und Offenbach.",
        "durationSeconds": seconds,
        "kind": "impulse",
        "speakers": ["Dr. Jana Beispiel"],
        "licence": "CC-BY-4.0",
        "chapters": [{"start": 0, "title": "Einstieg"}, {"start": 10, "title": "Beteiligung planen"}],
        "fieldsOfAction": ["activation-participation"],
    })
}

const CAPTIONS: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Jana>Willkommen zur Bürgerbeteiligung.\n\n00:00:05.000 --> 00:00:09.000\nHeute geht es um Klimaanpassung im Quartier.\n";

const SRT: &str = "1\r\n00:00:01,000 --> 00:00:04,000\r\nWillkommen.\r\n\r\n2\r\n00:00:05,000 --> 00:00:09,500\r\nZweiter Satz.\r\n";

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app.authed(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let created = json_body(
        send(app, Method::POST, "/api/v1/tutorials", token, Some(body)).await,
        StatusCode::CREATED,
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> Response {
    app.authed(
        Method::PUT,
        &format!("/api/v1/tutorials/{id}/tracks/{path}"),
        token,
    )
    .header("content-type", content_type)
    .body(body.to_owned())
    .send()
    .await
    .unwrap()
}

async fn approve(app: &TestApp, token: &str, id: &str, path: &str) {
    let response = send(
        app,
        Method::PATCH,
        &format!("/api/v1/tutorials/{id}/tracks/{path}"),
        token,
        Some(json!({"status": "approved", "default": true})),
    )
    .await;
    assert_eq!(
        json_body(response, StatusCode::OK).await["status"],
        "approved"
    );
}

async fn action(app: &TestApp, token: &str, id: &str, what: &str) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/tutorials/{id}/{what}"),
        token,
        None,
    )
    .await
}

/// A published tutorial of `seconds` with approved German captions.
async fn published(app: &TestApp, author: &str, coordinator: &str, seconds: f64) -> String {
    let id = create(app, author, metadata("Beteiligung im Quartier", seconds)).await;
    assert_eq!(
        upload(app, author, &id, "captions/de", "text/vtt", CAPTIONS)
            .await
            .status(),
        StatusCode::CREATED
    );
    approve(app, author, &id, "captions/de").await;
    assert_eq!(
        action(app, author, &id, "submit").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        action(app, coordinator, &id, "publish").await.status(),
        StatusCode::OK
    );
    id
}

async fn report(app: &TestApp, token: &str, id: &str, segments: Value) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/tutorials/{id}/progress"),
        token,
        Some(json!({"segments": segments})),
    )
    .await
}

on_both_backends! {
    settings = SETTINGS;
    async fn a_tutorial_is_published_only_with_approved_german_captions(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;

        let response = send(&app, Method::POST, "/api/v1/tutorials", &author.access, Some(metadata("Beteiligung im Quartier", 20.0))).await;
        assert_eq!(response.headers()["etag"], "\"v1\"");
        let tutorial = json_body(response, StatusCode::CREATED).await;
        let id = tutorial["id"].as_str().unwrap().to_owned();
        assert_eq!(tutorial["slug"], "beteiligung-im-quartier");
        assert_eq!(tutorial["status"], "draft");
        assert_eq!(tutorial["language"], "de");
        assert_eq!(tutorial["chapters"][1], json!({"start": 10.0, "title": "Beteiligung planen"}));
        assert_eq!(tutorial["accessibility"]["captions"], false);
        assert_eq!(tutorial["accessibility"]["missing"], json!(["1.2.1", "1.2.2", "1.2.3", "1.2.5"]));

        // A draft is the organisation's business only.
        assert_eq!(app.get(&format!("/api/v1/tutorials/{id}")).await.status(), StatusCode::NOT_FOUND);
        problem(send(&app, Method::POST, &format!("/api/v1/tutorials/{id}/submit"), &learner.access, None).await, StatusCode::NOT_FOUND, "not_found").await;

        assert_eq!(action(&app, &author.access, &id, "submit").await.status(), StatusCode::OK);
        // Authors do not publish; coordinators do, with captions.
        problem(action(&app, &author.access, &id, "publish").await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, &coordinator.access, &id, "publish").await, StatusCode::CONFLICT, "captions_required").await;

        // Captions uploaded as a draft do not count; approved ones do.
        let response = send(&app, Method::POST, &format!("/api/v1/tutorials/{id}/return"), &coordinator.access, Some(json!({"comment": "Bitte Untertitel ergänzen."}))).await;
        assert_eq!(response.status(), StatusCode::OK);
        let track = json_body(upload(&app, &author.access, &id, "captions/de", "text/vtt", CAPTIONS).await, StatusCode::CREATED).await;
        assert_eq!(track["status"], "draft");
        assert_eq!(track["cueCount"], 2);
        assert_eq!(action(&app, &author.access, &id, "submit").await.status(), StatusCode::OK);
        problem(action(&app, &coordinator.access, &id, "publish").await, StatusCode::CONFLICT, "captions_required").await;
        approve(&app, &author.access, &id, "captions/de").await;
        let published = json_body(action(&app, &coordinator.access, &id, "publish").await, StatusCode::OK).await;
        assert_eq!(published["status"], "published");
        assert_eq!(published["accessibility"]["captions"], true);
        assert_eq!(published["accessibility"]["transcript"], true);

        // Everyone sees it now, with the approved track for `<track>`, across origins.
        let public = json_body(app.get(&format!("/api/v1/tutorials/{id}")).await, StatusCode::OK).await;
        assert_eq!(public["tracks"][0]["url"], format!("/api/v1/tutorials/{id}/tracks/captions/de"));
        let vtt = app
            .request(Method::GET, &format!("/api/v1/tutorials/{id}/tracks/captions/de"))
            .header("origin", "https://app.example.org")
            .send()
            .await
            .unwrap();
        assert_eq!(vtt.status(), StatusCode::OK);
        assert_eq!(vtt.headers()["content-type"], "text/vtt; charset=utf-8");
        assert_eq!(vtt.headers()["access-control-allow-origin"], "https://app.example.org");
        let etag = vtt.headers()["etag"].to_str().unwrap().to_owned();
        let text = vtt.text().await.unwrap();
        assert!(text.starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"), "{text}");
        let again = app
            .request(Method::GET, &format!("/api/v1/tutorials/{id}/tracks/captions/de"))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

        // The transcript comes from the approved captions, without markup.
        let transcript = json_body(app.get(&format!("/api/v1/tutorials/{id}/transcripts/de")).await, StatusCode::OK).await;
        assert_eq!(transcript["origin"], "captions");
        assert_eq!(transcript["text"], "Willkommen zur Bürgerbeteiligung. Heute geht es um Klimaanpassung im Quartier.");
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn a_coordinator_may_exempt_a_tutorial_from_captions_with_a_reason_on_record(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = create(&app, &author.access, metadata("Musik im Park", 20.0)).await;
        assert_eq!(action(&app, &author.access, &id, "submit").await.status(), StatusCode::OK);

        let path = format!("/api/v1/tutorials/{id}/captions-exemption");
        problem(send(&app, Method::PUT, &path, &author.access, Some(json!({"reason": "Nur Musik."}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(send(&app, Method::PUT, &path, &coordinator.access, Some(json!({"reason": "  "}))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let exempted = json_body(send(&app, Method::PUT, &path, &coordinator.access, Some(json!({"reason": "Reine Musik ohne gesprochenen Text."}))).await, StatusCode::OK).await;
        assert_eq!(exempted["accessibility"]["captionsExemption"], "Reine Musik ohne gesprochenen Text.");
        let published = json_body(action(&app, &coordinator.access, &id, "publish").await, StatusCode::OK).await;
        assert_eq!(published["status"], "published");
        assert_eq!(published["accessibility"]["captions"], false);

        // The public does not see the reason; the audit log keeps it.
        let public = json_body(app.get(&format!("/api/v1/tutorials/{id}")).await, StatusCode::OK).await;
        assert!(public["accessibility"].get("captionsExemption").is_none());
        let audited = academy_auth::entity::audit_entry::Entity::find()
            .filter(academy_auth::entity::audit_entry::Column::Action.eq("tutorial.captions_exempted"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(audited, 1);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn track_uploads_are_refused_by_line_and_srt_is_converted(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let other = app.user_in(&[Role::Author], Some(app.organisation("Andere").await), None).await;
        let id = create(&app, &author.access, metadata("Beteiligung", 20.0)).await;

        let bad = "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nZurück.\n\n00:00:03.000 --> 00:00:25.000\nZu lang.\n";
        let body = problem(upload(&app, &author.access, &id, "captions/de", "text/vtt", bad).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let errors: Vec<(String, String)> = body["errors"].as_array().unwrap().iter()
            .map(|e| (e["code"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
            .collect();
        assert!(errors.iter().any(|(c, m)| c == "end_before_start" && m.starts_with("line 3:")), "{errors:?}");
        assert!(errors.iter().any(|(c, m)| c == "beyond_duration" && m.starts_with("line 6:")), "{errors:?}");
        // Not UTF-8: the line is named too.
        let response = app.authed(Method::PUT, &format!("/api/v1/tutorials/{id}/tracks/captions/de"), &author.access)
            .header("content-type", "text/vtt")
            .body(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nGr\xfc\xdfe\n".to_vec())
            .send().await.unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "not_utf8");
        assert!(body["errors"][0]["message"].as_str().unwrap().starts_with("line 4:"), "{body}");
        // Nothing was stored by the refusals.
        let tracks = json_body(send(&app, Method::GET, &format!("/api/v1/tutorials/{id}/tracks"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(tracks, json!([]));

        // SRT with CRLF becomes WebVTT.
        let track = json_body(upload(&app, &author.access, &id, "subtitles/en", "application/x-subrip", SRT).await, StatusCode::CREATED).await;
        assert_eq!(track["kind"], "subtitles");
        let vtt = send(&app, Method::GET, &format!("/api/v1/tutorials/{id}/tracks/subtitles/en"), &author.access, None).await;
        assert_eq!(vtt.text().await.unwrap(), "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen.\n\n00:00:05.000 --> 00:00:09.500\nZweiter Satz.\n\n");
        // Replacing it answers 200.
        assert_eq!(upload(&app, &author.access, &id, "subtitles/en", "application/x-subrip", SRT).await.status(), StatusCode::OK);

        // 401, 403, 404, 415 and 413.
        let anonymous = app.request(Method::PUT, &format!("/api/v1/tutorials/{id}/tracks/captions/de"))
            .header("content-type", "text/vtt").body(CAPTIONS).send().await.unwrap();
        problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(upload(&app, &other.access, &id, "captions/de", "text/vtt", CAPTIONS).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(upload(&app, &author.access, &id, "captions/de", "image/png", CAPTIONS).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
        let huge = format!("WEBVTT\n\n{}", "x".repeat(3 * 1024 * 1024));
        assert_eq!(upload(&app, &author.access, &id, "captions/de", "text/vtt", &huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // A draft track is not public, even of a visible tutorial's editors' eyes only.
        assert_eq!(app.get(&format!("/api/v1/tutorials/{id}/tracks/subtitles/en")).await.status(), StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn sources_come_from_allowed_hosts_and_make_the_profile(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = published(&app, &author.access, &coordinator.access, 20.0).await;
        let other = published(&app, &author.access, &coordinator.access, 30.0).await;
        let path = format!("/api/v1/tutorials/{id}/sources");

        for (url, code) in [
            ("https://evil.example.com/v.mp4", "host_not_allowed"),
            ("http://video.example.org/v.mp4", "not_https"),
        ] {
            let body = problem(send(&app, Method::POST, &path, &author.access, Some(json!({"delivery": "embed", "url": url}))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["code"], code);
        }
        let body = problem(send(&app, Method::POST, &path, &author.access, Some(json!({"delivery": "file", "url": "https://video.example.org/v.mp4"}))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "mediaType");

        let source = json_body(send(&app, Method::POST, &path, &author.access, Some(json!({"role": "sign_language", "delivery": "file", "url": "https://video.example.org/dgs.mp4", "mediaType": "video/mp4", "height": 720}))).await, StatusCode::CREATED).await;
        assert_eq!(source["role"], "sign_language");
        let tutorial = json_body(app.get(&format!("/api/v1/tutorials/{id}")).await, StatusCode::OK).await;
        assert_eq!(tutorial["accessibility"]["signLanguage"], true);
        assert_eq!(tutorial["sources"][0]["url"], "https://video.example.org/dgs.mp4");

        // The list filters by each flag.
        let with = json_body(app.get("/api/v1/tutorials?signLanguage=true").await, StatusCode::OK).await;
        assert_eq!(with["total"], 1);
        assert_eq!(with["items"][0]["id"], id);
        let without = json_body(app.get("/api/v1/tutorials?signLanguage=false").await, StatusCode::OK).await;
        assert_eq!(without["items"][0]["id"], other);
        let captioned = json_body(app.get("/api/v1/tutorials?captions=true&audioDescription=false").await, StatusCode::OK).await;
        assert_eq!(captioned["total"], 2);
        problem(app.get("/api/v1/tutorials?language=00").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let long = json_body(app.get("/api/v1/tutorials?minDuration=25").await, StatusCode::OK).await;
        assert_eq!(long["items"][0]["id"], other);
        assert_eq!(long["total"], 1);

        // Removing the source takes the flag away again; someone else's source is a 404.
        let source_path = format!("{path}/{}", source["id"].as_str().unwrap());
        let stranger = app.user_in(&[Role::Author], Some(app.organisation("Andere").await), None).await;
        problem(send(&app, Method::DELETE, &source_path, &stranger.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(send(&app, Method::DELETE, &format!("/api/v1/tutorials/{other}/sources/{}", source["id"].as_str().unwrap()), &author.access, None).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(send(&app, Method::DELETE, &source_path, &author.access, None).await.status(), StatusCode::NO_CONTENT);
        let tutorial = json_body(app.get(&format!("/api/v1/tutorials/{id}")).await, StatusCode::OK).await;
        assert_eq!(tutorial["accessibility"]["signLanguage"], false);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn watching_counts_only_what_was_played(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let id = published(&app, &author.access, &coordinator.access, 20.0).await;

        // Jumping to the end completes nothing.
        let progress = json_body(report(&app, &learner.access, &id, json!([{"from": 18, "to": 20}])).await, StatusCode::OK).await;
        assert_eq!(progress["completed"], false);
        assert_eq!(progress["watchedSeconds"], 2.0);
        assert_eq!(progress["resumeAt"], 0.0);
        // Claiming more than could have played is refused and changes nothing.
        problem(report(&app, &learner.access, &id, json!([{"from": 0, "to": 18}])).await, StatusCode::UNPROCESSABLE_ENTITY, "too_fast").await;
        // Overlaps count once; what lies beyond the end is cut off.
        let progress = json_body(report(&app, &learner.access, &id, json!([{"from": 0, "to": 6}, {"from": 4, "to": 8}, {"from": 19, "to": 40}])).await, StatusCode::OK).await;
        assert_eq!(progress["watchedSeconds"], 10.0);
        assert_eq!(progress["segments"], json!([[0.0, 8.0], [18.0, 20.0]]));
        assert_eq!(progress["completed"], false);
        problem(report(&app, &learner.access, &id, json!([{"from": 25, "to": 30}])).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

        // After real time has passed, the rest may be reported: completed, once.
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let progress = json_body(report(&app, &learner.access, &id, json!([{"from": 8, "to": 12}])).await, StatusCode::OK).await;
        assert_eq!(progress["completed"], false);
        assert_eq!(progress["resumeAt"], 12.0);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let progress = json_body(report(&app, &learner.access, &id, json!([{"from": 12, "to": 17}])).await, StatusCode::OK).await;
        assert_eq!(progress["completed"], true);
        let completed_at = progress["completedAt"].clone();
        assert!(completed_at.is_string());

        // The learner's own list has it; nobody else's progress is visible.
        let mine = json_body(send(&app, Method::GET, "/api/v1/me/tutorial-progress", &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["completedAt"], completed_at);
        let theirs = json_body(send(&app, Method::GET, &format!("/api/v1/tutorials/{id}/progress"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(theirs["watchedSeconds"], 0.0);
        assert!(theirs["completedAt"].is_null());
        problem(app.request(Method::GET, "/api/v1/me/tutorial-progress").send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;

        // Coordinators see counts only.
        problem(send(&app, Method::GET, "/api/v1/tutorials/reports", &learner.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let counts = json_body(send(&app, Method::GET, "/api/v1/tutorials/reports", &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(counts["tutorials"][0]["starts"], 1);
        assert_eq!(counts["tutorials"][0]["completions"], 1);
        let csv = send(&app, Method::GET, "/api/v1/tutorials/reports?format=csv", &coordinator.access, None).await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(csv.text().await.unwrap().contains(",Beteiligung im Quartier,1,1\r\n"));

        // Progress goes with the account.
        let response = send(&app, Method::DELETE, "/api/v1/me", &learner.access, Some(json!({"password": PASSWORD}))).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let left = academy_tutorials::entity::tutorial_progress::Entity::find().count(&app.db).await.unwrap();
        assert_eq!(left, 0);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn parallel_reports_never_spend_the_same_allowance_twice(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let id = published(&app, &author.access, &coordinator.access, 600.0).await;

        // Twenty reports of 10 s each at once, on two instances: the first report's
        // allowance (15 s) lets one through, never more.
        let second = app.another_instance().await;
        let requests = (0..20).map(|i| {
            let segments = json!([{"from": i * 10, "to": i * 10 + 10}]);
            let path = format!("/api/v1/tutorials/{id}/progress");
            let url = if i % 2 == 0 { app.url(&path) } else { second.url(&path) };
            app.client
                .post(url)
                .bearer_auth(&learner.access)
                .json(&json!({"segments": segments}))
                .send()
        });
        let responses: Vec<Response> = futures_util::future::join_all(requests)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let accepted = responses.iter().filter(|r| r.status() == StatusCode::OK).count();
        assert_eq!(accepted, 1, "{accepted} reports were accepted");
        for response in responses {
            let status = response.status();
            assert!(
                status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT,
                "{status}"
            );
        }
        second.stop().await;
        let progress = json_body(send(&app, Method::GET, &format!("/api/v1/tutorials/{id}/progress"), &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(progress["watchedSeconds"], 10.0);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn tutorial_metadata_is_checked_and_authorised(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let learner = app.user(&[Role::Learner]).await;

        problem(app.post_json("/api/v1/tutorials", &metadata("Ohne Anmeldung", 20.0)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(send(&app, Method::POST, "/api/v1/tutorials", &learner.access, Some(metadata("Lernende", 20.0))).await, StatusCode::FORBIDDEN, "forbidden").await;
        let mut bad = metadata("Kapitel", 20.0);
        bad["chapters"] = json!([{"start": 5, "title": "B"}, {"start": 2, "title": "A"}, {"start": 30, "title": "C"}]);
        bad["licence"] = json!("Alle Rechte vorbehalten");
        bad["relatedGuides"] = json!(["00000000-0000-7000-8000-000000000000"]);
        let body = problem(send(&app, Method::POST, "/api/v1/tutorials", &author.access, Some(bad)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["unknown_licence", "not_ascending", "beyond_duration"]);
        let mut unknown = metadata("Bezüge", 20.0);
        unknown["relatedGuides"] = json!(["00000000-0000-7000-8000-000000000000"]);
        let body = problem(send(&app, Method::POST, "/api/v1/tutorials", &author.access, Some(unknown)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "relatedGuides[0]");

        // Edits need the version they were made from.
        let id = create(&app, &author.access, metadata("Beteiligung", 20.0)).await;
        let path = format!("/api/v1/tutorials/{id}");
        problem(send(&app, Method::PUT, &path, &author.access, Some(metadata("Neu", 20.0))).await, StatusCode::PRECONDITION_REQUIRED, "precondition_required").await;
        let response = app.authed(Method::PUT, &path, &author.access).header("if-match", "\"v1\"").json(&metadata("Neu", 30.0)).send().await.unwrap();
        let changed = json_body(response, StatusCode::OK).await;
        assert_eq!(changed["title"], "Neu");
        assert_eq!(changed["durationSeconds"], 30.0);
        let stale = app.authed(Method::PUT, &path, &author.access).header("if-match", "\"v1\"").json(&metadata("Alt", 30.0)).send().await.unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        assert_eq!(send(&app, Method::DELETE, &path, &author.access, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(send(&app, Method::GET, &path, &author.access, None).await.status(), StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn a_search_lands_on_the_moment_the_words_are_said(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = published(&app, &author.access, &coordinator.access, 20.0).await;
        // A draft with the same words is nobody's search result.
        let draft = create(&app, &author.access, metadata("Klimaanpassung für Entwürfe", 20.0)).await;

        let found = json_body(app.get("/api/v1/tutorials?q=Klimaanpassung").await, StatusCode::OK).await;
        assert_eq!(found["total"], 1, "{found}");
        let item = &found["items"][0];
        assert_eq!(item["id"], id);
        assert_eq!(item["moment"], json!({"t": 5.0, "text": "Heute geht es um Klimaanpassung im Quartier."}));
        assert!(item["snippet"].as_str().unwrap().contains("<mark>Klimaanpassung</mark>"), "{item}");
        // German stems: "Kapitel" of the chapters, "Beispielen" of the description.
        let found = json_body(app.get("/api/v1/tutorials?q=Beispiel").await, StatusCode::OK).await;
        assert_eq!(found["items"][0]["id"], id);
        assert!(found["items"][0].get("moment").is_none());
        assert_ne!(found["items"][0]["id"], draft);

        // Archived, it is found no more.
        assert_eq!(action(&app, &coordinator.access, &id, "archive").await.status(), StatusCode::OK);
        let found = json_body(app.get("/api/v1/tutorials?q=Klimaanpassung").await, StatusCode::OK).await;
        assert_eq!(found["total"], 0);
        problem(app.get(&format!("/api/v1/tutorials?q={}", "x".repeat(201))).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn uploaded_videos_are_judged_by_content_and_their_duration_must_match(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let learner = app.user(&[Role::Learner]).await;
        let mut short = metadata("Kurzer Film", 2.4);
        short["chapters"] = json!([]);
        let id = create(&app, &author.access, short).await;
        let longer = create(&app, &author.access, metadata("Langer Film", 20.0)).await;
        let videos = format!("/api/v1/tutorials/{id}/videos");

        // What is not a video, or not the length the tutorial says, is refused; nothing stays.
        let body = problem(put_bytes(&app, Method::POST, &author.access, &videos, "video/mp4", NOT_A_VIDEO).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "type_not_allowed");
        let body = problem(put_bytes(&app, Method::POST, &author.access, &format!("/api/v1/tutorials/{longer}/videos"), "video/mp4", VIDEO).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "duration_mismatch");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("2.4 s"), "{body}");
        problem(put_bytes(&app, Method::POST, &author.access, &videos, "text/plain", VIDEO).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
        let huge = vec![0u8; 100 * 1024];
        assert_eq!(put_bytes(&app, Method::POST, &author.access, &videos, "video/mp4", &huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
        problem(put_bytes(&app, Method::POST, &learner.access, &videos, "video/mp4", VIDEO).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.stored_files(), 0);

        // A real video of the right length (its `moov` box at the end) becomes a source.
        let source = json_body(put_bytes(&app, Method::POST, &author.access, &format!("{videos}?bitrateKbps=800"), "video/mp4", VIDEO).await, StatusCode::CREATED).await;
        assert_eq!(source["uploaded"], true);
        assert_eq!(source["delivery"], "file");
        assert_eq!(source["mediaType"], "video/mp4");
        assert_eq!(source["height"], 48);
        assert_eq!(source["bitrateKbps"], 800);
        assert_eq!(app.stored_files(), 1);
        let url = source["url"].as_str().unwrap().to_owned();
        let whole = send(&app, Method::GET, &url, &author.access, None).await;
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.bytes().await.unwrap().as_ref(), VIDEO);
        let part = app.authed(Method::GET, &url, &author.access).header("range", "bytes=0-99").send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.bytes().await.unwrap().len(), 100);
        // Not for those who do not see the draft.
        assert_eq!(app.get(&url).await.status(), StatusCode::NOT_FOUND);

        // A poster, by its header.
        let poster_path = format!("/api/v1/tutorials/{id}/poster");
        let body = problem(put_bytes(&app, Method::PUT, &author.access, &poster_path, "image/png", NOT_A_VIDEO).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "type_not_allowed");
        let poster = json_body(put_bytes(&app, Method::PUT, &author.access, &poster_path, "image/png", POSTER).await, StatusCode::OK).await;
        assert_eq!((poster["width"].clone(), poster["height"].clone()), (json!(48), json!(32)));
        // Replacing it leaves one poster file.
        json_body(put_bytes(&app, Method::PUT, &author.access, &poster_path, "image/png", POSTER).await, StatusCode::OK).await;
        assert_eq!(app.stored_files(), 2);
        let tutorial = json_body(send(&app, Method::GET, &format!("/api/v1/tutorials/{id}"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(tutorial["poster"]["mediaType"], "image/png");
        assert_eq!(tutorial["sources"][0]["url"], url);

        // Removing the source and the poster removes the stored files.
        let source_path = format!("/api/v1/tutorials/{id}/sources/{}", source["id"].as_str().unwrap());
        assert_eq!(send(&app, Method::DELETE, &source_path, &author.access, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(send(&app, Method::GET, &url, &author.access, None).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(send(&app, Method::DELETE, &poster_path, &author.access, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.stored_files(), 0);
    }
}

on_both_backends! {
    settings = SETTINGS;
    async fn the_source_limit_holds_under_parallel_additions_on_two_instances(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let id = create(&app, &author.access, metadata("Viele Fassungen", 20.0)).await;
        let second = app.another_instance().await;
        let path = format!("/api/v1/tutorials/{id}/sources");
        let requests = (0..25).map(|i| {
            let url = if i % 2 == 0 { app.url(&path) } else { second.url(&path) };
            app.client
                .post(url)
                .bearer_auth(&author.access)
                .json(&json!({"delivery": "embed", "url": format!("https://video.example.org/videos/embed/{i}")}))
                .send()
        });
        let statuses: Vec<StatusCode> = futures_util::future::join_all(requests)
            .await
            .into_iter()
            .map(|r| r.unwrap().status())
            .collect();
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        assert_eq!(created, 20, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
        let tutorial = json_body(send(&app, Method::GET, &format!("/api/v1/tutorials/{id}"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(tutorial["sources"].as_array().unwrap().len(), 20);
        second.stop().await;
    }
}
