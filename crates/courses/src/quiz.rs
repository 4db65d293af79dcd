//! Quizzes, scored on the server: the questions as authors write them (answer key
//! included), their validation, what a learner is shown of them (never the key), the
//! per-attempt layout (drawn and shuffled once, so a reload shows the same), and scoring.
//! Free of I/O and unit-tested.
//!
//! Scoring, per question, as a share of its points:
//! - `single_choice`, `true_false`, `numeric` (within the tolerance), `short_text`
//!   (after [`normalise`]): all or nothing;
//! - `multiple_choice`: (correct options chosen − wrong options chosen) ÷ correct
//!   options, never below 0 — guessing everything earns nothing;
//! - `ordering`: the share of items in their right place;
//! - `matching`: the share of prompts given their right match.

use std::collections::{HashMap, HashSet};

use academy_kernel::FieldError;
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most questions in a quiz.
pub const QUESTIONS_MAX: usize = 100;
/// Most options, items or pairs in a question.
pub const CHOICES_MAX: usize = 20;
/// Most accepted answers of a short-text question.
pub const ACCEPTED_MAX: usize = 20;
/// Longest prompt, in characters.
pub const PROMPT_MAX: usize = 2000;
/// Longest option, item, match or accepted answer, in characters.
pub const CHOICE_TEXT_MAX: usize = 500;
/// Longest feedback, in characters.
pub const FEEDBACK_MAX: usize = 2000;
/// Most points a question is worth.
pub const POINTS_MAX: f64 = 100.0;
/// Most attempts a quiz may allow.
pub const ATTEMPTS_MAX: u32 = 20;
/// Longest time limit, in minutes (eight hours).
pub const TIME_LIMIT_MAX_MINUTES: u32 = 480;
/// Pass mark unless the quiz sets one, in percent.
pub const DEFAULT_PASS_MARK: f64 = 80.0;
/// Answers are still taken this long after the deadline, for the network.
pub const GRACE_SECONDS: i64 = 30;
/// Longest answer text, in characters.
pub const ANSWER_TEXT_MAX: usize = 500;

/// Kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// One option is right; answer with its key.
    SingleChoice,
    /// One or more options are right; answer with the keys chosen.
    MultipleChoice,
    /// Answer `true` or `false`.
    TrueFalse,
    /// Answer with a number; right within `tolerance`.
    Numeric,
    /// Answer with a few words; compared after normalising case, spaces, ä/ae, ö/oe, ü/ue
    /// and ß/ss.
    ShortText,
    /// Put the items in order; answer with their keys in order.
    Ordering,
    /// Match each prompt; answer with an object from prompt key to match key.
    Matching,
}

/// When a learner sees how they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPolicy {
    /// After submitting: the score only.
    #[default]
    Score,
    /// After submitting: the score and the correct answers.
    Answers,
    /// After submitting: the score, the correct answers and the feedback.
    Feedback,
    /// The score at once; correct answers and feedback once the course has closed.
    AfterClose,
}

/// An option of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuizChoice {
    /// Stable key; given by the server when left out. Keep it when editing, so that
    /// earlier answers still refer to this option.
    pub key: Option<Uuid>,
    /// At most 500 characters.
    pub text: String,
    /// Whether choosing it is right.
    #[serde(default)]
    pub correct: bool,
    /// Shown with the review when the policy allows; at most 2000 characters.
    pub feedback: Option<String>,
}

/// An item of an ordering question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuizItem {
    /// Stable key; given by the server when left out.
    pub key: Option<Uuid>,
    /// At most 500 characters.
    pub text: String,
}

/// A prompt and its match, of a matching question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuizPair {
    /// Stable key of the prompt; given by the server when left out.
    pub key: Option<Uuid>,
    /// Stable key of the match, different from the prompt's; given by the server when
    /// left out.
    pub match_key: Option<Uuid>,
    /// At most 500 characters.
    pub prompt: String,
    /// At most 500 characters.
    #[serde(rename = "match")]
    pub matches: String,
}

