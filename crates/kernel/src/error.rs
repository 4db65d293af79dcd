//! One error type for the whole API, rendered as an RFC 9457 problem document.
//!
//! Handlers and services return [`AppError`]; domain errors convert into it. Every
//! failure a client sees — ours, or actix's own — leaves as `application/problem+json`
//! with a stable snake_case `code` that frontends can switch on.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// `Retry-After` of a 503 while the database is unreachable, as readiness says it.
pub const DATABASE_UNAVAILABLE_RETRY_SECS: u64 = 5;
/// `Retry-After` of a 503 while the database is busy.
pub const DATABASE_BUSY_RETRY_SECS: u64 = 1;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Prefix of the `type` URI of every problem; the stable code follows it.
const TYPE_PREFIX: &str = "urn:academy:problem:";

/// Most field errors a problem document lists; the rest are counted in `errorsOmitted`.
/// A request with thousands of faults gets a short answer, not a larger one than it sent.
pub const MAX_FIELD_ERRORS: usize = 20;
/// Longest `field` or `message` of a field error, in characters: whatever of the request
/// they repeat (an unknown key, say) is cut there, ending in "…".
pub const MAX_ECHO_CHARS: usize = 200;
/// Longest `detail`, in characters.
pub const MAX_DETAIL_CHARS: usize = 500;

/// A problem document (RFC 9457): what went wrong, in a form both people and programs read.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(
    as = Problem,
    example = json!({
        "type": "urn:academy:problem:validation_failed",
        "title": "Validation failed",
        "status": 422,
        "detail": "One or more fields are invalid.",
        "code": "validation_failed",
        "errors": [{"field": "title", "code": "too_long", "message": "must be at most 200 characters"}]
    })
)]
pub struct Problem {
    /// URI identifying the kind of problem: `urn:academy:problem:` followed by `code`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short, human-readable summary of the kind of problem; the same for every occurrence.
    pub title: Cow<'static, str>,
    /// The HTTP status code, repeated for convenience.
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    pub detail: Cow<'static, str>,
    /// Stable snake_case identifier of the kind of problem, for programs to switch on.
    pub code: Cow<'static, str>,
    /// Field-level problems, for validation failures; empty otherwise. At most
    /// 20 are listed, each `field` and `message` at most 200 characters long.
    pub errors: Vec<FieldError>,
    /// How many further field-level problems were found but not listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_omitted: Option<usize>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the problem is: a JSON path into the body (`steps[2].title`) or a parameter name.
    pub field: Cow<'static, str>,
    /// Stable snake_case identifier of the rule that failed (`required`, `too_long`, …).
    pub code: Cow<'static, str>,
    /// Human-readable explanation.
    pub message: Cow<'static, str>,
}

impl FieldError {
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The error every handler returns.
///
/// Build it with the constructors (`AppError::not_found()`, `AppError::conflict(code, detail)`,
/// …). An internal error keeps its cause for the log and tells the client nothing of it.
pub struct AppError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: Cow<'static, str>,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    source: Option<anyhow::Error>,
}

