//! `/courses/{course}/cover`: the cover image, and its download.

use academy_auth::{MaybePrincipal, Principal};
use academy_files::FileStore;
use academy_kernel::extract::Query;
use academy_kernel::{AppError, Db};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::covers;
use crate::entity::course_cover;

/// A course's cover image.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoverResponse {
    /// Where to load it; the address changes with every upload, so it may be cached for
    /// good.
    pub url: String,
    /// `image/png`, `image/jpeg` or `image/webp`, judged from the content.
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    /// The text alternative for screen readers; empty for a decorative picture.
    pub alt: String,
}

pub(crate) fn cover_response(cover: &course_cover::Model) -> CoverResponse {
    CoverResponse {
        url: format!("/api/v1/courses/{}/cover/{}", cover.course_id, cover.id),
        media_type: cover.media_type.clone(),
        width: cover.width,
        height: cover.height,
        alt: cover.alt.clone(),
    }
}

/// What the cover shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverQuery {
    /// The text alternative screen readers read out, up to 300 characters without
    /// control characters or line breaks (trimmed). Leave it out or empty for a purely
    /// decorative picture.
    pub alt: Option<String>,
}

/// Sets (or replaces) the cover: a PNG, JPEG or WebP image judged by its header, at most
/// 5 MiB and 8192 pixels a side. The replaced picture is removed from the file store.
/// Editors; not on archived courses.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "image/png"),
            (String = "image/jpeg"),
            (String = "image/webp"),
        ),
        description = "The image."
    ),
    params(("course" = String, Path, description = "The course's id or slug."), CoverQuery),
    responses(
        (status = OK, description = "The cover.", body = CoverResponse),
        (status = FORBIDDEN, description = "May read the course but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = PAYLOAD_TOO_LARGE, description = "More than 5 MiB.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Not sent as an image type.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`file`: `type_not_allowed`, `too_large_image`, `empty`; `alt`: `too_long`, `control_character`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[put("/courses/{course}/cover")]
pub async fn put_course_cover(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    path: web::Path<String>,
    query: Query<CoverQuery>,
    payload: web::Payload,
) -> Result<web::Json<CoverResponse>, AppError> {
    academy_kernel::extract::require_content_type(
        &req,
        &academy_files::image::MEDIA_TYPES,
        "image/png",
    )?;
    let alt = query.into_inner().alt.unwrap_or_default();
    let (cover, previous) = covers::set(&db, &store, &caller, &path, &alt, payload).await?;
    store.forget(previous).await;
    Ok(web::Json(cover_response(&cover)))
}

/// Removes the cover, and its picture from the file store. Editors.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "May read the course but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[delete("/courses/{course}/cover")]
pub async fn delete_course_cover(
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = covers::remove(&db, &caller, &path).await?;
    store.forget([key]).await;
    Ok(HttpResponse::NoContent().finish())
}

/// The cover image, for everyone who sees the course: with `Content-Disposition`, a
/// strong `ETag` (304 on `If-None-Match`) and single byte ranges (206).
#[utoipa::path(
    tag = "courses",
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("file" = Uuid, Path, description = "The cover's id, from its `url`."),
    ),
    responses(
        (status = OK, description = "The picture.", body = String, content_type = "application/octet-stream"),
        (status = PARTIAL_CONTENT, description = "The range asked for.", body = String, content_type = "application/octet-stream"),
        (status = RANGE_NOT_SATISFIABLE, description = "The range lies beyond the file.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}/cover/{file}")]
pub async fn download_course_cover(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: MaybePrincipal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, file) = path.into_inner();
    let meta = covers::download(db.get_ref(), caller.0.as_ref(), &key, file).await?;
    academy_files::respond(&req, &store, &meta).await
}
