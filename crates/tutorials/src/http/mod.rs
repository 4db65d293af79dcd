//! HTTP: one file per resource — the tutorials and their workflow, their text tracks and
//! transcripts, their sources, and watch progress with its reports.

use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};
use academy_kernel::etag;
use actix_web::HttpRequest;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::{
    CHAPTERS_MAX, DESCRIPTION_MAX, LABEL_MAX, LICENCE_MAX, NOTE_MAX, RELATED_GUIDES_MAX,
    SPEAKER_MAX, SPEAKERS_MAX, SUMMARY_MAX, TITLE_MAX,
};

mod files;
mod progress;
mod sources;
mod tracks;
mod tutorials;

pub use progress::ReportFormat;
pub use tutorials::{TutorialRevisionChoice, TutorialSort};

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[
    (
        "tutorials",
        "Video tutorials: metadata, sources, the accessibility profile and the review workflow shared with guides.",
    ),
    (
        "tutorial tracks",
        "Captions, subtitles, descriptions and chapters as WebVTT for `<track>`, and transcripts.",
    ),
    (
        "tutorial progress",
        "What learners watched: reports from the player, resume points, completion, and counts for coordinators.",
    ),
];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    // Literal paths before `/tutorials/{tutorial}`, so that they are not read as a key.
    cfg.service(progress::tutorial_report)
        .service(progress::list_my_tutorial_progress)
        .service(tutorials::list_tutorials)
        .service(tutorials::create_tutorial)
        .service(tutorials::get_tutorial)
        .service(tutorials::update_tutorial)
        .service(tutorials::delete_tutorial)
        .service(tutorials::submit_tutorial)
        .service(tutorials::return_tutorial)
        .service(tutorials::publish_tutorial)
        .service(tutorials::archive_tutorial)
        .service(tutorials::set_captions_exemption)
        .service(tutorials::withdraw_captions_exemption)
        .service(tutorials::list_tutorial_revisions)
        .service(tutorials::get_tutorial_revision)
        .service(sources::add_tutorial_source)
        .service(sources::delete_tutorial_source)
        .service(files::upload_tutorial_video)
        .service(files::put_tutorial_poster)
        .service(files::delete_tutorial_poster)
        .service(files::download_tutorial_file)
        .service(tracks::list_tutorial_tracks)
        .service(tracks::put_tutorial_track)
        .service(tracks::get_tutorial_track)
        .service(tracks::patch_tutorial_track)
        .service(tracks::delete_tutorial_track)
        .service(tracks::get_tutorial_transcript)
        .service(tracks::put_tutorial_transcript)
        .service(tracks::delete_tutorial_transcript)
        .service(progress::report_tutorial_progress)
        .service(progress::get_tutorial_progress);
}

/// For every operation on one tutorial (`{tutorial}` in the path).
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum TutorialNotFound {
    /// `not_found`: no such tutorial (or track, source, revision), or not visible to the
    /// caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// `If-Match` is required on content changes: without it, 428.
fn required_if_match(
    req: &HttpRequest,
) -> impl FnOnce(i32) -> Result<(), academy_kernel::AppError> + '_ {
    move |version| etag::require_if_match(req, &etag::of(version))
}

/// `If-Match` is honoured when sent on workflow actions.
fn optional_if_match(
    req: &HttpRequest,
) -> impl FnOnce(i32) -> Result<(), academy_kernel::AppError> + '_ {
    move |version| etag::check_if_match(req, &etag::of(version))
}

/// Where a tutorial's responses lead: a new tutorial to its edits, tracks, sources and
/// submission; a submission to review; a published tutorial to progress reports.
pub fn links() -> Vec<Link> {
    const TUTORIAL: (&str, &str) = ("tutorial", "$response.body#/id");
    const VERSION: (&str, &str) = ("If-Match", "$response.header.ETag");
    let read = [
        "get_tutorial",
        "list_tutorial_revisions",
        "list_tutorial_tracks",
    ];
    [
        Link::each("create_tutorial", "201", &read, &[TUTORIAL]),
        Link::each(
            "create_tutorial",
            "201",
            &["update_tutorial"],
            &[TUTORIAL, VERSION],
        ),
        Link::each(
            "create_tutorial",
            "201",
            &[
                "submit_tutorial",
                "put_tutorial_track",
                "add_tutorial_source",
                "put_tutorial_transcript",
                "upload_tutorial_video",
                "put_tutorial_poster",
                "delete_tutorial",
            ],
            &[TUTORIAL],
        ),
        Link::each("update_tutorial", "200", &["submit_tutorial"], &[TUTORIAL]),
        Link::each(
            "submit_tutorial",
            "200",
            &[
                "publish_tutorial",
                "return_tutorial",
                "set_captions_exemption",
            ],
            &[TUTORIAL],
        ),
        Link::each(
            "publish_tutorial",
            "200",
            &[
                "archive_tutorial",
                "report_tutorial_progress",
                "get_tutorial_progress",
            ],
            &[TUTORIAL],
        ),
        Link::each(
            "list_tutorials",
            "200",
            &read,
            &[("tutorial", "$response.body#/items/0/id")],
        ),
    ]
    .concat()
}

