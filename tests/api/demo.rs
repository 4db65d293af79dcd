//! `academy seed-demo`: the demo academy works over HTTP at once, with the credentials it
//! reports; a second run changes nothing; a database with real content (an account, a
//! tutorial) is refused.

use academy_auth::Role;
use academy_server::demo::{self, Outcome, Refusal};
use academy_tests::*;
use chrono::{Duration, Utc};
use reqwest::Method;

/// Seeds the app's database as `academy seed-demo` does and returns what it reports.
async fn seed(app: &TestApp) -> demo::Report {
    match demo::run(&app.config(), demo::DEMO_PASSWORD)
        .await
        .expect("the seed runs")
    {
        Outcome::Seeded(report) => report,
        other => panic!("expected a seeded demo, got {other:?}"),
    }
}

/// Signs in with the reported credentials of the first account of `role`; its access token.
async fn sign_in(app: &TestApp, report: &demo::Report, role: Role) -> String {
    let account = report
        .accounts
        .iter()
        .find(|a| a.role == role)
        .unwrap_or_else(|| panic!("no demo account of role {role}"));
    let tokens = app.login(&account.email, &account.password).await;
    tokens["accessToken"].as_str().unwrap().to_owned()
}

/// Counts of what a visitor and an administrator see: accounts, organisations,
/// municipalities, public guides and tutorials, offers, and slots from `from` on.
async fn counts(app: &TestApp, admin: &str, from: &str) -> Vec<Value> {
    let slots = format!("/api/v1/consultation-slots?includeFull=true&from={from}");
    let mut counts = Vec::new();
    for (path, token) in [
        ("/api/v1/users", Some(admin)),
        ("/api/v1/organisations", None),
        ("/api/v1/municipalities", None),
        ("/api/v1/guides", None),
        ("/api/v1/tutorials", None),
        ("/api/v1/courses", None),
        ("/api/v1/consultation-offers", None),
        (slots.as_str(), None),
    ] {
        let mut request = app.request(Method::GET, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let page = json_body(request.send().await.unwrap(), StatusCode::OK).await;
        counts.push(page["total"].clone());
    }
    counts
}

on_both_backends! {
    async fn the_demo_academy_works_at_once_and_a_second_seed_changes_nothing(app: TestApp) {
        let report = seed(&app).await;

        // Every role signs in with the reported credentials and holds its role.
        for role in Role::ALL {
            let token = sign_in(&app, &report, role).await;
            let me = json_body(
                app.authed(Method::GET, "/api/v1/me", &token).send().await.unwrap(),
                StatusCode::OK,
            )
            .await;
            assert_eq!(me["roles"], json!([role.as_str()]), "{me}");
            assert_eq!(me["emailVerified"], true, "{me}");
            if role == Role::Learner {
                assert_eq!(me["municipalityStatus"], "confirmed", "{me}");
            }
        }

        // Anyone finds the published guides, with their taxonomy, and the template file.
        let guides = json_body(app.get("/api/v1/guides?limit=100").await, StatusCode::OK).await;
        let items = guides["items"].as_array().unwrap();
        assert!((3..=5).contains(&items.len()), "{guides}");
        assert_eq!(items.len(), report.guides.len());
        for guide in items {
            assert_eq!(guide["status"], "published", "{guide}");
            assert_eq!(guide["language"], "de", "{guide}");
            assert!(!guide["fieldsOfAction"].as_array().unwrap().is_empty(), "{guide}");
            assert!(!guide["themes"].as_array().unwrap().is_empty(), "{guide}");
        }
        let mut files = Vec::new();
        for guide in items {
            let slug = guide["slug"].as_str().unwrap();
            let listed = json_body(
                app.get(&format!("/api/v1/guides/{slug}/attachments")).await,
                StatusCode::OK,
            )
            .await;
            files.extend(listed.as_array().unwrap().iter().cloned());
        }
        assert_eq!(files.len(), report.attachments);
        let file = files.first().expect("a guide with a file");
        let download = app.get(file["downloadUrl"].as_str().unwrap()).await;
        assert_eq!(download.status(), StatusCode::OK);
        assert!(download.text().await.unwrap().contains("Quartiersbeirat"));

        // Anyone finds the published course over a demo guide and tutorial, with a quiz
        // whose questions only its editors see; a demo learner enrols in it.
        let courses = json_body(app.get("/api/v1/courses").await, StatusCode::OK).await;
        assert_eq!(courses["total"], 1, "{courses}");
        assert_eq!(json!([courses["items"][0]["slug"].clone()]), json!(report.courses));
        let course = json_body(
            app.get(&format!("/api/v1/courses/{}", report.courses[0])).await,
            StatusCode::OK,
        )
        .await;
        let kinds: Vec<&Value> = course["modules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["lessons"].as_array().unwrap())
            .map(|l| &l["kind"])
            .collect();
        assert_eq!(kinds, [&json!("text"), &json!("guide"), &json!("tutorial"), &json!("quiz")]);
        assert!(!course.to_string().contains("quizQuestions"), "{course}");
        let learner = sign_in(&app, &report, Role::Learner).await;
        let enrolled = app
            .authed(Method::POST, &format!("/api/v1/courses/{}/enrolments", report.courses[0]), &learner)
            .send()
            .await
            .unwrap();
        assert_eq!(enrolled.status(), StatusCode::CREATED);

        // Anyone finds the published tutorials, each with approved German captions,
        // chapters, speakers, a licence, related demo guides and a video on the demo host.
        let guide_ids: Vec<&Value> = items.iter().map(|g| &g["id"]).collect();
        let tutorials = json_body(app.get("/api/v1/tutorials?limit=100").await, StatusCode::OK).await;
        let listed = tutorials["items"].as_array().unwrap();
        assert_eq!(tutorials["total"], 3, "{tutorials}");
        assert_eq!(listed.len(), report.tutorials.len());
        for summary in listed {
            assert_eq!(summary["status"], "published", "{summary}");
            assert_eq!(summary["captions"], true, "{summary}");
            let slug = summary["slug"].as_str().unwrap();
            assert!(report.tutorials.iter().any(|s| s == slug), "{slug}");
            let tutorial = json_body(
                app.get(&format!("/api/v1/tutorials/{slug}")).await,
                StatusCode::OK,
            )
            .await;
            assert_eq!(tutorial["accessibility"]["captions"], true, "{tutorial}");
            assert_eq!(tutorial["language"], "de", "{tutorial}");
            assert_eq!(tutorial["licence"], "CC-BY-4.0", "{tutorial}");
            assert!(!tutorial["speakers"].as_array().unwrap().is_empty(), "{tutorial}");
            assert!((2..=4).contains(&tutorial["chapters"].as_array().unwrap().len()), "{tutorial}");
            assert!(!tutorial["themes"].as_array().unwrap().is_empty(), "{tutorial}");
            let related = tutorial["relatedGuides"].as_array().unwrap();
            assert!(!related.is_empty(), "{tutorial}");
            assert!(related.iter().all(|id| guide_ids.contains(&id)), "{tutorial}");
            let sources = tutorial["sources"].as_array().unwrap();
            assert!(
                sources.iter().any(|s| s["role"] == "main"
                    && s["url"].as_str().unwrap().starts_with("https://video.example.org/")),
                "{tutorial}"
            );
            // Visitors get the approved tracks only; the captions file is served.
            let tracks = tutorial["tracks"].as_array().unwrap();
            assert!(tracks.iter().all(|t| t["status"] == "approved"), "{tutorial}");
            let captions = tracks
                .iter()
                .find(|t| t["kind"] == "captions" && t["language"] == "de")
                .unwrap_or_else(|| panic!("no German captions: {tutorial}"));
            let vtt = app.get(captions["url"].as_str().unwrap()).await;
            assert_eq!(vtt.status(), StatusCode::OK);
            assert!(vtt.text().await.unwrap().starts_with("WEBVTT"));
        }

        // One tutorial has a German Sign Language video and audio description: level AA.
        let signed = json_body(
            app.get("/api/v1/tutorials?signLanguage=true").await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(signed["total"], 1, "{signed}");
        let slug = signed["items"][0]["slug"].as_str().unwrap();
        let tutorial = json_body(
            app.get(&format!("/api/v1/tutorials/{slug}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(tutorial["accessibility"]["signLanguage"], true, "{tutorial}");
        assert_eq!(tutorial["accessibility"]["meetsAa"], true, "{tutorial}");

        // The English subtitles wait for their check: the coordinating office sees them.
        let coordinator = sign_in(&app, &report, Role::Coordinator).await;
        let mut drafts = Vec::new();
        for summary in listed {
            let tutorial = json_body(
                app.authed(
                    Method::GET,
                    &format!("/api/v1/tutorials/{}", summary["slug"].as_str().unwrap()),
                    &coordinator,
                )
                .send()
                .await
                .unwrap(),
                StatusCode::OK,
            )
            .await;
            drafts.extend(
                tutorial["tracks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| t["status"] == "draft")
                    .map(|t| (t["kind"].clone(), t["language"].clone())),
            );
        }
        assert_eq!(drafts, vec![(json!("subtitles"), json!("en"))]);

        // Anyone finds free slots in the coming weeks; a learner books one.
        let from = (Utc::now() + Duration::days(2))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let slots = json_body(
            app.get(&format!("/api/v1/consultation-slots?from={from}&limit=100")).await,
            StatusCode::OK,
        )
        .await;
        assert!(slots["total"].as_u64().unwrap() > 0, "{slots}");
        let slot = slots["items"][0]["id"].as_str().unwrap();
        let learner = sign_in(&app, &report, Role::Learner).await;
        let booked = app
            .authed(
                Method::POST,
                &format!("/api/v1/consultation-slots/{slot}/bookings"),
                &learner,
            )
            .json(&json!({"concern": "Wir möchten einen Quartiersbeirat gründen."}))
            .send()
            .await
            .unwrap();
        let booking = json_body(booked, StatusCode::CREATED).await;
        assert!(["confirmed", "pending"].contains(&booking["status"].as_str().unwrap()), "{booking}");

        // A second run changes nothing and says so.
        let admin = sign_in(&app, &report, Role::Admin).await;
        let before = counts(&app, &admin, &from).await;
        let again = demo::run(&app.config(), demo::DEMO_PASSWORD).await.unwrap();
        let Outcome::AlreadySeeded(earlier) = again else {
            panic!("expected the demo to be there already, got {again:?}");
        };
        let listed: Vec<(Role, String)> =
            report.accounts.iter().map(|a| (a.role, a.email.clone())).collect();
        assert_eq!(earlier.accounts, listed);
        assert_eq!(counts(&app, &admin, &from).await, before);
    }
}

on_both_backends! {
    async fn seeding_a_database_with_an_account_made_outside_the_demo_is_refused(app: TestApp) {
        app.user(&[Role::Learner]).await;

        let outcome = demo::run(&app.config(), demo::DEMO_PASSWORD).await.unwrap();
        let Outcome::Refused(refusal) = outcome else {
            panic!("expected a refusal, got {outcome:?}");
        };
        assert_eq!(refusal, Refusal::RealContent(vec![("accounts", 1)]));
        assert!(refusal.to_string().contains("(accounts: 1)"), "{refusal}");

        // Nothing of the demo was made.
        let organisations = json_body(app.get("/api/v1/organisations").await, StatusCode::OK).await;
        assert_eq!(organisations["total"], 0);
        let demo_admin = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": "demo-admin@example.org", "password": demo::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(demo_admin.status(), StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn seeding_a_database_with_a_tutorial_made_outside_the_demo_is_refused(app: TestApp) {
        let organisation = app.organisation("Bürgerverein Nordstadt e. V.").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let created = app
            .authed(Method::POST, "/api/v1/tutorials", &author.access)
            .json(&json!({
                "title": "Nachbarschaftsfest planen",
                "summary": "Ein Impuls zum ersten Fest im Quartier.",
                "durationSeconds": 180,
                "kind": "impulse",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);

        let outcome = demo::run(&app.config(), demo::DEMO_PASSWORD).await.unwrap();
        let Outcome::Refused(refusal) = outcome else {
            panic!("expected a refusal, got {outcome:?}");
        };
        assert_eq!(
            refusal,
            Refusal::RealContent(vec![("accounts", 1), ("organisations", 1), ("tutorials", 1)])
        );
        assert!(refusal.to_string().contains("tutorials: 1"), "{refusal}");

        // Nothing of the demo was made.
        let tutorials = json_body(app.get("/api/v1/tutorials").await, StatusCode::OK).await;
        assert_eq!(tutorials["total"], 0);
        let guides = json_body(app.get("/api/v1/guides").await, StatusCode::OK).await;
        assert_eq!(guides["total"], 0);
    }
}
