//! Rooms (PROTOCOL.md "Rooms"): a conversation of the maintainer with several guests at once, the
//! host as the hub. Guests never connect to each other; the host relays each member's
//! `chat` to the others with `from` set to the sender's login, so no guest learns another's
//! address. Only the maintainer creates rooms, invites and removes members; a guest whose
//! conversation ends (kick, ban, bye, failure) leaves every room. Called from `commands`
//! and `conversations`.
//!
//! Bounded: at most [`MAX_ROOMS`] rooms of [`MAX_ROOM_MEMBERS`] members, names of at most
//! [`MAX_ROOM_NAME`] characters, each room's scrollback under `limits.scrollback_bytes`.
//! What a slow member cannot do (stall the others) is the runtime's: every peer has its own
//! bounded send queue, and a peer whose queue overflows is told and closed (`host::peers`).

use std::collections::VecDeque;

use crate::rtc::protocol::{Frame, MAX_CHAT_CHARS};

use super::effect::Effect;
use super::state::*;
use super::transcript::TranscriptLine;

/// Most rooms at once.
pub const MAX_ROOMS: usize = 32;
/// Most members of one room (office hours rarely have more; each message is sent this often).
pub const MAX_ROOM_MEMBERS: usize = 64;
/// Longest room name, in characters.
pub const MAX_ROOM_NAME: usize = 32;

/// One line of a room's scrollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomLine {
    /// Unix seconds.
    pub at: u64,
    /// The author's login (a guest's, or the maintainer's); `None` for a notice
    /// (joined, left).
    pub from: Option<String>,
    /// Untrusted for guest lines: views sanitize before drawing.
    pub text: String,
}

impl RoomLine {
    fn weight(&self) -> usize {
        self.text.len() + self.from.as_ref().map_or(0, String::len) + std::mem::size_of::<Self>()
    }
}

/// A room and its members.
#[derive(Debug, Clone)]
pub struct Room {
    pub name: String,
    /// The conversations in the room, in the order they joined.
    pub members: Vec<PeerId>,
    /// The scrollback, oldest first, bounded like a conversation's.
    pub lines: VecDeque<RoomLine>,
    /// What `lines` weighs.
    pub bytes: usize,
    /// Guest lines since the maintainer last looked (the TUI clears it).
    pub unread: usize,
    /// Names the room's transcript file in the runtime's store; taken from the peer id
    /// sequence so it never equals a conversation's.
    pub transcript_key: PeerId,
}

impl Room {
    fn push_line(&mut self, line: RoomLine, limit: usize) {
        self.bytes += line.weight();
        self.lines.push_back(line);
        while self.bytes > limit && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes = self.bytes.saturating_sub(old.weight());
            }
        }
    }
}

/// Whether `name` is a room name: 1 to [`MAX_ROOM_NAME`] letters, digits, `-`, `_`, `.`
/// (short, printable, no spaces: it cannot fake a console line or escape the terminal).
pub fn valid_room_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_ROOM_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The login under which a room's transcript is filed: `rooms_<name>` (`_` is never in a
/// GitHub login, so it cannot share a guest's directory).
pub fn transcript_login(room: &str) -> String {
    format!("rooms_{room}")
}

fn error(state: &mut State, now: u64, text: impl Into<String>) {
    state.log(now, ActivityKind::Error, text);
}

/// The logins of a room's members.
fn member_logins(state: &State, room: &Room) -> Vec<String> {
    room.members
        .iter()
        .filter_map(|p| state.conversations.get(p).map(|c| c.guest.clone()))
        .collect()
}

fn push_notice(state: &mut State, now: u64, name: &str, text: String) {
    let limit = state.settings.limits.scrollback_bytes;
    if let Some(room) = state.rooms.get_mut(name) {
        room.push_line(
            RoomLine {
                at: now,
                from: None,
                text,
            },
            limit,
        );
    }
}

/// `room create <name>`.
pub(super) fn create(state: &mut State, now: u64, name: &str) {
    if !valid_room_name(name) {
        return error(
            state,
            now,
            format!("a room name is 1 to {MAX_ROOM_NAME} letters, digits, `-`, `_` or `.`"),
        );
    }
    if state.rooms.contains_key(name) {
        return error(
            state,
            now,
            format!("room {name} exists already; `rooms` lists them"),
        );
    }
    if state.rooms.len() >= MAX_ROOMS {
        return error(
            state,
            now,
            format!("at most {MAX_ROOMS} rooms: `room close <name>` one first"),
        );
    }
    let transcript_key = state.next_peer_id;
    state.next_peer_id += 1;
    state.rooms.insert(
        name.to_string(),
        Room {
            name: name.to_string(),
            members: Vec::new(),
            lines: VecDeque::new(),
            bytes: 0,
            unread: 0,
            transcript_key,
        },
    );
    state.log(
        now,
        ActivityKind::Notice,
        format!("room {name} created; `room invite {name} <user>` adds a guest"),
    );
}

