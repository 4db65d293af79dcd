//! Validated course content — metadata, modules, lessons and their completion rules —
//! free of I/O and unit-tested. The workflow's rules come from `academy_publishing`.

use std::collections::HashSet;

use academy_kernel::{AppError, FieldError, markdown};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::quiz::{self, Quiz};

pub use academy_publishing::{NOTE_MAX, PublicationStatus as CourseStatus, RevisionState};

/// Longest title (course, module, lesson), in characters.
pub const TITLE_MAX: usize = 200;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 1000;
/// Longest description or lesson text (Markdown), in characters.
pub const DESCRIPTION_MAX: usize = 100_000;
/// Most learning objectives.
pub const OBJECTIVES_MAX: usize = 20;
/// Longest learning objective, in characters.
pub const OBJECTIVE_MAX: usize = 300;
/// Most prerequisite courses.
pub const PREREQUISITES_MAX: usize = 10;
/// Most modules in a course.
pub const MODULES_MAX: usize = 30;
/// Most lessons in a module.
pub const LESSONS_MAX: usize = 50;
/// Most hours a course may be estimated at.
pub const HOURS_MAX: f64 = 1000.0;
/// Most places a course may offer.
pub const CAPACITY_MAX: i32 = 100_000;
/// Longest certificate validity, in months (ten years).
pub const VALIDITY_MAX_MONTHS: i32 = 120;
/// Longest minimum time on a lesson, in seconds (a day).
pub const MIN_SECONDS_MAX: u32 = 86_400;

/// What a lesson is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LessonKind {
    /// Markdown text.
    Text,
    /// A published guide.
    Guide,
    /// A published video tutorial.
    Tutorial,
    /// A quiz, scored on the server.
    Quiz,
}

impl LessonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Guide => "guide",
            Self::Tutorial => "tutorial",
            Self::Quiz => "quiz",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Text, Self::Guide, Self::Tutorial, Self::Quiz]
            .into_iter()
            .find(|k| k.as_str() == value)
    }
}

/// What completes a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompletionRule {
    /// The learner opened it (`POST …/view`), and — with `minSeconds` — opened it again
    /// at least that long after the first time.
    Viewed,
    /// The learner marked it done (`POST …/done`).
    Done,
    /// The learner watched the tutorial to its completion threshold; skipping does not
    /// count. Tutorial lessons only.
    Tutorial,
    /// The learner passed the quiz. Quiz lessons only.
    Quiz,
}

impl CompletionRule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewed => "viewed",
            Self::Done => "done",
            Self::Tutorial => "tutorial",
            Self::Quiz => "quiz",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Viewed, Self::Done, Self::Tutorial, Self::Quiz]
            .into_iter()
            .find(|k| k.as_str() == value)
    }

    /// The rule of a lesson that names none.
    pub fn default_for(kind: LessonKind) -> Self {
        match kind {
            LessonKind::Text | LessonKind::Guide => Self::Viewed,
            LessonKind::Tutorial => Self::Tutorial,
            LessonKind::Quiz => Self::Quiz,
        }
    }
}

/// Whether all or any of a module's lessons complete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModuleCompletion {
    /// Every lesson.
    #[default]
    All,
    /// One lesson.
    Any,
}

impl ModuleCompletion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Any => "any",
        }
    }

    pub fn parse(value: &str) -> Self {
        if value == "any" { Self::Any } else { Self::All }
    }
}

/// A lesson as authors write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonInput {
    /// Stable key; given by the server when left out. Keep it when editing: progress on
    /// a lesson that stays the same carries over to the next revision.
    pub key: Option<Uuid>,
    /// Required; at most 200 characters.
    #[schema(example = "Was Beteiligung im Quartier bewirkt")]
    pub title: String,
    pub kind: LessonKind,
    /// The text of a `text` lesson (required there), an introduction for the others
    /// (Markdown, no raw HTML).
    #[serde(default)]
    pub body: String,
    /// The guide of a `guide` lesson; it must be published when the course is.
    pub guide_id: Option<Uuid>,
    /// The tutorial of a `tutorial` lesson; it must be published when the course is.
    pub tutorial_id: Option<Uuid>,
    /// The quiz of a `quiz` lesson.
    pub quiz: Option<Quiz>,
    /// What completes it: `viewed` (default for text and guide), `done`, `tutorial`
    /// (default and only for tutorial lessons besides `viewed`/`done`), `quiz` (quiz
    /// lessons, and only them).
    pub completion: Option<CompletionRule>,
    /// With `viewed`: seconds that must pass between the first and a later view, 1–86400.
    #[schema(minimum = 1, maximum = 86400)]
    pub min_seconds: Option<u32>,
    /// Locked until then.
    pub unlock_at: Option<DateTime<Utc>>,
}

