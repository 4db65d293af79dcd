//! Validated tutorial metadata, sources and track settings, and the accessibility
//! profile — free of I/O and unit-tested. The workflow's rules come from
//! `academy_publishing`, which every kind of content shares.

use academy_kernel::{AppError, FieldError, markdown};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use academy_publishing::{NOTE_MAX, PublicationStatus as TutorialStatus, RevisionState};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 1000;
/// Longest description (Markdown), in characters.
pub const DESCRIPTION_MAX: usize = 100_000;
/// Longest tutorial, in seconds (six hours).
pub const DURATION_MAX_SECONDS: u64 = 6 * 60 * 60;
/// Most speakers.
pub const SPEAKERS_MAX: usize = 20;
/// Longest speaker name, in characters.
pub const SPEAKER_MAX: usize = 200;
/// Most related guides.
pub const RELATED_GUIDES_MAX: usize = 20;
/// Most chapters.
pub const CHAPTERS_MAX: usize = 100;
/// Longest licence identifier, in characters.
pub const LICENCE_MAX: usize = 64;
/// The share of a tutorial a learner must have watched to complete it, unless it sets
/// its own.
pub const DEFAULT_THRESHOLD: f64 = crate::progress::DEFAULT_THRESHOLD;

/// What a tutorial is for — the concept paper's three uses of video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TutorialKind {
    /// Sets an impulse: a few minutes that open a topic.
    Impulse,
    /// Gives a first orientation in a field.
    Orientation,
    /// A detailed guide through a task.
    InDepth,
}

impl TutorialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TutorialKind::Impulse => "impulse",
            TutorialKind::Orientation => "orientation",
            TutorialKind::InDepth => "in_depth",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Impulse, Self::Orientation, Self::InDepth]
            .into_iter()
            .find(|k| k.as_str() == value)
    }
}

/// A chapter: where it starts and what it is called. It runs until the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Chapter {
    /// Start, in seconds from the beginning; before the end of the video, later than the
    /// chapter before; 0–21600.
    #[schema(example = 95.5, minimum = 0, maximum = 21600)]
    pub start: f64,
    /// Required; at most 200 characters.
    #[schema(example = "Beteiligung planen")]
    pub title: String,
}

/// A chapter as stored: its start in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredChapter {
    pub start_ms: u64,
    pub title: String,
}

/// A tutorial's metadata as an author sends it, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ContentInput {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub language: Option<String>,
    pub duration_seconds: f64,
    pub kind: Option<TutorialKind>,
    pub speakers: Vec<String>,
    pub licence: Option<String>,
    pub related_guides: Vec<Uuid>,
    pub chapters: Vec<Chapter>,
    pub easy_language_tutorial_id: Option<Uuid>,
    pub completion_threshold: Option<f64>,
    pub change_note: Option<String>,
    pub fields_of_action: Vec<String>,
    pub phases: Vec<String>,
    pub audiences: Vec<String>,
    pub co_publishers: Vec<Uuid>,
}

/// Metadata that passed [`validate`]. References (terms, organisations, guides, the
/// variant) are checked against the database by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub language: String,
    pub duration_ms: u64,
    pub kind: TutorialKind,
    pub speakers: Vec<String>,
    pub licence: Option<String>,
    pub related_guides: Vec<Uuid>,
    pub chapters: Vec<StoredChapter>,
    pub easy_language_tutorial_id: Option<Uuid>,
    pub completion_threshold: f64,
    pub change_note: Option<String>,
    pub tags: academy_publishing::Tags,
}

fn too_long(field: impl Into<std::borrow::Cow<'static, str>>, max: usize) -> FieldError {
    FieldError::new(
        field,
        "too_long",
        format!("must be at most {max} characters"),
    )
}

