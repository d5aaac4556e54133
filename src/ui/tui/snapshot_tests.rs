//! Snapshots of the main screens on ratatui's TestBackend, as text lines (colours are not
//! compared; layout and content are): empty, requests waiting, two conversations, side
//! menu open, help overlay, and a 40×12 terminal. Plus the frame-time benchmark.

use crossterm::event::KeyCode;

use super::fixtures::*;
use super::state::{update, TuiState, UiEvent};
use crate::app::flow_b::{Answering, OfferSource};
use crate::app::guest_offer::GuestOffer;
use crate::app::{ActivityKind, PeerState, RequestStage, State};

fn requests_waiting_state() -> State {
    let mut app = empty_state();
    app.manual_accept = true;
    add_request(
        &mut app,
        7,
        "alice",
        "Can we talk about the roadmap?",
        RequestStage::WaitingForAnswer,
        NOW - 125,
    );
    add_request(
        &mut app,
        9,
        "bob",
        "Crash on start\x1b[2J with a \x1b]0;title\x07",
        RequestStage::Pending,
        NOW - 20,
    );
    // Flow B: the guest's page offered in the issue; the host's answer is posted.
    add_request(
        &mut app,
        11,
        "carol",
        "Chat request",
        RequestStage::WaitingForAnswer,
        NOW - 8,
    );
    let carol = app.requests.get_mut(&11).expect("just added");
    carol.link = None;
    carol.guest_offer = Some(Answering {
        offer: GuestOffer {
            sid: "00112233aabbccdd".into(),
            sdp: String::new(),
            exp: NOW + 300,
        },
        source: OfferSource::IssueBody {
            body: "Hi! I would like to chat.".into(),
        },
        verify_code: None,
    });
    app.log(
        NOW - 20,
        ActivityKind::Notice,
        "chat request #9 from bob: waiting for you to `accept 9` or `decline 9`",
    );
    app
}

fn two_conversations_state() -> State {
    let mut app = empty_state();
    let lines = vec![
        notice(NOW - 300, "connected"),
        guest(NOW - 290, "hi! thanks for taking the time"),
        host(NOW - 280, "hello carol, what's up?", true),
        guest(
            NOW - 200,
            "can plugins register hooks at runtime, or only at startup?",
        ),
        host(NOW - 100, "at runtime, via the registry", false),
    ];
    add_conversation(&mut app, 3, "carol", PeerState::Open, lines, 0);
    add_conversation(
        &mut app,
        4,
        "dave",
        PeerState::Open,
        vec![notice(NOW - 60, "connected"), guest(NOW - 50, "hey")],
        2,
    );
    app.log(
        NOW - 50,
        ActivityKind::Message {
            from: "dave".into(),
        },
        "hey",
    );
    app
}

/// A TUI that has seen `app` once (as after the first draw).
fn seen(app: &State, width: u16, height: u16) -> TuiState {
    let mut t = tui(width, height);
    update(&mut t, app, UiEvent::Refresh);
    t
}

/// Compares a rendered screen with a snapshot; trailing blank rows are not compared.
fn assert_screen(actual: Vec<String>, expected: &[&str]) {
    let mut actual = actual;
    while actual.last().is_some_and(|l| l.is_empty()) {
        actual.pop();
    }
    if actual != expected {
        panic!(
            "screen differs.\n--- expected\n{}\n--- actual\n{}\n",
            expected.join("\n"),
            actual.join("\n")
        );
    }
}

#[test]
fn empty_screen() {
    let app = empty_state();
    assert_screen(render(&seen(&app, 80, 24), &app, 80, 24), EMPTY);
}

#[test]
fn requests_waiting() {
    let app = requests_waiting_state();
    assert_screen(render(&seen(&app, 80, 24), &app, 80, 24), REQUESTS);
}

#[test]
fn side_menu_on_a_request() {
    let app = requests_waiting_state();
    let mut t = seen(&app, 80, 24);
    update(&mut t, &app, key(KeyCode::Tab));
    update(&mut t, &app, key(KeyCode::Char('m')));
    assert_screen(render(&t, &app, 80, 24), MENU);
}

#[test]
fn two_conversations() {
    let app = two_conversations_state();
    assert_screen(render(&seen(&app, 80, 24), &app, 80, 24), TWO);
}