/// `room invite <name> <user>`: the newest open conversation with that login joins.
pub(super) fn invite(state: &mut State, now: u64, name: &str, user: &str, fx: &mut Vec<Effect>) {
    let target = state
        .conversation_with(user)
        .filter(|c| c.state == PeerState::Open)
        .map(|c| c.peer_id);
    match target {
        Some(peer_id) => invite_peer(state, now, name, peer_id, fx),
        None => error(
            state,
            now,
            format!("no open conversation with {user}; `list` shows who is connected"),
        ),
    }
}

/// This conversation joins the room: it gets `room.joined`, the others `room.member`.
pub(super) fn invite_peer(
    state: &mut State,
    now: u64,
    name: &str,
    peer_id: PeerId,
    fx: &mut Vec<Effect>,
) {
    let Some(login) = state
        .conversations
        .get(&peer_id)
        .filter(|c| c.state == PeerState::Open)
        .map(|c| c.guest.clone())
    else {
        return error(
            state,
            now,
            "that conversation is not open; `list` shows who is connected",
        );
    };
    let Some(room) = state.rooms.get(name) else {
        return error(
            state,
            now,
            format!("no room {name}; `room create {name}` makes it"),
        );
    };
    if room.members.contains(&peer_id) {
        return error(state, now, format!("{login} is in room {name} already"));
    }
    if room.members.len() >= MAX_ROOM_MEMBERS {
        return error(
            state,
            now,
            format!("room {name} is full ({MAX_ROOM_MEMBERS} members)"),
        );
    }
    let others = room.members.clone();
    if let Some(room) = state.rooms.get_mut(name) {
        room.members.push(peer_id);
    }
    let members = state
        .rooms
        .get(name)
        .map(|r| member_logins(state, r))
        .unwrap_or_default();
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::RoomJoined {
            room: name.to_string(),
            members,
        },
    });
    for other in others {
        fx.push(Effect::Send {
            peer_id: other,
            frame: Frame::RoomMember {
                room: name.to_string(),
                login: login.clone(),
                joined: true,
            },
        });
    }
    push_notice(state, now, name, format!("{login} joined"));
    state.log(
        now,
        ActivityKind::Notice,
        format!("{login} joined room {name}"),
    );
}

/// `room remove <name> <user>`: every member with that login leaves.
pub(super) fn remove(state: &mut State, now: u64, name: &str, user: &str, fx: &mut Vec<Effect>) {
    let user = user.trim_start_matches('@');
    let Some(room) = state.rooms.get(name) else {
        return error(state, now, format!("no room {name}; `rooms` lists them"));
    };
    let theirs: Vec<PeerId> = room
        .members
        .iter()
        .copied()
        .filter(|p| {
            state
                .conversations
                .get(p)
                .is_some_and(|c| c.guest.eq_ignore_ascii_case(user))
        })
        .collect();
    if theirs.is_empty() {
        return error(
            state,
            now,
            format!("{user} is not in room {name}; `rooms` lists the members"),
        );
    }
    for peer_id in theirs {
        remove_peer(
            state,
            now,
            name,
            peer_id,
            "removed by the maintainer",
            true,
            fx,
        );
    }
}

/// Takes one member out of a room: it hears `room.left` (if `tell`), the others
/// `room.member`.
pub(super) fn remove_peer(
    state: &mut State,
    now: u64,
    name: &str,
    peer_id: PeerId,
    reason: &str,
    tell: bool,
    fx: &mut Vec<Effect>,
) {
    let Some(room) = state.rooms.get_mut(name) else {
        return;
    };
    let before = room.members.len();
    room.members.retain(|p| *p != peer_id);
    if room.members.len() == before {
        return;
    }
    let others = room.members.clone();
    let login = state
        .conversations
        .get(&peer_id)
        .map(|c| c.guest.clone())
        .unwrap_or_default();
    if tell {
        fx.push(Effect::Send {
            peer_id,
            frame: Frame::RoomLeft {
                room: name.to_string(),
                reason: reason.to_string(),
            },
        });
    }
    for other in others {
        fx.push(Effect::Send {
            peer_id: other,
            frame: Frame::RoomMember {
                room: name.to_string(),
                login: login.clone(),
                joined: false,
            },
        });
    }
    push_notice(state, now, name, format!("{login} left: {reason}"));
    state.log(
        now,
        ActivityKind::Notice,
        format!("{login} left room {name}: {reason}"),
    );
}

/// A conversation ended (kick, ban, bye, failure): it leaves every room, the others hear it.
pub(super) fn leave_all(state: &mut State, now: u64, peer_id: PeerId, fx: &mut Vec<Effect>) {
    let names: Vec<String> = state
        .rooms
        .values()
        .filter(|r| r.members.contains(&peer_id))
        .map(|r| r.name.clone())
        .collect();
    for name in names {
        remove_peer(state, now, &name, peer_id, "disconnected", false, fx);
    }
}

