//! Whatever a client sends, the answer is a bounded problem document in our own words:
//! numbers in query strings are bounded and declared, answers to faulty requests stay
//! short, and type errors in bodies name the field path.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

/// Every list that pages, with whether it needs a signed-in coordinator and administrator.
const LISTS: [(&str, bool); 8] = [
    ("/api/v1/organisations", false),
    ("/api/v1/municipalities", false),
    ("/api/v1/guides", false),
    ("/api/v1/consultation-offers", false),
    ("/api/v1/consultation-slots", false),
    ("/api/v1/users", true),
    ("/api/v1/audit-log", true),
    ("/api/v1/consultation-bookings", true),
];

on_both_backends! {
    async fn out_of_range_page_numbers_are_422_naming_the_parameter(app: TestApp) {
        let admin = app.user(&[Role::Admin, Role::Coordinator]).await;
        let bad = [
            ("offset=9223372036854775808", "offset"),
            ("offset=18446744073709551616", "offset"),
            ("offset=99999999999999999999999", "offset"),
            ("offset=1000001", "offset"),
            ("offset=-1", "offset"),
            ("limit=-5", "limit"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=18446744073709551615", "limit"),
            ("limit=ten", "limit"),
        ];
        for (path, signed_in) in LISTS {
            for (query, field) in bad {
                let url = format!("{path}?{query}");
                let request = if signed_in {
                    app.authed(Method::GET, &url, &admin.access)
                } else {
                    app.request(Method::GET, &url)
                };
                let response = request.send().await.unwrap_or_else(|e| panic!("{url}: no answer: {e}"));
                let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
                assert_eq!(body["errors"][0]["field"], field, "{url}: {body}");
            }
            // The deepest offset allowed still answers, with an empty page.
            let url = format!("{path}?offset=1000000&limit=100");
            let request = if signed_in {
                app.authed(Method::GET, &url, &admin.access)
            } else {
                app.request(Method::GET, &url)
            };
            let page = json_body(request.send().await.unwrap(), StatusCode::OK).await;
            assert_eq!(page["items"], json!([]), "{url}");
            assert_eq!(page["offset"], 1_000_000, "{url}");
        }
    }
}

on_both_backends! {
    async fn the_contract_declares_the_page_bounds(app: TestApp) {
        let api = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
        for (path, _) in LISTS {
            let parameters = api["paths"][path]["get"]["parameters"].as_array().cloned().unwrap_or_default();
            let schema = |name: &str| {
                parameters
                    .iter()
                    .find(|p| p["name"] == name)
                    .map(|p| p["schema"].clone())
                    .unwrap_or_else(|| panic!("{path} declares {name}"))
            };
            assert_eq!(schema("limit")["minimum"], 1, "{path}");
            assert_eq!(schema("limit")["maximum"], 100, "{path}");
            assert_eq!(schema("offset")["minimum"], 0, "{path}");
            assert_eq!(schema("offset")["maximum"], 1_000_000, "{path}");
        }
    }
}

on_both_backends! {
    settings = [("ACADEMY_JSON_LIMIT", "4MiB")];
    async fn thousands_of_faults_get_a_short_answer(app: TestApp) {
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let mut answers = serde_json::Map::new();
        for i in 0..60_000 {
            answers.insert(format!("frage-{i}"), json!("x"));
        }
        answers.insert("k".repeat(900_000), json!("x"));
        let response = app
            .authed(
                Method::POST,
                &format!("/api/v1/consultation-slots/{}/bookings", slots[0]["id"].as_str().unwrap()),
                &learner.access,
            )
            .json(&json!({"concern": "Wir planen einen Quartiersrat.", "answers": answers}))
            .send()
            .await
            .unwrap();
        let length = response.content_length();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 20, "{body}");
        assert_eq!(body["errorsOmitted"], 60_001 - 20, "{body}");
        for error in errors {
            assert!(error["field"].as_str().unwrap().chars().count() <= 200, "{error}");
            assert!(error["message"].as_str().unwrap().chars().count() <= 200, "{error}");
        }
        assert!(body.to_string().len() < 8_000, "{} bytes", body.to_string().len());
        assert!(length.is_none_or(|l| l < 8_000), "{length:?}");
    }
}

on_both_backends! {
    async fn a_very_long_unknown_key_is_not_echoed_in_full(app: TestApp) {
        let key = "k".repeat(900_000);
        let mut body = serde_json::Map::new();
        body.insert("email".into(), json!("erika@example.org"));
        body.insert("password".into(), json!("x"));
        body.insert(key, json!(1));
        let response = app.post_json("/api/v1/auth/login", &Value::Object(body)).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["code"], "unknown_field", "{body}");
        let field = body["errors"][0]["field"].as_str().unwrap();
        assert!(field.starts_with("kkk") && field.chars().count() <= 200, "{field}");
        assert!(body.to_string().len() < 2_000);
    }
}

