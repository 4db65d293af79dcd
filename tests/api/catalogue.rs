//! `/catalogue`: one list of the public guides, tutorials and courses — search across
//! types with German word forms, umlauts and typos, marked snippets, facets and filters,
//! cursor paging, caching across instances, and the queries it refuses.

use std::collections::HashSet;

use academy_auth::Role;
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::ConnectionTrait;

const CATALOGUE: &str = "/api/v1/catalogue";
const GUIDES: &str = "/api/v1/guides";
const TUTORIALS: &str = "/api/v1/tutorials";
const COURSES: &str = "/api/v1/courses";

/// Captions that say none of the words searched for.
const CAPTIONS: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen.\n";

/// `method path` with a bearer token and an optional JSON body.
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

fn str_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// A guide's content: `text` is its Markdown body.
fn guide_content(title: &str, summary: &str, text: &str, fields_of_action: &[&str]) -> Value {
    json!({
        "title": title,
        "summary": summary,
        "body": text,
        "fieldsOfAction": fields_of_action,
        "readingMinutes": 8,
    })
}

/// A tutorial's metadata: `text` is its Markdown description.
fn tutorial_content(title: &str, summary: &str, text: &str, fields_of_action: &[&str]) -> Value {
    json!({
        "title": title,
        "summary": summary,
        "description": text,
        "durationSeconds": 20.0,
        "kind": "impulse",
        "speakers": ["Dr. Jana Beispiel"],
        "fieldsOfAction": fields_of_action,
    })
}

/// A course's content with one text lesson: `text` is its Markdown description.
fn course_content(title: &str, summary: &str, text: &str, fields_of_action: &[&str]) -> Value {
    json!({
        "title": title,
        "summary": summary,
        "description": text,
        "estimatedHours": 1.5,
        "fieldsOfAction": fields_of_action,
        "modules": [
            {"title": "Einstieg", "lessons": [
                {"title": "Worum es geht", "kind": "text", "body": "Ein erster Überblick."}
            ]}
        ],
    })
}

/// Creates an item in `collection` as `author`; asserts 201 and returns its id.
async fn create(app: &TestApp, collection: &str, author: &TestUser, body: Value) -> String {
    let created = json_body(
        send(app, Method::POST, collection, &author.access, Some(body)).await,
        StatusCode::CREATED,
    )
    .await;
    str_of(&created["id"])
}

