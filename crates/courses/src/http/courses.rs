//! `/courses`: browse and read courses, write their content and structure, and the
//! review workflow.

use academy_auth::{Coordinators, MaybePrincipal, Principal, Require};
use academy_kernel::extract::{Json, OptionalJson, Query};
use academy_kernel::{AppError, Bounds, Db, Page, etag, markdown};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{optional_if_match, required_if_match};
use crate::courses::{self, CourseView, ListFilter, Sort, Which};
use crate::domain::{
    self, CompletionRule, CourseContentRequest, CourseStatus, LessonKind, ModuleCompletion,
    RevisionState,
};
use crate::quiz::{Quiz, QuizQuestion, ReviewPolicy};

/// A new course: its slug and organisation, and the content of its first draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCourseRequest {
    /// Stable slug: 2–64 characters of a–z, 0–9 and single inner hyphens; 409
    /// `slug_taken` when another course has it. Made from the title when left out.
    #[schema(example = "beteiligung-im-quartier-einstieg")]
    pub slug: Option<String>,
    /// The publishing organisation. Authors may leave it out (their own is used);
    /// coordinators name it.
    pub organisation_id: Option<Uuid>,
    /// The content.
    #[serde(flatten)]
    pub content: CourseContentRequest,
}

/// A quiz's settings as everyone sees them; its questions only in an attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuizOverview {
    /// The share of points needed to pass, in percent.
    pub pass_mark: f64,
    /// Attempts a learner has; unlimited when absent.
    pub attempts: Option<u32>,
    /// Minutes per attempt; no limit when absent.
    pub time_limit_minutes: Option<u32>,
    /// Questions an attempt shows.
    pub questions: usize,
    pub review: ReviewPolicy,
}

/// A lesson of a course revision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LessonResponse {
    /// Stable across revisions.
    pub key: Uuid,
    pub title: String,
    pub kind: LessonKind,
    /// Markdown.
    pub body: String,
    /// `body` rendered as sanitised HTML.
    pub body_html: String,
    pub guide_id: Option<Uuid>,
    pub tutorial_id: Option<Uuid>,
    pub completion: CompletionRule,
    pub min_seconds: Option<i32>,
    pub unlock_at: Option<DateTime<Utc>>,
    /// A quiz lesson's settings.
    pub quiz: Option<QuizOverview>,
    /// A quiz lesson's questions with their answer key; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiz_questions: Option<Vec<QuizQuestion>>,
    /// Settings of the quiz as written (draw, shuffling); editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiz_settings: Option<QuizSettings>,
}

/// A quiz's settings as written; editors only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuizSettings {
    pub pass_mark: Option<f64>,
    pub attempts: Option<u32>,
    pub time_limit_minutes: Option<u32>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub draw: Option<u32>,
    pub review: ReviewPolicy,
}

/// A module of a course revision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleResponse {
    /// Stable across revisions.
    pub key: Uuid,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub completion: ModuleCompletion,
    pub sequential: bool,
    pub unlock_at: Option<DateTime<Utc>>,
    pub lessons: Vec<LessonResponse>,
}

/// The working revision's number and state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingCourseRevision {
    pub number: i32,
    /// `draft`, `in_review` or `scheduled`.
    pub state: RevisionState,
}

