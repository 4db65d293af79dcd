//! Reports for the coordinating office and for a municipality's contact person: how many
//! are enrolled, in progress, completed and certified, and the average quiz score — per
//! course, per municipality or per field of action. Counts only: who is behind a number
//! stays in the enrolment lists, which a contact person sees for their own municipality
//! only. Each report is one grouped statement.

use academy_auth::Principal;
use academy_kernel::AppError;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};
use uuid::Uuid;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    Course,
    Municipality,
    FieldOfAction,
}

/// One row: the counts of one course, municipality or field of action.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Row {
    /// The course's or municipality's id, or the field of action's slug; empty for
    /// learners without a confirmed municipality.
    pub key: String,
    pub name: String,
    /// Enrolments, withdrawn ones excepted.
    pub enrolled: i64,
    /// Active enrolments with at least one lesson begun.
    pub in_progress: i64,
    pub completed: i64,
    /// Enrolments with a certificate that is not revoked.
    pub certified: i64,
    /// Submitted quiz attempts and their average score in percent.
    pub attempts: i64,
    pub average_score: Option<f64>,
}

/// The report's narrowing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub course: Option<Uuid>,
    pub municipality: Option<Uuid>,
}

/// The group key, its name, and the joins they need.
fn grouping_sql(grouping: Grouping, backend: DbBackend) -> (String, &'static str, &'static str) {
    let text = |column: &str| {
        if backend == DbBackend::Postgres {
            format!("{column}::text")
        } else {
            format!("lower(hex({column}))")
        }
    };
    match grouping {
        Grouping::Course => (
            text("e.course_id"),
            "r.title",
            "LEFT JOIN courses c ON c.id = e.course_id \
             LEFT JOIN course_revisions r ON r.id = COALESCE(c.live_revision_id, c.working_revision_id)",
        ),
        // Only a confirmed membership counts for a municipality.
        Grouping::Municipality => (
            format!("COALESCE({}, '')", text("m.id")),
            "COALESCE(m.name, 'ohne bestätigte Kommune')",
            "LEFT JOIN municipalities m ON m.id = u.municipality_id \
               AND u.municipality_confirmed_at IS NOT NULL",
        ),
        Grouping::FieldOfAction => (
            "f.field_of_action_slug".to_owned(),
            "t.name",
            "JOIN course_revision_fields_of_action f ON f.revision_id = e.revision_id \
             LEFT JOIN fields_of_action t ON t.slug = f.field_of_action_slug",
        ),
    }
}

/// The report, grouped as asked: one statement that reads attempts, progress and
/// certificates once each, aggregated per enrolment, then joined. Contact persons get
/// their municipality's members only (the filter is forced); everyone else but
/// coordinators gets 403.
pub async fn report(
    db: &impl ConnectionTrait,
    caller: &Principal,
    grouping: Grouping,
    filter: Filter,
) -> Result<Vec<Row>, AppError> {
    let municipality = academy_auth::membership::scope(caller, filter.municipality)?;
    let backend = db.get_database_backend();
    let (key, name, join) = grouping_sql(grouping, backend);
    let mut conditions = vec!["e.state <> 'withdrawn'".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    let bind = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        if backend == DbBackend::Postgres {
            format!("${}", values.len())
        } else {
            "?".to_owned()
        }
    };
    if let Some(course) = filter.course {
        let p = bind(course.into(), &mut values);
        conditions.push(format!("e.course_id = {p}"));
    }
    if let Some(municipality) = municipality {
        let p = bind(municipality.into(), &mut values);
        conditions.push(format!(
            "u.municipality_id = {p} AND u.municipality_confirmed_at IS NOT NULL"
        ));
    }
    let sql = format!(
        "WITH quiz AS (SELECT enrolment_id, COUNT(*) AS n, SUM(score * 100.0 / max_score) AS total \
             FROM course_quiz_attempts WHERE submitted_at IS NOT NULL AND max_score > 0 \
             GROUP BY enrolment_id), \
           begun AS (SELECT DISTINCT enrolment_id FROM course_lesson_progress), \
           certified AS (SELECT enrolment_id FROM course_certificates WHERE revoked_at IS NULL) \
         SELECT {key} AS key, MAX({name}) AS name, \
           COUNT(*) AS enrolled, \
           COALESCE(SUM(CASE WHEN e.state = 'active' AND b.enrolment_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS in_progress, \
           COALESCE(SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS completed, \
           COALESCE(SUM(CASE WHEN z.enrolment_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS certified, \
           CAST(COALESCE(SUM(q.n), 0) AS BIGINT) AS attempts, \
           CAST(SUM(q.total) / NULLIF(SUM(q.n), 0) AS DOUBLE PRECISION) AS average_score \
         FROM course_enrolments e JOIN users u ON u.id = e.user_id {join} \
           LEFT JOIN quiz q ON q.enrolment_id = e.id \
           LEFT JOIN begun b ON b.enrolment_id = e.id \
           LEFT JOIN certified z ON z.enrolment_id = e.id \
         WHERE {} \
         GROUP BY {key} ORDER BY name, key",
        conditions.join(" AND ")
    );
    let rows = Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|mut row| {
            // SQLite writes UUIDs as hex; the report names them the usual way.
            if grouping != Grouping::FieldOfAction
                && let Ok(id) = Uuid::parse_str(&row.key)
            {
                row.key = id.to_string();
            }
            row.average_score = row.average_score.map(|s| (s * 10.0).round() / 10.0);
            row
        })
        .collect())
}

/// The report as CSV.
pub fn csv(grouping: Grouping, rows: &[Row]) -> String {
    use academy_tutorials::reports::csv_field;
    let scope = match grouping {
        Grouping::Course => "course",
        Grouping::Municipality => "municipality",
        Grouping::FieldOfAction => "field_of_action",
    };
    let mut out = format!(
        "{scope},name,enrolled,in_progress,completed,certified,quiz_attempts,average_quiz_score\r\n"
    );
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv_field(&row.key),
            csv_field(&row.name),
            row.enrolled,
            row.in_progress,
            row.completed,
            row.certified,
            row.attempts,
            row.average_score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_default()
        ));
    }
    out
}