fn required_text(
    field: &'static str,
    text: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let text = text.trim().to_owned();
    if text.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be empty"));
    } else if text.chars().count() > max {
        errors.push(too_long(field, max));
    } else {
        markdown::check(field, &text, errors);
    }
    text
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
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
    let title = required_text("title", &input.title, TITLE_MAX, &mut errors);
    let summary = required_text("summary", &input.summary, SUMMARY_MAX, &mut errors);
    let description = input.description.trim().to_owned();
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(too_long("description", DESCRIPTION_MAX));
    } else {
        markdown::check("description", &description, &mut errors);
    }

    let language = input
        .language
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| academy_publishing::language::DEFAULT.to_owned());
    if !academy_publishing::language::valid(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid_language",
            "must be a language tag such as de or en",
        ));
    }

    let duration_ms = crate::progress::millis(input.duration_seconds)
        .filter(|_| (1.0..=DURATION_MAX_SECONDS as f64).contains(&input.duration_seconds));
    if duration_ms.is_none() {
        errors.push(FieldError::new(
            "durationSeconds",
            "out_of_range",
            format!("must be between 1 and {DURATION_MAX_SECONDS} seconds"),
        ));
    }
    let duration_ms = duration_ms.unwrap_or(0);

    let kind = input.kind.unwrap_or(TutorialKind::Orientation);

    if input.speakers.len() > SPEAKERS_MAX {
        errors.push(FieldError::new(
            "speakers",
            "too_many",
            format!("at most {SPEAKERS_MAX} speakers"),
        ));
    }
    let speakers: Vec<String> = dedup(input.speakers.iter().map(|s| s.trim().to_owned()).collect());
    for (i, speaker) in speakers.iter().enumerate() {
        let field = format!("speakers[{i}]");
        if speaker.is_empty() {
            errors.push(FieldError::new(field, "required", "must not be empty"));
        } else if speaker.chars().count() > SPEAKER_MAX {
            errors.push(too_long(field, SPEAKER_MAX));
        } else {
            markdown::check(field, speaker, &mut errors);
        }
    }

    let licence = input
        .licence
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if let Some(id) = &licence
        && !valid_licence(id)
    {
        errors.push(FieldError::new(
            "licence",
            "unknown_licence",
            "must be an SPDX licence identifier such as CC-BY-4.0",
        ));
    }

    if input.related_guides.len() > RELATED_GUIDES_MAX {
        errors.push(FieldError::new(
            "relatedGuides",
            "too_many",
            format!("at most {RELATED_GUIDES_MAX} guides"),
        ));
    }

    let chapters = chapters(&input.chapters, duration_ms, &mut errors);

    let completion_threshold = input.completion_threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !crate::progress::is_valid_threshold(completion_threshold) {
        errors.push(FieldError::new(
            "completionThreshold",
            "out_of_range",
            "must be more than 0 and at most 1",
        ));
    }

    let change_note = input
        .change_note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if change_note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX)
    {
        errors.push(too_long("changeNote", NOTE_MAX));
    }

    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(Content {
        title,
        summary,
        description,
        language,
        duration_ms,
        kind,
        speakers,
        licence,
        related_guides: dedup(input.related_guides),
        chapters,
        easy_language_tutorial_id: input.easy_language_tutorial_id,
        completion_threshold,
        change_note,
        tags: academy_publishing::Tags {
            fields_of_action: dedup(input.fields_of_action),
            phases: dedup(input.phases),
            audiences: dedup(input.audiences),
            co_publishers: dedup(input.co_publishers),
        },
    })
}

