//! Flood limiting for incoming data-channel frames (PROTOCOL.md "Data channel"): pure logic, no IO, no clock.
//!
//! Every message the remote sends first asks [`FloodGuard::on_frame`] for a token from a token
//! bucket (20 frames/s sustained, bursts of 40). A message without a token is dropped unread
//! and counted; a message that is read but refused by the decoder (oversized, not UTF-8, bad
//! JSON, …) is counted through [`FloodGuard::on_bad_frame`]. Once more than
//! [`MAX_DROPS`] messages have been dropped over the peer's lifetime, the verdict becomes
//! [`Admission::Close`]: the peer task closes the connection with the reason `"flooding"`.
//!
//! The caller passes the time in (`Instant`), so the tests below drive the clock explicitly.

use std::time::{Duration, Instant};

/// Sustained frames per second a remote may send.
pub const RATE_PER_SEC: u32 = 20;
/// Frames a remote may send at once after being quiet (the bucket's capacity).
pub const BURST: u32 = 40;
/// Lifetime drops tolerated; one more closes the peer with reason [`FLOOD_CLOSE_REASON`].
///
/// A well-behaved guest page never drops a frame (it sends a few per second at most), so 200
/// is far from normal use yet small enough that abuse ends within seconds. The count never
/// decays: "repeated abuse" is judged over the whole session.
pub const MAX_DROPS: u64 = 200;
/// The `Closed` reason used when a peer is closed for abuse.
pub const FLOOD_CLOSE_REASON: &str = "flooding";

/// The limits a [`FloodGuard`] enforces. `Default` is the protocol's (PROTOCOL.md "Data channel").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// Tokens added per second: the sustained frame rate allowed.
    pub rate_per_sec: u32,
    /// Bucket capacity: how many frames may arrive back to back after a quiet spell.
    pub burst: u32,
    /// Drops tolerated over the peer's lifetime before the verdict is [`Admission::Close`].
    pub max_drops: u64,
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self {
            rate_per_sec: RATE_PER_SEC,
            burst: BURST,
            max_drops: MAX_DROPS,
        }
    }
}

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Within limits: decode and deliver it.
    Accept,
    /// Dropped and counted; `total` is the lifetime drop count including this one.
    Drop { total: u64 },
    /// Dropped, and the drop count passed [`FloodLimits::max_drops`]: close the peer.
    Close { total: u64 },
}

/// Per-peer token bucket plus a lifetime drop counter.
#[derive(Debug, Clone)]
pub struct FloodGuard {
    /// The limits in force; copied in so tests can use small ones.
    limits: FloodLimits,
    /// Tokens available, in millitokens (1000 = one frame), so refill needs no floats and
    /// sub-token progress between closely spaced frames is not lost.
    millitokens: u64,
    /// When the bucket was last refilled; refill is lazy, on each call.
    last_refill: Instant,
    /// Lifetime count of dropped messages (rate-limited or refused by the decoder).
    dropped: u64,
}

impl FloodGuard {
    /// A guard with a full bucket, as of `now`.
    pub fn new(limits: FloodLimits, now: Instant) -> Self {
        Self {
            limits,
            millitokens: u64::from(limits.burst) * 1000,
            last_refill: now,
            dropped: 0,
        }
    }

    /// Asks for a token for one incoming message arriving at `now`.
    ///
    /// A clock that goes backwards (it should not, `Instant` is monotonic) refills nothing.
    pub fn on_frame(&mut self, now: Instant) -> Admission {
        self.refill(now);
        if self.millitokens >= 1000 {
            self.millitokens -= 1000;
            Admission::Accept
        } else {
            self.count_drop()
        }
    }

    /// Counts a message that had a token but was refused by the decoder.
    pub fn on_bad_frame(&mut self) -> Admission {
        self.count_drop()
    }

