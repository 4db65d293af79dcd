//! Rate limits decided in the database, so they hold across any number of instances and
//! cannot be outrun by parallel requests.
//!
//! Each key (`login:account:…`, `mail:recipient:…`) has one row in `rate_limits`: how
//! many attempts its current window has seen and when that window began. Taking an
//! attempt is one `INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING` statement: it
//! starts a fresh window when the old one is over, counts one more attempt while the
//! count is below the limit, and changes nothing (returns no row) once the limit is
//! reached. The database serialises concurrent statements on one row, so of N parallel
//! attempts exactly `limit` are granted and the count never passes the limit.
//!
//! Windows are fixed and start with the first attempt after the previous one ended: a key
//! gets at most `limit` attempts per window, and is free again when its window is over.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, DeriveIden};

use crate::db::{Db, begin_write};

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    Hits,
    WindowStartMs,
}

/// One limit an attempt must fit into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// What is counted, e.g. `login:client:203.0.113.7`.
    pub key: String,
    /// Attempts granted per window; 0 grants none.
    pub limit: u32,
    /// Length of a window.
    pub window: Duration,
}

impl Quota {
    /// `limit` attempts per `window` under `key`.
    pub fn new(key: impl Into<String>, limit: u32, window: Duration) -> Self {
        Self {
            key: key.into(),
            limit,
            window,
        }
    }
}

/// The outcome of taking attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every quota had room; one attempt is counted under each key.
    Granted,
    /// A quota is used up; nothing was counted. Try again after this long (at least 1 s).
    Refused { retry_after: Duration },
}

