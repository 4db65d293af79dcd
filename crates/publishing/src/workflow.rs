//! Revision states, the status of an item, the transitions and their checks.

use academy_kernel::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a revision is in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevisionState {
    /// Being written by the organisation's authors.
    Draft,
    /// Submitted; waiting for a coordinator.
    InReview,
    /// Approved; goes live at `publishAt`.
    Scheduled,
    /// The live revision.
    Published,
    /// Was live once; a later revision replaced it.
    Superseded,
}

impl RevisionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionState::Draft => "draft",
            RevisionState::InReview => "in_review",
            RevisionState::Scheduled => "scheduled",
            RevisionState::Published => "published",
            RevisionState::Superseded => "superseded",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "draft" => RevisionState::Draft,
            "in_review" => RevisionState::InReview,
            "scheduled" => RevisionState::Scheduled,
            "published" => RevisionState::Published,
            "superseded" => RevisionState::Superseded,
            _ => return None,
        })
    }
}

/// An item's overall status, as lists and filters show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicationStatus {
    /// Never published; a draft is being written.
    Draft,
    /// Never published; waiting for review.
    InReview,
    /// Never published; approved to go live at a set time.
    Scheduled,
    /// A revision is live (a newer one may be in the works).
    Published,
    /// Withdrawn by the coordinating office; visible to staff only.
    Archived,
}

impl PublicationStatus {
    /// The status of an item from its parts: archived or not, whether a revision is live,
    /// and the state of the revision being worked on.
    pub fn of(archived: bool, live: bool, working: Option<RevisionState>) -> Self {
        match (archived, live, working) {
            (true, _, _) => PublicationStatus::Archived,
            (false, true, _) => PublicationStatus::Published,
            (false, false, Some(RevisionState::InReview)) => PublicationStatus::InReview,
            (false, false, Some(RevisionState::Scheduled)) => PublicationStatus::Scheduled,
            (false, false, _) => PublicationStatus::Draft,
        }
    }
}

/// What the workflow knows of an item when a transition is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workflow {
    pub archived: bool,
    /// State of the working revision, if there is one.
    pub working: Option<RevisionState>,
}

/// A transition of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Author: draft → in review.
    Submit,
    /// Coordinator: in review (or scheduled) → draft, with a comment.
    Return,
    /// Coordinator: in review → published, or scheduled when `publish_at` lies ahead.
    Publish,
    /// Coordinator: withdraw the item.
    Archive,
    /// Author: change the content (of the draft, or of a new draft copied from the live
    /// revision).
    Edit,
}

/// 409 `already_archived` for an archived item: nothing about it changes any more.
pub fn not_archived(archived: bool, noun: &str) -> Result<(), AppError> {
    if archived {
        return Err(AppError::conflict(
            "already_archived",
            format!("The {noun} is archived."),
        ));
    }
    Ok(())
}

/// Whether `transition` may happen now; a 409 with a distinct code if not. `noun` names
/// the kind of item in the message ("guide", "tutorial").
pub fn check(workflow: Workflow, transition: Transition, noun: &str) -> Result<(), AppError> {
    use RevisionState as S;
    not_archived(workflow.archived, noun)?;
    match (transition, workflow.working) {
        (Transition::Archive, _) => Ok(()),
        (Transition::Submit, Some(S::Draft)) => Ok(()),
        (Transition::Submit, Some(S::InReview)) => Err(AppError::conflict(
            "already_in_review",
            format!("The {noun} is already waiting for review."),
        )),
        (Transition::Submit, Some(S::Scheduled)) => Err(AppError::conflict(
            "already_scheduled",
            format!("The {noun} is already approved and scheduled."),
        )),
        (Transition::Submit, _) => Err(AppError::conflict(
            "nothing_to_submit",
            format!("There is no draft to submit; edit the {noun} first."),
        )),
        (Transition::Return, Some(S::InReview | S::Scheduled)) => Ok(()),
        (Transition::Publish, Some(S::InReview)) => Ok(()),
        (Transition::Return | Transition::Publish, _) => Err(AppError::conflict(
            "not_in_review",
            format!("The {noun} has no revision waiting for review."),
        )),
        (Transition::Edit, None | Some(S::Draft)) => Ok(()),
        (Transition::Edit, Some(S::InReview)) => Err(AppError::conflict(
            "under_review",
            format!("The {noun} is under review; it can be edited again once it is returned."),
        )),
        (Transition::Edit, Some(_)) => Err(AppError::conflict(
            "already_scheduled",
            format!(
                "The {noun} is approved and scheduled; a coordinator can return it for changes."
            ),
        )),
    }
}