/// `POST collection/id/what` as `user`; asserts 200 and returns the item.
async fn step(
    app: &TestApp,
    collection: &str,
    id: &str,
    what: &str,
    user: &TestUser,
    body: Option<Value>,
) -> Value {
    json_body(
        send(
            app,
            Method::POST,
            &format!("{collection}/{id}/{what}"),
            &user.access,
            body,
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// Creates a guide as `author`, submits it and publishes it as `coordinator`.
async fn publish_guide(
    app: &TestApp,
    author: &TestUser,
    coordinator: &TestUser,
    body: Value,
) -> String {
    let id = create(app, GUIDES, author, body).await;
    step(app, GUIDES, &id, "submit", author, None).await;
    let live = step(app, GUIDES, &id, "publish", coordinator, Some(json!({}))).await;
    assert_eq!(live["status"], "published", "{live}");
    id
}

/// Uploads `captions` as the tutorial's German captions and approves them.
async fn approve_captions(app: &TestApp, author: &TestUser, id: &str, captions: &str) {
    let path = format!("{TUTORIALS}/{id}/tracks/captions/de");
    let upload = app
        .authed(Method::PUT, &path, &author.access)
        .header("content-type", "text/vtt")
        .body(captions.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let track = json_body(
        send(
            app,
            Method::PATCH,
            &path,
            &author.access,
            Some(json!({"status": "approved"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(track["status"], "approved", "{track}");
}

/// Creates a tutorial as `author` with approved German `captions`, submits it and
/// publishes it as `coordinator`.
async fn publish_tutorial(
    app: &TestApp,
    author: &TestUser,
    coordinator: &TestUser,
    body: Value,
    captions: &str,
) -> String {
    let id = create(app, TUTORIALS, author, body).await;
    approve_captions(app, author, &id, captions).await;
    step(app, TUTORIALS, &id, "submit", author, None).await;
    let live = step(app, TUTORIALS, &id, "publish", coordinator, None).await;
    assert_eq!(live["status"], "published", "{live}");
    id
}

/// Creates a course as `author`, submits it and publishes it as `coordinator`.
async fn publish_course(
    app: &TestApp,
    author: &TestUser,
    coordinator: &TestUser,
    body: Value,
) -> String {
    let id = create(app, COURSES, author, body).await;
    step(app, COURSES, &id, "submit", author, None).await;
    let live = step(app, COURSES, &id, "publish", coordinator, Some(json!({}))).await;
    assert_eq!(live["status"], "published", "{live}");
    id
}

/// Percent-encodes a query value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/api/v1/catalogue?name=value&…`, the values percent-encoded; names may repeat.
fn catalogue(query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return CATALOGUE.to_owned();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(name, value)| format!("{name}={}", encoded(value)))
        .collect();
    format!("{CATALOGUE}?{}", pairs.join("&"))
}

/// An anonymous read of the catalogue; asserts 200.
async fn browse(app: &TestApp, query: &[(&str, &str)]) -> Value {
    json_body(app.get(&catalogue(query)).await, StatusCode::OK).await
}

/// A signed-in read of the catalogue; asserts 200.
async fn browse_as(app: &TestApp, user: &TestUser, query: &[(&str, &str)]) -> Value {
    json_body(
        send(app, Method::GET, &catalogue(query), &user.access, None).await,
        StatusCode::OK,
    )
    .await
}

/// An anonymous read the catalogue refuses: asserts a 422 problem document and returns it.
async fn refused(app: &TestApp, query: &[(&str, &str)]) -> Value {
    problem(
        app.get(&catalogue(query)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await
}

/// Asserts an error naming `parameter` (or one of its values, `parameter[i]`), with
/// `code` when given.
fn assert_error(body: &Value, parameter: &str, code: Option<&str>) {
    let indexed = format!("{parameter}[");
    let found = body["errors"].as_array().unwrap().iter().any(|e| {
        let field = e["field"].as_str().unwrap_or_default();
        (field == parameter || field.starts_with(&indexed)) && code.is_none_or(|c| e["code"] == c)
    });
    assert!(found, "no error for {parameter} ({code:?}): {body}");
}

fn items(page: &Value) -> &[Value] {
    page["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("no items: {page}"))
}

fn ids(page: &Value) -> Vec<String> {
    items(page).iter().map(|i| str_of(&i["id"])).collect()
}

fn titles(page: &Value) -> Vec<String> {
    items(page).iter().map(|i| str_of(&i["title"])).collect()
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

/// The item of `kind` on the page.
fn item_of<'a>(page: &'a Value, kind: &str) -> &'a Value {
    items(page)
        .iter()
        .find(|i| i["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {page}"))
}

/// The count of `value` in the facet `name`; 0 when the facet leaves it out.
fn count(page: &Value, name: &str, value: &str) -> u64 {
    page["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no facet {name}: {page}"))
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_u64().unwrap())
}

/// Asserts that no facet lists a value with a count of zero.
fn assert_no_zero_counts(page: &Value) {
    for (name, values) in page["facets"].as_object().unwrap() {
        for value in values.as_array().unwrap() {
            assert!(
                value["count"].as_u64().unwrap() > 0,
                "{name} lists {value}: {page}"
            );
        }
    }
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

on_both_backends! {
    async fn guides_tutorials_and_courses_share_one_list_with_facets_and_filters(app: TestApp) {
        let garden_city = app.organisation("Stiftung Gartenstadt").await;
        let green_quarter = app.organisation("Verein Grünes Quartier").await;
        let author = app.user_in(&[Role::Author], Some(garden_city), None).await;
        let partner = app.user_in(&[Role::Author], Some(green_quarter), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;

        let mut guide_body = guide_content(
            "Gemeinschaftsgarten anlegen",
            "Von der Brachfläche zum Beet für alle.",
            "Ein **Gemeinschaftsgarten** braucht Wasser, Werkzeug und Menschen.",
            &["public-spaces"],
        );
        guide_body["phases"] = json!(["implementation"]);
        guide_body["audiences"] = json!(["civil-society"]);
        let guide = publish_guide(&app, &author, &coordinator, guide_body).await;
        let mut tutorial_body = tutorial_content(
            "Gemeinschaftsgarten im Porträt",
            "Ein Besuch bei Gärtnerinnen in Musterstadt.",
            "Drei Jahre *Gemeinschaftsgarten* an der Kirchstraße.",
            &["public-spaces", "climate-environmental-justice"],
        );
        tutorial_body["coPublishers"] = json!([garden_city]);
        let garden_captions = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nIm Gemeinschaftsgarten wächst Gemüse.\n";
        let tutorial = publish_tutorial(&app, &partner, &coordinator, tutorial_body, garden_captions).await;
        let course = publish_course(&app, &author, &coordinator, course_content(
            "Gemeinschaftsgarten gründen",
            "In einer Stunde vom Plan zur Gründung.",
            "Was ein Gemeinschaftsgarten für das Stadtklima leistet.",
            &["climate-environmental-justice"],
        ))
        .await;
        let cycling = publish_guide(&app, &author, &coordinator, guide_content(
            "Radwege sicher planen",
            "Kreuzungen übersichtlich gestalten.",
            "Markierungen und Ampeln.",
            &["sustainable-mobility"],
        ))
        .await;

        // One search, three types, each item telling its type.
        let found = browse(&app, &[("q", "Gemeinschaftsgarten")]).await;
        assert_eq!(found["total"], 3, "{found}");
        assert_eq!(found["totalExact"], true, "{found}");
        let typed = sorted(items(&found).iter().map(|i| format!("{} {}", str_of(&i["type"]), str_of(&i["id"]))).collect());
        let expected = sorted(vec![format!("guide {guide}"), format!("tutorial {tutorial}"), format!("course {course}")]);
        assert_eq!(typed, expected);
        assert!(found["next"].is_null(), "{found}");
        assert!(found["didYouMean"].is_null(), "{found}");
        assert_eq!((found["limit"].as_u64(), found["offset"].as_u64()), (Some(20), Some(0)));
        for kind in ["guide", "tutorial", "course"] {
            assert_eq!(count(&found, "type", kind), 1, "{kind}: {found}");
        }
        assert_eq!(count(&found, "fieldOfAction", "public-spaces"), 2, "{found}");
        assert_eq!(count(&found, "fieldOfAction", "climate-environmental-justice"), 2, "{found}");
        assert_eq!(count(&found, "fieldOfAction", "sustainable-mobility"), 0, "{found}");
        assert_eq!(count(&found, "phase", "implementation"), 1, "{found}");
        assert_eq!(count(&found, "audience", "civil-society"), 1, "{found}");
        assert_no_zero_counts(&found);

        // What each item carries.
        let g = item_of(&found, "guide");
        assert_eq!(g["id"], guide.as_str());
        assert_eq!(g["slug"], "gemeinschaftsgarten-anlegen");
        assert_eq!(g["title"], "Gemeinschaftsgarten anlegen");
        assert_eq!(g["summary"], "Von der Brachfläche zum Beet für alle.");
        assert_eq!(g["language"], "de");
        assert_eq!(g["organisationId"], garden_city.to_string());
        assert_eq!(g["fieldsOfAction"], json!(["public-spaces"]));
        assert_eq!(g["themes"], json!(["quality-of-life"]));
        assert_eq!(g["phases"], json!(["implementation"]));
        assert_eq!(g["audiences"], json!(["civil-society"]));
        assert_eq!(g["coPublishers"], json!([]));
        assert!(g["publishedAt"].is_string(), "{g}");
        assert_eq!(g["guide"]["readingMinutes"], 8, "{g}");
        assert!(g.get("moment").is_none(), "{g}");
        let t = item_of(&found, "tutorial");
        assert_eq!(t["organisationId"], green_quarter.to_string());
        assert_eq!(t["coPublishers"], json!([garden_city.to_string()]));
        assert_eq!(t["tutorial"]["kind"], "impulse", "{t}");
        assert_eq!(t["tutorial"]["durationSeconds"], 20.0, "{t}");
        assert!(t["accessibility"].as_array().unwrap().contains(&json!("captions")), "{t}");
        assert_eq!(t["moment"], json!({"t": 1.0, "text": "Im Gemeinschaftsgarten wächst Gemüse."}));
        let c = item_of(&found, "course");
        assert_eq!(c["themes"], json!(["sustainability-environment"]));
        assert_eq!(c["course"]["estimatedHours"], 1.5, "{c}");
        assert_eq!(c["course"]["selfEnrolment"], true, "{c}");

        // Without a search: everything public, the newest first, counted by type.
        let everything = browse(&app, &[]).await;
        assert_eq!(ids(&everything), [cycling.clone(), course.clone(), tutorial.clone(), guide.clone()]);
        assert_eq!((count(&everything, "type", "guide"), count(&everything, "type", "tutorial"), count(&everything, "type", "course")), (2, 1, 1));
        assert_eq!(count(&everything, "fieldOfAction", "sustainable-mobility"), 1);
        let by_title = browse(&app, &[("sort", "title")]).await;
        assert_eq!(titles(&by_title), ["Gemeinschaftsgarten anlegen", "Gemeinschaftsgarten gründen", "Gemeinschaftsgarten im Porträt", "Radwege sicher planen"]);

        // By type: the list and its counts narrow.
        let guides_only = browse(&app, &[("q", "Gemeinschaftsgarten"), ("type", "guide")]).await;
        assert_eq!(ids(&guides_only), vec![guide.clone()]);
        assert_eq!(guides_only["total"], 1);
        assert_eq!((count(&guides_only, "type", "guide"), count(&guides_only, "type", "tutorial"), count(&guides_only, "type", "course")), (1, 0, 0));
        let all_guides = browse(&app, &[("type", "guide")]).await;
        assert_eq!(sorted(ids(&all_guides)), sorted(vec![guide.clone(), cycling.clone()]));
        let two_types = browse(&app, &[("q", "Gemeinschaftsgarten"), ("type", "tutorial"), ("type", "course")]).await;
        assert_eq!(sorted(ids(&two_types)), sorted(vec![tutorial.clone(), course.clone()]));

        // By field of action and theme.
        let public_spaces = browse(&app, &[("q", "Gemeinschaftsgarten"), ("fieldOfAction", "public-spaces")]).await;
        assert_eq!(sorted(ids(&public_spaces)), sorted(vec![guide.clone(), tutorial.clone()]));
        assert_eq!((count(&public_spaces, "type", "guide"), count(&public_spaces, "type", "tutorial"), count(&public_spaces, "type", "course")), (1, 1, 0));
        assert_eq!(count(&public_spaces, "fieldOfAction", "public-spaces"), 2);
        assert_eq!(count(&public_spaces, "fieldOfAction", "climate-environmental-justice"), 1);
        assert_no_zero_counts(&public_spaces);
        let either = browse(&app, &[("fieldOfAction", "public-spaces"), ("fieldOfAction", "sustainable-mobility")]).await;
        assert_eq!(sorted(ids(&either)), sorted(vec![guide.clone(), tutorial.clone(), cycling.clone()]));
        let climate = browse(&app, &[("fieldOfAction", "climate-environmental-justice")]).await;
        assert_eq!(sorted(ids(&climate)), sorted(vec![tutorial.clone(), course.clone()]));
        let quality = browse(&app, &[("theme", "quality-of-life")]).await;
        assert_eq!(sorted(ids(&quality)), sorted(vec![guide.clone(), tutorial.clone()]));
        let none = browse(&app, &[("theme", "economy-services")]).await;
        assert_eq!(none["total"], 0, "a known theme without items: {none}");
        let body = refused(&app, &[("q", "Gemeinschaftsgarten"), ("fieldOfAction", "space-travel")]).await;
        assert_error(&body, "fieldOfAction", None);

        // By organisation, publishing or co-publishing.
        let garden_city_id = garden_city.to_string();
        let green_quarter_id = green_quarter.to_string();
        let of_garden_city = browse(&app, &[("q", "Gemeinschaftsgarten"), ("organisation", garden_city_id.as_str())]).await;
        assert_eq!(of_garden_city["total"], 3, "the co-published tutorial too: {of_garden_city}");
        let of_green_quarter = browse(&app, &[("organisation", green_quarter_id.as_str())]).await;
        assert_eq!(ids(&of_green_quarter), vec![tutorial.clone()]);
        let of_both = browse(&app, &[("organisation", green_quarter_id.as_str()), ("organisation", garden_city_id.as_str())]).await;
        assert_eq!(of_both["total"], 4);
        let nobody = uuid::Uuid::now_v7().to_string();
        let body = refused(&app, &[("organisation", nobody.as_str())]).await;
        assert_error(&body, "organisation", None);

        // By language and by accessibility, which only tutorials have.
        assert_eq!(browse(&app, &[("q", "Gemeinschaftsgarten"), ("language", "de")]).await["total"], 3);
        assert_eq!(browse(&app, &[("language", "en")]).await["total"], 0);
        let captioned = browse(&app, &[("accessibility", "captions")]).await;
        assert_eq!(ids(&captioned), vec![tutorial.clone()]);
        let signed = browse(&app, &[("accessibility", "captions"), ("accessibility", "signLanguage")]).await;
        assert_eq!(signed["total"], 0, "an item must have every feature asked for: {signed}");
    }
}

on_both_backends! {
    async fn only_live_items_appear_and_every_caller_sees_the_same(app: TestApp) {
        let organisation = app.organisation("Stiftung Stadtteilzeitung").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let admin = app.user(&[Role::Admin]).await;
        let fields: &[&str] = &["neighbourhood-integration-inclusion"];

        let live = publish_guide(&app, &author, &coordinator, guide_content(
            "Stadtteilzeitung gründen", "Eine Zeitung von Nachbarn für Nachbarn.", "Die Redaktion trifft sich jeden Monat.", fields,
        ))
        .await;
        let draft = create(&app, GUIDES, &author, guide_content(
            "Stadtteilzeitung drucken", "Auflage und Papier.", "Angebote von drei Druckereien.", fields,
        ))
        .await;
        let in_review = create(&app, TUTORIALS, &author, tutorial_content(
            "Stadtteilzeitung im Video", "Ein Blick in die Redaktion.", "Wie eine Ausgabe entsteht.", fields,
        ))
        .await;
        assert_eq!(step(&app, TUTORIALS, &in_review, "submit", &author, None).await["status"], "in_review");
        let scheduled = create(&app, GUIDES, &author, guide_content(
            "Stadtteilzeitung verteilen", "Austragen mit Ehrenamtlichen.", "Ein Plan für jede Straße.", fields,
        ))
        .await;
        step(&app, GUIDES, &scheduled, "submit", &author, None).await;
        let later = (Utc::now() + Duration::hours(1)).to_rfc3339();
        let pending = step(&app, GUIDES, &scheduled, "publish", &coordinator, Some(json!({"publishAt": later}))).await;
        assert_eq!(pending["status"], "scheduled");
        let course_draft = create(&app, COURSES, &author, course_content(
            "Stadtteilzeitung schreiben", "Ein Kurs für Schreibende.", "Nachrichten, Porträts und Termine.", fields,
        ))
        .await;
        let archived = publish_course(&app, &author, &coordinator, course_content(
            "Stadtteilzeitung gestalten", "Ein Kurs für das Layout.", "Spalten, Bilder und Schriften.", fields,
        ))
        .await;
        assert_eq!(step(&app, COURSES, &archived, "archive", &coordinator, None).await["status"], "archived");
        let deleted = publish_guide(&app, &author, &coordinator, guide_content(
            "Stadtteilzeitung finanzieren", "Anzeigen und Spenden.", "Ein Förderverein hilft.", fields,
        ))
        .await;
        assert_eq!(send(&app, Method::DELETE, &format!("{GUIDES}/{deleted}"), &coordinator.access, None).await.status(), StatusCode::NO_CONTENT);
        let hidden = [draft.clone(), in_review, scheduled, course_draft, archived, deleted];

        // Only the live guide, listed or searched, for everyone alike.
        let listed: &[(&str, &str)] = &[];
        let searched: &[(&str, &str)] = &[("q", "Stadtteilzeitung")];
        for query in [listed, searched] {
            let anonymous = browse(&app, query).await;
            assert_eq!(ids(&anonymous), vec![live.clone()], "{query:?}");
            assert_eq!(anonymous["total"], 1, "{query:?}: {anonymous}");
            for id in &hidden {
                assert!(!ids(&anonymous).contains(id), "{id} is not public: {anonymous}");
            }
            assert_eq!((count(&anonymous, "type", "guide"), count(&anonymous, "type", "tutorial"), count(&anonymous, "type", "course")), (1, 0, 0));
            for user in [&author, &coordinator, &learner, &admin] {
                let seen = browse_as(&app, user, query).await;
                assert_eq!(seen, anonymous, "{query:?} as {}", user.email);
            }
        }

        // In review: still hidden. Published: there in the very next request.
        step(&app, GUIDES, &draft, "submit", &author, None).await;
        assert_eq!(ids(&browse(&app, searched).await), vec![live.clone()]);
        step(&app, GUIDES, &draft, "publish", &coordinator, Some(json!({}))).await;
        let after = browse(&app, searched).await;
        assert_eq!(sorted(ids(&after)), sorted(vec![live.clone(), draft.clone()]), "{after}");
        assert_eq!(browse(&app, &[]).await["total"], 2);
        assert_eq!(browse_as(&app, &learner, searched).await["total"], 2);

        // Archived: gone at once; deleted: gone at once.
        assert_eq!(step(&app, GUIDES, &draft, "archive", &coordinator, None).await["status"], "archived");
        assert_eq!(ids(&browse(&app, searched).await), vec![live.clone()]);
        assert_eq!(ids(&browse(&app, &[]).await), vec![live.clone()]);
        assert_eq!(send(&app, Method::DELETE, &format!("{GUIDES}/{live}"), &coordinator.access, None).await.status(), StatusCode::NO_CONTENT);
        for query in [listed, searched] {
            let page = browse(&app, query).await;
            assert_eq!(page["total"], 0, "{query:?}: {page}");
            assert_eq!(page["items"], json!([]));
        }
    }
}

on_both_backends! {
    async fn german_word_forms_umlauts_and_typos_are_understood(app: TestApp) {
        let organisation = app.organisation("Stiftung Beispiel").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        // Each item's fields of action are named without the words searched for, so that
        // only its own text can make it a match.
        publish_tutorial(&app, &author, &coordinator, tutorial_content(
            "Klimaanpassung im Quartier", "Hitze und Starkregen vorbeugen.", "Bäume pflanzen, Flächen entsiegeln.", &["housing"],
        ), CAPTIONS)
        .await;
        publish_guide(&app, &author, &coordinator, guide_content(
            "Grüne Höfe", "Innenhöfe gemeinsam bepflanzen.", "Mit Rankgittern und Hochbeeten.", &["public-spaces"],
        ))
        .await;
        publish_guide(&app, &author, &coordinator, guide_content(
            "Offene Hoefe am Markt", "Tore auf für die Nachbarschaft.", "Ein Sommerfest im Hinterhaus.", &["public-spaces"],
        ))
        .await;
        publish_course(&app, &author, &coordinator, course_content(
            "Nachbarschaftscafé betreiben", "Das Projekt wurde verstetigt.", "Ein Treffpunkt für alle Generationen.", &["social-cultural-infrastructure"],
        ))
        .await;
        publish_guide(&app, &author, &coordinator, guide_content(
            "Jugendtreff sichern", "Angebote verstetigen, bevor die Förderung endet.", "Ohne Beteiligung der Jugendlichen geht es nicht.", &["social-cultural-infrastructure"],
        ))
        .await;
        publish_guide(&app, &author, &coordinator, guide_content(
            "Bürgerinnen beteiligen", "Beteiligung in Werkstätten und Foren im Stadtteil.", "Einladen, zuhören, entscheiden.", &["neighbourhood-integration-inclusion"],
        ))
        .await;
        let published = 6;

        for (query, title) in [
            ("Klima", "Klimaanpassung im Quartier"),
            ("gruen", "Grüne Höfe"),
            ("Hoefe", "Grüne Höfe"),
            ("Höfe", "Offene Hoefe am Markt"),
            ("verstetigen", "Nachbarschaftscafé betreiben"),
            ("verstetigt", "Jugendtreff sichern"),
            ("Beteiligung", "Bürgerinnen beteiligen"),
        ] {
            let found = browse(&app, &[("q", query)]).await;
            assert!(titles(&found).iter().any(|t| t == title), "{query} must find {title}: {found}");
            assert!(found["total"].as_u64().unwrap() < published, "{query} finds everything: {found}");
            assert!(found["didYouMean"].is_null(), "{query}: {found}");
        }

        // A typo finds nothing but suggests the word meant.
        let typo = browse(&app, &[("q", "Beteilgung")]).await;
        assert_eq!(typo["total"], 0, "{typo}");
        assert_eq!(typo["items"], json!([]));
        let suggestion = typo["didYouMean"]
            .as_str()
            .unwrap_or_else(|| panic!("no suggestion: {typo}"))
            .to_lowercase();
        assert_eq!(suggestion, "beteiligung");
        let followed = browse(&app, &[("q", suggestion.as_str())]).await;
        assert!(titles(&followed).iter().any(|t| t == "Bürgerinnen beteiligen"), "{followed}");

        // Nothing close: no suggestion either.
        let nothing = browse(&app, &[("q", "Zwetschgendatschi")]).await;
        assert_eq!(nothing["total"], 0, "{nothing}");
        assert!(nothing["didYouMean"].is_null(), "{nothing}");
    }
}

on_both_backends! {
    async fn a_title_match_ranks_above_a_body_only_match(app: TestApp) {
        let organisation = app.organisation("Stiftung Spielraum").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        // Published first, so that it is not the newest.
        let in_title = publish_guide(&app, &author, &coordinator, guide_content(
            "Spielplatzpaten gewinnen", "Wer die Geräte pflegt.", "Ein Aushang im Treppenhaus reicht oft.", &["public-spaces"],
        ))
        .await;
        let in_body = publish_guide(&app, &author, &coordinator, guide_content(
            "Spielplätze gemeinsam planen", "Kinder reden mit.", "Am Ende fanden sich Spielplatzpaten aus der Nachbarschaft.", &["public-spaces"],
        ))
        .await;

        let found = browse(&app, &[("q", "Spielplatzpaten")]).await;
        assert_eq!(ids(&found), [in_title.clone(), in_body.clone()], "{found}");
        let by_relevance = browse(&app, &[("q", "Spielplatzpaten"), ("sort", "relevance")]).await;
        assert_eq!(ids(&by_relevance), [in_title.clone(), in_body.clone()]);
        let by_date = browse(&app, &[("q", "Spielplatzpaten"), ("sort", "newest")]).await;
        assert_eq!(ids(&by_date), [in_body, in_title]);
    }
}

on_both_backends! {
    async fn snippets_mark_the_words_found_in_plain_escaped_text(app: TestApp) {
        let organisation = app.organisation("Stiftung Zusammenhalt").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let id = publish_guide(&app, &author, &coordinator, guide_content(
            "Treffpunkte schaffen",
            "Räume für Begegnung im Stadtteil.",
            "**Sozialer** Zusammenhalt braucht _Orte_ – Kommunen & Vereine schaffen sie.",
            &["neighbourhood-integration-inclusion"],
        ))
        .await;

        let found = browse(&app, &[("q", "sozial")]).await;
        assert_eq!(ids(&found), vec![id.clone()], "{found}");
        let snippet = found["items"][0]["snippet"]
            .as_str()
            .unwrap_or_else(|| panic!("no snippet: {found}"));
        assert!(snippet.contains("<mark>Sozialer</mark>"), "{snippet}");
        assert!(!snippet.contains("**"), "{snippet}");
        assert!(!snippet.contains("_Orte_"), "{snippet}");
        assert!(snippet.contains("Orte"), "{snippet}");
        assert!(snippet.contains("Kommunen &amp; Vereine"), "{snippet}");

        // Without a search there is nothing to mark.
        let listed = browse(&app, &[]).await;
        assert_eq!(ids(&listed), [id]);
        assert!(listed["items"][0].get("snippet").is_none(), "{listed}");
    }
}

on_both_backends! {
    async fn cursors_page_through_in_the_same_order_as_offsets(app: TestApp) {
        let organisation = app.organisation("Stiftung Stadtbaum").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let mut published = Vec::new();
        for title in ["Leitfaden Ahorn", "Leitfaden Birke", "Leitfaden Eiche", "Leitfaden Linde", "Leitfaden Ulme"] {
            published.push(publish_guide(&app, &author, &coordinator, guide_content(
                title, "Ein Baum für jede Straße.", "Pflanzen, gießen, pflegen.", &["public-spaces"],
            ))
            .await);
        }
        let newest_first: Vec<String> = published.iter().rev().cloned().collect();

        let orders: [&[(&str, &str)]; 3] = [&[("sort", "newest")], &[("sort", "title")], &[("q", "Leitfaden")]];
        for order in orders {
            let mut by_offset = Vec::new();
            for offset in ["0", "2", "4"] {
                let mut query = order.to_vec();
                query.extend([("limit", "2"), ("offset", offset)]);
                let page = browse(&app, &query).await;
                assert_eq!(page["total"], 5, "{order:?}: {page}");
                assert_eq!(page["limit"], 2, "{page}");
                if offset == "4" {
                    assert!(page["next"].is_null(), "the last page: {page}");
                }
                by_offset.extend(ids(&page));
            }

            let mut by_cursor = Vec::new();
            let mut query = order.to_vec();
            query.push(("limit", "2"));
            let mut page = browse(&app, &query).await;
            let mut pages = 1;
            loop {
                assert!(items(&page).len() <= 2, "{page}");
                by_cursor.extend(ids(&page));
                let Some(cursor) = page["next"].as_str().map(str::to_owned) else {
                    assert!(page["next"].is_null(), "{page}");
                    break;
                };
                assert!(pages < 5, "the cursors never end: {by_cursor:?}");
                let mut next = query.clone();
                next.push(("cursor", cursor.as_str()));
                page = browse(&app, &next).await;
                pages += 1;
            }
            assert_eq!(pages, 3, "{order:?}");
            assert_eq!(by_cursor, by_offset, "{order:?}");
            assert_eq!(by_cursor.iter().collect::<HashSet<_>>().len(), 5, "{by_cursor:?}");
            assert_eq!(sorted(by_cursor), sorted(published.clone()));
        }
        let mut newest = Vec::new();
        let mut alphabetical = Vec::new();
        for offset in ["0", "2", "4"] {
            newest.extend(ids(&browse(&app, &[("limit", "2"), ("offset", offset)]).await));
            alphabetical.extend(ids(&browse(&app, &[("sort", "title"), ("limit", "2"), ("offset", offset)]).await));
        }
        assert_eq!(newest, newest_first, "the default order without a search");
        assert_eq!(alphabetical, published);

        // A cursor goes with offset 0 only; a cursor not made by the server is refused.
        let first = browse(&app, &[("limit", "2")]).await;
        let cursor = str_of(&first["next"]);
        let second = browse(&app, &[("limit", "2"), ("offset", "0"), ("cursor", cursor.as_str())]).await;
        assert_eq!(ids(&second), newest_first[2..4]);
        let body = refused(&app, &[("limit", "2"), ("offset", "2"), ("cursor", cursor.as_str())]).await;
        assert!(
            body["errors"].as_array().unwrap().iter().any(|e| e["field"] == "offset" || e["field"] == "cursor"),
            "{body}"
        );
        let body = refused(&app, &[("limit", "2"), ("cursor", "nicht gültig!")]).await;
        assert_error(&body, "cursor", Some("invalid_cursor"));
        for limit in ["0", "101"] {
            let body = refused(&app, &[("limit", limit)]).await;
            assert_error(&body, "limit", None);
        }
        assert_eq!(browse(&app, &[("limit", "100")]).await["total"], 5);
        let body = refused(&app, &[("offset", "1000001")]).await;
        assert_error(&body, "offset", None);
    }
}

on_both_backends! {
    async fn the_catalogue_is_cacheable_and_its_tag_follows_what_is_published(app: TestApp) {
        let organisation = app.organisation("Stiftung Stadtteilfest").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let fields: &[&str] = &["neighbourhood-integration-inclusion"];
        publish_guide(&app, &author, &coordinator, guide_content(
            "Stadtteilfest planen", "Ein Fest für die ganze Straße.", "Genehmigungen früh beantragen.", fields,
        ))
        .await;

        let response = app.get(CATALOGUE).await;
        let etag = header(&response, "etag");
        let cache_control = header(&response, "cache-control");
        for directive in ["public", "max-age", "stale-while-revalidate"] {
            assert!(cache_control.contains(directive), "{directive}: {cache_control}");
        }
        assert_eq!(json_body(response, StatusCode::OK).await["total"], 1);

        let cached = app.request(Method::GET, CATALOGUE).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        assert!(cached.bytes().await.unwrap().is_empty(), "a 304 has no body");
        let head = app.request(Method::HEAD, CATALOGUE).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(header(&head, "etag"), etag);

        // Publishing changes the tag: the old one is answered in full.
        let second = publish_guide(&app, &author, &coordinator, guide_content(
            "Flohmarkt im Hof", "Tauschen statt wegwerfen.", "Tische, Decken und Kuchen.", fields,
        ))
        .await;
        let response = app.request(Method::GET, CATALOGUE).header("if-none-match", &etag).send().await.unwrap();
        let published_etag = header(&response, "etag");
        assert_ne!(published_etag, etag);
        let page = json_body(response, StatusCode::OK).await;
        assert_eq!(page["total"], 2, "{page}");
        assert!(ids(&page).contains(&second), "{page}");

        // So does archiving.
        step(&app, GUIDES, &second, "archive", &coordinator, None).await;
        let response = app.request(Method::GET, CATALOGUE).header("if-none-match", &published_etag).send().await.unwrap();
        let archived_etag = header(&response, "etag");
        assert_ne!(archived_etag, published_etag);
        assert_eq!(json_body(response, StatusCode::OK).await["total"], 1);

        // Another instance on the same database sees a publication made through this one.
        let other = app.another_instance().await;
        let before = app.client.get(other.url(CATALOGUE)).send().await.unwrap();
        let other_etag = header(&before, "etag");
        assert_eq!(json_body(before, StatusCode::OK).await["total"], 1);
        let third = publish_guide(&app, &author, &coordinator, guide_content(
            "Hofkonzert organisieren", "Musik zwischen den Häusern.", "Nachbarn rechtzeitig informieren.", fields,
        ))
        .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
        let seen = loop {
            let response = app.client.get(other.url(CATALOGUE)).header("if-none-match", &other_etag).send().await.unwrap();
            if response.status() == StatusCode::OK {
                let page = json_body(response, StatusCode::OK).await;
                if ids(&page).contains(&third) {
                    break true;
                }
            } else {
                assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
            }
            if std::time::Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        other.stop().await;
        assert!(seen, "the other instance still serves the catalogue without {third} after 1.5 s");
    }
}

on_both_backends! {
    async fn invalid_queries_are_problems_naming_the_parameter(app: TestApp) {
        let long = "Quartier".repeat(26);
        assert!(long.chars().count() > 200);
        assert_error(&refused(&app, &[("q", long.as_str())]).await, "q", Some("too_long"));
        let longest = "Quartier".repeat(25);
        assert_eq!(browse(&app, &[("q", longest.as_str())]).await["total"], 0);
        assert_error(&refused(&app, &[("q", "x")]).await, "q", Some("invalid_search"));
        let words = ["Hof", "Garten", "Platz", "Markt", "Brunnen", "Schule", "Bücherei", "Park", "Kiosk", "Laden", "Bank"];
        let eleven = words.join(" ");
        assert_error(&refused(&app, &[("q", eleven.as_str())]).await, "q", Some("too_many_terms"));
        let ten = words[..10].join(" ");
        assert_eq!(browse(&app, &[("q", ten.as_str())]).await["total"], 0);

        // Relevance needs a search; the other orders do not.
        assert_error(&refused(&app, &[("sort", "relevance")]).await, "sort", None);
        for sort in ["newest", "title"] {
            browse(&app, &[("sort", sort)]).await;
        }

        assert_error(&refused(&app, &[("accessibility", "bogus")]).await, "accessibility", None);
        assert_error(&refused(&app, &[("accessibility", "captions"), ("accessibility", "bogus")]).await, "accessibility", None);
        assert_error(&refused(&app, &[("language", "!!")]).await, "language", Some("invalid_language"));
        for (parameter, slug) in [("theme", "no-such-theme"), ("phase", "no-such-phase"), ("audience", "nobody")] {
            assert_error(&refused(&app, &[(parameter, slug)]).await, parameter, None);
        }

        // The same refusals for a signed-in caller.
        let learner = app.user(&[Role::Learner]).await;
        let response = send(&app, Method::GET, &catalogue(&[("language", "!!")]), &learner.access, None).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_error(&body, "language", Some("invalid_language"));
    }
}

on_both_backends! {
    async fn the_catalogue_is_written_from_the_live_content_once_by_the_instances_starting_together(app: TestApp) {
        let organisation = app.organisation("Quartiersnetz Beispielstadt").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let live = publish_guide(&app, &author, &coordinator, guide_content(
            "Stadtteilfeste planen", "Ein Fest für alle Nachbarinnen.", "Erst die Straße, dann die Bühne.", &["public-spaces"],
        ))
        .await;
        create(&app, GUIDES, &author, guide_content("Entwurf", "Noch nicht fertig.", "Text.", &["public-spaces"])).await;
        // As after the migration that adds the catalogue, or a bulk load around the
        // application: no entries, and the flag that says so.
        for sql in [
            "DELETE FROM catalogue_entries",
            "UPDATE catalogue_state SET built = false",
        ] {
            app.db.execute_unprepared(sql).await.unwrap();
        }
        if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            app.db.execute_unprepared("DELETE FROM catalogue_fts").await.unwrap();
        }
        assert_eq!(browse(&app, &[]).await["total"], 0);

        // Two instances start at once; the entries are written once, by one of them.
        let (first, second) = tokio::join!(app.another_instance(), app.another_instance());
        let client = reqwest::Client::new();
        for instance in [&first, &second] {
            let page: Value = client.get(instance.url(CATALOGUE)).send().await.unwrap().json().await.unwrap();
            assert_eq!(ids(&page), vec![live.clone()], "{page}");
        }
        let searched = browse(&app, &[("q", "Stadtteilfest")]).await;
        assert_eq!(ids(&searched), vec![live.clone()], "{searched}");
        first.stop().await;
        second.stop().await;
    }
}
