//! GitHub's JSON shapes for the embedded forge's views, plus the forge's URL layout.
//!
//! The shapes carry the fields Janus and its guest page read (see `forge::types`) and the
//! common ones a curious `curl` user expects (`url`, `comments_url`, `labels`, …), so the
//! local forge can stand in for GitHub without surprises.

use serde_json::{json, Value};

use sha2::Digest;

use super::store::{CommentView, EventView, IssueView, Role, Store, UserView};

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
pub(crate) use crate::clock::format_rfc3339 as timestamp;
/// Parses a `since` parameter (RFC 3339, any offset) into unix seconds.
pub(crate) use crate::clock::parse_rfc3339 as parse_timestamp;

pub(crate) fn user(urls: &Urls, u: &UserView) -> Value {
    let api = format!("{}/users/{}", urls.api(), u.login);
    json!({
        "login": u.login,
        "id": u.id,
        "node_id": format!("U_local{}", u.id),
        "avatar_url": format!("{}/_forge/avatar/{}", urls.origin, u.id),
        "gravatar_id": "",
        "url": api,
        "html_url": urls.user_html(&u.login),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": u.kind,
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// `GET /user`: the authenticated account with GitHub's private-user fields (the forge
/// keeps no profile, so they are empty or zero).
pub(crate) fn private_user(urls: &Urls, store: &Store, u: &UserView) -> Value {
    let mut v = user(urls, u);
    let created = timestamp(store.created_at);
    let extra = json!({
        "name": null, "company": null, "blog": "", "location": null, "email": null,
        "hireable": null, "bio": null, "twitter_username": null, "notification_email": null,
        "public_repos": if u.id == store.owner_id { 1 } else { 0 }, "public_gists": 0,
        "followers": 0, "following": 0, "created_at": created, "updated_at": created,
        "private_gists": 0, "total_private_repos": 0, "owned_private_repos": 0,
        "disk_usage": 0, "collaborators": 0, "two_factor_authentication": false,
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v
}

/// A label object. The forge has no label settings: every label is grey.
pub(crate) fn label(urls: &Urls, store: &Store, name: &str) -> Value {
    let id = u64::from_str_radix(
        &hex::encode(&sha2::Sha256::digest(name.to_ascii_lowercase().as_bytes())[..6]),
        16,
    )
    .unwrap_or(1);
    let path: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let known = store.repo_label(name).ok();
    json!({
        "id": id,
        "node_id": format!("LA_local{id}"),
        "url": format!("{}/labels/{}", urls.repo_api(store), path.replace('+', "%20")),
        "name": name,
        "description": known.as_ref().and_then(|l| l.description.clone()),
        "color": known.map_or_else(|| "ededed".to_string(), |l| l.color),
        "default": false,
    })
}

pub(crate) fn issue(urls: &Urls, store: &Store, i: &IssueView) -> Value {
    let api = format!("{}/issues/{}", urls.repo_api(store), i.number);
    let labels: Vec<Value> = i.labels.iter().map(|l| label(urls, store, l)).collect();
    json!({
        "url": api,
        "repository_url": urls.repo_api(store),
        "labels_url": format!("{api}/labels{{/name}}"),
        "comments_url": format!("{api}/comments"),
        "events_url": format!("{api}/events"),
        "html_url": urls.issue_html(store, i.number),
        "id": i.id,
        "node_id": format!("I_local{}", i.id),
        "number": i.number,
        "title": i.title,
        "user": user(urls, &i.user),
        "labels": labels,
        "state": if i.open { "open" } else { "closed" },
        "state_reason": i.state_reason,
        "locked": false,
        "active_lock_reason": null,
        "assignee": null,
        "assignees": [],
        "milestone": null,
        "comments": i.comments,
        "created_at": timestamp(i.created_at),
        "updated_at": timestamp(i.updated_at),
        "closed_at": i.closed_at.map(timestamp),
        "author_association": i.user.role.association(),
        "body": if i.body.is_empty() { Value::Null } else { json!(i.body) },
        "timeline_url": format!("{api}/timeline"),
        "performed_via_github_app": null,
        "reactions": reactions(&format!("{api}/reactions")),
    })
}

/// An empty reaction roll-up (the forge has no reactions).
fn reactions(url: &str) -> Value {
    json!({ "url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0,
            "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0 })
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
    let api = format!("{}/issues/comments/{}", urls.repo_api(store), c.id);
    json!({
        "url": api,
        "html_url": comment_html_url(urls, store, c),
        "issue_url": format!("{}/issues/{}", urls.repo_api(store), c.issue_number),
        "id": c.id,
        "node_id": format!("IC_local{}", c.id),
        "user": user(urls, &c.user),
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.updated_at),
        "author_association": c.user.role.association(),
        "body": c.body,
        "performed_via_github_app": null,
        "reactions": reactions(&format!("{api}/reactions")),
    })
}

/// An issue event as `GET /repos/{o}/{r}/issues/events` lists it (with its issue).
pub(crate) fn event(urls: &Urls, store: &Store, e: &EventView) -> Value {
    let mut v = json!({
        "id": e.id,
        "node_id": format!("E_local{}", e.id),
        "url": format!("{}/issues/events/{}", urls.repo_api(store), e.id),
        "actor": user(urls, &e.actor),
        "event": e.kind,
        "commit_id": null,
        "commit_url": null,
        "created_at": timestamp(e.created_at),
        "performed_via_github_app": null,
    });
    if let Some(l) = &e.label {
        v["label"] = json!({ "name": l, "color": "ededed" });
    }
    if let Ok(i) = store.issue(e.issue_number) {
        v["issue"] = issue(urls, store, &i);
    }
    v
}

/// `GET /repos/{o}/{r}`: GitHub's full-repository shape; `viewer` adds the `permissions`
/// object, as GitHub does for authenticated requests.
pub(crate) fn repository(urls: &Urls, store: &Store, viewer: Option<&UserView>) -> Value {
    let owner = store.user(store.owner_id);
    let (open, _) = store.issue_count();
    let api = urls.repo_api(store);
    let html = urls.repo_html(store);
    let created = timestamp(store.created_at);
    let mut v = json!({
        "id": store.repo_id,
        "node_id": format!("R_local{}", store.repo_id),
        "name": store.repo.name,
        "full_name": store.repo.to_string(),
        "owner": owner.as_ref().map(|o| user(urls, o)),
        "private": false,
        "html_url": html,
        "description": "Repository hosted by the Janus embedded forge",
        "fork": false,
        "url": api,
        "clone_url": format!("{html}.git"),
        "git_url": format!("{html}.git").replacen("http", "git", 1),
        "ssh_url": format!("git@{}:{}.git", urls.origin.trim_start_matches("http://"), store.repo),
        "svn_url": html,
    });
    let more = json!({
        "mirror_url": null,
        "homepage": null,
        "language": null,
        "license": null,
        "forks": 0, "forks_count": 0,
        "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
        "network_count": 0, "subscribers_count": 0,
        "size": 0,
        "default_branch": "main",
        "open_issues": open, "open_issues_count": open,
        "is_template": false,
        "topics": [],
        "has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false,
        "has_downloads": false, "has_discussions": false,
        "archived": false, "disabled": false,
        "visibility": "public",
        "pushed_at": created, "created_at": created, "updated_at": created,
        "allow_forking": false, "web_commit_signoff_required": false,
    });
    if let (Some(o), Some(m)) = (v.as_object_mut(), more.as_object()) {
        o.extend(m.clone());
    }
    // The URL templates GitHub lists for every repository.
    for (key, tail) in REPO_URLS {
        v[*key] = json!(format!("{api}/{tail}"));
    }
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

/// `(field, path below the repository's API URL)` of full-repository's URL fields.
const REPO_URLS: &[(&str, &str)] = &[
    ("archive_url", "{archive_format}{/ref}"),
    ("assignees_url", "assignees{/user}"),
    ("blobs_url", "git/blobs{/sha}"),
    ("branches_url", "branches{/branch}"),
    ("collaborators_url", "collaborators{/collaborator}"),
    ("comments_url", "comments{/number}"),
    ("commits_url", "commits{/sha}"),
    ("compare_url", "compare/{base}...{head}"),
    ("contents_url", "contents/{+path}"),
    ("contributors_url", "contributors"),
    ("deployments_url", "deployments"),
    ("downloads_url", "downloads"),
    ("events_url", "events"),
    ("forks_url", "forks"),
    ("git_commits_url", "git/commits{/sha}"),
    ("git_refs_url", "git/refs{/sha}"),
    ("git_tags_url", "git/tags{/sha}"),
    ("hooks_url", "hooks"),
    ("issue_comment_url", "issues/comments{/number}"),
    ("issue_events_url", "issues/events{/number}"),
    ("issues_url", "issues{/number}"),
    ("keys_url", "keys{/key_id}"),
    ("labels_url", "labels{/name}"),
    ("languages_url", "languages"),
    ("merges_url", "merges"),
    ("milestones_url", "milestones{/number}"),
    (
        "notifications_url",
        "notifications{?since,all,participating}",
    ),
    ("pulls_url", "pulls{/number}"),
    ("releases_url", "releases{/id}"),
    ("stargazers_url", "stargazers"),
    ("statuses_url", "statuses/{sha}"),
    ("subscribers_url", "subscribers"),
    ("subscription_url", "subscription"),
    ("tags_url", "tags"),
    ("teams_url", "teams"),
    ("trees_url", "git/trees{/sha}"),
];
