//! Periodic work of courses, on every instance, each piece claimed by exactly one:
//! scheduled revisions going live (see `academy_publishing::lifecycle::claim_due`), the
//! German mail to each new enrolment (whoever or whatever enrolled it — the team
//! triggers included), and the reminder three days before a due date. A mail is claimed
//! by a conditional update of its enrolment and written to the outbox in the same
//! transaction.

use std::time::Duration;

use academy_auth::entity::user;
use academy_kernel::db::begin_write;
use academy_kernel::periodic::Periodic;
use academy_kernel::{AppError, Db};
use academy_notifications::{Action, Letter};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{course_certificate, course_enrolment, course_revision};

/// Days before a due date the reminder goes out.
pub const REMINDER_DAYS: i64 = 3;
/// Most mails of each kind one run writes.
const BATCH: u64 = 200;

pub use crate::Settings;

/// Days before a certificate expires its reminder goes out.
pub const EXPIRY_REMINDER_DAYS: i64 = 30;

/// Starts the jobs every `interval` on the current tokio runtime.
pub fn spawn(db: Db, settings: Settings, interval: Duration) -> Periodic {
    Periodic::spawn(interval, move || {
        let db = db.clone();
        let settings = settings.clone();
        async move {
            let now = Utc::now();
            match crate::courses::publish_due(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(published = n, "scheduled courses went live"),
                Err(error) => tracing::warn!(%error, "scheduled publishing of courses failed"),
            }
            if let Err(error) = mail_enrolments(&db, &settings, now).await {
                tracing::warn!(%error, "course enrolment mails failed");
            }
            if let Err(error) = remind_due(&db, &settings, now).await {
                tracing::warn!(%error, "course due-date reminders failed");
            }
            if let Err(error) = mail_certificates(&db, &settings, now).await {
                tracing::warn!(%error, "certificate mails failed");
            }
            if let Err(error) = remind_expiry(&db, &settings, now).await {
                tracing::warn!(%error, "certificate expiry reminders failed");
            }
            match crate::certificates::expire(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "course certificates expired"),
                Err(error) => tracing::warn!(%error, "certificate expiry failed"),
            }
        }
    })
}

fn date(at: DateTime<Utc>) -> String {
    at.with_timezone(&Berlin).format("%d.%m.%Y").to_string()
}

async fn learner_and_course(
    db: &impl sea_orm::ConnectionTrait,
    enrolment: &course_enrolment::Model,
) -> Result<Option<(user::Model, course_revision::Model)>, AppError> {
    let Some(account) = user::Entity::find_by_id(enrolment.user_id).one(db).await? else {
        return Ok(None);
    };
    let revision = crate::courses::find_revision(db, enrolment.revision_id).await?;
    Ok(Some((account, revision)))
}

