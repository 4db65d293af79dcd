//! "Did you mean": when a search finds nothing, each word that no title or summary
//! contains is replaced by the closest word that one does — candidates by shared
//! trigrams (PostgreSQL: `pg_trgm`; SQLite: an FTS5 trigram table), the closest by edit
//! distance on the transliterated words, at most [`max_distance`] edits away.

use academy_kernel::AppError;
use academy_publishing::catalogue::{WORD_MAX_CHARS, WORD_MIN_CHARS};
use academy_publishing::search::{QUERY_MAX_TERMS, statement, transliterate};
use sea_orm::{ConnectionTrait, DbBackend};

/// Candidates looked at per word.
const CANDIDATES: u64 = 20;

/// Most edits a suggestion may be from the typed word: one for words up to seven
/// letters, two for longer ones.
pub fn max_distance(word: &str) -> usize {
    if word.chars().count() <= 7 { 1 } else { 2 }
}

/// The closest of `candidates` to `word`, if one is close enough.
pub fn closest(word: &str, candidates: &[String]) -> Option<String> {
    let typed = transliterate(word);
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&typed, &transliterate(c)), c))
        .filter(|(distance, _)| *distance <= max_distance(word))
        .min_by_key(|(distance, c)| (*distance, c.len()))
        .map(|(_, c)| c.clone())
}

async fn known(db: &impl ConnectionTrait, word: &str) -> Result<bool, AppError> {
    Ok(db
        .query_one_raw(statement(
            db,
            "SELECT 1 AS found FROM catalogue_words WHERE word = $1 LIMIT 1",
            vec![word.to_owned().into()],
        ))
        .await?
        .is_some())
}

async fn candidates(db: &impl ConnectionTrait, word: &str) -> Result<Vec<String>, AppError> {
    let (sql, value) = match db.get_database_backend() {
        DbBackend::Postgres => (
            format!(
                "SELECT word FROM catalogue_words WHERE word % $1 GROUP BY word \
                 ORDER BY max(similarity(word, $1)) DESC, word LIMIT {CANDIDATES}"
            ),
            word.to_owned(),
        ),
        _ => {
            let chars: Vec<char> = word.chars().collect();
            let trigrams: Vec<String> = chars
                .windows(3)
                .map(|w| format!("\"{}\"", w.iter().collect::<String>()))
                .collect();
            // The trigram table keeps words no entry uses any more; those are skipped.
            (
                format!(
                    "SELECT word FROM catalogue_words_fts WHERE catalogue_words_fts MATCH $1 \
                     AND word IN (SELECT word FROM catalogue_words) \
                     ORDER BY rank LIMIT {CANDIDATES}"
                ),
                trigrams.join(" OR "),
            )
        }
    };
    let rows = db
        .query_all_raw(statement(db, &sql, vec![value.into()]))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "word").map_err(AppError::from))
        .collect()
}

/// The search text with its unknown words corrected, if any was.
pub async fn suggest(db: &impl ConnectionTrait, text: &str) -> Result<Option<String>, AppError> {
    let mut corrected = Vec::new();
    let mut changed = false;
    let mut looked_up = 0;
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        let plain = lower.chars().all(char::is_alphabetic)
            && (WORD_MIN_CHARS..=WORD_MAX_CHARS).contains(&lower.chars().count());
        if !plain || looked_up >= QUERY_MAX_TERMS || known(db, &lower).await? {
            corrected.push(lower);
            continue;
        }
        looked_up += 1;
        match closest(&lower, &candidates(db, &lower).await?) {
            Some(better) => {
                changed = true;
                corrected.push(better);
            }
            None => corrected.push(lower),
        }
    }
    Ok(changed.then(|| corrected.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_word_within_reach_is_suggested() {
        let words = ["beteiligung", "beteiligen", "bewegung"].map(String::from);
        assert_eq!(
            closest("beteilgung", &words).as_deref(),
            Some("beteiligung")
        );
        // Written-out umlauts cost nothing.
        let green = ["grünflächen".to_owned()];
        assert_eq!(
            closest("gruenflaechn", &green).as_deref(),
            Some("grünflächen")
        );
        assert_eq!(closest("quartier", &words), None);
        assert_eq!(closest("wohnen", &["wohnung".to_owned()]), None);
    }
}
