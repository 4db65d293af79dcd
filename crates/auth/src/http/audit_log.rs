//! `/audit-log`: who changed what, when. Administrators.

use academy_kernel::extract::Query;
use academy_kernel::{AppError, Bounds, Db, Page};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::{self, AuditFilter};
use crate::entity::audit_entry;
use crate::principal::{Admins, Require};

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryResponse {
    /// The entry's id.
    pub id: Uuid,
    /// Who did it; absent for the command line and the system.
    pub actor_id: Option<Uuid>,
    /// What happened, e.g. `user.roles_changed`.
    #[schema(example = "user.roles_changed")]
    pub action: String,
    /// Kind of the changed thing, e.g. `user`.
    #[schema(example = "user")]
    pub subject_type: String,
    /// Id of the changed thing.
    pub subject_id: Option<Uuid>,
    /// Specifics of the change, e.g. old and new roles.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl From<audit_entry::Model> for AuditEntryResponse {
    fn from(model: audit_entry::Model) -> Self {
        Self {
            id: model.id,
            actor_id: model.actor_id,
            action: model.action,
            subject_type: model.subject_type,
            subject_id: model.subject_id,
            details: model.details,
            created_at: model.created_at,
        }
    }
}

/// Filters and page of the audit log.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    /// Only changes made by this account.
    pub actor_id: Option<Uuid>,
    /// Only changes of this kind of thing, e.g. `user`.
    pub subject_type: Option<String>,
    /// Only changes of this thing.
    pub subject_id: Option<Uuid>,
    /// Exact action, e.g. `user.disabled`.
    pub action: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[param(schema_with = academy_kernel::page::limit_schema)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    #[param(schema_with = academy_kernel::page::offset_schema)]
    pub offset: Option<u64>,
}

/// The audit log, newest first. Administrators.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditListQuery),
    responses(
        (status = OK, description = "One page of entries.", body = Page<AuditEntryResponse>),
        academy_kernel::responses::SignedIn,
    )
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    db: web::Data<Db>,
    _caller: Require<Admins>,
    query: Query<AuditListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let bounds = Bounds::new(query.limit, query.offset)?;
    let (items, total) = audit::list(
        db.get_ref(),
        AuditFilter {
            actor_id: query.actor_id,
            subject_type: query.subject_type,
            subject_id: query.subject_id,
            action: query.action,
        },
        bounds,
    )
    .await?;
    let items = items.into_iter().map(AuditEntryResponse::from).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, total, bounds)))
}
