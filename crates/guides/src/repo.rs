//! Queries: guides with the revision to show, the per-revision links, and the
//! conditional updates the workflow relies on. Generic over `ConnectionTrait`, so each
//! runs on the pool or inside a transaction.

use std::collections::HashMap;

use academy_kernel::AppError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::Content;
use crate::entity::{guide, guide_revision};

/// A per-revision link table: its name and the column naming the linked thing.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    FieldsOfAction,
    Phases,
    Audiences,
    CoPublishers,
}

impl Link {
    pub const ALL: [Link; 4] = [
        Link::FieldsOfAction,
        Link::Phases,
        Link::Audiences,
        Link::CoPublishers,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Link::FieldsOfAction => "guide_revision_fields_of_action",
            Link::Phases => "guide_revision_phases",
            Link::Audiences => "guide_revision_audiences",
            Link::CoPublishers => "guide_revision_organisations",
        }
    }

    pub fn column(self) -> &'static str {
        match self {
            Link::FieldsOfAction => "field_of_action_slug",
            Link::Phases => "phase_slug",
            Link::Audiences => "audience_slug",
            Link::CoPublishers => "organisation_id",
        }
    }
}

/// The terms and organisations one revision is linked to, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{error}"))
}

/// Writes the links of a new revision.
pub async fn insert_links(
    db: &impl ConnectionTrait,
    revision_id: Uuid,
    content: &Content,
) -> Result<(), AppError> {
    let slugs = [
        (Link::FieldsOfAction, &content.fields_of_action),
        (Link::Phases, &content.phases),
        (Link::Audiences, &content.audiences),
    ];
    for (link, values) in slugs {
        if values.is_empty() {
            continue;
        }
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(link.table()))
            .columns([Alias::new("revision_id"), Alias::new(link.column())]);
        for value in values {
            insert
                .values([revision_id.into(), value.clone().into()])
                .map_err(internal)?;
        }
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
    }
    if !content.co_publishers.is_empty() {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(Link::CoPublishers.table()))
            .columns([
                Alias::new("revision_id"),
                Alias::new(Link::CoPublishers.column()),
            ]);
        for id in &content.co_publishers {
            insert
                .values([revision_id.into(), (*id).into()])
                .map_err(internal)?;
        }
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
    }
    Ok(())
}

/// Removes every link of a revision, before it is rewritten.
pub async fn delete_links(db: &impl ConnectionTrait, revision_id: Uuid) -> Result<(), AppError> {
    for link in Link::ALL {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(link.table()))
            .and_where(Expr::col(Alias::new("revision_id")).eq(revision_id));
        db.execute_raw(db.get_database_backend().build(&delete))
            .await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct SlugRow {
    revision_id: Uuid,
    value: String,
}

#[derive(FromQueryResult)]
struct IdRow {
    revision_id: Uuid,
    value: Uuid,
}

#[derive(FromQueryResult)]
struct ThemeRow {
    slug: String,
    theme_slug: String,
}

/// The links of each of `revision_ids`, themes derived from the fields of action.
pub async fn load_links(
    db: &impl ConnectionTrait,
    revision_ids: &[Uuid],
) -> Result<HashMap<Uuid, Links>, AppError> {
    let mut out: HashMap<Uuid, Links> = revision_ids
        .iter()
        .map(|id| (*id, Links::default()))
        .collect();
    if revision_ids.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    for link in Link::ALL {
        let mut select = Query::select();
        select
            .column(Alias::new("revision_id"))
            .expr_as(Expr::col(Alias::new(link.column())), Alias::new("value"))
            .from(Alias::new(link.table()))
            .and_where(Expr::col(Alias::new("revision_id")).is_in(revision_ids.iter().copied()))
            .order_by(Alias::new(link.column()), sea_orm::sea_query::Order::Asc);
        let statement = backend.build(&select);
        if let Link::CoPublishers = link {
            for row in IdRow::find_by_statement(statement).all(db).await? {
                if let Some(links) = out.get_mut(&row.revision_id) {
                    links.co_publishers.push(row.value);
                }
            }
            continue;
        }
        for row in SlugRow::find_by_statement(statement).all(db).await? {
            if let Some(links) = out.get_mut(&row.revision_id) {
                match link {
                    Link::FieldsOfAction => links.fields_of_action.push(row.value),
                    Link::Phases => links.phases.push(row.value),
                    Link::Audiences => links.audiences.push(row.value),
                    Link::CoPublishers => {}
                }
            }
        }
    }
    let fields: Vec<String> = out
        .values()
        .flat_map(|l| l.fields_of_action.iter().cloned())
        .collect();
    if !fields.is_empty() {
        let mut select = Query::select();
        select
            .columns([Alias::new("slug"), Alias::new("theme_slug")])
            .from(Alias::new("fields_of_action"))
            .and_where(Expr::col(Alias::new("slug")).is_in(fields));
        let themes: HashMap<String, String> = ThemeRow::find_by_statement(backend.build(&select))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.slug, row.theme_slug))
            .collect();
        for links in out.values_mut() {
            let mut derived: Vec<String> = links
                .fields_of_action
                .iter()
                .filter_map(|f| themes.get(f).cloned())
                .collect();
            derived.sort();
            derived.dedup();
            links.themes = derived;
        }
    }
    Ok(out)
}

/// A guide by id, or by slug when `key` is not a UUID.
pub async fn find_guide(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<guide::Model>, AppError> {
    let query = match Uuid::parse_str(key) {
        Ok(id) => guide::Entity::find_by_id(id),
        Err(_) => guide::Entity::find().filter(guide::Column::Slug.eq(key)),
    };
    Ok(query.one(db).await?)
}

/// A revision by id.
pub async fn find_revision(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<guide_revision::Model>, AppError> {
    Ok(guide_revision::Entity::find_by_id(id).one(db).await?)
}

/// The next revision number of a guide.
pub async fn next_number(db: &impl ConnectionTrait, guide_id: Uuid) -> Result<i32, AppError> {
    let last = guide_revision::Entity::find()
        .filter(guide_revision::Column::GuideId.eq(guide_id))
        .order_by_desc(guide_revision::Column::Number)
        .limit(1)
        .one(db)
        .await?;
    Ok(last.map_or(1, |r| r.number + 1))
}

/// Raises the guide's version if it still is `expected`: the first write of every change,
/// so concurrent changes serialise on the row and all but one see a stale version.
/// `false` when someone else changed the guide first.
pub async fn bump_version(
    db: &impl ConnectionTrait,
    guide_id: Uuid,
    expected: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let result = guide::Entity::update_many()
        .col_expr(guide::Column::Version, Expr::value(expected + 1))
        .col_expr(guide::Column::UpdatedAt, Expr::value(now))
        .filter(guide::Column::Id.eq(guide_id))
        .filter(guide::Column::Version.eq(expected))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
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
