//! The host's state: requests (one per issue), conversations (one per peer), bans, and an
//! activity log the views print or draw. Owned by the host loop; only `update` changes it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::forge::{Issue, RepoName};

use super::health::HealthIssue;
use super::limits::{LimitMemory, Limits};

/// Names one peer connection (and its conversation) for this run; never reused, so a
/// view that holds one always means the same conversation. Made by the core
/// (`State::next_peer_id`); the runtime's peer registry (`rtc::peer`) uses the same type.
pub type PeerId = u64;

/// Who the host is on the forge; comments by this account are its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIdentity {
    pub login: String,
    /// Compared instead of the login, which can change.
    pub id: u64,
}

/// Settings the core needs to make decisions and write comments (from `config`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub repo: RepoName,
    /// Where the guest page is published; the link's base.
    pub pages_url: String,
    /// API base put in the link (`None` for api.github.com).
    pub link_api: Option<String>,
    /// ICE servers put in the link (`None` = the page's defaults, `Some([])` = none).
    pub link_ice: Option<Vec<String>>,
    /// How long an offer stays valid, in seconds.
    pub offer_ttl_secs: u64,
    /// Issues created this long before start are still served.
    pub backlog_secs: u64,
    /// Label and title filters and the closing policy (`app::policy`).
    pub policy: super::policy::RequestPolicy,
    /// Bounds on what strangers can make the host do and on what it keeps in memory.
    pub limits: Limits,
    /// Whether chat messages are handed to the runtime for the transcript files
    /// (`Effect::Transcribe`); config `transcripts`, default on.
    pub transcripts: bool,
    /// Config `accept_files` and `max_file_size` (`app::files`).
    pub files: super::files::FileSettings,
}

impl Settings {
    /// Settings with every default, for `repo` and its guest page at `pages_url` (links
    /// to api.github.com with the page's default ICE servers).
    pub fn new(repo: RepoName, pages_url: impl Into<String>) -> Settings {
        Settings {
            repo,
            pages_url: pages_url.into(),
            link_api: None,
            link_ice: None,
            offer_ttl_secs: 600,
            backlog_secs: 600,
            policy: Default::default(),
            limits: Limits::default(),
            transcripts: true,
            files: Default::default(),
        }
    }
}

/// Where a request (an issue asking for a chat) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStage {
    /// Manual accept mode: waiting for the maintainer to accept (or decline) the request.
    Pending,
    /// Every peer slot (`limits.max_peers`) is taken: served as soon as one frees.
    Queued,
    /// The peer and its offer are being created.
    Preparing,
    /// The offer comment is being posted.
    Posting,
    /// The link is posted; waiting for the guest's answer comment.
    WaitingForAnswer,
    /// The answer was accepted; ICE/DTLS/SCTP are connecting.
    Connecting,
    /// The data channel is open.
    Connected,
    /// The offer expired unused.
    Expired,
    /// The conversation ended or the request failed.
    Ended,
    /// The user is banned: declined without a link.
    Declined,
    /// Not served: the user already holds `limits.offers_per_user` requests, or asked
    /// again within `limits.rerequest_cooldown_secs`. A later comment may ask again.
    OverLimit,
}

impl RequestStage {
    /// A request in these stages holds its issue; a new one cannot start.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            RequestStage::Pending
                | RequestStage::Queued
                | RequestStage::Preparing
                | RequestStage::Posting
                | RequestStage::WaitingForAnswer
                | RequestStage::Connecting
                | RequestStage::Connected
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            RequestStage::Pending => "awaiting accept",
            RequestStage::Queued => "queued: every peer is busy",
            RequestStage::Preparing => "preparing offer",
            RequestStage::Posting => "posting link",
            RequestStage::WaitingForAnswer => "waiting for answer",
            RequestStage::Connecting => "connecting",
            RequestStage::Connected => "connected",
            RequestStage::Expired => "expired",
            RequestStage::Ended => "ended",
            RequestStage::Declined => "declined",
            RequestStage::OverLimit => "over the limit",
        }
    }
}

