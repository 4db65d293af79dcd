//! `/tutorials/{tutorial}/videos`, `/poster` and `/files`: uploaded videos and posters,
//! and their downloads with ranges.

use academy_auth::{MaybePrincipal, Principal};
use academy_files::FileStore;
use academy_kernel::extract::Query;
use academy_kernel::{AppError, Db};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::tutorials::{SourceResponse, source_response};
use crate::Settings;
use crate::domain::SourceRole;
use crate::uploads::{self, Rendition};

/// Settings of a video rendition.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VideoUploadQuery {
    /// `main` (the default), `audio_described` or `sign_language`.
    pub role: Option<SourceRole>,
    /// The rendition's bitrate in kbit/s, 1–200000, for players that choose by bandwidth.
    pub bitrate_kbps: Option<i32>,
}

/// Uploads a video rendition (MP4 or WebM) into the file store and adds it as a `file`
/// source. Judged by its content; the duration is read from the container header and must
/// match the tutorial's (within a second, or 1 % of longer videos); height and width come
/// from the header. At most `ACADEMY_VIDEO_UPLOAD_LIMIT` bytes (413 above, nothing kept).
/// Editors.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "video/mp4"),
            (String = "video/webm"),
        ),
        description = "The video file."
    ),
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        VideoUploadQuery,
    ),
    responses(
        (status = CREATED, description = "Stored and added as a source.", body = SourceResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`too_many_sources` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = PAYLOAD_TOO_LARGE, description = "Larger than `ACADEMY_VIDEO_UPLOAD_LIMIT`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Not sent as `video/mp4` or `video/webm`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`file`: `type_not_allowed`, `unreadable`, `no_duration`, `duration_mismatch`, `empty`; or `bitrateKbps` out of range.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[post("/tutorials/{tutorial}/videos")]
#[allow(clippy::too_many_arguments)]
pub async fn upload_tutorial_video(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<String>,
    query: Query<VideoUploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    academy_kernel::extract::require_content_type(&req, &["video/mp4", "video/webm"], "video/mp4")?;
    let query = query.into_inner();
    if query
        .bitrate_kbps
        .is_some_and(|b| !(1..=crate::domain::BITRATE_MAX).contains(&b))
    {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "bitrateKbps",
            "out_of_range",
            format!("must be 1–{}", crate::domain::BITRATE_MAX),
        )]));
    }
    let (source, _) = uploads::add_video(
        &db,
        &store,
        settings.video_upload_limit,
        &caller,
        &path,
        Rendition {
            role: query.role.unwrap_or(SourceRole::Main),
            bitrate_kbps: query.bitrate_kbps,
        },
        payload,
    )
    .await?;
    Ok(HttpResponse::Created().json(source_response(&source)))
}

/// A tutorial's poster image.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PosterResponse {
    /// Where to load it.
    pub url: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub media_type: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

pub(super) fn poster_response(file: &crate::entity::tutorial_file::Model) -> PosterResponse {
    PosterResponse {
        url: format!("/api/v1/tutorials/{}/files/{}", file.tutorial_id, file.id),
        media_type: file.media_type.clone(),
        width: file.width,
        height: file.height,
    }
}

/// Sets (or replaces) the poster: a PNG, JPEG or WebP image judged by its header, at most
/// 5 MiB and 8192 pixels a side. Editors.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "image/png"),
            (String = "image/jpeg"),
            (String = "image/webp"),
        ),
        description = "The image."
    ),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "The poster.", body = PosterResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = PAYLOAD_TOO_LARGE, description = "More than 5 MiB.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Not sent as an image type.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`file`: `type_not_allowed`, `too_large_image`, `empty`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[put("/tutorials/{tutorial}/poster")]
pub async fn put_tutorial_poster(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<PosterResponse>, AppError> {
    academy_kernel::extract::require_content_type(
        &req,
        &academy_files::image::MEDIA_TYPES,
        "image/png",
    )?;
    let (file, previous) = uploads::set_poster(&db, &store, &caller, &path, payload).await?;
    store.forget(previous).await;
    Ok(web::Json(poster_response(&file)))
}

/// Removes the poster. Editors.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[delete("/tutorials/{tutorial}/poster")]
pub async fn delete_tutorial_poster(
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = uploads::remove_poster(&db, &caller, &path).await?;
    store.forget([key]).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A tutorial's uploaded video or poster, for everyone who sees the tutorial: with
/// `Content-Disposition`, a strong `ETag` (304 on `If-None-Match`) and single byte ranges
/// (206), as video players ask for them.
#[utoipa::path(
    tag = "tutorials",
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("file" = Uuid, Path, description = "The file's id."),
    ),
    responses(
        (status = OK, description = "The file.", body = String, content_type = "application/octet-stream"),
        (status = PARTIAL_CONTENT, description = "The range asked for.", body = String, content_type = "application/octet-stream"),
        (status = RANGE_NOT_SATISFIABLE, description = "The range lies beyond the file.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/files/{file}")]
pub async fn download_tutorial_file(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: MaybePrincipal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, file) = path.into_inner();
    let meta = uploads::download(db.get_ref(), caller.0.as_ref(), &key, file).await?;
    academy_files::respond(&req, &store, &meta).await
}
