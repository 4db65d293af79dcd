//! What learners do in a course, recorded in the same transaction as the event that
//! causes it: opening a lesson, marking it done, watching its tutorial to completion
//! (through the tutorials' [`academy_tutorials::watching::CompletionListener`]), and quiz
//! attempts — started with a server-kept deadline, answered, submitted and scored once.
//! Each event locks its enrolment row first, so parallel events of one learner on any
//! number of instances are applied one after the other. Reads record nothing.

use std::collections::HashMap;

use academy_auth::Principal;
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, FieldError};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::courses::{self, KIND, ModuleView};
use crate::domain::CompletionRule;
use crate::entity::{
    course_enrolment, course_lesson, course_lesson_progress, course_quiz_attempt, course_revision,
};
use crate::progress::{self, Achievements, LessonState, Recorded, Standing};
use crate::quiz::{self, Quiz, Slot};

/// An enrolment with its revision, structure and recorded progress.
#[derive(Debug, Clone)]
pub struct Taking {
    pub enrolment: course_enrolment::Model,
    pub revision: course_revision::Model,
    pub modules: Vec<ModuleView>,
    pub recorded: HashMap<Uuid, Recorded>,
    pub standing: Standing,
}

impl Taking {
    pub fn lesson(&self, key: Uuid) -> Option<&course_lesson::Model> {
        self.modules
            .iter()
            .flat_map(|m| &m.lessons)
            .find(|l| l.key == key)
    }
}

/// The progress rows of an enrolment that count for its revision: same key, same
/// fingerprint.
async fn recorded(
    db: &impl ConnectionTrait,
    enrolment: Uuid,
    modules: &[ModuleView],
) -> Result<HashMap<Uuid, Recorded>, AppError> {
    let fingerprints: HashMap<Uuid, &str> = modules
        .iter()
        .flat_map(|m| &m.lessons)
        .map(|l| (l.key, l.fingerprint.as_str()))
        .collect();
    Ok(course_lesson_progress::Entity::find()
        .filter(course_lesson_progress::Column::EnrolmentId.eq(enrolment))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| fingerprints.get(&p.lesson_key) == Some(&p.fingerprint.as_str()))
        .map(|p| {
            (
                p.lesson_key,
                Recorded {
                    started_at: p.started_at,
                    completed_at: p.completed_at,
                },
            )
        })
        .collect())
}

/// Loads what an enrolment stands at now.
pub async fn taking(
    db: &impl ConnectionTrait,
    enrolment: course_enrolment::Model,
    now: DateTime<Utc>,
) -> Result<Taking, AppError> {
    let revision = courses::find_revision(db, enrolment.revision_id).await?;
    let modules = courses::structure(db, revision.id).await?;
    let recorded = recorded(db, enrolment.id, &modules).await?;
    let standing = progress::evaluate(&courses::shape(&revision, &modules), &recorded, now);
    Ok(Taking {
        enrolment,
        revision,
        modules,
        recorded,
        standing,
    })
}

/// Locks the enrolment for this event (raising its version) and loads it; 409
/// `not_active` unless it is active. `owner` limits it to the learner's own.
async fn lock(
    txn: &DatabaseTransaction,
    id: Uuid,
    owner: Option<Uuid>,
) -> Result<course_enrolment::Model, AppError> {
    course_enrolment::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|e| owner.is_none_or(|o| o == e.user_id))
        .ok_or_else(AppError::not_found)?;
    let locked = course_enrolment::Entity::update_many()
        .col_expr(
            course_enrolment::Column::Version,
            Expr::col(course_enrolment::Column::Version).add(1),
        )
        .filter(course_enrolment::Column::Id.eq(id))
        .filter(course_enrolment::Column::State.eq("active"))
        .exec(txn)
        .await?
        .rows_affected;
    if locked != 1 {
        return Err(AppError::conflict(
            "not_active",
            "The enrolment is not active.",
        ));
    }
    course_enrolment::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)
}

