//! Use cases of courses themselves: who may see and change which course, the shared
//! workflow's transitions (with the checks before publishing), reading a revision with
//! its modules and lessons, and browsing. The workflow itself is `academy_publishing`'s;
//! this module adds a course's own columns, its structure and rules.

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
    FromQueryResult, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{CompletionRule, Content, LessonKind, ModuleCompletion};
use crate::entity::{course_lesson, course_module, course_revision};
use crate::progress::{LessonShape, ModuleShape, Shape};

pub use academy_publishing::Which;

/// Courses in the shared workflow: their tables and the words their mails use.
pub const KIND: Kind = Kind {
    noun: "course",
    items: "courses",
    revisions: "course_revisions",
    item_column: "course_id",
    link_prefix: "course_revision",
    search_table: "course_search",
    slug_fallback: "course",
    german: academy_publishing::German {
        accusative: "den Kurs",
        yours: "Ihren Kurs",
        of_published: "des veröffentlichten Kurses",
        he: "Er",
        him: "ihn",
    },
};

/// A module of a revision with its lessons, in order.
#[derive(Debug, Clone)]
pub struct ModuleView {
    pub module: course_module::Model,
    pub lessons: Vec<course_lesson::Model>,
}

/// A course with the revision shown to the caller and what belongs to it.
#[derive(Debug, Clone)]
pub struct CourseView {
    pub item: Item,
    pub revision: course_revision::Model,
    pub links: Links,
    /// The working revision's number and state, for callers who may edit the course.
    pub working: Option<(i32, RevisionState)>,
    pub live_number: Option<i32>,
    pub modules: Vec<ModuleView>,
    pub editor: bool,
    /// The cover image, if one was uploaded.
    pub cover: Option<crate::entity::course_cover::Model>,
}

impl CourseView {
    pub fn status(&self) -> crate::domain::CourseStatus {
        crate::domain::CourseStatus::of(
            self.item.archived_at.is_some(),
            self.item.live_revision_id.is_some(),
            self.working.map(|(_, state)| state),
        )
    }
}

/// Whether `caller` works on the course: an author of its organisation, or the
/// coordinating office.
pub fn is_editor(caller: Option<&Principal>, item: &Item) -> bool {
    academy_publishing::is_editor(caller, item)
}

/// The course, if the caller may see it; 404 otherwise.
pub async fn visible(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
) -> Result<Item, AppError> {
    lifecycle::visible(db, &KIND, caller, key).await
}

/// The course, if the caller may change it: 404 when they may not see it, 403 when they
/// see it but may not change it.
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
) -> Result<course_revision::Model, AppError> {
    course_revision::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The revision editors work against: the working one, else the live one.
pub async fn current_revision(
    db: &impl ConnectionTrait,
    item: &Item,
) -> Result<course_revision::Model, AppError> {
    let id = item
        .working_revision_id
        .or(item.live_revision_id)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("course {} has no revision", item.id)))?;
    find_revision(db, id).await
}

/// The modules and lessons of a revision, in order.
pub async fn structure(
    db: &impl ConnectionTrait,
    revision_id: Uuid,
) -> Result<Vec<ModuleView>, AppError> {
    let modules = course_module::Entity::find()
        .filter(course_module::Column::RevisionId.eq(revision_id))
        .order_by_asc(course_module::Column::Position)
        .all(db)
        .await?;
    let mut lessons: HashMap<Uuid, Vec<course_lesson::Model>> = HashMap::new();
    for lesson in course_lesson::Entity::find()
        .filter(course_lesson::Column::RevisionId.eq(revision_id))
        .order_by_asc(course_lesson::Column::Position)
        .all(db)
        .await?
    {
        lessons.entry(lesson.module_id).or_default().push(lesson);
    }
    Ok(modules
        .into_iter()
        .map(|module| ModuleView {
            lessons: lessons.remove(&module.id).unwrap_or_default(),
            module,
        })
        .collect())
}

