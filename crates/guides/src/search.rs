//! Full-text search over published guides, in German — the shared index of
//! `academy_publishing::search`, fed with what a reader of a guide reads.

use academy_kernel::AppError;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

pub use academy_publishing::search::{
    QUERY_MAX_CHARS, QUERY_MAX_TERMS, SNIPPET_SCAN_CHARS, SNIPPET_WORDS, STATEMENT_TIMEOUT_MS,
    Search, begin, database_error, snippet, stems,
};

use crate::domain::Step;
use academy_publishing::catalogue::Card;

use crate::entity::guide_revision;
use crate::service::KIND;

/// The searchable text of a revision: everything a reader reads, in reading order.
fn content_of(revision: &guide_revision::Model) -> String {
    format!("{}\n\n{}", revision.summary, text_of(revision))
}

/// A revision's text after its summary.
fn text_of(revision: &guide_revision::Model) -> String {
    let steps: Vec<Step> = serde_json::from_value(revision.steps.clone()).unwrap_or_default();
    let mut parts = vec![revision.context.clone()];
    for step in steps {
        parts.push(step.title);
        parts.push(step.body);
    }
    parts.extend([
        revision.success_factors.clone(),
        revision.pitfalls.clone(),
        revision.body.clone(),
    ]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Removes the guide from the index and the catalogue.
pub async fn remove(db: &impl ConnectionTrait, guide_id: Uuid) -> Result<(), AppError> {
    academy_publishing::catalogue::remove(db, guide_id).await?;
    academy_publishing::search::remove(db, &KIND, guide_id).await
}

/// The catalogue's card of a live revision.
fn card(revision: &guide_revision::Model) -> Card {
    Card {
        title: revision.title.clone(),
        summary: revision.summary.clone(),
        language: revision.language.clone(),
        published_at: revision.published_at.unwrap_or(revision.updated_at),
        text: text_of(revision),
        accessibility: if revision.easy_language_guide_id.is_some() {
            vec!["easyLanguage"]
        } else {
            Vec::new()
        },
        details: serde_json::json!({ "readingMinutes": revision.reading_minutes }),
    }
}

/// Indexes `revision` as the guide's live content.
pub async fn index(
    db: &impl ConnectionTrait,
    guide_id: Uuid,
    revision: &guide_revision::Model,
) -> Result<(), AppError> {
    academy_publishing::search::index(db, &KIND, guide_id, &revision.title, &content_of(revision))
        .await
}

/// Indexes the guide's live revision and writes its catalogue entry, or removes both when
/// nothing is public.
pub async fn reindex(db: &impl ConnectionTrait, guide_id: Uuid) -> Result<(), AppError> {
    let Some(item) = academy_publishing::lifecycle::find_by_id(db, &KIND, guide_id).await? else {
        return remove(db, guide_id).await;
    };
    let Some(live) = item.live_revision_id.filter(|_| item.archived_at.is_none()) else {
        return remove(db, guide_id).await;
    };
    let Some(revision) = guide_revision::Entity::find_by_id(live).one(db).await? else {
        return remove(db, guide_id).await;
    };
    index(db, guide_id, &revision).await?;
    academy_publishing::catalogue::put(db, &KIND, &item, live, card(&revision)).await
}
