//! `/course-reports`: counts for the coordinating office and for contact persons.

use academy_auth::Principal;
use academy_kernel::extract::Query;
use academy_kernel::{AppError, Db};
use academy_tutorials::ReportFormat;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::reports::{self, Filter, Grouping};

/// What to count and how to send it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CourseReportQuery {
    /// Rows per `course` (the default), `municipality` or `field_of_action`.
    pub group_by: Option<Grouping>,
    /// Only this course.
    pub course: Option<Uuid>,
    /// Only this municipality's confirmed members (coordinators; a contact person always
    /// gets their own).
    pub municipality: Option<Uuid>,
    /// `json` (the default) or `csv`.
    pub format: Option<ReportFormat>,
}

/// The counts of one course, municipality or field of action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseReportRow {
    /// The course's or municipality's id, or the field of action's slug; empty for
    /// learners without a confirmed municipality.
    pub key: String,
    pub name: String,
    /// Enrolments, withdrawn ones excepted.
    pub enrolled: i64,
    /// Active enrolments with a lesson begun.
    pub in_progress: i64,
    pub completed: i64,
    /// With a certificate that is not revoked.
    pub certified: i64,
    /// Submitted quiz attempts.
    pub quiz_attempts: i64,
    /// Their average score in percent; none without attempts.
    pub average_quiz_score: Option<f64>,
}

/// Enrolled, in progress, completed and certified, and the average quiz score — per
/// course, municipality or field of action. Counts only, never who. Coordinators; a
/// municipality's contact person for its members. JSON or CSV (`?format=csv`).
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    params(CourseReportQuery),
    responses(
        (status = OK, description = "The counts.", content(
            (Vec<CourseReportRow> = "application/json"),
            (String = "text/csv"),
        )),
        (status = FORBIDDEN, description = "Neither coordinator nor contact person, or another municipality asked for.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/course-reports")]
pub async fn course_report(
    db: web::Data<Db>,
    caller: Principal,
    query: Query<CourseReportQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let grouping = query.group_by.unwrap_or(Grouping::Course);
    let rows = reports::report(
        db.get_ref(),
        &caller,
        grouping,
        Filter {
            course: query.course,
            municipality: query.municipality,
        },
    )
    .await?;
    if matches!(query.format, Some(ReportFormat::Csv)) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kurse.csv\"",
            ))
            .body(reports::csv(grouping, &rows)));
    }
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| CourseReportRow {
                key: r.key,
                name: r.name,
                enrolled: r.enrolled,
                in_progress: r.in_progress,
                completed: r.completed,
                certified: r.certified,
                quiz_attempts: r.attempts,
                average_quiz_score: r.average_score,
            })
            .collect::<Vec<_>>(),
    ))
}
