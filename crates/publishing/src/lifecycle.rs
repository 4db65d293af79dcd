//! The workflow on the database: who sees and changes an item, the transitions in the
//! caller's transaction (with their audit entries and mails), scheduled publishing and
//! the history of published revisions.
//!
//! Every change begins with [`begin_change`]: it checks the version the caller last read
//! and raises it as the transaction's first write, so concurrent changes of one item
//! serialise on its row and all but the first answer 412. The content crate then writes
//! its own columns and calls the transition here inside the same transaction.

use academy_auth::{Principal, Role};
use academy_kernel::AppError;
use academy_kernel::db::begin_write;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, FromQueryResult, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use crate::kind::{Item, Kind, RevisionHead};
use crate::{RevisionState, Transition, Workflow, check, mails};

/// Whether the caller belongs to the coordinating office (coordinators and admins).
pub fn is_staff(caller: &Principal) -> bool {
    caller.has_any(&[Role::Coordinator, Role::Admin])
}

/// Whether `caller` works on `item`: an author of its organisation, or the coordinating
/// office. They see its drafts and may change it.
pub fn is_editor(caller: Option<&Principal>, item: &Item) -> bool {
    caller.is_some_and(|c| {
        is_staff(c) || (c.has(Role::Author) && c.organisation_id == Some(item.organisation_id))
    })
}

/// Whether everyone sees the item: a revision is live and it is not archived.
pub fn is_public(item: &Item) -> bool {
    item.live_revision_id.is_some() && item.archived_at.is_none()
}

fn items_select(kind: &Kind) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(Item::COLUMNS.map(Alias::new))
        .from(Alias::new(kind.items));
    select
}

/// An item by id, or by slug when `key` is not a UUID.
pub async fn find(
    db: &impl ConnectionTrait,
    kind: &Kind,
    key: &str,
) -> Result<Option<Item>, AppError> {
    let mut select = items_select(kind);
    match Uuid::parse_str(key) {
        Ok(id) => select.and_where(Expr::col(Alias::new("id")).eq(id)),
        Err(_) => select.and_where(Expr::col(Alias::new("slug")).eq(key)),
    };
    Ok(
        Item::find_by_statement(db.get_database_backend().build(&select))
            .one(db)
            .await?,
    )
}

/// An item by id.
pub async fn find_by_id(
    db: &impl ConnectionTrait,
    kind: &Kind,
    id: Uuid,
) -> Result<Option<Item>, AppError> {
    let mut select = items_select(kind);
    select.and_where(Expr::col(Alias::new("id")).eq(id));
    Ok(
        Item::find_by_statement(db.get_database_backend().build(&select))
            .one(db)
            .await?,
    )
}

/// The item, if the caller may see it at all; 404 otherwise.
pub async fn visible(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Item, AppError> {
    let item = find(db, kind, key).await?.ok_or_else(AppError::not_found)?;
    if is_public(&item) || is_editor(caller, &item) {
        Ok(item)
    } else {
        Err(AppError::not_found())
    }
}

/// The item, if the caller may change it: 404 when they may not see it, 403 when they
/// see it but may not change it.
pub async fn editable(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    let item = visible(db, kind, Some(caller), key).await?;
    if is_editor(Some(caller), &item) {
        Ok(item)
    } else {
        Err(AppError::forbidden())
    }
}

/// Which revision a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The live revision (for staff of an unpublished item: the working one).
    Current,
    /// The working revision, falling back to the live one; editors only.
    Working,
    /// The live revision only; 404 when nothing is live.
    Live,
}

/// The item and the id of the revision `which` names for the caller; 404 for what the
/// caller may not see.
pub async fn shown(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: Option<&Principal>,
    key: &str,
    which: Which,
) -> Result<(Item, Uuid), AppError> {
    let item = visible(db, kind, caller, key).await?;
    let editor = is_editor(caller, &item);
    let revision_id = match which {
        Which::Working if !editor => return Err(AppError::not_found()),
        Which::Working => item.working_revision_id.or(item.live_revision_id),
        Which::Live => item.live_revision_id,
        Which::Current if is_public(&item) => item.live_revision_id,
        Which::Current => item.live_revision_id.or(item.working_revision_id),
    }
    .ok_or_else(AppError::not_found)?;
    Ok((item, revision_id))
}

