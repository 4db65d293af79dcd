//! Uploaded videos and posters, kept in the file store (a folder, or an S3-compatible
//! bucket shared by every instance).
//!
//! A video is spooled to a temporary file while it arrives (at most the configured size,
//! 413 above), judged by its content — MP4 or WebM, the duration read from the container
//! header, which must match the tutorial's — and only then written to the store. Each
//! upload is a rendition (a source with its height and bitrate). A poster is a PNG, JPEG
//! or WebP image judged by its header, with its width and height. Downloads are served
//! with ranges like every stored file.

use academy_auth::Principal;
use academy_files::image::store_image;
use academy_files::spool::{refused, spool};
use academy_files::{FileStore, StoredFileMeta};
use academy_kernel::AppError;
use academy_publishing::{Item, lifecycle};
use bytes::Bytes;
use chrono::Utc;
use futures_util::Stream;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::domain::{SOURCES_MAX, SourceRole};
use crate::entity::{tutorial_file, tutorial_source};
use crate::media::{self, MediaRefusal};
use crate::tutorials::{self, KIND};

/// How far an uploaded video's duration may differ from the tutorial's: a second, or one
/// percent of longer videos.
pub fn duration_tolerance_ms(declared_ms: u64) -> u64 {
    std::cmp::max(declared_ms / 100, 1000)
}

/// The tutorial, changeable by the caller and not archived.
async fn changeable(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    let item = tutorials::editable(db, caller, key).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    Ok(item)
}

/// A video rendition to add.
#[derive(Debug, Clone, Copy)]
pub struct Rendition {
    pub role: SourceRole,
    pub bitrate_kbps: Option<i32>,
}

/// Uploads a video rendition: judged, its duration matched, stored, and added as a
/// `file` source. Editors; at most [`SOURCES_MAX`] sources.
pub async fn add_video<E: std::fmt::Display>(
    db: &DatabaseConnection,
    store: &FileStore,
    limit: u64,
    caller: &Principal,
    key: &str,
    rendition: Rendition,
    body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<(tutorial_source::Model, tutorial_file::Model), AppError> {
    let item = changeable(db, caller, key).await?;
    let declared_ms =
        u64::try_from(tutorials::current_revision(db, &item).await?.duration_ms).unwrap_or(0);
    let spooled = spool(body, limit, media::SNIFF_BYTES as usize).await?;
    let size = spooled.size;
    if media::sniff_video(&spooled.head).is_none() {
        return Err(refused("type_not_allowed", "must be an MP4 or WebM video"));
    }
    let path = spooled.path().to_owned();
    let info = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path).map_err(|e| MediaRefusal::Unreadable(e.to_string()))?;
        media::video_info(std::io::BufReader::new(file), size)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|refusal| match refusal {
        MediaRefusal::UnknownType => refused("type_not_allowed", "must be an MP4 or WebM video"),
        MediaRefusal::Unreadable(_) => refused("unreadable", "the video's header could not be read"),
        MediaRefusal::NoDuration => refused(
            "no_duration",
            "the video states no duration (a live or fragmented recording); export it as a whole file",
        ),
    })?;
    if info.duration_ms.abs_diff(declared_ms) > duration_tolerance_ms(declared_ms) {
        return Err(refused(
            "duration_mismatch",
            format!(
                "the video is {:.1} s long, the tutorial says {:.1} s; correct one of them",
                info.duration_ms as f64 / 1000.0,
                declared_ms as f64 / 1000.0
            ),
        ));
    }
    let stored = store.put_judged(spooled.read_back(), limit).await?;
    let now = Utc::now();
    let file = tutorial_file::Model {
        id: Uuid::now_v7(),
        tutorial_id: item.id,
        purpose: "video".to_owned(),
        filename: format!(
            "{}.{}",
            item.slug,
            if info.container == media::VideoContainer::WebM {
                "webm"
            } else {
                "mp4"
            }
        ),
        media_type: info.container.media_type().to_owned(),
        size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
        sha256: stored.sha256.clone(),
        storage_key: stored.key.clone(),
        width: info.width.and_then(|w| i32::try_from(w).ok()),
        height: info.height.and_then(|h| i32::try_from(h).ok()),
        duration_ms: i64::try_from(info.duration_ms).ok(),
        uploaded_by: caller.user_id,
        created_at: now,
    };
    let source = tutorial_source::Model {
        id: Uuid::now_v7(),
        tutorial_id: item.id,
        role: rendition.role.as_str().to_owned(),
        delivery: "file".to_owned(),
        url: None,
        file_id: Some(file.id),
        media_type: Some(file.media_type.clone()),
        height: file.height,
        bitrate_kbps: rendition.bitrate_kbps,
        created_by: caller.user_id,
        created_at: now,
    };
    let recorded = record_video(db, &file, &source).await;
    if let Err(error) = recorded {
        // Nothing refers to the stored object: remove it again.
        if let Err(cleanup) = store.delete(&stored.key).await {
            tracing::warn!(%cleanup, key = stored.key, "could not remove an unrecorded upload");
        }
        return Err(error);
    }
    Ok((source, file))
}

