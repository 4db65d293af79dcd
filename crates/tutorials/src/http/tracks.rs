//! `/tutorials/{tutorial}/tracks` and `/transcripts`: text tracks as WebVTT for
//! `<track>`, and transcripts.

use academy_auth::{MaybePrincipal, Principal};
use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Db, etag};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, put, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::tutorials::{TrackResponse, track_response};
use crate::domain::{Provenance, TrackKind, TrackStatus};
use crate::text_tracks::{self, TrackChange, TrackSettings, TranscriptSource};
use crate::tracks::TRACK_MAX_BYTES;

/// The media types a track upload may be sent as; the content decides what it is.
const UPLOAD_TYPES: [&str; 4] = [
    "text/vtt",
    "application/x-subrip",
    "text/plain",
    "application/octet-stream",
];

/// The tracks of a tutorial the caller may see: approved ones, and drafts for editors.
#[utoipa::path(
    tag = "tutorial tracks",
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "The tracks, by kind and language.", body = Vec<TrackResponse>),
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/tracks")]
pub async fn list_tutorial_tracks(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> Result<web::Json<Vec<TrackResponse>>, AppError> {
    let item = crate::tutorials::visible(db.get_ref(), caller.0.as_ref(), &path).await?;
    let tracks = text_tracks::list(db.get_ref(), caller.0.as_ref(), &path).await?;
    Ok(web::Json(
        tracks.iter().map(|t| track_response(item.id, t)).collect(),
    ))
}

/// Settings sent with an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrackUploadQuery {
    /// What a player shows in its menu; at most 100 characters. Made from the kind and
    /// language when left out.
    pub label: Option<String>,
    /// Whether the player shows this track unless the viewer chooses otherwise; at most
    /// one per kind (default `false`).
    pub default: Option<bool>,
    /// `human` (the default) or `machine`.
    pub provenance: Option<Provenance>,
}

/// Reads the body up to the track size limit; 413 above it.
async fn body(mut payload: web::Payload) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(
                "malformed_upload",
                format!("The upload could not be read: {e}"),
            )
        })?;
        if bytes.len() + chunk.len() > TRACK_MAX_BYTES {
            return Err(AppError::payload_too_large(TRACK_MAX_BYTES));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Uploads (or replaces) the track of a kind in a language: WebVTT, or SRT which is
/// converted to WebVTT. Cue times must ascend, each cue end after it starts and inside
/// the duration, the text valid UTF-8; a 422 names the line otherwise. A replaced track
/// is a draft again. Editors; at most 2 MiB.
#[utoipa::path(
    tag = "tutorial tracks",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "text/vtt", example = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWillkommen im Quartier.\n"),
            (String = "application/x-subrip"),
        ),
        description = "The track file, WebVTT or SRT; judged by its content."
    ),
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("kind" = TrackKind, Path, description = "`captions`, `subtitles`, `descriptions` or `chapters`."),
        ("language" = String, Path, description = "BCP 47 language tag, e.g. `de`."),
        TrackUploadQuery,
    ),
    responses(
        (status = OK, description = "Replaced.", body = TrackResponse),
        (status = CREATED, description = "Added.", body = TrackResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = PAYLOAD_TOO_LARGE, description = "More than 2 MiB.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Not sent as `text/vtt`, `application/x-subrip`, `text/plain` or `application/octet-stream`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "The file, by line: `not_utf8`, `unknown_format`, `syntax`, `end_before_start`, `not_ascending`, `beyond_duration`, `cue_too_long`, `too_many_cues`, `no_cues`, `nul`; or `label`, `language`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[put("/tutorials/{tutorial}/tracks/{kind}/{language}")]
pub async fn put_tutorial_track(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, TrackKind, String)>,
    query: Query<TrackUploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    academy_kernel::extract::require_content_type(&req, &UPLOAD_TYPES, "text/vtt")?;
    let (key, kind, language) = path.into_inner();
    let query = query.into_inner();
    let bytes = body(payload).await?;
    let (track, created) = text_tracks::put(
        &db,
        &caller,
        &key,
        kind,
        &language,
        TrackSettings {
            label: query.label,
            default: query.default.unwrap_or(false),
            provenance: query.provenance.unwrap_or_default(),
        },
        &bytes,
    )
    .await?;
    let response = track_response(track.tutorial_id, &track);
    Ok(if created {
        HttpResponse::Created()
            .insert_header((header::LOCATION, response.url.clone()))
            .json(response)
    } else {
        HttpResponse::Ok().json(response)
    })
}

/// The track as WebVTT (`text/vtt`), for `<track src>`: approved tracks for everyone who
/// sees the tutorial, drafts for editors. Sends an `ETag` (the hash of the file) and
/// answers `If-None-Match` with 304; the configured frontend origins get CORS headers, so
/// `<track>` works across origins.
#[utoipa::path(
    tag = "tutorial tracks",
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("kind" = TrackKind, Path, description = "`captions`, `subtitles`, `descriptions` or `chapters`."),
        ("language" = String, Path, description = "BCP 47 language tag."),
    ),
    responses(
        (status = OK, description = "The WebVTT file.", body = String, content_type = "text/vtt"),
        academy_kernel::responses::Cached,
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/tracks/{kind}/{language}")]
pub async fn get_tutorial_track(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<(String, TrackKind, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, kind, language) = path.into_inner();
    let track = text_tracks::get(db.get_ref(), caller.0.as_ref(), &key, kind, &language).await?;
    let tag = format!("\"{}\"", track.sha256);
    if etag::not_modified(&req, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("text/vtt; charset=utf-8")
        .body(track.body))
}

/// A change of a track's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchTrackRequest {
    /// What a player shows in its menu; at most 100 characters.
    pub label: Option<String>,
    /// Whether the player shows it by default; setting it clears the flag on the other
    /// tracks of the kind.
    pub default: Option<bool>,
    /// `human` or `machine`.
    pub provenance: Option<Provenance>,
    /// `approved` (after checking it: it becomes public and counts in the accessibility
    /// profile) or `draft`.
    pub status: Option<TrackStatus>,
}

