//! Validated guide content, free of I/O and unit-tested; the workflow's rules come from
//! `academy_publishing`, which every kind of content shares.

use academy_kernel::markdown;
use academy_kernel::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use academy_publishing::{
    NOTE_MAX, PublicationStatus as GuideStatus, RevisionState, Transition, Workflow, review_comment,
};

/// Whether `transition` may happen to a guide now (the shared workflow's rules).
pub fn check(workflow: Workflow, transition: Transition) -> Result<(), AppError> {
    academy_publishing::check(workflow, transition, "guide")
}

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 1000;
/// Longest Markdown field, in characters.
pub const MARKDOWN_MAX: usize = 100_000;
/// Longest step title, in characters.
pub const STEP_TITLE_MAX: usize = 200;
/// Most steps.
pub const STEPS_MAX: usize = 50;
/// Longest estimated reading time, in minutes.
pub const READING_MINUTES_MAX: i32 = 600;
/// Language tags: two lowercase letters, then letters, digits and single hyphens; 2–8
/// characters in all (`de`, `en`, `de-CH`).
pub use academy_publishing::language::{LENGTH as LANGUAGE_LENGTH, PATTERN as LANGUAGE_PATTERN};

/// One step of a guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What to do, in a few words; required, at most 200 characters.
    #[schema(example = "Beteiligungsformate auswählen")]
    pub title: String,
    /// How to do it (Markdown, no raw HTML).
    #[serde(default)]
    pub body: String,
}

/// A guide's content as an author sends it, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ContentInput {
    pub title: String,
    pub summary: String,
    pub context: String,
    pub steps: Vec<Step>,
    pub success_factors: String,
    pub pitfalls: String,
    pub body: String,
    pub language: Option<String>,
    pub easy_language_guide_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub reading_minutes: Option<i32>,
    pub change_note: Option<String>,
    pub fields_of_action: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

/// Content that passed [`validate`]: trimmed, within limits, Markdown without HTML.
/// Taxonomy slugs and organisations are checked against the database by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub context: String,
    pub steps: Vec<Step>,
    pub success_factors: String,
    pub pitfalls: String,
    pub body: String,
    pub language: String,
    pub easy_language_guide_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub reading_minutes: Option<i32>,
    pub change_note: Option<String>,
    pub fields_of_action: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

impl Content {
    /// The taxonomy terms and co-publishers the content is linked to.
    pub fn tags(&self) -> academy_publishing::Tags {
        academy_publishing::Tags {
            fields_of_action: self.fields_of_action.clone(),
            phases: self.phases.clone(),
            audiences: self.audiences.clone(),
            co_publishers: self.co_publishers.clone(),
        }
    }
}

fn too_long(field: impl Into<std::borrow::Cow<'static, str>>, max: usize) -> FieldError {
    FieldError::new(
        field,
        "too_long",
        format!("must be at most {max} characters"),
    )
}

/// A plausible email address: one `@`, something before it, a dot in the domain, no
/// spaces. Delivery is what proves an address; this catches typing mistakes.
pub fn valid_email(email: &str) -> bool {
    // The same plausibility check as account addresses.
    academy_auth::domain::Email::parse("contactEmail", email).is_ok()
}

/// Slugs follow the taxonomy's rule: 2–64 characters of `a-z`, `0-9` and single inner
/// hyphens.
pub use academy_taxonomy::terms::valid_slug;

/// A slug from a German title: umlauts transcribed, everything else that is not a letter
/// or digit becomes a hyphen: "Bürgerbeteiligung in Groß-Gerau" →
/// `buergerbeteiligung-in-gross-gerau`. Always a valid slug (`leitfaden` when the title
/// gives none).
pub fn slugify(title: &str) -> String {
    academy_publishing::slug::slugify(title, "leitfaden")
}

/// The `n`-th slug made from `base`: `base` itself, then `base-2`, `base-3`, ….
pub use academy_publishing::slug::numbered as numbered_slug;

