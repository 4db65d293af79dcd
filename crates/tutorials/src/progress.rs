//! Watch progress: which parts of a tutorial's video a learner has seen, and when that
//! counts as complete.
//!
//! The player reports the stretches it played (like `played-segments` in the xAPI video
//! profile) every few seconds. Progress is what was actually covered, not where the
//! playhead is: jumping to the end covers a few seconds, not the whole video. Reports
//! spend a credit of playback time that only wall-clock time earns (see [`Rules`]), so a
//! client cannot claim an hour of video a minute after it started, however many reports
//! it sends.
//!
//! Everything here is pure and works in whole milliseconds, so results do not depend on
//! floating-point sums of seconds; only the player's input ([`millis`]) and the final
//! ratio ([`progress`]) are floating point.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Share of the video that must be covered to complete a tutorial unless it sets its
/// own: high enough that skimming does not count, low enough that skipping the credits
/// does.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// Most spans one report may carry. A player sends a few per report; a long list is a
/// malformed or hostile client, and would only cost merging time.
pub const SPANS_PER_REPORT_MAX: usize = 50;

/// How close to the end, in milliseconds, a learner may stop and still be taken to have
/// finished: resuming there would show only the credits, so playback starts over.
pub const RESUME_END_MARGIN_MS: u64 = 5_000;

/// A watched stretch, in milliseconds from the start of the video; `from < to`.
///
/// The stretch is half-open (`from` included, `to` not), so `[0, 10)` and `[10, 20)`
/// touch without overlapping and together cover 20 ms. Spans taken from a report may
/// break `from < to`; [`apply`] refuses those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: u64,
    pub to: u64,
}

impl Span {
    /// A span covering something, or `None` when `from >= to`.
    pub fn new(from: u64, to: u64) -> Option<Self> {
        (from < to).then_some(Self { from, to })
    }

    /// Reads a span as the player sends it, in seconds. `None` when either end is not a
    /// valid time (see [`millis`]); the order of the ends is left to [`apply`], which
    /// names the offending span in its refusal.
    pub fn from_seconds(from: f64, to: f64) -> Option<Self> {
        Some(Self {
            from: millis(from)?,
            to: millis(to)?,
        })
    }

    /// Milliseconds covered; 0 for a span with `from >= to`.
    pub fn len_ms(self) -> u64 {
        self.to.saturating_sub(self.from)
    }

    /// Whether the span covers nothing.
    pub fn is_empty(self) -> bool {
        self.from >= self.to
    }

    /// The span cut to `[0, end_ms]`; it may come out empty.
    fn clamped(self, end_ms: u64) -> Self {
        Self {
            from: self.from.min(end_ms),
            to: self.to.min(end_ms),
        }
    }
}

/// Merged, sorted, non-overlapping, non-adjacent spans (adjacent/overlapping spans are
/// joined).
///
/// Keeping the spans merged means every millisecond is counted once however often it was
/// watched, and the stored list stays as short as the number of gaps in what was seen.
/// The field is private so that the invariant cannot be broken from outside; stored
/// JSON is merged again on reading, so a list edited by hand or written by an older
/// version cannot inflate the covered time either.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Coverage(Vec<Span>);

impl Coverage {
    /// Nothing watched yet.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The merged spans, sorted by start.
    pub fn spans(&self) -> &[Span] {
        &self.0
    }

    /// Adds a span, keeping the invariant. A span with `from >= to` covers nothing and
    /// is ignored.
    pub fn add(&mut self, span: Span) {
        if span.is_empty() {
            return;
        }
        // Spans are sorted and disjoint, so both their starts and their ends ascend.
        // `first..last` are the spans that overlap or touch the new one.
        let first = self.0.partition_point(|s| s.to < span.from);
        let last = self.0.partition_point(|s| s.from <= span.to);
        let mut merged = span;
        if first < last {
            merged.from = merged.from.min(self.0[first].from);
            merged.to = merged.to.max(self.0[last - 1].to);
        }
        self.0.splice(first..last, [merged]);
    }

    /// Total milliseconds covered.
    pub fn covered_ms(&self) -> u64 {
        // Disjoint spans within `u64` cannot sum past `u64::MAX`; saturating keeps that
        // true without relying on it.
        self.0
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.len_ms()))
    }

    /// Rebuilds from stored spans (any order, overlapping allowed), e.g. read from JSON.
    /// Spans with `from >= to` are dropped.
    pub fn from_spans(spans: impl IntoIterator<Item = Span>) -> Self {
        let mut sorted: Vec<Span> = spans.into_iter().filter(|s| !s.is_empty()).collect();
        sorted.sort_unstable_by_key(|s| s.from);
        let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
        for span in sorted {
            match merged.last_mut() {
                Some(prev) if span.from <= prev.to => prev.to = prev.to.max(span.to),
                _ => merged.push(span),
            }
        }
        Self(merged)
    }

    /// The coverage cut to `[0, duration_ms]`. Needed when a video is replaced by a
    /// shorter one: what was seen past the new end no longer exists, and must not count
    /// towards the new video.
    pub fn clipped_to(&self, duration_ms: u64) -> Self {
        Self(
            self.0
                .iter()
                .map(|s| s.clamped(duration_ms))
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    /// The merged spans, for storing.
    pub fn into_spans(self) -> Vec<Span> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Coverage {
    /// Reads the same JSON array that serialising writes, merging it again so that the
    /// invariant holds whatever was stored.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Span>::deserialize(deserializer).map(Self::from_spans)
    }
}

impl FromIterator<Span> for Coverage {
    fn from_iter<I: IntoIterator<Item = Span>>(iter: I) -> Self {
        Self::from_spans(iter)
    }
}

/// Reading seconds as sent by the player (finite, ≥ 0) into milliseconds, rounding to
/// nearest.
///
/// `None` for NaN, infinities, negative times and times too large for `u64`
/// milliseconds, so that no float is ever cast silently into a nonsense position.
pub fn millis(seconds: f64) -> Option<u64> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let ms = (seconds * 1000.0).round();
    // `u64::MAX as f64` is exactly 2^64, the first value that no longer fits.
    (ms < u64::MAX as f64).then_some(ms as u64)
}

