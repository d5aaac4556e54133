//! The forge's web side: escaping of hostile input, the sign-in / new issue / comment flow,
//! CORS for the guest page, and the guest page's security headers.

use crate::support::*;
use janus::forge::Forge;

#[tokio::test]
async fn web_pages_escape_hostile_input() {
    let forge = forge().await;
    let (_, token) = forge.create_user("mallory");
    let mallory = client(&forge, &token);
    let issue = mallory
        .create_issue("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
        .await
        .unwrap();
    mallory
        .post_comment(
            issue.number,
            "see http://x.test/\"><script>alert(2)</script> and javascript:alert(3)",
        )
        .await
        .unwrap();
    for path in ["/maintainer/demo/issues", "/maintainer/demo/issues/1"] {
        let r = raw(&forge, "GET", path, &[], None).await;
        assert_eq!(r.status, 200);
        assert!(
            r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}"
        );
        assert!(!r.body.contains("<script>alert"), "{path}: {}", r.body);
        assert!(!r.body.contains("<img"), "{path}");
        assert!(r
            .header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'"));
    }
    let page = raw(&forge, "GET", "/maintainer/demo/issues/1", &[], None).await;
    assert!(
        page.body
            .contains("<a href=\"http://x.test/\" rel=\"nofollow noopener noreferrer\">"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("href=\"javascript"));
    forge.shutdown().await;
}

#[tokio::test]
async fn web_flow_signs_in_opens_an_issue_and_comments() {
    let forge = forge().await;
    let r = raw(
        &forge,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some("login=dave&next=%2Fmaintainer%2Fdemo%2Fissues"),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/maintainer/demo/issues"));
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("forge_user=lf_"));
    let home = raw(&forge, "GET", "/", &[("Cookie", &cookie)], None).await;
    assert!(
        home.body.contains(cookie.trim_start_matches("forge_user=")),
        "the token is shown for curl"
    );

    let form = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let r = raw(
        &forge,
        "POST",
        "/maintainer/demo/issues/new",
        &form,
        Some("title=Chat%3F&body=line1%0Aline2"),
    )
    .await;
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/maintainer/demo/issues/1"))
    );
    let r = raw(
        &forge,
        "POST",
        "/maintainer/demo/issues/1/comments",
        &form,
        Some("body=hello+there"),
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/maintainer/demo/issues/1#issuecomment-"));
    let page = raw(
        &forge,
        "GET",
        "/maintainer/demo/issues/1",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    assert!(page.body.contains("line1\nline2") && page.body.contains("hello there"));
    assert!(page.body.contains("Close issue"), "the author may close");
    let r = raw(
        &forge,
        "POST",
        "/maintainer/demo/issues/1/state",
        &form,
        Some("state=closed"),
    )
    .await;
    assert_eq!(r.status, 303);
    let host = client(&forge, &forge.host_token());
    assert_eq!(host.issue(1).await.unwrap().state, "closed");

    // Prefilled new-issue form (GitHub's ?title=&body=) and no open redirect after sign-in.
    let r = raw(
        &forge,
        "GET",
        "/maintainer/demo/issues/new?title=%3Cb%3Ehi&body=janus1.o.abc",
        &[("Cookie", &cookie)],
        None,
    )
    .await;
    assert!(r.body.contains("value=\"&lt;b&gt;hi\"") && r.body.contains("janus1.o.abc"));
    let r = raw(
        &forge,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some("login=dave&next=%2F%2Fevil.test"),
    )
    .await;
    assert_eq!(r.header("location"), Some("/"));
    let r = raw(
        &forge,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some("login=maintainer"),
    )
    .await;
    assert_eq!(
        r.status, 403,
        "nobody signs in as the owner through the web"
    );
    forge.shutdown().await;
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let forge = forge().await;
    let r = raw(
        &forge,
        "OPTIONS",
        "/api/v3/repos/maintainer/demo/issues/1/comments",
        &[
            ("Origin", "https://guest.example"),
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "authorization, if-none-match",
            ),
        ],
        None,
    )
    .await;
    assert!(r.status == 200 || r.status == 204, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("if-none-match"),
        "{allowed}"
    );
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));

    let r = raw(
        &forge,
        "GET",
        "/api/v3/repos/maintainer/demo",
        &[("Origin", "https://guest.example")],
        None,
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for h in ["etag", "link", "x-ratelimit-remaining"] {
        assert!(exposed.contains(h), "{exposed}");
    }
    forge.shutdown().await;
}

#[tokio::test]
async fn guest_page_is_served_with_a_strict_csp() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>guest</title>",
    )
    .unwrap();
    let forge = forge_with(Some(dir.path().to_path_buf())).await;
    assert!(forge.pages_url().ends_with("/guest/"));
    let r = raw(&forge, "GET", "/guest/", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<title>guest</title>"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("connect-src 'self'")
            && csp.contains("script-src 'self'")
            && !csp.contains("'unsafe-eval'")
    );
    assert_eq!(
        raw(&forge, "GET", "/guest", &[], None)
            .await
            .header("location"),
        Some("/guest/")
    );
    assert_eq!(
        raw(&forge, "GET", "/guest/missing.js", &[], None)
            .await
            .status,
        404
    );
    forge.shutdown().await;
}