/// What progress needs of a revision's structure.
pub fn shape(revision: &course_revision::Model, modules: &[ModuleView]) -> Shape {
    Shape {
        sequential: revision.sequential,
        modules: modules
            .iter()
            .map(|m| ModuleShape {
                key: m.module.key,
                completion: ModuleCompletion::parse(&m.module.completion),
                sequential: m.module.sequential,
                unlock_at: m.module.unlock_at,
                lessons: m
                    .lessons
                    .iter()
                    .map(|l| LessonShape {
                        key: l.key,
                        rule: CompletionRule::parse(&l.rule).unwrap_or(CompletionRule::Done),
                        tutorial_id: l.tutorial_id,
                        unlock_at: l.unlock_at,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Assembles what a caller sees of `item`, showing `revision_id`.
async fn view(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    item: Item,
    revision_id: Uuid,
) -> Result<CourseView, AppError> {
    let revision = find_revision(db, revision_id).await?;
    let links = academy_publishing::links::load_one(db, &KIND, revision.id).await?;
    let editor = is_editor(caller, &item);
    let working = if editor {
        lifecycle::working_state(db, &KIND, &item).await?
    } else {
        None
    };
    let live_number = match item.live_revision_id {
        Some(id) if id == revision.id => Some(revision.number),
        _ => lifecycle::live_number(db, &KIND, &item).await?,
    };
    let modules = structure(db, revision.id).await?;
    let cover = crate::covers::of(db, item.id).await?;
    Ok(CourseView {
        cover,
        item,
        revision,
        links,
        working,
        live_number,
        modules,
        editor,
    })
}

/// A course as the caller may see it; 404 for what the caller may not see.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    key: &str,
    which: Which,
) -> Result<CourseView, AppError> {
    let (item, revision_id) = lifecycle::shown(db, &KIND, caller, key, which).await?;
    view(db, caller, item, revision_id).await
}

#[derive(FromQueryResult)]
struct Id {
    id: Uuid,
}

/// The ids of `ids` found in `table`, with an optional extra condition.
async fn found(
    db: &impl ConnectionTrait,
    table: &str,
    ids: Vec<Uuid>,
    extra: Option<&str>,
) -> Result<Vec<Uuid>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Query::select();
    select
        .column(Alias::new("id"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("id")).is_in(ids));
    if let Some(extra) = extra {
        select.and_where(Expr::cust(extra.to_owned()));
    }
    Ok(
        Id::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect(),
    )
}

/// Each lesson's guide or tutorial, with its field path.
/// Where a reference sits in a request, and what it names.
type Targets = Vec<(String, Uuid)>;

fn targets(content: &Content) -> (Targets, Targets) {
    let (mut guides, mut tutorials) = (Vec::new(), Vec::new());
    for (i, module) in content.modules.iter().enumerate() {
        for (j, lesson) in module.lessons.iter().enumerate() {
            if let Some(id) = lesson.guide_id {
                guides.push((format!("modules[{i}].lessons[{j}].guideId"), id));
            }
            if let Some(id) = lesson.tutorial_id {
                tutorials.push((format!("modules[{i}].lessons[{j}].tutorialId"), id));
            }
        }
    }
    (guides, tutorials)
}

/// 422 `unknown` for every term, organisation, guide, tutorial or prerequisite that does
/// not exist.
async fn check_references(
    db: &impl ConnectionTrait,
    content: &Content,
    this: Option<Uuid>,
) -> Result<(), AppError> {
    let mut errors = academy_publishing::links::unknown_references(db, &content.tags).await?;
    let (guides, tutorials) = targets(content);
    for (table, wanted, noun) in [
        ("guides", guides, "guide"),
        ("tutorials", tutorials, "tutorial"),
    ] {
        let found = found(db, table, wanted.iter().map(|(_, id)| *id).collect(), None).await?;
        for (field, id) in wanted {
            if !found.contains(&id) {
                errors.push(FieldError::new(field, "unknown", format!("no such {noun}")));
            }
        }
    }
    let courses = found(db, "courses", content.prerequisites.clone(), None).await?;
    for (i, id) in content.prerequisites.iter().enumerate() {
        if Some(*id) == this {
            errors.push(FieldError::new(
                format!("prerequisites[{i}]"),
                "self_reference",
                "a course cannot require itself",
            ));
        } else if !courses.contains(id) {
            errors.push(FieldError::new(
                format!("prerequisites[{i}]"),
                "unknown",
                "no such course",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// Creates a course with its first draft. Authors create for their organisation;
/// coordinators name the organisation.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Principal,
    organisation_id: Option<Uuid>,
    slug: Option<String>,
    content: Content,
) -> Result<CourseView, AppError> {
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
        match insert_course(db, caller, organisation_id, candidate, &content).await {
            // Another course took the free slug in the meantime: look again.
            Err(error) if !explicit && error.code() == "slug_taken" && attempt < 3 => {
                attempt += 1;
            }
            other => break other?,
        }
    };
    get(db, Some(caller), &id.to_string(), Which::Working).await
}

async fn insert_course(
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
    mut revision: course_revision::ActiveModel,
) -> course_revision::ActiveModel {
    revision.title = Set(content.title.clone());
    revision.summary = Set(content.summary.clone());
    revision.description = Set(content.description.clone());
    revision.objectives = Set(json!(content.objectives));
    revision.language = Set(content.language.clone());
    revision.estimated_hours = Set(content.estimated_hours);
    revision.prerequisites = Set(json!(content.prerequisites));
    revision.enrolment_opens_at = Set(content.enrolment_opens_at);
    revision.enrolment_closes_at = Set(content.enrolment_closes_at);
    revision.closes_at = Set(content.closes_at);
    revision.self_enrolment = Set(content.self_enrolment);
    revision.capacity = Set(content.capacity);
    revision.sequential = Set(content.sequential);
    revision.validity_months = Set(content.validity_months);
    revision.change_note = Set(content.change_note.clone());
    revision
}

/// Writes the modules and lessons of a revision (after removing what it had).
async fn write_structure(
    db: &impl ConnectionTrait,
    revision_id: Uuid,
    content: &Content,
) -> Result<(), AppError> {
    course_lesson::Entity::delete_many()
        .filter(course_lesson::Column::RevisionId.eq(revision_id))
        .exec(db)
        .await?;
    course_module::Entity::delete_many()
        .filter(course_module::Column::RevisionId.eq(revision_id))
        .exec(db)
        .await?;
    let mut modules = Vec::new();
    let mut lessons = Vec::new();
    for (i, module) in content.modules.iter().enumerate() {
        let module_id = Uuid::now_v7();
        modules.push(course_module::ActiveModel {
            id: Set(module_id),
            revision_id: Set(revision_id),
            key: Set(module.key),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            title: Set(module.title.clone()),
            description: Set(module.description.clone()),
            completion: Set(module.completion.as_str().to_owned()),
            sequential: Set(module.sequential),
            unlock_at: Set(module.unlock_at),
        });
        for (j, lesson) in module.lessons.iter().enumerate() {
            lessons.push(course_lesson::ActiveModel {
                id: Set(Uuid::now_v7()),
                revision_id: Set(revision_id),
                module_id: Set(module_id),
                key: Set(lesson.key),
                position: Set(i32::try_from(j).unwrap_or(i32::MAX)),
                title: Set(lesson.title.clone()),
                kind: Set(lesson.kind.as_str().to_owned()),
                body: Set(lesson.body.clone()),
                guide_id: Set(lesson.guide_id),
                tutorial_id: Set(lesson.tutorial_id),
                quiz: Set(lesson.quiz.as_ref().map(|q| json!(q))),
                rule: Set(lesson.rule.as_str().to_owned()),
                min_seconds: Set(lesson
                    .min_seconds
                    .map(|s| i32::try_from(s).unwrap_or(i32::MAX))),
                unlock_at: Set(lesson.unlock_at),
                fingerprint: Set(lesson.fingerprint()),
            });
        }
    }
    if !modules.is_empty() {
        course_module::Entity::insert_many(modules)
            .exec_without_returning(db)
            .await?;
    }
    // In chunks: SQLite takes at most 32766 bound values in one statement.
    for chunk in lessons.chunks(200) {
        course_lesson::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn insert_revision(
    db: &impl ConnectionTrait,
    caller: &Principal,
    course_id: Uuid,
    revision_id: Uuid,
    number: i32,
    content: &Content,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let revision = content_columns(
        content,
        course_revision::ActiveModel {
            id: Set(revision_id),
            course_id: Set(course_id),
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
    course_revision::Entity::insert(revision)
        .exec_without_returning(db)
        .await?;
    academy_publishing::links::insert(db, &KIND, revision_id, &content.tags).await?;
    write_structure(db, revision_id, content).await
}

/// Replaces the content of the working revision; on a course without one (a published
/// course) it starts a new draft while the live revision stays what learners take.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    content: Content,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<CourseView, AppError> {
    let item = editable(db, caller, key).await?;
    check_references(db, &content, Some(item.id)).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Edit).await?;
    match item.working_revision_id {
        Some(revision_id) => {
            let revision = content_columns(
                &content,
                course_revision::ActiveModel {
                    id: Set(revision_id),
                    updated_at: Set(now),
                    ..Default::default()
                },
            );
            revision.update(&txn).await?;
            academy_publishing::links::replace(&txn, &KIND, revision_id, &content.tags).await?;
            write_structure(&txn, revision_id, &content).await?;
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

/// 409 `no_lessons` for a course without a lesson: there is nothing to take.
async fn check_has_lessons(db: &impl ConnectionTrait, item: &Item) -> Result<(), AppError> {
    let revision = current_revision(db, item).await?;
    let modules = structure(db, revision.id).await?;
    if modules.iter().all(|m| m.lessons.is_empty()) {
        return Err(AppError::conflict(
            "no_lessons",
            "A course is submitted and published with at least one module and lesson.",
        ));
    }
    Ok(())
}

/// 409 `lesson_not_published` when a lesson's guide or tutorial is not published (or
/// archived): learners would find nothing there.
async fn check_targets_published(db: &impl ConnectionTrait, item: &Item) -> Result<(), AppError> {
    let revision = current_revision(db, item).await?;
    let modules = structure(db, revision.id).await?;
    let live = "live_revision_id IS NOT NULL AND archived_at IS NULL";
    for (table, ids) in [
        (
            "guides",
            modules
                .iter()
                .flat_map(|m| &m.lessons)
                .filter_map(|l| l.guide_id)
                .collect::<Vec<_>>(),
        ),
        (
            "tutorials",
            modules
                .iter()
                .flat_map(|m| &m.lessons)
                .filter_map(|l| l.tutorial_id)
                .collect(),
        ),
    ] {
        let published = found(db, table, ids.clone(), Some(live)).await?;
        if let Some(missing) = ids.iter().find(|id| !published.contains(id)) {
            let title = modules
                .iter()
                .flat_map(|m| &m.lessons)
                .find(|l| l.guide_id == Some(*missing) || l.tutorial_id == Some(*missing))
                .map(|l| l.title.clone())
                .unwrap_or_default();
            return Err(AppError::conflict(
                "lesson_not_published",
                format!("The lesson „{title}“ refers to content that is not published."),
            ));
        }
    }
    Ok(())
}

/// Author: hands the draft to the coordinating office.
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<CourseView, AppError> {
    let item = editable(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Submit).await?;
    check_has_lessons(&txn, &item).await?;
    let title = current_revision(&txn, &item).await?.title;
    lifecycle::submit(&txn, &KIND, &item, caller, &title, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// The course, for a coordinator's action: 404 for what the caller may not see, 403 for
/// authors.
pub async fn coordinated(
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

/// Coordinator: sends the revision under review back to its authors with a comment.
pub async fn return_to_authors(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    comment: String,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<CourseView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Return).await?;
    let title = current_revision(&txn, &item).await?.title;
    lifecycle::return_to_authors(&txn, &KIND, &item, caller, &title, &comment, now).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// Coordinator: approves the revision under review — now, or at `publish_at` when that
/// lies ahead — once every lesson's guide and tutorial is published.
pub async fn publish(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    publish_at: Option<DateTime<Utc>>,
    review_due_at: Option<DateTime<Utc>>,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<CourseView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::check_now(&txn, &KIND, &item, Transition::Publish).await?;
    check_has_lessons(&txn, &item).await?;
    check_targets_published(&txn, &item).await?;
    let title = current_revision(&txn, &item).await?.title;
    lifecycle::publish(
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
    refresh_catalogue(&txn, item.id).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Working).await
}

/// Writes the course's catalogue entry from its live revision, or removes it when the
/// course is not public; in the transaction of the change.
pub async fn refresh_catalogue(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    let Some(item) = lifecycle::find_by_id(db, &KIND, id).await? else {
        return academy_publishing::catalogue::remove(db, id).await;
    };
    academy_publishing::catalogue::refresh(db, &KIND, &item, |live| async move {
        let Some(revision) = course_revision::Entity::find_by_id(live).one(db).await? else {
            return Ok(None);
        };
        let objectives: Vec<String> =
            serde_json::from_value(revision.objectives.clone()).unwrap_or_default();
        let cover = crate::covers::of(db, id)
            .await?
            .map(|c| crate::http::cover_response(&c));
        Ok(Some(academy_publishing::catalogue::Card {
            title: revision.title.clone(),
            summary: revision.summary.clone(),
            language: revision.language.clone(),
            published_at: revision.published_at.unwrap_or(revision.updated_at),
            text: format!("{}\n\n{}", revision.description, objectives.join("\n")),
            accessibility: Vec::new(),
            details: json!({
                "estimatedHours": revision.estimated_hours,
                "selfEnrolment": revision.self_enrolment,
                "enrolmentOpensAt": revision.enrolment_opens_at,
                "enrolmentClosesAt": revision.enrolment_closes_at,
                "cover": cover,
            }),
        }))
    })
    .await
}

/// Coordinator: withdraws the course from the public. Enrolled learners keep what they
/// have; nobody enrols any more.
pub async fn archive(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    check_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<CourseView, AppError> {
    let item = coordinated(db, caller, key).await?;
    let now = Utc::now();
    let (txn, item) = lifecycle::begin_change(db, &KIND, &item, check_version, now).await?;
    lifecycle::archive(&txn, &KIND, &item, caller, now).await?;
    academy_publishing::catalogue::remove(&txn, item.id).await?;
    txn.commit().await?;
    get(db, Some(caller), &item.id.to_string(), Which::Current).await
}

/// Deletes a course with everything it has, enrolments included: coordinators any, its
/// authors only one that was never published. Returns the stored objects (the cover) to
/// remove from the file store.
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
    // Attempts name lessons, enrolments name revisions: remove them before the cascade.
    let backend = txn.get_database_backend();
    for sql in [
        "DELETE FROM course_quiz_attempts WHERE enrolment_id IN \
         (SELECT id FROM course_enrolments WHERE course_id = $1)",
        "DELETE FROM course_enrolments WHERE course_id = $1",
    ] {
        let sql = if backend == sea_orm::DbBackend::Sqlite {
            sql.replace("$1", "?")
        } else {
            sql.to_owned()
        };
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [item.id.into()],
        ))
        .await?;
    }
    let stored = crate::covers::of(&txn, item.id)
        .await?
        .map(|c| c.storage_key)
        .into_iter()
        .collect();
    academy_publishing::catalogue::remove(&txn, item.id).await?;
    lifecycle::delete(&txn, &KIND, &item, caller).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Makes every scheduled revision whose time has come live; returns how many. Each is
/// claimed by exactly one instance.
pub async fn publish_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut published = 0;
    for revision in lifecycle::due(db, &KIND, now, 100).await? {
        let txn = begin_write(db).await?;
        if let Some(item) = lifecycle::claim_due(&txn, &KIND, &revision, now).await? {
            refresh_catalogue(&txn, item.id).await?;
            txn.commit().await?;
            published += 1;
        }
    }
    Ok(published)
}

/// Every revision ever published, newest first.
pub async fn history(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
) -> Result<(Item, Vec<course_revision::Model>), AppError> {
    let item = visible(db, caller, key).await?;
    let revisions = course_revision::Entity::find()
        .filter(course_revision::Column::CourseId.eq(item.id))
        .filter(course_revision::Column::State.is_in([
            RevisionState::Published.as_str(),
            RevisionState::Superseded.as_str(),
        ]))
        .order_by_desc(course_revision::Column::Number)
        .all(db)
        .await?;
    Ok((item, revisions))
}

/// One revision by number: published ones for everyone who sees the course, any for its
/// editors.
pub async fn revision(
    db: &DatabaseConnection,
    caller: Option<&Principal>,
    key: &str,
    number: i32,
) -> Result<CourseView, AppError> {
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
}

/// Filters of the list besides the shared ones.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub shared: listing::Filter,
    pub language: Option<String>,
    /// Only courses learners may enrol in themselves now.
    pub open: Option<bool>,
    pub sort: Sort,
}

/// A page of the courses the caller may see, each with its revision shown (no structure:
/// the list does not need it).
pub async fn list(
    db: &impl ConnectionTrait,
    caller: Option<&Principal>,
    filter: ListFilter,
    bounds: Bounds,
) -> Result<(Vec<CourseView>, u64), AppError> {
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
    if let Some(open) = filter.open {
        let now = Utc::now();
        let mut select = Query::select();
        select
            .expr(Expr::cust("1"))
            .from_as(Alias::new(KIND.revisions), Alias::new("x"))
            .and_where(Expr::cust("x.id = courses.live_revision_id AND courses.archived_at IS NULL AND x.self_enrolment"))
            .and_where(
                Expr::col((Alias::new("x"), Alias::new("enrolment_opens_at")))
                    .is_null()
                    .or(Expr::col((Alias::new("x"), Alias::new("enrolment_opens_at"))).lte(now)),
            )
            .and_where(
                Expr::col((Alias::new("x"), Alias::new("enrolment_closes_at")))
                    .is_null()
                    .or(Expr::col((Alias::new("x"), Alias::new("enrolment_closes_at"))).gt(now)),
            );
        let exists = Expr::exists(select);
        condition = condition.add(if open { exists } else { exists.not() });
    }
    let backend = db.get_database_backend();
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
        .await?
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
    match filter.sort {
        Sort::Newest => select.order_by(
            (Alias::new(KIND.items), Alias::new("updated_at")),
            Order::Desc,
        ),
        Sort::Title => select.order_by_expr(
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
        .await?;
    if items.is_empty() {
        return Ok((Vec::new(), total));
    }
    let shown_ids: Vec<Uuid> = items
        .iter()
        .filter_map(|i| i.live_revision_id.or(i.working_revision_id))
        .collect();
    let mut revisions: HashMap<Uuid, course_revision::Model> = course_revision::Entity::find()
        .filter(course_revision::Column::Id.is_in(shown_ids.clone()))
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
    let mut covers = crate::covers::of_many(db, items.iter().map(|i| i.id).collect()).await?;
    let mut states = HashMap::new();
    for head in lifecycle::revision_heads(db, &KIND, working_ids).await? {
        states.insert(head.id, (head.number, head.state()?));
    }
    let mut views = Vec::with_capacity(items.len());
    for item in items {
        let Some(revision) = item
            .live_revision_id
            .or(item.working_revision_id)
            .and_then(|id| revisions.remove(&id))
        else {
            continue;
        };
        let editor = is_editor(caller, &item);
        let working = item
            .working_revision_id
            .filter(|_| editor)
            .and_then(|id| states.get(&id).copied());
        let live_number = item.live_revision_id.map(|_| revision.number);
        let links = links.remove(&revision.id).unwrap_or_default();
        views.push(CourseView {
            cover: covers.remove(&item.id),
            item,
            revision,
            links,
            working,
            live_number,
            modules: Vec::new(),
            editor,
        });
    }
    Ok((views, total))
}

/// The lesson kinds of a structure, for the audit and tests.
pub fn lesson_kind(lesson: &course_lesson::Model) -> LessonKind {
    LessonKind::parse(&lesson.kind).unwrap_or(LessonKind::Text)
}
