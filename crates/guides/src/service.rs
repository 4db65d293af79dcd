//! Use cases: who may see and change which guide, the workflow's transitions in one
//! transaction each, browsing, and scheduled publishing. The workflow itself — access,
//! versions, transitions, audit entries, mails, links, the review queue — is
//! `academy_publishing`'s; this module adds what is a guide's own: its content columns,
//! its files and its search index.

use academy_auth::Principal;
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use academy_publishing::lifecycle::{self, NewItem};
use academy_publishing::{Item, Kind, Links, listing};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::{self, Content, ContentInput, GuideStatus, RevisionState, Transition};
use crate::entity::{guide, guide_revision};
use crate::repo;

pub use academy_publishing::Which;

/// Guides in the shared workflow: their tables and the words their mails use.
pub const KIND: Kind = Kind {
    noun: "guide",
    items: "guides",
    revisions: "guide_revisions",
    item_column: "guide_id",
    link_prefix: "guide_revision",
    search_table: "guide_search",
    slug_fallback: "leitfaden",
    german: academy_publishing::German {
        accusative: "den Leitfaden",
        yours: "Ihren Leitfaden",
        of_published: "des veröffentlichten Leitfadens",
        he: "Er",
        him: "ihn",
    },
};

/// A guide with the revision shown to the caller and that revision's links.
#[derive(Debug, Clone)]
pub struct GuideView {
    pub guide: Item,
    pub revision: guide_revision::Model,
    pub links: Links,
    /// The working revision's number and state, for callers who may edit the guide.
    pub working: Option<(i32, RevisionState)>,
    /// The live revision's number, if any.
    pub live_number: Option<i32>,
}

impl GuideView {
    pub fn status(&self) -> GuideStatus {
        GuideStatus::of(
            self.guide.archived_at.is_some(),
            self.guide.live_revision_id.is_some(),
            self.working.map(|(_, state)| state),
        )
    }
}

/// Whether `caller` works on `guide`: an author of its organisation, or the coordinating
/// office. They see its drafts and may change it.
pub fn is_editor(caller: Option<&Principal>, guide: &Item) -> bool {
    academy_publishing::is_editor(caller, guide)
}

