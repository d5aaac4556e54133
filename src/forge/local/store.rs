//! The embedded forge's data: users and their tokens, one repository's issues and comments,
//! and the forge's clock.
//!
//! Everything lives in memory behind one `std::sync::Mutex`. A std mutex (not tokio's) is the
//! right tool: every critical section is a few map lookups or a sort of at most a few
//! thousand records, nothing is awaited while the lock is held, and handlers of both the API
//! and the web pages take it for microseconds. The store validates every input (logins,
//! titles, bodies) and is bounded (users, tokens, issues, comments), so hostile clients can
//! neither panic it nor grow it without limit. Callers get owned *views* back and render them
//! as JSON (`json.rs`) or HTML (`web.rs`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::forge::RepoName;

mod events;
mod issues;
mod labels;

pub(crate) use events::EventView;
pub(crate) use labels::RepoLabel;

/// Most issues the forge holds; creating more is refused with a clear message.
pub(crate) const MAX_ISSUES: usize = 10_000;
/// Most comments (over all issues) the forge holds.
pub(crate) const MAX_COMMENTS: usize = 50_000;
/// Most accounts; the web user picker and the registration endpoint stop there.
pub(crate) const MAX_USERS: usize = 1_000;
/// Tokens kept per account; registering again issues a new one and drops the oldest.
const MAX_TOKENS_PER_USER: usize = 32;
/// Total bytes of titles and bodies held, so hostile clients cannot fill memory (the
/// issue and comment caps alone would allow gigabytes of 64 KiB bodies).
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;
/// GitHub's limit on issue titles, in characters.
pub(crate) const TITLE_MAX: usize = 256;
/// GitHub's limit on issue and comment bodies, in characters.
pub(crate) const BODY_MAX: usize = 65_536;

const FIRST_USER_ID: u64 = 1_001;
const FIRST_ISSUE_ID: u64 = 1_000_001;
const FIRST_COMMENT_ID: u64 = 2_000_001;

/// Why the store refused an operation; `api.rs` and `web.rs` turn it into a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// No such issue, comment or user.
    NotFound,
    /// Input failed validation (422 on the API).
    Invalid {
        resource: &'static str,
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// The caller may not do this (403).
    Forbidden(String),
    /// A capacity limit was reached (422 on the API, with a message saying so).
    Full(String),
}

/// Relationship of an account to the repository, as GitHub's `author_association`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Owner,
    Collaborator,
    None,
}

impl Role {
    pub(crate) fn association(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Collaborator => "COLLABORATOR",
            Role::None => "NONE",
        }
    }

    /// Owners and collaborators may close, reopen and edit anyone's issues.
    pub(crate) fn can_triage(self) -> bool {
        matches!(self, Role::Owner | Role::Collaborator)
    }
}

/// An account as rendered in issues and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserView {
    pub id: u64,
    pub login: String,
    /// `"User"` or `"Bot"` (logins ending in `[bot]`).
    pub kind: &'static str,
    pub role: Role,
}

/// An issue with everything the API and the pages show.
#[derive(Debug, Clone)]
pub(crate) struct IssueView {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub user: UserView,
    pub open: bool,
    pub comments: u64,
    /// Unix seconds on the forge's clock.
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// Label names, in the order they were added.
    pub labels: Vec<String>,
    /// GitHub's `state_reason`: `completed` when closed, `reopened` once re-opened.
    pub state_reason: Option<&'static str>,
}

/// A comment with its author.
#[derive(Debug, Clone)]
pub(crate) struct CommentView {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub user: UserView,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which issues a list request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateFilter {
    Open,
    Closed,
    All,
}

/// Sorting and filtering shared by the list endpoints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListQuery {
    /// Sort by `updated_at` (true) or `created_at` (false); ties are broken by id.
    pub by_updated: bool,
    pub descending: bool,
    /// Keep only records with `updated_at >= since` (unix seconds).
    pub since: Option<i64>,
}

struct UserRec {
    login: String,
    bot: bool,
    collaborator: bool,
    /// Newest last; bounded by `MAX_TOKENS_PER_USER`.
    tokens: Vec<String>,
}

struct IssueRec {
    title: String,
    body: String,
    user: u64,
    open: bool,
    comments: u64,
    created_at: i64,
    updated_at: i64,
    closed_at: Option<i64>,
    /// Label names (bounded by `events::MAX_LABELS`).
    labels: Vec<String>,
    /// `state_reason` as GitHub reports it.
    state_reason: Option<&'static str>,
}

struct CommentRec {
    issue_number: u64,
    body: String,
    user: u64,
    created_at: i64,
    updated_at: i64,
}

