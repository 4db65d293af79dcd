//! Templates (Vorlagen) and other files attached to a guide: uploaded by its editors,
//! offered to everyone who may read the guide.
//!
//! Files belong to revisions, like the text: an upload or removal changes the guide's
//! draft (on a live guide without one, a new draft copied from the live revision), and
//! becomes public when that draft is approved. The public sees the files of the live
//! revision; a file stays stored while any revision carries it.

use academy_auth::{MaybePrincipal, Principal};
use academy_files::{FileStore, StoredFileMeta};
use academy_kernel::{AppError, Db, FieldError};
use actix_multipart::{Multipart, MultipartError};
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, post, web};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::entity::guide_attachment;
use crate::http::{GuideReadQuery, RevisionChoice};
use crate::repo;
use crate::service::{self, Which};

/// Most files one guide may carry.
pub const MAX_ATTACHMENTS: u64 = 50;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Most bytes of text fields accepted beside the file.
const TEXT_FIELDS_MAX: usize = 4096;

/// A file attached to a guide.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentResponse {
    /// The attachment's id.
    pub id: Uuid,
    /// What the file is, for people.
    #[schema(example = "Vorlage Beteiligungskonzept")]
    pub title: String,
    /// The name it was uploaded with, offered again on download.
    #[schema(example = "Beteiligungskonzept.docx")]
    pub filename: String,
    /// The type judged from the content.
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, to check a download.
    pub sha256: String,
    /// How often it was downloaded.
    pub download_count: i64,
    /// Where to download it.
    pub download_url: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

fn response(guide_key: &str, model: guide_attachment::Model) -> AttachmentResponse {
    AttachmentResponse {
        download_url: format!("/api/v1/guides/{guide_key}/attachments/{}", model.id),
        id: model.id,
        title: model.title,
        filename: model.filename,
        media_type: model.media_type,
        size_bytes: model.size_bytes,
        sha256: model.sha256,
        download_count: model.download_count,
        created_at: model.created_at,
    }
}

/// The form of an upload: the parts `file` and `title`, no others.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, Word, Excel, PowerPoint, OpenDocument, ZIP, CSV, text, PNG or JPEG;
    /// judged by its content, and its name must fit.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the file is, for people (defaults to the file name).
    title: Option<String>,
}

fn multipart_error(error: MultipartError) -> AppError {
    match error {
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeIncompatible => {
            AppError::unsupported_media_type("multipart/form-data")
        }
        other => AppError::bad_request(
            "malformed_upload",
            format!("The upload could not be read: {other}"),
        ),
    }
}

/// Reads the multipart body: streams the part `file` into the store and collects the
/// small text parts.
async fn receive(
    store: &FileStore,
    mut form: Multipart,
) -> Result<(academy_files::StoredFile, String, Option<String>), AppError> {
    let mut stored = None;
    let mut title = None;
    let mut text_bytes = 0usize;
    while let Some(field) = form.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" && stored.is_none() {
            let filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).trim().to_owned())
                .filter(|f| !f.is_empty())
                .ok_or_else(|| {
                    AppError::validation(vec![FieldError::new(
                        "file",
                        "filename_required",
                        "the file part needs a file name",
                    )])
                })?;
            let file = store.put_stream(&filename, field).await?;
            stored = Some((file, filename));
        } else {
            let mut value = Vec::new();
            let mut field = field;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(multipart_error)?;
                text_bytes += chunk.len();
                if text_bytes > TEXT_FIELDS_MAX {
                    if let Some((file, _)) = &stored {
                        let _ = store.delete(&file.key).await;
                    }
                    return Err(AppError::payload_too_large(TEXT_FIELDS_MAX));
                }
                value.extend_from_slice(&chunk);
            }
            if name == "title" {
                title = Some(String::from_utf8_lossy(&value).trim().to_owned());
            } else {
                // As with JSON bodies, a part the form does not have is refused, not ignored.
                if let Some((file, _)) = &stored {
                    let _ = store.delete(&file.key).await;
                }
                return Err(AppError::validation(vec![FieldError::new(
                    name,
                    "unknown_field",
                    "is not a part of the form (`file`, `title`)",
                )]));
            }
        }
    }
    let (file, filename) = stored.ok_or_else(|| {
        AppError::validation(vec![FieldError::new(
            "file",
            "required",
            "send the file as the multipart part `file`",
        )])
    })?;
    Ok((file, filename, title.filter(|t| !t.is_empty())))
}

