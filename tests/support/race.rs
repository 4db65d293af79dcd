//! Requests that race: started together behind one barrier, with proof that they really
//! ran at the same time. Every test of behaviour under contention goes through [`race`]
//! and asserts [`Race::assert_overlapped`]; its server runs with [`RACING`] settings.

use std::future::Future;
use std::time::Instant;

use futures_util::future::join_all;
use tokio::sync::Barrier;

/// Settings for a server under contention: several HTTP workers and enough pooled
/// connections that requests are handled side by side, not one after another.
pub const RACING: [(&str, &str); 2] = [
    ("ACADEMY_WORKERS", "4"),
    ("ACADEMY_DB_MAX_CONNECTIONS", "10"),
];

/// What the racers returned, in the order they were given, and when each ran.
#[derive(Debug)]
pub struct Race<T> {
    pub outcomes: Vec<T>,
    spans: Vec<(Instant, Instant)>,
}

impl<T> Race<T> {
    /// The largest number of racers that were running at one moment.
    pub fn peak(&self) -> usize {
        peak(&self.spans)
    }

    /// Asserts that at least `racers` of them were running at one moment: without that,
    /// a test of contention proves nothing.
    pub fn assert_overlapped(&self, racers: usize) -> &Self {
        assert!(
            self.peak() >= racers,
            "the racers did not overlap: at most {} ran at once, {racers} were needed",
            self.peak()
        );
        self
    }
}

/// Runs every future at once. Each first waits at a barrier shared by all, so none
/// begins before all are ready; then it runs and the instants it began and ended are kept.
/// The futures must be lazy (an `async` block or function): work done before the first
/// poll would escape the barrier.
pub async fn race<T, F>(racers: impl IntoIterator<Item = F>) -> Race<T>
where
    F: Future<Output = T>,
{
    let racers: Vec<F> = racers.into_iter().collect();
    let barrier = Barrier::new(racers.len());
    let timed = racers.into_iter().map(|racer| {
        let barrier = &barrier;
        async move {
            barrier.wait().await;
            let began = Instant::now();
            let outcome = racer.await;
            (outcome, (began, Instant::now()))
        }
    });
    let (outcomes, spans) = join_all(timed).await.into_iter().unzip();
    Race { outcomes, spans }
}

/// The most intervals that hold one instant in common.
fn peak(spans: &[(Instant, Instant)]) -> usize {
    // Ends sort before beginnings at the same instant: touching is not overlapping.
    let mut events: Vec<(Instant, i32)> = spans
        .iter()
        .flat_map(|&(began, ended)| [(began, 1), (ended, -1)])
        .collect();
    events.sort();
    let (mut running, mut most) = (0, 0);
    for (_, change) in events {
        running += change;
        most = most.max(running);
    }
    usize::try_from(most).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn peak_counts_intervals_that_share_an_instant() {
        let t = Instant::now();
        let at = |ms: u64| t + Duration::from_millis(ms);
        assert_eq!(peak(&[]), 0);
        assert_eq!(peak(&[(at(0), at(10)), (at(10), at(20))]), 1, "touching");
        assert_eq!(peak(&[(at(0), at(10)), (at(20), at(30))]), 1);
        assert_eq!(peak(&[(at(0), at(10)), (at(5), at(20)), (at(6), at(7))]), 3);
        assert_eq!(
            peak(&[(at(0), at(10)), (at(5), at(20)), (at(12), at(30))]),
            2
        );
    }

    #[tokio::test]
    async fn racers_start_together_and_overlap() {
        let race = race((0..5).map(|i| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            i
        }))
        .await;
        assert_eq!(race.outcomes, [0, 1, 2, 3, 4]);
        race.assert_overlapped(5);
    }

    #[test]
    #[should_panic(expected = "did not overlap")]
    fn racers_that_ran_one_after_another_fail_the_assertion() {
        let t = Instant::now();
        let ms = Duration::from_millis(1);
        let race = Race {
            outcomes: vec![(), ()],
            spans: vec![(t, t + ms), (t + ms, t + 2 * ms)],
        };
        race.assert_overlapped(2);
    }
}
