//! Key-sequence tests of `state::update`: focus, conversations, input and commands,
//! requests, side menu, help, scrollback, attention, quitting, mouse. No terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::fixtures::*;
use super::layout;
use super::state::{update, Pane, TuiState, UiAction, UiEvent};
use crate::app::PeerId;
use crate::app::{Command, PeerState, RequestStage, State};

/// carol (shown, 2 lines) and dave (1 unread); requests #7 waiting and #9 pending.
fn busy() -> (State, PeerId, PeerId) {
    let mut app = empty_state();
    add_request(
        &mut app,
        7,
        "alice",
        "roadmap",
        RequestStage::WaitingForAnswer,
        NOW - 100,
    );
    add_request(&mut app, 9, "bob", "crash", RequestStage::Pending, NOW - 10);
    let carol = add_conversation(
        &mut app,
        3,
        "carol",
        PeerState::Open,
        vec![notice(NOW - 60, "connected"), guest(NOW - 50, "hi")],
        0,
    );
    let dave = add_conversation(
        &mut app,
        4,
        "dave",
        PeerState::Open,
        vec![guest(NOW - 5, "yo")],
        1,
    );
    (app, carol, dave)
}

fn started(app: &State) -> TuiState {
    let mut t = tui(100, 30);
    update(&mut t, app, UiEvent::Refresh);
    t
}

fn sent(actions: &[UiAction]) -> Vec<Command> {
    actions
        .iter()
        .filter_map(|a| {
            if let UiAction::Send(c) = a {
                Some(c.clone())
            } else {
                None
            }
        })
        .collect()
}

fn click(
    t: &mut TuiState,
    app: &State,
    button: MouseButton,
    column: u16,
    row: u16,
) -> Vec<UiAction> {
    let m = MouseEvent {
        kind: MouseEventKind::Down(button),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(t, app, UiEvent::Mouse(m))
}

#[test]
fn tab_cycles_panes_and_esc_returns_to_the_input() {
    let (app, ..) = busy();
    let mut t = started(&app);
    assert_eq!(t.focus, Pane::Input);
    let mut seen = Vec::new();
    for _ in 0..4 {
        feed(&mut t, &app, [key(KeyCode::Tab)]);
        seen.push(t.focus);
    }
    assert_eq!(
        seen,
        [Pane::Requests, Pane::Peers, Pane::Conversation, Pane::Input]
    );
    feed(
        &mut t,
        &app,
        [UiEvent::Key(KeyEvent::new(
            KeyCode::BackTab,
            KeyModifiers::SHIFT,
        ))],
    );
    assert_eq!(t.focus, Pane::Conversation);
    feed(&mut t, &app, [key(KeyCode::Esc)]);
    assert_eq!(t.focus, Pane::Input);
}

#[test]
fn alt_digits_and_ctrl_n_p_switch_conversations_and_mark_them_read() {
    let (app, carol, dave) = busy();
    let mut t = started(&app);
    assert_eq!(
        t.shown,
        Some(carol),
        "the first guest is shown when nothing else is"
    );
    let actions = feed(&mut t, &app, [alt('2')]);
    assert_eq!(t.shown, Some(dave));
    assert_eq!(sent(&actions), vec![Command::MarkRead { peer_id: dave }]);
    feed(&mut t, &app, [alt('0')]);
    assert_eq!(t.shown, None);
    feed(&mut t, &app, [ctrl('n')]);
    assert_eq!(t.shown, Some(carol));
    feed(&mut t, &app, [ctrl('p'), ctrl('p')]);
    assert_eq!(t.shown, Some(dave), "Ctrl-P wraps around");
    feed(&mut t, &app, [alt('7')]);
    assert!(t
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("no conversation 7")));
    // j/k in the peers pane move through the same list.
    feed(
        &mut t,
        &app,
        [
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Char('k')),
        ],
    );
    assert_eq!(t.shown, Some(carol));
}

