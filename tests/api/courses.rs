//! `/courses`, `/enrolments`, `/attempts`, `/me/courses`: the review workflow of a course,
//! its field errors, locked and completed lessons, quizzes scored on the server without
//! giving their answer key away, attempt limits, contention (one attempt submitted at
//! once many times, more learners than places), municipality teams, revision pinning, and
//! who may do what.

use academy_auth::Role;
use academy_auth::entity::user;
use academy_tests::*;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

/// The property names of a quiz's answer key and its review: none may reach a learner
/// before the review policy allows it.
const ANSWER_KEY: [&str; 6] = [
    "correct",
    "accepted",
    "value",
    "matchKey",
    "correctAnswer",
    "feedback",
];

const CAPTIONS: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWillkommen im Quartier.\n";

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
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

/// The body as text, asserting the status first.
async fn text_of(response: Response, status: StatusCode) -> String {
    let actual = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    text
}

/// Asserts that no property of the answer key appears in `text` (compact JSON).
fn assert_no_answer_key(what: &str, text: &str) {
    for name in ANSWER_KEY {
        let property = format!("\"{name}\":");
        assert!(
            !text.contains(&property),
            "{what} gives away `{name}`: {text}"
        );
    }
}

/// An author of a member organisation.
async fn author(app: &TestApp) -> TestUser {
    let organisation = app.organisation("Stiftung Beispiel").await;
    app.user_in(&[Role::Author], Some(organisation), None).await
}

/// A course's content with `modules`.
fn course(title: &str, modules: Value) -> Value {
    json!({
        "title": title,
        "summary": "Ein kurzer Kurs für Mitarbeitende der Kommunen.",
        "estimatedHours": 1.5,
        "modules": modules,
    })
}

fn text_lesson(title: &str, body: &str) -> Value {
    json!({"title": title, "kind": "text", "body": body})
}

fn quiz_lesson(title: &str, quiz: Value) -> Value {
    json!({"title": title, "kind": "quiz", "quiz": quiz})
}

/// One question of every type, with feedback wherever a question or option takes it.
fn every_kind_of_question() -> Value {
    json!([
        {
            "type": "single_choice",
            "prompt": "Welches Gremium berät den Stadtteil?",
            "feedback": "Der Stadtteilbeirat tagt monatlich.",
            "options": [
                {"text": "Der Stadtteilbeirat", "correct": true, "feedback": "Richtig."},
                {"text": "Das Finanzamt", "correct": false, "feedback": "Das Finanzamt berät nicht zur Beteiligung."},
                {"text": "Die Landesbibliothek", "correct": false}
            ]
        },
        {
            "type": "multiple_choice",
            "prompt": "Welche Formate beteiligen Bewohnerinnen und Bewohner?",
            "feedback": "Beteiligung heißt mitreden können.",
            "options": [
                {"text": "Stadtteilkonferenz", "correct": true},
                {"text": "Zukunftswerkstatt", "correct": true},
                {"text": "Amtsblatt", "correct": false, "feedback": "Ein Amtsblatt informiert nur."},
                {"text": "Haushaltssatzung", "correct": false}
            ]
        },
        {
            "type": "true_false",
            "prompt": "Beteiligung sollte früh beginnen.",
            "correct": true,
            "feedback": "Je früher, desto mehr Spielraum."
        },
        {
            "type": "numeric",
            "prompt": "Wie viele Monate hat ein Förderjahr?",
            "value": 12,
            "tolerance": 0.5,
            "feedback": "Ein Förderjahr hat zwölf Monate."
        },
        {
            "type": "short_text",
            "prompt": "Wo findet das Nachbarschaftsfest statt? (ein Wort)",
            "accepted": ["Straße"],
            "feedback": "Auf der Straße vor dem Quartierszentrum."
        },
        {
            "type": "ordering",
            "prompt": "Bringen Sie die Schritte in die richtige Reihenfolge.",
            "feedback": "Erst die Ziele, dann das Format.",
            "items": [
                {"text": "Ziele klären"},
                {"text": "Format wählen"},
                {"text": "Einladen"},
                {"text": "Auswerten"}
            ]
        },
        {
            "type": "matching",
            "prompt": "Ordnen Sie jede Stadt ihrem Land zu.",
            "feedback": "Kassel liegt in Hessen.",
            "pairs": [
                {"prompt": "Kassel", "match": "Hessen"},
                {"prompt": "Leipzig", "match": "Sachsen"},
                {"prompt": "Kiel", "match": "Schleswig-Holstein"}
            ]
        }
    ])
}

const EVERY_TYPE: [&str; 7] = [
    "single_choice",
    "multiple_choice",
    "true_false",
    "numeric",
    "short_text",
    "ordering",
    "matching",
];

