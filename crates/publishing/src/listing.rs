//! The conditions every list of published content shares: what the caller may see, the
//! taxonomy and organisation filters, the workflow status (the coordinators' review
//! queue) and review-due dates. Each content crate adds its own (language, search, …)
//! and runs the query on its items table.

use academy_auth::{Principal, Role};
use academy_kernel::{AppError, FieldError};
use academy_taxonomy::TermKind;
use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{Condition, ConnectionTrait};
use uuid::Uuid;

use crate::links::Link;
use crate::{Kind, PublicationStatus, RevisionState, is_staff};

/// The filters every content list has.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Each list filter matches any of its values; the filters combine with AND.
    pub field_of_action: Vec<String>,
    pub theme: Vec<String>,
    pub phase: Vec<String>,
    pub audience: Vec<String>,
    /// Publishing or co-publishing organisation.
    pub organisation: Vec<Uuid>,
    pub status: Option<PublicationStatus>,
    /// Coordinators only: items whose review date has passed.
    pub review_due: bool,
}

/// The revision a list shows: the live one, or for unpublished items the working one.
pub fn shown(kind: &Kind) -> String {
    format!(
        "COALESCE({items}.live_revision_id, {items}.working_revision_id)",
        items = kind.items
    )
}

fn col(kind: &Kind, column: &str) -> Expr {
    Expr::col((Alias::new(kind.items), Alias::new(column)))
}

/// `EXISTS (SELECT 1 FROM table x WHERE <joined> AND x.column IN values)`, built so that
/// each backend gets its own placeholder.
pub fn exists<V: Into<sea_orm::Value>>(
    table: &str,
    joined: String,
    column: &str,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    let mut select = Query::select();
    select
        .expr(Expr::cust("1"))
        .from_as(Alias::new(table), Alias::new("x"))
        .and_where(Expr::cust(joined))
        .and_where(
            Expr::col((Alias::new("x"), Alias::new(column)))
                .is_in(values.into_iter().map(Into::into)),
        );
    Expr::exists(select)
}

/// The shown revision is linked to any of `values`.
fn linked<V: Into<sea_orm::Value>>(
    kind: &Kind,
    link: Link,
    values: impl IntoIterator<Item = V>,
) -> SimpleExpr {
    exists(
        &link.table(kind),
        format!("x.revision_id = {}", shown(kind)),
        link.column(),
        values,
    )
}

/// The items the caller edits, in SQL: the same rule as [`crate::is_editor`].
pub fn edited(kind: &Kind, caller: Option<&Principal>) -> Condition {
    match caller {
        Some(c) if is_staff(c) => Condition::all(),
        Some(c) if c.has(Role::Author) && c.organisation_id.is_some() => {
            Condition::all().add(col(kind, "organisation_id").eq(c.organisation_id))
        }
        _ => Condition::all().add(Expr::cust("1 = 0")),
    }
}

/// The items everyone sees: live and not archived.
pub fn public(kind: &Kind) -> Condition {
    Condition::all()
        .add(col(kind, "live_revision_id").is_not_null())
        .add(col(kind, "archived_at").is_null())
}

/// 422 for every filter value that names no term or organisation (or too many values).
pub async fn check(db: &impl ConnectionTrait, filter: &Filter) -> Result<(), AppError> {
    let mut unknown = Vec::new();
    for (parameter, kind, slugs) in [
        (
            "fieldOfAction",
            TermKind::FieldsOfAction,
            &filter.field_of_action,
        ),
        ("theme", TermKind::Themes, &filter.theme),
        ("phase", TermKind::Phases, &filter.phase),
        ("audience", TermKind::Audiences, &filter.audience),
    ] {
        unknown.extend(academy_taxonomy::terms::check_filter(db, kind, parameter, slugs).await?);
    }
    if filter.organisation.len() > academy_taxonomy::terms::MAX_FILTER_VALUES {
        unknown.push(FieldError::new(
            "organisation",
            "too_many",
            format!(
                "takes at most {} values",
                academy_taxonomy::terms::MAX_FILTER_VALUES
            ),
        ));
    } else {
        unknown.extend(
            academy_auth::unknown_organisations(db, "organisation", &filter.organisation).await?,
        );
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(unknown))
    }
}