/// What else completes lessons of this revision: tutorials the learner watched to
/// completion, quizzes passed on the same version of the quiz.
async fn achievements(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    enrolment: Uuid,
    modules: &[ModuleView],
) -> Result<Achievements, AppError> {
    let lessons: Vec<&course_lesson::Model> = modules.iter().flat_map(|m| &m.lessons).collect();
    let tutorial_ids: Vec<Uuid> = lessons.iter().filter_map(|l| l.tutorial_id).collect();
    let mut out = Achievements::default();
    if !tutorial_ids.is_empty() {
        let rows: Vec<Uuid> = academy_tutorials::entity::tutorial_progress::Entity::find()
            .select_only()
            .column(academy_tutorials::entity::tutorial_progress::Column::TutorialId)
            .filter(academy_tutorials::entity::tutorial_progress::Column::UserId.eq(user_id))
            .filter(
                academy_tutorials::entity::tutorial_progress::Column::TutorialId
                    .is_in(tutorial_ids),
            )
            .filter(academy_tutorials::entity::tutorial_progress::Column::CompletedAt.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        out.tutorials.extend(rows);
    }
    let quiz_lessons: Vec<(Uuid, &str)> = lessons
        .iter()
        .filter(|l| l.quiz.is_some())
        .map(|l| (l.key, l.fingerprint.as_str()))
        .collect();
    if !quiz_lessons.is_empty() {
        let passed: Vec<(Uuid, Uuid)> = course_quiz_attempt::Entity::find()
            .select_only()
            .column(course_quiz_attempt::Column::LessonKey)
            .column(course_quiz_attempt::Column::LessonId)
            .filter(course_quiz_attempt::Column::EnrolmentId.eq(enrolment))
            .filter(course_quiz_attempt::Column::Passed.eq(true))
            .into_tuple()
            .all(db)
            .await?;
        let lesson_ids: Vec<Uuid> = passed.iter().map(|(_, id)| *id).collect();
        let fingerprints: HashMap<Uuid, String> = course_lesson::Entity::find()
            .select_only()
            .column(course_lesson::Column::Id)
            .column(course_lesson::Column::Fingerprint)
            .filter(course_lesson::Column::Id.is_in(lesson_ids))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for (key, lesson_id) in passed {
            if quiz_lessons.iter().any(|(k, f)| {
                *k == key && fingerprints.get(&lesson_id).map(String::as_str) == Some(*f)
            }) {
                out.quizzes.insert(key);
            }
        }
    }
    Ok(out)
}

/// Writes a lesson's progress as `record` says (inserting or updating its row).
async fn write_progress(
    txn: &DatabaseTransaction,
    enrolment: Uuid,
    lesson: &course_lesson::Model,
    record: Recorded,
) -> Result<(), AppError> {
    course_lesson_progress::Entity::delete_many()
        .filter(course_lesson_progress::Column::EnrolmentId.eq(enrolment))
        .filter(course_lesson_progress::Column::LessonKey.eq(lesson.key))
        .exec(txn)
        .await?;
    course_lesson_progress::Entity::insert(course_lesson_progress::ActiveModel {
        enrolment_id: Set(enrolment),
        lesson_key: Set(lesson.key),
        fingerprint: Set(lesson.fingerprint.clone()),
        started_at: Set(record.started_at),
        completed_at: Set(record.completed_at),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Settles what the learner's achievements complete, writes every changed lesson and
/// completes the enrolment when the course is. Called with the enrolment locked.
async fn settle_and_finish(
    txn: &DatabaseTransaction,
    mut taking: Taking,
    changed: Vec<Uuid>,
    now: DateTime<Utc>,
) -> Result<Taking, AppError> {
    let shape = courses::shape(&taking.revision, &taking.modules);
    let achievements = achievements(
        txn,
        taking.enrolment.user_id,
        taking.enrolment.id,
        &taking.modules,
    )
    .await?;
    let mut changed = changed;
    changed.extend(progress::settle(
        &shape,
        &mut taking.recorded,
        &achievements,
        now,
    ));
    changed.sort();
    changed.dedup();
    for key in &changed {
        if let (Some(lesson), Some(record)) = (
            taking.lesson(*key).cloned(),
            taking.recorded.get(key).copied(),
        ) {
            write_progress(txn, taking.enrolment.id, &lesson, record).await?;
        }
    }
    taking.standing = progress::evaluate(&shape, &taking.recorded, now);
    if taking.standing.complete && taking.enrolment.completed_at.is_none() {
        course_enrolment::Entity::update_many()
            .col_expr(course_enrolment::Column::State, Expr::value("completed"))
            .col_expr(course_enrolment::Column::CompletedAt, Expr::value(now))
            .filter(course_enrolment::Column::Id.eq(taking.enrolment.id))
            .filter(course_enrolment::Column::CompletedAt.is_null())
            .exec(txn)
            .await?;
        academy_auth::audit::record(
            txn,
            Some(taking.enrolment.user_id),
            "course.completed",
            KIND.noun,
            Some(taking.enrolment.course_id),
            json!({"enrolmentId": taking.enrolment.id}),
        )
        .await?;
        taking.enrolment.state = "completed".into();
        taking.enrolment.completed_at = Some(now);
        crate::certificates::issue(txn, &taking.enrolment, &taking.revision, now).await?;
    }
    Ok(taking)
}

/// What a learner does with a lesson by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Opened it.
    View,
    /// Marked it done.
    Done,
}

/// Records a lesson event of the learner on their own enrolment: 409 `lesson_locked`
/// for a locked lesson, `not_done_by_hand` for marking done a lesson another rule
/// completes. A `viewed` lesson completes on the first view, or — with a minimum time —
/// on a view at least that long after the first.
pub async fn lesson_event(
    db: &DatabaseConnection,
    caller: &Principal,
    enrolment_id: Uuid,
    lesson_key: Uuid,
    action: Action,
) -> Result<Taking, AppError> {
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    let enrolment = match lock(&txn, enrolment_id, Some(caller.user_id)).await {
        // Someone else's enrolment is not found, not refused.
        Err(error) if error.code() == "not_found" => return Err(error),
        other => other?,
    };
    let mut taking = taking(&txn, enrolment, now).await?;
    let lesson = taking
        .lesson(lesson_key)
        .cloned()
        .ok_or_else(AppError::not_found)?;
    let state = taking
        .standing
        .state(lesson.key)
        .unwrap_or(LessonState::Locked);
    if state == LessonState::Locked {
        return Err(AppError::conflict(
            "lesson_locked",
            "This lesson is not open yet.",
        ));
    }
    let rule = CompletionRule::parse(&lesson.rule).unwrap_or(CompletionRule::Done);
    if action == Action::Done && rule != CompletionRule::Done {
        return Err(AppError::conflict(
            "not_done_by_hand",
            "This lesson is completed by what its rule says (viewing, watching the tutorial, passing the quiz), not by marking it done.",
        ));
    }
    let mut changed = Vec::new();
    if state != LessonState::Completed {
        let started_at = taking
            .recorded
            .get(&lesson.key)
            .map_or(now, |r| r.started_at);
        let complete = match (rule, action) {
            (CompletionRule::Done, Action::Done) => true,
            (CompletionRule::Viewed, Action::View) => lesson
                .min_seconds
                .is_none_or(|s| now - started_at >= Duration::seconds(i64::from(s))),
            _ => false,
        };
        taking.recorded.insert(
            lesson.key,
            Recorded {
                started_at,
                completed_at: complete.then_some(now),
            },
        );
        changed.push(lesson.key);
    }
    let taking = settle_and_finish(&txn, taking, changed, now).await?;
    txn.commit().await?;
    Ok(taking)
}

/// Completes the tutorial lessons of a learner who just watched a tutorial to completion,
/// in every active enrolment whose revision has one — in the tutorial's transaction.
pub struct TutorialLessons;

impl academy_tutorials::watching::CompletionListener for TutorialLessons {
    fn completed<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        user_id: Uuid,
        tutorial_id: Uuid,
        at: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let revisions: Vec<Uuid> = course_lesson::Entity::find()
                .select_only()
                .column(course_lesson::Column::RevisionId)
                .filter(course_lesson::Column::TutorialId.eq(tutorial_id))
                .filter(course_lesson::Column::Rule.eq("tutorial"))
                .distinct()
                .into_tuple()
                .all(txn)
                .await?;
            if revisions.is_empty() {
                return Ok(());
            }
            let enrolments: Vec<Uuid> = course_enrolment::Entity::find()
                .select_only()
                .column(course_enrolment::Column::Id)
                .filter(course_enrolment::Column::UserId.eq(user_id))
                .filter(course_enrolment::Column::State.eq("active"))
                .filter(course_enrolment::Column::RevisionId.is_in(revisions))
                .into_tuple()
                .all(txn)
                .await?;
            for id in enrolments {
                let enrolment = lock(txn, id, Some(user_id)).await?;
                let taking = taking(txn, enrolment, at).await?;
                settle_and_finish(txn, taking, Vec::new(), at).await?;
            }
            Ok(())
        })
    }
}

