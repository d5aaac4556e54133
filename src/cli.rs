//! The command line (clap): subcommands and the flags that override the config file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Chat peer to peer with the people who open issues on your GitHub repository.
#[derive(Debug, Parser)]
#[command(name = "janus", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CommandLine>,
    #[command(flatten)]
    pub overrides: Overrides,
}

#[derive(Debug, Subcommand)]
pub enum CommandLine {
    /// Serve chat requests on the configured repository (the default command).
    Run {
        /// Use the plain line console instead of the full-screen one.
        #[arg(long)]
        plain: bool,
    },
    /// Rehearse the whole flow locally: embedded forge, guest page and host. No token, no network.
    Demo {
        /// Use the plain line console.
        #[arg(long)]
        plain: bool,
        /// Add a scripted guest (`bot`) that opens an issue, connects and echoes messages.
        #[arg(long)]
        guest_bot: bool,
        /// Address for the embedded forge and guest page.
        #[arg(long, default_value = "127.0.0.1:8177")]
        listen: SocketAddr,
    },
    /// Check the token, repository, permissions, rate limit and guest page; each problem
    /// names its fix. Exits non-zero when a check fails.
    Doctor {
        /// Skip the checks that need the network ("not checked").
        #[arg(long)]
        offline: bool,
    },
    /// Run only the embedded local forge (a small GitHub-like server) for LAN use or testing.
    Forge {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8177")]
        listen: SocketAddr,
        /// The repository to create, owned by `--owner`.
        #[arg(long, default_value = "maintainer/demo")]
        repo: String,
        /// Extra users to create; their API tokens are printed.
        #[arg(long = "user")]
        users: Vec<String>,
    },
    /// List the chat transcripts, or print every conversation with USER (kept in
    /// `<data_dir>/transcripts/`, readable by you only; `transcripts = false` turns them off).
    Transcripts {
        /// A guest's login: print their conversations instead of the list.
        user: Option<String>,
    },
    /// The guest page (built into this binary): publish it for your guests.
    Pages {
        #[command(subcommand)]
        action: PagesAction,
    },
}

/// `janus pages …`
#[derive(Debug, Subcommand)]
pub enum PagesAction {
    /// Write the guest page's files into DIR (created if missing; other files are left
    /// alone), e.g. a `docs/` folder published with GitHub Pages.
    Export {
        /// Directory to write index.html, the styles and the scripts into.
        dir: PathBuf,
    },
}

/// Flags shared by every subcommand; each overrides the config file.
#[derive(Debug, Args, Default, Clone)]
pub struct Overrides {
    /// Configuration file (default: the platform's config dir, e.g. ~/.config/janus/config.toml).
    #[arg(long, global = true, env = "JANUS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Repository to serve, `owner/repo` or its URL.
    #[arg(long, global = true, env = "REPO_URL")]
    pub repo: Option<String>,
    /// GitHub API base (GitHub Enterprise Server: https://HOST/api/v3).
    #[arg(long, global = true, env = "JANUS_API_URL")]
    pub api_url: Option<String>,
    /// Where the guest page is published (e.g. https://you.github.io/janus/).
    #[arg(long, global = true)]
    pub pages_url: Option<String>,
    /// Directory of Markdown blog posts.
    #[arg(long, global = true)]
    pub blog_dir: Option<PathBuf>,
    /// Directory for Janus's own data.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Seconds between polls of the forge.
    #[arg(long, global = true)]
    pub poll_interval: Option<f64>,
}
