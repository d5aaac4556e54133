//! The `file:{id}` data channels of one peer (PROTOCOL.md "Files"): the sender opens one
//! per accepted transfer and pumps the file's bytes into it; the receiver takes only the
//! channels it expects (an id it accepted) and writes what arrives to the `.part` file,
//! hashing as it goes. Each channel has a task of its own, so chat on `janus` never waits
//! behind bytes, and a receiver that stops reading holds back only its own sender.
//!
//! Pacing: 0.21's `send()` buffers without bound unless told, so the sender hands messages
//! of at most [`CHUNK_BYTES`] over with the non-blocking `try_send` while the channel's
//! outstanding bytes stay within its send window (`send_window.rs`: the path's
//! bandwidth-delay product from ICE's round trip, 64 KiB on loopback, at most the
//! connection's send-buffer limit [`MAX_WINDOW`], 1 MiB), then waits for
//! `OnBufferedAmountLow` (set at half the window) or a short backstop tick. Memory per
//! transfer is therefore flat, whatever the file's size: the reader's buffer, one message,
//! and what SCTP holds.
//!
//! Reports go out as `PeerEvent::File` on the peer's own event channel. The session
//! (`session.rs`) calls `FileChannels`; nothing here touches the `janus` channel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};
use webrtc::error::Error as WebrtcError;
use webrtc::peer_connection::PeerConnection;

use super::delivered::messages_received;
use super::peer::{PeerEvent, PeerHandle, PeerId, Request, RtcError};
use super::reach::selected_round_trip;
use super::send_window::{SendWindow, MAX_WINDOW, RTT_REFRESH};
use crate::app::FileEvent;

/// Labels of file channels start with this; the rest is the transfer id.
pub const FILE_CHANNEL_PREFIX: &str = "file:";
/// Largest binary message on a file channel.
pub const CHUNK_BYTES: usize = 16 * 1024;
/// How often progress is reported, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Backstop when no `OnBufferedAmountLow` arrives.
const PACE_RETRY: Duration = Duration::from_millis(20);
/// How long an opened channel may take to open.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// File channels (expected or running) one peer may have at once; beyond, more are refused.
pub const MAX_FILE_CHANNELS: usize = 16;
/// After the remote closed a file channel: the most time spent reading the messages the
/// connection counted as received but had not handed over yet (`delivered.rs`).
const CLOSE_DRAIN_LIMIT: Duration = Duration::from_secs(10);
/// Buffer of the file reader and writer.
const IO_BUFFER: usize = 1024 * 1024;

/// What to send on a new `file:{id}` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSource {
    pub id: String,
    pub path: PathBuf,
    /// First byte to send (what the receiver holds already).
    pub offset: u64,
    /// The announced size: bytes `offset..size` are sent.
    pub size: u64,
}

/// Where the bytes of an expected `file:{id}` channel go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSink {
    pub id: String,
    /// The `.part` file; its first `offset` bytes are kept (and hashed first).
    pub part: PathBuf,
    pub offset: u64,
    /// The announced size: the transfer is complete when `size − offset` bytes arrived.
    pub size: u64,
}

/// The file channels of one peer: the ones expected, and the tasks running.
pub(crate) struct FileChannels {
    peer: PeerId,
    events: mpsc::Sender<(PeerId, PeerEvent)>,
    /// Accepted incoming transfers whose channel has not opened yet, by id.
    expected: HashMap<String, FileSink>,
    /// Running pumps by id, with their channel (closed on `stop`).
    running: HashMap<String, (Arc<dyn DataChannel>, AbortHandle)>,
}

impl FileChannels {
    pub(crate) fn new(peer: PeerId, events: mpsc::Sender<(PeerId, PeerEvent)>) -> Self {
        FileChannels {
            peer,
            events,
            expected: HashMap::new(),
            running: HashMap::new(),
        }
    }

    fn busy(&mut self) -> bool {
        self.running.retain(|_, (_, task)| !task.is_finished());
        self.expected.len() + self.running.len() >= MAX_FILE_CHANNELS
    }

    /// Runs one of the file requests of `peer.rs`.
    pub(crate) async fn on_request(&mut self, pc: &Arc<dyn PeerConnection>, request: Request) {
        match request {
            Request::SendFile(source) => self.send(pc, source).await,
            Request::ExpectFile(sink) => {
                if self.busy() {
                    let id = sink.id.clone();
                    self.report(ended(
                        &id,
                        sink.offset,
                        "too many file channels at once",
                        false,
                    ))
                    .await;
                } else {
                    self.expected.insert(sink.id.clone(), sink);
                }
            }
            Request::StopFile(id) => self.stop(&id).await,
            _ => {}
        }
    }