/// Coordinator: moves an active enrolment to the course's live revision. Progress on
/// lessons that stayed the same (key and fingerprint) carries over; the rest starts anew.
pub async fn move_to_live(
    db: &DatabaseConnection,
    caller: &Principal,
    enrolment_id: Uuid,
) -> Result<Taking, AppError> {
    if !crate::enrolments::is_coordinator(caller) {
        return Err(AppError::forbidden());
    }
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    let enrolment = lock(&txn, enrolment_id, None).await?;
    let item = academy_publishing::lifecycle::find_by_id(&txn, &KIND, enrolment.course_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let live = item
        .live_revision_id
        .ok_or_else(|| AppError::conflict("not_enrollable", "The course has no live revision."))?;
    if live != enrolment.revision_id {
        course_enrolment::Entity::update_many()
            .col_expr(course_enrolment::Column::RevisionId, Expr::value(live))
            .filter(course_enrolment::Column::Id.eq(enrolment.id))
            .exec(&txn)
            .await?;
        // Progress rows of lessons that changed or went away count no more.
        let modules = courses::structure(&txn, live).await?;
        let keep: Vec<(Uuid, String)> = modules
            .iter()
            .flat_map(|m| &m.lessons)
            .map(|l| (l.key, l.fingerprint.clone()))
            .collect();
        for row in course_lesson_progress::Entity::find()
            .filter(course_lesson_progress::Column::EnrolmentId.eq(enrolment.id))
            .all(&txn)
            .await?
        {
            if !keep
                .iter()
                .any(|(k, f)| *k == row.lesson_key && *f == row.fingerprint)
            {
                course_lesson_progress::Entity::delete_many()
                    .filter(course_lesson_progress::Column::EnrolmentId.eq(enrolment.id))
                    .filter(course_lesson_progress::Column::LessonKey.eq(row.lesson_key))
                    .exec(&txn)
                    .await?;
            }
        }
        academy_auth::audit::record(
            &txn,
            Some(caller.user_id),
            "course.enrolment_moved",
            KIND.noun,
            Some(enrolment.course_id),
            json!({"enrolmentId": enrolment.id, "from": enrolment.revision_id, "to": live}),
        )
        .await?;
    }
    let enrolment = crate::enrolments::find(&txn, enrolment.id).await?;
    let taking = taking(&txn, enrolment, now).await?;
    let taking = settle_and_finish(&txn, taking, Vec::new(), now).await?;
    txn.commit().await?;
    Ok(taking)
}

/// The quiz of a lesson row.
pub fn quiz_of(lesson: &course_lesson::Model) -> Result<Quiz, AppError> {
    lesson
        .quiz
        .clone()
        .and_then(|q| serde_json::from_value(q).ok())
        .ok_or_else(AppError::not_found)
}

/// The layout of an attempt.
pub fn layout_of(attempt: &course_quiz_attempt::Model) -> Vec<Slot> {
    serde_json::from_value(attempt.layout.clone()).unwrap_or_default()
}

/// An attempt with the quiz version it pinned.
#[derive(Debug, Clone)]
pub struct AttemptView {
    pub attempt: course_quiz_attempt::Model,
    pub quiz: Quiz,
    /// When the course closes (for the `after_close` review policy).
    pub closes_at: Option<DateTime<Utc>>,
    pub enrolment: course_enrolment::Model,
}

async fn attempt_view(
    db: &impl ConnectionTrait,
    attempt: course_quiz_attempt::Model,
    enrolment: course_enrolment::Model,
) -> Result<AttemptView, AppError> {
    let lesson = course_lesson::Entity::find_by_id(attempt.lesson_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let revision = courses::find_revision(db, lesson.revision_id).await?;
    Ok(AttemptView {
        quiz: quiz_of(&lesson)?,
        closes_at: revision.closes_at,
        attempt,
        enrolment,
    })
}

/// Scores what an attempt holds and closes it: one conditional update, so parallel
/// submissions score it once. Completes the quiz lesson when passed. Returns false when
/// another request closed it first.
async fn close(
    txn: &DatabaseTransaction,
    attempt: &course_quiz_attempt::Model,
    quiz: &Quiz,
    answers: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let layout = layout_of(attempt);
    let (points, most, each) = quiz::total(quiz, &layout, answers);
    let passed = quiz::passes(points, most, quiz.pass_mark());
    let results: Map<String, Value> = each
        .into_iter()
        .map(|(k, p)| (k.to_string(), json!(p)))
        .collect();
    let closed = course_quiz_attempt::Entity::update_many()
        .col_expr(
            course_quiz_attempt::Column::Answers,
            Expr::value(Value::Object(answers.clone())),
        )
        .col_expr(course_quiz_attempt::Column::SubmittedAt, Expr::value(now))
        .col_expr(course_quiz_attempt::Column::Score, Expr::value(points))
        .col_expr(course_quiz_attempt::Column::MaxScore, Expr::value(most))
        .col_expr(course_quiz_attempt::Column::Passed, Expr::value(passed))
        .col_expr(
            course_quiz_attempt::Column::Results,
            Expr::value(Value::Object(results)),
        )
        .col_expr(
            course_quiz_attempt::Column::Version,
            Expr::col(course_quiz_attempt::Column::Version).add(1),
        )
        .filter(course_quiz_attempt::Column::Id.eq(attempt.id))
        .filter(course_quiz_attempt::Column::SubmittedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    Ok(closed)
}

fn overdue(attempt: &course_quiz_attempt::Model, now: DateTime<Utc>) -> bool {
    attempt
        .deadline_at
        .is_some_and(|d| now > d + Duration::seconds(quiz::GRACE_SECONDS))
}

/// Starts an attempt at a quiz lesson, or gives back the one still open (a reload shows
/// the same questions in the same order). An open attempt past its deadline is closed
/// with the answers it saved before a new one starts. 409 `lesson_locked`,
/// `no_attempts_left`, `already_passed`.
pub async fn start_attempt(
    db: &DatabaseConnection,
    caller: &Principal,
    enrolment_id: Uuid,
    lesson_key: Uuid,
) -> Result<(AttemptView, bool), AppError> {
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    let enrolment = lock(&txn, enrolment_id, Some(caller.user_id)).await?;
    let mut taking = taking(&txn, enrolment, now).await?;
    let lesson = taking
        .lesson(lesson_key)
        .cloned()
        .ok_or_else(AppError::not_found)?;
    let quiz = quiz_of(&lesson)?;
    match taking.standing.state(lesson.key) {
        Some(LessonState::Locked) | None => {
            return Err(AppError::conflict(
                "lesson_locked",
                "This lesson is not open yet.",
            ));
        }
        Some(LessonState::Completed) => {
            return Err(AppError::conflict(
                "already_passed",
                "This quiz is passed; its lesson is completed.",
            ));
        }
        _ => {}
    }
    // Only the latest attempt can be open: a new one starts once it is closed.
    let latest = course_quiz_attempt::Entity::find()
        .filter(course_quiz_attempt::Column::EnrolmentId.eq(taking.enrolment.id))
        .filter(course_quiz_attempt::Column::LessonKey.eq(lesson.key))
        .order_by_desc(course_quiz_attempt::Column::Number)
        .one(&txn)
        .await?;
    if let Some(open) = latest.as_ref().filter(|a| a.submitted_at.is_none()) {
        if !overdue(open, now) && open.lesson_id == lesson.id {
            let view = attempt_view(&txn, open.clone(), taking.enrolment.clone()).await?;
            txn.commit().await?;
            return Ok((view, false));
        }
        let pinned = attempt_view(&txn, open.clone(), taking.enrolment.clone()).await?;
        let answers = open.answers.as_object().cloned().unwrap_or_default();
        close(&txn, open, &pinned.quiz, &answers, now).await?;
    }
    let number = latest.as_ref().map_or(1, |a| a.number + 1);
    if let Some(limit) = quiz.attempts
        && number > i32::try_from(limit).unwrap_or(i32::MAX)
    {
        txn.commit().await?;
        return Err(AppError::conflict(
            "no_attempts_left",
            "Every attempt at this quiz is used.",
        ));
    }
    let layout = quiz::lay_out(&quiz, &mut rand::rng());
    let most: f64 = layout
        .iter()
        .filter_map(|s| quiz.question(s.question))
        .map(quiz::QuizQuestion::points)
        .sum();
    let id = Uuid::now_v7();
    let insert = course_quiz_attempt::Entity::insert(course_quiz_attempt::ActiveModel {
        id: Set(id),
        enrolment_id: Set(taking.enrolment.id),
        lesson_id: Set(lesson.id),
        lesson_key: Set(lesson.key),
        number: Set(number),
        layout: Set(json!(layout)),
        answers: Set(json!({})),
        started_at: Set(now),
        deadline_at: Set(quiz
            .time_limit_minutes
            .map(|m| now + Duration::minutes(i64::from(m)))),
        submitted_at: Set(None),
        score: Set(None),
        max_score: Set(most),
        passed: Set(None),
        results: Set(None),
        score_before_regrade: Set(None),
        regraded_at: Set(None),
        regraded_by: Set(None),
        version: Set(1),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(error) = insert {
        return Err(match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(
                "concurrent_change",
                "Another attempt was started at the same moment; send this again.",
            ),
            _ => error.into(),
        });
    }
    let record = Recorded {
        started_at: now,
        completed_at: None,
    };
    if let std::collections::hash_map::Entry::Vacant(entry) = taking.recorded.entry(lesson.key) {
        entry.insert(record);
        write_progress(&txn, taking.enrolment.id, &lesson, record).await?;
    }
    let attempt = course_quiz_attempt::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = attempt_view(&txn, attempt, taking.enrolment.clone()).await?;
    txn.commit().await?;
    Ok((view, true))
}

/// An attempt the caller may see: the learner's own, or for coordinators any (404
/// otherwise).
pub async fn attempt(
    db: &impl ConnectionTrait,
    caller: &Principal,
    id: Uuid,
) -> Result<AttemptView, AppError> {
    let attempt = course_quiz_attempt::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let enrolment = crate::enrolments::find(db, attempt.enrolment_id).await?;
    if enrolment.user_id != caller.user_id && !crate::enrolments::is_coordinator(caller) {
        return Err(AppError::not_found());
    }
    attempt_view(db, attempt, enrolment).await
}

/// Checks answers against the attempt's questions: 422 naming `answers.<key>` for a
/// question not in the attempt or an answer of the wrong shape.
fn check_answers(view: &AttemptView, answers: &Map<String, Value>) -> Result<(), AppError> {
    let layout = layout_of(&view.attempt);
    let mut errors = Vec::new();
    for (key, answer) in answers {
        let question = Uuid::parse_str(key)
            .ok()
            .filter(|k| layout.iter().any(|s| s.question == *k))
            .and_then(|k| view.quiz.question(k));
        match question {
            None => errors.push(FieldError::new(
                format!("answers.{key}"),
                "unknown",
                "no such question in this attempt",
            )),
            Some(q) if !answer.is_null() && !quiz::well_formed(q, answer) => {
                errors.push(FieldError::new(
                    format!("answers.{key}"),
                    "invalid_answer",
                    "does not have the shape this type of question takes",
                ))
            }
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// Saves answers of an open attempt (merged into what it has; `null` clears one). 409
/// `time_up` past the deadline and its grace, `already_submitted` once closed.
pub async fn save_answers(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    answers: Map<String, Value>,
) -> Result<AttemptView, AppError> {
    let view = attempt(db, caller, id).await?;
    if view.enrolment.user_id != caller.user_id {
        return Err(AppError::forbidden());
    }
    check_answers(&view, &answers)?;
    let now = Utc::now();
    if view.attempt.submitted_at.is_some() {
        return Err(AppError::conflict(
            "already_submitted",
            "The attempt is submitted.",
        ));
    }
    if overdue(&view.attempt, now) {
        return Err(time_up());
    }
    let mut merged = view
        .attempt
        .answers
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (key, answer) in answers {
        if Value::is_null(&answer) {
            merged.remove(&key);
        } else {
            merged.insert(key, answer);
        }
    }
    let txn = begin_write(db).await?;
    let saved = course_quiz_attempt::Entity::update_many()
        .col_expr(
            course_quiz_attempt::Column::Answers,
            Expr::value(Value::Object(merged)),
        )
        .col_expr(
            course_quiz_attempt::Column::Version,
            Expr::col(course_quiz_attempt::Column::Version).add(1),
        )
        .filter(course_quiz_attempt::Column::Id.eq(id))
        .filter(course_quiz_attempt::Column::Version.eq(view.attempt.version))
        .filter(course_quiz_attempt::Column::SubmittedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if saved != 1 {
        return Err(AppError::conflict(
            "concurrent_change",
            "The attempt changed at the same moment (answers saved or submitted elsewhere); load it and send again.",
        ));
    }
    txn.commit().await?;
    attempt(db, caller, id).await
}

fn time_up() -> AppError {
    AppError::conflict(
        "time_up",
        "The time for this attempt is up; answers are no longer taken. Submit it without answers to have what was saved scored.",
    )
}

/// Submits an attempt, with its last answers (merged into those saved), and scores it
/// on the server; a pass completes the quiz lesson in the same transaction. Past the
/// deadline and its grace, new answers are refused (409 `time_up`) and a submission
/// without answers scores what was saved in time. Parallel submissions score it once:
/// the others get 409 `already_submitted`.
pub async fn submit_attempt(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    answers: Map<String, Value>,
) -> Result<AttemptView, AppError> {
    let view = attempt(db, caller, id).await?;
    if view.enrolment.user_id != caller.user_id {
        return Err(AppError::forbidden());
    }
    check_answers(&view, &answers)?;
    let now = Utc::now().trunc_subsecs(6);
    if view.attempt.submitted_at.is_some() {
        return Err(AppError::conflict(
            "already_submitted",
            "The attempt is submitted.",
        ));
    }
    if overdue(&view.attempt, now) && !answers.is_empty() {
        return Err(time_up());
    }
    let txn = begin_write(db).await?;
    let current = course_quiz_attempt::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut merged = current.answers.as_object().cloned().unwrap_or_default();
    for (key, answer) in answers {
        if Value::is_null(&answer) {
            merged.remove(&key);
        } else {
            merged.insert(key, answer);
        }
    }
    if !close(&txn, &current, &view.quiz, &merged, now).await? {
        return Err(AppError::conflict(
            "already_submitted",
            "The attempt is submitted.",
        ));
    }
    let closed = course_quiz_attempt::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    if closed.passed == Some(true) && view.enrolment.state == "active" {
        let enrolment = lock(&txn, view.enrolment.id, None).await?;
        let taking = taking(&txn, enrolment, now).await?;
        settle_and_finish(&txn, taking, Vec::new(), now).await?;
    }
    txn.commit().await?;
    attempt(db, caller, id).await
}

/// The attempts of the learner at one quiz of an enrolment, newest first.
pub async fn attempts(
    db: &impl ConnectionTrait,
    caller: &Principal,
    enrolment_id: Uuid,
    lesson_key: Uuid,
) -> Result<Vec<AttemptView>, AppError> {
    let enrolment = crate::enrolments::visible(db, caller, enrolment_id).await?;
    if enrolment.user_id != caller.user_id && !crate::enrolments::is_coordinator(caller) {
        return Err(AppError::not_found());
    }
    let mut out = Vec::new();
    for attempt in course_quiz_attempt::Entity::find()
        .filter(course_quiz_attempt::Column::EnrolmentId.eq(enrolment_id))
        .filter(course_quiz_attempt::Column::LessonKey.eq(lesson_key))
        .order_by_desc(course_quiz_attempt::Column::Number)
        .all(db)
        .await?
    {
        out.push(attempt_view(db, attempt, enrolment.clone()).await?);
    }
    Ok(out)
}

/// One attempt's change in a regrade.
#[derive(Debug, Clone)]
pub struct Regraded {
    pub attempt_id: Uuid,
    pub enrolment_id: Uuid,
    pub score_before: f64,
    pub score_after: f64,
    pub passed_before: bool,
    pub passed_after: bool,
}

/// Coordinator: scores every submitted attempt at a quiz (by lesson key) again against
/// the quiz of the course's live revision — for the questions the attempt showed that
/// the live quiz still has — keeping each score it replaces. With `dry_run` nothing is
/// written. Nothing is regraded without this explicit call.
pub async fn regrade(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    lesson_key: Uuid,
    dry_run: bool,
) -> Result<Vec<Regraded>, AppError> {
    let item = courses::coordinated(db, caller, key).await?;
    let live = item.live_revision_id.ok_or_else(AppError::not_found)?;
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    let lesson = course_lesson::Entity::find()
        .filter(course_lesson::Column::RevisionId.eq(live))
        .filter(course_lesson::Column::Key.eq(lesson_key))
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let target = quiz_of(&lesson)?;
    let enrolments: Vec<Uuid> = course_enrolment::Entity::find()
        .select_only()
        .column(course_enrolment::Column::Id)
        .filter(course_enrolment::Column::CourseId.eq(item.id))
        .into_tuple()
        .all(&txn)
        .await?;
    let attempts = course_quiz_attempt::Entity::find()
        .filter(course_quiz_attempt::Column::EnrolmentId.is_in(enrolments))
        .filter(course_quiz_attempt::Column::LessonKey.eq(lesson_key))
        .filter(course_quiz_attempt::Column::SubmittedAt.is_not_null())
        .order_by_asc(course_quiz_attempt::Column::StartedAt)
        .all(&txn)
        .await?;
    let mut changes = Vec::new();
    let mut passed_now = Vec::new();
    for attempt in attempts {
        let pinned = attempt_view(
            &txn,
            attempt.clone(),
            crate::enrolments::find(&txn, attempt.enrolment_id).await?,
        )
        .await?;
        let layout = layout_of(&attempt);
        let answers = attempt.answers.as_object().cloned().unwrap_or_default();
        let (mut points, mut most) = (0.0, 0.0);
        let mut results = Map::new();
        for slot in &layout {
            let question = target
                .question(slot.question)
                .or_else(|| pinned.quiz.question(slot.question));
            if let Some(question) = question {
                let earned = quiz::score(question, answers.get(&slot.question.to_string()));
                points += earned;
                most += question.points();
                results.insert(slot.question.to_string(), json!(earned));
            }
        }
        let before = attempt.score.unwrap_or(0.0);
        let passed_before = attempt.passed == Some(true);
        let passed_after = quiz::passes(points, most, target.pass_mark());
        if (before - points).abs() < 1e-9
            && passed_before == passed_after
            && (attempt.max_score - most).abs() < 1e-9
        {
            continue;
        }
        changes.push(Regraded {
            attempt_id: attempt.id,
            enrolment_id: attempt.enrolment_id,
            score_before: before,
            score_after: points,
            passed_before,
            passed_after,
        });
        if !dry_run {
            course_quiz_attempt::Entity::update_many()
                .col_expr(
                    course_quiz_attempt::Column::ScoreBeforeRegrade,
                    Expr::value(before),
                )
                .col_expr(course_quiz_attempt::Column::Score, Expr::value(points))
                .col_expr(course_quiz_attempt::Column::MaxScore, Expr::value(most))
                .col_expr(
                    course_quiz_attempt::Column::Passed,
                    Expr::value(passed_after),
                )
                .col_expr(
                    course_quiz_attempt::Column::Results,
                    Expr::value(Value::Object(results)),
                )
                .col_expr(course_quiz_attempt::Column::RegradedAt, Expr::value(now))
                .col_expr(
                    course_quiz_attempt::Column::RegradedBy,
                    Expr::value(caller.user_id),
                )
                .col_expr(
                    course_quiz_attempt::Column::Version,
                    Expr::col(course_quiz_attempt::Column::Version).add(1),
                )
                .filter(course_quiz_attempt::Column::Id.eq(attempt.id))
                .exec(&txn)
                .await?;
            if passed_after && !passed_before {
                passed_now.push(attempt.enrolment_id);
            }
        }
    }
    if dry_run {
        return Ok(changes);
    }
    for enrolment_id in passed_now {
        if let Ok(enrolment) = lock(&txn, enrolment_id, None).await {
            let taking = taking(&txn, enrolment, now).await?;
            settle_and_finish(&txn, taking, Vec::new(), now).await?;
        }
    }
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.quiz_regraded",
        KIND.noun,
        Some(item.id),
        json!({"lessonKey": lesson_key, "attempts": changes.len()}),
    )
    .await?;
    txn.commit().await?;
    Ok(changes)
}
