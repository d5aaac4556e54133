//! Benchmarks of GitHub signaling (measured, not asserted; ignored by default), against the
//! embedded forge over loopback at the default 2 s poll tick:
//!
//! - `idle_requests_per_hour`: requests that count against the rate limit (everything but
//!   304s) while nothing happens, measured over a window (`JANUS_BENCH_IDLE_SECS`, default
//!   120 s) after start-up and extrapolated to an hour, plus what start-up itself costs;
//! - `signaling_latencies`: issue opened → link posted, and answer posted → data channel
//!   open, p50 and p95 over `JANUS_BENCH_RUNS` runs (default 20), first with one tick for
//!   everything, then with the shorter tick while a link waits
//!   (`JANUS_BENCH_POLL_WAITING`, default 0.5 s, as `poll_interval_waiting`).
//!
//! ```sh
//! cargo test --release --test bench_signaling -- --ignored --nocapture --test-threads 1
//! ```

mod common;

use std::time::{Duration, Instant};

use common::*;
use janus::rtc::peer::{self, PeerEvent};
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms: Vec<u128> = v.iter().map(Duration::as_millis).collect();
    println!(
        "{name}: p50 {} ms, p95 {} ms, min {} ms, max {} ms over {} runs; samples {ms:?}",
        percentile(&v, 50.0).as_millis(),
        percentile(&v, 95.0).as_millis(),
        v[0].as_millis(),
        v[v.len() - 1].as_millis(),
        v.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --ignored"]
async fn idle_requests_per_hour() {
    let tick = Duration::from_secs_f64(env_f64("JANUS_BENCH_POLL", 2.0));
    let window = Duration::from_secs_f64(env_f64("JANUS_BENCH_IDLE_SECS", 120.0));
    let h = start_harness_with(600, tick).await;
    // Start-up: identity, the baseline, the first poll of both lists.
    tokio::time::sleep(tick + Duration::from_millis(500)).await;
    let startup = h.forge.request_log();
    h.forge.clear_request_log();
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let elapsed = started.elapsed();
    let log = h.forge.request_log();
    let counted = log.iter().filter(|r| r.status != 304).count();
    let per_hour = counted as f64 * 3600.0 / elapsed.as_secs_f64();
    let startup_counted = startup
        .iter()
        .filter(|r| r.status != 304 && !r.path.ends_with("/rate_limit"))
        .count();
    println!("poll tick {tick:?}, idle window {elapsed:.1?}");
    println!(
        "start-up: {} requests, {startup_counted} counted (GET /rate_limit is free on GitHub)",
        startup.len()
    );
    println!(
        "idle: {} requests ({} ticks), {counted} counted → {per_hour:.1} counted requests per idle hour",
        log.len(),
        log.len() / 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --ignored"]
async fn signaling_latencies() {
    let runs = env_f64("JANUS_BENCH_RUNS", 20.0) as usize;
    let tick = env_f64("JANUS_BENCH_POLL", 2.0);
    let waiting = env_f64("JANUS_BENCH_POLL_WAITING", 0.5);
    // Before: one tick for everything; after: the shorter tick while a link waits.
    for pace in [tick, waiting] {
        latencies(runs, tick, pace).await;
    }
}

async fn latencies(runs: usize, tick: f64, waiting: f64) {
    let mut h = start_harness_paced(
        600,
        Duration::from_secs_f64(tick),
        Duration::from_secs_f64(waiting),
    )
    .await;
    let (mut link, mut open) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let g = guest(&h.forge, &format!("guest{run}"));
        // People open issues at random moments relative to the host's ticks.
        tokio::time::sleep(Duration::from_millis(rand::random_range(
            0..(tick * 1000.0) as u64,
        )))
        .await;
        let opened = Instant::now();
        let issue = g.open_issue(&format!("bench {run}")).await;
        let offer_comment = g
            .wait_comment(issue, |c| c.body.contains("janus1.o."))
            .await;
        link.push(opened.elapsed());
        let offer = token::decode(&offer_link(&offer_comment.body).offer).unwrap();
        let (tx, mut events) = mpsc::channel(64);
        let (_peer, sdp) =
            peer::start_answerer(&rtc_loopback(), 1000 + run as u64, &offer.payload.sdp, tx)
                .await
                .unwrap();
        let answer = token::encode(
            TokenKind::Answer,
            &SignalPayload {
                sid: offer.payload.sid,
                sdp,
                exp: None,
            },
        );
        tokio::time::sleep(Duration::from_millis(rand::random_range(
            0..(tick * 1000.0) as u64,
        )))
        .await;
        let posted = Instant::now();
        g.client.post_comment(issue, &answer).await.unwrap();
        loop {
            match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
                Ok(Some((_, PeerEvent::Open))) => break,
                Ok(Some(_)) => continue,
                other => panic!("run {run}: no open: {other:?}"),
            }
        }
        open.push(posted.elapsed());
        h.expect_line(&format!("guest{run} connected")).await;
    }
    println!("poll tick {tick} s, {waiting} s while a link waits, {runs} runs");
    summary("issue opened → link posted", link);
    summary("answer posted → channel open", open);
}