async fn record_video(
    db: &DatabaseConnection,
    file: &tutorial_file::Model,
    source: &tutorial_source::Model,
) -> Result<(), AppError> {
    let (txn, item) =
        lifecycle::begin_unconditional_change(db, &KIND, file.tutorial_id, Utc::now()).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    let count = tutorial_source::Entity::find()
        .filter(tutorial_source::Column::TutorialId.eq(item.id))
        .count(&txn)
        .await?;
    if count >= SOURCES_MAX {
        return Err(AppError::conflict(
            "too_many_sources",
            format!("A tutorial has at most {SOURCES_MAX} sources."),
        ));
    }
    tutorial_file::Entity::insert(active_file(file))
        .exec_without_returning(&txn)
        .await?;
    tutorial_source::Entity::insert(tutorial_source::ActiveModel {
        id: Set(source.id),
        tutorial_id: Set(source.tutorial_id),
        role: Set(source.role.clone()),
        delivery: Set(source.delivery.clone()),
        url: Set(None),
        file_id: Set(source.file_id),
        media_type: Set(source.media_type.clone()),
        height: Set(source.height),
        bitrate_kbps: Set(source.bitrate_kbps),
        created_by: Set(source.created_by),
        created_at: Set(source.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(())
}

fn active_file(file: &tutorial_file::Model) -> tutorial_file::ActiveModel {
    tutorial_file::ActiveModel {
        id: Set(file.id),
        tutorial_id: Set(file.tutorial_id),
        purpose: Set(file.purpose.clone()),
        filename: Set(file.filename.clone()),
        media_type: Set(file.media_type.clone()),
        size_bytes: Set(file.size_bytes),
        sha256: Set(file.sha256.clone()),
        storage_key: Set(file.storage_key.clone()),
        width: Set(file.width),
        height: Set(file.height),
        duration_ms: Set(file.duration_ms),
        uploaded_by: Set(file.uploaded_by),
        created_at: Set(file.created_at),
    }
}

/// Sets the poster: a PNG, JPEG or WebP image of at most 5 MiB and 8192 pixels a side.
/// The previous poster's file is returned for removal from the store.
pub async fn set_poster<E: std::fmt::Display>(
    db: &DatabaseConnection,
    store: &FileStore,
    caller: &Principal,
    key: &str,
    body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<(tutorial_file::Model, Option<String>), AppError> {
    let item = changeable(db, caller, key).await?;
    let image = store_image(store, body).await?;
    let stored = image.object;
    let file = tutorial_file::Model {
        id: Uuid::now_v7(),
        tutorial_id: item.id,
        purpose: "poster".to_owned(),
        filename: format!("{}-poster.{}", item.slug, image.info.kind.extension()),
        media_type: image.info.kind.media_type().to_owned(),
        size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
        sha256: stored.sha256.clone(),
        storage_key: stored.key.clone(),
        width: i32::try_from(image.info.width).ok(),
        height: i32::try_from(image.info.height).ok(),
        duration_ms: None,
        uploaded_by: caller.user_id,
        created_at: Utc::now(),
    };
    match record_poster(db, &file).await {
        Ok(previous) => Ok((file, previous)),
        Err(error) => {
            if let Err(cleanup) = store.delete(&stored.key).await {
                tracing::warn!(%cleanup, key = stored.key, "could not remove an unrecorded upload");
            }
            Err(error)
        }
    }
}

async fn record_poster(
    db: &DatabaseConnection,
    file: &tutorial_file::Model,
) -> Result<Option<String>, AppError> {
    let (txn, item) =
        lifecycle::begin_unconditional_change(db, &KIND, file.tutorial_id, Utc::now()).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    let previous = poster_of(&txn, item.id).await?;
    tutorial_file::Entity::insert(active_file(file))
        .exec_without_returning(&txn)
        .await?;
    set_poster_column(&txn, item.id, Some(file.id)).await?;
    if let Some(previous) = &previous {
        tutorial_file::Entity::delete_by_id(previous.id)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(previous.map(|p| p.storage_key))
}

async fn set_poster_column(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
    file_id: Option<Uuid>,
) -> Result<(), AppError> {
    let mut update = Query::update();
    update
        .table(Alias::new(KIND.items))
        .value(Alias::new("poster_file_id"), file_id)
        .and_where(Expr::col(Alias::new("id")).eq(tutorial_id));
    db.execute_raw(db.get_database_backend().build(&update))
        .await?;
    Ok(())
}

/// The tutorial's poster file, if it has one.
pub async fn poster_of(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
) -> Result<Option<tutorial_file::Model>, AppError> {
    Ok(tutorial_file::Entity::find()
        .filter(tutorial_file::Column::TutorialId.eq(tutorial_id))
        .filter(tutorial_file::Column::Purpose.eq("poster"))
        .one(db)
        .await?)
}

/// Removes the poster; returns its stored object for removal from the store.
pub async fn remove_poster(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<String, AppError> {
    let item = changeable(db, caller, key).await?;
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, Utc::now()).await?;
    let poster = poster_of(&txn, item.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    set_poster_column(&txn, item.id, None).await?;
    tutorial_file::Entity::delete_by_id(poster.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(poster.storage_key)
}

/// A file of a tutorial the caller sees, for download.
pub async fn download(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    file_id: Uuid,
) -> Result<StoredFileMeta, AppError> {
    let item = tutorials::visible(db, caller, key).await?;
    let file = tutorial_file::Entity::find_by_id(file_id)
        .filter(tutorial_file::Column::TutorialId.eq(item.id))
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(StoredFileMeta {
        key: file.storage_key,
        filename: file.filename,
        media_type: file.media_type,
        size: u64::try_from(file.size_bytes).unwrap_or(0),
        sha256: file.sha256,
    })
}

/// The stored objects of a tutorial's files, to remove from the store after the
/// tutorial is deleted.
pub async fn stored_keys(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
) -> Result<Vec<String>, AppError> {
    Ok(tutorial_file::Entity::find()
        .filter(tutorial_file::Column::TutorialId.eq(tutorial_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.storage_key)
        .collect())
}
