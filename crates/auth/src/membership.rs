//! Membership in a municipality: claimed by the learner (at registration or later through
//! `PATCH /me`), counted only once confirmed — by a coordinator, or at once when the
//! account's address is at a domain the municipality has registered (e.g. `hanau.de`).
//! Until then the account reads everything but cannot book for the municipality.

use academy_kernel::{AppError, Bounds, FieldError};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::domain::{Checks, check_email_domain};
use crate::entity::{municipality, municipality_email_domain, user};
use crate::principal::Principal;

/// Most domains one municipality may register.
pub const EMAIL_DOMAINS_MAX: usize = 20;

/// Where an account stands with its municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    /// No municipality claimed.
    None,
    /// Claimed, waiting for a coordinator; reading works, booking does not.
    Pending,
    /// Confirmed: the account books consultation hours for the municipality.
    Confirmed,
}

/// The membership state of an account.
pub fn status_of(account: &user::Model) -> MembershipStatus {
    match (account.municipality_id, account.municipality_confirmed_at) {
        (None, _) => MembershipStatus::None,
        (Some(_), None) => MembershipStatus::Pending,
        (Some(_), Some(_)) => MembershipStatus::Confirmed,
    }
}

/// Whether `email_normalized` is at a domain that `municipality` registered.
pub async fn confirmed_by_domain(
    conn: &impl ConnectionTrait,
    municipality: Uuid,
    email_normalized: &str,
) -> Result<bool, AppError> {
    let Some((_, domain)) = email_normalized.rsplit_once('@') else {
        return Ok(false);
    };
    Ok(
        municipality_email_domain::Entity::find_by_id(domain.to_owned())
            .filter(municipality_email_domain::Column::MunicipalityId.eq(municipality))
            .count(conn)
            .await?
            > 0,
    )
}

/// The caller asks to belong to `municipality` (422 `unknown` when there is none). The
/// membership is pending unless the caller's domain confirms it.
pub async fn request(
    conn: &impl ConnectionTrait,
    account: &user::Model,
    municipality: Uuid,
) -> Result<Option<chrono::DateTime<Utc>>, AppError> {
    if municipality::Entity::find_by_id(municipality)
        .count(conn)
        .await?
        == 0
    {
        return Err(AppError::validation(vec![FieldError::new(
            "municipalityId",
            "unknown",
            "does not exist",
        )]));
    }
    if account.municipality_id == Some(municipality) {
        return Ok(account.municipality_confirmed_at);
    }
    Ok(
        confirmed_by_domain(conn, municipality, &account.email_normalized)
            .await?
            .then(Utc::now),
    )
}

/// The registered domains of a municipality, sorted (404 for an unknown municipality).
pub async fn email_domains(db: &DatabaseConnection, id: Uuid) -> Result<Vec<String>, AppError> {
    municipality::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(municipality_email_domain::Entity::find()
        .filter(municipality_email_domain::Column::MunicipalityId.eq(id))
        .order_by_asc(municipality_email_domain::Column::Domain)
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.domain)
        .collect())
}