/// A course with one of its revisions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseResponse {
    pub id: Uuid,
    /// Stable, unique slug; `GET /courses/{slug}` works as well as the id.
    pub slug: String,
    pub organisation_id: Uuid,
    pub status: CourseStatus,
    /// The number of the live revision, if one is published.
    pub live_revision: Option<i32>,
    /// The revision being written or reviewed; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_revision: Option<WorkingCourseRevision>,
    /// The number of the revision shown.
    pub revision: i32,
    /// The state of the revision shown.
    pub state: RevisionState,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// `description` rendered as sanitised HTML.
    pub description_html: String,
    pub objectives: Vec<String>,
    pub language: String,
    pub estimated_hours: f64,
    pub prerequisites: Vec<Uuid>,
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub self_enrolment: bool,
    pub capacity: Option<i32>,
    pub sequential: bool,
    pub validity_months: Option<i32>,
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
    pub change_note: Option<String>,
    /// The reviewer's comment on a returned draft; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub modules: Vec<ModuleResponse>,
    /// The cover image, if one was uploaded (`PUT /courses/{course}/cover`).
    pub cover: Option<super::covers::CoverResponse>,
    /// When coordinators see it as due for review; editors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn lesson_response(lesson: &crate::entity::course_lesson::Model, editor: bool) -> LessonResponse {
    let quiz: Option<Quiz> = lesson
        .quiz
        .clone()
        .and_then(|q| serde_json::from_value(q).ok());
    LessonResponse {
        key: lesson.key,
        title: lesson.title.clone(),
        kind: courses::lesson_kind(lesson),
        body: lesson.body.clone(),
        body_html: markdown::to_html(&lesson.body),
        guide_id: lesson.guide_id,
        tutorial_id: lesson.tutorial_id,
        completion: CompletionRule::parse(&lesson.rule).unwrap_or(CompletionRule::Viewed),
        min_seconds: lesson.min_seconds,
        unlock_at: lesson.unlock_at,
        quiz: quiz.as_ref().map(|q| QuizOverview {
            pass_mark: q.pass_mark(),
            attempts: q.attempts,
            time_limit_minutes: q.time_limit_minutes,
            questions: q.draw.map_or(q.questions.len(), |d| d as usize),
            review: q.review,
        }),
        quiz_settings: quiz.as_ref().filter(|_| editor).map(|q| QuizSettings {
            pass_mark: q.pass_mark,
            attempts: q.attempts,
            time_limit_minutes: q.time_limit_minutes,
            shuffle_questions: q.shuffle_questions,
            shuffle_options: q.shuffle_options,
            draw: q.draw,
            review: q.review,
        }),
        quiz_questions: quiz.filter(|_| editor).map(|q| q.questions),
    }
}

fn response(view: &CourseView) -> CourseResponse {
    let r = &view.revision;
    let editor = view.editor;
    CourseResponse {
        id: view.item.id,
        slug: view.item.slug.clone(),
        organisation_id: view.item.organisation_id,
        status: view.status(),
        live_revision: view.live_number,
        working_revision: view
            .working
            .map(|(number, state)| WorkingCourseRevision { number, state }),
        revision: r.number,
        state: RevisionState::parse(&r.state).unwrap_or(RevisionState::Draft),
        title: r.title.clone(),
        summary: r.summary.clone(),
        description: r.description.clone(),
        description_html: markdown::to_html(&r.description),
        objectives: serde_json::from_value(r.objectives.clone()).unwrap_or_default(),
        language: r.language.clone(),
        estimated_hours: r.estimated_hours,
        prerequisites: serde_json::from_value(r.prerequisites.clone()).unwrap_or_default(),
        enrolment_opens_at: r.enrolment_opens_at,
        enrolment_closes_at: r.enrolment_closes_at,
        closes_at: r.closes_at,
        self_enrolment: r.self_enrolment,
        capacity: r.capacity,
        sequential: r.sequential,
        validity_months: r.validity_months,
        fields_of_action: view.links.fields_of_action.clone(),
        themes: view.links.themes.clone(),
        phases: view.links.phases.clone(),
        audiences: view.links.audiences.clone(),
        co_publishers: view.links.co_publishers.clone(),
        change_note: r.change_note.clone(),
        review_comment: r.review_comment.clone().filter(|_| editor),
        publish_at: r.publish_at,
        published_at: r.published_at,
        modules: view
            .modules
            .iter()
            .map(|m| ModuleResponse {
                key: m.module.key,
                title: m.module.title.clone(),
                description: m.module.description.clone(),
                completion: ModuleCompletion::parse(&m.module.completion),
                sequential: m.module.sequential,
                unlock_at: m.module.unlock_at,
                lessons: m
                    .lessons
                    .iter()
                    .map(|l| lesson_response(l, editor))
                    .collect(),
            })
            .collect(),
        cover: view.cover.as_ref().map(super::covers::cover_response),
        review_due_at: view.item.review_due_at.filter(|_| editor),
        archived_at: view.item.archived_at,
        created_at: view.item.created_at,
        updated_at: view.item.updated_at,
    }
}

