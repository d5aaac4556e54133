//! The host runtime: owns the app core's state and runs its effects (ARCHITECTURE.md "The picture").
//!
//! One loop receives every [`Event`] (forge poller, peer tasks, forge writer, the view's
//! commands, a one-second tick), calls `app::update`, lets the view render, and hands each
//! [`Effect`] to the task that owns that kind of IO: [`writer`] for forge writes, [`peers`]
//! for WebRTC sessions, the blog store for posts. On quit, [`Shutdown`] stops the tasks in
//! order: pending comment edits first (bounded), then peers, then the poller.

mod disk_room;
mod effects;
mod file_keep;
mod files;
pub mod journal;
pub mod pace;
mod peers;
mod poll_pace;
pub mod presence;
pub mod signals;
mod supervise;
mod write_job;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{eyre, Result};
use tokio::sync::{mpsc, watch};

use crate::app::{self, Command, Event, HostIdentity, Settings, State};
use crate::blog::BlogStore;
use crate::forge::{poll, Forge, ForgeError, RepoName};
use crate::rtc::peer::RtcConfig;
use crate::transcript::TranscriptStore;
use effects::EffectRunner;

pub use peers::Peers;
pub use writer::{Writer, WriterConfig};

/// Current unix time in seconds; the only clock read the host makes for the core.
pub use crate::clock::unix_now;

/// A terminal input (key, mouse, resize, paste) read by a full-screen view.
pub type TerminalEvent = crossterm::event::Event;

/// Something that shows the state: the plain console or the TUI.
pub trait View: Send {
    /// Called after every update; draw or print what changed.
    fn render(&mut self, state: &State);

    /// A view that reads its own input (the TUI's keys, mouse and resizes) hands the host
    /// loop that input's channel once, at start; the loop waits on it next to its other
    /// sources and passes each input to [`View::on_input`] together with the state, which
    /// the view needs to resolve selections. The default (plain console): none.
    fn take_input(&mut self) -> Option<mpsc::Receiver<TerminalEvent>> {
        None
    }

    /// Handles one input from [`View::take_input`]; the commands returned go to the core
    /// at once, in order, exactly like typed ones. The view is rendered afterwards.
    fn on_input(&mut self, _state: &State, _input: TerminalEvent) -> Vec<Command> {
        Vec::new()
    }

    /// Whether the view's output is gone for good (stdout's pipe closed, the terminal hung
    /// up): the host loop then quits as if `quit` had been typed.
    fn output_closed(&self) -> bool {
        false
    }
}

/// Everything the host needs to run.
pub struct HostSetup {
    /// The issue tracker (GitHub or the embedded forge), bound to one repository.
    pub forge: Arc<dyn Forge>,
    /// Core settings (repo, link parts, offer lifetime…).
    pub settings: Settings,
    /// How peers gather ICE and bind sockets.
    pub rtc: RtcConfig,
    /// Where blog posts are read from.
    pub blog: BlogStore,
    pub poll_interval: Duration,
    /// The shorter tick while an offer waits for its answer (`poll_interval_waiting`);
    /// never longer than `poll_interval`.
    pub poll_interval_waiting: Duration,
    /// Where transcripts are written (`<data_dir>/transcripts`, see [`transcripts_dir`]);
    /// `None`: nowhere (tests, or `transcripts = false`).
    pub transcripts: Option<PathBuf>,
    /// The journal of pending link edits (see [`journal_file`]); `None`: kept in memory
    /// only (tests, and the demo, whose forge does not outlive it).
    pub journal: Option<PathBuf>,
    /// Keep the presence issue (config `presence`); `None`: off.
    pub presence: Option<presence::PresenceSetup>,
    /// Where received files go (`<data_dir>/files`); `None`: guests' files are refused.
    pub files: Option<PathBuf>,
}

/// Checks who we are and that the repository is usable; errors name the fix.
pub async fn identify(forge: &dyn Forge) -> Result<HostIdentity> {
    let me = forge.current_user().await.map_err(|e| eyre!("{e}"))?;
    let repo = match forge.repository().await {
        Ok(r) => r,
        Err(e @ ForgeError::NotFound { .. }) => return Err(eyre!("{e}")),
        Err(e) => return Err(eyre!("cannot read the repository: {e}")),
    };
    if !repo.has_issues {
        return Err(eyre!(
            "issues are disabled on {}: enable them in the repository's Settings → Features",
            repo.full_name
        ));
    }
    if let Some(p) = &repo.permissions {
        if !(p.admin || p.maintain || p.push || p.triage) {
            tracing::warn!("the token may not be able to edit guests' comments on {} (needs triage or write access)", repo.full_name);
        }
    }
    Ok(HostIdentity {
        login: me.login,
        id: me.id,
    })
}

/// Runs the host until `quit` (or the command channel closes). `host` comes from [`identify`].
pub async fn run(
    setup: HostSetup,
    host: HostIdentity,
    view: Box<dyn View>,
    commands: mpsc::Receiver<Command>,
) -> Result<()> {
    run_with(setup, host, view, commands, Vec::new()).await
}

