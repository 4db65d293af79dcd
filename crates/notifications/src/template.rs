//! A plain letter layout: greeting, paragraphs, an optional button, a closing — rendered
//! once as plain text and once as HTML with every piece of text escaped.

use crate::Mail;

/// A link the reader is asked to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The button's text.
    pub label: String,
    /// Where the button leads.
    pub url: String,
}

/// The content of a mail, independent of its format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// e.g. "Guten Tag Erika Mustermann,"
    pub greeting: String,
    /// The paragraphs before the action.
    pub paragraphs: Vec<String>,
    /// The one link the reader is asked to follow, if any.
    pub action: Option<Action>,
    /// Paragraphs after the action, e.g. how long a link stays valid.
    pub after: Vec<String>,
}

/// Signature under every mail.
const SIGNATURE: &str = "Ihre Akademie für sozialen Zusammenhalt";

impl Letter {
    /// The mail to `to`, in plain text and HTML.
    pub fn to_mail(&self, to: &str) -> Mail {
        Mail {
            to: to.to_owned(),
            subject: self.subject.clone(),
            text: self.text(),
            html: self.html(),
            attachments: Vec::new(),
        }
    }

    fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for paragraph in &self.paragraphs {
            out.push_str(paragraph);
            out.push_str("\n\n");
        }
        if let Some(action) = &self.action {
            out.push_str(&format!("{}:\n{}\n\n", action.label, action.url));
        }
        for paragraph in &self.after {
            out.push_str(paragraph);
            out.push_str("\n\n");
        }
        out.push_str("Mit freundlichen Grüßen\n");
        out.push_str(SIGNATURE);
        out.push('\n');
        out
    }

    fn html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"de\">\n<head><meta charset=\"utf-8\"><title>",
        );
        out.push_str(&escape(&self.subject));
        out.push_str("</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5; color: #1a1a1a;\">\n");
        out.push_str(&format!("<p>{}</p>\n", escape(&self.greeting)));
        for paragraph in &self.paragraphs {
            out.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
        }
        if let Some(action) = &self.action {
            out.push_str(&format!(
                "<p><a href=\"{}\" style=\"display: inline-block; padding: 0.6em 1.2em; background: #00529c; color: #ffffff; text-decoration: none; border-radius: 4px;\">{}</a></p>\n",
                escape(&action.url),
                escape(&action.label)
            ));
            out.push_str(&format!(
                "<p style=\"font-size: 0.9em;\">Falls der Knopf nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:<br>{}</p>\n",
                escape(&action.url)
            ));
        }
        for paragraph in &self.after {
            out.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
        }
        out.push_str(&format!(
            "<p>Mit freundlichen Grüßen<br>{}</p>\n</body>\n</html>\n",
            escape(SIGNATURE)
        ));
        out
    }
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            subject: "Bitte bestätigen".into(),
            greeting: "Guten Tag <Erika>,".into(),
            paragraphs: vec!["Sie haben sich registriert & mehr.".into()],
            action: Some(Action {
                label: "E-Mail-Adresse bestätigen".into(),
                url: "https://academy.example.org/konto?token=a\"b".into(),
            }),
            after: vec!["Der Link gilt 24 Stunden.".into()],
        }
    }

    #[test]
    fn html_escapes_every_piece_of_text() {
        let mail = letter().to_mail("erika@example.org");
        assert!(mail.html.contains("Guten Tag &lt;Erika&gt;,"));
        assert!(mail.html.contains("registriert &amp; mehr"));
        assert!(mail.html.contains("token=a&quot;b"));
        assert!(!mail.html.contains("<Erika>"));
    }

    #[test]
    fn plain_text_carries_the_link_unchanged() {
        let mail = letter().to_mail("erika@example.org");
        assert!(
            mail.text.contains(
                "E-Mail-Adresse bestätigen:\nhttps://academy.example.org/konto?token=a\"b"
            )
        );
        assert!(
            mail.text
                .ends_with("Ihre Akademie für sozialen Zusammenhalt\n")
        );
        assert_eq!(mail.to, "erika@example.org");
    }
}
