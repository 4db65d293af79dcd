//! The OpenAPI document: assembled from the handlers' annotations, so it cannot drift
//! from the code; `openapi/openapi.json` in the repository is this document, committed.

use academy_kernel::contract::Constraint;
use academy_kernel::{FieldError, Problem};
use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{health, meta};

/// Name of the shared error response component.
const PROBLEM_RESPONSE: &str = "Problem";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Akademie für sozialen Zusammenhalt — API",
        description = include_str!("openapi_description.md"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    tags(
        (name = "operations", description = "Health probes, version and metrics for operating the service."),
    ),
    // Enums used only as parameters: utoipa refers to them but collects only the schemas
    // of bodies, so they are named here.
    components(schemas(
        Problem,
        FieldError,
        academy_taxonomy::TermKind,
        academy_guides::GuideSort,
        academy_guides::RevisionChoice,
        academy_tutorials::domain::TrackKind,
        academy_tutorials::TutorialSort,
        academy_tutorials::TutorialRevisionChoice,
        academy_tutorials::ReportFormat,
        academy_tutorials::domain::Provenance,
        academy_consultation_hours::browse::Scope,
        academy_courses::enrolments::EnrolmentState,
        academy_courses::CourseSort,
        academy_courses::CourseRevisionChoice,
        academy_courses::reports::Grouping,
        academy_catalogue::CatalogueSort,
        academy_catalogue::ContentType,
        academy_catalogue::Accessibility,
    )),
)]
struct ApiDoc;

/// Mounts every documented route. The server and [`document`] both call it, so what is
/// served and what is documented are the same list.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::liveness)
        .service(health::readiness)
        .service(meta::get_metrics)
        .service(
            scope::scope("/api/v1")
                .service(meta::get_version)
                .configure(academy_auth::configure)
                .configure(academy_taxonomy::configure)
                .configure(academy_guides::configure)
                .configure(academy_tutorials::configure)
                .configure(academy_courses::configure)
                .configure(academy_catalogue::configure)
                .configure(academy_consultation_hours::configure),
        );
}

/// The complete OpenAPI 3.1 document.
pub fn document() -> utoipa::openapi::OpenApi {
    assemble().0
}

/// The constraints every capability's checks enforce (see `academy_kernel::contract`).
fn constraints() -> Vec<Constraint> {
    [
        academy_auth::contract(),
        academy_taxonomy::contract(),
        academy_guides::contract(),
        academy_tutorials::contract(),
        academy_courses::contract(),
        academy_catalogue::contract(),
        academy_consultation_hours::contract(),
    ]
    .concat()
}

/// The document, and the constraints that found no place in it (a test reports them).
fn assemble() -> (utoipa::openapi::OpenApi, Vec<String>) {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    add_problem_responses(&mut api);
    add_tags_and_security(&mut api);
    // Before flattening, so flattened schemas take the constrained properties.
    let mut unplaced = academy_kernel::contract::apply(&mut api, &constraints());
    flatten_all_of(&mut api);
    let (api, unlinked) = rules_and_links(api);
    unplaced.extend(unlinked);
    (api, unplaced)
}

