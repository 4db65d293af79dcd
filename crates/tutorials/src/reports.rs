//! Reports for the coordinating office: how many learners started and completed each
//! tutorial, and how many from each municipality — counts only; who watched what stays
//! with the learner.

use academy_kernel::AppError;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use uuid::Uuid;

/// Starts and completions of one tutorial.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TutorialCount {
    pub tutorial_id: Uuid,
    pub slug: String,
    pub title: String,
    pub starts: i64,
    pub completions: i64,
}

/// Starts and completions by the confirmed members of one municipality.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MunicipalityCount {
    pub municipality_id: Uuid,
    pub name: String,
    pub starts: i64,
    pub completions: i64,
}

const PER_TUTORIAL: &str = "\
SELECT t.id AS tutorial_id, t.slug AS slug, \
  (SELECT r.title FROM tutorial_revisions r \
    WHERE r.id = COALESCE(t.live_revision_id, t.working_revision_id)) AS title, \
  COUNT(p.user_id) AS starts, \
  COALESCE(SUM(CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS completions \
FROM tutorials t LEFT JOIN tutorial_progress p ON p.tutorial_id = t.id \
GROUP BY t.id, t.slug, t.live_revision_id, t.working_revision_id \
ORDER BY t.slug";

const PER_MUNICIPALITY: &str = "\
SELECT m.id AS municipality_id, m.name AS name, \
  COUNT(*) AS starts, \
  COALESCE(SUM(CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS completions \
FROM tutorial_progress p \
JOIN users u ON u.id = p.user_id \
JOIN municipalities m ON m.id = u.municipality_id \
WHERE u.municipality_confirmed_at IS NOT NULL \
GROUP BY m.id, m.name \
ORDER BY m.name";

/// Starts and completions per tutorial, by slug.
pub async fn per_tutorial(db: &impl ConnectionTrait) -> Result<Vec<TutorialCount>, AppError> {
    let statement = Statement::from_string(db.get_database_backend(), PER_TUTORIAL);
    Ok(TutorialCount::find_by_statement(statement).all(db).await?)
}

/// Starts and completions per municipality (of confirmed members), by name.
pub async fn per_municipality(
    db: &impl ConnectionTrait,
) -> Result<Vec<MunicipalityCount>, AppError> {
    let statement = Statement::from_string(db.get_database_backend(), PER_MUNICIPALITY);
    Ok(MunicipalityCount::find_by_statement(statement)
        .all(db)
        .await?)
}

/// A CSV field, quoted when it needs to be; a leading `=`, `+`, `-` or `@` is prefixed
/// with `'` so that spreadsheets do not run it as a formula.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The report as CSV: one section per tutorial, then one per municipality.
pub fn csv(tutorials: &[TutorialCount], municipalities: &[MunicipalityCount]) -> String {
    let mut out = String::from("scope,id,name,starts,completions\r\n");
    for t in tutorials {
        out.push_str(&format!(
            "tutorial,{},{},{},{}\r\n",
            t.tutorial_id,
            csv_field(&t.title),
            t.starts,
            t.completions
        ));
    }
    for m in municipalities {
        out.push_str(&format!(
            "municipality,{},{},{},{}\r\n",
            m.municipality_id,
            csv_field(&m.name),
            m.starts,
            m.completions
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Kassel"), "Kassel");
        assert_eq!(csv_field("Wohnen, Leben"), "\"Wohnen, Leben\"");
        assert_eq!(csv_field("=HYPERLINK()"), "'=HYPERLINK()");
        assert_eq!(csv_field("Sag \"Hallo\""), "\"Sag \"\"Hallo\"\"\"");
    }
}