/// Everything mutable, guarded by `Store::state`.
struct State {
    /// Indexed by `id - FIRST_USER_ID`: ids are handed out sequentially and never reused.
    users: Vec<UserRec>,
    /// Lower-cased login → id (GitHub logins are case-insensitive).
    logins: HashMap<String, u64>,
    /// Token → user id.
    tokens: HashMap<String, u64>,
    /// Indexed by `number - 1`.
    issues: Vec<IssueRec>,
    /// Indexed by `id - FIRST_COMMENT_ID`.
    comments: Vec<CommentRec>,
    /// Issue events (closed, reopened, labeled), oldest first, bounded.
    events: Vec<events::EventRec>,
    /// The repository's labels (`labels.rs`), bounded.
    repo_labels: Vec<labels::RepoLabel>,
    /// Last timestamp handed out, so the clock never goes backwards.
    clock: i64,
    /// Bytes of all titles and bodies, bounded by `MAX_TEXT_BYTES`.
    text_bytes: usize,
}

/// The forge's data. Shared as `Arc<Store>` by the API, the web pages and `LocalForge`.
pub(crate) struct Store {
    /// The single repository this forge hosts (compared case-insensitively, like GitHub).
    pub repo: RepoName,
    /// Numeric id of the repository, stable for the run.
    pub repo_id: u64,
    /// When the forge (and its repository) was created, unix seconds.
    pub created_at: i64,
    /// The owner's account id (`host_login`), created at start.
    pub owner_id: u64,
    /// std mutex: short critical sections, never held across an `.await` (see module docs).
    state: Mutex<State>,
}

fn new_token() -> String {
    let bytes: [u8; 20] = rand::random();
    format!("lf_{}", hex::encode(bytes))
}

/// Turns any text into a login GitHub would accept (invalid characters become hyphens),
/// keeping a `[bot]` suffix; empty input becomes `user`.
pub(crate) fn sanitize_login(login: &str) -> String {
    let (core, bot) = match login.strip_suffix("[bot]") {
        Some(core) => (core, "[bot]"),
        None => (login, ""),
    };
    let mut out = String::new();
    for c in core.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) && out.len() < 39 {
            out.push(c);
        }
    }
    let out = out.trim_end_matches('-');
    let out = if out.is_empty() { "user" } else { out };
    format!("{out}{bot}")
}

/// GitHub's login rules: 1–39 ASCII letters, digits or single hyphens, not at either end.
/// A trailing `[bot]` marks a bot account (useful to test that bots are skipped).
pub(crate) fn validate_login(login: &str) -> Result<(), StoreError> {
    let core = login.strip_suffix("[bot]").unwrap_or(login);
    let ok = !core.is_empty()
        && core.len() <= 39
        && core.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !core.starts_with('-')
        && !core.ends_with('-')
        && !core.contains("--");
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            resource: "User",
            field: "login",
            code: "invalid",
            message: "login must be 1-39 letters, digits or single hyphens (not at either end), optionally ending in [bot]"
                .to_string(),
        })
    }
}

impl State {
    fn tick(&mut self) -> i64 {
        self.clock = self.clock.max(crate::clock::unix_now_i64());
        self.clock
    }

    /// A new `updated_at` for a record last updated at `old`: now, but always later than
    /// `old`, so every change is visible to clients that de-duplicate by id + `updated_at`
    /// even with GitHub's one-second precision (the clock runs ahead only under bursts of
    /// edits to one record within a second).
    fn bump(&mut self, old: i64) -> i64 {
        let t = self.tick().max(old.saturating_add(1));
        self.clock = t;
        t
    }

    fn user(&self, id: u64, owner_id: u64) -> Option<UserView> {
        let rec = self.users.get(id.checked_sub(FIRST_USER_ID)? as usize)?;
        let role = if id == owner_id {
            Role::Owner
        } else if rec.collaborator {
            Role::Collaborator
        } else {
            Role::None
        };
        Some(UserView {
            id,
            login: rec.login.clone(),
            kind: if rec.bot { "Bot" } else { "User" },
            role,
        })
    }

    fn ghost(id: u64) -> UserView {
        UserView {
            id,
            login: "ghost".to_string(),
            kind: "User",
            role: Role::None,
        }
    }

    fn issue_view(&self, number: u64, owner_id: u64) -> Option<IssueView> {
        let rec = self.issues.get(number.checked_sub(1)? as usize)?;
        Some(IssueView {
            id: FIRST_ISSUE_ID + number - 1,
            number,
            title: rec.title.clone(),
            body: rec.body.clone(),
            user: self
                .user(rec.user, owner_id)
                .unwrap_or_else(|| Self::ghost(rec.user)),
            open: rec.open,
            comments: rec.comments,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            closed_at: rec.closed_at,
            labels: rec.labels.clone(),
            state_reason: rec.state_reason,
        })
    }

    fn comment_view(&self, id: u64, owner_id: u64) -> Option<CommentView> {
        let rec = self
            .comments
            .get(id.checked_sub(FIRST_COMMENT_ID)? as usize)?;
        Some(CommentView {
            id,
            issue_number: rec.issue_number,
            body: rec.body.clone(),
            user: self
                .user(rec.user, owner_id)
                .unwrap_or_else(|| Self::ghost(rec.user)),
            created_at: rec.created_at,
            updated_at: rec.updated_at,
        })
    }
}

