//! Use cases: who may see and change which guide, the workflow's transitions in one
//! transaction each (with their audit entries), browsing, and scheduled publishing.

use academy_auth::entity::organisation;
use academy_auth::{Principal, Role};
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use academy_taxonomy::TermKind;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, Order, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{
    self, Content, ContentInput, GuideStatus, RevisionState, Transition, Workflow,
};
use crate::entity::{guide, guide_revision};
use crate::mails;
use crate::repo::{self, Links};

/// The subject type of audit entries about guides.
const SUBJECT: &str = "guide";

/// A guide with the revision shown to the caller and that revision's links.
#[derive(Debug, Clone)]
pub struct GuideView {
    pub guide: guide::Model,
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

/// Which revision a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The live revision (for staff of an unpublished guide: the working one).
    Current,
    /// The working revision, falling back to the live one; editors only.
    Working,
    /// The live revision only; 404 when nothing is live.
    Live,
}

/// Whether `caller` works on `guide`: an author of its organisation, or the coordinating
/// office. They see its drafts and may change it.
pub fn is_editor(caller: Option<&Principal>, guide: &guide::Model) -> bool {
    caller.is_some_and(|c| {
        c.has_any(&[Role::Coordinator, Role::Admin])
            || (c.has(Role::Author) && c.organisation_id == Some(guide.organisation_id))
    })
}

fn is_staff(caller: &Principal) -> bool {
    caller.has_any(&[Role::Coordinator, Role::Admin])
}

fn is_public(guide: &guide::Model) -> bool {
    guide.live_revision_id.is_some() && guide.archived_at.is_none()
}

/// The guide, if the caller may see it at all; 404 otherwise.
pub(crate) async fn visible(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
) -> Result<guide::Model, AppError> {
    let guide = repo::find_guide(db, key)
        .await?
        .ok_or_else(AppError::not_found)?;
    if is_public(&guide) || is_editor(caller, &guide) {
        Ok(guide)
    } else {
        Err(AppError::not_found())
    }
}

/// The guide, if the caller may change it: 404 when they may not see it, 403 when they
/// see it but may not change it.
pub(crate) async fn editable(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<guide::Model, AppError> {
    let guide = visible(db, Some(caller), key).await?;
    if is_editor(Some(caller), &guide) {
        Ok(guide)
    } else {
        Err(AppError::forbidden())
    }
}

async fn working_state(
    db: &impl ConnectionTrait,
    guide: &guide::Model,
) -> Result<Option<(i32, RevisionState)>, AppError> {
    let Some(id) = guide.working_revision_id else {
        return Ok(None);
    };
    let revision = repo::find_revision(db, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("working revision {id} is missing")))?;
    Ok(Some((revision.number, state_of(&revision)?)))
}

fn state_of(revision: &guide_revision::Model) -> Result<RevisionState, AppError> {
    RevisionState::parse(&revision.state).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "revision {} has an unknown state {}",
            revision.id,
            revision.state
        ))
    })
}

async fn workflow(db: &impl ConnectionTrait, guide: &guide::Model) -> Result<Workflow, AppError> {
    Ok(Workflow {
        archived: guide.archived_at.is_some(),
        working: working_state(db, guide).await?.map(|(_, s)| s),
    })
}

