//! HTTP: one file per resource — courses and their workflow, enrolments and teams, and
//! learning (progress, lesson events, quiz attempts).

use academy_kernel::contract::{Constraint, Link, NOT_BLANK, Rule};
use academy_kernel::etag;
use actix_web::HttpRequest;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::{DESCRIPTION_MAX, NOTE_MAX, OBJECTIVE_MAX, SUMMARY_MAX, TITLE_MAX};

mod certificates;
mod courses;
mod covers;
mod enrolments;
mod learning;
mod reports;

pub use courses::{CourseRevisionChoice, CourseSort};
pub use covers::CoverResponse;
pub(crate) use covers::cover_response;

/// OpenAPI tags of this capability, with descriptions.
pub const TAGS: &[(&str, &str)] = &[
    (
        "courses",
        "Courses: modules and lessons over guides and tutorials, quizzes, and the review workflow shared with guides and tutorials.",
    ),
    (
        "course enrolments",
        "Who takes a course: self-enrolment, enrolment by coordinators and contact persons, whole municipality teams.",
    ),
    (
        "learning",
        "Progress through a course, lesson events, and quiz attempts scored on the server.",
    ),
    (
        "certificates",
        "Certificates anyone can verify: the public page, the Open Badges 3.0 credential, the PDF, revocation and the status list.",
    ),
];

/// Mounts the routes (under `/api/v1`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(learning::list_my_courses)
        .service(courses::list_courses)
        .service(courses::create_course)
        .service(courses::get_course)
        .service(courses::update_course)
        .service(courses::delete_course)
        .service(courses::submit_course)
        .service(courses::return_course)
        .service(courses::publish_course)
        .service(courses::archive_course)
        .service(courses::list_course_revisions)
        .service(courses::get_course_revision)
        .service(covers::put_course_cover)
        .service(covers::delete_course_cover)
        .service(covers::download_course_cover)
        .service(learning::regrade_quiz)
        .service(enrolments::enrol)
        .service(enrolments::list_course_enrolments)
        .service(enrolments::list_course_teams)
        .service(enrolments::put_course_team)
        .service(enrolments::delete_course_team)
        .service(learning::get_enrolment)
        .service(enrolments::withdraw_enrolment)
        .service(learning::move_enrolment)
        .service(learning::view_lesson)
        .service(learning::complete_lesson)
        .service(learning::start_attempt)
        .service(learning::list_attempts)
        .service(learning::get_attempt)
        .service(learning::save_answers)
        .service(learning::submit_attempt)
        .service(reports::course_report)
        .service(certificates::list_my_certificates)
        .service(certificates::get_certificate)
        .service(certificates::get_certificate_credential)
        .service(certificates::get_certificate_pdf)
        .service(certificates::revoke_certificate)
        .service(certificates::get_credential_issuer)
        .service(certificates::get_credential_keys)
        .service(certificates::get_revocation_list);
}

/// For every operation on one course (`{course}` in the path).
// Only documents the response: handlers answer with `AppError`, never build it.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum CourseNotFound {
    /// `not_found`: no such course (or revision, team, lesson), or not visible to the
    /// caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(academy_kernel::Problem),
}

/// For every operation on one enrolment or attempt.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum EnrolmentNotFound {
    /// `not_found`: no such enrolment, lesson or attempt, or someone else's.
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

/// Where a course's responses lead.
pub fn links() -> Vec<Link> {
    const COURSE: (&str, &str) = ("course", "$response.body#/id");
    const VERSION: (&str, &str) = ("If-Match", "$response.header.ETag");
    [
        Link::each(
            "create_course",
            "201",
            &["get_course", "list_course_revisions"],
            &[COURSE],
        ),
        Link::each(
            "create_course",
            "201",
            &["update_course"],
            &[COURSE, VERSION],
        ),
        Link::each(
            "create_course",
            "201",
            &[
                "submit_course",
                "delete_course",
                "put_course_cover",
                "delete_course_cover",
            ],
            &[COURSE],
        ),
        Link::each(
            "submit_course",
            "200",
            &["publish_course", "return_course"],
            &[COURSE],
        ),
        Link::each(
            "publish_course",
            "200",
            &[
                "archive_course",
                "enrol",
                "list_course_enrolments",
                "list_course_teams",
            ],
            &[COURSE],
        ),
        Link::each(
            "enrol",
            "201",
            &["get_enrolment", "withdraw_enrolment", "move_enrolment"],
            &[("id", "$response.body#/id")],
        ),
        Link::each(
            "start_attempt",
            "201",
            &["get_attempt", "save_answers", "submit_attempt"],
            &[("attempt", "$response.body#/id")],
        ),
        Link::each(
            "list_courses",
            "200",
            &["get_course", "list_course_revisions"],
            &[("course", "$response.body#/items/0/id")],
        ),
    ]
    .concat()
}

