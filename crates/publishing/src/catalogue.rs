//! The catalogue's read model, written here: one entry per public item of every kind, in
//! the transaction that changes what the public sees (publishing, a scheduled revision
//! going live, archiving, deleting, a change of a live item's public parts). The reading
//! side is the `academy_catalogue` crate.
//!
//! An entry holds what a catalogue page shows — taxonomy as JSON, the kind's own details
//! as JSON — the plain text snippets are cut from, and the search terms of its title and
//! text ([`crate::search::terms`]; the same on both backends). Beside it: facet rows for
//! filters and counts, and the words of title and summary for "did you mean". A trigger
//! raises `catalogue_state.version` on every change of an entry.

use std::collections::BTreeSet;

use academy_kernel::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::search::{SNIPPET_SCAN_CHARS, statement, terms, transliterate};
use crate::{Item, Kind, links};

/// How many characters of an item's text an entry keeps for snippets (the search terms
/// cover the whole text).
pub const BODY_CHARS: usize = SNIPPET_SCAN_CHARS;
/// Shortest word kept for "did you mean".
pub const WORD_MIN_CHARS: usize = 5;
/// Longest word kept for "did you mean".
pub const WORD_MAX_CHARS: usize = 40;

/// The facets an entry is filed under.
pub mod facet {
    pub const TYPE: &str = "type";
    pub const FIELD_OF_ACTION: &str = "fieldOfAction";
    pub const THEME: &str = "theme";
    pub const PHASE: &str = "phase";
    pub const AUDIENCE: &str = "audience";
    pub const ORGANISATION: &str = "organisation";
    pub const ACCESSIBILITY: &str = "accessibility";
}

/// What a content crate gives for its live item; the rest comes from the item and the
/// live revision's links.
#[derive(Debug, Clone)]
pub struct Card {
    pub title: String,
    /// Markdown or plain; stored as plain text.
    pub summary: String,
    pub language: String,
    /// When the live revision went live.
    pub published_at: DateTime<Utc>,
    /// Everything a reader reads besides title and summary, Markdown or plain.
    pub text: String,
    /// Accessibility features, as the catalogue names them (`captions`, …).
    pub accessibility: Vec<&'static str>,
    /// The kind's own summary fields, as its list shows them.
    pub details: serde_json::Value,
}

/// Taxonomy and co-publishers of an entry, as stored (JSON) and shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tags {
    pub fields_of_action: Vec<String>,
    pub themes: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
    pub accessibility: Vec<String>,
}

fn cut(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The lower-case words of `text` kept for "did you mean": letters only, between
/// [`WORD_MIN_CHARS`] and [`WORD_MAX_CHARS`] long.
pub fn vocabulary(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| (WORD_MIN_CHARS..=WORD_MAX_CHARS).contains(&w.chars().count()))
        .map(str::to_lowercase)
        .collect()
}

