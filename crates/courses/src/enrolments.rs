//! Who takes a course: learners enrolling themselves where a course allows it (window,
//! prerequisites, places), coordinators enrolling accounts, coordinators and a
//! municipality's contact person enrolling its whole team (kept in sync by the database
//! as members join and leave), withdrawing, and moving enrolments to the live revision.
//! Every enrolment keeps its history: withdrawing and enrolling again makes a new row.

use std::collections::HashMap;

use academy_auth::entity::user;
use academy_auth::{Principal, Role};
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, Bounds, FieldError};
use academy_publishing::Item;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::courses::{self, KIND};
use crate::entity::{course_enrolment, course_revision, course_team};

/// States of an enrolment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentState {
    /// Taking the course.
    Active,
    /// Every module complete.
    Completed,
    /// Left the course (or the team it came with); kept as history.
    Withdrawn,
    /// The certificate ran out; enrolling again starts anew.
    Expired,
}

impl EnrolmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "completed" => Self::Completed,
            "withdrawn" => Self::Withdrawn,
            "expired" => Self::Expired,
            _ => Self::Active,
        }
    }
}

/// How an enrolment came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentSource {
    /// The learner enrolled themselves.
    #[serde(rename = "self")]
    Own,
    /// A coordinator enrolled them.
    Coordinator,
    /// Their municipality's contact person enrolled them.
    Contact,
    /// With their municipality's team.
    Team,
}

impl EnrolmentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "self",
            Self::Coordinator => "coordinator",
            Self::Contact => "contact",
            Self::Team => "team",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "coordinator" => Self::Coordinator,
            "contact" => Self::Contact,
            "team" => Self::Team,
            _ => Self::Own,
        }
    }
}

pub fn is_coordinator(caller: &Principal) -> bool {
    caller.has_any(&[Role::Coordinator, Role::Admin])
}

/// 409 unless the course is published and not archived; its live revision.
async fn live(db: &impl ConnectionTrait, item: &Item) -> Result<course_revision::Model, AppError> {
    match (item.live_revision_id, item.archived_at) {
        (Some(id), None) => courses::find_revision(db, id).await,
        _ => Err(AppError::conflict(
            "not_enrollable",
            "Only a published course that is not archived takes enrolments.",
        )),
    }
}

/// Whether an enrolment holding a place (active or completed) exists.
async fn holding(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    user_id: Uuid,
) -> Result<Option<course_enrolment::Model>, AppError> {
    Ok(course_enrolment::Entity::find()
        .filter(course_enrolment::Column::CourseId.eq(course_id))
        .filter(course_enrolment::Column::UserId.eq(user_id))
        .filter(course_enrolment::Column::State.is_in(["active", "completed"]))
        .one(db)
        .await?)
}

fn already(existing: &course_enrolment::Model) -> AppError {
    if existing.state == "completed" {
        AppError::conflict(
            "already_completed",
            "The account has completed this course; it enrols again once the certificate has expired.",
        )
    } else {
        AppError::conflict(
            "already_enrolled",
            "The account is already enrolled in this course.",
        )
    }
}

