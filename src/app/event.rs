//! What can happen to the host: inputs to [`super::update`].

use crate::forge::ForgeEvent;
use crate::rtc::protocol::Frame;

use super::effect::WritePurpose;
use super::health::NoticeSeverity;
use super::state::PeerId;

/// A maintainer's command, typed in the plain console or the TUI input line
/// (parsed by `ui::commands`, shared by both views).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `list`: show requests and conversations.
    List,
    /// `reply <user> <msg>` or `@<user> <msg>`: to the newest open conversation with
    /// that login.
    Reply { user: String, text: String },
    /// A message to this very conversation (the TUI's shown one), whoever else shares
    /// the guest's login.
    ReplyTo { peer_id: PeerId, text: String },
    /// `kick <user>`: close the newest open conversation with that login.
    Kick { user: String },
    /// Close this very conversation (the TUI's shown or selected one).
    KickPeer { peer_id: PeerId },
    /// `ban <user>`: kick and refuse the user's requests for the rest of the run.
    Ban { user: String },
    /// Ban the guest of this conversation (by login and by account id) and close every
    /// conversation and request they hold.
    BanPeer { peer_id: PeerId },
    /// `help`.
    Help,
    /// `quit`: close every peer politely and exit.
    Quit,
    /// `accept <issue>`: offer a chat on a request waiting in manual mode (or re-offer an
    /// expired or ended one).
    Accept { issue: u64 },
    /// `decline <issue>`: withdraw or refuse a request politely (no link, or the link
    /// taken down).
    Decline { issue: u64 },
    /// `accept manual` / `accept auto`: whether new requests wait for `accept`.
    SetAcceptMode { manual: bool },
    /// `room create <name>`.
    RoomCreate { name: String },
    /// `room invite <name> <user>`: the newest open conversation with that login joins.
    RoomInvite { name: String, user: String },
    /// This very conversation joins the room (the TUI's selected one).
    RoomInvitePeer { name: String, peer_id: PeerId },
    /// `room remove <name> <user>`.
    RoomRemove { name: String, user: String },
    /// This very conversation leaves the room (the TUI's selected member).
    RoomRemovePeer { name: String, peer_id: PeerId },
    /// `room close <name>`: every member is told, the room is gone.
    RoomClose { name: String },
    /// `room say <name> <message>`: to every member of the room.
    RoomSay { name: String, text: String },
    /// `rooms`: list the rooms with their members.
    Rooms,
    /// The maintainer has seen this room (the TUI sends it when it shows one).
    MarkRoomRead { name: String },
    /// The maintainer has seen this conversation (the TUI sends it when it shows one).
    MarkRead { peer_id: PeerId },
    /// `file send <user> <path>`: offer a local file to the newest open conversation with
    /// that login (`peer_id`: to this very conversation, from the TUI).
    FileSend {
        user: String,
        peer_id: Option<PeerId>,
        path: String,
    },
    /// `files`: list the transfers.
    Files,
    /// `file accept <id>`: consent to a guest's offer.
    FileAccept { id: String },
    /// `file reject <id>`: refuse a guest's offer.
    FileReject { id: String },
    /// `file cancel <id>`: stop a transfer either way.
    FileCancel { id: String },
}

/// An input to the core.
// Issues (with their bodies) are the biggest events and also the most frequent; boxing them
// would cost an allocation each for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    /// Time passes (offers expire); sent every second by the host loop.
    Tick,
    /// The poller saw something on the forge.
    Forge(ForgeEvent),
    /// A peer (offerer) was created for a request and its offer token made.
    /// `sid` and `token` come from the runtime because the core draws no random numbers.
    OfferReady {
        peer_id: PeerId,
        issue: u64,
        sid: String,
        token: String,
        expires_at: u64,
    },
    /// Flow B: the answerer peer for a guest's offer was created and its answer token made
    /// (with the guest's `sid`).
    AnswerReady {
        peer_id: PeerId,
        issue: u64,
        token: String,
    },
    /// The presence issue's number (found or created by the runtime): comments on it are
    /// never chat requests.
    PresenceIssue { number: u64 },
    /// Creating the peer or its offer (or, in flow B, its answer) failed.
    OfferFailed {
        peer_id: PeerId,
        issue: u64,
        error: String,
    },
    /// A forge write finished.
    Written {
        purpose: WritePurpose,
        comment_id: Option<u64>,
    },
    /// A forge write failed (after the writer's own retries).
    WriteFailed {
        purpose: WritePurpose,
        error: String,
    },
    /// The data channel to a guest opened.
    PeerOpen { peer_id: PeerId },
    /// The path the connection took (sent just before `PeerOpen`).
    PeerPath {
        peer_id: PeerId,
        path: super::reach::ConnPath,
    },
    /// A valid frame arrived from a guest.
    PeerFrame { peer_id: PeerId, frame: Frame },
    /// Frames from a guest were dropped (oversized, garbage, flooding).
    PeerDropped {
        peer_id: PeerId,
        reason: String,
        total: u64,
    },
    /// The peer closed (either side, or failure).
    PeerClosed { peer_id: PeerId, reason: String },
    /// Applying the answer SDP to the peer failed.
    AnswerFailed { peer_id: PeerId, error: String },
    /// The maintainer typed a command.
    User(Command),
    /// The runtime reports something about itself (a STUN server unreachable, link edits
    /// pending at quit…): an activity line; warnings and errors also in the status bar.
    HostNotice {
        text: String,
        severity: NoticeSeverity,
    },
    /// A supervised task (`app::TASK_POLLER`, `app::TASK_WRITER`, …) ended unexpectedly
    /// and is restarted in `retry_in_secs`: one activity line, and the status bar shows it
    /// until the task reports success again.
    TaskRestarted {
        task: String,
        error: String,
        retry_in_secs: u64,
    },
    /// The runtime reports on a file transfer (`app::files`).
    File(super::files::FileEvent),
    /// A restarted task works again (the poller's `PollOk` and the writer's `Written` say
    /// so by themselves).
    TaskRecovered { task: String },
}
