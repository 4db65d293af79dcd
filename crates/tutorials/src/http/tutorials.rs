//! `/tutorials`: browse and read tutorials, write their metadata, and the review workflow
//! with the captions gate.

use academy_auth::{Coordinators, MaybePrincipal, Principal, Require};
use academy_kernel::extract::{Json, OptionalJson, Query};
use academy_kernel::{AppError, Bounds, Db, Page, etag, markdown};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{optional_if_match, required_if_match};
use crate::domain::{
    self, Chapter, ContentInput, Criterion, RevisionState, StoredChapter, TutorialKind,
    TutorialStatus,
};
use crate::tutorials::{self, ListFilter, Sort, TutorialView, Which};

/// A tutorial's metadata as authors write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TutorialContentRequest {
    /// Required; at most 200 characters.
    #[schema(example = "Beteiligung im Quartier in fünf Minuten")]
    pub title: String,
    /// Required plain text; at most 1000 characters.
    #[schema(example = "Ein Impuls: warum Beteiligung früh beginnt und wer dazugehört.")]
    pub summary: String,
    /// What the tutorial covers (Markdown, no raw HTML).
    #[serde(default)]
    pub description: String,
    /// Language tag of what is spoken; `de` when left out.
    pub language: Option<String>,
    /// Length of the video in seconds, 1–21600 (six hours); uploaded videos must match it.
    #[schema(example = 312.5, minimum = 1, maximum = 21600)]
    pub duration_seconds: f64,
    /// What it is for: `impulse`, `orientation` (the default) or `in_depth`.
    #[schema(default = "orientation")]
    pub kind: Option<TutorialKind>,
    /// Who speaks, at most 20 names.
    #[serde(default)]
    #[schema(example = json!(["Dr. Jana Beispiel"]))]
    pub speakers: Vec<String>,
    /// The licence as an SPDX identifier, e.g. `CC-BY-4.0`.
    #[schema(example = "CC-BY-4.0")]
    pub licence: Option<String>,
    /// Ids of guides on the same topic, at most 20.
    #[serde(default)]
    pub related_guides: Vec<Uuid>,
    /// Chapters in order; each starts inside the video, after the one before.
    #[serde(default)]
    pub chapters: Vec<Chapter>,
    /// The id of this tutorial's Leichte Sprache variant.
    pub easy_language_tutorial_id: Option<Uuid>,
    /// The share of the video a learner must have watched to complete it, more than 0 and
    /// at most 1 (default 0.9). Only watched time counts, never the position.
    #[schema(example = 0.9, exclusive_minimum = 0, maximum = 1)]
    pub completion_threshold: Option<f64>,
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
    /// What changed, for the revision history; at most 2000 characters.
    pub change_note: Option<String>,
}

impl From<TutorialContentRequest> for ContentInput {
    fn from(body: TutorialContentRequest) -> Self {
        ContentInput {
            title: body.title,
            summary: body.summary,
            description: body.description,
            language: body.language,
            duration_seconds: body.duration_seconds,
            kind: body.kind,
            speakers: body.speakers,
            licence: body.licence,
            related_guides: body.related_guides,
            chapters: body.chapters,
            easy_language_tutorial_id: body.easy_language_tutorial_id,
            completion_threshold: body.completion_threshold,
            change_note: body.change_note,
            fields_of_action: body.fields_of_action,
            phases: body.phases,
            audiences: body.audiences,
            co_publishers: body.co_publishers,
        }
    }
}

/// A new tutorial: its slug and organisation, and the metadata of its first draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTutorialRequest {
    /// Stable slug: 2–64 characters of a–z, 0–9 and single inner hyphens; 409
    /// `slug_taken` when another tutorial has it. Made from the title when left out.
    #[schema(example = "beteiligung-im-quartier-in-fuenf-minuten")]
    pub slug: Option<String>,
    /// The publishing organisation. Authors may leave it out (their own is used);
    /// coordinators name it.
    pub organisation_id: Option<Uuid>,
    /// The metadata.
    #[serde(flatten)]
    pub content: TutorialContentRequest,
}

