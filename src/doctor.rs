//! `janus doctor`: checks everything a real run needs and names the fix for each problem.
//!
//! In order: the configuration (and a token file readable by others), the repository
//! name, the token (present, and accepted by the forge), the repository (reachable, issues
//! enabled, the permissions Janus needs), the rate limit, one round of polling, and the
//! published guest page (`pages_url`), then each STUN server and TURN URL (`doctor/reach.rs`).
//! With `--offline`, checks that need the network are
//! reported as "not checked". The exit status is non-zero when any check fails. The token
//! is never printed: only where it came from.

use std::fmt::Write as _;

use color_eyre::eyre::{eyre, Result};

use crate::app::policy::Closing;
use crate::cli::Overrides;
use crate::config::{self, Config, TokenSource};
use crate::forge::github::GitHubClient;
use crate::forge::{Forge, ForgeError, Repository};

mod reach;
mod turn_tcp;

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Fine.
    Ok,
    /// Works, but something should be fixed.
    Warn,
    /// Janus cannot work like this.
    Fail,
    /// Not checked (offline, or an earlier check failed).
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    /// Short name of what was checked.
    pub name: &'static str,
    /// How it went.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// What to do about it (for warnings and failures).
    pub fix: Option<String>,
}

/// Every check, in order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The checks made.
    pub checks: Vec<Check>,
}

impl Report {
    fn push(
        &mut self,
        name: &'static str,
        outcome: Outcome,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.checks.push(Check {
            name,
            outcome,
            detail: detail.into(),
            fix,
        });
    }

    fn ok(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Outcome::Ok, detail, None);
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Outcome::Fail, detail, Some(fix.into()));
    }

    fn warn(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Outcome::Warn, detail, Some(fix.into()));
    }

    fn skip(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Outcome::Skipped, detail, None);
    }

    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .count()
    }

    /// The report as printed: one line per check, each fix indented below it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let tag = match c.outcome {
                Outcome::Ok => "ok  ",
                Outcome::Warn => "warn",
                Outcome::Fail => "FAIL",
                Outcome::Skipped => "--  ",
            };
            let _ = writeln!(out, "  {tag}  {:<12} {}", c.name, c.detail);
            if let Some(fix) = &c.fix {
                let _ = writeln!(out, "        fix: {fix}");
            }
        }
        out
    }
}

/// `janus doctor`: loads the configuration, runs every check, prints the report. Fails
/// (non-zero exit) when a check failed.
pub async fn run(flags: &Overrides, offline: bool) -> Result<()> {
    let report = match config::load(flags) {
        Ok(cfg) => {
            let target = cfg
                .repo
                .as_ref()
                .map_or("(no repository)".to_string(), |r| r.to_string());
            println!(
                "janus doctor: checking the setup for {target} at {}",
                cfg.api_url
            );
            diagnose(&cfg, offline).await
        }
        Err(e) => {
            let mut r = Report::default();
            r.fail(
                "config",
                e.to_string(),
                "edit the file as the message says; config.example.toml documents every key",
            );
            r
        }
    };
    print!("{}", report.render());
    match report.failures() {
        0 => {
            println!("All checks passed: `janus run` is ready.");
            Ok(())
        }
        n => Err(eyre!("{n} check(s) failed; each names its fix above")),
    }
}

