//! The embedded forge's web pages, at github.com's paths: a start page where a person picks
//! a user name (cookie `forge_user=<token>`, and the token shown for `curl`), the issue list,
//! the new-issue form (prefilled from `?title=&body=` like GitHub's), and the issue page with
//! its comments, a comment form at `#new_comment_form` and a close/reopen button.
//!
//! Plain server-rendered HTML: every dynamic string is escaped, there are no inline scripts
//! (a small static script reloads the issue page when it changes), and forms are protected
//! from cross-site posts by the `SameSite=Lax` cookie.

// Helpers return `Result<_, Response>` so handlers can use `?` as axum intends; a
// `Response` is large, but it is built once per refused request, never copied around.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::html::{error_page, escape, layout, page, render_text};
use super::json::{comment_html_url, timestamp};
use super::store::{IssueView, ListQuery, StateFilter, StoreError, UserView};
use super::Ctx;

/// Most comments rendered on an issue page (the newest are kept).
const MAX_SHOWN_COMMENTS: usize = 1_000;

/// The cookie holding the signed-in user's API token.
const COOKIE: &str = "forge_user";

type WebResult = Result<Response, Response>;

/// The page routes (the API and the guest page are routed in `mod.rs`).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/_forge/style.css", get(super::html::style_css))
        .route("/_forge/live.js", get(super::html::live_js))
        .route("/{owner}/{repo}", get(repo_home))
        .route("/{owner}/{repo}/issues", get(issue_list))
        .route(
            "/{owner}/{repo}/issues/new",
            get(new_issue_form).post(new_issue),
        )
        .route("/{owner}/{repo}/issues/{number}", get(issue_page))
        .route(
            "/{owner}/{repo}/issues/{number}/comments",
            post(add_comment),
        )
        .route("/{owner}/{repo}/issues/{number}/state", post(set_state))
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(f: &'a [(String, String)], name: &str) -> Option<&'a str> {
    f.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn viewer(ctx: &Ctx, headers: &HeaderMap) -> Option<(UserView, String)> {
    let token = cookie_token(headers)?;
    ctx.store.user_by_token(&token).map(|u| (u, token))
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Only local absolute paths are followed after signing in (no open redirects).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

fn sign_in_redirect(path: &str) -> Response {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", path)
        .finish();
    redirect(&format!("/?{q}"))
}

fn check_repo(ctx: &Ctx, owner: &str, repo: &str, who: Option<&str>) -> Result<(), Response> {
    if ctx.store.is_repo(owner, repo) {
        Ok(())
    } else {
        Err(error_page(
            StatusCode::NOT_FOUND,
            who,
            "This forge hosts no such repository.",
        ))
    }
}

/// The issue number in a page's path; not a number: the "No such issue." page.
fn issue_number(n: &str, who: Option<&str>) -> Result<u64, Response> {
    n.parse()
        .map_err(|_| error_page(StatusCode::NOT_FOUND, who, "No such issue."))
}

fn repo_path(ctx: &Ctx) -> String {
    format!("/{}/{}", ctx.store.repo.owner, ctx.store.repo.name)
}

fn store_error_page(e: StoreError, who: Option<&str>) -> Response {
    match e {
        StoreError::NotFound => error_page(StatusCode::NOT_FOUND, who, "Not found."),
        StoreError::Forbidden(m) => error_page(StatusCode::FORBIDDEN, who, &m),
        StoreError::Full(m) => error_page(StatusCode::UNPROCESSABLE_ENTITY, who, &m),
        StoreError::Invalid { message, .. } => {
            error_page(StatusCode::UNPROCESSABLE_ENTITY, who, &message)
        }
    }
}

async fn index(State(ctx): State<Ctx>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = form(q.unwrap_or_default().as_bytes());
    let next = escape(safe_next(field(&params, "next")));
    let me = viewer(&ctx, &headers);
    let repo = repo_path(&ctx);
    let mut body = format!(
        "<h1>Janus local forge</h1><p>Repository: <a href=\"{0}/issues\">{1}</a> \
         (owned by <strong>{2}</strong>, the host's account).</p>",
        escape(&repo),
        escape(&ctx.store.repo.to_string()),
        escape(&ctx.store.repo.owner)
    );
    if let Some((u, token)) = &me {
        body.push_str(&format!(
            "<div class=\"box\"><div class=\"head\">Signed in as <strong>{0}</strong> (id {1})</div>\
             <div class=\"text\">API token (for scripts and the guest page): <code class=\"token\">{2}</code>\n\
             curl -H \"Authorization: Bearer {2}\" {3}/user</div>\
             <form method=\"post\" action=\"/logout\" class=\"text\"><button>Sign out</button></form></div>",
            escape(&u.login),
            u.id,
            escape(token),
            escape(&ctx.urls.api())
        ));
    }
    body.push_str(&format!(
        "<div class=\"box\"><div class=\"head\">Pick a user name</div><form method=\"post\" action=\"/login\" class=\"text\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label>User name <input type=\"text\" name=\"login\" required maxlength=\"44\" autocomplete=\"username\"></label>\
         <p><button>Sign in</button> No password: anyone who can reach this forge can use any name except the owner's.</p>"
    ));
    let others = ctx.store.guest_logins();
    if !others.is_empty() {
        body.push_str("<p>Or continue as: ");
        for login in others.iter().take(50) {
            body.push_str(&format!(
                "<button name=\"login\" value=\"{0}\">{0}</button> ",
                escape(login)
            ));
        }
        body.push_str("</p>");
    }
    body.push_str("</form></div>");
    if ctx.guest {
        // The two ways a guest starts a chat: flow A (open an issue, follow the host's
        // link) and flow B (the start link: two clicks, no paste).
        let repo_path: String =
            url::form_urlencoded::byte_serialize(ctx.store.repo.to_string().as_bytes()).collect();
        let api: String = url::form_urlencoded::byte_serialize(ctx.urls.api().as_bytes()).collect();
        body.push_str(&format!(
            "<div class=\"box\"><div class=\"head\">Chat with the maintainer</div><div class=\"text\">\
             <p><a href=\"/guest/#repo={repo_path}&amp;api={api}&amp;ice=\">Start a chat</a> from the \
             repository's start link: two clicks, no paste (flow B).</p>\
             <p>Or <a href=\"{0}/issues/new\">open an issue</a> and follow the link the maintainer's \
             Janus posts on it (flow A).</p></div></div>\
             <p>The guest page is served at <a href=\"/guest/\">/guest/</a>.</p>",
            escape(&format!("/{}", ctx.store.repo))
        ));
    }
    page(
        StatusCode::OK,
        layout(
            "Janus local forge",
            me.as_ref().map(|(u, _)| u.login.as_str()),
            &body,
        ),
    )
}

async fn login(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let f = form(&body);
    let login = field(&f, "login").unwrap_or("").trim();
    match ctx.store.register(login, false) {
        Ok((_, token)) => {
            let mut resp = redirect(safe_next(field(&f, "next")));
            let cookie =
                format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => store_error_page(e, None),
    }
}

async fn logout() -> Response {
    let mut resp = redirect("/");
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn repo_home(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    check_repo(
        &ctx,
        &owner,
        &repo,
        me.as_ref().map(|(u, _)| u.login.as_str()),
    )?;
    Ok(redirect(&format!("{}/issues", repo_path(&ctx))))
}

fn n_comments(n: u64) -> String {
    if n == 1 {
        "1 comment".to_string()
    } else {
        format!("{n} comments")
    }
}

fn issue_line(ctx: &Ctx, i: &IssueView) -> String {
    format!(
        "<li><span class=\"badge {0}\">{0}</span> <a href=\"{1}/issues/{2}\">{3}</a> #{2} opened by {4} · {5} · updated {6}</li>",
        if i.open { "open" } else { "closed" },
        escape(&repo_path(ctx)),
        i.number,
        escape(&i.title),
        escape(&i.user.login),
        n_comments(i.comments),
        timestamp(i.updated_at)
    )
}

async fn issue_list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let params = form(q.unwrap_or_default().as_bytes());
    let (filter, label) = match field(&params, "state") {
        Some("closed") => (StateFilter::Closed, "closed"),
        Some("all") => (StateFilter::All, "all"),
        _ => (StateFilter::Open, "open"),
    };
    let issues = ctx.store.list_issues(
        filter,
        &ListQuery {
            by_updated: false,
            descending: true,
            since: None,
        },
    );
    let (open, closed) = ctx.store.issue_count();
    let rp = escape(&repo_path(&ctx));
    let mut body = format!(
        "<h1>Issues in {0}</h1><p><a href=\"{rp}/issues/new\">New issue</a> · \
         <a href=\"{rp}/issues?state=open\">{open} open</a> · <a href=\"{rp}/issues?state=closed\">{closed} closed</a> · \
         <a href=\"{rp}/issues?state=all\">all</a></p><div class=\"box\"><div class=\"head\">Showing {label} issues</div><ul class=\"issues\">",
        escape(&ctx.store.repo.to_string())
    );
    for i in issues.iter().take(500) {
        body.push_str(&issue_line(&ctx, i));
    }
    if issues.is_empty() {
        body.push_str("<li>No issues here yet.</li>");
    }
    body.push_str("</ul></div>");
    Ok(page(
        StatusCode::OK,
        layout(&format!("Issues · {}", ctx.store.repo), who, &body),
    ))
}

fn new_issue_html(
    ctx: &Ctx,
    who: Option<&str>,
    title: &str,
    text: &str,
    problem: Option<&str>,
) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"notice\">{}</p>", escape(p)))
        .unwrap_or_default();
    let body = format!(
        "<h1>New issue in {0}</h1>{problem}<form method=\"post\" action=\"{1}/issues/new\" class=\"box text\">\
         <label>Title <input type=\"text\" name=\"title\" required maxlength=\"256\" value=\"{2}\"></label>\
         <label>Description <textarea name=\"body\">{3}</textarea></label><p><button>Submit new issue</button></p></form>",
        escape(&ctx.store.repo.to_string()),
        escape(&repo_path(ctx)),
        escape(title),
        escape(text)
    );
    layout(&format!("New issue · {}", ctx.store.repo), who, &body)
}

async fn new_issue_form(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let raw = q.unwrap_or_default();
    if me.is_none() {
        let here = if raw.is_empty() {
            format!("{}/issues/new", repo_path(&ctx))
        } else {
            format!("{}/issues/new?{raw}", repo_path(&ctx))
        };
        return Ok(sign_in_redirect(&here));
    }
    let params = form(raw.as_bytes());
    let title = field(&params, "title").unwrap_or("");
    let text = field(&params, "body").unwrap_or("");
    Ok(page(
        StatusCode::OK,
        new_issue_html(&ctx, who, title, text, None),
    ))
}

async fn new_issue(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let Some((user, _)) = &me else {
        return Ok(sign_in_redirect(&format!("{}/issues/new", repo_path(&ctx))));
    };
    let f = form(&body);
    let title = field(&f, "title").unwrap_or("");
    let text = field(&f, "body").unwrap_or("");
    match ctx.store.create_issue(user.id, title, text) {
        Ok(issue) => Ok(redirect(&format!(
            "{}/issues/{}",
            repo_path(&ctx),
            issue.number
        ))),
        Err(StoreError::Invalid { message, .. }) => Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            new_issue_html(&ctx, who, title, text, Some(&message)),
        )),
        Err(e) => Err(store_error_page(e, who)),
    }
}