/// One chat request: an issue whose author gets a link.
#[derive(Debug, Clone)]
pub struct Request {
    /// The issue as last seen (title and author are untrusted text).
    pub issue: Issue,
    pub stage: RequestStage,
    /// The peer created for this request.
    pub peer_id: PeerId,
    /// The offer's session id; answers must carry it. Empty until the offer is ready.
    pub sid: String,
    /// Unix seconds after which answers are refused.
    pub expires_at: u64,
    /// The offer comment, edited when used or expired.
    pub offer_comment_id: Option<u64>,
    /// The accepted answer comment, scrubbed after connecting.
    pub answer_comment_id: Option<u64>,
    /// Unix seconds when the request was created.
    pub since: u64,
    /// The guest link while it can still be used (posted, not yet answered or expired), so
    /// a view can copy it for the maintainer; `None` otherwise.
    pub link: Option<String>,
    /// The DTLS fingerprint line of our offer, kept to derive the conversation's
    /// verification code once the answer arrives.
    pub offer_fingerprint: Option<String>,
    /// Unix seconds since when the request is over (not active), set by the pruning on
    /// `Event::Tick`; it is forgotten `limits.memory_secs` later.
    pub settled_at: Option<u64>,
    /// Flow B: the guest's own offer this request answers (`None`: flow A, the host offers).
    pub guest_offer: Option<super::flow_b::Answering>,
}

impl Request {
    /// A request for `issue` made at `now`, in `stage`, with no offer, link or comment yet.
    pub fn new(
        issue: Issue,
        stage: RequestStage,
        peer_id: PeerId,
        now: u64,
        guest_offer: Option<super::flow_b::Answering>,
    ) -> Request {
        Request {
            issue,
            stage,
            peer_id,
            sid: String::new(),
            expires_at: 0,
            offer_comment_id: None,
            answer_comment_id: None,
            since: now,
            link: None,
            offer_fingerprint: None,
            settled_at: None,
            guest_offer,
        }
    }
}

/// State of a conversation's peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    Connecting,
    Open,
    Closed,
}

/// Who wrote a conversation line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// From the guest.
    Guest,
    /// From the maintainer; `delivered` turns true on the guest's `ack`.
    Host { id: String, delivered: bool },
    /// A system line (connected, kicked, …).
    Notice,
}

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Unix seconds.
    pub at: u64,
    pub kind: LineKind,
    /// Untrusted for guest lines: views sanitize before drawing.
    pub text: String,
}

/// A conversation with one guest over one peer connection.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub peer_id: PeerId,
    /// The guest's login and stable id (the issue author).
    pub guest: String,
    pub guest_id: u64,
    pub issue: u64,
    pub state: PeerState,
    /// The scrollback, oldest first; see [`Conversation::push_line`].
    pub lines: VecDeque<Line>,
    /// What `lines` weighs ([`Line::weight`]), kept under `limits.scrollback_bytes`.
    pub bytes: usize,
    /// Lines received since the maintainer last looked (the TUI clears it).
    pub unread: usize,
    /// Frames dropped from this guest so far.
    pub dropped: u64,
    /// Short code derived from both DTLS fingerprints (`text::verification_code`): both ends
    /// can compare it out of band. `None` when an SDP carried no fingerprint.
    pub verify_code: Option<String>,
    /// The path taken (direct or relay), unacked host chats and recent guest chat ids
    /// (`reach.rs`: every chat arrives once, whatever the path).
    pub reach: super::reach::Reach,
}

impl Line {
    /// What a line costs in memory: its text plus the line's own fields.
    pub fn weight(&self) -> usize {
        self.text.len() + std::mem::size_of::<Line>()
    }
}

impl Conversation {
    /// Appends a line, then drops the oldest ones while the scrollback weighs more than
    /// `limit` bytes (the newest line is always kept).
    pub fn push_line(&mut self, line: Line, limit: usize) {
        self.bytes += line.weight();
        self.lines.push_back(line);
        while self.bytes > limit && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes = self.bytes.saturating_sub(old.weight());
            }
        }
    }
}

/// Kind of an activity entry (the plain console prints them in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityKind {
    /// A chat message from a guest: printed `<user>: <text>`.
    Message { from: String },
    /// A guest's message in a room: printed `[<room>] <user>: <text>`.
    RoomMessage { room: String, from: String },
    /// Connects, disconnects, refused answers, requests…: printed `* <text>`.
    Notice,
    /// Output of `list` / `help`.
    Info,
    /// Something the maintainer must act on.
    Error,
}

/// An entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Increases by one per entry; views remember the last one they showed.
    pub seq: u64,
    pub at: u64,
    pub kind: ActivityKind,
    pub text: String,
}

