//! Responses many operations share, for the `responses(...)` of `#[utoipa::path]`: a
//! handler names the sets that apply (`SignedIn`, `VersionChecked`, …) and lists only the
//! responses particular to it. Each error response is a problem document whose `code`
//! says which; the descriptions here are the one place their wording lives.

use utoipa::IntoResponses;

use crate::Problem;

/// For every operation that needs a signed-in caller (`security: bearer`).
#[derive(IntoResponses)]
pub enum SignedIn {
    /// `unauthorized`: no access token, or one that is expired, revoked or not ours; sign
    /// in (or refresh) and try again.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
}

/// For a change that must name the version it was made from (`If-Match` required).
#[derive(IntoResponses)]
pub enum VersionChecked {
    /// `precondition_failed`: changed since it was read (`If-Match` names an older
    /// version); read it again, then change that.
    #[response(status = 412, content_type = "application/problem+json")]
    Changed(Problem),
    /// `precondition_required`: `If-Match` is missing.
    #[response(status = 428, content_type = "application/problem+json")]
    Unversioned(Problem),
}

/// For a change that may name the version it was made from (`If-Match` optional).
#[derive(IntoResponses)]
pub enum VersionOptional {
    /// `precondition_failed`: `If-Match` was sent and names an older version; read it
    /// again, then change that.
    #[response(status = 412, content_type = "application/problem+json")]
    Changed(Problem),
}

/// For a read that answers `If-None-Match`.
#[derive(IntoResponses)]
pub enum Cached {
    /// Unchanged since the version `If-None-Match` names; no body.
    #[response(status = 304)]
    NotModified,
}

/// For a list read with filters and pages.
#[derive(IntoResponses)]
pub enum Filtered {
    /// `validation_failed`: a filter or the page (`limit` 1–100, `offset` 0–1,000,000) is
    /// invalid; `errors` names the parameter.
    #[response(status = 422, content_type = "application/problem+json")]
    InvalidFilter(Problem),
}