/// A chapter as served.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChapterResponse {
    /// Start in seconds.
    pub start: f64,
    pub title: String,
}

/// Where the tutorial plays from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceResponse {
    pub id: Uuid,
    /// `main`, `audio_described` or `sign_language`.
    pub role: domain::SourceRole,
    /// `embed`, `file` or `hls`.
    pub delivery: domain::Delivery,
    /// The address to play: external, or the download of an uploaded file
    /// (`/api/v1/tutorials/{id}/files/{file}`, with ranges).
    pub url: String,
    /// Whether the video was uploaded into the academy's file store.
    pub uploaded: bool,
    /// `video/mp4`, `video/webm` or the HLS type; none for embeds.
    pub media_type: Option<String>,
    /// Rendition height in pixels.
    pub height: Option<i32>,
    /// Rendition bitrate in kbit/s.
    pub bitrate_kbps: Option<i32>,
}

/// A text track as listed with its tutorial.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    pub kind: domain::TrackKind,
    /// BCP 47 language tag (`srclang`).
    pub language: String,
    /// What a player shows in its menu.
    pub label: String,
    /// Whether the player shows it unless the viewer chooses otherwise.
    pub default: bool,
    pub provenance: domain::Provenance,
    /// `approved` tracks are public; drafts are shown to editors only.
    pub status: domain::TrackStatus,
    /// Number of cues.
    pub cue_count: i32,
    /// The WebVTT file for `<track src>`.
    pub url: String,
    pub updated_at: DateTime<Utc>,
}

/// The accessibility profile, computed from tracks, sources and variants — never typed in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessibilityResponse {
    /// Approved German captions.
    pub captions: bool,
    /// An approved descriptions track or an audio-described rendition.
    pub audio_description: bool,
    /// A German Sign Language (DGS) video.
    pub sign_language: bool,
    /// A Leichte Sprache variant is linked.
    pub easy_language: bool,
    /// A transcript: written, or derived from approved captions.
    pub transcript: bool,
    /// WCAG 2.1 success criteria for prerecorded media and whether each is met.
    pub criteria: Vec<Criterion>,
    /// The ids of the criteria of level A and AA that are not met.
    pub missing: Vec<&'static str>,
    /// Whether every level A and AA media criterion is met (BITV 2.0 / EN 301 549).
    pub meets_aa: bool,
    /// Why it may be published without approved German captions, if a coordinator said
    /// so; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captions_exemption: Option<String>,
}

/// The working revision's number and state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingTutorialRevision {
    pub number: i32,
    /// `draft`, `in_review` or `scheduled`.
    pub state: RevisionState,
}

/// A tutorial with one of its revisions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialResponse {
    pub id: Uuid,
    /// Stable, unique slug; `GET /tutorials/{slug}` works as well as the id.
    pub slug: String,
    pub organisation_id: Uuid,
    pub status: TutorialStatus,
    /// The number of the live revision, if one is published.
    pub live_revision: Option<i32>,
    /// The revision being written or reviewed; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_revision: Option<WorkingTutorialRevision>,
    /// The number of the revision shown.
    pub revision: i32,
    /// The state of the revision shown.
    pub state: RevisionState,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// `description` rendered as sanitised HTML.
    pub description_html: String,
    pub language: String,
    pub duration_seconds: f64,
    pub kind: TutorialKind,
    pub speakers: Vec<String>,
    pub licence: Option<String>,
    pub related_guides: Vec<Uuid>,
    pub chapters: Vec<ChapterResponse>,
    pub easy_language_tutorial_id: Option<Uuid>,
    pub completion_threshold: f64,
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
    pub change_note: Option<String>,
    /// The reviewer's comment on a returned draft; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourceResponse>,
    /// The poster image, if one was uploaded.
    pub poster: Option<super::files::PosterResponse>,
    pub tracks: Vec<TrackResponse>,
    /// Languages with a written transcript.
    pub transcripts: Vec<String>,
    pub accessibility: AccessibilityResponse,
    /// When coordinators see it as due for review; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn accessibility(view: &TutorialView) -> AccessibilityResponse {
    let criteria = domain::criteria(view.facts);
    AccessibilityResponse {
        captions: view.facts.german_captions,
        audio_description: view.facts.descriptions_track || view.facts.described_rendition,
        sign_language: view.facts.sign_language,
        easy_language: view.facts.easy_language,
        transcript: view.facts.transcript,
        missing: criteria
            .iter()
            .filter(|c| !c.met && c.level != "AAA")
            .map(|c| c.id)
            .collect(),
        meets_aa: domain::meets_aa(&criteria),
        criteria,
        captions_exemption: view
            .exemption
            .as_ref()
            .and_then(|e| e.captions_exemption.clone())
            .filter(|_| view.editor),
    }
}