    /// Lifetime drop count.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn count_drop(&mut self) -> Admission {
        self.dropped = self.dropped.saturating_add(1);
        if self.dropped > self.limits.max_drops {
            Admission::Close {
                total: self.dropped,
            }
        } else {
            Admission::Drop {
                total: self.dropped,
            }
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last_refill);
        let capacity = u64::from(self.limits.burst) * 1000;
        // rate/s = rate millitokens per ms; cap the elapsed time so the product cannot overflow.
        let elapsed_ms = elapsed.min(Duration::from_secs(3600)).as_millis() as u64;
        let earned = elapsed_ms * u64::from(self.limits.rate_per_sec);
        if earned > 0 {
            self.millitokens = (self.millitokens + earned).min(capacity);
            // Advance only by the whole milliseconds consumed, keeping the remainder.
            self.last_refill += Duration::from_millis(elapsed_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_full_burst_is_accepted_then_the_next_frame_is_dropped() {
        let t0 = Instant::now();
        let mut guard = FloodGuard::new(FloodLimits::default(), t0);
        for _ in 0..BURST {
            assert_eq!(guard.on_frame(t0), Admission::Accept);
        }
        assert_eq!(guard.on_frame(t0), Admission::Drop { total: 1 });
        assert_eq!(guard.dropped(), 1);
    }

    #[test]
    fn sustained_rate_of_twenty_per_second_is_never_dropped() {
        let t0 = Instant::now();
        let mut guard = FloodGuard::new(FloodLimits::default(), t0);
        // One frame every 50 ms for a minute: exactly the allowed rate, after emptying the burst.
        for _ in 0..BURST {
            assert_eq!(guard.on_frame(t0), Admission::Accept);
        }
        for i in 1..=1200u64 {
            assert_eq!(
                guard.on_frame(t0 + ms(50 * i)),
                Admission::Accept,
                "frame {i}"
            );
        }
        assert_eq!(guard.dropped(), 0);
    }

    #[test]
    fn faster_than_the_rate_drops_the_excess() {
        let t0 = Instant::now();
        let mut guard = FloodGuard::new(FloodLimits::default(), t0);
        // 40 frames/s for 10 s after the burst is spent: about half are dropped.
        for _ in 0..BURST {
            guard.on_frame(t0);
        }
        let mut accepted = 0;
        for i in 1..=400u64 {
            if guard.on_frame(t0 + ms(25 * i)) == Admission::Accept {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 200);
        assert_eq!(guard.dropped(), 200);
    }

    #[test]
    fn quiet_time_refills_up_to_the_burst_only() {
        let t0 = Instant::now();
        let mut guard = FloodGuard::new(FloodLimits::default(), t0);
        for _ in 0..BURST {
            guard.on_frame(t0);
        }
        // An hour of silence still allows only one burst.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..BURST {
            assert_eq!(guard.on_frame(later), Admission::Accept);
        }
        assert!(matches!(guard.on_frame(later), Admission::Drop { .. }));
    }

    #[test]
    fn sub_token_progress_is_kept_between_close_frames() {
        let t0 = Instant::now();
        let limits = FloodLimits {
            rate_per_sec: 20,
            burst: 1,
            max_drops: 1000,
        };
        let mut guard = FloodGuard::new(limits, t0);
        assert_eq!(guard.on_frame(t0), Admission::Accept);
        // 10 ms steps earn 0.2 token each; the fifth step completes one token.
        for i in 1..5u64 {
            assert!(
                matches!(guard.on_frame(t0 + ms(10 * i)), Admission::Drop { .. }),
                "step {i}"
            );
        }
        assert_eq!(guard.on_frame(t0 + ms(50)), Admission::Accept);
    }

    #[test]
    fn more_than_max_drops_closes_and_bad_frames_count_too() {
        let t0 = Instant::now();
        let mut guard = FloodGuard::new(FloodLimits::default(), t0);
        // Half the drops are garbage that had a token, half are rate-limited.
        for _ in 0..100 {
            assert!(matches!(guard.on_bad_frame(), Admission::Drop { .. }));
        }
        for _ in 0..BURST {
            guard.on_frame(t0);
        }
        for _ in 0..100 {
            assert!(matches!(guard.on_frame(t0), Admission::Drop { .. }));
        }
        assert_eq!(guard.dropped(), MAX_DROPS);
        assert_eq!(
            guard.on_frame(t0),
            Admission::Close {
                total: MAX_DROPS + 1
            }
        );
        assert_eq!(
            guard.on_bad_frame(),
            Admission::Close {
                total: MAX_DROPS + 2
            }
        );
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing_and_does_not_panic() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut guard = FloodGuard::new(
            FloodLimits {
                rate_per_sec: 20,
                burst: 1,
                max_drops: 5,
            },
            t0,
        );
        assert_eq!(guard.on_frame(t0), Admission::Accept);
        assert!(matches!(
            guard.on_frame(t0 - Duration::from_secs(5)),
            Admission::Drop { .. }
        ));
        assert!(matches!(guard.on_frame(t0), Admission::Drop { .. }));
    }
}
