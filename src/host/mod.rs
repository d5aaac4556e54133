//! The host runtime: owns the app core's state and runs its effects (DESIGN §2).
//!
//! One loop receives every [`Event`] (forge poller, peer tasks, forge writer, the view's
//! commands, a one-second tick), calls `app::update`, lets the view render, and hands each
//! [`Effect`] to the task that owns that kind of IO: [`writer`] for forge writes, [`peers`]
//! for WebRTC sessions, the blog store for posts. On quit, [`Shutdown`] stops the tasks in
//! order: pending comment edits first (bounded), then peers, then the poller.

pub mod journal;
pub mod pace;
mod peers;
pub mod signals;
mod write_job;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{eyre, Result};
use tokio::sync::{mpsc, watch};

use crate::app::{self, Command, Effect, Event, HostIdentity, Settings, State};
use crate::blog::BlogStore;
use crate::forge::{poll, Forge, ForgeError};
use crate::rtc::peer::RtcConfig;
use crate::rtc::protocol::Frame;

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
    let mut state = State::new(host, setup.settings.clone(), unix_now());
    let startup_effects: Vec<Effect> = startup
        .into_iter()
        .flat_map(|c| app::update(&mut state, unix_now(), Event::User(c)))
        .collect();

    let (stop_tx, stop_rx) = watch::channel(false);
    let (forge_tx, mut forge_rx) = mpsc::channel(256);
    let poller = tokio::spawn(poll::run_poller(
        setup.forge.clone(),
        setup.poll_interval,
        forge_tx,
        stop_rx,
    ));
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
    let writer = Writer::spawn(setup.forge.clone(), events_tx.clone());
    let peers = Peers::new(
        setup.rtc.clone(),
        events_tx.clone(),
        setup.settings.offer_ttl_secs,
    );
    let blog = Arc::new(setup.blog);
    let shutdown = Shutdown {
        writer,
        peers: peers.clone(),
        stop: stop_tx,
        poller,
        forward,
    };

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut commands_open = true;
    let mut input = view.take_input();
    let mut quit = false;
    for effect in startup_effects {
        match effect {
            Effect::Quit => quit = true,
            other => dispatch(other, &shutdown.writer, &peers, &blog),
        }
    }
    view.render(&state);
    while !(quit || state.quitting) {
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
                let mut effects = Vec::new();
                for command in view.on_input(&state, ev) {
                    effects.extend(app::update(&mut state, unix_now(), Event::User(command)));
                }
                view.render(&state);
                for effect in effects {
                    match effect {
                        Effect::Quit => quit = true,
                        other => dispatch(other, &shutdown.writer, &peers, &blog),
                    }
                }
                continue;
            }
            _ = tick.tick() => Event::Tick,
        };
        let mut effects = app::update(&mut state, unix_now(), event);
        view.render(&state);
        if view.output_closed() && !state.quitting {
            // Nobody sees the console any more (`| head` exited): an orderly quit.
            effects.extend(app::update(
                &mut state,
                unix_now(),
                Event::User(Command::Quit),
            ));
        }
        for effect in effects {
            match effect {
                Effect::Quit => quit = true,
                other => dispatch(other, &shutdown.writer, &peers, &blog),
            }
        }
    }
    shutdown.run().await;
    view.render(&state);
    Ok(())
}

fn dispatch(effect: Effect, writer: &Writer, peers: &Peers, blog: &Arc<BlogStore>) {
    match effect {
        Effect::CreateOffer { peer_id, issue } => peers.create_offer(peer_id, issue),
        Effect::PostComment { .. } | Effect::EditComment { .. } | Effect::CloseIssue { .. } => {
            writer.submit(effect)
        }
        Effect::ApplyAnswer { peer_id, sdp } => peers.apply_answer(peer_id, sdp),
        Effect::Send { peer_id, frame } => peers.send(peer_id, frame),
        Effect::ClosePeer { peer_id, reason } => peers.close(peer_id, &reason),
        Effect::SendBlogIndex { peer_id } => {
            let (blog, peers) = (blog.clone(), peers.clone());
            tokio::task::spawn_blocking(move || {
                peers.send(
                    peer_id,
                    Frame::BlogIndex {
                        posts: blog.index(),
                    },
                )
            });
        }
        Effect::SendBlogPost { peer_id, slug } => {
            let (blog, peers) = (blog.clone(), peers.clone());
            tokio::task::spawn_blocking(move || {
                let frame = blog.post(&slug).unwrap_or_else(|| Frame::Notice {
                    text: "That blog post does not exist (any more).".into(),
                });
                peers.send(peer_id, frame)
            });
        }
        // The transcript store is wired in by the hardening merge (issue #12).
        Effect::Transcribe { .. } => {}
        Effect::Quit => {}
    }
}

/// Stops the background tasks in order, like a drop guard but awaited.
struct Shutdown {
    writer: Writer,
    peers: Peers,
    stop: watch::Sender<bool>,
    poller: tokio::task::JoinHandle<()>,
    forward: tokio::task::JoinHandle<()>,
}

impl Shutdown {
    async fn run(self) {
        // Comment edits (expiring links) matter more than speed, but only for a while.
        self.writer.drain(Duration::from_secs(5)).await;
        self.peers.close_all("the maintainer went offline").await;
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(2), self.poller).await;
        self.forward.abort();
    }
}