pub(super) fn track_response(
    key: Uuid,
    track: &crate::entity::tutorial_track::Model,
) -> TrackResponse {
    TrackResponse {
        kind: domain::TrackKind::parse(&track.kind).unwrap_or(domain::TrackKind::Captions),
        language: track.language.clone(),
        label: track.label.clone(),
        default: track.is_default,
        provenance: domain::Provenance::parse(&track.provenance).unwrap_or_default(),
        status: domain::TrackStatus::parse(&track.status).unwrap_or(domain::TrackStatus::Draft),
        cue_count: track.cue_count,
        url: format!(
            "/api/v1/tutorials/{key}/tracks/{}/{}",
            track.kind, track.language
        ),
        updated_at: track.updated_at,
    }
}

pub(super) fn source_response(source: &crate::entity::tutorial_source::Model) -> SourceResponse {
    SourceResponse {
        id: source.id,
        role: domain::SourceRole::parse(&source.role).unwrap_or(domain::SourceRole::Main),
        delivery: domain::Delivery::parse(&source.delivery).unwrap_or(domain::Delivery::Embed),
        url: match (&source.url, source.file_id) {
            (Some(url), _) => url.clone(),
            (None, Some(file)) => format!("/api/v1/tutorials/{}/files/{file}", source.tutorial_id),
            (None, None) => String::new(),
        },
        uploaded: source.file_id.is_some(),
        media_type: source.media_type.clone(),
        height: source.height,
        bitrate_kbps: source.bitrate_kbps,
    }
}

fn response(view: &TutorialView) -> TutorialResponse {
    let r = &view.revision;
    let editor = view.editor;
    TutorialResponse {
        id: view.item.id,
        slug: view.item.slug.clone(),
        organisation_id: view.item.organisation_id,
        status: view.status(),
        live_revision: view.live_number,
        working_revision: view
            .working
            .map(|(number, state)| WorkingTutorialRevision { number, state }),
        revision: r.number,
        state: RevisionState::parse(&r.state).unwrap_or(RevisionState::Draft),
        title: r.title.clone(),
        summary: r.summary.clone(),
        description: r.description.clone(),
        description_html: markdown::to_html(&r.description),
        language: r.language.clone(),
        duration_seconds: seconds(r.duration_ms),
        kind: TutorialKind::parse(&r.kind).unwrap_or(TutorialKind::Orientation),
        speakers: serde_json::from_value(r.speakers.clone()).unwrap_or_default(),
        licence: r.licence.clone(),
        related_guides: serde_json::from_value(r.related_guides.clone()).unwrap_or_default(),
        chapters: serde_json::from_value::<Vec<StoredChapter>>(r.chapters.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|c| ChapterResponse {
                start: c.start_ms as f64 / 1000.0,
                title: c.title,
            })
            .collect(),
        easy_language_tutorial_id: r.easy_language_tutorial_id,
        completion_threshold: r.completion_threshold,
        fields_of_action: view.links.fields_of_action.clone(),
        themes: view.links.themes.clone(),
        phases: view.links.phases.clone(),
        audiences: view.links.audiences.clone(),
        co_publishers: view.links.co_publishers.clone(),
        change_note: r.change_note.clone(),
        review_comment: r.review_comment.clone().filter(|_| editor),
        publish_at: r.publish_at,
        published_at: r.published_at,
        sources: view.sources.iter().map(source_response).collect(),
        poster: view.poster.as_ref().map(super::files::poster_response),
        tracks: view
            .tracks
            .iter()
            .map(|t| track_response(view.item.id, t))
            .collect(),
        transcripts: view.transcripts.clone(),
        accessibility: accessibility(view),
        review_due_at: view.item.review_due_at.filter(|_| editor),
        archived_at: view.item.archived_at,
        created_at: view.item.created_at,
        updated_at: view.item.updated_at,
    }
}

