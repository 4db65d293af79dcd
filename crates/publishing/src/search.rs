//! Full-text search over published content, in German: "Beteiligung" finds "beteiligen".
//! Every kind keeps an index table `<kind>_search` (its id, title, content) — and on
//! SQLite `<kind>_search_fts` beside it — and this module reads and writes them.
//!
//! Only live, unarchived items are indexed; the index row is rewritten whenever a
//! revision goes live and removed when the item is archived or deleted. PostgreSQL
//! matches and ranks with its German text search (title weighted above the text); SQLite
//! matches German word stems (the same Snowball algorithm) with FTS5 and ranks with
//! bm25, the title weighted ten times. Snippets are cut from the indexed text around the
//! first match, escaped, with matches in `<mark>`.
//!
//! An anonymous search must not tie up a worker: the query is bounded
//! ([`QUERY_MAX_CHARS`], [`QUERY_MAX_TERMS`]; 422 above), snippets look at the first
//! [`SNIPPET_SCAN_CHARS`] characters of a guide only and stem each word once, and on
//! PostgreSQL the search's statements run in a transaction with a statement timeout
//! ([`STATEMENT_TIMEOUT_MS`]; 503 `search_timeout` when it strikes). SQLite has no
//! statement timeout a query can set; there the bounded query and bounded snippet work
//! are what keeps a search short (FTS5 matches the ≤ 10 stems through its index).

use std::collections::HashMap;

use academy_kernel::{AppError, FieldError};
use rust_stemmers::{Algorithm, Stemmer};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::Kind;

/// The words of `text`, lower-cased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
}

/// Words too common to search for (PostgreSQL's German configuration ignores them too).
const STOP_WORDS: &[&str] = &[
    "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bis", "das", "dass", "dem", "den",
    "der", "des", "die", "durch", "ein", "eine", "einem", "einen", "einer", "eines", "es", "für",
    "fuer", "im", "in", "ist", "mit", "nach", "nicht", "oder", "sich", "sie", "so", "und", "vom",
    "von", "vor", "wie", "zu", "zum", "zur",
];

/// Longest search text, in characters.
pub const QUERY_MAX_CHARS: usize = 200;
/// Most search terms (words of two or more letters, stop words not counted).
pub const QUERY_MAX_TERMS: usize = 10;
/// How much of a guide's text snippets are looked for in, in characters.
pub const SNIPPET_SCAN_CHARS: usize = 20_000;
/// Words in a snippet.
pub const SNIPPET_WORDS: usize = 30;
/// Longest a search statement may run on PostgreSQL, in milliseconds.
pub const STATEMENT_TIMEOUT_MS: u32 = 2_000;

/// German Snowball stems of the words of `text`, in order, without stop words.
pub fn stems(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::German);
    words(text)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stemmer.stem(&w).into_owned())
        .collect()
}

/// `ä`, `ö`, `ü` and `ß` written as `ae`, `oe`, `ue` and `ss`, as people type them on a
/// keyboard without umlauts; applied to indexed text and searches alike, so "gruen"
/// finds "grün" and "Höfe" finds "Hoefe".
pub fn transliterate(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    for c in word.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c => out.push(c),
        }
    }
    out
}

/// Participle and past endings of verbs in `-igen` and `-ieren` that Snowball leaves
/// apart from their infinitive ("verstetigt" against "verstetigen"): such a word is
/// stemmed as its infinitive.
const VERB_ENDINGS: [(&str, &str); 6] = [
    ("igten", "igen"),
    ("igte", "igen"),
    ("igt", "igen"),
    ("ierten", "ieren"),
    ("ierte", "ieren"),
    ("iert", "ieren"),
];

/// The catalogue's search term of one lower-case word: transliterated, verb forms joined
/// with their infinitive, German Snowball stem.
fn term(stemmer: &Stemmer, word: &str) -> String {
    let word = transliterate(word);
    let word = VERB_ENDINGS
        .iter()
        .find_map(|(ending, infinitive)| {
            word.strip_suffix(ending)
                .filter(|stem| stem.chars().count() >= 3)
                .map(|stem| format!("{stem}{infinitive}"))
        })
        .unwrap_or(word);
    stemmer.stem(&word).into_owned()
}

