//! `/taxonomy`: the whole taxonomy for anyone, single terms, and coordinators' edits.

use academy_auth::{Coordinators, Require};
use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};
use academy_kernel::extract::Json;
use academy_kernel::{AppError, Db, etag};
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, put, web};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::terms::{self, Put, Term, TermInput, TermKind};

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[(
    "taxonomy",
    "Themes, fields of action, programme phases and target audiences that content is tagged with.",
)];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_taxonomy)
        .service(get_term)
        .service(put_term)
        .service(delete_term);
}

/// A term of any kind.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TermResponse {
    /// Stable identifier that content refers to.
    #[schema(example = "activation-participation")]
    pub slug: String,
    /// The German name.
    #[schema(example = "Aktivierung und Beteiligung")]
    pub name: String,
    /// A longer explanation, if any.
    pub description: Option<String>,
    /// Order within its list.
    pub position: i32,
    /// Themes only: the programme's letter (A–D).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "A")]
    pub code: Option<String>,
    /// Fields of action only: the theme they belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme_slug: Option<String>,
}

fn response(kind: TermKind, term: Term) -> TermResponse {
    let (code, theme_slug) = match kind {
        TermKind::Themes => (term.extra, None),
        TermKind::FieldsOfAction => (None, term.extra),
        TermKind::Phases | TermKind::Audiences => (None, None),
    };
    TermResponse {
        slug: term.slug,
        name: term.name,
        description: term.description,
        position: term.position,
        code,
        theme_slug,
    }
}

/// A theme with its fields of action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThemeResponse {
    /// The theme itself.
    #[serde(flatten)]
    pub theme: TermResponse,
    /// Its fields of action, in order.
    pub fields_of_action: Vec<TermResponse>,
}

/// The whole taxonomy.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaxonomyResponse {
    /// The four themes of the programme, each with its fields of action.
    pub themes: Vec<ThemeResponse>,
    /// Programme phases of a funded site.
    pub phases: Vec<TermResponse>,
    /// Target audiences of content.
    pub audiences: Vec<TermResponse>,
}

/// The whole taxonomy, with an `ETag`; anyone may read it.
#[utoipa::path(
    tag = "taxonomy",
    responses(
        (status = OK, description = "Themes with their fields of action, phases and audiences.", body = TaxonomyResponse),
        academy_kernel::responses::Cached,
    )
)]
#[get("/taxonomy")]
pub async fn get_taxonomy(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let db = db.get_ref();
    let fields = terms::list(db, TermKind::FieldsOfAction).await?;
    let themes = terms::list(db, TermKind::Themes)
        .await?
        .into_iter()
        .map(|theme| ThemeResponse {
            fields_of_action: fields
                .iter()
                .filter(|f| f.extra.as_deref() == Some(theme.slug.as_str()))
                .cloned()
                .map(|f| response(TermKind::FieldsOfAction, f))
                .collect(),
            theme: response(TermKind::Themes, theme),
        })
        .collect();
    let body = TaxonomyResponse {
        themes,
        phases: terms::list(db, TermKind::Phases)
            .await?
            .into_iter()
            .map(|t| response(TermKind::Phases, t))
            .collect(),
        audiences: terms::list(db, TermKind::Audiences)
            .await?
            .into_iter()
            .map(|t| response(TermKind::Audiences, t))
            .collect(),
    };
    let json = serde_json::to_vec(&body).map_err(AppError::internal)?;
    // The tag is the content's digest: any edit of any term changes it.
    let digest = Sha256::digest(&json);
    let tag = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if etag::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(json))
}

/// Path of a single term.
#[derive(Deserialize)]
pub struct TermPath {
    kind: TermKind,
    slug: String,
}

/// One term, with its `ETag`.
#[utoipa::path(
    tag = "taxonomy",
    params(
        ("kind" = TermKind, Path, description = "`themes`, `fields-of-action`, `phases` or `audiences`."),
        ("slug" = String, Path, description = "The term's slug."),
    ),
    responses(
        (status = OK, description = "The term.", body = TermResponse),
        academy_kernel::responses::Cached,
    )
)]
#[get("/taxonomy/{kind}/{slug}")]
pub async fn get_term(
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<TermPath>,
) -> Result<HttpResponse, AppError> {
    let term = terms::find(db.get_ref(), path.kind, &path.slug)
        .await?
        .ok_or_else(AppError::not_found)?;
    let tag = etag::of(term.version);
    if etag::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(response(path.kind, term)))
}

/// A term's fields. `code` is required for a new theme, `themeSlug` for a new field of
/// action; neither applies to other kinds.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TermRequest {
    /// The German name; 1–200 characters.
    #[schema(example = "Aktivierung und Beteiligung")]
    pub name: String,
    /// A longer explanation; at most 2000 characters.
    pub description: Option<String>,
    /// Order within its list; a new term goes last, a changed one keeps its place.
    pub position: Option<i32>,
    /// Themes: one capital letter.
    pub code: Option<String>,
    /// Fields of action: the slug of their theme.
    pub theme_slug: Option<String>,
}

