//! What a test reads of a host process, shared by the tests' `common` module (and so
//! `tests/support/host_process.rs`) and the NAT lab (`tests/lab/`): its stdout lines, collected on a thread of their own and waited
//! for with a bound, and the guest link in the host's offer comment.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use janus::signal::link::GuestLink;

/// Collects `out` (a child's stdout) line by line until it closes.
pub fn collect_lines(out: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// Waits up to `secs` seconds for a line of `lines` containing `needle`; returns it.
pub fn wait_line_in(lines: &Mutex<Vec<String>>, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no line with {needle:?} within {secs} s; saw {:#?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The guest link in an offer comment's body (a Markdown link to the page).
pub fn offer_link(body: &str) -> GuestLink {
    let url = body
        .split('(')
        .find_map(|s| s.split(')').next().filter(|u| u.contains("#offer=")))
        .expect("link in comment");
    GuestLink::parse(url).expect("valid link")
}
