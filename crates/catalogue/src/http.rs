//! `GET /api/v1/catalogue`: one list of guides, tutorials and courses.

use std::collections::BTreeMap;

use academy_kernel::contract::{Constraint, Rule};
use academy_kernel::db::Db;
use academy_kernel::extract::Query;
use academy_kernel::{AppError, Bounds, FieldError, etag};
use academy_publishing::catalogue::facet;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::query::{self, Answer, Entry};
use crate::request::{CURSOR_MAX_CHARS, Filters, Request, SEARCH_CANDIDATES, Search, Sort};
use crate::{Cache, suggest};

/// How long a shared cache may serve a page without asking, in seconds.
pub const MAX_AGE_SECONDS: u32 = 10;
/// How long after that it may serve it while it asks again, in seconds.
pub const STALE_WHILE_REVALIDATE_SECONDS: u32 = 30;

/// Most `type` values: one of each kind.
pub const TYPES_MAX: usize = 3;
/// Most `accessibility` values: one of each feature.
pub const ACCESSIBILITY_MAX: usize = 5;

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[(
    "catalogue",
    "Guides, tutorials and courses found together: German search, filters and facet counts.",
)];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_catalogue);
}

/// The constraints the checks enforce, for the OpenAPI document.
pub fn contract() -> Vec<Constraint> {
    use Rule::{Items, Length, Pattern};
    let language = academy_publishing::language::LENGTH;
    let mut all = academy_taxonomy_filters();
    all.extend([
        Constraint::parameter(
            "list_catalogue",
            "q",
            Length(1, academy_publishing::search::QUERY_MAX_CHARS),
        ),
        Constraint::parameter("list_catalogue", "cursor", Length(1, CURSOR_MAX_CHARS)),
        Constraint::parameter("list_catalogue", "language", Length(language.0, language.1)),
        Constraint::parameter(
            "list_catalogue",
            "language",
            Pattern(academy_publishing::language::PATTERN),
        ),
        Constraint::parameter("list_catalogue", "type", Items(0, TYPES_MAX)),
        Constraint::parameter(
            "list_catalogue",
            "accessibility",
            Items(0, ACCESSIBILITY_MAX),
        ),
    ]);
    all
}

fn academy_taxonomy_filters() -> Vec<Constraint> {
    academy_taxonomy::filter_contract(
        "list_catalogue",
        &["fieldOfAction", "theme", "phase", "audience"],
        &["organisation"],
    )
}

/// A kind of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
    /// A guide (Leitfaden).
    Guide,
    /// A video tutorial.
    Tutorial,
    /// A course.
    Course,
}

impl ContentType {
    fn noun(self) -> &'static str {
        match self {
            Self::Guide => "guide",
            Self::Tutorial => "tutorial",
            Self::Course => "course",
        }
    }
}

/// An accessibility feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Accessibility {
    /// Approved German captions.
    Captions,
    /// Audio description: a descriptions track or a described rendition.
    AudioDescription,
    /// A German Sign Language video.
    SignLanguage,
    /// A Leichte Sprache variant.
    EasyLanguage,
    /// A transcript.
    Transcript,
}

impl Accessibility {
    fn name(self) -> &'static str {
        match self {
            Self::Captions => "captions",
            Self::AudioDescription => "audioDescription",
            Self::SignLanguage => "signLanguage",
            Self::EasyLanguage => "easyLanguage",
            Self::Transcript => "transcript",
        }
    }
}

/// The order of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatalogueSort {
    /// Best match first; the default with `q`, and only with `q`.
    Relevance,
    /// Most recently published first; the default without `q`.
    Newest,
    /// By title, A–Z.
    Title,
}

/// Search, filters and page of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words to search for, in German: each word matches by prefix ("Klima" finds
    /// "Klimaanpassung"), umlauts may be written out ("gruen" finds "grün"), inflected
    /// forms find each other ("verstetigen", "verstetigt"). Every word must match.
    pub q: Option<String>,
    /// Only these kinds of content (repeatable).
    #[serde(default, rename = "type")]
    #[param(rename = "type", style = Form, explode)]
    pub types: Vec<ContentType>,
    /// Only content for one of these fields of action (slugs, repeatable); an unknown
    /// slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only content with a field of action of one of these themes (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub theme: Vec<String>,
    /// Only content for one of these programme phases (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub phase: Vec<String>,
    /// Only content for one of these target audiences (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub audience: Vec<String>,
    /// Only content one of these organisations publishes or co-publishes (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only content in this language, e.g. `de`.
    pub language: Option<String>,
    /// Only content with every one of these accessibility features (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub accessibility: Vec<Accessibility>,
    /// `relevance` (the default with `q`), `newest` (the default without) or `title`.
    pub sort: Option<CatalogueSort>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0). Deep pages are cheaper with `cursor`.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
    /// The `next` of the previous page: the page after it, however the catalogue changed
    /// meanwhile. Not together with `offset`.
    pub cursor: Option<String>,
}

