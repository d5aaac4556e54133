//! The one backoff rule of the program, and the clamp for waits a server asks for.
//!
//! [`Backoff`] is exponential with "equal jitter": after the `n`-th failure in a row the
//! wait is between half and all of `base · 2ⁿ`, capped at `max`, so many clients that failed
//! together do not retry together. The forge writer (between attempts of one write), the
//! poller (between failed polls) and the host's task supervision use it.
//!
//! [`server_wait`] turns a number of seconds a server sent (`Retry-After`,
//! `x-ratelimit-reset` minus its `Date`) into a wait of at most [`MAX_SERVER_WAIT`]: a
//! confused or hostile server cannot make the host sleep for years or overflow `Duration`
//! and `Instant` arithmetic. All arithmetic here saturates.

use std::time::Duration;

use rand::Rng;

/// Longest wait a server's rate-limit headers can impose: one hour, GitHub's longest
/// rate-limit window. A later reset is asked again after the hour.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(3600);

/// Exponential backoff with equal jitter, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure, before jitter; doubles with each failure.
    pub base: Duration,
    /// The longest delay, whatever the number of failures.
    pub max: Duration,
}

impl Backoff {
    /// A backoff starting at `base` and never above `max`.
    pub const fn new(base: Duration, max: Duration) -> Backoff {
        Backoff { base, max }
    }

    /// The un-jittered delay after `failures` failures in a row (`base · 2^failures`,
    /// saturating, capped at `max`).
    pub fn ceiling(&self, failures: u32) -> Duration {
        self.base
            .saturating_mul(2u32.saturating_pow(failures.min(31)))
            .min(self.max)
    }

    /// The delay after `failures` failures, with `unit` (0.0..=1.0) choosing where between
    /// half and all of [`Backoff::ceiling`] it falls. Deterministic, for tests.
    pub fn delay_at(&self, failures: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(failures);
        let half = ceiling / 2;
        half.saturating_add(half.mul_f64(unit.clamp(0.0, 1.0)))
    }

    /// The delay after `failures` failures, randomly jittered.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_at(failures, rand::rng().random_range(0.0..=1.0))
    }
}

/// A random extra of up to `max`, added to a server's reset time so a client lands after
/// the reset rather than on it.
pub fn jitter(max: Duration) -> Duration {
    let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

/// A wait of `secs` seconds as a server asked for it, clamped to `1 s ..= MAX_SERVER_WAIT`.
pub fn server_wait(secs: u64) -> Duration {
    Duration::from_secs(secs.clamp(1, MAX_SERVER_WAIT.as_secs()))
}

/// Seconds from `now` until `reset` (both unix seconds, any clock), clamped like
/// [`server_wait`]; a reset in the past gives 1 s.
pub fn server_wait_until(reset: i64, now: i64) -> Duration {
    server_wait(u64::try_from(reset.saturating_sub(now)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_jitter_and_stays_capped() {
        let b = Backoff::new(Duration::from_secs(2), Duration::from_secs(60));
        assert_eq!(b.delay_at(0, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay_at(0, 1.0), Duration::from_secs(2));
        assert_eq!(b.delay_at(2, 1.0), Duration::from_secs(8));
        assert_eq!(b.delay_at(2, 0.5), Duration::from_secs(6));
        for failures in [5, 6, 31, 32, u32::MAX] {
            assert_eq!(b.ceiling(failures), Duration::from_secs(60), "{failures}");
            let d = b.delay(failures);
            assert!(d >= Duration::from_secs(30) && d <= Duration::from_secs(60));
        }
        let huge = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(
            huge.ceiling(u32::MAX),
            Duration::MAX,
            "saturates, never panics"
        );
        assert!(huge.delay(u32::MAX) <= Duration::MAX);
    }

    #[test]
    fn server_waits_are_clamped() {
        assert_eq!(server_wait(99_999_999_999), MAX_SERVER_WAIT);
        assert_eq!(server_wait(u64::MAX), MAX_SERVER_WAIT);
        assert_eq!(server_wait(0), Duration::from_secs(1));
        assert_eq!(server_wait(30), Duration::from_secs(30));
        assert_eq!(server_wait_until(i64::MAX, i64::MIN), MAX_SERVER_WAIT);
        assert_eq!(
            server_wait_until(i64::MIN, i64::MAX),
            Duration::from_secs(1)
        );
        assert_eq!(
            server_wait_until(1_000_120, 1_000_000),
            Duration::from_secs(120)
        );
        assert!(jitter(Duration::from_millis(10)) <= Duration::from_millis(10));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
