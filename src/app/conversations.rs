//! Conversations: the data channel opening, frames from guests, closing. Called only
//! from `update`.

use crate::rtc::protocol::{Frame, FEATURES, MAX_CHAT_CHARS, PROTOCOL_VERSION};

use super::effect::{Effect, WritePurpose};
use super::state::*;
use super::text;
use super::transcript::TranscriptLine;

pub(super) fn peer_open(state: &mut State, now: u64, peer_id: PeerId, fx: &mut Vec<Effect>) {
    let limit = state.settings.limits.scrollback_bytes;
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return;
    };
    conv.state = PeerState::Open;
    conv.push_line(
        Line {
            at: now,
            kind: LineKind::Notice,
            text: "connected".into(),
        },
        limit,
    );
    let guest = conv.guest.clone();
    let issue = conv.issue;
    fx.push(Effect::Send {
        peer_id,
        frame: Frame::Hello {
            v: PROTOCOL_VERSION,
            host: state.host.login.clone(),
            guest: guest.clone(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
        },
    });
    let ours = state
        .requests
        .get_mut(&issue)
        .filter(|r| r.peer_id == peer_id)
        .map(|req| req.stage = RequestStage::Connected)
        .is_some();
    if ours && !super::flow_b::connected(state, now, issue, fx) {
        if let Some(req) = state.requests.get(&issue) {
            flow_a_scrubs(req, &guest, now, fx);
        }
    }
    connected_notice(state, now, peer_id, &guest, issue, fx);
}

/// Flow A connected: the offer comment and the guest's answer comment lose their tokens.
fn flow_a_scrubs(req: &Request, guest: &str, now: u64, fx: &mut Vec<Effect>) {
    let issue = req.issue.number;
    if let Some(id) = req.offer_comment_id {
        fx.push(Effect::EditComment {
            comment_id: id,
            body: text::offer_used_body(guest, &req.sid, now),
            purpose: WritePurpose::Edit { issue },
        });
    }
    if let Some(id) = req.answer_comment_id {
        fx.push(Effect::EditComment {
            comment_id: id,
            body: text::answer_scrubbed_body(now),
            purpose: WritePurpose::Edit { issue },
        });
    }
}

fn connected_notice(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    guest: &str,
    issue: u64,
    fx: &mut Vec<Effect>,
) {
    // The code goes on the console line too, so a plain console can compare it with the page.
    let code = state
        .conversations
        .get(&peer_id)
        .and_then(|c| c.verify_code.as_deref())
        .map(|c| format!("; verification code {c}"))
        .unwrap_or_default();
    // The notice ends with the path: `… via relay` (`; via relay` after a code).
    let via = super::reach::via(state, peer_id);
    let via = match (code.is_empty(), via.is_empty()) {
        (false, false) => format!(";{via}"),
        _ => via,
    };
    state.log(
        now,
        ActivityKind::Notice,
        format!("{guest} connected (#{issue}){code}{via}"),
    );
    super::policy::on_connected(state, now, issue, fx);
}

/// Appends a line to the conversation, within its scrollback bytes.
pub(super) fn push_line(state: &mut State, peer_id: PeerId, line: Line) {
    let limit = state.settings.limits.scrollback_bytes;
    if let Some(conv) = state.conversations.get_mut(&peer_id) {
        conv.push_line(line, limit);
    }
}

/// The transcript line for a chat message, if transcripts are on: it goes into the
/// effects before the message's `ack` (guest) or the message itself (host) is sent.
pub(super) fn transcribe(
    state: &State,
    now: u64,
    peer_id: PeerId,
    from: &str,
    text: &str,
    fx: &mut Vec<Effect>,
) {
    let Some(conv) = state.conversations.get(&peer_id) else {
        return;
    };
    if state.settings.transcripts {
        fx.push(Effect::Transcribe {
            peer_id,
            login: conv.guest.clone(),
            line: TranscriptLine {
                ts: now,
                from: from.to_string(),
                text: text.to_string(),
                room: None,
            },
        });
    }
}

