//! The embedded forge's REST API under `/api/v3`: the subset of GitHub's issues API that
//! Janus and its guest page use, plus the local-only registration endpoint
//! `POST /api/v3/_forge/users`.
//!
//! Authentication, rate limits, ETags and errors are handled around these handlers by
//! `layers.rs`; here each route parses its input strictly (422/400 in GitHub's words) and
//! talks to the store.

// Helpers return `Result<_, Response>` so handlers can use `?` as axum intends; a
// `Response` is large, but it is built once per refused request, never copied around.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use super::json;
use super::layers::{error, store_error, validation, Caller, Paging, RateKey};
use super::store::{ListQuery, StateFilter, UserView};
use super::Ctx;

pub(super) type Params = Vec<(String, String)>;
pub(super) type ApiResult = Result<Response, Response>;

/// The API routes (without layers; `mod.rs` adds authentication, CORS and ETags).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/v3/user", get(current_user))
        .route("/api/v3/rate_limit", get(rate_limit))
        .route("/api/v3/_forge/users", post(register))
        .route("/api/v3/_forge/collaborators", post(add_collaborator))
        .route("/api/v3/repos/{owner}/{repo}", get(repository))
        .route(
            "/api/v3/repos/{owner}/{repo}/issues",
            get(list_issues).post(create_issue),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/comments",
            get(list_repo_comments),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/events",
            get(list_repo_events),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/{number}/events",
            get(list_issue_events),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/{number}/labels",
            post(add_labels),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/comments/{id}",
            get(get_comment).patch(edit_comment),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/{number}",
            get(get_issue).patch(edit_issue),
        )
        .route(
            "/api/v3/repos/{owner}/{repo}/issues/{number}/comments",
            get(list_issue_comments).post(create_comment),
        )
}

pub(super) fn params(q: Option<String>) -> Params {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

pub(super) fn param<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn require_user(caller: &Caller) -> Result<&UserView, Response> {
    caller
        .0
        .as_ref()
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "Requires authentication"))
}

pub(super) fn check_repo(ctx: &Ctx, owner: &str, repo: &str) -> Result<(), Response> {
    if ctx.store.is_repo(owner, repo) {
        Ok(())
    } else {
        Err(error(StatusCode::NOT_FOUND, "Not Found"))
    }
}

fn number(s: &str) -> Result<u64, Response> {
    s.parse()
        .map_err(|_| error(StatusCode::NOT_FOUND, "Not Found"))
}

/// The request body as a JSON object, or GitHub's 400 "Problems parsing JSON".
pub(super) fn object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(error(StatusCode::BAD_REQUEST, "Problems parsing JSON")),
    }
}

/// A string field that must be there: absent or null is a 422 `missing_field` saying
/// `missing` (GitHub's own wording for that field), any other non-string a 422 `invalid`.
pub(super) fn required_field<'a>(
    m: &'a Map<String, Value>,
    field: &'static str,
    resource: &str,
    missing: &str,
) -> Result<&'a str, Response> {
    string_field(m, field, resource)?
        .ok_or_else(|| validation(resource, field, "missing_field", missing))
}

/// An optional string field: absent or null is `None`, any other non-string is a 422.
pub(super) fn string_field<'a>(
    m: &'a Map<String, Value>,
    field: &'static str,
    resource: &str,
) -> Result<Option<&'a str>, Response> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(validation(
            resource,
            field,
            "invalid",
            &format!("{field} must be a string"),
        )),
    }
}

/// `sort`, `direction` and `since` of a list request.
fn list_query(
    p: &Params,
    default_updated: bool,
    default_desc: bool,
) -> Result<ListQuery, Response> {
    let by_updated = match param(p, "sort") {
        None => default_updated,
        Some("created") => false,
        Some("updated") => true,
        Some(_) => {
            return Err(validation(
                "Query",
                "sort",
                "invalid",
                "sort must be `created` or `updated`",
            ))
        }
    };
    let descending = match param(p, "direction") {
        None => default_desc,
        Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(validation(
                "Query",
                "direction",
                "invalid",
                "direction must be `asc` or `desc`",
            ))
        }
    };
    let since = match param(p, "since") {
        None | Some("") => None,
        Some(s) => Some(json::parse_timestamp(s).ok_or_else(|| {
            validation(
                "Query",
                "since",
                "invalid",
                "since must be an ISO 8601 timestamp such as 2024-05-01T12:00:00Z",
            )
        })?),
    };
    Ok(ListQuery {
        by_updated,
        descending,
        since,
    })
}

/// A JSON array page with its `Link` header.
pub(super) fn page(ctx: &Ctx, uri: &Uri, p: &Params, items: Vec<Value>) -> Response {
    let (items, link) = Paging::from_params(p).slice(items, &ctx.urls.origin, uri.path(), p);
    let mut resp = Json(Value::Array(items)).into_response();
    if let Some(link) = link.and_then(|l| l.parse().ok()) {
        resp.headers_mut().insert(header::LINK, link);
    }
    resp
}