/// The organisation a new item is published by: authors create for their own
/// organisation (403 for another); the coordinating office names one (422 without).
pub async fn publishing_organisation(
    db: &impl ConnectionTrait,
    caller: &Principal,
    asked: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let organisation_id = if is_staff(caller) {
        asked.or(caller.organisation_id).ok_or_else(|| {
            AppError::validation(vec![academy_kernel::FieldError::new(
                "organisationId",
                "required",
                "name the publishing organisation",
            )])
        })?
    } else if caller.has(Role::Author)
        && let Some(own) = caller.organisation_id
    {
        if asked.is_some_and(|id| id != own) {
            return Err(AppError::forbidden());
        }
        own
    } else {
        return Err(AppError::forbidden());
    };
    use sea_orm::EntityTrait;
    if academy_auth::entity::organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "organisationId",
            "unknown",
            "no such organisation",
        )]));
    }
    Ok(organisation_id)
}

fn revisions_select(kind: &Kind) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(RevisionHead::COLUMNS.map(Alias::new))
        .expr_as(
            Expr::col(Alias::new(kind.item_column)),
            Alias::new("item_id"),
        )
        .from(Alias::new(kind.revisions));
    select
}

/// A revision's workflow columns by id.
pub async fn revision_head(
    db: &impl ConnectionTrait,
    kind: &Kind,
    id: Uuid,
) -> Result<Option<RevisionHead>, AppError> {
    let mut select = revisions_select(kind);
    select.and_where(Expr::col(Alias::new("id")).eq(id));
    Ok(
        RevisionHead::find_by_statement(db.get_database_backend().build(&select))
            .one(db)
            .await?,
    )
}

/// Several revisions' workflow columns by id.
pub async fn revision_heads(
    db: &impl ConnectionTrait,
    kind: &Kind,
    ids: Vec<Uuid>,
) -> Result<Vec<RevisionHead>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = revisions_select(kind);
    select.and_where(Expr::col(Alias::new("id")).is_in(ids));
    Ok(
        RevisionHead::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?,
    )
}

/// A revision that must exist (one the item points at, or one just changed).
pub async fn existing_revision(
    db: &impl ConnectionTrait,
    kind: &Kind,
    id: Uuid,
) -> Result<RevisionHead, AppError> {
    revision_head(db, kind, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("revision {id} is missing")))
}

/// The working revision's number and state, if there is one.
pub async fn working_state(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
) -> Result<Option<(i32, RevisionState)>, AppError> {
    let Some(id) = item.working_revision_id else {
        return Ok(None);
    };
    let revision = existing_revision(db, kind, id).await?;
    Ok(Some((revision.number, revision.state()?)))
}

/// What the workflow knows of the item now.
pub async fn workflow(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
) -> Result<Workflow, AppError> {
    Ok(Workflow {
        archived: item.archived_at.is_some(),
        working: working_state(db, kind, item).await?.map(|(_, s)| s),
    })
}

/// Whether `transition` may happen to the item now (409 otherwise); for checks before
/// work that is costly to undo, and inside every change.
pub async fn check_now(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    transition: Transition,
) -> Result<(), AppError> {
    check(workflow(db, kind, item).await?, transition, kind.noun)
}

/// The live revision's number, if any.
pub async fn live_number(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
) -> Result<Option<i32>, AppError> {
    Ok(match item.live_revision_id {
        Some(id) => revision_head(db, kind, id).await?.map(|r| r.number),
        None => None,
    })
}

fn update(kind: &Kind, id: Uuid) -> sea_orm::sea_query::UpdateStatement {
    let mut update = Query::update();
    update
        .table(Alias::new(kind.items))
        .and_where(Expr::col(Alias::new("id")).eq(id));
    update
}

