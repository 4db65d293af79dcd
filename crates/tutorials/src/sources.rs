//! Where a tutorial plays from: external addresses on the allow-list of settings (a
//! PeerTube instance, Vimeo, YouTube's no-cookie domain, …), as an embed, a file or an
//! HLS playlist, for the tutorial itself or for its accessible alternatives (an
//! audio-described rendition, a German Sign Language video). The server never fetches
//! these addresses.

use academy_auth::Principal;
use academy_kernel::{AppError, FieldError};
use academy_publishing::lifecycle;
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::Settings;
use crate::domain::{self, BITRATE_MAX, Delivery, HEIGHT_MAX, SOURCES_MAX, SourceRole};
use crate::entity::tutorial_source;
use crate::tutorials::{self, KIND};

/// The media types a `file` source may have.
pub const FILE_TYPES: [&str; 2] = ["video/mp4", "video/webm"];
/// The media type of an HLS playlist.
pub const HLS_TYPE: &str = "application/vnd.apple.mpegurl";

/// A new external source, unchecked.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub role: SourceRole,
    pub delivery: Delivery,
    pub url: String,
    pub media_type: Option<String>,
    pub height: Option<i32>,
    pub bitrate_kbps: Option<i32>,
}

fn check(source: &NewSource, settings: &Settings) -> Result<(String, Option<String>), AppError> {
    let mut errors = Vec::new();
    let url = match domain::external_url(&source.url, &settings.allowed_hosts) {
        Ok(url) => Some(url),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let media_type = match (source.delivery, source.media_type.as_deref()) {
        (Delivery::File, Some(t)) if FILE_TYPES.contains(&t) => Some(t.to_owned()),
        (Delivery::File, _) => {
            errors.push(FieldError::new(
                "mediaType",
                "required",
                "a file source names its type: video/mp4 or video/webm",
            ));
            None
        }
        (Delivery::Hls, None | Some(HLS_TYPE)) => Some(HLS_TYPE.to_owned()),
        (Delivery::Embed, None) => None,
        (_, Some(_)) => {
            errors.push(FieldError::new(
                "mediaType",
                "not_applicable",
                "only file sources name a video type",
            ));
            None
        }
    };
    if source
        .height
        .is_some_and(|h| !(1..=HEIGHT_MAX).contains(&h))
    {
        errors.push(FieldError::new(
            "height",
            "out_of_range",
            format!("must be 1–{HEIGHT_MAX}"),
        ));
    }
    if source
        .bitrate_kbps
        .is_some_and(|b| !(1..=BITRATE_MAX).contains(&b))
    {
        errors.push(FieldError::new(
            "bitrateKbps",
            "out_of_range",
            format!("must be 1–{BITRATE_MAX}"),
        ));
    }
    match (url, errors.is_empty()) {
        (Some(url), true) => Ok((url, media_type)),
        _ => Err(AppError::validation(errors)),
    }
}

/// Adds an external source; editors only, at most [`SOURCES_MAX`] per tutorial.
pub async fn add(
    db: &DatabaseConnection,
    settings: &Settings,
    caller: &Principal,
    key: &str,
    source: NewSource,
) -> Result<tutorial_source::Model, AppError> {
    let (url, media_type) = check(&source, settings)?;
    let item = tutorials::editable(db, caller, key).await?;
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, Utc::now()).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    // Counted inside the transaction that raised the version: parallel additions
    // serialise on the tutorial's row, so the limit holds.
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
    let model = tutorial_source::Model {
        id: Uuid::now_v7(),
        tutorial_id: item.id,
        role: source.role.as_str().to_owned(),
        delivery: source.delivery.as_str().to_owned(),
        url: Some(url),
        file_id: None,
        media_type,
        height: source.height,
        bitrate_kbps: source.bitrate_kbps,
        created_by: caller.user_id,
        created_at: Utc::now(),
    };
    tutorial_source::Entity::insert(tutorial_source::ActiveModel {
        id: Set(model.id),
        tutorial_id: Set(model.tutorial_id),
        role: Set(model.role.clone()),
        delivery: Set(model.delivery.clone()),
        url: Set(model.url.clone()),
        file_id: Set(None),
        media_type: Set(model.media_type.clone()),
        height: Set(model.height),
        bitrate_kbps: Set(model.bitrate_kbps),
        created_by: Set(model.created_by),
        created_at: Set(model.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    // A sign-language or audio-described rendition changes what the catalogue shows.
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(model)
}

/// Removes a source; editors only. An uploaded video goes with it: its stored object is
/// returned for removal from the store once this is committed.
pub async fn remove(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    source_id: Uuid,
) -> Result<Option<String>, AppError> {
    let item = tutorials::editable(db, caller, key).await?;
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, Utc::now()).await?;
    let source = tutorial_source::Entity::find_by_id(source_id)
        .filter(tutorial_source::Column::TutorialId.eq(item.id))
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut stored = None;
    if let Some(file_id) = source.file_id
        && let Some(file) = crate::entity::tutorial_file::Entity::find_by_id(file_id)
            .one(&txn)
            .await?
    {
        crate::entity::tutorial_file::Entity::delete_by_id(file.id)
            .exec(&txn)
            .await?;
        stored = Some(file.storage_key);
    }
    tutorial_source::Entity::delete_by_id(source.id)
        .exec(&txn)
        .await?;
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(stored)
}
