//! The host's own health, as the runtime reports it: notices (`Event::HostNotice`: a STUN
//! server unreachable, link edits pending at quit…) and supervised tasks that stopped and
//! are being restarted (`Event::TaskRestarted`). Each report is one activity line; a
//! warning or an error also stays in [`State::health_issues`] for the status bar until it
//! is over: a restarted task's entry goes when the task reports success again (the poller:
//! its next successful poll; the writer: its next finished write; any task: an explicit
//! `Event::TaskRecovered`), a notice's after [`NOTICE_SHOWN_SECS`].

use super::state::{ActivityKind, State};

/// The task name the runtime uses for the forge poller; its next `PollOk` clears it.
pub const TASK_POLLER: &str = "GitHub poller";
/// The task name the runtime uses for the forge writer; its next `Written` clears it.
pub const TASK_WRITER: &str = "forge writer";
/// How long a warning or error notice stays in the status bar (seconds).
pub const NOTICE_SHOWN_SECS: u64 = 300;
/// The key of notices in [`State::health_issues`] (tasks use their name).
const NOTICE_KEY: &str = "";

/// How serious a runtime notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoticeSeverity {
    /// Worth a line in the activity log, nothing more.
    Info,
    /// Something degraded (guests behind NAT may not connect, a task restarts…): also shown
    /// in the status bar.
    Warning,
    /// Something the maintainer should act on: shown in the status bar in red.
    Error,
}

/// A problem the status bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthIssue {
    /// Untrusted parts (error texts) included: views sanitize.
    pub text: String,
    pub severity: NoticeSeverity,
    /// Unix seconds when it was reported: the newest of equal severity is shown.
    pub since: u64,
    /// Unix seconds after which it is dropped (notices); `None` until its task recovers.
    pub until: Option<u64>,
}

impl State {
    /// The problem the status bar shows: the most severe, then the newest; `None` if all
    /// is well.
    pub fn health(&self) -> Option<&HealthIssue> {
        self.health_issues
            .values()
            .max_by_key(|h| (h.severity, h.since))
    }
}

/// `Event::HostNotice`: one activity line; warnings and errors also go to the status bar.
pub(super) fn host_notice(state: &mut State, now: u64, text: String, severity: NoticeSeverity) {
    let kind = match severity {
        NoticeSeverity::Error => ActivityKind::Error,
        NoticeSeverity::Info | NoticeSeverity::Warning => ActivityKind::Notice,
    };
    state.log(now, kind, text.clone());
    if severity >= NoticeSeverity::Warning {
        state.health_issues.insert(
            NOTICE_KEY.to_string(),
            HealthIssue {
                text,
                severity,
                since: now,
                until: Some(now.saturating_add(NOTICE_SHOWN_SECS)),
            },
        );
    }
}

/// `Event::TaskRestarted`: `! the GitHub poller stopped (…); restarting in 4 s`, kept in
/// the status bar until the task recovers.
pub(super) fn task_restarted(
    state: &mut State,
    now: u64,
    task: String,
    error: String,
    retry_in_secs: u64,
) {
    let text = format!("the {task} stopped ({error}); restarting in {retry_in_secs} s");
    state.log(now, ActivityKind::Error, text.clone());
    state.health_issues.insert(
        task,
        HealthIssue {
            text,
            severity: NoticeSeverity::Warning,
            since: now,
            until: None,
        },
    );
}

/// The task works again (`Event::TaskRecovered`, or its own success event): its status
/// bar entry goes, with one activity line if there was one.
pub(super) fn task_recovered(state: &mut State, now: u64, task: &str) {
    if task != NOTICE_KEY && state.health_issues.remove(task).is_some() {
        state.log(now, ActivityKind::Notice, format!("the {task} works again"));
    }
}

/// Drops notices whose time in the status bar is over (on `Event::Tick`).
pub(super) fn expire(state: &mut State, now: u64) {
    state
        .health_issues
        .retain(|_, h| h.until.is_none_or(|until| now < until));
}
