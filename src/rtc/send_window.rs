//! How far a file sender may run ahead of the receiver's acknowledgements: its send window.
//!
//! 0.21's SCTP sends whatever its congestion window allows in one burst, and a browser
//! reads its UDP socket with a small receive buffer (Chromium: 128 KiB, about 56 packets).
//! On a fast path (loopback, a LAN) nothing spaces the packets out, so a window much larger
//! than that buffer overflows it whenever the receiving browser is a moment late; the packets
//! lost at the tail of a window are only resent after SCTP's retransmission timeout (1 s, and
//! doubling), and the transfer crawls. Measured host → Chromium on loopback with a 1 MiB
//! window: ~450 packets dropped per 128 MiB and one ~1 s stall per ~20 MiB; with 64 KiB,
//! a tenth of the drops and no stall (BENCHMARKS.md, "Files").
//!
//! So the window is the path's bandwidth-delay product at [`PATH_RATE`], from the smallest
//! round trip ICE measured (a slow path needs more bytes in flight, a fast one fewer), kept
//! between [`MIN_WINDOW`] and [`MAX_WINDOW`]. Pure: the round trips are inputs.

use std::time::Duration;

/// The rate the window is sized for, in bytes per second (128 Mbit/s, about what Chromium's
/// own data channels carry on loopback: 17 MB/s measured): the window limits a transfer to
/// this rate at most, and only on paths of 4–65 ms round trip (below, [`MIN_WINDOW`] allows
/// more; above, [`MAX_WINDOW`] per round trip is less anyway). ICE's round trip on loopback
/// reads 1–5 ms (it includes 0.21's scheduling), hence a rate this low.
pub const PATH_RATE: f64 = 16.0 * 1_000_000.0;
/// The smallest window: about one browser receive buffer's worth of packets (four chunks).
pub const MIN_WINDOW: usize = 64 * 1024;
/// The largest window: the connection's per-channel send-buffer limit.
pub const MAX_WINDOW: usize = super::peer::SEND_BUFFER_LIMIT;
/// How often the sender asks ICE for a fresh round trip.
pub const RTT_REFRESH: Duration = Duration::from_secs(1);

/// The send window of one transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SendWindow {
    /// Smallest round trip seen: the path's own delay. Later samples include the queue the
    /// transfer itself builds, so they can only lower it.
    min_rtt: Option<Duration>,
}

impl SendWindow {
    /// Takes a round-trip sample (ignored when zero: no measurement yet).
    pub fn observe(&mut self, rtt: Duration) {
        if rtt.is_zero() {
            return;
        }
        self.min_rtt = Some(self.min_rtt.map_or(rtt, |min| min.min(rtt)));
    }

    /// The smallest round trip seen, if any.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min_rtt
    }

    /// Bytes that may be outstanding. With no round trip known yet, the largest window
    /// (what a slow path needs; a fast one gets its smaller window at the first sample).
    pub fn bytes(&self) -> usize {
        match self.min_rtt {
            None => MAX_WINDOW,
            Some(rtt) => {
                let product = (rtt.as_secs_f64() * PATH_RATE) as usize;
                product.clamp(MIN_WINDOW, MAX_WINDOW)
            }
        }
    }

    /// Where the sender resumes once the outstanding bytes fell below: half the window, so
    /// the pipe never runs dry while the next chunks are handed over.
    pub fn low_water(&self) -> usize {
        self.bytes() / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_for(rtts_ms: &[f64]) -> SendWindow {
        let mut window = SendWindow::default();
        for ms in rtts_ms {
            window.observe(Duration::from_secs_f64(ms / 1000.0));
        }
        window
    }

    #[test]
    fn no_round_trip_yet_means_the_largest_window() {
        assert_eq!(SendWindow::default().bytes(), MAX_WINDOW);
        assert_eq!(window_for(&[0.0]).bytes(), MAX_WINDOW, "zero is no sample");
    }

    #[test]
    fn a_fast_path_gets_the_smallest_window() {
        // Loopback: ICE measures ~1–5 ms.
        assert_eq!(window_for(&[0.1]).bytes(), MIN_WINDOW);
        assert_eq!(window_for(&[1.8]).bytes(), MIN_WINDOW);
        assert_eq!(window_for(&[1.8]).low_water(), MIN_WINDOW / 2);
    }

    #[test]
    fn the_window_is_the_bandwidth_delay_product_in_between() {
        // 16 ms at 16 MB/s = 256 000 bytes.
        assert_eq!(window_for(&[16.0]).bytes(), 256_000);
        assert_eq!(window_for(&[16.0]).low_water(), 128_000);
    }

    #[test]
    fn a_slow_path_gets_the_largest_window() {
        assert_eq!(window_for(&[70.0]).bytes(), MAX_WINDOW);
        assert_eq!(window_for(&[250.0]).bytes(), MAX_WINDOW);
    }

    #[test]
    fn queueing_during_the_transfer_cannot_grow_the_window() {
        // The first sample is the path; later ones include the transfer's own queue.
        let window = window_for(&[1.8, 5.2, 30.0]);
        assert_eq!(window.min_rtt(), Some(Duration::from_secs_f64(0.0018)));
        assert_eq!(window.bytes(), MIN_WINDOW);
        // A smaller one later is the better estimate of the path.
        assert_eq!(window_for(&[32.0, 8.0]).bytes(), 128_000);
    }
}
