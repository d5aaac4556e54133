//! Terminal output off the event loop: both consoles hand their bytes to [`Output`], whose
//! own thread writes them to stdout (or any `Write`), so a terminal that stops reading (a
//! paused `ssh`, a full pipe, Ctrl-S) never blocks the host loop.
//!
//! The queue between the two is bounded by bytes ([`OUTPUT_LIMIT`]). A chunk that does not fit
//! is refused whole, never cut: a view either shows it or knows it did not (the plain console
//! counts lines not shown, the TUI redraws the whole screen next frame), and no escape sequence
//! is ever half written. When a write fails (EPIPE after `| head` exits: Rust ignores SIGPIPE,
//! so it is an error; EIO on a hung-up terminal) or, while idle, the output is found hung up
//! (`poll` reports `POLLERR`/`POLLHUP` on stdout), the output is marked closed for good and the
//! views report it (`View::output_closed`) so the host quits cleanly.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Bytes that may wait for the terminal. A few full-screen frames, or thousands of lines.
pub const OUTPUT_LIMIT: usize = 1024 * 1024;
/// How often the idle writer thread checks whether stdout was closed under it.
const PROBE_INTERVAL: Duration = Duration::from_millis(200);

/// Why a chunk was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The terminal is not reading and the queue is at [`OUTPUT_LIMIT`].
    Full,
    /// The output is gone (broken pipe, hung-up terminal) or was stopped.
    Closed,
}

/// What the writer thread and the views share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a chunk is queued or the output is stopped.
    work: Condvar,
    /// Signalled when the writer thread becomes idle (queue empty, nothing in flight).
    idle: Condvar,
    /// Set once, when writing failed or stdout was found closed; never cleared.
    closed: AtomicBool,
    /// A chunk was refused (full) since the last [`Output::take_refused`].
    refused: AtomicBool,
}

/// The queue proper, behind `Shared::queue`.
struct Queue {
    chunks: VecDeque<Vec<u8>>,
    /// Sum of the queued chunks' lengths, kept under the limit.
    bytes: usize,
    /// The byte budget (normally [`OUTPUT_LIMIT`]).
    limit: usize,
    /// A chunk is being written right now.
    writing: bool,
    /// The writer thread should exit once the queue is empty.
    stop: bool,
}

/// Handle to one writer thread; cheap to clone (the plain console's view and its input
/// reader share one).
#[derive(Clone)]
pub struct Output {
    shared: Arc<Shared>,
}

impl Output {
    /// Output to the process's stdout, which is also watched for being closed while idle.
    pub fn stdout() -> Output {
        Output::start(io::stdout(), OUTPUT_LIMIT, stdout_hung_up)
    }

