//! `/guides`: browse and read published guides, write drafts, and the review workflow.

use academy_auth::{Coordinators, MaybePrincipal, Principal, Require};
use academy_kernel::extract::{Json, OptionalJson, Query};
use academy_kernel::{AppError, Bounds, Db, Page, etag, markdown};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};

use crate::domain::{
    self, ContentInput, GuideStatus, LANGUAGE_LENGTH, LANGUAGE_PATTERN, MARKDOWN_MAX, NOTE_MAX,
    READING_MINUTES_MAX, RevisionState, STEP_TITLE_MAX, STEPS_MAX, SUMMARY_MAX, Step, TITLE_MAX,
};
use crate::search;
use crate::service::{self, GuideView, HistoryEntry, ListFilter, Sort, Which};

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[(
    "guides",
    "Guides (Leitfäden): structured knowledge from member organisations, reviewed by the coordinating office.",
)];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_guides)
        .service(create_guide)
        .service(get_guide)
        .service(update_guide)
        .service(patch_guide)
        .service(delete_guide)
        .service(submit_guide)
        .service(return_guide)
        .service(publish_guide)
        .service(archive_guide)
        .service(list_guide_revisions)
        .service(get_guide_revision)
        .service(crate::attachments::upload_attachment)
        .service(crate::attachments::list_attachments)
        .service(crate::attachments::download_attachment)
        .service(crate::attachments::delete_attachment);
}

/// The content of one revision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionResponse {
    /// 1, 2, … per guide.
    pub number: i32,
    /// Where this revision is in the workflow.
    pub state: RevisionState,
    /// Title, at most 200 characters.
    #[schema(example = "Beteiligung im Quartier verstetigen")]
    pub title: String,
    /// A short plain-text summary for lists and previews.
    pub summary: String,
    /// Background and context (Markdown).
    pub context: String,
    /// `context` rendered as sanitised HTML (see `bodyHtml`).
    pub context_html: String,
    /// The steps to take, in order.
    pub steps: Vec<StepResponse>,
    /// What made it work elsewhere (Markdown).
    pub success_factors: String,
    /// `successFactors` rendered as sanitised HTML (see `bodyHtml`).
    pub success_factors_html: String,
    /// Resistance and pitfalls to expect (Markdown).
    pub pitfalls: String,
    /// `pitfalls` rendered as sanitised HTML (see `bodyHtml`).
    pub pitfalls_html: String,
    /// Further content (Markdown).
    pub body: String,
    /// `body` rendered as HTML from CommonMark (with tables and strikethrough) and
    /// sanitised on the server: an allow-list of elements and attributes, no scripts,
    /// styles or event handlers, links only to `http`, `https`, `mailto` and `tel` (or
    /// relative), each with `rel="noopener noreferrer nofollow"`. Safe to insert as it is;
    /// empty when the Markdown is empty. Every Markdown field has such a `…Html` twin.
    pub body_html: String,
    /// Language tag, e.g. `de`.
    #[schema(example = "de")]
    pub language: String,
    /// The plain-language (Leichte Sprache) variant of this guide, if there is one.
    pub easy_language_guide_id: Option<Uuid>,
    /// Slugs of the fields of action (Handlungsfelder).
    pub fields_of_action: Vec<String>,
    /// Slugs of the themes, following from the fields of action.
    pub themes: Vec<String>,
    /// Slugs of the programme phases.
    pub phases: Vec<String>,
    /// Slugs of the target audiences.
    pub audiences: Vec<String>,
    /// Co-publishing organisations.
    pub co_publishers: Vec<Uuid>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact person's email address.
    pub contact_email: Option<String>,
    /// Estimated reading time in minutes.
    pub reading_minutes: Option<i32>,
    /// What changed in this revision, in the authors' words.
    pub change_note: Option<String>,
    /// The reviewer's comment when the revision was returned; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// When a scheduled revision goes live.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
    /// Who approved it; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_by: Option<Uuid>,
    /// When it was submitted for review; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the revision was started.
    pub created_at: DateTime<Utc>,
    /// When its content last changed.
    pub updated_at: DateTime<Utc>,
}

/// One step of a guide, as responses show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepResponse {
    /// What to do, in a few words (plain text).
    pub title: String,
    /// How to do it (Markdown).
    pub body: String,
    /// `body` rendered as sanitised HTML (see `bodyHtml` of the revision).
    pub body_html: String,
}

