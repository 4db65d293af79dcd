//! Watch progress: the player's reports, a learner's own progress, and counts for the
//! coordinating office.

use academy_auth::{Coordinators, Principal, Require};
use academy_kernel::extract::{Json, Query};
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Settings;
use crate::watching::{self, Report, Watched};

/// A watched stretch, in seconds from the start of the video.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// Where it began; 0–21600.
    #[schema(example = 30.0, minimum = 0, maximum = 21600)]
    pub from: f64,
    /// Where it ended; after `from`, 0–21600.
    #[schema(example = 40.0, minimum = 0, maximum = 21600)]
    pub to: f64,
}

/// What the player watched since its last report (the xAPI video profile's
/// `played-segments`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressReportRequest {
    /// The stretches played since the last report, 1–50. Overlaps count once; what lies
    /// beyond the end is cut off.
    pub segments: Vec<Segment>,
    /// Where playback is now, in seconds, for resuming; the end of the last segment when
    /// left out.
    #[schema(minimum = 0, maximum = 21600)]
    pub position: Option<f64>,
}

/// A learner's progress on one tutorial.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressResponse {
    pub tutorial_id: Uuid,
    pub slug: String,
    pub title: String,
    pub duration_seconds: f64,
    /// Seconds of the video watched at least once.
    pub watched_seconds: f64,
    /// Watched seconds ÷ duration, 0–1.
    pub progress: f64,
    /// The share needed to complete the tutorial.
    pub completion_threshold: f64,
    /// Where to resume, in seconds (0 once watched to the end).
    pub resume_at: f64,
    /// Whether the tutorial is completed.
    pub completed: bool,
    /// When it was completed; recorded once.
    pub completed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub last_watched_at: Option<DateTime<Utc>>,
    /// The watched stretches, merged, in seconds: `[[from, to], …]`.
    pub segments: Vec<[f64; 2]>,
}

fn response(w: Watched) -> ProgressResponse {
    ProgressResponse {
        tutorial_id: w.tutorial_id,
        slug: w.slug,
        title: w.title,
        duration_seconds: w.duration_ms as f64 / 1000.0,
        watched_seconds: w.covered_ms as f64 / 1000.0,
        progress: w.progress,
        completion_threshold: w.threshold,
        resume_at: w.position_ms as f64 / 1000.0,
        completed: w.completed_at.is_some(),
        completed_at: w.completed_at,
        started_at: w.started_at,
        last_watched_at: w.last_report_at,
        segments: w
            .segments
            .iter()
            .map(|s| [s.from as f64 / 1000.0, s.to as f64 / 1000.0])
            .collect(),
    }
}

