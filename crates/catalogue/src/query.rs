//! The one statement a catalogue page costs: the matching entries (for a search: at most
//! [`SEARCH_CANDIDATES`], the newest, ranked), one page of them in order, the facet counts
//! over all of them and the catalogue's version, as rows of one `UNION ALL`.
//!
//! Everything it reads is indexed: the search terms (PostgreSQL: GIN over a `tsvector`;
//! SQLite: FTS5), the facet rows (primary key facet, value, item) and the sort keys
//! (published, title). No text is ranked beyond the candidates and no snippet is cut
//! beyond the page.

use std::collections::BTreeMap;

use academy_kernel::AppError;
use academy_publishing::catalogue::{Tags, facet};
use academy_publishing::search::statement;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
use uuid::Uuid;

use crate::request::{Cursor, Request, SEARCH_CANDIDATES, Sort};

/// The facets counted for the filter UI.
pub const COUNTED: [&str; 4] = [
    facet::TYPE,
    facet::FIELD_OF_ACTION,
    facet::PHASE,
    facet::AUDIENCE,
];

/// One entry of a page, as stored.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: String,
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub title_key: String,
    pub summary: String,
    pub language: String,
    pub organisation_id: Uuid,
    pub published_at: DateTime<Utc>,
    pub tags: Tags,
    pub details: serde_json::Value,
    /// With a search: the plain text snippets are cut from.
    pub body: Option<String>,
    /// With a search: the relevance, higher first.
    pub rank: f64,
}

impl Entry {
    /// The cursor of the page that starts after this entry.
    pub fn cursor(&self, sort: Sort) -> Cursor {
        match sort {
            Sort::Newest => Cursor::Newest {
                t: self.published_at,
                id: self.id,
            },
            Sort::Title => Cursor::Title {
                k: self.title_key.clone(),
                id: self.id,
            },
            Sort::Relevance => Cursor::Relevance {
                r: self.rank,
                id: self.id,
            },
        }
    }
}

/// What the statement answers.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The page, in order (one more than asked for when there is a next page).
    pub entries: Vec<Entry>,
    /// Facet → value → count, zero counts left out.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// The catalogue's version when the statement ran.
    pub version: i64,
}

impl Answer {
    /// How many entries match: every entry has exactly one type.
    pub fn total(&self) -> u64 {
        self.facets
            .get(facet::TYPE)
            .map(|types| types.values().sum())
            .unwrap_or(0)
    }
}