/// The constraints of requests and parameters, from the constants validation uses.
pub fn contract() -> Vec<Constraint> {
    use Rule::{Default, Items, Length, Pattern, Range};
    use academy_taxonomy::terms::{SLUG_LENGTH, SLUG_PATTERN};
    let language = academy_publishing::language::LENGTH;
    let field = |name, rule| Constraint::field("TutorialContentRequest", name, rule);
    let mut all = vec![
        field("title", Length(1, TITLE_MAX)),
        field("title", Pattern(NOT_BLANK)),
        field("summary", Length(1, SUMMARY_MAX)),
        field("summary", Pattern(NOT_BLANK)),
        field("description", Length(0, DESCRIPTION_MAX)),
        field("language", Length(language.0, language.1)),
        field("language", Pattern(academy_publishing::language::PATTERN)),
        field("language", Default("de".into())),
        field("speakers", Items(0, SPEAKERS_MAX)),
        field("relatedGuides", Items(0, RELATED_GUIDES_MAX)),
        field("chapters", Items(0, CHAPTERS_MAX)),
        field("licence", Length(1, LICENCE_MAX)),
        field("changeNote", Length(0, NOTE_MAX)),
        field(
            "completionThreshold",
            Default(crate::domain::DEFAULT_THRESHOLD.into()),
        ),
        Constraint::field(
            "TutorialContentRequest",
            "speakers",
            Rule::ItemPattern(NOT_BLANK),
        ),
        Constraint::field(
            "TutorialContentRequest",
            "speakers",
            Rule::ItemLength(1, SPEAKER_MAX),
        ),
        Constraint::field("Chapter", "title", Length(1, TITLE_MAX)),
        Constraint::field("Chapter", "title", Pattern(NOT_BLANK)),
        Constraint::field(
            "CreateTutorialRequest",
            "slug",
            Length(SLUG_LENGTH.0, SLUG_LENGTH.1),
        ),
        Constraint::field("CreateTutorialRequest", "slug", Pattern(SLUG_PATTERN)),
        Constraint::field("ReturnTutorialRequest", "comment", Length(1, NOTE_MAX)),
        Constraint::field("ReturnTutorialRequest", "comment", Pattern(NOT_BLANK)),
        Constraint::field("CaptionsExemptionRequest", "reason", Length(1, NOTE_MAX)),
        Constraint::field("CaptionsExemptionRequest", "reason", Pattern(NOT_BLANK)),
        Constraint::field("AddSourceRequest", "url", Length(1, crate::domain::URL_MAX)),
        Constraint::field("AddSourceRequest", "url", Pattern(r"^https://[^\u0000]*$")),
        Constraint::field(
            "AddSourceRequest",
            "height",
            Range(1, i64::from(crate::domain::HEIGHT_MAX)),
        ),
        Constraint::field(
            "AddSourceRequest",
            "bitrateKbps",
            Range(1, i64::from(crate::domain::BITRATE_MAX)),
        ),
        Constraint::field("PatchTrackRequest", "label", Length(1, LABEL_MAX)),
        Constraint::field("PatchTrackRequest", "label", Pattern(NOT_BLANK)),
        Constraint::field(
            "TranscriptRequest",
            "text",
            Length(1, crate::text_tracks::TRANSCRIPT_MAX),
        ),
        Constraint::field("TranscriptRequest", "text", Pattern(NOT_BLANK)),
        Constraint::field(
            "ProgressReportRequest",
            "segments",
            Items(1, crate::progress::SPANS_PER_REPORT_MAX),
        ),
        Constraint::parameter("put_tutorial_track", "label", Length(1, LABEL_MAX)),
        Constraint::parameter(
            "upload_tutorial_video",
            "bitrateKbps",
            Range(1, i64::from(crate::domain::BITRATE_MAX)),
        ),
        Constraint::parameter("put_tutorial_track", "label", Pattern(NOT_BLANK)),
    ];
    for operation in [
        "put_tutorial_track",
        "get_tutorial_track",
        "patch_tutorial_track",
        "delete_tutorial_track",
        "get_tutorial_transcript",
        "put_tutorial_transcript",
        "delete_tutorial_transcript",
    ] {
        all.push(Constraint::parameter(
            operation,
            "language",
            Length(language.0, language.1),
        ));
        all.push(Constraint::parameter(
            operation,
            "language",
            Pattern(academy_publishing::language::PATTERN),
        ));
    }
    all.extend(academy_taxonomy::filter_contract(
        "list_tutorials",
        &["fieldOfAction", "theme", "phase", "audience"],
        &["organisation"],
    ));
    all.extend([
        Constraint::parameter(
            "list_tutorials",
            "q",
            Length(1, academy_publishing::search::QUERY_MAX_CHARS),
        ),
        Constraint::parameter("list_tutorials", "language", Length(language.0, language.1)),
        Constraint::parameter(
            "list_tutorials",
            "language",
            Pattern(academy_publishing::language::PATTERN),
        ),
        Constraint::parameter(
            "list_tutorials",
            "minDuration",
            Range(
                0,
                i64::try_from(crate::domain::DURATION_MAX_SECONDS).unwrap_or(i64::MAX),
            ),
        ),
        Constraint::parameter(
            "list_tutorials",
            "maxDuration",
            Range(
                0,
                i64::try_from(crate::domain::DURATION_MAX_SECONDS).unwrap_or(i64::MAX),
            ),
        ),
    ]);
    all
}
