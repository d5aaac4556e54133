//! `janus demo --guest-bot`: a scripted guest, so the console can be seen alive without a
//! browser. It does what a person does with the guest page, through the embedded forge's
//! API and a Rust WebRTC answerer:
//!
//! 1. registers as `bot` and opens an issue;
//! 2. waits for the maintainer's link comment (posted by an OWNER/MEMBER/COLLABORATOR, as
//!    the guest page checks, PROTOCOL.md "Flow A, step by step", step 3), parses the link and decodes the offer;
//! 3. answers with `rtc::peer::start_answerer` and posts the answer token as a comment;
//! 4. once the data channel opens: says hello, then acknowledges every message and echoes
//!    it back as `bot heard: …`.
//!
//! Failures are logged (tracing) and end the bot; they never disturb the host.

use std::time::Duration;

use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::forge::local::LocalForge;
use crate::forge::{Comment, RepoName};
use crate::rtc::peer::{self, PeerEvent, PeerHandle, RtcConfig};
use crate::rtc::protocol::Frame;
use crate::signal::link::GuestLink;
use crate::signal::token::{self, SignalPayload, TokenKind};

/// The bot's login on the embedded forge.
pub const BOT_LOGIN: &str = "bot";
/// Title of the issue the bot opens.
pub const BOT_ISSUE_TITLE: &str = "Hello from the demo bot";
/// First message once connected.
pub const BOT_HELLO: &str = "hello! I'm the Janus demo bot. Type a message and I'll echo it.";
/// How long the bot waits for the link (manual accept may keep it waiting).
const LINK_WAIT: Duration = Duration::from_secs(30 * 60);
/// How long it waits for the data channel after posting its answer.
const OPEN_WAIT: Duration = Duration::from_secs(60);

/// A guest acting through the forge's REST API with its own token.
struct ApiGuest {
    http: octocrab::Octocrab,
    /// `http://127.0.0.1:PORT/api/v3`.
    api: String,
    repo: RepoName,
}

