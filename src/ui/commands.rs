//! The console commands (the seed's, exactly): one parser shared by every view. What
//! `help` prints is the core's (`app::HELP`), so the core needs nothing from here.

use crate::app::Command;

/// Parses one input line. `Ok(None)` for a blank line; `Err` says what is wrong and how
/// to fix it.
pub fn parse(line: &str) -> Result<Option<Command>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if trimmed.trim().is_empty() {
        return Ok(None);
    }
    if let Some(rest) = trimmed.strip_prefix('@') {
        let (user, text) = split_word(rest);
        return reply(user, text, "@<user> <msg>").map(Some);
    }
    let (word, rest) = split_word(trimmed);
    let command = match word {
        "list" | "ls" => no_args(rest, Command::List, "list")?,
        "help" | "?" => no_args(rest, Command::Help, "help")?,
        "quit" | "exit" => no_args(rest, Command::Quit, "quit")?,
        "reply" | "r" => {
            let (user, text) = split_word(rest);
            reply(user, text, "reply <user> <msg>")?
        }
        "kick" => Command::Kick {
            user: one_user(rest, "kick <user>")?,
        },
        "ban" => Command::Ban {
            user: one_user(rest, "ban <user>")?,
        },
        "accept" => match rest.trim() {
            "manual" => Command::SetAcceptMode { manual: true },
            "auto" => Command::SetAcceptMode { manual: false },
            arg => Command::Accept {
                issue: issue_number(arg, "accept <issue> (or accept manual|auto)")?,
            },
        },
        "rooms" => no_args(rest, Command::Rooms, "rooms")?,
        "room" => room(rest)?,
        "files" => no_args(rest, Command::Files, "files")?,
        "file" => file(rest)?,
        "decline" => Command::Decline {
            issue: issue_number(rest.trim(), "decline <issue>")?,
        },
        other => {
            return Err(format!(
            "unknown command `{}`; type `help` for the list (to message someone: @<user> <msg>)",
            crate::app::sanitize_for_terminal(other)
        ))
        }
    };
    Ok(Some(command))
}

/// `room create|invite|remove|close|say …`.
fn room(rest: &str) -> Result<Command, String> {
    const USAGE: &str = "room create <name> | room invite <name> <user> | room remove <name> <user> | room close <name> | room say <name> <msg>";
    let (verb, rest) = split_word(rest);
    let (name, rest) = split_word(rest);
    if !crate::app::rooms::valid_room_name(name) {
        return Err(format!(
            "usage: {USAGE} (a room name is 1 to {} letters, digits, `-`, `_` or `.`)",
            crate::app::rooms::MAX_ROOM_NAME
        ));
    }
    let name = name.to_string();
    let usage = |u: &str| format!("usage: {u}");
    Ok(match verb {
        "create" => no_args(rest, Command::RoomCreate { name }, "room create <name>")?,
        "close" => no_args(rest, Command::RoomClose { name }, "room close <name>")?,
        "invite" => Command::RoomInvite {
            name,
            user: one_user(rest, "room invite <name> <user>")?,
        },
        "remove" => Command::RoomRemove {
            name,
            user: one_user(rest, "room remove <name> <user>")?,
        },
        "say" => {
            if rest.trim().is_empty() {
                return Err(format!(
                    "nothing to send; {}",
                    usage("room say <name> <msg>")
                ));
            }
            Command::RoomSay {
                name,
                text: rest.trim_end().to_string(),
            }
        }
        _ => return Err(usage(USAGE)),
    })
}

/// `file send <user> <path> | file accept|reject|cancel <id>`.
fn file(rest: &str) -> Result<Command, String> {
    const USAGE: &str =
        "usage: file send <user> <path> | file accept <id> | file reject <id> | file cancel <id>";
    let (verb, rest) = split_word(rest);
    if verb == "send" {
        let (user, path) = split_word(rest);
        let user = user.trim_start_matches('@');
        if !valid_login(user) || path.trim().is_empty() {
            return Err("usage: file send <user> <path>".into());
        }
        return Ok(Command::FileSend {
            user: user.to_string(),
            peer_id: None,
            path: path.trim_end().to_string(),
        });
    }
    let (id, extra) = split_word(rest);
    if !crate::rtc::protocol::is_file_id(id) || !extra.is_empty() {
        return Err(format!(
            "{USAGE} (an id is the 16 hex digits `files` shows)"
        ));
    }
    let id = id.to_string();
    Ok(match verb {
        "accept" => Command::FileAccept { id },
        "reject" => Command::FileReject { id },
        "cancel" => Command::FileCancel { id },
        _ => return Err(USAGE.into()),
    })
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

fn valid_login(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 39
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn reply(user: &str, text: &str, usage: &str) -> Result<Command, String> {
    let user = user.trim_start_matches('@');
    if !valid_login(user) {
        return Err(format!("usage: {usage}"));
    }
    if text.trim().is_empty() {
        return Err(format!("nothing to send; usage: {usage}"));
    }
    Ok(Command::Reply {
        user: user.to_string(),
        text: text.trim_end().to_string(),
    })
}

fn one_user(rest: &str, usage: &str) -> Result<String, String> {
    let (user, extra) = split_word(rest);
    let user = user.trim_start_matches('@');
    if !valid_login(user) || !extra.is_empty() {
        return Err(format!("usage: {usage}"));
    }
    Ok(user.to_string())
}

/// `7` or `#7`.
fn issue_number(arg: &str, usage: &str) -> Result<u64, String> {
    match arg.trim_start_matches('#').parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("usage: {usage}")),
    }
}

