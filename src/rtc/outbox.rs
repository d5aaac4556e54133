//! The byte-bounded FIFO of encoded frames that waits in front of a peer's data channel (before
//! it opens, or while SCTP is at its send-buffer limit). `session/send.rs` drains it.

use std::collections::VecDeque;

/// FIFO of encoded frames bounded by their total size.
#[derive(Debug)]
pub(crate) struct Outbox {
    /// Frames in send order.
    frames: VecDeque<String>,
    /// Sum of `frames` lengths.
    bytes: usize,
    /// Bound on `bytes`; one frame is always admitted into an empty outbox.
    limit: usize,
}

impl Outbox {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            frames: VecDeque::new(),
            bytes: 0,
            limit,
        }
    }

    /// Appends unless that would pass the limit; `false` means refused.
    pub(crate) fn push(&mut self, frame: String) -> bool {
        if !self.frames.is_empty() && self.bytes + frame.len() > self.limit {
            return false;
        }
        self.push_anyway(frame);
        true
    }

    /// Appends regardless of the limit (the final `bye`: one small frame).
    pub(crate) fn push_anyway(&mut self, frame: String) {
        self.bytes += frame.len();
        self.frames.push_back(frame);
    }

    pub(crate) fn front(&self) -> Option<&str> {
        self.frames.front().map(String::as_str)
    }

    pub(crate) fn pop(&mut self) {
        if let Some(frame) = self.frames.pop_front() {
            self.bytes -= frame.len();
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_is_fifo_and_bounded_by_bytes() {
        let mut outbox = Outbox::new(10);
        assert!(outbox.push("aaaa".into()));
        assert!(outbox.push("bbbbbb".into()));
        assert!(!outbox.push("c".into()), "11 bytes would pass the limit");
        assert_eq!(outbox.front(), Some("aaaa"));
        outbox.pop();
        assert!(outbox.push("cccc".into()));
        assert_eq!(outbox.front(), Some("bbbbbb"));
        outbox.pop();
        outbox.pop();
        assert!(outbox.is_empty());
        outbox.pop();
        assert!(outbox.is_empty());
    }

    #[test]
    fn outbox_admits_one_large_frame_when_empty_and_the_final_bye_always() {
        let mut outbox = Outbox::new(4);
        assert!(outbox.push("0123456789".into()));
        assert!(!outbox.push("x".into()));
        outbox.push_anyway("bye".into());
        assert_eq!(outbox.front(), Some("0123456789"));
        outbox.pop();
        assert_eq!(outbox.front(), Some("bye"));
    }
}
