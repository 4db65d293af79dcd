//! Use cases of tutorials themselves: who may see and change which tutorial, the shared
//! workflow's transitions (with the captions gate before publishing), the accessibility
//! profile, browsing, and scheduled publishing. The workflow itself is
//! `academy_publishing`'s; this module adds a tutorial's own columns and rules.

use std::collections::HashMap;

use academy_auth::Principal;
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use academy_publishing::lifecycle::{self, NewItem};
use academy_publishing::{Item, Kind, Links, RevisionState, Transition, listing};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{self, Content, Facts, SourceRole, TrackKind, TrackStatus, TutorialKind};
use crate::entity::{tutorial_revision, tutorial_source, tutorial_track, tutorial_transcript};

pub use academy_publishing::Which;

/// Tutorials in the shared workflow: their tables and the words their mails use.
pub const KIND: Kind = Kind {
    noun: "tutorial",
    items: "tutorials",
    revisions: "tutorial_revisions",
    item_column: "tutorial_id",
    link_prefix: "tutorial_revision",
    search_table: "tutorial_search",
    slug_fallback: "tutorial",
    german: academy_publishing::German {
        accusative: "das Video-Tutorial",
        yours: "Ihr Video-Tutorial",
        of_published: "des veröffentlichten Video-Tutorials",
        he: "Es",
        him: "es",
    },
};

/// A coordinator's recorded reason to publish without approved German captions.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Exemption {
    pub captions_exemption: Option<String>,
    pub captions_exempted_by: Option<Uuid>,
    pub captions_exempted_at: Option<DateTime<Utc>>,
}

/// A tutorial with the revision shown to the caller and what belongs to it.
#[derive(Debug, Clone)]
pub struct TutorialView {
    pub item: Item,
    pub revision: tutorial_revision::Model,
    pub links: Links,
    /// The working revision's number and state, for callers who may edit the tutorial.
    pub working: Option<(i32, RevisionState)>,
    pub live_number: Option<i32>,
    pub sources: Vec<tutorial_source::Model>,
    /// The tracks the caller may see: approved ones, all of them for editors.
    pub tracks: Vec<tutorial_track::Model>,
    /// Languages with a written transcript.
    pub transcripts: Vec<String>,
    /// The poster image, if one was uploaded.
    pub poster: Option<crate::entity::tutorial_file::Model>,
    pub facts: Facts,
    pub exemption: Option<Exemption>,
    pub editor: bool,
}

impl TutorialView {
    pub fn status(&self) -> domain::TutorialStatus {
        domain::TutorialStatus::of(
            self.item.archived_at.is_some(),
            self.item.live_revision_id.is_some(),
            self.working.map(|(_, state)| state),
        )
    }
}

/// Whether `caller` works on the tutorial: an author of its organisation, or the
/// coordinating office.
pub fn is_editor(caller: Option<&Principal>, item: &Item) -> bool {
    academy_publishing::is_editor(caller, item)
}

/// The tutorial, if the caller may see it; 404 otherwise.
pub async fn visible(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Item, AppError> {
    lifecycle::visible(db, &KIND, caller, key).await
}

/// The tutorial, if the caller may change it: 404 when they may not see it, 403 when
/// they see it but may not change it.
pub async fn editable(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    lifecycle::editable(db, &KIND, caller, key).await
}

/// A revision by id.
pub async fn find_revision(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<tutorial_revision::Model, AppError> {
    tutorial_revision::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The revision editors work against: the working one, else the live one.
pub async fn current_revision(
    db: &impl ConnectionTrait,
    item: &Item,
) -> Result<tutorial_revision::Model, AppError> {
    let id = item
        .working_revision_id
        .or(item.live_revision_id)
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("tutorial {} has no revision", item.id))
        })?;
    find_revision(db, id).await
}