fn trimmed(text: &str) -> String {
    text.trim().to_owned()
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn dedup<T: PartialEq + Clone>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Checks everything that needs no database; every problem is reported at once.
pub fn validate(input: ContentInput) -> Result<Content, AppError> {
    let mut errors = Vec::new();
    let title = trimmed(&input.title);
    if title.is_empty() {
        errors.push(FieldError::new("title", "required", "must not be empty"));
    } else if title.chars().count() > TITLE_MAX {
        errors.push(too_long("title", TITLE_MAX));
    }
    let summary = trimmed(&input.summary);
    if summary.is_empty() {
        errors.push(FieldError::new("summary", "required", "must not be empty"));
    } else if summary.chars().count() > SUMMARY_MAX {
        errors.push(too_long("summary", SUMMARY_MAX));
    }
    // Plain-text fields are held to the same rule, so no stored text carries markup.
    markdown::check("title", &title, &mut errors);
    markdown::check("summary", &summary, &mut errors);
    let markdown = [
        ("context", trimmed(&input.context)),
        ("successFactors", trimmed(&input.success_factors)),
        ("pitfalls", trimmed(&input.pitfalls)),
        ("body", trimmed(&input.body)),
    ];
    for (field, text) in &markdown {
        if text.chars().count() > MARKDOWN_MAX {
            errors.push(too_long(*field, MARKDOWN_MAX));
        } else {
            markdown::check(*field, text, &mut errors);
        }
    }
    let [context, success_factors, pitfalls, body] = markdown.map(|(_, text)| text);

    if input.steps.len() > STEPS_MAX {
        errors.push(FieldError::new(
            "steps",
            "too_many",
            format!("at most {STEPS_MAX} steps"),
        ));
    }
    let steps: Vec<Step> = input
        .steps
        .into_iter()
        .map(|s| Step {
            title: trimmed(&s.title),
            body: trimmed(&s.body),
        })
        .collect();
    for (i, step) in steps.iter().enumerate() {
        if step.title.is_empty() {
            errors.push(FieldError::new(
                format!("steps[{i}].title"),
                "required",
                "must not be empty",
            ));
        } else if step.title.chars().count() > STEP_TITLE_MAX {
            errors.push(too_long(format!("steps[{i}].title"), STEP_TITLE_MAX));
        } else {
            markdown::check(format!("steps[{i}].title"), &step.title, &mut errors);
        }
        if step.body.chars().count() > MARKDOWN_MAX {
            errors.push(too_long(format!("steps[{i}].body"), MARKDOWN_MAX));
        } else {
            markdown::check(format!("steps[{i}].body"), &step.body, &mut errors);
        }
    }

    let language = optional(input.language).unwrap_or_else(|| "de".to_owned());
    if !academy_publishing::language::valid(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        ));
    }

    let contact_name = optional(input.contact_name);
    if contact_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > TITLE_MAX)
    {
        errors.push(too_long("contactName", TITLE_MAX));
    }
    let contact_email = optional(input.contact_email);
    if contact_email.as_deref().is_some_and(|e| !valid_email(e)) {
        errors.push(FieldError::new(
            "contactEmail",
            "invalid_email",
            "must be an email address",
        ));
    }
    if input
        .reading_minutes
        .is_some_and(|m| !(1..=READING_MINUTES_MAX).contains(&m))
    {
        errors.push(FieldError::new(
            "readingMinutes",
            "out_of_range",
            format!("must be between 1 and {READING_MINUTES_MAX}"),
        ));
    }
    let change_note = optional(input.change_note);
    if change_note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX)
    {
        errors.push(too_long("changeNote", NOTE_MAX));
    }

    if errors.is_empty() {
        Ok(Content {
            title,
            summary,
            context,
            steps,
            success_factors,
            pitfalls,
            body,
            language,
            easy_language_guide_id: input.easy_language_guide_id,
            contact_name,
            contact_email,
            reading_minutes: input.reading_minutes,
            change_note,
            fields_of_action: dedup(input.fields_of_action),
            phases: dedup(input.phases),
            audiences: dedup(input.audiences),
            co_publishers: dedup(input.co_publishers),
        })
    } else {
        Err(AppError::validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContentInput {
        ContentInput {
            title: "  Beteiligung im Quartier ".into(),
            summary: "Wie Kommunen Bewohnerinnen und Bewohner erreichen.".into(),
            steps: vec![Step {
                title: "Ziele klären".into(),
                body: "Wer soll **was** mitentscheiden?".into(),
            }],
            fields_of_action: vec!["housing".into(), "housing".into()],
            ..ContentInput::default()
        }
    }

    fn field_codes(error: AppError) -> Vec<(String, String)> {
        error
            .problem()
            .errors
            .into_iter()
            .map(|e| (e.field.into_owned(), e.code.into_owned()))
            .collect()
    }

    #[test]
    fn valid_content_is_trimmed_and_defaults_to_german() {
        let content = validate(input()).unwrap();
        assert_eq!(content.title, "Beteiligung im Quartier");
        assert_eq!(content.language, "de");
        assert_eq!(content.fields_of_action, ["housing"]);
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut bad = input();
        bad.title = " ".into();
        bad.summary = "x".repeat(SUMMARY_MAX + 1);
        bad.context = "Siehe <script>alert(1)</script>".into();
        bad.steps.push(Step {
            title: "".into(),
            body: "".into(),
        });
        bad.contact_email = Some("kein-at.example.org".into());
        bad.language = Some("Deutsch!".into());
        bad.reading_minutes = Some(0);
        let codes = field_codes(validate(bad).unwrap_err());
        for expected in [
            ("title", "required"),
            ("summary", "too_long"),
            ("context", "raw_html"),
            ("steps[1].title", "required"),
            ("contactEmail", "invalid_email"),
            ("language", "invalid_language"),
            ("readingMinutes", "out_of_range"),
        ] {
            assert!(
                codes.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{expected:?} in {codes:?}"
            );
        }
    }

    #[test]
    fn raw_html_is_refused_in_every_text_field_and_prose_passes() {
        let mut fine = input();
        fine.context = "a<b und 3 > 2, siehe <https://example.org>".into();
        fine.steps[0].body = "Im Code: `<script>` bleibt Text.".into();
        assert!(validate(fine).is_ok());

        let bypass = "<img\nsrc=x\nonerror=alert(1)//@x://>";
        let mut bad = input();
        bad.title = "Titel <b>fett</b>".into();
        bad.summary = bypass.into();
        bad.context = bypass.into();
        bad.success_factors = bypass.into();
        bad.pitfalls = bypass.into();
        bad.body = bypass.into();
        bad.steps = vec![Step {
            title: "<i>Schritt</i>".into(),
            body: bypass.into(),
        }];
        let codes = field_codes(validate(bad).unwrap_err());
        for field in [
            "title",
            "summary",
            "context",
            "successFactors",
            "pitfalls",
            "body",
            "steps[0].title",
            "steps[0].body",
        ] {
            assert!(
                codes.contains(&(field.to_owned(), "raw_html".to_owned())),
                "{field} in {codes:?}"
            );
        }
    }

    #[test]
    fn slugs_come_from_german_titles() {
        assert_eq!(
            slugify("Bürgerbeteiligung in Groß-Gerau"),
            "buergerbeteiligung-in-gross-gerau"
        );
        assert_eq!(slugify("  Quartier — 2030!  "), "quartier-2030");
        assert!(slugify(&"Wort ".repeat(40)).len() <= 64);
        assert!(valid_slug(&slugify("Öffentliche Räume")));
        assert!(!valid_slug("Mit Leerzeichen"));
        assert!(!valid_slug("a"));
        // Every title makes a valid slug, however short or foreign.
        assert_eq!(slugify("0"), "leitfaden-0");
        assert_eq!(slugify("Ω"), "leitfaden");
        assert_eq!(slugify("?!"), "leitfaden");
        for title in ["0", "Ω", "?!", "a b", "ä"] {
            assert!(valid_slug(&slugify(title)), "{title}");
        }
    }

    #[test]
    fn numbered_slugs_stay_valid() {
        assert_eq!(numbered_slug("quartier", 1), "quartier");
        assert_eq!(numbered_slug("quartier", 2), "quartier-2");
        let long = slugify(&"Beteiligung ".repeat(10));
        for n in [2, 10, 1000] {
            let slug = numbered_slug(&long, n);
            assert!(slug.len() <= 64 && valid_slug(&slug), "{slug}");
            assert!(slug.ends_with(&format!("-{n}")), "{slug}");
        }
        // A cut right after a hyphen does not leave two in a row.
        let base = format!("{}-b", "a".repeat(61));
        assert_eq!(numbered_slug(&base, 22), format!("{}-22", "a".repeat(61)));
        assert!(valid_slug(&numbered_slug(&base, 22)));
    }

    #[test]
    fn emails_are_plausible() {
        assert!(valid_email("petra.beispiel@example.org"));
        for bad in [
            "",
            "x",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@@example.org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
