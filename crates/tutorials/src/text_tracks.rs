//! Text tracks and transcripts: editors upload a track per kind and language (WebVTT, or
//! SRT converted to WebVTT), label it, mark one default per kind and approve it; everyone
//! who sees the tutorial gets the approved tracks as `text/vtt` for `<track>`. Each
//! change raises the tutorial's version, because the accessibility profile in it changes.
//!
//! A transcript per language is either written by an editor or derived from the
//! approved captions of that language.

use academy_auth::Principal;
use academy_kernel::{AppError, FieldError};
use academy_publishing::lifecycle;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{LABEL_MAX, Provenance, TrackKind, TrackStatus};
use crate::entity::{tutorial_cue, tutorial_track, tutorial_transcript};
use crate::tracks::{self, TrackError};
use crate::tutorials::{self, KIND};

/// Longest written transcript, in characters.
pub const TRANSCRIPT_MAX: usize = 500_000;

/// A track's settings as an editor sends them with an upload.
#[derive(Debug, Clone)]
pub struct TrackSettings {
    pub label: Option<String>,
    pub default: bool,
    pub provenance: Provenance,
}

/// Begins a change of the tutorial's tracks or transcripts: editors only, not while it
/// is archived; raises the tutorial's version.
async fn begin(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<(DatabaseTransaction, academy_publishing::Item), AppError> {
    let item = tutorials::editable(db, caller, key).await?;
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, Utc::now()).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    Ok((txn, item))
}

fn label_of(label: Option<String>, kind: TrackKind, language: &str) -> Result<String, AppError> {
    let label = label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| format!("{} ({language})", german_kind(kind)));
    if label.chars().count() > LABEL_MAX {
        return Err(AppError::validation(vec![FieldError::new(
            "label",
            "too_long",
            format!("must be at most {LABEL_MAX} characters"),
        )]));
    }
    let mut errors = Vec::new();
    academy_kernel::markdown::check("label", &label, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(label)
}

fn german_kind(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Captions => "Untertitel für Hörgeschädigte",
        TrackKind::Subtitles => "Untertitel",
        TrackKind::Descriptions => "Audiodeskription",
        TrackKind::Chapters => "Kapitel",
    }
}

/// 422 naming each refused line of an upload (`file` at line N).
fn refused(errors: Vec<TrackError>) -> AppError {
    AppError::validation(
        errors
            .into_iter()
            .map(|e| {
                let message = if e.line == 0 {
                    e.message
                } else {
                    format!("line {}: {}", e.line, e.message)
                };
                FieldError::new("file", e.code, message)
            })
            .collect(),
    )
}

/// Uploads (or replaces) the track of `kind` in `language`. A replaced track goes back to
/// `draft`: what was approved is not what is there now. Returns the track and whether it
/// is new.
pub async fn put(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    kind: TrackKind,
    language: &str,
    settings: TrackSettings,
    bytes: &[u8],
) -> Result<(tutorial_track::Model, bool), AppError> {
    if !academy_publishing::language::valid(language) {
        return Err(AppError::validation(vec![FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        )]));
    }
    let label = label_of(settings.label, kind, language)?;
    let item = tutorials::editable(db, caller, key).await?;
    let duration_ms =
        u64::try_from(tutorials::current_revision(db, &item).await?.duration_ms).unwrap_or(0);
    let cues = tracks::parse(bytes, duration_ms).map_err(refused)?;
    let body = tracks::to_webvtt(&cues);
    let sha256 = format!("{:x}", Sha256::digest(body.as_bytes()));
    let now = Utc::now();

    let (txn, item) = begin(db, caller, key).await?;
    let existing = tutorial_track::Entity::find()
        .filter(tutorial_track::Column::TutorialId.eq(item.id))
        .filter(tutorial_track::Column::Kind.eq(kind.as_str()))
        .filter(tutorial_track::Column::Language.eq(language))
        .one(&txn)
        .await?;
    if settings.default {
        clear_default(&txn, item.id, kind).await?;
    }
    let last_end = cues.iter().map(|c| c.end_ms).max().unwrap_or(0);
    let created = existing.is_none();
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |t| t.id);
    let model = tutorial_track::ActiveModel {
        id: Set(id),
        tutorial_id: Set(item.id),
        kind: Set(kind.as_str().to_owned()),
        language: Set(language.to_owned()),
        label: Set(label),
        is_default: Set(settings.default),
        provenance: Set(settings.provenance.as_str().to_owned()),
        status: Set(TrackStatus::Draft.as_str().to_owned()),
        body: Set(body),
        sha256: Set(sha256),
        cue_count: Set(i32::try_from(cues.len()).unwrap_or(i32::MAX)),
        last_cue_end_ms: Set(i64::try_from(last_end).unwrap_or(i64::MAX)),
        created_by: Set(existing.as_ref().map_or(caller.user_id, |t| t.created_by)),
        created_at: Set(existing.as_ref().map_or(now, |t| t.created_at)),
        updated_at: Set(now),
        approved_by: Set(None),
        approved_at: Set(None),
    };
    if created {
        tutorial_track::Entity::insert(model)
            .exec_without_returning(&txn)
            .await?;
    } else {
        model.update(&txn).await?;
        tutorial_cue::Entity::delete_many()
            .filter(tutorial_cue::Column::TrackId.eq(id))
            .exec(&txn)
            .await?;
    }
    // The cues in plain text, for transcripts and search.
    for (chunk_start, chunk) in cues.chunks(500).enumerate() {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, cue)| tutorial_cue::ActiveModel {
                track_id: Set(id),
                seq: Set(i32::try_from(chunk_start * 500 + i).unwrap_or(i32::MAX)),
                tutorial_id: Set(item.id),
                start_ms: Set(i64::try_from(cue.start_ms).unwrap_or(i64::MAX)),
                end_ms: Set(i64::try_from(cue.end_ms).unwrap_or(i64::MAX)),
                text: Set(tracks::plain_text(&cue.text)),
            });
        tutorial_cue::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    crate::search::index_cues(&txn, item.id, id, &cues).await?;
    crate::search::reindex(&txn, item.id).await?;
    let track = find(&txn, item.id, kind, language).await?;
    txn.commit().await?;
    Ok((track, created))
}