/// A statement being written: its text and its values, placeholders `$n`.
#[derive(Default)]
struct Sql {
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    fn list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        values
            .into_iter()
            .map(|v| self.bind(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The filter conditions on entries `e`.
fn conditions(sql: &mut Sql, request: &Request) -> Vec<String> {
    let filters = &request.filters;
    let mut out = Vec::new();
    if !filters.types.is_empty() {
        let list = sql.list(filters.types.iter().map(|t| t.to_string()));
        out.push(format!("e.kind IN ({list})"));
    }
    if let Some(language) = &filters.language {
        out.push(format!("e.language = {}", sql.bind(language.clone())));
    }
    let mut filed = |sql: &mut Sql, name: &str, values: Vec<String>| {
        let list = sql.list(values);
        out.push(format!(
            "EXISTS (SELECT 1 FROM catalogue_facets x WHERE x.facet = '{name}' \
             AND x.value IN ({list}) AND x.item_id = e.item_id)"
        ));
    };
    for (name, values) in [
        (facet::FIELD_OF_ACTION, &filters.field_of_action),
        (facet::THEME, &filters.theme),
        (facet::PHASE, &filters.phase),
        (facet::AUDIENCE, &filters.audience),
    ] {
        if !values.is_empty() {
            filed(sql, name, values.clone());
        }
    }
    if !filters.organisation.is_empty() {
        filed(
            sql,
            facet::ORGANISATION,
            filters.organisation.iter().map(Uuid::to_string).collect(),
        );
    }
    for flag in &filters.accessibility {
        filed(sql, facet::ACCESSIBILITY, vec![(*flag).to_owned()]);
    }
    out
}

fn and(conditions: &[String]) -> String {
    conditions
        .iter()
        .map(|c| format!(" AND {c}"))
        .collect::<String>()
}

/// The statement of `request` on `backend`.
fn build(request: &Request, backend: DbBackend) -> (String, Vec<Value>) {
    let mut sql = Sql::default();
    let order = match request.sort {
        Sort::Newest => "e.published_at DESC, e.item_id DESC",
        Sort::Title => "e.title_key ASC, e.item_id ASC",
        Sort::Relevance => "m.rank DESC, e.item_id ASC",
    };
    // Without a search, the page is read straight from the entries in the order of an
    // index; with one, from the ranked candidates.
    let (with, source, rank, body) = match (request.search.as_ref(), backend) {
        (None, _) => (
            String::new(),
            "catalogue_entries e".to_owned(),
            "CAST(0.0 AS DOUBLE PRECISION)",
            "NULL",
        ),
        (Some(search), DbBackend::Postgres) => {
            let query = sql.bind(search.tsquery());
            let filters = conditions(&mut sql, request);
            (
                format!(
                    "WITH m AS (SELECT c.item_id, \
                     ts_rank(r.document, to_tsquery('simple', {query}))::float8 AS rank \
                     FROM (SELECT e.item_id FROM catalogue_entries e \
                     WHERE e.document @@ to_tsquery('simple', {query}){} \
                     ORDER BY e.published_at DESC, e.item_id DESC LIMIT {SEARCH_CANDIDATES}) c \
                     JOIN catalogue_entries r ON r.item_id = c.item_id) ",
                    and(&filters)
                ),
                "m JOIN catalogue_entries e ON e.item_id = m.item_id".to_owned(),
                "m.rank",
                "e.body",
            )
        }
        (Some(search), _) => {
            let query = sql.bind(search.fts_query());
            let filters = conditions(&mut sql, request);
            // bm25 is lower for better matches; negated so that higher is better on both.
            (
                format!(
                    "WITH m AS (SELECT e.item_id, -bm25(catalogue_fts, 0.0, 10.0, 1.0) AS rank \
                     FROM catalogue_fts JOIN catalogue_entries e \
                     ON e.item_id = catalogue_fts.item_id \
                     WHERE catalogue_fts MATCH {query}{} \
                     ORDER BY e.published_at DESC, e.item_id DESC LIMIT {SEARCH_CANDIDATES}) ",
                    and(&filters)
                ),
                "m JOIN catalogue_entries e ON e.item_id = m.item_id".to_owned(),
                "m.rank",
                "e.body",
            )
        }
    };
    let searched = request.search.is_some();
    let mut page_conditions = if searched {
        Vec::new()
    } else {
        conditions(&mut sql, request)
    };
    match &request.cursor {
        None => {}
        Some(Cursor::Newest { t, id }) => {
            let (t1, t2, id) = (sql.bind(*t), sql.bind(*t), sql.bind(*id));
            page_conditions.push(format!(
                "(e.published_at < {t1} OR (e.published_at = {t2} AND e.item_id < {id}))"
            ));
        }
        Some(Cursor::Title { k, id }) => {
            let (k1, k2, id) = (sql.bind(k.clone()), sql.bind(k.clone()), sql.bind(*id));
            page_conditions.push(format!(
                "(e.title_key > {k1} OR (e.title_key = {k2} AND e.item_id > {id}))"
            ));
        }
        Some(Cursor::Relevance { r, id }) => {
            let (r1, r2, id) = (sql.bind(*r), sql.bind(*r), sql.bind(*id));
            page_conditions.push(format!(
                "(m.rank < {r1} OR (m.rank = {r2} AND e.item_id > {id}))"
            ));
        }
    }
    let limit = sql.bind(i64::try_from(request.bounds.limit + 1).unwrap_or(i64::MAX));
    let offset = sql.bind(i64::try_from(request.bounds.offset).unwrap_or(i64::MAX));
    let counted = COUNTED
        .iter()
        .map(|f| format!("'{f}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // The counts: over the candidates of a search, else over the filtered entries (the
    // facet rows alone when nothing is filtered).
    let counts = if searched {
        "catalogue_facets f JOIN m ON m.item_id = f.item_id".to_owned()
    } else {
        let filters = conditions(&mut sql, request);
        if filters.is_empty() {
            "catalogue_facets f".to_owned()
        } else {
            format!(
                "catalogue_facets f JOIN catalogue_entries e ON e.item_id = f.item_id \
                 AND 1 = 1{}",
                and(&filters)
            )
        }
    };
    let text = format!(
        "{with}SELECT * FROM (SELECT 'i' AS part, \
         row_number() OVER (ORDER BY {order}) AS pos, e.item_id, e.kind, e.slug, e.title, \
         e.title_key, e.summary, e.language, e.organisation_id, e.published_at, e.tags, \
         e.details, {body} AS body, {rank} AS rank, NULL AS facet, NULL AS value, 0 AS n \
         FROM {source} WHERE 1 = 1{} \
         ORDER BY {order} LIMIT {limit} OFFSET {offset}) page \
         UNION ALL SELECT 'f', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, NULL, NULL, f.facet, f.value, count(*) \
         FROM {counts} WHERE f.facet IN ({counted}) GROUP BY f.facet, f.value \
         UNION ALL SELECT 'v', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, NULL, NULL, NULL, NULL, version FROM catalogue_state WHERE id = 1",
        and(&page_conditions)
    );
    (text, sql.values)
}

/// The statement of `request` on `backend`, with its values written into it as
/// literals: what the benchmark gives the database directly.
pub fn sql_of(request: &Request, backend: DbBackend) -> String {
    let (mut text, values) = build(request, backend);
    // Highest placeholder first, so that `$1` does not eat into `$10`.
    for (n, value) in values.iter().enumerate().rev() {
        let literal = match value {
            Value::String(Some(s)) => format!("'{}'", s.replace('\'', "''")),
            Value::BigInt(Some(i)) => i.to_string(),
            Value::Double(Some(d)) => d.to_string(),
            Value::Uuid(Some(u)) => format!("'{u}'"),
            Value::ChronoDateTimeUtc(Some(t)) => format!("'{}'", t.to_rfc3339()),
            other => format!("{other:?}"),
        };
        text = text.replace(&format!("${}", n + 1), &literal);
    }
    text
}

fn row_entry(row: &QueryResult, searched: bool) -> Result<Entry, AppError> {
    let tags: String = row.try_get("", "tags")?;
    let details: String = row.try_get("", "details")?;
    Ok(Entry {
        kind: row.try_get("", "kind")?,
        id: row.try_get("", "item_id")?,
        slug: row.try_get("", "slug")?,
        title: row.try_get("", "title")?,
        title_key: row.try_get("", "title_key")?,
        summary: row.try_get("", "summary")?,
        language: row.try_get("", "language")?,
        organisation_id: row.try_get("", "organisation_id")?,
        published_at: row.try_get("", "published_at")?,
        tags: serde_json::from_str(&tags).map_err(AppError::internal)?,
        details: serde_json::from_str(&details).map_err(AppError::internal)?,
        body: if searched {
            row.try_get("", "body")?
        } else {
            None
        },
        rank: row.try_get::<Option<f64>>("", "rank")?.unwrap_or(0.0),
    })
}

/// Runs `request`'s statement.
pub async fn run(db: &impl ConnectionTrait, request: &Request) -> Result<Answer, AppError> {
    let backend = db.get_database_backend();
    let (text, values) = build(request, backend);
    let rows = db.query_all_raw(statement(db, &text, values)).await?;
    let mut answer = Answer::default();
    let mut page: Vec<(i64, Entry)> = Vec::new();
    for row in rows {
        let part: String = row.try_get("", "part")?;
        match part.as_str() {
            "i" => {
                let pos: i64 = row.try_get("", "pos")?;
                page.push((pos, row_entry(&row, request.search.is_some())?));
            }
            "f" => {
                let facet: String = row.try_get("", "facet")?;
                let value: String = row.try_get("", "value")?;
                let n: i64 = row.try_get("", "n")?;
                answer
                    .facets
                    .entry(facet)
                    .or_default()
                    .insert(value, u64::try_from(n).unwrap_or(0));
            }
            _ => answer.version = row.try_get("", "n")?,
        }
    }
    page.sort_by_key(|(pos, _)| *pos);
    answer.entries = page.into_iter().map(|(_, e)| e).collect();
    Ok(answer)
}

/// The catalogue's version: raised by every change of an entry.
pub async fn version(db: &impl ConnectionTrait) -> Result<i64, AppError> {
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT version FROM catalogue_state WHERE id = 1",
            Vec::new(),
        ))
        .await?
        .ok_or_else(|| AppError::internal(std::io::Error::other("no catalogue state row")))?;
    Ok(row.try_get("", "version")?)
}

#[cfg(test)]
mod tests {
    use academy_kernel::Bounds;

    use super::*;
    use crate::request::{Filters, Search};

    /// The statements `bench/catalogue/*.sql` give pgbench: exactly what the API sends
    /// for the benchmark's list, filter and search. `UPDATE_BENCH_SQL=1` rewrites them.
    #[test]
    fn the_benchmark_runs_the_statements_of_the_api() {
        let page = Bounds::new(Some(20), None).expect("valid");
        let request = |search: Option<&str>, field: Option<&str>| {
            Request::new(
                search.map(|q| Search::parse(q).expect("valid")),
                Filters {
                    field_of_action: field.map(str::to_owned).into_iter().collect(),
                    ..Filters::default()
                },
                None,
                page,
                None,
            )
            .expect("valid")
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/catalogue");
        for (name, request) in [
            ("list", request(None, None)),
            (
                "filter",
                request(None, Some("climate-environmental-justice")),
            ),
            ("search", request(Some("Klimaanpassung"), None)),
        ] {
            let expected = format!(
                "-- The statement of the catalogue's {name} scenario, as the API sends it \
                 (crates/catalogue/src/query.rs).\n{};\n",
                sql_of(&request, DbBackend::Postgres)
            );
            let path = dir.join(format!("{name}.sql"));
            if std::env::var_os("UPDATE_BENCH_SQL").is_some() {
                std::fs::write(&path, &expected).expect("writable");
            }
            let found = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                found, expected,
                "{name}.sql differs from the API's statement; run with UPDATE_BENCH_SQL=1"
            );
        }
    }
}