/// The working revision's number and state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingRevision {
    /// Its number.
    pub number: i32,
    /// Its state: `draft`, `in_review` or `scheduled`.
    pub state: RevisionState,
}

/// A guide with one of its revisions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuideResponse {
    /// Stable id.
    pub id: Uuid,
    /// Stable, unique, URL-friendly name; `GET /guides/{slug}` works as well as the id.
    #[schema(example = "beteiligung-im-quartier-verstetigen")]
    pub slug: String,
    /// The publishing organisation.
    pub organisation_id: Uuid,
    /// The guide's overall status.
    pub status: GuideStatus,
    /// The number of the live revision, if one is published.
    pub live_revision: Option<i32>,
    /// The revision being written or reviewed; shown to the guide's editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_revision: Option<WorkingRevision>,
    /// After this, coordinators see the guide as due for review; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    /// When it was archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// When the guide was created.
    pub created_at: DateTime<Utc>,
    /// When anything about the guide last changed.
    pub updated_at: DateTime<Utc>,
    /// The revision shown: the live one, or the one asked for.
    pub revision: RevisionResponse,
}

fn revision_response(view: &GuideView, editor: bool) -> RevisionResponse {
    let r = &view.revision;
    RevisionResponse {
        number: r.number,
        state: RevisionState::parse(&r.state).unwrap_or(RevisionState::Draft),
        title: r.title.clone(),
        summary: r.summary.clone(),
        context: r.context.clone(),
        context_html: markdown::to_html(&r.context),
        steps: serde_json::from_value::<Vec<Step>>(r.steps.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|step| StepResponse {
                body_html: markdown::to_html(&step.body),
                title: step.title,
                body: step.body,
            })
            .collect(),
        success_factors: r.success_factors.clone(),
        success_factors_html: markdown::to_html(&r.success_factors),
        pitfalls: r.pitfalls.clone(),
        pitfalls_html: markdown::to_html(&r.pitfalls),
        body: r.body.clone(),
        body_html: markdown::to_html(&r.body),
        language: r.language.clone(),
        easy_language_guide_id: r.easy_language_guide_id,
        fields_of_action: view.links.fields_of_action.clone(),
        themes: view.links.themes.clone(),
        phases: view.links.phases.clone(),
        audiences: view.links.audiences.clone(),
        co_publishers: view.links.co_publishers.clone(),
        contact_name: r.contact_name.clone(),
        contact_email: r.contact_email.clone(),
        reading_minutes: r.reading_minutes,
        change_note: r.change_note.clone(),
        review_comment: r.review_comment.clone().filter(|_| editor),
        publish_at: r.publish_at,
        published_at: r.published_at,
        published_by: r.published_by.filter(|_| editor),
        submitted_at: r.submitted_at.filter(|_| editor),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn guide_response(view: &GuideView, caller: Option<&Principal>) -> GuideResponse {
    let editor = service::is_editor(caller, &view.guide);
    GuideResponse {
        id: view.guide.id,
        slug: view.guide.slug.clone(),
        organisation_id: view.guide.organisation_id,
        status: view.status(),
        live_revision: view.live_number,
        working_revision: view
            .working
            .map(|(number, state)| WorkingRevision { number, state }),
        review_due_at: view.guide.review_due_at.filter(|_| editor),
        archived_at: view.guide.archived_at,
        created_at: view.guide.created_at,
        updated_at: view.guide.updated_at,
        revision: revision_response(view, editor),
    }
}

/// 200 with the guide and its `ETag`, or 304 when the client's copy is current.
fn respond(req: &HttpRequest, view: &GuideView, caller: Option<&Principal>) -> HttpResponse {
    let tag = etag::of(view.guide.version);
    if etag::not_modified(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(guide_response(view, caller))
}

/// 200 with the changed guide and its new `ETag`.
fn changed(view: &GuideView, caller: &Principal) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(view.guide.version)))
        .json(guide_response(view, Some(caller)))
}

/// The media types of the files attachments can be, without parameters.
fn download_types() -> Vec<&'static str> {
    academy_files::FileKind::ALL
        .iter()
        .map(|kind| kind.media_type().split(';').next().unwrap_or_default())
        .collect()
}

