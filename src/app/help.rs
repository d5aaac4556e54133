//! The text `help` prints: the console commands, shared by the plain console and the TUI
//! (the TUI's key bindings live in its own help overlay).

/// What `help` prints.
pub const HELP: &str = "commands:
  list                 show conversations and pending requests
  reply <user> <msg>   send a message to a guest
  @<user> <msg>        the same, shorter
  kick <user>          end the conversation with a guest
  ban <user>           kick and refuse the user's requests for this run
  accept <issue>       offer a chat on a waiting (or expired) request
  decline <issue>      refuse a request politely, taking its link down
  accept manual|auto   whether new requests wait for `accept`
  rooms                list rooms with their members
  room create <name>   make a room (name: letters, digits, - _ .)
  room invite <name> <user>   add a connected guest to a room
  room remove <name> <user>   take a guest out of a room
  room say <name> <msg>       send a message to every member
  room close <name>    tell every member and remove the room
  file send <user> <path>     offer a file to a connected guest
  files                list file transfers: name, state, bytes, rate
  file accept <id>     take a file a guest offers (accept_files = ask)
  file reject <id>     refuse a file a guest offers
  file cancel <id>     stop a transfer, either way
  help                 this text
  quit                 close every conversation and exit";