/// Removes the item's entry (its facets and words go with it).
pub async fn remove(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    db.execute_raw(statement(
        db,
        "DELETE FROM catalogue_entries WHERE item_id = $1",
        vec![id.into()],
    ))
    .await?;
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            "DELETE FROM catalogue_fts WHERE item_id = $1",
            vec![id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Inserts `rows` of `columns` into `table` in one statement.
async fn insert_rows(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut values = Vec::with_capacity(rows.len() * columns.len());
    for (r, row) in rows.into_iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        let placeholders: Vec<String> = (0..row.len())
            .map(|c| format!("${}", values.len() + c + 1))
            .collect();
        sql.push_str(&format!("({})", placeholders.join(", ")));
        values.extend(row);
    }
    db.execute_raw(statement(db, &sql, values)).await?;
    Ok(())
}

/// Writes the entry of `item` from its live revision `revision_id` and the `card` its
/// content crate gives; replaces an earlier entry.
pub async fn put(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    revision_id: Uuid,
    card: Card,
) -> Result<(), AppError> {
    remove(db, item.id).await?;
    let links = links::load_one(db, kind, revision_id).await?;
    let summary = academy_kernel::markdown::to_plain(&card.summary);
    let text = academy_kernel::markdown::to_plain(&card.text);
    let body = if summary.is_empty() {
        text.clone()
    } else {
        format!("{summary}\n{text}")
    };
    let tags = Tags {
        fields_of_action: links.fields_of_action.clone(),
        themes: links.themes.clone(),
        phases: links.phases.clone(),
        audiences: links.audiences.clone(),
        co_publishers: links.co_publishers.clone(),
        accessibility: card.accessibility.iter().map(|a| (*a).to_owned()).collect(),
    };
    let title_terms = terms(&card.title).join(" ");
    let body_terms = terms(&body).join(" ");
    let title_key = transliterate(&card.title.to_lowercase());
    db.execute_raw(statement(
        db,
        "INSERT INTO catalogue_entries (item_id, kind, slug, title, title_key, summary, \
         language, organisation_id, published_at, tags, details, body, title_terms, \
         body_terms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        vec![
            item.id.into(),
            kind.noun.into(),
            item.slug.clone().into(),
            card.title.clone().into(),
            title_key.into(),
            summary.clone().into(),
            card.language.into(),
            item.organisation_id.into(),
            card.published_at.into(),
            serde_json::to_string(&tags)
                .map_err(AppError::internal)?
                .into(),
            card.details.to_string().into(),
            cut(&body, BODY_CHARS).to_owned().into(),
            title_terms.clone().into(),
            body_terms.clone().into(),
        ],
    ))
    .await?;
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_raw(statement(
            db,
            "INSERT INTO catalogue_fts (item_id, title, body) VALUES ($1, $2, $3)",
            vec![item.id.into(), title_terms.into(), body_terms.into()],
        ))
        .await?;
    }
    let mut facets: BTreeSet<(&str, String)> = BTreeSet::new();
    facets.insert((facet::TYPE, kind.noun.to_owned()));
    facets.insert((facet::ORGANISATION, item.organisation_id.to_string()));
    for organisation in &links.co_publishers {
        facets.insert((facet::ORGANISATION, organisation.to_string()));
    }
    for (name, values) in [
        (facet::FIELD_OF_ACTION, &links.fields_of_action),
        (facet::THEME, &links.themes),
        (facet::PHASE, &links.phases),
        (facet::AUDIENCE, &links.audiences),
    ] {
        facets.extend(values.iter().map(|v| (name, v.clone())));
    }
    facets.extend(
        card.accessibility
            .iter()
            .map(|a| (facet::ACCESSIBILITY, (*a).to_owned())),
    );
    insert_rows(
        db,
        "catalogue_facets",
        &["facet", "value", "item_id"],
        facets
            .into_iter()
            .map(|(facet, value)| vec![facet.into(), value.into(), item.id.into()])
            .collect(),
    )
    .await?;
    let words = vocabulary(&format!("{}\n{summary}", card.title));
    if db.get_database_backend() != DbBackend::Postgres && !words.is_empty() {
        // The trigram table holds each word once, whichever entries use it.
        let placeholders: Vec<String> = (1..=words.len()).map(|n| format!("${n}")).collect();
        db.execute_raw(statement(
            db,
            &format!(
                "INSERT INTO catalogue_words_fts (word) SELECT column1 FROM (VALUES ({})) \
                 WHERE NOT EXISTS (SELECT 1 FROM catalogue_words_fts \
                 WHERE catalogue_words_fts MATCH '\"' || column1 || '\"' AND word = column1)",
                placeholders.join("), (")
            ),
            words.iter().map(|w| w.clone().into()).collect(),
        ))
        .await?;
    }
    insert_rows(
        db,
        "catalogue_words",
        &["word", "item_id"],
        words
            .into_iter()
            .map(|word| vec![word.into(), item.id.into()])
            .collect(),
    )
    .await
}

/// Writes the entry of `item` when it is public (live and not archived), else removes
/// it. `card` is asked for only when it is needed.
pub async fn refresh<F, Fut>(
    db: &impl ConnectionTrait,
    kind: &Kind,
    item: &Item,
    card: F,
) -> Result<(), AppError>
where
    F: FnOnce(Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Card>, AppError>>,
{
    match item.live_revision_id.filter(|_| item.archived_at.is_none()) {
        Some(revision_id) => match card(revision_id).await? {
            Some(card) => put(db, kind, item, revision_id, card).await,
            None => remove(db, item.id).await,
        },
        None => remove(db, item.id).await,
    }
}
