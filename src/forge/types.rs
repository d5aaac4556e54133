//! The forge's data, in GitHub's JSON shapes: only the fields Janus reads.
//!
//! Both sides of the wire use these types: the GitHub REST client deserializes them and the
//! embedded local forge serializes them, so the two cannot drift apart silently. Unknown
//! fields are ignored on input (GitHub sends many more).

use serde::{Deserialize, Serialize};

/// `owner/name` of a repository, validated on construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepoName {
    /// Account or organisation that owns the repository.
    pub owner: String,
    /// Repository name without the owner.
    pub name: String,
}

/// A GitHub account as embedded in issues and comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login shown to people; can change over time, so never used for trust decisions.
    pub login: String,
    /// Stable numeric id: the identity Janus binds answers to (PROTOCOL.md "Roles and trust at a glance").
    pub id: u64,
    /// `"User"`, `"Bot"` or `"Organization"`; bots are never offered a chat.
    #[serde(rename = "type", default = "default_user_type")]
    pub kind: String,
}

fn default_user_type() -> String {
    "User".to_string()
}

/// An issue (or a pull request: GitHub's issues endpoint returns both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Global id, stable across renames and transfers.
    pub id: u64,
    /// Number within the repository, used in every URL.
    pub number: u64,
    /// Untrusted text chosen by the author.
    pub title: String,
    /// Untrusted Markdown body (GitHub sends `null` for an empty one): where a guest's
    /// flow-B offer is (PROTOCOL.md "Flow B, step by step").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Who opened it: the only account whose answer the host will accept.
    pub user: User,
    /// `"open"` or `"closed"`.
    pub state: String,
    /// Browser URL of the issue.
    pub html_url: String,
    /// When it was created (RFC 3339, server clock).
    pub created_at: String,
    /// When it last changed (RFC 3339, server clock); moves on every edit.
    pub updated_at: String,
    /// Present (with any content) when this "issue" is a pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<serde_json::Value>,
    /// Author association with the repository (OWNER, MEMBER, COLLABORATOR, NONE, …).
    #[serde(default = "default_association")]
    pub author_association: String,
    /// Labels on the issue; the request policy may require one of them.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Why the state last changed: `"reopened"` once an issue has been re-opened,
    /// `"completed"` / `"not_planned"` on closed issues, `None` on a never-closed issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<StateReason>,
    /// Not part of GitHub's JSON: set by the client when the repository's issue events show
    /// that this issue was re-opened (unix seconds of its latest `reopened` event, server
    /// clock). The request policy treats a recent re-open as a new chat request (ARCHITECTURE.md "Design decisions, and why").
    #[serde(skip)]
    pub reopened_at: Option<i64>,
}

/// GitHub's `state_reason` of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateReason {
    /// Closed as done.
    Completed,
    /// Re-opened after being closed.
    Reopened,
    /// Closed as not planned.
    NotPlanned,
    /// Closed as a duplicate.
    Duplicate,
    /// A reason GitHub added later.
    #[serde(other)]
    Other,
}

/// A label as the issues API embeds it. GitHub sends objects (`{"name": …, "color": …}`);
/// plain strings, which the API also documents, are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The label's name, compared case-insensitively by the request policy.
    pub name: String,
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Name(String),
            Object { name: String },
        }
        Ok(match Wire::deserialize(d)? {
            Wire::Name(name) | Wire::Object { name } => Label { name },
        })
    }
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Global comment id, used to edit it.
    pub id: u64,
    /// Browser URL of the comment.
    pub html_url: String,
    /// API URL of the issue it belongs to; the issue number is its last path segment.
    pub issue_url: String,
    /// Untrusted Markdown text.
    pub body: String,
    /// The author, compared by `id` against the issue author.
    pub user: User,
    /// When it was created (RFC 3339, server clock).
    pub created_at: String,
    /// When it last changed (RFC 3339, server clock); moves on every edit.
    pub updated_at: String,
    /// What the guest page checks to trust an offer: OWNER, MEMBER or COLLABORATOR.
    #[serde(default = "default_association")]
    pub author_association: String,
}

fn default_association() -> String {
    "NONE".to_string()
}

impl Comment {
    /// The issue number this comment belongs to, parsed from `issue_url`.
    pub fn issue_number(&self) -> Option<u64> {
        self.issue_url.rsplit('/').next()?.parse().ok()
    }
}