#[test]
fn help_overlay() {
    let app = two_conversations_state();
    let mut t = seen(&app, 80, 24);
    update(&mut t, &app, key(KeyCode::F(1)));
    assert_screen(render(&t, &app, 80, 24), HELP);
}

#[test]
fn status_bar_shows_a_restarting_task_until_it_works_again() {
    let mut app = empty_state();
    crate::app::update(
        &mut app,
        NOW,
        crate::app::Event::TaskRestarted {
            task: crate::app::TASK_POLLER.into(),
            error: "connection reset\x1b[2J".into(),
            retry_in_secs: 4,
        },
    );
    let screen = render(&seen(&app, 120, 24), &app, 120, 24);
    assert_eq!(
        screen[23],
        " maintainer@maintainer/demo │ ! the GitHub poller stopped (connection reset\\u{1b}[2J); restarting in 4 s │ forg… ? help"
    );
    crate::app::update(
        &mut app,
        NOW,
        crate::app::Event::Forge(crate::forge::ForgeEvent::PollOk),
    );
    let screen = render(&seen(&app, 120, 24), &app, 120, 24);
    assert_eq!(
        screen[23],
        " maintainer@maintainer/demo │ forge ok · polled 0s ago │ rate 4987/5000                                          ? help"
    );
}

#[test]
fn terminal_40x12_says_it_is_too_small() {
    let app = two_conversations_state();
    assert_screen(render(&seen(&app, 40, 12), &app, 40, 12), SMALL);
}

#[test]
fn the_conversation_title_shows_the_path() {
    let mut app = two_conversations_state();
    let peer = *app.conversations.keys().next().unwrap();
    app.conversations.get_mut(&peer).unwrap().reach.path = Some(crate::app::ConnPath::Relay);
    let screen = render(&seen(&app, 100, 30), &app, 100, 30).join("\n");
    assert!(
        screen.contains("· open · via relay · code 3fa-9c1"),
        "{screen}"
    );
}

#[test]
fn hostile_text_is_drawn_inert() {
    let mut app = empty_state();
    let evil = "hi\x1b[2J\x1b]0;pwned\x07\nmaintainer: fake line\u{202e}";
    add_conversation(
        &mut app,
        3,
        "mallory",
        PeerState::Open,
        vec![guest(NOW, evil)],
        0,
    );
    app.log(
        NOW,
        ActivityKind::Message {
            from: "mallory".into(),
        },
        evil,
    );
    let screen = render(&seen(&app, 100, 30), &app, 100, 30);
    assert!(
        screen
            .iter()
            .all(|l| !l.chars().any(|c| c.is_control() || c == '\u{202e}')),
        "{screen:#?}"
    );
    let text = screen.join("\n");
    assert!(text.contains("hi\\u{1b}[2J\\u{1b}]0;pwned"), "{text}");
    assert!(text.contains(" ↵ maintainer: fake"), "{text}");
}

#[test]
fn ten_thousand_lines_render_only_the_last_screenful() {
    let mut app = empty_state();
    let lines = (0..10_000)
        .map(|i| guest(NOW, &format!("message number {i}")))
        .collect();
    add_conversation(&mut app, 3, "carol", PeerState::Open, lines, 0);
    let text = render(&seen(&app, 80, 24), &app, 80, 24).join("\n");
    assert!(
        text.contains("message number 9999") && text.contains("message number 9983"),
        "{text}"
    );
    assert!(!text.contains("message number 9982"));
}

