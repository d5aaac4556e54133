//! Benchmark of a busy room (measured, not asserted; ignored by default): a real
//! `janus run --plain` process against the embedded forge, `JANUS_BENCH_ROOM_GUESTS` Rust
//! guests (default 20, real WebRTC over loopback) in one room, each sending 2 messages/s for
//! `JANUS_BENCH_ROOM_SECS` (default 60). Reported: fan-out latency measured at the receivers
//! (sender's send → every other member's receipt of the relayed `chat`, one clock: all
//! guests live in this process), p50/p99/max; deliveries against the expected count; the
//! host process's CPU over the window and its RSS (now and peak).
//!
//! ```sh
//! cargo test --test bench_rooms -- --ignored --nocapture
//! ```

mod common;
#[path = "support/host_process.rs"]
mod host_process;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use host_process::{connect, HostProcess};
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::rtc::peer::PeerEvent;
use janus::rtc::protocol::Frame;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// A `VmRSS`/`VmHWM`-style line of /proc/<pid>/status, in KiB.
fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --ignored"]
async fn room_fan_out() {
    let n = env_u64("JANUS_BENCH_ROOM_GUESTS", 20) as usize;
    let secs = env_u64("JANUS_BENCH_ROOM_SECS", 60);
    let forge = LocalForge::start(LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: None,
        host_login: "maintainer".into(),
        repo: repo(),
    })
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut host = HostProcess::start(&forge, data.path(), "");
    let pid = host.child.id();
    let mut peers = Vec::new();
    for i in 0..n {
        let login = format!("guest{i}");
        let g = guest(&forge, &login);
        let (_issue, _offer, peer, events) = connect(&g, i as u64 + 1).await;
        host.wait_line(&format!("{login} connected"));
        peers.push((peer, events));
    }
    host.type_line("room create bench");
    for i in 0..n {
        host.type_line(&format!("room invite bench guest{i}"));
    }
    host.wait_line(&format!("guest{} joined room bench", n - 1));
    tokio::time::sleep(Duration::from_millis(500)).await;

    let base = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let stop_at = base + Duration::from_secs(secs);
    let cpu_before = cpu_ticks(pid);
    let mut tasks = Vec::new();
    for (i, (peer, mut events)) in peers.into_iter().enumerate() {
        let sender = peer.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the senders over the half second.
            tokio::time::sleep(Duration::from_millis((i as u64 * 500) / n as u64)).await;
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            let mut seq = 0u64;
            while Instant::now() < stop_at {
                tick.tick().await;
                let sent = base.elapsed().as_micros() as u64;
                let _ = sender.send(Frame::Chat {
                    id: format!("g{i}-{seq}"),
                    text: format!("{sent} message {seq} from guest {i}"),
                    from: None,
                    ts: 0,
                    room: Some("bench".into()),
                });
                seq += 1;
            }
            seq
        }));
        let lat = latencies.clone();
        tasks.push(tokio::spawn(async move {
            let _keep = peer;
            let drain_until = stop_at + Duration::from_secs(3);
            let mut got = 0u64;
            while let Ok(Some((_, ev))) =
                tokio::time::timeout_at(drain_until.into(), events.recv()).await
            {
                match ev {
                    PeerEvent::Frame(Frame::Chat {
                        text,
                        room: Some(_),
                        ..
                    }) => {
                        let now = base.elapsed().as_micros() as u64;
                        if let Some(sent) =
                            text.split(' ').next().and_then(|s| s.parse::<u64>().ok())
                        {
                            lat.lock().unwrap().push(now.saturating_sub(sent));
                            got += 1;
                        }
                    }
                    PeerEvent::Closed { reason } => panic!("guest {i} was closed: {reason}"),
                    _ => {}
                }
            }
            got
        }));
    }
    let mut sent_total = 0;
    for (k, t) in tasks.into_iter().enumerate() {
        let v = t.await.unwrap();
        if k % 2 == 0 {
            sent_total += v;
        }
    }
    let cpu_ticks_used = cpu_ticks(pid) - cpu_before;
    let rss = status_kib(pid, "VmRSS:");
    let hwm = status_kib(pid, "VmHWM:");
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_unstable();
    let expected = sent_total * (n as u64 - 1);
    let hz = 100.0; // USER_HZ on Linux
    let window = secs as f64 + 3.0;
    println!(
        "room of {n} guests × 2 msg/s × {secs} s: {sent_total} sent, {} of {expected} deliveries",
        lat.len()
    );
    println!(
        "fan-out latency at the receivers: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&lat, 0.50) as f64 / 1000.0,
        percentile(&lat, 0.99) as f64 / 1000.0,
        lat.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    println!(
        "host CPU: {:.1} s over {window:.0} s ({:.1} % of one core); RSS {} MiB now, {} MiB peak",
        cpu_ticks_used as f64 / hz,
        cpu_ticks_used as f64 / hz / window * 100.0,
        rss / 1024,
        hwm / 1024
    );
    host.type_line("quit");
    host.wait_exit(Duration::from_secs(30));
}