/// A module as authors write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModuleInput {
    /// Stable key; given by the server when left out.
    pub key: Option<Uuid>,
    /// Required; at most 200 characters.
    #[schema(example = "Grundlagen")]
    pub title: String,
    /// Markdown, no raw HTML.
    #[serde(default)]
    pub description: String,
    /// `all` (default) or `any` of its lessons complete it.
    #[serde(default)]
    pub completion: ModuleCompletion,
    /// Its lessons unlock one after the other.
    #[serde(default)]
    pub sequential: bool,
    /// Locked until then.
    pub unlock_at: Option<DateTime<Utc>>,
    /// 1–50 lessons, in order.
    pub lessons: Vec<LessonInput>,
}

/// A course's metadata and structure as authors write it.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CourseContentRequest {
    /// Required; at most 200 characters.
    #[schema(example = "Beteiligung im Quartier – der Einstieg")]
    pub title: String,
    /// Required plain text; at most 1000 characters.
    #[schema(example = "In drei Modulen von der Idee zum ersten Beteiligungsformat.")]
    pub summary: String,
    /// Markdown, no raw HTML.
    #[serde(default)]
    pub description: String,
    /// What learners can do afterwards; at most 20 of at most 300 characters.
    #[serde(default)]
    pub objectives: Vec<String>,
    /// Language tag; `de` when left out.
    pub language: Option<String>,
    /// The hours a learner needs, more than 0 and at most 1000; shown on certificates.
    #[schema(example = 4.5, exclusive_minimum = 0, maximum = 1000)]
    pub estimated_hours: f64,
    /// Ids of courses a learner must have completed before enrolling themselves; at most
    /// 10.
    #[serde(default)]
    pub prerequisites: Vec<Uuid>,
    /// Self-enrolment opens then.
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    /// Self-enrolment closes then; after `enrolmentOpensAt`.
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    /// The course closes then: quizzes with review `after_close` show their answers.
    pub closes_at: Option<DateTime<Utc>>,
    /// Whether learners may enrol themselves (default `true`).
    #[schema(default = true)]
    pub self_enrolment: Option<bool>,
    /// Most self-enrolled learners at a time, 1–100000; no limit when left out.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    /// Modules unlock one after the other.
    #[serde(default)]
    pub sequential: bool,
    /// How long a certificate is valid, in months, 1–120; for ever when left out.
    #[schema(minimum = 1, maximum = 120)]
    pub validity_months: Option<i32>,
    /// Slugs of fields of action (see `GET /taxonomy`); the themes follow from them.
    #[serde(default)]
    pub fields_of_action: Vec<String>,
    /// Slugs of programme phases.
    #[serde(default)]
    pub phases: Vec<String>,
    /// Slugs of target audiences.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Ids of co-publishing organisations.
    #[serde(default)]
    pub co_publishers: Vec<Uuid>,
    /// What changed, for the revision history; at most 2000 characters.
    pub change_note: Option<String>,
    /// 0–30 modules in order; a course is submitted with at least one lesson.
    #[serde(default)]
    pub modules: Vec<ModuleInput>,
}

/// A lesson that passed [`validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub key: Uuid,
    pub title: String,
    pub kind: LessonKind,
    pub body: String,
    pub guide_id: Option<Uuid>,
    pub tutorial_id: Option<Uuid>,
    pub quiz: Option<Quiz>,
    pub rule: CompletionRule,
    pub min_seconds: Option<u32>,
    pub unlock_at: Option<DateTime<Utc>>,
}