/// [`run`], with `startup` commands applied to the state before any task starts, so
/// settings from the config file (e.g. `accept manual`) hold from the first poll on.
pub async fn run_with(
    setup: HostSetup,
    host: HostIdentity,
    mut view: Box<dyn View>,
    mut commands: mpsc::Receiver<Command>,
    startup: Vec<Command>,
) -> Result<()> {
    let (events_tx, mut events) = mpsc::channel::<Event>(1024);
    let presence = setup.presence.clone().map(|p| {
        presence::Presence::spawn(
            setup.forge.clone(),
            host.login.clone(),
            p,
            events_tx.clone(),
        )
    });
    let mut settings = setup.settings.clone();
    settings.files.can_receive &= setup.files.is_some();
    let mut state = State::new(host, settings, unix_now());

    let (stop_tx, stop_rx) = watch::channel(false);
    let idle = setup.poll_interval;
    let waiting = setup.poll_interval_waiting;
    let (pace_tx, pace_rx) = watch::channel(idle);
    let (forge_tx, mut forge_rx) = mpsc::channel(256);
    let poller = {
        let (forge, pace) = (setup.forge.clone(), pace_rx.clone());
        let stop = stop_rx.clone();
        supervise::supervise(
            app::TASK_POLLER,
            events_tx.clone(),
            stop_rx,
            Duration::from_secs(2),
            move || {
                poll::run_poller_paced(forge.clone(), pace.clone(), forge_tx.clone(), stop.clone())
            },
        )
    };
    let forward = {
        let events_tx = events_tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = forge_rx.recv().await {
                if events_tx.send(Event::Forge(ev)).await.is_err() {
                    break;
                }
            }
        })
    };
    let journal = setup.journal.clone();
    let writer = Writer::spawn_with(
        setup.forge.clone(),
        events_tx.clone(),
        WriterConfig {
            journal,
            ..WriterConfig::default()
        },
    );
    let peers = Peers::new(
        setup.rtc.clone(),
        events_tx.clone(),
        setup.settings.offer_ttl_secs,
    );
    let transcripts = setup
        .transcripts
        .clone()
        .filter(|_| setup.settings.transcripts)
        .map(TranscriptStore::new);
    let kept = setup
        .files
        .as_deref()
        .map(|root| file_keep::kept_path(root, &setup.settings.repo));
    let file_io = files::FileIo::new(
        setup.files.clone(),
        setup.settings.files.min_free_space,
        kept.clone(),
        peers.clone(),
        events_tx.clone(),
    );
    let mut runner = EffectRunner::new(writer, peers.clone(), setup.blog, transcripts, file_io);
    let shutdown = Shutdown {
        presence,
        peers,
        stop: stop_tx,
        poller,
        forward,
    };

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut commands_open = true;
    let mut input = view.take_input();
    if let (Some(path), Some(root)) = (&kept, &setup.files) {
        let (transfers, warning) = file_keep::read(path, root);
        if let Some(text) = warning {
            let severity = app::NoticeSeverity::Warning;
            runner.step(
                &mut state,
                view.as_mut(),
                Event::HostNotice { text, severity },
            );
        }
        let restored = Event::File(app::FileEvent::Restored { transfers });
        runner.step(&mut state, view.as_mut(), restored);
    }
    for command in startup {
        runner.step(&mut state, view.as_mut(), Event::User(command));
    }
    view.render(&state);
    while !(runner.quit || state.quitting) {
        poll_pace::update(&pace_tx, &state, idle, waiting);
        let event = tokio::select! {
            Some(ev) = events.recv() => ev,
            cmd = commands.recv(), if commands_open => match cmd {
                Some(c) => Event::User(c),
                None => { commands_open = false; Event::User(Command::Quit) }
            },
            ev = async { input.as_mut()?.recv().await }, if input.is_some() => {
                let Some(ev) = ev else {
                    input = None; // the view's input ended; commands may still come
                    continue;
                };
                // The view turns its input into commands with the current state in hand.
                let commands = view.on_input(&state, ev);
                for command in commands {
                    runner.step(&mut state, view.as_mut(), Event::User(command));
                }
                view.render(&state);
                continue;
            }
            _ = tick.tick() => Event::Tick,
        };
        runner.step(&mut state, view.as_mut(), event);
    }
    let writer = runner.into_writer();
    let left = shutdown.run(writer).await;
    if left > 0 {
        let text = format!(
            "{left} link edit(s) could not be made before quitting (they take signaling tokens out of comments); they are saved, and the next start finishes them first"
        );
        app::update(
            &mut state,
            unix_now(),
            Event::HostNotice {
                text,
                severity: app::NoticeSeverity::Warning,
            },
        );
    }
    view.render(&state);
    Ok(())
}

/// The scrub journal of `repo` under `data_dir`: one per repository, so a data directory
/// shared by two repositories never edits one's comments through the other.
pub fn journal_file(data_dir: &Path, repo: &RepoName) -> PathBuf {
    let name = crate::transcript::safe_name(&format!("{}_{}", repo.owner, repo.name));
    data_dir
        .join("repos")
        .join(name)
        .join(journal::JOURNAL_FILE)
}

/// Where transcripts go under `data_dir`.
pub fn transcripts_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("transcripts")
}

/// Where guests' files are saved: `<data_dir>/files/<login>/`.
pub fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("files")
}

/// Stops the background tasks in order, like a drop guard but awaited.
struct Shutdown {
    /// The presence task: says "offline" at quit.
    presence: Option<presence::Presence>,
    peers: Peers,
    stop: watch::Sender<bool>,
    poller: tokio::task::JoinHandle<()>,
    forward: tokio::task::JoinHandle<()>,
}

/// How long quitting waits for link edits before leaving them to the next start.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

impl Shutdown {
    /// Finishes the writes (bounded), says `bye` to every guest (bounded, until delivered),
    /// stops the poller. Returns how many link edits are left for the next start.
    async fn run(self, writer: Writer) -> usize {
        // Taking tokens down matters more than speed; the bye can go out meanwhile.
        let offline = async {
            if let Some(p) = self.presence {
                p.go_offline().await;
            }
        };
        let (left, (), ()) = tokio::join!(
            writer.drain(DRAIN_LIMIT),
            self.peers.close_all("the maintainer went offline"),
            offline
        );
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(3), self.poller).await;
        self.forward.abort();
        left
    }
}