/// 200 with the tutorial and its `ETag`, or 304 when the client's copy is current.
fn respond(req: &HttpRequest, view: &TutorialView) -> HttpResponse {
    let tag = etag::of(view.item.version);
    if etag::not_modified(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(response(view))
}

/// 200 with the changed tutorial and its new `ETag`.
fn changed(view: &TutorialView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(view.item.version)))
        .json(response(view))
}

/// Filters, sort and page of the tutorial list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TutorialListQuery {
    /// Full-text search in German over published tutorials — title, summary,
    /// description, chapters, transcripts and the approved spoken text ("Beteiligung"
    /// also finds "beteiligen"). Results carry a `snippet`, and a `moment` when the words
    /// are spoken: the time to open the video at. Sorted by relevance unless `sort` says
    /// otherwise. At most 200 characters and 10 terms (422 above); a search that runs
    /// too long answers 503 `search_timeout`.
    pub q: Option<String>,
    /// Only tutorials tagged with one of these fields of action (slugs, repeatable). An
    /// unknown slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only tutorials with a field of action of one of these themes (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub theme: Vec<String>,
    /// Only tutorials for one of these programme phases (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub phase: Vec<String>,
    /// Only tutorials for one of these target audiences (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub audience: Vec<String>,
    /// Only tutorials one of these organisations publishes or co-publishes (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only tutorials in this language, e.g. `de`.
    pub language: Option<String>,
    /// Only tutorials of this kind.
    pub kind: Option<TutorialKind>,
    /// `true`: only tutorials with approved German captions; `false`: only without.
    pub captions: Option<bool>,
    /// `true`: only tutorials with audio description (a descriptions track or a described
    /// rendition); `false`: only without.
    pub audio_description: Option<bool>,
    /// `true`: only tutorials with a German Sign Language video; `false`: only without.
    pub sign_language: Option<bool>,
    /// `true`: only tutorials with a Leichte Sprache variant; `false`: only without.
    pub easy_language: Option<bool>,
    /// `true`: only tutorials with a transcript; `false`: only without.
    pub transcript: Option<bool>,
    /// Only tutorials at least this many seconds long.
    pub min_duration: Option<u64>,
    /// Only tutorials at most this many seconds long.
    pub max_duration: Option<u64>,
    /// `published` or `archived`; `draft`, `in_review` (the review queue), `scheduled`:
    /// tutorials whose working revision is in that state. Visibility still depends on the
    /// caller.
    pub status: Option<TutorialStatus>,
    /// `true`: only tutorials whose review date has passed. Coordinators only.
    pub review_due: Option<bool>,
    /// `relevance` (the default with `q`), `newest` (the default otherwise: most
    /// recently changed first) or `title`.
    pub sort: Option<TutorialSort>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Sort order of the tutorial list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TutorialSort {
    /// Most recently changed first.
    Newest,
    /// By title, A–Z.
    Title,
    /// Best match first (with `q` only).
    Relevance,
}

/// Where a search hit is spoken.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MomentResponse {
    /// Seconds from the start: open the video here.
    pub t: f64,
    /// The words said then.
    pub text: String,
}

/// A tutorial in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialSummary {
    pub id: Uuid,
    pub slug: String,
    pub organisation_id: Uuid,
    pub status: TutorialStatus,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub kind: TutorialKind,
    pub duration_seconds: f64,
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
    /// Approved German captions.
    pub captions: bool,
    /// Audio description.
    pub audio_description: bool,
    /// A German Sign Language video.
    pub sign_language: bool,
    /// A Leichte Sprache variant.
    pub easy_language: bool,
    /// A transcript.
    pub transcript: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// With `q`: about 30 words around the first match, HTML-escaped, matches in
    /// `<mark>…</mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// With `q`: the first moment the searched words are spoken, if they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moment: Option<MomentResponse>,
}

