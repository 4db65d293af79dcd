//! Entity tags from row versions: reads send `ETag` and honour `If-None-Match` (304);
//! updates honour `If-Match` and answer 412 when someone else changed the resource first.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::AppError;

/// The strong entity tag of a resource at `version`, quoted as it goes on the wire.
pub fn of(version: i32) -> String {
    format!("\"v{version}\"")
}

fn listed(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

/// Whether the client's copy (`If-None-Match`) is current, so a 304 will do.
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| listed(v, etag))
}

/// 412 unless `If-Match` is absent or names `etag` (strong comparison).
pub fn check_if_match(req: &HttpRequest, etag: &str) -> Result<(), AppError> {
    let mut values = req
        .headers()
        .get_all(header::IF_MATCH)
        .filter_map(|v| v.to_str().ok())
        .peekable();
    if values.peek().is_none() {
        return Ok(());
    }
    let matches = values.any(|v| {
        v.split(',')
            .map(str::trim)
            .any(|candidate| candidate == "*" || candidate == etag)
    });
    if matches {
        Ok(())
    } else {
        Err(AppError::precondition_failed())
    }
}

/// Like [`check_if_match`], but `If-Match` is required: 428 without it. For changes of
/// content that several people edit, so no one overwrites another's work unseen.
pub fn require_if_match(req: &HttpRequest, etag: &str) -> Result<(), AppError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Err(AppError::new(
            actix_web::http::StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "Send If-Match with the ETag you read, so that no one's changes are overwritten.",
        ));
    }
    check_if_match(req, etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_compares_strongly() {
        let etag = of(3);
        assert_eq!(etag, "\"v3\"");
        let plain = TestRequest::default().to_http_request();
        assert!(check_if_match(&plain, &etag).is_ok());
        let current = TestRequest::default()
            .insert_header((header::IF_MATCH, "\"v3\""))
            .to_http_request();
        assert!(check_if_match(&current, &etag).is_ok());
        for stale in ["\"v2\"", "W/\"v3\"", "v3"] {
            let req = TestRequest::default()
                .insert_header((header::IF_MATCH, stale))
                .to_http_request();
            assert_eq!(
                check_if_match(&req, &etag).unwrap_err().code(),
                "precondition_failed"
            );
        }
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = of(7);
        let req = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"v6\", W/\"v7\""))
            .to_http_request();
        assert!(not_modified(&req, &etag));
        let other = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"v6\""))
            .to_http_request();
        assert!(!not_modified(&other, &etag));
    }

    #[test]
    fn a_required_if_match_is_428_when_missing() {
        let etag = of(2);
        let plain = TestRequest::default().to_http_request();
        assert_eq!(
            require_if_match(&plain, &etag).unwrap_err().code(),
            "precondition_required"
        );
        let current = TestRequest::default()
            .insert_header((header::IF_MATCH, "\"v2\""))
            .to_http_request();
        assert!(require_if_match(&current, &etag).is_ok());
        let stale = TestRequest::default()
            .insert_header((header::IF_MATCH, "\"v1\""))
            .to_http_request();
        assert_eq!(
            require_if_match(&stale, &etag).unwrap_err().code(),
            "precondition_failed"
        );
    }
}