    async fn report(&self, event: FileEvent) {
        let _ = self.events.send((self.peer, PeerEvent::File(event))).await;
    }

    /// Opens `file:{id}` and starts pumping the file into it.
    async fn send(&mut self, pc: &Arc<dyn PeerConnection>, source: FileSource) {
        if self.busy() {
            return self
                .report(ended(
                    &source.id,
                    source.offset,
                    "too many file channels at once",
                    false,
                ))
                .await;
        }
        let init = RTCDataChannelInit {
            ordered: true,
            ..Default::default()
        };
        let label = format!("{FILE_CHANNEL_PREFIX}{}", source.id);
        let channel = match pc.create_data_channel(&label, Some(init)).await {
            Ok(channel) => channel,
            Err(e) => {
                let error = format!("cannot open the file channel: {e}");
                return self
                    .report(ended(&source.id, source.offset, &error, true))
                    .await;
            }
        };
        let _ = channel
            .set_buffered_amount_high_threshold(MAX_WINDOW as u32)
            .await;
        let (id, events, peer) = (source.id.clone(), self.events.clone(), self.peer);
        let (pump, pc) = (channel.clone(), pc.clone());
        let task = tokio::spawn(async move {
            let event = send_file(pump.as_ref(), pc.as_ref(), &source, &events, peer).await;
            let _ = pump.close().await;
            let _ = events.send((peer, PeerEvent::File(event))).await;
        });
        self.running.insert(id, (channel, task.abort_handle()));
    }

    /// Stops the pump of `id` (if any) and closes its channel; forgets an expected one.
    async fn stop(&mut self, id: &str) {
        self.expected.remove(id);
        if let Some((channel, task)) = self.running.remove(id) {
            task.abort();
            let _ = channel.close().await;
        }
    }

    /// A channel the remote opened whose label starts with `file:`: taken if its id is
    /// expected (once), closed otherwise.
    pub(crate) async fn adopt(
        &mut self,
        pc: &Arc<dyn PeerConnection>,
        label: &str,
        channel: Arc<dyn DataChannel>,
    ) {
        let id = label.trim_start_matches(FILE_CHANNEL_PREFIX);
        let Some(sink) = self.expected.remove(id) else {
            tracing::debug!(
                peer = self.peer,
                label,
                "closing a file channel nobody accepted"
            );
            let _ = channel.close().await;
            return;
        };
        let (events, peer, pump, pc) =
            (self.events.clone(), self.peer, channel.clone(), pc.clone());
        let task = tokio::spawn(async move {
            let event = receive_file(pump.as_ref(), pc.as_ref(), &sink, &events, peer).await;
            let _ = pump.close().await;
            let _ = events.send((peer, PeerEvent::File(event))).await;
        });
        self.running
            .insert(id.to_string(), (channel, task.abort_handle()));
    }
}

fn ended(id: &str, bytes: u64, error: &str, keep: bool) -> FileEvent {
    FileEvent::Ended {
        id: id.to_string(),
        bytes,
        error: error.to_string(),
        keep,
    }
}

/// Reports progress at most every [`PROGRESS_EVERY`].
struct Progress<'a> {
    id: &'a str,
    events: &'a mpsc::Sender<(PeerId, PeerEvent)>,
    peer: PeerId,
    last: Instant,
}

impl Progress<'_> {
    async fn at(&mut self, bytes: u64) {
        if self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            let event = FileEvent::Progress {
                id: self.id.to_string(),
                bytes,
            };
            let _ = self.events.send((self.peer, PeerEvent::File(event))).await;
        }
    }
}

/// Waits until the channel opens; false if it closed or timed out first.
async fn opened(channel: &dyn DataChannel) -> bool {
    let wait = async {
        loop {
            match channel.poll().await {
                Some(DataChannelEvent::OnOpen) => return true,
                Some(DataChannelEvent::OnClose) | None => return false,
                Some(_) => {}
            }
        }
    };
    tokio::time::timeout(OPEN_TIMEOUT, wait)
        .await
        .unwrap_or(false)
}

/// Waits for the buffered amount to fall (or the backstop); false if the channel closed.
async fn drained_below_low(channel: &dyn DataChannel) -> bool {
    let wait = async {
        loop {
            match channel.poll().await {
                Some(DataChannelEvent::OnBufferedAmountLow) => return true,
                Some(DataChannelEvent::OnClose) | None => return false,
                Some(_) => {}
            }
        }
    };
    tokio::time::timeout(PACE_RETRY, wait).await.unwrap_or(true)
}

