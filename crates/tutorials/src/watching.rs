//! Progress reports: a learner's player reports the stretches just watched every few
//! seconds. They are merged per learner and tutorial with the rules of [`crate::progress`]
//! — clamped to the duration, refused when they claim more than could have played since
//! the last report — and completion is recorded once, when the covered share first
//! reaches the tutorial's threshold. Each report's update is conditional on the number of
//! reports before it, so parallel reports (two tabs, several instances) never both spend
//! the same allowance.

use academy_auth::Principal;
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use uuid::Uuid;

use crate::Settings;
use crate::entity::{tutorial_progress, tutorial_revision};
use crate::progress::{self, Coverage, Refusal, Rules, Span};
use crate::tutorials;

/// One learner's progress on one tutorial.
#[derive(Debug, Clone)]
pub struct Watched {
    pub tutorial_id: Uuid,
    pub slug: String,
    pub title: String,
    pub duration_ms: u64,
    pub covered_ms: u64,
    pub progress: f64,
    pub position_ms: u64,
    pub threshold: f64,
    pub started_at: Option<DateTime<Utc>>,
    pub last_report_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub segments: Vec<Span>,
}

/// A report as the player sends it: spans in seconds and, optionally, where playback is.
#[derive(Debug, Clone)]
pub struct Report {
    pub segments: Vec<(f64, f64)>,
    pub position: Option<f64>,
}

fn refusal(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Empty { index } => AppError::validation(vec![FieldError::new(
            format!("segments[{index}]"),
            "empty_segment",
            "must end after it starts, before the end of the video",
        )]),
        Refusal::TooManySpans => AppError::validation(vec![FieldError::new(
            "segments",
            "too_many",
            format!(
                "at most {} segments per report",
                progress::SPANS_PER_REPORT_MAX
            ),
        )]),
        Refusal::TooFast {
            reported_ms,
            allowed_ms,
        } => AppError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "too_fast",
            format!(
                "The report claims {:.1} s of video, more than could have played since the last report ({:.1} s at the fastest playback rate). Report what was watched every few seconds.",
                reported_ms as f64 / 1000.0,
                allowed_ms as f64 / 1000.0
            ),
        ),
    }
}

/// Seconds as the player sends them, within the longest video, in milliseconds.
fn seconds(value: f64) -> Option<u64> {
    progress::millis(value).filter(|_| value <= crate::domain::DURATION_MAX_SECONDS as f64)
}

fn spans(report: &Report) -> Result<Vec<Span>, AppError> {
    let mut out = Vec::with_capacity(report.segments.len());
    for (i, (from, to)) in report.segments.iter().enumerate() {
        match (seconds(*from), seconds(*to)) {
            (Some(from), Some(to)) => out.push(Span { from, to }),
            _ => {
                return Err(AppError::validation(vec![FieldError::new(
                    format!("segments[{i}]"),
                    "out_of_range",
                    format!(
                        "times are seconds, 0–{}",
                        crate::domain::DURATION_MAX_SECONDS
                    ),
                )]));
            }
        }
    }
    Ok(out)
}

