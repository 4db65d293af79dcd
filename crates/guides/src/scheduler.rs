//! Scheduled publishing: a background task that makes approved revisions live when their
//! time has come. Every instance may run it; [`publish_due`] claims each revision with a
//! conditional update, so a revision goes live exactly once.

use std::time::Duration;

use academy_kernel::Db;
use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::service::publish_due;

/// The running task.
pub struct Scheduler {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts looking for due revisions every `interval` on the current tokio runtime.
    pub fn spawn(db: Db, interval: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        match publish_due(&db, Utc::now()).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(published = n, "scheduled guides went live"),
                            Err(error) => tracing::warn!(%error, "scheduled publishing failed"),
                        }
                    }
                    _ = stopped.changed() => break,
                }
            }
        });
        Self { stop, task }
    }

    /// Stops the task after the round in hand.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