/// Everything the host knows. Created by [`State::new`], changed only by `update`.
#[derive(Debug, Clone)]
pub struct State {
    pub host: HostIdentity,
    pub settings: Settings,
    /// Unix seconds at start; with `backlog_secs` decides which old issues are served.
    pub started_at: u64,
    /// Requests by issue number.
    pub requests: BTreeMap<u64, Request>,
    /// Conversations by peer id, in creation order.
    pub conversations: BTreeMap<PeerId, Conversation>,
    /// Banned logins (lowercase) for this run.
    pub banned_logins: HashSet<String>,
    /// Banned user ids (logins can be renamed).
    pub banned_ids: HashSet<u64>,
    /// Every sid whose answer was accepted, with the unix seconds it was: a replay is
    /// refused. Forgotten after `limits.memory_secs` (the offer expired long before).
    pub used_sids: HashMap<String, u64>,
    /// Comments already acted upon (answers), with the unix seconds they were, so an edit
    /// does not act twice. Forgotten after `limits.memory_secs`.
    pub handled_comments: HashMap<u64, u64>,
    /// Recent activity, bounded.
    pub activity: VecDeque<Activity>,
    pub next_activity_seq: u64,
    pub next_peer_id: PeerId,
    pub next_message_id: u64,
    /// Forge health for the status line.
    pub last_poll_ok: Option<u64>,
    pub last_poll_error: Option<String>,
    /// Set by `quit`; the host loop exits when it sees it.
    pub quitting: bool,
    /// `accept = "manual"`: new requests wait in [`RequestStage::Pending`] until accepted.
    pub manual_accept: bool,
    /// Rate limit, request counters and polling pauses as the poller last reported them.
    pub forge: crate::forge::ForgeStatus,
    /// What the request policy remembers (re-opens acted upon, this run's offer `sid`s).
    pub policy_memory: super::policy::PolicyMemory,
    /// What the per-user limits remember (last offer and last limit comment per user).
    pub limits_memory: LimitMemory,
    /// Problems of the host itself for the status bar, by task name (`""` for notices);
    /// [`State::health`] picks the one to show.
    pub health_issues: BTreeMap<String, HealthIssue>,
    /// Rooms by name (`app::rooms`, PROTOCOL.md "Rooms").
    pub rooms: BTreeMap<String, super::rooms::Room>,
    /// What flow B remembers: offers waiting for their request, answered `sid`s, the
    /// presence issue (`app::flow_b`).
    pub flow_b: super::flow_b::FlowBMemory,
    /// File transfers of this run (`app::files`).
    pub files: super::files::Files,
}

/// Most activity entries kept.
pub const ACTIVITY_LIMIT: usize = 2000;

impl State {
    pub fn new(host: HostIdentity, settings: Settings, started_at: u64) -> State {
        State {
            host,
            settings,
            started_at,
            requests: BTreeMap::new(),
            conversations: BTreeMap::new(),
            banned_logins: HashSet::new(),
            banned_ids: HashSet::new(),
            used_sids: HashMap::new(),
            handled_comments: HashMap::new(),
            activity: VecDeque::new(),
            next_activity_seq: 1,
            next_peer_id: 1,
            next_message_id: 1,
            last_poll_ok: None,
            last_poll_error: None,
            quitting: false,
            manual_accept: false,
            forge: Default::default(),
            policy_memory: Default::default(),
            limits_memory: Default::default(),
            health_issues: BTreeMap::new(),
            rooms: BTreeMap::new(),
            flow_b: Default::default(),
            files: Default::default(),
        }
    }

    /// Appends to the activity log.
    pub fn log(&mut self, at: u64, kind: ActivityKind, text: impl Into<String>) {
        let seq = self.next_activity_seq;
        self.next_activity_seq += 1;
        self.activity.push_back(Activity {
            seq,
            at,
            kind,
            text: text.into(),
        });
        while self.activity.len() > ACTIVITY_LIMIT {
            self.activity.pop_front();
        }
    }

    /// The newest open (or connecting) conversation with this login, case-insensitive.
    pub fn conversation_with(&self, login: &str) -> Option<&Conversation> {
        let login = login.trim_start_matches('@');
        self.conversations
            .values()
            .rev()
            .find(|c| c.state != PeerState::Closed && c.guest.eq_ignore_ascii_case(login))
    }

    pub fn is_banned(&self, login: &str, id: u64) -> bool {
        self.banned_ids.contains(&id) || self.banned_logins.contains(&login.to_ascii_lowercase())
    }

    /// The request that owns this peer.
    pub fn request_of_peer(&self, peer_id: PeerId) -> Option<&Request> {
        self.requests.values().find(|r| r.peer_id == peer_id)
    }
}