/// Creates a term or replaces its fields. Coordinators; send `If-Match` with the `ETag`
/// you read when replacing.
#[utoipa::path(
    tag = "taxonomy",
    security(("bearer" = [])),
    request_body = TermRequest,
    params(
        ("kind" = TermKind, Path, description = "`themes`, `fields-of-action`, `phases` or `audiences`."),
        ("slug" = String, Path, description = "The term's slug: 2–64 characters of a–z, 0–9 and hyphens."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` a replacement is based on."),
    ),
    responses(
        (status = OK, description = "Replaced.", body = TermResponse),
        (status = CREATED, description = "Created.", body = TermResponse),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::VersionOptional,
    )
)]
#[put("/taxonomy/{kind}/{slug}")]
pub async fn put_term(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<TermPath>,
    body: Json<TermRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let input = TermInput {
        name: body.name,
        description: body.description,
        position: body.position,
        code: body.code,
        theme_slug: body.theme_slug,
    };
    let check = |version| etag::check_if_match(&req, &etag::of(version));
    let outcome = terms::put(&db, &caller, path.kind, &path.slug, input, check).await?;
    Ok(match outcome {
        Put::Created(term) => HttpResponse::Created()
            .insert_header((header::ETAG, etag::of(term.version)))
            .insert_header((
                header::LOCATION,
                format!("/api/v1/taxonomy/{}/{}", path.kind.segment(), term.slug),
            ))
            .json(response(path.kind, term)),
        Put::Replaced(term) => HttpResponse::Ok()
            .insert_header((header::ETAG, etag::of(term.version)))
            .json(response(path.kind, term)),
    })
}

/// Deletes a term nothing refers to. Coordinators.
#[utoipa::path(
    tag = "taxonomy",
    security(("bearer" = [])),
    params(
        ("kind" = TermKind, Path, description = "`themes`, `fields-of-action`, `phases` or `audiences`."),
        ("slug" = String, Path, description = "The term's slug."),
    ),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = CONFLICT, description = "`reference_conflict`: something still refers to it (e.g. a theme's fields of action).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/taxonomy/{kind}/{slug}")]
pub async fn delete_term(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<TermPath>,
) -> Result<HttpResponse, AppError> {
    terms::delete(&db, &caller, path.kind, &path.slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The bounds the taxonomy's checks apply, for the contract (from the same constants).
pub fn contract() -> Vec<Constraint> {
    use crate::terms::{CODE_PATTERN, DESCRIPTION_MAX, NAME_MAX, SLUG_LENGTH, SLUG_PATTERN};
    use Rule::{Length, Pattern};
    let mut all = vec![
        Constraint::field("TermRequest", "name", Length(1, NAME_MAX)),
        Constraint::field("TermRequest", "name", Pattern(NOT_BLANK)),
        Constraint::field("TermRequest", "description", Length(0, DESCRIPTION_MAX)),
        Constraint::field("TermRequest", "code", Pattern(CODE_PATTERN)),
        Constraint::field("TermRequest", "themeSlug", Pattern(SLUG_PATTERN)),
    ];
    for operation in ["get_term", "put_term", "delete_term"] {
        all.push(Constraint::parameter(
            operation,
            "slug",
            Length(SLUG_LENGTH.0, SLUG_LENGTH.1),
        ));
        all.push(Constraint::parameter(
            operation,
            "slug",
            Pattern(SLUG_PATTERN),
        ));
    }
    all
}

/// Where a term that was just made leads: to reading it and deleting it.
pub fn links() -> Vec<Link> {
    Link::each(
        "put_term",
        "201",
        &["get_term", "delete_term"],
        &[
            ("kind", "$request.path.kind"),
            ("slug", "$request.path.slug"),
        ],
    )
}

/// The bounds of the taxonomy filters of a list (`?fieldOfAction=a&fieldOfAction=b`): at
/// most [`terms::MAX_FILTER_VALUES`] values of each, each a slug; `ids` are filters by id,
/// bounded alike.
pub fn filter_contract(
    operation: &'static str,
    slugs: &[&'static str],
    ids: &[&'static str],
) -> Vec<Constraint> {
    use Rule::{ItemPattern, Items};
    let mut all = Vec::new();
    for name in slugs {
        all.push(Constraint::parameter(
            operation,
            name,
            Items(0, terms::MAX_FILTER_VALUES),
        ));
        all.push(Constraint::parameter(
            operation,
            name,
            ItemPattern(terms::SLUG_PATTERN),
        ));
    }
    for name in ids {
        all.push(Constraint::parameter(
            operation,
            name,
            Items(0, terms::MAX_FILTER_VALUES),
        ));
    }
    all
}