fn update_revision(kind: &Kind, id: Uuid) -> sea_orm::sea_query::UpdateStatement {
    let mut update = Query::update();
    update
        .table(Alias::new(kind.revisions))
        .and_where(Expr::col(Alias::new("id")).eq(id));
    update
}

async fn execute(
    db: &impl ConnectionTrait,
    statement: &sea_orm::sea_query::UpdateStatement,
) -> Result<u64, AppError> {
    Ok(db
        .execute_raw(db.get_database_backend().build(statement))
        .await?
        .rows_affected())
}

async fn reread(txn: &impl ConnectionTrait, kind: &Kind, id: Uuid) -> Result<Item, AppError> {
    find_by_id(txn, kind, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Begins a change of `item`: checks the caller's expected version, then raises the
/// version as the transaction's first write, so concurrent changes serialise and all but
/// the first answer 412. Returns the item as it is inside the transaction.
pub async fn begin_change(
    db: &DatabaseConnection,
    kind: &Kind,
    item: &Item,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
    now: DateTime<Utc>,
) -> Result<(DatabaseTransaction, Item), AppError> {
    check_version(item.version)?;
    let txn = begin_write(db).await?;
    let mut bump = update(kind, item.id);
    bump.value(Alias::new("version"), item.version + 1)
        .value(Alias::new("updated_at"), now)
        .and_where(Expr::col(Alias::new("version")).eq(item.version));
    if execute(&txn, &bump).await? != 1 {
        return Err(AppError::precondition_failed());
    }
    let current = reread(&txn, kind, item.id).await?;
    Ok((txn, current))
}

/// Begins a change that does not depend on what the caller last read (a file added or
/// removed): raises the version as the transaction's first write, so it serialises with
/// every other change, and reads the item as it is now.
pub async fn begin_unconditional_change(
    db: &DatabaseConnection,
    kind: &Kind,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(DatabaseTransaction, Item), AppError> {
    let txn = begin_write(db).await?;
    let mut bump = update(kind, id);
    bump.value(
        Alias::new("version"),
        Expr::col(Alias::new("version")).add(1),
    )
    .value(Alias::new("updated_at"), now);
    execute(&txn, &bump).await?;
    let current = reread(&txn, kind, id).await?;
    Ok((txn, current))
}

/// A new item's workflow columns.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub id: Uuid,
    pub slug: String,
    pub organisation_id: Uuid,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
}

/// Inserts an item without revisions; 409 `slug_taken` when the slug is taken. The
/// content crate inserts the first draft next and points the item at it with
/// [`set_working`].
pub async fn insert_item(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: NewItem,
) -> Result<(), AppError> {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(kind.items))
        .columns(Item::COLUMNS.map(Alias::new))
        .values([
            item.id.into(),
            item.slug.into(),
            item.organisation_id.into(),
            Option::<Uuid>::None.into(),
            Option::<Uuid>::None.into(),
            Option::<DateTime<Utc>>::None.into(),
            Option::<DateTime<Utc>>::None.into(),
            item.created_by.into(),
            item.now.into(),
            item.now.into(),
            1.into(),
        ])
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    match db
        .execute_raw(db.get_database_backend().build(&insert))
        .await
    {
        Ok(_) => Ok(()),
        Err(error) => Err(slug_taken(kind, error)),
    }
}

fn slug_taken(kind: &Kind, error: DbErr) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(
            "slug_taken",
            format!("Another {} already has this slug.", kind.noun),
        )
        .with_source(error),
        _ => error.into(),
    }
}

/// Points the item at the revision being worked on (or at none).
pub async fn set_working(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item_id: Uuid,
    revision_id: Option<Uuid>,
) -> Result<(), AppError> {
    let mut statement = update(kind, item_id);
    statement.value(Alias::new("working_revision_id"), revision_id);
    execute(db, &statement).await?;
    Ok(())
}