pub(super) fn created(location: String, body: Value) -> Response {
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = location.parse() {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn current_user(State(ctx): State<Ctx>, Extension(caller): Extension<Caller>) -> ApiResult {
    let user = require_user(&caller)?;
    Ok(Json(json::private_user(&ctx.urls, &ctx.store, user)).into_response())
}

async fn rate_limit(State(ctx): State<Ctx>, Extension(key): Extension<RateKey>) -> Response {
    let s = ctx.limiter.status(key, ctx.store.now());
    let core =
        json!({ "limit": s.limit, "remaining": s.remaining(), "reset": s.reset, "used": s.used });
    // The forge does not search; its search bucket is GitHub's default, never used.
    let search = json!({ "limit": 30, "remaining": 30, "reset": s.reset, "used": 0 });
    Json(json!({ "resources": { "core": core, "search": search }, "rate": core })).into_response()
}

/// `POST /api/v3/_forge/users {"login":"alice"}` → 201 `{"login","id","type","token"}`.
/// Idempotent per login: the same account every time, with a fresh token (earlier tokens
/// stay valid). The owner's login is refused: its token is only available in-process.
async fn register(State(ctx): State<Ctx>, body: Bytes) -> ApiResult {
    let m = object(&body)?;
    let login = required_field(&m, "login", "User", "login is required")?;
    let (user, token) = ctx.store.register(login, false).map_err(store_error)?;
    let mut v = json::user(&ctx.urls, &user);
    v["token"] = json!(token);
    Ok(created(
        format!("{}/users/{}", ctx.urls.api(), user.login),
        v,
    ))
}

/// `POST /api/v3/_forge/collaborators {"login":"bob"}` (owner only): marks an account as a
/// collaborator, so its comments carry `author_association: COLLABORATOR`.
async fn add_collaborator(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    if user.id != ctx.store.owner_id {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Must be the repository owner to add collaborators",
        ));
    }
    let m = object(&body)?;
    let login = required_field(&m, "login", "User", "login is required")?;
    ctx.store
        .set_collaborator(login, true)
        .map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn repository(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    Ok(Json(json::repository(&ctx.urls, &ctx.store, caller.0.as_ref())).into_response())
}

async fn list_issues(
    State(ctx): State<Ctx>,
    Path((owner, repo)): Path<(String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let state = match param(&p, "state") {
        None | Some("open") => StateFilter::Open,
        Some("closed") => StateFilter::Closed,
        Some("all") => StateFilter::All,
        Some(_) => {
            return Err(validation(
                "Query",
                "state",
                "invalid",
                "state must be `open`, `closed` or `all`",
            ))
        }
    };
    let lq = list_query(&p, false, true)?;
    // `labels`: comma-separated, an issue must carry all of them; `creator`: a login.
    let wanted: Vec<&str> = param(&p, "labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let creator = param(&p, "creator");
    let items = ctx
        .store
        .list_issues(state, &lq)
        .iter()
        .filter(|i| {
            wanted
                .iter()
                .all(|w| i.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
        })
        .filter(|i| creator.is_none_or(|c| i.user.login.eq_ignore_ascii_case(c)))
        .map(|i| json::issue(&ctx.urls, &ctx.store, i))
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}

async fn create_issue(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let m = object(&body)?;
    let title = required_field(&m, "title", "Issue", "title can't be blank")?;
    let text = string_field(&m, "body", "Issue")?.unwrap_or("");
    let labels = label_names(&m)?;
    let mut issue = ctx
        .store
        .create_issue(user.id, title, text)
        .map_err(store_error)?;
    // Like GitHub: labels are silently dropped for users without push access.
    if !labels.is_empty() && user.role.can_triage() {
        ctx.store
            .add_labels(user.id, issue.number, &labels)
            .map_err(store_error)?;
        issue = ctx.store.issue(issue.number).map_err(store_error)?;
    }
    let v = json::issue(&ctx.urls, &ctx.store, &issue);
    Ok(created(
        format!("{}/issues/{}", ctx.urls.repo_api(&ctx.store), issue.number),
        v,
    ))
}

async fn get_issue(
    State(ctx): State<Ctx>,
    Path((owner, repo, n)): Path<(String, String, String)>,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let issue = ctx.store.issue(number(&n)?).map_err(store_error)?;
    Ok(Json(json::issue(&ctx.urls, &ctx.store, &issue)).into_response())
}

async fn edit_issue(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let number = number(&n)?;
    let m = object(&body)?;
    let title = string_field(&m, "title", "Issue")?;
    let text = string_field(&m, "body", "Issue")?;
    let open = match string_field(&m, "state", "Issue")? {
        None => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => {
            return Err(validation(
                "Issue",
                "state",
                "invalid",
                "state must be `open` or `closed`",
            ))
        }
    };
    let issue = ctx
        .store
        .update_issue(user.id, number, title, text, open)
        .map_err(store_error)?;
    Ok(Json(json::issue(&ctx.urls, &ctx.store, &issue)).into_response())
}

async fn list_issue_comments(
    State(ctx): State<Ctx>,
    Path((owner, repo, n)): Path<(String, String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let mut lq = list_query(&p, false, false)?;
    // GitHub lists an issue's comments oldest first, whatever `sort` says.
    lq.by_updated = false;
    lq.descending = false;
    let comments = ctx
        .store
        .list_comments(Some(number(&n)?), &lq)
        .map_err(store_error)?;
    let items = comments
        .iter()
        .map(|c| json::comment(&ctx.urls, &ctx.store, c))
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}

async fn list_repo_comments(
    State(ctx): State<Ctx>,
    Path((owner, repo)): Path<(String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let lq = list_query(&p, false, false)?;
    let comments = ctx.store.list_comments(None, &lq).map_err(store_error)?;
    let items = comments
        .iter()
        .map(|c| json::comment(&ctx.urls, &ctx.store, c))
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}

async fn create_comment(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let number = number(&n)?;
    let m = object(&body)?;
    let text = required_field(&m, "body", "IssueComment", "body can't be blank")?;
    let c = ctx
        .store
        .create_comment(user.id, number, text)
        .map_err(store_error)?;
    let v = json::comment(&ctx.urls, &ctx.store, &c);
    Ok(created(
        format!("{}/issues/comments/{}", ctx.urls.repo_api(&ctx.store), c.id),
        v,
    ))
}

async fn get_comment(
    State(ctx): State<Ctx>,
    Path((owner, repo, id)): Path<(String, String, String)>,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let c = ctx.store.comment(number(&id)?).map_err(store_error)?;
    Ok(Json(json::comment(&ctx.urls, &ctx.store, &c)).into_response())
}

async fn edit_comment(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let id = number(&id)?;
    let m = object(&body)?;
    let text = required_field(&m, "body", "IssueComment", "body can't be blank")?;
    let c = ctx
        .store
        .update_comment(user.id, id, text)
        .map_err(store_error)?;
    Ok(Json(json::comment(&ctx.urls, &ctx.store, &c)).into_response())
}

/// The `labels` field of a request body: an array of names (absent: none).
fn label_names(m: &Map<String, Value>) -> Result<Vec<String>, Response> {
    match m.get("labels") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or(()),
                _ => Err(()),
            })
            .collect::<Result<Vec<_>, ()>>()
            .map_err(|()| validation("Label", "labels", "invalid", "labels must be label names")),
        Some(_) => Err(validation(
            "Label",
            "labels",
            "invalid",
            "labels must be an array",
        )),
    }
}

/// `POST /repos/{o}/{r}/issues/{n}/labels {"labels": [...]}`: adds labels (owner and
/// collaborators), answering the issue's labels.
async fn add_labels(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = require_user(&caller)?;
    check_repo(&ctx, &owner, &repo)?;
    let number = number(&n)?;
    let m = object(&body)?;
    let names = label_names(&m)?;
    let labels = ctx
        .store
        .add_labels(user.id, number, &names)
        .map_err(store_error)?;
    let out: Vec<Value> = labels
        .iter()
        .map(|l| json::label(&ctx.urls, &ctx.store, l))
        .collect();
    Ok(Json(out).into_response())
}

/// `GET /repos/{o}/{r}/issues/events`: the repository's issue events, newest first.
async fn list_repo_events(
    State(ctx): State<Ctx>,
    Path((owner, repo)): Path<(String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let events = ctx.store.list_events(None).map_err(store_error)?;
    let items = events
        .iter()
        .map(|e| json::event(&ctx.urls, &ctx.store, e))
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}

/// `GET /repos/{o}/{r}/issues/{n}/events`: one issue's events, oldest first.
async fn list_issue_events(
    State(ctx): State<Ctx>,
    Path((owner, repo, n)): Path<(String, String, String)>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    check_repo(&ctx, &owner, &repo)?;
    let p = params(q);
    let events = ctx
        .store
        .list_events(Some(number(&n)?))
        .map_err(store_error)?;
    let items = events
        .iter()
        .map(|e| {
            let mut v = json::event(&ctx.urls, &ctx.store, e);
            // GitHub omits the issue in the per-issue list.
            if let Some(o) = v.as_object_mut() {
                o.remove("issue");
            }
            v
        })
        .collect();
    Ok(page(&ctx, &uri, &p, items))
}