/// Longest review comment and change note, in characters.
pub const NOTE_MAX: usize = 2000;

/// A reviewer's comment when returning an item: required, at most [`NOTE_MAX`] characters.
pub fn review_comment(comment: &str) -> Result<String, AppError> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(AppError::validation(vec![FieldError::new(
            "comment",
            "required",
            "say what needs to change",
        )]));
    }
    if comment.chars().count() > NOTE_MAX {
        return Err(AppError::validation(vec![FieldError::new(
            "comment",
            "too_long",
            format!("must be at most {NOTE_MAX} characters"),
        )]));
    }
    Ok(comment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow(archived: bool, working: Option<RevisionState>) -> Workflow {
        Workflow { archived, working }
    }

    fn code(result: Result<(), AppError>) -> String {
        result
            .err()
            .map(|e| e.code().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn the_workflow_allows_only_its_transitions() {
        use RevisionState as S;
        use Transition as T;
        let check = |w, t| check(w, t, "guide");
        assert!(check(workflow(false, Some(S::Draft)), T::Submit).is_ok());
        assert!(check(workflow(false, Some(S::InReview)), T::Publish).is_ok());
        assert!(check(workflow(false, Some(S::InReview)), T::Return).is_ok());
        assert!(check(workflow(false, Some(S::Scheduled)), T::Return).is_ok());
        assert!(check(workflow(false, None), T::Edit).is_ok());
        assert!(check(workflow(false, Some(S::Draft)), T::Edit).is_ok());
        assert!(check(workflow(false, None), T::Archive).is_ok());

        for (state, transition, expected) in [
            (None, T::Submit, "nothing_to_submit"),
            (Some(S::InReview), T::Submit, "already_in_review"),
            (Some(S::Scheduled), T::Submit, "already_scheduled"),
            (Some(S::Draft), T::Publish, "not_in_review"),
            (None, T::Return, "not_in_review"),
            (Some(S::Scheduled), T::Publish, "not_in_review"),
            (Some(S::InReview), T::Edit, "under_review"),
            (Some(S::Scheduled), T::Edit, "already_scheduled"),
        ] {
            assert_eq!(code(check(workflow(false, state), transition)), expected);
        }
        for transition in [T::Submit, T::Return, T::Publish, T::Archive, T::Edit] {
            assert_eq!(
                code(check(workflow(true, Some(S::Draft)), transition)),
                "already_archived"
            );
        }
    }

    #[test]
    fn messages_name_the_kind_of_item() {
        let error = check(workflow(true, None), Transition::Submit, "tutorial").unwrap_err();
        assert_eq!(error.problem().detail, "The tutorial is archived.");
    }

    #[test]
    fn an_item_is_published_while_any_revision_is_live() {
        use RevisionState as S;
        assert_eq!(
            PublicationStatus::of(false, false, Some(S::Draft)),
            PublicationStatus::Draft
        );
        assert_eq!(
            PublicationStatus::of(false, false, Some(S::InReview)),
            PublicationStatus::InReview
        );
        assert_eq!(
            PublicationStatus::of(false, true, Some(S::Draft)),
            PublicationStatus::Published
        );
        assert_eq!(
            PublicationStatus::of(true, true, None),
            PublicationStatus::Archived
        );
    }

    #[test]
    fn a_return_needs_a_comment() {
        assert_eq!(
            review_comment("  ").unwrap_err().code(),
            "validation_failed"
        );
        assert_eq!(
            review_comment(" Bitte Quellen ergänzen ").unwrap(),
            "Bitte Quellen ergänzen"
        );
        assert_eq!(
            review_comment(&"x".repeat(NOTE_MAX + 1))
                .unwrap_err()
                .code(),
            "validation_failed"
        );
    }
}
