//! Extractor configuration that routes actix's own request failures — malformed or
//! oversized JSON, wrong content type, bad path or query parameters — through
//! [`AppError`], so they leave as problem documents like every other error.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::error::{AppError, FieldError};

/// JSON bodies: size limit, content type and deserialisation failures as problems.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

/// Raw bodies (`Bytes`, `String`, multipart readers built on them): the same limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Query strings: a parameter that does not parse is a 400 naming the parameter.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

/// Path parameters: a segment that cannot be an identifier names no resource, so 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| path_error(err).into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::payload_too_large(limit)
        }
        JsonPayloadError::Payload(PayloadError::Overflow) => AppError::payload_too_large(limit),
        JsonPayloadError::ContentType => AppError::unsupported_media_type("application/json"),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = without_position(&e.to_string());
            AppError::validation(vec![field_error_from_serde(&message, "body")])
        }
        JsonPayloadError::Deserialize(e) => AppError::bad_request(
            "malformed_json",
            format!(
                "The request body is not valid JSON: {}.",
                without_position(&e.to_string())
            ),
        ),
        JsonPayloadError::Serialize(e) => AppError::internal(e),
        other => AppError::bad_request("invalid_body", "The request body could not be read.")
            .with_source(anyhow::anyhow!("{other}")),
    }
}

fn query_error(err: QueryPayloadError) -> AppError {
    let message = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    AppError::bad_request("invalid_query", "One or more query parameters are invalid.")
        .with_errors(vec![field_error_from_serde(&message, "query")])
}

fn path_error(err: PathError) -> AppError {
    AppError::not_found().with_source(anyhow::anyhow!("{err}"))
}

/// serde's messages end in "at line 1 column 17"; the position means nothing to a client.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns serde's "missing field `title`" / "unknown field `x`" into a field error.
fn field_error_from_serde(message: &str, fallback_field: &'static str) -> FieldError {
    let quoted = message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field `"))
        .map(str::to_owned);
    let code = if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else {
        "invalid"
    };
    match quoted {
        Some(field) => FieldError::new(field, code, message.to_owned()),
        None => FieldError::new(fallback_field, code, message.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test::{self as actix_test, TestRequest};
    use actix_web::{App, HttpResponse};
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        seats: u32,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Query {
        limit: u32,
    }

    async fn accept(_body: web::Json<Body>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    async fn list(_query: web::Query<Query>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    async fn item(_id: web::Path<u64>) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    async fn call(request: TestRequest) -> (StatusCode, String, serde_json::Value) {
        let app = actix_test::init_service(
            App::new()
                .app_data(json_config(64))
                .app_data(query_config())
                .app_data(path_config())
                .route("/items", web::post().to(accept))
                .route("/items", web::get().to(list))
                .route("/items/{id}", web::get().to(item)),
        )
        .await;
        let response = actix_test::call_service(&app, request.to_request()).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: serde_json::Value =
            serde_json::from_slice(&actix_test::read_body(response).await).unwrap_or_default();
        (status, content_type, body)
    }

    fn post(body: &'static str) -> TestRequest {
        TestRequest::post()
            .uri("/items")
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
    }

    #[actix_web::test]
    async fn well_formed_body_passes() {
        let (status, _, _) = call(post(r#"{"title":"a","seats":1}"#)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    #[actix_web::test]
    async fn malformed_json_is_a_400_problem() {
        let (status, content_type, body) = call(post(r#"{"title":"#)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["code"], "malformed_json");
    }

    #[actix_web::test]
    async fn missing_field_is_a_422_naming_the_field() {
        let (status, _, body) = call(post(r#"{"seats":1}"#)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "title");
        assert_eq!(body["errors"][0]["code"], "required");
        assert!(!body.to_string().contains("line 1"), "{body}");
    }

    #[actix_web::test]
    async fn wrong_type_is_a_422() {
        let (status, _, body) = call(post(r#"{"title":"a","seats":-1}"#)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "validation_failed");
    }

    #[actix_web::test]
    async fn oversized_body_is_a_413() {
        let (status, _, body) = call(post(
            r#"{"title":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","seats":1}"#,
        ))
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["code"], "payload_too_large");
    }

    #[actix_web::test]
    async fn wrong_content_type_is_a_415() {
        let (status, _, body) = call(
            TestRequest::post()
                .uri("/items")
                .insert_header(("content-type", "text/plain"))
                .set_payload(r#"{"title":"a","seats":1}"#),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["code"], "unsupported_media_type");
    }

    #[actix_web::test]
    async fn bad_query_parameter_is_a_400_naming_it() {
        let (status, content_type, body) = call(TestRequest::get().uri("/items?limit=many")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["code"], "invalid_query");
        assert_eq!(body["errors"][0]["field"], "query");
    }

    #[actix_web::test]
    async fn missing_query_parameter_names_it() {
        let (status, _, body) = call(TestRequest::get().uri("/items")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "limit");
        assert_eq!(body["errors"][0]["code"], "required");
    }

    #[actix_web::test]
    async fn unparseable_path_parameter_is_a_404_problem() {
        let (status, content_type, body) =
            call(TestRequest::get().uri("/items/not-a-number")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["code"], "not_found");
    }

    #[test]
    fn serde_positions_are_stripped() {
        assert_eq!(
            without_position("missing field `title` at line 1 column 13"),
            "missing field `title`"
        );
    }
}