/// The live tutorial a learner reports on: visible, published, not archived.
async fn live(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<(academy_publishing::Item, tutorial_revision::Model), AppError> {
    let item = tutorials::visible(db, Some(caller), key).await?;
    let Some(live) = item.live_revision_id.filter(|_| item.archived_at.is_none()) else {
        return Err(AppError::conflict(
            "not_published",
            "Progress is recorded on published tutorials only.",
        ));
    };
    let revision = tutorials::find_revision(db, live).await?;
    Ok((item, revision))
}

fn ms(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn stored(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// What else must happen when a learner completes a tutorial, in the same transaction
/// as the completion (courses record their tutorial lessons). Tutorials know nothing of
/// who listens; the server registers the listeners.
pub trait CompletionListener: Send + Sync {
    fn completed<'a>(
        &'a self,
        txn: &'a sea_orm::DatabaseTransaction,
        user_id: Uuid,
        tutorial_id: Uuid,
        at: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AppError>>;
}

/// The registered [`CompletionListener`]s.
#[derive(Clone, Default)]
pub struct Completions(Vec<std::sync::Arc<dyn CompletionListener>>);

impl Completions {
    pub fn new(listeners: Vec<std::sync::Arc<dyn CompletionListener>>) -> Self {
        Self(listeners)
    }
}

/// Applies one report of the caller on the tutorial `key`.
pub async fn report(
    db: &DatabaseConnection,
    settings: &Settings,
    completions: &Completions,
    caller: &Principal,
    key: &str,
    report: Report,
) -> Result<Watched, AppError> {
    let reported = spans(&report)?;
    let position = match report.position {
        Some(p) => Some(seconds(p).ok_or_else(|| {
            AppError::validation(vec![FieldError::new(
                "position",
                "out_of_range",
                format!("seconds, 0–{}", crate::domain::DURATION_MAX_SECONDS),
            )])
        })?),
        None => None,
    };
    let (item, revision) = live(db, caller, key).await?;
    let duration_ms = ms(revision.duration_ms);
    let rules = Rules {
        max_rate: settings.max_playback_rate,
        ..Rules::default()
    };
    // Parallel reports of one learner race on the row; the loser reads again and retries.
    for _ in 0..5 {
        // Microseconds, as the database keeps them, so the answer matches later reads.
        let now = Utc::now().trunc_subsecs(6);
        let txn = begin_write(db).await?;
        let row = tutorial_progress::Entity::find_by_id((caller.user_id, item.id))
            .one(&txn)
            .await?;
        let (previous, credit, elapsed, complete) = match &row {
            Some(row) => (
                serde_json::from_value::<Coverage>(row.coverage.clone()).unwrap_or_default(),
                Some(ms(row.credit_ms)),
                u64::try_from((now - row.last_report_at).num_milliseconds()).unwrap_or(0),
                row.completed_at.is_some(),
            ),
            None => (Coverage::new(), None, 0, false),
        };
        let allowed = rules.allowed_ms(credit, elapsed);
        let outcome = progress::apply(
            &previous,
            &reported,
            duration_ms,
            allowed,
            complete,
            revision.completion_threshold,
        )
        .map_err(refusal)?;
        let last = position
            .or_else(|| reported.last().map(|s| s.to))
            .map(|p| p.min(duration_ms));
        let position_ms = match (last, &row) {
            (Some(p), _) => progress::resume_position(Span { from: p, to: p }, duration_ms),
            (None, Some(row)) => ms(row.position_ms),
            (None, None) => 0,
        };
        let coverage = serde_json::to_value(&outcome.coverage).map_err(AppError::internal)?;
        let completed_at = if outcome.completed_now {
            Some(now)
        } else {
            row.as_ref().and_then(|r| r.completed_at)
        };
        let written = match &row {
            None => {
                let insert = tutorial_progress::Entity::insert(tutorial_progress::ActiveModel {
                    user_id: Set(caller.user_id),
                    tutorial_id: Set(item.id),
                    coverage: Set(coverage),
                    covered_ms: Set(stored(outcome.covered_ms)),
                    progress: Set(outcome.progress),
                    position_ms: Set(stored(position_ms)),
                    credit_ms: Set(stored(outcome.credit_ms)),
                    reports: Set(1),
                    started_at: Set(now),
                    last_report_at: Set(now),
                    completed_at: Set(completed_at),
                })
                .exec_without_returning(&txn)
                .await;
                match insert {
                    Ok(_) => true,
                    Err(error)
                        if matches!(
                            error.sql_err(),
                            Some(SqlErr::UniqueConstraintViolation(_))
                        ) =>
                    {
                        false
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            Some(row) => {
                tutorial_progress::Entity::update_many()
                    .col_expr(tutorial_progress::Column::Coverage, Expr::value(coverage))
                    .col_expr(
                        tutorial_progress::Column::CoveredMs,
                        Expr::value(stored(outcome.covered_ms)),
                    )
                    .col_expr(
                        tutorial_progress::Column::Progress,
                        Expr::value(outcome.progress),
                    )
                    .col_expr(
                        tutorial_progress::Column::PositionMs,
                        Expr::value(stored(position_ms)),
                    )
                    .col_expr(
                        tutorial_progress::Column::CreditMs,
                        Expr::value(stored(outcome.credit_ms)),
                    )
                    .col_expr(
                        tutorial_progress::Column::Reports,
                        Expr::value(row.reports + 1),
                    )
                    .col_expr(tutorial_progress::Column::LastReportAt, Expr::value(now))
                    .col_expr(
                        tutorial_progress::Column::CompletedAt,
                        Expr::value(completed_at),
                    )
                    .filter(tutorial_progress::Column::UserId.eq(caller.user_id))
                    .filter(tutorial_progress::Column::TutorialId.eq(item.id))
                    .filter(tutorial_progress::Column::Reports.eq(row.reports))
                    .exec(&txn)
                    .await?
                    .rows_affected
                    == 1
            }
        };
        if !written {
            drop(txn);
            continue;
        }
        if outcome.completed_now {
            academy_auth::audit::record(
                &txn,
                Some(caller.user_id),
                "tutorial.completed",
                tutorials::KIND.noun,
                Some(item.id),
                serde_json::json!({"slug": item.slug}),
            )
            .await?;
            for listener in &completions.0 {
                listener
                    .completed(&txn, caller.user_id, item.id, now)
                    .await?;
            }
        }
        txn.commit().await?;
        return Ok(Watched {
            tutorial_id: item.id,
            slug: item.slug,
            title: revision.title,
            duration_ms,
            covered_ms: outcome.covered_ms,
            progress: outcome.progress,
            position_ms,
            threshold: revision.completion_threshold,
            started_at: Some(row.map_or(now, |r| r.started_at)),
            last_report_at: Some(now),
            completed_at,
            segments: outcome.coverage.into_spans(),
        });
    }
    Err(AppError::conflict(
        "concurrent_report",
        "Another report of yours on this tutorial was recorded at the same moment; send this one again.",
    ))
}

fn watched(
    row: tutorial_progress::Model,
    item: &academy_publishing::Item,
    revision: &tutorial_revision::Model,
) -> Watched {
    let coverage: Coverage = serde_json::from_value(row.coverage).unwrap_or_default();
    Watched {
        tutorial_id: item.id,
        slug: item.slug.clone(),
        title: revision.title.clone(),
        duration_ms: ms(revision.duration_ms),
        covered_ms: ms(row.covered_ms),
        progress: row.progress,
        position_ms: ms(row.position_ms),
        threshold: revision.completion_threshold,
        started_at: Some(row.started_at),
        last_report_at: Some(row.last_report_at),
        completed_at: row.completed_at,
        segments: coverage.into_spans(),
    }
}

/// The caller's progress on one tutorial (nothing watched yet: zero).
pub async fn mine(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<Watched, AppError> {
    let item = tutorials::visible(db, Some(caller), key).await?;
    let revision = tutorials::current_revision(db, &item).await?;
    let revision = match item.live_revision_id {
        Some(live) => tutorials::find_revision(db, live).await?,
        None => revision,
    };
    Ok(
        match tutorial_progress::Entity::find_by_id((caller.user_id, item.id))
            .one(db)
            .await?
        {
            Some(row) => watched(row, &item, &revision),
            None => Watched {
                tutorial_id: item.id,
                slug: item.slug.clone(),
                title: revision.title.clone(),
                duration_ms: ms(revision.duration_ms),
                covered_ms: 0,
                progress: 0.0,
                position_ms: 0,
                threshold: revision.completion_threshold,
                started_at: None,
                last_report_at: None,
                completed_at: None,
                segments: Vec::new(),
            },
        },
    )
}

/// Every tutorial the caller has started, most recently watched first.
pub async fn all_mine(
    db: &DatabaseConnection,
    caller: &Principal,
    bounds: Bounds,
) -> Result<(Vec<Watched>, u64), AppError> {
    let query = tutorial_progress::Entity::find()
        .filter(tutorial_progress::Column::UserId.eq(caller.user_id));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(tutorial_progress::Column::LastReportAt)
        .order_by_asc(tutorial_progress::Column::TutorialId)
        .offset(bounds.offset)
        .limit(bounds.limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(item) =
            academy_publishing::lifecycle::find_by_id(db, &tutorials::KIND, row.tutorial_id)
                .await?
        else {
            continue;
        };
        let Ok(revision) = tutorials::current_revision(db, &item).await else {
            continue;
        };
        let revision = match item.live_revision_id {
            Some(live) => tutorials::find_revision(db, live).await.unwrap_or(revision),
            None => revision,
        };
        out.push(watched(row, &item, &revision));
    }
    Ok((out, total))
}