/// Writes the enrolment mail of every enrolment that has none yet; returns how many.
pub async fn mail_enrolments(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let pending = course_enrolment::Entity::find()
        .filter(course_enrolment::Column::NotifiedAt.is_null())
        .order_by_asc(course_enrolment::Column::EnrolledAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for enrolment in pending {
        let txn = begin_write(db).await?;
        let claimed = course_enrolment::Entity::update_many()
            .col_expr(course_enrolment::Column::NotifiedAt, Expr::value(now))
            .filter(course_enrolment::Column::Id.eq(enrolment.id))
            .filter(course_enrolment::Column::NotifiedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        // Only an enrolment still active hears of it; a withdrawn one is marked all the same.
        if claimed
            && enrolment.state == "active"
            && let Some((account, revision)) = learner_and_course(&txn, &enrolment).await?
        {
            let mut paragraphs = vec![match enrolment.source.as_str() {
                "self" => format!(
                    "Sie haben sich für den Kurs „{}“ angemeldet.",
                    revision.title
                ),
                "team" => format!(
                    "Ihre Kommune hat ihr Team für den Kurs „{}“ angemeldet – Sie sind dabei.",
                    revision.title
                ),
                _ => format!("Sie wurden für den Kurs „{}“ angemeldet.", revision.title),
            }];
            paragraphs.push(format!(
                "Der Kurs umfasst etwa {} Stunden; Sie lernen in Ihrem eigenen Tempo.",
                hours(revision.estimated_hours)
            ));
            if let Some(due) = enrolment.due_at {
                paragraphs.push(format!("Bitte schließen Sie ihn bis zum {} ab.", date(due)));
            }
            let mail = Letter {
                subject: format!("Angemeldet: {}", revision.title),
                greeting: format!("Guten Tag {},", account.display_name),
                paragraphs,
                action: Some(Action {
                    label: "Zum Kurs".into(),
                    url: format!(
                        "{}/kurse/{}",
                        settings.app_url.trim_end_matches('/'),
                        enrolment.course_id
                    ),
                }),
                ..Letter::default()
            }
            .to_mail(&account.email);
            academy_notifications::enqueue(&txn, mail).await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}

fn hours(value: f64) -> String {
    let text = format!("{value:.1}");
    text.trim_end_matches(".0").replace('.', ",")
}

/// Writes the reminder of every active enrolment due within [`REMINDER_DAYS`] that has
/// had none; returns how many.
pub async fn remind_due(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let horizon = now + chrono::Duration::days(REMINDER_DAYS);
    let due = course_enrolment::Entity::find()
        .filter(course_enrolment::Column::State.eq("active"))
        .filter(course_enrolment::Column::RemindedAt.is_null())
        .filter(course_enrolment::Column::DueAt.lte(horizon))
        .filter(course_enrolment::Column::DueAt.gt(now))
        .order_by_asc(course_enrolment::Column::DueAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for enrolment in due {
        let txn = begin_write(db).await?;
        let claimed = course_enrolment::Entity::update_many()
            .col_expr(course_enrolment::Column::RemindedAt, Expr::value(now))
            .filter(course_enrolment::Column::Id.eq(enrolment.id))
            .filter(course_enrolment::Column::RemindedAt.is_null())
            .filter(course_enrolment::Column::State.eq("active"))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if claimed
            && let (Some(due_at), Some((account, revision))) = (
                enrolment.due_at,
                learner_and_course(&txn, &enrolment).await?,
            )
        {
            let mail = Letter {
                subject: format!("Erinnerung: {} bis {}", revision.title, date(due_at)),
                greeting: format!("Guten Tag {},", account.display_name),
                paragraphs: vec![format!(
                    "der Kurs „{}“ soll bis zum {} abgeschlossen sein. Sie können dort weitermachen, wo Sie aufgehört haben.",
                    revision.title,
                    date(due_at)
                )],
                action: Some(Action {
                    label: "Weiterlernen".into(),
                    url: format!("{}/kurse/{}", settings.app_url.trim_end_matches('/'), enrolment.course_id),
                }),
                ..Letter::default()
            }
            .to_mail(&account.email);
            academy_notifications::enqueue(&txn, mail).await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// Writes the completion mail, with the certificate's verification address, of every
/// certificate that has had none; returns how many.
pub async fn mail_certificates(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let pending = course_certificate::Entity::find()
        .filter(course_certificate::Column::NotifiedAt.is_null())
        .order_by_asc(course_certificate::Column::IssuedAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for certificate in pending {
        let txn = begin_write(db).await?;
        let claimed = course_certificate::Entity::update_many()
            .col_expr(course_certificate::Column::NotifiedAt, Expr::value(now))
            .filter(course_certificate::Column::Id.eq(certificate.id))
            .filter(course_certificate::Column::NotifiedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if claimed
            && let Some(account) = user::Entity::find_by_id(certificate.user_id)
                .one(&txn)
                .await?
        {
            let mut paragraphs = vec![format!(
                "herzlichen Glückwunsch: Sie haben den Kurs „{}“ abgeschlossen.",
                certificate.course_title
            )];
            paragraphs.push(
                "Ihr Zertifikat ist unter der folgenden Adresse für alle prüfbar; dort finden Sie es auch als PDF und als digitales Abzeichen (Open Badge).".into(),
            );
            if let Some(expires) = certificate.expires_at {
                paragraphs.push(format!("Es ist gültig bis zum {}.", date(expires)));
            }
            let mail = Letter {
                subject: format!("Zertifikat: {}", certificate.course_title),
                greeting: format!("Guten Tag {},", account.display_name),
                paragraphs,
                action: Some(Action {
                    label: "Zertifikat ansehen".into(),
                    url: crate::credentials::certificate_url(&settings.public_url, certificate.id),
                }),
                ..Letter::default()
            }
            .to_mail(&account.email);
            academy_notifications::enqueue(&txn, mail).await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// Writes the reminder of every valid certificate expiring within
/// [`EXPIRY_REMINDER_DAYS`] that has had none; returns how many.
pub async fn remind_expiry(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let horizon = now + chrono::Duration::days(EXPIRY_REMINDER_DAYS);
    let due = course_certificate::Entity::find()
        .filter(course_certificate::Column::ExpiryRemindedAt.is_null())
        .filter(course_certificate::Column::RevokedAt.is_null())
        .filter(course_certificate::Column::ExpiresAt.lte(horizon))
        .filter(course_certificate::Column::ExpiresAt.gt(now))
        .order_by_asc(course_certificate::Column::ExpiresAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for certificate in due {
        let txn = begin_write(db).await?;
        let claimed = course_certificate::Entity::update_many()
            .col_expr(
                course_certificate::Column::ExpiryRemindedAt,
                Expr::value(now),
            )
            .filter(course_certificate::Column::Id.eq(certificate.id))
            .filter(course_certificate::Column::ExpiryRemindedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if claimed
            && let (Some(expires), Some(account)) = (
                certificate.expires_at,
                user::Entity::find_by_id(certificate.user_id)
                    .one(&txn)
                    .await?,
            )
        {
            let mail = Letter {
                subject: format!("Ihr Zertifikat läuft ab: {}", certificate.course_title),
                greeting: format!("Guten Tag {},", account.display_name),
                paragraphs: vec![
                    format!(
                        "Ihr Zertifikat für den Kurs „{}“ ist noch bis zum {} gültig.",
                        certificate.course_title,
                        date(expires)
                    ),
                    "Danach können Sie sich erneut für den Kurs anmelden und ihn für ein neues Zertifikat wieder abschließen.".into(),
                ],
                action: Some(Action {
                    label: "Zum Kurs".into(),
                    url: format!("{}/kurse/{}", settings.app_url.trim_end_matches('/'), certificate.course_id),
                }),
                ..Letter::default()
            }
            .to_mail(&account.email);
            academy_notifications::enqueue(&txn, mail).await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}