/// 200 with the course and its `ETag`, or 304 when the client's copy is current.
fn respond(req: &HttpRequest, view: &CourseView) -> HttpResponse {
    let tag = etag::of(view.item.version);
    if etag::not_modified(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(response(view))
}

/// 200 with the changed course and its new `ETag`.
fn changed(view: &CourseView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(view.item.version)))
        .json(response(view))
}

/// Filters, sort and page of the course list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseListQuery {
    /// Only courses tagged with one of these fields of action (slugs, repeatable). An
    /// unknown slug is a 422.
    #[serde(default)]
    #[param(style = Form, explode)]
    pub field_of_action: Vec<String>,
    /// Only courses with a field of action of one of these themes (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub theme: Vec<String>,
    /// Only courses for one of these programme phases (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub phase: Vec<String>,
    /// Only courses for one of these target audiences (slugs, repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub audience: Vec<String>,
    /// Only courses one of these organisations publishes or co-publishes (repeatable).
    #[serde(default)]
    #[param(style = Form, explode)]
    pub organisation: Vec<Uuid>,
    /// Only courses in this language, e.g. `de`.
    pub language: Option<String>,
    /// `true`: only courses learners may enrol in themselves now; `false`: the others.
    pub open: Option<bool>,
    /// `published` or `archived`; `draft`, `in_review` (the review queue), `scheduled`:
    /// courses whose working revision is in that state. Visibility still depends on the
    /// caller.
    pub status: Option<CourseStatus>,
    /// `true`: only courses whose review date has passed. Coordinators only.
    pub review_due: Option<bool>,
    /// `newest` (the default: most recently changed first) or `title`.
    pub sort: Option<CourseSort>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// Sort order of the course list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseSort {
    /// Most recently changed first.
    Newest,
    /// By title, A–Z.
    Title,
}

/// A course in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseSummary {
    pub id: Uuid,
    pub slug: String,
    pub organisation_id: Uuid,
    pub status: CourseStatus,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub estimated_hours: f64,
    pub self_enrolment: bool,
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The cover image, if one was uploaded.
    pub cover: Option<super::covers::CoverResponse>,
}

