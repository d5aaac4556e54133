//! [`PeerHandle`], the cheap handle to one peer task, and the [`Request`]s it queues for
//! the task: a bounded queue (by count and by bytes) plus a one-slot queue for `close`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{PeerCommand, PeerId, RtcError, SEND_QUEUE_BYTES};
use crate::rtc::protocol::{self, Frame, MAX_FRAME_BYTES};

/// Requests from handles to the peer task.
#[derive(Debug)]
pub(crate) enum Request {
    /// Apply an answer and report the outcome.
    ApplyAnswer {
        sdp: String,
        reply: oneshot::Sender<Result<(), RtcError>>,
    },
    /// An encoded frame, already checked against the size limit.
    Send(String),
    /// Test hook: bytes sent as one binary message, unchecked.
    Raw(Vec<u8>),
    /// Test hook: close the data channel now (and the whole connection if `connection`), with
    /// no `bye` and no wait for acknowledgements, as a browser does on `RTCDataChannel.close()`
    /// right after `send()`, or when its tab closes.
    Abort { connection: bool },
    /// Test hook: the peer task panics, as a bug in it would.
    Crash,
    /// Open `file:{id}` and send a file on it (`file_channel.rs`).
    SendFile(crate::rtc::file_channel::FileSource),
    /// Take the remote's `file:{id}` channel when it opens, into this `.part`.
    ExpectFile(crate::rtc::file_channel::FileSink),
    /// Stop the transfer with this id.
    StopFile(String),
}

/// Cheap, cloneable access to one peer task. When the last clone is dropped the peer closes.
#[derive(Debug, Clone)]
pub struct PeerHandle {
    /// The id events from this peer carry.
    pub id: PeerId,
    /// Bounded queue into the task: a peer that stops draining makes `send` fail fast instead
    /// of growing memory.
    pub(super) requests: mpsc::Sender<Request>,
    /// Separate one-slot queue for `close`, so a close is never refused because the request
    /// queue is full. The task drains queued sends before its `bye`, keeping their order.
    pub(super) close: mpsc::Sender<String>,
    /// Bytes of `Send` requests queued and not yet taken by the task (bounded by
    /// [`SEND_QUEUE_BYTES`]); the task subtracts what it takes.
    pub(super) queued: Arc<AtomicUsize>,
    /// The path ICE selected, set by the task when the channel opens.
    pub(super) path: crate::rtc::reach::PathCell,
}

impl PeerHandle {
    /// Applies the answer SDP from the guest. Errors say why (not SDP, no data channel,
    /// refused by the connection, not expected); a failed answer leaves the peer waiting for
    /// another. Keep draining the events channel meanwhile: the task may be waiting on it.
    pub async fn apply_answer(&self, sdp: String) -> Result<(), RtcError> {
        let (reply, outcome) = oneshot::channel();
        self.requests
            .send(Request::ApplyAnswer { sdp, reply })
            .await
            .map_err(|_| RtcError::Closed)?;
        outcome.await.map_err(|_| RtcError::Closed)?
    }

    /// Queues a frame without waiting. Frames queued before `Open` go out once it opens.
    pub fn send(&self, frame: Frame) -> Result<(), RtcError> {
        let text = protocol::encode(&frame);
        if text.len() > MAX_FRAME_BYTES {
            return Err(RtcError::FrameTooLarge(text.len()));
        }
        let len = text.len();
        let queued = self.queued.load(Ordering::Acquire);
        if queued > 0 && queued + len > SEND_QUEUE_BYTES {
            return Err(RtcError::QueueFull);
        }
        self.queued.fetch_add(len, Ordering::AcqRel);
        let sent = self.enqueue(Request::Send(text));
        if sent.is_err() {
            self.queued.fetch_sub(len, Ordering::AcqRel);
        }
        sent
    }

    /// Asks the peer to send `bye` with this reason (best effort) and close. Idempotent.
    pub fn close(&self, reason: &str) {
        // Full means a close is already pending; closed means the peer is gone. Both are fine.
        let _ = self.close.try_send(reason.to_string());
    }

    /// Runs one [`PeerCommand`].
    pub async fn command(&self, command: PeerCommand) -> Result<(), RtcError> {
        match command {
            PeerCommand::ApplyAnswer(sdp) => self.apply_answer(sdp).await,
            PeerCommand::Send(frame) => self.send(frame),
            PeerCommand::Close { reason } => {
                self.close(&reason);
                Ok(())
            }
        }
    }

    /// The path the connection took (direct or relay); `None` before `Open`.
    pub fn path(&self) -> Option<crate::app::ConnPath> {
        self.path.0.get().copied()
    }

    /// Whether the peer task has ended (after `Closed` was emitted or is being emitted).
    pub fn is_closed(&self) -> bool {
        self.requests.is_closed()
    }

    /// Waits until the peer task has finished closing: its `bye` acknowledged (or given up
    /// on after `BYE_FLUSH_TIMEOUT`), the channel and the connection closed. Bound it.
    pub async fn closed(&self) {
        self.requests.closed().await
    }

    /// Test hook: sends `bytes` as one binary message with no encoding or size check, to
    /// exercise the remote's refusal paths. Not part of the API.
    #[doc(hidden)]
    pub fn send_raw_for_tests(&self, bytes: Vec<u8>) -> Result<(), RtcError> {
        self.enqueue(Request::Raw(bytes))
    }

    /// Test hook: after what is already queued, closes the data channel at once (and the whole
    /// connection if `connection`), with no `bye` and no wait for acknowledgements, as a browser
    /// does. Exercises the remote's handling of messages that arrive with the close. Not part
    /// of the API.
    #[doc(hidden)]
    pub fn abort_for_tests(&self, connection: bool) -> Result<(), RtcError> {
        self.enqueue(Request::Abort { connection })
    }

    /// Test hook: makes the peer task panic, to exercise its supervision (the peer is then
    /// reported `Closed`). Not part of the API.
    #[doc(hidden)]
    pub fn crash_for_tests(&self) -> Result<(), RtcError> {
        self.enqueue(Request::Crash)
    }

    pub(in crate::rtc) fn enqueue(&self, request: Request) -> Result<(), RtcError> {
        self.requests.try_send(request).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => RtcError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => RtcError::Closed,
        })
    }
}
