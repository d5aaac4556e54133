//! `janus`: the command line entry point. Every behaviour is one hop from here:
//! - `janus run` (default): [`janus::config`] → [`janus::forge::github`] → [`janus::host::run`]
//!   with the full-screen console [`janus::ui::tui`] when stdin and stdout are terminals,
//!   else (or with `--plain`) the plain console [`janus::ui::plain`];
//! - `janus demo`: the embedded forge [`janus::forge::local`] + the same host, offline
//!   (`--guest-bot` adds the scripted guest of [`janus::demo`]);
//! - `janus forge`: only the embedded forge.
//! - `janus pages export DIR`: the guest page built into the binary ([`janus::pages`]), written to DIR.
//!
//! Decisions live in [`janus::app`] (`update`), IO in [`janus::host`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use color_eyre::eyre::{eyre, Result, WrapErr};

use janus::app::{Command, Limits, Settings};
use janus::blog::BlogStore;
use janus::cli::{Cli, CommandLine, Overrides};
use janus::config;
use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::{Forge, RepoName};
use janus::host::{self, HostSetup};
use janus::rtc::peer::RtcConfig;
use janus::ui::output::Output;
use janus::ui::plain::{spawn_stdin_commands, PlainView};
use janus::ui::tui::TuiOptions;

fn main() -> std::process::ExitCode {
    // color-eyre's hook formats panics (and restores nothing: the plain console needs no
    // terminal restore; the TUI installs its own hook on top).
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(CommandLine::Run { plain: false });
    let tui = full_screen(&command);
    // The config file is read once: `run` needs all of it (and a token), `demo` all but
    // the token; the log file's place comes from it too.
    let cfg = match &command {
        CommandLine::Run { .. } => Some(config::load(&cli.overrides)),
        CommandLine::Demo { .. } => Some(config::load_without_token(&cli.overrides)),
        _ => None,
    };
    let data_dir = match &cfg {
        Some(Ok(c)) => Some(c.data_dir.clone()),
        _ => cli.overrides.data_dir.clone(),
    };
    // The full-screen console owns the terminal: logs go to a file, never onto it.
    let _log_guard = init_logging(tui.then(|| log_file(data_dir)));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("janus: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            CommandLine::Run { .. } => match cfg {
                Some(Ok(cfg)) => run(cfg, tui).await,
                Some(Err(e)) => Err(e.into()),
                None => unreachable!("`run` loads the config"),
            },
            CommandLine::Demo {
                listen, guest_bot, ..
            } => {
                let cfg = match cfg {
                    Some(Ok(cfg)) => cfg,
                    // The demo runs offline on its own forge: a broken config file does
                    // not stop it, it runs with the defaults.
                    Some(Err(e)) => {
                        eprintln!("janus: warning: {e}; the demo uses the defaults");
                        config::resolve(Default::default(), None, &cli.overrides, None)?
                    }
                    None => unreachable!("`demo` loads the config"),
                };
                demo(&cli.overrides, cfg, listen, tui, guest_bot).await
            }
            CommandLine::Forge {
                listen,
                repo,
                users,
            } => forge_only(listen, &repo, &users).await,
            CommandLine::Doctor { offline } => janus::doctor::run(&cli.overrides, offline).await,
            CommandLine::Pages {
                action: janus::cli::PagesAction::Export { dir },
            } => pages_export(&dir),
            CommandLine::Transcripts { user } => transcripts(&cli.overrides, user.as_deref()),
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

/// `janus`, `janus run` and `janus demo` open the full-screen console when stdin and stdout
/// are terminals and `--plain` is not given; pipes and scripts get the plain console.
fn full_screen(command: &CommandLine) -> bool {
    use std::io::IsTerminal;
    let plain = match command {
        CommandLine::Run { plain } | CommandLine::Demo { plain, .. } => *plain,
        CommandLine::Forge { .. }
        | CommandLine::Doctor { .. }
        | CommandLine::Pages { .. }
        | CommandLine::Transcripts { .. } => true,
    };
    !plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// `janus.log` in the data directory (`--data-dir`, the config file's, or the platform's).
fn log_file(data_dir: Option<PathBuf>) -> PathBuf {
    data_dir
        .unwrap_or_else(std::env::temp_dir)
        .join("janus.log")
}

/// Logs go to stderr, quiet by default (`JANUS_LOG=debug` for more); to `file` instead while
/// the full-screen console runs (nowhere if it cannot be opened). See [`janus::logging`].
/// The returned guard writes out buffered lines when dropped, at exit.
fn init_logging(file: Option<PathBuf>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    janus::logging::init(file.as_deref())
}

/// `janus run`: serve chat requests on a real repository.
async fn run(cfg: config::Config, tui: bool) -> Result<()> {
    let repo = cfg.repo.clone().ok_or_else(|| {
        eyre!("no repository configured. Set REPO_URL=owner/repo, pass --repo owner/repo, or put `repo = \"owner/repo\"` in the config file")
    })?;
    let token = cfg.token.0.clone().ok_or_else(|| {
        eyre!("no GitHub token. Create a fine-grained token with Issues read/write on {repo} and set GH_ACCESS_TOKEN (or `token` in the config file, or log in with `gh auth login`); `janus doctor` checks the setup, `janus demo` runs without one")
    })?;
    let pages_url = cfg.pages_url.clone().ok_or_else(|| {
        eyre!("no pages_url: publish the guest page (`janus pages export DIR` writes it into a GitHub Pages folder; see the README, \"The guest page\") and pass --pages-url https://you.github.io/janus/ or set `pages_url` in the config file")
    })?;
    for warning in &cfg.warnings {
        eprintln!("janus: warning: {warning}");
    }
    // The first poll reaches back over the backlog window and at least one offer lifetime,
    // so links a previous run left behind are seen and taken down.
    let mut client = GitHubClient::new(&cfg.api_url, Some(token), repo.clone())?;
    client.set_backlog(Duration::from_secs(cfg.backlog.max(cfg.offer_ttl)));
    client.set_reserve(cfg.rate_reserve);
    let forge: Arc<dyn Forge> = Arc::new(client);
    let identity = host::identify(forge.as_ref()).await?;
    // The plain console's output thread: nothing below waits for the terminal.
    let console = (!tui).then(Output::stdout);
    if let Some(console) = &console {
        console.line(&format!(
            "* janus: serving chat requests on {repo} as {} (poll every {:?}); type `help`",
            identity.login, cfg.poll_interval
        ));
    }
    let start_link = janus::app::presence::start_link(&pages_url, &repo, Some(&cfg.api_url));
    let settings = cfg.core_settings(repo.clone(), pages_url);
    let rtc = RtcConfig {
        ice_servers: cfg.ice_servers.clone(),
        gather_timeout: cfg.gather_timeout,
        bind_addr: cfg.rtc_bind.unwrap_or(RtcConfig::default().bind_addr),
        turn: cfg.turn.clone(),
        ..RtcConfig::default()
    };
    let setup = HostSetup {
        forge,
        settings,
        rtc,
        blog: BlogStore::new(cfg.blog_dir.clone()),
        poll_interval: cfg.poll_interval,
        poll_interval_waiting: cfg.poll_interval_waiting,
        transcripts: Some(host::transcripts_dir(&cfg.data_dir)),
        journal: Some(host::journal_file(&cfg.data_dir, &repo)),
        presence: cfg.presence.then(|| host::presence::PresenceSetup {
            office_hours: cfg.office_hours.clone(),
            start_link,
        }),
        files: Some(host::files_dir(&cfg.data_dir)),
    };
    let startup = if cfg.manual_accept {
        vec![Command::SetAcceptMode { manual: true }]
    } else {
        Vec::new()
    };
    if tui {
        return janus::ui::tui::run(
            setup,
            identity,
            TuiOptions {
                bell: cfg.bell,
                banner: Vec::new(),
            },
            startup,
        )
        .await;
    }
    let console = console.unwrap_or_else(Output::stdout);
    host::run_with(
        setup,
        identity,
        Box::new(PlainView::new(console.clone())),
        host::signals::plain_commands(spawn_stdin_commands(console)),
        startup,
    )
    .await
}

/// Finds a directory shipped in `assets/`: next to the working directory, or in the
/// source tree the binary was built from.
fn asset_dir(name: &str) -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("assets").join(name),
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(name),
    ];
    candidates.into_iter().find(|p| p.is_dir())
}