/// Courses the caller may see: published ones for everyone, their organisation's
/// unpublished ones for authors, all for coordinators.
#[utoipa::path(
    tag = "courses",
    params(CourseListQuery),
    responses(
        (status = OK, description = "One page of courses.", body = Page<CourseSummary>),
        (status = FORBIDDEN, description = "`reviewDue` asked for by someone other than a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::Filtered,
    )
)]
#[get("/courses")]
pub async fn list_courses(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    query: Query<CourseListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    if let Some(language) = &query.language
        && !academy_publishing::language::valid(language)
    {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        )]));
    }
    let filter = ListFilter {
        shared: academy_publishing::listing::Filter {
            field_of_action: query.field_of_action,
            theme: query.theme,
            phase: query.phase,
            audience: query.audience,
            organisation: query.organisation,
            status: query.status,
            review_due: query.review_due.unwrap_or(false),
        },
        language: query.language,
        open: query.open,
        sort: match query.sort {
            Some(CourseSort::Title) => Sort::Title,
            _ => Sort::Newest,
        },
    };
    let (views, total) = courses::list(db.get_ref(), caller.0.as_ref(), filter, bounds).await?;
    let items = views
        .iter()
        .map(|v| CourseSummary {
            id: v.item.id,
            slug: v.item.slug.clone(),
            organisation_id: v.item.organisation_id,
            status: v.status(),
            title: v.revision.title.clone(),
            summary: v.revision.summary.clone(),
            language: v.revision.language.clone(),
            estimated_hours: v.revision.estimated_hours,
            self_enrolment: v.revision.self_enrolment,
            enrolment_opens_at: v.revision.enrolment_opens_at,
            enrolment_closes_at: v.revision.enrolment_closes_at,
            fields_of_action: v.links.fields_of_action.clone(),
            themes: v.links.themes.clone(),
            phases: v.links.phases.clone(),
            audiences: v.links.audiences.clone(),
            co_publishers: v.links.co_publishers.clone(),
            published_at: v.revision.published_at,
            updated_at: v.item.updated_at,
            cover: v.cover.as_ref().map(super::covers::cover_response),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// Creates a course with its first draft. Authors (for their organisation) and
/// coordinators.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    request_body = CreateCourseRequest,
    responses(
        (status = CREATED, description = "Created; `Location` names it, `ETag` is its version.", body = CourseResponse),
        (status = FORBIDDEN, description = "Not an author or coordinator, or another organisation's author.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`slug_taken`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields (`required`, `too_long`, `out_of_range`, `not_allowed`, `unknown`, …), named by their path (`modules[0].lessons[1].quiz.questions[2].options`).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[post("/courses")]
pub async fn create_course(
    db: web::Data<Db>,
    caller: Principal,
    body: Json<CreateCourseRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let content = domain::validate(body.content)?;
    let view = courses::create(&db, &caller, body.organisation_id, body.slug, content).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag::of(view.item.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/courses/{}", view.item.id),
        ))
        .json(response(&view)))
}

/// Which revision to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseReadQuery {
    /// `working`: the revision being written or reviewed (editors only). `live`: the live
    /// revision only. Left out: the live revision, or for editors of an unpublished
    /// course the working one.
    pub revision: Option<CourseRevisionChoice>,
}

/// A revision to read.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseRevisionChoice {
    Live,
    Working,
}

/// One course by id or slug, with its modules and lessons. Quiz questions appear for
/// editors only; learners see them in an attempt.
#[utoipa::path(
    tag = "courses",
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        CourseReadQuery,
    ),
    responses(
        (status = OK, description = "The course.", body = CourseResponse),
        academy_kernel::responses::Cached,
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}")]
pub async fn get_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
    query: Query<CourseReadQuery>,
) -> Result<HttpResponse, AppError> {
    let which = match query.revision {
        Some(CourseRevisionChoice::Working) => Which::Working,
        Some(CourseRevisionChoice::Live) => Which::Live,
        None => Which::Current,
    };
    let view = courses::get(db.get_ref(), caller.0.as_ref(), &path, which).await?;
    Ok(respond(&req, &view))
}

/// Replaces the content and structure of the working revision; on a published course
/// this starts a new draft while learners keep taking the live one. Editors; `If-Match`
/// required.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    request_body = CourseContentRequest,
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("If-Match" = String, Header, description = "The `ETag` the change is based on."),
    ),
    responses(
        (status = OK, description = "Changed; the working revision.", body = CourseResponse),
        (status = FORBIDDEN, description = "May read the course but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`under_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionChecked,
    )
)]
#[put("/courses/{course}")]
pub async fn update_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<CourseContentRequest>,
) -> Result<HttpResponse, AppError> {
    let content = domain::validate(body.into_inner())?;
    let view = courses::update(&db, &caller, &path, content, required_if_match(&req)).await?;
    Ok(changed(&view))
}

/// Deletes a course with its enrolments, progress and attempts: coordinators any, its
/// authors only one never published.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = FORBIDDEN, description = "Not an editor, or an author of a published course.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[delete("/courses/{course}")]
pub async fn delete_course(
    req: HttpRequest,
    db: web::Data<Db>,
    store: web::Data<academy_files::FileStore>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let stored = courses::delete(&db, &caller, &path, optional_if_match(&req)).await?;
    store.forget(stored).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Hands the draft to the coordinating office for review. Editors.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "In review.", body = CourseResponse),
        (status = FORBIDDEN, description = "May read the course but not change it.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`no_lessons`, `nothing_to_submit`, `already_in_review`, `already_scheduled` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/courses/{course}/submit")]