/// The send window of one transfer, kept current: ICE's round trip is read every
/// [`RTT_REFRESH`], and the channel's low threshold follows the window.
struct Pacer {
    window: SendWindow,
    /// The low threshold set on the channel (changed only when the window changes).
    low_water: usize,
    next_refresh: Instant,
}

impl Pacer {
    async fn new(channel: &dyn DataChannel, pc: &dyn PeerConnection, id: &str) -> Pacer {
        let mut pacer = Pacer {
            window: SendWindow::default(),
            low_water: 0,
            next_refresh: Instant::now(),
        };
        pacer.refresh(channel, pc).await;
        tracing::debug!(
            id,
            window = pacer.window.bytes(),
            rtt_us = pacer.window.min_rtt().map(|rtt| rtt.as_micros() as u64),
            "file send window"
        );
        pacer
    }

    async fn refresh(&mut self, channel: &dyn DataChannel, pc: &dyn PeerConnection) {
        self.next_refresh = Instant::now() + RTT_REFRESH;
        if let Some(rtt) = selected_round_trip(pc).await {
            self.window.observe(rtt);
        }
        if self.window.low_water() != self.low_water {
            self.low_water = self.window.low_water();
            let _ = channel
                .set_buffered_amount_low_threshold(self.low_water as u32)
                .await;
        }
    }

    /// Hands `chunk` to the channel once it fits in the window; `Err` says why it cannot.
    async fn send(
        &mut self,
        channel: &dyn DataChannel,
        pc: &dyn PeerConnection,
        chunk: BytesMut,
    ) -> Result<(), String> {
        loop {
            if Instant::now() >= self.next_refresh {
                self.refresh(channel, pc).await;
            }
            let outstanding = channel
                .outstanding_bytes()
                .await
                .map_err(|e| format!("the connection ended: {e}"))?;
            // An empty window always takes one chunk, whatever the window's size.
            let fits = outstanding == 0 || outstanding + chunk.len() <= self.window.bytes();
            if fits {
                match channel.try_send(chunk.clone()).await {
                    Ok(()) => return Ok(()),
                    Err(WebrtcError::ErrSendBufferFull) => {}
                    Err(e) => return Err(format!("the connection ended: {e}")),
                }
            }
            if !drained_below_low(channel).await {
                return Err("the receiver closed the channel".to_string());
            }
        }
    }
}

/// The sender's pump: bytes `offset..size` of the file, paced on its send window, then
/// waits until SCTP has them all acknowledged.
async fn send_file(
    channel: &dyn DataChannel,
    pc: &dyn PeerConnection,
    source: &FileSource,
    events: &mpsc::Sender<(PeerId, PeerEvent)>,
    peer: PeerId,
) -> FileEvent {
    let id = source.id.as_str();
    if !opened(channel).await {
        return ended(id, source.offset, "the file channel did not open", true);
    }
    let file = match tokio::fs::File::open(&source.path).await {
        Ok(file) => file,
        Err(e) => {
            return ended(
                id,
                source.offset,
                &format!("cannot read the file: {e}"),
                false,
            )
        }
    };
    let mut reader = BufReader::with_capacity(IO_BUFFER, file);
    if let Err(e) = reader.seek(std::io::SeekFrom::Start(source.offset)).await {
        return ended(
            id,
            source.offset,
            &format!("cannot read the file: {e}"),
            false,
        );
    }
    let mut progress = Progress {
        id,
        events,
        peer,
        last: Instant::now(),
    };
    let mut pacer = Pacer::new(channel, pc, id).await;
    let mut sent = source.offset;
    while sent < source.size {
        let want = CHUNK_BYTES.min((source.size - sent) as usize);
        let mut chunk = BytesMut::zeroed(want);
        if let Err(e) = reader.read_exact(&mut chunk).await {
            let error = format!("the file changed while it was sent (it is shorter now): {e}");
            return ended(id, sent, &error, false);
        }
        if let Err(why) = pacer.send(channel, pc, chunk).await {
            return ended(id, sent, &why, true);
        }
        sent += want as u64;
        progress.at(sent).await;
    }
    // Done when SCTP has every byte acknowledged (or the receiver, complete, closed).
    loop {
        match channel.outstanding_bytes().await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if !drained_below_low(channel).await {
                    break;
                }
            }
        }
    }
    FileEvent::Sent { id: id.to_string() }
}