/// For every operation on one guide (`{guide}` in the path).
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum GuideNotFound {
    /// `not_found`: no such guide, or not visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// Where a guide's responses lead, through its workflow: a new draft to its edits,
/// attachments and submission; a submission to review (publish or return); a published
/// guide to its archive and revisions; a list's first guide to the guide; an uploaded
/// attachment to its download.
pub fn links() -> Vec<Link> {
    const GUIDE: (&str, &str) = ("guide", "$response.body#/id");
    const VERSION: (&str, &str) = ("If-Match", "$response.header.ETag");
    const KEY: (&str, &str) = ("key", "$response.body#/id");
    let read = ["get_guide", "list_guide_revisions"];
    let edit = ["update_guide", "patch_guide"];
    let attachments = ["list_attachments", "upload_attachment"];
    [
        Link::each("create_guide", "201", &read, &[GUIDE]),
        Link::each("create_guide", "201", &edit, &[GUIDE, VERSION]),
        Link::each(
            "create_guide",
            "201",
            &["submit_guide", "delete_guide"],
            &[GUIDE],
        ),
        Link::each("create_guide", "201", &attachments, &[KEY]),
        Link::each("update_guide", "200", &["submit_guide"], &[GUIDE]),
        Link::each("patch_guide", "200", &["submit_guide"], &[GUIDE]),
        Link::each(
            "submit_guide",
            "200",
            &["publish_guide", "return_guide"],
            &[GUIDE],
        ),
        Link::each("return_guide", "200", &edit, &[GUIDE, VERSION]),
        Link::each(
            "publish_guide",
            "200",
            &["archive_guide", "get_guide"],
            &[GUIDE],
        ),
        Link::each("publish_guide", "200", &edit, &[GUIDE, VERSION]),
        vec![Link::new(
            "publish_guide",
            "200",
            "get_guide_revision",
            &[GUIDE, ("number", "$response.body#/liveRevision")],
        )],
        Link::each(
            "list_guides",
            "200",
            &read,
            &[("guide", "$response.body#/items/0/id")],
        ),
        Link::each(
            "upload_attachment",
            "201",
            &["download_attachment", "delete_attachment"],
            &[("key", "$request.path.key"), ("id", "$response.body#/id")],
        ),
    ]
    .concat()
}

/// The bounds the guides' checks enforce, for the contract (from the same constants).
pub fn contract() -> Vec<Constraint> {
    use Rule::{Default, Format, Items, Length, Pattern, Range};
    use academy_taxonomy::terms::{SLUG_LENGTH, SLUG_PATTERN};
    let mut all = Vec::new();
    for schema in ["GuideContentRequest", "PatchGuideRequest"] {
        let field = |name, rule| Constraint::field(schema, name, rule);
        all.extend([
            field("title", Length(1, TITLE_MAX)),
            field("title", Pattern(NOT_BLANK)),
            field("summary", Length(1, SUMMARY_MAX)),
            field("summary", Pattern(NOT_BLANK)),
            field("context", Length(0, MARKDOWN_MAX)),
            field("successFactors", Length(0, MARKDOWN_MAX)),
            field("pitfalls", Length(0, MARKDOWN_MAX)),
            field("body", Length(0, MARKDOWN_MAX)),
            field("steps", Items(0, STEPS_MAX)),
            field("language", Length(LANGUAGE_LENGTH.0, LANGUAGE_LENGTH.1)),
            field("language", Pattern(LANGUAGE_PATTERN)),
            field("contactName", Length(0, TITLE_MAX)),
            field("readingMinutes", Range(1, i64::from(READING_MINUTES_MAX))),
            field("changeNote", Length(0, NOTE_MAX)),
        ]);
    }
    all.extend([
        Constraint::field("GuideContentRequest", "language", Default("de".into())),
        Constraint::field("Step", "title", Length(1, STEP_TITLE_MAX)),
        Constraint::field("Step", "title", Pattern(NOT_BLANK)),
        Constraint::field("Step", "body", Length(0, MARKDOWN_MAX)),
        Constraint::field("ReturnGuideRequest", "comment", Length(1, NOTE_MAX)),
        Constraint::field("ReturnGuideRequest", "comment", Pattern(NOT_BLANK)),
        Constraint::parameter("list_guides", "q", Length(1, search::QUERY_MAX_CHARS)),
        Constraint::field(
            "CreateGuideRequest",
            "slug",
            Length(SLUG_LENGTH.0, SLUG_LENGTH.1),
        ),
        Constraint::field("CreateGuideRequest", "slug", Pattern(SLUG_PATTERN)),
        Constraint::field(
            "UploadForm",
            "title",
            Length(0, crate::attachments::TITLE_MAX),
        ),
        // A download has the media type of its file.
        Constraint::response(
            "download_attachment",
            "200",
            Rule::MediaTypes(download_types()),
        ),
        Constraint::response(
            "download_attachment",
            "206",
            Rule::MediaTypes(download_types()),
        ),
    ]);
    for schema in ["GuideContentRequest", "PatchGuideRequest"] {
        all.push(Constraint::field(schema, "contactEmail", Format("email")));
    }
    all.extend(academy_taxonomy::filter_contract(
        "list_guides",
        &["fieldOfAction", "theme", "phase", "audience"],
        &["organisation"],
    ));
    all
}

/// A guide's content as authors write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GuideContentRequest {
    /// Required; at most 200 characters.
    #[schema(example = "Beteiligung im Quartier verstetigen")]
    pub title: String,
    /// Required plain text; at most 1000 characters.
    #[schema(example = "Wie aus einzelnen Beteiligungsaktionen eine feste Einrichtung wird.")]
    pub summary: String,
    /// Background and context (Markdown, no raw HTML).
    #[serde(default)]
    pub context: String,
    /// The steps to take, in order; each needs a title.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// What made it work elsewhere (Markdown, no raw HTML).
    #[serde(default)]
    pub success_factors: String,
    /// Resistance and pitfalls to expect (Markdown, no raw HTML).
    #[serde(default)]
    pub pitfalls: String,
    /// Further content (Markdown, no raw HTML).
    #[serde(default)]
    pub body: String,
    /// Language tag; `de` when left out.
    pub language: Option<String>,
    /// The id of this guide's plain-language (Leichte Sprache) variant.
    pub easy_language_guide_id: Option<Uuid>,
    /// Slugs of fields of action (see `GET /taxonomy`); the themes follow from them.
    #[serde(default)]
    pub fields_of_action: Vec<String>,
    /// Slugs of programme phases.
    #[serde(default)]
    pub phases: Vec<String>,
    /// Slugs of target audiences.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Ids of co-publishing organisations.
    #[serde(default)]
    pub co_publishers: Vec<Uuid>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact person's email address.
    pub contact_email: Option<String>,
    /// Estimated reading time in minutes, 1–600.
    pub reading_minutes: Option<i32>,
    /// What changed, for the revision history; at most 2000 characters.
    pub change_note: Option<String>,
}

