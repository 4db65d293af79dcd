//! `/tutorials/{tutorial}/sources`: where a tutorial plays from.

use academy_auth::Principal;
use academy_kernel::extract::Json;
use academy_kernel::{AppError, Db};
use actix_web::{HttpResponse, delete, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::tutorials::{SourceResponse, source_response};
use crate::Settings;
use crate::domain::{Delivery, SourceRole};
use crate::sources::{self, NewSource};

/// An external source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddSourceRequest {
    /// `main` (the default), `audio_described` or `sign_language`.
    pub role: Option<SourceRole>,
    /// `embed`, `file` or `hls`.
    pub delivery: Delivery,
    /// An `https` address on a host the academy allows (see the settings); never fetched
    /// by the server.
    #[schema(example = "https://video.example.org/videos/embed/3f1c")]
    pub url: String,
    /// For `file`: `video/mp4` or `video/webm` (required). For `hls`: left out or the
    /// HLS type. For `embed`: left out.
    pub media_type: Option<String>,
    /// Rendition height in pixels, 1–4320.
    pub height: Option<i32>,
    /// Rendition bitrate in kbit/s, 1–200000.
    pub bitrate_kbps: Option<i32>,
}

/// Adds an external source. Editors; at most 20 per tutorial.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    request_body = AddSourceRequest,
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = CREATED, description = "Added.", body = SourceResponse),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`too_many_sources` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`invalid_url`, `not_https`, `host_not_allowed`, `required` (media type of a file), `out_of_range`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[post("/tutorials/{tutorial}/sources")]
pub async fn add_tutorial_source(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<AddSourceRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let source = sources::add(
        &db,
        &settings,
        &caller,
        &path,
        NewSource {
            role: body.role.unwrap_or(SourceRole::Main),
            delivery: body.delivery,
            url: body.url,
            media_type: body.media_type,
            height: body.height,
            bitrate_kbps: body.bitrate_kbps,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(source_response(&source)))
}

/// Removes a source; an uploaded video goes with it. Editors.
#[utoipa::path(
    tag = "tutorials",
    security(("bearer" = [])),
    params(
        ("tutorial" = String, Path, description = "The tutorial's id or slug."),
        ("source" = Uuid, Path, description = "The source's id."),
    ),
    responses(
        (status = NO_CONTENT, description = "Removed."),
        (status = FORBIDDEN, description = "May read the tutorial but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[delete("/tutorials/{tutorial}/sources/{source}")]
pub async fn delete_tutorial_source(
    db: web::Data<Db>,
    store: web::Data<academy_files::FileStore>,
    caller: Principal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, source) = path.into_inner();
    if let Some(stored) = sources::remove(&db, &caller, &key, source).await? {
        store.forget([stored]).await;
    }
    Ok(HttpResponse::NoContent().finish())
}