/// A question with its answer key, as authors write it. Which fields count depends on
/// `type`: `options` for the choice types, `correct` for `true_false`, `value` and
/// `tolerance` for `numeric`, `accepted` for `short_text`, `items` (in the right order)
/// for `ordering`, `pairs` for `matching`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuizQuestion {
    /// Stable key; given by the server when left out.
    pub key: Option<Uuid>,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question (Markdown, no raw HTML); at most 2000 characters.
    pub prompt: String,
    /// What the question is worth, more than 0 and at most 100 (default 1).
    #[schema(default = 1, exclusive_minimum = 0, maximum = 100)]
    pub points: Option<f64>,
    /// Shown with the review when the policy allows; at most 2000 characters.
    pub feedback: Option<String>,
    /// `single_choice`, `multiple_choice`: 2–20 options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<QuizChoice>,
    /// `true_false`: the right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// `numeric`: the right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `numeric`: how far an answer may be off, at least 0 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// `short_text`: 1–20 accepted answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    /// `ordering`: 2–20 items, in the right order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<QuizItem>,
    /// `matching`: 2–20 pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<QuizPair>,
}

/// A quiz lesson's settings and questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quiz {
    /// The share of points needed to pass, in percent, 0–100 (default 80).
    #[schema(default = 80, minimum = 0, maximum = 100)]
    pub pass_mark: Option<f64>,
    /// How many attempts a learner has, 1–20; unlimited when left out.
    #[schema(minimum = 1, maximum = 20)]
    pub attempts: Option<u32>,
    /// Minutes from the start of an attempt until answers are refused, 1–480; no limit
    /// when left out. The server keeps the deadline.
    #[schema(minimum = 1, maximum = 480)]
    pub time_limit_minutes: Option<u32>,
    /// Each attempt shows the questions in an order of its own.
    #[serde(default)]
    pub shuffle_questions: bool,
    /// Each attempt shows options, items and matches in an order of their own.
    #[serde(default)]
    pub shuffle_options: bool,
    /// Each attempt draws this many of the questions, at random; all when left out.
    #[schema(minimum = 1, maximum = 100)]
    pub draw: Option<u32>,
    /// When the learner sees how they did (default `score`).
    #[serde(default)]
    pub review: ReviewPolicy,
    /// 1–100 questions.
    pub questions: Vec<QuizQuestion>,
}

impl Quiz {
    pub fn pass_mark(&self) -> f64 {
        self.pass_mark.unwrap_or(DEFAULT_PASS_MARK)
    }

    /// The question with this key.
    pub fn question(&self, key: Uuid) -> Option<&QuizQuestion> {
        self.questions.iter().find(|q| q.key == Some(key))
    }
}

impl QuizQuestion {
    pub fn points(&self) -> f64 {
        self.points.unwrap_or(1.0)
    }
}

fn text_error(errors: &mut Vec<FieldError>, field: String, text: &str, max: usize, required: bool) {
    let length = text.chars().count();
    if required && text.trim().is_empty() {
        errors.push(FieldError::new(field, "required", "must not be blank"));
    } else if length > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
}

fn count_error(errors: &mut Vec<FieldError>, field: String, n: usize, min: usize, max: usize) {
    if n < min || n > max {
        errors.push(FieldError::new(
            field,
            "count",
            format!("needs {min}–{max} entries"),
        ));
    }
}

/// Gives every question, option, item and pair without a key a random one (version 4:
/// keys reveal nothing about order or rightness).
pub fn assign_keys(quiz: &mut Quiz) {
    for question in &mut quiz.questions {
        question.key.get_or_insert_with(Uuid::new_v4);
        for option in &mut question.options {
            option.key.get_or_insert_with(Uuid::new_v4);
        }
        for item in &mut question.items {
            item.key.get_or_insert_with(Uuid::new_v4);
        }
        for pair in &mut question.pairs {
            pair.key.get_or_insert_with(Uuid::new_v4);
            pair.match_key.get_or_insert_with(Uuid::new_v4);
        }
    }
}