/// The guide, if the caller may see it at all; 404 otherwise.
pub(crate) async fn visible(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Item, AppError> {
    lifecycle::visible(db, &KIND, caller, key).await
}

/// The guide, if the caller may change it: 404 when they may not see it, 403 when they
/// see it but may not change it.
pub(crate) async fn editable(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    lifecycle::editable(db, &KIND, caller, key).await
}

/// Assembles what a caller sees of `guide`, showing `revision_id`.
async fn view(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    guide: Item,
    revision_id: Uuid,
) -> Result<GuideView, AppError> {
    let revision = repo::find_revision(db, revision_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let links = academy_publishing::links::load_one(db, &KIND, revision.id).await?;
    let working = if is_editor(caller, &guide) {
        lifecycle::working_state(db, &KIND, &guide).await?
    } else {
        None
    };
    let live_number = match guide.live_revision_id {
        Some(id) if id == revision.id => Some(revision.number),
        _ => lifecycle::live_number(db, &KIND, &guide).await?,
    };
    Ok(GuideView {
        guide,
        revision,
        links,
        working,
        live_number,
    })
}

/// A guide as the caller may see it: the live revision for everyone, the working one for
/// its editors (`Which::Working`, or when nothing is live). 404 for what the caller may
/// not see.
pub async fn get(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
    which: Which,
) -> Result<GuideView, AppError> {
    let (guide, revision_id) = shown(db, caller, key, which).await?;
    view(db, caller, guide, revision_id).await
}

/// The guide and the id of the revision `which` names for the caller; 404 for what the
/// caller may not see.
pub(crate) async fn shown(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    which: Which,
) -> Result<(Item, Uuid), AppError> {
    lifecycle::shown(db, &KIND, caller, key, which).await
}

/// 422 `unknown` for every taxonomy slug, organisation or linked guide that does not exist.
async fn check_references(db: &impl ConnectionTrait, content: &Content) -> Result<(), AppError> {
    let mut errors = academy_publishing::links::unknown_references(db, &content.tags()).await?;
    if let Some(id) = content.easy_language_guide_id
        && guide::Entity::find_by_id(id).one(db).await?.is_none()
    {
        errors.push(FieldError::new(
            "easyLanguageGuideId",
            "unknown",
            "no such guide",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// Creates a guide with its first draft. Authors create for their organisation;
/// coordinators name the organisation.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Principal,
    organisation_id: Option<Uuid>,
    slug: Option<String>,
    content: Content,
) -> Result<GuideView, AppError> {
    let organisation_id = lifecycle::publishing_organisation(db, caller, organisation_id).await?;
    // A slug asked for is taken as it is (409 when taken); one made from the title gets
    // the first free suffix (`-2`, `-3`, …).
    let explicit = slug.is_some();
    let slug = slug
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| domain::slugify(&content.title));
    if !domain::valid_slug(&slug) {
        return Err(AppError::validation(vec![FieldError::new(
            "slug",
            "invalid_slug",
            "must be 2–64 characters of a–z, 0–9 and single inner hyphens",
        )]));
    }
    check_references(db, &content).await?;

    let mut attempt = 0;
    let guide_id = loop {
        let candidate = if explicit {
            slug.clone()
        } else {
            lifecycle::free_slug(db, &KIND, &slug).await?
        };
        match insert_guide(db, caller, organisation_id, candidate, &content).await {
            // Another guide took the free slug in the meantime: look again.
            Err(error) if !explicit && error.code() == "slug_taken" && attempt < 3 => {
                attempt += 1;
            }
            other => break other?,
        }
    };
    get(db, Some(caller), &guide_id.to_string(), Which::Working).await
}

/// Inserts the guide with its first draft; 409 `slug_taken` when the slug is taken.
async fn insert_guide(
    db: &DatabaseConnection,
    caller: &Principal,
    organisation_id: Uuid,
    slug: String,
    content: &Content,
) -> Result<Uuid, AppError> {
    let now = Utc::now();
    let guide_id = Uuid::now_v7();
    let revision_id = Uuid::now_v7();
    let txn = begin_write(db).await?;
    lifecycle::insert_item(
        &txn,
        &KIND,
        NewItem {
            id: guide_id,
            slug,
            organisation_id,
            created_by: caller.user_id,
            now,
        },
    )
    .await?;
    insert_revision(&txn, caller, guide_id, revision_id, 1, content, now).await?;
    lifecycle::set_working(&txn, &KIND, guide_id, Some(revision_id)).await?;
    txn.commit().await?;
    Ok(guide_id)
}

async fn insert_revision(
    db: &impl ConnectionTrait,
    caller: &Principal,
    guide_id: Uuid,
    revision_id: Uuid,
    number: i32,
    content: &Content,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let revision = repo::content_columns(
        content,
        guide_revision::ActiveModel {
            id: Set(revision_id),
            guide_id: Set(guide_id),
            number: Set(number),
            state: Set(RevisionState::Draft.as_str().to_owned()),
            publish_at: Set(None),
            review_comment: Set(None),
            created_by: Set(caller.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            submitted_at: Set(None),
            submitted_by: Set(None),
            published_at: Set(None),
            published_by: Set(None),
            ..Default::default()
        },
    );
    guide_revision::Entity::insert(revision)
        .exec_without_returning(db)
        .await?;
    academy_publishing::links::insert(db, &KIND, revision_id, &content.tags()).await?;
    Ok(())
}

/// Replaces the content of the working revision; on a guide without one (a published
/// guide) it starts a new draft while the live revision stays visible.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    content: Content,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    write_content(db, caller, guide, content, check_version).await
}

/// The content of a stored revision with its links, as an author would send it again.
fn input_of(base: guide_revision::Model, links: Links) -> Result<ContentInput, AppError> {
    Ok(ContentInput {
        title: base.title,
        summary: base.summary,
        context: base.context,
        steps: serde_json::from_value(base.steps).map_err(AppError::internal)?,
        success_factors: base.success_factors,
        pitfalls: base.pitfalls,
        body: base.body,
        language: Some(base.language),
        easy_language_guide_id: base.easy_language_guide_id,
        contact_name: base.contact_name,
        contact_email: base.contact_email,
        reading_minutes: base.reading_minutes,
        change_note: base.change_note,
        fields_of_action: links.fields_of_action,
        phases: links.phases,
        audiences: links.audiences,
        co_publishers: links.co_publishers,
    })
}

/// Changes some fields: `change` receives the content of the working revision (or of the
/// live one, which a new draft starts from) and returns the content to store.
pub async fn patch(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    change: impl FnOnce(ContentInput) -> ContentInput,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    let base_id = guide
        .working_revision_id
        .or(guide.live_revision_id)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("guide {} has no revision", guide.id)))?;
    let base = repo::find_revision(db, base_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let links = academy_publishing::links::load_one(db, &KIND, base.id).await?;
    let mut current = input_of(base, links)?;
    // A change note describes one revision; a new draft starts without one.
    if guide.working_revision_id != Some(base_id) {
        current.change_note = None;
    }
    let content = domain::validate(change(current))?;
    write_content(db, caller, guide, content, check_version).await
}

async fn write_content(
    db: &DatabaseConnection,
    caller: &Principal,
    guide: Item,
    content: Content,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    if content.easy_language_guide_id == Some(guide.id) {
        return Err(AppError::validation(vec![FieldError::new(
            "easyLanguageGuideId",
            "self_reference",
            "a guide cannot be its own plain-language variant",
        )]));
    }
    check_references(db, &content).await?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &guide, Transition::Edit).await?;
    match guide.working_revision_id {
        Some(revision_id) => {
            let mut revision = guide_revision::ActiveModel {
                id: Set(revision_id),
                updated_at: Set(now),
                ..Default::default()
            };
            revision = repo::content_columns(&content, revision);
            revision.update(&txn).await?;
            academy_publishing::links::replace(&txn, &KIND, revision_id, &content.tags()).await?;
        }
        None => {
            let revision_id = Uuid::now_v7();
            let number = lifecycle::next_number(&txn, &KIND, guide.id).await?;
            insert_revision(&txn, caller, guide.id, revision_id, number, &content, now).await?;
            if let Some(live) = guide.live_revision_id {
                repo::copy_attachments(&txn, live, revision_id).await?;
            }
            lifecycle::set_working(&txn, &KIND, guide.id, Some(revision_id)).await?;
        }
    }
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Begins a change of `guide` that does not depend on what the caller last read (a file
/// added or removed).
pub(crate) async fn begin_unconditional_change(
    db: &DatabaseConnection,
    guide_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(sea_orm::DatabaseTransaction, Item), AppError> {
    lifecycle::begin_unconditional_change(db, &KIND, guide_id, now).await
}

/// The revision a change of `guide` goes to: its draft, or — on a live guide without
/// one — a new draft copied from the live revision (content, links and files), which the
/// public does not see until it is approved. 409 while the guide is under review,
/// scheduled or archived.
pub(crate) async fn draft_for_change(
    txn: &impl ConnectionTrait,
    caller: &Principal,
    guide: &Item,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    lifecycle::check_now(txn, &KIND, guide, Transition::Edit).await?;
    if let Some(id) = guide.working_revision_id {
        return Ok(id);
    }
    let live_id = guide
        .live_revision_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("guide {} has no revision", guide.id)))?;
    let live = repo::find_revision(txn, live_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("revision {live_id} is missing")))?;
    let links = academy_publishing::links::load_one(txn, &KIND, live_id).await?;
    // Copied as stored, not validated again: the live text was accepted under the rules
    // of its day.
    let input = input_of(live, links)?;
    let content = Content {
        title: input.title,
        summary: input.summary,
        context: input.context,
        steps: input.steps,
        success_factors: input.success_factors,
        pitfalls: input.pitfalls,
        body: input.body,
        language: input.language.unwrap_or_default(),
        easy_language_guide_id: input.easy_language_guide_id,
        contact_name: input.contact_name,
        contact_email: input.contact_email,
        reading_minutes: input.reading_minutes,
        change_note: None,
        fields_of_action: input.fields_of_action,
        phases: input.phases,
        audiences: input.audiences,
        co_publishers: input.co_publishers,
    };
    let revision_id = Uuid::now_v7();
    let number = lifecycle::next_number(txn, &KIND, guide.id).await?;
    insert_revision(txn, caller, guide.id, revision_id, number, &content, now).await?;
    repo::copy_attachments(txn, live_id, revision_id).await?;
    lifecycle::set_working(txn, &KIND, guide.id, Some(revision_id)).await?;
    Ok(revision_id)
}

/// Whether the guide may be changed now (for checks before work that is costly to undo,
/// such as receiving a file); the change itself checks again in its transaction.
pub(crate) async fn check_editable_now(
    db: &impl ConnectionTrait,
    guide: &Item,
) -> Result<(), AppError> {
    lifecycle::check_now(db, &KIND, guide, Transition::Edit).await
}

/// The title of the guide's working revision, for the workflow's mails.
async fn working_title(db: &impl ConnectionTrait, guide: &Item) -> Result<String, AppError> {
    let id = lifecycle::working_id(&KIND, guide)?;
    Ok(repo::find_revision(db, id)
        .await?
        .map(|r| r.title)
        .unwrap_or_default())
}

/// Author: hands the draft to the coordinating office.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &guide, Transition::Submit).await?;
    let title = working_title(&txn, &guide).await?;
    lifecycle::submit(&txn, &KIND, &guide, caller, &title, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Coordinator: sends the revision under review back to its authors with a comment.
pub async fn return_to_authors(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    comment: String,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &guide, Transition::Return).await?;
    let title = working_title(&txn, &guide).await?;
    lifecycle::return_to_authors(&txn, &KIND, &guide, caller, &title, &comment, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Coordinator: approves the revision under review. It goes live now, or at `publish_at`
/// when that lies ahead; `review_due_at` sets when the guide is due for review again.
pub async fn publish(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    publish_at: Option<DateTime<Utc>>,
    review_due_at: Option<DateTime<Utc>>,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &guide, Transition::Publish).await?;
    let title = working_title(&txn, &guide).await?;
    let published = lifecycle::publish(
        &txn,
        &KIND,
        &guide,
        caller,
        &title,
        publish_at,
        review_due_at,
        now,
    )
    .await?;
    if published.scheduled.is_none() {
        crate::search::reindex(&txn, guide.id).await?;
    }
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Coordinator: withdraws the guide from the public; staff still see it.
pub async fn archive(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<GuideView, AppError> {
    let guide = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    lifecycle::archive(&txn, &KIND, &guide, caller, now).await?;
    crate::search::remove(&txn, guide.id).await?;
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Current).await
}

/// Deletes a guide with all its revisions: coordinators any guide, its authors only one
/// that was never published (403 otherwise).
pub async fn delete(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<Vec<String>, AppError> {
    let guide = editable(db, caller, key).await?;
    lifecycle::check_deletable(caller, &guide)?;
    let now = Utc::now();
    let (txn, guide) = lifecycle::begin_change(db, &KIND, &guide, check_version, now).await?;
    // The attachment rows go with the guide; their stored files are removed by the caller
    // once the deletion is committed.
    let files: Vec<String> = crate::entity::guide_attachment::Entity::find()
        .filter(crate::entity::guide_attachment::Column::GuideId.eq(guide.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.storage_key)
        .collect();
    crate::search::remove(&txn, guide.id).await?;
    lifecycle::delete(&txn, &KIND, &guide, caller).await?;
    txn.commit().await?;
    Ok(files)
}

/// Makes every scheduled revision whose time has come live, as of `now`; returns how many.
///
/// Safe with several instances: each revision is claimed by a conditional update
/// (`scheduled` → `published`) that exactly one of them wins; the others skip it.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut published = 0;
    for revision in lifecycle::due(db, &KIND, now, 100).await? {
        let txn = begin_write(db).await?;
        let Some(guide) = lifecycle::claim_due(&txn, &KIND, &revision, now).await? else {
            continue;
        };
        crate::search::reindex(&txn, guide.id).await?;
        txn.commit().await?;
        published += 1;
    }
    Ok(published)
}

/// A published revision in a guide's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub revision: guide_revision::Model,
    pub live: bool,
    /// Whether the caller edits the guide (and so sees who did what).
    pub editor: bool,
}

/// Every revision of a guide that was ever published, newest first.
pub async fn history(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Vec<HistoryEntry>, AppError> {
    let guide = visible(db, caller, key).await?;
    let revisions = guide_revision::Entity::find()
        .filter(guide_revision::Column::GuideId.eq(guide.id))
        .filter(guide_revision::Column::State.is_in([
            RevisionState::Published.as_str(),
            RevisionState::Superseded.as_str(),
        ]))
        .order_by_desc(guide_revision::Column::Number)
        .all(db)
        .await?;
    Ok(revisions
        .into_iter()
        .map(|revision| HistoryEntry {
            live: guide.live_revision_id == Some(revision.id),
            editor: is_editor(caller, &guide),
            revision,
        })
        .collect())
}

/// One revision by number: published ones for everyone who sees the guide, any for its
/// editors.
pub async fn revision(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
    number: i32,
) -> Result<GuideView, AppError> {
    let guide = visible(db, caller, key).await?;
    let revision = lifecycle::revision_by_number(db, &KIND, caller, &guide, number).await?;
    view(db, caller, guide, revision.id).await
}

/// Sort orders of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Most recently changed first.
    #[default]
    Newest,
    /// By title, A–Z.
    Title,
    /// Best match first; with a search only (otherwise newest).
    Relevance,
}

/// Filters of the list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Each list filter matches any of its values; the filters combine with AND.
    pub field_of_action: Vec<String>,
    pub theme: Vec<String>,
    pub phase: Vec<String>,
    pub audience: Vec<String>,
    pub organisation: Vec<Uuid>,
    pub language: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub status: Option<GuideStatus>,
    pub review_due: bool,
    /// Full-text search over published guides.
    pub search: Option<crate::search::Search>,
    pub sort: Sort,
}

/// The revision a list shows: the live one, or for unpublished guides the working one.
const SHOWN: &str = "COALESCE(guides.live_revision_id, guides.working_revision_id)";

/// A page of the guides the caller may see, with the shown revision of each.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    filter: ListFilter,
    bounds: Bounds,
) -> Result<(Vec<GuideView>, u64), AppError> {
    let shared = listing::Filter {
        field_of_action: filter.field_of_action,
        theme: filter.theme,
        phase: filter.phase,
        audience: filter.audience,
        organisation: filter.organisation,
        status: filter.status,
        review_due: filter.review_due,
    };
    let mut condition = listing::condition(db, &KIND, caller, shared).await?;
    if let Some(language) = filter.language {
        condition = condition.add(listing::exists(
            "guide_revisions",
            format!("x.id = {SHOWN}"),
            "language",
            [language],
        ));
    }
    if let Some(since) = filter.updated_since {
        condition = condition.add(guide::Column::UpdatedAt.gte(since));
    }

    let backend = db.get_database_backend();
    if let Some(search) = &filter.search {
        condition = condition.add(search.condition(&KIND, backend));
    }
    let mut query = guide::Entity::find().filter(condition);
    let total = query
        .clone()
        .count(db)
        .await
        .map_err(crate::search::database_error)?;
    query = match (filter.sort, &filter.search) {
        (Sort::Relevance, Some(search)) => query
            .order_by(search.rank(&KIND, backend), Order::Desc)
            .order_by(guide::Column::UpdatedAt, Order::Desc),
        (Sort::Newest | Sort::Relevance, _) => {
            query.order_by(guide::Column::UpdatedAt, Order::Desc)
        }
        (Sort::Title, _) => query.order_by(
            Expr::cust(format!(
                "(SELECT r.title FROM guide_revisions r WHERE r.id = {SHOWN})"
            )),
            Order::Asc,
        ),
    }
    .order_by(guide::Column::Id, Order::Asc);
    let guides = query
        .offset(bounds.offset)
        .limit(bounds.limit)
        .all(db)
        .await
        .map_err(crate::search::database_error)?;

    if guides.is_empty() {
        return Ok((Vec::new(), total));
    }
    let shown: Vec<Uuid> = guides
        .iter()
        .filter_map(|g| g.live_revision_id.or(g.working_revision_id))
        .collect();
    let mut revisions: std::collections::HashMap<Uuid, guide_revision::Model> =
        guide_revision::Entity::find()
            .filter(guide_revision::Column::Id.is_in(shown.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    let mut links = academy_publishing::links::load(db, &KIND, &shown).await?;
    // The working revisions' states, for the guides the caller edits, in one query.
    let guides: Vec<Item> = guides.into_iter().map(Item::from).collect();
    let working_ids: Vec<Uuid> = guides
        .iter()
        .filter(|g| is_editor(caller, g))
        .filter_map(|g| g.working_revision_id)
        .collect();
    let working_states: std::collections::HashMap<Uuid, (i32, RevisionState)> =
        if working_ids.is_empty() {
            Default::default()
        } else {
            let mut states = std::collections::HashMap::new();
            for revision in lifecycle::revision_heads(db, &KIND, working_ids).await? {
                states.insert(revision.id, (revision.number, revision.state()?));
            }
            states
        };
    let mut items = Vec::with_capacity(guides.len());
    for guide in guides {
        let Some(revision) = guide
            .live_revision_id
            .or(guide.working_revision_id)
            .and_then(|id| revisions.remove(&id))
        else {
            continue;
        };
        let working = guide
            .working_revision_id
            .filter(|_| is_editor(caller, &guide))
            .and_then(|id| working_states.get(&id).copied());
        let live_number = guide.live_revision_id.map(|_| revision.number);
        items.push(GuideView {
            links: links.remove(&revision.id).unwrap_or_default(),
            guide,
            revision,
            working,
            live_number,
        });
    }
    Ok((items, total))
}