/// Frame render time with 10 000 messages in the shown conversation and 50 peers (each
/// with 200 more), on a 200×60 TestBackend. Prints the number; asserts nothing.
/// `cargo test --release --lib frame_render_benchmark -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: prints the frame render time"]
fn frame_render_benchmark() {
    let mut app = empty_state();
    let lines = (0..10_000)
        .map(|i| {
            guest(
                NOW - 10_000 + i,
                &format!(
                    "message {i}: the quick brown fox jumps over the lazy dog, again and again"
                ),
            )
        })
        .collect();
    add_conversation(&mut app, 1, "guest-0", PeerState::Open, lines, 0);
    for p in 1..50 {
        let lines = (0..200)
            .map(|i| host(NOW - 200 + i, &format!("reply {i}"), i % 2 == 0))
            .collect();
        add_conversation(
            &mut app,
            1 + p,
            &format!("guest-{p}"),
            PeerState::Open,
            lines,
            p as usize % 4,
        );
    }
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).unwrap();
    let mut t = seen(&app, 200, 60);
    update(&mut t, &app, alt('1'));
    let frames = 500u32;
    let start = std::time::Instant::now();
    for i in 0..frames {
        // Alternate the scroll so every frame draws different content.
        t.scroll = (i % 2) as usize * 30;
        terminal
            .draw(|f| super::screen::draw(f, &t, &app, NOW))
            .unwrap();
    }
    let per_frame = start.elapsed() / frames;
    println!("frame render time, 10 000 messages + 50 peers, 200x60: {per_frame:?} per frame ({frames} frames)");
}

#[test]
#[ignore = "prints the screens; run with --nocapture to refresh the snapshots"]
fn print_screens() {
    let app = requests_waiting_state();
    let mut t = seen(&app, 80, 24);
    for screen in [
        render(&seen(&empty_state(), 80, 24), &empty_state(), 80, 24),
        render(&t, &app, 80, 24),
    ] {
        println!("=====\n{}", screen.join("\n"));
    }
    update(&mut t, &app, key(KeyCode::Tab));
    update(&mut t, &app, key(KeyCode::Char('m')));
    println!("=====\n{}", render(&t, &app, 80, 24).join("\n"));
    let app = two_conversations_state();
    let mut t = seen(&app, 80, 24);
    println!("=====\n{}", render(&t, &app, 80, 24).join("\n"));
    update(&mut t, &app, key(KeyCode::F(1)));
    println!("=====\n{}", render(&t, &app, 80, 24).join("\n"));
    println!(
        "=====\n{}",
        render(&seen(&app, 40, 12), &app, 40, 12).join("\n")
    );
    println!("=====");
}

const EMPTY: &[&str] = &[
    "┌ Requests (0) ──────────┐┌ Activity ──────────────────────────────────────────┐",
    "│no requests waiting     ││Janus: serving chat requests on maintainer/demo as  │",
    "│                        ││maintainer. Press ? for the key map.                │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "└────────────────── auto ┘│                                                    │",
    "┌ Peers (0 open) ────────┐│                                                    │",
    "│0 activity              ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "└────────────────────────┘└────────────────────────────────────────────────────┘",
    "",
    "┌ command (list, @user msg, kick, ban, accept, help, quit) · ? for keys ───────┐",
    "│>                                                                             │",
    "└──────────────────────────────────────────────────────────────────────────────┘",
    " maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000  ? help",
];

const REQUESTS: &[&str] = &[
    "┌ Requests (3) ──────────┐┌ Activity ──────────────────────────────────────────┐",
    "│#7 alice              2m││Janus: serving chat requests on maintainer/demo as  │",
    "│  ◷ link posted · Can w…││maintainer. Press ? for the key map.                │",
    "│#9 bob               20s││09:14 * chat request #9 from bob: waiting for you to│",
    "│  ⏸ accept? · Crash on …││        `accept 9` or `decline 9`                   │",
    "│#11 carol             8s││                                                    │",
    "│  ◷ answer posted · Cha…││                                                    │",
    "│                        ││                                                    │",
    "└──────────────── manual ┘│                                                    │",
    "┌ Peers (0 open) ────────┐│                                                    │",
    "│0 activity              ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "└────────────────────────┘└────────────────────────────────────────────────────┘",
    "* chat request #9 from bob: waiting for you to `accept 9` or `decline 9`",
    "┌ command (list, @user msg, kick, ban, accept, help, quit) · ? for keys ───────┐",
    "│>                                                                             │",
    "└──────────────────────────────────────────────────────────────────────────────┘",
    " maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000  ? help",
];