/// The next revision number of an item.
pub async fn next_number(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item_id: Uuid,
) -> Result<i32, AppError> {
    #[derive(FromQueryResult)]
    struct Last {
        n: Option<i32>,
    }
    let mut select = Query::select();
    select
        .expr_as(Expr::cust("MAX(number)"), Alias::new("n"))
        .from(Alias::new(kind.revisions))
        .and_where(Expr::col(Alias::new(kind.item_column)).eq(item_id));
    let last = Last::find_by_statement(db.get_database_backend().build(&select))
        .one(db)
        .await?
        .and_then(|l| l.n);
    Ok(last.map_or(1, |n| n + 1))
}

/// The first of `base`, `base-2`, `base-3`, … that no item of the kind has.
pub async fn free_slug(
    db: &impl ConnectionTrait,
    kind: &Kind,
    base: &str,
) -> Result<String, AppError> {
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    const BATCH: u32 = 20;
    let mut first = 1;
    loop {
        let candidates: Vec<String> = (first..first + BATCH)
            .map(|n| crate::slug::numbered(base, n))
            .collect();
        let mut select = Query::select();
        select
            .column(Alias::new("slug"))
            .from(Alias::new(kind.items))
            .and_where(Expr::col(Alias::new("slug")).is_in(candidates.clone()));
        let taken: std::collections::HashSet<String> =
            Slug::find_by_statement(db.get_database_backend().build(&select))
                .all(db)
                .await?
                .into_iter()
                .map(|s| s.slug)
                .collect();
        if let Some(free) = candidates.into_iter().find(|c| !taken.contains(c)) {
            return Ok(free);
        }
        first += BATCH;
    }
}

/// The working revision's id; the workflow check before it has ensured there is one.
pub fn working_id(kind: &Kind, item: &Item) -> Result<Uuid, AppError> {
    item.working_revision_id.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "{} {} has no working revision",
            kind.noun,
            item.id
        ))
    })
}

async fn audit(
    db: &impl ConnectionTrait,
    kind: &Kind,
    actor: Option<Uuid>,
    action: &str,
    item: &Item,
    details: serde_json::Value,
) -> Result<(), AppError> {
    academy_auth::audit::record(
        db,
        actor,
        &format!("{}.{action}", kind.noun),
        kind.noun,
        Some(item.id),
        details,
    )
    .await?;
    Ok(())
}

/// Author: hands the draft to the coordinating office, who hear of it by mail. Returns
/// the submitted revision.
pub async fn submit(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    caller: &Principal,
    title: &str,
    now: DateTime<Utc>,
) -> Result<RevisionHead, AppError> {
    check_now(txn, kind, item, Transition::Submit).await?;
    let id = working_id(kind, item)?;
    let mut statement = update_revision(kind, id);
    statement
        .value(Alias::new("state"), RevisionState::InReview.as_str())
        .value(Alias::new("submitted_at"), now)
        .value(Alias::new("submitted_by"), caller.user_id)
        .value(Alias::new("updated_at"), now);
    execute(txn, &statement).await?;
    let revision = existing_revision(txn, kind, id).await?;
    mails::tell_coordinators(
        txn,
        kind,
        caller,
        title,
        revision.number,
        item.live_revision_id.is_some(),
    )
    .await?;
    Ok(revision)
}

/// Coordinator: sends the revision under review (or scheduled) back to its authors with
/// a comment.
pub async fn return_to_authors(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    caller: &Principal,
    title: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_now(txn, kind, item, Transition::Return).await?;
    let id = working_id(kind, item)?;
    let mut statement = update_revision(kind, id);
    statement
        .value(Alias::new("state"), RevisionState::Draft.as_str())
        .value(Alias::new("publish_at"), Option::<DateTime<Utc>>::None)
        .value(Alias::new("published_by"), Option::<Uuid>::None)
        .value(Alias::new("review_comment"), comment)
        .value(Alias::new("updated_at"), now);
    execute(txn, &statement).await?;
    audit(
        txn,
        kind,
        Some(caller.user_id),
        "returned",
        item,
        json!({"slug": item.slug, "comment": comment}),
    )
    .await?;
    let revision = existing_revision(txn, kind, id).await?;
    mails::tell_authors(txn, kind, caller, &revision, |german, author| {
        mails::returned(german, author, title, comment)
    })
    .await
}