/// Runs every check against the configuration (see the module docs).
pub async fn diagnose(cfg: &Config, offline: bool) -> Report {
    let mut r = Report::default();
    match &cfg.source {
        Some(path) => r.ok("config", format!("read {}", path.display())),
        None => r.ok("config", "no config file; defaults, environment and flags"),
    }
    for w in &cfg.warnings {
        r.warn("config", "a problem that does not stop a run", w.clone());
    }
    let repo = match &cfg.repo {
        Some(repo) => {
            r.ok("repository", repo.to_string());
            Some(repo.clone())
        }
        None => {
            r.fail("repository", "no repository configured", "set REPO_URL=owner/repo, pass --repo owner/repo, or put `repo = \"owner/repo\"` in the config file");
            None
        }
    };
    let token = match (&cfg.token.0, &cfg.token_source) {
        (Some(t), source) => {
            r.ok("token", format!("found in {source} (not shown)"));
            Some(t.clone())
        }
        (None, _) => {
            let gh = if which_gh() {
                "run `gh auth login`, or "
            } else {
                ""
            };
            r.fail(
                "token",
                "no GitHub token in GH_ACCESS_TOKEN, the config file or `gh auth token`",
                format!("create a fine-grained token with \"Issues: read and write\" on the repository, then {gh}export GH_ACCESS_TOKEN=<token> (or `token = \"…\"` in the config file, chmod 600)"),
            );
            None
        }
    };
    if offline {
        for name in ["token valid", "access", "issues", "rate limit", "polling"] {
            r.skip(name, "not checked (offline)");
        }
    } else if let (Some(repo), Some(token)) = (repo, token) {
        match GitHubClient::new(&cfg.api_url, Some(token), repo) {
            Ok(mut client) => {
                client.set_reserve(cfg.rate_reserve);
                forge_checks(&mut r, cfg, &client).await;
            }
            Err(e) => r.fail(
                "token valid",
                e.to_string(),
                "fix the token or api_url as the message says",
            ),
        }
    } else {
        for name in ["token valid", "access", "issues", "rate limit", "polling"] {
            r.skip(name, "not checked: needs a repository and a token");
        }
    }
    pages_check(&mut r, cfg, offline).await;
    reach::checks(&mut r, cfg, offline).await;
    r
}

fn which_gh() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("gh").is_file()))
}

/// The checks that talk to the forge.
async fn forge_checks(r: &mut Report, cfg: &Config, client: &GitHubClient) {
    let user = match client.current_user().await {
        Ok(u) => {
            r.ok(
                "token valid",
                format!("accepted: signed in as {} (id {})", u.login, u.id),
            );
            u
        }
        Err(e) => {
            let fix = match &e {
                ForgeError::BadToken => match &cfg.token_source {
                    TokenSource::Gh => "run `gh auth login` again, or set GH_ACCESS_TOKEN to a valid token".to_string(),
                    source => format!("the token from {source} was rejected (expired, revoked or mistyped): create a new fine-grained token with \"Issues: read and write\" and replace it"),
                },
                ForgeError::Network { .. } => format!("check your network and api_url ({}); GitHub Enterprise Server uses https://HOST/api/v3; if you are offline, run `janus doctor --offline`", cfg.api_url),
                _ => "see the message; `JANUS_LOG=debug janus doctor` shows more".to_string(),
            };
            r.fail("token valid", e.to_string(), fix);
            for name in ["access", "issues", "rate limit", "polling"] {
                r.skip(name, "not checked: the token does not work");
            }
            return;
        }
    };
    let repo = match client.repository().await {
        Ok(repo) => repo,
        Err(e) => {
            let fix = match &e {
                ForgeError::NotFound { .. } => format!("check the name ({}); for a private repository give the token access to it (fine-grained tokens: Repository access → Only select repositories)", client.repo()),
                ForgeError::Forbidden { .. } => "give the token \"Issues: read and write\" (and \"Metadata: read\") on the repository".to_string(),
                _ => "see the message and try again".to_string(),
            };
            r.fail("access", e.to_string(), fix);
            for name in ["issues", "rate limit", "polling"] {
                r.skip(name, "not checked: the repository is not reachable");
            }
            return;
        }
    };
    access_check(r, cfg, &repo, &user.login);
    if repo.has_issues {
        r.ok("issues", "enabled");
    } else {
        r.fail(
            "issues",
            format!("issues are disabled on {}", repo.full_name),
            "enable them: the repository's Settings → General → Features → Issues",
        );
    }
    match client.last_rate_limit() {
        Some(rate) if rate.remaining <= cfg.rate_reserve => r.warn(
            "rate limit",
            format!("{} of {} requests left until the reset", rate.remaining, rate.limit),
            format!("other tools use this token's budget; Janus pauses polling below rate_reserve = {} until the reset (unix {})", cfg.rate_reserve, rate.reset),
        ),
        Some(rate) => r.ok("rate limit", format!("{} of {} requests left this window", rate.remaining, rate.limit)),
        None => r.ok("rate limit", "the forge reports no rate limit"),
    }
    let polled = async {
        Ok::<_, ForgeError>((
            client.poll_issues().await?.len(),
            client.poll_comments().await?.len(),
        ))
    };
    match polled.await {
        Ok((issues, comments)) => r.ok("polling", format!("works: {issues} open issue(s) and {comments} comment(s) changed in the backlog window")),
        Err(e) => r.fail("polling", e.to_string(), "see the message; the issue list and the comment list must be readable with the token"),
    }
}