/// Checks a quiz; `at` is its field path (`modules[0].lessons[2].quiz`).
pub fn validate(quiz: &Quiz, at: &str, errors: &mut Vec<FieldError>) {
    if let Some(mark) = quiz.pass_mark
        && !(0.0..=100.0).contains(&mark)
    {
        errors.push(FieldError::new(
            format!("{at}.passMark"),
            "out_of_range",
            "must be 0–100",
        ));
    }
    if let Some(n) = quiz.attempts
        && !(1..=ATTEMPTS_MAX).contains(&n)
    {
        errors.push(FieldError::new(
            format!("{at}.attempts"),
            "out_of_range",
            format!("must be 1–{ATTEMPTS_MAX}"),
        ));
    }
    if let Some(n) = quiz.time_limit_minutes
        && !(1..=TIME_LIMIT_MAX_MINUTES).contains(&n)
    {
        errors.push(FieldError::new(
            format!("{at}.timeLimitMinutes"),
            "out_of_range",
            format!("must be 1–{TIME_LIMIT_MAX_MINUTES}"),
        ));
    }
    count_error(
        errors,
        format!("{at}.questions"),
        quiz.questions.len(),
        1,
        QUESTIONS_MAX,
    );
    if let Some(n) = quiz.draw
        && (n == 0 || n as usize > quiz.questions.len())
    {
        errors.push(FieldError::new(
            format!("{at}.draw"),
            "out_of_range",
            "must be at least 1 and at most the number of questions",
        ));
    }
    let mut keys = HashSet::new();
    for (i, q) in quiz.questions.iter().enumerate() {
        let at = format!("{at}.questions[{i}]");
        if let Some(key) = q.key
            && !keys.insert(key)
        {
            errors.push(FieldError::new(
                format!("{at}.key"),
                "duplicate",
                "keys must differ",
            ));
        }
        text_error(errors, format!("{at}.prompt"), &q.prompt, PROMPT_MAX, true);
        academy_kernel::markdown::check(format!("{at}.prompt"), &q.prompt, errors);
        if let Some(feedback) = &q.feedback {
            text_error(
                errors,
                format!("{at}.feedback"),
                feedback,
                FEEDBACK_MAX,
                false,
            );
        }
        if let Some(points) = q.points
            && !(points > 0.0 && points <= POINTS_MAX)
        {
            errors.push(FieldError::new(
                format!("{at}.points"),
                "out_of_range",
                "must be more than 0 and at most 100",
            ));
        }
        let unused = |errors: &mut Vec<FieldError>, name: &str, used: bool| {
            if used {
                errors.push(FieldError::new(
                    format!("{at}.{name}"),
                    "not_allowed",
                    "does not belong to this type of question",
                ));
            }
        };
        use QuestionType as T;
        let choice = matches!(q.kind, T::SingleChoice | T::MultipleChoice);
        unused(errors, "options", !choice && !q.options.is_empty());
        unused(
            errors,
            "correct",
            q.kind != T::TrueFalse && q.correct.is_some(),
        );
        unused(errors, "value", q.kind != T::Numeric && q.value.is_some());
        unused(
            errors,
            "tolerance",
            q.kind != T::Numeric && q.tolerance.is_some(),
        );
        unused(
            errors,
            "accepted",
            q.kind != T::ShortText && !q.accepted.is_empty(),
        );
        unused(
            errors,
            "items",
            q.kind != T::Ordering && !q.items.is_empty(),
        );
        unused(
            errors,
            "pairs",
            q.kind != T::Matching && !q.pairs.is_empty(),
        );
        match q.kind {
            T::SingleChoice | T::MultipleChoice => {
                count_error(
                    errors,
                    format!("{at}.options"),
                    q.options.len(),
                    2,
                    CHOICES_MAX,
                );
                for (j, option) in q.options.iter().enumerate() {
                    text_error(
                        errors,
                        format!("{at}.options[{j}].text"),
                        &option.text,
                        CHOICE_TEXT_MAX,
                        true,
                    );
                    if let Some(feedback) = &option.feedback {
                        text_error(
                            errors,
                            format!("{at}.options[{j}].feedback"),
                            feedback,
                            FEEDBACK_MAX,
                            false,
                        );
                    }
                }
                let right = q.options.iter().filter(|o| o.correct).count();
                if q.kind == T::SingleChoice && right != 1 {
                    errors.push(FieldError::new(
                        format!("{at}.options"),
                        "one_correct",
                        "exactly one option must be correct",
                    ));
                } else if q.kind == T::MultipleChoice && right == 0 {
                    errors.push(FieldError::new(
                        format!("{at}.options"),
                        "none_correct",
                        "at least one option must be correct",
                    ));
                }
                distinct(errors, &at, "options", q.options.iter().map(|o| o.key));
            }
            T::TrueFalse => {
                if q.correct.is_none() {
                    errors.push(FieldError::new(
                        format!("{at}.correct"),
                        "required",
                        "say whether the statement is true",
                    ));
                }
            }
            T::Numeric => match q.value {
                Some(v) if v.is_finite() && v.abs() <= 1e12 => {}
                _ => errors.push(FieldError::new(
                    format!("{at}.value"),
                    "required",
                    "a finite number within ±10¹²",
                )),
            },
            T::ShortText => {
                count_error(
                    errors,
                    format!("{at}.accepted"),
                    q.accepted.len(),
                    1,
                    ACCEPTED_MAX,
                );
                for (j, text) in q.accepted.iter().enumerate() {
                    text_error(
                        errors,
                        format!("{at}.accepted[{j}]"),
                        text,
                        CHOICE_TEXT_MAX,
                        true,
                    );
                }
            }
            T::Ordering => {
                count_error(errors, format!("{at}.items"), q.items.len(), 2, CHOICES_MAX);
                for (j, item) in q.items.iter().enumerate() {
                    text_error(
                        errors,
                        format!("{at}.items[{j}].text"),
                        &item.text,
                        CHOICE_TEXT_MAX,
                        true,
                    );
                }
                distinct(errors, &at, "items", q.items.iter().map(|o| o.key));
            }
            T::Matching => {
                count_error(errors, format!("{at}.pairs"), q.pairs.len(), 2, CHOICES_MAX);
                for (j, pair) in q.pairs.iter().enumerate() {
                    text_error(
                        errors,
                        format!("{at}.pairs[{j}].prompt"),
                        &pair.prompt,
                        CHOICE_TEXT_MAX,
                        true,
                    );
                    text_error(
                        errors,
                        format!("{at}.pairs[{j}].match"),
                        &pair.matches,
                        CHOICE_TEXT_MAX,
                        true,
                    );
                }
                distinct(
                    errors,
                    &at,
                    "pairs",
                    q.pairs.iter().flat_map(|p| [p.key, p.match_key]),
                );
            }
        }
        if q.kind == T::Numeric
            && let Some(t) = q.tolerance
            && !(t.is_finite() && t >= 0.0)
        {
            errors.push(FieldError::new(
                format!("{at}.tolerance"),
                "out_of_range",
                "must be at least 0",
            ));
        }
    }
}