/// Replaces the registered domains of a municipality. A domain another municipality has
/// registered is a 409 `domain_taken`.
pub async fn set_email_domains(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    domains: &[String],
) -> Result<Vec<String>, AppError> {
    let mut checks = Checks::default();
    let mut cleaned: Vec<String> = Vec::new();
    if domains.len() > EMAIL_DOMAINS_MAX {
        checks.push(FieldError::new(
            "domains",
            "too_many",
            format!("must name at most {EMAIL_DOMAINS_MAX} domains"),
        ));
    }
    for (index, domain) in domains.iter().enumerate() {
        if let Some(domain) = checks.check(check_email_domain(index, domain)) {
            cleaned.push(domain);
        }
    }
    checks.finish()?;
    cleaned.sort();
    cleaned.dedup();

    let txn = academy_kernel::db::begin_write(db).await?;
    municipality::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let taken = municipality_email_domain::Entity::find()
        .filter(municipality_email_domain::Column::Domain.is_in(cleaned.clone()))
        .filter(municipality_email_domain::Column::MunicipalityId.ne(id))
        .limit(1)
        .one(&txn)
        .await?;
    if let Some(taken) = taken {
        return Err(AppError::conflict(
            "domain_taken",
            format!(
                "The domain {} is registered for another municipality.",
                taken.domain
            ),
        ));
    }
    municipality_email_domain::Entity::delete_many()
        .filter(municipality_email_domain::Column::MunicipalityId.eq(id))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    if !cleaned.is_empty() {
        municipality_email_domain::Entity::insert_many(cleaned.iter().map(|domain| {
            municipality_email_domain::ActiveModel {
                domain: Set(domain.clone()),
                municipality_id: Set(id),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(caller.user_id),
        "municipality.email_domains_changed",
        "municipality",
        Some(id),
        json!({"domains": cleaned}),
    )
    .await?;
    txn.commit().await?;
    Ok(cleaned)
}

/// A pending membership request, for coordinators.
pub struct PendingMembership {
    /// The account asking to belong.
    pub account: user::Model,
    /// The municipality it names.
    pub municipality: Option<municipality::Model>,
}

/// The municipality whose requests the caller handles: coordinators any (or the one they
/// ask for), a contact person their own (403 for another), nobody else (403).
pub fn scope(caller: &Principal, asked: Option<Uuid>) -> Result<Option<Uuid>, AppError> {
    use crate::domain::Role;
    if caller.has_any(&[Role::Coordinator, Role::Admin]) {
        return Ok(asked);
    }
    match caller.contact_for() {
        Some(own) if asked.is_none_or(|a| a == own) => Ok(Some(own)),
        _ => Err(AppError::forbidden()),
    }
}

/// Pending requests, oldest first, optionally of one municipality.
pub async fn list_pending(
    db: &DatabaseConnection,
    municipality_id: Option<Uuid>,
    bounds: Bounds,
) -> Result<(Vec<PendingMembership>, u64), AppError> {
    let mut query = user::Entity::find()
        .filter(user::Column::MunicipalityId.is_not_null())
        .filter(user::Column::MunicipalityConfirmedAt.is_null());
    if let Some(id) = municipality_id {
        query = query.filter(user::Column::MunicipalityId.eq(id));
    }
    let total = query.clone().count(db).await?;
    let accounts = query
        .order_by_asc(user::Column::UpdatedAt)
        .order_by_asc(user::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = accounts.iter().filter_map(|a| a.municipality_id).collect();
    let municipalities = municipality::Entity::find()
        .filter(municipality::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let items = accounts
        .into_iter()
        .map(|account| PendingMembership {
            municipality: municipalities
                .iter()
                .find(|m| Some(m.id) == account.municipality_id)
                .cloned(),
            account,
        })
        .collect();
    Ok((items, total))
}

/// A coordinator confirms (`true`) or declines (`false`) the pending membership of
/// account `id`: 404 for an unknown account, 409 `no_membership_request` when nothing is
/// pending. Declining removes the claimed municipality.
pub async fn decide(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    confirm: bool,
) -> Result<user::Model, AppError> {
    let own = scope(caller, None)?;
    let txn = academy_kernel::db::begin_write(db).await?;
    let account = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        // A contact person sees only who asks to join their municipality.
        .filter(|a| own.is_none() || a.municipality_id == own)
        .ok_or_else(AppError::not_found)?;
    let Some(municipality) = account
        .municipality_id
        .filter(|_| account.municipality_confirmed_at.is_none())
    else {
        return Err(AppError::conflict(
            "no_membership_request",
            "The account has no pending request to join a municipality.",
        ));
    };
    let now = Utc::now();
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::MunicipalityId.eq(municipality))
        .filter(user::Column::MunicipalityConfirmedAt.is_null());
    update = if confirm {
        update.col_expr(user::Column::MunicipalityConfirmedAt, Expr::value(now))
    } else {
        update.col_expr(
            user::Column::MunicipalityId,
            Expr::value(Option::<Uuid>::None),
        )
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(AppError::conflict(
            "no_membership_request",
            "The account has no pending request to join a municipality.",
        ));
    }
    audit::record(
        &txn,
        Some(caller.user_id),
        if confirm {
            "user.municipality_confirmed"
        } else {
            "user.municipality_declined"
        },
        "user",
        Some(id),
        json!({"municipalityId": municipality}),
    )
    .await?;
    let updated = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    txn.commit().await?;
    Ok(updated)
}
