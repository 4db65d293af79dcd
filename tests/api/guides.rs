//! `/guides`: the review workflow, who sees and changes what, revisions, concurrent edits,
//! scheduled publishing and the filtered list.

use academy_auth::Role;
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;

fn content(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "Wie Kommunen Bewohnerinnen und Bewohner dauerhaft beteiligen.",
        "context": "Viele Quartiere haben **gute Erfahrungen** mit Stadtteilkonferenzen gemacht.",
        "steps": [
            {"title": "Ziele klären", "body": "Wer entscheidet worüber mit?"},
            {"title": "Formate wählen", "body": "Siehe <https://example.org/formate>"}
        ],
        "successFactors": "Verlässliche Ansprechpersonen.",
        "pitfalls": "Beteiligung ohne Entscheidungsspielraum frustriert.",
        "fieldsOfAction": ["activation-participation"],
        "phases": ["implementation"],
        "audiences": ["administration"],
        "contactName": "Petra Beispiel",
        "contactEmail": "petra.beispiel@example.org",
        "readingMinutes": 12
    })
}

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

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    json_body(
        send(app, Method::POST, "/api/v1/guides", token, Some(body)).await,
        StatusCode::CREATED,
    )
    .await
}

async fn action(app: &TestApp, token: &str, id: &str, what: &str, body: Option<Value>) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/guides/{id}/{what}"),
        token,
        body,
    )
    .await
}