pub async fn submit_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = courses::submit(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// Why a course goes back to its authors.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnCourseRequest {
    /// What needs to change; required, at most 2000 characters.
    #[schema(example = "Bitte im zweiten Modul ein Quiz ergänzen.")]
    pub comment: String,
}

/// Returns the revision under review (or scheduled) to its authors with a comment.
/// Coordinators.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    request_body = ReturnCourseRequest,
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "A draft again.", body = CourseResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`comment` missing or too long.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/courses/{course}/return")]
pub async fn return_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: Json<ReturnCourseRequest>,
) -> Result<HttpResponse, AppError> {
    let comment = academy_publishing::review_comment(&body.comment)?;
    let view =
        courses::return_to_authors(&db, &caller, &path, comment, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// How to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishCourseRequest {
    /// Go live at this time instead of now; a time in the past means now.
    pub publish_at: Option<DateTime<Utc>>,
    /// When the course is due for review again; kept as it was when left out.
    pub review_due_at: Option<DateTime<Utc>>,
}

/// Approves the revision under review: live now, or scheduled for `publishAt`. Refused
/// with 409 `lesson_not_published` while a lesson's guide or tutorial is not published.
/// Learners already enrolled stay on their revision until a coordinator moves them.
/// Coordinators; send no body to publish at once.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    request_body = Option<PublishCourseRequest>,
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "Published or scheduled.", body = CourseResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`lesson_not_published`, `no_lessons`, `not_in_review` or `already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/courses/{course}/publish")]
pub async fn publish_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
    body: OptionalJson<PublishCourseRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let view = courses::publish(
        &db,
        &caller,
        &path,
        body.publish_at,
        body.review_due_at,
        optional_if_match(&req),
    )
    .await?;
    Ok(changed(&view))
}

/// Archives a course: it leaves the public list and takes no enrolments; enrolled
/// learners keep what they have. Coordinators.
#[utoipa::path(
    tag = "courses",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "Archived.", body = CourseResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_archived`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
        academy_kernel::responses::VersionOptional,
    )
)]
#[post("/courses/{course}/archive")]
pub async fn archive_course(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = courses::archive(&db, &caller, &path, optional_if_match(&req)).await?;
    Ok(changed(&view))
}

/// A published revision in a course's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseRevisionSummary {
    pub number: i32,
    pub title: String,
    pub live: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub change_note: Option<String>,
}

/// Every revision of the course that was ever published, newest first.
#[utoipa::path(
    tag = "courses",
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "The history.", body = Vec<CourseRevisionSummary>),
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}/revisions")]
pub async fn list_course_revisions(
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> Result<web::Json<Vec<CourseRevisionSummary>>, AppError> {
    let (item, revisions) = courses::history(&db, caller.0.as_ref(), &path).await?;
    Ok(web::Json(
        revisions
            .into_iter()
            .map(|r| CourseRevisionSummary {
                live: item.live_revision_id == Some(r.id),
                number: r.number,
                title: r.title,
                published_at: r.published_at,
                change_note: r.change_note,
            })
            .collect(),
    ))
}

/// One revision by number: published ones for everyone who sees the course, drafts for
/// its editors.
#[utoipa::path(
    tag = "courses",
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("number" = i32, Path, description = "The revision number."),
    ),
    responses(
        (status = OK, description = "The course with that revision.", body = CourseResponse),
        academy_kernel::responses::Cached,
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}/revisions/{number}")]
pub async fn get_course_revision(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: MaybePrincipal,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let view = courses::revision(&db, caller.0.as_ref(), &key, number).await?;
    Ok(respond(&req, &view))
}