/// The catalogue's search terms of `text`, in order, without stop words: every word
/// lower-cased, transliterated ([`transliterate`]), verb forms joined with their
/// infinitive, stemmed. Searches match them by prefix, so "Klima" finds
/// "Klimaanpassung".
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::German);
    words(text)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| term(&stemmer, &w))
        .collect()
}

/// Whether a word of text matches one of the searched `terms` (by prefix, as the index
/// does).
pub fn matches_terms(stemmer: &Stemmer, word: &str, terms: &[String]) -> bool {
    if word.chars().count() < 2 {
        return false;
    }
    let lower = transliterate(&word.to_lowercase());
    // Stems only drop endings: a word whose start differs from every term's cannot match,
    // and most words of a text are settled without stemming them.
    let could = terms.iter().any(|t| {
        let start: String = t.chars().take(3).collect();
        lower.starts_with(start.as_str())
    });
    could && {
        let own = term(stemmer, &lower);
        terms.iter().any(|t| own.starts_with(t.as_str()))
    }
}

/// Starts the transaction a search runs in: on PostgreSQL with a statement timeout of
/// [`STATEMENT_TIMEOUT_MS`], which ends with the transaction.
pub async fn begin(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, AppError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!(
            "SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"
        ))
        .await?;
    }
    Ok(txn)
}

/// A database error of a search: 503 `search_timeout` when the statement timeout struck,
/// else as any database error.
pub fn database_error(error: sea_orm::DbErr) -> AppError {
    if error.to_string().contains("statement timeout") {
        AppError::unavailable(
            "search_timeout",
            "The search took too long; try fewer or more specific words.",
        )
        .with_source(error)
    } else {
        error.into()
    }
}