async fn clear_default(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
    kind: TrackKind,
) -> Result<(), AppError> {
    tutorial_track::Entity::update_many()
        .col_expr(
            tutorial_track::Column::IsDefault,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(tutorial_track::Column::TutorialId.eq(tutorial_id))
        .filter(tutorial_track::Column::Kind.eq(kind.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

async fn find(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
    kind: TrackKind,
    language: &str,
) -> Result<tutorial_track::Model, AppError> {
    tutorial_track::Entity::find()
        .filter(tutorial_track::Column::TutorialId.eq(tutorial_id))
        .filter(tutorial_track::Column::Kind.eq(kind.as_str()))
        .filter(tutorial_track::Column::Language.eq(language))
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A track as the caller may see it: approved ones for everyone who sees the tutorial,
/// drafts for its editors; 404 otherwise.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    kind: TrackKind,
    language: &str,
) -> Result<tutorial_track::Model, AppError> {
    let item = tutorials::visible(db, caller, key).await?;
    let track = find(db, item.id, kind, language).await?;
    if track.status != TrackStatus::Approved.as_str() && !tutorials::is_editor(caller, &item) {
        return Err(AppError::not_found());
    }
    Ok(track)
}

/// The tracks of a tutorial the caller may see.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Vec<tutorial_track::Model>, AppError> {
    let item = tutorials::visible(db, caller, key).await?;
    let editor = tutorials::is_editor(caller, &item);
    Ok(tutorial_track::Entity::find()
        .filter(tutorial_track::Column::TutorialId.eq(item.id))
        .order_by_asc(tutorial_track::Column::Kind)
        .order_by_asc(tutorial_track::Column::Language)
        .all(db)
        .await?
        .into_iter()
        .filter(|t| editor || t.status == TrackStatus::Approved.as_str())
        .collect())
}

/// A change of a track's settings; `None` keeps a setting.
#[derive(Debug, Clone, Default)]
pub struct TrackChange {
    pub label: Option<String>,
    pub default: Option<bool>,
    pub status: Option<TrackStatus>,
    pub provenance: Option<Provenance>,
}

/// Changes a track's label, default flag, provenance or status (approving records who
/// and when).
pub async fn change(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    kind: TrackKind,
    language: &str,
    change: TrackChange,
) -> Result<tutorial_track::Model, AppError> {
    let label = match change.label {
        Some(label) => Some(label_of(Some(label), kind, language)?),
        None => None,
    };
    let (txn, item) = begin(db, caller, key).await?;
    let track = find(&txn, item.id, kind, language).await?;
    let now = Utc::now();
    if change.default == Some(true) {
        clear_default(&txn, item.id, kind).await?;
    }
    let mut model = tutorial_track::ActiveModel {
        id: Set(track.id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(label) = label {
        model.label = Set(label);
    }
    if let Some(default) = change.default {
        model.is_default = Set(default);
    }
    if let Some(provenance) = change.provenance {
        model.provenance = Set(provenance.as_str().to_owned());
    }
    match change.status {
        Some(TrackStatus::Approved) if track.status != TrackStatus::Approved.as_str() => {
            model.status = Set(TrackStatus::Approved.as_str().to_owned());
            model.approved_by = Set(Some(caller.user_id));
            model.approved_at = Set(Some(now));
        }
        Some(TrackStatus::Draft) => {
            model.status = Set(TrackStatus::Draft.as_str().to_owned());
            model.approved_by = Set(None);
            model.approved_at = Set(None);
        }
        _ => {}
    }
    model.update(&txn).await?;
    crate::search::reindex(&txn, item.id).await?;
    let track = find(&txn, item.id, kind, language).await?;
    txn.commit().await?;
    Ok(track)
}

/// Removes a track with its cues.
pub async fn remove(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    kind: TrackKind,
    language: &str,
) -> Result<(), AppError> {
    let (txn, item) = begin(db, caller, key).await?;
    let track = find(&txn, item.id, kind, language).await?;
    tutorial_track::Entity::delete_by_id(track.id)
        .exec(&txn)
        .await?;
    crate::search::remove_cues(&txn, track.id).await?;
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Where a transcript comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptSource {
    Written,
    Captions,
}

/// A transcript: the written one in `language`, else one derived from the approved
/// captions in that language; 404 when there is neither.
pub async fn transcript(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    language: &str,
) -> Result<(String, TranscriptSource, DateTime<Utc>), AppError> {
    let item = tutorials::visible(db, caller, key).await?;
    if let Some(written) = tutorial_transcript::Entity::find_by_id((item.id, language.to_owned()))
        .one(db)
        .await?
    {
        return Ok((written.body, TranscriptSource::Written, written.updated_at));
    }
    let track = find(db, item.id, TrackKind::Captions, language)
        .await
        .ok()
        .filter(|t| t.status == TrackStatus::Approved.as_str())
        .ok_or_else(AppError::not_found)?;
    let cues = tutorial_cue::Entity::find()
        .filter(tutorial_cue::Column::TrackId.eq(track.id))
        .order_by_asc(tutorial_cue::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|c| tracks::Cue {
            start_ms: u64::try_from(c.start_ms).unwrap_or(0),
            end_ms: u64::try_from(c.end_ms).unwrap_or(0),
            text: c.text,
            line: 0,
        })
        .collect::<Vec<_>>();
    Ok((
        tracks::transcript(&cues),
        TranscriptSource::Captions,
        track.updated_at,
    ))
}

/// Writes (or replaces) the transcript in `language`.
pub async fn put_transcript(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    language: &str,
    text: &str,
) -> Result<bool, AppError> {
    if !academy_publishing::language::valid(language) {
        return Err(AppError::validation(vec![FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        )]));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation(vec![FieldError::new(
            "text",
            "required",
            "must not be empty",
        )]));
    }
    if text.chars().count() > TRANSCRIPT_MAX {
        return Err(AppError::validation(vec![FieldError::new(
            "text",
            "too_long",
            format!("must be at most {TRANSCRIPT_MAX} characters"),
        )]));
    }
    let (txn, item) = begin(db, caller, key).await?;
    let existing = tutorial_transcript::Entity::find_by_id((item.id, language.to_owned()))
        .one(&txn)
        .await?;
    let model = tutorial_transcript::ActiveModel {
        tutorial_id: Set(item.id),
        language: Set(language.to_owned()),
        body: Set(text.to_owned()),
        updated_by: Set(caller.user_id),
        updated_at: Set(Utc::now()),
    };
    let created = existing.is_none();
    if created {
        tutorial_transcript::Entity::insert(model)
            .exec_without_returning(&txn)
            .await?;
    } else {
        model.update(&txn).await?;
    }
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(created)
}

/// Removes the written transcript in `language` (a derived one stays available).
pub async fn remove_transcript(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    language: &str,
) -> Result<(), AppError> {
    let (txn, item) = begin(db, caller, key).await?;
    let deleted = tutorial_transcript::Entity::delete_by_id((item.id, language.to_owned()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found());
    }
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    Ok(())
}
