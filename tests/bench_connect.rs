//! Benchmark (not a timed test; ignored by default): time from the answer comment being
//! posted to the data channel opening, over 10 runs against the embedded forge at the
//! default poll interval (2 s). Run with:
//!
//! ```sh
//! cargo test --release --test bench_connect -- --ignored --nocapture
//! ```
//! Numbers go to BENCHMARKS.md.

mod common;

use std::time::{Duration, Instant};

use common::*;
use janus::rtc::peer::{self, PeerEvent};
use janus::signal::link::GuestLink;
use janus::signal::token::{self, SignalPayload, TokenKind};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --ignored"]
async fn answer_posted_to_channel_open() {
    const RUNS: usize = 10;
    let poll = std::env::var("JANUS_BENCH_POLL")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    let mut h = start_harness_with(600, Duration::from_secs_f64(poll)).await;
    let mut samples = Vec::new();
    let mut link_latency = Vec::new();
    for run in 0..RUNS {
        let g = guest(&h.forge, &format!("guest{run}"));
        let opened = Instant::now();
        let issue = g.open_issue(&format!("bench {run}")).await;
        let offer_comment = g
            .wait_comment(issue, |c| c.body.contains("janus1.o."))
            .await;
        link_latency.push(opened.elapsed());
        let url = offer_comment
            .body
            .split('(')
            .find_map(|s| s.split(')').next().filter(|u| u.contains("#offer=")))
            .unwrap();
        let offer = token::decode(&GuestLink::parse(url).unwrap().offer).unwrap();
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
        // A person posts at a random moment relative to the host's poll ticks; without this
        // jitter the scripted guest phase-locks to the ticks and always measures the worst case.
        tokio::time::sleep(Duration::from_millis(rand::random_range(0..2000))).await;
        let posted = Instant::now();
        g.client.post_comment(issue, &answer).await.unwrap();
        loop {
            match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
                Ok(Some((_, PeerEvent::Open))) => break,
                Ok(Some(_)) => continue,
                other => panic!("run {run}: no open: {other:?}"),
            }
        }
        samples.push(posted.elapsed());
        h.expect_line(&format!("guest{run} connected")).await;
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut s = samples.clone();
    println!("poll interval {poll} s, {RUNS} runs");
    println!(
        "answer posted → channel open: samples {:?}",
        samples.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    );
    println!(
        "answer posted → channel open: median {} ms, min {} ms, max {} ms",
        median(&mut s).as_millis(),
        s[0].as_millis(),
        s[s.len() - 1].as_millis()
    );
    let mut l = link_latency.clone();
    println!(
        "issue opened → link posted: median {} ms, max {} ms",
        median(&mut l).as_millis(),
        l[l.len() - 1].as_millis()
    );
}