fn distinct(
    errors: &mut Vec<FieldError>,
    at: &str,
    name: &str,
    keys: impl Iterator<Item = Option<Uuid>>,
) {
    let mut seen = HashSet::new();
    if keys.flatten().any(|k| !seen.insert(k)) {
        errors.push(FieldError::new(
            format!("{at}.{name}"),
            "duplicate",
            "keys must differ",
        ));
    }
}

/// Lower case, one space between words, and German letters spelt out: "  Straße  Über"
/// and "strasse ueber" are the same answer.
pub fn normalise(text: &str) -> String {
    let lower: String = text.nfc().collect::<String>().to_lowercase();
    let mut spelt = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            'ä' => spelt.push_str("ae"),
            'ö' => spelt.push_str("oe"),
            'ü' => spelt.push_str("ue"),
            'ß' => spelt.push_str("ss"),
            c => spelt.push(c),
        }
    }
    spelt.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One question of an attempt as laid out: its key and the order of its options, items
/// or matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub question: Uuid,
    /// Option, item or match keys in the order shown.
    #[serde(default)]
    pub order: Vec<Uuid>,
}

/// Draws and shuffles the questions of one attempt.
pub fn lay_out(quiz: &Quiz, rng: &mut impl Rng) -> Vec<Slot> {
    let mut questions: Vec<&QuizQuestion> = quiz.questions.iter().collect();
    if let Some(n) = quiz.draw {
        let n = (n as usize).min(questions.len());
        let mut chosen: Vec<usize> = rand::seq::index::sample(rng, questions.len(), n).into_vec();
        chosen.sort_unstable();
        questions = chosen
            .into_iter()
            .filter_map(|i| quiz.questions.get(i))
            .collect();
    }
    if quiz.shuffle_questions {
        questions.shuffle(rng);
    }
    questions
        .into_iter()
        .filter_map(|q| {
            let mut order: Vec<Uuid> = match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice => {
                    q.options.iter().filter_map(|o| o.key).collect()
                }
                QuestionType::Ordering => q.items.iter().filter_map(|o| o.key).collect(),
                QuestionType::Matching => q.pairs.iter().filter_map(|p| p.match_key).collect(),
                _ => Vec::new(),
            };
            // Ordering items are always shuffled: shown in order, they give the answer.
            if quiz.shuffle_options || q.kind == QuestionType::Ordering {
                order.shuffle(rng);
            }
            Some(Slot {
                question: q.key?,
                order,
            })
        })
        .collect()
}