    /// Output to any writer (tests use a pipe or a buffer), with a byte budget of `limit`.
    pub fn spawn<W: Write + Send + 'static>(out: W, limit: usize) -> Output {
        Output::start(out, limit, || false)
    }

    fn start<W, P>(mut out: W, limit: usize, hung_up: P) -> Output
    where
        W: Write + Send + 'static,
        P: Fn() -> bool + Send + 'static,
    {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                chunks: VecDeque::new(),
                bytes: 0,
                limit,
                writing: false,
                stop: false,
            }),
            work: Condvar::new(),
            idle: Condvar::new(),
            closed: AtomicBool::new(false),
            refused: AtomicBool::new(false),
        });
        let thread_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("terminal-output".into())
            .spawn(move || write_loop(&thread_shared, &mut out, hung_up));
        if let Err(e) = spawned {
            // No thread, no output: say so once on stderr and behave like a closed terminal.
            eprintln!("janus: cannot start the terminal output thread: {e}");
            shared.closed.store(true, Ordering::SeqCst);
        }
        Output { shared }
    }

    /// Queues `chunk` to be written as one piece, without waiting.
    pub fn try_write(&self, chunk: Vec<u8>) -> Result<(), Refused> {
        if self.is_closed() {
            return Err(Refused::Closed);
        }
        if chunk.is_empty() {
            return Ok(());
        }
        let mut queue = self.lock();
        if queue.stop {
            return Err(Refused::Closed);
        }
        if queue.bytes + chunk.len() > queue.limit {
            self.shared.refused.store(true, Ordering::SeqCst);
            return Err(Refused::Full);
        }
        queue.bytes += chunk.len();
        queue.chunks.push_back(chunk);
        drop(queue);
        self.shared.work.notify_one();
        Ok(())
    }

    /// Queues one line (a newline is added); best effort, for messages outside the log.
    pub fn line(&self, text: &str) {
        let _ = self.try_write(format!("{text}\n").into_bytes());
    }

    /// Whether a chunk was refused because the terminal was not reading, since the last call
    /// (a full-screen view then redraws whole: the screen is not what its last frame believes).
    pub fn take_refused(&self) -> bool {
        self.shared.refused.swap(false, Ordering::SeqCst)
    }

    /// Whether a chunk was refused since the last [`Output::take_refused`], without clearing it.
    pub fn was_refused(&self) -> bool {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Whether the terminal is gone for good (the views then ask the host to quit).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Waits until everything queued so far was written, at most `limit`. Returns whether it was.
    pub fn flush_within(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut queue = self.lock();
        while (!queue.chunks.is_empty() || queue.writing) && !self.is_closed() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            queue = match self.shared.idle.wait_timeout(queue, left) {
                Ok((q, _)) => q,
                Err(p) => p.into_inner().0,
            };
        }
        queue.chunks.is_empty() && !queue.writing
    }

    /// Writes what is queued (waiting at most `limit`), then stops the thread: later chunks are
    /// refused. Whoever writes to the terminal directly afterwards (the TUI restoring it) is
    /// then never overtaken by a late frame.
    pub fn stop_within(&self, limit: Duration) {
        self.flush_within(limit);
        let mut queue = self.lock();
        queue.stop = true;
        // What could not be written in time is dropped rather than written after the caller's
        // own bytes.
        queue.chunks.clear();
        queue.bytes = 0;
        drop(queue);
        self.shared.work.notify_all();
        // A chunk still in flight finishes on its own; wait for it briefly.
        let deadline = Instant::now() + Duration::from_millis(100);
        let mut queue = self.lock();
        while queue.writing && Instant::now() < deadline {
            queue = match self
                .shared
                .idle
                .wait_timeout(queue, Duration::from_millis(10))
            {
                Ok((q, _)) => q,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// A `Write` that buffers until `flush` and then queues the buffer as one chunk (for
    /// ratatui's backend). A refused chunk is recorded: see [`Output::take_refused`].
    pub fn writer(&self) -> OutputWriter {
        OutputWriter {
            output: self.clone(),
            buf: Vec::new(),
            overflowed: false,
            limit: self.lock().limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writer thread: takes chunks in order, writes and flushes each; stops at the first
/// failure, or when stopped with an empty queue.
fn write_loop<W: Write, P: Fn() -> bool>(shared: &Arc<Shared>, out: &mut W, hung_up: P) {
    loop {
        let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        let chunk = loop {
            if let Some(chunk) = queue.chunks.pop_front() {
                queue.bytes -= chunk.len();
                queue.writing = true;
                break chunk;
            }
            shared.idle.notify_all();
            if queue.stop {
                return;
            }
            let (q, timeout) = match shared.work.wait_timeout(queue, PROBE_INTERVAL) {
                Ok(r) => r,
                Err(p) => p.into_inner(),
            };
            queue = q;
            if timeout.timed_out() && queue.chunks.is_empty() {
                if Arc::strong_count(shared) == 1 {
                    return; // every handle is gone: nothing more will come
                }
                if hung_up() {
                    mark_closed(shared, queue);
                    return;
                }
            }
        };
        drop(queue);
        let written = out.write_all(&chunk).and_then(|()| out.flush());
        let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.writing = false;
        if written.is_err() {
            mark_closed(shared, queue);
            return;
        }
    }
}

/// Marks the output closed for good and wakes whoever waits for it to drain.
fn mark_closed(shared: &Shared, mut queue: MutexGuard<'_, Queue>) {
    shared.closed.store(true, Ordering::SeqCst);
    queue.chunks.clear();
    queue.bytes = 0;
    queue.writing = false;
    drop(queue);
    shared.idle.notify_all();
}

/// Whether stdout's other end is gone: the reader of a pipe exited, or a terminal hung up.
#[cfg(unix)]
fn stdout_hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout; poll writes only `revents`.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
}

#[cfg(not(unix))]
fn stdout_hung_up() -> bool {
    false
}

/// [`Output::writer`]: a `Write` for ratatui's backend.
pub struct OutputWriter {
    output: Output,
    /// Bytes since the last flush.
    buf: Vec<u8>,
    /// The bytes since the last flush outgrew the whole budget: the rest until the next flush
    /// is dropped too, so no chunk ever starts in the middle of a frame.
    overflowed: bool,
    /// The output's byte budget (a chunk larger than it can never be queued).
    limit: usize,
}

impl Write for OutputWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // A frame is at most a few hundred KiB; more than the whole budget can never be queued.
        if self.overflowed || self.buf.len() + bytes.len() > self.limit {
            self.buf = Vec::new();
            self.overflowed = true;
        } else {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    /// Queues the buffer. Never fails and never blocks: a refused chunk is recorded (see
    /// [`Output::take_refused`]) and a closed output is reported through
    /// [`Output::is_closed`], not as an error ratatui would only log on every frame.
    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.overflowed) {
            self.output.shared.refused.store(true, Ordering::SeqCst);
            return Ok(());
        }
        let _ = self.output.try_write(std::mem::take(&mut self.buf));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A writer that fails like a pipe whose reader exited.
    struct BrokenPipe;

    impl Write for BrokenPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn chunks_are_written_in_order() {
        let sink = Sink::default();
        let out = Output::spawn(sink.clone(), 1024);
        for i in 0..100 {
            out.try_write(format!("{i}\n").into_bytes()).unwrap();
        }
        assert!(out.flush_within(Duration::from_secs(5)));
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let expected: String = (0..100).map(|i| format!("{i}\n")).collect();
        assert_eq!(text, expected);
    }

    #[test]
    fn a_full_queue_refuses_whole_chunks_without_blocking() {
        let (_reader, writer) = std::io::pipe().unwrap(); // nobody reads
        let out = Output::spawn(writer, 64 * 1024);
        // A write that waited for the reader would wait forever: the bound only tells
        // blocked from done (milliseconds), whatever the machine's load.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut refused = 0;
            for _ in 0..10_000 {
                if out.try_write(vec![b'x'; 1000]) == Err(Refused::Full) {
                    refused += 1;
                }
            }
            let _ = done_tx.send((out, refused));
        });
        let (out, refused) = done_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("try_write waited for a reader");
        assert!(refused > 9_000, "{refused}");
        assert!(!out.is_closed());
    }

    #[test]
    fn a_broken_pipe_closes_the_output() {
        let out = Output::spawn(BrokenPipe, 1024);
        assert!(!out.is_closed());
        out.line("into the void");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !out.is_closed() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(out.is_closed());
        assert_eq!(out.try_write(b"more".to_vec()), Err(Refused::Closed));
    }

    #[test]
    fn a_closed_reader_is_noticed_while_idle() {
        let (reader, writer) = std::io::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let fd = writer.as_raw_fd();
        let out = Output::start(writer, 1024, move || {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: as in `stdout_hung_up`; `fd` stays open (owned by the writer thread).
            unsafe { libc::poll(&mut p, 1, 0) > 0 && p.revents & libc::POLLERR != 0 }
        });
        drop(reader);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !out.is_closed() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            out.is_closed(),
            "nothing written, yet the closed pipe is seen"
        );
    }

    #[test]
    fn the_writer_reports_refused_frames() {
        let (_reader, pipe) = std::io::pipe().unwrap();
        let out = Output::spawn(pipe, 128 * 1024);
        let mut w = out.writer();
        assert!(!out.take_refused());
        for _ in 0..100 {
            w.write_all(&[b'y'; 4096]).unwrap();
            w.flush().unwrap();
        }
        assert!(out.take_refused());
        assert!(!out.take_refused(), "take_refused clears the flag");
    }

    #[test]
    fn a_frame_larger_than_the_budget_is_dropped_whole() {
        let sink = Sink::default();
        let out = Output::spawn(sink.clone(), 1024);
        let mut w = out.writer();
        w.write_all(b"start").unwrap();
        w.write_all(&[b'z'; 2000]).unwrap();
        w.write_all(b"end of the big frame").unwrap();
        w.flush().unwrap();
        assert!(out.take_refused());
        w.write_all(b"next frame").unwrap();
        w.flush().unwrap();
        assert!(out.flush_within(Duration::from_secs(5)));
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"next frame");
    }
}