/// What [`publish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub revision_id: Uuid,
    /// When the revision goes live, if later; `None` when it is live now.
    pub scheduled: Option<DateTime<Utc>>,
}

/// Makes `revision_id` the item's live revision and retires the previous one. The
/// content crate updates what depends on the live revision (its search index) in the
/// same transaction.
async fn go_live(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    revision_id: Uuid,
) -> Result<(), AppError> {
    if let Some(previous) = item.live_revision_id {
        let mut statement = update_revision(kind, previous);
        statement.value(Alias::new("state"), RevisionState::Superseded.as_str());
        execute(db, &statement).await?;
    }
    let mut statement = update(kind, item.id);
    statement
        .value(Alias::new("live_revision_id"), revision_id)
        .value(Alias::new("working_revision_id"), Option::<Uuid>::None);
    execute(db, &statement).await?;
    Ok(())
}

/// Coordinator: approves the revision under review. It goes live now, or at
/// `publish_at` when that lies ahead; `review_due_at` sets when the item is due for
/// review again.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    caller: &Principal,
    title: &str,
    publish_at: Option<DateTime<Utc>>,
    review_due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Published, AppError> {
    check_now(txn, kind, item, Transition::Publish).await?;
    let revision_id = working_id(kind, item)?;
    let scheduled = publish_at.filter(|at| *at > now);
    let mut statement = update_revision(kind, revision_id);
    statement
        .value(Alias::new("published_by"), caller.user_id)
        .value(Alias::new("review_comment"), Option::<String>::None)
        .value(Alias::new("updated_at"), now);
    match scheduled {
        Some(at) => statement
            .value(Alias::new("state"), RevisionState::Scheduled.as_str())
            .value(Alias::new("publish_at"), at),
        None => statement
            .value(Alias::new("state"), RevisionState::Published.as_str())
            .value(Alias::new("published_at"), now),
    };
    execute(txn, &statement).await?;
    if scheduled.is_none() {
        go_live(txn, kind, item, revision_id).await?;
    }
    if let Some(due) = review_due_at {
        let mut statement = update(kind, item.id);
        statement.value(Alias::new("review_due_at"), due);
        execute(txn, &statement).await?;
    }
    audit(
        txn,
        kind,
        Some(caller.user_id),
        if scheduled.is_some() {
            "scheduled"
        } else {
            "published"
        },
        item,
        json!({"slug": item.slug, "revisionId": revision_id, "publishAt": scheduled}),
    )
    .await?;
    let revision = existing_revision(txn, kind, revision_id).await?;
    mails::tell_authors(txn, kind, caller, &revision, |german, author| {
        mails::published(german, author, title, scheduled)
    })
    .await?;
    Ok(Published {
        revision_id,
        scheduled,
    })
}

/// Coordinator: withdraws the item from the public; staff still see it.
pub async fn archive(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    caller: &Principal,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_now(txn, kind, item, Transition::Archive).await?;
    let mut statement = update(kind, item.id);
    statement.value(Alias::new("archived_at"), now);
    execute(txn, &statement).await?;
    audit(
        txn,
        kind,
        Some(caller.user_id),
        "archived",
        item,
        json!({"slug": item.slug}),
    )
    .await
}