/// Assembles what a caller sees of `guide`, showing `revision_id`.
async fn view(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    guide: guide::Model,
    revision_id: Uuid,
) -> Result<GuideView, AppError> {
    let revision = repo::find_revision(db, revision_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let links = repo::load_links(db, &[revision.id])
        .await?
        .remove(&revision.id)
        .unwrap_or_default();
    let working = if is_editor(caller, &guide) {
        working_state(db, &guide).await?
    } else {
        None
    };
    let live_number = match guide.live_revision_id {
        Some(id) if id == revision.id => Some(revision.number),
        Some(id) => repo::find_revision(db, id).await?.map(|r| r.number),
        None => None,
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
) -> Result<(guide::Model, Uuid), AppError> {
    let guide = visible(db, caller, key).await?;
    let editor = is_editor(caller, &guide);
    let revision_id = match which {
        Which::Working if !editor => return Err(AppError::not_found()),
        Which::Working => guide.working_revision_id.or(guide.live_revision_id),
        Which::Live => guide.live_revision_id,
        Which::Current if is_public(&guide) => guide.live_revision_id,
        Which::Current => guide.live_revision_id.or(guide.working_revision_id),
    }
    .ok_or_else(AppError::not_found)?;
    Ok((guide, revision_id))
}

/// 422 `unknown` for every taxonomy slug, organisation or linked guide that does not exist.
async fn check_references(db: &impl ConnectionTrait, content: &Content) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let terms = [
        (
            "fieldsOfAction",
            TermKind::FieldsOfAction,
            &content.fields_of_action,
        ),
        ("phases", TermKind::Phases, &content.phases),
        ("audiences", TermKind::Audiences, &content.audiences),
    ];
    for (field, kind, slugs) in terms {
        for (i, slug) in slugs.iter().enumerate() {
            if academy_taxonomy::terms::find(db, kind, slug)
                .await?
                .is_none()
            {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    "unknown",
                    "no such term in the taxonomy",
                ));
            }
        }
    }
    for (i, id) in content.co_publishers.iter().enumerate() {
        if organisation::Entity::find_by_id(*id)
            .one(db)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                format!("coPublishers[{i}]"),
                "unknown",
                "no such organisation",
            ));
        }
    }
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

