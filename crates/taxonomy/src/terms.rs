//! Terms of the four kinds, read and written through one code path: the kinds differ
//! only in their table and one extra column (a theme's letter, a field of action's theme).

use academy_auth::Principal;
use academy_kernel::db::begin_write;
use academy_kernel::{AppError, FieldError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, StatementBuilder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The four kinds of terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TermKind {
    /// Themenfelder (A–D), each grouping fields of action.
    Themes,
    /// Handlungsfelder, each belonging to a theme.
    FieldsOfAction,
    /// Programme phases of a funded site.
    Phases,
    /// Target audiences of content.
    Audiences,
}

impl TermKind {
    fn table(self) -> &'static str {
        match self {
            TermKind::Themes => "themes",
            TermKind::FieldsOfAction => "fields_of_action",
            TermKind::Phases => "phases",
            TermKind::Audiences => "audiences",
        }
    }

    /// The kind-specific column, if any.
    fn extra(self) -> Option<&'static str> {
        match self {
            TermKind::Themes => Some("code"),
            TermKind::FieldsOfAction => Some("theme_slug"),
            TermKind::Phases | TermKind::Audiences => None,
        }
    }

    /// Path segment, e.g. `fields-of-action`.
    pub fn segment(self) -> &'static str {
        match self {
            TermKind::Themes => "themes",
            TermKind::FieldsOfAction => "fields-of-action",
            TermKind::Phases => "phases",
            TermKind::Audiences => "audiences",
        }
    }
}

/// One stored term of any kind.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Term {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// The theme's letter or the field of action's theme; none for other kinds.
    pub extra: Option<String>,
}

fn select(kind: TermKind) -> SelectStatement {
    let mut query = Query::select();
    query.from(Alias::new(kind.table())).columns(
        [
            "slug",
            "name",
            "description",
            "position",
            "version",
            "updated_at",
        ]
        .map(Alias::new),
    );
    match kind.extra() {
        Some(column) => query.expr_as(Expr::col(Alias::new(column)), Alias::new("extra")),
        // A typed NULL, so that PostgreSQL knows what it is.
        None => query.expr_as(Expr::cust("CAST(NULL AS TEXT)"), Alias::new("extra")),
    };
    query
}

fn build(db: &impl ConnectionTrait, statement: &impl StatementBuilder) -> sea_orm::Statement {
    db.get_database_backend().build(statement)
}

/// Every term of `kind`, in order.
pub async fn list(db: &impl ConnectionTrait, kind: TermKind) -> Result<Vec<Term>, AppError> {
    let mut query = select(kind);
    query
        .order_by(Alias::new("position"), sea_orm::sea_query::Order::Asc)
        .order_by(Alias::new("slug"), sea_orm::sea_query::Order::Asc);
    Ok(Term::find_by_statement(build(db, &query)).all(db).await?)
}

/// One term, or `None`.
/// Most values one multi-select filter takes (`?fieldOfAction=a&fieldOfAction=b…`).
pub const MAX_FILTER_VALUES: usize = 20;

/// Checks the slugs of a list filter named `parameter`: each must name a term of `kind`,
/// and there may be at most [`MAX_FILTER_VALUES`]. The problems, as field errors
/// (`fieldOfAction[1]`: `unknown`), for a 422 — an unknown slug is a mistake, not a filter
/// that matches nothing.
pub async fn check_filter(
    db: &impl ConnectionTrait,
    kind: TermKind,
    parameter: &str,
    slugs: &[String],
) -> Result<Vec<FieldError>, AppError> {
    if slugs.len() > MAX_FILTER_VALUES {
        return Ok(vec![FieldError::new(
            parameter.to_owned(),
            "too_many",
            format!("takes at most {MAX_FILTER_VALUES} values"),
        )]);
    }
    let mut errors = Vec::new();
    for (i, slug) in slugs.iter().enumerate() {
        if find(db, kind, slug).await?.is_none() {
            errors.push(FieldError::new(
                format!("{parameter}[{i}]"),
                "unknown",
                "no such term in the taxonomy",
            ));
        }
    }
    Ok(errors)
}