#[test]
fn enter_sends_to_the_shown_guest_and_commands_work_as_in_plain() {
    let (app, carol, dave) = busy();
    let mut t = started(&app);
    assert_eq!(t.shown, Some(carol));
    let actions = type_line(&mut t, &app, "hello carol");
    assert_eq!(
        sent(&actions),
        vec![Command::ReplyTo {
            peer_id: carol,
            text: "hello carol".into()
        }]
    );
    assert!(t.input.text.is_empty());
    assert_eq!(
        sent(&type_line(&mut t, &app, "@dave yo")),
        vec![Command::Reply {
            user: "dave".into(),
            text: "yo".into()
        }]
    );
    assert_eq!(
        sent(&type_line(&mut t, &app, "kick")),
        vec![Command::KickPeer { peer_id: carol }]
    );
    assert_eq!(
        sent(&type_line(&mut t, &app, "/ban dave")),
        vec![Command::Ban {
            user: "dave".into()
        }]
    );
    // list prints into the activity log, so it is shown.
    assert_eq!(sent(&type_line(&mut t, &app, "list")), vec![Command::List]);
    assert_eq!(t.shown, None);
    // On the activity log, plain text has nowhere to go: explained, the line is kept.
    assert!(sent(&type_line(&mut t, &app, "hello?")).is_empty());
    assert_eq!(t.input.text, "hello?");
    assert!(t
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("no conversation is shown")));
    let _ = dave;
}

#[test]
fn history_recall_and_line_editing() {
    let (app, ..) = busy();
    let mut t = started(&app);
    type_line(&mut t, &app, "first");
    type_line(&mut t, &app, "second");
    feed(&mut t, &app, [key(KeyCode::Up)]);
    assert_eq!(t.input.text, "second");
    feed(&mut t, &app, [key(KeyCode::Up), key(KeyCode::Up)]);
    assert_eq!(t.input.text, "first");
    feed(&mut t, &app, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(t.input.text, "");
    feed(&mut t, &app, "ab cd".chars().map(|c| key(KeyCode::Char(c))));
    feed(&mut t, &app, [ctrl('w')]);
    assert_eq!(t.input.text, "ab ");
    feed(
        &mut t,
        &app,
        [
            ctrl('a'),
            key(KeyCode::Char('X')),
            ctrl('e'),
            key(KeyCode::Backspace),
        ],
    );
    assert_eq!(t.input.text, "Xab");
    feed(&mut t, &app, [ctrl('u')]);
    assert_eq!(t.input.text, "");
    feed(&mut t, &app, [UiEvent::Paste("multi\nline\x1b[2J".into())]);
    assert_eq!(t.input.text, "multi line [2J");
}

#[test]
fn requests_pane_moves_accepts_and_declines() {
    let (app, ..) = busy();
    let mut t = started(&app);
    feed(&mut t, &app, [key(KeyCode::Tab)]);
    assert_eq!(t.focus, Pane::Requests);
    feed(&mut t, &app, [key(KeyCode::Char('j'))]);
    assert_eq!(t.request, Some(9));
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Enter)])),
        vec![Command::Accept { issue: 9 }]
    );
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Char('d'))])),
        vec![Command::Decline { issue: 9 }]
    );
    feed(&mut t, &app, [key(KeyCode::Char('g'))]);
    assert_eq!(t.request, Some(7));
    // Enter on a request that does not wait for the maintainer opens its menu.
    feed(&mut t, &app, [key(KeyCode::Enter)]);
    assert!(t.menu.is_some());
    // Typed accept/decline without a number use the selection.
    feed(&mut t, &app, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(
        sent(&type_line(&mut t, &app, "decline")),
        vec![Command::Decline { issue: 7 }]
    );
}