on_both_backends! {
    async fn type_errors_in_bodies_name_the_field_path_in_our_words(app: TestApp) {
        let consultant = app.consultant().await;
        let mut offer = offer_body(json!({}));
        offer["availability"] = json!({
            "weekly": [
                {"weekday": "monday", "start": "09:00", "end": "12:00"},
                {"weekday": "tuesday", "start": "09:00", "end": "12:00", "validFrom": "im Frühjahr"},
            ]
        });
        let response = app
            .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
            .json(&offer)
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "availability.weekly[1].validFrom", "{body}");
        assert_eq!(body["errors"][0]["code"], "invalid_type", "{body}");

        // A UUID that is none: named, without the library's words.
        let response = app.post_json(
            "/api/v1/auth/register",
            &json!({"email": "erika@example.org", "password": "Apfelbaum hinter der Scheune", "displayName": "Erika", "municipalityId": "Hanau"}),
        ).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "municipalityId", "{body}");
        let text = body.to_string();
        assert!(!text.contains("UUID parsing failed") && !text.contains("Hanau"), "{text}");

        // A body of the wrong shape: "body", not "expected struct LoginRequest".
        let response = app.post_json("/api/v1/auth/login", &json!(["erika@example.org"])).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "body", "{body}");
        assert_eq!(body["errors"][0]["message"], "must be an object", "{body}");
        assert!(!body.to_string().contains("struct"), "{body}");

        // A number of the wrong kind.
        let mut offer = offer_body(json!({}));
        offer["seats"] = json!("zwei");
        let response = app
            .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
            .json(&offer)
            .send()
            .await
            .unwrap();
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "seats", "{body}");
        assert_eq!(body["errors"][0]["code"], "invalid_type", "{body}");
    }
}

on_both_backends! {
    async fn a_nul_character_is_refused_wherever_it_comes_not_a_server_error(app: TestApp) {
        // PostgreSQL cannot hold text with U+0000: before, each of these was a 500 there.
        for path in [
            "/api/v1/guides?q=Klima%00anpassung",
            "/api/v1/organisations?q=%00",
            "/api/v1/consultation-slots?fieldOfAction=a%00b",
            "/api/v1/guides/beteiligung%00verstetigen",
        ] {
            problem(app.get(path).await, StatusCode::BAD_REQUEST, "invalid_character").await;
        }
        let body = problem(
            app.post_json("/api/v1/auth/login", &json!({"email": "erika\u{0}@example.org", "password": "Wiese am Fluss im Herbst"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][0]["code"], "invalid_character");
        let body = problem(
            app.post_json("/api/v1/auth/register", &json!({"email": "erika@example.org", "password": "Wiese am Fluss im Herbst", "displayName": "Erika", "extra": {"a\u{0}": 1}})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["code"], "invalid_character");
    }
}

on_both_backends! {
    async fn whole_numbers_written_with_a_zero_fraction_are_whole_numbers(app: TestApp) {
        // JSON Schema's `integer` admits 30.0; a client that writes numbers as floats gets
        // what it asked for, and a real fraction is still refused naming the field.
        let consultant = app.consultant().await;
        let created = app
            .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
            .json(&offer_body(json!({"slotMinutes": 30.0, "seats": 2.0, "personLimit": 1.0})))
            .send()
            .await
            .unwrap();
        let offer = json_body(created, StatusCode::CREATED).await;
        assert_eq!(offer["slotMinutes"], 30);
        assert_eq!(offer["seats"], 2);

        let fraction = app
            .authed(Method::POST, "/api/v1/consultation-offers", &consultant.access)
            .json(&offer_body(json!({"slotMinutes": 30.5})))
            .send()
            .await
            .unwrap();
        let body = problem(fraction, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "slotMinutes", "{body}");
        assert_eq!(body["errors"][0]["code"], "invalid_type", "{body}");
    }
}

on_both_backends! {
    async fn a_query_parameter_without_a_value_is_refused_naming_it(app: TestApp) {
        // `?to=` is no filter: before, it was read as "no bound" and the whole list came back.
        let coordinator = app.user(&[Role::Coordinator]).await;
        for (path, parameter) in [
            ("/api/v1/guides?language=", "language"),
            ("/api/v1/guides?fieldOfAction=", "fieldOfAction"),
            ("/api/v1/consultation-slots?to=", "to"),
            ("/api/v1/consultation-slots?offer", "offer"),
            ("/api/v1/organisations?limit=5&kind=", "kind"),
            ("/api/v1/consultation-bookings?offer=", "offer"),
            ("/api/v1/municipality-memberships?municipalityId=", "municipalityId"),
        ] {
            let response = app.authed(Method::GET, path, &coordinator.access).send().await.unwrap();
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], parameter, "{path}: {body}");
            assert_eq!(body["errors"][0]["code"], "empty", "{path}: {body}");
        }
        // Left out, the same parameters are simply no filter.
        let response = app.authed(Method::GET, "/api/v1/consultation-slots", &coordinator.access).send().await.unwrap();
        json_body(response, StatusCode::OK).await;
    }
}
