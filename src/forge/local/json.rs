//! GitHub's JSON shapes for the embedded forge's views, plus the forge's URL layout.
//!
//! The shapes carry the fields Janus and its guest page read (see `forge::types`) and the
//! common ones a curious `curl` user expects (`url`, `comments_url`, `labels`, …), so the
//! local forge can stand in for GitHub without surprises.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::store::{CommentView, IssueView, Role, Store, UserView};

/// Where the forge's pages and API live; everything is derived from one origin.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub origin: String,
}

/// Where GitHub-style error bodies point.
pub(crate) const DOCS_URL: &str = "https://docs.github.com/rest";

impl Urls {
    pub(crate) fn api(&self) -> String {
        format!("{}/api/v3", self.origin)
    }

    pub(crate) fn repo_api(&self, store: &Store) -> String {
        format!(
            "{}/repos/{}/{}",
            self.api(),
            store.repo.owner,
            store.repo.name
        )
    }

    pub(crate) fn repo_html(&self, store: &Store) -> String {
        format!("{}/{}/{}", self.origin, store.repo.owner, store.repo.name)
    }

    pub(crate) fn issue_html(&self, store: &Store, number: u64) -> String {
        format!("{}/issues/{number}", self.repo_html(store))
    }

    pub(crate) fn user_html(&self, login: &str) -> String {
        format!("{}/{login}", self.origin)
    }
}

/// RFC 3339 in UTC with second precision and a `Z`, like GitHub (`2024-05-01T12:00:00Z`).
pub(crate) fn timestamp(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parses a `since` parameter (RFC 3339, any offset) into unix seconds.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

pub(crate) fn user(urls: &Urls, u: &UserView) -> Value {
    json!({
        "login": u.login,
        "id": u.id,
        "node_id": format!("U_local{}", u.id),
        "avatar_url": "",
        "gravatar_id": "",
        "url": format!("{}/users/{}", urls.api(), u.login),
        "html_url": urls.user_html(&u.login),
        "type": u.kind,
        "site_admin": false,
    })
}

pub(crate) fn issue(urls: &Urls, store: &Store, i: &IssueView) -> Value {
    let api = format!("{}/issues/{}", urls.repo_api(store), i.number);
    json!({
        "url": api,
        "repository_url": urls.repo_api(store),
        "comments_url": format!("{api}/comments"),
        "html_url": urls.issue_html(store, i.number),
        "id": i.id,
        "node_id": format!("I_local{}", i.id),
        "number": i.number,
        "title": i.title,
        "user": user(urls, &i.user),
        "labels": [],
        "state": if i.open { "open" } else { "closed" },
        "state_reason": if i.open { Value::Null } else { json!("completed") },
        "locked": false,
        "assignee": Value::Null,
        "assignees": [],
        "comments": i.comments,
        "created_at": timestamp(i.created_at),
        "updated_at": timestamp(i.updated_at),
        "closed_at": i.closed_at.map(timestamp),
        "author_association": i.user.role.association(),
        "body": if i.body.is_empty() { Value::Null } else { json!(i.body) },
    })
}

/// A comment's browser URL: the issue page with an `#issuecomment-{id}` anchor.
pub(crate) fn comment_html_url(urls: &Urls, store: &Store, c: &CommentView) -> String {
    format!(
        "{}#issuecomment-{}",
        urls.issue_html(store, c.issue_number),
        c.id
    )
}

pub(crate) fn comment(urls: &Urls, store: &Store, c: &CommentView) -> Value {
    json!({
        "url": format!("{}/issues/comments/{}", urls.repo_api(store), c.id),
        "html_url": comment_html_url(urls, store, c),
        "issue_url": format!("{}/issues/{}", urls.repo_api(store), c.issue_number),
        "id": c.id,
        "node_id": format!("IC_local{}", c.id),
        "user": user(urls, &c.user),
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.updated_at),
        "author_association": c.user.role.association(),
        "body": c.body,
    })
}

/// `GET /repos/{o}/{r}`; `viewer` adds the `permissions` object, as GitHub does for
/// authenticated requests.
pub(crate) fn repository(urls: &Urls, store: &Store, viewer: Option<&UserView>) -> Value {
    let owner = store.user(store.owner_id);
    let (open, _) = store.issue_count();
    let mut v = json!({
        "id": store.repo_id,
        "node_id": format!("R_local{}", store.repo_id),
        "name": store.repo.name,
        "full_name": store.repo.to_string(),
        "owner": owner.as_ref().map(|o| user(urls, o)),
        "private": false,
        "html_url": urls.repo_html(store),
        "description": "Repository hosted by the Janus embedded forge",
        "fork": false,
        "url": urls.repo_api(store),
        "issues_url": format!("{}/issues{{/number}}", urls.repo_api(store)),
        "has_issues": true,
        "open_issues_count": open,
        "default_branch": "main",
    });
    if let Some(u) = viewer {
        let (admin, push) = match u.role {
            Role::Owner => (true, true),
            Role::Collaborator => (false, true),
            Role::None => (false, false),
        };
        v["permissions"] = json!({ "admin": admin, "maintain": admin, "push": push, "triage": push, "pull": true });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_githubs() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(parse_timestamp("2024-05-01T12:00:00Z"), Some(1_714_564_800));
        assert_eq!(
            parse_timestamp("2024-05-01T14:00:00+02:00"),
            Some(1_714_564_800)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
