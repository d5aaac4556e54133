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
use std::time::{SystemTime, UNIX_EPOCH};

use crate::forge::RepoName;

/// Most issues the forge holds; creating more is refused with a clear message.
pub(crate) const MAX_ISSUES: usize = 10_000;
/// Most comments (over all issues) the forge holds.
pub(crate) const MAX_COMMENTS: usize = 50_000;
/// Most accounts; the web user picker and the registration endpoint stop there.
pub(crate) const MAX_USERS: usize = 1_000;
/// Tokens kept per account; registering again issues a new one and drops the oldest.
const MAX_TOKENS_PER_USER: usize = 8;
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
    Invalid { resource: &'static str, field: &'static str, code: &'static str, message: String },
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
    /// Last timestamp handed out, so the clock never goes backwards.
    clock: i64,
}

/// The forge's data. Shared as `Arc<Store>` by the API, the web pages and `LocalForge`.
pub(crate) struct Store {
    /// The single repository this forge hosts (compared case-insensitively, like GitHub).
    pub repo: RepoName,
    /// Numeric id of the repository, stable for the run.
    pub repo_id: u64,
    /// The owner's account id (`host_login`), created at start.
    pub owner_id: u64,
    /// std mutex: short critical sections, never held across an `.await` (see module docs).
    state: Mutex<State>,
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn new_token() -> String {
    let bytes: [u8; 20] = rand::random();
    format!("lf_{}", hex::encode(bytes))
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

fn validate_title(title: &str, resource: &'static str) -> Result<(), StoreError> {
    if title.trim().is_empty() {
        return Err(StoreError::Invalid {
            resource,
            field: "title",
            code: "missing_field",
            message: "title can't be blank".to_string(),
        });
    }
    if title.chars().count() > TITLE_MAX {
        return Err(StoreError::Invalid {
            resource,
            field: "title",
            code: "custom",
            message: format!("title is too long (maximum is {TITLE_MAX} characters)"),
        });
    }
    Ok(())
}

fn validate_body(body: &str, resource: &'static str) -> Result<(), StoreError> {
    if body.chars().count() > BODY_MAX {
        return Err(StoreError::Invalid {
            resource,
            field: "body",
            code: "custom",
            message: format!("body is too long (maximum is {BODY_MAX} characters)"),
        });
    }
    Ok(())
}

impl State {
    fn tick(&mut self) -> i64 {
        self.clock = self.clock.max(unix_now());
        self.clock
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
        Some(UserView { id, login: rec.login.clone(), kind: if rec.bot { "Bot" } else { "User" }, role })
    }

    fn ghost(id: u64) -> UserView {
        UserView { id, login: "ghost".to_string(), kind: "User", role: Role::None }
    }

    fn issue_view(&self, number: u64, owner_id: u64) -> Option<IssueView> {
        let rec = self.issues.get(number.checked_sub(1)? as usize)?;
        Some(IssueView {
            id: FIRST_ISSUE_ID + number - 1,
            number,
            title: rec.title.clone(),
            body: rec.body.clone(),
            user: self.user(rec.user, owner_id).unwrap_or_else(|| Self::ghost(rec.user)),
            open: rec.open,
            comments: rec.comments,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            closed_at: rec.closed_at,
        })
    }

    fn comment_view(&self, id: u64, owner_id: u64) -> Option<CommentView> {
        let rec = self.comments.get(id.checked_sub(FIRST_COMMENT_ID)? as usize)?;
        Some(CommentView {
            id,
            issue_number: rec.issue_number,
            body: rec.body.clone(),
            user: self.user(rec.user, owner_id).unwrap_or_else(|| Self::ghost(rec.user)),
            created_at: rec.created_at,
            updated_at: rec.updated_at,
        })
    }
}

/// Sorts `(id, created, updated)` keys per `q` and keeps those at or after `since`.
fn sort_keys(mut keys: Vec<(u64, i64, i64)>, q: &ListQuery) -> Vec<u64> {
    if let Some(since) = q.since {
        keys.retain(|k| k.2 >= since);
    }
    keys.sort_by_key(|&(id, created, updated)| (if q.by_updated { updated } else { created }, id));
    if q.descending {
        keys.reverse();
    }
    keys.into_iter().map(|k| k.0).collect()
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
            clock: 0,
        };
        state.users.push(UserRec {
            login: owner_login.to_string(),
            bot: owner_login.ends_with("[bot]"),
            collaborator: false,
            tokens: vec![token.clone()],
        });
        state.logins.insert(owner_login.to_ascii_lowercase(), FIRST_USER_ID);
        state.tokens.insert(token.clone(), FIRST_USER_ID);
        state.tick();
        let store = Store { repo, repo_id: 700_001, owner_id: FIRST_USER_ID, state: Mutex::new(state) };
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
    /// (the oldest is dropped beyond `MAX_TOKENS_PER_USER`). Refuses the owner's login unless
    /// `allow_owner` (the owner's token is only handed out in-process).
    pub(crate) fn register(&self, login: &str, allow_owner: bool) -> Result<(UserView, String), StoreError> {
        validate_login(login)?;
        let mut st = self.lock();
        let key = login.to_ascii_lowercase();
        let id = match st.logins.get(&key) {
            Some(&id) => id,
            None => {
                if st.users.len() >= MAX_USERS {
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
                id
            }
        };
        if id == self.owner_id && !allow_owner {
            return Err(StoreError::Forbidden(format!(
                "`{login}` is the repository owner's account; its token is only available to the host"
            )));
        }
        let token = new_token();
        let idx = (id - FIRST_USER_ID) as usize;
        let dropped = {
            let Some(rec) = st.users.get_mut(idx) else { return Err(StoreError::NotFound) };
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

    /// Marks (or unmarks) `login` as a collaborator: `author_association` COLLABORATOR and
    /// push permission.
    pub(crate) fn set_collaborator(&self, login: &str, yes: bool) -> Result<(), StoreError> {
        let mut st = self.lock();
        let id = *st.logins.get(&login.to_ascii_lowercase()).ok_or(StoreError::NotFound)?;
        let rec = st.users.get_mut((id - FIRST_USER_ID) as usize).ok_or(StoreError::NotFound)?;
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

    pub(crate) fn issue_count(&self) -> (usize, usize) {
        let st = self.lock();
        let open = st.issues.iter().filter(|i| i.open).count();
        (open, st.issues.len() - open)
    }

    pub(crate) fn create_issue(&self, user: u64, title: &str, body: &str) -> Result<IssueView, StoreError> {
        validate_title(title, "Issue")?;
        validate_body(body, "Issue")?;
        let mut st = self.lock();
        if st.issues.len() >= MAX_ISSUES {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_ISSUES} issues; restart it to start afresh"
            )));
        }
        let now = st.tick();
        st.issues.push(IssueRec {
            title: title.to_string(),
            body: body.to_string(),
            user,
            open: true,
            comments: 0,
            created_at: now,
            updated_at: now,
            closed_at: None,
        });
        let number = st.issues.len() as u64;
        st.issue_view(number, self.owner_id).ok_or(StoreError::NotFound)
    }

    pub(crate) fn issue(&self, number: u64) -> Result<IssueView, StoreError> {
        self.lock().issue_view(number, self.owner_id).ok_or(StoreError::NotFound)
    }

    /// Edits an issue. Only its author, the owner and collaborators may; any change bumps
    /// `updated_at` (so a re-opened issue shows up in `since` polls again, as on GitHub).
    pub(crate) fn update_issue(
        &self,
        user: u64,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<IssueView, StoreError> {
        if let Some(t) = title {
            validate_title(t, "Issue")?;
        }
        if let Some(b) = body {
            validate_body(b, "Issue")?;
        }
        let mut st = self.lock();
        let role = st.user(user, self.owner_id).map(|u| u.role).unwrap_or(Role::None);
        let now = st.tick();
        let idx = number.checked_sub(1).ok_or(StoreError::NotFound)? as usize;
        let rec = st.issues.get_mut(idx).ok_or(StoreError::NotFound)?;
        if rec.user != user && !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the issue's author, the owner and collaborators may edit this issue".to_string(),
            ));
        }
        if let Some(t) = title {
            rec.title = t.to_string();
        }
        if let Some(b) = body {
            rec.body = b.to_string();
        }
        if let Some(open) = open {
            if open != rec.open {
                rec.open = open;
                rec.closed_at = if open { None } else { Some(now) };
            }
        }
        rec.updated_at = now;
        st.issue_view(number, self.owner_id).ok_or(StoreError::NotFound)
    }

    /// Issues matching `state` and `q`, sorted (ties broken by id).
    pub(crate) fn list_issues(&self, state: StateFilter, q: &ListQuery) -> Vec<IssueView> {
        let st = self.lock();
        let keys = st
            .issues
            .iter()
            .enumerate()
            .filter(|(_, i)| match state {
                StateFilter::Open => i.open,
                StateFilter::Closed => !i.open,
                StateFilter::All => true,
            })
            .map(|(n, i)| (n as u64 + 1, i.created_at, i.updated_at))
            .collect();
        sort_keys(keys, q).into_iter().filter_map(|n| st.issue_view(n, self.owner_id)).collect()
    }

    /// Adds a comment and bumps the issue's `updated_at`, as GitHub does.
    pub(crate) fn create_comment(&self, user: u64, number: u64, body: &str) -> Result<CommentView, StoreError> {
        let mut st = self.lock();
        let idx = number.checked_sub(1).ok_or(StoreError::NotFound)? as usize;
        if idx >= st.issues.len() {
            return Err(StoreError::NotFound);
        }
        if body.trim().is_empty() {
            return Err(StoreError::Invalid {
                resource: "IssueComment",
                field: "body",
                code: "missing_field",
                message: "body can't be blank".to_string(),
            });
        }
        validate_body(body, "IssueComment")?;
        if st.comments.len() >= MAX_COMMENTS {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_COMMENTS} comments; restart it to start afresh"
            )));
        }
        let now = st.tick();
        st.comments.push(CommentRec { issue_number: number, body: body.to_string(), user, created_at: now, updated_at: now });
        let id = FIRST_COMMENT_ID + st.comments.len() as u64 - 1;
        if let Some(issue) = st.issues.get_mut(idx) {
            issue.comments += 1;
            issue.updated_at = now;
        }
        st.comment_view(id, self.owner_id).ok_or(StoreError::NotFound)
    }

    pub(crate) fn comment(&self, id: u64) -> Result<CommentView, StoreError> {
        self.lock().comment_view(id, self.owner_id).ok_or(StoreError::NotFound)
    }

    /// Edits a comment: only its author, the owner and collaborators may.
    pub(crate) fn update_comment(&self, user: u64, id: u64, body: &str) -> Result<CommentView, StoreError> {
        if body.trim().is_empty() {
            return Err(StoreError::Invalid {
                resource: "IssueComment",
                field: "body",
                code: "missing_field",
                message: "body can't be blank".to_string(),
            });
        }
        validate_body(body, "IssueComment")?;
        let mut st = self.lock();
        let role = st.user(user, self.owner_id).map(|u| u.role).unwrap_or(Role::None);
        let now = st.tick();
        let idx = id.checked_sub(FIRST_COMMENT_ID).ok_or(StoreError::NotFound)? as usize;
        let rec = st.comments.get_mut(idx).ok_or(StoreError::NotFound)?;
        if rec.user != user && !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the comment's author, the owner and collaborators may edit this comment".to_string(),
            ));
        }
        rec.body = body.to_string();
        rec.updated_at = now;
        st.comment_view(id, self.owner_id).ok_or(StoreError::NotFound)
    }

    /// Comments of one issue (`Some(n)`) or of the whole repository, sorted per `q`.
    pub(crate) fn list_comments(&self, issue: Option<u64>, q: &ListQuery) -> Result<Vec<CommentView>, StoreError> {
        let st = self.lock();
        if let Some(n) = issue {
            if n == 0 || n as usize > st.issues.len() {
                return Err(StoreError::NotFound);
            }
        }
        let keys = st
            .comments
            .iter()
            .enumerate()
            .filter(|(_, c)| issue.is_none_or(|n| c.issue_number == n))
            .map(|(i, c)| (FIRST_COMMENT_ID + i as u64, c.created_at, c.updated_at))
            .collect();
        Ok(sort_keys(keys, q).into_iter().filter_map(|id| st.comment_view(id, self.owner_id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(RepoName::parse("octo/demo").unwrap(), "octo").unwrap().0
    }

    #[test]
    fn logins_follow_github_rules() {
        for ok in ["a", "alice", "a-b", "A1", "dependabot[bot]", &"x".repeat(39)] {
            assert!(validate_login(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "a b", "<script>", "é", &"x".repeat(40), "[bot]"] {
            assert!(validate_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_is_idempotent_per_login_and_protects_the_owner() {
        let s = store();
        let (a1, t1) = s.register("alice", false).unwrap();
        let (a2, t2) = s.register("ALICE", false).unwrap();
        assert_eq!(a1.id, a2.id);
        assert_ne!(t1, t2);
        assert_eq!(s.user_by_token(&t1).unwrap().id, a1.id);
        assert_eq!(s.user_by_token(&t2).unwrap().login, "alice");
        assert!(matches!(s.register("Octo", false), Err(StoreError::Forbidden(_))));
        assert_eq!(s.register("octo", true).unwrap().0.role, Role::Owner);
        for _ in 0..MAX_TOKENS_PER_USER {
            s.register("alice", false).unwrap();
        }
        assert!(s.user_by_token(&t1).is_none(), "oldest token dropped");
    }

    #[test]
    fn issues_validate_and_sort_with_id_tiebreak() {
        let s = store();
        let (alice, _) = s.register("alice", false).unwrap();
        assert!(matches!(s.create_issue(alice.id, " ", ""), Err(StoreError::Invalid { field: "title", .. })));
        assert!(s.create_issue(alice.id, &"t".repeat(257), "").is_err());
        assert!(s.create_issue(alice.id, "t", &"b".repeat(BODY_MAX + 1)).is_err());
        for i in 0..5 {
            s.create_issue(alice.id, &format!("issue {i}"), "").unwrap();
        }
        let q = ListQuery { by_updated: true, descending: true, since: None };
        let numbers: Vec<u64> = s.list_issues(StateFilter::All, &q).iter().map(|i| i.number).collect();
        assert_eq!(numbers, vec![5, 4, 3, 2, 1]);
        let (bob, _) = s.register("bob", false).unwrap();
        assert!(matches!(s.update_issue(bob.id, 1, None, None, Some(false)), Err(StoreError::Forbidden(_))));
        let closed = s.update_issue(alice.id, 1, None, None, Some(false)).unwrap();
        assert!(!closed.open && closed.closed_at.is_some());
        assert_eq!(s.list_issues(StateFilter::Open, &q).len(), 4);
        assert!(s.update_issue(s.owner_id, 1, None, None, Some(true)).unwrap().open);
    }

    #[test]
    fn comments_bump_the_issue_and_respect_authorship() {
        let s = store();
        let (alice, _) = s.register("alice", false).unwrap();
        let (bob, _) = s.register("bob", false).unwrap();
        let issue = s.create_issue(alice.id, "hi", "").unwrap();
        let c = s.create_comment(bob.id, issue.number, "hello").unwrap();
        assert_eq!(s.issue(issue.number).unwrap().comments, 1);
        assert!(s.create_comment(bob.id, 99, "x").is_err());
        assert!(s.update_comment(alice.id, c.id, "edit").is_err());
        assert_eq!(s.update_comment(bob.id, c.id, "edit").unwrap().body, "edit");
        let q = ListQuery { by_updated: false, descending: false, since: Some(i64::MAX) };
        assert!(s.list_comments(None, &q).unwrap().is_empty());
        assert!(s.list_comments(Some(2), &q).is_err());
    }
}
