//! Markdown as every content crate stores it: CommonMark (with tables and strikethrough)
//! without raw HTML, checked by a real parser, and rendered to sanitised HTML for
//! frontends.
//!
//! Authors write Markdown; raw HTML in it is refused on input ([`check`]), so stored text
//! never carries markup of its own. Responses may add a rendering ([`to_html`]): the
//! parser's HTML, passed through an allow-list sanitiser, so no frontend has to sanitise
//! on its own. The sanitiser is the second line: even if HTML got into stored text some
//! other way, no script, event handler, style or `javascript:` link leaves the server.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser};

use crate::FieldError;

/// The stable code of a field that contains raw HTML.
pub const RAW_HTML: &str = "raw_html";

/// The Markdown dialect: CommonMark plus tables and strikethrough.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Whether `text`, read as CommonMark, contains raw HTML (a block or an inline tag,
/// comment, declaration or processing instruction). Autolinks (`<https://…>`), a lone `<`
/// in prose and HTML inside code spans or blocks are Markdown, not HTML.
pub fn contains_html(text: &str) -> bool {
    Parser::new_ext(text, options())
        .any(|event| matches!(event, Event::Html(_) | Event::InlineHtml(_)))
}

/// The field error for raw HTML in `field`.
pub fn raw_html(field: impl Into<Cow<'static, str>>) -> FieldError {
    FieldError::new(
        field,
        RAW_HTML,
        "must be Markdown without HTML tags; responses carry a sanitised HTML rendering",
    )
}

/// Adds a `raw_html` error for `field` when `text` contains raw HTML.
pub fn check(field: impl Into<Cow<'static, str>>, text: &str, errors: &mut Vec<FieldError>) {
    if contains_html(text) {
        errors.push(raw_html(field));
    }
}

/// URL schemes a rendered link or image may use; relative URLs stay allowed.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(URL_SCHEMES.iter().copied().collect::<HashSet<_>>())
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// `text` rendered as HTML and sanitised: only an allow-list of elements and attributes,
/// links only to `http`, `https`, `mailto` and `tel` (or relative), every link with
/// `rel="noopener noreferrer nofollow"`. Empty text renders as an empty string.
pub fn to_html(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let mut html = String::with_capacity(text.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options()));
    SANITISER.clean(&html).to_string()
}

/// The words of `text` as a reader sees them, without Markdown markup: the text of
/// every paragraph, heading, list item, table cell, code span and link, blocks separated
/// by a line break, inline breaks by a space. For search indexes and snippets.
pub fn to_plain(text: &str) -> String {
    use pulldown_cmark::TagEnd;
    let mut plain = String::with_capacity(text.len());
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => plain.push_str(&t),
            Event::SoftBreak | Event::HardBreak => plain.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => plain.push('\n'),
            _ => {}
        }
    }
    plain.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        let plain = to_plain(
            "# Titel\n\n**Sozialer** Zusammenhalt braucht _Orte_ und [Wege](https://example.org).\n\n- eins\n- `zwei`",
        );
        assert_eq!(
            plain,
            "Titel\nSozialer Zusammenhalt braucht Orte und Wege.\neins\nzwei"
        );
    }

    #[test]
    fn prose_autolinks_and_code_are_not_html() {
        for fine in [
            "a<b und 3 > 2",
            "a < b und b > c",
            "Siehe <https://example.org/leitfaden>",
            "Schreiben Sie an <kontakt@example.org>",
            "**fett**, _kursiv_ und [ein Link](https://example.org)",
            "Im Code: `<script>` bleibt Text.",
            "```\n<div>Beispiel</div>\n```",
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "",
        ] {
            assert!(!contains_html(fine), "{fine}");
        }
    }

    #[test]
    fn html_is_found_however_it_is_written() {
        for html in [
            "<b>x</b>",
            "<!-- x -->",
            "</div>",
            "<img src=x onerror=y>",
            "<?xml version=\"1.0\"?>",
            "<script>alert(1)</script>",
            "<img\nsrc=x\nonerror=alert(1)//@x://>",
            "Text <IMG SRC=x OnError=alert(1)> mitten im Satz",
            "> Zitat mit <span style=\"color:red\">Farbe</span>",
            "- Liste\n- <iframe src=\"https://example.org\"></iframe>",
            "<a href=\"javascript:alert(1)\">klick</a>",
        ] {
            assert!(contains_html(html), "{html:?}");
        }
    }

    #[test]
    fn check_names_the_field() {
        let mut errors = Vec::new();
        check("steps[2].body", "<b>x</b>", &mut errors);
        check("body", "fein", &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "steps[2].body");
        assert_eq!(errors[0].code, RAW_HTML);
    }

    #[test]
    fn the_rendering_keeps_markdown_and_drops_everything_active() {
        let html = to_html("## Titel\n\n**fett** und [Link](https://example.org) und a<b");
        assert!(html.contains("<h2>Titel</h2>"), "{html}");
        assert!(html.contains("<strong>fett</strong>"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.org\" rel=\"noopener noreferrer nofollow\">Link</a>"
            ),
            "{html}"
        );
        assert!(html.contains("a&lt;b"), "{html}");

        // Should raw HTML ever reach the renderer, nothing active survives.
        for hostile in [
            "[klick](javascript:alert(1))",
            "[klick](JaVaScRiPt:alert(1))",
            "![bild](javascript:alert(1))",
            "<img\nsrc=x\nonerror=alert(1)//@x://>",
            "<script>alert(1)</script>",
            "<a href=\"javascript:alert(1)\" onclick=\"x()\">a</a>",
            "<div style=\"background:url(javascript:x)\">s</div>",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
        ] {
            let html = to_html(hostile).to_lowercase();
            for bad in [
                "<script",
                "javascript:",
                "onerror",
                "onclick",
                "style=",
                "data:",
            ] {
                assert!(!html.contains(bad), "{hostile:?} → {html}");
            }
        }
        assert_eq!(to_html("  "), "");
    }
}