/// `room close <name>`: every member hears `room.left`; the room is gone.
pub(super) fn close(state: &mut State, now: u64, name: &str, fx: &mut Vec<Effect>) {
    let Some(room) = state.rooms.remove(name) else {
        return error(state, now, format!("no room {name}; `rooms` lists them"));
    };
    for peer_id in room.members {
        fx.push(Effect::Send {
            peer_id,
            frame: Frame::RoomLeft {
                room: name.to_string(),
                reason: "the room was closed".into(),
            },
        });
    }
    state.log(now, ActivityKind::Notice, format!("room {name} closed"));
}

fn transcribe(state: &State, now: u64, name: &str, from: &str, text: &str, fx: &mut Vec<Effect>) {
    let Some(room) = state.rooms.get(name) else {
        return;
    };
    if state.settings.transcripts {
        fx.push(Effect::Transcribe {
            peer_id: room.transcript_key,
            login: transcript_login(name),
            line: TranscriptLine {
                ts: now,
                from: from.to_string(),
                text: text.to_string(),
                room: Some(name.to_string()),
            },
        });
    }
}

/// `room say <name> <message>`: shown, transcribed, then sent to every member with
/// `from` = the host's login.
pub(super) fn say(state: &mut State, now: u64, name: &str, text: String, fx: &mut Vec<Effect>) {
    if text.chars().count() > MAX_CHAT_CHARS {
        return error(
            state,
            now,
            format!("message too long: the limit is {MAX_CHAT_CHARS} characters"),
        );
    }
    let Some(room) = state.rooms.get(name) else {
        return error(state, now, format!("no room {name}; `rooms` lists them"));
    };
    let members = room.members.clone();
    let host = state.host.login.clone();
    transcribe(state, now, name, &host, &text, fx);
    let id = format!("h{}", state.next_message_id);
    state.next_message_id += 1;
    let limit = state.settings.limits.scrollback_bytes;
    if let Some(room) = state.rooms.get_mut(name) {
        room.push_line(
            RoomLine {
                at: now,
                from: Some(host.clone()),
                text: text.clone(),
            },
            limit,
        );
    }
    for peer_id in members {
        fx.push(Effect::Send {
            peer_id,
            frame: Frame::Chat {
                id: id.clone(),
                text: text.clone(),
                from: Some(host.clone()),
                ts: now.saturating_mul(1000),
                room: Some(name.to_string()),
            },
        });
    }
}

/// A guest's `chat` with a `room`: refused with a notice unless the guest is a member;
/// otherwise transcribed, shown, acked, and relayed to every other member.
pub(super) fn guest_chat(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    id: String,
    text: String,
    name: String,
    fx: &mut Vec<Effect>,
) {
    let Some(guest) = state.conversations.get(&peer_id).map(|c| c.guest.clone()) else {
        return;
    };
    let members = match state.rooms.get(&name) {
        Some(room) if room.members.contains(&peer_id) => room.members.clone(),
        _ => {
            // The name is the guest's: shown only if it is a room name at all.
            let shown = if valid_room_name(&name) {
                name.clone()
            } else {
                "(not a room name)".to_string()
            };
            fx.push(Effect::Send {
                peer_id,
                frame: Frame::Notice {
                    text: format!("you are not in room {shown}: message not delivered"),
                },
            });
            state.log(
                now,
                ActivityKind::Notice,
                format!("refused a message from {guest} to room {shown}: not a member"),
            );
            return;
        }
    };
    transcribe(state, now, &name, &guest, &text, fx);
    let limit = state.settings.limits.scrollback_bytes;
    if let Some(room) = state.rooms.get_mut(&name) {
        room.unread += 1;
        room.push_line(
            RoomLine {
                at: now,
                from: Some(guest.clone()),
                text: text.clone(),
            },
            limit,
        );
    }
    state.log(
        now,
        ActivityKind::RoomMessage {
            room: name.clone(),
            from: guest.clone(),
        },
        text.clone(),
    );
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Ack { id },
    });
    let relay_id = format!("r{}", state.next_message_id);
    state.next_message_id += 1;
    for other in members.into_iter().filter(|p| *p != peer_id) {
        fx.push(Effect::Send {
            peer_id: other,
            frame: Frame::Chat {
                id: relay_id.clone(),
                text: text.clone(),
                from: Some(guest.clone()),
                ts: now.saturating_mul(1000),
                room: Some(name.clone()),
            },
        });
    }
}

/// The text `rooms` prints: each room with its members.
pub fn rooms_text(state: &State) -> String {
    if state.rooms.is_empty() {
        return "no rooms; `room create <name>` makes one".to_string();
    }
    state
        .rooms
        .values()
        .map(|room| {
            let members = member_logins(state, room);
            if members.is_empty() {
                format!("{}: no members", room.name)
            } else {
                format!("{} ({}): {}", room.name, members.len(), members.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rooms this conversation is in, by name.
pub fn rooms_of(state: &State, peer_id: PeerId) -> Vec<String> {
    state
        .rooms
        .values()
        .filter(|r| r.members.contains(&peer_id))
        .map(|r| r.name.clone())
        .collect()
}
