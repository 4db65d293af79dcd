//! Scheduled publishing of tutorials: every instance looks for due revisions; each is
//! claimed by exactly one (see `academy_publishing::lifecycle::claim_due`).

use std::time::Duration;

use academy_kernel::Db;
use academy_kernel::periodic::Periodic;
use chrono::Utc;

/// Starts looking for due revisions every `interval` on the current tokio runtime.
pub fn spawn(db: Db, interval: Duration) -> Periodic {
    Periodic::spawn(interval, move || {
        let db = db.clone();
        async move {
            match crate::tutorials::publish_due(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(published = n, "scheduled tutorials went live"),
                Err(error) => tracing::warn!(%error, "scheduled publishing of tutorials failed"),
            }
        }
    })
}