/// The whole-file SHA-256 so far: the first `len` bytes of `part`.
async fn hash_prefix(part: PathBuf, len: u64) -> std::io::Result<Sha256> {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut hasher = Sha256::new();
        let mut file = std::fs::File::open(part)?.take(len);
        let mut buf = vec![0u8; IO_BUFFER];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The receiver's pump: writes what arrives after the `offset` bytes already kept, hashing
/// the whole file, until `size − offset` bytes arrived.
async fn receive_file(
    channel: &dyn DataChannel,
    pc: &dyn PeerConnection,
    sink: &FileSink,
    events: &mpsc::Sender<(PeerId, PeerEvent)>,
    peer: PeerId,
) -> FileEvent {
    let id = sink.id.as_str();
    let io_failed = |bytes: u64, e: std::io::Error| {
        ended(id, bytes, &format!("cannot write the file: {e}"), false)
    };
    let mut hasher = match hash_prefix(sink.part.clone(), sink.offset).await {
        Ok(hasher) => hasher,
        Err(e) => return io_failed(sink.offset, e),
    };
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(&sink.part)
        .await;
    let mut file = match file {
        Ok(file) => file,
        Err(e) => return io_failed(sink.offset, e),
    };
    if let Err(e) = file.set_len(sink.offset).await {
        return io_failed(sink.offset, e);
    }
    if let Err(e) = file.seek(std::io::SeekFrom::Start(sink.offset)).await {
        return io_failed(sink.offset, e);
    }
    let mut writer = BufWriter::with_capacity(IO_BUFFER, file);
    let mut progress = Progress {
        id,
        events,
        peer,
        last: Instant::now(),
    };
    let mut held = sink.offset;
    // A remote close ends nothing by itself (`delivered.rs`): what trails it is read until
    // this task has read as many messages as the connection counted on the channel then
    // (at most CLOSE_DRAIN_LIMIT, or at once if the connection does not report it).
    let mut messages_read: u64 = 0;
    let mut closed: Option<(Instant, Option<u64>)> = None;
    while held < sink.size {
        let event = match closed {
            None => channel.poll().await,
            Some((_, counted)) if counted.is_none_or(|n| messages_read >= n) => None,
            Some((at, _)) => tokio::time::timeout_at(at + CLOSE_DRAIN_LIMIT, channel.poll())
                .await
                .unwrap_or(None),
        };
        match event {
            Some(DataChannelEvent::OnClose) if closed.is_none() => {
                let counted = messages_received(pc, channel.id()).await;
                tracing::debug!(
                    peer,
                    id,
                    held,
                    size = sink.size,
                    messages_read,
                    messages_counted = counted,
                    "file channel closed by the remote"
                );
                closed = Some((Instant::now(), counted));
            }
            Some(DataChannelEvent::OnMessage(message)) => {
                messages_read += 1;
                let data = &message.data;
                if data.len() as u64 > sink.size - held {
                    return ended(
                        id,
                        held,
                        "the sender sent more bytes than it announced",
                        false,
                    );
                }
                if let Err(e) = writer.write_all(data).await {
                    return io_failed(held, e);
                }
                hasher.update(data);
                held += data.len() as u64;
                progress.at(held).await;
            }
            Some(DataChannelEvent::OnClose) | None => {
                tracing::debug!(
                    peer,
                    id,
                    held,
                    size = sink.size,
                    after_close_ms = closed.map(|(at, _)| at.elapsed().as_millis() as u64),
                    "file channel ended short"
                );
                let _ = writer.flush().await;
                return ended(
                    id,
                    held,
                    "the connection ended before the whole file arrived",
                    true,
                );
            }
            Some(_) => {}
        }
    }
    if let Err(e) = writer.flush().await {
        return io_failed(held, e);
    }
    if let Err(e) = writer.get_ref().sync_data().await {
        return io_failed(held, e);
    }
    FileEvent::Received {
        id: id.to_string(),
        sha256: hex::encode(hasher.finalize()),
    }
}

impl PeerHandle {
    /// Opens `file:{id}` to the remote and sends the file's bytes `offset..size` on it.
    /// Reports come as `PeerEvent::File` (`Progress`, then `Sent` or `Ended`).
    pub fn send_file(&self, source: FileSource) -> Result<(), RtcError> {
        self.enqueue(Request::SendFile(source))
    }

    /// Expects the remote to open `file:{id}` and writes its bytes into `sink.part`
    /// (`Progress`, then `Received` with the whole file's SHA-256, or `Ended`). Queue it
    /// before the `file.accept` that makes the remote open the channel: requests are taken
    /// in order.
    pub fn expect_file(&self, sink: FileSink) -> Result<(), RtcError> {
        self.enqueue(Request::ExpectFile(sink))
    }

    /// Stops transfer `id` on this peer (its channel is closed; no report follows).
    pub fn stop_file(&self, id: &str) -> Result<(), RtcError> {
        self.enqueue(Request::StopFile(id.to_string()))
    }
}