impl From<GuideContentRequest> for ContentInput {
    fn from(body: GuideContentRequest) -> Self {
        ContentInput {
            title: body.title,
            summary: body.summary,
            context: body.context,
            steps: body.steps,
            success_factors: body.success_factors,
            pitfalls: body.pitfalls,
            body: body.body,
            language: body.language,
            easy_language_guide_id: body.easy_language_guide_id,
            contact_name: body.contact_name,
            contact_email: body.contact_email,
            reading_minutes: body.reading_minutes,
            change_note: body.change_note,
            fields_of_action: body.fields_of_action,
            phases: body.phases,
            audiences: body.audiences,
            co_publishers: body.co_publishers,
        }
    }
}

/// A new guide: its slug and organisation, and the content of its first draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateGuideRequest {
    /// Stable slug: 2–64 characters of a–z, 0–9 and single inner hyphens; 409
    /// `slug_taken` when another guide has it. Made from the title when left out (umlauts
    /// transcribed), with the first free suffix `-2`, `-3`, … when another guide has it.
    /// Cannot be changed later.
    #[schema(example = "beteiligung-im-quartier-verstetigen")]
    pub slug: Option<String>,
    /// The publishing organisation. Authors may leave it out (their own is used);
    /// coordinators name it.
    pub organisation_id: Option<Uuid>,
    /// The content.
    #[serde(flatten)]
    pub content: GuideContentRequest,
}