/// Chapters start inside the video, each after the one before (so none overlap), with a
/// title.
fn chapters(
    input: &[Chapter],
    duration_ms: u64,
    errors: &mut Vec<FieldError>,
) -> Vec<StoredChapter> {
    if input.len() > CHAPTERS_MAX {
        errors.push(FieldError::new(
            "chapters",
            "too_many",
            format!("at most {CHAPTERS_MAX} chapters"),
        ));
        return Vec::new();
    }
    let mut out: Vec<StoredChapter> = Vec::with_capacity(input.len());
    for (i, chapter) in input.iter().enumerate() {
        let title = chapter.title.trim().to_owned();
        if title.is_empty() {
            errors.push(FieldError::new(
                format!("chapters[{i}].title"),
                "required",
                "must not be empty",
            ));
        } else if title.chars().count() > TITLE_MAX {
            errors.push(too_long(format!("chapters[{i}].title"), TITLE_MAX));
        } else {
            markdown::check(format!("chapters[{i}].title"), &title, errors);
        }
        let field = format!("chapters[{i}].start");
        let Some(start_ms) = crate::progress::millis(chapter.start)
            .filter(|_| chapter.start <= DURATION_MAX_SECONDS as f64)
        else {
            errors.push(FieldError::new(
                field,
                "out_of_range",
                format!("must be 0–{DURATION_MAX_SECONDS} seconds"),
            ));
            continue;
        };
        if duration_ms > 0 && start_ms >= duration_ms {
            errors.push(FieldError::new(
                field,
                "beyond_duration",
                "must start before the end of the video",
            ));
        } else if out
            .last()
            .is_some_and(|previous| start_ms <= previous.start_ms)
        {
            errors.push(FieldError::new(
                field,
                "not_ascending",
                "must start after the chapter before",
            ));
        }
        out.push(StoredChapter { start_ms, title });
    }
    out
}

/// Whether `id` is an SPDX licence identifier (`CC-BY-4.0`, `CC0-1.0`, `MIT`, …).
pub fn valid_licence(id: &str) -> bool {
    id.chars().count() <= LICENCE_MAX && spdx::license_id(id).is_some()
}

/// Which part a source plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceRole {
    /// The tutorial itself.
    Main,
    /// A rendition with audio description (WCAG 1.2.5).
    AudioDescribed,
    /// A German Sign Language (DGS) video, shown beside or instead of the main one.
    SignLanguage,
}

impl SourceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceRole::Main => "main",
            SourceRole::AudioDescribed => "audio_described",
            SourceRole::SignLanguage => "sign_language",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Main, Self::AudioDescribed, Self::SignLanguage]
            .into_iter()
            .find(|r| r.as_str() == value)
    }
}

/// How a source is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// A player page to embed (`<iframe>`), e.g. PeerTube, Vimeo or YouTube's no-cookie
    /// domain.
    Embed,
    /// A video file (MP4 or WebM) for the `<video>` element.
    File,
    /// An HLS playlist (`.m3u8`).
    Hls,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Embed => "embed",
            Delivery::File => "file",
            Delivery::Hls => "hls",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Embed, Self::File, Self::Hls]
            .into_iter()
            .find(|d| d.as_str() == value)
    }
}

/// Longest source address, in characters.
pub const URL_MAX: usize = 2000;
/// Most sources per tutorial.
pub const SOURCES_MAX: u64 = 20;
/// Highest rendition height, in pixels (8K).
pub const HEIGHT_MAX: i32 = 4320;
/// Highest bitrate, in kbit/s.
pub const BITRATE_MAX: i32 = 200_000;

/// An external address, checked: `https`, no credentials, its host on the allow-list
/// (exactly, case-insensitive). The server never fetches it.
pub fn external_url(url: &str, allowed_hosts: &[String]) -> Result<String, FieldError> {
    let url = url.trim();
    if url.chars().count() > URL_MAX {
        return Err(too_long("url", URL_MAX));
    }
    let parsed = url::Url::parse(url)
        .map_err(|_| FieldError::new("url", "invalid_url", "must be an https address"))?;
    if parsed.scheme() != "https" {
        return Err(FieldError::new(
            "url",
            "not_https",
            "must be an https address",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FieldError::new(
            "url",
            "invalid_url",
            "must not carry credentials",
        ));
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    if !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Err(FieldError::new(
            "url",
            "host_not_allowed",
            format!(
                "videos may come from {} only",
                if allowed_hosts.is_empty() {
                    "uploads".to_owned()
                } else {
                    allowed_hosts.join(", ")
                }
            ),
        ));
    }
    Ok(parsed.to_string())
}

/// The WebVTT kind of a text track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// Dialogue and sounds, for people who do not hear them (WCAG 1.2.2).
    Captions,
    /// Dialogue translated, for people who do not understand the language.
    Subtitles,
    /// Text descriptions of what is seen, read out by screen readers (WCAG 1.2.5).
    Descriptions,
    /// Chapter titles for navigation.
    Chapters,
}