impl Store {
    /// A store holding `repo`, owned by a freshly created `owner_login` account.
    pub(crate) fn new(repo: RepoName, owner_login: &str) -> Result<(Store, String), StoreError> {
        validate_login(owner_login)?;
        let token = new_token();
        let mut state = State {
            users: Vec::new(),
            logins: HashMap::new(),
            tokens: HashMap::new(),
            issues: Vec::new(),
            comments: Vec::new(),
            events: Vec::new(),
            repo_labels: Vec::new(),
            clock: 0,
            text_bytes: 0,
        };
        state.users.push(UserRec {
            login: owner_login.to_string(),
            bot: owner_login.ends_with("[bot]"),
            collaborator: false,
            tokens: vec![token.clone()],
        });
        state
            .logins
            .insert(owner_login.to_ascii_lowercase(), FIRST_USER_ID);
        state.tokens.insert(token.clone(), FIRST_USER_ID);
        let created_at = state.tick();
        let store = Store {
            repo,
            repo_id: 700_001,
            created_at,
            owner_id: FIRST_USER_ID,
            state: Mutex::new(state),
        };
        Ok((store, token))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock cannot leave the data half-written in a
        // way that matters more than refusing service would, so keep serving.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The forge's clock (unix seconds): never earlier than any timestamp already handed out,
    /// so a `Date` header is never older than the records the response describes.
    pub(crate) fn now(&self) -> i64 {
        self.lock().tick()
    }

    /// Whether `owner/name` is this forge's repository.
    pub(crate) fn is_repo(&self, owner: &str, name: &str) -> bool {
        self.repo.owner.eq_ignore_ascii_case(owner) && self.repo.name.eq_ignore_ascii_case(name)
    }

    /// Creates `login` if needed and issues it a fresh token; earlier tokens stay valid
    /// (the oldest is dropped beyond `MAX_TOKENS_PER_USER`). Untrusted (HTTP) callers may not
    /// register the owner's login (its token is only handed out in-process) nor go past
    /// `MAX_USERS`; `trusted` in-process callers may.
    pub(crate) fn register(
        &self,
        login: &str,
        trusted: bool,
    ) -> Result<(UserView, String), StoreError> {
        let mut st = self.lock();
        let id = self.ensure(&mut st, login, trusted)?;
        if id == self.owner_id && !trusted {
            return Err(StoreError::Forbidden(format!(
                "`{login}` is the repository owner's account; its token is only available to the host"
            )));
        }
        let token = new_token();
        let idx = (id - FIRST_USER_ID) as usize;
        let dropped = {
            let Some(rec) = st.users.get_mut(idx) else {
                return Err(StoreError::NotFound);
            };
            rec.tokens.push(token.clone());
            if rec.tokens.len() > MAX_TOKENS_PER_USER {
                Some(rec.tokens.remove(0))
            } else {
                None
            }
        };
        if let Some(old) = dropped {
            st.tokens.remove(&old);
        }
        st.tokens.insert(token.clone(), id);
        let view = st.user(id, self.owner_id).ok_or(StoreError::NotFound)?;
        Ok((view, token))
    }

    /// The account `login`, created (without a token) if needed; for in-process helpers.
    pub(crate) fn ensure_user(&self, login: &str) -> Result<UserView, StoreError> {
        let mut st = self.lock();
        let id = self.ensure(&mut st, login, true)?;
        st.user(id, self.owner_id).ok_or(StoreError::NotFound)
    }

    fn ensure(&self, st: &mut State, login: &str, trusted: bool) -> Result<u64, StoreError> {
        validate_login(login)?;
        let key = login.to_ascii_lowercase();
        if let Some(&id) = st.logins.get(&key) {
            return Ok(id);
        }
        if st.users.len() >= MAX_USERS && !trusted {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_USERS} accounts; restart it to start afresh"
            )));
        }
        let id = FIRST_USER_ID + st.users.len() as u64;
        st.users.push(UserRec {
            login: login.to_string(),
            bot: login.ends_with("[bot]"),
            collaborator: false,
            tokens: Vec::new(),
        });
        st.logins.insert(key, id);
        Ok(id)
    }

    /// Marks (or unmarks) `login` as a collaborator: `author_association` COLLABORATOR and
    /// push permission.
    pub(crate) fn set_collaborator(&self, login: &str, yes: bool) -> Result<(), StoreError> {
        let mut st = self.lock();
        let id = *st
            .logins
            .get(&login.to_ascii_lowercase())
            .ok_or(StoreError::NotFound)?;
        let rec = st
            .users
            .get_mut((id - FIRST_USER_ID) as usize)
            .ok_or(StoreError::NotFound)?;
        rec.collaborator = yes;
        Ok(())
    }

    /// The account a token belongs to.
    pub(crate) fn user_by_token(&self, token: &str) -> Option<UserView> {
        let st = self.lock();
        let id = *st.tokens.get(token)?;
        st.user(id, self.owner_id)
    }

    pub(crate) fn user(&self, id: u64) -> Option<UserView> {
        self.lock().user(id, self.owner_id)
    }

    /// Logins of everyone but the owner, in creation order (for the web user picker).
    pub(crate) fn guest_logins(&self) -> Vec<String> {
        let st = self.lock();
        st.users.iter().skip(1).map(|u| u.login.clone()).collect()
    }
}

#[cfg(test)]
mod tests;
