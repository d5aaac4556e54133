//! The side menu on a guest or a request: kick, ban, accept, decline, show the issue's URL,
//! copy the issue URL or the guest link (OSC 52). [`items`] decides what is offered for
//! the target in its current state (also used by `state` to act), [`draw`] only draws.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem};
use ratatui::Frame;

use super::{fmt, layout, theme};
use crate::app::{sanitize_for_terminal, PeerId, PeerState, RequestStage, State};

/// What the menu is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuTarget {
    Peer(PeerId),
    Request(u64),
}

/// What choosing an item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    Accept(u64),
    Decline(u64),
    /// Kick this conversation (not "the newest with that login").
    KickPeer(PeerId),
    /// Ban the guest of this conversation.
    BanPeer(PeerId),
    /// This conversation joins the room.
    InviteToRoom {
        name: String,
        peer_id: PeerId,
    },
    /// This conversation leaves the room.
    RemoveFromRoom {
        name: String,
        peer_id: PeerId,
    },
    /// Start `file send <login> ` on the input line for this conversation.
    SendFile(PeerId),
    /// Ban the author of a request by login.
    BanUser(String),
    ShowUrl(String),
    Copy {
        what: &'static str,
        text: String,
    },
}

/// One menu line: its key, its label, its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    /// Chooses the item directly (`k` kick…).
    pub key: char,
    pub label: String,
    /// Carries what it acts on (login, issue, URL), resolved when the menu was built.
    pub action: MenuAction,
}

/// The items for `target` as things stand; empty if the target is gone.
pub fn items(target: MenuTarget, app: &State) -> Vec<MenuItem> {
    let item = |key, label: &str, action| MenuItem {
        key,
        label: label.to_string(),
        action,
    };
    let mut out = Vec::new();
    match target {
        MenuTarget::Peer(id) => {
            let Some(c) = app.conversations.get(&id) else {
                return out;
            };
            if c.state != PeerState::Closed {
                out.push(item('k', "kick", MenuAction::KickPeer(id)));
            }
            out.push(item('b', "ban", MenuAction::BanPeer(id)));
            if c.state == PeerState::Open && app.files.guests_with_files.contains(&id) {
                out.push(item('f', "send file…", MenuAction::SendFile(id)));
            }
            // One entry per room (the first nine): invite into it, or remove from it.
            if c.state == PeerState::Open {
                for (room, key) in app.rooms.values().zip('1'..='9') {
                    let name = room.name.clone();
                    let shown = sanitize_for_terminal(&room.name);
                    out.push(if room.members.contains(&id) {
                        item(
                            key,
                            &format!("remove from #{shown}"),
                            MenuAction::RemoveFromRoom { name, peer_id: id },
                        )
                    } else {
                        item(
                            key,
                            &format!("invite to #{shown}"),
                            MenuAction::InviteToRoom { name, peer_id: id },
                        )
                    });
                }
            }
            if let Some(r) = app.requests.get(&c.issue) {
                out.push(item(
                    'u',
                    "show issue URL",
                    MenuAction::ShowUrl(r.issue.html_url.clone()),
                ));
                out.push(item(
                    'c',
                    "copy issue URL",
                    MenuAction::Copy {
                        what: "issue URL",
                        text: r.issue.html_url.clone(),
                    },
                ));
            }
        }
        MenuTarget::Request(n) => {
            let Some(r) = app.requests.get(&n) else {
                return out;
            };
            if matches!(
                r.stage,
                RequestStage::Pending
                    | RequestStage::Expired
                    | RequestStage::Ended
                    | RequestStage::OverLimit
            ) {
                out.push(item('a', "accept", MenuAction::Accept(n)));
            }
            if matches!(
                r.stage,
                RequestStage::Pending
                    | RequestStage::Queued
                    | RequestStage::Preparing
                    | RequestStage::Posting
                    | RequestStage::WaitingForAnswer
            ) {
                out.push(item('d', "decline", MenuAction::Decline(n)));
            }
            out.push(item(
                'b',
                "ban",
                MenuAction::BanUser(r.issue.user.login.clone()),
            ));
            out.push(item(
                'u',
                "show issue URL",
                MenuAction::ShowUrl(r.issue.html_url.clone()),
            ));
            out.push(item(
                'c',
                "copy issue URL",
                MenuAction::Copy {
                    what: "issue URL",
                    text: r.issue.html_url.clone(),
                },
            ));
            if let Some(link) = &r.link {
                out.push(item(
                    'l',
                    "copy guest link",
                    MenuAction::Copy {
                        what: "guest link",
                        text: link.clone(),
                    },
                ));
            }
        }
    }
    out
}

/// The menu's title for `target`.
pub fn title(target: MenuTarget, app: &State) -> String {
    match target {
        MenuTarget::Peer(id) => app
            .conversations
            .get(&id)
            .map(|c| sanitize_for_terminal(&c.guest))
            .unwrap_or_default(),
        MenuTarget::Request(n) => match app.requests.get(&n) {
            Some(r) => format!("#{n} {}", sanitize_for_terminal(&r.issue.user.login)),
            None => format!("#{n}"),
        },
    }
}

/// Draws the menu along the right edge of the conversation window.
pub fn draw(
    frame: &mut Frame,
    areas: &layout::Areas,
    title: &str,
    items: &[MenuItem],
    cursor: usize,
) {
    let area: Rect = layout::menu_area(areas, items.len());
    let width = layout::inner(area).width as usize;
    let block = Block::bordered()
        .title(format!(
            " {} ",
            fmt::truncate(title, width.saturating_sub(2))
        ))
        .border_style(theme::border(true));
    let list: Vec<ListItem> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let line = Line::from(vec![
                Span::styled(format!(" {} ", it.key), theme::warn()),
                Span::raw(it.label.as_str()),
            ]);
            let li = ListItem::new(line);
            if i == cursor {
                li.style(theme::selected(true))
            } else {
                li
            }
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(List::new(list).block(block), area);
}
