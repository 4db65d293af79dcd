//! Course reports (counts only; a contact person sees their municipality's) and the
//! course mails: enrolment and the reminder before the due date.

use academy_auth::Role;
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;

/// A published course of a text lesson (viewed) and a one-question quiz; its id and
/// the lessons' keys.
async fn course(app: &TestApp) -> (String, Vec<String>) {
    let organisation = app.organisation("Stiftung Berichte").await;
    let author = app.user_in(&[Role::Author], Some(organisation), None).await;
    let coordinator = app.user(&[Role::Coordinator]).await;
    let body = json!({
        "title": "Quartiersarbeit kompakt",
        "summary": "Zwei Lektionen.",
        "estimatedHours": 2,
        "fieldsOfAction": ["activation-participation"],
        "modules": [{"title": "Einstieg", "lessons": [
            {"title": "Lesen", "kind": "text", "body": "Beteiligung beginnt früh."},
            {"title": "Quiz", "kind": "quiz", "quiz": {"passMark": 100, "questions": [
                {"type": "true_false", "prompt": "Beteiligung beginnt früh.", "correct": true},
                {"type": "true_false", "prompt": "Beteiligung endet nie.", "correct": false}
            ]}}
        ]}]
    });
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
    let keys = created["modules"][0]["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        app.authed(
            Method::POST,
            &format!("/api/v1/courses/{id}/submit"),
            &author.access
        )
        .send()
        .await
        .unwrap()
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.authed(
            Method::POST,
            &format!("/api/v1/courses/{id}/publish"),
            &coordinator.access
        )
        .send()
        .await
        .unwrap()
        .status(),
        StatusCode::OK
    );
    (id, keys)
}

async fn enrol(app: &TestApp, learner: &TestUser, course: &str) -> String {
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
    enrolment["id"].as_str().unwrap().to_owned()
}

/// The learner answers the quiz: both right, or only the first.
async fn take_quiz(
    app: &TestApp,
    learner: &TestUser,
    enrolment: &str,
    quiz: &str,
    all_right: bool,
) {
    let attempt = json_body(
        app.authed(
            Method::POST,
            &format!("/api/v1/enrolments/{enrolment}/lessons/{quiz}/attempts"),
            &learner.access,
        )
        .send()
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let mut answers = serde_json::Map::new();
    for question in attempt["questions"].as_array().unwrap() {
        let right = question["prompt"] == "Beteiligung beginnt früh.";
        answers.insert(
            question["key"].as_str().unwrap().to_owned(),
            json!(if all_right { right } else { true }),
        );
    }
    let submitted = app
        .authed(
            Method::POST,
            &format!(
                "/api/v1/attempts/{}/submit",
                attempt["id"].as_str().unwrap()
            ),
            &learner.access,
        )
        .json(&json!({"answers": answers}))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), StatusCode::OK);
}

