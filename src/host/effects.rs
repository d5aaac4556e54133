//! Running the core's effects, in the order that keeps promises: one [`EffectRunner::step`]
//! takes an event through `app::update`, writes the transcript lines it asks for, lets the
//! view show the new state, and only then hands the other effects (acks and replies among
//! them) to the tasks that own their IO. So a message is on disk before anyone sees it as
//! delivered: before it is shown, and before its `ack` or the host's `chat` goes out.

use std::collections::HashSet;
use std::sync::Arc;

use crate::app::{self, Effect, Event, NoticeSeverity, PeerId, State};
use crate::blog::BlogStore;
use crate::rtc::protocol::Frame;
use crate::transcript::TranscriptStore;

use super::files::FileIo;
use super::{unix_now, Peers, View, Writer};

/// Carries effects out for the host loop.
pub(super) struct EffectRunner {
    writer: Writer,
    peers: Peers,
    blog: Arc<BlogStore>,
    /// `None` when transcripts are off (or there is no data directory).
    transcripts: Option<TranscriptStore>,
    /// Conversations whose transcript could not be written: reported once each.
    transcript_failures: HashSet<PeerId>,
    /// File IO (`host::files`).
    files: FileIo,
    /// Set by `Effect::Quit`.
    pub(super) quit: bool,
}

impl EffectRunner {
    pub(super) fn new(
        writer: Writer,
        peers: Peers,
        blog: BlogStore,
        transcripts: Option<TranscriptStore>,
        files: FileIo,
    ) -> EffectRunner {
        EffectRunner {
            writer,
            peers,
            blog: Arc::new(blog),
            transcripts,
            transcript_failures: HashSet::new(),
            files,
            quit: false,
        }
    }

    /// One event: update, transcribe, render, then the rest of the effects.
    pub(super) fn step(&mut self, state: &mut State, view: &mut dyn View, event: Event) {
        if let Event::PeerClosed { peer_id, .. } = &event {
            if let Some(store) = &mut self.transcripts {
                store.close(*peer_id);
            }
        }
        let mut effects = self.update(state, event);
        view.render(state);
        if view.output_closed() && !state.quitting {
            // Nobody sees the console any more (`| head` exited): an orderly quit.
            effects.extend(self.update(state, Event::User(app::Command::Quit)));
        }
        for effect in effects {
            self.dispatch(state, effect);
        }
    }

    /// `app::update`, with its transcript lines written at once (and a failure to write
    /// them reported to the core, once per conversation).
    fn update(&mut self, state: &mut State, event: Event) -> Vec<Effect> {
        let now = unix_now();
        let effects = app::update(state, now, event);
        let mut rest = Vec::with_capacity(effects.len());
        let mut failures = Vec::new();
        for effect in effects {
            match effect {
                Effect::Transcribe {
                    peer_id,
                    login,
                    line,
                } => {
                    let Some(store) = &mut self.transcripts else {
                        continue;
                    };
                    if let Err(e) = store.append(peer_id, &login, now, &line) {
                        if self.transcript_failures.insert(peer_id) {
                            failures.push(format!(
                                "cannot write the transcript of {} in {}: {e}; the chat goes on without it",
                                app::sanitize_for_terminal(&login),
                                store.dir().display()
                            ));
                        }
                    }
                }
                other => rest.push(other),
            }
        }
        for text in failures {
            rest.extend(app::update(
                state,
                now,
                Event::HostNotice {
                    text,
                    severity: NoticeSeverity::Error,
                },
            ));
        }
        rest
    }

    fn dispatch(&mut self, state: &State, effect: Effect) {
        let (writer, peers) = (&self.writer, &self.peers);
        match effect {
            Effect::CreateOffer { peer_id, issue } => {
                // The guest's login goes into relay credentials (`{expiry}:{login}`).
                let guest = state
                    .requests
                    .get(&issue)
                    .map(|r| r.issue.user.login.as_str());
                peers.create_offer_for(peer_id, issue, guest.unwrap_or("guest"))
            }
            Effect::PostComment { .. }
            | Effect::EditComment { .. }
            | Effect::EditIssueBody { .. }
            | Effect::CloseIssue { .. } => writer.submit(effect),
            Effect::CreateAnswer {
                peer_id,
                issue,
                sid,
                sdp,
            } => {
                let guest = state
                    .requests
                    .get(&issue)
                    .map(|r| r.issue.user.login.as_str());
                peers.create_answer(peer_id, issue, guest.unwrap_or("guest"), sid, sdp)
            }
            Effect::ApplyAnswer { peer_id, sdp } => peers.apply_answer(peer_id, sdp),
            Effect::Send { peer_id, frame } => peers.send(peer_id, frame),
            Effect::ClosePeer { peer_id, reason } => peers.close(peer_id, &reason),
            Effect::SendBlogIndex { peer_id } => {
                let (blog, peers) = (self.blog.clone(), peers.clone());
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
                let (blog, peers) = (self.blog.clone(), peers.clone());
                tokio::task::spawn_blocking(move || {
                    let frame = blog.post(&slug).unwrap_or_else(|| Frame::Notice {
                        text: "That blog post does not exist (any more).".into(),
                    });
                    peers.send(peer_id, frame)
                });
            }
            // Written in `update`, before anything else of the step.
            Effect::Transcribe { .. } => {}
            Effect::File(effect) => self.files.run(effect),
            Effect::Quit => self.quit = true,
        }
    }

    /// The writer, for the shutdown to drain.
    pub(super) fn into_writer(self) -> Writer {
        self.writer
    }
}