/// Filters, sort and page of the guide list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GuideListQuery {
    /// Full-text search in German over published guides ("Beteiligung" also finds
    /// "beteiligen"); results carry a `snippet`. Sorted by relevance unless `sort` says
    /// otherwise, the title weighing more than the text. At most 200 characters and 10
    /// terms (words of two or more letters; common words such as "und" do not count):
    /// 422 `too_long` / `too_many_terms` above. A search that runs too long answers 503
    /// `search_timeout`.
    pub q: Option<String>,
    /// Only guides tagged with one of these fields of action (slugs; repeat the parameter
    /// for several: `?fieldOfAction=a&fieldOfAction=b`). An unknown slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only guides with a field of action of one of these themes (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub theme: Vec<String>,
    /// Only guides for one of these programme phases (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub phase: Vec<String>,
    /// Only guides for one of these target audiences (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub audience: Vec<String>,
    /// Only guides one of these organisations publishes or co-publishes (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only guides in this language, e.g. `de`.
    pub language: Option<String>,
    /// Only guides changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
    /// `published` or `archived`: guides with that status. `draft`, `in_review`,
    /// `scheduled`: guides whose working revision is in that state, published or not —
    /// `in_review` is the coordinators' review queue. What is visible still depends on the
    /// caller.
    pub status: Option<GuideStatus>,
    /// `true`: only guides whose review date has passed. Coordinators only.
    pub review_due: Option<bool>,
    /// `relevance` (the default with `q`), `newest` (the default otherwise: most recently
    /// changed first) or `title`.
    pub sort: Option<GuideSort>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Sort order of the guide list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuideSort {
    /// Most recently changed first.
    Newest,
    /// By title, A–Z.
    Title,
    /// Best match first (with `q` only).
    Relevance,
}

/// A guide in a list: the shown revision's essentials.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuideSummary {
    /// Stable id.
    pub id: Uuid,
    /// Stable slug.
    pub slug: String,
    /// The publishing organisation.
    pub organisation_id: Uuid,
    /// Overall status.
    pub status: GuideStatus,
    /// Title of the shown revision (the live one, else the working one).
    pub title: String,
    /// Summary of the shown revision.
    pub summary: String,
    /// Language tag.
    pub language: String,
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
    /// Estimated reading time in minutes.
    pub reading_minutes: Option<i32>,
    /// When the shown revision went live.
    pub published_at: Option<DateTime<Utc>>,
    /// When the guide is due for review; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    /// When anything about the guide last changed.
    pub updated_at: DateTime<Utc>,
    /// With `q`: about 30 words around the first match within the first 20,000 characters
    /// of the guide, HTML-escaped, matches in `<mark>…</mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// Guides the caller may see: published ones for everyone, plus their organisation's
/// unpublished ones for authors, and all for coordinators. Full-text search (`q`) is not
/// offered yet; it comes with the search index.
#[utoipa::path(
    tag = "guides",
    params(GuideListQuery),
    responses(
        (status = OK, description = "One page of guides.", body = Page<GuideSummary>),
        (status = FORBIDDEN, description = "`reviewDue` asked for by someone other than a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guides")]
pub async fn list_guides(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    query: Query<GuideListQuery>,
) -> Result<web::Json<Page<GuideSummary>>, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let search = query
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(crate::search::Search::parse)
        .transpose()?;
    let filter = ListFilter {
        search: search.clone(),
        field_of_action: query.field_of_action,
        theme: query.theme,
        phase: query.phase,
        audience: query.audience,
        organisation: query.organisation,
        language: query.language,
        updated_since: query.updated_since,
        status: query.status,
        review_due: query.review_due.unwrap_or(false),
        sort: match query.sort {
            Some(GuideSort::Title) => Sort::Title,
            Some(GuideSort::Newest) => Sort::Newest,
            Some(GuideSort::Relevance) | None => Sort::Relevance,
        },
    };
    let (views, total, mut snippets) = match &search {
        // A search runs in a transaction of its own, with a statement timeout on PostgreSQL.
        Some(search) => {
            let txn = crate::search::begin(&db).await?;
            let (views, total) = service::list(&txn, caller.0.as_ref(), filter, bounds).await?;
            let ids: Vec<Uuid> = views.iter().map(|v| v.guide.id).collect();
            let snippets = search.snippets(&txn, &service::KIND, &ids).await?;
            txn.commit().await?;
            (views, total, snippets)
        }
        None => {
            let (views, total) =
                service::list(db.get_ref(), caller.0.as_ref(), filter, bounds).await?;
            (views, total, Default::default())
        }
    };
    let items = views
        .iter()
        .map(|view| GuideSummary {
            id: view.guide.id,
            slug: view.guide.slug.clone(),
            organisation_id: view.guide.organisation_id,
            status: view.status(),
            title: view.revision.title.clone(),
            summary: view.revision.summary.clone(),
            language: view.revision.language.clone(),
            fields_of_action: view.links.fields_of_action.clone(),
            themes: view.links.themes.clone(),
            phases: view.links.phases.clone(),
            audiences: view.links.audiences.clone(),
            co_publishers: view.links.co_publishers.clone(),
            reading_minutes: view.revision.reading_minutes,
            published_at: view.revision.published_at,
            review_due_at: view
                .guide
                .review_due_at
                .filter(|_| service::is_editor(caller.0.as_ref(), &view.guide)),
            updated_at: view.guide.updated_at,
            snippet: snippets.remove(&view.guide.id),
        })
        .collect();
    Ok(web::Json(Page::new(items, total, bounds)))
}

