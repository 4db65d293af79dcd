//! Queries of what is a guide's own: its revisions' content columns and the files each
//! revision carries (the workflow's queries are `academy_publishing`'s). Generic over
//! `ConnectionTrait`, so each runs on the pool or inside a transaction.

use academy_kernel::AppError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

use crate::domain::Content;
use crate::entity::guide_revision;

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{error}"))
}

/// A revision by id.
pub async fn find_revision(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<guide_revision::Model>, AppError> {
    Ok(guide_revision::Entity::find_by_id(id).one(db).await?)
}

/// Revision fields from validated content.
pub fn content_columns(
    content: &Content,
    mut revision: guide_revision::ActiveModel,
) -> guide_revision::ActiveModel {
    use sea_orm::ActiveValue::Set;
    revision.title = Set(content.title.clone());
    revision.summary = Set(content.summary.clone());
    revision.context = Set(content.context.clone());
    revision.steps = Set(serde_json::to_value(&content.steps).unwrap_or_default());
    revision.success_factors = Set(content.success_factors.clone());
    revision.pitfalls = Set(content.pitfalls.clone());
    revision.body = Set(content.body.clone());
    revision.language = Set(content.language.clone());
    revision.easy_language_guide_id = Set(content.easy_language_guide_id);
    revision.contact_name = Set(content.contact_name.clone());
    revision.contact_email = Set(content.contact_email.clone());
    revision.reading_minutes = Set(content.reading_minutes);
    revision.change_note = Set(content.change_note.clone());
    revision
}

/// The table of which files each revision carries.
const REVISION_ATTACHMENTS: &str = "guide_revision_attachments";

/// Attaches a stored file to a revision.
pub async fn link_attachment(
    db: &impl ConnectionTrait,
    revision_id: Uuid,
    attachment_id: Uuid,
) -> Result<(), AppError> {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(REVISION_ATTACHMENTS))
        .columns([Alias::new("revision_id"), Alias::new("attachment_id")])
        .values([revision_id.into(), attachment_id.into()])
        .map_err(internal)?;
    db.execute_raw(db.get_database_backend().build(&insert))
        .await?;
    Ok(())
}

/// Takes a file off a revision; `false` when the revision did not carry it.
pub async fn unlink_attachment(
    db: &impl ConnectionTrait,
    revision_id: Uuid,
    attachment_id: Uuid,
) -> Result<bool, AppError> {
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(REVISION_ATTACHMENTS))
        .and_where(Expr::col(Alias::new("revision_id")).eq(revision_id))
        .and_where(Expr::col(Alias::new("attachment_id")).eq(attachment_id));
    let result = db
        .execute_raw(db.get_database_backend().build(&delete))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// A new revision carries the files of the one it was copied from.
pub async fn copy_attachments(
    db: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
) -> Result<(), AppError> {
    let mut select = Query::select();
    select
        .expr(Expr::val(to))
        .column(Alias::new("attachment_id"))
        .from(Alias::new(REVISION_ATTACHMENTS))
        .and_where(Expr::col(Alias::new("revision_id")).eq(from));
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(REVISION_ATTACHMENTS))
        .columns([Alias::new("revision_id"), Alias::new("attachment_id")])
        .select_from(select)
        .map_err(internal)?;
    db.execute_raw(db.get_database_backend().build(&insert))
        .await?;
    Ok(())
}

/// The sub-query of the attachments `revision_id` carries, for filters.
pub fn attachments_of(revision_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    let mut select = Query::select();
    select
        .column(Alias::new("attachment_id"))
        .from(Alias::new(REVISION_ATTACHMENTS))
        .and_where(Expr::col(Alias::new("revision_id")).eq(revision_id));
    select
}

/// Whether any revision still carries the file.
pub async fn attachment_in_use(
    db: &impl ConnectionTrait,
    attachment_id: Uuid,
) -> Result<bool, AppError> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let mut select = Query::select();
    select
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Alias::new(REVISION_ATTACHMENTS))
        .and_where(Expr::col(Alias::new("attachment_id")).eq(attachment_id));
    let count = Count::find_by_statement(db.get_database_backend().build(&select))
        .one(db)
        .await?
        .map_or(0, |c| c.n);
    Ok(count > 0)
}
