//! What each revision is linked to: terms of the taxonomy (fields of action, phases,
//! audiences) and co-publishing organisations. Each kind keeps them in four tables of
//! its own (`<prefix>_fields_of_action`, `_phases`, `_audiences`, `_organisations`), of
//! the same shape, so that the queries here serve every kind.

use std::collections::HashMap;

use academy_auth::entity::organisation;
use academy_kernel::{AppError, FieldError};
use academy_taxonomy::TermKind;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

use crate::Kind;

/// One of the per-revision link tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The table of `kind` for this link.
    pub fn table(self, kind: &Kind) -> String {
        let suffix = match self {
            Link::FieldsOfAction => "fields_of_action",
            Link::Phases => "phases",
            Link::Audiences => "audiences",
            Link::CoPublishers => "organisations",
        };
        format!("{}_{suffix}", kind.link_prefix)
    }

    /// The column naming the linked thing.
    pub fn column(self) -> &'static str {
        match self {
            Link::FieldsOfAction => "field_of_action_slug",
            Link::Phases => "phase_slug",
            Link::Audiences => "audience_slug",
            Link::CoPublishers => "organisation_id",
        }
    }
}

/// The taxonomy terms and co-publishers a revision is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub fields_of_action: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

/// The terms and organisations one revision is linked to, in a stable order, with the
/// themes its fields of action belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

impl Links {
    /// The links as given to a new revision (the themes follow from the fields).
    pub fn tags(&self) -> Tags {
        Tags {
            fields_of_action: self.fields_of_action.clone(),
            phases: self.phases.clone(),
            audiences: self.audiences.clone(),
            co_publishers: self.co_publishers.clone(),
        }
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{error}"))
}

/// 422 `unknown` (one entry per value) for every term or organisation that does not
/// exist; the fields are named as in the request (`fieldsOfAction[1]`).
pub async fn unknown_references(
    db: &impl ConnectionTrait,
    tags: &Tags,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    let terms = [
        (
            "fieldsOfAction",
            TermKind::FieldsOfAction,
            &tags.fields_of_action,
        ),
        ("phases", TermKind::Phases, &tags.phases),
        ("audiences", TermKind::Audiences, &tags.audiences),
    ];
    for (field, kind, slugs) in terms {
        for (i, slug) in slugs.iter().enumerate() {
            if academy_taxonomy::terms::find(db, kind, slug)
                .await?
                .is_none()
            {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    "unknown",
                    "no such term in the taxonomy",
                ));
            }
        }
    }
    for (i, id) in tags.co_publishers.iter().enumerate() {
        if organisation::Entity::find_by_id(*id)
            .one(db)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                format!("coPublishers[{i}]"),
                "unknown",
                "no such organisation",
            ));
        }
    }
    Ok(errors)
}

/// Writes the links of a revision.
pub async fn insert(
    db: &impl ConnectionTrait,
    kind: &Kind,
    revision_id: Uuid,
    tags: &Tags,
) -> Result<(), AppError> {
    let slugs = [
        (Link::FieldsOfAction, &tags.fields_of_action),
        (Link::Phases, &tags.phases),
        (Link::Audiences, &tags.audiences),
    ];
    for (link, values) in slugs {
        if values.is_empty() {
            continue;
        }
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(link.table(kind)))
            .columns([Alias::new("revision_id"), Alias::new(link.column())]);
        for value in values {
            insert
                .values([revision_id.into(), value.clone().into()])
                .map_err(internal)?;
        }
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
    }
    if !tags.co_publishers.is_empty() {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(Link::CoPublishers.table(kind)))
            .columns([
                Alias::new("revision_id"),
                Alias::new(Link::CoPublishers.column()),
            ]);
        for id in &tags.co_publishers {
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
pub async fn delete(
    db: &impl ConnectionTrait,
    kind: &Kind,
    revision_id: Uuid,
) -> Result<(), AppError> {
    for link in Link::ALL {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(link.table(kind)))
            .and_where(Expr::col(Alias::new("revision_id")).eq(revision_id));
        db.execute_raw(db.get_database_backend().build(&delete))
            .await?;
    }
    Ok(())
}

/// Replaces the links of a revision.
pub async fn replace(
    db: &impl ConnectionTrait,
    kind: &Kind,
    revision_id: Uuid,
    tags: &Tags,
) -> Result<(), AppError> {
    delete(db, kind, revision_id).await?;
    insert(db, kind, revision_id, tags).await
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
pub async fn load(
    db: &impl ConnectionTrait,
    kind: &Kind,
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
            .from(Alias::new(link.table(kind)))
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

/// The links of one revision.
pub async fn load_one(
    db: &impl ConnectionTrait,
    kind: &Kind,
    revision_id: Uuid,
) -> Result<Links, AppError> {
    Ok(load(db, kind, &[revision_id])
        .await?
        .remove(&revision_id)
        .unwrap_or_default())
}
