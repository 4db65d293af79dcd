//! Extractors and extractor configuration that route every request failure — malformed or
//! oversized JSON, wrong content type, fields of the wrong type, bad path or query
//! parameters — through [`AppError`], so they leave as problem documents like every other
//! error, naming the field at fault in our own words.
//!
//! Handlers take bodies as [`Json`] and query strings as [`Query`] (both from here): they
//! report the path of the field that failed (`availability.weekly[0].validFrom`), and
//! [`Query`] reads repeated parameters (`?fieldOfAction=a&fieldOfAction=b`) into lists.

use std::borrow::Cow;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

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

/// Query strings read with actix's own `web::Query`: a parameter that does not parse is a
/// 422 naming the parameter where serde says which. Prefer [`Query`], which always can.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

/// Path parameters: a segment that cannot be an identifier names no resource, so 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| path_error(err).into())
}

/// A JSON request body of type `T`.
///
/// Syntax errors, the size limit and the content type are checked as by actix's
/// `web::Json` (configured with [`json_config`]); a body that is JSON but does not fit `T`
/// is a 422 whose `errors[0].field` is the path of the offending member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            Ok(Json(from_json_value(value)?))
        })
    }
}

/// A JSON body that may be left out: an empty body (no bytes) or `null` reads as
/// `T::default()`;
/// any body that is sent is read and checked exactly as by [`Json`], so a malformed one is
/// refused rather than ignored. Document it with `request_body = Option<T>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionalJson<T>(pub T);

impl<T> OptionalJson<T> {
    /// The body, or the default when none was sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
        let headers = req.headers();
        let empty = match headers.get(CONTENT_LENGTH) {
            Some(length) => length.as_bytes() == b"0",
            None => !headers.contains_key(TRANSFER_ENCODING),
        };
        if empty {
            return Box::pin(async { Ok(OptionalJson(T::default())) });
        }
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            match body.await?.into_inner() {
                // `null` says "nothing", as the document's optional body allows.
                serde_json::Value::Null => Ok(OptionalJson(T::default())),
                value => Ok(OptionalJson(from_json_value(value)?)),
            }
        })
    }
}

/// Reads `T` from a JSON value; a mismatch is a 422 naming the member at fault.
///
/// Every body of this API is an object; anything else is refused as such up front, since
/// serde would otherwise read an array into a struct field by field and complain about
/// `[0]`.
pub fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    if !value.is_object() {
        return Err(AppError::validation(vec![FieldError::new(
            "body",
            "invalid_type",
            "must be an object",
        )]));
    }
    let mut value = value;
    whole_numbers_as_integers(&mut value);
    if let Some(path) = nul_in(&value, String::new()) {
        return Err(AppError::validation(vec![FieldError::new(
            if path.is_empty() {
                "body".to_owned()
            } else {
                path
            },
            "invalid_character",
            "must not contain a NUL character (U+0000)",
        )]));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = path_of(error.path());
        let message = error.into_inner().to_string();
        AppError::validation(vec![describe(&path, &message, "body")])
    })
}

/// Numbers written with a fraction of zero (`72.0`) become integers, so that a whole-number
/// field takes them: JSON does not tell `72.0` from `72`, and JSON Schema's `integer`
/// admits both. A real fraction (`72.5`) stays and is refused where a whole number is due.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    // Beyond 2^53 a float no longer holds every whole number exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                // The cast is exact: the value is whole and within ±2^53.
                #[allow(clippy::cast_possible_truncation)]
                let whole = float as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(members) => members.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// The path (`steps[2].title`) of the first string or key in `value` that contains a NUL
/// character: no text of this API may, and PostgreSQL cannot store one.
fn nul_in(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0').then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, format!("{path}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(key, member)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(inner)
            } else {
                nul_in(member, inner)
            }
        }),
        _ => None,
    }
}

/// The query string, read into `T`. Repeated parameters fill lists (`Vec<String>`); a
/// parameter that does not fit is a 422 naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Query<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// A raw upload's `Content-Type` (parameters aside, any case) must be one of `allowed`;
/// otherwise 415, naming `expected`.
pub fn require_content_type(
    req: &HttpRequest,
    allowed: &[&str],
    expected: &'static str,
) -> Result<(), AppError> {
    let sent = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if allowed.contains(&sent.as_str()) {
        Ok(())
    } else {
        Err(AppError::unsupported_media_type(expected))
    }
}

