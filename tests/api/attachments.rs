//! `/guides/{guide}/attachments`: templates uploaded by a guide's editors, offered to its
//! readers — content-checked, size-limited, with ranges and ETags.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

/// A `multipart/form-data` body with a file part and an optional title.
fn form(filename: &str, content: &[u8], title: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "academy-test-boundary-7f3a";
    let mut body = Vec::new();
    if let Some(title) = title {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{title}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn pdf(size: usize) -> Vec<u8> {
    let mut content = b"%PDF-1.7\n% Vorlage\n".to_vec();
    content.resize(size, b'x');
    content
}

async fn upload(
    app: &TestApp,
    token: &str,
    guide: &str,
    filename: &str,
    content: &[u8],
) -> Response {
    let (content_type, body) = form(filename, content, Some("Vorlage Beteiligungskonzept"));
    app.authed(
        Method::POST,
        &format!("/api/v1/guides/{guide}/attachments"),
        token,
    )
    .header("content-type", content_type)
    .body(body)
    .send()
    .await
    .unwrap()
}

/// A draft guide of a new organisation, with its author and a coordinator.
async fn draft(app: &TestApp) -> (String, TestUser, TestUser) {
    let organisation = app.organisation("Stiftung Vorlagen").await;
    let author = app.user_in(&[Role::Author], Some(organisation), None).await;
    let coordinator = app.user(&[Role::Coordinator]).await;
    let guide = json_body(
        app.authed(Method::POST, "/api/v1/guides", &author.access)
            .json(&json!({
                "title": "Beteiligung verstetigen",
                "summary": "Wie Kommunen Beteiligung auf Dauer stellen.",
                "fieldsOfAction": ["activation-participation"]
            }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    (
        guide["id"].as_str().unwrap().to_owned(),
        author,
        coordinator,
    )
}

async fn publish(app: &TestApp, guide: &str, author: &TestUser, coordinator: &TestUser) {
    let submit = app
        .authed(
            Method::POST,
            &format!("/api/v1/guides/{guide}/submit"),
            &author.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(submit.status(), StatusCode::OK);
    let publish = app
        .authed(
            Method::POST,
            &format!("/api/v1/guides/{guide}/publish"),
            &coordinator.access,
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(publish.status(), StatusCode::OK);
}

on_both_backends! {
    async fn templates_are_uploaded_and_downloaded_with_ranges_and_etags(app: TestApp) {
        let (guide, author, coordinator) = draft(&app).await;
        let content = pdf(150_000);
        let response = upload(&app, &author.access, &guide, "Beteiligungskonzept für Gießen.pdf", &content).await;
        let attachment = json_body(response, StatusCode::CREATED).await;
        assert_eq!(attachment["mediaType"], "application/pdf");
        assert_eq!(attachment["sizeBytes"], 150_000);
        assert_eq!(attachment["title"], "Vorlage Beteiligungskonzept");
        assert_eq!(attachment["sha256"].as_str().unwrap().len(), 64);
        let url = attachment["downloadUrl"].as_str().unwrap().to_owned();

        // Drafts and their files are the editors' until published.
        problem(app.get(&format!("/api/v1/guides/{guide}/attachments")).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(app.get(&url).await, StatusCode::NOT_FOUND, "not_found").await;
        publish(&app, &guide, &author, &coordinator).await;

        let list = json_body(app.get(&format!("/api/v1/guides/{guide}/attachments")).await, StatusCode::OK).await;
        assert_eq!(list.as_array().unwrap().len(), 1);

        let download = app.get(&url).await;
        assert_eq!(download.status(), StatusCode::OK);
        assert_eq!(download.headers()["content-type"], "application/pdf");
        assert_eq!(download.headers()["accept-ranges"], "bytes");
        let disposition = download.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; "), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''Beteiligungskonzept%20f%C3%BCr%20Gie%C3%9Fen.pdf"), "{disposition}");
        let etag = download.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(download.bytes().await.unwrap().as_ref(), content.as_slice());

        let cached = app.request(Method::GET, &url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let part = app.request(Method::GET, &url).header("range", "bytes=0-4").send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()["content-range"], "bytes 0-4/150000");
        assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF-");
        let tail = app.request(Method::GET, &url).header("range", "bytes=149990-").send().await.unwrap();
        assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.bytes().await.unwrap().len(), 10);
        // If-Range: the part only for the same version, else the whole file (RFC 9110).
        let resumed = app.request(Method::GET, &url).header("range", "bytes=5-9").header("if-range", &etag).send().await.unwrap();
        assert_eq!(resumed.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(resumed.headers()["content-range"], "bytes 5-9/150000");
        for stale in ["\"0123456789abcdef0123456789abcdef\"", "W/\"x\"", "Sat, 29 Oct 1994 19:43:31 GMT"] {
            let whole = app.request(Method::GET, &url).header("range", "bytes=5-9").header("if-range", stale).send().await.unwrap();
            assert_eq!(whole.status(), StatusCode::OK, "{stale}");
            assert!(whole.headers().get("content-range").is_none());
            assert_eq!(whole.bytes().await.unwrap().as_ref(), content.as_slice(), "{stale}");
        }
        let outside = app.request(Method::GET, &url).header("range", "bytes=200000-").send().await.unwrap();
        assert_eq!(outside.headers()["content-range"], "bytes */150000");
        problem(outside, StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable").await;

        // The full downloads (three of them after a stale If-Range) and the range from the
        // first byte count; the tail and the resumed part do not.
        let list = json_body(app.get(&format!("/api/v1/guides/{guide}/attachments")).await, StatusCode::OK).await;
        assert_eq!(list[0]["downloadCount"], 5);
    }
}

on_both_backends! {
    // Beyond the 64 KiB the content is judged by, so an oversized upload is refused while
    // it is being written and its staging file has to be aborted.
    settings = [("ACADEMY_UPLOAD_LIMIT", "192KiB")];
    async fn refused_uploads_leave_nothing_behind(app: TestApp) {
        let (guide, author, _) = draft(&app).await;
        let renamed = upload(&app, &author.access, &guide, "vorlage.pdf", b"MZ\x90\x00\x03\x00\x00\x00 windows program").await;
        let body = problem(renamed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "executable");
        let mismatch = upload(&app, &author.access, &guide, "vorlage.docx", &pdf(1_000)).await;
        let body = problem(mismatch, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "name_mismatch");
        let too_large = upload(&app, &author.access, &guide, "gross.pdf", &pdf(400_000)).await;
        problem(too_large, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        // Counted on disk, staging files (`…#n`) of unfinished uploads included.
        assert_eq!(app.stored_files(), 0, "no staging file left by the oversized upload");
        // Just within the limit, the same content is taken.
        let fits = json_body(upload(&app, &author.access, &guide, "passt.pdf", &pdf(190_000)).await, StatusCode::CREATED).await;
        assert_eq!(app.stored_files(), 1);
        let deleted = app.authed(Method::DELETE, fits["downloadUrl"].as_str().unwrap(), &author.access).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        let not_multipart = app
            .authed(Method::POST, &format!("/api/v1/guides/{guide}/attachments"), &author.access)
            .json(&json!({"file": "x"}))
            .send()
            .await
            .unwrap();
        problem(not_multipart, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

        // A title with a NUL character, and a part the form does not have, are refused
        // naming the part, after the file was read: its bytes go again.
        let send = |content_type: String, body: Vec<u8>| {
            app.authed(Method::POST, &format!("/api/v1/guides/{guide}/attachments"), &author.access)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let (content_type, body) = form("vorlage.pdf", &pdf(1_000), Some("Vor\0lage"));
        let nul = problem(send(content_type, body).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(nul["errors"][0]["field"], "title", "{nul}");
        assert_eq!(nul["errors"][0]["code"], "invalid_character", "{nul}");
        let (content_type, mut body) = form("vorlage.pdf", &pdf(1_000), None);
        let tail = b"--academy-test-boundary-7f3a--\r\n".len();
        body.truncate(body.len() - tail);
        body.extend_from_slice(b"--academy-test-boundary-7f3a\r\nContent-Disposition: form-data; name=\"autor\"\r\n\r\nErika\r\n--academy-test-boundary-7f3a--\r\n");
        let unknown = problem(send(content_type, body).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(unknown["errors"][0]["field"], "autor", "{unknown}");
        assert_eq!(unknown["errors"][0]["code"], "unknown_field", "{unknown}");

        assert_eq!(app.stored_files(), 0, "no bytes left in the store");
        let list = json_body(
            app.authed(Method::GET, &format!("/api/v1/guides/{guide}/attachments"), &author.access).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list, json!([]));

        // Within the limit it works, and deleting removes the bytes too.
        let ok = json_body(upload(&app, &author.access, &guide, "Liste.csv", "Name;Ort\nErika;Gießen\n".as_bytes()).await, StatusCode::CREATED).await;
        assert_eq!(ok["mediaType"], "text/csv; charset=utf-8");
        assert_eq!(app.stored_files(), 1);
        let deleted = app
            .authed(Method::DELETE, ok["downloadUrl"].as_str().unwrap(), &author.access)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.stored_files(), 0);
    }
}

on_both_backends! {
    async fn only_a_guides_editors_attach_files(app: TestApp) {
        let (guide, author, coordinator) = draft(&app).await;
        let anonymous = app
            .request(Method::POST, &format!("/api/v1/guides/{guide}/attachments"))
            .send()
            .await
            .unwrap();
        problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let other_organisation = app.organisation("Andere Kammer").await;
        let stranger = app.user_in(&[Role::Author], Some(other_organisation), None).await;
        let hidden = upload(&app, &stranger.access, &guide, "a.pdf", &pdf(100)).await;
        problem(hidden, StatusCode::NOT_FOUND, "not_found").await;

        publish(&app, &guide, &author, &coordinator).await;
        let learner = app.user(&[Role::Learner]).await;
        let forbidden = upload(&app, &learner.access, &guide, "a.pdf", &pdf(100)).await;
        problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
        let by_coordinator = upload(&app, &coordinator.access, &guide, "a.pdf", &pdf(100)).await;
        let attachment = json_body(by_coordinator, StatusCode::CREATED).await;
        let delete_by_learner = app
            .authed(Method::DELETE, attachment["downloadUrl"].as_str().unwrap(), &learner.access)
            .send()
            .await
            .unwrap();
        problem(delete_by_learner, StatusCode::FORBIDDEN, "forbidden").await;
        let unknown = app.get(&format!("/api/v1/guides/{guide}/attachments/{}", uuid::Uuid::now_v7())).await;
        problem(unknown, StatusCode::NOT_FOUND, "not_found").await;

        // Deleting the guide removes its files from the store.
        assert_eq!(app.stored_files(), 1);
        let gone = app.authed(Method::DELETE, &format!("/api/v1/guides/{guide}"), &coordinator.access).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.stored_files(), 0);
    }
}

async fn names(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let response = match token {
        Some(token) => app.authed(Method::GET, path, token).send().await.unwrap(),
        None => app.get(path).await,
    };
    let list = json_body(response, StatusCode::OK).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    async fn files_of_a_live_guide_change_with_its_draft_and_go_public_when_it_is_approved(app: TestApp) {
        let (guide, author, coordinator) = draft(&app).await;
        let first = json_body(upload(&app, &author.access, &guide, "alt.pdf", &pdf(1_000)).await, StatusCode::CREATED).await;
        publish(&app, &guide, &author, &coordinator).await;
        let list = format!("/api/v1/guides/{guide}/attachments");
        let working = format!("{list}?revision=working");
        assert_eq!(names(&app, &list, None).await, ["alt.pdf"]);

        // An upload to the live guide goes to a new draft; the public does not see it.
        let second = json_body(upload(&app, &author.access, &guide, "neu.pdf", &pdf(2_000)).await, StatusCode::CREATED).await;
        let seen = json_body(app.authed(Method::GET, &format!("/api/v1/guides/{guide}"), &author.access).send().await.unwrap(), StatusCode::OK).await;
        assert_eq!(seen["workingRevision"], json!({"number": 2, "state": "draft"}));
        assert_eq!(names(&app, &list, None).await, ["alt.pdf"]);
        problem(app.get(second["downloadUrl"].as_str().unwrap()).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(names(&app, &working, Some(&author.access)).await, ["alt.pdf", "neu.pdf"]);
        problem(app.get(&working).await, StatusCode::NOT_FOUND, "not_found").await;

        // Removing the live file takes it off the draft only.
        let removed = app.authed(Method::DELETE, first["downloadUrl"].as_str().unwrap(), &author.access).send().await.unwrap();
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        assert_eq!(names(&app, &list, None).await, ["alt.pdf"]);
        assert_eq!(app.get(first["downloadUrl"].as_str().unwrap()).await.status(), StatusCode::OK);
        assert_eq!(names(&app, &working, Some(&author.access)).await, ["neu.pdf"]);
        assert_eq!(app.stored_files(), 2);
        let again = app.authed(Method::DELETE, first["downloadUrl"].as_str().unwrap(), &author.access).send().await.unwrap();
        problem(again, StatusCode::NOT_FOUND, "not_found").await;

        // Under review, the files are as fixed as the text.
        let submit = app.authed(Method::POST, &format!("/api/v1/guides/{guide}/submit"), &author.access).send().await.unwrap();
        assert_eq!(submit.status(), StatusCode::OK);
        problem(upload(&app, &author.access, &guide, "spaet.pdf", &pdf(500)).await, StatusCode::CONFLICT, "under_review").await;
        let locked = app.authed(Method::DELETE, second["downloadUrl"].as_str().unwrap(), &author.access).send().await.unwrap();
        problem(locked, StatusCode::CONFLICT, "under_review").await;
        assert_eq!(names(&app, &list, None).await, ["alt.pdf"]);

        // Approved: the public sees the new set; the old file stays with revision 1.
        let approve = app.authed(Method::POST, &format!("/api/v1/guides/{guide}/publish"), &coordinator.access).json(&json!({})).send().await.unwrap();
        assert_eq!(approve.status(), StatusCode::OK);
        assert_eq!(names(&app, &list, None).await, ["neu.pdf"]);
        assert_eq!(app.get(second["downloadUrl"].as_str().unwrap()).await.status(), StatusCode::OK);
        problem(app.get(first["downloadUrl"].as_str().unwrap()).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.stored_files(), 2, "revision 1 keeps its file");
    }
}

on_both_backends! {
    async fn a_file_of_one_guide_is_not_found_under_another_guides_path(app: TestApp) {
        let (first, author, coordinator) = draft(&app).await;
        let elsewhere = app.organisation("Verein Musterstadt").await;
        let other_author = app.user_in(&[Role::Author], Some(elsewhere), None).await;
        let second = json_body(
            app.authed(Method::POST, "/api/v1/guides", &other_author.access)
                .json(&json!({"title": "Anderer Leitfaden", "summary": "Ohne Vorlagen."}))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let attachment = json_body(upload(&app, &author.access, &first, "vorlage.pdf", &pdf(1_000)).await, StatusCode::CREATED).await;
        publish(&app, &first, &author, &coordinator).await;
        publish(&app, &second, &other_author, &coordinator).await;
        let id = attachment["id"].as_str().unwrap();
        let own = format!("/api/v1/guides/{first}/attachments/{id}");
        let foreign = format!("/api/v1/guides/{second}/attachments/{id}");
        assert_eq!(app.get(&own).await.status(), StatusCode::OK);

        problem(app.get(&foreign).await, StatusCode::NOT_FOUND, "not_found").await;
        for token in [&coordinator.access, &other_author.access, &author.access] {
            let read = app.authed(Method::GET, &foreign, token).send().await.unwrap();
            problem(read, StatusCode::NOT_FOUND, "not_found").await;
        }
        // Neither the coordinator (editor of both) nor the other guide's author can remove
        // it through the other guide.
        for token in [&coordinator.access, &other_author.access] {
            let removed = app.authed(Method::DELETE, &foreign, token).send().await.unwrap();
            problem(removed, StatusCode::NOT_FOUND, "not_found").await;
        }
        assert!(names(&app, &format!("/api/v1/guides/{second}/attachments"), None).await.is_empty());
        assert_eq!(names(&app, &format!("/api/v1/guides/{first}/attachments"), None).await, ["vorlage.pdf"]);
        assert_eq!(app.get(&own).await.status(), StatusCode::OK);
    }
}