fn no_args(rest: &str, command: Command, usage: &str) -> Result<Command, String> {
    if rest.trim().is_empty() {
        Ok(command)
    } else {
        Err(format!("usage: {usage} (it takes no arguments)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(user: &str, text: &str) -> Command {
        Command::Reply {
            user: user.into(),
            text: text.into(),
        }
    }

    #[test]
    fn parses_the_seed_commands() {
        assert_eq!(parse("list"), Ok(Some(Command::List)));
        assert_eq!(parse("  help  "), Ok(Some(Command::Help)));
        assert_eq!(parse("quit\n"), Ok(Some(Command::Quit)));
        assert_eq!(
            parse("reply alice hello there"),
            Ok(Some(reply("alice", "hello there")))
        );
        assert_eq!(
            parse("reply @alice  spaced  out "),
            Ok(Some(reply("alice", "spaced  out")))
        );
        assert_eq!(parse("@bob hi"), Ok(Some(reply("bob", "hi"))));
        assert_eq!(
            parse("kick alice"),
            Ok(Some(Command::Kick {
                user: "alice".into()
            }))
        );
        assert_eq!(
            parse("ban @mallory"),
            Ok(Some(Command::Ban {
                user: "mallory".into()
            }))
        );
        assert_eq!(parse("   "), Ok(None));
    }

    #[test]
    fn parses_accept_and_decline() {
        assert_eq!(parse("accept 7"), Ok(Some(Command::Accept { issue: 7 })));
        assert_eq!(parse("accept #12"), Ok(Some(Command::Accept { issue: 12 })));
        assert_eq!(
            parse("accept manual"),
            Ok(Some(Command::SetAcceptMode { manual: true }))
        );
        assert_eq!(
            parse("accept auto"),
            Ok(Some(Command::SetAcceptMode { manual: false }))
        );
        assert_eq!(parse("decline 3"), Ok(Some(Command::Decline { issue: 3 })));
        assert!(parse("accept")
            .unwrap_err()
            .contains("usage: accept <issue>"));
        assert!(parse("decline alice")
            .unwrap_err()
            .contains("usage: decline <issue>"));
        assert!(parse("decline 0").is_err());
    }

    #[test]
    fn explains_mistakes() {
        assert!(parse("reply alice")
            .unwrap_err()
            .contains("usage: reply <user> <msg>"));
        assert!(parse("@ hi").unwrap_err().contains("usage"));
        assert!(parse("kick").unwrap_err().contains("usage: kick <user>"));
        assert!(parse("kick a b").unwrap_err().contains("usage"));
        assert!(parse("list now").unwrap_err().contains("no arguments"));
        let err = parse("frobnicate\x1b[2J").unwrap_err();
        assert!(err.contains("unknown command") && !err.contains('\x1b'));
    }

    #[test]
    fn parses_room_commands() {
        let name = || "ops".to_string();
        assert_eq!(parse("rooms"), Ok(Some(Command::Rooms)));
        assert_eq!(
            parse("room create ops"),
            Ok(Some(Command::RoomCreate { name: name() }))
        );
        assert_eq!(
            parse("room invite ops @alice"),
            Ok(Some(Command::RoomInvite {
                name: name(),
                user: "alice".into()
            }))
        );
        assert_eq!(
            parse("room remove ops bob"),
            Ok(Some(Command::RoomRemove {
                name: name(),
                user: "bob".into()
            }))
        );
        assert_eq!(
            parse("room close ops"),
            Ok(Some(Command::RoomClose { name: name() }))
        );
        assert_eq!(
            parse("room say ops  hello  all "),
            Ok(Some(Command::RoomSay {
                name: name(),
                text: "hello  all".into()
            }))
        );
        assert!(parse("room say ops")
            .unwrap_err()
            .contains("nothing to send"));
        assert!(parse("room create a b")
            .unwrap_err()
            .contains("no arguments"));
        assert!(parse("room invite ops").unwrap_err().contains("usage"));
        assert!(parse("room dance ops")
            .unwrap_err()
            .contains("usage: room create"));
        assert!(parse("rooms now").unwrap_err().contains("no arguments"));
        for bad in ["room create \x1b[2J", "room create [ops]", "room create"] {
            let err = parse(bad).unwrap_err();
            assert!(
                err.contains("a room name is") && !err.contains('\x1b'),
                "{err}"
            );
        }
    }

    #[test]
    fn parses_the_file_commands() {
        assert_eq!(parse("files"), Ok(Some(Command::Files)));
        assert_eq!(
            parse("file send @alice /tmp/my report.pdf "),
            Ok(Some(Command::FileSend {
                user: "alice".into(),
                peer_id: None,
                path: "/tmp/my report.pdf".into(),
            }))
        );
        let id = "0123456789abcdef".to_string();
        assert_eq!(
            parse("file accept 0123456789abcdef"),
            Ok(Some(Command::FileAccept { id: id.clone() }))
        );
        assert_eq!(
            parse("file reject 0123456789abcdef"),
            Ok(Some(Command::FileReject { id: id.clone() }))
        );
        assert_eq!(
            parse("file cancel 0123456789abcdef"),
            Ok(Some(Command::FileCancel { id }))
        );
        for bad in [
            "file send alice",
            "file send",
            "file accept 12",
            "file drop 0123456789abcdef",
            "files x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
