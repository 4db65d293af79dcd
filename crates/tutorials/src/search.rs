//! Full-text search over published tutorials, in German, with the moment a word is
//! said: the shared index of `academy_publishing::search` holds each live tutorial's
//! title and text (summary, description, chapters, written transcripts and the spoken
//! text of its approved tracks); the cues themselves are searched for the first time a
//! hit is spoken, so that a frontend opens the video at that minute.

use std::collections::HashMap;

use academy_kernel::AppError;
use academy_publishing::search::{Search, database_error, statement, stems};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::{StoredChapter, TrackKind, TrackStatus};
use crate::entity::{tutorial_cue, tutorial_revision, tutorial_track, tutorial_transcript};
use crate::tracks::Cue;
use crate::tutorials::KIND;

/// The spoken-text kinds searched cue by cue.
const SPOKEN: [TrackKind; 2] = [TrackKind::Captions, TrackKind::Subtitles];

/// Where a hit is said.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// Seconds from the start.
    pub t: f64,
    /// The cue's words.
    pub text: String,
}

/// Removes the tutorial from the index and the catalogue.
async fn remove(db: &impl ConnectionTrait, tutorial_id: Uuid) -> Result<(), AppError> {
    academy_publishing::catalogue::remove(db, tutorial_id).await?;
    academy_publishing::search::remove(db, &KIND, tutorial_id).await
}