#[test]
fn side_menu_kicks_copies_and_closes() {
    let (app, carol, _) = busy();
    let mut t = started(&app);
    feed(
        &mut t,
        &app,
        [
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Char('m')),
        ],
    );
    assert!(t.menu.is_some());
    feed(&mut t, &app, [key(KeyCode::Esc)]);
    assert!(t.menu.is_none());
    assert_eq!(t.focus, Pane::Peers, "Esc closes the menu first");
    feed(&mut t, &app, [key(KeyCode::Char('m'))]);
    assert_eq!(
        sent(&feed(&mut t, &app, [key(KeyCode::Char('k'))])),
        vec![Command::KickPeer { peer_id: carol }]
    );
    assert!(t.menu.is_none());
    feed(
        &mut t,
        &app,
        [
            key(KeyCode::Char('m')),
            key(KeyCode::Down),
            key(KeyCode::Down),
            key(KeyCode::Down),
        ],
    );
    let actions = feed(&mut t, &app, [key(KeyCode::Enter)]);
    assert_eq!(
        actions,
        vec![UiAction::Copy(
            "http://127.0.0.1:8177/maintainer/demo/issues/3".into()
        )]
    );
    assert!(t
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("copied the issue URL")));
    // A request's menu offers its guest link while it can be used.
    feed(
        &mut t,
        &app,
        [key(KeyCode::BackTab), key(KeyCode::Char('m'))],
    );
    assert_eq!(
        feed(&mut t, &app, [key(KeyCode::Char('l'))]),
        vec![UiAction::Copy(
            "http://127.0.0.1:8177/guest/#offer=janus1.o.x&issue=7".into()
        )]
    );
    // The activity log has no guest: no menu, a hint instead.
    feed(
        &mut t,
        &app,
        [alt('0'), key(KeyCode::Tab), key(KeyCode::Char('m'))],
    );
    assert!(t.menu.is_none() && t.flash.is_some());
}

#[test]
fn help_overlay_opens_scrolls_and_closes() {
    let (app, ..) = busy();
    let mut t = started(&app);
    feed(&mut t, &app, [key(KeyCode::Char('?'))]);
    assert_eq!(t.help, Some(0));
    feed(&mut t, &app, [key(KeyCode::Char('j')), key(KeyCode::Down)]);
    assert_eq!(t.help, Some(2));
    feed(&mut t, &app, [key(KeyCode::Esc)]);
    assert_eq!(t.help, None);
    // With text in the line, ? is just a character.
    feed(
        &mut t,
        &app,
        [key(KeyCode::Char('w')), key(KeyCode::Char('?'))],
    );
    assert_eq!((t.help, t.input.text.as_str()), (None, "w?"));
    feed(&mut t, &app, [key(KeyCode::F(1))]);
    assert!(t.help.is_some());
}

#[test]
fn scrollback_pages_and_stays_still_while_new_lines_arrive() {
    let mut app = empty_state();
    let lines = (0..10_000)
        .map(|i| guest(NOW - 10_000 + i, &format!("message {i}")))
        .collect();
    let peer = add_conversation(&mut app, 3, "carol", PeerState::Open, lines, 0);
    let mut t = started(&app);
    feed(&mut t, &app, [key(KeyCode::PageUp), key(KeyCode::PageUp)]);
    let page = (layout::inner(
        layout::areas(ratatui::layout::Rect::new(0, 0, 100, 30))
            .unwrap()
            .conversation,
    )
    .height
        / 2) as usize;
    assert_eq!(t.scroll, 2 * page);
    feed(&mut t, &app, [key(KeyCode::PageDown)]);
    assert_eq!(t.scroll, page);
    // A new message does not move what is being read.
    app.conversations
        .get_mut(&peer)
        .unwrap()
        .lines
        .push_back(guest(NOW, "new"));
    feed(&mut t, &app, [UiEvent::Refresh]);
    assert_eq!(t.scroll, page + 1);
    // In the conversation pane: k is older, G follows again, g goes to the oldest.
    feed(
        &mut t,
        &app,
        [
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Char('k')),
        ],
    );
    assert_eq!(t.scroll, page + 2);
    feed(&mut t, &app, [key(KeyCode::Char('G'))]);
    assert_eq!(t.scroll, 0);
    feed(&mut t, &app, [key(KeyCode::Char('g'))]);
    assert_eq!(t.scroll, 10_000);
}