/// Inserts an enrolment; 409 `already_enrolled` when another request enrolled the same
/// account a moment earlier (the unique index decides).
#[allow(clippy::too_many_arguments)]
async fn insert(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    user_id: Uuid,
    revision_id: Uuid,
    source: EnrolmentSource,
    due_at: Option<DateTime<Utc>>,
    enrolled_by: Option<Uuid>,
    holds_seat: bool,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let result = course_enrolment::Entity::insert(course_enrolment::ActiveModel {
        id: Set(id),
        course_id: Set(course_id),
        user_id: Set(user_id),
        revision_id: Set(revision_id),
        state: Set(EnrolmentState::Active.as_str().to_owned()),
        source: Set(source.as_str().to_owned()),
        team_id: Set(None),
        due_at: Set(due_at),
        enrolled_at: Set(now),
        enrolled_by: Set(enrolled_by),
        completed_at: Set(None),
        withdrawn_at: Set(None),
        expired_at: Set(None),
        notified_at: Set(None),
        reminded_at: Set(None),
        holds_seat: Set(holds_seat),
        version: Set(1),
    })
    .exec_without_returning(db)
    .await;
    match result {
        Ok(_) => Ok(id),
        Err(error)
            if matches!(
                error.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Err(AppError::conflict(
                "already_enrolled",
                "The account is already enrolled in this course.",
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// The courses among `prerequisites` the account has not completed.
async fn missing_prerequisites(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    prerequisites: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    if prerequisites.is_empty() {
        return Ok(Vec::new());
    }
    let done: Vec<Uuid> = course_enrolment::Entity::find()
        .select_only()
        .column(course_enrolment::Column::CourseId)
        .filter(course_enrolment::Column::UserId.eq(user_id))
        .filter(course_enrolment::Column::CourseId.is_in(prerequisites.to_vec()))
        .filter(course_enrolment::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(prerequisites
        .iter()
        .copied()
        .filter(|p| !done.contains(p))
        .collect())
}

fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    // Written with `$n`; SQLite takes `?n` for the same numbered parameters.
    let sql = if backend == DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Takes one of the course's places if one is free: one conditional update, so parallel
/// requests on any number of instances never take more than there are.
async fn take_seat(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    capacity: i32,
) -> Result<bool, AppError> {
    let backend = db.get_database_backend();
    let result = db
        .execute_raw(statement(
            backend,
            "UPDATE courses SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < $2",
            vec![course_id.into(), capacity.into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// The learner enrols themselves: the course allows it, its window is open, its
/// prerequisites are completed, and a place is free (taken atomically).
pub async fn enrol_self(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<course_enrolment::Model, AppError> {
    if !caller.has(Role::Learner) {
        return Err(AppError::forbidden());
    }
    let item = courses::visible(db, Some(caller), key).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let revision = live(&txn, &item).await?;
    if !revision.self_enrolment {
        return Err(AppError::conflict(
            "self_enrolment_closed",
            "Learners do not enrol in this course themselves; a coordinator or their municipality's contact person enrols them.",
        ));
    }
    if revision.enrolment_opens_at.is_some_and(|t| t > now)
        || revision.enrolment_closes_at.is_some_and(|t| t <= now)
    {
        return Err(AppError::conflict(
            "enrolment_window_closed",
            "Enrolment in this course is not open now.",
        ));
    }
    if let Some(existing) = holding(&txn, item.id, caller.user_id).await? {
        return Err(already(&existing));
    }
    let prerequisites: Vec<Uuid> =
        serde_json::from_value(revision.prerequisites.clone()).unwrap_or_default();
    let missing = missing_prerequisites(&txn, caller.user_id, &prerequisites).await?;
    if !missing.is_empty() {
        return Err(AppError::conflict(
            "prerequisites_missing",
            format!(
                "Complete these courses first: {}.",
                missing
                    .iter()
                    .map(Uuid::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let holds_seat = revision.capacity.is_some();
    if let Some(capacity) = revision.capacity {
        // One conditional update decides, whatever the number of instances.
        if !take_seat(&txn, item.id, capacity).await? {
            return Err(AppError::conflict(
                "course_full",
                "Every place in this course is taken.",
            ));
        }
    }
    let id = insert(
        &txn,
        item.id,
        caller.user_id,
        revision.id,
        EnrolmentSource::Own,
        None,
        Some(caller.user_id),
        holds_seat,
        now,
    )
    .await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.enrolled",
        KIND.noun,
        Some(item.id),
        json!({"enrolmentId": id, "source": "self"}),
    )
    .await?;
    txn.commit().await?;
    find(db, id).await
}

/// An enrolment by id (no access check).
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<course_enrolment::Model, AppError> {
    course_enrolment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The municipality of an account, if confirmed.
async fn confirmed_municipality(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.municipality_confirmed_at.is_some())
        .and_then(|u| u.municipality_id))
}

/// A coordinator enrols any account; a contact person a confirmed member of their
/// municipality (404 for anyone else). The course must be published; self-enrolment
/// settings, windows and places do not bind them.
pub async fn enrol_account(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    user_id: Uuid,
    due_at: Option<DateTime<Utc>>,
) -> Result<course_enrolment::Model, AppError> {
    let coordinator = is_coordinator(caller);
    let contact = caller.contact_for();
    if !coordinator && contact.is_none() {
        return Err(AppError::forbidden());
    }
    let item = courses::visible(db, Some(caller), key).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let account = user::Entity::find_by_id(user_id).one(&txn).await?;
    let Some(account) = account.filter(|a| {
        coordinator || (a.municipality_confirmed_at.is_some() && a.municipality_id == contact)
    }) else {
        return Err(AppError::validation(vec![FieldError::new(
            "userId",
            "unknown",
            "no such account that you may enrol",
        )]));
    };
    let revision = live(&txn, &item).await?;
    if let Some(existing) = holding(&txn, item.id, account.id).await? {
        return Err(already(&existing));
    }
    let source = if coordinator {
        EnrolmentSource::Coordinator
    } else {
        EnrolmentSource::Contact
    };
    let id = insert(
        &txn,
        item.id,
        account.id,
        revision.id,
        source,
        due_at,
        Some(caller.user_id),
        false,
        now,
    )
    .await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.enrolled",
        KIND.noun,
        Some(item.id),
        json!({"enrolmentId": id, "userId": account.id, "source": source.as_str()}),
    )
    .await?;
    txn.commit().await?;
    find(db, id).await
}

/// Who may act for `municipality`: coordinators, and its contact person (403 otherwise).
fn for_municipality(caller: &Principal, municipality: Uuid) -> Result<(), AppError> {
    if is_coordinator(caller) || caller.contact_for() == Some(municipality) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// A team and how many of its members are enrolled through it.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub team: course_team::Model,
    pub enrolled: u64,
}

async fn team_view(
    db: &impl ConnectionTrait,
    team: course_team::Model,
) -> Result<TeamView, AppError> {
    let enrolled = course_enrolment::Entity::find()
        .filter(course_enrolment::Column::TeamId.eq(team.id))
        .filter(course_enrolment::Column::State.is_in(["active", "completed"]))
        .count(db)
        .await?;
    Ok(TeamView { team, enrolled })
}

/// Enrols a municipality's whole team: every confirmed member now, and — kept in sync by
/// the database — whoever is confirmed later. Members already enrolled keep their
/// enrolment. Sending it again changes the due date of the team's active enrolments.
pub async fn put_team(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    municipality: Uuid,
    due_at: Option<DateTime<Utc>>,
) -> Result<(TeamView, bool), AppError> {
    for_municipality(caller, municipality)?;
    let item = courses::visible(db, Some(caller), key).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    if academy_auth::entity::municipality::Entity::find_by_id(municipality)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(AppError::not_found());
    }
    let revision = live(&txn, &item).await?;
    let existing = course_team::Entity::find()
        .filter(course_team::Column::CourseId.eq(item.id))
        .filter(course_team::Column::MunicipalityId.eq(municipality))
        .one(&txn)
        .await?;
    let created = existing.is_none();
    let team_id = match existing {
        Some(team) => {
            course_team::Entity::update_many()
                .col_expr(course_team::Column::DueAt, Expr::value(due_at))
                .filter(course_team::Column::Id.eq(team.id))
                .exec(&txn)
                .await?;
            course_enrolment::Entity::update_many()
                .col_expr(course_enrolment::Column::DueAt, Expr::value(due_at))
                .col_expr(
                    course_enrolment::Column::Version,
                    Expr::col(course_enrolment::Column::Version).add(1),
                )
                .filter(course_enrolment::Column::TeamId.eq(team.id))
                .filter(course_enrolment::Column::State.eq("active"))
                .exec(&txn)
                .await?;
            team.id
        }
        None => {
            let id = Uuid::now_v7();
            course_team::Entity::insert(course_team::ActiveModel {
                id: Set(id),
                course_id: Set(item.id),
                municipality_id: Set(municipality),
                due_at: Set(due_at),
                created_by: Set(caller.user_id),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(
                    "concurrent_change",
                    "The team was enrolled by another request at the same moment; send this one again.",
                ),
                _ => e.into(),
            })?;
            // Every confirmed member not enrolled yet; those who join later come through
            // the database's triggers.
            let members: Vec<Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .filter(user::Column::MunicipalityId.eq(municipality))
                .filter(user::Column::MunicipalityConfirmedAt.is_not_null())
                .into_tuple()
                .all(&txn)
                .await?;
            for member in members {
                if holding(&txn, item.id, member).await?.is_some() {
                    continue;
                }
                let enrolment = insert(
                    &txn,
                    item.id,
                    member,
                    revision.id,
                    EnrolmentSource::Team,
                    due_at,
                    Some(caller.user_id),
                    false,
                    now,
                )
                .await?;
                course_enrolment::Entity::update_many()
                    .col_expr(course_enrolment::Column::TeamId, Expr::value(id))
                    .filter(course_enrolment::Column::Id.eq(enrolment))
                    .exec(&txn)
                    .await?;
            }
            id
        }
    };
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.team_enrolled",
        KIND.noun,
        Some(item.id),
        json!({"municipalityId": municipality, "dueAt": due_at}),
    )
    .await?;
    let team = course_team::Entity::find_by_id(team_id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = team_view(&txn, team).await?;
    txn.commit().await?;
    Ok((view, created))
}

/// Ends a team's enrolment: its members' active team enrolments are withdrawn (kept as
/// history); completed ones stay completed.
pub async fn delete_team(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    municipality: Uuid,
) -> Result<(), AppError> {
    for_municipality(caller, municipality)?;
    let item = courses::visible(db, Some(caller), key).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let team = course_team::Entity::find()
        .filter(course_team::Column::CourseId.eq(item.id))
        .filter(course_team::Column::MunicipalityId.eq(municipality))
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    course_enrolment::Entity::update_many()
        .col_expr(course_enrolment::Column::State, Expr::value("withdrawn"))
        .col_expr(course_enrolment::Column::WithdrawnAt, Expr::value(now))
        .col_expr(
            course_enrolment::Column::Version,
            Expr::col(course_enrolment::Column::Version).add(1),
        )
        .filter(course_enrolment::Column::TeamId.eq(team.id))
        .filter(course_enrolment::Column::State.eq("active"))
        .exec(&txn)
        .await?;
    course_team::Entity::delete_by_id(team.id)
        .exec(&txn)
        .await?;
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.team_withdrawn",
        KIND.noun,
        Some(item.id),
        json!({"municipalityId": municipality}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The teams of a course: coordinators all, a contact person their own.
pub async fn teams(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
) -> Result<Vec<TeamView>, AppError> {
    let contact = caller.contact_for();
    if !is_coordinator(caller) && contact.is_none() {
        return Err(AppError::forbidden());
    }
    let item = courses::visible(db, Some(caller), key).await?;
    let mut query = course_team::Entity::find().filter(course_team::Column::CourseId.eq(item.id));
    if !is_coordinator(caller) {
        query = query.filter(course_team::Column::MunicipalityId.eq(contact));
    }
    let mut views = Vec::new();
    for team in query
        .order_by_asc(course_team::Column::CreatedAt)
        .all(db)
        .await?
    {
        views.push(team_view(db, team).await?);
    }
    Ok(views)
}

/// Whether the caller may see this enrolment: its learner, coordinators, and the contact
/// person of the learner's municipality.
pub async fn may_see(
    db: &impl ConnectionTrait,
    caller: &Principal,
    enrolment: &course_enrolment::Model,
) -> Result<bool, AppError> {
    if enrolment.user_id == caller.user_id || is_coordinator(caller) {
        return Ok(true);
    }
    match caller.contact_for() {
        Some(own) => Ok(confirmed_municipality(db, enrolment.user_id).await? == Some(own)),
        None => Ok(false),
    }
}

/// An enrolment the caller may see; 404 otherwise.
pub async fn visible(
    db: &impl ConnectionTrait,
    caller: &Principal,
    id: Uuid,
) -> Result<course_enrolment::Model, AppError> {
    let enrolment = find(db, id).await?;
    if may_see(db, caller, &enrolment).await? {
        Ok(enrolment)
    } else {
        Err(AppError::not_found())
    }
}

/// Withdraws an active enrolment: the learner their own, coordinators any, the contact
/// person their members'. A place it held is given back.
pub async fn withdraw(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
) -> Result<course_enrolment::Model, AppError> {
    let enrolment = visible(db, caller, id).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let done = course_enrolment::Entity::update_many()
        .col_expr(course_enrolment::Column::State, Expr::value("withdrawn"))
        .col_expr(course_enrolment::Column::WithdrawnAt, Expr::value(now))
        .col_expr(course_enrolment::Column::HoldsSeat, Expr::value(false))
        .col_expr(
            course_enrolment::Column::Version,
            Expr::col(course_enrolment::Column::Version).add(1),
        )
        .filter(course_enrolment::Column::Id.eq(enrolment.id))
        .filter(course_enrolment::Column::State.eq("active"))
        .exec(&txn)
        .await?
        .rows_affected;
    if done != 1 {
        return Err(AppError::conflict(
            "not_active",
            "Only an active enrolment is withdrawn.",
        ));
    }
    // Turning `holds_seat` off gives the place back (the trigger of migration
    // `m20261201_000053_course_seat_release`).
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.withdrawn",
        KIND.noun,
        Some(enrolment.course_id),
        json!({"enrolmentId": enrolment.id, "userId": enrolment.user_id}),
    )
    .await?;
    txn.commit().await?;
    find(db, id).await
}

/// The caller's enrolments, newest first; `all` includes withdrawn and expired ones.
pub async fn mine(
    db: &DatabaseConnection,
    caller: &Principal,
    all: bool,
    bounds: Bounds,
) -> Result<(Vec<course_enrolment::Model>, u64), AppError> {
    let mut query = course_enrolment::Entity::find()
        .filter(course_enrolment::Column::UserId.eq(caller.user_id));
    if !all {
        query = query.filter(course_enrolment::Column::State.is_in(["active", "completed"]));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(course_enrolment::Column::EnrolledAt)
        .order_by_desc(course_enrolment::Column::Id)
        .offset(bounds.offset)
        .limit(bounds.limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The enrolments of a course: coordinators all (or one municipality's), a contact person
/// their municipality's members' only.
pub async fn of_course(
    db: &DatabaseConnection,
    caller: &Principal,
    key: &str,
    municipality: Option<Uuid>,
    state: Option<EnrolmentState>,
    bounds: Bounds,
) -> Result<(Vec<(course_enrolment::Model, user::Model)>, u64), AppError> {
    let scope = academy_auth::membership::scope(caller, municipality)?;
    let item = courses::visible(db, Some(caller), key).await?;
    let mut query =
        course_enrolment::Entity::find().filter(course_enrolment::Column::CourseId.eq(item.id));
    if let Some(state) = state {
        query = query.filter(course_enrolment::Column::State.eq(state.as_str()));
    }
    if let Some(municipality) = scope {
        let members: Vec<Uuid> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::MunicipalityId.eq(municipality))
            .filter(user::Column::MunicipalityConfirmedAt.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        query = query.filter(course_enrolment::Column::UserId.is_in(members));
    }
    let total = query.clone().count(db).await?;
    let enrolments = query
        .order_by_asc(course_enrolment::Column::EnrolledAt)
        .order_by_asc(course_enrolment::Column::Id)
        .offset(bounds.offset)
        .limit(bounds.limit)
        .all(db)
        .await?;
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(enrolments.iter().map(|e| e.user_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok((
        enrolments
            .into_iter()
            .filter_map(|e| users.get(&e.user_id).cloned().map(|u| (e, u)))
            .collect(),
        total,
    ))
}
