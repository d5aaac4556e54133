//! The views: the plain line console and the command parser it shares with the TUI.
//! Views render the core's state and turn input into `app::Event`s; no decisions here.

pub mod commands;
pub mod plain;
