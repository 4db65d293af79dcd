//! A course's cover image: a PNG, JPEG or WebP picture judged by `academy_files::image`
//! (at most 5 MiB and 8192 pixels a side), with a text alternative for screen readers, kept
//! in the file store and downloaded by everyone who sees the course. One per course; a new
//! upload replaces the old one, whose stored object the caller then removes.

use std::collections::HashMap;

use academy_auth::Principal;
use academy_files::image::store_image;
use academy_files::{FileStore, StoredFileMeta};
use academy_kernel::{AppError, FieldError};
use academy_publishing::{Item, lifecycle};
use bytes::Bytes;
use chrono::Utc;
use futures_util::Stream;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::courses::{self, KIND};
use crate::entity::course_cover;

/// Longest text alternative, in characters.
pub const ALT_MAX_CHARS: usize = 300;

/// What a text alternative may hold, as the contract states it: no control characters
/// (C0, DEL, C1), which [`check_alt`] refuses.
pub const ALT_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// The text alternative, trimmed: at most [`ALT_MAX_CHARS`] characters, no control
/// characters. Empty marks a decorative picture.
pub fn check_alt(alt: &str) -> Result<String, AppError> {
    let alt = alt.trim();
    let refused = |code: &'static str, message: String| {
        AppError::validation(vec![FieldError::new("alt", code, message)])
    };
    if alt.chars().count() > ALT_MAX_CHARS {
        return Err(refused(
            "too_long",
            format!("at most {ALT_MAX_CHARS} characters"),
        ));
    }
    if alt.chars().any(char::is_control) {
        return Err(refused(
            "control_character",
            "no control characters or line breaks".to_owned(),
        ));
    }
    Ok(alt.to_owned())
}

/// The course, changeable by the caller and not archived.
async fn changeable(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    let item = courses::editable(db, caller, key).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    Ok(item)
}

/// Sets (or replaces) the cover. Editors. Returns the cover and the stored object of the
/// one it replaced, for removal from the store.
pub async fn set<E: std::fmt::Display>(
    db: &DatabaseConnection,
    store: &FileStore,
    caller: &Principal,
    key: &str,
    alt: &str,
    body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<(course_cover::Model, Option<String>), AppError> {
    let alt = check_alt(alt)?;
    let item = changeable(db, caller, key).await?;
    let image = store_image(store, body).await?;
    let cover = course_cover::Model {
        course_id: item.id,
        id: Uuid::now_v7(),
        filename: format!("{}-cover.{}", item.slug, image.info.kind.extension()),
        media_type: image.info.kind.media_type().to_owned(),
        size_bytes: i64::try_from(image.object.size).unwrap_or(i64::MAX),
        sha256: image.object.sha256.clone(),
        storage_key: image.object.key.clone(),
        width: i32::try_from(image.info.width).unwrap_or(i32::MAX),
        height: i32::try_from(image.info.height).unwrap_or(i32::MAX),
        alt,
        uploaded_by: caller.user_id,
        created_at: Utc::now(),
    };
    match record(db, &cover).await {
        Ok(previous) => Ok((cover, previous)),
        Err(error) => {
            // Nothing refers to the stored object: remove it again.
            store.forget([image.object.key]).await;
            Err(error)
        }
    }
}

/// Replaces the course's cover row in the transaction that raises its version; returns
/// the previous cover's stored object.
async fn record(
    db: &DatabaseConnection,
    cover: &course_cover::Model,
) -> Result<Option<String>, AppError> {
    let (txn, item) =
        lifecycle::begin_unconditional_change(db, &KIND, cover.course_id, Utc::now()).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    let previous = course_cover::Entity::find_by_id(item.id).one(&txn).await?;
    if previous.is_some() {
        course_cover::Entity::delete_by_id(item.id)
            .exec(&txn)
            .await?;
    }
    course_cover::Entity::insert(course_cover::ActiveModel {
        course_id: Set(cover.course_id),
        id: Set(cover.id),
        filename: Set(cover.filename.clone()),
        media_type: Set(cover.media_type.clone()),
        size_bytes: Set(cover.size_bytes),
        sha256: Set(cover.sha256.clone()),
        storage_key: Set(cover.storage_key.clone()),
        width: Set(cover.width),
        height: Set(cover.height),
        alt: Set(cover.alt.clone()),
        uploaded_by: Set(cover.uploaded_by),
        created_at: Set(cover.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    crate::courses::refresh_catalogue(&txn, item.id).await?;
    txn.commit().await?;
    Ok(previous.map(|p| p.storage_key))
}

/// Removes the cover (404 when there is none); returns its stored object for removal
/// from the store. Editors.
pub async fn remove(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<String, AppError> {
    let item = changeable(db, caller, key).await?;
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, Utc::now()).await?;
    let cover = course_cover::Entity::find_by_id(item.id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    course_cover::Entity::delete_by_id(item.id)
        .exec(&txn)
        .await?;
    crate::courses::refresh_catalogue(&txn, item.id).await?;
    txn.commit().await?;
    Ok(cover.storage_key)
}

/// The cover of a course, if it has one.
pub async fn of(
    db: &impl ConnectionTrait,
    course_id: Uuid,
) -> Result<Option<course_cover::Model>, AppError> {
    Ok(course_cover::Entity::find_by_id(course_id).one(db).await?)
}

/// The covers of several courses, by course.
pub async fn of_many(
    db: &impl ConnectionTrait,
    course_ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, course_cover::Model>, AppError> {
    if course_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(course_cover::Entity::find()
        .filter(course_cover::Column::CourseId.is_in(course_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.course_id, c))
        .collect())
}

/// The cover of a course the caller sees, for download; 404 when the course has none or
/// `file` names an earlier one.
pub async fn download(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    file: Uuid,
) -> Result<StoredFileMeta, AppError> {
    let item = courses::visible(db, caller, key).await?;
    let cover = of(db, item.id)
        .await?
        .filter(|c| c.id == file)
        .ok_or_else(AppError::not_found)?;
    Ok(StoredFileMeta {
        key: cover.storage_key,
        filename: cover.filename,
        media_type: cover.media_type,
        size: u64::try_from(cover.size_bytes).unwrap_or(0),
        sha256: cover.sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternative_texts_are_trimmed_and_bounded() {
        assert_eq!(check_alt("  Zwei Hände  ").unwrap(), "Zwei Hände");
        assert_eq!(check_alt("").unwrap(), "");
        assert!(check_alt(&"ä".repeat(ALT_MAX_CHARS)).is_ok());
        assert!(check_alt(&"ä".repeat(ALT_MAX_CHARS + 1)).is_err());
        assert!(check_alt("Zeile\nZeile").is_err());
        assert!(check_alt("\u{0}").is_err());
    }
}