/// Permissions: commenting needs Issues write; scrubbing a guest's answer comment and
/// closing issues need triage (or write) access.
fn access_check(r: &mut Report, cfg: &Config, repo: &Repository, login: &str) {
    let Some(p) = &repo.permissions else {
        r.warn(
            "access",
            format!(
                "{} is readable, but the forge did not report permissions",
                repo.full_name
            ),
            "make sure the token has \"Issues: read and write\" on the repository",
        );
        return;
    };
    let triage = p.admin || p.maintain || p.push || p.triage;
    let roles: Vec<&str> = [
        (p.admin, "admin"),
        (p.maintain, "maintain"),
        (p.push, "write"),
        (p.triage, "triage"),
        (p.pull, "read"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    let detail = format!("{} as {login}: {}", repo.full_name, roles.join(", "));
    if triage {
        r.ok("access", detail);
    } else if cfg.policy.closing != Closing::Never {
        r.fail("access", detail, format!("close_issue = \"{}\" needs triage or write access for {login}; grant it, or set close_issue = \"never\"", cfg.policy.closing.as_str()));
    } else {
        r.warn("access", detail, format!("with triage or write access for {login}, Janus can also scrub the guest's answer comment (it holds network addresses); grant it in the repository's Settings → Collaborators"));
    }
}

/// The published guest page: reachable without credentials and looking like Janus's.
async fn pages_check(r: &mut Report, cfg: &Config, offline: bool) {
    let Some(url) = cfg.pages_url.as_deref() else {
        r.fail("pages_url", "not set", "publish assets/guest/ (e.g. with GitHub Pages) and set pages_url = \"https://you.github.io/janus/\" or pass --pages-url");
        return;
    };
    if offline {
        r.skip("pages_url", format!("{url}: not checked (offline)"));
        return;
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        r.fail(
            "pages_url",
            format!("{url} is not an http(s) URL"),
            "set pages_url to where assets/guest/ is published, e.g. https://you.github.io/janus/",
        );
        return;
    }
    match fetch_page(url).await {
        Ok((200, body)) if body.contains("Janus") => {
            r.ok("pages_url", format!("{url} serves the guest page"))
        }
        Ok((200, _)) => r.warn(
            "pages_url",
            format!("{url} answers, but not with the Janus guest page"),
            "publish the contents of assets/guest/ at that address",
        ),
        Ok((status, _)) => r.fail(
            "pages_url",
            format!("{url} answered {status}"),
            "publish assets/guest/ there (GitHub Pages: Settings → Pages), or fix pages_url",
        ),
        Err(reason) => r.fail(
            "pages_url",
            format!("could not reach {url}: {reason}"),
            "check the address and your network; if you are offline, run `janus doctor --offline`",
        ),
    }
}

/// GETs a page without any credentials (the token never goes to the Pages host).
async fn fetch_page(url: &str) -> Result<(u16, String), String> {
    let octo = octocrab::Octocrab::builder()
        .build()
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let resp = octo._get(url).await.map_err(|e| error_text(&e))?;
        let status = resp.status().as_u16();
        let body = octo
            .body_to_string(resp)
            .await
            .map_err(|e| error_text(&e))?;
        Ok((status, body))
    };
    tokio::time::timeout(std::time::Duration::from_secs(15), exchange)
        .await
        .map_err(|_| "no answer within 15 s".to_string())?
}

fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}
