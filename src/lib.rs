//! Janus: chat peer to peer with the people who open issues on your repository.
//!
//! Start at `src/main.rs` (the command line) and `app` (every decision the host makes).
//! The modules, in the order data flows (ARCHITECTURE.md "The picture"):
//! - [`forge`]: the issue tracker (GitHub REST client, embedded local forge, poller);
//! - [`signal`]: offer/answer tokens and the guest link (PROTOCOL.md "Signaling");
//! - [`rtc`]: WebRTC peer sessions and the data-channel protocol (PROTOCOL.md "Data channel");
//! - [`blog`]: Markdown posts, sanitized for guests;
//! - [`app`]: the pure state machine `update(State, Event) -> Effects`;
//! - [`host`]: the tasks that run effects and feed events back;
//! - [`ui`]: the plain console, the full-screen TUI and the command parser they share;
//! - [`config`]: configuration file, environment and flags;
//! - [`transcript`]: the per-conversation JSONL transcripts and `janus transcripts`;
//! - [`logging`]: where logs go, and the filter that keeps them quiet;
//! - [`demo`]: the scripted guest of `janus demo --guest-bot`;
//! - [`clock`] and [`backoff`]: the one clock, RFC 3339 helper and backoff rule.

pub mod app;
pub mod backoff;
pub mod blog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod forge;
#[doc(hidden)]
pub mod fuzz_api;
pub mod host;
pub mod logging;
pub mod pages;
pub mod rtc;
pub mod signal;
pub mod transcript;
pub mod ui;
