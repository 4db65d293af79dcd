//! The one ordered schema history of the academy, for PostgreSQL and SQLite alike.
//!
//! Each migration is a file `mYYYYMMDD_NNNNNN_what.rs`, written once with sea-query, and
//! listed in [`Migrator::migrations`] in the order it was added. A migration that has
//! landed is never edited; a change is a new migration.

mod m20261121_000001_identity;
mod m20261121_000002_outbox;
mod m20261121_000003_taxonomy;
mod m20261121_000004_guides;
mod m20261121_000005_guide_attachments;
mod m20261121_000006_guide_search;
mod m20261121_000007_consultation_hours;
mod m20261130_000010_rate_limits;
mod m20261130_000011_refresh_successor;
mod m20261130_000012_municipality_membership;
mod m20261130_000020_consultation_person_limit;
mod m20261130_000021_consultation_person_locks;
mod m20261130_000030_guide_revision_attachments;
mod m20261130_000040_tutorials;
mod m20261130_000041_tutorial_search;
mod m20261201_000050_courses;
mod m20261201_000051_course_certificates;
mod m20261201_000052_course_covers;
mod m20261201_000053_course_seat_release;
mod m20261201_000054_catalogue;

use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend, Statement, TransactionTrait};

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_identity::Migration),
            Box::new(m20261121_000002_outbox::Migration),
            Box::new(m20261121_000003_taxonomy::Migration),
            Box::new(m20261121_000004_guides::Migration),
            Box::new(m20261121_000005_guide_attachments::Migration),
            Box::new(m20261121_000006_guide_search::Migration),
            Box::new(m20261121_000007_consultation_hours::Migration),
            Box::new(m20261130_000010_rate_limits::Migration),
            Box::new(m20261130_000011_refresh_successor::Migration),
            Box::new(m20261130_000012_municipality_membership::Migration),
            Box::new(m20261130_000020_consultation_person_limit::Migration),
            Box::new(m20261130_000021_consultation_person_locks::Migration),
            Box::new(m20261130_000030_guide_revision_attachments::Migration),
            Box::new(m20261130_000040_tutorials::Migration),
            Box::new(m20261130_000041_tutorial_search::Migration),
            Box::new(m20261201_000050_courses::Migration),
            Box::new(m20261201_000051_course_certificates::Migration),
            Box::new(m20261201_000052_course_covers::Migration),
            Box::new(m20261201_000053_course_seat_release::Migration),
            Box::new(m20261201_000054_catalogue::Migration),
        ]
    }
}

/// Key of the PostgreSQL advisory lock that serialises migration runs.
const MIGRATION_LOCK_KEY: i64 = 0x0061_6361_6465_6d79; // "academy" in ASCII

/// Applies every pending migration.
///
/// Several instances may start at once against one PostgreSQL: the run holds a
/// transaction-scoped advisory lock, so the second instance waits and then finds nothing
/// left to do instead of racing the first one. PostgreSQL's DDL is transactional, so a
/// failed run leaves the schema as it was.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Every known migration with whether it has been applied, in order.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                matches!(m.status(), MigrationStatus::Applied),
            )
        })
        .collect())
}
