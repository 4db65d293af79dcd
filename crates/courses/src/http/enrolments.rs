//! Enrolments and teams: `/courses/{course}/enrolments`, `/courses/{course}/teams`,
//! `/enrolments/{id}/withdraw`.

use academy_auth::Principal;
use academy_kernel::extract::{OptionalJson, Query};
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::learning::{EnrolmentResponse, enrolment_response};
use crate::enrolments::{self, EnrolmentState, TeamView};

/// Whom to enrol.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnrolRequest {
    /// The account to enrol (coordinators: any; a contact person: a confirmed member of
    /// their municipality). Left out: the caller enrols themselves.
    pub user_id: Option<Uuid>,
    /// When the learner should have completed it; with `userId` only.
    pub due_at: Option<DateTime<Utc>>,
}

/// Enrols in a published course: send no body to enrol yourself (learners; where the
/// course allows it, its window is open, its prerequisites are completed and a place is
/// free — places are taken atomically), or name an account (coordinators, contact
/// persons for their members).
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    request_body = Option<EnrolRequest>,
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = CREATED, description = "Enrolled; `Location` names the enrolment.", body = EnrolmentResponse),
        (status = FORBIDDEN, description = "Not a learner (self-enrolment), or neither coordinator nor contact person (enrolling someone).", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`already_enrolled`, `already_completed`, `not_enrollable`, `self_enrolment_closed`, `enrolment_window_closed`, `prerequisites_missing` or `course_full`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "`userId` unknown (or not yours to enrol), `dueAt` without `userId`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[post("/courses/{course}/enrolments")]
pub async fn enrol(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    body: OptionalJson<EnrolRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let enrolment = match body.user_id {
        Some(user_id) if user_id != caller.user_id || body.due_at.is_some() => {
            enrolments::enrol_account(&db, &caller, &path, user_id, body.due_at).await?
        }
        _ if body.due_at.is_some() => {
            return Err(AppError::validation(vec![academy_kernel::FieldError::new(
                "dueAt",
                "not_allowed",
                "a due date is set by whoever enrols someone",
            )]));
        }
        _ => enrolments::enrol_self(&db, &caller, &path).await?,
    };
    let response = enrolment_response(&db, enrolment).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/enrolments/{}", response.id),
        ))
        .json(response))
}

/// Filters and page of a course's enrolments.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentListQuery {
    /// Only members of this municipality (coordinators; a contact person always sees
    /// their own).
    pub municipality: Option<Uuid>,
    /// Only enrolments in this state.
    pub state: Option<EnrolmentState>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// An enrolment as a coordinator or contact person sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseEnrolmentResponse {
    pub display_name: String,
    pub email: String,
    pub municipality_id: Option<Uuid>,
    #[serde(flatten)]
    pub enrolment: EnrolmentResponse,
}

/// Who is enrolled in a course, with their progress: coordinators all, a contact person
/// their municipality's members only.
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug."), EnrolmentListQuery),
    responses(
        (status = OK, description = "One page of enrolments, oldest first.", body = Page<CourseEnrolmentResponse>),
        (status = FORBIDDEN, description = "Neither coordinator nor contact person, or another municipality asked for.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}/enrolments")]
pub async fn list_course_enrolments(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
    query: Query<EnrolmentListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (rows, total) =
        enrolments::of_course(&db, &caller, &path, query.municipality, query.state, bounds).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (enrolment, account) in rows {
        items.push(CourseEnrolmentResponse {
            display_name: account.display_name,
            email: account.email,
            municipality_id: account.municipality_id,
            enrolment: enrolment_response(&db, enrolment).await?,
        });
    }
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}

/// A municipality team enrolled in a course.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamResponse {
    pub municipality_id: Uuid,
    pub due_at: Option<DateTime<Utc>>,
    /// Members enrolled through the team (active or completed).
    pub enrolled: u64,
    pub created_at: DateTime<Utc>,
}

fn team_response(view: TeamView) -> TeamResponse {
    TeamResponse {
        municipality_id: view.team.municipality_id,
        due_at: view.team.due_at,
        enrolled: view.enrolled,
        created_at: view.team.created_at,
    }
}

/// The municipality teams of a course: coordinators all, a contact person their own.
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    params(("course" = String, Path, description = "The course's id or slug.")),
    responses(
        (status = OK, description = "The teams.", body = Vec<TeamResponse>),
        (status = FORBIDDEN, description = "Neither coordinator nor contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[get("/courses/{course}/teams")]
pub async fn list_course_teams(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<String>,
) -> Result<web::Json<Vec<TeamResponse>>, AppError> {
    let teams = enrolments::teams(&db, &caller, &path).await?;
    Ok(web::Json(teams.into_iter().map(team_response).collect()))
}

/// A team's settings.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamRequest {
    /// When the team's members should have completed the course.
    pub due_at: Option<DateTime<Utc>>,
}

/// Enrols a municipality's whole team: every confirmed member now, and whoever is
/// confirmed later (members who leave are withdrawn). Sending it again sets the due date
/// of the team's active enrolments. Coordinators, or the municipality's contact person.
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    request_body = Option<TeamRequest>,
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("municipality" = Uuid, Path, description = "The municipality's id."),
    ),
    responses(
        (status = CREATED, description = "The team is enrolled.", body = TeamResponse),
        (status = OK, description = "The team was enrolled already; its due date is set.", body = TeamResponse),
        (status = FORBIDDEN, description = "Neither coordinator nor this municipality's contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        (status = CONFLICT, description = "`not_enrollable`: the course is not published or archived.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[put("/courses/{course}/teams/{municipality}")]
pub async fn put_course_team(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, Uuid)>,
    body: OptionalJson<TeamRequest>,
) -> Result<HttpResponse, AppError> {
    let (key, municipality) = path.into_inner();
    let (team, created) =
        enrolments::put_team(&db, &caller, &key, municipality, body.into_inner().due_at).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(team_response(team)))
}

/// Ends a team's enrolment: its members' active team enrolments are withdrawn, completed
/// ones stay. Coordinators, or the municipality's contact person.
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    params(
        ("course" = String, Path, description = "The course's id or slug."),
        ("municipality" = Uuid, Path, description = "The municipality's id."),
    ),
    responses(
        (status = NO_CONTENT, description = "Ended."),
        (status = FORBIDDEN, description = "Neither coordinator nor this municipality's contact person.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::CourseNotFound,
    )
)]
#[delete("/courses/{course}/teams/{municipality}")]
pub async fn delete_course_team(
    db: web::Data<Db>,
    caller: Principal,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (key, municipality) = path.into_inner();
    enrolments::delete_team(&db, &caller, &key, municipality).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Withdraws an active enrolment (kept as history; enrolling again makes a new one): the
/// learner their own, coordinators any, a contact person their members'.
#[utoipa::path(
    tag = "course enrolments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The enrolment's id.")),
    responses(
        (status = OK, description = "Withdrawn.", body = EnrolmentResponse),
        (status = CONFLICT, description = "`not_active`.", body = academy_kernel::Problem, content_type = "application/problem+json"),
        academy_kernel::responses::SignedIn,
        super::EnrolmentNotFound,
    )
)]
#[post("/enrolments/{id}/withdraw")]
pub async fn withdraw_enrolment(
    db: web::Data<Db>,
    caller: Principal,
    id: web::Path<Uuid>,
) -> Result<web::Json<EnrolmentResponse>, AppError> {
    let enrolment = enrolments::withdraw(&db, &caller, id.into_inner()).await?;
    Ok(web::Json(enrolment_response(&db, enrolment).await?))
}