/// Limits on how fast reports may cover video: a credit of playback time (a token
/// bucket).
///
/// A learner starts on a tutorial with `first_report_ms` of credit. Wall-clock time
/// between reports earns `max_rate` × that time, up to `cap_ms` held at once, and every
/// accepted report spends the length of the video it covers. Since only time earns
/// credit, over any sequence of accepted reports the total video reported is at most
/// `first_report_ms + max_rate ×` (wall-clock time between the first and the last of
/// them), however the reports are spaced: sending them in quick succession gains
/// nothing.
///
/// There is no leeway per report. Clock and network jitter are absorbed by the initial
/// credit instead: a report that arrives late lengthens the gap before it and shortens
/// the gap after it by the same amount, so jitter between consecutive reports telescopes
/// and does not accumulate. The player plays between sending reports, the server counts
/// time between their arrivals; over any run of reports the two differ only by the
/// difference between the delays of the first and the last report, never by a sum over
/// all of them. `first_report_ms` therefore has to cover the video of the first report
/// plus `max_rate` × the largest such difference (e.g. 10 s + 2 × 0.6 s at ±300 ms).
///
/// The caller stores, per learner and tutorial, the credit left after the last accepted
/// report ([`Outcome::credit_ms`]) and when that report arrived, and passes both to
/// [`Rules::allowed_ms`] for the next one. A refused report consumes nothing: the stored
/// credit and time stay as they were.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Highest playback rate allowed, e.g. 2.0: credit earned per millisecond of
    /// wall-clock time.
    pub max_rate: f64,
    /// Credit of a learner's first report on a tutorial, in ms of video (e.g. 15_000).
    ///
    /// It pays for what was played before the first report, for which there is no
    /// previous report to measure time from, and absorbs jitter (see above). Granted once
    /// per learner and tutorial, not per session: otherwise every new session would be a
    /// free 15 seconds.
    pub first_report_ms: u64,
    /// Most credit a learner can hold, in ms of video (e.g. 240_000).
    ///
    /// Without it, a tutorial left open for a day would bank two days of video to claim
    /// in one go. It also bounds a single report: one covering more than this is refused
    /// however long ago the previous report was.
    pub cap_ms: u64,
}

impl Default for Rules {
    /// Double speed is the fastest common player setting; 15 s covers a first report sent
    /// a few seconds after playback started, plus network jitter; 240 s is two minutes of
    /// playback at double speed, plenty for a player that reports every few seconds.
    fn default() -> Self {
        Self {
            max_rate: 2.0,
            first_report_ms: 15_000,
            cap_ms: 240_000,
        }
    }
}

impl Rules {
    /// Most milliseconds of video the next report may cover: the credit left after the
    /// learner's previous report (`None` for the very first report on a tutorial, which
    /// gets `first_report_ms`) plus `max_rate` × `elapsed_ms`, the wall-clock time since
    /// that report (0 for the first), at most `cap_ms`.
    ///
    /// Pass the result to [`apply`]; what the report leaves of it is
    /// [`Outcome::credit_ms`]. A rate that is negative or NaN earns nothing, rather than
    /// everything. The sum saturates instead of overflowing.
    pub fn allowed_ms(&self, credit_ms: Option<u64>, elapsed_ms: u64) -> u64 {
        // Rounded down, so credit is never made up. With whole milliseconds and a rate
        // such as 2.0 the product is exact; a fractional product loses under 1 ms per
        // report. The cast saturates, and NaN or a negative product gives 0.
        let earned = (self.max_rate * elapsed_ms as f64).floor() as u64;
        credit_ms
            .unwrap_or(self.first_report_ms)
            .saturating_add(earned)
            .min(self.cap_ms)
    }
}

/// Why a report is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A span with from ≥ to, or starting at or after the end of the video. `index` =
    /// position in the report.
    Empty { index: usize },
    /// The report covers more video than the learner's credit allows (see [`Rules`]).
    TooFast { reported_ms: u64, allowed_ms: u64 },
    /// The report has more than [`SPANS_PER_REPORT_MAX`] spans.
    TooManySpans,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { index } => write!(
                f,
                "span {index} is empty or starts at or after the end of the video"
            ),
            Self::TooFast {
                reported_ms,
                allowed_ms,
            } => write!(
                f,
                "the report covers {reported_ms} ms of video, but at most {allowed_ms} ms \
                 could have played in the time available"
            ),
            Self::TooManySpans => {
                write!(f, "a report may carry at most {SPANS_PER_REPORT_MAX} spans")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// The result of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub coverage: Coverage,
    pub covered_ms: u64,
    /// covered ÷ duration, in [0, 1]
    pub progress: f64,
    /// true only on the report that first crosses the threshold
    pub completed_now: bool,
    /// Video the report covers: the union of its spans after clamping to the duration,
    /// which is what it spends of the allowance.
    pub reported_ms: u64,
    /// Credit left for the next report: the allowance minus `reported_ms`. The caller
    /// stores it with the time of this report.
    pub credit_ms: u64,
}

/// Applies one report. `reported` are the spans as sent (ms, already converted); they
/// are clamped to `[0, duration_ms]`; a span whose `from >= to` after clamping is
/// refused (Empty). `allowed_ms` is the allowance from [`Rules::allowed_ms`]. The union
/// length of the reported spans (overlaps within the report counted once, re-watching
/// counted too — you cannot play 60 s of video in 10 s at 2×) must be ≤ `allowed_ms`,
/// else TooFast; what is left over is [`Outcome::credit_ms`]. `already_complete`:
/// completion was recorded before (never recorded twice). `threshold` in (0, 1].
///
/// A refused report changes nothing; the caller keeps the previous coverage, credit and
/// time of the last report. An accepted report with no spans is a heartbeat: it changes
/// no coverage and spends no credit, and its `credit_ms` is the whole allowance.
///
/// Spans ending past the video are clamped rather than refused because the player's idea
/// of the duration and the stored one may differ by a frame or two. The previous
/// coverage is clipped to the duration as well, so `covered_ms <= duration_ms` holds even
/// after the video was replaced by a shorter one.
///
/// `completed_now` is `!already_complete && progress >= threshold`, not "this report
/// moved progress across the threshold": if recording a completion failed, or the
/// threshold was lowered, the next report records it, and it is still recorded once.
/// A threshold outside (0, 1] (or NaN) is a misconfiguration; it is replaced by
/// [`DEFAULT_THRESHOLD`] rather than completing everyone (≤ 0) or no one (> 1).
///
/// A video of duration 0 has nothing to watch: every span in a report is refused as
/// Empty, and its progress is 0.
pub fn apply(
    previous: &Coverage,
    reported: &[Span],
    duration_ms: u64,
    allowed_ms: u64,
    already_complete: bool,
    threshold: f64,
) -> Result<Outcome, Refusal> {
    if reported.len() > SPANS_PER_REPORT_MAX {
        return Err(Refusal::TooManySpans);
    }
    let mut clamped = Vec::with_capacity(reported.len());
    for (index, span) in reported.iter().enumerate() {
        let span = span.clamped(duration_ms);
        if span.is_empty() {
            return Err(Refusal::Empty { index });
        }
        clamped.push(span);
    }

    // Measured after clamping: time claimed past the end was not played either.
    let report = Coverage::from_spans(clamped);
    let reported_ms = report.covered_ms();
    if reported_ms > allowed_ms {
        return Err(Refusal::TooFast {
            reported_ms,
            allowed_ms,
        });
    }

    let mut coverage = previous.clipped_to(duration_ms);
    for &span in report.spans() {
        coverage.add(span);
    }
    let covered_ms = coverage.covered_ms();
    let progress = progress(&coverage, duration_ms);
    let threshold = effective_threshold(threshold);
    Ok(Outcome {
        coverage,
        covered_ms,
        progress,
        completed_now: !already_complete && progress >= threshold,
        reported_ms,
        credit_ms: allowed_ms - reported_ms,
    })
}

/// Whether `threshold` is a usable completion threshold: in (0, 1]. For validating a
/// tutorial's setting when it is saved.
pub fn is_valid_threshold(threshold: f64) -> bool {
    threshold > 0.0 && threshold <= 1.0
}