pub async fn find(
    db: &impl ConnectionTrait,
    kind: TermKind,
    slug: &str,
) -> Result<Option<Term>, AppError> {
    let mut query = select(kind);
    query.and_where(Expr::col(Alias::new("slug")).eq(slug));
    Ok(Term::find_by_statement(build(db, &query)).one(db).await?)
}

/// Shortest and longest slug, in characters.
pub const SLUG_LENGTH: (usize, usize) = (2, 64);
/// A slug as a pattern: `a-z` and `0-9` with single inner hyphens ([`valid_slug`]).
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// A slug: 2–64 characters of `a-z`, `0-9` and single inner hyphens.
pub fn valid_slug(slug: &str) -> bool {
    (SLUG_LENGTH.0..=SLUG_LENGTH.1).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

/// What a coordinator sends for a term.
pub struct TermInput {
    pub name: String,
    pub description: Option<String>,
    pub position: Option<i32>,
    pub code: Option<String>,
    pub theme_slug: Option<String>,
}

/// Longest name, in characters.
/// Longest term name.
pub const NAME_MAX: usize = 200;
/// Longest description, in characters.
/// Longest term description.
pub const DESCRIPTION_MAX: usize = 2000;
/// A theme's code: one capital letter.
pub const CODE_PATTERN: &str = "^[A-Z]$";

/// Checks `input` for `kind`; returns name, description and the extra column's value.
async fn check(
    db: &impl ConnectionTrait,
    kind: TermKind,
    slug: &str,
    input: &TermInput,
    existing: Option<&Term>,
) -> Result<(String, Option<String>, Option<String>), AppError> {
    let mut errors = Vec::new();
    if !valid_slug(slug) {
        errors.push(FieldError::new(
            "slug",
            "invalid_slug",
            "must be 2–64 characters of a–z, 0–9 and single inner hyphens",
        ));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::new("name", "required", "must not be empty"));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            "name",
            "too_long",
            format!("must be at most {NAME_MAX} characters"),
        ));
    }
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
    {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        ));
    }
    let not_applicable = |field: &'static str| {
        FieldError::new(
            field,
            "not_applicable",
            "does not apply to this kind of term",
        )
    };
    let extra = match kind {
        TermKind::Themes => {
            if input.theme_slug.is_some() {
                errors.push(not_applicable("themeSlug"));
            }
            match (input.code.as_deref(), existing) {
                (Some(code), _)
                    if code.len() == 1 && code.bytes().all(|b| b.is_ascii_uppercase()) =>
                {
                    Some(code.to_owned())
                }
                (Some(_), _) => {
                    errors.push(FieldError::new(
                        "code",
                        "invalid_code",
                        "must be one capital letter, e.g. E",
                    ));
                    None
                }
                (None, Some(existing)) => existing.extra.clone(),
                (None, None) => {
                    errors.push(FieldError::new(
                        "code",
                        "required",
                        "a new theme needs a letter",
                    ));
                    None
                }
            }
        }
        TermKind::FieldsOfAction => {
            if input.code.is_some() {
                errors.push(not_applicable("code"));
            }
            match (input.theme_slug.as_deref(), existing) {
                (Some(theme), _) => {
                    if find(db, TermKind::Themes, theme).await?.is_none() {
                        errors.push(FieldError::new(
                            "themeSlug",
                            "unknown",
                            "no theme has this slug",
                        ));
                    }
                    Some(theme.to_owned())
                }
                (None, Some(existing)) => existing.extra.clone(),
                (None, None) => {
                    errors.push(FieldError::new(
                        "themeSlug",
                        "required",
                        "a field of action belongs to a theme",
                    ));
                    None
                }
            }
        }
        TermKind::Phases | TermKind::Audiences => {
            if input.code.is_some() {
                errors.push(not_applicable("code"));
            }
            if input.theme_slug.is_some() {
                errors.push(not_applicable("themeSlug"));
            }
            None
        }
    };
    if errors.is_empty() {
        Ok((name, description, extra))
    } else {
        Err(AppError::validation(errors))
    }
}

