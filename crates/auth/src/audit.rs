//! The audit log: every state change that matters, with who did it and when.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

use crate::entity::audit_entry;

/// Records `action` on a subject, in the caller's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<Uuid>,
    action: &str,
    subject_type: &str,
    subject_id: Option<Uuid>,
    details: Value,
) -> Result<(), DbErr> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        details: Set((!details.is_null()).then_some(details)),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Filters of the audit log.
#[derive(Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub action: Option<String>,
}

/// Entries, newest first, with the total.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: AuditFilter,
    bounds: academy_kernel::Bounds,
) -> Result<(Vec<audit_entry::Model>, u64), DbErr> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query = audit_entry::Entity::find();
    if let Some(id) = filter.actor_id {
        query = query.filter(audit_entry::Column::ActorId.eq(id));
    }
    if let Some(kind) = filter.subject_type {
        query = query.filter(audit_entry::Column::SubjectType.eq(kind));
    }
    if let Some(id) = filter.subject_id {
        query = query.filter(audit_entry::Column::SubjectId.eq(id));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_entry::Column::Action.eq(action));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(audit_entry::Column::CreatedAt)
        .order_by_desc(audit_entry::Column::Id)
        .limit(bounds.limit)
        .offset(bounds.offset)
        .all(db)
        .await?;
    Ok((items, total))
}
