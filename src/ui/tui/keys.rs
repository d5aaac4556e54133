//! The key map: which key does what, in which context. [`resolve`] turns a key press into
//! an [`Intent`] for `state::update`; [`BINDINGS`] is the same map as text for the help
//! overlay and the docs, kept next to it so the two cannot drift apart.
//!
//! Conventions follow gitui and weechat/irssi: Tab cycles panes, vim keys and arrows move
//! in lists, Alt-digits jump to conversations, Esc backs out, `?` opens help.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::Pane;

/// What a key asks for. `state::update` decides what it means for the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Ctrl-C: quit politely (twice: at once).
    Quit,
    NextPane,
    PrevPane,
    /// Alt-0 … Alt-9: the activity log (0) or conversation N.
    ShowBuffer(usize),
    NextBuffer,
    PrevBuffer,
    /// Scroll the conversation by half a screen.
    PageUp,
    PageDown,
    Help,
    /// Esc: close the menu or help, else clear a message.
    Close,
    Up,
    Down,
    Top,
    Bottom,
    /// Enter on a list item (or in a menu).
    Activate,
    OpenMenu,
    /// `a` / `d` on a request.
    Accept,
    Decline,
    /// Jump to the input line (`i`), or start a command there (`/`).
    FocusInput,
    StartCommand,
    /// A menu item's letter.
    Hotkey(char),
    /// `y` / `n` on a conversation: accept / reject the file its guest offers.
    AcceptFile,
    RejectFile,
    /// Tab on `file send <user> <path>`: complete the path.
    CompletePath,
    // Input line editing.
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    ClearLine,
    DeleteWord,
    HistoryPrev,
    HistoryNext,
    Submit,
}

/// What `resolve` needs to know besides the key.
#[derive(Debug, Clone, Copy)]
pub struct KeyContext {
    /// Letters type in the input line but move in lists.
    pub focus: Pane,
    /// An open menu takes letters as item keys.
    pub menu_open: bool,
    /// The help overlay takes only scrolling and closing keys.
    pub help_open: bool,
    /// `?` opens help only on an empty line, so it can still be typed in a message.
    pub input_empty: bool,
    /// The input line is a `file send <user> <path>`: Tab completes the path.
    pub completing_path: bool,
}

/// The intent of a key press in a context, or `None` for keys with no binding there.
pub fn resolve(key: KeyEvent, ctx: KeyContext) -> Option<Intent> {
    use Intent::*;
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    // Global keys, whatever has the focus.
    match key.code {
        KeyCode::Char('c') if ctrl => return Some(Quit),
        KeyCode::Char('n') if ctrl => return Some(NextBuffer),
        KeyCode::Char('p') if ctrl => return Some(PrevBuffer),
        KeyCode::Char(d @ '0'..='9') if alt => return Some(ShowBuffer(d as usize - '0' as usize)),
        KeyCode::Tab if ctx.completing_path && ctx.focus == Pane::Input && !ctx.menu_open => {
            return Some(CompletePath)
        }
        KeyCode::Tab => return Some(NextPane),
        KeyCode::BackTab => return Some(PrevPane),
        KeyCode::PageUp => return Some(PageUp),
        KeyCode::PageDown => return Some(PageDown),
        KeyCode::F(1) => return Some(Help),
        KeyCode::Esc => return Some(Close),
        _ => {}
    }
    if ctx.help_open {
        return match key.code {
            KeyCode::Up | KeyCode::Char('k') => Some(Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Down),
            KeyCode::Char('?' | 'q') | KeyCode::Enter => Some(Close),
            _ => None,
        };
    }
    if ctx.menu_open {
        return match key.code {
            KeyCode::Up => Some(Up),
            KeyCode::Down => Some(Down),
            KeyCode::Enter => Some(Activate),
            KeyCode::Char(c) if !ctrl && !alt => Some(Hotkey(c)),
            _ => None,
        };
    }
    if ctx.focus == Pane::Input {
        return match key.code {
            KeyCode::Enter => Some(Submit),
            KeyCode::Backspace => Some(Backspace),
            KeyCode::Delete => Some(Delete),
            KeyCode::Left => Some(Left),
            KeyCode::Right => Some(Right),
            KeyCode::Home => Some(Home),
            KeyCode::End => Some(End),
            KeyCode::Up => Some(HistoryPrev),
            KeyCode::Down => Some(HistoryNext),
            KeyCode::Char('a') if ctrl => Some(Home),
            KeyCode::Char('e') if ctrl => Some(End),
            KeyCode::Char('u') if ctrl => Some(ClearLine),
            KeyCode::Char('w') if ctrl => Some(DeleteWord),
            KeyCode::Char('?') if ctx.input_empty => Some(Help),
            KeyCode::Char(c) if !ctrl && !alt => Some(Insert(c)),
            _ => None,
        };
    }
    // The list panes and the conversation.
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(Up),
        KeyCode::Down | KeyCode::Char('j') => Some(Down),
        KeyCode::Home | KeyCode::Char('g') => Some(Top),
        KeyCode::End | KeyCode::Char('G') => Some(Bottom),
        KeyCode::Enter => Some(Activate),
        KeyCode::Char('m') | KeyCode::Right => Some(OpenMenu),
        KeyCode::Char('a') if ctx.focus == Pane::Requests => Some(Accept),
        KeyCode::Char('d') if ctx.focus == Pane::Requests => Some(Decline),
        KeyCode::Char('y') if ctx.focus != Pane::Requests => Some(AcceptFile),
        KeyCode::Char('n') if ctx.focus != Pane::Requests => Some(RejectFile),
        KeyCode::Char('i') => Some(FocusInput),
        KeyCode::Char('/') => Some(StartCommand),
        KeyCode::Char('?') => Some(Help),
        _ => None,
    }
}