/// Turns each component that is an `allOf` of objects (what `#[serde(flatten)]` makes)
/// into one object with all their properties. With `allOf`, a part that refuses unknown
/// properties (`additionalProperties: false`) would refuse the other parts' properties
/// too, so JSON Schema validators rejected every valid request; one flat object states
/// exactly what the server reads, and generated clients get one plain type.
fn flatten_all_of(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{Object, Schema};
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let named = components.schemas.clone();
    let object_of = |part: &RefOr<Schema>| -> Option<Object> {
        match part {
            RefOr::T(Schema::Object(object)) => Some(object.clone()),
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next()?;
                match named.get(name)? {
                    RefOr::T(Schema::Object(object)) => Some(object.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        let Some(parts) = all.items.iter().map(object_of).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let mut merged = Object::new();
        merged.description = all.description.clone();
        for part in parts {
            merged.properties.extend(part.properties);
            merged.required.extend(part.required);
            if part.additional_properties.is_some() {
                merged.additional_properties = part.additional_properties;
            }
        }
        *schema = RefOr::T(Schema::Object(merged));
    }
}

/// The links between operations of every capability (see `academy_kernel::contract::Link`).
fn links() -> Vec<academy_kernel::contract::Link> {
    [
        academy_auth::links(),
        academy_taxonomy::links(),
        academy_guides::links(),
        academy_tutorials::links(),
        academy_courses::links(),
        academy_consultation_hours::links(),
    ]
    .concat()
}

/// What is written on the document as JSON: the rules every text of a request shares (no
/// NUL character, no empty query value) and the links between operations; returns the
/// links that found no place.
fn rules_and_links(api: utoipa::openapi::OpenApi) -> (utoipa::openapi::OpenApi, Vec<String>) {
    let mut json = serde_json::to_value(&api).expect("the document serialises");
    academy_kernel::contract::shared_text_rules(&mut json);
    let unlinked = academy_kernel::contract::apply_links(&mut json, &links());
    let api = serde_json::from_value(json).expect("the document reads back");
    (api, unlinked)
}

/// The tags of the capabilities, the bearer scheme their protected operations name, and
/// the scraper's token scheme of `/metrics`.
fn add_tags_and_security(api: &mut utoipa::openapi::OpenApi) {
    let tags = api.tags.get_or_insert_with(Vec::new);
    for (name, description) in academy_auth::TAGS
        .iter()
        .chain(academy_taxonomy::TAGS)
        .chain(academy_guides::TAGS)
        .chain(academy_tutorials::TAGS)
        .chain(academy_courses::TAGS)
        .chain(academy_catalogue::TAGS)
        .chain(academy_consultation_hours::TAGS)
    {
        tags.push(
            utoipa::openapi::tag::TagBuilder::new()
                .name(*name)
                .description(Some(*description))
                .build(),
        );
    }
    api.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` or `/auth/refresh`.",
                    ))
                    .build(),
            ),
        );
    api.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
        "metricsToken",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The metrics scraper's token, `ACADEMY_METRICS_TOKEN` (not an access token).",
                ))
                .build(),
        ),
    );
}

/// The document as the pretty-printed JSON that is committed and served.
pub fn document_json() -> String {
    // Serialising plain data structures cannot fail.
    let mut json = serde_json::to_string_pretty(&document()).unwrap_or_default();
    json.push('\n');
    json
}

/// Every operation documents its client and server errors as problem documents: a shared
/// `Problem` response answers `4XX` and `5XX` wherever a handler lists nothing more specific.
fn add_problem_responses(api: &mut utoipa::openapi::OpenApi) {
    let problem = ResponseBuilder::new()
        .description("An error, as an RFC 9457 problem document; `code` says which.")
        .content(
            academy_kernel::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    api.components
        .get_or_insert_with(Default::default)
        .responses
        .insert(PROBLEM_RESPONSE.into(), RefOr::T(problem));

    let reference = || RefOr::Ref(Ref::from_response_name(PROBLEM_RESPONSE));
    for item in api.paths.paths.values_mut() {
        let operations: [&mut Option<Operation>; 7] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
            &mut item.head,
            &mut item.options,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            responses.entry("4XX".into()).or_insert_with(reference);
            responses.entry("5XX".into()).or_insert_with(reference);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_problem_responses() {
        let api = document();
        assert!(!api.paths.paths.is_empty());
        for (path, item) in &api.paths.paths {
            for operation in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                let responses = &operation.responses.responses;
                assert!(responses.contains_key("4XX"), "{path} lacks 4XX");
                assert!(responses.contains_key("5XX"), "{path} lacks 5XX");
            }
        }
    }

    /// Every `"$ref"` in `value`, wherever it is.
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    out.push(target.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_constraint_finds_its_place() {
        let (_, unplaced) = assemble();
        assert!(unplaced.is_empty(), "{unplaced:#?}");
    }

    #[test]
    fn every_reference_resolves() {
        let json: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let mut found = Vec::new();
        refs(&json, &mut found);
        assert!(!found.is_empty());
        let dangling: Vec<&String> = found
            .iter()
            .filter(|target| {
                target
                    .strip_prefix('#')
                    .is_none_or(|pointer| json.pointer(pointer).is_none())
            })
            .collect();
        assert!(dangling.is_empty(), "unresolved: {dangling:?}");
    }

    #[test]
    fn the_document_is_openapi_3_1() {
        let json: serde_json::Value =
            serde_json::from_str(&document_json()).expect("the document is JSON");
        assert!(
            json["openapi"]
                .as_str()
                .unwrap_or_default()
                .starts_with("3.1")
        );
        assert!(json["components"]["schemas"]["Problem"].is_object());
    }
}
