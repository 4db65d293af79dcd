//! Certificates: issued in the transaction that completes a course, shown to anyone who
//! has the verification address (name, course, hours, date, issuing organisation, and
//! whether it is valid, revoked — when and why — or expired), revoked by coordinators
//! (audited, published in the status list), and expiring after the course's validity
//! period — which ends the enrolment, so that the learner enrols again for a new one.

use academy_auth::Principal;
use academy_auth::entity::{organisation, user};
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, FieldError};
use chrono::{DateTime, Months, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::courses::KIND;
use crate::entity::{course_certificate, course_enrolment, course_revision};

/// Longest revocation reason, in characters.
pub const REASON_MAX: usize = 2000;

/// Where a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
    Expired,
}

/// The status of `certificate` at `now`.
pub fn status(certificate: &course_certificate::Model, now: DateTime<Utc>) -> CertificateStatus {
    if certificate.revoked_at.is_some() {
        CertificateStatus::Revoked
    } else if certificate.expires_at.is_some_and(|e| e <= now) {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    }
}

/// The next free place in the status list: one conditional update of the counter row,
/// so parallel issuers on any instance never share one.
async fn next_index(txn: &DatabaseTransaction) -> Result<i32, AppError> {
    let backend = txn.get_database_backend();
    txn.execute_raw(sea_orm::Statement::from_string(
        backend,
        "UPDATE course_certificate_counter SET next_index = next_index + 1 WHERE id = 1",
    ))
    .await?;
    #[derive(sea_orm::FromQueryResult)]
    struct Next {
        next_index: i32,
    }
    let next =
        <Next as sea_orm::FromQueryResult>::find_by_statement(sea_orm::Statement::from_string(
            backend,
            "SELECT next_index FROM course_certificate_counter WHERE id = 1",
        ))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the certificate counter is missing")))?;
    Ok(next.next_index - 1)
}

/// Issues the certificate of a completed enrolment, in its transaction.
pub async fn issue(
    txn: &DatabaseTransaction,
    enrolment: &course_enrolment::Model,
    revision: &course_revision::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let learner = user::Entity::find_by_id(enrolment.user_id)
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let item = academy_publishing::lifecycle::find_by_id(txn, &KIND, enrolment.course_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let organisation = organisation::Entity::find_by_id(item.organisation_id)
        .one(txn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let index = next_index(txn).await?;
    let expires_at = revision
        .validity_months
        .and_then(|m| u32::try_from(m).ok())
        .and_then(|m| now.checked_add_months(Months::new(m)));
    course_certificate::Entity::insert(course_certificate::ActiveModel {
        id: Set(Uuid::now_v7()),
        enrolment_id: Set(enrolment.id),
        course_id: Set(enrolment.course_id),
        user_id: Set(enrolment.user_id),
        status_index: Set(index),
        recipient_name: Set(learner.display_name.chars().take(200).collect()),
        course_title: Set(revision.title.clone()),
        course_summary: Set(revision.summary.clone()),
        hours: Set(revision.estimated_hours),
        organisation_id: Set(item.organisation_id),
        organisation_name: Set(organisation.chars().take(200).collect()),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revocation_reason: Set(None),
        notified_at: Set(None),
        expiry_reminded_at: Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// A certificate by id, for anyone who has its address; 404 for none.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<course_certificate::Model, AppError> {
    course_certificate::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The caller's certificates, newest first.
pub async fn mine(
    db: &DatabaseConnection,
    caller: &Principal,
) -> Result<Vec<course_certificate::Model>, AppError> {
    Ok(course_certificate::Entity::find()
        .filter(course_certificate::Column::UserId.eq(caller.user_id))
        .order_by_desc(course_certificate::Column::IssuedAt)
        .limit(1000)
        .all(db)
        .await?)
}

/// Coordinator: revokes a certificate with its reason (audited); 409
/// `already_revoked`.
pub async fn revoke(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    reason: &str,
) -> Result<course_certificate::Model, AppError> {
    if !crate::enrolments::is_coordinator(caller) {
        return Err(AppError::forbidden());
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(AppError::validation(vec![FieldError::new(
            "reason",
            "required",
            format!("say why, in at most {REASON_MAX} characters"),
        )]));
    }
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let certificate = find(&txn, id).await?;
    let done = course_certificate::Entity::update_many()
        .col_expr(course_certificate::Column::RevokedAt, Expr::value(now))
        .col_expr(
            course_certificate::Column::RevokedBy,
            Expr::value(caller.user_id),
        )
        .col_expr(
            course_certificate::Column::RevocationReason,
            Expr::value(reason),
        )
        .filter(course_certificate::Column::Id.eq(id))
        .filter(course_certificate::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if done != 1 {
        return Err(AppError::conflict(
            "already_revoked",
            "The certificate is revoked already.",
        ));
    }
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "course.certificate_revoked",
        KIND.noun,
        Some(certificate.course_id),
        json!({"certificateId": id, "userId": certificate.user_id, "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    find(db, id).await
}

/// The status-list places of every revoked certificate.
pub async fn revoked_indexes(db: &impl ConnectionTrait) -> Result<Vec<usize>, AppError> {
    let indexes: Vec<i32> = course_certificate::Entity::find()
        .select_only()
        .column(course_certificate::Column::StatusIndex)
        .filter(course_certificate::Column::RevokedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(indexes
        .into_iter()
        .filter_map(|i| usize::try_from(i).ok())
        .collect())
}

/// Ends the enrolments whose certificate has expired (state `expired`), so that their
/// learners may enrol again; returns how many. Each is a conditional update.
pub async fn expire(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let expired: Vec<Uuid> = course_certificate::Entity::find()
        .select_only()
        .column(course_certificate::Column::EnrolmentId)
        .filter(course_certificate::Column::ExpiresAt.lte(now))
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    let done = course_enrolment::Entity::update_many()
        .col_expr(course_enrolment::Column::State, Expr::value("expired"))
        .col_expr(course_enrolment::Column::ExpiredAt, Expr::value(now))
        // Gives back a limited course's place (a trigger), for the next enrolment.
        .col_expr(course_enrolment::Column::HoldsSeat, Expr::value(false))
        .col_expr(
            course_enrolment::Column::Version,
            Expr::col(course_enrolment::Column::Version).add(1),
        )
        .filter(course_enrolment::Column::Id.is_in(expired))
        .filter(course_enrolment::Column::State.eq("completed"))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(done)
}