/// Attaches a file to the guide's draft. Its editors (authors of the publishing
/// organisation, coordinators). On a live guide the file joins the draft (a new one copied
/// from the live revision if there is none) and becomes public when the draft is approved.
/// Send `multipart/form-data` with the part `file` and optionally `title`. Executables,
/// unknown types and names that do not fit the content are refused (422), an upload over
/// the limit gets 413; neither leaves anything behind.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The guide's id or slug.")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = CREATED, description = "Attached to the draft.", body = AttachmentResponse),
        (status = CONFLICT, description = "`too_many_attachments`, or the guide is `under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = PAYLOAD_TOO_LARGE, description = "Larger than the upload limit.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/guides/{key}/attachments")]
pub async fn upload_attachment(
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    key: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, AppError> {
    let guide = ready_for_file(db.get_ref(), &caller, &key).await?;
    let (file, filename, title) = receive(&store, form).await?;
    let model = save(db.get_ref(), &store, &caller, &guide, file, filename, title).await?;
    let location = format!("/api/v1/guides/{key}/attachments/{}", model.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(response(&key, model)))
}

/// Attaches `content` as a file named `filename` to the draft of guide `key`, as the
/// upload does (see [`upload_attachment`]): the same editors, checks and refusals, for
/// callers that hold the bytes already, such as seeding. Returns the attachment.
pub async fn attach_file(
    db: &Db,
    store: &FileStore,
    caller: &Principal,
    key: &str,
    filename: &str,
    title: Option<String>,
    content: Vec<u8>,
) -> Result<guide_attachment::Model, AppError> {
    let guide = ready_for_file(db, caller, key).await?;
    let chunks =
        futures_util::stream::iter([Ok::<_, std::convert::Infallible>(web::Bytes::from(content))]);
    let file = store.put_stream(filename, chunks).await?;
    save(db, store, caller, &guide, file, filename.to_owned(), title).await
}

/// The guide `key` if the caller may add a file to it now and it has room; checked
/// before the bytes are received, and again when the file is saved.
async fn ready_for_file(
    db: &Db,
    caller: &Principal,
    key: &str,
) -> Result<academy_publishing::Item, AppError> {
    let guide = service::editable(db, caller, key).await?;
    service::check_editable_now(db, &guide).await?;
    if let Some(base) = guide.working_revision_id.or(guide.live_revision_id) {
        check_room(db, base).await?;
    }
    Ok(guide)
}

/// Records a stored file as an attachment of the guide's draft (a new draft on a live
/// guide without one), audited. On any refusal the stored bytes are deleted: the row is
/// the only way to them.
async fn save(
    db: &Db,
    store: &FileStore,
    caller: &Principal,
    guide: &academy_publishing::Item,
    file: academy_files::StoredFile,
    filename: String,
    title: Option<String>,
) -> Result<guide_attachment::Model, AppError> {
    let title = title.unwrap_or_else(|| filename.clone());
    // No text of this API may hold a NUL character (PostgreSQL cannot store one).
    for (field, text) in [("title", &title), ("file", &filename)] {
        if text.contains('\0') {
            let _ = store.delete(&file.key).await;
            return Err(AppError::validation(vec![FieldError::new(
                field,
                "invalid_character",
                "must not contain a NUL character (U+0000)",
            )]));
        }
    }
    if title.chars().count() > TITLE_MAX {
        let _ = store.delete(&file.key).await;
        return Err(AppError::validation(vec![FieldError::new(
            "title",
            "too_long",
            format!("must be at most {TITLE_MAX} characters"),
        )]));
    }
    let saved = async {
        let now = Utc::now();
        let (txn, guide) = service::begin_unconditional_change(db, guide.id, now).await?;
        let revision_id = service::draft_for_change(&txn, caller, &guide, now).await?;
        check_room(&txn, revision_id).await?;
        let model = guide_attachment::Entity::insert(guide_attachment::ActiveModel {
            id: Set(Uuid::now_v7()),
            guide_id: Set(guide.id),
            title: Set(title),
            filename: Set(filename),
            media_type: Set(file.kind.media_type().to_owned()),
            size_bytes: Set(i64::try_from(file.size).unwrap_or(i64::MAX)),
            sha256: Set(file.sha256.clone()),
            storage_key: Set(file.key.clone()),
            download_count: Set(0),
            uploaded_by: Set(caller.user_id),
            created_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        repo::link_attachment(&txn, revision_id, model.id).await?;
        academy_auth::audit::record(
            &txn,
            Some(caller.user_id),
            "guide.attachment_added",
            "guide",
            Some(guide.id),
            json!({"attachment": model.id, "filename": model.filename, "sha256": model.sha256}),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, AppError>(model)
    }
    .await;
    if saved.is_err() {
        let _ = store.delete(&file.key).await;
    }
    saved
}

/// 409 when the revision already carries [`MAX_ATTACHMENTS`] files.
async fn check_room(db: &impl sea_orm::ConnectionTrait, revision_id: Uuid) -> Result<(), AppError> {
    let count = guide_attachment::Entity::find()
        .filter(guide_attachment::Column::Id.in_subquery(repo::attachments_of(revision_id)))
        .count(db)
        .await?;
    if count >= MAX_ATTACHMENTS {
        return Err(AppError::conflict(
            "too_many_attachments",
            format!("A guide carries at most {MAX_ATTACHMENTS} files."),
        ));
    }
    Ok(())
}

/// The files of one revision of a guide, oldest first: the live revision's for everyone
/// (with `revision` as in `GET /guides/{guide}`: the draft's for its editors).
#[utoipa::path(
    tag = "guides",
    params(("key" = String, Path, description = "The guide's id or slug."), GuideReadQuery),
    responses(
        (status = OK, description = "The attachments.", body = Vec<AttachmentResponse>),
        (status = NOT_FOUND, description = "No such guide or revision, or not visible to the caller.", body = academy_kernel::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guides/{key}/attachments")]
pub async fn list_attachments(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    key: web::Path<String>,
    query: academy_kernel::extract::Query<GuideReadQuery>,
) -> Result<HttpResponse, AppError> {
    let which = match query.revision {
        Some(RevisionChoice::Working) => Which::Working,
        Some(RevisionChoice::Live) => Which::Live,
        None => Which::Current,
    };
    let (guide, revision_id) = service::shown(db.get_ref(), caller.0.as_ref(), &key, which).await?;
    let items: Vec<AttachmentResponse> = guide_attachment::Entity::find()
        .filter(guide_attachment::Column::GuideId.eq(guide.id))
        .filter(guide_attachment::Column::Id.in_subquery(repo::attachments_of(revision_id)))
        .order_by_asc(guide_attachment::Column::CreatedAt)
        .order_by_asc(guide_attachment::Column::Id)
        .all(db.get_ref())
        .await?
        .into_iter()
        .map(|m| response(&key, m))
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Downloads a file: `Content-Disposition` with its name, a strong `ETag`, `If-None-Match`
/// (304) and single byte ranges (206). The files of the live revision for whoever may
/// read the guide; any of the guide's files for its editors. Each download that starts
/// at the first byte is counted.
#[utoipa::path(
    tag = "guides",
    params(
        ("key" = String, Path, description = "The guide's id or slug."),
        ("id" = Uuid, Path, description = "The attachment's id."),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`."),
        ("If-Range" = Option<String>, Header, description = "The `ETag` of the copy being completed: the range is served only when it still matches, else the whole file (200)."),
    ),
    responses(
        (status = OK, description = "The file.", content_type = "application/octet-stream"),
        (status = PARTIAL_CONTENT, description = "The requested range.", content_type = "application/octet-stream"),
        (status = RANGE_NOT_SATISFIABLE, description = "The range lies outside the file.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Cached,
    )
)]
#[get("/guides/{key}/attachments/{id}")]
pub async fn download_attachment(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: MaybePrincipal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, id) = path.into_inner();
    let guide = service::visible(db.get_ref(), caller.0.as_ref(), &key).await?;
    let mut find = guide_attachment::Entity::find_by_id(id)
        .filter(guide_attachment::Column::GuideId.eq(guide.id));
    if !service::is_editor(caller.0.as_ref(), &guide) {
        let live = guide.live_revision_id.ok_or_else(AppError::not_found)?;
        find = find.filter(guide_attachment::Column::Id.in_subquery(repo::attachments_of(live)));
    }
    let attachment = find
        .one(db.get_ref())
        .await?
        .ok_or_else(AppError::not_found)?;
    let meta = StoredFileMeta {
        key: attachment.storage_key.clone(),
        filename: attachment.filename.clone(),
        media_type: attachment.media_type.clone(),
        size: u64::try_from(attachment.size_bytes).unwrap_or(0),
        sha256: attachment.sha256.clone(),
    };
    let answer = academy_files::respond(&req, &store, &meta).await?;
    let starts_at_zero = answer.status() == actix_web::http::StatusCode::OK
        || answer
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("bytes 0-"));
    if answer.status().is_success() && starts_at_zero {
        guide_attachment::Entity::update_many()
            .col_expr(
                guide_attachment::Column::DownloadCount,
                Expr::col(guide_attachment::Column::DownloadCount).add(1),
            )
            .filter(guide_attachment::Column::Id.eq(attachment.id))
            .exec(db.get_ref())
            .await?;
    }
    Ok(answer)
}

/// Removes a file from the guide's draft. Its editors. On a live guide the file leaves a
/// draft (a new one copied from the live revision if there is none) and stays public until
/// that draft is approved; a file no revision carries any more is deleted.
#[utoipa::path(
    tag = "guides",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The guide's id or slug."),
        ("id" = Uuid, Path, description = "The attachment's id."),
    ),
    responses(
        (status = NO_CONTENT, description = "Removed from the draft."),
        (status = NOT_FOUND, description = "No such file on the guide's draft.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "The guide is `under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[delete("/guides/{key}/attachments/{id}")]
pub async fn delete_attachment(
    db: web::Data<Db>,
    store: web::Data<FileStore>,
    caller: Principal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, id) = path.into_inner();
    let guide = service::editable(db.get_ref(), &caller, &key).await?;
    let now = Utc::now();
    let (txn, guide) = service::begin_unconditional_change(&db, guide.id, now).await?;
    let attachment = guide_attachment::Entity::find_by_id(id)
        .filter(guide_attachment::Column::GuideId.eq(guide.id))
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let revision_id = service::draft_for_change(&txn, &caller, &guide, now).await?;
    if !repo::unlink_attachment(&txn, revision_id, attachment.id).await? {
        return Err(AppError::not_found());
    }
    // Published revisions keep their files; one that no revision carries goes.
    let orphaned = !repo::attachment_in_use(&txn, attachment.id).await?;
    if orphaned {
        guide_attachment::Entity::delete_by_id(attachment.id)
            .exec(&txn)
            .await?;
    }
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "guide.attachment_removed",
        "guide",
        Some(guide.id),
        json!({"attachment": attachment.id, "filename": attachment.filename}),
    )
    .await?;
    txn.commit().await?;
    if orphaned && let Err(error) = store.delete(&attachment.storage_key).await {
        tracing::warn!(%error, key = attachment.storage_key, "stored file left behind after removal");
    }
    Ok(HttpResponse::NoContent().finish())
}
