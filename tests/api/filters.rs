//! Multi-select filters: a parameter repeated matches any of its values, and a value that
//! names nothing is a 422 naming the parameter, not an empty list.

use academy_tests::*;

async fn total(app: &TestApp, path: &str) -> u64 {
    let body = json_body(app.get(path).await, StatusCode::OK).await;
    body["total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{path}: {body}"))
}

on_both_backends! {
    async fn repeated_filters_match_any_of_their_values(app: TestApp) {
        let consultant = app.consultant().await;
        app.offer(&consultant, json!({"fieldsOfAction": ["activation-participation"]})).await;
        let second = app.consultant().await;
        app.offer(&second, json!({"fieldsOfAction": ["public-spaces"]})).await;
        let colleague = app.consultant().await;
        app.offer(&colleague, json!({"fieldsOfAction": ["sustainable-mobility"], "format": "phone", "location": "+49 69 1234567"})).await;

        let offers = "/api/v1/consultation-offers";
        assert_eq!(total(&app, &format!("{offers}?fieldOfAction=activation-participation")).await, 1);
        assert_eq!(total(&app, &format!("{offers}?fieldOfAction=activation-participation&fieldOfAction=sustainable-mobility")).await, 2);
        assert_eq!(total(&app, &format!("{offers}?format=online&format=phone")).await, 3);
        assert_eq!(total(&app, &format!("{offers}?format=phone")).await, 1);
        assert_eq!(
            total(&app, &format!("{offers}?fieldOfAction=activation-participation&fieldOfAction=sustainable-mobility&format=phone")).await,
            1,
            "filters combine with AND"
        );

        let slots = "/api/v1/consultation-slots";
        let one = total(&app, &format!("{slots}?fieldOfAction=activation-participation")).await;
        let other = total(&app, &format!("{slots}?fieldOfAction=sustainable-mobility")).await;
        assert!(one > 0 && other > 0);
        assert_eq!(total(&app, &format!("{slots}?fieldOfAction=activation-participation&fieldOfAction=sustainable-mobility")).await, one + other);

        // Organisations and consultants are repeatable too.
        let second_id = second.id;
        let colleague_id = colleague.id;
        assert_eq!(total(&app, &format!("{offers}?consultant={second_id}")).await, 1);
        assert_eq!(total(&app, &format!("{offers}?consultant={second_id}&consultant={colleague_id}")).await, 2);
        assert_eq!(
            total(&app, &format!("{slots}?consultant={second_id}&consultant={colleague_id}")).await,
            total(&app, &format!("{slots}?consultant={second_id}")).await
                + total(&app, &format!("{slots}?consultant={colleague_id}")).await
        );
        let organisation = json_body(app.get(&format!("{offers}?consultant={second_id}")).await, StatusCode::OK).await
            ["items"][0]["organisationId"].as_str().unwrap().to_owned();
        let everything = total(&app, offers).await;
        let of_organisation = total(&app, &format!("{offers}?organisation={organisation}")).await;
        assert!(of_organisation >= 1 && of_organisation <= everything);
        let other_organisation = app.organisation("Zweiter Verein").await;
        assert_eq!(total(&app, &format!("{offers}?organisation={organisation}&organisation={other_organisation}")).await, of_organisation);
        assert_eq!(total(&app, &format!("{offers}?organisation={other_organisation}")).await, 0, "a known organisation without offers");

        // Guides take their taxonomy filters the same way.
        assert_eq!(total(&app, "/api/v1/guides?fieldOfAction=public-spaces&fieldOfAction=image-safety&theme=quality-of-life&theme=economy-services").await, 0);
    }
}

on_both_backends! {
    async fn unknown_filter_values_are_422_naming_the_parameter(app: TestApp) {
        for (path, field) in [
            ("/api/v1/consultation-offers?fieldOfAction=public-spaces&fieldOfAction=no-such-field", "fieldOfAction[1]"),
            ("/api/v1/consultation-slots?fieldOfAction=no-such-field", "fieldOfAction[0]"),
            ("/api/v1/consultation-offers?format=online&format=pigeon", "format[1]"),
            ("/api/v1/guides?fieldOfAction=no-such-field", "fieldOfAction[0]"),
            ("/api/v1/guides?theme=quality-of-life&theme=no-such-theme", "theme[1]"),
            ("/api/v1/guides?phase=no-such-phase", "phase[0]"),
            ("/api/v1/guides?audience=no-such-audience", "audience[0]"),
        ] {
            let body = problem(app.get(path).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        }
        let nobody = uuid::Uuid::now_v7();
        for (path, field) in [
            (format!("/api/v1/consultation-offers?organisation={nobody}"), "organisation[0]"),
            (format!("/api/v1/consultation-slots?consultant={nobody}"), "consultant[0]"),
            (format!("/api/v1/consultation-offers?consultant={nobody}"), "consultant[0]"),
            (format!("/api/v1/guides?organisation={nobody}"), "organisation[0]"),
        ] {
            let body = problem(app.get(&path).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
            assert_eq!(body["errors"][0]["code"], "unknown", "{path}: {body}");
        }
        let many: Vec<String> = (0..21).map(|_| "fieldOfAction=public-spaces".to_owned()).collect();
        let body = problem(
            app.get(&format!("/api/v1/guides?{}", many.join("&"))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["code"], "too_many", "{body}");
    }
}

on_both_backends! {
    async fn the_contract_declares_repeatable_filters_as_arrays(app: TestApp) {
        let api = json_body(app.get("/openapi.json").await, StatusCode::OK).await;
        for (path, name) in [
            ("/api/v1/guides", "fieldOfAction"),
            ("/api/v1/guides", "theme"),
            ("/api/v1/guides", "phase"),
            ("/api/v1/guides", "audience"),
            ("/api/v1/guides", "organisation"),
            ("/api/v1/consultation-offers", "fieldOfAction"),
            ("/api/v1/consultation-offers", "format"),
            ("/api/v1/consultation-slots", "fieldOfAction"),
            ("/api/v1/consultation-slots", "format"),
            ("/api/v1/consultation-offers", "organisation"),
            ("/api/v1/consultation-offers", "consultant"),
            ("/api/v1/consultation-slots", "organisation"),
            ("/api/v1/consultation-slots", "consultant"),
        ] {
            let parameter = api["paths"][path]["get"]["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == name).cloned())
                .unwrap_or_else(|| panic!("{path} declares {name}"));
            assert_eq!(parameter["schema"]["type"], "array", "{path} {name}: {parameter}");
            assert_eq!(parameter["style"], "form", "{path} {name}: {parameter}");
            assert_eq!(parameter["explode"], true, "{path} {name}: {parameter}");
        }
    }
}