impl Issue {
    /// GitHub's issues endpoint lists pull requests too; Janus skips them.
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }
}

/// The repository as `GET /repos/{o}/{r}` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// Global repository id.
    pub id: u64,
    /// `owner/name`.
    pub full_name: String,
    /// Browser URL of the repository.
    pub html_url: String,
    /// Whether issues are enabled; signaling needs them.
    #[serde(default = "yes")]
    pub has_issues: bool,
    /// The token's permissions on the repository (absent for anonymous reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
}

fn yes() -> bool {
    true
}

/// Permissions of the authenticated user on a repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// Full control.
    #[serde(default)]
    pub admin: bool,
    /// Manage the repository without admin rights.
    #[serde(default)]
    pub maintain: bool,
    /// Write access.
    #[serde(default)]
    pub push: bool,
    /// Manage issues and pull requests (edit others' comments, close).
    #[serde(default)]
    pub triage: bool,
    /// Read access.
    #[serde(default)]
    pub pull: bool,
}

/// Why a repository name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{input}` is not a repository name: expected `owner/repo` or https://github.com/owner/repo"
)]
pub struct BadRepoName {
    /// What was given.
    pub input: String,
}

impl RepoName {
    /// Accepts `owner/repo`, `https://github.com/owner/repo(.git)` and similar URLs.
    pub fn parse(input: &str) -> Result<RepoName, BadRepoName> {
        let bad = || BadRepoName {
            input: input.to_string(),
        };
        let trimmed = input.trim().trim_end_matches('/');
        let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
        let path = match trimmed.split_once("://") {
            Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).ok_or_else(bad)?,
            None => trimmed,
        };
        let mut parts = path.split('/');
        let (owner, name) = match (parts.next(), parts.next(), parts.next()) {
            (Some(o), Some(n), None) => (o, n),
            _ => return Err(bad()),
        };
        let valid = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && s != "."
                && s != ".."
        };
        if !valid(owner, 39) || !valid(name, 100) {
            return Err(bad());
        }
        Ok(RepoName {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for RepoName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The rate limit as the latest response reported it (`x-ratelimit-*`), for the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// When the window resets, unix seconds (server clock). As the server sent it: users
    /// of it clamp waits (`backoff::server_wait_until`).
    pub reset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names_parse_from_slugs_and_urls() {
        for input in [
            "octo/janus",
            "https://github.com/octo/janus",
            "https://github.com/octo/janus.git",
            "git://x/octo/janus/",
        ] {
            let repo = RepoName::parse(input).unwrap();
            assert_eq!(repo.to_string(), "octo/janus", "{input}");
        }
        for bad in [
            "",
            "octo",
            "octo/",
            "/janus",
            "a/b/c",
            "octo/ja nus",
            "https://github.com/octo",
            "../x",
        ] {
            assert!(RepoName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn comment_knows_its_issue_number() {
        let c: Comment = serde_json::from_value(serde_json::json!({
            "id": 1, "html_url": "h", "issue_url": "https://api.github.com/repos/o/r/issues/42",
            "body": "b", "user": {"login": "a", "id": 7}, "created_at": "t", "updated_at": "t"
        }))
        .unwrap();
        assert_eq!(c.issue_number(), Some(42));
        assert_eq!(c.author_association, "NONE");
        assert_eq!(c.user.kind, "User");
    }

    #[test]
    fn issues_read_labels_in_both_shapes_and_state_reason() {
        let i: Issue = serde_json::from_value(serde_json::json!({
            "id": 1, "number": 2, "title": "t", "user": {"login": "a", "id": 7},
            "state": "open", "html_url": "h", "created_at": "c", "updated_at": "u",
            "labels": [{"name": "chat", "color": "fff"}, "bug"], "state_reason": "reopened",
            "reopened_at": "ignored: never read from the wire"
        }))
        .unwrap();
        let names: Vec<&str> = i.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["chat", "bug"]);
        assert_eq!(i.state_reason, Some(StateReason::Reopened));
        let later: Issue = serde_json::from_value(serde_json::json!({
            "id": 1, "number": 2, "title": "t", "user": {"login": "a", "id": 7},
            "state": "closed", "html_url": "h", "created_at": "c", "updated_at": "u",
            "state_reason": "some_new_reason"
        }))
        .unwrap();
        assert_eq!(later.state_reason, Some(StateReason::Other));
        assert_eq!(i.reopened_at, None);
    }
}