/// Creates a course as `author`; asserts 201.
async fn create(app: &TestApp, author: &TestUser, body: Value) -> Value {
    json_body(
        send(
            app,
            Method::POST,
            "/api/v1/courses",
            &author.access,
            Some(body),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// Submits the working revision as its author and publishes it as a coordinator.
async fn publish(app: &TestApp, author: &TestUser, coordinator: &TestUser, id: &str) {
    let submitted = json_body(
        send(
            app,
            Method::POST,
            &format!("/api/v1/courses/{id}/submit"),
            &author.access,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        submitted["workingRevision"]["state"], "in_review",
        "{submitted}"
    );
    let published = json_body(
        send(
            app,
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            &coordinator.access,
            Some(json!({})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["status"], "published", "{published}");
}

/// Creates, submits and publishes a course; the course as created, with its keys.
async fn published(app: &TestApp, author: &TestUser, coordinator: &TestUser, body: Value) -> Value {
    let created = create(app, author, body).await;
    publish(app, author, coordinator, str_of(&created["id"])).await;
    created
}

/// The keys of a course's (or an enrolment's) lessons, module after module.
fn lesson_keys(course: &Value) -> Vec<String> {
    course["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["lessons"].as_array().unwrap().iter())
        .map(|l| str_of(&l["key"]).to_owned())
        .collect()
}

/// The state of every lesson of an enrolment, in order.
fn states(detail: &Value) -> Vec<String> {
    detail["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["lessons"].as_array().unwrap().iter())
        .map(|l| str_of(&l["state"]).to_owned())
        .collect()
}

/// The state of one lesson of an enrolment.
fn state_of(detail: &Value, lesson: &str) -> String {
    let found = detail["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["lessons"].as_array().unwrap().iter())
        .find(|l| l["key"] == lesson)
        .map(|l| str_of(&l["state"]).to_owned());
    found.unwrap_or_else(|| panic!("no lesson {lesson} in {detail}"))
}

/// A guide of `author`'s organisation: published when a coordinator is given, else a
/// draft.
async fn guide(app: &TestApp, author: &TestUser, coordinator: Option<&TestUser>) -> String {
    let created = json_body(
        send(
            app,
            Method::POST,
            "/api/v1/guides",
            &author.access,
            Some(json!({
                "title": "Beteiligung verstetigen",
                "summary": "Wie Kommunen Beteiligung auf Dauer stellen.",
                "fieldsOfAction": ["activation-participation"],
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = str_of(&created["id"]).to_owned();
    if let Some(coordinator) = coordinator {
        publish_guide(app, author, coordinator, &id).await;
    }
    id
}

async fn publish_guide(app: &TestApp, author: &TestUser, coordinator: &TestUser, id: &str) {
    let submit = send(
        app,
        Method::POST,
        &format!("/api/v1/guides/{id}/submit"),
        &author.access,
        None,
    )
    .await;
    assert_eq!(submit.status(), StatusCode::OK);
    let publish = send(
        app,
        Method::POST,
        &format!("/api/v1/guides/{id}/publish"),
        &coordinator.access,
        Some(json!({})),
    )
    .await;
    assert_eq!(publish.status(), StatusCode::OK);
}

/// A published tutorial of ten seconds with approved German captions: short enough to
/// be watched whole within the first report's allowance.
async fn short_tutorial(app: &TestApp, author: &TestUser, coordinator: &TestUser) -> String {
    let created = json_body(
        send(
            app,
            Method::POST,
            "/api/v1/tutorials",
            &author.access,
            Some(json!({
                "title": "Beteiligung im Quartier in zehn Sekunden",
                "summary": "Ein sehr kurzer Impuls.",
                "durationSeconds": 10,
            })),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = str_of(&created["id"]).to_owned();
    let upload = app
        .authed(
            Method::PUT,
            &format!("/api/v1/tutorials/{id}/tracks/captions/de"),
            &author.access,
        )
        .header("content-type", "text/vtt")
        .body(CAPTIONS)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    json_body(
        send(
            app,
            Method::PATCH,
            &format!("/api/v1/tutorials/{id}/tracks/captions/de"),
            &author.access,
            Some(json!({"status": "approved"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let submit = send(
        app,
        Method::POST,
        &format!("/api/v1/tutorials/{id}/submit"),
        &author.access,
        None,
    )
    .await;
    assert_eq!(submit.status(), StatusCode::OK);
    let publish = send(
        app,
        Method::POST,
        &format!("/api/v1/tutorials/{id}/publish"),
        &coordinator.access,
        None,
    )
    .await;
    assert_eq!(publish.status(), StatusCode::OK);
    id
}

/// The learner enrols themselves; asserts 201.
async fn enrol(app: &TestApp, learner: &TestUser, course: &str) -> Value {
    json_body(
        send(
            app,
            Method::POST,
            &format!("/api/v1/courses/{course}/enrolments"),
            &learner.access,
            None,
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// `GET /enrolments/{id}`; asserts 200.
async fn enrolment(app: &TestApp, user: &TestUser, id: &str) -> Value {
    json_body(
        send(
            app,
            Method::GET,
            &format!("/api/v1/enrolments/{id}"),
            &user.access,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// `GET /me/courses`; asserts 200.
async fn my_courses(app: &TestApp, user: &TestUser) -> Value {
    json_body(
        send(app, Method::GET, "/api/v1/me/courses", &user.access, None).await,
        StatusCode::OK,
    )
    .await
}

/// `POST /enrolments/{id}/lessons/{lesson}/{what}` (`view` or `done`).
async fn lesson_event(
    app: &TestApp,
    learner: &TestUser,
    enrolment: &str,
    lesson: &str,
    what: &str,
) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/enrolments/{enrolment}/lessons/{lesson}/{what}"),
        &learner.access,
        None,
    )
    .await
}

async fn start(app: &TestApp, learner: &TestUser, enrolment: &str, lesson: &str) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/enrolments/{enrolment}/lessons/{lesson}/attempts"),
        &learner.access,
        None,
    )
    .await
}

async fn submit(app: &TestApp, learner: &TestUser, attempt: &str, answers: Value) -> Response {
    send(
        app,
        Method::POST,
        &format!("/api/v1/attempts/{attempt}/submit"),
        &learner.access,
        Some(json!({"answers": answers})),
    )
    .await
}

/// A quiz lesson's questions with their answer key, as its editors read the live course.
async fn answer_key(app: &TestApp, editor: &TestUser, course: &str, lesson: &str) -> Vec<Value> {
    let live = json_body(
        send(
            app,
            Method::GET,
            &format!("/api/v1/courses/{course}?revision=live"),
            &editor.access,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let questions: Option<Vec<Value>> = live["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["lessons"].as_array().unwrap().iter())
        .find(|l| l["key"] == lesson)
        .and_then(|l| l["quizQuestions"].as_array().cloned());
    questions.unwrap_or_else(|| panic!("no quiz questions for lesson {lesson} in {live}"))
}

/// The keys of a list of options or items: all, or only the right ones.
fn keys(list: &Value, only_correct: bool) -> Vec<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|o| !only_correct || o["correct"] == true)
        .map(|o| o["key"].clone())
        .collect()
}

/// The right answer to each question, by question key, in the shapes answers take.
fn right_answers(questions: &[Value]) -> serde_json::Map<String, Value> {
    let mut answers = serde_json::Map::new();
    for q in questions {
        let answer = match str_of(&q["type"]) {
            "single_choice" => keys(&q["options"], true).remove(0),
            "multiple_choice" => Value::Array(keys(&q["options"], true)),
            "true_false" => q["correct"].clone(),
            "numeric" => q["value"].clone(),
            "short_text" => q["accepted"][0].clone(),
            "ordering" => Value::Array(keys(&q["items"], false)),
            "matching" => Value::Object(
                q["pairs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (str_of(&p["key"]).to_owned(), p["matchKey"].clone()))
                    .collect(),
            ),
            other => panic!("unknown question type {other}"),
        };
        answers.insert(str_of(&q["key"]).to_owned(), answer);
    }
    answers
}

/// The key of the (first) question of a type.
fn key_of_type(questions: &[Value], kind: &str) -> String {
    let found = questions
        .iter()
        .find(|q| q["type"] == kind)
        .map(|q| str_of(&q["key"]).to_owned());
    found.unwrap_or_else(|| panic!("no {kind} question"))
}

fn has_error(problem: &Value, field: &str, code: &str) -> bool {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == field && e["code"] == code)
}

on_both_backends! {
    async fn a_course_goes_from_draft_through_review_to_published_without_showing_its_answer_key(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let guide = guide(&app, &author, Some(&coordinator)).await;
        let body = course("Beteiligung im Quartier – der Einstieg", json!([
            {"title": "Grundlagen", "lessons": [
                text_lesson("Was Beteiligung bewirkt", "Beteiligung schafft **Vertrauen** im Quartier."),
                {"title": "Den Leitfaden lesen", "kind": "guide", "guideId": guide.clone()}
            ]},
            {"title": "Wissen prüfen", "lessons": [
                quiz_lesson("Kurzes Quiz", json!({"questions": every_kind_of_question()}))
            ]}
        ]));

        let response = send(&app, Method::POST, "/api/v1/courses", &author.access, Some(body)).await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created = json_body(response, StatusCode::CREATED).await;
        let id = str_of(&created["id"]).to_owned();
        assert_eq!(location, format!("/api/v1/courses/{id}"));
        assert_eq!(created["status"], "draft");
        assert_eq!(created["modules"].as_array().unwrap().len(), 2);
        for module in created["modules"].as_array().unwrap() {
            assert!(module["key"].is_string(), "{module}");
            for lesson in module["lessons"].as_array().unwrap() {
                assert!(lesson["key"].is_string(), "{lesson}");
            }
        }
        assert_eq!(created["modules"][0]["lessons"][0]["completion"], "viewed");
        assert_eq!(created["modules"][0]["lessons"][1]["kind"], "guide");
        assert_eq!(created["modules"][0]["lessons"][1]["guideId"], guide.as_str());
        assert_eq!(created["modules"][1]["lessons"][0]["completion"], "quiz");
        assert_eq!(created["modules"][1]["lessons"][0]["quiz"]["questions"], 7);
        assert_eq!(created["modules"][1]["lessons"][0]["quizQuestions"].as_array().unwrap().len(), 7);

        // A draft is not public.
        let path = format!("/api/v1/courses/{id}");
        problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;

        // Authors submit; coordinators publish.
        let submitted = json_body(send(&app, Method::POST, &format!("{path}/submit"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(submitted["status"], "in_review");
        problem(
            send(&app, Method::POST, &format!("{path}/publish"), &author.access, Some(json!({}))).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let live = json_body(
            send(&app, Method::POST, &format!("{path}/publish"), &coordinator.access, Some(json!({}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(live["status"], "published");
        assert_eq!(live["liveRevision"], 1);

        // Everyone sees it now, without the questions and their answer key.
        let anonymous = app.get(&path).await;
        let as_learner = send(&app, Method::GET, &path, &learner.access, None).await;
        for (who, response) in [("anonymously", anonymous), ("as a learner", as_learner)] {
            let text = text_of(response, StatusCode::OK).await;
            assert!(!text.contains("quizQuestions"), "{who}: {text}");
            assert!(!text.contains("quizSettings"), "{who}: {text}");
            assert_no_answer_key(who, &text);
            let public: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(public["title"], "Beteiligung im Quartier – der Einstieg");
            assert_eq!(public["status"], "published");
            assert_eq!(public["modules"][0]["lessons"][1]["guideId"], guide.as_str());
            assert_eq!(public["modules"][1]["lessons"][0]["kind"], "quiz");
            assert_eq!(public["modules"][1]["lessons"][0]["quiz"]["questions"], 7);
        }

        // Its authors (and coordinators) see the questions with their answer key.
        for editor in [&author, &coordinator] {
            let view = json_body(send(&app, Method::GET, &path, &editor.access, None).await, StatusCode::OK).await;
            let questions = view["modules"][1]["lessons"][0]["quizQuestions"].as_array().unwrap();
            assert_eq!(questions.len(), 7);
            assert!(questions.iter().any(|q| q["type"] == "true_false" && q["correct"] == true), "{view}");
            assert!(questions.iter().any(|q| q["type"] == "short_text" && q["accepted"][0] == "Straße"), "{view}");
        }
    }
}

on_both_backends! {
    async fn a_course_is_not_published_while_a_lesson_refers_to_a_draft_guide(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let draft = guide(&app, &author, None).await;
        let created = create(&app, &author, course("Leitfäden im Überblick", json!([
            {"title": "Lesen", "lessons": [
                {"title": "Der unfertige Leitfaden", "kind": "guide", "guideId": draft.clone()}
            ]}
        ])))
        .await;
        let id = str_of(&created["id"]).to_owned();
        let path = format!("/api/v1/courses/{id}");
        assert_eq!(send(&app, Method::POST, &format!("{path}/submit"), &author.access, None).await.status(), StatusCode::OK);

        let refused = problem(
            send(&app, Method::POST, &format!("{path}/publish"), &coordinator.access, Some(json!({}))).await,
            StatusCode::CONFLICT,
            "lesson_not_published",
        )
        .await;
        assert!(str_of(&refused["detail"]).contains("Der unfertige Leitfaden"), "{refused}");
        problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;

        // Once the guide is published, so is the course.
        publish_guide(&app, &author, &coordinator, &draft).await;
        let live = json_body(
            send(&app, Method::POST, &format!("{path}/publish"), &coordinator.access, Some(json!({}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(live["status"], "published");
    }
}

on_both_backends! {
    async fn a_quiz_lesson_without_a_quiz_and_a_single_choice_with_two_right_options_are_refused_by_path(app: TestApp) {
        let author = author(&app).await;

        let no_quiz = course("Ohne Quiz", json!([
            {"title": "Prüfen", "lessons": [{"title": "Das Quiz", "kind": "quiz"}]}
        ]));
        let body = problem(
            send(&app, Method::POST, "/api/v1/courses", &author.access, Some(no_quiz)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(has_error(&body, "modules[0].lessons[0].quiz", "required"), "{body}");

        let two_right = course("Zwei richtige Antworten", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Das Quiz", json!({"questions": [
                {"type": "single_choice", "prompt": "Welche Stadt liegt in Hessen?", "options": [
                    {"text": "Kassel", "correct": true},
                    {"text": "Offenbach", "correct": true},
                    {"text": "Leipzig", "correct": false}
                ]}
            ]}))]}
        ]));
        let body = problem(
            send(&app, Method::POST, "/api/v1/courses", &author.access, Some(two_right)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(has_error(&body, "modules[0].lessons[0].quiz.questions[0].options", "one_correct"), "{body}");

        // Nothing was created.
        let list = json_body(send(&app, Method::GET, "/api/v1/courses", &author.access, None).await, StatusCode::OK).await;
        assert_eq!(list["total"], 0);
    }
}

on_both_backends! {
    async fn a_second_lesson_stays_locked_until_the_first_is_completed(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Schritt für Schritt", json!([
            {"title": "Der Reihe nach", "sequential": true, "lessons": [
                text_lesson("Einführung", "Worum es in diesem Kurs geht."),
                {"title": "Checkliste abhaken", "kind": "text", "body": "- Ziele klären\n- Format wählen", "completion": "done"},
                text_lesson("Abschluss", "Gut gemacht!")
            ]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);

        let enrolled = enrol(&app, &learner, &course_id).await;
        assert_eq!(enrolled["state"], "active");
        assert_eq!(enrolled["source"], "self");
        assert_eq!(enrolled["revision"], 1);
        assert_eq!(enrolled["progress"]["lessonsTotal"], 3);
        assert_eq!(enrolled["progress"]["lessonsCompleted"], 0);
        assert_eq!(enrolled["progress"]["percent"], 0);
        assert_eq!(enrolled["progress"]["nextLesson"]["key"], keys[0].as_str());
        let id = str_of(&enrolled["id"]).to_owned();
        problem(
            send(&app, Method::POST, &format!("/api/v1/courses/{course_id}/enrolments"), &learner.access, None).await,
            StatusCode::CONFLICT,
            "already_enrolled",
        )
        .await;

        let detail = enrolment(&app, &learner, &id).await;
        assert_eq!(states(&detail), ["available", "locked", "locked"]);
        problem(lesson_event(&app, &learner, &id, &keys[1], "view").await, StatusCode::CONFLICT, "lesson_locked").await;
        problem(lesson_event(&app, &learner, &id, &keys[1], "done").await, StatusCode::CONFLICT, "lesson_locked").await;

        // Viewing a `viewed` lesson completes it and opens the next one.
        let detail = json_body(lesson_event(&app, &learner, &id, &keys[0], "view").await, StatusCode::OK).await;
        assert_eq!(states(&detail), ["completed", "available", "locked"]);
        assert_eq!(detail["progress"]["lessonsCompleted"], 1);
        assert_eq!(detail["progress"]["percent"], 33);
        assert_eq!(detail["progress"]["nextLesson"]["key"], keys[1].as_str());
        // It is not marked done by hand.
        problem(lesson_event(&app, &learner, &id, &keys[0], "done").await, StatusCode::CONFLICT, "not_done_by_hand").await;

        // A `done` lesson only starts when viewed; marking it done completes it.
        let detail = json_body(lesson_event(&app, &learner, &id, &keys[1], "view").await, StatusCode::OK).await;
        assert_eq!(states(&detail), ["completed", "started", "locked"]);
        let detail = json_body(lesson_event(&app, &learner, &id, &keys[1], "done").await, StatusCode::OK).await;
        assert_eq!(states(&detail), ["completed", "completed", "available"]);
        assert_eq!(detail["state"], "active");
        assert!(detail["completedAt"].is_null());

        // The last lesson completes the course.
        let detail = json_body(lesson_event(&app, &learner, &id, &keys[2], "view").await, StatusCode::OK).await;
        assert_eq!(states(&detail), ["completed", "completed", "completed"]);
        assert_eq!(detail["state"], "completed");
        assert!(detail["completedAt"].is_string(), "{detail}");
        assert_eq!(detail["progress"]["lessonsCompleted"], 3);
        assert_eq!(detail["progress"]["percent"], 100);
        assert!(detail["progress"]["nextLesson"].is_null(), "{detail}");
        assert_eq!(detail["modules"][0]["completed"], true);

        let mine = my_courses(&app, &learner).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["id"], id.as_str());
        assert_eq!(mine["items"][0]["courseId"], course_id.as_str());
        assert_eq!(mine["items"][0]["state"], "completed");
        assert_eq!(mine["items"][0]["progress"]["percent"], 100);
    }
}

on_both_backends! {
    async fn every_kind_of_question_is_scored_on_the_server(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Wissen prüfen", json!([
            {"title": "Quizze", "lessons": [
                quiz_lesson("Alle Fragetypen", json!({"questions": every_kind_of_question()})),
                quiz_lesson("Mehrfachauswahl", json!({"questions": [
                    {"type": "multiple_choice", "prompt": "Welche Formate beteiligen Bewohnerinnen und Bewohner?", "points": 2, "options": [
                        {"text": "Stadtteilkonferenz", "correct": true},
                        {"text": "Zukunftswerkstatt", "correct": true},
                        {"text": "Amtsblatt", "correct": false},
                        {"text": "Haushaltssatzung", "correct": false}
                    ]}
                ]})),
                quiz_lesson("Freitext", json!({"questions": [
                    {"type": "short_text", "prompt": "Wo feiert das Quartier sein Fest?", "accepted": ["Straße"]},
                    {"type": "short_text", "prompt": "Wie heißt das Gesprächsformat am großen Tisch?", "accepted": ["Runder Tisch"]}
                ]}))
            ]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();

        // Every type answered right: full marks, passed, the lesson completed.
        let questions = answer_key(&app, &author, &course_id, &keys[0]).await;
        let started = json_body(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CREATED).await;
        let attempt = str_of(&started["id"]).to_owned();
        assert_eq!(started["number"], 1);
        assert_eq!(started["maxScore"], 7.0);
        assert!(started["score"].is_null());
        assert!(started["passed"].is_null());
        let shown: Vec<&str> = started["questions"].as_array().unwrap().iter().map(|q| str_of(&q["type"])).collect();
        for kind in EVERY_TYPE {
            assert!(shown.contains(&kind), "{kind} in {shown:?}");
        }
        // Started again while open: the same attempt, the same questions.
        let again = json_body(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::OK).await;
        assert_eq!(again["id"], attempt.as_str());
        assert_eq!(again["questions"], started["questions"]);

        let mut answers = right_answers(&questions);
        answers.insert(key_of_type(&questions, "short_text"), json!("strasse"));
        let scored = json_body(submit(&app, &learner, &attempt, Value::Object(answers)).await, StatusCode::OK).await;
        assert_eq!(scored["score"], 7.0, "{scored}");
        assert_eq!(scored["maxScore"], 7.0);
        assert_eq!(scored["percent"], 100.0);
        assert_eq!(scored["passed"], true);
        assert!(scored["submittedAt"].is_string());
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(state_of(&detail, &keys[0]), "completed");
        problem(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CONFLICT, "already_passed").await;
        problem(submit(&app, &learner, &attempt, json!({})).await, StatusCode::CONFLICT, "already_submitted").await;

        // Multiple choice: (right chosen − wrong chosen) ÷ right, never below 0.
        let questions = answer_key(&app, &author, &course_id, &keys[1]).await;
        let question = str_of(&questions[0]["key"]).to_owned();
        let options = questions[0]["options"].as_array().unwrap();
        let right: Vec<String> = options.iter().filter(|o| o["correct"] == true).map(|o| str_of(&o["key"]).to_owned()).collect();
        let wrong: Vec<String> = options.iter().filter(|o| o["correct"] == false).map(|o| str_of(&o["key"]).to_owned()).collect();
        assert_eq!((right.len(), wrong.len()), (2, 2));
        let cases: Vec<(Vec<String>, f64)> = vec![
            (vec![right[0].clone()], 1.0),
            (vec![right[0].clone(), right[1].clone(), wrong[0].clone()], 1.0),
            (vec![right[0].clone(), wrong[0].clone()], 0.0),
            (vec![wrong[0].clone(), wrong[1].clone()], 0.0),
            (wrong.iter().chain(right.iter()).cloned().collect(), 0.0),
        ];
        for (chosen, earned) in cases {
            let started = json_body(start(&app, &learner, &enrolment_id, &keys[1]).await, StatusCode::CREATED).await;
            let id = str_of(&started["id"]).to_owned();
            let scored = json_body(submit(&app, &learner, &id, json!({question.clone(): chosen.clone()})).await, StatusCode::OK).await;
            assert_eq!(scored["score"], earned, "{chosen:?}: {scored}");
            assert_eq!(scored["maxScore"], 2.0);
            assert_eq!(scored["passed"], false);
        }
        let started = json_body(start(&app, &learner, &enrolment_id, &keys[1]).await, StatusCode::CREATED).await;
        assert_eq!(started["number"], 6);
        let id = str_of(&started["id"]).to_owned();
        let scored = json_body(submit(&app, &learner, &id, json!({question.clone(): right.clone()})).await, StatusCode::OK).await;
        assert_eq!(scored["score"], 2.0);
        assert_eq!(scored["passed"], true);

        // Short text: case, spaces and ß do not matter; other words do.
        let questions = answer_key(&app, &author, &course_id, &keys[2]).await;
        let fest = str_of(&questions[0]["key"]).to_owned();
        let tisch = str_of(&questions[1]["key"]).to_owned();
        let started = json_body(start(&app, &learner, &enrolment_id, &keys[2]).await, StatusCode::CREATED).await;
        let id = str_of(&started["id"]).to_owned();
        let scored = json_body(
            submit(&app, &learner, &id, json!({fest.clone(): "Strassenbahn", tisch.clone(): "  rUNDER   tisch "})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(scored["score"], 1.0, "{scored}");
        assert_eq!(scored["passed"], false);
        let started = json_body(start(&app, &learner, &enrolment_id, &keys[2]).await, StatusCode::CREATED).await;
        let id = str_of(&started["id"]).to_owned();
        let scored = json_body(
            submit(&app, &learner, &id, json!({fest.clone(): "STRASSE", tisch.clone(): "Runder Tisch"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(scored["score"], 2.0, "{scored}");
        assert_eq!(scored["passed"], true);

        // Every quiz passed: the course is completed.
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(states(&detail), ["completed", "completed", "completed"]);
        assert_eq!(detail["state"], "completed");
    }
}

on_both_backends! {
    async fn no_answer_key_is_shown_before_the_review_policy_allows_it(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Ohne Spickzettel", json!([
            {"title": "Quizze", "lessons": [
                quiz_lesson("Nur die Punktzahl", json!({"review": "score", "questions": every_kind_of_question()})),
                quiz_lesson("Mit Lösungen", json!({"review": "answers", "questions": every_kind_of_question()}))
            ]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();

        let path = format!("/api/v1/courses/{course_id}");
        assert_no_answer_key("the course, anonymously", &text_of(app.get(&path).await, StatusCode::OK).await);
        assert_no_answer_key(
            "the course, to a learner",
            &text_of(send(&app, Method::GET, &path, &learner.access, None).await, StatusCode::OK).await,
        );
        assert_no_answer_key(
            "the live course, to a learner",
            &text_of(send(&app, Method::GET, &format!("{path}?revision=live"), &learner.access, None).await, StatusCode::OK).await,
        );

        // Review `score`: nothing before submitting, nothing after.
        let questions = answer_key(&app, &author, &course_id, &keys[0]).await;
        let answers = right_answers(&questions);
        let text = text_of(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CREATED).await;
        assert_no_answer_key("a new attempt", &text);
        let attempt: Value = serde_json::from_str(&text).unwrap();
        let id = str_of(&attempt["id"]).to_owned();
        let shown: Vec<&str> = attempt["questions"].as_array().unwrap().iter().map(|q| str_of(&q["type"])).collect();
        for kind in EVERY_TYPE {
            assert!(shown.contains(&kind), "{kind} in {shown:?}");
        }

        let single = key_of_type(&questions, "single_choice");
        let saved = text_of(
            send(
                &app,
                Method::PUT,
                &format!("/api/v1/attempts/{id}/answers"),
                &learner.access,
                Some(json!({"answers": {single.clone(): answers[single.as_str()].clone()}})),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_no_answer_key("an attempt with saved answers", &saved);
        let saved: Value = serde_json::from_str(&saved).unwrap();
        assert_eq!(saved["answers"][single.as_str()], answers[single.as_str()]);
        assert_no_answer_key(
            "an open attempt",
            &text_of(send(&app, Method::GET, &format!("/api/v1/attempts/{id}"), &learner.access, None).await, StatusCode::OK).await,
        );
        assert_no_answer_key(
            "the list of attempts",
            &text_of(
                send(&app, Method::GET, &format!("/api/v1/enrolments/{enrolment_id}/lessons/{}/attempts", keys[0]), &learner.access, None).await,
                StatusCode::OK,
            )
            .await,
        );

        let text = text_of(submit(&app, &learner, &id, Value::Object(answers.clone())).await, StatusCode::OK).await;
        assert_no_answer_key("an attempt submitted under review `score`", &text);
        let submitted: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(submitted["passed"], true);
        assert_eq!(submitted["review"].as_array().unwrap().len(), 7);
        assert_no_answer_key(
            "a submitted attempt under review `score`, read again",
            &text_of(send(&app, Method::GET, &format!("/api/v1/attempts/{id}"), &learner.access, None).await, StatusCode::OK).await,
        );

        // Review `answers`: nothing before submitting; the right answers after, no feedback.
        let questions = answer_key(&app, &author, &course_id, &keys[1]).await;
        let answers = right_answers(&questions);
        let text = text_of(start(&app, &learner, &enrolment_id, &keys[1]).await, StatusCode::CREATED).await;
        assert_no_answer_key("a new attempt under review `answers`", &text);
        let id = str_of(&serde_json::from_str::<Value>(&text).unwrap()["id"]).to_owned();
        assert_no_answer_key(
            "an open attempt under review `answers`",
            &text_of(send(&app, Method::GET, &format!("/api/v1/attempts/{id}"), &learner.access, None).await, StatusCode::OK).await,
        );
        let submitted = json_body(submit(&app, &learner, &id, Value::Object(answers.clone())).await, StatusCode::OK).await;
        let text = submitted.to_string();
        assert!(!text.contains("\"feedback\":"), "{text}");
        let review = submitted["review"].as_array().unwrap();
        assert_eq!(review.len(), 7);
        for question in &questions {
            let key = str_of(&question["key"]);
            let item = review
                .iter()
                .find(|r| r["key"] == key)
                .unwrap_or_else(|| panic!("no review of {key}: {submitted}"));
            let expected = if question["type"] == "short_text" {
                question["accepted"].clone()
            } else {
                answers[key].clone()
            };
            assert_eq!(item["correctAnswer"], expected, "{question}");
            assert_eq!(item["earned"], item["points"], "{item}");
        }
    }
}

on_both_backends! {
    async fn a_quiz_with_one_attempt_takes_no_second_after_a_failed_one(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Ein Versuch", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Einmaliger Versuch", json!({"attempts": 1, "questions": [
                {"type": "true_false", "prompt": "Beteiligung sollte früh beginnen.", "correct": true}
            ]}))]}
        ])))
        .await;
        assert_eq!(created["modules"][0]["lessons"][0]["quiz"]["attempts"], 1);
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();

        let started = json_body(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CREATED).await;
        let id = str_of(&started["id"]).to_owned();
        let question = str_of(&started["questions"][0]["key"]).to_owned();
        let scored = json_body(submit(&app, &learner, &id, json!({question.clone(): false})).await, StatusCode::OK).await;
        assert_eq!(scored["score"], 0.0);
        assert_eq!(scored["passed"], false);

        problem(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CONFLICT, "no_attempts_left").await;
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(state_of(&detail, &keys[0]), "started");
        assert_eq!(detail["state"], "active");
    }
}

on_both_backends! {
    settings = RACING;
    async fn an_attempt_submitted_eight_times_at_once_is_scored_once(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Gleichzeitig abgegeben", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Eine Frage", json!({"questions": [
                {"type": "true_false", "prompt": "Beteiligung sollte früh beginnen.", "correct": true}
            ]}))]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();
        let started = json_body(start(&app, &learner, &enrolment_id, &keys[0]).await, StatusCode::CREATED).await;
        let id = str_of(&started["id"]).to_owned();
        let question = str_of(&started["questions"][0]["key"]).to_owned();

        let path = format!("/api/v1/attempts/{id}/submit");
        let body = json!({"answers": {question.clone(): true}});
        let requests = (0..8).map(|_| {
            let request = app.authed(Method::POST, &path, &learner.access).json(&body);
            async move {
                let response = request.send().await.expect("request sent");
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body["code"].as_str().unwrap_or_default().to_owned())
            }
        });
        let race = race(requests).await;
        race.assert_overlapped(2);
        let scored = race.outcomes.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        let refused = race
            .outcomes
            .iter()
            .filter(|(s, code)| *s == StatusCode::CONFLICT && code == "already_submitted")
            .count();
        assert_eq!((scored, refused), (1, 7), "{:?}", race.outcomes);

        let read = json_body(send(&app, Method::GET, &format!("/api/v1/attempts/{id}"), &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(read["score"], 1.0);
        assert_eq!(read["passed"], true);
        let attempts = json_body(
            send(&app, Method::GET, &format!("/api/v1/enrolments/{enrolment_id}/lessons/{}/attempts", keys[0]), &learner.access, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(attempts.as_array().unwrap().len(), 1);
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(detail["state"], "completed");
    }
}

on_both_backends! {
    async fn someone_elses_enrolment_and_attempt_are_not_found(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let owner = app.user(&[Role::Learner]).await;
        let other = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Nur für mich", json!([
            {"title": "Einstieg", "lessons": [
                text_lesson("Lesen", "Beteiligung beginnt früh."),
                quiz_lesson("Quiz", json!({"questions": [
                    {"type": "true_false", "prompt": "Beteiligung beginnt früh.", "correct": true}
                ]}))
            ]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &owner, &course_id).await["id"]).to_owned();
        let started = json_body(start(&app, &owner, &enrolment_id, &keys[1]).await, StatusCode::CREATED).await;
        let attempt = str_of(&started["id"]).to_owned();

        problem(send(&app, Method::GET, &format!("/api/v1/enrolments/{enrolment_id}"), &other.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(lesson_event(&app, &other, &enrolment_id, &keys[0], "view").await, StatusCode::NOT_FOUND, "not_found").await;
        problem(start(&app, &other, &enrolment_id, &keys[1]).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/attempts/{attempt}"), &other.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(
            send(&app, Method::PUT, &format!("/api/v1/attempts/{attempt}/answers"), &other.access, Some(json!({"answers": {}}))).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        problem(submit(&app, &other, &attempt, json!({})).await, StatusCode::NOT_FOUND, "not_found").await;

        // Nothing happened to the owner's enrolment and attempt.
        let detail = enrolment(&app, &owner, &enrolment_id).await;
        assert_eq!(states(&detail), ["available", "started"]);
        let mine = json_body(send(&app, Method::GET, &format!("/api/v1/attempts/{attempt}"), &owner.access, None).await, StatusCode::OK).await;
        assert!(mine["submittedAt"].is_null());
    }
}

on_both_backends! {
    settings = RACING;
    async fn five_learners_at_once_take_only_the_two_places_of_a_course(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let mut body = course("Kleine Gruppe", json!([
            {"title": "Treffen", "lessons": [text_lesson("Vorbereitung", "Bitte Notizen mitbringen.")]}
        ]));
        body["capacity"] = json!(2);
        let created = published(&app, &author, &coordinator, body).await;
        assert_eq!(created["capacity"], 2);
        let course_id = str_of(&created["id"]).to_owned();
        let mut learners = Vec::new();
        for _ in 0..5 {
            learners.push(app.user(&[Role::Learner]).await);
        }

        let path = format!("/api/v1/courses/{course_id}/enrolments");
        let requests = learners.iter().map(|learner| {
            let request = app.authed(Method::POST, &path, &learner.access);
            async move {
                let response = request.send().await.expect("request sent");
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body["code"].as_str().unwrap_or_default().to_owned())
            }
        });
        let race = race(requests).await;
        race.assert_overlapped(2);
        let taken = race.outcomes.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let full = race
            .outcomes
            .iter()
            .filter(|(s, code)| *s == StatusCode::CONFLICT && code == "course_full")
            .count();
        assert_eq!((taken, full), (2, 3), "{:?}", race.outcomes);

        let enrolments = json_body(send(&app, Method::GET, &path, &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(enrolments["total"], 2);
        let late = app.user(&[Role::Learner]).await;
        problem(send(&app, Method::POST, &path, &late.access, None).await, StatusCode::CONFLICT, "course_full").await;

        // A place comes back when its holder erases their account, and only once: the
        // withdrawn enrolment an account leaves behind gives nothing back a second time.
        let winners: Vec<&TestUser> = learners
            .iter()
            .zip(&race.outcomes)
            .filter(|(_, (status, _))| *status == StatusCode::CREATED)
            .map(|(learner, _)| learner)
            .collect();
        let mine = json_body(send(&app, Method::GET, "/api/v1/me/courses", &winners[0].access, None).await, StatusCode::OK).await;
        let enrolment = str_of(&mine["items"][0]["id"]).to_owned();
        json_body(send(&app, Method::POST, &format!("/api/v1/enrolments/{enrolment}/withdraw"), &winners[0].access, None).await, StatusCode::OK).await;
        json_body(send(&app, Method::POST, &path, &late.access, None).await, StatusCode::CREATED).await;
        let erased = send(&app, Method::DELETE, "/api/v1/me", &winners[0].access, Some(json!({"password": PASSWORD}))).await;
        assert_eq!(erased.status(), StatusCode::NO_CONTENT);
        let later = app.user(&[Role::Learner]).await;
        problem(send(&app, Method::POST, &path, &later.access, None).await, StatusCode::CONFLICT, "course_full").await;
        let erased = send(&app, Method::DELETE, "/api/v1/me", &winners[1].access, Some(json!({"password": PASSWORD}))).await;
        assert_eq!(erased.status(), StatusCode::NO_CONTENT);
        json_body(send(&app, Method::POST, &path, &later.access, None).await, StatusCode::CREATED).await;
    }
}

on_both_backends! {
    async fn a_municipality_team_takes_in_whoever_is_confirmed_later(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let municipality = app.some_municipality().await;
        let other_municipality = app.some_municipality().await;
        let member = app.user_in(&[Role::Learner], None, Some(municipality)).await;
        let newcomer = app.user_in(&[Role::Learner], None, Some(municipality)).await;
        // The newcomer's membership waits for confirmation.
        user::Entity::update_many()
            .col_expr(
                user::Column::MunicipalityConfirmedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(user::Column::Id.eq(newcomer.id))
            .exec(&app.db)
            .await
            .unwrap();
        let outsider = app.user_in(&[Role::Learner], None, Some(other_municipality)).await;
        let contact = app.user_in(&[Role::ContactPerson], None, Some(municipality)).await;
        let other_contact = app.user_in(&[Role::ContactPerson], None, Some(other_municipality)).await;
        let created = published(&app, &author, &coordinator, course("Gemeinsam lernen", json!([
            {"title": "Einstieg", "lessons": [text_lesson("Lesen", "Das Team lernt gemeinsam.")]}
        ])))
        .await;
        let course_id = str_of(&created["id"]).to_owned();

        let team_path = format!("/api/v1/courses/{course_id}/teams/{municipality}");
        problem(send(&app, Method::PUT, &team_path, &other_contact.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let team = json_body(send(&app, Method::PUT, &team_path, &coordinator.access, None).await, StatusCode::CREATED).await;
        assert_eq!(team["municipalityId"], municipality.to_string());
        // The confirmed members: the learner and the contact person.
        assert_eq!(team["enrolled"], 2);

        let mine = my_courses(&app, &member).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["courseId"], course_id.as_str());
        assert_eq!(mine["items"][0]["source"], "team");
        assert_eq!(mine["items"][0]["state"], "active");
        assert_eq!(my_courses(&app, &newcomer).await["total"], 0);
        assert_eq!(my_courses(&app, &outsider).await["total"], 0);

        // Sent again by the municipality's contact person: the same team, nobody twice.
        let again = json_body(send(&app, Method::PUT, &team_path, &contact.access, None).await, StatusCode::OK).await;
        assert_eq!(again["enrolled"], 2);

        // Confirmed later: enrolled with the team at once.
        let confirmed = json_body(
            send(&app, Method::POST, &format!("/api/v1/users/{}/municipality-membership/confirm", newcomer.id), &coordinator.access, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(confirmed["municipalityStatus"], "confirmed");
        let mine = my_courses(&app, &newcomer).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["courseId"], course_id.as_str());
        assert_eq!(mine["items"][0]["source"], "team");
        let teams = json_body(
            send(&app, Method::GET, &format!("/api/v1/courses/{course_id}/teams"), &coordinator.access, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(teams.as_array().unwrap().len(), 1);
        assert_eq!(teams[0]["enrolled"], 3);
        assert_eq!(my_courses(&app, &outsider).await["total"], 0);
    }
}

/// A course whose second module's quiz asks `question`.
fn pinned_course(question: &str) -> Value {
    course(
        "Beteiligung verstetigen",
        json!([
            {"title": "Lesen", "lessons": [text_lesson("Grundlagen", "Beteiligung braucht Verlässlichkeit.")]},
            {"title": "Prüfen", "lessons": [quiz_lesson("Kurzes Quiz", json!({"questions": [
                {"type": "true_false", "prompt": question, "correct": true}
            ]}))]}
        ]),
    )
}

on_both_backends! {
    async fn an_enrolment_keeps_its_revision_until_a_coordinator_moves_it(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, pinned_course("Beteiligung beginnt früh.")).await;
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();
        json_body(lesson_event(&app, &learner, &enrolment_id, &keys[0], "view").await, StatusCode::OK).await;

        // The author changes only the quiz, keeping every module's and lesson's key.
        let path = format!("/api/v1/courses/{course_id}");
        let response = send(&app, Method::GET, &format!("{path}?revision=working"), &author.access, None).await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let current = json_body(response, StatusCode::OK).await;
        let mut body = pinned_course("Beteiligung beginnt vor der Planung.");
        for (m, module) in current["modules"].as_array().unwrap().iter().enumerate() {
            body["modules"][m]["key"] = module["key"].clone();
            for (l, lesson) in module["lessons"].as_array().unwrap().iter().enumerate() {
                body["modules"][m]["lessons"][l]["key"] = lesson["key"].clone();
            }
        }
        body["changeNote"] = json!("Quizfrage geschärft.");
        let edited = app
            .authed(Method::PUT, &path, &author.access)
            .header("if-match", etag)
            .json(&body)
            .send()
            .await
            .unwrap();
        let edited = json_body(edited, StatusCode::OK).await;
        assert_eq!(edited["revision"], 2);
        assert_eq!(edited["liveRevision"], 1);
        assert_eq!(lesson_keys(&edited), keys);

        // While the draft is written, and after it is published, the learner stays on 1.
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(detail["revision"], 1);
        assert_eq!(detail["newerRevision"], false);
        publish(&app, &author, &coordinator, &course_id).await;
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(detail["revision"], 1);
        assert_eq!(detail["newerRevision"], true);
        assert_eq!(state_of(&detail, &keys[0]), "completed");
        let public = json_body(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(public["revision"], 2);

        // Coordinators move it; the unchanged lesson stays completed.
        let move_path = format!("/api/v1/enrolments/{enrolment_id}/move");
        problem(send(&app, Method::POST, &move_path, &learner.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let moved = json_body(send(&app, Method::POST, &move_path, &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(moved["revision"], 2);
        assert_eq!(moved["newerRevision"], false);
        assert_eq!(state_of(&moved, &keys[0]), "completed");
        assert_eq!(state_of(&moved, &keys[1]), "available");
        assert_eq!(moved["progress"]["lessonsCompleted"], 1);
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(detail["revision"], 2);
        assert_eq!(state_of(&detail, &keys[0]), "completed");
    }
}

on_both_backends! {
    settings = [("ACADEMY_VIDEO_HOSTS", "video.example.org")];
    async fn watching_the_tutorial_to_the_end_completes_its_lesson(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let tutorial = short_tutorial(&app, &author, &coordinator).await;
        let created = published(&app, &author, &coordinator, course("Video-Impuls", json!([
            {"title": "Ansehen", "lessons": [
                {"title": "Beteiligung im Quartier", "kind": "tutorial", "tutorialId": tutorial.clone()}
            ]}
        ])))
        .await;
        assert_eq!(created["modules"][0]["lessons"][0]["completion"], "tutorial");
        let course_id = str_of(&created["id"]).to_owned();
        let keys = lesson_keys(&created);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();

        // Opening it starts it; it is completed by watching, not by hand.
        let detail = json_body(lesson_event(&app, &learner, &enrolment_id, &keys[0], "view").await, StatusCode::OK).await;
        assert_eq!(state_of(&detail, &keys[0]), "started");
        problem(lesson_event(&app, &learner, &enrolment_id, &keys[0], "done").await, StatusCode::CONFLICT, "not_done_by_hand").await;

        // Ten seconds fit the first report's allowance: watched to the end.
        let progress = json_body(
            send(&app, Method::POST, &format!("/api/v1/tutorials/{tutorial}/progress"), &learner.access, Some(json!({"segments": [{"from": 0, "to": 10}]}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(progress["completed"], true, "{progress}");
        let detail = enrolment(&app, &learner, &enrolment_id).await;
        assert_eq!(state_of(&detail, &keys[0]), "completed");
        assert_eq!(detail["state"], "completed");
        assert_eq!(detail["progress"]["percent"], 100);
    }
}

on_both_backends! {
    async fn courses_need_a_token_the_right_role_and_an_existing_course(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let municipality = app.some_municipality().await;
        let learner = app.user_in(&[Role::Learner], None, Some(municipality)).await;
        let body = course("Für alle", json!([
            {"title": "Einstieg", "lessons": [text_lesson("Lesen", "Beteiligung beginnt früh.")]}
        ]));
        let created = published(&app, &author, &coordinator, body.clone()).await;
        let course_id = str_of(&created["id"]).to_owned();

        // Without a token: 401.
        let anonymous = app
            .request(Method::POST, &format!("/api/v1/courses/{course_id}/enrolments"))
            .send()
            .await
            .unwrap();
        problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        problem(app.get("/api/v1/me/courses").await, StatusCode::UNAUTHORIZED, "unauthorized").await;

        // Learners neither write courses nor enrol teams.
        problem(send(&app, Method::POST, "/api/v1/courses", &learner.access, Some(body)).await, StatusCode::FORBIDDEN, "forbidden").await;
        problem(
            send(&app, Method::PUT, &format!("/api/v1/courses/{course_id}/teams/{municipality}"), &learner.access, None).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_eq!(my_courses(&app, &learner).await["total"], 0);

        // Unknown ids: 404.
        let unknown = uuid::Uuid::now_v7();
        problem(app.get(&format!("/api/v1/courses/{unknown}")).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/courses/{unknown}"), &learner.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::POST, &format!("/api/v1/courses/{unknown}/enrolments"), &learner.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/enrolments/{unknown}"), &learner.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
        problem(send(&app, Method::GET, &format!("/api/v1/attempts/{unknown}"), &learner.access, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

on_both_backends! {
    async fn answers_after_the_deadline_and_its_grace_are_refused_and_what_was_saved_in_time_counts(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let created = published(&app, &author, &coordinator, course("Mit Zeitlimit", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Kurzes Quiz", json!({"timeLimitMinutes": 5, "passMark": 50, "questions": [
                {"type": "true_false", "prompt": "Beteiligung beginnt früh.", "correct": true},
                {"type": "true_false", "prompt": "Beteiligung endet nie.", "correct": false}
            ]}))]}
        ]))).await;
        let course_id = str_of(&created["id"]).to_owned();
        let quiz = lesson_keys(&created).remove(0);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();
        let attempt = json_body(start(&app, &learner, &enrolment_id, &quiz).await, StatusCode::CREATED).await;
        let attempt_id = str_of(&attempt["id"]).to_owned();
        // The deadline is the server's: five minutes from the start.
        let started: chrono::DateTime<chrono::Utc> = str_of(&attempt["startedAt"]).parse().unwrap();
        let deadline: chrono::DateTime<chrono::Utc> = str_of(&attempt["deadlineAt"]).parse().unwrap();
        assert_eq!(deadline - started, chrono::Duration::minutes(5));

        let questions = answer_key(&app, &author, &course_id, &quiz).await;
        let first = str_of(&questions[0]["key"]).to_owned();
        let second = str_of(&questions[1]["key"]).to_owned();
        let saved = send(&app, Method::PUT, &format!("/api/v1/attempts/{attempt_id}/answers"), &learner.access,
            Some(json!({"answers": {first.clone(): true}}))).await;
        json_body(saved, StatusCode::OK).await;

        // The time runs out (the deadline moved into the past, beyond the grace).
        use academy_courses::entity::course_quiz_attempt;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        course_quiz_attempt::Entity::update_many()
            .col_expr(course_quiz_attempt::Column::DeadlineAt, Expr::value(chrono::Utc::now() - chrono::Duration::minutes(2)))
            .filter(course_quiz_attempt::Column::Id.eq(uuid::Uuid::parse_str(&attempt_id).unwrap()))
            .exec(&app.db)
            .await
            .unwrap();
        let late = send(&app, Method::PUT, &format!("/api/v1/attempts/{attempt_id}/answers"), &learner.access,
            Some(json!({"answers": {second.clone(): false}}))).await;
        problem(late, StatusCode::CONFLICT, "time_up").await;
        problem(submit(&app, &learner, &attempt_id, json!({second.clone(): false})).await, StatusCode::CONFLICT, "time_up").await;
        // Submitted without answers, what was saved in time is scored: one of two, passed at 50 %.
        let scored = json_body(submit(&app, &learner, &attempt_id, json!({})).await, StatusCode::OK).await;
        assert_eq!(scored["score"], 1.0, "{scored}");
        assert_eq!(scored["passed"], true);
        assert_eq!(scored["answers"], json!({first: true}));
    }
}

on_both_backends! {
    async fn an_attempt_draws_its_questions_once_and_shows_them_the_same_on_every_read(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let questions: Vec<Value> = (1..=8)
            .map(|n| json!({"type": "true_false", "prompt": format!("Aussage {n}"), "correct": n % 2 == 0}))
            .collect();
        let created = published(&app, &author, &coordinator, course("Aus dem Pool", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Gezogene Fragen", json!({
                "draw": 3, "shuffleQuestions": true, "questions": questions
            }))]}
        ]))).await;
        let course_id = str_of(&created["id"]).to_owned();
        let quiz = lesson_keys(&created).remove(0);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();
        let first = json_body(start(&app, &learner, &enrolment_id, &quiz).await, StatusCode::CREATED).await;
        assert_eq!(first["questions"].as_array().unwrap().len(), 3, "{first}");
        assert_eq!(first["maxScore"], 3.0);
        let again = json_body(start(&app, &learner, &enrolment_id, &quiz).await, StatusCode::OK).await;
        let read = json_body(
            send(&app, Method::GET, &format!("/api/v1/attempts/{}", str_of(&first["id"])), &learner.access, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(again["questions"], first["questions"]);
        assert_eq!(read["questions"], first["questions"]);
        // The course shows how many an attempt asks, not which.
        let public = json_body(app.get(&format!("/api/v1/courses/{course_id}")).await, StatusCode::OK).await;
        assert_eq!(public["modules"][0]["lessons"][0]["quiz"]["questions"], 3);
    }
}

on_both_backends! {
    async fn a_regrade_changes_no_score_until_it_is_confirmed_and_keeps_the_score_before(app: TestApp) {
        let author = author(&app).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let learner = app.user(&[Role::Learner]).await;
        let quiz_of = |correct: bool| course("Nachbewertung", json!([
            {"title": "Prüfen", "lessons": [quiz_lesson("Eine Frage", json!({"passMark": 100, "questions": [
                {"type": "true_false", "prompt": "Der Quartiersrat tagt öffentlich.", "correct": correct}
            ]}))]}
        ]));
        let created = published(&app, &author, &coordinator, quiz_of(true)).await;
        let course_id = str_of(&created["id"]).to_owned();
        let quiz = lesson_keys(&created).remove(0);
        let enrolment_id = str_of(&enrol(&app, &learner, &course_id).await["id"]).to_owned();
        let attempt = json_body(start(&app, &learner, &enrolment_id, &quiz).await, StatusCode::CREATED).await;
        let question = str_of(&attempt["questions"][0]["key"]).to_owned();
        let attempt_id = str_of(&attempt["id"]).to_owned();
        let failed = json_body(submit(&app, &learner, &attempt_id, json!({question.clone(): false})).await, StatusCode::OK).await;
        assert_eq!(failed["passed"], false);

        // The key was wrong: the author corrects it in a new revision (same keys).
        let path = format!("/api/v1/courses/{course_id}");
        let response = send(&app, Method::GET, &format!("{path}?revision=working"), &author.access, None).await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let current = json_body(response, StatusCode::OK).await;
        let mut body = quiz_of(false);
        body["modules"][0]["key"] = current["modules"][0]["key"].clone();
        body["modules"][0]["lessons"][0]["key"] = current["modules"][0]["lessons"][0]["key"].clone();
        body["modules"][0]["lessons"][0]["quiz"]["questions"][0]["key"] = json!(question);
        let edited = app.authed(Method::PUT, &path, &author.access).header("if-match", etag).json(&body).send().await.unwrap();
        json_body(edited, StatusCode::OK).await;
        publish(&app, &author, &coordinator, &course_id).await;
        // Editing changed nothing of the attempt.
        let read = json_body(send(&app, Method::GET, &format!("/api/v1/attempts/{attempt_id}"), &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(read["score"], 0.0);

        let regrade = format!("/api/v1/courses/{course_id}/quizzes/{quiz}/regrade");
        problem(send(&app, Method::POST, &regrade, &author.access, None).await, StatusCode::FORBIDDEN, "forbidden").await;
        let dry = json_body(send(&app, Method::POST, &regrade, &coordinator.access, None).await, StatusCode::OK).await;
        assert_eq!(dry.as_array().unwrap().len(), 1, "{dry}");
        assert_eq!(dry[0]["scoreBefore"], 0.0);
        assert_eq!(dry[0]["scoreAfter"], 1.0);
        assert_eq!(dry[0]["passedAfter"], true);
        let read = json_body(send(&app, Method::GET, &format!("/api/v1/attempts/{attempt_id}"), &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(read["score"], 0.0, "a dry run writes nothing");

        let applied = json_body(
            send(&app, Method::POST, &regrade, &coordinator.access, Some(json!({"dryRun": false}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(applied, dry);
        let read = json_body(send(&app, Method::GET, &format!("/api/v1/attempts/{attempt_id}"), &learner.access, None).await, StatusCode::OK).await;
        assert_eq!(read["score"], 1.0);
        assert_eq!(read["passed"], true);
        assert_eq!(read["scoreBeforeRegrade"], 0.0);
        assert!(read["regradedAt"].is_string());
    }
}

const PNG: &[u8] = include_bytes!("../../crates/files/tests/fixtures/poster.png");
const JPEG: &[u8] = include_bytes!("../../crates/files/tests/fixtures/poster.jpg");

/// A raw upload.
async fn put_image(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Response {
    app.authed(Method::PUT, path, token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn the_cover_is_judged_by_its_content_replaced_shown_and_removed_with_the_course(app: TestApp) {
        let author = author(&app).await;
        let other_author = app.user_in(&[Role::Author], Some(app.organisation("Verein Nachbarn").await), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let created = create(&app, &author, course("Mit Titelbild", json!([{"title": "Eins", "lessons": [text_lesson("Lesen", "Text.")]}]))).await;
        let id = str_of(&created["id"]).to_owned();
        let cover = format!("/api/v1/courses/{id}/cover");
        assert!(created["cover"].is_null(), "{created}");

        // Refusals leave nothing in the store.
        let body = json_body(put_image(&app, &author.access, &cover, "image/png", b"not a picture at all".to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(has_error(&body, "file", "type_not_allowed"), "{body}");
        let body = json_body(put_image(&app, &author.access, &format!("{cover}?alt=Zeile%0AZeile"), "image/png", PNG.to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(has_error(&body, "alt", "control_character"), "{body}");
        let long = "a".repeat(301);
        let body = json_body(put_image(&app, &author.access, &format!("{cover}?alt={long}"), "image/png", PNG.to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(has_error(&body, "alt", "too_long"), "{body}");
        let body = json_body(put_image(&app, &author.access, &cover, "text/plain", PNG.to_vec()).await, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        assert_eq!(body["code"], "unsupported_media_type");
        let mut huge = PNG.to_vec();
        huge.resize(5 * 1024 * 1024 + 1, 0);
        assert_eq!(put_image(&app, &author.access, &cover, "image/png", huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // The draft is its editors' alone.
        let body = json_body(put_image(&app, &other_author.access, &cover, "image/png", PNG.to_vec()).await, StatusCode::NOT_FOUND).await;
        assert_eq!(body["code"], "not_found");
        assert_eq!(app.stored_files(), 0);

        // A PNG with its text alternative; its header gives the size.
        let set = json_body(put_image(&app, &author.access, &format!("{cover}?alt=%20Menschen%20im%20Quartier%20"), "image/png", PNG.to_vec()).await, StatusCode::OK).await;
        assert_eq!((set["width"].clone(), set["height"].clone(), set["mediaType"].clone(), set["alt"].clone()), (json!(48), json!(32), json!("image/png"), json!("Menschen im Quartier")));
        assert_eq!(app.stored_files(), 1);
        let first_url = str_of(&set["url"]).to_owned();
        let shown = json_body(send(&app, Method::GET, &format!("/api/v1/courses/{id}"), &author.access, None).await, StatusCode::OK).await;
        assert_eq!(shown["cover"], set);
        let download = send(&app, Method::GET, &first_url, &author.access, None).await;
        assert_eq!(download.status(), StatusCode::OK);
        assert_eq!(download.headers()["content-type"], "image/png");
        let etag = download.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);
        let again = app.authed(Method::GET, &first_url, &author.access).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        // Nobody else sees the draft's picture.
        assert_eq!(app.get(&first_url).await.status(), StatusCode::NOT_FOUND);

        // A JPEG replaces it: one stored picture, a new address, the old one gone.
        let replaced = json_body(put_image(&app, &author.access, &cover, "image/jpeg", JPEG.to_vec()).await, StatusCode::OK).await;
        assert_eq!((replaced["mediaType"].clone(), replaced["width"].clone(), replaced["alt"].clone()), (json!("image/jpeg"), json!(40), json!("")));
        assert_ne!(replaced["url"], set["url"]);
        assert_eq!(app.stored_files(), 1);
        assert_eq!(send(&app, Method::GET, &first_url, &author.access, None).await.status(), StatusCode::NOT_FOUND);

        // Published, everyone sees it, in the list too; another organisation may not change it.
        publish(&app, &author, &coordinator, &id).await;
        let url = str_of(&replaced["url"]).to_owned();
        let public = app.get(&url).await;
        assert_eq!(public.status(), StatusCode::OK);
        assert_eq!(public.bytes().await.unwrap().as_ref(), JPEG);
        let list = json_body(app.get("/api/v1/courses").await, StatusCode::OK).await;
        assert_eq!(list["items"][0]["cover"], replaced, "{list}");
        let catalogue = json_body(app.get("/api/v1/catalogue?type=course").await, StatusCode::OK).await;
        assert_eq!(catalogue["items"][0]["course"]["cover"], replaced, "{catalogue}");
        let body = json_body(put_image(&app, &other_author.access, &cover, "image/png", PNG.to_vec()).await, StatusCode::FORBIDDEN).await;
        assert_eq!(body["code"], "forbidden");

        // Removed: gone from the course and the store; removing again is a 404.
        assert_eq!(send(&app, Method::DELETE, &cover, &author.access, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.stored_files(), 0);
        assert!(json_body(app.get(&format!("/api/v1/courses/{id}")).await, StatusCode::OK).await["cover"].is_null());
        let catalogue = json_body(app.get("/api/v1/catalogue?type=course").await, StatusCode::OK).await;
        assert!(catalogue["items"][0]["course"]["cover"].is_null(), "the catalogue follows a removed cover: {catalogue}");
        assert_eq!(send(&app, Method::DELETE, &cover, &author.access, None).await.status(), StatusCode::NOT_FOUND);

        // Archived courses keep theirs unchanged; deleting the course removes the picture.
        json_body(put_image(&app, &author.access, &cover, "image/webp", include_bytes!("../../crates/files/tests/fixtures/poster.webp").to_vec()).await, StatusCode::OK).await;
        assert_eq!(app.stored_files(), 1);
        json_body(send(&app, Method::POST, &format!("/api/v1/courses/{id}/archive"), &coordinator.access, None).await, StatusCode::OK).await;
        let body = json_body(put_image(&app, &author.access, &cover, "image/png", PNG.to_vec()).await, StatusCode::CONFLICT).await;
        assert_eq!(body["code"], "already_archived");
        assert_eq!(app.stored_files(), 1);
        assert_eq!(send(&app, Method::DELETE, &format!("/api/v1/courses/{id}"), &coordinator.access, None).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.stored_files(), 0);
    }
}