/// The points an answer earns, 0 up to the question's points. A missing or malformed
/// answer earns nothing.
pub fn score(question: &QuizQuestion, answer: Option<&Value>) -> f64 {
    let points = question.points();
    let Some(answer) = answer else { return 0.0 };
    let share = match question.kind {
        QuestionType::SingleChoice => {
            let right = question
                .options
                .iter()
                .find(|o| o.correct)
                .and_then(|o| o.key);
            let given = answer.as_str().and_then(|s| Uuid::parse_str(s).ok());
            f64::from(u8::from(right.is_some() && right == given))
        }
        QuestionType::MultipleChoice => {
            let given: HashSet<Uuid> = keys(answer).into_iter().collect();
            let right: HashSet<Uuid> = question
                .options
                .iter()
                .filter(|o| o.correct)
                .filter_map(|o| o.key)
                .collect();
            let wrong: HashSet<Uuid> = question
                .options
                .iter()
                .filter(|o| !o.correct)
                .filter_map(|o| o.key)
                .collect();
            let hits = given.intersection(&right).count() as f64;
            let misses = given.intersection(&wrong).count() as f64;
            if right.is_empty() {
                0.0
            } else {
                ((hits - misses) / right.len() as f64).max(0.0)
            }
        }
        QuestionType::TrueFalse => f64::from(u8::from(
            question.correct.is_some() && answer.as_bool() == question.correct,
        )),
        QuestionType::Numeric => match (answer.as_f64(), question.value) {
            (Some(given), Some(right)) if given.is_finite() => f64::from(u8::from(
                (given - right).abs() <= question.tolerance.unwrap_or(0.0) + 1e-9,
            )),
            _ => 0.0,
        },
        QuestionType::ShortText => match answer.as_str() {
            Some(given) if given.chars().count() <= ANSWER_TEXT_MAX => {
                let given = normalise(given);
                f64::from(u8::from(
                    !given.is_empty() && question.accepted.iter().any(|a| normalise(a) == given),
                ))
            }
            _ => 0.0,
        },
        QuestionType::Ordering => {
            let given = keys(answer);
            let right: Vec<Uuid> = question.items.iter().filter_map(|i| i.key).collect();
            if right.is_empty() || given.len() != right.len() {
                0.0
            } else {
                let placed = given.iter().zip(&right).filter(|(g, r)| g == r).count();
                placed as f64 / right.len() as f64
            }
        }
        QuestionType::Matching => {
            let given: HashMap<Uuid, Uuid> = answer
                .as_object()
                .map(|map| {
                    map.iter()
                        .filter_map(|(k, v)| {
                            Some((Uuid::parse_str(k).ok()?, Uuid::parse_str(v.as_str()?).ok()?))
                        })
                        .collect()
                })
                .unwrap_or_default();
            if question.pairs.is_empty() {
                0.0
            } else {
                let right = question
                    .pairs
                    .iter()
                    .filter(|p| {
                        p.key.is_some()
                            && given.get(&p.key.unwrap_or_default()) == p.match_key.as_ref()
                    })
                    .count();
                right as f64 / question.pairs.len() as f64
            }
        }
    };
    points * share
}