/// Tutorials the caller may see: published ones for everyone, their organisation's
/// unpublished ones for authors, all for coordinators. Sends an `ETag` of the page;
/// `If-None-Match` gets a 304.
#[utoipa::path(
    tag = "tutorials",
    params(TutorialListQuery),
    responses(
        (status = OK, description = "One page of tutorials.", body = Page<TutorialSummary>),
        (status = FORBIDDEN, description = "`reviewDue` asked for by someone other than a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
        academy_kernel::responses::Filtered,
    )
)]
#[get("/tutorials")]
pub async fn list_tutorials(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    query: Query<TutorialListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    if let Some(language) = &query.language
        && !academy_publishing::language::valid(language)
    {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        )]));
    }
    let search = query
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(academy_publishing::search::Search::parse)
        .transpose()?;
    let duration = |seconds: Option<u64>, name: &'static str| match seconds {
        Some(s) if s > domain::DURATION_MAX_SECONDS => {
            Err(AppError::validation(vec![academy_kernel::FieldError::new(
                name,
                "out_of_range",
                format!("must be 0–{}", domain::DURATION_MAX_SECONDS),
            )]))
        }
        other => Ok(other.map(|s| s * 1000)),
    };
    let filter = ListFilter {
        shared: academy_publishing::listing::Filter {
            field_of_action: query.field_of_action,
            theme: query.theme,
            phase: query.phase,
            audience: query.audience,
            organisation: query.organisation,
            status: query.status,
            review_due: query.review_due.unwrap_or(false),
        },
        language: query.language,
        kind: query.kind,
        captions: query.captions,
        audio_description: query.audio_description,
        sign_language: query.sign_language,
        easy_language: query.easy_language,
        transcript: query.transcript,
        min_duration_ms: duration(query.min_duration, "minDuration")?,
        max_duration_ms: duration(query.max_duration, "maxDuration")?,
        search: search.clone(),
        sort: match query.sort {
            Some(TutorialSort::Title) => Sort::Title,
            Some(TutorialSort::Newest) => Sort::Newest,
            Some(TutorialSort::Relevance) | None => Sort::Relevance,
        },
    };
    let (views, total, mut snippets, mut moments) = match &search {
        // A search runs in a transaction of its own, with a statement timeout on PostgreSQL.
        Some(search) => {
            let txn = academy_publishing::search::begin(&db).await?;
            let (views, total) = tutorials::list(&txn, caller.0.as_ref(), filter, bounds).await?;
            let ids: Vec<Uuid> = views.iter().map(|v| v.item.id).collect();
            let snippets = search.snippets(&txn, &tutorials::KIND, &ids).await?;
            let moments = crate::search::moments(&txn, search, &ids).await?;
            txn.commit().await?;
            (views, total, snippets, moments)
        }
        None => {
            let (views, total) =
                tutorials::list(db.get_ref(), caller.0.as_ref(), filter, bounds).await?;
            (views, total, Default::default(), Default::default())
        }
    };
    let items: Vec<TutorialSummary> = views
        .iter()
        .map(|view| TutorialSummary {
            id: view.item.id,
            slug: view.item.slug.clone(),
            organisation_id: view.item.organisation_id,
            status: view.status(),
            title: view.revision.title.clone(),
            summary: view.revision.summary.clone(),
            language: view.revision.language.clone(),
            kind: TutorialKind::parse(&view.revision.kind).unwrap_or(TutorialKind::Orientation),
            duration_seconds: seconds(view.revision.duration_ms),
            fields_of_action: view.links.fields_of_action.clone(),
            themes: view.links.themes.clone(),
            phases: view.links.phases.clone(),
            audiences: view.links.audiences.clone(),
            co_publishers: view.links.co_publishers.clone(),
            captions: view.facts.german_captions,
            audio_description: view.facts.descriptions_track || view.facts.described_rendition,
            sign_language: view.facts.sign_language,
            easy_language: view.facts.easy_language,
            transcript: view.facts.transcript,
            published_at: view.revision.published_at,
            updated_at: view.item.updated_at,
            snippet: snippets.remove(&view.item.id),
            moment: moments.remove(&view.item.id).map(|m| MomentResponse {
                t: m.t,
                text: m.text,
            }),
        })
        .collect();
    // The page's tag: what it shows and the version of each tutorial on it.
    let fingerprint: String = views
        .iter()
        .map(|v| format!("{}:{};", v.item.id, v.item.version))
        .collect::<String>()
        + &format!("{total}");
    let tag = format!("\"{}\"", {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(fingerprint.as_bytes());
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    });
    if etag::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(Page::new(items, total, bounds)))
}