/// Creates a guide with its first draft. Authors (for their organisation) and
/// coordinators.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    request_body = CreateGuideRequest,
    responses(
        (status = CREATED, description = "Created; `Location` names it, `ETag` is its version.", body = GuideResponse),
        (status = FORBIDDEN, description = "Not an author or coordinator, or another organisation's author.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slug_taken`: another guide has the slug asked for.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields (`required`, `too_long`, `invalid_slug`, `raw_html`, `invalid_email`, `unknown`, …).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/guides")]
pub async fn create_guide(
    db: web::Data<Db>,
    caller: Principal,
    body: Json<CreateGuideRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let content = domain::validate(body.content.into())?;
    let view = service::create(&db, &caller, body.organisation_id, body.slug, content).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::of(view.guide.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/guides/{}", view.guide.id),
        ))
        .json(guide_response(&view, Some(&caller))))
}

/// Which revision to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GuideReadQuery {
    /// `working`: the revision being written or reviewed, else the live one (editors only;
    /// 404 for others). `live`: the live revision only (404 when nothing is live). Left
    /// out: the live revision, or for an unpublished guide's editors the working one.
    pub revision: Option<RevisionChoice>,
}

/// A revision to read.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevisionChoice {
    /// The live revision.
    Live,
    /// The revision being worked on.
    Working,
}

/// One guide by id or slug, with its `ETag`. Everyone sees published guides; their
/// drafts, and unpublished or archived guides, only the publishing organisation's
/// authors and coordinators — others get 404.
#[utoipa::path(
    tag = "guides",
    params(
        ("guide" = String, Path, description = "The guide's id or slug."),
        GuideReadQuery,
    ),
    responses(
        (status = OK, description = "The guide.", body = GuideResponse),
        academy_kernel::responses::Cached,
        crate::http::GuideNotFound,
    )
)]
#[get("/guides/{guide}")]
pub async fn get_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
    query: Query<GuideReadQuery>,
) -> Result<HttpResponse, AppError> {
    let which = match query.revision {
        Some(RevisionChoice::Working) => Which::Working,
        Some(RevisionChoice::Live) => Which::Live,
        None => Which::Current,
    };
    let caller = caller.0;
    let view = service::get(&db, caller.as_ref(), &path, which).await?;
    Ok(respond(&req, &view, caller.as_ref()))
}

/// `If-Match` is required on content changes: without it, 428.
fn required_if_match(req: &HttpRequest) -> impl FnOnce(i32) -> Result<(), AppError> + '_ {
    move |version| etag::require_if_match(req, &etag::of(version))
}

/// `If-Match` is honoured when sent on workflow actions.
fn optional_if_match(req: &HttpRequest) -> impl FnOnce(i32) -> Result<(), AppError> + '_ {
    move |version| etag::check_if_match(req, &etag::of(version))
}

/// Replaces the content of the working revision. On a published guide this starts a new
/// draft; the live revision stays visible until the draft is approved. The guide's
/// authors and coordinators; `If-Match` is required (428 without it, 412 when stale).
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    request_body = GuideContentRequest,
    params(
        ("guide" = String, Path, description = "The guide's id or slug."),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Changed; the working revision.", body = GuideResponse),
        (status = FORBIDDEN, description = "May read the guide but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::GuideNotFound,
        academy_kernel::responses::VersionChecked,
    )
)]
#[put("/guides/{guide}")]
pub async fn update_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<GuideContentRequest>,
) -> Result<HttpResponse, AppError> {
    let content = domain::validate(body.into_inner().into())?;
    let view = service::update(&db, &caller, &path, content, required_if_match(&req)).await?;
    Ok(changed(&view, &caller))
}

