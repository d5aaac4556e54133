//! The GitHub client against the embedded forge over loopback: identity, conditional
//! polling (304s), de-duplication, pagination, comment writes, error mapping, the web pages'
//! escaping, CORS, the guest page's headers, the local-only rate-limit hook. Raw HTTP goes
//! through a tiny client on a `TcpStream`, so the server is exercised exactly as a browser
//! or `curl` would.

use std::time::Duration;

use janus::forge::github::GitHubClient;
use janus::forge::{Forge, ForgeError, RepoName};
use support::*;
use tokio::net::TcpStream;

#[path = "forge_http/support.rs"]
mod support;
#[path = "forge_http/web.rs"]
mod web;

#[tokio::test]
async fn identity_and_permissions() {
    let forge = forge().await;
    let host = client(&forge, &forge.host_token());
    let me = host.current_user().await.unwrap();
    assert_eq!(
        (me.login.as_str(), me.kind.as_str()),
        ("maintainer", "User")
    );
    let r = host.repository().await.unwrap();
    assert_eq!(r.full_name, "maintainer/demo");
    assert!(r.has_issues);
    let p = r
        .permissions
        .expect("authenticated requests see permissions");
    assert!(p.admin && p.push && p.pull);

    let (alice, token) = forge.create_user("alice");
    let guest = client(&forge, &token);
    assert_eq!(guest.current_user().await.unwrap(), alice);
    let p = guest.repository().await.unwrap().permissions.unwrap();
    assert!(!p.push && p.pull);

    let rl = host.last_rate_limit().expect("rate-limit headers are read");
    assert_eq!(rl.limit, 5000);
    assert!(rl.remaining < 5000 && rl.reset > 0);
    forge.shutdown().await;
}