impl AppError {
    /// An error with the given status, stable code and explanation.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            source: None,
        }
    }

    /// 400: the request is malformed in a way no single field explains.
    pub fn bad_request(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: no valid credentials came with the request.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required to access this resource.",
        )
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403: the caller is known but their roles do not allow this action.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "You are not allowed to perform this action.",
        )
    }

    /// 404: no such resource, or one the caller may not see (the two are indistinguishable).
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The requested resource does not exist.",
        )
    }

    /// 405: the path exists, the method does not; `allow` lists the methods that do.
    pub fn method_not_allowed(allow: &[&str]) -> Self {
        let error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This method is not supported on this resource.",
        );
        match HeaderValue::from_str(&allow.join(", ")) {
            Ok(value) => error.with_header(header::ALLOW, value),
            Err(_) => error,
        }
    }

    /// 409: the request conflicts with the current state of the resource.
    pub fn conflict(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 412: the `If-Match` version is stale; someone else changed the resource first.
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "The resource was changed since you read it; reload it and apply your change again.",
        )
    }

    /// 413: the body is larger than allowed.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    /// 415: the body is not of a media type this endpoint accepts.
    pub fn unsupported_media_type(expected: &'static str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("The request body must be sent as {expected}."),
        )
    }

    /// 422: one or more fields are invalid; each is listed in `errors`.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "One or more fields are invalid.",
        )
        .with_errors(errors)
    }

    /// 429: too many attempts; the client may retry after `retry_after_secs`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many attempts; try again later.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
    }

    /// 503: a dependency (the database, …) is unavailable right now.
    pub fn unavailable(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// 503 `database_unavailable`: the database cannot be reached (restarting, connection
    /// lost, pool exhausted). Nothing was changed that the client would not see when it
    /// retries after `Retry-After`.
    pub fn database_unavailable() -> Self {
        Self::unavailable(
            "database_unavailable",
            "The database is not reachable right now; try again shortly.",
        )
        .with_header(
            header::RETRY_AFTER,
            HeaderValue::from(DATABASE_UNAVAILABLE_RETRY_SECS),
        )
    }

    /// 503 `database_busy`: the database stayed locked by other writers for longer than
    /// it waits (SQLite's busy timeout) or chose this request to break a deadlock. The
    /// request changed nothing; retrying after `Retry-After` is safe.
    pub fn database_busy() -> Self {
        Self::unavailable(
            "database_busy",
            "The database is busy with other changes; try again in a moment.",
        )
        .with_header(
            header::RETRY_AFTER,
            HeaderValue::from(DATABASE_BUSY_RETRY_SECS),
        )
    }

    /// 500: something failed that the client cannot fix. The cause is logged, never sent.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred. It has been logged; please try again later.",
        );
        error.source = Some(source.into());
        error
    }

    /// A generic problem for a bare status, for responses that arrive without a body of
    /// ours (actix's own errors, the problem fallback).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::UNAUTHORIZED => Self::unauthorized(),
            StatusCode::FORBIDDEN => Self::forbidden(),
            StatusCode::PRECONDITION_FAILED => Self::precondition_failed(),
            s if s.is_server_error() => Self::new(
                s,
                "internal_error",
                "An unexpected error occurred. It has been logged; please try again later.",
            ),
            s => Self::new(
                s,
                status_code_slug(s),
                s.canonical_reason().unwrap_or("Request failed").to_owned() + ".",
            ),
        }
    }

    /// Lists the fields at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Adds a response header (`Retry-After`, `Allow`, …).
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Keeps a cause for the log without changing what the client sees.
    pub fn with_source(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Whether trying the same again later may succeed: the database was away or busy, or
    /// the request ran out of time (every 503).
    pub fn is_transient(&self) -> bool {
        self.status == StatusCode::SERVICE_UNAVAILABLE
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The problem document this error renders as: at most [`MAX_FIELD_ERRORS`] field
    /// errors, and no text longer than [`MAX_ECHO_CHARS`] (field errors) or
    /// [`MAX_DETAIL_CHARS`] (`detail`), whatever the request held.
    pub fn problem(&self) -> Problem {
        let shown = self.errors.len().min(MAX_FIELD_ERRORS);
        let omitted = self.errors.len() - shown;
        let errors = self.errors[..shown]
            .iter()
            .map(|e| FieldError {
                field: shorten(&e.field, MAX_ECHO_CHARS),
                code: shorten(&e.code, MAX_ECHO_CHARS),
                message: shorten(&e.message, MAX_ECHO_CHARS),
            })
            .collect();
        let detail = shorten(&self.detail, MAX_DETAIL_CHARS);
        let detail = if omitted > 0 {
            Cow::Owned(format!(
                "{detail} The first {shown} of {} problems are listed.",
                self.errors.len()
            ))
        } else {
            detail
        };
        Problem {
            problem_type: format!("{TYPE_PREFIX}{}", shorten(&self.code, MAX_ECHO_CHARS)),
            title: Cow::Borrowed(title_for(self.status)),
            status: self.status.as_u16(),
            detail,
            code: shorten(&self.code, MAX_ECHO_CHARS),
            errors,
            errors_omitted: (omitted > 0).then_some(omitted),
        }
    }
}

/// `text`, cut to at most `max` characters (the last being "…").
fn shorten(text: &str, max: usize) -> Cow<'static, str> {
    match text.char_indices().nth(max) {
        None => Cow::Owned(text.to_owned()),
        Some(_) => {
            let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
            short.push('…');
            Cow::Owned(short)
        }
    }
}

/// A short, fixed title per status, as RFC 9457 asks (the same for every occurrence).
fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        409 => "Conflict",
        412 => "Precondition failed",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        429 => "Too many requests",
        500 => "Internal server error",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// snake_case of a status' reason phrase: "Request Timeout" → `request_timeout`.
