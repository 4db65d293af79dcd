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
use crate::entity::{guide, guide_revision};
use crate::service::KIND;

/// The searchable text of a revision: everything a reader reads, in reading order.
fn content_of(revision: &guide_revision::Model) -> String {
    let steps: Vec<Step> = serde_json::from_value(revision.steps.clone()).unwrap_or_default();
    let mut parts = vec![revision.summary.clone(), revision.context.clone()];
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

/// Removes the guide from the index.
pub async fn remove(db: &impl ConnectionTrait, guide_id: Uuid) -> Result<(), AppError> {
    academy_publishing::search::remove(db, &KIND, guide_id).await
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

/// Indexes the guide's live revision, or removes it when nothing is public.
pub async fn reindex(db: &impl ConnectionTrait, guide_id: Uuid) -> Result<(), AppError> {
    let Some(guide) = guide::Entity::find_by_id(guide_id).one(db).await? else {
        return remove(db, guide_id).await;
    };
    match guide
        .live_revision_id
        .filter(|_| guide.archived_at.is_none())
    {
        Some(id) => match guide_revision::Entity::find_by_id(id).one(db).await? {
            Some(revision) => index(db, guide_id, &revision).await,
            None => remove(db, guide_id).await,
        },
        None => remove(db, guide_id).await,
    }
}