#[tokio::test]
async fn polling_sees_each_issue_once_and_idle_polls_are_free_304s() {
    let forge = forge().await;
    let host = client(&forge, &forge.host_token());
    let (_, token) = forge.create_user("alice");
    let alice = client(&forge, &token);

    assert!(host.poll_issues().await.unwrap().is_empty());
    let issue = alice.create_issue("Can we chat?", "hi").await.unwrap();
    assert_eq!(issue.author_association, "NONE");
    assert!(
        issue.html_url.ends_with("/maintainer/demo/issues/1"),
        "{}",
        issue.html_url
    );

    let seen = host.poll_issues().await.unwrap();
    assert_eq!(seen.iter().map(|i| i.number).collect::<Vec<_>>(), vec![1]);
    let before = host.last_rate_limit().unwrap().remaining;
    for _ in 0..3 {
        assert!(
            host.poll_issues().await.unwrap().is_empty(),
            "seen once only"
        );
    }
    assert_eq!(
        host.last_rate_limit().unwrap().remaining,
        before,
        "idle polls were 304s, which cost nothing"
    );

    // De-dup inside the overlap window: a second issue is reported alone.
    alice.create_issue("Another one", "").await.unwrap();
    let seen = host.poll_issues().await.unwrap();
    assert_eq!(seen.iter().map(|i| i.number).collect::<Vec<_>>(), vec![2]);

    // Closed issues are not polled; re-opening brings the issue back with a new updated_at.
    host.close_issue(1).await.unwrap();
    assert!(host.poll_issues().await.unwrap().is_empty());
    let n1 = forge.repo().to_string();
    assert_eq!(n1, "maintainer/demo");
    let r = raw(
        &forge,
        "PATCH",
        "/api/v3/repos/maintainer/demo/issues/1",
        &[("Authorization", &format!("token {token}"))],
        Some(r#"{"state":"open"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let seen = host.poll_issues().await.unwrap();
    assert_eq!(seen.iter().map(|i| i.number).collect::<Vec<_>>(), vec![1]);
    assert_ne!(seen[0].updated_at, issue.updated_at);
    forge.shutdown().await;
}

#[tokio::test]
async fn conditional_requests_answer_304_with_an_empty_body() {
    let forge = forge().await;
    forge.open_issue("alice", "hello", "").unwrap();
    let path = "/api/v3/repos/maintainer/demo/issues?state=open";
    let first = raw(&forge, "GET", path, &[], None).await;
    assert_eq!(first.status, 200);
    let etag = first
        .header("etag")
        .expect("GETs carry an ETag")
        .to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert!(first.header("date").is_some());
    let used = first.header("x-ratelimit-used").unwrap().to_string();
    let again = raw(&forge, "GET", path, &[("If-None-Match", &etag)], None).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(
        again.header("x-ratelimit-used"),
        Some(used.as_str()),
        "304s are not counted"
    );
    assert!(again.header("date").is_some());
    forge.shutdown().await;
}

#[tokio::test]
async fn comments_post_edit_and_poll_with_dedup() {
    let forge = forge().await;
    let host = client(&forge, &forge.host_token());
    let (_, token) = forge.create_user("alice");
    let alice = client(&forge, &token);
    let issue = alice.create_issue("hi", "").await.unwrap();

    assert!(host.poll_comments().await.unwrap().is_empty());
    let c = host
        .post_comment(
            issue.number,
            "Hello @alice <!-- janus:offer sid=0123456789abcdef -->",
        )
        .await
        .unwrap();
    assert_eq!(c.author_association, "OWNER");
    assert_eq!(c.issue_number(), Some(issue.number));
    assert_eq!(
        c.html_url,
        format!("{}#issuecomment-{}", issue.html_url, c.id)
    );
    let answer = alice
        .post_comment(issue.number, "janus1.a.xyz")
        .await
        .unwrap();
    assert_eq!(answer.author_association, "NONE");

    let seen = host.poll_comments().await.unwrap();
    assert_eq!(
        seen.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![c.id, answer.id],
        "oldest first"
    );
    assert!(host.poll_comments().await.unwrap().is_empty());

    let edited = host
        .edit_comment(c.id, "connected, link used")
        .await
        .unwrap();
    assert_ne!(
        edited.updated_at, c.updated_at,
        "an edit always moves updated_at"
    );
    let seen = host.poll_comments().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, "connected, link used");
    assert!(host.poll_comments().await.unwrap().is_empty());

    // Someone else's comment cannot be edited by alice.
    match alice.edit_comment(c.id, "pwned").await {
        Err(ForgeError::Forbidden { .. }) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
    // The comment's anchor exists on the issue page.
    let page = raw(&forge, "GET", "/maintainer/demo/issues/1", &[], None).await;
    assert!(page.body.contains(&format!("id=\"issuecomment-{}\"", c.id)));
    assert!(page.body.contains("id=\"new_comment_form\""));
    assert!(
        !page.body.contains("janus:offer"),
        "HTML comments are hidden like on GitHub"
    );
    forge.shutdown().await;
}

#[tokio::test]
async fn pagination_follows_link_headers() {
    let forge = forge().await;
    let host = client(&forge, &forge.host_token());
    let issue = forge.open_issue("alice", "many comments", "").unwrap();
    for i in 0..120 {
        host.post_comment(issue.number, &format!("comment {i}"))
            .await
            .unwrap();
    }
    let r = raw(
        &forge,
        "GET",
        "/api/v3/repos/maintainer/demo/issues/comments?per_page=100",
        &[],
        None,
    )
    .await;
    let link = r
        .header("link")
        .expect("a Link header on a paginated list")
        .to_string();
    assert!(
        link.contains("page=2>; rel=\"next\"") && link.contains("rel=\"last\""),
        "{link}"
    );
    assert_eq!(json(&r).as_array().unwrap().len(), 100);
    let r2 = raw(
        &forge,
        "GET",
        "/api/v3/repos/maintainer/demo/issues/comments?per_page=100&page=2",
        &[],
        None,
    )
    .await;
    assert_eq!(json(&r2).as_array().unwrap().len(), 20);
    assert!(r2.header("link").unwrap().contains("rel=\"prev\""));

    let mut fresh = client(&forge, &forge.host_token());
    fresh.set_backlog(Duration::from_secs(3600));
    let all = fresh.poll_comments().await.unwrap();
    assert_eq!(all.len(), 120);
    assert_eq!(all.last().unwrap().body, "comment 119");
    assert!(fresh.poll_comments().await.unwrap().is_empty());
    forge.shutdown().await;
}

#[tokio::test]
async fn errors_map_to_actionable_forge_errors() {
    let forge = forge().await;
    let bad = client(&forge, "lf_not_a_token");
    assert!(matches!(
        bad.current_user().await,
        Err(ForgeError::BadToken)
    ));
    assert!(matches!(bad.poll_issues().await, Err(ForgeError::BadToken)));
    let r = raw(
        &forge,
        "GET",
        "/api/v3/user",
        &[("Authorization", "Bearer nope")],
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(json(&r)["message"], "Bad credentials");

    let wrong = GitHubClient::new(
        &forge.api_url(),
        Some(forge.host_token()),
        RepoName::parse("maintainer/nope").unwrap(),
    )
    .unwrap();
    assert!(matches!(
        wrong.repository().await,
        Err(ForgeError::NotFound { .. })
    ));
    let host = client(&forge, &forge.host_token());
    assert!(matches!(
        host.issue(99).await,
        Err(ForgeError::NotFound { .. })
    ));
    let r = raw(&forge, "GET", "/api/v3/nothing/here", &[], None).await;
    assert_eq!(
        (r.status, json(&r)["message"].as_str()),
        (404, Some("Not Found"))
    );

    match host.create_issue(&"x".repeat(257), "").await {
        Err(ForgeError::Other { status: 422, what }) => {
            assert!(what.contains("Validation Failed"), "{what}")
        }
        other => panic!("expected 422, got {other:?}"),
    }
    let r = raw(
        &forge,
        "POST",
        "/api/v3/repos/maintainer/demo/issues",
        &[],
        Some(r#"{"title":"anon"}"#),
    )
    .await;
    assert_eq!(r.status, 401, "writes need a token");

    let (_, token) = forge.create_user("alice");
    let alice = client(&forge, &token);
    forge.set_rate_limit_remaining("alice", 0).unwrap();
    match alice.current_user().await {
        Err(ForgeError::RateLimited { retry_after_secs }) => {
            assert!((1..=3600).contains(&retry_after_secs))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(alice.last_rate_limit().unwrap().remaining, 0);

    let down = GitHubClient::new("http://127.0.0.1:9/api/v3", None, repo()).unwrap();
    assert!(matches!(
        down.current_user().await,
        Err(ForgeError::Network { .. })
    ));
    forge.shutdown().await;
}

#[tokio::test]
async fn registration_endpoint_is_idempotent_and_protects_the_owner() {
    let forge = forge().await;
    let post = |body: &'static str| {
        raw(
            &forge,
            "POST",
            "/api/v3/_forge/users",
            &[("Content-Type", "application/json")],
            Some(body),
        )
    };
    let a = post(r#"{"login":"carol"}"#).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b = post(r#"{"login":"Carol"}"#).await;
    let (a, b) = (json(&a), json(&b));
    assert_eq!(a["id"], b["id"]);
    assert_ne!(a["token"], b["token"]);
    for v in [&a, &b] {
        let c = client(&forge, v["token"].as_str().unwrap());
        assert_eq!(c.current_user().await.unwrap().login, "carol");
    }
    assert_eq!(post(r#"{"login":"maintainer"}"#).await.status, 403);
    assert_eq!(post(r#"{"login":"<script>"}"#).await.status, 422);
    assert_eq!(post("not json").await.status, 400);
    forge.shutdown().await;
}

#[tokio::test]
async fn the_rate_limit_hook_spends_only_the_callers_own_budget_and_never_raises_it() {
    let forge = forge().await;
    let (_, token) = forge.create_user("alice");
    let bearer = format!("Bearer {token}");
    let lower = |body: &'static str, auth: Option<String>| {
        let forge = &forge;
        async move {
            let mut headers = vec![("Content-Type", "application/json".to_string())];
            if let Some(a) = auth {
                headers.push(("Authorization", a));
            }
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            raw(
                forge,
                "POST",
                "/api/v3/_forge/rate_limit",
                &headers,
                Some(body),
            )
            .await
        }
    };
    let repo = "/api/v3/repos/maintainer/demo";
    assert_eq!(raw(&forge, "GET", repo, &[], None).await.status, 200);
    let r = lower(r#"{"remaining":0}"#, None).await;
    assert_eq!(
        (r.status, json(&r)["remaining"].as_u64()),
        (200, Some(0)),
        "{}",
        r.body
    );
    // The next request without a token meets the forge's own exhaustion answer.
    let r = raw(&forge, "GET", repo, &[], None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        reset > now && reset <= now + 3600,
        "reset {reset}, now {now}"
    );
    assert!(json(&r)["message"]
        .as_str()
        .unwrap()
        .contains("rate limit exceeded"));
    // It never raises a budget back.
    let r = lower(r#"{"remaining":1000}"#, None).await;
    assert_eq!(json(&r)["remaining"].as_u64(), Some(0));
    assert_eq!(raw(&forge, "GET", repo, &[], None).await.status, 403);
    // Alice's account is another budget, untouched; she can spend her own.
    let auth = [("Authorization", bearer.as_str())];
    assert_eq!(raw(&forge, "GET", repo, &auth, None).await.status, 200);
    let r = lower(r#"{"remaining":2}"#, Some(bearer.clone())).await;
    assert_eq!(json(&r)["remaining"].as_u64(), Some(2));
    assert_eq!(raw(&forge, "GET", repo, &auth, None).await.status, 200);
    assert_eq!(raw(&forge, "GET", repo, &auth, None).await.status, 200);
    assert_eq!(raw(&forge, "GET", repo, &auth, None).await.status, 403);
    // Bad input is refused in GitHub's words.
    assert_eq!(
        lower(r#"{"remaining":-1}"#, Some(bearer.clone()))
            .await
            .status,
        422
    );
    assert_eq!(lower("not json", Some(bearer)).await.status, 400);
    forge.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let forge = forge().await;
    let addr = forge
        .web_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    forge.shutdown().await;
    let refused = tokio::time::timeout(LIMIT, TcpStream::connect(&addr))
        .await
        .unwrap();
    assert!(refused.is_err(), "nothing listens after shutdown");
}