/// The threshold to apply: the given one when valid, else [`DEFAULT_THRESHOLD`].
fn effective_threshold(threshold: f64) -> f64 {
    if is_valid_threshold(threshold) {
        threshold
    } else {
        DEFAULT_THRESHOLD
    }
}

/// The progress of a coverage (covered ÷ duration, clamped to 1; 0 when duration is 0).
///
/// Compared with the threshold as a quotient rather than as `covered >= threshold ×
/// duration`: the quotient is rounded once, so 7 s of 10 s is exactly `0.7`, while
/// `0.7 × 10` is slightly more than 7.
pub fn progress(coverage: &Coverage, duration_ms: u64) -> f64 {
    if duration_ms == 0 {
        return 0.0;
    }
    (coverage.covered_ms() as f64 / duration_ms as f64).min(1.0)
}

/// The position to resume from: the `to` of the last reported span, but 0 when that is
/// within 5 s of the end (the learner finished; start over).
///
/// The position is clamped to the duration first, so a stale or overlong span cannot
/// send the player past the end.
pub fn resume_position(last: Span, duration_ms: u64) -> u64 {
    let position = last.to.min(duration_ms);
    if duration_ms - position <= RESUME_END_MARGIN_MS {
        0
    } else {
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: u64, to: u64) -> Span {
        Span { from, to }
    }

    fn spans(pairs: &[(u64, u64)]) -> Vec<Span> {
        pairs.iter().map(|&(from, to)| span(from, to)).collect()
    }

    fn coverage(pairs: &[(u64, u64)]) -> Coverage {
        Coverage::from_spans(spans(pairs))
    }

    /// The allowance of a first report under the default rules.
    const FIRST: u64 = 15_000;

    /// An allowance no report reaches, for tests about merging rather than speed.
    const PLENTY: u64 = u64::MAX;

    const MINUTE: u64 = 60_000;

    // ----- Span -----

    #[test]
    fn span_new_requires_from_before_to() {
        assert_eq!(Span::new(1, 2), Some(span(1, 2)));
        assert_eq!(Span::new(2, 2), None);
        assert_eq!(Span::new(3, 2), None);
    }

    #[test]
    fn span_from_seconds_converts_both_ends() {
        assert_eq!(Span::from_seconds(1.5, 2.25), Some(span(1_500, 2_250)));
        assert_eq!(Span::from_seconds(f64::NAN, 2.0), None);
        assert_eq!(Span::from_seconds(1.0, -2.0), None);
        // The order is checked by `apply`, which can name the span.
        assert_eq!(Span::from_seconds(3.0, 2.0), Some(span(3_000, 2_000)));
    }

    #[test]
    fn span_length_is_zero_when_reversed() {
        assert_eq!(span(10, 25).len_ms(), 15);
        assert_eq!(span(25, 10).len_ms(), 0);
        assert!(span(5, 5).is_empty());
    }

    // ----- Coverage -----

    #[test]
    fn overlapping_spans_are_merged_and_counted_once() {
        let mut c = Coverage::new();
        c.add(span(0, 10_000));
        c.add(span(5_000, 15_000));
        assert_eq!(c.spans(), &[span(0, 15_000)]);
        assert_eq!(c.covered_ms(), 15_000);
    }

    #[test]
    fn adjacent_spans_are_joined() {
        let mut c = Coverage::new();
        c.add(span(0, 10));
        c.add(span(10, 20));
        assert_eq!(c.spans(), &[span(0, 20)]);
        assert_eq!(c.covered_ms(), 20);
        // From the other side too.
        c.add(span(30, 40));
        c.add(span(20, 30));
        assert_eq!(c.spans(), &[span(0, 40)]);
    }

    #[test]
    fn a_gap_of_one_millisecond_keeps_spans_apart() {
        let c = coverage(&[(0, 10), (11, 20)]);
        assert_eq!(c.spans(), &[span(0, 10), span(11, 20)]);
        assert_eq!(c.covered_ms(), 19);
    }

    #[test]
    fn adding_a_span_that_bridges_several_merges_them_all() {
        let mut c = coverage(&[(0, 10), (20, 30), (40, 50), (60, 70)]);
        c.add(span(5, 45));
        assert_eq!(c.spans(), &[span(0, 50), span(60, 70)]);
        assert_eq!(c.covered_ms(), 60);
    }

    #[test]
    fn adding_a_span_inside_another_changes_nothing() {
        let mut c = coverage(&[(0, 100)]);
        c.add(span(10, 20));
        assert_eq!(c.spans(), &[span(0, 100)]);
    }

    #[test]
    fn adding_a_span_into_a_gap_keeps_order() {
        let mut c = coverage(&[(0, 10), (50, 60)]);
        c.add(span(20, 30));
        c.add(span(70, 80));
        c.add(span(1_000, 1_001));
        assert_eq!(
            c.spans(),
            &spans(&[(0, 10), (20, 30), (50, 60), (70, 80), (1_000, 1_001)])[..]
        );
    }

    #[test]
    fn adding_an_empty_span_is_ignored() {
        let mut c = coverage(&[(0, 10)]);
        c.add(span(5, 5));
        c.add(span(30, 20));
        assert_eq!(c.spans(), &[span(0, 10)]);
    }

    #[test]
    fn unsorted_overlapping_input_is_merged() {
        let c = coverage(&[(50, 60), (0, 10), (55, 70), (10, 20), (100, 110), (5, 8)]);
        assert_eq!(c.spans(), &spans(&[(0, 20), (50, 70), (100, 110)])[..]);
        assert_eq!(c.covered_ms(), 50);
    }

    #[test]
    fn from_spans_drops_empty_spans() {
        let c = coverage(&[(10, 10), (20, 5), (30, 40)]);
        assert_eq!(c.spans(), &[span(30, 40)]);
    }

    #[test]
    fn empty_coverage_covers_nothing() {
        assert_eq!(Coverage::new().covered_ms(), 0);
        assert_eq!(Coverage::default(), Coverage::new());
        assert!(Coverage::from_spans([]).spans().is_empty());
    }

    #[test]
    fn clipping_cuts_spans_at_the_duration() {
        let c = coverage(&[(0, 10), (20, 40), (50, 60)]);
        assert_eq!(c.clipped_to(30).spans(), &[span(0, 10), span(20, 30)]);
        assert_eq!(c.clipped_to(20).spans(), &[span(0, 10)]);
        assert_eq!(c.clipped_to(0).spans(), &[]);
    }

    #[test]
    fn coverage_serialises_as_a_plain_array() {
        let c = coverage(&[(0, 1_000), (2_000, 3_000)]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"[{"from":0,"to":1000},{"from":2000,"to":3000}]"#);
        let back: Coverage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn stored_json_is_merged_again_on_reading() {
        let json =
            r#"[{"from":50,"to":60},{"from":0,"to":30},{"from":20,"to":50},{"from":9,"to":9}]"#;
        let c: Coverage = serde_json::from_str(json).unwrap();
        assert_eq!(c.spans(), &[span(0, 60)]);
        assert_eq!(c.covered_ms(), 60);
    }

    #[test]
    fn collecting_spans_builds_a_coverage() {
        let c: Coverage = spans(&[(5, 10), (0, 5)]).into_iter().collect();
        assert_eq!(c.into_spans(), vec![span(0, 10)]);
    }

    // ----- millis -----

    #[test]
    fn millis_rounds_to_nearest() {
        assert_eq!(millis(0.0), Some(0));
        assert_eq!(millis(1.0), Some(1_000));
        assert_eq!(millis(12.3456), Some(12_346));
        assert_eq!(millis(12.3454), Some(12_345));
        assert_eq!(millis(0.0004), Some(0));
        assert_eq!(millis(0.0005), Some(1));
        assert_eq!(millis(3_600.0), Some(3_600_000));
    }

    #[test]
    fn millis_rejects_nan_infinite_and_negative() {
        assert_eq!(millis(f64::NAN), None);
        assert_eq!(millis(-f64::NAN), None);
        assert_eq!(millis(f64::INFINITY), None);
        assert_eq!(millis(f64::NEG_INFINITY), None);
        assert_eq!(millis(-1.0), None);
        assert_eq!(millis(-0.0001), None);
        assert_eq!(millis(f64::MIN), None);
    }

    #[test]
    fn millis_accepts_negative_zero_as_zero() {
        assert_eq!(millis(-0.0), Some(0));
    }

    #[test]
    fn millis_rejects_times_too_large_for_u64() {
        assert_eq!(millis(f64::MAX), None);
        assert_eq!(millis(1e17), None);
        assert_eq!(millis(1e15), Some(1_000_000_000_000_000_000));
    }

    // ----- Rules -----

    #[test]
    fn default_rules() {
        let r = Rules::default();
        assert_eq!(r.max_rate, 2.0);
        assert_eq!(r.first_report_ms, 15_000);
        assert_eq!(r.cap_ms, 240_000);
        assert_eq!(r.allowed_ms(None, 0), 15_000);
        assert_eq!(r.allowed_ms(Some(0), 5_000), 10_000);
        assert_eq!(r.allowed_ms(Some(3_000), 5_000), 13_000);
        assert_eq!(r.allowed_ms(Some(3_000), 0), 3_000);
    }

    #[test]
    fn the_first_report_starts_from_the_initial_credit() {
        let r = Rules::default();
        assert_eq!(r.allowed_ms(None, 1_000), 17_000);
        // A stored credit of 0 is not a first report.
        assert_eq!(r.allowed_ms(Some(0), 0), 0);
    }

    #[test]
    fn the_allowance_is_capped() {
        let r = Rules::default();
        assert_eq!(r.allowed_ms(Some(0), 120_000), 240_000);
        assert_eq!(r.allowed_ms(Some(0), 120_001), 240_000);
        assert_eq!(r.allowed_ms(Some(239_000), 500), 240_000);
        assert_eq!(r.allowed_ms(Some(239_000), 499), 239_998);
        // A credit stored under a larger cap is cut to the current one.
        assert_eq!(r.allowed_ms(Some(1_000_000), 0), 240_000);
        // So is the initial credit.
        let small = Rules {
            cap_ms: 10_000,
            ..Rules::default()
        };
        assert_eq!(small.allowed_ms(None, 0), 10_000);
    }

    #[test]
    fn earned_time_is_rounded_down() {
        let r = Rules {
            max_rate: 1.5,
            ..Rules::default()
        };
        assert_eq!(r.allowed_ms(Some(0), 3), 4);
        assert_eq!(r.allowed_ms(Some(0), 4), 6);
    }

    #[test]
    fn allowed_time_saturates_instead_of_overflowing() {
        let r = Rules {
            max_rate: 2.0,
            first_report_ms: u64::MAX,
            cap_ms: u64::MAX,
        };
        assert_eq!(r.allowed_ms(None, 0), u64::MAX);
        assert_eq!(r.allowed_ms(None, u64::MAX), u64::MAX);
        assert_eq!(r.allowed_ms(Some(u64::MAX), u64::MAX), u64::MAX);
        assert_eq!(r.allowed_ms(Some(0), u64::MAX), u64::MAX);
        let infinite = Rules {
            max_rate: f64::INFINITY,
            ..r
        };
        assert_eq!(infinite.allowed_ms(Some(7), 1), u64::MAX);
        // ∞ × 0 is NaN, which earns nothing.
        assert_eq!(infinite.allowed_ms(Some(7), 0), 7);
    }

    #[test]
    fn a_nonsense_rate_earns_nothing() {
        for rate in [f64::NAN, -1.0, 0.0, f64::NEG_INFINITY] {
            let r = Rules {
                max_rate: rate,
                ..Rules::default()
            };
            assert_eq!(r.allowed_ms(Some(3_000), 60_000), 3_000, "rate {rate}");
            assert_eq!(r.allowed_ms(None, 60_000), 15_000, "rate {rate}");
        }
    }

    // ----- apply -----

    #[test]
    fn first_report_within_allowance_is_accepted() {
        let out = apply(
            &Coverage::new(),
            &[span(0, 10_000)],
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.coverage.spans(), &[span(0, 10_000)]);
        assert_eq!(out.covered_ms, 10_000);
        assert!((out.progress - 1.0 / 6.0).abs() < 1e-12);
        assert!(!out.completed_now);
        assert_eq!(out.reported_ms, 10_000);
        assert_eq!(out.credit_ms, 5_000);
    }

    #[test]
    fn first_report_beyond_allowance_is_too_fast() {
        let err = apply(
            &Coverage::new(),
            &[span(0, 15_001)],
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 15_001,
                allowed_ms: 15_000
            }
        );
    }

    #[test]
    fn jumping_to_the_end_completes_nothing() {
        let duration = 10 * MINUTE;
        let out = apply(
            &Coverage::new(),
            &[span(duration - 2_000, duration)],
            duration,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.covered_ms, 2_000);
        assert!(out.progress < 0.01, "progress {}", out.progress);
        assert!(!out.completed_now);
    }

    #[test]
    fn a_report_bigger_than_allowed_is_too_fast() {
        // 5 s of credit left + 2 × 10 s = 25 s.
        let allowed = Rules::default().allowed_ms(Some(5_000), 10_000);
        let err = apply(
            &Coverage::new(),
            &[span(0, 60_000)],
            10 * MINUTE,
            allowed,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 60_000,
                allowed_ms: 25_000
            }
        );
    }

    #[test]
    fn ten_seconds_after_five_seconds_is_accepted() {
        // 5 s of credit left + 2 × 5 s = 15 s ≥ 10 s; 5 s remain.
        let allowed = Rules::default().allowed_ms(Some(5_000), 5_000);
        let out = apply(
            &coverage(&[(0, 20_000)]),
            &[span(20_000, 30_000)],
            MINUTE,
            allowed,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.coverage.spans(), &[span(0, 30_000)]);
        assert_eq!(out.covered_ms, 30_000);
        assert_eq!(out.reported_ms, 10_000);
        assert_eq!(out.credit_ms, 5_000);
    }

    #[test]
    fn ten_seconds_after_one_second_is_refused() {
        // 5 s of credit left + 2 × 1 s = 7 s < 10 s.
        let allowed = Rules::default().allowed_ms(Some(5_000), 1_000);
        let err = apply(
            &coverage(&[(0, 20_000)]),
            &[span(20_000, 30_000)],
            MINUTE,
            allowed,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 10_000,
                allowed_ms: 7_000
            }
        );
    }

    #[test]
    fn the_limit_is_inclusive() {
        let ok = apply(
            &Coverage::new(),
            &[span(0, 15_000)],
            MINUTE,
            15_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(ok.credit_ms, 0);
        let err = apply(
            &Coverage::new(),
            &[span(0, 15_001)],
            MINUTE,
            15_000,
            false,
            DEFAULT_THRESHOLD,
        );
        assert!(matches!(err, Err(Refusal::TooFast { .. })));
    }

    #[test]
    fn an_allowance_of_zero_accepts_only_heartbeats() {
        let out = apply(&Coverage::new(), &[], MINUTE, 0, false, DEFAULT_THRESHOLD).unwrap();
        assert_eq!((out.reported_ms, out.credit_ms), (0, 0));
        let err = apply(
            &Coverage::new(),
            &[span(0, 1)],
            MINUTE,
            0,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 1,
                allowed_ms: 0
            }
        );
    }

    #[test]
    fn rewatching_counts_against_the_rate() {
        // Everything was seen before, so coverage would not grow; the report still
        // claims 20 s of playback with 15 s of credit.
        let previous = coverage(&[(0, MINUTE)]);
        let err = apply(
            &previous,
            &[span(0, 20_000)],
            MINUTE,
            15_000,
            true,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Refusal::TooFast {
                reported_ms: 20_000,
                ..
            }
        ));
        // Within the credit, re-watching is accepted and spent although nothing is new.
        let out = apply(
            &previous,
            &[span(0, 10_000)],
            MINUTE,
            15_000,
            true,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.covered_ms, MINUTE);
        assert_eq!(out.reported_ms, 10_000);
        assert_eq!(out.credit_ms, 5_000);
    }

    #[test]
    fn overlaps_within_a_report_are_counted_once_against_the_rate() {
        // 0–10 s reported three times over is 10 s of playback, within 15 s allowed.
        let out = apply(
            &Coverage::new(),
            &[span(0, 10_000), span(0, 10_000), span(5_000, 10_000)],
            MINUTE,
            15_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.covered_ms, 10_000);
        assert_eq!(out.reported_ms, 10_000);
        assert_eq!(out.credit_ms, 5_000);
    }

    #[test]
    fn separate_spans_in_a_report_add_up_against_the_rate() {
        let err = apply(
            &Coverage::new(),
            &[span(0, 8_000), span(30_000, 38_000)],
            MINUTE,
            15_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 16_000,
                allowed_ms: 15_000
            }
        );
    }

    #[test]
    fn a_configured_rate_is_honoured() {
        let rules = Rules {
            max_rate: 1.0,
            first_report_ms: 1_000,
            cap_ms: MINUTE,
        };
        let report = [span(0, 10_000)];
        let run = |credit, elapsed| {
            apply(
                &Coverage::new(),
                &report,
                MINUTE,
                rules.allowed_ms(credit, elapsed),
                false,
                DEFAULT_THRESHOLD,
            )
        };
        assert_eq!(run(Some(1_000), 9_000).unwrap().credit_ms, 0);
        assert!(matches!(
            run(Some(1_000), 8_999),
            Err(Refusal::TooFast {
                allowed_ms: 9_999,
                ..
            })
        ));
        assert!(matches!(
            run(None, 0),
            Err(Refusal::TooFast {
                allowed_ms: 1_000,
                ..
            })
        ));
        assert_eq!(run(Some(0), 10 * MINUTE).unwrap().credit_ms, 50_000);
    }

    #[test]
    fn spans_beyond_the_duration_are_clamped() {
        let out = apply(
            &coverage(&[(0, 50_000)]),
            &[span(50_000, 65_000)],
            MINUTE,
            20_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.coverage.spans(), &[span(0, MINUTE)]);
        assert_eq!(out.covered_ms, MINUTE);
        assert_eq!(out.progress, 1.0);
        assert_eq!(out.reported_ms, 10_000);
        assert_eq!(out.credit_ms, 10_000);
    }

    #[test]
    fn clamped_time_does_not_count_against_the_rate() {
        // 10 s claimed, but only the 2 s before the end exist.
        let out = apply(
            &Coverage::new(),
            &[span(MINUTE - 2_000, MINUTE + 8_000)],
            MINUTE,
            5_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.covered_ms, 2_000);
        assert_eq!(out.reported_ms, 2_000);
        assert_eq!(out.credit_ms, 3_000);
    }

    #[test]
    fn a_span_entirely_beyond_the_duration_is_empty() {
        let err = apply(
            &Coverage::new(),
            &[span(0, 1_000), span(MINUTE + 1, MINUTE + 5_000)],
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::Empty { index: 1 });
    }

    #[test]
    fn a_span_starting_exactly_at_the_end_is_empty() {
        let err = apply(
            &Coverage::new(),
            &[span(MINUTE, MINUTE + 1_000)],
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::Empty { index: 0 });
    }

    #[test]
    fn reversed_and_zero_length_spans_are_empty() {
        for (bad, index) in [(span(5_000, 5_000), 0), (span(9_000, 3_000), 0)] {
            let err = apply(
                &Coverage::new(),
                &[bad, span(0, 1_000)],
                MINUTE,
                FIRST,
                false,
                DEFAULT_THRESHOLD,
            )
            .unwrap_err();
            assert_eq!(err, Refusal::Empty { index });
        }
    }

    #[test]
    fn the_first_empty_span_is_named() {
        let err = apply(
            &Coverage::new(),
            &spans(&[(0, 1), (2, 2), (4, 3)]),
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::Empty { index: 1 });
    }

    #[test]
    fn too_many_spans_are_refused() {
        let many: Vec<Span> = (0..=SPANS_PER_REPORT_MAX as u64)
            .map(|i| span(i * 10, i * 10 + 1))
            .collect();
        let err = apply(
            &Coverage::new(),
            &many,
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::TooManySpans);

        let out = apply(
            &Coverage::new(),
            &many[..SPANS_PER_REPORT_MAX],
            MINUTE,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.covered_ms, SPANS_PER_REPORT_MAX as u64);
        assert_eq!(out.reported_ms, SPANS_PER_REPORT_MAX as u64);
    }

    #[test]
    fn too_many_spans_is_checked_before_anything_else() {
        let many = vec![span(5, 1); SPANS_PER_REPORT_MAX + 1];
        let err = apply(&Coverage::new(), &many, MINUTE, 0, false, DEFAULT_THRESHOLD).unwrap_err();
        assert_eq!(err, Refusal::TooManySpans);
    }

    #[test]
    fn empty_is_checked_before_speed() {
        let err = apply(
            &Coverage::new(),
            &[span(0, MINUTE), span(3, 3)],
            MINUTE,
            0,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::Empty { index: 1 });
    }

    #[test]
    fn an_empty_report_changes_nothing_and_spends_nothing() {
        let previous = coverage(&[(0, 30_000)]);
        let out = apply(&previous, &[], MINUTE, 7_000, false, DEFAULT_THRESHOLD).unwrap();
        assert_eq!(out.coverage, previous);
        assert_eq!(out.covered_ms, 30_000);
        assert_eq!(out.progress, 0.5);
        assert!(!out.completed_now);
        assert_eq!(out.reported_ms, 0);
        assert_eq!(out.credit_ms, 7_000);
    }

    #[test]
    fn a_video_of_duration_zero_refuses_every_span() {
        let err = apply(
            &Coverage::new(),
            &[span(0, 1_000)],
            0,
            FIRST,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap_err();
        assert_eq!(err, Refusal::Empty { index: 0 });
        let out = apply(&Coverage::new(), &[], 0, FIRST, false, DEFAULT_THRESHOLD).unwrap();
        assert_eq!(out.progress, 0.0);
        assert!(!out.completed_now);
    }

    #[test]
    fn completion_crosses_the_threshold_exactly_once() {
        let duration = 100_000;
        let mut learner = Learner::new(Rules::default(), duration);
        let mut completions = 0;
        // Watch at normal speed, reporting 10 s every 10 s, then watch it all again.
        for pass in 0..2 {
            for i in 0..10 {
                let at = (pass * 10 + i + 1) * 10_000;
                let out = learner
                    .report(at, &[span(i * 10_000, (i + 1) * 10_000)])
                    .unwrap();
                if out.completed_now {
                    completions += 1;
                    // 90 of 100 s is exactly the threshold.
                    assert_eq!((pass, i), (0, 8));
                    assert_eq!(out.covered_ms, 90_000);
                }
            }
        }
        assert_eq!(completions, 1);
        assert_eq!(learner.coverage.spans(), &[span(0, duration)]);
    }

    #[test]
    fn just_below_the_threshold_is_not_complete() {
        let out = apply(
            &coverage(&[(0, 80_000)]),
            &[span(80_000, 89_999)],
            100_000,
            PLENTY,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert!(!out.completed_now);
        assert!(out.progress < DEFAULT_THRESHOLD);
    }

    #[test]
    fn already_complete_is_never_completed_again() {
        let out = apply(
            &coverage(&[(0, 95_000)]),
            &[span(95_000, 100_000)],
            100_000,
            PLENTY,
            true,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.progress, 1.0);
        assert!(!out.completed_now);
    }

    #[test]
    fn a_completion_not_yet_recorded_is_recorded_on_the_next_report() {
        // Progress was already past the threshold (say, recording failed, or the
        // threshold was lowered); any accepted report records it.
        let out = apply(
            &coverage(&[(0, 95_000)]),
            &[span(0, 1_000)],
            100_000,
            PLENTY,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert!(out.completed_now);
    }

    #[test]
    fn a_tutorial_threshold_is_honoured() {
        let run = |threshold| {
            apply(
                &coverage(&[(0, 60_000)]),
                &[span(60_000, 70_000)],
                100_000,
                PLENTY,
                false,
                threshold,
            )
            .unwrap()
            .completed_now
        };
        assert!(run(0.5));
        assert!(run(0.7));
        assert!(!run(0.71));
        assert!(!run(1.0));
    }

    #[test]
    fn seven_of_ten_meets_a_threshold_of_point_seven() {
        // 0.7 × 10 is 7.000000000000001 in floating point; the quotient 7 / 10 is 0.7.
        let out = apply(&coverage(&[(0, 6)]), &[span(6, 7)], 10, PLENTY, false, 0.7).unwrap();
        assert!(out.completed_now);
    }

    #[test]
    fn a_threshold_of_one_needs_everything() {
        let run = |prev: &[(u64, u64)]| {
            apply(
                &coverage(prev),
                &[span(0, 1_000)],
                100_000,
                PLENTY,
                false,
                1.0,
            )
            .unwrap()
            .completed_now
        };
        assert!(!run(&[(0, 99_999)]));
        assert!(run(&[(0, 100_000)]));
    }

    #[test]
    fn an_invalid_threshold_falls_back_to_the_default() {
        for threshold in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY] {
            let run = |covered| {
                apply(
                    &coverage(&[(0, covered)]),
                    &[span(0, 1_000)],
                    100_000,
                    PLENTY,
                    false,
                    threshold,
                )
                .unwrap()
                .completed_now
            };
            assert!(!run(89_999), "threshold {threshold}");
            assert!(run(90_000), "threshold {threshold}");
        }
        assert!(is_valid_threshold(1.0));
        assert!(is_valid_threshold(0.01));
        assert!(!is_valid_threshold(0.0));
        assert!(!is_valid_threshold(f64::NAN));
    }

    #[test]
    fn covered_never_exceeds_the_duration() {
        // Coverage stored for a longer version of the video.
        let previous = coverage(&[(0, 50_000), (70_000, 120_000)]);
        let out = apply(
            &previous,
            &[span(50_000, 58_000)],
            MINUTE,
            10_000,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(out.coverage.spans(), &[span(0, 58_000)]);
        assert_eq!(out.covered_ms, 58_000);
        assert!(out.covered_ms <= MINUTE);
        assert!(out.progress <= 1.0);
    }

    #[test]
    fn the_previous_coverage_is_not_changed() {
        let previous = coverage(&[(0, 10_000)]);
        let before = previous.clone();
        let _ = apply(
            &previous,
            &[span(10_000, 20_000)],
            MINUTE,
            PLENTY,
            false,
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(previous, before);
    }

    // ----- credit over many reports -----

    /// What a caller keeps per learner and tutorial, and how it uses [`Rules`] and
    /// [`apply`]: the coverage, and the credit left after the last accepted report with
    /// the time that report arrived. Also sums what the accepted reports covered.
    struct Learner {
        rules: Rules,
        duration_ms: u64,
        coverage: Coverage,
        complete: bool,
        /// Arrival time and credit left of the last accepted report.
        last: Option<(u64, u64)>,
        /// Arrival time of the first accepted report.
        first_at: Option<u64>,
        accepted_ms: u64,
    }

    impl Learner {
        fn new(rules: Rules, duration_ms: u64) -> Self {
            Self {
                rules,
                duration_ms,
                coverage: Coverage::new(),
                complete: false,
                last: None,
                first_at: None,
                accepted_ms: 0,
            }
        }

        /// Sends a report arriving at `at_ms` (wall clock, never going back).
        fn report(&mut self, at_ms: u64, spans: &[Span]) -> Result<Outcome, Refusal> {
            let (credit, elapsed) = match self.last {
                Some((last_at, credit)) => (Some(credit), at_ms - last_at),
                None => (None, 0),
            };
            let allowed = self.rules.allowed_ms(credit, elapsed);
            let out = apply(
                &self.coverage,
                spans,
                self.duration_ms,
                allowed,
                self.complete,
                DEFAULT_THRESHOLD,
            )?;
            assert_eq!(out.reported_ms + out.credit_ms, allowed);
            assert!(out.credit_ms <= self.rules.cap_ms);
            self.coverage = out.coverage.clone();
            self.complete |= out.completed_now;
            self.last = Some((at_ms, out.credit_ms));
            self.first_at.get_or_insert(at_ms);
            self.accepted_ms += out.reported_ms;
            Ok(out)
        }

        /// The most all accepted reports together may have covered:
        /// `first_report_ms + max_rate ×` (time from the first to the last of them).
        fn bound_ms(&self) -> u64 {
            match (self.first_at, self.last) {
                (Some(first), Some((last, _))) => {
                    self.rules.first_report_ms
                        + (self.rules.max_rate * (last - first) as f64) as u64
                }
                _ => 0,
            }
        }
    }

    #[test]
    fn rapid_fire_reports_gain_nothing() {
        // One minute of reports 10 ms apart, each claiming the next 5 s of a long video,
        // which would be 5 s of free video per report if every report had some leeway.
        let mut learner = Learner::new(Rules::default(), 10 * 60 * MINUTE);
        let mut position = 0;
        let mut refused = 0;
        for i in 0..6_000 {
            let report = [span(position, position + 5_000)];
            match learner.report(i * 10, &report) {
                Ok(_) => position += 5_000,
                Err(Refusal::TooFast { .. }) => refused += 1,
                Err(e) => panic!("unexpected refusal {e}"),
            }
        }
        assert!(refused > 5_000, "only {refused} refused");
        assert!(learner.accepted_ms <= learner.bound_ms());
        // 15 s + 2 × 59.99 s = 134.98 s, in whole reports of 5 s.
        assert_eq!(learner.accepted_ms, 130_000);
        assert_eq!(learner.coverage.covered_ms(), 130_000);
    }

    #[test]
    fn rapid_fire_reports_claiming_all_they_can_get_exactly_the_bound() {
        // Each report claims as much as the previous refusal said was allowed.
        let mut learner = Learner::new(Rules::default(), 10 * 60 * MINUTE);
        let mut position = 0;
        let mut claim = MINUTE;
        for i in 0..6_000 {
            let report = [span(position, position + claim)];
            match learner.report(i * 10, &report) {
                Ok(out) => {
                    position += out.reported_ms;
                    claim = MINUTE;
                }
                Err(Refusal::TooFast { allowed_ms, .. }) => claim = allowed_ms.max(1),
                Err(e) => panic!("unexpected refusal {e}"),
            }
        }
        // Below the cap, and at a rate of 2 where no rounding is lost, what was accepted
        // and what is left add up to exactly the bound.
        let (_, credit) = learner.last.unwrap();
        assert_eq!(learner.accepted_ms + credit, learner.bound_ms());
        assert!(credit <= 40, "credit {credit}");
        assert!(learner.accepted_ms < 15_000 + 2 * MINUTE);
    }

    #[test]
    fn a_normal_speed_player_is_never_refused() {
        // Reports 10 s of video every 10 s for an hour, starting 10 s into playback.
        let hour = 60 * MINUTE;
        let mut learner = Learner::new(Rules::default(), hour);
        let mut completions = 0;
        for k in 0..360 {
            let out = learner
                .report((k + 1) * 10_000, &[span(k * 10_000, (k + 1) * 10_000)])
                .unwrap_or_else(|e| panic!("report {k} refused: {e}"));
            completions += u32::from(out.completed_now);
        }
        assert_eq!(learner.coverage.spans(), &[span(0, hour)]);
        assert_eq!(completions, 1);
        // Unused time builds up, but only to the cap, from which each report spends 10 s.
        assert_eq!(learner.last.map(|(_, credit)| credit), Some(230_000));
    }

    /// Plays at double speed for an hour: the first report is sent 5 s into playback
    /// (10 s of video), then one every 10 s with the next 20 s. Each arrives 1 s after it
    /// was sent, give or take `jitter(k)` (within ±300 ms) for report `k`.
    fn double_speed_for_an_hour(mut jitter: impl FnMut(u64) -> i64) {
        let mut learner = Learner::new(Rules::default(), 3 * 60 * MINUTE);
        let mut played = 0;
        for k in 0..360u64 {
            let sent = 5_000 + k * 10_000;
            let offset = jitter(k);
            assert!((-300..=300).contains(&offset));
            let arrived = (sent + 1_000).checked_add_signed(offset).unwrap();
            let until = 2 * sent;
            learner
                .report(arrived, &[span(played, until)])
                .unwrap_or_else(|e| panic!("report {k} refused: {e}"));
            played = until;
        }
        assert_eq!(
            learner.coverage.spans(),
            &[span(0, 2 * 60 * MINUTE - 10_000)]
        );
    }

    #[test]
    fn a_double_speed_player_with_jitter_is_never_refused() {
        for seed in 0..20 {
            let mut rng = Rng(seed);
            double_speed_for_an_hour(|_| rng.below(601) as i64 - 300);
        }
        // The worst cases: the first report late and all others early, or alternating.
        double_speed_for_an_hour(|k| if k == 0 { 300 } else { -300 });
        double_speed_for_an_hour(|k| if k % 2 == 0 { 300 } else { -300 });
    }

    #[test]
    fn the_cap_holds_after_a_long_pause() {
        let rules = Rules::default();
        let mut learner = Learner::new(rules, 10 * 60 * MINUTE);
        learner.report(5_000, &[span(0, 10_000)]).unwrap();
        // A day later, a heartbeat finds the credit full, not a day's worth.
        let day = 24 * 60 * MINUTE;
        let out = learner.report(day, &[]).unwrap();
        assert_eq!(out.credit_ms, rules.cap_ms);
        // An hour later still, no more than the cap may be reported at once.
        let later = day + 60 * MINUTE;
        let err = learner
            .report(later, &[span(10_000, 10_000 + rules.cap_ms + 1)])
            .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: rules.cap_ms + 1,
                allowed_ms: rules.cap_ms
            }
        );
        let out = learner
            .report(later, &[span(10_000, 10_000 + rules.cap_ms)])
            .unwrap();
        assert_eq!(out.credit_ms, 0);
        // After that, only what the clock allows.
        let err = learner
            .report(later + 10, &[span(250_000, 250_021)])
            .unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 21,
                allowed_ms: 20
            }
        );
        assert!(learner.accepted_ms <= learner.bound_ms());
    }

    #[test]
    fn a_refused_report_consumes_nothing() {
        let mut learner = Learner::new(Rules::default(), 10 * MINUTE);
        // 15 s of credit, 10 s spent: 5 s left at 10 s.
        learner.report(10_000, &[span(0, 10_000)]).unwrap();
        // At 12 s, 5 s + 2 × 2 s = 9 s are allowed; 30 s are not.
        let err = learner.report(12_000, &[span(10_000, 40_000)]).unwrap_err();
        assert_eq!(
            err,
            Refusal::TooFast {
                reported_ms: 30_000,
                allowed_ms: 9_000
            }
        );
        assert_eq!(learner.last, Some((10_000, 5_000)));
        // At 15 s the time is still counted from 10 s, and the credit is still 5 s.
        let out = learner.report(15_000, &[span(10_000, 25_000)]).unwrap();
        assert_eq!(out.reported_ms, 15_000);
        assert_eq!(out.credit_ms, 0);
    }

    #[test]
    fn a_refused_first_report_leaves_the_first_credit() {
        let mut learner = Learner::new(Rules::default(), 10 * MINUTE);
        assert!(learner.report(1_000, &[span(0, 20_000)]).is_err());
        assert_eq!(learner.last, None);
        let out = learner.report(60_000, &[span(0, 15_000)]).unwrap();
        assert_eq!(out.credit_ms, 0);
    }

    // ----- progress -----

    #[test]
    fn progress_is_covered_over_duration() {
        assert_eq!(progress(&coverage(&[(0, 25)]), 100), 0.25);
        assert_eq!(progress(&coverage(&[(0, 25), (50, 75)]), 100), 0.5);
        assert_eq!(progress(&Coverage::new(), 100), 0.0);
    }

    #[test]
    fn progress_is_zero_for_duration_zero() {
        assert_eq!(progress(&coverage(&[(0, 25)]), 0), 0.0);
    }

    #[test]
    fn progress_is_clamped_to_one() {
        assert_eq!(progress(&coverage(&[(0, 250)]), 100), 1.0);
    }

    // ----- resume_position -----

    #[test]
    fn resume_at_the_end_of_the_last_span() {
        assert_eq!(resume_position(span(10_000, 30_000), 10 * MINUTE), 30_000);
        assert_eq!(resume_position(span(0, 1), 10 * MINUTE), 1);
    }

    #[test]
    fn resume_from_the_start_when_near_the_end() {
        let d = 10 * MINUTE;
        assert_eq!(resume_position(span(0, d), d), 0);
        assert_eq!(resume_position(span(0, d - 5_000), d), 0);
        assert_eq!(resume_position(span(0, d - 5_001), d), d - 5_001);
    }

    #[test]
    fn resume_clamps_positions_past_the_end() {
        assert_eq!(resume_position(span(0, 20 * MINUTE), 10 * MINUTE), 0);
    }

    #[test]
    fn resume_in_a_very_short_video_starts_over() {
        assert_eq!(resume_position(span(0, 1_000), 4_000), 0);
        assert_eq!(resume_position(span(0, 1_000), 0), 0);
    }

    // ----- Refusal -----

    #[test]
    fn refusals_explain_themselves() {
        assert_eq!(
            Refusal::Empty { index: 2 }.to_string(),
            "span 2 is empty or starts at or after the end of the video"
        );
        assert!(
            Refusal::TooFast {
                reported_ms: 10,
                allowed_ms: 7
            }
            .to_string()
            .contains("10 ms")
        );
        assert!(Refusal::TooManySpans.to_string().contains("50"));
    }

    // ----- properties over random input -----

    /// SplitMix64: small, deterministic, and good enough to spread test cases.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// A number in `0..n`.
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Range the random spans live in, small enough to check millisecond by millisecond.
    const RANGE: u64 = 200;

    fn random_span(rng: &mut Rng) -> Span {
        let from = rng.below(RANGE);
        // Mostly short spans so that gaps, touching and overlaps all occur; some empty
        // or reversed ones too.
        let to = if rng.below(10) == 0 {
            rng.below(RANGE)
        } else {
            (from + rng.below(25)).min(RANGE)
        };
        span(from, to)
    }

    fn assert_invariant(c: &Coverage) {
        for s in c.spans() {
            assert!(s.from < s.to, "empty span {s:?} in {c:?}");
        }
        for pair in c.spans().windows(2) {
            assert!(
                pair[0].to < pair[1].from,
                "spans overlap, touch or are unsorted: {:?} in {c:?}",
                pair
            );
        }
    }

    /// Which milliseconds in `0..RANGE` the spans cover, the slow and obvious way.
    fn brute_force(spans: &[Span]) -> Vec<bool> {
        (0..RANGE)
            .map(|ms| spans.iter().any(|s| s.from <= ms && ms < s.to))
            .collect()
    }

    #[test]
    fn random_spans_keep_the_invariant_and_measure_the_union() {
        let mut rng = Rng(0x5EED_C0FF_EE00);
        for case in 0..2_000 {
            let count = rng.below(30) as usize;
            let input: Vec<Span> = (0..count).map(|_| random_span(&mut rng)).collect();

            let mut added = Coverage::new();
            for &s in &input {
                added.add(s);
                assert_invariant(&added);
            }
            let rebuilt = Coverage::from_spans(input.iter().copied());
            assert_invariant(&rebuilt);
            assert_eq!(added, rebuilt, "case {case}: {input:?}");

            let expected = brute_force(&input);
            assert_eq!(
                brute_force(added.spans()),
                expected,
                "case {case}: the union differs for {input:?}"
            );
            let measure = expected.iter().filter(|&&b| b).count() as u64;
            assert_eq!(added.covered_ms(), measure, "case {case}: {input:?}");

            // The order of adding does not matter.
            let mut reversed = Coverage::new();
            for &s in input.iter().rev() {
                reversed.add(s);
            }
            assert_eq!(reversed, added, "case {case}: {input:?}");

            // Storing and reading back changes nothing.
            let json = serde_json::to_string(&added).unwrap();
            let back: Coverage = serde_json::from_str(&json).unwrap();
            assert_eq!(back, added);
        }
    }

    #[test]
    fn random_reports_keep_progress_sound() {
        let mut rng = Rng(42);
        for case in 0..300 {
            let duration = 1 + rng.below(RANGE);
            let threshold = [0.5, 0.9, 1.0][rng.below(3) as usize];
            let mut cov = Coverage::new();
            let mut complete = false;
            let mut completions = 0;
            let mut last_progress = 0.0;
            let mut seen: Vec<Span> = Vec::new();
            let rules = Rules {
                max_rate: 2.0,
                first_report_ms: 20,
                cap_ms: 60,
            };
            let mut now = 0;
            // Arrival time and credit left of the last accepted report.
            let mut last: Option<(u64, u64)> = None;
            let mut first_at = None;
            let mut accepted_ms = 0;
            for _ in 0..40 {
                let count = rng.below(5) as usize;
                // Spans may run past the duration; those starting past it are refused.
                let report: Vec<Span> = (0..count).map(|_| random_span(&mut rng)).collect();
                now += rng.below(60);
                let allowed = match last {
                    Some((at, credit)) => rules.allowed_ms(Some(credit), now - at),
                    None => rules.allowed_ms(None, 0),
                };
                let result = apply(&cov, &report, duration, allowed, complete, threshold);
                let Ok(out) = result else {
                    continue;
                };
                assert!(out.reported_ms <= allowed);
                assert_eq!(out.reported_ms + out.credit_ms, allowed);
                assert!(out.credit_ms <= rules.cap_ms);
                last = Some((now, out.credit_ms));
                let first = *first_at.get_or_insert(now);
                accepted_ms += out.reported_ms;
                assert!(
                    accepted_ms <= rules.first_report_ms + 2 * (now - first),
                    "case {case}: {accepted_ms} ms accepted"
                );
                assert_invariant(&out.coverage);
                assert!(out.covered_ms <= duration, "case {case}");
                assert_eq!(out.covered_ms, out.coverage.covered_ms());
                assert!((0.0..=1.0).contains(&out.progress));
                assert!(out.progress >= last_progress, "progress went back");
                assert!(out.coverage.spans().iter().all(|s| s.to <= duration));

                seen.extend(report.iter().map(|s| s.clamped(duration)));
                let expected = brute_force(&seen);
                assert_eq!(brute_force(out.coverage.spans()), expected, "case {case}");

                if out.completed_now {
                    completions += 1;
                    complete = true;
                    assert!(out.progress >= threshold);
                }
                last_progress = out.progress;
                cov = out.coverage;
            }
            assert!(
                completions <= 1,
                "case {case}: completed {completions} times"
            );
            assert_eq!(complete, progress(&cov, duration) >= threshold);
        }
    }
}
