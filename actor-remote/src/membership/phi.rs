//! The phi-accrual failure detector (Hayashibara et al.), as Akka and
//! Cassandra use it: instead of a yes/no timeout it gives a suspicion
//! level, phi, that grows the longer a heartbeat is overdue compared with
//! the intervals seen so far. `phi = 8` means the odds that the node is
//! merely late are about 1 in 10⁸ under the model.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Settings of the detector (see the node builder's `failure_detector`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PhiSettings {
    /// How often each node sends a heartbeat on each link.
    pub(crate) interval: Duration,
    /// The suspicion level above which a node is suspected.
    pub(crate) threshold: f64,
    /// A pause this long (a GC, a stalled VM) is absorbed without suspicion:
    /// it is added to the mean interval.
    pub(crate) acceptable_pause: Duration,
    /// The least standard deviation assumed, so that very regular
    /// heartbeats do not make the detector jumpy.
    pub(crate) min_std_dev: Duration,
}

/// How many intervals the detector remembers.
const HISTORY: usize = 200;

/// One peer's heartbeat history.
#[derive(Debug)]
pub(crate) struct Detector {
    settings: PhiSettings,
    last: Instant,
    intervals: VecDeque<f64>,
    sum: f64,
    squares: f64,
}

impl Detector {
    /// A detector that counts `now` as a first heartbeat; until more come,
    /// it assumes intervals around the configured one.
    pub(crate) fn new(settings: PhiSettings, now: Instant) -> Self {
        let mut detector = Detector {
            settings,
            last: now,
            intervals: VecDeque::with_capacity(HISTORY),
            sum: 0.0,
            squares: 0.0,
        };
        // The first estimate, as Akka does it: the interval, give or take a
        // quarter of it.
        let mean = settings.interval.as_secs_f64() * 1000.0;
        let std_dev = mean / 4.0;
        detector.push(mean - std_dev);
        detector.push(mean + std_dev);
        detector
    }

    fn push(&mut self, interval_ms: f64) {
        if self.intervals.len() == HISTORY {
            if let Some(old) = self.intervals.pop_front() {
                self.sum -= old;
                self.squares -= old * old;
            }
        }
        self.intervals.push_back(interval_ms);
        self.sum += interval_ms;
        self.squares += interval_ms * interval_ms;
    }

    /// A heartbeat arrived at `now`.
    pub(crate) fn heartbeat(&mut self, now: Instant) {
        let interval = now.saturating_duration_since(self.last).as_secs_f64() * 1000.0;
        self.last = now;
        self.push(interval);
    }

    /// The suspicion level at `now`.
    pub(crate) fn phi(&self, now: Instant) -> f64 {
        let n = self.intervals.len() as f64;
        let mean = self.sum / n + self.settings.acceptable_pause.as_secs_f64() * 1000.0;
        let variance = (self.squares / n - (self.sum / n).powi(2)).max(0.0);
        let min_std_dev = self.settings.min_std_dev.as_secs_f64() * 1000.0;
        let std_dev = variance.sqrt().max(min_std_dev);
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64() * 1000.0;
        phi(elapsed, mean, std_dev)
    }

    /// True if the suspicion level at `now` is above the threshold.
    fn is_suspect(&self, now: Instant) -> bool {
        self.phi(now) > self.settings.threshold
    }
}

/// `-log10(1 - F(elapsed))` for a normal distribution of intervals with
/// `mean` and `std_dev`, with the logistic approximation of its CDF (as in
/// Akka: it stays finite far into the tail).
fn phi(elapsed: f64, mean: f64, std_dev: f64) -> f64 {
    let y = (elapsed - mean) / std_dev;
    let e = (-y * (1.5976 + 0.070566 * y * y)).exp();
    if elapsed > mean {
        -(e / (1.0 + e)).log10()
    } else {
        -(1.0 - 1.0 / (1.0 + e)).log10()
    }
}

/// The time a heartbeat may be overdue (after the last one) before a node
/// with perfectly regular heartbeats is suspected: what the settings imply
/// for detection time, for the docs and the tests.
pub(crate) fn time_to_suspect(settings: &PhiSettings) -> Duration {
    let mut probe = Detector::new(*settings, Instant::now());
    let start = probe.last;
    // Regular heartbeats, as a healthy peer sends them.
    let mut now = start;
    for _ in 0..HISTORY {
        now += settings.interval;
        probe.heartbeat(now);
    }
    let mut overdue = Duration::ZERO;
    let step = Duration::from_millis(10);
    while !probe.is_suspect(now + overdue) && overdue < Duration::from_secs(3600) {
        overdue += step;
    }
    overdue
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PhiSettings {
        PhiSettings {
            interval: Duration::from_secs(1),
            threshold: 8.0,
            acceptable_pause: Duration::from_secs(3),
            min_std_dev: Duration::from_millis(100),
        }
    }

    #[test]
    fn phi_grows_with_silence() {
        let start = Instant::now();
        let mut d = Detector::new(settings(), start);
        let mut now = start;
        for _ in 0..10 {
            now += Duration::from_secs(1);
            d.heartbeat(now);
        }
        let mut last = -1.0;
        for ms in (0..10_000).step_by(250) {
            let phi = d.phi(now + Duration::from_millis(ms));
            assert!(phi >= last, "phi fell from {last} to {phi} at {ms} ms");
            last = phi;
        }
        assert!(!d.is_suspect(now + Duration::from_secs(2)));
        assert!(d.is_suspect(now + Duration::from_secs(6)));
    }

    #[test]
    fn defaults_suspect_after_about_four_and_a_half_seconds() {
        let overdue = time_to_suspect(&settings());
        assert!(overdue > Duration::from_secs(4) && overdue < Duration::from_secs(5), "{overdue:?}");
    }

    #[test]
    fn irregular_heartbeats_widen_the_margin() {
        let start = Instant::now();
        let (mut steady, mut jittery) = (Detector::new(settings(), start), Detector::new(settings(), start));
        let mut now = start;
        for i in 0..100u64 {
            now += Duration::from_secs(1);
            steady.heartbeat(now);
            jittery.heartbeat(now + Duration::from_millis((i % 5) * 200));
        }
        let later = now + Duration::from_millis(4300);
        assert!(jittery.phi(later) < steady.phi(later));
    }
}