/// A statement with `$n` placeholders, for either backend.
pub fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    // Placeholders are written `$n`; SQLite takes `?n`.
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Removes the item from the index.
pub async fn remove(db: &impl ConnectionTrait, kind: &Kind, id: Uuid) -> Result<(), AppError> {
    db.execute_raw(statement(
        db,
        &format!(
            "DELETE FROM {} WHERE {} = $1",
            kind.search_table, kind.item_column
        ),
        vec![id.into()],
    ))
    .await?;
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            &format!(
                "DELETE FROM {}_fts WHERE {} = $1",
                kind.search_table, kind.item_column
            ),
            vec![id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Indexes `title` and `content` as the item's live content.
pub async fn index(
    db: &impl ConnectionTrait,
    kind: &Kind,
    id: Uuid,
    title: &str,
    content: &str,
) -> Result<(), AppError> {
    remove(db, kind, id).await?;
    db.execute_raw(statement(
        db,
        &format!(
            "INSERT INTO {} ({}, title, content) VALUES ($1, $2, $3)",
            kind.search_table, kind.item_column
        ),
        vec![
            id.into(),
            title.to_owned().into(),
            content.to_owned().into(),
        ],
    ))
    .await?;
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            &format!(
                "INSERT INTO {}_fts ({}, title, content) VALUES ($1, $2, $3)",
                kind.search_table, kind.item_column
            ),
            vec![
                id.into(),
                stems(title).join(" ").into(),
                stems(content).join(" ").into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// The search terms `terms_of` makes of the search `text`, sorted and without repeats;
/// 422 (`q`) when the text is longer than [`QUERY_MAX_CHARS`], has no word of at least
/// two letters, or more than [`QUERY_MAX_TERMS`] terms. The one check of every search.
pub fn checked(text: &str, terms_of: fn(&str) -> Vec<String>) -> Result<Vec<String>, AppError> {
    let invalid = |code: &'static str, message: String| {
        AppError::validation(vec![FieldError::new("q", code, message)])
    };
    if text.chars().count() > QUERY_MAX_CHARS {
        return Err(invalid(
            "too_long",
            format!("must be at most {QUERY_MAX_CHARS} characters"),
        ));
    }
    let mut found = terms_of(text);
    if found.is_empty() {
        return Err(invalid(
            "invalid_search",
            "must contain a word of at least two letters".to_owned(),
        ));
    }
    if found.len() > QUERY_MAX_TERMS {
        return Err(invalid(
            "too_many_terms",
            format!("at most {QUERY_MAX_TERMS} search terms"),
        ));
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// A parsed search: the stems to match, and the backend's expressions for matching and
/// ranking.
#[derive(Debug, Clone)]
pub struct Search {
    /// The text as the user typed it.
    pub text: String,
    stems: Vec<String>,
}

impl Search {
    /// 422 when the text has no word of at least two letters, is longer than
    /// [`QUERY_MAX_CHARS`] or has more than [`QUERY_MAX_TERMS`] terms.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        Ok(Self {
            text: text.trim().to_owned(),
            stems: checked(text, stems)?,
        })
    }

    /// The stems searched for.
    pub fn stems(&self) -> &[String] {
        &self.stems
    }

    /// FTS5 query: every stem, quoted.
    pub fn fts_query(&self) -> String {
        self.stems
            .iter()
            .map(|s| format!("\"{}\"", s.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The item's id (`<items>.id`) matches the search.
    pub fn condition(&self, kind: &Kind, backend: DbBackend) -> SimpleExpr {
        let (items, table, id) = (kind.items, kind.search_table, kind.item_column);
        match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                format!(
                    "{items}.id IN (SELECT s.{id} FROM {table} s \
                     WHERE s.document @@ plainto_tsquery('german', $1))"
                ),
                [self.text.clone()],
            ),
            _ => Expr::cust_with_values(
                format!(
                    "{items}.id IN (SELECT {id} FROM {table}_fts \
                     WHERE {table}_fts MATCH ?)"
                ),
                [self.fts_query()],
            ),
        }
    }

    /// Relevance, higher first on both backends.
    pub fn rank(&self, kind: &Kind, backend: DbBackend) -> SimpleExpr {
        let (items, table, id) = (kind.items, kind.search_table, kind.item_column);
        match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                format!(
                    "(SELECT ts_rank(s.document, plainto_tsquery('german', $1)) \
                     FROM {table} s WHERE s.{id} = {items}.id)"
                ),
                [self.text.clone()],
            ),
            // bm25 is lower for better matches; negated so both order descending.
            _ => Expr::cust_with_values(
                format!(
                    "(SELECT -bm25({table}_fts, 0.0, 10.0, 1.0) FROM {table}_fts \
                     WHERE {table}_fts MATCH ? AND {table}_fts.{id} = {items}.id)"
                ),
                [self.fts_query()],
            ),
        }
    }

    /// Snippets for the given items: about 30 words around the first match.
    pub async fn snippets(
        &self,
        db: &impl ConnectionTrait,
        kind: &Kind,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, String>, AppError> {
        let mut snippets = HashMap::new();
        if ids.is_empty() {
            return Ok(snippets);
        }
        // One query for the page, whatever its size.
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let rows = db
            .query_all_raw(statement(
                db,
                &format!(
                    "SELECT {id} AS id, substr(content, 1, {SNIPPET_SCAN_CHARS}) AS content \
                     FROM {table} WHERE {id} IN ({})",
                    placeholders.join(", "),
                    id = kind.item_column,
                    table = kind.search_table,
                ),
                ids.iter().map(|id| (*id).into()).collect(),
            ))
            .await
            .map_err(database_error)?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let content: String = row.try_get("", "content")?;
            snippets.insert(id, snippet(&content, &self.stems));
        }
        Ok(snippets)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// About [`SNIPPET_WORDS`] words of `content` around the first word whose stem is
/// searched, escaped, with every such word in `<mark>`. Looks at the first
/// [`SNIPPET_SCAN_CHARS`] characters only and stems each word once.
pub fn snippet(content: &str, searched: &[String]) -> String {
    let stemmer = Stemmer::create(Algorithm::German);
    let searched: std::collections::HashSet<&str> = searched.iter().map(String::as_str).collect();
    snippet_where(content, |w| {
        searched.contains(stemmer.stem(&w.to_lowercase()).as_ref())
    })
}

/// About [`SNIPPET_WORDS`] words of `content` around the first word the catalogue's
/// `terms` match (by prefix, as its index does), escaped, matches in `<mark>`.
pub fn catalogue_snippet(content: &str, terms: &[String]) -> String {
    let stemmer = Stemmer::create(Algorithm::German);
    snippet_where(content, |w| matches_terms(&stemmer, w, terms))
}

/// A snippet around the first word `matches` accepts (words of two letters or more).
fn snippet_where(content: &str, matches: impl Fn(&str) -> bool) -> String {
    let content = match content.char_indices().nth(SNIPPET_SCAN_CHARS) {
        Some((cut, _)) => &content[..cut],
        None => content,
    };
    let tokens: Vec<&str> = content.split_whitespace().collect();
    let matches = |token: &str| {
        token
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 2)
            .any(&matches)
    };
    let first = tokens.iter().position(|t| matches(t)).unwrap_or(0);
    let start = first.saturating_sub(10);
    let end = (start + SNIPPET_WORDS).min(tokens.len());
    let mut out = String::new();
    if start > 0 {
        out.push_str("… ");
    }
    for (i, token) in tokens[start..end].iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if matches(token) {
            out.push_str("<mark>");
            out.push_str(&escape(token));
            out.push_str("</mark>");
        } else {
            out.push_str(&escape(token));
        }
    }
    if end < tokens.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_terms_join_what_people_type() {
        assert_eq!(terms("grün Höfe"), terms("gruen Hoefe"));
        assert_eq!(terms("verstetigen"), terms("verstetigt"));
        assert_eq!(terms("organisieren"), terms("organisiert"));
        assert_eq!(terms("Beteiligung"), terms("beteiligt"));
        let klima = &terms("Klima")[0];
        assert!(terms("Klimaanpassung")[0].starts_with(klima.as_str()));
        assert!(terms("für die Straße").iter().all(|t| t != "fuer"));
    }

    #[test]
    fn participation_and_participating_share_a_stem() {
        assert_eq!(stems("Beteiligung"), stems("beteiligen"));
        assert_eq!(stems("Quartiere"), stems("Quartier"));
    }

    #[test]
    fn snippets_mark_matches_and_escape_text() {
        let content = "Viele Kommunen <wollen> Bürgerinnen und Bürger früh beteiligen, damit die Planung trägt.";
        let snippet = snippet(content, &stems("Beteiligung"));
        assert!(snippet.contains("<mark>beteiligen,</mark>"), "{snippet}");
        assert!(snippet.contains("&lt;wollen&gt;"), "{snippet}");
    }

    #[test]
    fn searches_are_bounded() {
        let code = |text: &str| {
            Search::parse(text)
                .err()
                .map(|e| e.problem().errors[0].code.to_string())
        };
        assert_eq!(code(&"ab ".repeat(66)).as_deref(), Some("too_many_terms"));
        assert_eq!(
            code(&"x".repeat(QUERY_MAX_CHARS + 1)).as_deref(),
            Some("too_long")
        );
        // Stop words are not terms.
        assert!(Search::parse("Beteiligung in der und im Quartier mit dem Verein").is_ok());
        let ten = "eins zwei drei vier fuenf sechs sieben acht neun zehn";
        assert!(Search::parse(ten).is_ok());
        assert_eq!(
            code(&format!("{ten} elf")).as_deref(),
            Some("too_many_terms")
        );
    }

    #[test]
    fn snippets_of_long_texts_look_at_the_beginning_only() {
        let searched = stems("Quartier");
        let late = format!("{} Quartier", "Wort ".repeat(SNIPPET_SCAN_CHARS));
        let snippet = snippet(&late, &searched);
        assert!(!snippet.contains("<mark>"), "beyond the scanned part");
        assert!(
            snippet.split_whitespace().count() <= SNIPPET_WORDS + 2,
            "{snippet}"
        );
    }

    #[test]
    fn searches_need_a_word() {
        assert!(Search::parse("  ").is_err());
        assert!(Search::parse("a").is_err());
        let search = Search::parse("Beteiligung im Quartier").unwrap();
        assert_eq!(search.fts_query(), "\"beteil\" AND \"quarti\"");
    }
}
