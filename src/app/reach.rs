//! Reaching the guest: which path the connection took (direct or through the relay), and
//! making every chat arrive on any path.
//!
//! webrtc-rs issue 901 drops the first message on a TURN-relayed channel when it arrives
//! before the receiver's open event, so nothing relies on the first try: the receiver acks
//! every `chat`, the sender sends an unacknowledged chat again with the same id
//! ([`resend_unacked`], on each tick, [`RESEND_AFTER_SECS`] apart, at most
//! [`MAX_RESENDS`] times), and the receiver shows a chat id once ([`first_sight`]) while
//! still acking each copy. Pure: time is an argument.

use std::collections::VecDeque;

use super::effect::Effect;
use super::state::{LineKind, PeerState, State};
use crate::rtc::protocol::Frame;

/// Seconds a host chat waits for its `ack` before it is sent again.
pub const RESEND_AFTER_SECS: u64 = 2;
/// Copies sent after the first, at most (then the line stays "not delivered").
pub const MAX_RESENDS: u8 = 5;
/// Chat ids remembered per conversation to drop duplicates (a bounded window).
pub const SEEN_IDS: usize = 256;

/// The path a connection took, read from the selected ICE candidate pair on connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnPath {
    /// Host to guest, possibly through NATs, without a relay.
    Direct,
    /// Through a TURN relay (either side's candidate is a relay candidate).
    Relay,
}

impl ConnPath {
    /// `direct` or `relay`, as the console prints it after "via".
    pub fn word(self) -> &'static str {
        match self {
            ConnPath::Direct => "direct",
            ConnPath::Relay => "relay",
        }
    }
}

/// Per conversation: its path and the bookkeeping of resends and duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Known once the channel opened (`Event::PeerPath`).
    pub path: Option<ConnPath>,
    /// Host chats not yet acked: id, when last sent, copies sent after the first.
    pub unacked: Vec<(String, u64, u8)>,
    /// The newest guest chat ids, oldest first (at most [`SEEN_IDS`]).
    pub seen: VecDeque<String>,
}

/// Notes a host chat just sent, so it is sent again until acked.
pub(super) fn sent(state: &mut State, now: u64, peer_id: u64, id: &str) {
    if let Some(conv) = state.conversations.get_mut(&peer_id) {
        conv.reach.unacked.push((id.to_string(), now, 0));
    }
}

/// Whether this guest chat id is new in the conversation (then it is remembered). A
/// duplicate is acked again but neither shown nor transcribed.
pub(super) fn first_sight(state: &mut State, peer_id: u64, id: &str) -> bool {
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return true;
    };
    if conv.reach.seen.iter().any(|seen| seen == id) {
        return false;
    }
    if conv.reach.seen.len() >= SEEN_IDS {
        conv.reach.seen.pop_front();
    }
    conv.reach.seen.push_back(id.to_string());
    true
}

/// On each tick: every open conversation's host chats unacked for [`RESEND_AFTER_SECS`]
/// go out again, same id, same text.
pub(super) fn resend_unacked(state: &mut State, now: u64, fx: &mut Vec<Effect>) {
    let host = state.host.login.clone();
    for conv in state.conversations.values_mut() {
        if conv.state != PeerState::Open || conv.reach.unacked.is_empty() {
            continue;
        }
        let peer_id = conv.peer_id;
        let lines = &conv.lines;
        conv.reach.unacked.retain_mut(|(id, last, copies)| {
            if now < last.saturating_add(RESEND_AFTER_SECS) {
                return true;
            }
            if *copies >= MAX_RESENDS {
                return false;
            }
            // The line may have left the scrollback: then there is nothing to send.
            let Some(line) = lines.iter().rev().find(
                |l| matches!(&l.kind, LineKind::Host { id: sent, delivered: false } if sent == id),
            ) else {
                return false;
            };
            *copies += 1;
            *last = now;
            fx.push(Effect::Send {
                peer_id,
                frame: Frame::Chat {
                    id: id.clone(),
                    text: line.text.clone(),
                    from: Some(host.clone()),
                    ts: line.at.saturating_mul(1000),
                    room: None,
                },
            });
            true
        });
    }
}

/// The connect notice's ending: ` via direct`, ` via relay`, or nothing when unknown.
pub(super) fn via(state: &State, peer_id: u64) -> String {
    state
        .conversations
        .get(&peer_id)
        .and_then(|c| c.reach.path)
        .map(|p| format!(" via {}", p.word()))
        .unwrap_or_default()
}