/// The constraints of requests and parameters, from the constants validation uses.
pub fn contract() -> Vec<Constraint> {
    use crate::quiz;
    use Rule::{Default, Items, Length, Pattern};
    use academy_taxonomy::terms::{SLUG_LENGTH, SLUG_PATTERN};
    let language = academy_publishing::language::LENGTH;
    let field = |name, rule| Constraint::field("CourseContentRequest", name, rule);
    let mut all = vec![
        field("title", Length(1, TITLE_MAX)),
        field("title", Pattern(NOT_BLANK)),
        field("summary", Length(1, SUMMARY_MAX)),
        field("summary", Pattern(NOT_BLANK)),
        field("description", Length(0, DESCRIPTION_MAX)),
        field("language", Length(language.0, language.1)),
        field("language", Pattern(academy_publishing::language::PATTERN)),
        field("language", Default("de".into())),
        field("objectives", Items(0, crate::domain::OBJECTIVES_MAX)),
        field("objectives", Rule::ItemLength(1, OBJECTIVE_MAX)),
        field("objectives", Rule::ItemPattern(NOT_BLANK)),
        field("prerequisites", Items(0, crate::domain::PREREQUISITES_MAX)),
        field("modules", Items(0, crate::domain::MODULES_MAX)),
        field("changeNote", Length(0, NOTE_MAX)),
        Constraint::field("ModuleInput", "title", Length(1, TITLE_MAX)),
        Constraint::field("ModuleInput", "title", Pattern(NOT_BLANK)),
        Constraint::field("ModuleInput", "description", Length(0, DESCRIPTION_MAX)),
        Constraint::field(
            "ModuleInput",
            "lessons",
            Items(1, crate::domain::LESSONS_MAX),
        ),
        Constraint::field("LessonInput", "title", Length(1, TITLE_MAX)),
        Constraint::field("LessonInput", "title", Pattern(NOT_BLANK)),
        Constraint::field("LessonInput", "body", Length(0, DESCRIPTION_MAX)),
        Constraint::field("Quiz", "questions", Items(1, quiz::QUESTIONS_MAX)),
        Constraint::field("QuizQuestion", "prompt", Length(1, quiz::PROMPT_MAX)),
        Constraint::field("QuizQuestion", "prompt", Pattern(NOT_BLANK)),
        Constraint::field("QuizQuestion", "feedback", Length(0, quiz::FEEDBACK_MAX)),
        Constraint::field("QuizQuestion", "options", Items(0, quiz::CHOICES_MAX)),
        Constraint::field("QuizQuestion", "items", Items(0, quiz::CHOICES_MAX)),
        Constraint::field("QuizQuestion", "pairs", Items(0, quiz::CHOICES_MAX)),
        Constraint::field("QuizQuestion", "accepted", Items(0, quiz::ACCEPTED_MAX)),
        Constraint::field(
            "QuizQuestion",
            "accepted",
            Rule::ItemLength(1, quiz::CHOICE_TEXT_MAX),
        ),
        Constraint::field("QuizChoice", "text", Length(1, quiz::CHOICE_TEXT_MAX)),
        Constraint::field("QuizChoice", "feedback", Length(0, quiz::FEEDBACK_MAX)),
        Constraint::field("QuizItem", "text", Length(1, quiz::CHOICE_TEXT_MAX)),
        Constraint::field("QuizPair", "prompt", Length(1, quiz::CHOICE_TEXT_MAX)),
        Constraint::field("QuizPair", "match", Length(1, quiz::CHOICE_TEXT_MAX)),
        Constraint::field(
            "CreateCourseRequest",
            "slug",
            Length(SLUG_LENGTH.0, SLUG_LENGTH.1),
        ),
        Constraint::field("CreateCourseRequest", "slug", Pattern(SLUG_PATTERN)),
        Constraint::field("ReturnCourseRequest", "comment", Length(1, NOTE_MAX)),
        Constraint::field("ReturnCourseRequest", "comment", Pattern(NOT_BLANK)),
        Constraint::field(
            "RevokeCertificateRequest",
            "reason",
            Length(1, crate::certificates::REASON_MAX),
        ),
        Constraint::field("RevokeCertificateRequest", "reason", Pattern(NOT_BLANK)),
        Constraint::parameter(
            "put_course_cover",
            "alt",
            Length(0, crate::covers::ALT_MAX_CHARS),
        ),
        Constraint::parameter(
            "put_course_cover",
            "alt",
            Pattern(crate::covers::ALT_PATTERN),
        ),
        Constraint::field(
            "CoverResponse",
            "alt",
            Length(0, crate::covers::ALT_MAX_CHARS),
        ),
    ];
    // A cover downloads as the picture it is.
    for status in ["200", "206"] {
        all.push(Constraint::response(
            "download_course_cover",
            status,
            Rule::MediaTypes(academy_files::image::MEDIA_TYPES.to_vec()),
        ));
    }
    all.extend(academy_taxonomy::filter_contract(
        "list_courses",
        &["fieldOfAction", "theme", "phase", "audience"],
        &["organisation"],
    ));
    all.extend([
        Constraint::parameter("list_courses", "language", Length(language.0, language.1)),
        Constraint::parameter(
            "list_courses",
            "language",
            Pattern(academy_publishing::language::PATTERN),
        ),
    ]);
    all
}
