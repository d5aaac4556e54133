//! Forge fidelity: the embedded forge's answers for every endpoint Janus (and its guest
//! page) uses are validated against GitHub's official OpenAPI description, the npm package
//! `@octokit/openapi` (pinned in package.json; `npm ci` installs it). And the other way
//! round: every request the GitHub client sends must be an operation of that description,
//! with declared query parameters and valid values. So neither side can drift from GitHub.

mod openapi;
#[allow(dead_code)]
#[path = "forge_http/support.rs"]
mod support;

use std::time::Duration;

use janus::forge::github::GitHubClient;
use janus::forge::local::LocalForge;
use janus::forge::Forge;
use openapi::Spec;
use serde_json::{json, Value};
use support::{forge, raw, repo};

/// Requests to the embedded forge, each answer checked against GitHub's description;
/// what does not match is collected in `errors`.
struct Fidelity<'a> {
    spec: &'a Spec,
    forge: &'a LocalForge,
    errors: Vec<String>,
}

impl Fidelity<'_> {
    /// [`Self::check`] for a GET.
    async fn get(&mut self, path: &str, token: Option<&str>, expect: u16) -> Value {
        self.check("GET", path, token, None, expect).await
    }

    /// Sends one request and checks its answer against the description; returns the body.
    async fn check(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let (spec, forge, errors) = (self.spec, self.forge, &mut self.errors);
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Accept", "application/vnd.github+json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        let text = body.as_ref().map(Value::to_string);
        if text.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let resp = raw(
            forge,
            method,
            &format!("/api/v3{path}"),
            &headers,
            text.as_deref(),
        )
        .await;
        let what = format!("{method} {path} → {}", resp.status);
        if resp.status != expect {
            errors.push(format!("{what}: expected {expect}: {}", resp.body));
            return Value::Null;
        }
        let plain = path.split('?').next().unwrap_or(path);
        let Some(template) = spec.template_for(method, plain) else {
            errors.push(format!("{what}: no such operation in GitHub's description"));
            return Value::Null;
        };
        let value: Value = if resp.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&resp.body).unwrap_or(Value::Null)
        };
        if resp.status == 304 {
            if !resp.body.is_empty() {
                errors.push(format!("{what}: a 304 carries no body"));
            }
            return value;
        }
        let op = spec
            .operation(method, &template)
            .expect("the template has the method");
        let schema = match spec.response_schema(op, resp.status) {
            Some(s) => s.clone(),
            // Undocumented errors (GitHub sends them anyway) use the common error shape.
            None if resp.status >= 400 => json!({ "$ref": "#/components/schemas/basic-error" }),
            None => {
                errors.push(format!(
                    "{what}: GitHub documents no {} answer here",
                    resp.status
                ));
                return value;
            }
        };
        for e in spec.validate(&schema, &value) {
            errors.push(format!("{what} ({template}): {e}"));
        }
        value
    }
}