impl TrackKind {
    pub const ALL: [TrackKind; 4] = [
        TrackKind::Captions,
        TrackKind::Subtitles,
        TrackKind::Descriptions,
        TrackKind::Chapters,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Captions => "captions",
            TrackKind::Subtitles => "subtitles",
            TrackKind::Descriptions => "descriptions",
            TrackKind::Chapters => "chapters",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Who made a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Written or corrected by a person.
    #[default]
    Human,
    /// Made by speech recognition and not corrected.
    Machine,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Human => "human",
            Provenance::Machine => "machine",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Human, Self::Machine]
            .into_iter()
            .find(|p| p.as_str() == value)
    }
}

/// Whether a track was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    /// Uploaded, not yet checked; shown to editors only.
    Draft,
    /// Checked by an editor; shown to everyone and counted in the accessibility profile.
    Approved,
}

impl TrackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackStatus::Draft => "draft",
            TrackStatus::Approved => "approved",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Draft, Self::Approved]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// Longest track label, in characters.
pub const LABEL_MAX: usize = 100;

/// What the accessibility profile is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// An approved German captions track.
    pub german_captions: bool,
    /// An approved descriptions track (any language).
    pub descriptions_track: bool,
    /// A rendition with audio description.
    pub described_rendition: bool,
    /// A German Sign Language video.
    pub sign_language: bool,
    /// A Leichte Sprache variant is linked.
    pub easy_language: bool,
    /// A transcript: written, or derived from approved captions.
    pub transcript: bool,
}

/// One WCAG 2.1 success criterion for prerecorded media and whether a tutorial meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Criterion {
    /// The criterion's number.
    #[schema(example = "1.2.2")]
    pub id: &'static str,
    /// Its name.
    #[schema(example = "Captions (Prerecorded)")]
    pub name: &'static str,
    /// Its level: `A`, `AA` or `AAA`.
    pub level: &'static str,
    pub met: bool,
}

/// The WCAG media criteria a tutorial meets, computed from its tracks, sources and
/// variants. Level AA needs 1.2.1, 1.2.2, 1.2.3 and 1.2.5 (1.2.4 concerns live media,
/// which tutorials are not); 1.2.6 (sign language) and 1.2.8 (media alternative) are AAA.
pub fn criteria(facts: Facts) -> Vec<Criterion> {
    let described = facts.descriptions_track || facts.described_rendition;
    vec![
        Criterion {
            id: "1.2.1",
            name: "Audio-only and Video-only (Prerecorded)",
            level: "A",
            met: facts.transcript || described,
        },
        Criterion {
            id: "1.2.2",
            name: "Captions (Prerecorded)",
            level: "A",
            met: facts.german_captions,
        },
        Criterion {
            id: "1.2.3",
            name: "Audio Description or Media Alternative (Prerecorded)",
            level: "A",
            met: described || facts.transcript,
        },
        Criterion {
            id: "1.2.5",
            name: "Audio Description (Prerecorded)",
            level: "AA",
            met: described,
        },
        Criterion {
            id: "1.2.6",
            name: "Sign Language (Prerecorded)",
            level: "AAA",
            met: facts.sign_language,
        },
        Criterion {
            id: "1.2.8",
            name: "Media Alternative (Prerecorded)",
            level: "AAA",
            met: facts.transcript,
        },
    ]
}