async fn exemption(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Exemption>, AppError> {
    let mut select = Query::select();
    select
        .columns([
            Alias::new("captions_exemption"),
            Alias::new("captions_exempted_by"),
            Alias::new("captions_exempted_at"),
        ])
        .from(Alias::new(KIND.items))
        .and_where(Expr::col(Alias::new("id")).eq(id));
    Ok(
        Exemption::find_by_statement(db.get_database_backend().build(&select))
            .one(db)
            .await?
            .filter(|e| e.captions_exemption.is_some()),
    )
}

/// The accessibility facts of several tutorials from their tracks, sources, transcripts
/// and variants (`easy_language` of the revision shown).
pub(crate) struct Parts {
    pub sources: HashMap<Uuid, Vec<tutorial_source::Model>>,
    pub tracks: HashMap<Uuid, Vec<tutorial_track::Model>>,
    pub transcripts: HashMap<Uuid, Vec<String>>,
    pub posters: HashMap<Uuid, crate::entity::tutorial_file::Model>,
}

pub(crate) async fn parts(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Parts, AppError> {
    let mut out = Parts {
        sources: HashMap::new(),
        tracks: HashMap::new(),
        transcripts: HashMap::new(),
        posters: HashMap::new(),
    };
    if ids.is_empty() {
        return Ok(out);
    }
    for source in tutorial_source::Entity::find()
        .filter(tutorial_source::Column::TutorialId.is_in(ids.to_vec()))
        .order_by_asc(tutorial_source::Column::CreatedAt)
        .order_by_asc(tutorial_source::Column::Id)
        .all(db)
        .await?
    {
        out.sources
            .entry(source.tutorial_id)
            .or_default()
            .push(source);
    }
    // The tracks' settings without their text, which neither the profile nor the
    // responses need (a page of 20 would otherwise read every caption file).
    use tutorial_track::Column as T;
    for track in tutorial_track::Entity::find()
        .select_only()
        .columns([
            T::Id,
            T::TutorialId,
            T::Kind,
            T::Language,
            T::Label,
            T::IsDefault,
            T::Provenance,
            T::Status,
            T::Sha256,
            T::CueCount,
            T::LastCueEndMs,
            T::CreatedBy,
            T::CreatedAt,
            T::UpdatedAt,
            T::ApprovedBy,
            T::ApprovedAt,
        ])
        .column_as(Expr::value(""), "body")
        .filter(T::TutorialId.is_in(ids.to_vec()))
        .order_by_asc(T::Kind)
        .order_by_asc(T::Language)
        .into_model::<tutorial_track::Model>()
        .all(db)
        .await?
    {
        out.tracks.entry(track.tutorial_id).or_default().push(track);
    }
    for poster in crate::entity::tutorial_file::Entity::find()
        .filter(crate::entity::tutorial_file::Column::TutorialId.is_in(ids.to_vec()))
        .filter(crate::entity::tutorial_file::Column::Purpose.eq("poster"))
        .all(db)
        .await?
    {
        out.posters.insert(poster.tutorial_id, poster);
    }
    // Which languages have a written transcript, not the transcripts themselves.
    use tutorial_transcript::Column as W;
    for transcript in tutorial_transcript::Entity::find()
        .select_only()
        .columns([W::TutorialId, W::Language, W::UpdatedBy, W::UpdatedAt])
        .column_as(Expr::value(""), "body")
        .filter(W::TutorialId.is_in(ids.to_vec()))
        .order_by_asc(W::Language)
        .into_model::<tutorial_transcript::Model>()
        .all(db)
        .await?
    {
        out.transcripts
            .entry(transcript.tutorial_id)
            .or_default()
            .push(transcript.language);
    }
    Ok(out)
}

/// What the profile is computed from, for one tutorial.
pub fn facts(
    sources: &[tutorial_source::Model],
    tracks: &[tutorial_track::Model],
    transcripts: &[String],
    revision: &tutorial_revision::Model,
) -> Facts {
    let approved = |kind: TrackKind| {
        tracks
            .iter()
            .filter(move |t| t.kind == kind.as_str() && t.status == TrackStatus::Approved.as_str())
    };
    let has_role = |role: SourceRole| sources.iter().any(|s| s.role == role.as_str());
    Facts {
        german_captions: approved(TrackKind::Captions)
            .any(|t| academy_publishing::language::is_german(&t.language)),
        descriptions_track: approved(TrackKind::Descriptions).next().is_some(),
        described_rendition: has_role(SourceRole::AudioDescribed),
        sign_language: has_role(SourceRole::SignLanguage),
        easy_language: revision.easy_language_tutorial_id.is_some(),
        transcript: !transcripts.is_empty() || approved(TrackKind::Captions).next().is_some(),
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    caller: Option<&Principal>,
    item: Item,
    revision: tutorial_revision::Model,
    links: Links,
    working: Option<(i32, RevisionState)>,
    live_number: Option<i32>,
    parts: &mut Parts,
    exemption: Option<Exemption>,
) -> TutorialView {
    let editor = is_editor(caller, &item);
    let sources = parts.sources.remove(&item.id).unwrap_or_default();
    let all_tracks = parts.tracks.remove(&item.id).unwrap_or_default();
    let transcripts = parts.transcripts.remove(&item.id).unwrap_or_default();
    let poster = parts.posters.remove(&item.id);
    let facts = facts(&sources, &all_tracks, &transcripts, &revision);
    let tracks = all_tracks
        .into_iter()
        .filter(|t| editor || t.status == TrackStatus::Approved.as_str())
        .collect();
    TutorialView {
        item,
        revision,
        links,
        working,
        live_number,
        sources,
        tracks,
        transcripts,
        poster,
        facts,
        exemption,
        editor,
    }
}

/// Assembles what a caller sees of `item`, showing `revision_id`.
async fn view(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    item: Item,
    revision_id: Uuid,
) -> Result<TutorialView, AppError> {
    let revision = find_revision(db, revision_id).await?;
    let links = academy_publishing::links::load_one(db, &KIND, revision.id).await?;
    let working = if is_editor(caller, &item) {
        lifecycle::working_state(db, &KIND, &item).await?
    } else {
        None
    };
    let live_number = match item.live_revision_id {
        Some(id) if id == revision.id => Some(revision.number),
        _ => lifecycle::live_number(db, &KIND, &item).await?,
    };
    let mut parts = parts(db, &[item.id]).await?;
    let exemption = exemption(db, item.id).await?;
    Ok(assemble(
        caller,
        item,
        revision,
        links,
        working,
        live_number,
        &mut parts,
        exemption,
    ))
}

/// A tutorial as the caller may see it; 404 for what the caller may not see.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    which: Which,
) -> Result<TutorialView, AppError> {
    let (item, revision_id) = lifecycle::shown(db, &KIND, caller, key, which).await?;
    view(db, caller, item, revision_id).await
}

/// 422 `unknown` for every term, organisation, guide or variant that does not exist.
async fn check_references(
    db: &impl ConnectionTrait,
    content: &Content,
    this: Option<Uuid>,
) -> Result<(), AppError> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let mut errors = academy_publishing::links::unknown_references(db, &content.tags).await?;
    if !content.related_guides.is_empty() {
        let mut select = Query::select();
        select
            .column(Alias::new("id"))
            .from(Alias::new("guides"))
            .and_where(Expr::col(Alias::new("id")).is_in(content.related_guides.clone()));
        let found: Vec<Uuid> = Id::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        for (i, id) in content.related_guides.iter().enumerate() {
            if !found.contains(id) {
                errors.push(FieldError::new(
                    format!("relatedGuides[{i}]"),
                    "unknown",
                    "no such guide",
                ));
            }
        }
    }
    if let Some(id) = content.easy_language_tutorial_id {
        if Some(id) == this {
            errors.push(FieldError::new(
                "easyLanguageTutorialId",
                "self_reference",
                "a tutorial cannot be its own Leichte Sprache variant",
            ));
        } else if lifecycle::find_by_id(db, &KIND, id).await?.is_none() {
            errors.push(FieldError::new(
                "easyLanguageTutorialId",
                "unknown",
                "no such tutorial",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// Creates a tutorial with its first draft. Authors create for their organisation;
/// coordinators name the organisation.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Principal,
    organisation_id: Option<Uuid>,
    slug: Option<String>,
    content: Content,
) -> Result<TutorialView, AppError> {
    let organisation_id = lifecycle::publishing_organisation(db, caller, organisation_id).await?;
    let explicit = slug.is_some();
    let slug = slug
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| academy_publishing::slug::slugify(&content.title, KIND.slug_fallback));
    if !academy_taxonomy::terms::valid_slug(&slug) {
        return Err(AppError::validation(vec![FieldError::new(
            "slug",
            "invalid_slug",
            "must be 2–64 characters of a–z, 0–9 and single inner hyphens",
        )]));
    }
    check_references(db, &content, None).await?;
    let mut attempt = 0;
    let id = loop {
        let candidate = if explicit {
            slug.clone()
        } else {
            lifecycle::free_slug(db, &KIND, &slug).await?
        };
        match insert_tutorial(db, caller, organisation_id, candidate, &content).await {
            // Another tutorial took the free slug in the meantime: look again.
            Err(error) if !explicit && error.code() == "slug_taken" && attempt < 3 => {
                attempt += 1;
            }
            other => break other?,
        }
    };
    get(db, Some(caller), &id.to_string(), Which::Working).await
}

async fn insert_tutorial(
    db: &DatabaseConnection,
    caller: &Principal,
    organisation_id: Uuid,
    slug: String,
    content: &Content,
) -> Result<Uuid, AppError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let revision_id = Uuid::now_v7();
    let txn = begin_write(db).await?;
    lifecycle::insert_item(
        &txn,
        &KIND,
        NewItem {
            id,
            slug,
            organisation_id,
            created_by: caller.user_id,
            now,
        },
    )
    .await?;
    insert_revision(&txn, caller, id, revision_id, 1, content, now).await?;
    lifecycle::set_working(&txn, &KIND, id, Some(revision_id)).await?;
    txn.commit().await?;
    Ok(id)
}

fn content_columns(
    content: &Content,
    mut revision: tutorial_revision::ActiveModel,
) -> tutorial_revision::ActiveModel {
    revision.title = Set(content.title.clone());
    revision.summary = Set(content.summary.clone());
    revision.description = Set(content.description.clone());
    revision.language = Set(content.language.clone());
    revision.duration_ms = Set(i64::try_from(content.duration_ms).unwrap_or(i64::MAX));
    revision.kind = Set(content.kind.as_str().to_owned());
    revision.speakers = Set(json!(content.speakers));
    revision.licence = Set(content.licence.clone());
    revision.related_guides = Set(json!(content.related_guides));
    revision.chapters = Set(serde_json::to_value(&content.chapters).unwrap_or_default());
    revision.easy_language_tutorial_id = Set(content.easy_language_tutorial_id);
    revision.completion_threshold = Set(content.completion_threshold);
    revision.change_note = Set(content.change_note.clone());
    revision
}

async fn insert_revision(
    db: &impl ConnectionTrait,
    caller: &Principal,
    tutorial_id: Uuid,
    revision_id: Uuid,
    number: i32,
    content: &Content,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let revision = content_columns(
        content,
        tutorial_revision::ActiveModel {
            id: Set(revision_id),
            tutorial_id: Set(tutorial_id),
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
    tutorial_revision::Entity::insert(revision)
        .exec_without_returning(db)
        .await?;
    academy_publishing::links::insert(db, &KIND, revision_id, &content.tags).await
}

/// Replaces the metadata of the working revision; on a tutorial without one (a published
/// tutorial) it starts a new draft while the live revision stays visible.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    content: Content,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<TutorialView, AppError> {
    let item = editable(db, caller, key).await?;
    check_references(db, &content, Some(item.id)).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Edit).await?;
    match item.working_revision_id {
        Some(revision_id) => {
            let revision = content_columns(
                &content,
                tutorial_revision::ActiveModel {
                    id: Set(revision_id),
                    updated_at: Set(now),
                    ..Default::default()
                },
            );
            revision.update(&txn).await?;
            academy_publishing::links::replace(&txn, &KIND, revision_id, &content.tags).await?;
        }
        None => {
            let revision_id = Uuid::now_v7();
            let number = lifecycle::next_number(&txn, &KIND, item.id).await?;
            insert_revision(&txn, caller, item.id, revision_id, number, &content, now).await?;
            lifecycle::set_working(&txn, &KIND, item.id, Some(revision_id)).await?;
        }
    }
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// Author: hands the draft to the coordinating office.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<TutorialView, AppError> {
    let item = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Submit).await?;
    let title = current_revision(&txn, &item).await?.title;
    lifecycle::submit(&txn, &KIND, &item, caller, &title, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// Coordinator: sends the revision under review back to its authors with a comment.
pub async fn return_to_authors(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    comment: String,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<TutorialView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Return).await?;
    let title = current_revision(&txn, &item).await?.title;
    lifecycle::return_to_authors(&txn, &KIND, &item, caller, &title, &comment, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// The tutorial, for a coordinator's action: 404 for what the caller may not see, 403
/// for authors.
async fn coordinated(
    db: &impl ConnectionTrait,
    caller: &Principal,
    key: &str,
) -> Result<Item, AppError> {
    let item = editable(db, caller, key).await?;
    if !academy_publishing::is_staff(caller) {
        return Err(AppError::forbidden());
    }
    Ok(item)
}

/// 409 `captions_required` unless the tutorial has approved German captions or a
/// coordinator recorded an exemption.
async fn check_captions(db: &impl ConnectionTrait, item: &Item) -> Result<(), AppError> {
    let revision = current_revision(db, item).await?;
    let mut parts = parts(db, &[item.id]).await?;
    let facts = facts(
        &parts.sources.remove(&item.id).unwrap_or_default(),
        &parts.tracks.remove(&item.id).unwrap_or_default(),
        &parts.transcripts.remove(&item.id).unwrap_or_default(),
        &revision,
    );
    if facts.german_captions || exemption(db, item.id).await?.is_some() {
        return Ok(());
    }
    Err(AppError::conflict(
        "captions_required",
        "A tutorial is published with approved German captions (WCAG 1.2.2, BITV 2.0): upload and approve a captions track in German, or a coordinator records an exemption with its reason.",
    ))
}

/// Coordinator: approves the revision under review — now, or at `publish_at` when that
/// lies ahead — once the captions gate is passed.
pub async fn publish(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    publish_at: Option<DateTime<Utc>>,
    review_due_at: Option<DateTime<Utc>>,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<TutorialView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Publish).await?;
    check_captions(&txn, &item).await?;
    let title = current_revision(&txn, &item).await?.title;
    let published = lifecycle::publish(
        &txn,
        &KIND,
        &item,
        caller,
        &title,
        publish_at,
        review_due_at,
        now,
    )
    .await?;
    if published.scheduled.is_none() {
        crate::search::reindex(&txn, item.id).await?;
    }
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// Coordinator: withdraws the tutorial from the public.
pub async fn archive(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<TutorialView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::archive(&txn, &KIND, &item, caller, now).await?;
    crate::search::reindex(&txn, item.id).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Current).await
}

/// Deletes a tutorial with everything it has: coordinators any, its authors only one
/// that was never published. Returns the stored objects of its files, for removal from
/// the store once this is committed.
pub async fn delete(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<Vec<String>, AppError> {
    let item = editable(db, caller, key).await?;
    lifecycle::check_deletable(caller, &item)?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    let stored = crate::uploads::stored_keys(&txn, item.id).await?;
    crate::search::remove_tutorial(&txn, item.id).await?;
    lifecycle::delete(&txn, &KIND, &item, caller).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Coordinator: records (or with `None` withdraws) the reason a tutorial may be
/// published without approved German captions. Audited either way.
pub async fn set_exemption(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    reason: Option<String>,
) -> Result<TutorialView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_unconditional_change(db, &KIND, item.id, now).await?;
    academy_publishing::not_archived(item.archived_at.is_some(), KIND.noun)?;
    let mut update = Query::update();
    update
        .table(Alias::new(KIND.items))
        .value(Alias::new("captions_exemption"), reason.clone())
        .value(
            Alias::new("captions_exempted_by"),
            reason.as_ref().map(|_| caller.user_id),
        )
        .value(
            Alias::new("captions_exempted_at"),
            reason.as_ref().map(|_| now),
        )
        .and_where(Expr::col(Alias::new("id")).eq(item.id));
    txn.execute_raw(txn.get_database_backend().build(&update))
        .await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        if reason.is_some() {
            "tutorial.captions_exempted"
        } else {
            "tutorial.captions_exemption_withdrawn"
        },
        KIND.noun,
        Some(item.id),
        json!({"slug": item.slug, "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Current).await
}

/// Makes every scheduled revision whose time has come live; returns how many. Each is
/// claimed by exactly one instance.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut published = 0;
    for revision in lifecycle::due(db, &KIND, now, 100).await? {
        let txn = begin_write(db).await?;
        if let Some(item) = lifecycle::claim_due(&txn, &KIND, &revision, now).await? {
            crate::search::reindex(&txn, item.id).await?;
            txn.commit().await?;
            published += 1;
        }
    }
    Ok(published)
}

/// Every revision ever published, newest first, with whether it is live.
pub async fn history(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
) -> Result<(Item, Vec<tutorial_revision::Model>), AppError> {
    let item = visible(db, caller, key).await?;
    let revisions = tutorial_revision::Entity::find()
        .filter(tutorial_revision::Column::TutorialId.eq(item.id))
        .filter(tutorial_revision::Column::State.is_in([
            RevisionState::Published.as_str(),
            RevisionState::Superseded.as_str(),
        ]))
        .order_by_desc(tutorial_revision::Column::Number)
        .all(db)
        .await?;
    Ok((item, revisions))
}

/// One revision by number: published ones for everyone who sees the tutorial, any for
/// its editors.
pub async fn revision(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
    number: i32,
) -> Result<TutorialView, AppError> {
    let item = visible(db, caller, key).await?;
    let revision = lifecycle::revision_by_number(db, &KIND, caller, &item, number).await?;
    view(db, caller, item, revision.id).await
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

/// Filters of the list besides the shared ones.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub shared: listing::Filter,
    pub language: Option<String>,
    pub kind: Option<TutorialKind>,
    /// Each flag: `Some(true)` only tutorials that have it, `Some(false)` only those
    /// without.
    pub captions: Option<bool>,
    pub audio_description: Option<bool>,
    pub sign_language: Option<bool>,
    pub easy_language: Option<bool>,
    pub transcript: Option<bool>,
    pub min_duration_ms: Option<u64>,
    pub max_duration_ms: Option<u64>,
    /// Full-text search over published tutorials.
    pub search: Option<academy_publishing::search::Search>,
    pub sort: Sort,
}

/// `EXISTS (SELECT 1 FROM <table> x WHERE x.tutorial_id = tutorials.id AND <rest>)`.
fn has(table: &str, rest: &str) -> String {
    format!("EXISTS (SELECT 1 FROM {table} x WHERE x.tutorial_id = tutorials.id AND {rest})")
}

/// The SQL of each accessibility flag: the same rules as [`facts`].
fn flag_sql(flag: &str) -> String {
    let captions = "x.kind = 'captions' AND x.status = 'approved'";
    match flag {
        "captions" => has(
            "tutorial_tracks",
            &format!("{captions} AND (x.language = 'de' OR x.language LIKE 'de-%')"),
        ),
        "audio_description" => format!(
            "({} OR {})",
            has(
                "tutorial_tracks",
                "x.kind = 'descriptions' AND x.status = 'approved'"
            ),
            has("tutorial_sources", "x.role = 'audio_described'")
        ),
        "sign_language" => has("tutorial_sources", "x.role = 'sign_language'"),
        "easy_language" => format!(
            "{} IS NOT NULL",
            listing::shown_column(&KIND, "easy_language_tutorial_id")
        ),
        _ => format!(
            "({} OR {})",
            has("tutorial_transcripts", "1 = 1"),
            has("tutorial_tracks", captions)
        ),
    }
}

/// A page of the tutorials the caller may see.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    filter: ListFilter,
    bounds: Bounds,
) -> Result<(Vec<TutorialView>, u64), AppError> {
    let mut condition: Condition = listing::condition(db, &KIND, caller, filter.shared).await?;
    let shown = listing::shown(&KIND);
    if let Some(language) = filter.language {
        condition = condition.add(listing::exists(
            KIND.revisions,
            format!("x.id = {shown}"),
            "language",
            [language],
        ));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(listing::exists(
            KIND.revisions,
            format!("x.id = {shown}"),
            "kind",
            [kind.as_str()],
        ));
    }
    for (flag, wanted) in [
        ("captions", filter.captions),
        ("audio_description", filter.audio_description),
        ("sign_language", filter.sign_language),
        ("easy_language", filter.easy_language),
        ("transcript", filter.transcript),
    ] {
        if let Some(wanted) = wanted {
            let sql = flag_sql(flag);
            condition = condition.add(Expr::cust(if wanted { sql } else { format!("NOT {sql}") }));
        }
    }
    let duration = listing::shown_column(&KIND, "duration_ms");
    if let Some(min) = filter.min_duration_ms {
        condition =
            condition.add(Expr::cust(duration.clone()).gte(i64::try_from(min).unwrap_or(i64::MAX)));
    }
    if let Some(max) = filter.max_duration_ms {
        condition =
            condition.add(Expr::cust(duration.clone()).lte(i64::try_from(max).unwrap_or(i64::MAX)));
    }

    let backend = db.get_database_backend();
    if let Some(search) = &filter.search {
        condition = condition.add(search.condition(&KIND, backend));
    }
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let mut count = Query::select();
    count
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Alias::new(KIND.items))
        .cond_where(condition.clone());
    let total = Count::find_by_statement(backend.build(&count))
        .one(db)
        .await
        .map_err(academy_publishing::search::database_error)?
        .map_or(0, |c| u64::try_from(c.n).unwrap_or(0));

    let mut select = Query::select();
    select
        .columns(
            [
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
            ]
            .map(|c| (Alias::new(KIND.items), Alias::new(c))),
        )
        .from(Alias::new(KIND.items))
        .cond_where(condition);
    match (filter.sort, &filter.search) {
        (Sort::Relevance, Some(search)) => select
            .order_by_expr(search.rank(&KIND, backend), Order::Desc)
            .order_by(
                (Alias::new(KIND.items), Alias::new("updated_at")),
                Order::Desc,
            ),
        (Sort::Newest | Sort::Relevance, _) => select.order_by(
            (Alias::new(KIND.items), Alias::new("updated_at")),
            Order::Desc,
        ),
        (Sort::Title, _) => select.order_by_expr(
            Expr::cust(listing::shown_column(&KIND, "title")),
            Order::Asc,
        ),
    };
    select
        .order_by((Alias::new(KIND.items), Alias::new("id")), Order::Asc)
        .offset(bounds.offset)
        .limit(bounds.limit);
    let items = Item::find_by_statement(backend.build(&select))
        .all(db)
        .await
        .map_err(academy_publishing::search::database_error)?;
    if items.is_empty() {
        return Ok((Vec::new(), total));
    }
    let shown_ids: Vec<Uuid> = items
        .iter()
        .filter_map(|i| i.live_revision_id.or(i.working_revision_id))
        .collect();
    let mut revisions: HashMap<Uuid, tutorial_revision::Model> = tutorial_revision::Entity::find()
        .filter(tutorial_revision::Column::Id.is_in(shown_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut links = academy_publishing::links::load(db, &KIND, &shown_ids).await?;
    let working_ids: Vec<Uuid> = items
        .iter()
        .filter(|i| is_editor(caller, i))
        .filter_map(|i| i.working_revision_id)
        .collect();
    let mut states = HashMap::new();
    for head in lifecycle::revision_heads(db, &KIND, working_ids).await? {
        states.insert(head.id, (head.number, head.state()?));
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let mut parts = parts(db, &ids).await?;
    let mut views = Vec::with_capacity(items.len());
    for item in items {
        let Some(revision) = item
            .live_revision_id
            .or(item.working_revision_id)
            .and_then(|id| revisions.remove(&id))
        else {
            continue;
        };
        let working = item
            .working_revision_id
            .filter(|_| is_editor(caller, &item))
            .and_then(|id| states.get(&id).copied());
        let live_number = item.live_revision_id.map(|_| revision.number);
        let links = links.remove(&revision.id).unwrap_or_default();
        views.push(assemble(
            caller,
            item,
            revision,
            links,
            working,
            live_number,
            &mut parts,
            None,
        ));
    }
    Ok((views, total))
}