fn comment_box(author: &UserView, anchor: &str, link: &str, when: i64, text: &str) -> String {
    let assoc = match author.role.association() {
        "NONE" => String::new(),
        a => format!(" <span class=\"badge\">{}</span>", a.to_ascii_lowercase()),
    };
    format!(
        "<div class=\"box\" id=\"{0}\"><div class=\"head\"><strong>{1}</strong>{assoc} commented \
         <a href=\"{2}\">{3}</a></div><div class=\"text\">{4}</div></div>",
        escape(anchor),
        escape(&author.login),
        escape(link),
        timestamp(when),
        render_text(text)
    )
}

async fn issue_page(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo, n)): Path<(String, String, String)>,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let number = issue_number(&n, who)?;
    let issue = ctx
        .store
        .issue(number)
        .map_err(|e| store_error_page(e, who))?;
    let q = ListQuery {
        by_updated: false,
        descending: false,
        since: None,
    };
    let comments = ctx
        .store
        .list_comments(Some(number), &q)
        .map_err(|e| store_error_page(e, who))?;
    let rp = repo_path(&ctx);
    let here = format!("{rp}/issues/{number}");
    // Same-origin path (not the absolute URL), so the page works under any host name.
    let api = format!("/api/v3/repos{rp}/issues/{number}");
    let state = if issue.open { "open" } else { "closed" };
    let mut body = format!(
        "<div id=\"live\" data-api=\"{0}\" hidden></div>\
         <p id=\"live-notice\" class=\"notice\" hidden>New activity on this issue: <a href=\"{1}\">reload</a> to see it.</p>\
         <p><a href=\"{2}/issues\">← all issues</a></p><h1>{3} <span>#{number}</span></h1>\
         <p><span class=\"badge {state}\">{state}</span> <strong>{4}</strong> opened this issue {5} · {6}</p>",
        escape(&api),
        escape(&here),
        escape(&rp),
        escape(&issue.title),
        escape(&issue.user.login),
        timestamp(issue.created_at),
        n_comments(issue.comments)
    );
    let text = if issue.body.is_empty() {
        "No description provided."
    } else {
        issue.body.as_str()
    };
    body.push_str(&comment_box(
        &issue.user,
        "issue-body",
        &here,
        issue.created_at,
        text,
    ));
    // Bounded page size: the newest comments are the ones a conversation needs.
    let skipped = comments.len().saturating_sub(MAX_SHOWN_COMMENTS);
    if skipped > 0 {
        body.push_str(&format!(
            "<p class=\"notice\">{skipped} older comments are not shown; the API lists them all.</p>"
        ));
    }
    for c in comments.iter().skip(skipped) {
        let anchor = format!("issuecomment-{}", c.id);
        body.push_str(&comment_box(
            &c.user,
            &anchor,
            &comment_html_url(&ctx.urls, &ctx.store, c),
            c.created_at,
            &c.body,
        ));
    }
    match &me {
        Some((u, _)) => {
            body.push_str(&format!(
                "<form method=\"post\" action=\"{0}/comments\" id=\"new_comment_form\" class=\"box text\">\
                 <label for=\"new_comment_field\">Add a comment as <strong>{1}</strong></label>\
                 <textarea name=\"body\" id=\"new_comment_field\" maxlength=\"65536\"></textarea>\
                 <p><button>Comment</button></p></form>",
                escape(&here),
                escape(&u.login)
            ));
            if u.id == issue.user.id || u.role.can_triage() {
                let (to, label) = if issue.open {
                    ("closed", "Close issue")
                } else {
                    ("open", "Reopen issue")
                };
                body.push_str(&format!(
                    "<form method=\"post\" action=\"{}/state\"><input type=\"hidden\" name=\"state\" value=\"{to}\">\
                     <button>{label}</button></form>",
                    escape(&here)
                ));
            }
        }
        None => {
            let next: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &here)
                .finish();
            body.push_str(&format!(
                "<div id=\"new_comment_form\" class=\"box text\"><a href=\"/?{}\">Pick a user name</a> to comment.</div>",
                escape(&next)
            ));
        }
    }
    Ok(page(
        StatusCode::OK,
        layout(&format!("{} · Issue #{number}", issue.title), who, &body),
    ))
}