/// Whether every level A and AA criterion is met.
pub fn meets_aa(criteria: &[Criterion]) -> bool {
    criteria.iter().filter(|c| c.level != "AAA").all(|c| c.met)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContentInput {
        ContentInput {
            title: "Beteiligung im Quartier".into(),
            summary: "Ein Impuls in fünf Minuten.".into(),
            duration_seconds: 300.0,
            ..ContentInput::default()
        }
    }

    fn codes(result: Result<Content, AppError>) -> Vec<(String, String)> {
        let Err(error) = result else {
            return Vec::new();
        };
        error
            .problem()
            .errors
            .into_iter()
            .map(|e| (e.field.into_owned(), e.code.into_owned()))
            .collect()
    }

    #[test]
    fn metadata_gets_its_defaults() {
        let content = validate(input()).unwrap();
        assert_eq!(content.language, "de");
        assert_eq!(content.kind, TutorialKind::Orientation);
        assert_eq!(content.duration_ms, 300_000);
        assert!((content.completion_threshold - 0.9).abs() < f64::EPSILON);
    }

    #[test]
    fn chapters_start_inside_the_video_each_after_the_last() {
        let mut bad = input();
        bad.chapters = vec![
            Chapter {
                start: 0.0,
                title: "Einstieg".into(),
            },
            Chapter {
                start: 0.0,
                title: "Doppelt".into(),
            },
            Chapter {
                start: 300.0,
                title: "Am Ende".into(),
            },
            Chapter {
                start: 10.0,
                title: " ".into(),
            },
        ];
        assert_eq!(
            codes(validate(bad)),
            vec![
                ("chapters[1].start".into(), "not_ascending".into()),
                ("chapters[2].start".into(), "beyond_duration".into()),
                ("chapters[3].title".into(), "required".into()),
                ("chapters[3].start".into(), "not_ascending".into()),
            ]
        );
        let mut good = input();
        good.chapters = vec![
            Chapter {
                start: 0.0,
                title: "Einstieg".into(),
            },
            Chapter {
                start: 95.5,
                title: "Planen".into(),
            },
        ];
        assert_eq!(validate(good).unwrap().chapters[1].start_ms, 95_500);
    }

    #[test]
    fn durations_thresholds_licences_and_languages_are_checked() {
        let mut bad = input();
        bad.duration_seconds = 0.5;
        bad.completion_threshold = Some(0.0);
        bad.licence = Some("CC-BY-99".into());
        bad.language = Some("Deutsch".into());
        let found: Vec<String> = codes(validate(bad)).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            found,
            [
                "language",
                "durationSeconds",
                "licence",
                "completionThreshold"
            ]
        );
        assert!(valid_licence("CC-BY-4.0") && valid_licence("CC0-1.0"));
    }

    #[test]
    fn external_sources_must_be_https_on_an_allowed_host() {
        let hosts = vec!["video.example.org".to_owned()];
        assert!(external_url("https://video.example.org/w/abc", &hosts).is_ok());
        assert!(external_url("https://VIDEO.example.org/w/abc", &hosts).is_ok());
        for (url, code) in [
            ("http://video.example.org/w/abc", "not_https"),
            ("https://evil.example.org/w/abc", "host_not_allowed"),
            (
                "https://video.example.org.evil.example/x",
                "host_not_allowed",
            ),
            ("https://user:pw@video.example.org/x", "invalid_url"),
            ("javascript:alert(1)", "not_https"),
            ("kein Link", "invalid_url"),
        ] {
            assert_eq!(external_url(url, &hosts).unwrap_err().code, code, "{url}");
        }
    }

    #[test]
    fn the_profile_follows_from_the_facts() {
        let none = criteria(Facts::default());
        assert!(!meets_aa(&none));
        let captions_only = criteria(Facts {
            german_captions: true,
            transcript: true,
            ..Facts::default()
        });
        let missing: Vec<&str> = captions_only
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.id)
            .collect();
        assert_eq!(missing, ["1.2.5", "1.2.6"]);
        let full = criteria(Facts {
            german_captions: true,
            descriptions_track: true,
            transcript: true,
            ..Facts::default()
        });
        assert!(meets_aa(&full));
    }
}