/// Creates a tutorial with its first draft. Authors (for their organisation) and
/// coordinators.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = CreateTutorialRequest,
    responses(
        (status = CREATED, description = "Created; `Location` names it, `ETag` is its version.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not an author or coordinator, or another organisation's author.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slug_taken`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields (`required`, `too_long`, `out_of_range`, `not_ascending`, `beyond_duration`, `unknown_licence`, `unknown`, …).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/tutorials")]
pub async fn create_tutorial(
    db: web::Data<Db>,
    caller: Principal,
    body: Json<CreateTutorialRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let content = domain::validate(body.content.into())?;
    let view = tutorials::create(&db, &caller, body.organisation_id, body.slug, content).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::of(view.item.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/tutorials/{}", view.item.id),
        ))
        .json(response(&view)))
}

/// Which revision to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TutorialReadQuery {
    /// `working`: the revision being written or reviewed (editors only). `live`: the live
    /// revision only. Left out: the live revision, or for editors of an unpublished
    /// tutorial the working one.
    pub revision: Option<TutorialRevisionChoice>,
}

/// A revision to read.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TutorialRevisionChoice {
    Live,
    Working,
}

/// One tutorial by id or slug, with its `ETag`, sources, tracks and accessibility
/// profile.
#[utoipa::path(
    tag = "tutorials",
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        TutorialReadQuery,
    ),
    responses(
        (status = OK, description = "The tutorial.", body = TutorialResponse),
        academy_kernel::responses::Cached,
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}")]
pub async fn get_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
    query: Query<TutorialReadQuery>,
) -> Result<HttpResponse, AppError> {
    let which = match query.revision {
        Some(TutorialRevisionChoice::Working) => Which::Working,
        Some(TutorialRevisionChoice::Live) => Which::Live,
        None => Which::Current,
    };
    let view = tutorials::get(db.get_ref(), caller.0.as_ref(), &path, which).await?;
    Ok(respond(&req, &view))
}

/// Replaces the metadata of the working revision; on a published tutorial this starts a
/// new draft while the live revision stays visible. Editors; `If-Match` required.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = TutorialContentRequest,
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Changed; the working revision.", body = TutorialResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionChecked,
    )
)]
#[put("/tutorials/{tutorial}")]
pub async fn update_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<TutorialContentRequest>,
) -> Result<HttpResponse, AppError> {
    let content = domain::validate(body.into_inner().into())?;
    let view = tutorials::update(&db, &caller, &path, content, required_if_match(&req)).await?;
    Ok(changed(&view))
}

