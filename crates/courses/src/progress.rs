//! Where a learner stands in a course: which lessons are locked, available, started or
//! completed, which modules are complete, the percentage, the next lesson — and which
//! lessons an event completes, with what it unlocks. Free of I/O and unit-tested; the
//! learning use cases record what these rules decide.
//!
//! Rules: a module is locked until its `unlockAt`, and in a sequential course until the
//! module before it is complete. A lesson is locked while its module is, until its own
//! `unlockAt`, and in a sequential module until the lesson before it is completed. A
//! completed lesson stays completed. A module is complete when all (or, if it says so,
//! any) of its lessons are; the course when every module is.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{CompletionRule, ModuleCompletion};

/// A lesson, as far as progress is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonShape {
    pub key: Uuid,
    pub rule: CompletionRule,
    pub tutorial_id: Option<Uuid>,
    pub unlock_at: Option<DateTime<Utc>>,
}

/// A module, as far as progress is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleShape {
    pub key: Uuid,
    pub completion: ModuleCompletion,
    pub sequential: bool,
    pub unlock_at: Option<DateTime<Utc>>,
    pub lessons: Vec<LessonShape>,
}

/// A course revision, as far as progress is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub sequential: bool,
    pub modules: Vec<ModuleShape>,
}

/// Where a learner stands with a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LessonState {
    /// Not open yet: an unlock date, or an earlier lesson or module comes first.
    Locked,
    /// Open, not begun.
    Available,
    /// Begun, not completed.
    Started,
    Completed,
}

/// What is recorded of a lesson (for the lesson as it is now: same key, same fingerprint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A module's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStanding {
    pub key: Uuid,
    pub locked: bool,
    pub completed: bool,
    pub lessons_completed: usize,
    pub lessons: usize,
}

/// The standing of a whole course.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub lessons: HashMap<Uuid, LessonState>,
    pub modules: Vec<ModuleStanding>,
    pub lessons_completed: usize,
    pub lessons_total: usize,
    pub complete: bool,
    /// The first lesson in order that is open and not completed.
    pub next: Option<Uuid>,
}

impl Standing {
    /// Completed lessons in percent, rounded down (100 only when all are).
    pub fn percent(&self) -> u32 {
        if self.lessons_total == 0 {
            return 0;
        }
        u32::try_from(self.lessons_completed * 100 / self.lessons_total).unwrap_or(100)
    }

    pub fn state(&self, lesson: Uuid) -> Option<LessonState> {
        self.lessons.get(&lesson).copied()
    }
}

/// Evaluates the course for what is recorded, at `now`.
pub fn evaluate(shape: &Shape, recorded: &HashMap<Uuid, Recorded>, now: DateTime<Utc>) -> Standing {
    let mut lessons = HashMap::new();
    let mut modules = Vec::with_capacity(shape.modules.len());
    let mut previous_module_complete = true;
    let mut next = None;
    let (mut done_total, mut total) = (0, 0);
    for module in &shape.modules {
        let module_locked = module.unlock_at.is_some_and(|t| t > now)
            || (shape.sequential && !previous_module_complete);
        let mut previous_lesson_complete = true;
        let mut done = 0;
        for lesson in &module.lessons {
            let record = recorded.get(&lesson.key);
            let completed = record.is_some_and(|r| r.completed_at.is_some());
            let locked = module_locked
                || lesson.unlock_at.is_some_and(|t| t > now)
                || (module.sequential && !previous_lesson_complete);
            let state = if completed {
                LessonState::Completed
            } else if locked {
                LessonState::Locked
            } else if record.is_some() {
                LessonState::Started
            } else {
                LessonState::Available
            };
            if completed {
                done += 1;
            } else if next.is_none() && !locked {
                next = Some(lesson.key);
            }
            previous_lesson_complete = completed;
            lessons.insert(lesson.key, state);
        }
        let completed = !module.lessons.is_empty()
            && match module.completion {
                ModuleCompletion::All => done == module.lessons.len(),
                ModuleCompletion::Any => done > 0,
            };
        previous_module_complete = completed;
        done_total += done;
        total += module.lessons.len();
        modules.push(ModuleStanding {
            key: module.key,
            locked: module_locked,
            completed,
            lessons_completed: done,
            lessons: module.lessons.len(),
        });
    }
    let complete = !modules.is_empty() && modules.iter().all(|m| m.completed);
    Standing {
        lessons,
        modules,
        lessons_completed: done_total,
        lessons_total: total,
        complete,
        next: if complete { None } else { next },
    }
}

/// What else the learner has done that completes lessons once they are open: tutorials
/// watched to completion, quizzes passed (by lesson key).
#[derive(Debug, Clone, Default)]
pub struct Achievements {
    pub tutorials: HashSet<Uuid>,
    pub quizzes: HashSet<Uuid>,
}