fn status_code_slug(status: StatusCode) -> Cow<'static, str> {
    let reason = status.canonical_reason().unwrap_or("error");
    Cow::Owned(
        reason
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect(),
    )
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppError")
            .field("status", &self.status.as_u16())
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        // `{:#}` prints the whole cause chain on one line. Failures with a cause are ours
        // to fix; a bare 503 (database away, timeout) is an expected condition.
        match &self.source {
            // The database away or busy: expected now and then, and retried by clients.
            Some(source) if self.status == StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(code = %self.code, error = format!("{source:#}"), "request failed");
            }
            Some(source) if self.status.is_server_error() => {
                tracing::error!(code = %self.code, error = format!("{source:#}"), "request failed");
            }
            None if self.status.is_server_error() => {
                tracing::warn!(code = %self.code, detail = %self.detail, "request failed");
            }
            Some(source) => {
                tracing::debug!(code = %self.code, error = format!("{source:#}"), "request rejected");
            }
            None => {}
        }
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(self.problem())
    }
}

impl From<DbErr> for AppError {
    /// Constraint violations are conflicts the client caused; a database that cannot be
    /// reached or stays locked is a 503 the client may retry; any other database failure
    /// is internal. Domains that know which constraint means what map it themselves first.
    fn from(err: DbErr) -> Self {
        match classify(&err) {
            DbFailure::Unavailable => return Self::database_unavailable().with_source(err),
            DbFailure::Busy => return Self::database_busy().with_source(err),
            DbFailure::Other => {}
        }
        // SQLite reports a RESTRICT violation on delete with its own extended code (1811),
        // which `sql_err` does not classify; its message is fixed.
        let sqlite_restrict = err.to_string().contains("FOREIGN KEY constraint failed");
        match err.sql_err() {
            _ if sqlite_restrict => Self::conflict(
                "reference_conflict",
                "The resource refers to, or is referred to by, another resource.",
            )
            .with_source(err),
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::conflict(
                "already_exists",
                "A resource with these unique values already exists.",
            )
            .with_source(err),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::conflict(
                "reference_conflict",
                "The resource refers to, or is referred to by, another resource.",
            )
            .with_source(err),
            _ => Self::internal(err),
        }
    }
}

/// What kind of database failure an error is, as far as the client is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// The connection is lost or cannot be had: the server restarts, the network broke,
    /// the pool is exhausted.
    Unavailable,
    /// Locked by other writers beyond the busy timeout, or a deadlock victim.
    Busy,
    /// Anything else.
    Other,
}

/// Sorts a database error into [`DbFailure`].
pub fn classify(err: &DbErr) -> DbFailure {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => DbFailure::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::Protocol(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => DbFailure::Unavailable,
                Sqlx::Database(db) => db
                    .code()
                    .map_or(DbFailure::Other, |code| classify_code(&code)),
                _ => DbFailure::Other,
            }
        }
        _ => DbFailure::Other,
    }
}