/// Indexes the tutorial's live revision and approved spoken text and writes its catalogue
/// entry, or removes both when nothing is public. Called whenever something the public
/// sees of a live tutorial changes: publishing, archiving, its tracks, transcripts and
/// sources.
pub async fn reindex(db: &impl ConnectionTrait, tutorial_id: Uuid) -> Result<(), AppError> {
    let Some(item) = academy_publishing::lifecycle::find_by_id(db, &KIND, tutorial_id).await?
    else {
        return remove(db, tutorial_id).await;
    };
    let Some(live) = item.live_revision_id.filter(|_| item.archived_at.is_none()) else {
        return remove(db, tutorial_id).await;
    };
    let Some(revision) = tutorial_revision::Entity::find_by_id(live).one(db).await? else {
        return remove(db, tutorial_id).await;
    };
    let mut parts = vec![revision.summary.clone(), revision.description.clone()];
    let chapters: Vec<StoredChapter> =
        serde_json::from_value(revision.chapters.clone()).unwrap_or_default();
    parts.extend(chapters.into_iter().map(|c| c.title));
    for transcript in tutorial_transcript::Entity::find()
        .filter(tutorial_transcript::Column::TutorialId.eq(tutorial_id))
        .all(db)
        .await?
    {
        parts.push(transcript.body);
    }
    for track in approved_spoken(db, tutorial_id).await? {
        let cues = tutorial_cue::Entity::find()
            .filter(tutorial_cue::Column::TrackId.eq(track))
            .order_by_asc(tutorial_cue::Column::Seq)
            .all(db)
            .await?;
        parts.push(
            cues.into_iter()
                .map(|c| c.text)
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let content = parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    academy_publishing::search::index(db, &KIND, tutorial_id, &revision.title, &content).await?;
    let mut found = crate::tutorials::parts(db, &[tutorial_id]).await?;
    let facts = crate::tutorials::facts(
        &found.sources.remove(&tutorial_id).unwrap_or_default(),
        &found.tracks.remove(&tutorial_id).unwrap_or_default(),
        &found.transcripts.remove(&tutorial_id).unwrap_or_default(),
        &revision,
    );
    let accessibility = [
        ("captions", facts.german_captions),
        (
            "audioDescription",
            facts.descriptions_track || facts.described_rendition,
        ),
        ("signLanguage", facts.sign_language),
        ("easyLanguage", facts.easy_language),
        ("transcript", facts.transcript),
    ]
    .into_iter()
    .filter_map(|(name, has)| has.then_some(name))
    .collect();
    let text = content
        .strip_prefix(revision.summary.as_str())
        .unwrap_or(&content)
        .to_owned();
    let card = academy_publishing::catalogue::Card {
        title: revision.title.clone(),
        summary: revision.summary.clone(),
        language: revision.language.clone(),
        published_at: revision.published_at.unwrap_or(revision.updated_at),
        text,
        accessibility,
        details: serde_json::json!({
            "kind": revision.kind,
            "durationSeconds": revision.duration_ms as f64 / 1000.0,
        }),
    };
    academy_publishing::catalogue::put(db, &KIND, &item, live, card).await
}

async fn approved_spoken(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(tutorial_track::Entity::find()
        .filter(tutorial_track::Column::TutorialId.eq(tutorial_id))
        .filter(tutorial_track::Column::Status.eq(TrackStatus::Approved.as_str()))
        .filter(tutorial_track::Column::Kind.is_in(SPOKEN.map(TrackKind::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

/// Keeps the cue index of a track (SQLite's FTS5 table; PostgreSQL indexes the cue rows
/// themselves) in step with its cues.
pub async fn index_cues(
    db: &impl ConnectionTrait,
    tutorial_id: Uuid,
    track_id: Uuid,
    cues: &[Cue],
) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    remove_cues(db, track_id).await?;
    for (chunk_start, chunk) in cues.chunks(200).enumerate() {
        let mut sql = String::from(
            "INSERT INTO tutorial_cues_fts (track_id, seq, tutorial_id, stems) VALUES ",
        );
        let mut values = Vec::with_capacity(chunk.len() * 4);
        for (i, cue) in chunk.iter().enumerate() {
            let n = values.len();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            values.push(track_id.into());
            values.push(
                i32::try_from(chunk_start * 200 + i)
                    .unwrap_or(i32::MAX)
                    .into(),
            );
            values.push(tutorial_id.into());
            values.push(
                stems(&crate::tracks::plain_text(&cue.text))
                    .join(" ")
                    .into(),
            );
        }
        db.execute_raw(statement(db, &sql, values)).await?;
    }
    Ok(())
}

/// Drops a track's cues from the cue index.
pub async fn remove_cues(db: &impl ConnectionTrait, track_id: Uuid) -> Result<(), AppError> {
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            "DELETE FROM tutorial_cues_fts WHERE track_id = $1",
            vec![track_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Drops everything of a deleted tutorial from the indexes and the catalogue.
pub async fn remove_tutorial(db: &impl ConnectionTrait, tutorial_id: Uuid) -> Result<(), AppError> {
    remove(db, tutorial_id).await?;
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            "DELETE FROM tutorial_cues_fts WHERE tutorial_id = $1",
            vec![tutorial_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// For each of `ids`, the first moment an approved spoken track says what was searched.
pub async fn moments(
    db: &impl ConnectionTrait,
    search: &Search,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Moment>, AppError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
    let list = placeholders.join(", ");
    let (sql, first) = match db.get_database_backend() {
        DbBackend::Postgres => (
            format!(
                "SELECT DISTINCT ON (c.tutorial_id) c.tutorial_id AS tutorial_id, \
                 c.start_ms AS start_ms, c.text AS text \
                 FROM tutorial_cues c JOIN tutorial_tracks t ON t.id = c.track_id \
                 WHERE to_tsvector('german', c.text) @@ plainto_tsquery('german', $1) \
                 AND t.status = 'approved' AND t.kind IN ('captions', 'subtitles') \
                 AND c.tutorial_id IN ({list}) \
                 ORDER BY c.tutorial_id, c.start_ms"
            ),
            search.text.clone(),
        ),
        _ => (
            format!(
                "SELECT c.tutorial_id AS tutorial_id, MIN(c.start_ms) AS start_ms, \
                 c.text AS text \
                 FROM tutorial_cues_fts f \
                 JOIN tutorial_cues c ON c.track_id = f.track_id AND c.seq = f.seq \
                 JOIN tutorial_tracks t ON t.id = c.track_id \
                 WHERE tutorial_cues_fts MATCH $1 \
                 AND t.status = 'approved' AND t.kind IN ('captions', 'subtitles') \
                 AND f.tutorial_id IN ({list}) \
                 GROUP BY c.tutorial_id"
            ),
            search.fts_query(),
        ),
    };
    let mut values = vec![first.into()];
    values.extend(ids.iter().map(|id| (*id).into()));
    let rows = db
        .query_all_raw(statement(db, &sql, values))
        .await
        .map_err(database_error)?;
    for row in rows {
        let id: Uuid = row.try_get("", "tutorial_id")?;
        let start_ms: i64 = row.try_get("", "start_ms")?;
        let text: String = row.try_get("", "text")?;
        out.insert(
            id,
            Moment {
                t: start_ms as f64 / 1000.0,
                text,
            },
        );
    }
    Ok(out)
}
