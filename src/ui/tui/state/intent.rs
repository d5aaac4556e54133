//! What each key [`Intent`] does to the view model ([`apply`]): focus and panes, scrolling,
//! the menu (opened with [`open_menu`], its items carried out by [`activate_menu_item`]),
//! the input line with its history ([`recall`]) and the submitted line ([`submit`]).

use super::*;

pub(super) fn open_menu(tui: &mut TuiState, app: &State) {
    let target = match tui.focus {
        Pane::Requests => request_index(tui, app)
            .map(|i| MenuTarget::Request(requests::queue(app)[i].issue.number)),
        _ => tui.shown.map(MenuTarget::Peer),
    };
    match target {
        Some(t) if !menu::items(t, app).is_empty() => {
            tui.menu = Some(Menu {
                target: t,
                cursor: 0,
            })
        }
        _ => tui.say(
            "nothing selected for a menu: pick a guest or a request first",
            true,
        ),
    }
}

pub(super) fn activate_menu_item(
    tui: &mut TuiState,
    app: &State,
    index: usize,
    out: &mut Vec<UiAction>,
) {
    let Some(menu) = tui.menu.take() else { return };
    let Some(item) = menu::items(menu.target, app).into_iter().nth(index) else {
        return;
    };
    match item.action {
        MenuAction::Accept(issue) => out.push(UiAction::Send(Command::Accept { issue })),
        MenuAction::Decline(issue) => out.push(UiAction::Send(Command::Decline { issue })),
        MenuAction::KickPeer(peer_id) => out.push(UiAction::Send(Command::KickPeer { peer_id })),
        MenuAction::BanPeer(peer_id) => out.push(UiAction::Send(Command::BanPeer { peer_id })),
        MenuAction::BanUser(user) => out.push(UiAction::Send(Command::Ban { user })),
        MenuAction::InviteToRoom { name, peer_id } => {
            out.push(UiAction::Send(Command::RoomInvitePeer { name, peer_id }))
        }
        MenuAction::RemoveFromRoom { name, peer_id } => {
            out.push(UiAction::Send(Command::RoomRemovePeer { name, peer_id }))
        }
        MenuAction::SendFile(peer_id) => {
            if let Some(c) = app.conversations.get(&peer_id) {
                tui.input.set(&format!("file send {} ", c.guest));
                tui.focus = Pane::Input;
                tui.say("type the file's path (Tab completes), then Enter", false);
            }
        }
        MenuAction::ShowUrl(url) => tui.say(sanitize_for_terminal(&url), false),
        MenuAction::Copy { what, text } => {
            tui.say(
                format!(
                    "copied the {what} to the clipboard (OSC 52): {}",
                    sanitize_for_terminal(&text)
                ),
                false,
            );
            out.push(UiAction::Copy(text));
        }
    }
}

