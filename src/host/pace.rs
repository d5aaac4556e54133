//! Write pacing by GitHub's documented limits for content-creating requests: at most 80 a
//! minute and 500 an hour ("Best practices for using the REST API", secondary rate limits).
//!
//! [`Pacer`] is pure (str0m style): it is told the time, as a [`Duration`] since any fixed
//! origin the caller chooses, and says when the next write may go ([`Pacer::next_allowed`]);
//! the caller sleeps until then and reports the write ([`Pacer::record`]). The windows
//! slide: a write is allowed when fewer than `max` writes were sent in the `window` before
//! it, for every window. An optional least gap between two writes spaces bursts further.
//! Memory is bounded by the largest window's `max`.

use std::collections::VecDeque;
use std::time::Duration;

/// One sliding window: at most `max` writes in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceLimit {
    /// Writes allowed per window; 0 is treated as 1 so writes never stop for good.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

/// GitHub's documented limits: 80 content-creating requests a minute, 500 an hour.
pub const GITHUB_CONTENT_LIMITS: [PaceLimit; 2] = [
    PaceLimit {
        max: 80,
        window: Duration::from_secs(60),
    },
    PaceLimit {
        max: 500,
        window: Duration::from_secs(3600),
    },
];

/// When writes may go, given when the recent ones went.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// The sliding windows every write must fit in.
    limits: Vec<PaceLimit>,
    /// Least time between two writes (zero: none).
    gap: Duration,
    /// Send times of recent writes, oldest first; as many as the largest `max` needs.
    sent: VecDeque<Duration>,
}

impl Pacer {
    /// A pacer for `limits`, with at least `gap` between two writes.
    pub fn new(limits: &[PaceLimit], gap: Duration) -> Pacer {
        let limits: Vec<PaceLimit> = limits
            .iter()
            .map(|l| PaceLimit {
                max: l.max.max(1),
                window: l.window,
            })
            .collect();
        Pacer {
            limits,
            gap,
            sent: VecDeque::new(),
        }
    }

    /// How many send times must be kept to answer for every window.
    fn keep(&self) -> usize {
        self.limits
            .iter()
            .map(|l| l.max as usize)
            .max()
            .unwrap_or(0)
            .max(1)
    }

    /// The earliest time, not before `now`, at which the next write fits every limit.
    pub fn next_allowed(&self, now: Duration) -> Duration {
        let mut at = now;
        if let Some(last) = self.sent.back() {
            at = at.max(last.saturating_add(self.gap));
        }
        for limit in &self.limits {
            let max = limit.max as usize;
            if self.sent.len() >= max {
                // The write `max` places back must have left the window.
                let oldest_counted = self.sent[self.sent.len() - max];
                at = at.max(oldest_counted.saturating_add(limit.window));
            }
        }
        at
    }

    /// Notes that a write was sent at `at` (times must not go backwards).
    pub fn record(&mut self, at: Duration) {
        let at = self.sent.back().map_or(at, |last| at.max(*last));
        self.sent.push_back(at);
        while self.sent.len() > self.keep() {
            self.sent.pop_front();
        }
    }

    /// Writes sent in the `window` before `now` (for status and tests).
    pub fn sent_within(&self, now: Duration, window: Duration) -> usize {
        self.sent
            .iter()
            .filter(|t| **t <= now && t.saturating_add(window) > now)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn github() -> Pacer {
        Pacer::new(&GITHUB_CONTENT_LIMITS, Duration::ZERO)
    }

    #[test]
    fn the_81st_write_in_a_minute_waits_for_the_first_to_leave_the_window() {
        let mut p = github();
        for i in 0..80 {
            let now = Duration::from_millis(i * 100);
            assert_eq!(p.next_allowed(now), now, "write {} goes at once", i + 1);
            p.record(now);
        }
        // 8 s in: the 81st must wait until the first write (t = 0) is a minute old.
        assert_eq!(p.next_allowed(secs(8)), secs(60));
        p.record(secs(60));
        // The 82nd waits for the second one (t = 0.1 s).
        assert_eq!(p.next_allowed(secs(60)), Duration::from_millis(60_100));
    }

    #[test]
    fn the_501st_write_in_an_hour_waits_for_the_hour() {
        let mut p = github();
        let mut now = Duration::ZERO;
        for _ in 0..500 {
            now = p.next_allowed(now);
            p.record(now);
        }
        assert!(now < secs(3600), "500 fit in the hour: {now:?}");
        assert_eq!(p.sent_within(now, secs(3600)), 500);
        // The 501st waits until the very first write is an hour old.
        assert_eq!(p.next_allowed(now), secs(3600));
        // Never more than 80 in any minute along the way.
        let mut q = github();
        let mut t = Duration::ZERO;
        let mut times = Vec::new();
        for _ in 0..600 {
            t = q.next_allowed(t);
            q.record(t);
            times.push(t);
        }
        for (i, start) in times.iter().enumerate() {
            let in_minute = times[i..]
                .iter()
                .filter(|x| **x < *start + secs(60))
                .count();
            let in_hour = times[i..]
                .iter()
                .filter(|x| **x < *start + secs(3600))
                .count();
            assert!(in_minute <= 80 && in_hour <= 500, "at {start:?}");
        }
    }

    #[test]
    fn a_gap_spaces_writes_and_quiet_time_frees_the_windows() {
        let mut p = Pacer::new(&GITHUB_CONTENT_LIMITS, secs(1));
        assert_eq!(p.next_allowed(secs(10)), secs(10), "first write at once");
        p.record(secs(10));
        assert_eq!(p.next_allowed(Duration::from_millis(10_200)), secs(11));
        assert_eq!(p.next_allowed(secs(30)), secs(30));
        // Memory stays bounded by the largest window.
        let mut q = github();
        for i in 0..5000 {
            q.record(secs(i * 10));
        }
        assert!(q.sent.len() <= 500);
    }

    #[test]
    fn zero_limits_still_let_writes_through_and_time_saturates() {
        let mut p = Pacer::new(
            &[PaceLimit {
                max: 0,
                window: secs(5),
            }],
            Duration::MAX,
        );
        p.record(secs(1));
        assert_eq!(
            p.next_allowed(secs(2)),
            Duration::MAX,
            "saturates, no panic"
        );
        let mut q = Pacer::new(
            &[PaceLimit {
                max: 0,
                window: secs(5),
            }],
            Duration::ZERO,
        );
        q.record(secs(1));
        assert_eq!(q.next_allowed(secs(2)), secs(6));
    }
}