async fn add_comment(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo, n)): Path<(String, String, String)>,
    body: Bytes,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let number = issue_number(&n, who)?;
    let here = format!("{}/issues/{number}", repo_path(&ctx));
    let Some((user, _)) = &me else {
        return Ok(sign_in_redirect(&here));
    };
    let f = form(&body);
    let c = ctx
        .store
        .create_comment(user.id, number, field(&f, "body").unwrap_or(""))
        .map_err(|e| store_error_page(e, who))?;
    Ok(redirect(&format!("{here}#issuecomment-{}", c.id)))
}

async fn set_state(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((owner, repo, n)): Path<(String, String, String)>,
    body: Bytes,
) -> WebResult {
    let me = viewer(&ctx, &headers);
    let who = me.as_ref().map(|(u, _)| u.login.as_str());
    check_repo(&ctx, &owner, &repo, who)?;
    let number = issue_number(&n, who)?;
    let here = format!("{}/issues/{number}", repo_path(&ctx));
    let Some((user, _)) = &me else {
        return Ok(sign_in_redirect(&here));
    };
    let open = match field(&form(&body), "state") {
        Some("open") => true,
        Some("closed") => false,
        _ => {
            return Err(error_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                who,
                "state must be open or closed",
            ))
        }
    };
    ctx.store
        .update_issue(user.id, number, None, None, Some(open))
        .map_err(|e| store_error_page(e, who))?;
    Ok(redirect(&here))
}