/// `null` and absence differ in a patch: `null` clears, absence keeps.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Some fields of a guide's content; absent fields keep their value, `null` clears an
/// optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchGuideRequest {
    /// New title; at most 200 characters.
    pub title: Option<String>,
    /// New summary; at most 1000 characters.
    pub summary: Option<String>,
    /// New context (Markdown, no raw HTML).
    pub context: Option<String>,
    /// New steps, replacing all of them.
    pub steps: Option<Vec<Step>>,
    /// New success factors (Markdown, no raw HTML).
    pub success_factors: Option<String>,
    /// New pitfalls (Markdown, no raw HTML).
    pub pitfalls: Option<String>,
    /// New further content (Markdown, no raw HTML).
    pub body: Option<String>,
    /// New language tag.
    pub language: Option<String>,
    /// The plain-language variant; `null` removes the link.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub easy_language_guide_id: Option<Option<Uuid>>,
    /// Fields of action, replacing all of them.
    pub fields_of_action: Option<Vec<String>>,
    /// Programme phases, replacing all of them.
    pub phases: Option<Vec<String>>,
    /// Target audiences, replacing all of them.
    pub audiences: Option<Vec<String>>,
    /// Co-publishing organisations, replacing all of them.
    pub co_publishers: Option<Vec<Uuid>>,
    /// Contact person; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub contact_name: Option<Option<String>>,
    /// Contact email address; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    /// Estimated reading time in minutes; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub reading_minutes: Option<Option<i32>>,
    /// What changed, for the revision history; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub change_note: Option<Option<String>>,
}

impl PatchGuideRequest {
    fn apply(self, mut content: ContentInput) -> ContentInput {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        set(&mut content.title, self.title);
        set(&mut content.summary, self.summary);
        set(&mut content.context, self.context);
        set(&mut content.steps, self.steps);
        set(&mut content.success_factors, self.success_factors);
        set(&mut content.pitfalls, self.pitfalls);
        set(&mut content.body, self.body);
        set(&mut content.language, self.language.map(Some));
        set(
            &mut content.easy_language_guide_id,
            self.easy_language_guide_id,
        );
        set(&mut content.fields_of_action, self.fields_of_action);
        set(&mut content.phases, self.phases);
        set(&mut content.audiences, self.audiences);
        set(&mut content.co_publishers, self.co_publishers);
        set(&mut content.contact_name, self.contact_name);
        set(&mut content.contact_email, self.contact_email);
        set(&mut content.reading_minutes, self.reading_minutes);
        set(&mut content.change_note, self.change_note);
        content
    }
}

/// Changes some fields of the working revision; on a published guide it starts a new
/// draft from the live revision, which stays visible until the draft is approved. The
/// guide's authors and coordinators; `If-Match` is required (428 without it, 412 when
/// stale).
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    request_body = PatchGuideRequest,
    params(
        ("guide" = String, Path, description = "The guide's id or slug."),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Changed; the working revision.", body = GuideResponse),
        (status = FORBIDDEN, description = "May read the guide but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::GuideNotFound,
        academy_kernel::responses::VersionChecked,
    )
)]
#[patch("/guides/{guide}")]
pub async fn patch_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<PatchGuideRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let view = service::patch(
        &db,
        &caller,
        &path,
        |content| body.apply(content),
        required_if_match(&req),
    )
    .await?;
    Ok(changed(&view, &caller))
}

/// Deletes a guide and all its revisions: coordinators, or the guide's authors while it
/// was never published. Honours `If-Match`.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not allowed (e.g. an author deleting a published guide).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::GuideNotFound,
    )
)]
#[delete("/guides/{guide}")]
pub async fn delete_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    store: web::Data<academy_files::FileStore>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let files = service::delete(&db, &caller, &path, optional_if_match(&req)).await?;
    for key in files {
        if let Err(error) = store.delete(&key).await {
            tracing::warn!(%error, key, "stored file left behind after deleting its guide");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Submits the draft for review. The guide's authors (and coordinators).
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = OK, description = "In review.", body = GuideResponse),
        (status = CONFLICT, description = "`nothing_to_submit`, `already_in_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        crate::http::GuideNotFound,
    )
)]
#[post("/guides/{guide}/submit")]
pub async fn submit_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = service::submit(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view, &caller))
}