#[test]
fn bell_on_new_request_and_on_messages_elsewhere_only() {
    let (mut app, carol, dave) = busy();
    let mut t = started(&app);
    assert!(t.shown == Some(carol));
    add_request(&mut app, 11, "erin", "hello", RequestStage::Preparing, NOW);
    assert!(update(&mut t, &app, UiEvent::Refresh).contains(&UiAction::Bell));
    assert!(
        !update(&mut t, &app, UiEvent::Refresh).contains(&UiAction::Bell),
        "once per request"
    );
    app.conversations.get_mut(&dave).unwrap().unread = 2;
    assert!(update(&mut t, &app, UiEvent::Refresh).contains(&UiAction::Bell));
    // A message in the shown conversation is read at once: a read mark, no bell.
    app.conversations.get_mut(&carol).unwrap().unread = 1;
    let actions = update(&mut t, &app, UiEvent::Refresh);
    assert_eq!(
        actions,
        vec![UiAction::Send(Command::MarkRead { peer_id: carol })]
    );
    // The bell can be switched off (config `bell = false`).
    let mut quiet = TuiState::new((100, 30), false, Vec::new());
    update(&mut quiet, &app, UiEvent::Refresh);
    add_request(&mut app, 12, "frank", "hi", RequestStage::Pending, NOW);
    assert!(!update(&mut quiet, &app, UiEvent::Refresh).contains(&UiAction::Bell));
}

#[test]
fn ctrl_c_quits_politely_then_forcefully() {
    let (app, ..) = busy();
    let mut t = started(&app);
    assert_eq!(sent(&feed(&mut t, &app, [ctrl('c')])), vec![Command::Quit]);
    assert!(t.quitting);
    assert_eq!(feed(&mut t, &app, [ctrl('c')]), vec![UiAction::ForceQuit]);
    let mut t = started(&app);
    assert_eq!(sent(&type_line(&mut t, &app, "quit")), vec![Command::Quit]);
    assert!(t.quitting);
}

#[test]
fn mouse_selects_panes_and_items_and_opens_menus() {
    let (app, carol, dave) = busy();
    let mut t = started(&app);
    let a = layout::areas(ratatui::layout::Rect::new(0, 0, 100, 30)).unwrap();
    // Peers: row 0 is the activity log, row 2 dave.
    let peers = layout::inner(a.peers);
    click(&mut t, &app, MouseButton::Left, peers.x + 2, peers.y + 2);
    assert_eq!((t.focus, t.shown), (Pane::Peers, Some(dave)));
    // Requests take two rows each: the second request starts on row 2.
    let reqs = layout::inner(a.requests);
    click(&mut t, &app, MouseButton::Left, reqs.x + 1, reqs.y + 3);
    assert_eq!((t.focus, t.request), (Pane::Requests, Some(9)));
    // Right-click on carol opens her menu; clicking its first item kicks her.
    click(&mut t, &app, MouseButton::Right, peers.x + 2, peers.y + 1);
    assert_eq!(t.shown, Some(carol));
    assert!(t.menu.is_some());
    let menu = layout::menu_area(&a, 4);
    let actions = click(&mut t, &app, MouseButton::Left, menu.x + 2, menu.y + 1);
    assert_eq!(sent(&actions), vec![Command::KickPeer { peer_id: carol }]);
    click(
        &mut t,
        &app,
        MouseButton::Left,
        a.input.x + 5,
        a.input.y + 1,
    );
    assert_eq!(t.focus, Pane::Input);
    // The wheel scrolls the conversation.
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: a.conversation.x + 5,
        row: a.conversation.y + 3,
        modifiers: KeyModifiers::NONE,
    };
    let mut long = empty_state();
    add_conversation(
        &mut long,
        3,
        "carol",
        PeerState::Open,
        (0..50).map(|i| guest(NOW, &format!("m{i}"))).collect(),
        0,
    );
    let mut t = started(&long);
    update(&mut t, &long, UiEvent::Mouse(wheel));
    assert_eq!(t.scroll, 3);
}

#[test]
fn a_resize_changes_the_page_and_the_layout_used_for_clicks() {
    let (app, ..) = busy();
    let mut t = started(&app);
    update(&mut t, &app, UiEvent::Resize(40, 12));
    assert_eq!(t.size, (40, 12));
    // Too small for the layout: clicks do nothing, keys still work.
    assert!(click(&mut t, &app, MouseButton::Left, 1, 1).is_empty());
    assert_eq!(sent(&feed(&mut t, &app, [ctrl('c')])), vec![Command::Quit]);
}

#[path = "key_tests_addressing.rs"]
mod addressing;
