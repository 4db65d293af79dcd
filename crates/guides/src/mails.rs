//! Mails of the review workflow: the coordinating office hears of every submission, the
//! authors of a revision hear when it is returned (with the reviewer's comment) or
//! approved. Each is written to the outbox in the transaction of its transition, so a
//! mail goes out exactly when the change is committed.

use academy_auth::entity::user;
use academy_auth::{Role, Roles, UserStatus};
use academy_kernel::AppError;
use academy_notifications::{Letter, Mail};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::guide_revision;

fn greeting(name: &str) -> String {
    format!("Guten Tag {name},")
}

/// To a coordinator: a revision waits for review.
pub fn submitted(to: &user::Model, title: &str, number: i32, by: &str, live: bool) -> Mail {
    let what = if live {
        format!("eine neue Fassung (Nr. {number}) des veröffentlichten Leitfadens „{title}“")
    } else {
        format!("den Leitfaden „{title}“")
    };
    Letter {
        subject: format!("Zur Prüfung eingereicht: {title}"),
        greeting: greeting(&to.display_name),
        paragraphs: vec![
            format!("{by} hat {what} zur Prüfung eingereicht."),
            "Sie finden ihn in der Prüfliste der Koordinierungsstelle: Sie können ihn veröffentlichen, für später freigeben oder mit einem Kommentar zurückgeben.".into(),
        ],
        ..Letter::default()
    }
    .to_mail(&to.email)
}

/// To an author: the revision came back with a comment.
pub fn returned(to: &user::Model, title: &str, comment: &str) -> Mail {
    Letter {
        subject: format!("Zurückgegeben: {title}"),
        greeting: greeting(&to.display_name),
        paragraphs: vec![
            format!("die Koordinierungsstelle hat Ihren Leitfaden „{title}“ zur Überarbeitung zurückgegeben. Ihr Kommentar:"),
            comment.to_owned(),
            "Der Entwurf ist wieder bearbeitbar; reichen Sie ihn nach der Überarbeitung erneut ein.".into(),
        ],
        ..Letter::default()
    }
    .to_mail(&to.email)
}

/// To an author: the revision is live, or approved to go live at `publish_at`.
pub fn published(to: &user::Model, title: &str, publish_at: Option<DateTime<Utc>>) -> Mail {
    let (subject, paragraph) = match publish_at {
        Some(at) => (
            format!("Freigegeben: {title}"),
            format!(
                "die Koordinierungsstelle hat Ihren Leitfaden „{title}“ freigegeben. Er wird am {} veröffentlicht.",
                at.with_timezone(&Berlin).format("%d.%m.%Y um %H:%M Uhr")
            ),
        ),
        None => (
            format!("Veröffentlicht: {title}"),
            format!(
                "die Koordinierungsstelle hat Ihren Leitfaden „{title}“ veröffentlicht. Er ist jetzt für alle sichtbar."
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
    revision: &guide_revision::Model,
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
