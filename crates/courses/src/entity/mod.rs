//! Tables of courses, one file each. The `courses` table itself holds only the shared
//! workflow columns (and the seat counter) and is read through `academy_publishing`.

pub mod course_certificate;
pub mod course_cover;
pub mod course_enrolment;
pub mod course_lesson;
pub mod course_lesson_progress;
pub mod course_module;
pub mod course_quiz_attempt;
pub mod course_revision;
pub mod course_team;