pub(super) fn apply(tui: &mut TuiState, app: &State, intent: Intent, out: &mut Vec<UiAction>) {
    use Intent::*;
    match intent {
        Quit if tui.quitting => out.push(UiAction::ForceQuit),
        Quit => {
            tui.quitting = true;
            out.push(UiAction::Send(Command::Quit));
        }
        NextPane | PrevPane => {
            let i = TAB_ORDER.iter().position(|p| *p == tui.focus).unwrap_or(0);
            let step = if intent == NextPane {
                1
            } else {
                TAB_ORDER.len() - 1
            };
            tui.focus = TAB_ORDER[(i + step) % TAB_ORDER.len()];
            tui.menu = None;
        }
        ShowBuffer(n) => match peers::slots(app).into_iter().nth(n) {
            Some(slot) => show_slot(tui, app, slot),
            None => tui.say(format!("there is no conversation {n}"), true),
        },
        NextBuffer => move_buffer(tui, app, 1, true),
        PrevBuffer => move_buffer(tui, app, -1, true),
        PageUp => scroll_by(tui, app, page(tui) as isize),
        PageDown => scroll_by(tui, app, -(page(tui) as isize)),
        Help => tui.help = Some(0),
        Close => {
            if tui.help.take().is_none() && tui.menu.take().is_none() {
                tui.focus = Pane::Input;
            }
        }
        Up | Down | Top | Bottom => {
            let delta: isize = match intent {
                Up => -1,
                Down => 1,
                Top => isize::MIN / 2,
                _ => isize::MAX / 2,
            };
            if let Some(scroll) = tui.help.as_mut() {
                *scroll = scroll
                    .saturating_add_signed(delta)
                    .min(help::lines().len().saturating_sub(1));
            } else if let Some(menu) = tui.menu.as_mut() {
                let n = menu::items(menu.target, app).len().max(1);
                menu.cursor = menu.cursor.saturating_add_signed(delta).min(n - 1);
            } else {
                match tui.focus {
                    Pane::Requests => move_request(tui, app, delta),
                    Pane::Peers => move_buffer(tui, app, delta, false),
                    // Up is older: the scroll offset grows.
                    Pane::Conversation => scroll_by(tui, app, -delta),
                    Pane::Input => {}
                }
            }
        }
        Activate => {
            if let Some(menu) = tui.menu {
                activate_menu_item(tui, app, menu.cursor, out);
                return;
            }
            match tui.focus {
                Pane::Requests => match request_index(tui, app).map(|i| requests::queue(app)[i]) {
                    Some(r) if r.stage == RequestStage::Pending => {
                        out.push(UiAction::Send(Command::Accept {
                            issue: r.issue.number,
                        }))
                    }
                    Some(_) => open_menu(tui, app),
                    None => {}
                },
                _ => tui.focus = Pane::Input,
            }
        }
        OpenMenu => open_menu(tui, app),
        Accept | Decline => match request_index(tui, app)
            .map(|i| requests::queue(app)[i].issue.number)
        {
            Some(issue) if intent == Accept => out.push(UiAction::Send(Command::Accept { issue })),
            Some(issue) => out.push(UiAction::Send(Command::Decline { issue })),
            None => tui.say("no request selected", true),
        },
        AcceptFile | RejectFile => {
            match tui
                .shown
                .and_then(|p| super::super::files::waiting_offer(app, p))
            {
                Some(id) if intent == AcceptFile => {
                    out.push(UiAction::Send(Command::FileAccept { id }))
                }
                Some(id) => out.push(UiAction::Send(Command::FileReject { id })),
                None => tui.say("no file offer waiting in this conversation", true),
            }
        }
        CompletePath => match super::super::files::complete(&tui.input.text) {
            Some((line, options)) => {
                tui.input.set(&line);
                if !options.is_empty() {
                    let shown: Vec<String> =
                        options.iter().map(|o| sanitize_for_terminal(o)).collect();
                    tui.say(shown.join("  "), false);
                }
            }
            None => tui.say("no file matches that path", true),
        },
        FocusInput => tui.focus = Pane::Input,
        StartCommand => {
            tui.focus = Pane::Input;
            if tui.input.text.is_empty() {
                tui.input.insert('/');
            }
        }
        Hotkey(c) => {
            if let Some(menu) = tui.menu {
                match menu::items(menu.target, app)
                    .iter()
                    .position(|it| it.key == c)
                {
                    Some(i) => activate_menu_item(tui, app, i, out),
                    None if c == 'q' => tui.menu = None,
                    None => {}
                }
            }
        }
        Insert(c) => tui.input.insert(c),
        Backspace => tui.input.backspace(),
        Delete => tui.input.delete(),
        Left => tui.input.left(),
        Right => tui.input.right(),
        Home => tui.input.home(),
        End => tui.input.end(),
        ClearLine => tui.input = InputLine::default(),
        DeleteWord => tui.input.delete_word(),
        HistoryPrev | HistoryNext => recall(tui, intent == HistoryPrev),
        Submit => submit(tui, app, out),
    }
}

fn recall(tui: &mut TuiState, older: bool) {
    let n = tui.history.len();
    if n == 0 {
        return;
    }
    tui.history_pos = match (tui.history_pos, older) {
        (None, true) => Some(n - 1),
        (None, false) => None,
        (Some(p), true) => Some(p.saturating_sub(1)),
        (Some(p), false) if p + 1 < n => Some(p + 1),
        (Some(_), false) => None,
    };
    match tui.history_pos {
        Some(p) => {
            let line = tui.history[p].clone();
            tui.input.set(&line);
        }
        None => tui.input = InputLine::default(),
    }
}

fn submit(tui: &mut TuiState, app: &State, out: &mut Vec<UiAction>) {
    let line = tui.input.text.clone();
    if line.trim().is_empty() {
        return;
    }
    let shown = tui.shown.filter(|id| app.conversations.contains_key(id));
    let request = request_index(tui, app).map(|i| requests::queue(app)[i].issue.number);
    let room = tui
        .room
        .as_deref()
        .filter(|name| app.rooms.contains_key(*name));
    match input::interpret_in(&line, shown, room, request) {
        Ok(submitted) => {
            tui.input.take();
            if tui.history.last() != Some(&line) {
                tui.history.push(line);
                if tui.history.len() > HISTORY_LIMIT {
                    tui.history.remove(0);
                }
            }
            tui.history_pos = None;
            if let Some(s) = submitted {
                if s.show_activity {
                    show(tui, app, None);
                }
                if s.command == Command::Quit {
                    tui.quitting = true;
                }
                out.push(UiAction::Send(s.command));
            }
        }
        // Keep the line so the mistake can be fixed.
        Err(e) => tui.say(e, true),
    }
}
