//! The views: the plain line console, the full-screen TUI, and the command parser both use.
//! Views render the core's state and turn input into `app::Event`s; no decisions here.

pub mod commands;
pub mod output;
pub mod plain;
pub mod tui;