const MENU: &[&str] = &[
    "┌ Requests (3) ──────────┐┌ Activity ─────────────┌ #7 alice ──────────────────┐",
    "│#7 alice              2m││Janus: serving chat req│ d decline                  │",
    "│  ◷ link posted · Can w…││maintainer. Press ? for│ b ban                      │",
    "│#9 bob               20s││09:14 * chat request #9│ u show issue URL           │",
    "│  ⏸ accept? · Crash on …││        `accept 9` or `│ c copy issue URL           │",
    "│#11 carol             8s││                       │ l copy guest link          │",
    "│  ◷ answer posted · Cha…││                       └────────────────────────────┘",
    "│                        ││                                                    │",
    "└──────────────── manual ┘│                                                    │",
    "┌ Peers (0 open) ────────┐│                                                    │",
    "│0 activity              ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "└────────────────────────┘└────────────────────────────────────────────────────┘",
    "* chat request #9 from bob: waiting for you to `accept 9` or `decline 9`",
    "┌ command (list, @user msg, kick, ban, accept, help, quit) · ? for keys ───────┐",
    "│>                                                                             │",
    "└──────────────────────────────────────────────────────────────────────────────┘",
    " maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000  ? help",
];

const TWO: &[&str] = &[
    "┌ Requests (0) ──────────┐┌ carol · #3 · open · code 3fa-9c1 ──────────────────┐",
    "│no requests waiting     ││09:10 * connected                                   │",
    "│                        ││09:10 carol: hi! thanks for taking the time         │",
    "│                        ││09:10 you: hello carol, what's up? ✓                │",
    "│                        ││09:11 carol: can plugins register hooks at runtime, │",
    "│                        ││             or only at startup?                    │",
    "│                        ││09:13 you: at runtime, via the registry ·           │",
    "│                        ││                                                    │",
    "└────────────────── auto ┘│                                                    │",
    "┌ Peers (2 open) ────────┐│                                                    │",
    "│0 activity              ││                                                    │",
    "│1 carol ✓   open        ││                                                    │",
    "│2 dave ✓    open      2 ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "│                        ││                                                    │",
    "└────────────────────────┘└────────────────────────────────────────────────────┘",
    "dave: hey",
    "┌ message to carol · /help for commands ───────────────────────────────────────┐",
    "│>                                                                             │",
    "└──────────────────────────────────────────────────────────────────────────────┘",
    " maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000  ? help",
];

const HELP: &[&str] = &[
    "┌ Requests (0) ──────────┐┌ carol · #3 · open · code 3fa-9c1 ──────────────────┐",
    "│n┌ Keys · Esc closes ───────────────────────────────────────────────────────┐ │",
    "│ │Everywhere                                                                │ │",
    "│ │  Tab / Shift-Tab         next / previous pane                            │ │",
    "│ │  Alt-1 … Alt-9           show conversation 1 … 9                         │ │",
    "│ │  Alt-0                   show the activity log                           │ │",
    "│ │  Ctrl-N / Ctrl-P         next / previous conversation or room            │ │",
    "│ │  PgUp / PgDn             scroll the conversation                         │ │",
    "└─│  ? or F1                 this help (? only on an empty input line)       │ │",
    "┌ │  Esc                     close menu or help; back to the input line      │ │",
    "│0│  Ctrl-C                  quit politely (twice: at once)                  │ │",
    "│1│  mouse                   click: pane/item; right-click: menu; wheel      │ │",
    "│2│                                                                          │ │",
    "│ │Requests and peers                                                        │ │",
    "│ │  j / k, ↓ / ↑            move                                            │ │",
    "│ │  g / G, Home / End       first / last                                    │ │",
    "│ │  Enter                   request: accept (manual) or menu; peer: chat    │ │",
    "│ │  m or →                  side menu: kick, ban, decline, URL, copy        │ │",
    "└─│  a / d                   accept / decline the selected request           │─┘",
    "da│  i or /                  to the input line (/ starts a command)          │",
    "┌ │                                                                          │─┐",
    "│>│Conversation                                                              │ │",
    "└─└────────────────────────────────────────────────────────────── ↑/↓ scroll ┘─┘",
    " maintainer@maintainer/demo │ forge ok · polled 2s ago │ rate 4987/5000  ? help",
];

const SMALL: &[&str] = &[
    "Terminal too small",
    "40×12 here; Janus needs at least 60×15.",
    "Enlarge the window, or run with --plain.",
    "Ctrl-C quits.",
];
