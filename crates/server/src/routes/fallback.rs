//! The answer for requests no route claims: 405 with `Allow` when the path exists under
//! another method, 404 otherwise — both as problem documents.
//!
//! The known paths and methods come from the OpenAPI document, so the contract and this
//! answer cannot disagree.

use academy_kernel::AppError;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

/// Path templates of the API and the methods each one serves.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    /// Every path of the document with its operations' methods.
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = split(template)
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    // HEAD is served as GET wherever GET is (see `middleware::head_as_get`).
                    ("HEAD", item.head.is_some() || item.get.is_some()),
                    ("OPTIONS", item.options.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, or `None` when no template matches it. Where several
    /// match, those with the most literal segments decide: `/users/invitations` rather
    /// than `/users/{id}`.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = split(path).collect();
        let matching: Vec<(usize, &Vec<&'static str>)> = self
            .routes
            .iter()
            .filter(|(segments, _)| matches(segments, &parts))
            .map(|(segments, methods)| {
                let literals = segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                (literals, methods)
            })
            .collect();
        let most = matching.iter().map(|(literals, _)| *literals).max()?;
        let mut methods: Vec<&'static str> = matching
            .into_iter()
            .filter(|(literals, _)| *literals == most)
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        Some(methods)
    }
}

fn matches(segments: &[Segment], parts: &[&str]) -> bool {
    segments.len() == parts.len()
        && segments
            .iter()
            .zip(parts)
            .all(|(segment, part)| match segment {
                Segment::Parameter => !part.is_empty(),
                Segment::Literal(literal) => literal == part,
            })
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

/// Path parameters. A segment that does not parse is a 404 (no resource has such an id),
/// unless a more specific path matches the request literally and serves other methods:
/// `PATCH /users/invitations` is a 405 naming `POST`, not a user id that does not parse.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        let specific = req
            .app_data::<web::Data<RouteTable>>()
            .and_then(|table| table.allowed_methods(req.path()));
        match specific {
            Some(methods) if !methods.contains(&req.method().as_str()) => {
                AppError::method_not_allowed(&methods).into()
            }
            _ => academy_kernel::extract::path_error(err).into(),
        }
    })
}

/// The default service of the app.
pub async fn not_routed(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    Err(match routes.allowed_methods(req.path()) {
        Some(methods) => AppError::method_not_allowed(&methods),
        None => AppError::not_found(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::OpenApiBuilder;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};

    fn table() -> RouteTable {
        let paths = PathsBuilder::new()
            .path(
                "/api/v1/guides/{id}",
                PathItem::new(HttpMethod::Get, OperationBuilder::new().build()),
            )
            .path(
                "/api/v1/guides/{id}",
                PathItem::new(HttpMethod::Patch, OperationBuilder::new().build()),
            )
            .path(
                "/health/live",
                PathItem::new(HttpMethod::Get, OperationBuilder::new().build()),
            );
        RouteTable::from_openapi(&OpenApiBuilder::new().paths(paths).build())
    }

    #[test]
    fn a_known_path_reports_its_methods() {
        assert_eq!(
            table().allowed_methods("/api/v1/guides/0192f5d2"),
            Some(vec!["GET", "HEAD", "PATCH"])
        );
        assert_eq!(
            table().allowed_methods("/health/live"),
            Some(vec!["GET", "HEAD"])
        );
        assert_eq!(
            table().allowed_methods("/health/live/"),
            Some(vec!["GET", "HEAD"])
        );
    }

    #[test]
    fn an_unknown_path_reports_nothing() {
        assert_eq!(table().allowed_methods("/api/v1/nope"), None);
        assert_eq!(table().allowed_methods("/api/v1/guides"), None);
        assert_eq!(table().allowed_methods("/api/v1/guides/x/y"), None);
        assert_eq!(table().allowed_methods("/"), None);
    }
}
