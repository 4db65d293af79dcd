//! Markdown outside guides: offer descriptions are checked with the same parser and
//! rendered with the same sanitiser.

use academy_tests::*;
use reqwest::Method;

on_both_backends! {
    async fn offer_descriptions_refuse_raw_html_and_carry_a_sanitised_rendering(app: TestApp) {
        let consultant = app.consultant().await;
        let bypass = offer_body(json!({"description": "Bitte lesen: <img\nsrc=x\nonerror=alert(1)//@x://>"}));
        let refused = app.authed(Method::POST, "/api/v1/consultation-offers", &consultant.access).json(&bypass).send().await.unwrap();
        let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "description", "{body}");
        assert_eq!(body["errors"][0]["code"], "raw_html", "{body}");

        let offer = app.offer(&consultant, json!({"description": "**Fragen** zu a<b und 3 > 2, [Ablauf](javascript:alert(1))"})).await;
        let html = offer["descriptionHtml"].as_str().unwrap();
        assert!(html.starts_with("<p><strong>Fragen</strong> zu a&lt;b und 3 &gt; 2, "), "{html}");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        let public = json_body(app.get(&format!("/api/v1/consultation-offers/{}", offer["id"].as_str().unwrap())).await, StatusCode::OK).await;
        assert_eq!(public["descriptionHtml"], offer["descriptionHtml"]);
    }
}
