//! Learning: `/me/courses`, `/enrolments/{id}` with its lessons' states, lesson events,
//! quiz attempts, and a quiz's regrade.

use std::collections::HashMap;

use academy_auth::{Coordinators, Principal, Require};
use academy_kernel::extract::{Json, OptionalJson, Query};
use academy_kernel::{AppError, Bounds, Db, Page, markdown};
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{CompletionRule, LessonKind};
use crate::enrolments::{self, EnrolmentSource, EnrolmentState};
use crate::entity::course_enrolment;
use crate::learning::{self, Action, AttemptView, Taking};
use crate::progress::LessonState;
use crate::quiz::{self, QuestionType, ReviewPolicy};

/// The lesson to take next.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextLesson {
    pub key: Uuid,
    pub title: String,
    pub kind: LessonKind,
    /// The module's key.
    pub module: Uuid,
}

/// Where an enrolment stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentProgress {
    pub lessons_completed: usize,
    pub lessons_total: usize,
    /// Completed lessons in percent, rounded down.
    pub percent: u32,
    /// The first open lesson not completed; none when the course is complete or every
    /// open lesson is.
    pub next_lesson: Option<NextLesson>,
}

/// An enrolment with its progress.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentResponse {
    pub id: Uuid,
    pub course_id: Uuid,
    pub course_slug: String,
    /// The title of the revision the learner takes.
    pub course_title: String,
    pub user_id: Uuid,
    /// The number of the revision the learner takes.
    pub revision: i32,
    /// Whether a newer revision is live than the one taken.
    pub newer_revision: bool,
    pub state: EnrolmentState,
    pub source: EnrolmentSource,
    pub due_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub progress: EnrolmentProgress,
}

fn progress_response(taking: &Taking) -> EnrolmentProgress {
    let next = taking.standing.next.and_then(|key| {
        taking.modules.iter().find_map(|m| {
            m.lessons.iter().find(|l| l.key == key).map(|l| NextLesson {
                key,
                title: l.title.clone(),
                kind: crate::courses::lesson_kind(l),
                module: m.module.key,
            })
        })
    });
    EnrolmentProgress {
        lessons_completed: taking.standing.lessons_completed,
        lessons_total: taking.standing.lessons_total,
        percent: taking.standing.percent(),
        next_lesson: next,
    }
}

async fn summary(
    db: &sea_orm::DatabaseConnection,
    taking: &Taking,
) -> Result<EnrolmentResponse, AppError> {
    let e = &taking.enrolment;
    let item = academy_publishing::lifecycle::find_by_id(db, &crate::courses::KIND, e.course_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(EnrolmentResponse {
        id: e.id,
        course_id: e.course_id,
        course_slug: item.slug,
        course_title: taking.revision.title.clone(),
        user_id: e.user_id,
        revision: taking.revision.number,
        newer_revision: item
            .live_revision_id
            .is_some_and(|live| live != e.revision_id),
        state: EnrolmentState::parse(&e.state),
        source: EnrolmentSource::parse(&e.source),
        due_at: e.due_at,
        enrolled_at: e.enrolled_at,
        completed_at: e.completed_at,
        withdrawn_at: e.withdrawn_at,
        progress: progress_response(taking),
    })
}

pub(super) async fn enrolment_response(
    db: &sea_orm::DatabaseConnection,
    enrolment: course_enrolment::Model,
) -> Result<EnrolmentResponse, AppError> {
    let taking = learning::taking(db, enrolment, Utc::now()).await?;
    summary(db, &taking).await
}

/// A lesson as the learner stands with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LessonProgressResponse {
    pub key: Uuid,
    pub title: String,
    pub kind: LessonKind,
    pub completion: CompletionRule,
    pub state: LessonState,
    pub guide_id: Option<Uuid>,
    pub tutorial_id: Option<Uuid>,
    pub min_seconds: Option<i32>,
    pub unlock_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A module as the learner stands with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleProgressResponse {
    pub key: Uuid,
    pub title: String,
    pub locked: bool,
    pub completed: bool,
    pub lessons_completed: usize,
    pub lessons_total: usize,
    pub lessons: Vec<LessonProgressResponse>,
}

/// An enrolment with every module and lesson of its revision and where the learner
/// stands with each.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentDetailResponse {
    #[serde(flatten)]
    pub enrolment: EnrolmentResponse,
    pub modules: Vec<ModuleProgressResponse>,
}