#[tokio::test]
async fn every_endpoint_janus_uses_answers_in_githubs_shapes() {
    let spec = Spec::load();
    let forge = forge().await;
    let host = forge.host_token();
    let (_, alice) = forge.create_user("alice");
    let mut f = Fidelity {
        spec: &spec,
        forge: &forge,
        errors: Vec::new(),
    };
    let (h, a) = (Some(host.as_str()), Some(alice.as_str()));
    let r = "/repos/maintainer/demo";

    // Writes first, so the lists below have content of every kind.
    let issue = f
        .check(
            "POST",
            &format!("{r}/issues"),
            a,
            Some(json!({"title": "Chat?", "body": "hi", "labels": ["chat"]})),
            201,
        )
        .await;
    assert_eq!(issue["number"], 1, "{:#?}", f.errors);
    f.check(
        "POST",
        &format!("{r}/issues"),
        h,
        Some(json!({"title": "[chat] labelled", "labels": ["chat"]})),
        201,
    )
    .await;
    f.check(
        "POST",
        &format!("{r}/issues/2/labels"),
        h,
        Some(json!({"labels": ["help wanted"]})),
        200,
    )
    .await;
    f.check(
        "PATCH",
        &format!("{r}/issues/1"),
        a,
        Some(json!({"state": "closed"})),
        200,
    )
    .await;
    let reopened = f
        .check(
            "PATCH",
            &format!("{r}/issues/1"),
            a,
            Some(json!({"state": "open"})),
            200,
        )
        .await;
    assert_eq!(reopened["state_reason"], "reopened");
    let offer = f
        .check(
            "POST",
            &format!("{r}/issues/1/comments"),
            h,
            Some(json!({"body": "Hi @alice <!-- janus:offer sid=0123456789abcdef -->"})),
            201,
        )
        .await;
    f.check(
        "POST",
        &format!("{r}/issues/1/comments"),
        a,
        Some(json!({"body": "janus1.a.xyz"})),
        201,
    )
    .await;
    let id = offer["id"].as_u64().unwrap_or(0);
    f.check(
        "PATCH",
        &format!("{r}/issues/comments/{id}"),
        h,
        Some(json!({"body": "connected"})),
        200,
    )
    .await;

    // Reads, as the host and as an anonymous guest page.
    for token in [h, a] {
        f.get("/user", token, 200).await;
    }
    f.get(r, h, 200).await;
    f.get(r, None, 200).await;
    f.get(&format!("{r}/issues/1"), None, 200).await;
    f.get(&format!("{r}/issues/1/comments"), None, 200).await;
    f.get(&format!("{r}/issues/comments/{id}"), None, 200).await;
    f.get(
        &format!(
            "{r}/issues/comments?sort=updated&direction=asc&since=2020-01-01T00:00:00Z&per_page=1"
        ),
        h,
        200,
    )
    .await;
    f.get(&format!("{r}/issues?state=open&sort=updated&direction=desc&since=2020-01-01T00:00:00Z&per_page=100"), h, 200).await;
    f.get(&format!("{r}/issues/events?per_page=100"), h, 200)
        .await;
    f.get("/rate_limit", h, 200).await;
    // Labels (the presence issue's), and the labelled search the page makes.
    let label = json!({"name": "janus-presence", "color": "0e8a16", "description": "presence"});
    let labels = format!("{r}/labels");
    f.check("POST", &labels, h, Some(label.clone()), 201).await;
    f.check("POST", &labels, h, Some(label), 422).await;
    f.get(&format!("{labels}/janus-presence"), None, 200).await;
    f.get(&format!("{labels}/nope"), None, 404).await;
    f.get(&labels, None, 200).await;
    let search = format!("{r}/issues?labels=janus-presence&state=open&per_page=5");
    f.get(&search, None, 200).await;

    // Errors in GitHub's words.
    f.get("/user", None, 401).await;
    f.get("/repos/maintainer/nope", h, 404).await;
    f.check(
        "POST",
        &format!("{r}/issues"),
        a,
        Some(json!({"title": "x".repeat(300)})),
        422,
    )
    .await;
    f.check(
        "POST",
        &format!("{r}/issues/1/comments"),
        a,
        Some(json!({"body": " "})),
        422,
    )
    .await;
    f.check(
        "PATCH",
        &format!("{r}/issues/comments/{id}"),
        a,
        Some(json!({"body": "pwned"})),
        403,
    )
    .await;
    forge.set_rate_limit_remaining("alice", 0).unwrap();
    f.get("/user", a, 403).await;

    assert!(
        f.errors.is_empty(),
        "the embedded forge drifted from GitHub's description:\n{}",
        f.errors.join("\n")
    );
    forge.shutdown().await;
}

#[tokio::test]
async fn conditional_and_paginated_answers_carry_githubs_headers() {
    let forge = forge().await;
    let host = format!("Bearer {}", forge.host_token());
    forge.open_issue("alice", "one", "").unwrap();
    forge.open_issue("alice", "two", "").unwrap();
    let path = "/api/v3/repos/maintainer/demo/issues?per_page=1";
    let first = raw(&forge, "GET", path, &[("Authorization", &host)], None).await;
    for h in [
        "etag",
        "link",
        "date",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    ] {
        assert!(
            first.header(h).is_some(),
            "missing {h}: {:?}",
            first.headers
        );
    }
    let etag = first.header("etag").unwrap().to_string();
    let again = raw(
        &forge,
        "GET",
        path,
        &[("Authorization", &host), ("If-None-Match", &etag)],
        None,
    )
    .await;
    assert_eq!(again.status, 304);
    assert_eq!(
        again.header("x-ratelimit-used"),
        first.header("x-ratelimit-used"),
        "304s are free"
    );
    forge.shutdown().await;
}