/// Reads `T` from a query string (`a=1&b=x&b=y`).
///
/// A parameter given without a value (`?to=`, `?to`) is refused rather than read as left
/// out: no parameter of this API takes an empty value, and a client that sends one has
/// most likely lost the value it meant.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let empty: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| {
            FieldError::new(
                name.into_owned(),
                "empty",
                "must not be empty; leave the parameter out instead",
            )
        })
        .collect();
    if !empty.is_empty() {
        return Err(AppError::validation(empty));
    }
    let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = path_of(error.path());
        let message = error.into_inner().to_string();
        AppError::validation(vec![describe(&path, &message, "query")])
    })
}

fn json_error(err: JsonPayloadError, limit: usize) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::payload_too_large(limit)
        }
        JsonPayloadError::Payload(PayloadError::Overflow) => AppError::payload_too_large(limit),
        JsonPayloadError::ContentType => AppError::unsupported_media_type("application/json"),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::validation(vec![describe("", &e.to_string(), "body")])
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
    AppError::validation(vec![describe("", &message, "query")])
}

/// A path parameter that does not parse: 404, as no resource has such an id.
pub fn path_error(err: PathError) -> AppError {
    AppError::not_found().with_source(anyhow::anyhow!("{err}"))
}

/// `availability.weekly[0].validFrom`, or empty at the top.
fn path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// serde's messages end in "at line 1 column 17"; the position means nothing to a client.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// The text between the first pair of backticks: the field or variant serde names.
fn quoted(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

/// Joins a path and a member name.
fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_owned()
    } else {
        format!("{path}.{member}")
    }
}

/// Turns one of serde's (or a parsing library's) messages about the value at `path` into a
/// field error in our own words. Input is never echoed back, except field names, which
/// the problem rendering shortens.
fn describe(path: &str, message: &str, top: &'static str) -> FieldError {
    let message = without_position(message);
    let at = |field: String| -> Cow<'static, str> {
        if field.is_empty() {
            Cow::Borrowed(top)
        } else {
            Cow::Owned(field)
        }
    };
    let here = || at(path.to_owned());
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = quoted(rest).unwrap_or_default();
        return FieldError::new(at(join(path, field)), "required", "is required");
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = quoted(rest).unwrap_or_default();
        // The path may already end in the unknown member.
        let last = path.rsplit(['.', ']']).next().unwrap_or_default();
        let field = if !field.is_empty() && last == field {
            path.to_owned()
        } else {
            join(path, field)
        };
        return FieldError::new(at(field), "unknown_field", "is not a known field");
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        let field = quoted(rest).unwrap_or_default();
        return FieldError::new(
            at(join(path, field)),
            "duplicate_field",
            "is given more than once",
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let choices = rest
            .split_once("expected ")
            .map(|(_, expected)| {
                expected
                    .trim_start_matches("one of ")
                    .replace('`', "")
                    .replace(" or ", ", ")
            })
            .unwrap_or_default();
        return FieldError::new(
            here(),
            "invalid_choice",
            format!("must be one of: {choices}"),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        return FieldError::new(
            here(),
            "invalid_type",
            format!("must be {}", expectation(expected)),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        return FieldError::new(
            here(),
            "invalid",
            format!("must be {}", expectation(expected)),
        );
    }
    if message.starts_with("invalid length ") {
        return FieldError::new(here(), "invalid_length", "has the wrong number of items");
    }
    if message.starts_with("UUID parsing failed") || message.starts_with("invalid character") {
        return FieldError::new(here(), "invalid_type", format!("must be {UUID_EXAMPLE}"));
    }
    const CHRONO: [&str; 7] = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "bad or unsupported format string",
    ];
    if CHRONO.contains(&message.as_str()) {
        return FieldError::new(
            here(),
            "invalid_type",
            "must be a date or time in ISO 8601 form, such as 2026-03-01 or 2026-03-01T10:00:00+01:00",
        );
    }
    match message.as_str() {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            FieldError::new(here(), "invalid_type", "must be a whole number")
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            FieldError::new(here(), "out_of_range", "is out of range")
        }
        "invalid float literal" | "cannot parse float from empty string" => {
            FieldError::new(here(), "invalid_type", "must be a number")
        }
        "provided string was not `true` or `false`" => {
            FieldError::new(here(), "invalid_type", "must be true or false")
        }
        _ => FieldError::new(here(), "invalid", message),
    }
}

const UUID_EXAMPLE: &str = "a UUID such as 0192f5d2-7c1a-7b3e-9d4f-2a6b8c0e1f3a";

