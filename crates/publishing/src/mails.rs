//! Mails of the review workflow: the coordinating office hears of every submission, the
//! authors of a revision hear when it is returned (with the reviewer's comment) or
//! approved. Each is written to the outbox in the transaction of its transition, so a
//! mail goes out exactly when the change is committed.

use academy_auth::entity::user;
use academy_auth::{Principal, Role, Roles, UserStatus};
use academy_kernel::AppError;
use academy_notifications::{Letter, Mail};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::kind::{German, Kind, RevisionHead};

fn greeting(name: &str) -> String {
    format!("Guten Tag {name},")
}

/// To a coordinator: a revision waits for review.
pub fn submitted(
    german: &German,
    to: &user::Model,
    title: &str,
    number: i32,
    by: &str,
    live: bool,
) -> Mail {
    let what = if live {
        format!(
            "eine neue Fassung (Nr. {number}) {} „{title}“",
            german.of_published
        )
    } else {
        format!("{} „{title}“", german.accusative)
    };
    Letter {
        subject: format!("Zur Prüfung eingereicht: {title}"),
        greeting: greeting(&to.display_name),
        paragraphs: vec![
            format!("{by} hat {what} zur Prüfung eingereicht."),
            format!(
                "Sie finden {} in der Prüfliste der Koordinierungsstelle: Sie können {} veröffentlichen, für später freigeben oder mit einem Kommentar zurückgeben.",
                german.him, german.him
            ),
        ],
        ..Letter::default()
    }
    .to_mail(&to.email)
}

/// To an author: the revision came back with a comment.
pub fn returned(german: &German, to: &user::Model, title: &str, comment: &str) -> Mail {
    Letter {
        subject: format!("Zurückgegeben: {title}"),
        greeting: greeting(&to.display_name),
        paragraphs: vec![
            format!(
                "die Koordinierungsstelle hat {} „{title}“ zur Überarbeitung zurückgegeben. Ihr Kommentar:",
                german.yours
            ),
            comment.to_owned(),
            "Der Entwurf ist wieder bearbeitbar; reichen Sie ihn nach der Überarbeitung erneut ein.".into(),
        ],
        ..Letter::default()
    }
    .to_mail(&to.email)
}

/// To an author: the revision is live, or approved to go live at `publish_at`.
pub fn published(
    german: &German,
    to: &user::Model,
    title: &str,
    publish_at: Option<DateTime<Utc>>,
) -> Mail {
    let (subject, paragraph) = match publish_at {
        Some(at) => (
            format!("Freigegeben: {title}"),
            format!(
                "die Koordinierungsstelle hat {} „{title}“ freigegeben. {} wird am {} veröffentlicht.",
                german.yours,
                german.he,
                at.with_timezone(&Berlin).format("%d.%m.%Y um %H:%M Uhr")
            ),
        ),
        None => (
            format!("Veröffentlicht: {title}"),
            format!(
                "die Koordinierungsstelle hat {} „{title}“ veröffentlicht. {} ist jetzt für alle sichtbar.",
                german.yours, german.he
            ),
        ),
    };
    Letter {
        subject,
        greeting: greeting(&to.display_name),
        paragraphs: vec![paragraph, "Vielen Dank für Ihren Beitrag!".into()],
        ..Letter::default()
    }
    .to_mail(&to.email)
}

fn active(account: &user::Model) -> bool {
    UserStatus::parse(&account.status) == Some(UserStatus::Active)
}

/// The active accounts that hold the coordinator role now.
pub async fn coordinators(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, AppError> {
    // The roles column is a comma-separated list; the LIKE narrows, the parse decides.
    let candidates = user::Entity::find()
        .filter(user::Column::Roles.contains(Role::Coordinator.as_str()))
        .all(db)
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|a| active(a) && Roles::from_stored(&a.roles).contains(Role::Coordinator))
        .collect())
}

/// The active accounts that wrote or submitted `revision`, once each.
pub async fn authors_of(
    db: &impl ConnectionTrait,
    revision: &RevisionHead,
) -> Result<Vec<user::Model>, AppError> {
    let mut ids: Vec<Uuid> = vec![revision.created_by];
    if let Some(submitter) = revision.submitted_by
        && submitter != revision.created_by
    {
        ids.push(submitter);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter(active)
        .collect())
}

/// Mails every coordinator but the caller that a revision waits for review.
pub(crate) async fn tell_coordinators(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: &Principal,
    title: &str,
    number: i32,
    live: bool,
) -> Result<(), AppError> {
    let by = user::Entity::find_by_id(caller.user_id)
        .one(db)
        .await?
        .map_or_else(String::new, |u| u.display_name);
    for coordinator in coordinators(db).await? {
        if coordinator.id != caller.user_id {
            let mail = submitted(&kind.german, &coordinator, title, number, &by, live);
            academy_notifications::enqueue(db, mail).await?;
        }
    }
    Ok(())
}

/// Mails every author of `revision` but the caller.
pub(crate) async fn tell_authors(
    db: &impl ConnectionTrait,
    kind: &Kind,
    caller: &Principal,
    revision: &RevisionHead,
    letter: impl Fn(&German, &user::Model) -> Mail,
) -> Result<(), AppError> {
    for author in authors_of(db, revision).await? {
        if author.id != caller.user_id {
            academy_notifications::enqueue(db, letter(&kind.german, &author)).await?;
        }
    }
    Ok(())
}