impl ApiGuest {
    async fn post(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value> {
        let url = format!("{}/repos/{}/{}", self.api, self.repo, path);
        let resp = self
            .http
            ._post(url.clone(), Some(&body))
            .await
            .wrap_err_with(|| format!("POST {url}"))?;
        let status = resp.status();
        let text = self.http.body_to_string(resp).await?;
        if !status.is_success() {
            bail!("POST {url} answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    async fn comments(&self, issue: u64) -> Result<Vec<Comment>> {
        let url = format!(
            "{}/repos/{}/issues/{issue}/comments?per_page=100",
            self.api, self.repo
        );
        let resp = self
            .http
            ._get(url.clone())
            .await
            .wrap_err_with(|| format!("GET {url}"))?;
        let text = self.http.body_to_string(resp).await?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// The link inside a maintainer's offer comment (a Markdown link whose target has `#offer=`).
pub fn link_in(body: &str) -> Option<&str> {
    body.split(['(', ')', ' ', '\n', '<', '>'])
        .find(|s| s.contains("#offer=janus1.o."))
}

/// Registers the bot on `forge` and runs its script on a task. `rtc` must suit the demo
/// (loopback, no ICE servers).
pub fn spawn_guest_bot(forge: &LocalForge, rtc: RtcConfig) -> tokio::task::JoinHandle<()> {
    let (_user, token) = forge.create_user(BOT_LOGIN);
    let api = forge.api_url();
    let repo = forge.repo().clone();
    tokio::spawn(async move {
        // The token is only sent to the base URI's host, so the base must be the forge.
        let built = octocrab::Octocrab::builder()
            .base_uri(format!("{api}/"))
            .map(|b| b.personal_token(token).build());
        let guest = match built {
            Ok(Ok(http)) => ApiGuest { http, api, repo },
            Ok(Err(e)) => return tracing::warn!("demo bot: no HTTP client: {e}"),
            Err(e) => return tracing::warn!("demo bot: bad API address {api}: {e}"),
        };
        match run(&guest, &rtc).await {
            Ok(()) => tracing::info!("demo bot: the chat ended"),
            Err(e) => tracing::warn!("demo bot stopped: {e:#}"),
        }
    })
}

async fn run(guest: &ApiGuest, rtc: &RtcConfig) -> Result<()> {
    let issue = guest.post("issues", serde_json::json!({ "title": BOT_ISSUE_TITLE, "body": "I'm a scripted guest: the maintainer's Janus posts a chat link here, I answer it, and we chat." })).await?;
    let number = issue["number"]
        .as_u64()
        .ok_or_else(|| eyre!("the new issue has no number"))?;
    tracing::info!("demo bot: opened issue #{number}");

    let link = wait_for_link(guest, number).await?;
    let offer =
        token::decode(&link.offer).map_err(|e| eyre!("the offer in the link is invalid: {e}"))?;
    let (events_tx, mut events) = mpsc::channel(64);
    let (handle, answer_sdp) = peer::start_answerer(rtc, 1, &offer.payload.sdp, events_tx).await?;
    let answer = token::encode(
        TokenKind::Answer,
        &SignalPayload {
            sid: offer.payload.sid.clone(),
            sdp: answer_sdp,
            exp: None,
        },
    );
    guest
        .post(
            &format!("issues/{number}/comments"),
            serde_json::json!({ "body": answer }),
        )
        .await?;
    tracing::info!("demo bot: answer posted on #{number}");
    chat(&handle, &mut events).await
}

/// Polls the issue's comments until a maintainer posts a link (bounded).
async fn wait_for_link(guest: &ApiGuest, number: u64) -> Result<GuestLink> {
    let deadline = Instant::now() + LINK_WAIT;
    loop {
        for c in guest.comments(number).await? {
            let trusted = matches!(
                c.author_association.as_str(),
                "OWNER" | "MEMBER" | "COLLABORATOR"
            );
            if let (true, Some(url)) = (trusted, link_in(&c.body)) {
                return GuestLink::parse(url)
                    .map_err(|e| eyre!("the maintainer's link is invalid: {e}"));
            }
        }
        if Instant::now() > deadline {
            bail!("no chat link on #{number} after {} s", LINK_WAIT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Says hello once open, then acknowledges and echoes every message until the peer closes.
async fn chat(handle: &PeerHandle, events: &mut mpsc::Receiver<(u64, PeerEvent)>) -> Result<()> {
    let opened = tokio::time::timeout(OPEN_WAIT, async {
        loop {
            match events.recv().await {
                Some((_, PeerEvent::Open)) => return Ok(()),
                Some((_, PeerEvent::Closed { reason })) => {
                    return Err(eyre!("closed before opening: {reason}"))
                }
                Some(_) => {}
                None => return Err(eyre!("the peer task ended")),
            }
        }
    })
    .await;
    opened.map_err(|_| {
        eyre!(
            "the data channel did not open within {} s",
            OPEN_WAIT.as_secs()
        )
    })??;
    let mut next_id = 1u64;
    let mut say = |text: String| {
        let id = format!("b{next_id}");
        next_id += 1;
        let ts = crate::host::unix_now() * 1000;
        handle.send(Frame::Chat {
            id,
            text,
            from: None,
            ts,
            room: None,
        })
    };
    while let Some((_, event)) = events.recv().await {
        match event {
            PeerEvent::Frame(Frame::Hello { .. }) => say(BOT_HELLO.to_string())?,
            PeerEvent::Frame(Frame::Chat { id, text, .. }) => {
                handle.send(Frame::Ack { id })?;
                say(format!("bot heard: {text}"))?;
            }
            PeerEvent::Frame(Frame::Notice { text }) => {
                tracing::info!("demo bot got a notice: {text}")
            }
            PeerEvent::Closed { reason } => {
                tracing::info!("demo bot: closed ({reason})");
                return Ok(());
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_link_in_an_offer_comment() {
        let body = "Hi @bot! …\n\n**[Open the chat](http://127.0.0.1:1/guest/#offer=janus1.o.abc&repo=m/d&issue=3)**\n\n<!-- janus:offer sid=0123456789abcdef -->";
        assert_eq!(
            link_in(body),
            Some("http://127.0.0.1:1/guest/#offer=janus1.o.abc&repo=m/d&issue=3")
        );
        assert_eq!(link_in("no link here"), None);
    }
}