/// Changes a track's label, default flag, provenance or status. Editors.
#[utoipa::path(
    tag = "tutorial tracks",
    security(("bearer" = [])),
    request_body = PatchTrackRequest,
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("kind" = TrackKind, Path, description = "The track's kind."),
        ("language" = String, Path, description = "The track's language."),
    ),
    responses(
        (status = OK, description = "Changed.", body = TrackResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`label` invalid.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[patch("/tutorials/{tutorial}/tracks/{kind}/{language}")]
pub async fn patch_tutorial_track(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, TrackKind, String)>,
    body: Json<PatchTrackRequest>,
) -> Result<web::Json<TrackResponse>, AppError> {
    let (key, kind, language) = path.into_inner();
    let body = body.into_inner();
    let track = text_tracks::change(
        &db,
        &caller,
        &key,
        kind,
        &language,
        TrackChange {
            label: body.label,
            default: body.default,
            status: body.status,
            provenance: body.provenance,
        },
    )
    .await?;
    Ok(web::Json(track_response(track.tutorial_id, &track)))
}

/// Removes a track. Editors.
#[utoipa::path(
    tag = "tutorial tracks",
    security(("bearer" = [])),
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("kind" = TrackKind, Path, description = "The track's kind."),
        ("language" = String, Path, description = "The track's language."),
    ),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[delete("/tutorials/{tutorial}/tracks/{kind}/{language}")]
pub async fn delete_tutorial_track(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, TrackKind, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, kind, language) = path.into_inner();
    text_tracks::remove(&db, &caller, &key, kind, &language).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where a transcript comes from.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptOrigin {
    /// Written by an editor.
    Written,
    /// Derived from the approved captions in that language.
    Captions,
}

/// A transcript.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptResponse {
    pub language: String,
    /// Plain text, paragraphs separated by blank lines.
    pub text: String,
    pub origin: TranscriptOrigin,
    pub updated_at: DateTime<Utc>,
}

/// The transcript in a language: the written one, else one derived from the approved
/// captions in that language; 404 when there is neither.
#[utoipa::path(
    tag = "tutorial tracks",
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("language" = String, Path, description = "BCP 47 language tag."),
    ),
    responses(
        (status = OK, description = "The transcript.", body = TranscriptResponse),
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/transcripts/{language}")]
pub async fn get_tutorial_transcript(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<(String, String)>,
) -> Result<web::Json<TranscriptResponse>, AppError> {
    let (key, language) = path.into_inner();
    let (text, origin, updated_at) =
        text_tracks::transcript(db.get_ref(), caller.0.as_ref(), &key, &language).await?;
    Ok(web::Json(TranscriptResponse {
        language,
        text,
        origin: match origin {
            TranscriptSource::Written => TranscriptOrigin::Written,
            TranscriptSource::Captions => TranscriptOrigin::Captions,
        },
        updated_at,
    }))
}

/// A written transcript.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TranscriptRequest {
    /// Plain text; required, at most 500,000 characters.
    #[schema(example = "Willkommen im Quartier. Heute geht es um Beteiligung.")]
    pub text: String,
}

/// Writes (or replaces) the transcript in a language. Editors.
#[utoipa::path(
    tag = "tutorial tracks",
    security(("bearer" = [])),
    request_body = TranscriptRequest,
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("language" = String, Path, description = "BCP 47 language tag."),
    ),
    responses(
        (status = NO_CONTENT, description = "Stored."),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`text` missing or too long, or `language` invalid.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[put("/tutorials/{tutorial}/transcripts/{language}")]
pub async fn put_tutorial_transcript(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, String)>,
    body: Json<TranscriptRequest>,
) -> Result<HttpResponse, AppError> {
    let (key, language) = path.into_inner();
    text_tracks::put_transcript(&db, &caller, &key, &language, &body.text).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes the written transcript in a language; one derived from captions stays.
/// Editors.
#[utoipa::path(
    tag = "tutorial tracks",
    security(("bearer" = [])),
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("language" = String, Path, description = "BCP 47 language tag."),
    ),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[delete("/tutorials/{tutorial}/transcripts/{language}")]
pub async fn delete_tutorial_transcript(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, language) = path.into_inner();
    text_tracks::remove_transcript(&db, &caller, &key, &language).await?;
    Ok(HttpResponse::NoContent().finish())
}