async fn etag_of(app: &TestApp, token: &str, id: &str) -> String {
    let response = send(
        app,
        Method::GET,
        &format!("/api/v1/guides/{id}?revision=working"),
        token,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn edit(app: &TestApp, token: &str, id: &str, body: Value) -> Response {
    let etag = etag_of(app, token, id).await;
    app.authed(Method::PUT, &format!("/api/v1/guides/{id}"), token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Creates, submits and publishes a guide of `author`'s organisation.
async fn published(app: &TestApp, author: &str, coordinator: &str, body: Value) -> String {
    let id = create(app, author, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        action(app, author, &id, "submit", None).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        action(app, coordinator, &id, "publish", Some(json!({})))
            .await
            .status(),
        StatusCode::OK
    );
    id
}

on_both_backends! {
    async fn a_guide_goes_from_draft_through_review_to_published_and_archived(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let admin = app.user(&[Role::Admin]).await;

        let response = send(&app, Method::POST, "/api/v1/guides", &author.access, Some(content("Beteiligung im Quartier verstetigen"))).await;
        assert_eq!(response.headers()["etag"], "\"v1\"");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let guide = json_body(response, StatusCode::CREATED).await;
        let id = guide["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/guides/{id}"));
        assert_eq!(guide["slug"], "beteiligung-im-quartier-verstetigen");
        assert_eq!(guide["organisationId"], organisation.to_string());
        assert_eq!(guide["status"], "draft");
        assert_eq!(guide["workingRevision"], json!({"number": 1, "state": "draft"}));
        assert_eq!(guide["revision"]["themes"], json!(["participation-integration"]));
        assert_eq!(guide["revision"]["steps"][1]["title"], "Formate wählen");
        assert_eq!(guide["revision"]["language"], "de");

        // Not public yet; nothing is live even for its authors.
        problem(app.get(&format!("/api/v1/guides/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/guides/{id}?revision=live"), &author.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(json_body(app.get("/api/v1/guides").await, StatusCode::OK).await["total"], 0);

        // Invalid transitions, each with its own code.
        problem(action(&app, &coordinator.access, &id, "publish", Some(json!({}))).await, StatusCode::CONFLICT, "not_in_review").await;
        problem(action(&app, &coordinator.access, &id, "return", Some(json!({"comment": "Zu kurz."}))).await, StatusCode::CONFLICT, "not_in_review").await;
        let submitted = json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        assert_eq!(submitted["status"], "in_review");
        problem(action(&app, &author.access, &id, "submit", None).await, StatusCode::CONFLICT, "already_in_review").await;
        problem(edit(&app, &author.access, &id, content("Anders")).await, StatusCode::CONFLICT, "under_review").await;

        // Returned with a comment, changed, submitted again.
        let no_comment = action(&app, &coordinator.access, &id, "return", Some(json!({"comment": " "}))).await;
        let body = problem(no_comment, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "comment");
        let returned = json_body(
            action(&app, &coordinator.access, &id, "return", Some(json!({"comment": "Bitte ein Beispiel ergänzen."}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(returned["status"], "draft");
        let seen = json_body(send(&app, Method::GET, &format!("/api/v1/guides/{id}"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(seen["revision"]["reviewComment"], "Bitte ein Beispiel ergänzen.");
        let mut changed = content("Beteiligung im Quartier verstetigen");
        changed["body"] = json!("## Beispiel\n\nIn Musterstadt tagt der Stadtteilbeirat monatlich.");
        json_body(edit(&app, &author.access, &id, changed).await, StatusCode::OK).await;
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;

        // Published.
        let review_due = (Utc::now() + Duration::days(365)).to_rfc3339();
        let live = json_body(
            action(&app, &coordinator.access, &id, "publish", Some(json!({"reviewDueAt": review_due}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(live["status"], "published");
        assert_eq!(live["liveRevision"], 1);
        assert_eq!(live["revision"]["publishedBy"], coordinator.id.to_string());
        assert!(live["reviewDueAt"].is_string());
        problem(action(&app, &author.access, &id, "submit", None).await, StatusCode::CONFLICT, "nothing_to_submit").await;

        // Public now, by id and by slug, cacheable; the review comment stays internal.
        let response = app.get(&format!("/api/v1/guides/{id}")).await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let public = json_body(response, StatusCode::OK).await;
        assert_eq!(public["revision"]["title"], "Beteiligung im Quartier verstetigen");
        assert!(public.get("workingRevision").is_none());
        assert!(public["revision"].get("reviewComment").is_none());
        let by_slug = json_body(app.get("/api/v1/guides/beteiligung-im-quartier-verstetigen").await, StatusCode::OK).await;
        assert_eq!(by_slug["id"], id.as_str());
        let cached = app.request(Method::GET, &format!("/api/v1/guides/{id}")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let list = json_body(app.get("/api/v1/guides").await, StatusCode::OK).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["title"], "Beteiligung im Quartier verstetigen");

        // Archived: gone from the public, still there for staff.
        let archived = json_body(action(&app, &coordinator.access, &id, "archive", None).await, StatusCode::OK).await;
        assert_eq!(archived["status"], "archived");
        problem(action(&app, &coordinator.access, &id, "archive", None).await, StatusCode::CONFLICT, "already_archived").await;
        problem(action(&app, &author.access, &id, "submit", None).await, StatusCode::CONFLICT, "already_archived").await;
        problem(app.get(&format!("/api/v1/guides/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(json_body(app.get("/api/v1/guides").await, StatusCode::OK).await["total"], 0);
        json_body(send(&app, Method::GET, &format!("/api/v1/guides/{id}"), &coordinator.access, None).await, StatusCode::OK).await;

        let audit = json_body(
            send(&app, Method::GET, &format!("/api/v1/audit-log?subjectId={id}"), &admin.access, None).await,
            StatusCode::OK,
        )
        .await;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["guide.archived", "guide.published", "guide.returned"]);
    }
}

on_both_backends! {
    async fn authors_of_another_organisation_neither_see_nor_change_drafts_nor_publish(app: TestApp) {
        let ours = app.organisation("Stiftung Beispiel").await;
        let theirs = app.organisation("Verein Musterstadt").await;
        let author = app.user_in(&[Role::Author], Some(ours), None).await;
        let other = app.user_in(&[Role::Author], Some(theirs), None).await;
        let learner = app.user(&[Role::Learner]).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = create(&app, &author.access, content("Nachbarschaftsfeste planen")).await["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/guides/{id}");

        for token in [&other.access, &learner.access] {
            problem(send(&app, Method::GET, &path, token, None).await, StatusCode::NOT_FOUND, "not_found").await;
            problem(send(&app, Method::GET, &format!("{path}/revisions/1"), token, None).await, StatusCode::NOT_FOUND, "not_found").await;
            let put = app.authed(Method::PUT, &path, token).header("if-match", "\"v1\"").json(&content("Übernommen")).send().await.unwrap();
            problem(put, StatusCode::NOT_FOUND, "not_found").await;
            problem(action(&app, token, &id, "submit", None).await, StatusCode::NOT_FOUND, "not_found").await;
            problem(send(&app, Method::DELETE, &path, token, None).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let theirs_list = json_body(send(&app, Method::GET, "/api/v1/guides", &other.access, None).await, StatusCode::OK).await;
        assert_eq!(theirs_list["total"], 0);
        let ours_list = json_body(send(&app, Method::GET, "/api/v1/guides", &author.access, None).await, StatusCode::OK).await;
        assert_eq!(ours_list["total"], 1);
        // An author may not create for another organisation either.
        let mut foreign = content("Fremd");
        foreign["organisationId"] = json!(theirs);
        problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(foreign)).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(send(&app, Method::POST, "/api/v1/guides", &learner.access, Some(content("Lernend"))).await, StatusCode::FORBIDDEN, "forbidden").await;

        // Authors submit but do not publish, return or archive.
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        problem(action(&app, &author.access, &id, "publish", Some(json!({}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, &author.access, &id, "return", Some(json!({"comment": "Selbst"}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, &author.access, &id, "archive", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        json_body(action(&app, &coordinator.access, &id, "publish", Some(json!({}))).await, StatusCode::OK).await;

        // Published: everyone reads it, only its organisation edits it, drafts stay hidden.
        json_body(send(&app, Method::GET, &path, &other.access, None).await, StatusCode::OK).await;
        let put = app.authed(Method::PUT, &path, &other.access).header("if-match", "\"v3\"").json(&content("Übernommen")).send().await.unwrap();
        problem(put, StatusCode::FORBIDDEN, "forbidden").await;
        problem(send(&app, Method::GET, &format!("{path}?revision=working"), &other.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::DELETE, &path, &other.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

on_both_backends! {
    async fn editing_a_published_guide_keeps_the_live_revision_until_the_new_one_is_approved(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = published(&app, &author.access, &coordinator.access, content("Spielplätze gemeinsam planen")).await;
        let path = format!("/api/v1/guides/{id}");

        let mut second = content("Spielplätze und Treffpunkte gemeinsam planen");
        second["changeNote"] = json!("Treffpunkte für Jugendliche ergänzt.");
        second["fieldsOfAction"] = json!(["public-spaces"]);
        let draft = json_body(edit(&app, &author.access, &id, second).await, StatusCode::OK).await;
        assert_eq!(draft["status"], "published");
        assert_eq!(draft["liveRevision"], 1);
        assert_eq!(draft["workingRevision"], json!({"number": 2, "state": "draft"}));
        assert_eq!(draft["revision"]["title"], "Spielplätze und Treffpunkte gemeinsam planen");
        assert_eq!(draft["revision"]["themes"], json!(["quality-of-life"]));

        // The public still reads revision 1; the draft is not in the history.
        let public = json_body(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(public["revision"]["number"], 1);
        assert_eq!(public["revision"]["title"], "Spielplätze gemeinsam planen");
        problem(app.get(&format!("{path}/revisions/2")).await, StatusCode::NOT_FOUND, "not_found").await;
        json_body(send(&app, Method::GET, &format!("{path}/revisions/2"), &author.access, None).await, StatusCode::OK).await;
        let history = json_body(app.get(&format!("{path}/revisions")).await, StatusCode::OK).await;
        assert_eq!(history.as_array().unwrap().len(), 1);

        // Approved: revision 2 is live, revision 1 stays readable.
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        assert_eq!(json_body(app.get(&path).await, StatusCode::OK).await["revision"]["number"], 1, "still live while in review");
        json_body(action(&app, &coordinator.access, &id, "publish", Some(json!({}))).await, StatusCode::OK).await;
        let public = json_body(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(public["revision"]["number"], 2);
        assert_eq!(public["liveRevision"], 2);
        let history = json_body(app.get(&format!("{path}/revisions")).await, StatusCode::OK).await;
        let numbers: Vec<i64> = history.as_array().unwrap().iter().map(|r| r["number"].as_i64().unwrap()).collect();
        assert_eq!(numbers, [2, 1]);
        assert_eq!(history[0]["live"], true);
        assert_eq!(history[0]["changeNote"], "Treffpunkte für Jugendliche ergänzt.");
        let staff_history = json_body(send(&app, Method::GET, &format!("{path}/revisions"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(staff_history[0]["publishedBy"], coordinator.id.to_string());
        assert_eq!(history[1]["live"], false);
        let first = json_body(app.get(&format!("{path}/revisions/1")).await, StatusCode::OK).await;
        assert_eq!(first["revision"]["title"], "Spielplätze gemeinsam planen");
        assert_eq!(first["revision"]["state"], "superseded");
        assert_eq!(first["revision"]["fieldsOfAction"], json!(["activation-participation"]));
    }
}

on_both_backends! {
    settings = RACING;
    async fn concurrent_edits_with_the_same_etag_let_exactly_one_through(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let first = app.user_in(&[Role::Author], Some(organisation), None).await;
        let second = app.user_in(&[Role::Author], Some(organisation), None).await;
        let id = create(&app, &first.access, content("Quartiersfonds einrichten")).await["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/guides/{id}");
        let etag = etag_of(&app, &first.access, &id).await;

        let no_precondition = app.authed(Method::PUT, &path, &first.access).json(&content("Ohne Version")).send().await.unwrap();
        problem(no_precondition, StatusCode::PRECONDITION_REQUIRED, "precondition_required").await;

        let put = |token: String, title: &'static str| {
            app.authed(Method::PUT, &path, &token).header("if-match", &etag).json(&content(title)).send()
        };
        let race = race([put(first.access.clone(), "Fassung A"), put(second.access.clone(), "Fassung B")]).await;
        race.assert_overlapped(2);
        let [a, b]: [reqwest::Result<Response>; 2] = race.outcomes.try_into().unwrap();
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412]);
        let (winner, loser) = if a.status() == StatusCode::OK { (a, b) } else { (b, a) };
        let winner = json_body(winner, StatusCode::OK).await;
        problem(loser, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let stored = json_body(send(&app, Method::GET, &path, &first.access, None).await, StatusCode::OK).await;
        assert_eq!(stored["revision"]["title"], winner["revision"]["title"]);
    }
}

on_both_backends! {
    async fn a_scheduled_guide_goes_live_when_its_time_has_come(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = create(&app, &author.access, content("Grünflächen pflegen")).await["id"].as_str().unwrap().to_owned();
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        let at = Utc::now() + Duration::hours(1);
        let scheduled = json_body(
            action(&app, &coordinator.access, &id, "publish", Some(json!({"publishAt": at.to_rfc3339()}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(scheduled["status"], "scheduled");
        assert_eq!(scheduled["workingRevision"]["state"], "scheduled");
        problem(action(&app, &author.access, &id, "submit", None).await, StatusCode::CONFLICT, "already_scheduled").await;
        problem(app.get(&format!("/api/v1/guides/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;

        // Not yet due; then due, once, however often the job runs.
        assert_eq!(academy_guides::publish_due(&app.db, Utc::now()).await.unwrap(), 0);
        let later = at + Duration::minutes(1);
        let race = race([academy_guides::publish_due(&app.db, later), academy_guides::publish_due(&app.db, later)]).await;
        race.assert_overlapped(2);
        assert_eq!(race.outcomes.into_iter().map(Result::unwrap).sum::<u64>(), 1);
        assert_eq!(academy_guides::publish_due(&app.db, later).await.unwrap(), 0);

        let live = json_body(app.get(&format!("/api/v1/guides/{id}")).await, StatusCode::OK).await;
        assert_eq!(live["status"], "published");
        assert_eq!(live["revision"]["state"], "published");
        let published_at = chrono::DateTime::parse_from_rfc3339(live["revision"]["publishedAt"].as_str().unwrap()).unwrap();
        assert_eq!(published_at.timestamp(), at.timestamp(), "live from the scheduled time");
    }
}

on_both_backends! {
    async fn invalid_guides_get_field_errors(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let mut bad = content("");
        bad["summary"] = json!("x".repeat(1001));
        bad["context"] = json!("<script>alert(1)</script>");
        bad["steps"] = json!([{"title": " ", "body": ""}]);
        bad["contactEmail"] = json!("kein-at.example.org");
        let body = problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(bad)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let errors: Vec<(String, String)> = body["errors"].as_array().unwrap().iter()
            .map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
            .collect();
        for expected in [("title", "required"), ("summary", "too_long"), ("context", "raw_html"), ("steps[0].title", "required"), ("contactEmail", "invalid_email")] {
            assert!(errors.contains(&(expected.0.to_owned(), expected.1.to_owned())), "{expected:?} in {errors:?}");
        }

        let mut unknown = content("Unbekannte Begriffe");
        unknown["fieldsOfAction"] = json!(["housing", "space-travel"]);
        unknown["audiences"] = json!(["nobody"]);
        unknown["coPublishers"] = json!([uuid::Uuid::now_v7()]);
        let body = problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(unknown)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["fieldsOfAction[1]", "audiences[0]", "coPublishers[0]"]);
        assert!(body["errors"].as_array().unwrap().iter().all(|e| e["code"] == "unknown"));

        let mut slug = content("Eigener Slug");
        slug["slug"] = json!("Mit Leerzeichen");
        let body = problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(slug.clone())).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "invalid_slug");
        slug["slug"] = json!("eigener-slug");
        create(&app, &author.access, slug.clone()).await;
        problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(slug)).await, StatusCode::CONFLICT, "slug_taken").await;
    }
}

on_both_backends! {
    async fn the_list_filters_by_taxonomy_organisation_language_and_status(app: TestApp) {
        let ours = app.organisation("Stiftung Beispiel").await;
        let partner = app.organisation("Verein Musterstadt").await;
        let author = app.user_in(&[Role::Author], Some(ours), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;

        let mut mobility = content("Radwege im Quartier");
        mobility["fieldsOfAction"] = json!(["sustainable-mobility"]);
        mobility["phases"] = json!(["concept"]);
        mobility["audiences"] = json!(["policy-makers"]);
        mobility["coPublishers"] = json!([partner]);
        let mobility = published(&app, &author.access, &coordinator.access, mobility).await;
        let mut english = content("Activating residents");
        english["language"] = json!("en");
        let english = published(&app, &author.access, &coordinator.access, english).await;
        let draft = create(&app, &author.access, content("Entwurf zur Nahversorgung")).await["id"].as_str().unwrap().to_owned();

        let ids = |page: &Value| -> Vec<String> { page["items"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_owned()).collect() };
        let anonymous = json_body(app.get("/api/v1/guides?sort=title").await, StatusCode::OK).await;
        assert_eq!(ids(&anonymous), [english.clone(), mobility.clone()]);
        for (query, expected) in [
            ("fieldOfAction=sustainable-mobility", vec![mobility.clone()]),
            ("theme=sustainability-environment", vec![mobility.clone()]),
            ("theme=participation-integration", vec![english.clone()]),
            ("phase=concept", vec![mobility.clone()]),
            ("audience=policy-makers", vec![mobility.clone()]),
            (&format!("organisation={partner}"), vec![mobility.clone()]),
            ("language=en", vec![english.clone()]),
            ("updatedSince=2999-01-01T00:00:00Z", vec![]),
        ] {
            let page = json_body(app.get(&format!("/api/v1/guides?{query}")).await, StatusCode::OK).await;
            assert_eq!(ids(&page), expected, "{query}");
        }
        let paged = json_body(app.get("/api/v1/guides?limit=1&offset=1&sort=title").await, StatusCode::OK).await;
        assert_eq!((paged["total"].as_u64(), ids(&paged)), (Some(2), vec![mobility.clone()]));
        problem(app.get("/api/v1/guides?limit=101").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

        // Authors also see their organisation's drafts; coordinators see everything.
        let theirs = json_body(send(&app, Method::GET, "/api/v1/guides", &author.access, None).await, StatusCode::OK).await;
        assert_eq!(theirs["total"], 3);
        let drafts = json_body(send(&app, Method::GET, "/api/v1/guides?status=draft", &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(ids(&drafts), [draft]);
        // A new revision of a live guide waits in the review queue too.
        let mut revised = content("Radwege im Quartier");
        revised["changeNote"] = json!("Lastenräder ergänzt.");
        json_body(edit(&app, &author.access, &mobility, revised).await, StatusCode::OK).await;
        json_body(action(&app, &author.access, &mobility, "submit", None).await, StatusCode::OK).await;
        let queue = json_body(send(&app, Method::GET, "/api/v1/guides?status=in_review", &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(ids(&queue), [mobility.as_str()]);
        assert_eq!(queue["items"][0]["status"], "published");
        // A client with a broken token learns it, even on a public list.
        let broken = app.authed(Method::GET, "/api/v1/guides", "not-a-token").send().await.unwrap();
        problem(broken, StatusCode::UNAUTHORIZED, "unauthorized").await;

        // Due for review: coordinators only.
        problem(send(&app, Method::GET, "/api/v1/guides?reviewDue=true", &learner.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let none_due = json_body(send(&app, Method::GET, "/api/v1/guides?reviewDue=true", &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(none_due["total"], 0);
        let id = create(&app, &author.access, content("Bald zu prüfen")).await["id"].as_str().unwrap().to_owned();
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        let past = (Utc::now() - Duration::days(1)).to_rfc3339();
        json_body(action(&app, &coordinator.access, &id, "publish", Some(json!({"reviewDueAt": past}))).await, StatusCode::OK).await;
        let due = json_body(send(&app, Method::GET, "/api/v1/guides?reviewDue=true", &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(ids(&due), [id]);
    }
}

on_both_backends! {
    async fn authors_delete_unpublished_drafts_and_coordinators_any_guide(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let admin = app.user(&[Role::Admin]).await;
        let draft = create(&app, &author.access, content("Verworfener Entwurf")).await["id"].as_str().unwrap().to_owned();
        let live = published(&app, &author.access, &coordinator.access, content("Bleibt online")).await;

        assert_eq!(send(&app, Method::DELETE, &format!("/api/v1/guides/{draft}"), &author.access, None).await.status(), StatusCode::NO_CONTENT);
        problem(send(&app, Method::GET, &format!("/api/v1/guides/{draft}"), &author.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::DELETE, &format!("/api/v1/guides/{live}"), &author.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(send(&app, Method::DELETE, &format!("/api/v1/guides/{live}"), &coordinator.access, None).await.status(), StatusCode::NO_CONTENT);
        problem(app.get(&format!("/api/v1/guides/{live}")).await, StatusCode::NOT_FOUND, "not_found").await;

        let audit = json_body(
            send(&app, Method::GET, "/api/v1/audit-log?action=guide.deleted", &admin.access, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["total"], 2);
    }
}

on_both_backends! {
    async fn a_patch_changes_only_the_fields_sent_and_starts_from_the_live_revision(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = published(&app, &author.access, &coordinator.access, content("Leerstand beleben")).await;
        let path = format!("/api/v1/guides/{id}");
        let etag = etag_of(&app, &author.access, &id).await;

        let patched = app
            .authed(Method::PATCH, &path, &author.access)
            .header("if-match", &etag)
            .json(&json!({"title": "Leerstand gemeinsam beleben", "contactName": null, "changeNote": "Titel geschärft."}))
            .send()
            .await
            .unwrap();
        let draft = json_body(patched, StatusCode::OK).await;
        assert_eq!(draft["workingRevision"], json!({"number": 2, "state": "draft"}));
        let revision = &draft["revision"];
        assert_eq!(revision["title"], "Leerstand gemeinsam beleben");
        assert_eq!(revision["contactName"], Value::Null);
        assert_eq!(revision["contactEmail"], "petra.beispiel@example.org", "kept");
        assert_eq!(revision["steps"].as_array().unwrap().len(), 2, "kept");
        assert_eq!(revision["fieldsOfAction"], json!(["activation-participation"]), "kept");
        assert_eq!(json_body(app.get(&path).await, StatusCode::OK).await["revision"]["title"], "Leerstand beleben");

        // The same version again is stale; invalid values are refused; no If-Match is 428.
        let stale = app.authed(Method::PATCH, &path, &author.access).header("if-match", &etag).json(&json!({"summary": "Neu"})).send().await.unwrap();
        problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
        let current = etag_of(&app, &author.access, &id).await;
        let invalid = app.authed(Method::PATCH, &path, &author.access).header("if-match", &current).json(&json!({"body": "<iframe src=x>"})).send().await.unwrap();
        let body = problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0], json!({"field": "body", "code": "raw_html", "message": body["errors"][0]["message"]}));
        let itself = app.authed(Method::PATCH, &path, &author.access).header("if-match", &current).json(&json!({"easyLanguageGuideId": id})).send().await.unwrap();
        problem(itself, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let unconditional = app.authed(Method::PATCH, &path, &author.access).json(&json!({"summary": "Neu"})).send().await.unwrap();
        problem(unconditional, StatusCode::PRECONDITION_REQUIRED, "precondition_required").await;
    }
}

on_both_backends! {
    async fn the_database_refuses_a_guide_pointing_at_another_guides_revision(app: TestApp) {
        use academy_guides::entity::guide;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let first = create(&app, &author.access, content("Erster Leitfaden")).await["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap();
        let second = create(&app, &author.access, content("Zweiter Leitfaden")).await["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap();
        let foreign = guide::Entity::find_by_id(first).one(&app.db).await.unwrap().unwrap().working_revision_id;
        assert!(foreign.is_some());

        for live in [true, false] {
            let mut change = guide::ActiveModel { id: Set(second), ..Default::default() };
            if live {
                change.live_revision_id = Set(foreign);
            } else {
                change.working_revision_id = Set(foreign);
            }
            assert!(change.update(&app.db).await.is_err(), "live: {live}");
        }
        // Its own revision as both live and working is refused too.
        let own = guide::Entity::find_by_id(second).one(&app.db).await.unwrap().unwrap().working_revision_id;
        let both = guide::ActiveModel { id: Set(second), live_revision_id: Set(own), ..Default::default() };
        assert!(both.update(&app.db).await.is_err());
    }
}

fn plain(title: &str, summary: &str, body: &str) -> Value {
    json!({
        "title": title,
        "summary": summary,
        "body": body,
        "fieldsOfAction": ["housing"]
    })
}

on_both_backends! {
    async fn search_finds_by_stem_ranks_titles_first_and_marks_snippets(app: TestApp) {
        let organisation = app.organisation("Stiftung Suche").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let in_text = published(&app, &author.access, &coordinator.access, plain(
            "Grünflächen gemeinsam pflegen",
            "Patenschaften für Beete und Bäume.",
            "Wer die Nachbarschaft früh beteiligen will, findet Paten. Kommunen & Vereine stellen Gießkannen.",
        ))
        .await;
        let in_title = published(&app, &author.access, &coordinator.access, plain(
            "Beteiligung im Quartier",
            "Formate für Bewohnerinnen und Bewohner.",
            "Stadtteilkonferenzen und Sprechstunden vor Ort.",
        ))
        .await;
        let _unrelated = published(&app, &author.access, &coordinator.access, plain(
            "Mobilität im Alltag",
            "Rad und Bus.",
            "Kurze Wege im Quartier.",
        ))
        .await;
        // Drafts are not searched.
        create(&app, &author.access, plain("Beteiligung intern", "Entwurf.", "Noch nicht fertig.")).await;

        let found = json_body(app.get("/api/v1/guides?q=beteiligen").await, StatusCode::OK).await;
        assert_eq!(found["total"], 2, "{found}");
        assert_eq!(found["items"][0]["id"], in_title, "the title match ranks first");
        assert_eq!(found["items"][1]["id"], in_text);
        let snippet = found["items"][1]["snippet"].as_str().unwrap();
        assert!(snippet.contains("<mark>beteiligen</mark> will"), "{snippet}");
        assert!(snippet.contains("Kommunen &amp; Vereine"), "{snippet}");

        let noun = json_body(app.get("/api/v1/guides?q=Beteiligung%20Quartier").await, StatusCode::OK).await;
        assert_eq!(noun["total"], 1, "every word must match: {noun}");
        assert_eq!(noun["items"][0]["id"], in_title);
        let by_title = json_body(app.get("/api/v1/guides?q=beteiligen&sort=title").await, StatusCode::OK).await;
        assert_eq!(by_title["items"][0]["id"], in_title, "Beteiligung … before Grünflächen …");
        assert_eq!(by_title["items"][1]["id"], in_text);
        let filtered = json_body(app.get("/api/v1/guides?q=beteiligen&fieldOfAction=public-spaces").await, StatusCode::OK).await;
        assert_eq!(filtered["total"], 0);
        problem(app.get("/api/v1/guides?q=x").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

        // Archived guides leave the index.
        let archived = action(&app, &coordinator.access, &in_title, "archive", None).await;
        assert_eq!(archived.status(), StatusCode::OK);
        let after = json_body(app.get("/api/v1/guides?q=beteiligen").await, StatusCode::OK).await;
        assert_eq!(after["total"], 1);
        assert_eq!(after["items"][0]["id"], in_text);
    }
}

/// Raw HTML written so that a hand-made check took it for an autolink.
const HTML_BYPASS: &str = "<img\nsrc=x\nonerror=alert(1)//@x://>";

on_both_backends! {
    async fn raw_html_is_refused_however_it_is_written_and_prose_with_angle_brackets_passes(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;

        for field in ["context", "successFactors", "pitfalls", "body"] {
            let mut bad = content("Beteiligung im Quartier");
            bad[field] = json!(HTML_BYPASS);
            let body = problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(bad)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
            assert_eq!((body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()), (Some(field), Some("raw_html")));
        }
        let mut in_step = content("Beteiligung im Quartier");
        in_step["steps"][1]["body"] = json!(format!("Erst lesen, dann {HTML_BYPASS}"));
        let body = problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(in_step)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "steps[1].body");
        assert_eq!(body["errors"][0]["code"], "raw_html");

        // Comparisons in prose, autolinks and HTML inside code are Markdown.
        let mut fine = content("Vergleiche a<b und 3 > 2");
        fine["summary"] = json!("a<b und 3 > 2");
        fine["body"] = json!("a<b und 3 > 2, siehe <https://example.org> und `<script>` im Code.");
        let created = create(&app, &author.access, fine).await;
        assert_eq!(created["revision"]["summary"], "a<b und 3 > 2");
    }
}

on_both_backends! {
    async fn guides_carry_a_sanitised_html_rendering_of_every_markdown_field(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let mut body = content("Links prüfen");
        body["context"] = json!("## Hintergrund\n\n**Wichtig:** a<b");
        body["body"] = json!("[klick](javascript:alert(1)) und [auch](JAVASCRIPT:alert(2)) und ![bild](javascript:x) und [gut](https://example.org/weg)");
        body["pitfalls"] = json!("[daten](data:text/html;base64,PHNjcmlwdD4=)");
        let id = published(&app, &author.access, &coordinator.access, body).await;

        let guide = json_body(app.get(&format!("/api/v1/guides/{id}")).await, StatusCode::OK).await;
        let revision = &guide["revision"];
        assert_eq!(revision["contextHtml"], "<h2>Hintergrund</h2>\n<p><strong>Wichtig:</strong> a&lt;b</p>\n");
        assert_eq!(revision["steps"][0]["bodyHtml"], "<p>Wer entscheidet worüber mit?</p>\n");
        assert!(revision["steps"][1]["bodyHtml"].as_str().unwrap().contains("<a href=\"https://example.org/formate\" rel=\"noopener noreferrer nofollow\">"));
        assert_eq!(revision["successFactorsHtml"], "<p>Verlässliche Ansprechpersonen.</p>\n");
        let body_html = revision["bodyHtml"].as_str().unwrap();
        assert!(body_html.contains("<a href=\"https://example.org/weg\" rel=\"noopener noreferrer nofollow\">gut</a>"), "{body_html}");
        for html in [body_html, revision["pitfallsHtml"].as_str().unwrap()] {
            let lower = html.to_lowercase();
            for bad in ["javascript:", "data:", "<script", "onerror", "onclick", "style="] {
                assert!(!lower.contains(bad), "{bad} in {html}");
            }
        }
    }
}

on_both_backends! {
    async fn public_views_reveal_neither_drafts_of_live_guides_nor_who_worked_on_them(app: TestApp) {
        let ours = app.organisation("Stiftung Beispiel").await;
        let theirs = app.organisation("Verein Musterstadt").await;
        let author = app.user_in(&[Role::Author], Some(ours), None).await;
        let other = app.user_in(&[Role::Author], Some(theirs), None).await;
        let learner = app.user(&[Role::Learner]).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = published(&app, &author.access, &coordinator.access, content("Quartiersbüro eröffnen")).await;
        let review_due = (Utc::now() + Duration::days(30)).to_rfc3339();
        json_body(edit(&app, &author.access, &id, content("Quartiersbüro eröffnen, neu")).await, StatusCode::OK).await;
        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        json_body(action(&app, &coordinator.access, &id, "publish", Some(json!({"reviewDueAt": review_due}))).await, StatusCode::OK).await;
        // A third revision is being written.
        json_body(edit(&app, &author.access, &id, content("Quartiersbüro eröffnen, Entwurf")).await, StatusCode::OK).await;

        let app = &app;
        let anonymous = |path: String| async move { json_body(app.get(&path).await, StatusCode::OK).await };
        let as_user = |token: String, path: String| async move { json_body(send(app, Method::GET, &path, &token, None).await, StatusCode::OK).await };
        for status in ["draft", "in_review", "scheduled"] {
            let path = format!("/api/v1/guides?status={status}");
            assert_eq!(anonymous(path.clone()).await["total"], 0, "anonymous {status}");
            for token in [&learner.access, &other.access] {
                assert_eq!(as_user(token.clone(), path.clone()).await["total"], 0, "{status}");
            }
        }
        assert_eq!(as_user(author.access.clone(), "/api/v1/guides?status=draft".into()).await["total"], 1);
        assert_eq!(as_user(coordinator.access.clone(), "/api/v1/guides?status=draft".into()).await["total"], 1);

        // What the public reads: no user ids, no review dates, no workflow times.
        let private = ["publishedBy", "createdBy", "submittedAt", "reviewDueAt", "reviewComment", "workingRevision"];
        let guide = anonymous(format!("/api/v1/guides/{id}")).await;
        let history = anonymous(format!("/api/v1/guides/{id}/revisions")).await;
        let first = anonymous(format!("/api/v1/guides/{id}/revisions/1")).await;
        let list = anonymous("/api/v1/guides".into()).await;
        let learners = as_user(learner.access.clone(), format!("/api/v1/guides/{id}/revisions")).await;
        assert_eq!(history.as_array().unwrap().len(), 2);
        for (what, value) in [
            ("guide", &guide),
            ("guide.revision", &guide["revision"]),
            ("revision 1", &first["revision"]),
            ("history[0]", &history[0]),
            ("history[1]", &history[1]),
            ("learner's history[0]", &learners[0]),
            ("list", &list["items"][0]),
        ] {
            for key in private {
                assert!(value.get(key).is_none(), "{what} shows {key}: {value}");
            }
        }
        assert_eq!(guide["status"], "published");
        assert!(guide["revision"]["publishedAt"].is_string());

        // The guide's editors still see all of it.
        let staff = as_user(author.access.clone(), format!("/api/v1/guides/{id}/revisions")).await;
        assert_eq!(staff[0]["createdBy"], author.id.to_string());
        assert_eq!(staff[0]["publishedBy"], coordinator.id.to_string());
        let staff_guide = as_user(coordinator.access.clone(), format!("/api/v1/guides/{id}")).await;
        assert!(staff_guide["reviewDueAt"].is_string());
        assert!(staff_guide["revision"]["publishedBy"].is_string());
    }
}

on_both_backends! {
    async fn a_former_author_or_coordinator_loses_access_with_the_role(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let admin = app.user(&[Role::Admin]).await;
        let live = published(&app, &author.access, &coordinator.access, content("Bleibt öffentlich")).await;
        let draft = create(&app, &author.access, content("Noch ein Entwurf")).await["id"].as_str().unwrap().to_owned();
        let in_review = create(&app, &author.access, content("Wartet auf Prüfung")).await["id"].as_str().unwrap().to_owned();
        json_body(action(&app, &author.access, &in_review, "submit", None).await, StatusCode::OK).await;
        let live_etag = etag_of(&app, &author.access, &live).await;
        let draft_etag = etag_of(&app, &author.access, &draft).await;

        for user in [&author, &coordinator] {
            let changed = app.authed(Method::PATCH, &format!("/api/v1/users/{}", user.id), &admin.access)
                .json(&json!({"roles": ["learner"]})).send().await.unwrap();
            json_body(changed, StatusCode::OK).await;
        }

        // The same tokens: drafts are hidden, the live guide is read-only.
        let former = &author.access;
        problem(send(&app, Method::GET, &format!("/api/v1/guides/{draft}"), former, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/guides/{live}?revision=working"), former, None).await, StatusCode::NOT_FOUND, "not_found").await;
        let put = app.authed(Method::PUT, &format!("/api/v1/guides/{draft}"), former).header("if-match", &draft_etag).json(&content("Übernommen")).send().await.unwrap();
        problem(put, StatusCode::NOT_FOUND, "not_found").await;
        let put = app.authed(Method::PUT, &format!("/api/v1/guides/{live}"), former).header("if-match", &live_etag).json(&content("Übernommen")).send().await.unwrap();
        problem(put, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, former, &draft, "submit", None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::DELETE, &format!("/api/v1/guides/{draft}"), former, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::POST, "/api/v1/guides", former, Some(content("Neu"))).await, StatusCode::FORBIDDEN, "forbidden").await;
        let upload = app.authed(Method::POST, &format!("/api/v1/guides/{live}/attachments"), former)
            .header("content-type", "multipart/form-data; boundary=x")
            .body("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nText\r\n--x--\r\n")
            .send().await.unwrap();
        problem(upload, StatusCode::FORBIDDEN, "forbidden").await;
        let list = json_body(send(&app, Method::GET, "/api/v1/guides", former, None).await, StatusCode::OK).await;
        assert_eq!(list["total"], 1, "only the public guide: {list}");

        // The former coordinator neither publishes, returns nor sees the review queue.
        let former = &coordinator.access;
        problem(action(&app, former, &in_review, "publish", Some(json!({}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, former, &in_review, "return", Some(json!({"comment": "Nein"}))).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(action(&app, former, &live, "archive", None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let queue = json_body(send(&app, Method::GET, "/api/v1/guides?status=in_review", former, None).await, StatusCode::OK).await;
        assert_eq!(queue["total"], 0);
        problem(send(&app, Method::GET, &format!("/api/v1/guides/{in_review}"), former, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn coordinators_hear_of_submissions_and_authors_of_returns_and_publication(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let colleague = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let other_coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let id = create(&app, &author.access, content("Quartiersfest organisieren")).await["id"].as_str().unwrap().to_owned();

        json_body(action(&app, &author.access, &id, "submit", None).await, StatusCode::OK).await;
        for to in [&coordinator.email, &other_coordinator.email] {
            let mail = app.mail.wait_for(to).await;
            assert_eq!(mail.subject, "Zur Prüfung eingereicht: Quartiersfest organisieren");
            assert!(mail.text.contains("„Quartiersfest organisieren“ zur Prüfung eingereicht"), "{}", mail.text);
        }

        json_body(action(&app, &coordinator.access, &id, "return", Some(json!({"comment": "Bitte die Kosten ergänzen."}))).await, StatusCode::OK).await;
        let returned = app.mail.wait_for(&author.email).await;
        assert_eq!(returned.subject, "Zurückgegeben: Quartiersfest organisieren");
        assert!(returned.text.contains("Bitte die Kosten ergänzen."), "{}", returned.text);

        // The colleague resubmits; both authors of the revision hear of the publication.
        json_body(action(&app, &colleague.access, &id, "submit", None).await, StatusCode::OK).await;
        app.mail.wait_for(&coordinator.email).await;
        app.mail.wait_for(&other_coordinator.email).await;
        json_body(action(&app, &coordinator.access, &id, "publish", Some(json!({}))).await, StatusCode::OK).await;
        for to in [&author.email, &colleague.email] {
            let published = app.mail.wait_for(to).await;
            assert_eq!(published.subject, "Veröffentlicht: Quartiersfest organisieren");
        }

        // Exactly these seven: nobody else, nothing twice.
        let mails = app.mail.wait_for_count(7).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mails = if app.mail.received().len() > mails.len() { app.mail.received() } else { mails };
        assert_eq!(mails.len(), 7, "{:?}", mails.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>());
        assert!(mails.iter().all(|m| !m.to.contains(&learner.email)));
    }
}

on_both_backends! {
    async fn a_title_taken_by_another_guide_gets_a_free_slug_an_explicit_slug_conflicts(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let slugs: Vec<String> = {
            let mut slugs = Vec::new();
            for _ in 0..3 {
                slugs.push(create(&app, &author.access, content("Beteiligung im Quartier")).await["slug"].as_str().unwrap().to_owned());
            }
            slugs
        };
        assert_eq!(slugs, ["beteiligung-im-quartier", "beteiligung-im-quartier-2", "beteiligung-im-quartier-3"]);
        let by_slug = json_body(send(&app, Method::GET, "/api/v1/guides/beteiligung-im-quartier-2", &author.access, None).await, StatusCode::OK).await;
        assert_eq!(by_slug["slug"], "beteiligung-im-quartier-2");

        // A slug asked for is not changed behind the author's back.
        let mut explicit = content("Ganz anders");
        explicit["slug"] = json!("beteiligung-im-quartier-2");
        problem(send(&app, Method::POST, "/api/v1/guides", &author.access, Some(explicit)).await, StatusCode::CONFLICT, "slug_taken").await;

        // Titles at the length limit keep valid slugs with their suffix.
        let long = "Beteiligung ".repeat(10);
        let first = create(&app, &author.access, content(long.trim())).await["slug"].as_str().unwrap().to_owned();
        let second = create(&app, &author.access, content(long.trim())).await["slug"].as_str().unwrap().to_owned();
        assert!(second.len() <= 64 && second.ends_with("-2") && second != first, "{first} {second}");

        // A title too short or too foreign for a slug still makes a valid one; before, "0"
        // made the slug "0" and the guide was refused for a slug the author never gave.
        for (title, slug) in [("0", "leitfaden-0"), ("Ω", "leitfaden"), ("Ω!", "leitfaden-2")] {
            let guide = create(&app, &author.access, content(title)).await;
            assert_eq!(guide["slug"], slug, "{title}");
        }
    }
}

on_both_backends! {
    async fn searches_are_bounded_in_terms_length_and_snippet_work(app: TestApp) {
        let organisation = app.organisation("Stiftung Suche").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        // A long guide whose only match for most words lies far beyond the snippet window.
        let long_body = format!("{} Quartiersmanagement Nachbarschaft Verstetigung", "Allgemeiner Text über Planung. ".repeat(3_000));
        assert!(long_body.len() > 90_000);
        let id = published(&app, &author.access, &coordinator.access, plain("Langer Leitfaden", "Sehr ausführlich.", &long_body)).await;

        let words: Vec<String> = (0..66).map(|i| format!("w{i}")).collect();
        let many = words.join("%20");
        let body = problem(app.get(&format!("/api/v1/guides?q={many}")).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!((body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()), (Some("q"), Some("too_long")), "{body}");
        let eleven = words[..11].join("%20");
        let body = problem(app.get(&format!("/api/v1/guides?q={eleven}")).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!((body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()), (Some("q"), Some("too_many_terms")), "{body}");
        let long = "Quartier".repeat(26);
        let body = problem(app.get(&format!("/api/v1/guides?q={long}")).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "too_long");

        // Ten terms against the long guide: found, the snippet stays short.
        let found = json_body(app.get("/api/v1/guides?q=Quartiersmanagement%20Nachbarschaft%20Verstetigung%20Planung%20Text").await, StatusCode::OK).await;
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["items"][0]["id"], id.as_str());
        let snippet = found["items"][0]["snippet"].as_str().unwrap();
        assert!(snippet.split_whitespace().count() <= 32, "{snippet}");
        assert!(snippet.len() < 1_000, "{snippet}");

        // The bounds are in the contract.
        let api = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
        let q = api["paths"]["/api/v1/guides"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "q").unwrap().clone();
        assert_eq!(q["schema"]["maxLength"], 200, "{q}");
        assert!(q["description"].as_str().unwrap().contains("10"), "{q}");
    }
}
