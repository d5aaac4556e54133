//! The app core: every decision the host makes, as a pure state machine (ARCHITECTURE.md "The picture").
//!
//! `update(&mut State, now, Event) -> Vec<Effect>`: the forge poller, peer tasks, the
//! forge writer and the views send [`Event`]s; [`update`] changes the [`State`] and returns
//! [`Effect`]s for the tasks in `host` to carry out. There are no sockets, clocks or
//! terminals here: the current time arrives as an argument (unix seconds), random values
//! (offer `sid`s) arrive inside events, so every rule is tested with plain unit tests.
//! Nothing here imports a view (`ui`) or an IO module (`host`, `rtc::peer`).

mod chat_commands;
mod commands;
mod conversations;
mod effect;
mod event;
mod file_commands;
mod file_events;
pub mod file_memory;
mod file_rules;
pub mod files;
pub mod flow_b;
pub mod guest_offer;
mod health;
mod help;
pub mod limits;
mod memory;
pub mod policy;
pub mod presence;
mod reach;
mod requests;
pub mod rooms;
mod state;
mod text;
mod transcript;
mod update;

pub use commands::list_text;
pub use effect::{Effect, WritePurpose};
pub use event::{Command, Event};
pub use files::{AcceptFiles, FileEffect, FileEvent, FileSettings};
pub use health::{HealthIssue, NoticeSeverity, NOTICE_SHOWN_SECS, TASK_POLLER, TASK_WRITER};
pub use help::HELP;
pub use limits::Limits;
pub use reach::{ConnPath, Reach, MAX_RESENDS};
pub use state::{
    Activity, ActivityKind, Conversation, HostIdentity, Line, LineKind, PeerId, PeerState, Request,
    RequestStage, Settings, State,
};
pub use text::{offer_comment_body, sanitize_for_terminal, sdp_fingerprint, verification_code};
pub use transcript::TranscriptLine;
pub use update::update;

#[cfg(test)]
mod tests;
