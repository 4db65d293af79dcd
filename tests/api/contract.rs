//! The OpenAPI contract: served, committed, and the same.

use academy_auth::Role;
use academy_tests::*;
use reqwest::Method;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = academy_server::openapi::document_json();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is out of date; regenerate it with\n\n    \
         cargo run -q -- openapi > openapi/openapi.json\n\nand commit the result"
    );
}

on_both_backends! {
    async fn served_document_is_the_committed_openapi_3_1_document(app: TestApp) {
        let served = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
        let committed: Value = serde_json::from_str(COMMITTED).unwrap();
        assert_eq!(served, committed);
        assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    }
}

on_both_backends! {
    async fn docs_serve_swagger_ui(app: TestApp) {
        let response = app.get("/docs/").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("swagger-ui"));

        let initializer = app.get("/docs/swagger-initializer.js").await;
        assert_eq!(initializer.status(), StatusCode::OK);
        assert!(initializer.text().await.unwrap().contains("/openapi.json"));
    }
}

on_both_backends! {
    async fn bodies_are_required_exactly_when_the_document_says_so(app: TestApp) {
        // Every operation whose body the document calls optional works without one, and
        // refuses a malformed one instead of ignoring it.
        let committed: Value = serde_json::from_str(COMMITTED).unwrap();
        let mut optional: Vec<String> = committed["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().unwrap().iter().filter_map(move |(method, op)| {
                    let body = op.get("requestBody")?;
                    (body["required"] != json!(true)).then(|| format!("{} {path}", method.to_uppercase()))
                })
            })
            .collect();
        optional.sort();
        assert_eq!(
            optional,
            [
                "POST /api/v1/attempts/{attempt}/submit",
                "POST /api/v1/consultation-bookings/{id}/cancel",
                "POST /api/v1/courses/{course}/enrolments",
                "POST /api/v1/courses/{course}/publish",
                "POST /api/v1/courses/{course}/quizzes/{lesson}/regrade",
                "POST /api/v1/guides/{guide}/publish",
                "POST /api/v1/tutorials/{tutorial}/publish",
                "PUT /api/v1/courses/{course}/teams/{municipality}",
            ]
        );

        // Publishing without a body.
        let organisation = app.organisation("Stiftung Vorlagen").await;
        let author = app.user_in(&[Role::Author], Some(organisation), None).await;
        let coordinator = app.user(&[Role::Coordinator]).await;
        let guide = json_body(
            app.authed(Method::POST, "/api/v1/guides", &author.access)
                .json(&json!({"title": "Beteiligung verstetigen", "summary": "Wie Kommunen Beteiligung auf Dauer stellen.", "fieldsOfAction": ["activation-participation"]}))
                .send()
                .await
                .unwrap(),
            StatusCode::CREATED,
        )
        .await;
        let id = guide["id"].as_str().unwrap();
        let submit = app.authed(Method::POST, &format!("/api/v1/guides/{id}/submit"), &author.access).send().await.unwrap();
        assert_eq!(submit.status(), StatusCode::OK);
        let publish = |body: Option<&'static str>| {
            let mut request = app.authed(Method::POST, &format!("/api/v1/guides/{id}/publish"), &coordinator.access);
            if let Some(body) = body {
                request = request.header("Content-Type", "application/json").body(body);
            }
            request.send()
        };
        problem(publish(Some("{\"publishAt\": ")).await.unwrap(), StatusCode::BAD_REQUEST, "malformed_json").await;
        problem(publish(Some("{\"publishNow\": true}")).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        problem(publish(Some("[]")).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let published = json_body(publish(None).await.unwrap(), StatusCode::OK).await;
        assert_eq!(published["status"], "published");

        // Cancelling with a malformed reason is refused, not taken as no reason.
        let consultant = app.consultant().await;
        let offer = app.offer(&consultant, json!({})).await;
        let slots = app.slots(offer["id"].as_str().unwrap(), false).await;
        let learner = app.learner(app.some_municipality().await).await;
        let booking = json_body(app.book(&learner, slots[2]["id"].as_str().unwrap(), None).await, StatusCode::CREATED).await;
        let booking = booking["id"].as_str().unwrap();
        let malformed = app
            .authed(Method::POST, &format!("/api/v1/consultation-bookings/{booking}/cancel"), &learner.access)
            .header("Content-Type", "application/json")
            .body("{\"reason\": 42}")
            .send()
            .await
            .unwrap();
        problem(malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        // `null`, which the document's optional body allows, is no reason.
        let cancelled = json_body(app.booking_action(&learner, booking, "cancel", Some(Value::Null)).await, StatusCode::OK).await;
        assert_eq!(cancelled["status"], "cancelled");
    }
}

#[test]
fn every_text_a_request_carries_states_the_rules_all_texts_share() {
    // No NUL character anywhere (the server refuses one), no empty query value (`?q=`).
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut unstated = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let schema = &parameter["schema"];
                let schema = if schema["type"] == "array" {
                    &schema["items"]
                } else {
                    schema
                };
                if schema["type"] != "string"
                    || schema.get("enum").is_some()
                    || schema.get("$ref").is_some()
                {
                    continue;
                }
                let name = format!("{method} {path} {}", parameter["name"]);
                if schema.get("pattern").is_none() && schema.get("format").is_none() {
                    unstated.push(format!("{name}: neither pattern nor format"));
                }
                if parameter["in"] == "query" && schema["minLength"].as_u64().unwrap_or(0) < 1 {
                    unstated.push(format!("{name}: may be empty"));
                }
            }
        }
    }
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        if !name.ends_with("Request") && !name.ends_with("Input") {
            continue;
        }
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let is_string = property["type"] == "string"
                || property["type"]
                    .as_array()
                    .is_some_and(|kinds| kinds.contains(&json!("string")));
            if is_string
                && property.get("pattern").is_none()
                && property.get("format").is_none()
                && property.get("enum").is_none()
            {
                unstated.push(format!("{name}.{field}: neither pattern nor format"));
            }
        }
    }
    assert!(unstated.is_empty(), "{unstated:#?}");
    assert_eq!(
        document["components"]["schemas"]["BookingInput"]["properties"]["answers"]["propertyNames"]
            ["pattern"],
        academy_kernel::contract::NO_NUL
    );
}