async fn detail(
    db: &sea_orm::DatabaseConnection,
    taking: &Taking,
) -> Result<EnrolmentDetailResponse, AppError> {
    let modules = taking
        .modules
        .iter()
        .zip(&taking.standing.modules)
        .map(|(m, standing)| ModuleProgressResponse {
            key: m.module.key,
            title: m.module.title.clone(),
            locked: standing.locked,
            completed: standing.completed,
            lessons_completed: standing.lessons_completed,
            lessons_total: standing.lessons,
            lessons: m
                .lessons
                .iter()
                .map(|l| {
                    let record = taking.recorded.get(&l.key);
                    LessonProgressResponse {
                        key: l.key,
                        title: l.title.clone(),
                        kind: crate::courses::lesson_kind(l),
                        completion: CompletionRule::parse(&l.rule)
                            .unwrap_or(CompletionRule::Viewed),
                        state: taking.standing.state(l.key).unwrap_or(LessonState::Locked),
                        guide_id: l.guide_id,
                        tutorial_id: l.tutorial_id,
                        min_seconds: l.min_seconds,
                        unlock_at: l.unlock_at,
                        started_at: record.map(|r| r.started_at),
                        completed_at: record.and_then(|r| r.completed_at),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(EnrolmentDetailResponse {
        enrolment: summary(db, taking).await?,
        modules,
    })
}

/// Which of the caller's enrolments.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyCoursesQuery {
    /// `true`: withdrawn and expired enrolments too (default `false`).
    pub all: Option<bool>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// The caller's courses: each enrolment with its progress, the next lesson and the due
/// date, newest first.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(MyCoursesQuery),
    responses(
        (status = OK, description = "One page of enrolments.", body = Page<EnrolmentResponse>),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/me/courses")]
pub async fn list_my_courses(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<MyCoursesQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (rows, total) = enrolments::mine(&db, &caller, query.all.unwrap_or(false), bounds).await?;
    let mut items = Vec::with_capacity(rows.len());
    for enrolment in rows {
        items.push(enrolment_response(&db, enrolment).await?);
    }
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// One enrolment with every lesson's state: the learner's own; coordinators any; a
/// contact person their members'.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The enrolment's id.")),
    responses(
        (status = OK, description = "The enrolment.", body = EnrolmentDetailResponse),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<web::Json<EnrolmentDetailResponse>, AppError> {
    let enrolment = enrolments::visible(db.get_ref(), &caller, id.into_inner()).await?;
    let taking = learning::taking(db.get_ref(), enrolment, Utc::now()).await?;
    Ok(web::Json(detail(&db, &taking).await?))
}

/// Moves an active enrolment to the course's live revision; progress on lessons that
/// stayed the same carries over. Coordinators.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The enrolment's id.")),
    responses(
        (status = OK, description = "On the live revision.", body = EnrolmentDetailResponse),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_active`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/enrolments/{id}/move")]
pub async fn move_enrolment(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    id: web::Path<Uuid>,
) -> Result<web::Json<EnrolmentDetailResponse>, AppError> {
    let taking = learning::move_to_live(&db, &caller, id.into_inner()).await?;
    Ok(web::Json(detail(&db, &taking).await?))
}

/// Records that the learner opened a lesson: it starts, and a `viewed` lesson completes
/// (with a minimum time: on a view at least that long after the first). A tutorial
/// lesson already watched to completion completes too. The learner's own enrolment.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The enrolment's id."),
        ("lesson" = Uuid, Path, description = "The lesson's key."),
    ),
    responses(
        (status = OK, description = "Recorded; the enrolment as it stands.", body = EnrolmentDetailResponse),
        (status = CONFLICT, description = "`lesson_locked` or `not_active`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/enrolments/{id}/lessons/{lesson}/view")]
pub async fn view_lesson(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EnrolmentDetailResponse>, AppError> {
    let (id, lesson) = path.into_inner();
    let taking = learning::lesson_event(&db, &caller, id, lesson, Action::View).await?;
    Ok(web::Json(detail(&db, &taking).await?))
}

/// Marks a `done` lesson done. The learner's own enrolment.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The enrolment's id."),
        ("lesson" = Uuid, Path, description = "The lesson's key."),
    ),
    responses(
        (status = OK, description = "Recorded; the enrolment as it stands.", body = EnrolmentDetailResponse),
        (status = CONFLICT, description = "`lesson_locked`, `not_done_by_hand` or `not_active`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/enrolments/{id}/lessons/{lesson}/done")]
pub async fn complete_lesson(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EnrolmentDetailResponse>, AppError> {
    let (id, lesson) = path.into_inner();
    let taking = learning::lesson_event(&db, &caller, id, lesson, Action::Done).await?;
    Ok(web::Json(detail(&db, &taking).await?))
}

/// An option, item, prompt or match as shown in an attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShownChoice {
    pub key: Uuid,
    pub text: String,
}

/// A question as the learner sees it: never its answer key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShownQuestion {
    pub key: Uuid,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Markdown.
    pub prompt: String,
    /// `prompt` as sanitised HTML.
    pub prompt_html: String,
    pub points: f64,
    /// Choice questions: the options, in this attempt's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ShownChoice>,
    /// Ordering: the items, shuffled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ShownChoice>,
    /// Matching: the prompts, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prompts: Vec<ShownChoice>,
    /// Matching: the matches, in this attempt's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<ShownChoice>,
}

/// How one question went, once the review policy allows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionReview {
    pub key: Uuid,
    /// Points earned.
    pub earned: f64,
    pub points: f64,
    /// The right answer, in the shape answers take (`short_text`: every accepted
    /// answer; `numeric`: the value, with `tolerance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = any_answer)]
    pub correct_answer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// The question's feedback and that of the options chosen.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<String>,
}

/// One attempt at a quiz.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptResponse {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub lesson_key: Uuid,
    /// 1, 2, … per quiz.
    pub number: i32,
    pub started_at: DateTime<Utc>,
    /// Answers are refused after this (plus 30 seconds' grace); none without a time
    /// limit.
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The questions in this attempt's order (the same on every read).
    pub questions: Vec<ShownQuestion>,
    /// The answers given, by question key.
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
    /// Points earned, once submitted.
    pub score: Option<f64>,
    pub max_score: f64,
    /// Score in percent, once submitted.
    pub percent: Option<f64>,
    pub pass_mark: f64,
    pub passed: Option<bool>,
    /// Each question's outcome, with the right answer and feedback as the review policy
    /// allows; only once submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<QuestionReview>>,
    /// The score before a regrade replaced it.
    pub score_before_regrade: Option<f64>,
    pub regraded_at: Option<DateTime<Utc>>,
}

fn shown(view: &AttemptView) -> Vec<ShownQuestion> {
    learning::layout_of(&view.attempt)
        .into_iter()
        .filter_map(|slot| {
            let q = view.quiz.question(slot.question)?;
            let pick = |texts: HashMap<Uuid, String>| -> Vec<ShownChoice> {
                slot.order
                    .iter()
                    .filter_map(|k| {
                        texts.get(k).map(|t| ShownChoice {
                            key: *k,
                            text: t.clone(),
                        })
                    })
                    .collect()
            };
            let mut out = ShownQuestion {
                key: slot.question,
                kind: q.kind,
                prompt: q.prompt.clone(),
                prompt_html: markdown::to_html(&q.prompt),
                points: q.points(),
                options: Vec::new(),
                items: Vec::new(),
                prompts: Vec::new(),
                matches: Vec::new(),
            };
            match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice => {
                    out.options = pick(
                        q.options
                            .iter()
                            .filter_map(|o| Some((o.key?, o.text.clone())))
                            .collect(),
                    );
                }
                QuestionType::Ordering => {
                    out.items = pick(
                        q.items
                            .iter()
                            .filter_map(|o| Some((o.key?, o.text.clone())))
                            .collect(),
                    );
                }
                QuestionType::Matching => {
                    out.prompts = q
                        .pairs
                        .iter()
                        .filter_map(|p| {
                            Some(ShownChoice {
                                key: p.key?,
                                text: p.prompt.clone(),
                            })
                        })
                        .collect();
                    out.matches = pick(
                        q.pairs
                            .iter()
                            .filter_map(|p| Some((p.match_key?, p.matches.clone())))
                            .collect(),
                    );
                }
                _ => {}
            }
            Some(out)
        })
        .collect()
}

/// An answer's schema: a key, a list of keys, a boolean, a number, a text, or an object
/// from prompt key to match key.
fn any_answer() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Type};
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(ObjectBuilder::new().schema_type(Type::Object))
        .description(Some("The right answer, in the shape answers take."))
        .build()
        .into()
}

/// The right answer of a question, in the shape answers take.
fn correct_answer(q: &quiz::QuizQuestion) -> Option<Value> {
    Some(match q.kind {
        QuestionType::SingleChoice => json!(q.options.iter().find(|o| o.correct)?.key),
        QuestionType::MultipleChoice => json!(
            q.options
                .iter()
                .filter(|o| o.correct)
                .filter_map(|o| o.key)
                .collect::<Vec<_>>()
        ),
        QuestionType::TrueFalse => json!(q.correct?),
        QuestionType::Numeric => json!(q.value?),
        QuestionType::ShortText => json!(q.accepted),
        QuestionType::Ordering => json!(q.items.iter().filter_map(|i| i.key).collect::<Vec<_>>()),
        QuestionType::Matching => Value::Object(
            q.pairs
                .iter()
                .filter_map(|p| Some((p.key?.to_string(), json!(p.match_key?))))
                .collect(),
        ),
    })
}

fn attempt_response(view: &AttemptView, now: DateTime<Utc>) -> AttemptResponse {
    let a = &view.attempt;
    let answers = a.answers.as_object().cloned().unwrap_or_default();
    let closed = view.closes_at.is_some_and(|c| c <= now);
    let (answers_shown, feedback_shown) = match view.quiz.review {
        ReviewPolicy::Score => (false, false),
        ReviewPolicy::Answers => (true, false),
        ReviewPolicy::Feedback => (true, true),
        ReviewPolicy::AfterClose => (closed, closed),
    };
    let results: Map<String, Value> = a
        .results
        .as_ref()
        .and_then(|r| r.as_object().cloned())
        .unwrap_or_default();
    let review = a.submitted_at.map(|_| {
        learning::layout_of(a)
            .into_iter()
            .filter_map(|slot| {
                let q = view.quiz.question(slot.question)?;
                let key = slot.question.to_string();
                let mut feedback = Vec::new();
                if feedback_shown {
                    feedback.extend(q.feedback.clone());
                    let chosen: Vec<String> = match answers.get(&key) {
                        Some(Value::String(s)) => vec![s.clone()],
                        Some(Value::Array(list)) => list
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect(),
                        _ => Vec::new(),
                    };
                    for option in &q.options {
                        if option.key.is_some_and(|k| chosen.contains(&k.to_string())) {
                            feedback.extend(option.feedback.clone());
                        }
                    }
                }
                Some(QuestionReview {
                    key: slot.question,
                    earned: results.get(&key).and_then(Value::as_f64).unwrap_or(0.0),
                    points: q.points(),
                    correct_answer: if answers_shown {
                        correct_answer(q)
                    } else {
                        None
                    },
                    tolerance: q
                        .tolerance
                        .filter(|_| answers_shown && q.kind == QuestionType::Numeric),
                    feedback,
                })
            })
            .collect()
    });
    AttemptResponse {
        id: a.id,
        enrolment_id: a.enrolment_id,
        lesson_key: a.lesson_key,
        number: a.number,
        started_at: a.started_at,
        deadline_at: a.deadline_at,
        submitted_at: a.submitted_at,
        questions: shown(view),
        answers,
        score: a.score,
        max_score: a.max_score,
        percent: a.score.map(|s| quiz::percent(s, a.max_score)),
        pass_mark: view.quiz.pass_mark(),
        passed: a.passed,
        review,
        score_before_regrade: a.score_before_regrade,
        regraded_at: a.regraded_at,
    }
}

/// Starts an attempt at a quiz lesson — questions drawn and shuffled once, deadline kept
/// by the server — or returns the attempt still open (200). The learner's own enrolment.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The enrolment's id."),
        ("lesson" = Uuid, Path, description = "The quiz lesson's key."),
    ),
    responses(
        (status = CREATED, description = "A new attempt.", body = AttemptResponse),
        (status = OK, description = "The attempt still open.", body = AttemptResponse),
        (status = CONFLICT, description = "`lesson_locked`, `already_passed`, `no_attempts_left` or `not_active`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/enrolments/{id}/lessons/{lesson}/attempts")]
pub async fn start_attempt(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (id, lesson) = path.into_inner();
    let (view, created) = learning::start_attempt(&db, &caller, id, lesson).await?;
    let body = attempt_response(&view, Utc::now());
    Ok(if created {
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/attempts/{}", view.attempt.id),
            ))
            .json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// The attempts at a quiz lesson of an enrolment, newest first: the learner's own;
/// coordinators any.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The enrolment's id."),
        ("lesson" = Uuid, Path, description = "The quiz lesson's key."),
    ),
    responses(
        (status = OK, description = "The attempts.", body = Vec<AttemptResponse>),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[get("/enrolments/{id}/lessons/{lesson}/attempts")]
pub async fn list_attempts(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<Vec<AttemptResponse>>, AppError> {
    let (id, lesson) = path.into_inner();
    let now = Utc::now();
    let views = learning::attempts(db.get_ref(), &caller, id, lesson).await?;
    Ok(web::Json(
        views.iter().map(|v| attempt_response(v, now)).collect(),
    ))
}

/// One attempt: the learner's own; coordinators any. Right answers and feedback appear
/// only after submitting, and only as the quiz's review policy allows.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    params(("attempt" = Uuid, Path, description = "The attempt's id.")),
    responses(
        (status = OK, description = "The attempt.", body = AttemptResponse),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[get("/attempts/{attempt}")]
pub async fn get_attempt(
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttemptResponse>, AppError> {
    let view = learning::attempt(db.get_ref(), &caller, id.into_inner()).await?;
    Ok(web::Json(attempt_response(&view, Utc::now())))
}

/// Answers by question key: single choice an option key, multiple choice and ordering
/// a list of keys, true/false a boolean, numeric a number, short text a string (at most
/// 500 characters), matching an object from prompt key to match key; `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswersRequest {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

/// Saves answers of an open attempt without submitting it. 409 `time_up` after the
/// deadline and its grace.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    request_body = AnswersRequest,
    params(("attempt" = Uuid, Path, description = "The attempt's id.")),
    responses(
        (status = OK, description = "Saved.", body = AttemptResponse),
        (status = FORBIDDEN, description = "Someone else's attempt, seen by a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`time_up`, `already_submitted` or `concurrent_change`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`answers.<key>`: `unknown` question or `invalid_answer`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[put("/attempts/{attempt}/answers")]
pub async fn save_answers(
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
    body: Json<AnswersRequest>,
) -> Result<web::Json<AttemptResponse>, AppError> {
    check_size(&body.answers)?;
    let view =
        learning::save_answers(&db, &caller, id.into_inner(), body.into_inner().answers).await?;
    Ok(web::Json(attempt_response(&view, Utc::now())))
}

fn check_size(answers: &Map<String, Value>) -> Result<(), AppError> {
    if answers.len() > quiz::QUESTIONS_MAX {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "answers",
            "count",
            format!("at most {} answers", quiz::QUESTIONS_MAX),
        )]));
    }
    Ok(())
}

/// Submits an attempt with its last answers and scores it on the server; a pass
/// completes the quiz lesson. Past the deadline and its grace, new answers are refused
/// (409 `time_up`); submitting without answers then scores what was saved in time.
/// Submitted twice at once, it is scored once.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    request_body = Option<AnswersRequest>,
    params(("attempt" = Uuid, Path, description = "The attempt's id.")),
    responses(
        (status = OK, description = "Scored.", body = AttemptResponse),
        (status = FORBIDDEN, description = "Someone else's attempt, seen by a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`time_up` or `already_submitted`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`answers.<key>`: `unknown` question or `invalid_answer`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/attempts/{attempt}/submit")]
pub async fn submit_attempt(
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
    body: OptionalJson<AnswersRequest>,
) -> Result<web::Json<AttemptResponse>, AppError> {
    let answers = body.into_inner().answers;
    check_size(&answers)?;
    let view = learning::submit_attempt(&db, &caller, id.into_inner(), answers).await?;
    Ok(web::Json(attempt_response(&view, Utc::now())))
}

/// Whether to write the regrade.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegradeRequest {
    /// `true` (the default): only report what would change.
    #[schema(default = true)]
    pub dry_run: Option<bool>,
}

/// One attempt's change in a regrade.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegradeResponse {
    pub attempt_id: Uuid,
    pub enrolment_id: Uuid,
    pub score_before: f64,
    pub score_after: f64,
    pub passed_before: bool,
    pub passed_after: bool,
}

/// Scores every submitted attempt at a quiz again against the live revision's quiz,
/// keeping each score it replaces; a dry run (the default) only reports. Attempts keep
/// the quiz version they started on until this is called. Coordinators.
#[utoipa::path(
    tag = "learning",
    security(("bearer" = [])),
    request_body = Option<RegradeRequest>,
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("lesson" = Uuid, Path, description = "The quiz lesson's key."),
    ),
    responses(
        (status = OK, description = "The attempts whose score changes (changed).", body = Vec<RegradeResponse>),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[post("/courses/{course}/quizzes/{lesson}/regrade")]
pub async fn regrade_quiz(
    db: web::Data<Db>,
    caller: Require<Coordinators>,
    path: web::Path<(String, Uuid)>,
    body: OptionalJson<RegradeRequest>,
) -> Result<web::Json<Vec<RegradeResponse>>, AppError> {
    let (key, lesson) = path.into_inner();
    let dry_run = body.into_inner().dry_run.unwrap_or(true);
    let changes = learning::regrade(&db, &caller, &key, lesson, dry_run).await?;
    Ok(web::Json(
        changes
            .into_iter()
            .map(|c| RegradeResponse {
                attempt_id: c.attempt_id,
                enrolment_id: c.enrolment_id,
                score_before: c.score_before,
                score_after: c.score_after,
                passed_before: c.passed_before,
                passed_after: c.passed_after,
            })
            .collect(),
    ))
}
