//! Which tables a kind of content keeps its items and revisions in, and the rows the
//! workflow reads from them.
//!
//! Every kind of content has the same workflow columns: an items table (`guides`,
//! `tutorials`, …) with slug, organisation, live and working revision, archive time,
//! review-due date and version, and a revisions table with number, state, schedule,
//! review comment and who did what when. The content columns beside them are each kind's
//! own. The workflow reads and writes only its columns, through the names given here.

use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;
use uuid::Uuid;

/// The tables and words of one kind of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// In messages and audit entries: `guide`, `tutorial`, `course`.
    pub noun: &'static str,
    /// The items' table.
    pub items: &'static str,
    /// The revisions' table.
    pub revisions: &'static str,
    /// The revisions' column naming their item.
    pub item_column: &'static str,
    /// The prefix of the per-revision link tables (`guide_revision` →
    /// `guide_revision_phases`, …).
    pub link_prefix: &'static str,
    /// The search index table (`<noun>_search`; on SQLite also `<noun>_search_fts`),
    /// keyed by `item_column`.
    pub search_table: &'static str,
    /// The slug of an item whose title gives none.
    pub slug_fallback: &'static str,
    /// The German words the workflow's mails use for this kind.
    pub german: German,
}

/// How the workflow's German mails speak of a kind of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct German {
    /// Accusative with article: „den Leitfaden“, „das Video-Tutorial“.
    pub accusative: &'static str,
    /// Accusative with "Ihr": „Ihren Leitfaden“, „Ihr Video-Tutorial“.
    pub yours: &'static str,
    /// Genitive of the published item: „des veröffentlichten Leitfadens“.
    pub of_published: &'static str,
    /// The pronoun in the nominative, capitalised: „Er“, „Es“.
    pub he: &'static str,
    /// The pronoun in the accusative: „ihn“, „es“.
    pub him: &'static str,
}

/// The workflow columns of an item.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Item {
    pub id: Uuid,
    /// Stable, unique per kind, URL-friendly name.
    pub slug: String,
    /// The publishing organisation; its authors edit the item.
    pub organisation_id: Uuid,
    /// The published revision everyone sees, if any.
    pub live_revision_id: Option<Uuid>,
    /// The revision being written or reviewed, if any.
    pub working_revision_id: Option<Uuid>,
    pub archived_at: Option<DateTime<Utc>>,
    /// After this, coordinators see the item as due for review.
    pub review_due_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Raised by every change; the `ETag`.
    pub version: i32,
}

impl Item {
    pub(crate) const COLUMNS: [&'static str; 11] = [
        "id",
        "slug",
        "organisation_id",
        "live_revision_id",
        "working_revision_id",
        "archived_at",
        "review_due_at",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    ];
}

/// The workflow columns of a revision.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct RevisionHead {
    pub id: Uuid,
    pub item_id: Uuid,
    /// 1, 2, … per item.
    pub number: i32,
    /// A [`crate::RevisionState`], as stored.
    pub state: String,
    /// When a scheduled revision goes live.
    pub publish_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub change_note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<Uuid>,
}

impl RevisionHead {
    /// The columns besides `item_id`, which each kind names its own way.
    pub(crate) const COLUMNS: [&'static str; 13] = [
        "id",
        "number",
        "state",
        "publish_at",
        "review_comment",
        "change_note",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "submitted_by",
        "published_at",
        "published_by",
    ];

    /// The state, parsed; an unknown one is an internal error.
    pub fn state(&self) -> Result<crate::RevisionState, academy_kernel::AppError> {
        crate::RevisionState::parse(&self.state).ok_or_else(|| {
            academy_kernel::AppError::internal(anyhow::anyhow!(
                "revision {} has an unknown state {}",
                self.id,
                self.state
            ))
        })
    }
}
