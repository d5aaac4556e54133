//! The presence issue at run time (PROTOCOL.md "The start link and the presence issue"): one open issue labelled `janus-presence`,
//! opened by the host's account, whose body says whether the maintainer is online. This task
//! finds it (or creates it, and the label, once: a failed search never leads to a new issue,
//! so a restart or a crash never makes a second one), edits its body on start (online), every
//! [`presence::REFRESH_SECS`] while running, and on quit (offline, from the host's shutdown).
//! The texts and the write budget (≤ 12 an hour) are the core's (`app::presence`).
//! It tells the core the issue's number, so comments on it are never chat requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::app::{presence, Event};
use crate::forge::{Forge, Issue};

/// What the presence issue needs from the configuration.
#[derive(Debug, Clone)]
pub struct PresenceSetup {
    /// `office_hours`, verbatim.
    pub office_hours: Option<String>,
    /// The flow-B start link (`app::presence::start_link`).
    pub start_link: String,
}

/// Colour and description of the label when Janus creates it.
const LABEL_COLOR: &str = "0e8a16";
const LABEL_DESCRIPTION: &str = "Janus keeps the maintainer's online status here";
/// The presence issue's title.
const TITLE: &str = "Chat with the maintainer (Janus presence)";
/// The longest the offline write may hold up quitting.
const OFFLINE_LIMIT: Duration = Duration::from_secs(5);
/// Waits between attempts to find or create the issue.
const RETRY: Duration = Duration::from_secs(30);

/// Handle on the running task.
pub(super) struct Presence {
    /// Flipped to `true` at quit: the task writes "offline" and ends.
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Presence {
    /// Starts the task.
    pub(super) fn spawn(
        forge: Arc<dyn Forge>,
        host: String,
        setup: PresenceSetup,
        events: mpsc::Sender<Event>,
    ) -> Presence {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(forge, host, setup, events, stopped));
        Presence { stop, task }
    }

    /// At quit: the body says offline (bounded wait), then the task ends.
    pub(super) async fn go_offline(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(OFFLINE_LIMIT, &mut task)
            .await
            .is_err()
        {
            task.abort();
            tracing::warn!("the presence issue could not be set to offline in time");
        }
    }
}

fn body(host: &str, setup: &PresenceSetup, online: bool, now: u64) -> String {
    presence::body(&presence::Presence {
        host,
        online,
        seen: now,
        office_hours: setup.office_hours.as_deref(),
        start_link: &setup.start_link,
    })
}

/// Finds the open presence issue, or creates the label and the issue. `Err` when the
/// forge could not say (try again later; never create on a failed search).
async fn find_or_create(
    forge: &dyn Forge,
    host: &str,
    setup: &PresenceSetup,
) -> Result<Issue, String> {
    if let Some(issue) = forge
        .find_labelled_issue(presence::LABEL, host)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(issue);
    }
    forge
        .ensure_label(presence::LABEL, LABEL_COLOR, LABEL_DESCRIPTION)
        .await
        .map_err(|e| e.to_string())?;
    let now = crate::clock::unix_now();
    let issue = forge
        .create_labelled_issue(TITLE, &body(host, setup, true, now), &[presence::LABEL])
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("created the presence issue #{}", issue.number);
    Ok(issue)
}

async fn run(
    forge: Arc<dyn Forge>,
    host: String,
    setup: PresenceSetup,
    events: mpsc::Sender<Event>,
    mut stopped: watch::Receiver<bool>,
) {
    let issue = loop {
        match find_or_create(forge.as_ref(), &host, &setup).await {
            Ok(issue) => break issue,
            Err(e) => {
                tracing::warn!("presence issue: {e}; trying again in {} s", RETRY.as_secs());
                tokio::select! {
                    _ = tokio::time::sleep(RETRY) => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
            }
        }
    };
    let labelled = issue
        .labels
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(presence::LABEL));
    if !labelled {
        // The forge dropped the label (no push access): another search would not find it,
        // so stop here rather than open one issue per start.
        tracing::warn!(
            "the presence issue #{} has no {} label (the token needs write access); presence is off",
            issue.number,
            presence::LABEL
        );
        return;
    }
    let number = issue.number;
    let _ = events.send(Event::PresenceIssue { number }).await;
    let mut last = issue.body.as_deref().and_then(presence::parse);
    loop {
        let now = crate::clock::unix_now();
        if presence::due(last, true, now) {
            match forge
                .edit_issue_body(number, &body(&host, &setup, true, now))
                .await
            {
                Ok(_) => {}
                Err(e) => tracing::warn!("could not refresh the presence issue #{number}: {e}"),
            }
            // A failed attempt counts too: the budget is in writes tried.
            last = Some((true, now));
        }
        let wait = last.map_or(RETRY, |(_, at)| {
            Duration::from_secs((at + presence::REFRESH_SECS).saturating_sub(now).max(1))
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.wait_for(|s| *s) => break,
        }
    }
    let now = crate::clock::unix_now();
    match forge
        .edit_issue_body(number, &body(&host, &setup, false, now))
        .await
    {
        Ok(_) => tracing::info!("presence issue #{number}: offline"),
        Err(e) => tracing::warn!("could not set the presence issue #{number} to offline: {e}"),
    }
}