/// PostgreSQL SQLSTATEs (five characters) and SQLite extended result codes (numbers).
fn classify_code(code: &str) -> DbFailure {
    match code {
        // PostgreSQL: connection exceptions; the server shutting down, crashed or starting;
        // too many connections.
        c if c.starts_with("08") => DbFailure::Unavailable,
        "57P01" | "57P02" | "57P03" | "53300" => DbFailure::Unavailable,
        // PostgreSQL: serialization failure, deadlock detected.
        "40001" | "40P01" => DbFailure::Busy,
        // SQLite: SQLITE_BUSY and SQLITE_LOCKED with their extended codes
        // (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT, LOCKED_SHAREDCACHE, LOCKED_VTAB).
        "5" | "261" | "517" | "773" | "6" | "262" | "518" => DbFailure::Busy,
        _ => DbFailure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(error: AppError) -> (StatusCode, String, serde_json::Value) {
        let response = error.error_response();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, content_type, json)
    }

    #[tokio::test]
    async fn validation_error_renders_every_member_of_the_problem_document() {
        let (status, content_type, body) = body_of(AppError::validation(vec![FieldError::new(
            "title",
            "required",
            "must not be empty",
        )]))
        .await;

        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(content_type, PROBLEM_JSON);
        assert_eq!(
            body,
            serde_json::json!({
                "type": "urn:academy:problem:validation_failed",
                "title": "Validation failed",
                "status": 422,
                "detail": "One or more fields are invalid.",
                "code": "validation_failed",
                "errors": [{"field": "title", "code": "required", "message": "must not be empty"}]
            })
        );
    }

    #[tokio::test]
    async fn thousands_of_field_errors_render_as_a_short_list() {
        let errors = (0..60_000)
            .map(|i| FieldError::new(format!("answers.q{i}"), "unknown", "is not a question"))
            .collect();
        let (status, _, body) = body_of(AppError::validation(errors)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"].as_array().map(Vec::len),
            Some(MAX_FIELD_ERRORS)
        );
        assert_eq!(body["errors"][0]["field"], "answers.q0");
        assert_eq!(body["errorsOmitted"], 60_000 - MAX_FIELD_ERRORS);
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("20 of 60000"),
            "{body}"
        );
        assert!(body.to_string().len() < 4_000, "{}", body.to_string().len());
    }

    #[tokio::test]
    async fn echoed_input_is_cut_short() {
        let key = "k".repeat(900_000);
        let (_, _, body) = body_of(
            AppError::validation(vec![FieldError::new(
                format!("answers.{key}"),
                "unknown",
                format!("{key} is not a question"),
            )])
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")),
        )
        .await;
        let field = body["errors"][0]["field"].as_str().unwrap_or_default();
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert_eq!(field.chars().count(), MAX_ECHO_CHARS);
        assert!(
            field.starts_with("answers.kkk") && field.ends_with('…'),
            "{field}"
        );
        assert_eq!(message.chars().count(), MAX_ECHO_CHARS);
        assert!(body.get("errorsOmitted").is_none(), "{body}");

        let (_, _, body) = body_of(AppError::bad_request("bad", "ü".repeat(10_000))).await;
        assert_eq!(
            body["detail"].as_str().unwrap_or_default().chars().count(),
            MAX_DETAIL_CHARS
        );
    }

    #[tokio::test]
    async fn internal_error_tells_the_client_nothing_of_its_cause() {
        let cause = anyhow::anyhow!(
            "connection to 10.1.2.3 refused: password authentication failed for user academy"
        );
        let (status, _, body) = body_of(AppError::internal(cause)).await;

        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal_error");
        let text = body.to_string();
        assert!(!text.contains("10.1.2.3"), "{text}");
        assert!(!text.contains("password"), "{text}");
    }

    #[tokio::test]
    async fn too_many_requests_carries_retry_after() {
        let response = AppError::too_many_requests(30).error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("30"))
        );
    }

    #[tokio::test]
    async fn method_not_allowed_lists_the_allowed_methods() {
        let response = AppError::method_not_allowed(&["GET", "PATCH"]).error_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            response.headers().get(header::ALLOW),
            Some(&HeaderValue::from_static("GET, PATCH"))
        );
    }

    #[test]
    fn bare_statuses_get_a_snake_case_code() {
        assert_eq!(
            AppError::from_status(StatusCode::REQUEST_TIMEOUT).code(),
            "request_timeout"
        );
        assert_eq!(
            AppError::from_status(StatusCode::BAD_GATEWAY).code(),
            "internal_error"
        );
        assert_eq!(
            AppError::from_status(StatusCode::NOT_FOUND).code(),
            "not_found"
        );
    }

    #[test]
    fn a_lost_database_is_a_503_with_retry_after() {
        use sea_orm::ConnAcquireErr;
        let io = || {
            sea_orm::sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            ))
        };
        let lost = [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::Internal("refused".into())),
            DbErr::Exec(RuntimeErr::SqlxError(io().into())),
            DbErr::Query(RuntimeErr::SqlxError(io().into())),
            DbErr::Query(RuntimeErr::SqlxError(
                sea_orm::sqlx::Error::PoolTimedOut.into(),
            )),
        ];
        for err in lost {
            let error = AppError::from(err);
            assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(error.code(), "database_unavailable");
            let response = error.error_response();
            assert_eq!(
                response.headers().get(header::RETRY_AFTER),
                Some(&HeaderValue::from(DATABASE_UNAVAILABLE_RETRY_SECS))
            );
            assert!(!error.problem().detail.contains("reset"));
        }
    }

    #[test]
    fn database_codes_are_sorted_by_what_the_client_can_do() {
        assert_eq!(classify_code("57P01"), DbFailure::Unavailable);
        assert_eq!(classify_code("08006"), DbFailure::Unavailable);
        assert_eq!(classify_code("40P01"), DbFailure::Busy);
        assert_eq!(classify_code("5"), DbFailure::Busy);
        assert_eq!(classify_code("517"), DbFailure::Busy);
        assert_eq!(classify_code("23505"), DbFailure::Other);
        assert_eq!(classify_code("2067"), DbFailure::Other);
        assert_eq!(AppError::database_busy().code(), "database_busy");
    }

    #[test]
    fn database_errors_other_than_constraint_violations_are_internal() {
        let other = AppError::from(DbErr::Custom("disk full".into()));
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            other.problem().detail,
            AppError::internal(anyhow::anyhow!("x")).problem().detail
        );
    }
}