impl Lesson {
    /// SHA-256 over what the lesson asks of a learner (not its title, place or unlock
    /// date): progress carries over while it stays the same.
    pub fn fingerprint(&self) -> String {
        let substance = serde_json::json!({
            "kind": self.kind.as_str(),
            "body": self.body,
            "guide": self.guide_id,
            "tutorial": self.tutorial_id,
            "quiz": self.quiz,
            "rule": self.rule.as_str(),
            "minSeconds": self.min_seconds,
        });
        Sha256::digest(substance.to_string().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A module that passed [`validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub key: Uuid,
    pub title: String,
    pub description: String,
    pub completion: ModuleCompletion,
    pub sequential: bool,
    pub unlock_at: Option<DateTime<Utc>>,
    pub lessons: Vec<Lesson>,
}

/// Content that passed [`validate`]. References (terms, organisations, guides,
/// tutorials, prerequisites) are checked against the database by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub objectives: Vec<String>,
    pub language: String,
    pub estimated_hours: f64,
    pub prerequisites: Vec<Uuid>,
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub self_enrolment: bool,
    pub capacity: Option<i32>,
    pub sequential: bool,
    pub validity_months: Option<i32>,
    pub tags: academy_publishing::Tags,
    pub change_note: Option<String>,
    pub modules: Vec<Module>,
}

fn text(
    errors: &mut Vec<FieldError>,
    field: String,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be blank"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    value.to_owned()
}

/// Checks everything that needs no database; 422 with every problem at once.
pub fn validate(input: CourseContentRequest) -> Result<Content, AppError> {
    let mut errors = Vec::new();
    let title = text(&mut errors, "title".into(), &input.title, TITLE_MAX, true);
    let summary = text(
        &mut errors,
        "summary".into(),
        &input.summary,
        SUMMARY_MAX,
        true,
    );
    if input.description.chars().count() > DESCRIPTION_MAX {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!("at most {DESCRIPTION_MAX} characters"),
        ));
    }
    markdown::check("description", &input.description, &mut errors);
    if input.objectives.len() > OBJECTIVES_MAX {
        errors.push(FieldError::new(
            "objectives",
            "count",
            format!("at most {OBJECTIVES_MAX}"),
        ));
    }
    let objectives = input
        .objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            text(
                &mut errors,
                format!("objectives[{i}]"),
                o,
                OBJECTIVE_MAX,
                true,
            )
        })
        .collect();
    let language = input
        .language
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| academy_publishing::language::DEFAULT.to_owned());
    if !academy_publishing::language::valid(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        ));
    }
    if !(input.estimated_hours.is_finite()
        && input.estimated_hours > 0.0
        && input.estimated_hours <= HOURS_MAX)
    {
        errors.push(FieldError::new(
            "estimatedHours",
            "out_of_range",
            "must be more than 0 and at most 1000",
        ));
    }
    if input.prerequisites.len() > PREREQUISITES_MAX {
        errors.push(FieldError::new(
            "prerequisites",
            "count",
            format!("at most {PREREQUISITES_MAX}"),
        ));
    }
    if let (Some(opens), Some(closes)) = (input.enrolment_opens_at, input.enrolment_closes_at)
        && closes <= opens
    {
        errors.push(FieldError::new(
            "enrolmentClosesAt",
            "not_after",
            "must be after enrolmentOpensAt",
        ));
    }
    if let Some(capacity) = input.capacity
        && !(1..=CAPACITY_MAX).contains(&capacity)
    {
        errors.push(FieldError::new(
            "capacity",
            "out_of_range",
            format!("must be 1–{CAPACITY_MAX}"),
        ));
    }
    if let Some(months) = input.validity_months
        && !(1..=VALIDITY_MAX_MONTHS).contains(&months)
    {
        errors.push(FieldError::new(
            "validityMonths",
            "out_of_range",
            format!("must be 1–{VALIDITY_MAX_MONTHS}"),
        ));
    }
    let change_note = input
        .change_note
        .map(|n| text(&mut errors, "changeNote".into(), &n, NOTE_MAX, false))
        .filter(|n| !n.is_empty());
    if input.modules.len() > MODULES_MAX {
        errors.push(FieldError::new(
            "modules",
            "count",
            format!("at most {MODULES_MAX}"),
        ));
    }
    let mut module_keys = HashSet::new();
    let mut lesson_keys = HashSet::new();
    let mut modules = Vec::with_capacity(input.modules.len());
    for (i, module) in input.modules.into_iter().enumerate() {
        let at = format!("modules[{i}]");
        let key = module.key.unwrap_or_else(Uuid::now_v7);
        if !module_keys.insert(key) {
            errors.push(FieldError::new(
                format!("{at}.key"),
                "duplicate",
                "keys must differ",
            ));
        }
        let title = text(
            &mut errors,
            format!("{at}.title"),
            &module.title,
            TITLE_MAX,
            true,
        );
        if module.description.chars().count() > DESCRIPTION_MAX {
            errors.push(FieldError::new(
                format!("{at}.description"),
                "too_long",
                format!("at most {DESCRIPTION_MAX} characters"),
            ));
        }
        markdown::check(
            format!("{at}.description"),
            &module.description,
            &mut errors,
        );
        if module.lessons.is_empty() || module.lessons.len() > LESSONS_MAX {
            errors.push(FieldError::new(
                format!("{at}.lessons"),
                "count",
                format!("needs 1–{LESSONS_MAX} lessons"),
            ));
        }
        let mut lessons = Vec::with_capacity(module.lessons.len());
        for (j, lesson) in module.lessons.into_iter().enumerate() {
            let at = format!("{at}.lessons[{j}]");
            let key = lesson.key.unwrap_or_else(Uuid::now_v7);
            if !lesson_keys.insert(key) {
                errors.push(FieldError::new(
                    format!("{at}.key"),
                    "duplicate",
                    "keys must differ",
                ));
            }
            lessons.push(check_lesson(&at, key, lesson, &mut errors));
        }
        modules.push(Module {
            key,
            title,
            description: module.description,
            completion: module.completion,
            sequential: module.sequential,
            unlock_at: module.unlock_at,
            lessons,
        });
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(Content {
        title,
        summary,
        description: input.description,
        objectives,
        language,
        estimated_hours: input.estimated_hours,
        prerequisites: input.prerequisites,
        enrolment_opens_at: input.enrolment_opens_at,
        enrolment_closes_at: input.enrolment_closes_at,
        closes_at: input.closes_at,
        self_enrolment: input.self_enrolment.unwrap_or(true),
        capacity: input.capacity,
        sequential: input.sequential,
        validity_months: input.validity_months,
        tags: academy_publishing::Tags {
            fields_of_action: input.fields_of_action,
            phases: input.phases,
            audiences: input.audiences,
            co_publishers: input.co_publishers,
        },
        change_note,
        modules,
    })
}

fn check_lesson(at: &str, key: Uuid, lesson: LessonInput, errors: &mut Vec<FieldError>) -> Lesson {
    let title = text(
        errors,
        format!("{at}.title"),
        &lesson.title,
        TITLE_MAX,
        true,
    );
    if lesson.body.chars().count() > DESCRIPTION_MAX {
        errors.push(FieldError::new(
            format!("{at}.body"),
            "too_long",
            format!("at most {DESCRIPTION_MAX} characters"),
        ));
    }
    if lesson.kind == LessonKind::Text && lesson.body.trim().is_empty() {
        errors.push(FieldError::new(
            format!("{at}.body"),
            "required",
            "a text lesson needs its text",
        ));
    }
    markdown::check(format!("{at}.body"), &lesson.body, errors);
    let wrong = |errors: &mut Vec<FieldError>, name: &str, present: bool, wanted: bool| {
        if present && !wanted {
            errors.push(FieldError::new(
                format!("{at}.{name}"),
                "not_allowed",
                "does not belong to this kind of lesson",
            ));
        } else if !present && wanted {
            errors.push(FieldError::new(
                format!("{at}.{name}"),
                "required",
                "this kind of lesson needs it",
            ));
        }
    };
    wrong(
        errors,
        "guideId",
        lesson.guide_id.is_some(),
        lesson.kind == LessonKind::Guide,
    );
    wrong(
        errors,
        "tutorialId",
        lesson.tutorial_id.is_some(),
        lesson.kind == LessonKind::Tutorial,
    );
    wrong(
        errors,
        "quiz",
        lesson.quiz.is_some(),
        lesson.kind == LessonKind::Quiz,
    );
    let rule = lesson
        .completion
        .unwrap_or(CompletionRule::default_for(lesson.kind));
    let allowed = match lesson.kind {
        LessonKind::Text | LessonKind::Guide => {
            matches!(rule, CompletionRule::Viewed | CompletionRule::Done)
        }
        LessonKind::Tutorial => rule != CompletionRule::Quiz,
        LessonKind::Quiz => rule == CompletionRule::Quiz,
    };
    if !allowed {
        errors.push(FieldError::new(
            format!("{at}.completion"),
            "not_allowed",
            "this rule does not fit this kind of lesson",
        ));
    }
    if let Some(seconds) = lesson.min_seconds {
        if rule != CompletionRule::Viewed {
            errors.push(FieldError::new(
                format!("{at}.minSeconds"),
                "not_allowed",
                "only with completion viewed",
            ));
        } else if !(1..=MIN_SECONDS_MAX).contains(&seconds) {
            errors.push(FieldError::new(
                format!("{at}.minSeconds"),
                "out_of_range",
                format!("must be 1–{MIN_SECONDS_MAX}"),
            ));
        }
    }
    let mut quiz = lesson.quiz;
    if let Some(quiz) = &mut quiz {
        quiz::validate(quiz, &format!("{at}.quiz"), errors);
        quiz::assign_keys(quiz);
    }
    Lesson {
        key,
        title,
        kind: lesson.kind,
        body: lesson.body,
        guide_id: lesson.guide_id,
        tutorial_id: lesson.tutorial_id,
        quiz,
        rule,
        min_seconds: lesson.min_seconds,
        unlock_at: lesson.unlock_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CourseContentRequest {
        serde_json::from_value(serde_json::json!({
            "title": "Kurs",
            "summary": "Worum es geht.",
            "estimatedHours": 2,
            "modules": [{
                "title": "Eins",
                "lessons": [
                    {"title": "Text", "kind": "text", "body": "Hallo"},
                    {"title": "Video", "kind": "tutorial", "tutorialId": "0190a000-0000-7000-8000-000000000001"}
                ]
            }]
        }))
        .unwrap()
    }

    #[test]
    fn defaults_follow_the_kind_of_lesson() {
        let content = validate(request()).unwrap();
        let lessons = &content.modules[0].lessons;
        assert_eq!(lessons[0].rule, CompletionRule::Viewed);
        assert_eq!(lessons[1].rule, CompletionRule::Tutorial);
        assert!(content.self_enrolment);
        assert_eq!(content.language, "de");
    }

    #[test]
    fn a_rule_that_does_not_fit_the_lesson_is_refused_by_its_path() {
        let mut input = request();
        input.modules[0].lessons[0].completion = Some(CompletionRule::Quiz);
        input.modules[0].lessons[1].guide_id = Some(Uuid::now_v7());
        let error = validate(input).unwrap_err();
        let fields: Vec<String> = error
            .problem()
            .errors
            .iter()
            .map(|e| e.field.to_string())
            .collect();
        assert!(
            fields.contains(&"modules[0].lessons[0].completion".to_owned()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"modules[0].lessons[1].guideId".to_owned()),
            "{fields:?}"
        );
    }

    #[test]
    fn the_fingerprint_ignores_the_title_but_not_the_substance() {
        let content = validate(request()).unwrap();
        let lesson = content.modules[0].lessons[0].clone();
        let mut renamed = lesson.clone();
        renamed.title = "Anders".into();
        assert_eq!(lesson.fingerprint(), renamed.fingerprint());
        let mut changed = lesson.clone();
        changed.body = "Neu".into();
        assert_ne!(lesson.fingerprint(), changed.fingerprint());
    }
}
