//! Scheduled publishing: a background task that makes approved revisions live when their
//! time has come. Every instance may run it; [`publish_due`] claims each revision with a
//! conditional update, so a revision goes live exactly once.

use std::time::Duration;

use academy_kernel::Db;
use academy_kernel::periodic::Periodic;
use chrono::Utc;

use crate::service::publish_due;

/// Starts looking for due revisions every `interval` on the current tokio runtime.
pub fn spawn(db: Db, interval: Duration) -> Periodic {
    Periodic::spawn(interval, move || {
        let db = db.clone();
        async move {
            match publish_due(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(published = n, "scheduled guides went live"),
                Err(error) => tracing::warn!(%error, "scheduled publishing failed"),
            }
        }
    })
}