on_both_backends! {
    async fn reports_count_per_course_municipality_and_field_of_action_and_a_contact_person_sees_their_own(app: TestApp) {
        let (course, keys) = course(&app).await;
        let here = app.some_municipality().await;
        let there = app.municipality("Beispielstadt an der Lahn", "06999001").await;
        // Here: one completes (quiz 100 %), one fails the quiz (50 %); there: one only enrols.
        let finisher = app.learner(here).await;
        let enrolment = enrol(&app, &finisher, &course).await;
        let view = app.authed(Method::POST, &format!("/api/v1/enrolments/{enrolment}/lessons/{}/view", keys[0]), &finisher.access).send().await.unwrap();
        assert_eq!(view.status(), StatusCode::OK);
        take_quiz(&app, &finisher, &enrolment, &keys[1], true).await;
        let trier = app.learner(here).await;
        let enrolment = enrol(&app, &trier, &course).await;
        take_quiz(&app, &trier, &enrolment, &keys[1], false).await;
        let newcomer = app.learner(there).await;
        enrol(&app, &newcomer, &course).await;

        let coordinator = app.user(&[Role::Coordinator]).await;
        let get = |token: String, query: &'static str| {
            let app = &app;
            async move { app.authed(Method::GET, &format!("/api/v1/course-reports{query}"), &token).send().await.unwrap() }
        };
        let rows = json_body(get(coordinator.access.clone(), "").await, StatusCode::OK).await;
        let row = rows.as_array().unwrap().iter().find(|r| r["key"] == json!(course)).expect("the course's row").clone();
        assert_eq!(row["name"], "Quartiersarbeit kompakt");
        assert_eq!(row["enrolled"], 3);
        assert_eq!(row["inProgress"], 1, "{row}");
        assert_eq!(row["completed"], 1);
        assert_eq!(row["certified"], 1);
        assert_eq!(row["quizAttempts"], 2);
        assert_eq!(row["averageQuizScore"], 75.0);

        let rows = json_body(get(coordinator.access.clone(), "?groupBy=municipality").await, StatusCode::OK).await;
        let count = |key: uuid::Uuid| rows.as_array().unwrap().iter().find(|r| r["key"] == json!(key)).map(|r| r["enrolled"].clone());
        assert_eq!(count(here), Some(json!(2)));
        assert_eq!(count(there), Some(json!(1)));

        let rows = json_body(get(coordinator.access.clone(), "?groupBy=field_of_action").await, StatusCode::OK).await;
        assert_eq!(rows[0]["key"], "activation-participation");
        assert_eq!(rows[0]["enrolled"], 3);

        let csv = get(coordinator.access.clone(), "?groupBy=municipality&format=csv").await;
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        assert!(text.starts_with("municipality,name,enrolled,in_progress,completed,certified"), "{text}");
        assert!(!text.contains(&finisher.email), "counts only");

        // A contact person: their municipality only, counts only.
        let contact = app.user_in(&[Role::ContactPerson], None, Some(here)).await;
        let rows = json_body(get(contact.access.clone(), "").await, StatusCode::OK).await;
        let row = rows.as_array().unwrap().iter().find(|r| r["key"] == json!(course)).unwrap().clone();
        assert_eq!(row["enrolled"], 2);
        let other = app.authed(Method::GET, &format!("/api/v1/course-reports?municipality={there}"), &contact.access).send().await.unwrap();
        problem(other, StatusCode::FORBIDDEN, "forbidden").await;
        let learner = get(finisher.access.clone(), "").await;
        problem(learner, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

on_both_backends! {
    async fn an_enrolment_is_mailed_once_and_its_due_date_reminded_once(app: TestApp) {
        let (course, _) = course(&app).await;
        let learner = app.learner(app.some_municipality().await).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let due = Utc::now() + Duration::days(2);
        let enrolled = app
            .authed(Method::POST, &format!("/api/v1/courses/{course}/enrolments"), &coordinator.access)
            .json(&json!({"userId": learner.id, "dueAt": due}))
            .send()
            .await
            .unwrap();
        let enrolled = json_body(enrolled, StatusCode::CREATED).await;
        assert_eq!(enrolled["source"], "coordinator");

        let settings = app.config().courses;
        assert_eq!(academy_courses::scheduler::mail_enrolments(&app.db, &settings, Utc::now()).await.unwrap(), 1);
        assert_eq!(academy_courses::scheduler::mail_enrolments(&app.db, &settings, Utc::now()).await.unwrap(), 0);
        let mail = app.mail.wait_for(&learner.email).await;
        assert_eq!(mail.subject, "Angemeldet: Quartiersarbeit kompakt");
        assert!(mail.text.contains("Bitte schließen Sie ihn bis zum"), "{}", mail.text);

        assert_eq!(academy_courses::scheduler::remind_due(&app.db, &settings, Utc::now()).await.unwrap(), 1);
        assert_eq!(academy_courses::scheduler::remind_due(&app.db, &settings, Utc::now()).await.unwrap(), 0);
        // Submission and publication went to the author and the coordinating office before.
        let mails = app.mail.wait_for_count(4).await;
        assert!(mails.iter().any(|m| m.subject.starts_with("Erinnerung: Quartiersarbeit kompakt")), "{:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>());
    }
}
