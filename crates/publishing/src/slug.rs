//! Slugs made from German titles.

/// A slug from a German title: umlauts transcribed, everything else that is not a letter
/// or digit becomes a hyphen: "Bürgerbeteiligung in Groß-Gerau" →
/// `buergerbeteiligung-in-gross-gerau`. Always a valid slug: `fallback` when the title
/// gives none, `fallback-x` when it gives one character.
pub fn slugify(title: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let piece = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                slug.push(c);
                continue;
            }
            _ => "-",
        };
        slug.push_str(piece);
    }
    let mut collapsed = String::new();
    for part in slug.split('-').filter(|p| !p.is_empty()) {
        if collapsed.len() + part.len() + 1 > 64 {
            break;
        }
        if !collapsed.is_empty() {
            collapsed.push('-');
        }
        collapsed.push_str(part);
    }
    // A title of one character, or of letters without a Latin transcription ("Ω"),
    // leaves too little: the item is then named by its kind, numbered like any other.
    match collapsed.len() {
        0 => fallback.to_owned(),
        1 => format!("{fallback}-{collapsed}"),
        _ => collapsed,
    }
}

/// The `n`-th slug made from `base`: `base` itself, then `base-2`, `base-3`, …, the base
/// shortened so that the whole stays within 64 characters.
pub fn numbered(base: &str, n: u32) -> String {
    if n <= 1 {
        return base.to_owned();
    }
    let suffix = format!("-{n}");
    let keep = base.len().min(64usize.saturating_sub(suffix.len()));
    // Slugs are ASCII, so any byte index is a character boundary.
    let head = base.get(..keep).unwrap_or(base).trim_end_matches('-');
    format!("{head}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_that_give_no_slug_are_named_by_their_kind() {
        assert_eq!(slugify("Ω", "tutorial"), "tutorial");
        assert_eq!(slugify("0", "tutorial"), "tutorial-0");
        assert_eq!(slugify("Grün im Quartier", "tutorial"), "gruen-im-quartier");
    }

    #[test]
    fn numbered_slugs_keep_within_64_characters() {
        let base = "a".repeat(64);
        assert_eq!(numbered(&base, 1), base);
        assert_eq!(numbered(&base, 22).len(), 64);
    }
}
