//! `janus`: the command line entry point. Every behaviour is one hop from here:
//! - `janus run` (default): [`janus::config`] → [`janus::forge::github`] → [`janus::host::run`]
//!   with the plain console [`janus::ui::plain`];
//! - `janus demo`: the embedded forge [`janus::forge::local`] + the same host, offline;
//! - `janus forge`: only the embedded forge.
//!
//! Decisions live in [`janus::app`] (`update`), IO in [`janus::host`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use color_eyre::eyre::{eyre, Result, WrapErr};

use janus::app::Settings;
use janus::blog::BlogStore;
use janus::cli::{Cli, CommandLine, Overrides};
use janus::config;
use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::{Forge, RepoName};
use janus::host::{self, HostSetup};
use janus::rtc::peer::RtcConfig;
use janus::signal::link::DEFAULT_API;
use janus::ui::plain::{spawn_stdin_commands, PlainView};

fn main() -> std::process::ExitCode {
    // color-eyre's hook formats panics (and restores nothing: the plain console needs no
    // terminal restore; the TUI installs its own hook on top).
    let _ = color_eyre::config::HookBuilder::default().display_env_section(false).install();
    init_logging();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("janus: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(CommandLine::Run { plain: true }) {
            CommandLine::Run { plain: _ } => run(&cli.overrides).await,
            CommandLine::Demo { plain: _, listen } => demo(&cli.overrides, listen).await,
            CommandLine::Forge { listen, repo, users } => forge_only(listen, &repo, &users).await,
        }
    });
    // Background tasks (peer drivers, the stdin reader) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable message, no backtrace: every error here says what to do next.
            eprintln!("janus: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, quiet by default (`JANUS_LOG=debug` for more). The token is never
/// logged anywhere.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JANUS_LOG").unwrap_or_else(|_| "warn,webrtc=error,rtc=error".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// `janus run`: serve chat requests on a real repository.
async fn run(flags: &Overrides) -> Result<()> {
    let cfg = config::load(flags)?;
    let repo = cfg.repo.clone().ok_or_else(|| {
        eyre!("no repository configured. Set REPO_URL=owner/repo, pass --repo owner/repo, or put `repo = \"owner/repo\"` in the config file")
    })?;
    let token = cfg.token.0.clone().ok_or_else(|| {
        eyre!("no GitHub token. Create a fine-grained token with Issues read/write on {repo} and set GH_ACCESS_TOKEN (or `token` in the config file); `janus demo` runs without one")
    })?;
    let pages_url = cfg.pages_url.clone().ok_or_else(|| {
        eyre!("no pages_url: publish assets/guest/ (see the README, \"Publishing the guest page\") and pass --pages-url https://you.github.io/janus/ or set `pages_url` in the config file")
    })?;
    let forge: Arc<dyn Forge> = Arc::new(GitHubClient::new(&cfg.api_url, Some(token), repo.clone())?);
    let identity = host::identify(forge.as_ref()).await?;
    println!("* janus: serving chat requests on {repo} as {} (poll every {:?}); type `help`", identity.login, cfg.poll_interval);
    let default_ice: Vec<String> = janus::signal::link::DEFAULT_STUN.iter().map(|s| s.to_string()).collect();
    let settings = Settings {
        repo,
        pages_url,
        link_api: (cfg.api_url != DEFAULT_API).then(|| cfg.api_url.clone()),
        link_ice: (cfg.ice_servers != default_ice).then(|| cfg.ice_servers.clone()),
        offer_ttl_secs: cfg.offer_ttl,
        backlog_secs: cfg.backlog,
        scrollback: 10_000,
    };
    let rtc = RtcConfig { ice_servers: cfg.ice_servers.clone(), gather_timeout: cfg.gather_timeout, ..RtcConfig::default() };
    let setup = HostSetup { forge, settings, rtc, blog: BlogStore::new(cfg.blog_dir.clone()), poll_interval: cfg.poll_interval };
    host::run(setup, identity, Box::new(PlainView::new(std::io::stdout())), spawn_stdin_commands()).await
}

/// Finds a directory shipped in `assets/`: next to the working directory, or in the
/// source tree the binary was built from.
fn asset_dir(name: &str) -> Option<PathBuf> {
    let candidates = [PathBuf::from("assets").join(name), PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join(name)];
    candidates.into_iter().find(|p| p.is_dir())
}

/// `janus demo`: the embedded forge, the guest page and the host on one machine.
async fn demo(flags: &Overrides, listen: std::net::SocketAddr) -> Result<()> {
    let repo = RepoName::parse("maintainer/demo").map_err(|e| eyre!("{e}"))?;
    let guest_dir = asset_dir("guest");
    if guest_dir.is_none() {
        eprintln!("! assets/guest not found: run the demo from a Janus checkout so the guest page can be served");
    }
    let forge = LocalForge::start(LocalForgeConfig { listen, guest_dir, host_login: "maintainer".into(), repo: repo.clone() })
        .await
        .wrap_err_with(|| format!("cannot start the embedded forge on {listen}; pass --listen 127.0.0.1:0 to pick a free port"))?;
    let api_url = forge.api_url();
    let client: Arc<dyn Forge> = Arc::new(GitHubClient::new(&api_url, Some(forge.host_token()), repo.clone())?);
    let identity = host::identify(client.as_ref()).await?;
    let blog_dir = flags.blog_dir.clone().or_else(|| asset_dir("blog")).unwrap_or_else(|| PathBuf::from("blog"));
    let poll = flags.poll_interval.unwrap_or(1.0).clamp(0.1, 60.0);
    let settings = Settings {
        repo: repo.clone(),
        pages_url: forge.pages_url(),
        link_api: Some(api_url.clone()),
        link_ice: Some(Vec::new()),
        offer_ttl_secs: 600,
        backlog_secs: 600,
        scrollback: 10_000,
    };
    let rtc = RtcConfig { ice_servers: Vec::new(), bind_addr: std::net::Ipv4Addr::LOCALHOST.into(), ..RtcConfig::default() };
    println!("Janus demo: an embedded forge with the repository {repo}, the guest page, and you as the maintainer.");
    println!("Open {} in your browser, pick a user name, open an issue, and follow the link the host posts.", forge.web_url());
    println!("  forge API: {api_url}    guest page: {}", forge.pages_url());
    println!("Type `help` for commands; `quit` exits.");
    let setup = HostSetup { forge: client, settings, rtc, blog: BlogStore::new(blog_dir), poll_interval: Duration::from_secs_f64(poll) };
    let result = host::run(setup, identity, Box::new(PlainView::new(std::io::stdout())), spawn_stdin_commands()).await;
    forge.shutdown().await;
    result
}

/// `janus forge`: only the embedded forge, until Ctrl-C.
async fn forge_only(listen: std::net::SocketAddr, repo: &str, users: &[String]) -> Result<()> {
    let repo = RepoName::parse(repo).map_err(|e| eyre!("{e}"))?;
    let cfg = LocalForgeConfig { listen, guest_dir: asset_dir("guest"), host_login: repo.owner.clone(), repo };
    janus::forge::local::run_standalone(cfg, users).await
}