/// Why a guide goes back to its authors.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnGuideRequest {
    /// What needs to change; required, at most 2000 characters. The authors see it on
    /// the working revision.
    #[schema(example = "Bitte die Erfahrungen aus der Verstetigungsphase ergänzen.")]
    pub comment: String,
}

/// Returns the revision under review (or a scheduled one) to its authors as a draft, with
/// a comment. Coordinators.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    request_body = ReturnGuideRequest,
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = OK, description = "A draft again.", body = GuideResponse),
        (status = CONFLICT, description = "`not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`comment` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/guides/{guide}/return")]
pub async fn return_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: Json<ReturnGuideRequest>,
) -> Result<HttpResponse, AppError> {
    let comment = domain::review_comment(&body.comment)?;
    let view =
        service::return_to_authors(&db, &caller, &path, comment, optional_if_match(&req)).await?;
    Ok(changed(&view, &caller))
}

/// How to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishGuideRequest {
    /// Go live at this time instead of now; a time in the past means now.
    pub publish_at: Option<DateTime<Utc>>,
    /// When the guide is due for review again; kept as it was when left out.
    pub review_due_at: Option<DateTime<Utc>>,
}

/// Approves the revision under review: it goes live now (the previous live revision
/// joins the history), or is scheduled for `publishAt`. Coordinators; send no body (or
/// `{}`) to publish at once.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    request_body = Option<PublishGuideRequest>,
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = OK, description = "Published or scheduled.", body = GuideResponse),
        (status = CONFLICT, description = "`not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/guides/{guide}/publish")]
pub async fn publish_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: OptionalJson<PublishGuideRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let view = service::publish(
        &db,
        &caller,
        &path,
        body.publish_at,
        body.review_due_at,
        optional_if_match(&req),
    )
    .await?;
    Ok(changed(&view, &caller))
}

/// Archives a guide: it leaves the public list and pages; staff still see it.
/// Coordinators.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = OK, description = "Archived.", body = GuideResponse),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/guides/{guide}/archive")]
pub async fn archive_guide(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = service::archive(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view, &caller))
}

/// A published revision in a guide's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionSummary {
    /// Its number; read it at `/guides/{guide}/revisions/{number}`.
    pub number: i32,
    /// Its title then.
    pub title: String,
    /// Whether it is the live revision.
    pub live: bool,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
    /// The coordinator who approved it; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_by: Option<Uuid>,
    /// Who started the revision; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Uuid>,
    /// What changed, in the authors' words.
    pub change_note: Option<String>,
}

fn summary(entry: &HistoryEntry) -> RevisionSummary {
    RevisionSummary {
        number: entry.revision.number,
        title: entry.revision.title.clone(),
        live: entry.live,
        published_at: entry.revision.published_at,
        published_by: entry.revision.published_by.filter(|_| entry.editor),
        created_by: Some(entry.revision.created_by).filter(|_| entry.editor),
        change_note: entry.revision.change_note.clone(),
    }
}

/// Every revision of the guide that was ever published, newest first.
#[utoipa::path(
    tag = "guides",
    params(("guide" = String, Path, description = "The guide's id or slug.")),
    responses(
        (status = OK, description = "The history.", body = Vec<RevisionSummary>),
        crate::http::GuideNotFound,
    )
)]
#[get("/guides/{guide}/revisions")]
pub async fn list_guide_revisions(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> Result<web::Json<Vec<RevisionSummary>>, AppError> {
    let entries = service::history(&db, caller.0.as_ref(), &path).await?;
    Ok(web::Json(entries.iter().map(summary).collect()))
}

/// One revision by number: published ones for everyone who sees the guide, drafts for
/// its editors.
#[utoipa::path(
    tag = "guides",
    params(
        ("guide" = String, Path, description = "The guide's id or slug."),
        ("number" = i32, Path, description = "The revision number."),
    ),
    responses(
        (status = OK, description = "The guide with that revision.", body = GuideResponse),
        (status = NOT_FOUND, description = "No such revision, or not visible to the caller.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
    )
)]
#[get("/guides/{guide}/revisions/{number}")]
pub async fn get_guide_revision(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let caller = caller.0;
    let view = service::revision(&db, caller.as_ref(), &key, number).await?;
    Ok(respond(&req, &view, caller.as_ref()))
}
