//! A catalogue query, checked: what is searched, filtered and sorted, and which page.

use academy_kernel::{AppError, Bounds, FieldError};
use academy_publishing::search::{checked, terms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest `cursor`, in characters.
pub const CURSOR_MAX_CHARS: usize = 512;
/// Most candidates a search ranks; beyond them the total is a lower bound.
pub const SEARCH_CANDIDATES: u64 = 1_000;

/// The order of a catalogue page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best match first (searches only).
    Relevance,
    /// Most recently published first.
    Newest,
    /// By title, A–Z (umlauts as written out).
    Title,
}

/// What was searched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The text as typed, trimmed.
    pub text: String,
    /// Its search terms ([`academy_publishing::search::terms`]), each matched by prefix.
    pub terms: Vec<String>,
}

impl Search {
    /// 422 `too_long`, `invalid_search` (no word of two letters) or `too_many_terms`.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        Ok(Self {
            text: text.trim().to_owned(),
            terms: checked(text, terms)?,
        })
    }

    /// PostgreSQL: every term as a prefix, all required (`klima:* & quarti:*`).
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// SQLite FTS5: every term as a prefix, all required (`"klima"* AND "quarti"*`).
    pub fn fts_query(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// Where the next page starts: the sort key and id of the last item shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s", rename_all = "lowercase")]
pub enum Cursor {
    Newest { t: DateTime<Utc>, id: Uuid },
    Title { k: String, id: Uuid },
    Relevance { r: f64, id: Uuid },
}

impl Cursor {
    /// The opaque text a client sends back.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// 422 `invalid_cursor` for anything [`encode`](Self::encode) did not make for `sort`.
    pub fn decode(text: &str, sort: Sort) -> Result<Self, AppError> {
        let invalid = || {
            AppError::validation(vec![FieldError::new(
                "cursor",
                "invalid_cursor",
                "must be the `next` of an earlier page of the same query",
            )])
        };
        if text.chars().count() > CURSOR_MAX_CHARS {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let fits = matches!(
            (&cursor, sort),
            (Cursor::Newest { .. }, Sort::Newest)
                | (Cursor::Title { .. }, Sort::Title)
                | (Cursor::Relevance { .. }, Sort::Relevance)
        );
        if !fits {
            return Err(invalid());
        }
        if let Cursor::Relevance { r, .. } = cursor
            && !r.is_finite()
        {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// The filters; each list matches any of its values, `accessibility` all of them; the
/// filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `guide`, `tutorial`, `course`.
    pub types: Vec<&'static str>,
    pub field_of_action: Vec<String>,
    pub theme: Vec<String>,
    pub phase: Vec<String>,
    pub audience: Vec<String>,
    pub organisation: Vec<Uuid>,
    pub accessibility: Vec<&'static str>,
    pub language: Option<String>,
}

/// A checked catalogue query.
#[derive(Debug, Clone)]
pub struct Request {
    pub search: Option<Search>,
    pub filters: Filters,
    pub sort: Sort,
    pub bounds: Bounds,
    pub cursor: Option<Cursor>,
}

impl Request {
    /// Checks how the parts fit together: `relevance` needs `q`; a cursor replaces the
    /// offset.
    pub fn new(
        search: Option<Search>,
        filters: Filters,
        sort: Option<Sort>,
        bounds: Bounds,
        cursor: Option<&str>,
    ) -> Result<Self, AppError> {
        let sort = match (sort, &search) {
            (Some(Sort::Relevance), None) => {
                return Err(AppError::validation(vec![FieldError::new(
                    "sort",
                    "needs_search",
                    "`relevance` sorts a search; give `q` or sort by `newest` or `title`",
                )]));
            }
            (Some(sort), _) => sort,
            (None, Some(_)) => Sort::Relevance,
            (None, None) => Sort::Newest,
        };
        let cursor = match cursor {
            Some(_) if bounds.offset > 0 => {
                return Err(AppError::validation(vec![FieldError::new(
                    "offset",
                    "conflicts_with_cursor",
                    "give either `cursor` or `offset`",
                )]));
            }
            Some(text) => Some(Cursor::decode(text, sort)?),
            None => None,
        };
        Ok(Self {
            search,
            filters,
            sort,
            bounds,
            cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds::new(None, None).expect("defaults")
    }

    #[test]
    fn cursors_come_back_as_they_went_out_and_only_for_their_sort() {
        let cursor = Cursor::Relevance {
            r: 0.1234567890123,
            id: Uuid::now_v7(),
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text, Sort::Relevance).ok(), Some(cursor));
        assert!(Cursor::decode(&text, Sort::Newest).is_err());
        assert!(Cursor::decode("not a cursor", Sort::Newest).is_err());
        assert!(Cursor::decode(&"A".repeat(CURSOR_MAX_CHARS + 1), Sort::Newest).is_err());
    }

    #[test]
    fn searches_match_every_term_by_prefix() {
        let search = Search::parse("Klima im grünen Quartier").expect("valid");
        assert_eq!(search.tsquery(), "gruen:* & klima:* & quarti:*");
        assert_eq!(
            search.fts_query(),
            "\"gruen\"* AND \"klima\"* AND \"quarti\"*"
        );
        assert!(Search::parse("x").is_err());
    }

    #[test]
    fn relevance_needs_a_search_and_a_cursor_replaces_the_offset() {
        let code = |result: Result<Request, AppError>| {
            result.err().map(|e| e.problem().errors[0].code.to_string())
        };
        assert_eq!(
            code(Request::new(
                None,
                Filters::default(),
                Some(Sort::Relevance),
                bounds(),
                None
            ))
            .as_deref(),
            Some("needs_search")
        );
        let cursor = Cursor::Title {
            k: "a".into(),
            id: Uuid::now_v7(),
        }
        .encode();
        let deep = Bounds::new(None, Some(20)).expect("valid");
        assert_eq!(
            code(Request::new(
                None,
                Filters::default(),
                Some(Sort::Title),
                deep,
                Some(&cursor)
            ))
            .as_deref(),
            Some("conflicts_with_cursor")
        );
        let request = Request::new(
            None,
            Filters::default(),
            Some(Sort::Title),
            bounds(),
            Some(&cursor),
        )
        .expect("valid");
        assert!(request.cursor.is_some());
        assert_eq!(request.sort, Sort::Title);
    }
}