#[test]
fn the_workflows_are_linked_from_the_responses_that_start_them() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let links = |path: &str, method: &str, status: &str| -> Value {
        document["paths"][path][method]["responses"][status]["links"].clone()
    };
    // A new guide leads to its submission, a submission to publication.
    let created = links("/api/v1/guides", "post", "201");
    assert_eq!(
        created["submit_guide"]["parameters"]["guide"],
        "$response.body#/id"
    );
    assert_eq!(
        created["update_guide"]["parameters"]["If-Match"],
        "$response.header.ETag"
    );
    let submitted = links("/api/v1/guides/{guide}/submit", "post", "200");
    assert_eq!(submitted["publish_guide"]["operationId"], "publish_guide");
    // A listed slot leads to booking it and to its waitlist; a booking to cancelling it.
    let slots = links("/api/v1/consultation-slots", "get", "200");
    assert_eq!(
        slots["book_slot"]["parameters"]["id"],
        "$response.body#/items/0/id"
    );
    assert_eq!(
        slots["join_waitlist"]["parameters"]["id"],
        "$response.body#/items/0/id"
    );
    let booked = links("/api/v1/consultation-slots/{id}/bookings", "post", "201");
    assert_eq!(
        booked["cancel_booking"]["parameters"]["id"],
        "$response.body#/id"
    );
    let waiting = links("/api/v1/consultation-slots/{id}/waitlist", "post", "201");
    assert_eq!(
        waiting["accept_waitlist_place"]["parameters"]["id"],
        "$response.body#/id"
    );
    // Every link names an operation of the document and only parameters it has.
    let operations: std::collections::HashMap<&str, &Value> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|operation| (operation["operationId"].as_str().unwrap(), operation))
        .collect();
    // A body pointer names a member the response's schema has (`items/0/id` of a page,
    // `0/id` of a plain list).
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                document["components"]["schemas"][reference.rsplit('/').next().unwrap()].clone()
            }
            None => schema.clone(),
        }
    };
    let mut count = 0;
    for operation in operations.values() {
        for response in operation["responses"].as_object().unwrap().values() {
            for link in response["links"]
                .as_object()
                .into_iter()
                .flat_map(|links| links.values())
            {
                count += 1;
                let target = operations[link["operationId"].as_str().unwrap()];
                for (name, expression) in link["parameters"].as_object().unwrap() {
                    assert!(
                        target["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| p["name"] == name.as_str()),
                        "{link}"
                    );
                    let Some(pointer) = expression
                        .as_str()
                        .unwrap()
                        .strip_prefix("$response.body#/")
                    else {
                        continue;
                    };
                    let mut schema = resolve(&response["content"]["application/json"]["schema"]);
                    for segment in pointer.split('/') {
                        schema = if segment.parse::<usize>().is_ok() {
                            assert_eq!(schema["type"], "array", "{link}: {segment} of {schema}");
                            resolve(&schema["items"])
                        } else {
                            let member = schema["properties"][segment].clone();
                            assert!(!member.is_null(), "{link}: no {segment} in {schema}");
                            resolve(&member)
                        };
                    }
                }
            }
        }
    }
    assert!(count >= 50, "{count} links");
}

#[test]
fn the_shared_responses_are_stated_wherever_they_apply() {
    // Every operation that needs a signed-in caller documents 401; every change guarded by
    // `If-Match` documents 412, and 428 where the header is required.
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut missing = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let responses = &operation["responses"];
            let bearer = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s.get("bearer").is_some());
            if bearer && responses.get("401").is_none() {
                missing.push(format!("{name}: 401"));
            }
            let if_match = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "If-Match");
            if let Some(header) = if_match {
                if responses.get("412").is_none() {
                    missing.push(format!("{name}: 412"));
                }
                if header["required"] == json!(true) && responses.get("428").is_none() {
                    missing.push(format!("{name}: 428"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    let unauthorized = &document["paths"]["/api/v1/me"]["get"]["responses"]["401"];
    assert!(
        unauthorized["description"]
            .as_str()
            .unwrap()
            .starts_with("`unauthorized`"),
        "{unauthorized}"
    );
}