/// How many items of the result have a facet's value.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value: a type, or a term's slug.
    pub value: String,
    /// Items of the result with it.
    pub count: u64,
}

/// Counts for the filter UI, over the whole result (not just the page); values no item
/// has are left out.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    /// Per kind of content.
    #[serde(rename = "type")]
    pub types: Vec<FacetCount>,
    /// Per field of action.
    pub field_of_action: Vec<FacetCount>,
    /// Per programme phase.
    pub phase: Vec<FacetCount>,
    /// Per target audience.
    pub audience: Vec<FacetCount>,
}

/// What a guide adds to its catalogue item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuideDetails {
    /// Estimated reading time in minutes.
    pub reading_minutes: Option<i32>,
}

/// What a tutorial adds to its catalogue item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialDetails {
    /// The tutorial's kind (`orientation`, `explainer`, …).
    pub kind: String,
    /// Length of the video in seconds.
    pub duration_seconds: f64,
}

/// What a course adds to its catalogue item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseDetails {
    /// Estimated hours of learning.
    pub estimated_hours: f64,
    /// Whether learners enrol themselves.
    pub self_enrolment: bool,
    /// When enrolment opens, if set.
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    /// When enrolment closes, if set.
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    /// The cover image, if one was uploaded.
    #[serde(default)]
    pub cover: Option<academy_courses::CoverResponse>,
}

/// Where in a tutorial's video the searched words are said.
#[derive(Debug, Serialize, ToSchema)]
pub struct Moment {
    /// Seconds from the start: open the video here.
    pub t: f64,
    /// The words said then.
    pub text: String,
}

/// One guide, tutorial or course of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogueItem {
    /// Which kind of content; the field of the same name carries its own details.
    #[serde(rename = "type")]
    pub content_type: ContentType,
    /// The item's id in its own list (`/guides/{id}`, `/tutorials/{id}`, `/courses/{id}`).
    pub id: Uuid,
    /// Its slug there.
    pub slug: String,
    /// Title of the live revision.
    pub title: String,
    /// Summary of the live revision, as plain text.
    pub summary: String,
    /// Language tag.
    pub language: String,
    /// The publishing organisation.
    pub organisation_id: Uuid,
    /// Slugs of the fields of action.
    pub fields_of_action: Vec<String>,
    /// Slugs of the themes.
    pub themes: Vec<String>,
    /// Slugs of the programme phases.
    pub phases: Vec<String>,
    /// Slugs of the target audiences.
    pub audiences: Vec<String>,
    /// Co-publishing organisations.
    pub co_publishers: Vec<Uuid>,
    /// Accessibility features it has.
    pub accessibility: Vec<Accessibility>,
    /// When the live revision went live.
    pub published_at: DateTime<Utc>,
    /// With `q`: about 30 words of plain text (no Markdown markup) around the first
    /// match, HTML-escaped, matched words in `<mark>…</mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// With `q`, tutorials only: the first moment the searched words are spoken, if
    /// they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moment: Option<Moment>,
    /// Guides: their details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guide: Option<GuideDetails>,
    /// Tutorials: their details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tutorial: Option<TutorialDetails>,
    /// Courses: their details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course: Option<CourseDetails>,
}

/// One page of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CataloguePage {
    /// The items of this page, in order.
    pub items: Vec<CatalogueItem>,
    /// How many items match. Exact unless `totalExact` is false: a search ranks at most
    /// its 1,000 newest matches, and then `total` is that lower bound.
    pub total: u64,
    /// Whether `total` and the facet counts are exact.
    pub total_exact: bool,
    /// Counts per type, field of action, phase and audience over the whole result.
    pub facets: Facets,
    /// The `cursor` of the next page; null on the last one.
    pub next: Option<String>,
    /// When a search found nothing: the search with unknown words corrected, if a
    /// close word exists ("Beteilgung" → "beteiligung").
    pub did_you_mean: Option<String>,
    /// The page size used.
    pub limit: u64,
    /// How many items were skipped.
    pub offset: u64,
}