/// Deletes a tutorial with its tracks, sources and everyone's progress: coordinators any,
/// its authors only one never published.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not an editor, or an author of a published tutorial.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[delete("/tutorials/{tutorial}")]
pub async fn delete_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<academy_files::FileStore>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let stored = tutorials::delete(&db, &caller, &path, optional_if_match(&req)).await?;
    store.forget(stored).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Hands the draft to the coordinating office for review. Editors.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "In review.", body = TutorialResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`nothing_to_submit`, `already_in_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/tutorials/{tutorial}/submit")]
pub async fn submit_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = tutorials::submit(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// Why a tutorial goes back to its authors.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnTutorialRequest {
    /// What needs to change; required, at most 2000 characters.
    #[schema(example = "Bitte die Untertitel ab Minute 3 prüfen.")]
    pub comment: String,
}

/// Returns the revision under review (or scheduled) to its authors with a comment.
/// Coordinators.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = ReturnTutorialRequest,
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "A draft again.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`comment` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/tutorials/{tutorial}/return")]
pub async fn return_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: Json<ReturnTutorialRequest>,
) -> Result<HttpResponse, AppError> {
    let comment = academy_publishing::review_comment(&body.comment)?;
    let view =
        tutorials::return_to_authors(&db, &caller, &path, comment, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// How to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishTutorialRequest {
    /// Go live at this time instead of now; a time in the past means now.
    pub publish_at: Option<DateTime<Utc>>,
    /// When the tutorial is due for review again; kept as it was when left out.
    pub review_due_at: Option<DateTime<Utc>>,
}

/// Approves the revision under review: live now, or scheduled for `publishAt`.
/// Refused with 409 `captions_required` without approved German captions, unless a
/// coordinator recorded an exemption. Coordinators; send no body to publish at once.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = Option<PublishTutorialRequest>,
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "Published or scheduled.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`captions_required`, `not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/tutorials/{tutorial}/publish")]
pub async fn publish_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: OptionalJson<PublishTutorialRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let view = tutorials::publish(
        &db,
        &caller,
        &path,
        body.publish_at,
        body.review_due_at,
        optional_if_match(&req),
    )
    .await?;
    Ok(changed(&view))
}

/// Archives a tutorial: it leaves the public list and pages. Coordinators.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "Archived.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/tutorials/{tutorial}/archive")]
pub async fn archive_tutorial(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = tutorials::archive(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// Why a tutorial may go live without approved German captions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaptionsExemptionRequest {
    /// The reason, for the audit log and the editors; required, at most 2000 characters.
    #[schema(example = "Reine Musik- und Bildsequenz ohne gesprochenen Text.")]
    pub reason: String,
}

/// Records an exemption from the captions requirement, with its reason (audited).
/// Coordinators.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = CaptionsExemptionRequest,
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "Recorded.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`reason` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[put("/tutorials/{tutorial}/captions-exemption")]
pub async fn set_captions_exemption(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: Json<CaptionsExemptionRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = academy_publishing::review_comment(&body.reason).map_err(|_| {
        AppError::validation(vec![academy_kernel::FieldError::new(
            "reason",
            "required",
            format!(
                "say why, in at most {} characters",
                academy_publishing::NOTE_MAX
            ),
        )])
    })?;
    let view = tutorials::set_exemption(&db, &caller, &path, Some(reason)).await?;
    Ok(changed(&view))
}

/// Withdraws the exemption (audited). Coordinators.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "Withdrawn.", body = TutorialResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[delete("/tutorials/{tutorial}/captions-exemption")]
pub async fn withdraw_captions_exemption(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = tutorials::set_exemption(&db, &caller, &path, None).await?;
    Ok(changed(&view))
}

/// A published revision in a tutorial's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialRevisionSummary {
    pub number: i32,
    pub title: String,
    pub live: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub change_note: Option<String>,
}

/// Every revision of the tutorial that was ever published, newest first.
#[utoipa::path(
    tag = "tutorials",
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "The history.", body = Vec<TutorialRevisionSummary>),
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/revisions")]
pub async fn list_tutorial_revisions(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> Result<web::Json<Vec<TutorialRevisionSummary>>, AppError> {
    let (item, revisions) = tutorials::history(&db, caller.0.as_ref(), &path).await?;
    Ok(web::Json(
        revisions
            .into_iter()
            .map(|r| TutorialRevisionSummary {
                live: item.live_revision_id == Some(r.id),
                number: r.number,
                title: r.title,
                published_at: r.published_at,
                change_note: r.change_note,
            })
            .collect(),
    ))
}

/// One revision by number: published ones for everyone who sees the tutorial, drafts
/// for its editors.
#[utoipa::path(
    tag = "tutorials",
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("number" = i32, Path, description = "The revision number."),
    ),
    responses(
        (status = OK, description = "The tutorial with that revision.", body = TutorialResponse),
        academy_kernel::responses::Cached,
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/revisions/{number}")]
pub async fn get_tutorial_revision(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let view = tutorials::revision(&db, caller.0.as_ref(), &key, number).await?;
    Ok(respond(&req, &view))
}