/// Whether the caller may delete the item: coordinators any, its authors only one that
/// was never published (403 otherwise).
pub fn check_deletable(caller: &Principal, item: &Item) -> Result<(), AppError> {
    if !is_staff(caller) && item.live_revision_id.is_some() {
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// Deletes the item; its revisions and links go with it (foreign keys cascade).
pub async fn delete(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    caller: &Principal,
) -> Result<(), AppError> {
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(kind.items))
        .and_where(Expr::col(Alias::new("id")).eq(item.id));
    txn.execute_raw(txn.get_database_backend().build(&delete))
        .await?;
    audit(
        txn,
        kind,
        Some(caller.user_id),
        "deleted",
        item,
        json!({"slug": item.slug, "organisationId": item.organisation_id}),
    )
    .await
}

/// The scheduled revisions whose time has come, oldest first, at most `limit`.
pub async fn due(
    db: &impl ConnectionTrait,
    kind: &Kind,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<RevisionHead>, AppError> {
    let mut select = revisions_select(kind);
    select
        .and_where(Expr::col(Alias::new("state")).eq(RevisionState::Scheduled.as_str()))
        .and_where(Expr::col(Alias::new("publish_at")).lte(now))
        .order_by(Alias::new("publish_at"), Order::Asc)
        .limit(limit);
    Ok(
        RevisionHead::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?,
    )
}

/// Makes a due revision live inside `txn`, if this transaction wins it: each revision is
/// claimed by conditional updates (`scheduled` → `published`) that exactly one instance
/// wins. Returns the item as it was before going live, or `None` when another instance
/// was first or the revision was returned meanwhile.
pub async fn claim_due(
    txn: &impl ConnectionTrait,
    kind: &Kind,
    revision: &RevisionHead,
    now: DateTime<Utc>,
) -> Result<Option<Item>, AppError> {
    // The item's row first, as every other change does, so that locks are always taken
    // in the same order.
    let mut item_claim = update(kind, revision.item_id);
    item_claim
        .value(
            Alias::new("version"),
            Expr::col(Alias::new("version")).add(1),
        )
        .value(Alias::new("updated_at"), now)
        .and_where(Expr::col(Alias::new("working_revision_id")).eq(revision.id));
    let item_claimed = execute(txn, &item_claim).await?;
    let mut revision_claim = update_revision(kind, revision.id);
    revision_claim
        .value(Alias::new("state"), RevisionState::Published.as_str())
        .value(
            Alias::new("published_at"),
            revision.publish_at.unwrap_or(now),
        )
        .and_where(Expr::col(Alias::new("state")).eq(RevisionState::Scheduled.as_str()));
    let claimed = execute(txn, &revision_claim).await?;
    if item_claimed != 1 || claimed != 1 {
        return Ok(None);
    }
    let Some(item) = find_by_id(txn, kind, revision.item_id).await? else {
        return Ok(None);
    };
    go_live(txn, kind, &item, revision.id).await?;
    audit(
        txn,
        kind,
        None,
        "published",
        &item,
        json!({"slug": item.slug, "revisionId": revision.id, "scheduled": true}),
    )
    .await?;
    Ok(Some(item))
}

/// Every revision of the item that was ever published, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
) -> Result<Vec<RevisionHead>, AppError> {
    let mut select = revisions_select(kind);
    select
        .and_where(Expr::col(Alias::new(kind.item_column)).eq(item.id))
        .and_where(Expr::col(Alias::new("state")).is_in([
            RevisionState::Published.as_str(),
            RevisionState::Superseded.as_str(),
        ]))
        .order_by(Alias::new("number"), Order::Desc);
    Ok(
        RevisionHead::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?,
    )
}

/// One revision by number: published ones for everyone who sees the item, any for its
/// editors; 404 otherwise.
pub async fn revision_by_number(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: Option<&Principal>,
    item: &Item,
    number: i32,
) -> Result<RevisionHead, AppError> {
    let mut select = revisions_select(kind);
    select
        .and_where(Expr::col(Alias::new(kind.item_column)).eq(item.id))
        .and_where(Expr::col(Alias::new("number")).eq(number));
    let revision = RevisionHead::find_by_statement(db.get_database_backend().build(&select))
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ever_published = matches!(
        revision.state()?,
        RevisionState::Published | RevisionState::Superseded
    );
    if !ever_published && !is_editor(caller, item) {
        return Err(AppError::not_found());
    }
    Ok(revision)
}