fn keys(answer: &Value) -> Vec<Uuid> {
    answer
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .take(CHOICES_MAX)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an answer has the shape its question takes (else 422 when it is saved).
pub fn well_formed(question: &QuizQuestion, answer: &Value) -> bool {
    let is_key = |v: &Value| v.as_str().is_some_and(|s| Uuid::parse_str(s).is_ok());
    match question.kind {
        QuestionType::SingleChoice => is_key(answer),
        QuestionType::MultipleChoice | QuestionType::Ordering => answer
            .as_array()
            .is_some_and(|l| l.len() <= CHOICES_MAX && l.iter().all(is_key)),
        QuestionType::TrueFalse => answer.is_boolean(),
        QuestionType::Numeric => answer.as_f64().is_some_and(f64::is_finite),
        QuestionType::ShortText => answer
            .as_str()
            .is_some_and(|s| s.chars().count() <= ANSWER_TEXT_MAX),
        QuestionType::Matching => answer.as_object().is_some_and(|m| {
            m.len() <= CHOICES_MAX
                && m.iter()
                    .all(|(k, v)| Uuid::parse_str(k).is_ok() && is_key(v))
        }),
    }
}

/// The score of a set of answers over the questions laid out: (points, of the most).
pub fn total(
    quiz: &Quiz,
    layout: &[Slot],
    answers: &serde_json::Map<String, Value>,
) -> (f64, f64, Vec<(Uuid, f64)>) {
    let mut points = 0.0;
    let mut most = 0.0;
    let mut each = Vec::with_capacity(layout.len());
    for slot in layout {
        let Some(question) = quiz.question(slot.question) else {
            continue;
        };
        let earned = score(question, answers.get(&slot.question.to_string()));
        points += earned;
        most += question.points();
        each.push((slot.question, earned));
    }
    (points, most, each)
}

/// Whether `points` of `most` passes at `mark` percent.
pub fn passes(points: f64, most: f64, mark: f64) -> bool {
    most > 0.0 && points / most * 100.0 + 1e-9 >= mark
}

/// The percentage, rounded to one decimal.
pub fn percent(points: f64, most: f64) -> f64 {
    if most <= 0.0 {
        0.0
    } else {
        (points / most * 1000.0).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn question(kind: QuestionType) -> QuizQuestion {
        QuizQuestion {
            key: Some(Uuid::new_v4()),
            kind,
            prompt: "Frage".into(),
            points: Some(2.0),
            feedback: None,
            options: Vec::new(),
            correct: None,
            value: None,
            tolerance: None,
            accepted: Vec::new(),
            items: Vec::new(),
            pairs: Vec::new(),
        }
    }

    fn choice(correct: bool) -> QuizChoice {
        QuizChoice {
            key: Some(Uuid::new_v4()),
            text: "Option".into(),
            correct,
            feedback: None,
        }
    }

    #[test]
    fn single_choice_is_all_or_nothing() {
        let mut q = question(QuestionType::SingleChoice);
        q.options = vec![choice(false), choice(true)];
        let right = q.options[1].key.unwrap().to_string();
        let wrong = q.options[0].key.unwrap().to_string();
        assert_eq!(score(&q, Some(&json!(right))), 2.0);
        assert_eq!(score(&q, Some(&json!(wrong))), 0.0);
        assert_eq!(score(&q, Some(&json!([right]))), 0.0);
        assert_eq!(score(&q, None), 0.0);
    }

    #[test]
    fn multiple_choice_takes_off_a_wrong_choice_and_never_goes_below_zero() {
        let mut q = question(QuestionType::MultipleChoice);
        q.options = vec![choice(true), choice(true), choice(false), choice(false)];
        let k: Vec<String> = q
            .options
            .iter()
            .map(|o| o.key.unwrap().to_string())
            .collect();
        assert_eq!(score(&q, Some(&json!([k[0], k[1]]))), 2.0);
        assert_eq!(score(&q, Some(&json!([k[0]]))), 1.0);
        assert_eq!(score(&q, Some(&json!([k[0], k[2]]))), 0.0);
        assert_eq!(score(&q, Some(&json!([k[0], k[1], k[2]]))), 1.0);
        assert_eq!(score(&q, Some(&json!(k))), 0.0);
        assert_eq!(score(&q, Some(&json!([k[2], k[3]]))), 0.0);
    }

    #[test]
    fn true_false_numeric_and_short_text() {
        let mut q = question(QuestionType::TrueFalse);
        q.correct = Some(false);
        assert_eq!(score(&q, Some(&json!(false))), 2.0);
        assert_eq!(score(&q, Some(&json!(true))), 0.0);
        assert_eq!(score(&q, Some(&json!("false"))), 0.0);

        let mut q = question(QuestionType::Numeric);
        q.value = Some(3.5);
        q.tolerance = Some(0.5);
        assert_eq!(score(&q, Some(&json!(4.0))), 2.0);
        assert_eq!(score(&q, Some(&json!(3.0))), 2.0);
        assert_eq!(score(&q, Some(&json!(4.01))), 0.0);

        let mut q = question(QuestionType::ShortText);
        q.accepted = vec!["Straßenfest".into(), "Bürgerbeteiligung".into()];
        assert_eq!(score(&q, Some(&json!("  strassenfest "))), 2.0);
        assert_eq!(score(&q, Some(&json!("BUERGER\u{AD}BETEILIGUNG"))), 0.0);
        assert_eq!(score(&q, Some(&json!("buergerbeteiligung"))), 2.0);
        assert_eq!(score(&q, Some(&json!("Bürger beteiligung"))), 0.0);
        assert_eq!(normalise("  Große   Höfe "), "grosse hoefe");
    }

    #[test]
    fn ordering_and_matching_give_a_share_for_each_right_place() {
        let mut q = question(QuestionType::Ordering);
        q.items = (0..4)
            .map(|i| QuizItem {
                key: Some(Uuid::new_v4()),
                text: format!("{i}"),
            })
            .collect();
        let k: Vec<String> = q.items.iter().map(|i| i.key.unwrap().to_string()).collect();
        assert_eq!(score(&q, Some(&json!(k))), 2.0);
        assert_eq!(score(&q, Some(&json!([k[1], k[0], k[2], k[3]]))), 1.0);
        assert_eq!(score(&q, Some(&json!([k[0], k[1]]))), 0.0);

        let mut q = question(QuestionType::Matching);
        q.pairs = (0..2)
            .map(|i| QuizPair {
                key: Some(Uuid::new_v4()),
                match_key: Some(Uuid::new_v4()),
                prompt: format!("p{i}"),
                matches: format!("m{i}"),
            })
            .collect();
        let (p0, m0) = (
            q.pairs[0].key.unwrap().to_string(),
            q.pairs[0].match_key.unwrap().to_string(),
        );
        let (p1, m1) = (
            q.pairs[1].key.unwrap().to_string(),
            q.pairs[1].match_key.unwrap().to_string(),
        );
        assert_eq!(
            score(
                &q,
                Some(&json!({p0.clone(): m0.clone(), p1.clone(): m1.clone()}))
            ),
            2.0
        );
        assert_eq!(
            score(
                &q,
                Some(&json!({p0.clone(): m0.clone(), p1.clone(): m0.clone()}))
            ),
            1.0
        );
        assert_eq!(score(&q, Some(&json!({p0: m1.clone(), p1: m0}))), 0.0);
    }

    #[test]
    fn a_layout_draws_the_asked_number_and_keeps_every_option() {
        let mut questions = Vec::new();
        for _ in 0..10 {
            let mut q = question(QuestionType::SingleChoice);
            q.options = vec![choice(true), choice(false), choice(false)];
            questions.push(q);
        }
        let quiz = Quiz {
            pass_mark: None,
            attempts: None,
            time_limit_minutes: None,
            shuffle_questions: true,
            shuffle_options: true,
            draw: Some(4),
            review: ReviewPolicy::Score,
            questions,
        };
        let layout = lay_out(&quiz, &mut rand::rng());
        assert_eq!(layout.len(), 4);
        let distinct: HashSet<Uuid> = layout.iter().map(|s| s.question).collect();
        assert_eq!(distinct.len(), 4);
        for slot in &layout {
            let q = quiz.question(slot.question).unwrap();
            let mut shown = slot.order.clone();
            shown.sort();
            let mut all: Vec<Uuid> = q.options.iter().map(|o| o.key.unwrap()).collect();
            all.sort();
            assert_eq!(shown, all);
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut q = question(QuestionType::SingleChoice);
        q.options = vec![choice(true), choice(true)];
        q.value = Some(1.0);
        let quiz = Quiz {
            pass_mark: Some(120.0),
            attempts: Some(0),
            time_limit_minutes: None,
            shuffle_questions: false,
            shuffle_options: false,
            draw: Some(2),
            review: ReviewPolicy::Score,
            questions: vec![q],
        };
        let mut errors = Vec::new();
        validate(&quiz, "quiz", &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_ref()).collect();
        assert!(fields.contains(&"quiz.passMark"), "{fields:?}");
        assert!(fields.contains(&"quiz.attempts"));
        assert!(fields.contains(&"quiz.draw"));
        assert!(fields.contains(&"quiz.questions[0].options"));
        assert!(fields.contains(&"quiz.questions[0].value"));
    }

    #[test]
    fn passing_and_percentages() {
        assert!(passes(8.0, 10.0, 80.0));
        assert!(!passes(7.9, 10.0, 80.0));
        assert!(!passes(0.0, 0.0, 0.0));
        assert_eq!(percent(2.0, 3.0), 66.7);
    }
}