/// The sample blog post shipped in `assets/blog/`.
const SAMPLE_POST: &str = include_str!("../assets/blog/welcome.md");

/// `janus demo`: the embedded forge, the guest page and the host on one machine.
async fn demo(
    flags: &Overrides,
    cfg: config::Config,
    listen: std::net::SocketAddr,
    tui: bool,
    guest_bot: bool,
) -> Result<()> {
    let repo = RepoName::parse("maintainer/demo").map_err(|e| eyre!("{e}"))?;
    // From a checkout, serve assets/ as they are (edits show on reload); from an installed
    // binary, write the copies built into it to a scratch folder.
    let scratch = std::env::temp_dir().join(format!("janus-demo-{}", std::process::id()));
    let guest_dir = match asset_dir("guest") {
        Some(dir) => dir,
        None => {
            let dir = scratch.join("guest");
            janus::pages::export(&dir).wrap_err("cannot write the guest page for the demo")?;
            dir
        }
    };
    let guest_dir = Some(guest_dir);
    let forge = LocalForge::start(LocalForgeConfig { listen, guest_dir, host_login: "maintainer".into(), repo: repo.clone() })
        .await
        .wrap_err_with(|| format!("cannot start the embedded forge on {listen}; pass --listen 127.0.0.1:0 to pick a free port"))?;
    let api_url = forge.api_url();
    let client: Arc<dyn Forge> = Arc::new(GitHubClient::new(
        &api_url,
        Some(forge.host_token()),
        repo.clone(),
    )?);
    let identity = host::identify(client.as_ref()).await?;
    let blog_dir = flags
        .blog_dir
        .clone()
        .or_else(|| asset_dir("blog"))
        .unwrap_or_else(|| {
            // The sample post, built into the binary, for a demo outside a checkout.
            let dir = scratch.join("blog");
            let written = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(dir.join("welcome.md"), SAMPLE_POST));
            if let Err(e) = written {
                tracing::warn!("cannot write the sample blog post: {e}");
            }
            dir
        });
    let poll = flags.poll_interval.unwrap_or(1.0).clamp(0.1, 60.0);
    // The maintainer's limits and transcript choice; the demo's own offline links and
    // request policy.
    let settings = Settings {
        link_api: Some(api_url.clone()),
        link_ice: Some(Vec::new()),
        offer_ttl_secs: 600,
        backlog_secs: 600,
        policy: Default::default(),
        limits: Limits {
            memory_secs: cfg.limits.memory_secs.max(600),
            ..cfg.limits.clone()
        },
        ..cfg.core_settings(repo.clone(), forge.pages_url())
    };
    let rtc = RtcConfig {
        ice_servers: Vec::new(),
        bind_addr: std::net::Ipv4Addr::LOCALHOST.into(),
        ..RtcConfig::default()
    };
    let mut banner = vec![
        format!("Janus demo: an embedded forge with the repository {repo}, the guest page, and you as the maintainer."),
        format!("Open {} in your browser, pick a user name, open an issue, and follow the link the host posts.", forge.web_url()),
        format!("  forge API: {api_url}    guest page: {}", forge.pages_url()),
    ];
    if guest_bot {
        janus::demo::spawn_guest_bot(&forge, rtc.clone());
        banner.push(format!(
            "A scripted guest, `{}`, opens an issue and chats: it echoes what you send.",
            janus::demo::BOT_LOGIN
        ));
    }
    // Files guests send: under `--data-dir` if given, else in a scratch folder of this run
    // (the forge they came through ends with the demo too), so the Files panel works.
    let files_dir = match flags.data_dir.as_deref() {
        Some(dir) => host::files_dir(dir),
        None => std::env::temp_dir().join(format!("janus-demo-{}", std::process::id())),
    };
    banner.push(format!(
        "  files guests send: {} (only after their SHA-256 matched)",
        files_dir.display()
    ));
    let setup = HostSetup {
        forge: client,
        settings,
        rtc,
        blog: BlogStore::new(blog_dir),
        poll_interval: Duration::from_secs_f64(poll),
        poll_interval_waiting: Duration::from_secs_f64(poll.min(0.5)),
        // Transcripts only where asked (`--data-dir`); the journal never: the embedded
        // forge and its comments end with the demo.
        transcripts: flags.data_dir.as_deref().map(host::transcripts_dir),
        journal: None,
        presence: Some(host::presence::PresenceSetup {
            office_hours: cfg
                .office_hours
                .clone()
                .or_else(|| Some("whenever this demo runs".into())),
            start_link: janus::app::presence::start_link(&forge.pages_url(), &repo, Some(&api_url)),
        }),
        files: Some(files_dir),
    };
    let result = if tui {
        janus::ui::tui::run(
            setup,
            identity,
            TuiOptions { bell: true, banner },
            Vec::new(),
        )
        .await
    } else {
        let console = Output::stdout();
        for line in &banner {
            console.line(line);
        }
        console.line("Type `help` for commands; `quit` exits.");
        host::run(
            setup,
            identity,
            Box::new(PlainView::new(console.clone())),
            host::signals::plain_commands(spawn_stdin_commands(console)),
        )
        .await
    };
    forge.shutdown().await;
    // Only the scratch copies (if any) go; assets/ of a checkout are never touched.
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// `janus forge`: only the embedded forge, until Ctrl-C.
async fn forge_only(listen: std::net::SocketAddr, repo: &str, users: &[String]) -> Result<()> {
    let repo = RepoName::parse(repo).map_err(|e| eyre!("{e}"))?;
    let cfg = LocalForgeConfig {
        listen,
        guest_dir: asset_dir("guest"),
        host_login: repo.owner.clone(),
        repo,
    };
    janus::forge::local::run_standalone(cfg, users).await
}

/// `janus transcripts [USER]`: the list, or every conversation with USER, sanitized.
fn transcripts(flags: &Overrides, user: Option<&str>) -> Result<()> {
    let cfg = config::load(flags)?;
    let dir = host::transcripts_dir(&cfg.data_dir);
    let mut out = std::io::stdout().lock();
    match user {
        None => janus::transcript::list(&dir, &mut out)
            .wrap_err_with(|| format!("cannot read the transcripts in {}", dir.display()))?,
        Some(user) => {
            let n = janus::transcript::print(&dir, user, &mut out)
                .wrap_err_with(|| format!("cannot read the transcripts in {}", dir.display()))?;
            if n == 0 {
                return Err(eyre!(
                    "no transcripts of {} in {}; `janus transcripts` lists whose there are",
                    janus::app::sanitize_for_terminal(user),
                    dir.display()
                ));
            }
        }
    }
    Ok(())
}

/// `janus pages export DIR`: the guest page built into this binary, written to DIR.
fn pages_export(dir: &std::path::Path) -> Result<()> {
    let done = janus::pages::export(dir)?;
    for line in janus::pages::report(dir, &done) {
        println!("{line}");
    }
    Ok(())
}