impl Decision {
    /// Whether the attempt may go ahead.
    pub fn is_granted(self) -> bool {
        self == Decision::Granted
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn window_ms(window: Duration) -> i64 {
    Ord::max(i64::try_from(window.as_millis()).unwrap_or(i64::MAX), 1)
}

/// Takes one attempt from every quota, all or none, in a write transaction of its own.
pub async fn take(db: &Db, quotas: &[Quota]) -> Result<Decision, DbErr> {
    let txn = begin_write(db).await?;
    let decision = take_in(&txn, quotas).await?;
    txn.commit().await?;
    Ok(decision)
}

/// Like [`take`], inside the caller's transaction (e.g. the one that enqueues a mail).
/// When a later quota refuses, the attempts already counted under earlier ones are given
/// back, so a refusal counts nothing.
pub async fn take_in(conn: &impl ConnectionTrait, quotas: &[Quota]) -> Result<Decision, DbErr> {
    let now = now_ms();
    for (index, quota) in quotas.iter().enumerate() {
        if let Some(retry_after) = take_one(conn, quota, now).await? {
            for taken in &quotas[..index] {
                give_back(conn, &taken.key).await?;
            }
            return Ok(Decision::Refused { retry_after });
        }
    }
    Ok(Decision::Granted)
}

/// Counts one attempt under `quota`; `Some(retry_after)` when it has no room.
async fn take_one(
    conn: &impl ConnectionTrait,
    quota: &Quota,
    now: i64,
) -> Result<Option<Duration>, DbErr> {
    let window = window_ms(quota.window);
    let cutoff = now.saturating_sub(window);
    if quota.limit == 0 {
        return Ok(Some(quota.window.max(Duration::from_secs(1))));
    }
    let existing_start = Expr::col((RateLimits::Table, RateLimits::WindowStartMs));
    let existing_hits = Expr::col((RateLimits::Table, RateLimits::Hits));
    let expired = existing_start.clone().lte(cutoff);
    let statement = Query::insert()
        .into_table(RateLimits::Table)
        .columns([RateLimits::Key, RateLimits::Hits, RateLimits::WindowStartMs])
        .values_panic([quota.key.as_str().into(), 1i32.into(), now.into()])
        .on_conflict(
            OnConflict::column(RateLimits::Key)
                .value(
                    RateLimits::Hits,
                    Expr::case(expired.clone(), 1i32).finally(existing_hits.clone().add(1i32)),
                )
                .value(
                    RateLimits::WindowStartMs,
                    Expr::case(expired.clone(), now).finally(existing_start.clone()),
                )
                .action_and_where(expired.or(existing_hits.lt(i64::from(quota.limit))))
                .to_owned(),
        )
        .returning(Query::returning().column(RateLimits::Hits))
        .to_owned();
    if conn.query_one(&statement).await?.is_some() {
        return Ok(None);
    }
    // Refused: the window that is full ends at its start plus its length.
    let started = Query::select()
        .column(RateLimits::WindowStartMs)
        .from(RateLimits::Table)
        .and_where(Expr::col(RateLimits::Key).eq(quota.key.as_str()))
        .to_owned();
    let started: i64 = match conn.query_one(&started).await? {
        Some(row) => row.try_get("", "window_start_ms")?,
        None => now,
    };
    Ok(Some(retry_after(started, window, now)))
}

fn retry_after(started: i64, window: i64, now: i64) -> Duration {
    let remaining_ms = Ord::max(started.saturating_add(window).saturating_sub(now), 0);
    let secs = Ord::max(u64::try_from(remaining_ms).unwrap_or(0).div_ceil(1000), 1);
    Duration::from_secs(secs)
}

/// Gives one attempt back to `key` (e.g. a login that turned out to be right and should
/// not count against its client).
pub async fn give_back(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    let statement = Query::update()
        .table(RateLimits::Table)
        .value(RateLimits::Hits, Expr::col(RateLimits::Hits).sub(1i32))
        .and_where(Expr::col(RateLimits::Key).eq(key))
        .and_where(Expr::col(RateLimits::Hits).gt(0i32))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Forgets every attempt counted under `key`.
pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    let statement = Query::delete()
        .from_table(RateLimits::Table)
        .and_where(Expr::col(RateLimits::Key).eq(key))
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Attempts counted under `key` in its current window (0 when it is over), for tests and
/// diagnostics.
pub async fn count(conn: &impl ConnectionTrait, key: &str, window: Duration) -> Result<u32, DbErr> {
    let statement = Query::select()
        .columns([RateLimits::Hits, RateLimits::WindowStartMs])
        .from(RateLimits::Table)
        .and_where(Expr::col(RateLimits::Key).eq(key))
        .to_owned();
    let Some(row) = conn.query_one(&statement).await? else {
        return Ok(0);
    };
    let hits: i32 = row.try_get("", "hits")?;
    let started: i64 = row.try_get("", "window_start_ms")?;
    if started <= now_ms().saturating_sub(window_ms(window)) {
        return Ok(0);
    }
    Ok(u32::try_from(hits).unwrap_or(0))
}

/// Deletes rows whose window ended more than `older_than` ago; windows are at most that
/// long, so nothing still counting is lost.
pub async fn purge(conn: &impl ConnectionTrait, older_than: Duration) -> Result<u64, DbErr> {
    let cutoff = now_ms().saturating_sub(window_ms(older_than));
    let statement = Query::delete()
        .from_table(RateLimits::Table)
        .and_where(Expr::col(RateLimits::WindowStartMs).lt(cutoff))
        .to_owned();
    Ok(conn.execute(&statement).await?.rows_affected())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    async fn memory_db() -> Db {
        let settings = crate::db::DbSettings {
            url: "sqlite::memory:".into(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(2),
        };
        let db = crate::db::connect(&settings)
            .await
            .expect("in-memory SQLite");
        db.execute_unprepared(
            "CREATE TABLE rate_limits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, window_start_ms BIGINT NOT NULL)",
        )
        .await
        .expect("table");
        db
    }

    #[test]
    fn retry_after_is_the_rest_of_the_window_rounded_up() {
        assert_eq!(retry_after(0, 60_000, 59_001), Duration::from_secs(1));
        assert_eq!(retry_after(0, 60_000, 1_000), Duration::from_secs(59));
        assert_eq!(retry_after(0, 60_000, 70_000), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_quota_grants_its_limit_and_then_refuses() {
        let db = memory_db().await;
        let quota = Quota::new("k", 3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(
                take(&db, std::slice::from_ref(&quota))
                    .await
                    .unwrap()
                    .is_granted()
            );
        }
        let refused = take(&db, std::slice::from_ref(&quota)).await.unwrap();
        assert!(
            matches!(refused, Decision::Refused { retry_after } if retry_after.as_secs() >= 59)
        );
        assert_eq!(count(&db, "k", quota.window).await.unwrap(), 3);
        give_back(&db, "k").await.unwrap();
        assert!(
            take(&db, std::slice::from_ref(&quota))
                .await
                .unwrap()
                .is_granted()
        );
        clear(&db, "k").await.unwrap();
        assert_eq!(count(&db, "k", quota.window).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_refusal_of_a_later_quota_counts_nothing_under_the_earlier_ones() {
        let db = memory_db().await;
        let window = Duration::from_secs(60);
        let full = Quota::new("full", 1, window);
        assert!(
            take(&db, std::slice::from_ref(&full))
                .await
                .unwrap()
                .is_granted()
        );
        let first = Quota::new("first", 5, window);
        let decision = take(&db, &[first, full]).await.unwrap();
        assert!(!decision.is_granted());
        assert_eq!(count(&db, "first", window).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_finished_window_starts_afresh() {
        let db = memory_db().await;
        let quota = Quota::new("k", 1, Duration::from_millis(50));
        assert!(
            take(&db, std::slice::from_ref(&quota))
                .await
                .unwrap()
                .is_granted()
        );
        assert!(
            !take(&db, std::slice::from_ref(&quota))
                .await
                .unwrap()
                .is_granted()
        );
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert!(
            take(&db, std::slice::from_ref(&quota))
                .await
                .unwrap()
                .is_granted()
        );
        assert_eq!(purge(&db, Duration::from_secs(3600)).await.unwrap(), 0);
    }
}
