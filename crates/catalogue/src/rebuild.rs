//! Writing the read model from the live content, once: after the migration that created
//! it (or after entries were written around the application, as a bulk load does), when
//! `catalogue_state.built` is false. Instances starting together do it once: the first
//! claims the flag by a conditional update in the transaction that writes the entries;
//! the others wait for its commit and find nothing to claim.

use academy_kernel::AppError;
use academy_kernel::db::begin_write;
use academy_publishing::search::statement;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

async fn live(db: &impl ConnectionTrait, items: &str) -> Result<Vec<Uuid>, AppError> {
    let rows = db
        .query_all_raw(statement(
            db,
            &format!(
                "SELECT id FROM {items} WHERE live_revision_id IS NOT NULL \
                 AND archived_at IS NULL ORDER BY id"
            ),
            Vec::new(),
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<Uuid>("", "id").map_err(AppError::from))
        .collect()
}

/// Writes every public item's entry when the catalogue is not built; returns how many
/// entries were written (0 when it was built already).
pub async fn rebuild(db: &DatabaseConnection) -> Result<u64, AppError> {
    let txn = begin_write(db).await?;
    let claimed = txn
        .execute_raw(statement(
            &txn,
            "UPDATE catalogue_state SET built = $1 WHERE id = 1 AND built = $2",
            vec![true.into(), false.into()],
        ))
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(0);
    }
    let mut written = 0;
    for id in live(&txn, "guides").await? {
        academy_guides::search::reindex(&txn, id).await?;
        written += 1;
    }
    for id in live(&txn, "tutorials").await? {
        academy_tutorials::search::reindex(&txn, id).await?;
        written += 1;
    }
    for id in live(&txn, "courses").await? {
        academy_courses::courses::refresh_catalogue(&txn, id).await?;
        written += 1;
    }
    txn.commit().await?;
    tracing::info!(entries = written, "catalogue written from the live content");
    Ok(written)
}