/// One line of the key map: keys, what they do.
pub type Binding = (&'static str, &'static str);

/// The key map as shown by `?`, by section.
pub const BINDINGS: &[(&str, &[Binding])] = &[
    (
        "Everywhere",
        &[
            ("Tab / Shift-Tab", "next / previous pane"),
            ("Alt-1 … Alt-9", "show conversation 1 … 9"),
            ("Alt-0", "show the activity log"),
            ("Ctrl-N / Ctrl-P", "next / previous conversation or room"),
            ("PgUp / PgDn", "scroll the conversation"),
            ("? or F1", "this help (? only on an empty input line)"),
            ("Esc", "close menu or help; back to the input line"),
            ("Ctrl-C", "quit politely (twice: at once)"),
            ("mouse", "click: pane/item; right-click: menu; wheel"),
        ],
    ),
    (
        "Requests and peers",
        &[
            ("j / k, ↓ / ↑", "move"),
            ("g / G, Home / End", "first / last"),
            ("Enter", "request: accept (manual) or menu; peer: chat"),
            ("m or →", "side menu: kick, ban, decline, URL, copy"),
            ("a / d", "accept / decline the selected request"),
            ("i or /", "to the input line (/ starts a command)"),
        ],
    ),
    (
        "Conversation",
        &[
            ("j / k, ↓ / ↑", "scroll one message"),
            ("g / G, Home / End", "oldest / newest (follow)"),
            ("m or →", "side menu for this guest"),
            ("y / n", "accept / reject the file the shown guest offers"),
        ],
    ),
    (
        "Input line",
        &[
            ("Enter", "send to the shown guest, or run a command"),
            ("/cmd …", "a command: /list /kick /ban /accept /quit …"),
            (
                "list, @user msg, kick…",
                "console commands, exactly as in --plain",
            ),
            ("kick, ban (no user)", "act on the shown guest"),
            (
                "/say text, //text",
                "send text starting with a command word or /",
            ),
            ("Tab", "on `file send <user> <path>`: complete the path"),
            ("↑ / ↓", "previous / next line typed"),
            ("Ctrl-A / Ctrl-E", "start / end of line"),
            ("Ctrl-U / Ctrl-W", "clear the line / delete a word"),
        ],
    ),
    (
        "Side menu",
        &[
            ("↑ / ↓, Enter", "choose"),
            ("letter", "the item's key: k kick, b ban, f send file, …"),
            ("Esc", "close"),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn ctx(focus: Pane) -> KeyContext {
        KeyContext {
            focus,
            menu_open: false,
            help_open: false,
            input_empty: true,
            completing_path: false,
        }
    }

    #[test]
    fn letters_type_in_the_input_and_move_in_lists() {
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(resolve(j, ctx(Pane::Input)), Some(Intent::Insert('j')));
        assert_eq!(resolve(j, ctx(Pane::Peers)), Some(Intent::Down));
        let q = key(KeyCode::Char('?'), KeyModifiers::NONE);
        assert_eq!(resolve(q, ctx(Pane::Input)), Some(Intent::Help));
        assert_eq!(
            resolve(
                q,
                KeyContext {
                    input_empty: false,
                    ..ctx(Pane::Input)
                }
            ),
            Some(Intent::Insert('?'))
        );
    }

    #[test]
    fn global_keys_win_everywhere() {
        let alt3 = key(KeyCode::Char('3'), KeyModifiers::ALT);
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for focus in [Pane::Input, Pane::Requests, Pane::Peers, Pane::Conversation] {
            assert_eq!(resolve(alt3, ctx(focus)), Some(Intent::ShowBuffer(3)));
            assert_eq!(
                resolve(
                    ctrl_c,
                    KeyContext {
                        menu_open: true,
                        ..ctx(focus)
                    }
                ),
                Some(Intent::Quit)
            );
        }
    }

    #[test]
    fn menu_keys_are_hotkeys() {
        let k = key(KeyCode::Char('k'), KeyModifiers::NONE);
        assert_eq!(
            resolve(
                k,
                KeyContext {
                    menu_open: true,
                    ..ctx(Pane::Peers)
                }
            ),
            Some(Intent::Hotkey('k'))
        );
    }
}