/// Reports what the caller's player played. Sent every few seconds; a report claiming
/// more video than could have played since the last one (at up to the configured
/// playback rate, 2× by default) is refused with 422 `too_fast` and changes nothing.
/// Jumping ahead completes nothing: only watched time counts. Published tutorials only.
#[utoipa::path(
    tag = "tutorial progress",
    security(("bearer" = [])),
    request_body = ProgressReportRequest,
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "The progress after the report.", body = ProgressResponse),
        (status = CONFLICT, description = "`not_published`, or `concurrent_report` (send it again).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`too_fast`, or a segment that is empty, negative or beyond the end (`empty_segment`, `out_of_range`), or too many.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[post("/tutorials/{tutorial}/progress")]
pub async fn report_tutorial_progress(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    completions: web::Data<crate::watching::Completions>,
    caller: Principal,
    path: web::Path<String>,
    body: Json<ProgressReportRequest>,
) -> Result<web::Json<ProgressResponse>, AppError> {
    let body = body.into_inner();
    if body.segments.is_empty() {
        return Err(AppError::validation(vec![academy_kernel::FieldError::new(
            "segments",
            "required",
            "report at least one watched segment",
        )]));
    }
    let report = Report {
        segments: body.segments.iter().map(|s| (s.from, s.to)).collect(),
        position: body.position,
    };
    let watched = watching::report(&db, &settings, &completions, &caller, &path, report).await?;
    Ok(web::Json(response(watched)))
}

/// The caller's own progress on a tutorial (zero before the first report).
#[utoipa::path(
    tag = "tutorial progress",
    security(("bearer" = [])),
    params(("tutorial" = String, Path, description = "The tutorial's id or slug.")),
    responses(
        (status = OK, description = "The caller's progress.", body = ProgressResponse),
        academy_kernel::responses::SignedIn,
        super::TutorialNotFound,
    )
)]
#[get("/tutorials/{tutorial}/progress")]
pub async fn get_tutorial_progress(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<web::Json<ProgressResponse>, AppError> {
    Ok(web::Json(response(
        watching::mine(&db, &caller, &path).await?,
    )))
}

/// A page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgressListQuery {
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// The tutorials the caller has started, most recently watched first, with progress and
/// where to resume. Only the learner sees this.
#[utoipa::path(
    tag = "tutorial progress",
    security(("bearer" = [])),
    params(ProgressListQuery),
    responses(
        (status = OK, description = "One page.", body = Page<ProgressResponse>),
        academy_kernel::responses::SignedIn,
        academy_kernel::responses::Filtered,
    )
)]
#[get("/me/tutorial-progress")]
pub async fn list_my_tutorial_progress(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<ProgressListQuery>,
) -> Result<web::Json<Page<ProgressResponse>>, AppError> {
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (items, total) = watching::all_mine(&db, &caller, bounds).await?;
    Ok(web::Json(Page::new(
        items.into_iter().map(response).collect(),
        total,
        bounds,
    )))
}

/// Report format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (the default) or `csv`.
    pub format: Option<ReportFormat>,
}

/// A report's format.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Csv,
}

/// Starts and completions of one tutorial.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialCountResponse {
    pub tutorial_id: Uuid,
    pub slug: String,
    pub title: String,
    /// Learners who reported watching.
    pub starts: i64,
    pub completions: i64,
}

/// Starts and completions by one municipality's confirmed members.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MunicipalityCountResponse {
    pub municipality_id: Uuid,
    pub name: String,
    pub starts: i64,
    pub completions: i64,
}

/// Counts of starts and completions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TutorialReportResponse {
    pub tutorials: Vec<TutorialCountResponse>,
    pub municipalities: Vec<MunicipalityCountResponse>,
}

/// Starts and completions per tutorial and per municipality — counts only, never who.
/// Coordinators; as JSON or CSV (`?format=csv`).
#[utoipa::path(
    tag = "tutorial progress",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = OK, description = "The counts.", content(
            (TutorialReportResponse = "application/json"),
            (String = "text/csv"),
        )),
        (status = FORBIDDEN, description = "Not a coordinator.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/tutorials/reports")]
pub async fn tutorial_report(
    db: web::Data<Db>,
    _caller: Require<Coordinators>,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let tutorials = crate::reports::per_tutorial(db.get_ref()).await?;
    let municipalities = crate::reports::per_municipality(db.get_ref()).await?;
    if matches!(query.format, Some(ReportFormat::Csv)) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tutorials.csv\"",
            ))
            .body(crate::reports::csv(&tutorials, &municipalities)));
    }
    Ok(HttpResponse::Ok().json(TutorialReportResponse {
        tutorials: tutorials
            .into_iter()
            .map(|t| TutorialCountResponse {
                tutorial_id: t.tutorial_id,
                slug: t.slug,
                title: t.title,
                starts: t.starts,
                completions: t.completions,
            })
            .collect(),
        municipalities: municipalities
            .into_iter()
            .map(|m| MunicipalityCountResponse {
                municipality_id: m.municipality_id,
                name: m.name,
                starts: m.starts,
                completions: m.completions,
            })
            .collect(),
    }))
}