/// The condition of a list on `kind`'s items table: visibility for the caller and the
/// shared filters. 403 for `review_due` asked by someone outside the coordinating office;
/// 422 for unknown filter values.
pub async fn condition(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: Option<&Principal>,
    filter: Filter,
) -> Result<Condition, AppError> {
    if filter.review_due && !caller.is_some_and(is_staff) {
        return Err(AppError::forbidden());
    }
    check(db, &filter).await?;
    let edited = edited(kind, caller);
    let mut condition =
        Condition::all().add(Condition::any().add(public(kind)).add(edited.clone()));
    if !filter.field_of_action.is_empty() {
        condition = condition.add(linked(kind, Link::FieldsOfAction, filter.field_of_action));
    }
    if !filter.theme.is_empty() {
        let mut fields = Query::select();
        fields
            .column(Alias::new("slug"))
            .from(Alias::new("fields_of_action"))
            .and_where(Expr::col(Alias::new("theme_slug")).is_in(filter.theme));
        let mut select = Query::select();
        select
            .expr(Expr::cust("1"))
            .from_as(
                Alias::new(Link::FieldsOfAction.table(kind)),
                Alias::new("x"),
            )
            .and_where(Expr::cust(format!("x.revision_id = {}", shown(kind))))
            .and_where(
                Expr::col((Alias::new("x"), Alias::new(Link::FieldsOfAction.column())))
                    .in_subquery(fields),
            );
        condition = condition.add(Expr::exists(select));
    }
    if !filter.phase.is_empty() {
        condition = condition.add(linked(kind, Link::Phases, filter.phase));
    }
    if !filter.audience.is_empty() {
        condition = condition.add(linked(kind, Link::Audiences, filter.audience));
    }
    if !filter.organisation.is_empty() {
        condition = condition.add(
            Condition::any()
                .add(col(kind, "organisation_id").is_in(filter.organisation.clone()))
                .add(linked(kind, Link::CoPublishers, filter.organisation)),
        );
    }
    if let Some(status) = filter.status {
        let working_in = |state: RevisionState| {
            exists(
                kind.revisions,
                format!("x.id = {}.working_revision_id", kind.items),
                "state",
                [state.as_str()],
            )
        };
        // `draft`, `in_review` and `scheduled` ask for the working revision's state, also
        // of published items: the coordinators' review queue includes new revisions of
        // live items. Only of items the caller edits: that a live item has a draft is
        // nobody else's business.
        let working = |state: RevisionState| {
            Condition::all()
                .add(edited.clone())
                .add(col(kind, "archived_at").is_null())
                .add(working_in(state))
        };
        condition = condition.add(match status {
            PublicationStatus::Archived => {
                Condition::all().add(col(kind, "archived_at").is_not_null())
            }
            PublicationStatus::Published => Condition::all()
                .add(col(kind, "archived_at").is_null())
                .add(col(kind, "live_revision_id").is_not_null()),
            PublicationStatus::Draft => working(RevisionState::Draft),
            PublicationStatus::InReview => working(RevisionState::InReview),
            PublicationStatus::Scheduled => working(RevisionState::Scheduled),
        });
    }
    if filter.review_due {
        condition = condition
            .add(col(kind, "review_due_at").lte(Utc::now()))
            .add(col(kind, "archived_at").is_null());
    }
    Ok(condition)
}

/// A column of the shown revision, for filters and sorting: `(SELECT r.<column> FROM
/// <revisions> r WHERE r.id = <shown>)`.
pub fn shown_column(kind: &Kind, column: &str) -> String {
    format!(
        "(SELECT r.{column} FROM {revisions} r WHERE r.id = {shown})",
        revisions = kind.revisions,
        shown = shown(kind)
    )
}