fn slug_taken(error: DbErr) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::conflict("slug_taken", "Another guide already has this slug.")
                .with_source(error)
        }
        _ => error.into(),
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
    let organisation_id = if is_staff(caller) {
        match organisation_id.or(caller.organisation_id) {
            Some(id) => id,
            None => {
                return Err(AppError::validation(vec![FieldError::new(
                    "organisationId",
                    "required",
                    "name the publishing organisation",
                )]));
            }
        }
    } else if caller.has(Role::Author)
        && let Some(own) = caller.organisation_id
    {
        if organisation_id.is_some_and(|id| id != own) {
            return Err(AppError::forbidden());
        }
        own
    } else {
        return Err(AppError::forbidden());
    };
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
    if organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AppError::validation(vec![FieldError::new(
            "organisationId",
            "unknown",
            "no such organisation",
        )]));
    }
    check_references(db, &content).await?;

    let mut attempt = 0;
    let guide_id = loop {
        let candidate = if explicit {
            slug.clone()
        } else {
            free_slug(db, &slug).await?
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

/// The first of `base`, `base-2`, `base-3`, … that no guide has.
async fn free_slug(db: &impl ConnectionTrait, base: &str) -> Result<String, AppError> {
    const BATCH: u32 = 20;
    let mut first = 1;
    loop {
        let candidates: Vec<String> = (first..first + BATCH)
            .map(|n| domain::numbered_slug(base, n))
            .collect();
        let taken: std::collections::HashSet<String> = guide::Entity::find()
            .select_only()
            .column(guide::Column::Slug)
            .filter(guide::Column::Slug.is_in(candidates.clone()))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        if let Some(free) = candidates.into_iter().find(|c| !taken.contains(c)) {
            return Ok(free);
        }
        first += BATCH;
    }
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
    guide::Entity::insert(guide::ActiveModel {
        id: Set(guide_id),
        slug: Set(slug),
        organisation_id: Set(organisation_id),
        live_revision_id: Set(None),
        // Pointed at the revision once it exists (a foreign key checks it).
        working_revision_id: Set(None),
        archived_at: Set(None),
        review_due_at: Set(None),
        created_by: Set(caller.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(slug_taken)?;
    insert_revision(&txn, caller, guide_id, revision_id, 1, content, now).await?;
    guide::ActiveModel {
        id: Set(guide_id),
        working_revision_id: Set(Some(revision_id)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
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
    repo::insert_links(db, revision_id, content).await?;
    Ok(())
}

/// Begins a change of `guide`: checks the caller's expected version, then raises the
/// version as the transaction's first write, so concurrent changes serialise and all but
/// the first answer 412.
async fn begin_change(
    db: &DatabaseConnection,
    guide: &guide::Model,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
    now: DateTime<Utc>,
) -> Result<(sea_orm::DatabaseTransaction, guide::Model), AppError> {
    check_version(guide.version)?;
    let txn = begin_write(db).await?;
    if !repo::bump_version(&txn, guide.id, guide.version, now).await? {
        return Err(AppError::precondition_failed());
    }
    let current = guide::Entity::find_by_id(guide.id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((txn, current))
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
    let links = repo::load_links(db, &[base.id])
        .await?
        .remove(&base.id)
        .unwrap_or_default();
    let current = ContentInput {
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
        // A change note describes one revision; a new draft starts without one.
        change_note: base
            .change_note
            .filter(|_| guide.working_revision_id == Some(base.id)),
        fields_of_action: links.fields_of_action,
        phases: links.phases,
        audiences: links.audiences,
        co_publishers: links.co_publishers,
    };
    let content = domain::validate(change(current))?;
    write_content(db, caller, guide, content, check_version).await
}

async fn write_content(
    db: &DatabaseConnection,
    caller: &Principal,
    guide: guide::Model,
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
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
    domain::check(workflow(&txn, &guide).await?, Transition::Edit)?;
    match guide.working_revision_id {
        Some(revision_id) => {
            let mut revision = guide_revision::ActiveModel {
                id: Set(revision_id),
                updated_at: Set(now),
                ..Default::default()
            };
            revision = repo::content_columns(&content, revision);
            revision.update(&txn).await?;
            repo::delete_links(&txn, revision_id).await?;
            repo::insert_links(&txn, revision_id, &content).await?;
        }
        None => {
            let revision_id = Uuid::now_v7();
            let number = repo::next_number(&txn, guide.id).await?;
            insert_revision(&txn, caller, guide.id, revision_id, number, &content, now).await?;
            if let Some(live) = guide.live_revision_id {
                repo::copy_attachments(&txn, live, revision_id).await?;
            }
            guide::ActiveModel {
                id: Set(guide.id),
                working_revision_id: Set(Some(revision_id)),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Begins a change of `guide` that does not depend on what the caller last read (a file
/// added or removed): raises the version as the transaction's first write, so it
/// serialises with every other change, and reads the guide as it is now.
pub(crate) async fn begin_unconditional_change(
    db: &DatabaseConnection,
    guide_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(sea_orm::DatabaseTransaction, guide::Model), AppError> {
    let txn = begin_write(db).await?;
    guide::Entity::update_many()
        .col_expr(
            guide::Column::Version,
            Expr::col(guide::Column::Version).add(1),
        )
        .col_expr(guide::Column::UpdatedAt, Expr::value(now))
        .filter(guide::Column::Id.eq(guide_id))
        .exec(&txn)
        .await?;
    let current = guide::Entity::find_by_id(guide_id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((txn, current))
}

/// The revision a change of `guide` goes to: its draft, or — on a live guide without
/// one — a new draft copied from the live revision (content, links and files), which the
/// public does not see until it is approved. 409 while the guide is under review,
/// scheduled or archived.
pub(crate) async fn draft_for_change(
    txn: &impl ConnectionTrait,
    caller: &Principal,
    guide: &guide::Model,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    domain::check(workflow(txn, guide).await?, Transition::Edit)?;
    if let Some(id) = guide.working_revision_id {
        return Ok(id);
    }
    let live_id = guide
        .live_revision_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("guide {} has no revision", guide.id)))?;
    let live = repo::find_revision(txn, live_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("revision {live_id} is missing")))?;
    let links = repo::load_links(txn, &[live_id])
        .await?
        .remove(&live_id)
        .unwrap_or_default();
    // Copied as stored, not validated again: the live text was accepted under the rules
    // of its day.
    let content = Content {
        title: live.title,
        summary: live.summary,
        context: live.context,
        steps: serde_json::from_value(live.steps).map_err(AppError::internal)?,
        success_factors: live.success_factors,
        pitfalls: live.pitfalls,
        body: live.body,
        language: live.language,
        easy_language_guide_id: live.easy_language_guide_id,
        contact_name: live.contact_name,
        contact_email: live.contact_email,
        reading_minutes: live.reading_minutes,
        change_note: None,
        fields_of_action: links.fields_of_action,
        phases: links.phases,
        audiences: links.audiences,
        co_publishers: links.co_publishers,
    };
    let revision_id = Uuid::now_v7();
    let number = repo::next_number(txn, guide.id).await?;
    insert_revision(txn, caller, guide.id, revision_id, number, &content, now).await?;
    repo::copy_attachments(txn, live_id, revision_id).await?;
    guide::ActiveModel {
        id: Set(guide.id),
        working_revision_id: Set(Some(revision_id)),
        ..Default::default()
    }
    .update(txn)
    .await?;
    Ok(revision_id)
}

/// Whether the guide may be changed now (for checks before work that is costly to undo,
/// such as receiving a file); the change itself checks again in its transaction.
pub(crate) async fn check_editable_now(
    db: &impl ConnectionTrait,
    guide: &guide::Model,
) -> Result<(), AppError> {
    domain::check(workflow(db, guide).await?, Transition::Edit)
}

/// The working revision's id; the workflow check before it has ensured there is one.
fn working_id(guide: &guide::Model) -> Result<Uuid, AppError> {
    guide.working_revision_id.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "guide {} has no working revision",
            guide.id
        ))
    })
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
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
    domain::check(workflow(&txn, &guide).await?, Transition::Submit)?;
    guide_revision::ActiveModel {
        id: Set(working_id(&guide)?),
        state: Set(RevisionState::InReview.as_str().to_owned()),
        submitted_at: Set(Some(now)),
        submitted_by: Set(Some(caller.user_id)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let revision = revision_in(&txn, working_id(&guide)?).await?;
    let by = academy_auth::entity::user::Entity::find_by_id(caller.user_id)
        .one(&txn)
        .await?
        .map_or_else(String::new, |u| u.display_name);
    for coordinator in mails::coordinators(&txn).await? {
        if coordinator.id != caller.user_id {
            let mail = mails::submitted(
                &coordinator,
                &revision.title,
                revision.number,
                &by,
                guide.live_revision_id.is_some(),
            );
            academy_notifications::enqueue(&txn, mail).await?;
        }
    }
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// A revision read inside a transaction that has just changed it.
async fn revision_in(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<guide_revision::Model, AppError> {
    repo::find_revision(db, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("revision {id} is missing")))
}

/// Mails every author of `revision` but the caller.
async fn tell_authors(
    db: &impl ConnectionTrait,
    caller: &Principal,
    revision: &guide_revision::Model,
    letter: impl Fn(&academy_auth::entity::user::Model) -> academy_notifications::Mail,
) -> Result<(), AppError> {
    for author in mails::authors_of(db, revision).await? {
        if author.id != caller.user_id {
            academy_notifications::enqueue(db, letter(&author)).await?;
        }
    }
    Ok(())
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
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
    domain::check(workflow(&txn, &guide).await?, Transition::Return)?;
    guide_revision::ActiveModel {
        id: Set(working_id(&guide)?),
        state: Set(RevisionState::Draft.as_str().to_owned()),
        publish_at: Set(None),
        published_by: Set(None),
        review_comment: Set(Some(comment.clone())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "guide.returned",
        SUBJECT,
        Some(guide.id),
        json!({"slug": guide.slug, "comment": comment}),
    )
    .await?;
    let revision = revision_in(&txn, working_id(&guide)?).await?;
    tell_authors(&txn, caller, &revision, |author| {
        mails::returned(author, &revision.title, &comment)
    })
    .await?;
    txn.commit().await?;
    get(db, Some(caller), &guide.id.to_string(), Which::Working).await
}

/// Makes `revision` the guide's live revision and retires the previous one.
async fn go_live(
    db: &impl ConnectionTrait,
    guide: &guide::Model,
    revision_id: Uuid,
) -> Result<(), AppError> {
    if let Some(previous) = guide.live_revision_id {
        guide_revision::ActiveModel {
            id: Set(previous),
            state: Set(RevisionState::Superseded.as_str().to_owned()),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    guide::ActiveModel {
        id: Set(guide.id),
        live_revision_id: Set(Some(revision_id)),
        working_revision_id: Set(None),
        ..Default::default()
    }
    .update(db)
    .await?;
    crate::search::reindex(db, guide.id).await
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
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
    domain::check(workflow(&txn, &guide).await?, Transition::Publish)?;
    let revision_id = working_id(&guide)?;
    let scheduled = publish_at.filter(|at| *at > now);
    let mut revision = guide_revision::ActiveModel {
        id: Set(revision_id),
        published_by: Set(Some(caller.user_id)),
        review_comment: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(at) = scheduled {
        revision.state = Set(RevisionState::Scheduled.as_str().to_owned());
        revision.publish_at = Set(Some(at));
    } else {
        revision.state = Set(RevisionState::Published.as_str().to_owned());
        revision.published_at = Set(Some(now));
    }
    revision.update(&txn).await?;
    if scheduled.is_none() {
        go_live(&txn, &guide, revision_id).await?;
    }
    if review_due_at.is_some() {
        guide::ActiveModel {
            id: Set(guide.id),
            review_due_at: Set(review_due_at),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        if scheduled.is_some() {
            "guide.scheduled"
        } else {
            "guide.published"
        },
        SUBJECT,
        Some(guide.id),
        json!({"slug": guide.slug, "revisionId": revision_id, "publishAt": scheduled}),
    )
    .await?;
    let revision = revision_in(&txn, revision_id).await?;
    tell_authors(&txn, caller, &revision, |author| {
        mails::published(author, &revision.title, scheduled)
    })
    .await?;
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
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
    domain::check(workflow(&txn, &guide).await?, Transition::Archive)?;
    guide::ActiveModel {
        id: Set(guide.id),
        archived_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    crate::search::remove(&txn, guide.id).await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "guide.archived",
        SUBJECT,
        Some(guide.id),
        json!({"slug": guide.slug}),
    )
    .await?;
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
    if !is_staff(caller) && guide.live_revision_id.is_some() {
        return Err(AppError::forbidden());
    }
    let now = Utc::now();
    let (txn, guide) = begin_change(db, &guide, check_version, now).await?;
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
    guide::Entity::delete_by_id(guide.id).exec(&txn).await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "guide.deleted",
        SUBJECT,
        Some(guide.id),
        json!({"slug": guide.slug, "organisationId": guide.organisation_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(files)
}

/// Makes every scheduled revision whose time has come live, as of `now`; returns how many.
///
/// Safe with several instances: each revision is claimed by a conditional update
/// (`scheduled` → `published`) that exactly one of them wins; the others skip it.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let due = guide_revision::Entity::find()
        .filter(guide_revision::Column::State.eq(RevisionState::Scheduled.as_str()))
        .filter(guide_revision::Column::PublishAt.lte(now))
        .order_by_asc(guide_revision::Column::PublishAt)
        .limit(100)
        .all(db)
        .await?;
    let mut published = 0;
    for revision in due {
        let txn = begin_write(db).await?;
        // The guide's row first, as every other change does, so that locks are always
        // taken in the same order.
        let guide_claimed = guide::Entity::update_many()
            .col_expr(
                guide::Column::Version,
                Expr::col(guide::Column::Version).add(1),
            )
            .col_expr(guide::Column::UpdatedAt, Expr::value(now))
            .filter(guide::Column::Id.eq(revision.guide_id))
            .filter(guide::Column::WorkingRevisionId.eq(revision.id))
            .exec(&txn)
            .await?;
        let claimed = guide_revision::Entity::update_many()
            .col_expr(
                guide_revision::Column::State,
                Expr::value(RevisionState::Published.as_str()),
            )
            .col_expr(
                guide_revision::Column::PublishedAt,
                Expr::value(revision.publish_at.unwrap_or(now)),
            )
            .filter(guide_revision::Column::Id.eq(revision.id))
            .filter(guide_revision::Column::State.eq(RevisionState::Scheduled.as_str()))
            .exec(&txn)
            .await?;
        if guide_claimed.rows_affected != 1 || claimed.rows_affected != 1 {
            // Another instance was first, or the revision was returned meanwhile.
            continue;
        }
        let Some(guide) = guide::Entity::find_by_id(revision.guide_id)
            .one(&txn)
            .await?
        else {
            continue;
        };
        go_live(&txn, &guide, revision.id).await?;
        academy_auth::audit::record(
            &txn,
            None,
            "guide.published",
            SUBJECT,
            Some(guide.id),
            json!({"slug": guide.slug, "revisionId": revision.id, "scheduled": true}),
        )
        .await?;
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
    let revision = guide_revision::Entity::find()
        .filter(guide_revision::Column::GuideId.eq(guide.id))
        .filter(guide_revision::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ever_published = matches!(
        state_of(&revision)?,
        RevisionState::Published | RevisionState::Superseded
    );
    if !ever_published && !is_editor(caller, &guide) {
        return Err(AppError::not_found());
    }
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

/// `EXISTS (SELECT 1 FROM table x WHERE <joined> AND x.column = value)`, built so that
/// each backend gets its own placeholder.
fn exists<V: Into<sea_orm::Value>>(
    table: &str,
    joined: String,
    column: &str,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    let mut select = Query::select();
    select
        .expr(Expr::cust("1"))
        .from_as(Alias::new(table), Alias::new("x"))
        .and_where(Expr::cust(joined))
        .and_where(
            Expr::col((Alias::new("x"), Alias::new(column)))
                .is_in(values.into_iter().map(Into::into)),
        );
    Expr::exists(select)
}

/// The shown revision is linked to any of `values`.
fn linked<V: Into<sea_orm::Value>>(
    table: &str,
    column: &str,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    exists(table, format!("x.revision_id = {SHOWN}"), column, values)
}

/// A page of the guides the caller may see, with the shown revision of each.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    filter: ListFilter,
    bounds: Bounds,
) -> Result<(Vec<GuideView>, u64), AppError> {
    let public = Condition::all()
        .add(guide::Column::LiveRevisionId.is_not_null())
        .add(guide::Column::ArchivedAt.is_null());
    // The guides the caller edits, in SQL: the same rule as `is_editor`.
    let edited = match caller {
        Some(c) if is_staff(c) => Condition::all(),
        Some(c) if c.has(Role::Author) && c.organisation_id.is_some() => {
            Condition::all().add(guide::Column::OrganisationId.eq(c.organisation_id))
        }
        _ => Condition::all().add(Expr::cust("1 = 0")),
    };
    let visibility = Condition::any().add(public).add(edited.clone());
    if filter.review_due && !caller.is_some_and(is_staff) {
        return Err(AppError::forbidden());
    }
    let mut unknown = Vec::new();
    for (parameter, kind, slugs) in [
        (
            "fieldOfAction",
            TermKind::FieldsOfAction,
            &filter.field_of_action,
        ),
        ("theme", TermKind::Themes, &filter.theme),
        ("phase", TermKind::Phases, &filter.phase),
        ("audience", TermKind::Audiences, &filter.audience),
    ] {
        unknown.extend(academy_taxonomy::terms::check_filter(db, kind, parameter, slugs).await?);
    }
    if filter.organisation.len() > academy_taxonomy::terms::MAX_FILTER_VALUES {
        unknown.push(FieldError::new(
            "organisation",
            "too_many",
            format!(
                "takes at most {} values",
                academy_taxonomy::terms::MAX_FILTER_VALUES
            ),
        ));
    } else {
        unknown.extend(
            academy_auth::unknown_organisations(db, "organisation", &filter.organisation).await?,
        );
    }
    if !unknown.is_empty() {
        return Err(AppError::validation(unknown));
    }
    let mut condition = Condition::all().add(visibility);
    if !filter.field_of_action.is_empty() {
        condition = condition.add(linked(
            "guide_revision_fields_of_action",
            "field_of_action_slug",
            filter.field_of_action,
        ));
    }
    if !filter.theme.is_empty() {
        let mut fields = Query::select();
        fields
            .column(Alias::new("slug"))
            .from(Alias::new("fields_of_action"))
            .and_where(Expr::col(Alias::new("theme_slug")).is_in(filter.theme));
        let mut select = Query::select();
        select
            .expr(Expr::cust("1"))
            .from_as(
                Alias::new("guide_revision_fields_of_action"),
                Alias::new("x"),
            )
            .and_where(Expr::cust(format!("x.revision_id = {SHOWN}")))
            .and_where(
                Expr::col((Alias::new("x"), Alias::new("field_of_action_slug")))
                    .in_subquery(fields),
            );
        condition = condition.add(Expr::exists(select));
    }
    if !filter.phase.is_empty() {
        condition = condition.add(linked("guide_revision_phases", "phase_slug", filter.phase));
    }
    if !filter.audience.is_empty() {
        condition = condition.add(linked(
            "guide_revision_audiences",
            "audience_slug",
            filter.audience,
        ));
    }
    if !filter.organisation.is_empty() {
        condition = condition.add(
            Condition::any()
                .add(guide::Column::OrganisationId.is_in(filter.organisation.clone()))
                .add(linked(
                    "guide_revision_organisations",
                    "organisation_id",
                    filter.organisation,
                )),
        );
    }
    if let Some(language) = filter.language {
        condition = condition.add(exists(
            "guide_revisions",
            format!("x.id = {SHOWN}"),
            "language",
            [language],
        ));
    }
    if let Some(since) = filter.updated_since {
        condition = condition.add(guide::Column::UpdatedAt.gte(since));
    }
    if let Some(status) = filter.status {
        let working_in = |state: RevisionState| {
            exists(
                "guide_revisions",
                "x.id = guides.working_revision_id".to_owned(),
                "state",
                [state.as_str()],
            )
        };
        // `draft`, `in_review` and `scheduled` ask for the working revision's state, also
        // of published guides: the coordinators' review queue includes new revisions of
        // live guides. Only of guides the caller edits: that a live guide has a draft is
        // nobody else's business.
        let working = |state: RevisionState| {
            Condition::all()
                .add(edited.clone())
                .add(guide::Column::ArchivedAt.is_null())
                .add(working_in(state))
        };
        condition = condition.add(match status {
            GuideStatus::Archived => Condition::all().add(guide::Column::ArchivedAt.is_not_null()),
            GuideStatus::Published => Condition::all()
                .add(guide::Column::ArchivedAt.is_null())
                .add(guide::Column::LiveRevisionId.is_not_null()),
            GuideStatus::Draft => working(RevisionState::Draft),
            GuideStatus::InReview => working(RevisionState::InReview),
            GuideStatus::Scheduled => working(RevisionState::Scheduled),
        });
    }
    if filter.review_due {
        condition = condition
            .add(guide::Column::ReviewDueAt.lte(Utc::now()))
            .add(guide::Column::ArchivedAt.is_null());
    }

    let backend = db.get_database_backend();
    if let Some(search) = &filter.search {
        condition = condition.add(search.condition(backend));
    }
    let mut query = guide::Entity::find().filter(condition);
    let total = query
        .clone()
        .count(db)
        .await
        .map_err(crate::search::database_error)?;
    query = match (filter.sort, &filter.search) {
        (Sort::Relevance, Some(search)) => query
            .order_by(search.rank(backend), Order::Desc)
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
    let mut links = repo::load_links(db, &shown).await?;
    // The working revisions' states, for the guides the caller edits, in one query.
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
            for revision in guide_revision::Entity::find()
                .filter(guide_revision::Column::Id.is_in(working_ids))
                .all(db)
                .await?
            {
                states.insert(revision.id, (revision.number, state_of(&revision)?));
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