pub(super) fn peer_frame(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    frame: Frame,
    fx: &mut Vec<Effect>,
) {
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return;
    };
    if conv.state != PeerState::Open {
        return;
    }
    let guest = conv.guest.clone();
    if let Frame::Chat { id, room, .. } = &frame {
        // A copy sent again because its ack was lost: ack it again, show it once.
        let key = format!("{}\u{0}{id}", room.as_deref().unwrap_or(""));
        if !super::reach::first_sight(state, peer_id, &key) {
            let id = id.clone();
            fx.push(Effect::Send {
                peer_id,
                frame: Frame::Ack { id },
            });
            return;
        }
    }
    let Some(conv) = state.conversations.get_mut(&peer_id) else {
        return;
    };
    match frame {
        Frame::Chat { text, .. } if text.chars().count() > MAX_CHAT_CHARS => {
            // The frame decoder refuses these already; a refused message is not acked,
            // shown or transcribed.
            state.log(
                now,
                ActivityKind::Notice,
                format!("refused a message from {guest}: longer than {MAX_CHAT_CHARS} characters"),
            );
        }
        Frame::Chat {
            id,
            text,
            room: Some(room),
            ..
        } => super::rooms::guest_chat(state, now, peer_id, id, text, room, fx),
        Frame::Chat { id, text, .. } => {
            conv.unread += 1;
            push_line(
                state,
                peer_id,
                Line {
                    at: now,
                    kind: LineKind::Guest,
                    text: text.clone(),
                },
            );
            transcribe(state, now, peer_id, &guest, &text, fx);
            state.log(now, ActivityKind::Message { from: guest }, text);
            fx.push(Effect::Send {
                peer_id,
                frame: Frame::Ack { id },
            });
        }
        Frame::Ack { id } => {
            conv.reach.unacked.retain(|(sent, _, _)| *sent != id);
            for line in conv.lines.iter_mut().rev() {
                if let LineKind::Host {
                    id: sent,
                    delivered,
                } = &mut line.kind
                {
                    if sent.as_str() == id {
                        *delivered = true;
                        break;
                    }
                }
            }
        }
        Frame::BlogList => fx.push(Effect::SendBlogIndex { peer_id }),
        Frame::BlogGet { slug } => fx.push(Effect::SendBlogPost { peer_id, slug }),
        Frame::Bye { reason } => {
            let reason = if reason.is_empty() {
                "left".to_string()
            } else {
                reason
            };
            fx.push(Effect::ClosePeer {
                peer_id,
                reason: format!("guest said bye: {reason}"),
            });
        }
        Frame::Hello { features, .. } => {
            super::file_rules::guest_hello(state, now, peer_id, &features, fx)
        }
        frame @ (Frame::FileOffer { .. }
        | Frame::FileAccept { .. }
        | Frame::FileReject { .. }
        | Frame::FileCancel { .. }
        | Frame::FileDone { .. }
        | Frame::FileFail { .. }) => super::file_rules::frame(state, now, peer_id, frame, fx),
        // Host-only frames from a guest carry no meaning here.
        Frame::Notice { .. }
        | Frame::BlogIndex { .. }
        | Frame::BlogPost { .. }
        | Frame::RoomJoined { .. }
        | Frame::RoomMember { .. }
        | Frame::RoomLeft { .. } => {}
    }
}

pub(super) fn close_conversation(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
) -> Option<(String, u64)> {
    let limit = state.settings.limits.scrollback_bytes;
    let conv = state.conversations.get_mut(&peer_id)?;
    if conv.state == PeerState::Closed {
        return None;
    }
    conv.state = PeerState::Closed;
    conv.push_line(
        Line {
            at: now,
            kind: LineKind::Notice,
            text: "disconnected".into(),
        },
        limit,
    );
    Some((conv.guest.clone(), conv.issue))
}

pub(super) fn peer_closed(
    state: &mut State,
    now: u64,
    peer_id: PeerId,
    reason: &str,
    fx: &mut Vec<Effect>,
) {
    super::flow_b::peer_closed_early(state, now, peer_id, fx);
    let was_open = state
        .conversations
        .get(&peer_id)
        .is_some_and(|c| c.state == PeerState::Open);
    if let Some(req) = state.requests.values_mut().find(|r| r.peer_id == peer_id) {
        if matches!(
            req.stage,
            RequestStage::Connecting | RequestStage::Connected
        ) {
            req.stage = RequestStage::Ended;
        }
    }
    super::file_rules::peer_closed(state, now, peer_id);
    if let Some((guest, issue)) = close_conversation(state, now, peer_id) {
        state.log(
            now,
            ActivityKind::Notice,
            format!("{guest} disconnected (#{issue}): {reason}"),
        );
        super::rooms::leave_all(state, now, peer_id, fx);
        super::policy::on_chat_ended(state, now, issue, was_open, fx);
    }
}