/// Whether [`put`] created the term or replaced it.
pub enum Put {
    Created(Term),
    Replaced(Term),
}

/// Creates the term `slug` of `kind`, or replaces its fields. A replacement honours the
/// caller's `If-Match` through `expected_version`; both are audited.
pub async fn put(
    db: &DatabaseConnection,
    caller: &Principal,
    kind: TermKind,
    slug: &str,
    input: TermInput,
    expected_version: impl FnOnce(i32) -> Result<(), AppError>,
) -> Result<Put, AppError> {
    let txn = begin_write(db).await?;
    let existing = find(&txn, kind, slug).await?;
    let (name, description, extra) = check(&txn, kind, slug, &input, existing.as_ref()).await?;
    let now = Utc::now();
    let table = Alias::new(kind.table());
    let created = match &existing {
        None => {
            let position = match input.position {
                Some(position) => position,
                None => i32::try_from(list(&txn, kind).await?.len()).unwrap_or(i32::MAX - 1) + 1,
            };
            let mut columns = vec![
                "slug",
                "name",
                "description",
                "position",
                "version",
                "updated_at",
            ];
            let mut values: Vec<sea_orm::sea_query::SimpleExpr> = vec![
                slug.into(),
                name.into(),
                description.into(),
                position.into(),
                1.into(),
                now.into(),
            ];
            if let (Some(column), Some(value)) = (kind.extra(), extra) {
                columns.push(column);
                values.push(value.into());
            }
            let mut insert = Query::insert();
            insert
                .into_table(table)
                .columns(columns.into_iter().map(Alias::new))
                .values(values)
                .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
            txn.execute_raw(build(&txn, &insert)).await?;
            true
        }
        Some(current) => {
            expected_version(current.version)?;
            let mut update = Query::update();
            update
                .table(table)
                .value(Alias::new("name"), name)
                .value(Alias::new("description"), description)
                .value(
                    Alias::new("position"),
                    input.position.unwrap_or(current.position),
                )
                .value(Alias::new("version"), current.version + 1)
                .value(Alias::new("updated_at"), now)
                .and_where(Expr::col(Alias::new("slug")).eq(slug))
                .and_where(Expr::col(Alias::new("version")).eq(current.version));
            if let (Some(column), Some(value)) = (kind.extra(), extra) {
                update.value(Alias::new(column), value);
            }
            let result = txn.execute_raw(build(&txn, &update)).await?;
            if result.rows_affected() != 1 {
                return Err(AppError::precondition_failed());
            }
            false
        }
    };
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        if created {
            "taxonomy.created"
        } else {
            "taxonomy.updated"
        },
        kind.table(),
        None,
        json!({"slug": slug}),
    )
    .await?;
    let term = find(&txn, kind, slug)
        .await?
        .ok_or_else(AppError::not_found)?;
    txn.commit().await?;
    Ok(if created {
        Put::Created(term)
    } else {
        Put::Replaced(term)
    })
}

/// Deletes a term nothing refers to (409 `reference_conflict` otherwise, e.g. a theme
/// that still has fields of action).
pub async fn delete(
    db: &DatabaseConnection,
    caller: &Principal,
    kind: TermKind,
    slug: &str,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let mut statement = Query::delete();
    statement
        .from_table(Alias::new(kind.table()))
        .and_where(Expr::col(Alias::new("slug")).eq(slug));
    let result = txn.execute_raw(build(&txn, &statement)).await?;
    if result.rows_affected() == 0 {
        return Err(AppError::not_found());
    }
    academy_auth::audit::record(
        &txn,
        Some(caller.user_id),
        "taxonomy.deleted",
        kind.table(),
        None,
        json!({"slug": slug}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_single_hyphens() {
        for good in ["housing", "public-spaces", "a1", "local-economy-employment"] {
            assert!(valid_slug(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "Housing",
            "-housing",
            "housing-",
            "public--spaces",
            "öffentlich",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }
}
