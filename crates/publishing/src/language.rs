//! The language of content: a tag such as `de`, `en` or `de-CH`, the same rule for every
//! kind.

/// Language tags: two lowercase letters, then letters, digits and single hyphens; 2–8
/// characters in all (`de`, `en`, `de-CH`).
pub const PATTERN: &str = "^[a-z]{2}[A-Za-z0-9]*(-[A-Za-z0-9]+)*$";
/// Shortest and longest language tag.
pub const LENGTH: (usize, usize) = (2, 8);
/// The language of content that names none.
pub const DEFAULT: &str = "de";

/// Whether `tag` is a language tag as [`PATTERN`] describes.
pub fn valid(tag: &str) -> bool {
    (LENGTH.0..=LENGTH.1).contains(&tag.len())
        && tag
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.as_bytes()[..2].iter().all(u8::is_ascii_lowercase)
}

/// Whether `tag` is German (`de`, `de-DE`, `de-CH`, …).
pub fn is_german(tag: &str) -> bool {
    tag == "de" || tag.starts_with("de-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_follow_the_pattern() {
        for ok in ["de", "en", "de-CH", "gsw-CH"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["", "d", "DE", "de--CH", "de-", "deutsch-x", "d3"] {
            assert!(!valid(bad), "{bad}");
        }
        assert!(is_german("de-AT") && !is_german("dex"));
    }
}