#[tokio::test]
async fn every_request_the_client_sends_is_a_github_operation() {
    let spec = Spec::load();
    let forge = forge().await;
    let (_, alice_token) = forge.create_user("alice");
    let host = GitHubClient::new(&forge.api_url(), Some(forge.host_token()), repo()).unwrap();
    let alice = GitHubClient::new(&forge.api_url(), Some(alice_token), repo()).unwrap();

    // Everything the host and the tests' guests do.
    host.current_user().await.unwrap();
    host.repository().await.unwrap();
    host.poll_issues().await.unwrap();
    host.poll_comments().await.unwrap();
    let issue = alice.create_issue("Chat?", "hi").await.unwrap();
    host.poll_issues().await.unwrap();
    let c = host
        .post_comment(
            issue.number,
            "link <!-- janus:offer sid=0123456789abcdef -->",
        )
        .await
        .unwrap();
    alice
        .post_comment(issue.number, "janus1.a.x")
        .await
        .unwrap();
    host.poll_comments().await.unwrap();
    host.edit_comment(c.id, "used <!-- janus:offer sid=0123456789abcdef -->")
        .await
        .unwrap();
    assert!(host
        .find_comment(issue.number, "sid=0123456789abcdef")
        .await
        .unwrap()
        .is_some());
    host.issue(issue.number).await.unwrap();
    // Flow B and the presence issue (issue #9): body edits, labels, labelled search.
    host.edit_issue_body(issue.number, "offer removed")
        .await
        .unwrap();
    host.ensure_label("janus-presence", "0e8a16", "presence")
        .await
        .unwrap();
    host.ensure_label("janus-presence", "0e8a16", "presence")
        .await
        .unwrap();
    let p = host
        .create_labelled_issue("Presence", "online", &["janus-presence"])
        .await
        .unwrap();
    let found = host
        .find_labelled_issue("janus-presence", "maintainer")
        .await
        .unwrap();
    assert_eq!(found.map(|i| i.number), Some(p.number));
    host.close_issue(issue.number).await.unwrap();
    forge.set_issue_open("alice", issue.number, true).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let seen = host.poll_issues().await.unwrap();
    assert!(
        seen[0].reopened_at.is_some(),
        "the re-open was read from the issue events"
    );

    let mut errors = Vec::new();
    let log = forge.request_log();
    for req in &log {
        let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
        let path = path.trim_start_matches("/api/v3");
        let Some(template) = spec.template_for(&req.method, path) else {
            errors.push(format!("{} {path}: not a GitHub operation", req.method));
            continue;
        };
        let op = spec.operation(&req.method, &template).unwrap();
        let params = spec.query_params(op);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match params.get(name.as_ref()) {
                None => errors.push(format!(
                    "{} {template}: `{name}` is not a parameter of this operation",
                    req.method
                )),
                Some(schema) => {
                    let typed = match schema["type"].as_str() {
                        Some("integer") => value
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or(Value::String(value.to_string())),
                        _ => Value::String(value.to_string()),
                    };
                    for e in spec.validate(schema, &typed) {
                        errors.push(format!("{} {template} `{name}={value}`: {e}", req.method));
                    }
                }
            }
        }
    }
    let operations: std::collections::BTreeSet<String> = log
        .iter()
        .map(|r| format!("{} {}", r.method, r.path.split('?').next().unwrap_or("")))
        .collect();
    assert!(
        operations.len() >= 10,
        "the client exercised its endpoints: {operations:#?}"
    );
    assert!(
        errors.is_empty(),
        "the client drifted from GitHub's description:\n{}",
        errors.join("\n")
    );
    forge.shutdown().await;
}

/// The validator is not vacuous: typical drifts are caught.
#[test]
fn the_validator_catches_drift() {
    let spec = Spec::load();
    let issue = json!({ "$ref": "#/components/schemas/issue" });
    let errors = spec.validate(&issue, &json!({ "id": 1, "number": "1", "invented": true }));
    let text = errors.join("\n");
    assert!(
        text.contains("missing required property `node_id`"),
        "{text}"
    );
    assert!(text.contains("$.number: expected integer"), "{text}");
    assert!(
        text.contains("`invented` is not in GitHub's schema"),
        "{text}"
    );
    let comment = json!({ "$ref": "#/components/schemas/issue-comment" });
    let bad_date = json!({ "id": 1, "node_id": "n", "html_url": "https://x", "issue_url": "https://x",
        "user": null, "url": "https://x", "created_at": "yesterday", "updated_at": "2024-01-01T00:00:00Z" });
    assert!(spec
        .validate(&comment, &bad_date)
        .join("\n")
        .contains("not a valid date-time"));
    assert!(
        spec.template_for("GET", "/repos/o/r/issues/comments")
            .as_deref()
            == Some("/repos/{owner}/{repo}/issues/comments")
    );
}