/// What serde's "expected …" means, for people: `u32` → "a whole number from 0 to …".
fn expectation(expected: &str) -> Cow<'static, str> {
    let range = |max: u64| Cow::Owned(format!("a whole number from 0 to {max}"));
    match expected {
        "u8" => range(u8::MAX.into()),
        "u16" => range(u16::MAX.into()),
        "u32" => range(u32::MAX.into()),
        "u64" | "usize" => range(u64::MAX),
        "i8" | "i16" | "i32" | "i64" | "isize" => Cow::Borrowed("a whole number"),
        "f32" | "f64" => Cow::Borrowed("a number"),
        "a boolean" => Cow::Borrowed("true or false"),
        "a string" | "a borrowed string" | "a character" | "a char" => Cow::Borrowed("a text"),
        "a sequence" | "a tuple" => Cow::Borrowed("a list"),
        "a map" => Cow::Borrowed("an object"),
        "unit" => Cow::Borrowed("null"),
        e if e.starts_with("struct ") => Cow::Borrowed("an object"),
        e if e.contains("UUID") => Cow::Borrowed(UUID_EXAMPLE),
        e if e.contains("date and time") => {
            Cow::Borrowed("a date and time such as 2026-03-01T10:00:00+01:00")
        }
        e if e.contains("date") => Cow::Borrowed("a date such as 2026-03-01"),
        e if e.contains("time") => Cow::Borrowed("a time such as 10:00"),
        e if e.starts_with("tuple struct ") || e.starts_with("a list") => Cow::Borrowed("a list"),
        e if e.starts_with("one of ") => {
            Cow::Owned(format!("one of: {}", &e[7..].replace('`', "")))
        }
        e if e.starts_with("variant ") || e.starts_with("enum ") => {
            Cow::Borrowed("one of the allowed values")
        }
        _ => Cow::Borrowed("of another type"),
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
    async fn bad_query_parameter_is_a_422_problem() {
        let (status, content_type, body) = call(TestRequest::get().uri("/items?limit=many")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["message"], "must be a whole number");
    }

    #[actix_web::test]
    async fn missing_query_parameter_names_it() {
        let (status, _, body) = call(TestRequest::get().uri("/items")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "limit");
        assert_eq!(body["errors"][0]["code"], "required");
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Offer {
        title: String,
        availability: Availability,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Availability {
        weekly: Vec<Weekly>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Weekly {
        valid_from: Option<chrono_like::Date>,
        seats: u32,
        owner: Option<Id>,
        kind: Option<Kind>,
    }

    /// A stand-in for a library type whose parse error is its own text.
    mod chrono_like {
        #[derive(Debug)]
        pub struct Date;
        impl<'de> serde::Deserialize<'de> for Date {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                if text.len() == 10 {
                    Ok(Date)
                } else {
                    Err(serde::de::Error::custom("premature end of input"))
                }
            }
        }
    }

    #[derive(Debug)]
    struct Id;
    impl<'de> Deserialize<'de> for Id {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let text = String::deserialize(d)?;
            Err(serde::de::Error::custom(format!(
                "UUID parsing failed: invalid character: found `{}`",
                &text[..1]
            )))
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Online,
        Phone,
    }

    fn offer_error(body: serde_json::Value) -> FieldError {
        let error = from_json_value::<Offer>(body).unwrap_err();
        assert_eq!(error.code(), "validation_failed");
        error.problem().errors[0].clone()
    }

    #[test]
    fn json_type_errors_name_the_path_in_our_words() {
        use serde_json::json;
        let weekly = |entry: serde_json::Value| json!({"title": "t", "availability": {"weekly": [{"seats": 1}, entry]}});
        let e = offer_error(weekly(json!({"seats": 1, "validFrom": "2026-1"})));
        assert_eq!(e.field, "availability.weekly[1].validFrom");
        assert_eq!(e.code, "invalid_type");
        assert!(e.message.contains("ISO 8601"), "{e:?}");

        let e = offer_error(weekly(json!({"seats": -1})));
        assert_eq!(e.field, "availability.weekly[1].seats");
        assert_eq!(e.message, "must be a whole number from 0 to 4294967295");

        let e = offer_error(weekly(json!({"seats": "two"})));
        assert_eq!(
            (e.code.as_ref(), e.message.as_ref()),
            (
                "invalid_type",
                "must be a whole number from 0 to 4294967295"
            )
        );

        let e = offer_error(weekly(json!({"seats": 1, "owner": "x-not-a-uuid"})));
        assert_eq!(e.field, "availability.weekly[1].owner");
        assert!(e.message.starts_with("must be a UUID"), "{e:?}");
        assert!(!e.message.contains("parsing failed"), "{e:?}");

        let e = offer_error(weekly(json!({"seats": 1, "kind": "<script>"})));
        assert_eq!(e.field, "availability.weekly[1].kind");
        assert_eq!(e.code, "invalid_choice");
        assert_eq!(e.message, "must be one of: online, phone");

        let e = offer_error(weekly(json!({})));
        assert_eq!(
            (e.field.as_ref(), e.code.as_ref()),
            ("availability.weekly[1].seats", "required")
        );

        let e = offer_error(weekly(json!({"seats": 1, "colour": "red"})));
        assert_eq!(
            (e.field.as_ref(), e.code.as_ref()),
            ("availability.weekly[1].colour", "unknown_field")
        );

        let e = offer_error(json!({"title": "t", "availability": {"weekly": {}}}));
        assert_eq!(
            (e.field.as_ref(), e.message.as_ref()),
            ("availability.weekly", "must be a list")
        );

        let e = offer_error(json!([1, 2]));
        assert_eq!(
            (e.field.as_ref(), e.message.as_ref()),
            ("body", "must be an object")
        );
        assert!(!e.message.contains("struct"), "{e:?}");
    }

    #[actix_web::test]
    async fn the_json_extractor_reports_the_path_over_http() {
        async fn create(_body: Json<Offer>) -> HttpResponse {
            HttpResponse::NoContent().finish()
        }
        let app = actix_test::init_service(
            App::new()
                .app_data(json_config(1024))
                .route("/offers", web::post().to(create)),
        )
        .await;
        let send = |payload: &'static str| {
            TestRequest::post()
                .uri("/offers")
                .insert_header(("content-type", "application/json"))
                .set_payload(payload)
                .to_request()
        };
        let response = actix_test::call_service(
            &app,
            send(r#"{"title":"t","availability":{"weekly":[{"seats":true}]}}"#),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value =
            serde_json::from_slice(&actix_test::read_body(response).await).unwrap_or_default();
        assert_eq!(body["errors"][0]["field"], "availability.weekly[0].seats");

        let response = actix_test::call_service(&app, send(r#"{"title":"#)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let response = actix_test::call_service(
            &app,
            send(r#"{"title":"t","availability":{"weekly":[{"seats":1}]}}"#),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Filters {
        #[serde(default)]
        field_of_action: Vec<String>,
        limit: Option<u64>,
        offset: Option<u64>,
    }

    #[test]
    fn repeated_query_parameters_fill_a_list() {
        let filters: Filters = parse_query("fieldOfAction=a&limit=5&fieldOfAction=b")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(filters.field_of_action, ["a", "b"]);
        assert_eq!(filters.limit, Some(5));
        let single: Filters = parse_query("fieldOfAction=a").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(single.field_of_action, ["a"]);
        let none: Filters = parse_query("").unwrap_or_else(|e| panic!("{e}"));
        assert!(none.field_of_action.is_empty());
    }

    #[test]
    fn numeric_query_errors_name_the_parameter() {
        for (query, field, code) in [
            ("offset=99999999999999999999", "offset", "out_of_range"),
            ("offset=-1", "offset", "invalid_type"),
            ("limit=1e3", "limit", "invalid_type"),
            ("color=red", "color", "unknown_field"),
        ] {
            let error = parse_query::<Filters>(query).unwrap_err();
            assert_eq!(error.code(), "validation_failed", "{query}");
            let problem = error.problem();
            assert_eq!(problem.errors[0].field, field, "{query}: {problem:?}");
            assert_eq!(problem.errors[0].code, code, "{query}: {problem:?}");
        }
    }

    #[test]
    fn a_parameter_without_a_value_is_refused_not_read_as_left_out() {
        for (query, field) in [
            ("limit=", "limit"),
            ("fieldOfAction=a&fieldOfAction=", "fieldOfAction"),
            ("offset", "offset"),
            ("limit=5&field%4Ff=", "fieldOf"),
        ] {
            let error = parse_query::<Filters>(query).unwrap_err();
            let problem = error.problem();
            assert_eq!(problem.errors[0].field, field, "{query}: {problem:?}");
            assert_eq!(problem.errors[0].code, "empty", "{query}: {problem:?}");
        }
    }

    #[test]
    fn whole_numbers_with_a_zero_fraction_read_as_integers() {
        use serde_json::json;
        #[derive(Deserialize)]
        struct Numbers {
            whole: u32,
            list: Vec<i64>,
            ratio: f64,
        }
        let numbers: Numbers =
            from_json_value(json!({"whole": 30.0, "list": [1.0, -2.0], "ratio": 2.0}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (numbers.whole, numbers.list, numbers.ratio),
            (30, vec![1, -2], 2.0)
        );
        for fraction in [json!(30.5), json!(1e300)] {
            let Err(error) =
                from_json_value::<Numbers>(json!({"whole": fraction, "list": [], "ratio": 1}))
            else {
                panic!("{fraction} was read as a whole number");
            };
            assert_eq!(error.problem().errors[0].field, "whole");
        }
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