/// The lessons that become completed because of `achievements`, including those that
/// open because others were completed: applied to `recorded` in place, returned in order.
pub fn settle(
    shape: &Shape,
    recorded: &mut HashMap<Uuid, Recorded>,
    achievements: &Achievements,
    now: DateTime<Utc>,
) -> Vec<Uuid> {
    let mut completed = Vec::new();
    loop {
        let standing = evaluate(shape, recorded, now);
        let due: Vec<Uuid> = shape
            .modules
            .iter()
            .flat_map(|m| &m.lessons)
            .filter(|l| {
                matches!(
                    standing.state(l.key),
                    Some(LessonState::Available | LessonState::Started)
                ) && match l.rule {
                    CompletionRule::Tutorial => l
                        .tutorial_id
                        .is_some_and(|t| achievements.tutorials.contains(&t)),
                    CompletionRule::Quiz => achievements.quizzes.contains(&l.key),
                    _ => false,
                }
            })
            .map(|l| l.key)
            .collect();
        if due.is_empty() {
            return completed;
        }
        for key in due {
            let entry = recorded.entry(key).or_insert(Recorded {
                started_at: now,
                completed_at: None,
            });
            entry.completed_at = Some(now);
            completed.push(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn lesson(rule: CompletionRule) -> LessonShape {
        LessonShape {
            key: Uuid::now_v7(),
            rule,
            tutorial_id: None,
            unlock_at: None,
        }
    }

    fn module(lessons: Vec<LessonShape>, sequential: bool) -> ModuleShape {
        ModuleShape {
            key: Uuid::now_v7(),
            completion: ModuleCompletion::All,
            sequential,
            unlock_at: None,
            lessons,
        }
    }

    fn done(at: DateTime<Utc>) -> Recorded {
        Recorded {
            started_at: at,
            completed_at: Some(at),
        }
    }

    #[test]
    fn a_sequential_module_opens_its_lessons_one_after_the_other() {
        let now = Utc::now();
        let shape = Shape {
            sequential: false,
            modules: vec![module(
                vec![lesson(CompletionRule::Done), lesson(CompletionRule::Done)],
                true,
            )],
        };
        let (a, b) = (
            shape.modules[0].lessons[0].key,
            shape.modules[0].lessons[1].key,
        );
        let mut recorded = HashMap::new();
        let standing = evaluate(&shape, &recorded, now);
        assert_eq!(standing.state(a), Some(LessonState::Available));
        assert_eq!(standing.state(b), Some(LessonState::Locked));
        assert_eq!(standing.next, Some(a));
        recorded.insert(a, done(now));
        let standing = evaluate(&shape, &recorded, now);
        assert_eq!(standing.state(b), Some(LessonState::Available));
        assert_eq!(standing.percent(), 50);
        assert!(!standing.complete);
        recorded.insert(b, done(now));
        let standing = evaluate(&shape, &recorded, now);
        assert!(standing.complete);
        assert_eq!(standing.percent(), 100);
        assert_eq!(standing.next, None);
    }

    #[test]
    fn a_sequential_course_locks_a_module_until_the_one_before_is_complete() {
        let now = Utc::now();
        let mut first = module(
            vec![lesson(CompletionRule::Done), lesson(CompletionRule::Done)],
            false,
        );
        first.completion = ModuleCompletion::Any;
        let shape = Shape {
            sequential: true,
            modules: vec![first, module(vec![lesson(CompletionRule::Done)], false)],
        };
        let a = shape.modules[0].lessons[0].key;
        let c = shape.modules[1].lessons[0].key;
        let mut recorded = HashMap::new();
        assert_eq!(
            evaluate(&shape, &recorded, now).state(c),
            Some(LessonState::Locked)
        );
        recorded.insert(a, done(now));
        let standing = evaluate(&shape, &recorded, now);
        assert!(
            standing.modules[0].completed,
            "any lesson completes the first module"
        );
        assert_eq!(standing.state(c), Some(LessonState::Available));
    }

    #[test]
    fn an_unlock_date_keeps_a_lesson_locked_until_it_passes() {
        let now = Utc::now();
        let mut later = lesson(CompletionRule::Done);
        later.unlock_at = Some(now + Duration::days(1));
        let shape = Shape {
            sequential: false,
            modules: vec![module(vec![later], false)],
        };
        let key = shape.modules[0].lessons[0].key;
        assert_eq!(
            evaluate(&shape, &HashMap::new(), now).state(key),
            Some(LessonState::Locked)
        );
        assert_eq!(
            evaluate(&shape, &HashMap::new(), now + Duration::days(2)).state(key),
            Some(LessonState::Available)
        );
    }

    #[test]
    fn settling_completes_a_watched_tutorial_once_it_opens_and_what_follows() {
        let now = Utc::now();
        let tutorial = Uuid::now_v7();
        let mut watch = lesson(CompletionRule::Tutorial);
        watch.tutorial_id = Some(tutorial);
        let first = lesson(CompletionRule::Done);
        let quiz = lesson(CompletionRule::Quiz);
        let shape = Shape {
            sequential: false,
            modules: vec![module(
                vec![first.clone(), watch.clone(), quiz.clone()],
                true,
            )],
        };
        let mut achievements = Achievements::default();
        achievements.tutorials.insert(tutorial);
        achievements.quizzes.insert(quiz.key);
        let mut recorded = HashMap::new();
        assert!(
            settle(&shape, &mut recorded, &achievements, now).is_empty(),
            "locked behind the first lesson"
        );
        recorded.insert(first.key, done(now));
        assert_eq!(
            settle(&shape, &mut recorded, &achievements, now),
            vec![watch.key, quiz.key]
        );
        assert!(evaluate(&shape, &recorded, now).complete);
    }
}