fn request_of(query: CatalogueQuery) -> Result<Request, AppError> {
    let bounds = Bounds::new(query.limit, query.offset)?;
    if let Some(language) = &query.language
        && !academy_publishing::language::valid(language)
    {
        return Err(AppError::validation(vec![FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        )]));
    }
    let search = query
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(Search::parse)
        .transpose()?;
    let mut too_many = Vec::new();
    for (name, count, most) in [
        ("type", query.types.len(), TYPES_MAX),
        (
            "accessibility",
            query.accessibility.len(),
            ACCESSIBILITY_MAX,
        ),
    ] {
        if count > most {
            too_many.push(FieldError::new(
                name,
                "too_many",
                format!("takes at most {most} values"),
            ));
        }
    }
    if !too_many.is_empty() {
        return Err(AppError::validation(too_many));
    }
    let mut types: Vec<&'static str> = query.types.iter().map(|t| t.noun()).collect();
    types.sort_unstable();
    types.dedup();
    let mut accessibility: Vec<&'static str> =
        query.accessibility.iter().map(|a| a.name()).collect();
    accessibility.sort_unstable();
    accessibility.dedup();
    let filters = Filters {
        types,
        field_of_action: query.field_of_action,
        theme: query.theme,
        phase: query.phase,
        audience: query.audience,
        organisation: query.organisation,
        accessibility,
        language: query.language,
    };
    let sort = query.sort.map(|s| match s {
        CatalogueSort::Relevance => Sort::Relevance,
        CatalogueSort::Newest => Sort::Newest,
        CatalogueSort::Title => Sort::Title,
    });
    Request::new(search, filters, sort, bounds, query.cursor.as_deref())
}

/// 422 for filter values that name no term or organisation. Values the answer's facet
/// counts show are known; only the others are looked up, so a filter that finds
/// something costs no extra statement.
async fn check_filters(db: &Db, filters: &Filters, answer: &Answer) -> Result<(), AppError> {
    let unseen = |name: &str, values: &[String]| -> Vec<String> {
        let seen = answer.facets.get(name);
        values
            .iter()
            .filter(|v| !seen.is_some_and(|counts| counts.contains_key(v.as_str())))
            .cloned()
            .collect()
    };
    let filter = academy_publishing::listing::Filter {
        field_of_action: unseen(facet::FIELD_OF_ACTION, &filters.field_of_action),
        theme: filters.theme.clone(),
        phase: unseen(facet::PHASE, &filters.phase),
        audience: unseen(facet::AUDIENCE, &filters.audience),
        organisation: filters.organisation.clone(),
        ..Default::default()
    };
    let nothing_to_check = filter.field_of_action.is_empty()
        && filter.theme.is_empty()
        && filter.phase.is_empty()
        && filter.audience.is_empty()
        && filter.organisation.is_empty();
    if nothing_to_check {
        return Ok(());
    }
    academy_publishing::listing::check(db, &filter).await
}

fn accessibility_of(names: &[String]) -> Vec<Accessibility> {
    use Accessibility::*;
    [
        Captions,
        AudioDescription,
        SignLanguage,
        EasyLanguage,
        Transcript,
    ]
    .into_iter()
    .filter(|a| names.iter().any(|n| n == a.name()))
    .collect()
}

fn item_of(entry: Entry, request: &Request) -> Result<CatalogueItem, AppError> {
    fn detail<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
        serde_json::from_value(value).map_err(AppError::internal)
    }
    let details = entry.details;
    let (content_type, guide, tutorial, course) = match entry.kind.as_str() {
        "guide" => (ContentType::Guide, Some(detail(details)?), None, None),
        "tutorial" => (ContentType::Tutorial, None, Some(detail(details)?), None),
        _ => (ContentType::Course, None, None, Some(detail(details)?)),
    };
    let snippet = match (&request.search, &entry.body) {
        (Some(search), Some(body)) => Some(academy_publishing::search::catalogue_snippet(
            body,
            &search.terms,
        )),
        _ => None,
    };
    Ok(CatalogueItem {
        content_type,
        id: entry.id,
        slug: entry.slug,
        title: entry.title,
        summary: entry.summary,
        language: entry.language,
        organisation_id: entry.organisation_id,
        accessibility: accessibility_of(&entry.tags.accessibility),
        fields_of_action: entry.tags.fields_of_action,
        themes: entry.tags.themes,
        phases: entry.tags.phases,
        audiences: entry.tags.audiences,
        co_publishers: entry.tags.co_publishers,
        published_at: entry.published_at,
        snippet,
        moment: None,
        guide,
        tutorial,
        course,
    })
}

fn facets_of(answer: &mut Answer) -> Facets {
    let mut take = |name: &str| -> Vec<FacetCount> {
        let counts: BTreeMap<String, u64> = answer.facets.remove(name).unwrap_or_default();
        let mut counts: Vec<FacetCount> = counts
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        counts
    };
    Facets {
        types: take(facet::TYPE),
        field_of_action: take(facet::FIELD_OF_ACTION),
        phase: take(facet::PHASE),
        audience: take(facet::AUDIENCE),
    }
}

/// Computes the page of `request`; returns it with the catalogue version it shows.
async fn page(db: &Db, request: &Request) -> Result<(CataloguePage, i64), AppError> {
    let mut answer = query::run(db, request).await?;
    check_filters(db, &request.filters, &answer).await?;
    let total = answer.total();
    let facets = facets_of(&mut answer);
    let limit = usize::try_from(request.bounds.limit).unwrap_or(usize::MAX);
    let next = (answer.entries.len() > limit)
        .then(|| {
            answer
                .entries
                .get(limit - 1)
                .map(|e| e.cursor(request.sort).encode())
        })
        .flatten();
    answer.entries.truncate(limit);
    let mut items = answer
        .entries
        .into_iter()
        .map(|entry| item_of(entry, request))
        .collect::<Result<Vec<_>, _>>()?;
    let mut did_you_mean = None;
    if let Some(search) = &request.search {
        let tutorials: Vec<Uuid> = items
            .iter()
            .filter(|i| i.content_type == ContentType::Tutorial)
            .map(|i| i.id)
            .collect();
        if !tutorials.is_empty()
            && let Ok(spoken) = academy_publishing::search::Search::parse(&search.text)
        {
            let mut moments = academy_tutorials::search::moments(db, &spoken, &tutorials).await?;
            for item in &mut items {
                item.moment = moments.remove(&item.id).map(|m| Moment {
                    t: m.t,
                    text: m.text,
                });
            }
        }
        if total == 0 {
            did_you_mean = suggest::suggest(db, &search.text).await?;
        }
    }
    let page = CataloguePage {
        items,
        total,
        total_exact: request.search.is_none() || total < SEARCH_CANDIDATES,
        facets,
        next,
        did_you_mean,
        limit: request.bounds.limit,
        offset: request.bounds.offset,
    };
    Ok((page, answer.version))
}

fn tag_of(version: i64) -> String {
    format!("\"catalogue-{version}\"")
}

fn answer(tag: String, body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header(cache_control())
        .content_type("application/json")
        .body(body)
}

fn cache_control() -> (header::HeaderName, String) {
    (
        header::CACHE_CONTROL,
        format!(
            "public, max-age={MAX_AGE_SECONDS}, stale-while-revalidate={STALE_WHILE_REVALIDATE_SECONDS}"
        ),
    )
}

/// The catalogue: published guides, tutorials and courses in one list, for everyone.
///
/// Shows public content only — live and not archived — whoever asks, so every answer
/// may be cached by shared caches: the `ETag` names the catalogue's version, which every
/// publish, archive, deletion or change of a live item raises; `If-None-Match` with it
/// gets a 304. Without `q` the list is newest first; with `q` best match first, with a
/// snippet per item and, for tutorials, the moment the words are said. `facets` count
/// the whole result per type, field of action, phase and audience. Page with `offset`
/// or, cheaper and stable while the catalogue changes, with `cursor` (the `next` of the
/// previous page).
#[utoipa::path(
    tag = "catalogue",
    params(CatalogueQuery),
    responses(
        (status = OK, description = "One page of the catalogue.", body = CataloguePage,
         headers(
            ("ETag" = String, description = "The catalogue's version."),
            ("Cache-Control" = String, description = "`public, max-age=10, stale-while-revalidate=30`."),
         )),
        academy_kernel::responses::Cached,
        academy_kernel::responses::Filtered,
    )
)]
#[get("/catalogue")]
pub async fn list_catalogue(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<Cache>,
    query: Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    let request = request_of(query.into_inner())?;
    let key = req.query_string();
    // The version first when it can spare the work: to answer 304, or from the cache.
    if cache.enabled() || req.headers().contains_key(header::IF_NONE_MATCH) {
        let version = query::version(db.get_ref()).await?;
        let tag = tag_of(version);
        if etag::not_modified(&req, &tag) {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, tag))
                .insert_header(cache_control())
                .finish());
        }
        if let Some(body) = cache.get(version, key) {
            return Ok(answer(tag, body));
        }
    }
    let (page, version) = page(db.get_ref(), &request).await?;
    let body = Bytes::from(serde_json::to_vec(&page).map_err(AppError::internal)?);
    cache.put(version, key, body.clone());
    Ok(answer(tag_of(version), body))
}
