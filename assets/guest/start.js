// Flow B, the guest starts (PROTOCOL.md "Flow B, step by step", "The start link and the presence issue"): the start link
//   {pages_url}#repo={owner}/{repo}[&api={url-encoded API base}][&ice=…][&ttl={seconds}]
// shows the repository and whether the maintainer is online (one request for the presence
// issue), then "Start a chat": this page becomes the offerer (channel "janus", ICE gathered
// within a bound), opens GitHub's new-issue form prefilled with a sentence, the offer token
// and <!-- janus:guest-offer sid=… --> in a new tab (this page stays and holds the
// connection), finds its issue and the maintainer's answer by polling unauthenticated
// (conditional requests: every 3 s for the first minute, then every 10 s until the offer
// expires, at most MAX_REQUESTS in all), accepts an answer only from OWNER / MEMBER /
// COLLABORATOR on a trusted API, and connects. The chat itself is guest.js's. `ttl` shortens
// the offer's lifetime (at most OFFER_TTL_SECS), for a host with a shorter offer_ttl.
// Running out of GitHub's rate limit (403/429) and the offer expiring are states of their
// own, each saying what to do next; an expired or failed start has a "Start again" button.
//
// Stable element contract (tests/browser/start.test.mjs):
//   body[data-phase]   start | starting | opened | answered | connected (guest.js) |
//                      start-limited | start-expired | start-failed
//   #start             the section; #start-repo, #presence (data-state online|offline|unknown),
//   #office-hours, #start-chat (button "Start a chat"), #start-status (role=status),
//   #start-wait (shown once started) with #start-elapsed, #start-hint, #start-open (a link to the prefilled issue, if the tab was blocked),
//   #start-again (button "Start again": reloads the start link; shown when expired or failed)
//   #start[data-reset]  unix seconds when GitHub's rate limit resets (start-limited, if known)
// window.janusStart: {phase, requests, requestsAtClick, ignoredAnswers, newIssueUrl, issue}.

import { encodeToken, decodeToken, findTokens } from './token.js';
import { DEFAULT_API, DEFAULT_ICE } from './link.js';
import { TRUSTED_ASSOCIATIONS } from './verify.js';
import { CHANNEL_LABEL, GATHER_TIMEOUT_MS } from './rtc.js';

/** The offer lives this long (the host refuses more than its own offer lifetime, 600 s). */
export const OFFER_TTL_SECS = 300;
/** API requests from the click to the connection, at most. */
export const MAX_REQUESTS = 40;
/** GitHub refuses longer URLs for the new-issue form. */
export const MAX_URL_CHARS = 8000;
const FAST_MS = 3000;
const SLOW_MS = 10000;
const FAST_FOR_MS = 60000;
const TIMEOUT_MS = 10000;
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,99})$/;

const $ = (id) => document.getElementById(id);

const diag = { phase: 'start', requests: 0, requestsAtClick: 0, ignoredAnswers: 0, newIssueUrl: '', issue: 0 };

/** A start link's parameters, or null when the fragment is not one (it has an offer or an issue). */
export function parseStartFragment(hash) {
  const params = new URLSearchParams((hash || '').replace(/^#/, ''));
  if (!params.has('repo') || params.has('offer') || params.has('issue')) return null;
  const parts = (params.get('repo') || '').split('/');
  if (parts.length !== 2 || !NAME_RE.test(parts[0]) || !NAME_RE.test(parts[1]) || parts[1] === '..') {
    throw new Error('the start link does not name a repository as owner/repo');
  }
  let api = DEFAULT_API;
  const given = (params.get('api') || '').trim();
  if (given) {
    const url = new URL(given); // throws on garbage
    if (!/^https?:$/.test(url.protocol) || url.username || url.password) throw new Error('the start link names an unusable API address');
    url.hash = '';
    url.search = '';
    api = url.toString().replace(/\/+$/, '');
  }
  let iceUrls = DEFAULT_ICE.slice();
  if (params.has('ice')) {
    iceUrls = params
      .get('ice')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => /^stuns?:[^\s@/]+$/i.test(s))
      .slice(0, 8);
  }
  // A shorter offer lifetime, in whole seconds; anything else keeps the default.
  const ttl = Number(params.get('ttl'));
  const offerTtl = Number.isInteger(ttl) && ttl >= 1 && ttl <= OFFER_TTL_SECS ? ttl : OFFER_TTL_SECS;
  return { owner: parts[0], repo: parts[1], api, apiIsDefault: api === DEFAULT_API, iceUrls, offerTtl };
}

/** The presence marker of a body: {online, seen (unix s)} or null. */
export function parsePresence(body) {
  const all = [...String(body || '').matchAll(/<!-- janus:presence state=(online|offline) seen=(\d{1,12}) -->/g)];
  const m = all[all.length - 1];
  return m ? { online: m[1] === 'online', seen: Number(m[2]) } : null;
}

/** The answer for `sid` in comments: the first by a maintainer; others are counted, ignored. */
export async function findAnswer(comments, sid) {
  const marker = `<!-- janus:answer sid=${sid} -->`;
  let ignored = 0;
  for (const c of comments || []) {
    if (!c || typeof c.body !== 'string' || !c.body.includes(marker)) continue;
    const assoc = typeof c.author_association === 'string' ? c.author_association.toUpperCase() : 'NONE';
    if (!TRUSTED_ASSOCIATIONS.includes(assoc)) {
      ignored++;
      console.warn(`Janus: ignored an answer by @${c.user && c.user.login} (${assoc}): not a maintainer`);
      continue;
    }
    for (const t of findTokens(c.body)) {
      try {
        const a = await decodeToken(t, 'a');
        if (a.sid === sid) return { answer: a, ignored };
      } catch (e) {
        console.warn(`Janus: a maintainer's answer could not be read: ${e.message}`);
      }
    }
  }
  return { answer: null, ignored };
}

function ago(secs) {
  if (secs < 90) return 'a minute ago';
  if (secs < 5400) return `${Math.round(secs / 60)} minutes ago`;
  if (secs < 36 * 3600) return `${Math.round(secs / 3600)} hours ago`;
  return `${Math.round(secs / 86400)} days ago`;
}

function elapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** GitHub refused for its rate limit; `reset` is unix seconds when it lifts (0: unknown). */
class Limited extends Error {
  constructor(reset) {
    super('rate limit reached');
    this.reset = reset;
  }
}

/** When a 403/429 lifts: the primary limit's reset, or now + Retry-After (secondary limit). */
function resetOf(res) {
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  if (res.headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return reset;
  const after = Number(res.headers.get('retry-after'));
  return Number.isFinite(after) && after > 0 ? Math.floor(Date.now() / 1000) + after : 0;
}

/** One API GET (conditional: the browser revalidates with its cached ETag), counted. */
async function api(url) {
  diag.requests++;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      headers: { Accept: 'application/vnd.github+json' },
      credentials: 'omit',
      cache: 'no-cache',
      referrerPolicy: 'no-referrer',
      signal: ctl.signal,
    });
    if (res.status === 403 || res.status === 429) throw new Limited(resetOf(res));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } finally {
    clearTimeout(timer);
  }
}

function setPhase(phase) {
  diag.phase = phase;
  document.body.dataset.phase = phase;
}

function status(text, hint = '') {
  $('start-status').textContent = text;
  $('start-hint').textContent = hint;
}

/** The "Start again" button: the start link afresh (a new offer, a new issue). */
function offerStartAgain() {
  const again = $('start-again');
  again.hidden = false;
  again.addEventListener('click', () => location.reload(), { once: true });
}

/**
 * Runs the start page. `hooks` are guest.js's session parts:
 * {S, onChannel, onFileChannel, onPcState, apiIsTrusted}. Resolves once the page is shown.
 */
export async function startFromRepo(link, hooks) {
  window.janusStart = diag;
  setPhase('start');
  $('start').hidden = false;
  const full = `${link.owner}/${link.repo}`;
  $('start-repo').textContent = full;
  const repoApi = `${link.api}/repos/${encodeURIComponent(link.owner)}/${encodeURIComponent(link.repo)}`;
  const trusted = hooks.apiIsTrusted(link);
  let htmlUrl = '';
  try {
    const repo = await api(repoApi);
    htmlUrl = typeof repo.html_url === 'string' && /^https?:\/\//.test(repo.html_url) ? repo.html_url : '';
  } catch (e) {
    status(`Could not read ${full}: ${e instanceof Limited ? 'rate limit reached' : e.message}.`, 'Check the start link, or try again in a few minutes.');
    setPhase('start-failed');
    return;
  }
  showPresence(repoApi);
  const btn = $('start-chat');
  if (!trusted) {
    $('start-hint').textContent = `This link uses ${new URL(link.api).host}, which is neither GitHub nor this site: its word on who is a maintainer proves nothing. Start only if you expected the maintainer to use it.`;
  }
  btn.disabled = !htmlUrl;
  btn.addEventListener('click', () => begin(link, hooks, repoApi, htmlUrl), { once: true });
}

/** The presence issue, one request: online now, last seen, office hours. */
async function showPresence(repoApi) {
  const el = $('presence');
  el.dataset.state = 'unknown';
  try {
    const issues = await api(`${repoApi}/issues?labels=janus-presence&state=open&per_page=5`);
    const mine = (Array.isArray(issues) ? issues : []).find((i) => i && TRUSTED_ASSOCIATIONS.includes(String(i.author_association).toUpperCase()));
    const p = mine && parsePresence(mine.body);
    if (!p) {
      el.textContent = 'The maintainer has not said when they are around; you can still try.';
      return;
    }
    const age = Math.max(0, Date.now() / 1000 - p.seen);
    const online = p.online && age < 15 * 60;
    el.dataset.state = online ? 'online' : 'offline';
    el.textContent = online ? 'The maintainer is online now.' : `The maintainer is offline; last seen ${ago(age)}.`;
    const hours = /Office hours: ([^\n]{1,200}?)\.?\n/.exec(mine.body || '');
    if (hours) $('office-hours').textContent = `Office hours: ${hours[1]}.`;
  } catch {
    el.textContent = 'Could not tell whether the maintainer is online; you can still try.';
  }
}

async function begin(link, hooks, repoApi, htmlUrl) {
  const { S } = hooks;
  diag.requestsAtClick = diag.requests;
  setPhase('starting');
  $('start-chat').disabled = true;
  status('Preparing your connection…');
  const pc = new RTCPeerConnection({ iceServers: link.iceUrls.length ? [{ urls: link.iceUrls }] : [] });
  const channel = pc.createDataChannel(CHANNEL_LABEL, { ordered: true });
  hooks.onChannel(channel);
  // The host opens a `file:{id}` channel for each file it sends (files.js); nothing else.
  pc.addEventListener('datachannel', (ev) => {
    if (hooks.onFileChannel && ev.channel.label.startsWith('file:')) hooks.onFileChannel(ev.channel);
    else ev.channel.close();
  });
  channel.addEventListener('open', () => {
    $('start').hidden = true;
  });
  S.pc = pc;
  pc.addEventListener('connectionstatechange', hooks.onPcState);
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' && !S.open) {
      setPhase('start-failed');
      status(
        'Could not connect to the maintainer: the network path failed.',
        'Your network (or theirs) may block direct connections and need a relay (TURN). Try another network, for example a phone hotspot, then press "Start again".',
      );
      offerStartAgain();
    }
  });
  let token;
  let sid;
  let exp;
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    sid = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    exp = Math.floor(Date.now() / 1000) + link.offerTtl;
    const sdp = pc.localDescription.sdp;
    token = await encodeToken('o', { sid, sdp, exp });
    S.offer = { kind: 'o', sid, sdp, exp };
  } catch (e) {
    setPhase('start-failed');
    status(`Your browser could not make a connection offer: ${e && e.message ? e.message : e}.`, 'Try a current Firefox, Chrome or Safari.');
    return;
  }
  const body = `Hi! I would like to chat with the maintainer. (Janus, the maintainer's chat tool, opened this issue for me; the line below is my connection offer.)\n\n${token}\n\n<!-- janus:guest-offer sid=${sid} -->`;
  const url = `${htmlUrl}/issues/new?title=${encodeURIComponent('Chat request')}&body=${encodeURIComponent(body)}`;
  if (url.length >= MAX_URL_CHARS) {
    setPhase('start-failed');
    status('Your connection offer is too long for a GitHub link.', 'Your network has many addresses; try another network, or ask the maintainer for a chat on an issue instead.');
    return;
  }
  diag.newIssueUrl = url;
  $('start-open').href = url;
  $('start-open').hidden = false;
  window.open(url, '_blank', 'noopener');
  setPhase('opened');
  $('start-wait').hidden = false;
  const started = Date.now();
  const tick = () => {
    if (S.open || S.ended || !/^(opened|answered)$/.test(diag.phase)) return;
    $('start-elapsed').textContent = `${elapsed(Date.now() - started)} (until ${new Date(exp * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })})`;
    setTimeout(tick, 1000);
  };
  tick();
  status('GitHub opened in a new tab with your chat request filled in: press "Create" there, then come back here.', 'Waiting for your issue to appear, then for the maintainer\'s answer…');
  await poll(link, hooks, repoApi, sid, exp, started, pc);
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function poll(link, hooks, repoApi, sid, exp, started, pc) {
  const { S } = hooks;
  const marker = `<!-- janus:guest-offer sid=${sid} -->`;
  let issue = 0;
  for (;;) {
    const age = Date.now() - started;
    // Never sleep past the offer's expiry: the page says so when it happens.
    const wait = Math.min(age < FAST_FOR_MS ? FAST_MS : SLOW_MS, Math.max(0, exp * 1000 - Date.now()));
    await new Promise((r) => setTimeout(r, wait));
    if (S.open || S.ended) return;
    if (Date.now() / 1000 >= exp) {
      setPhase('start-expired');
      if (issue) {
        status(
          `Your chat request expired before the maintainer answered (issue #${issue}).`,
          'They may be away: check the office hours above. Your issue stays open for them; press "Start again" for a new request when they are around.',
        );
      } else {
        status(
          'Your chat request expired before its issue appeared on GitHub.',
          'Did you press "Create" in the GitHub tab? Press "Start again" to make a new request.',
        );
      }
      offerStartAgain();
      return;
    }
    if (diag.requests - diag.requestsAtClick >= MAX_REQUESTS) {
      setPhase('start-limited');
      status('Stopped checking, to spare your GitHub rate limit.', 'If you created the issue, the maintainer will see it there. Reload this page later to try again.');
      return;
    }
    try {
      if (!issue) {
        const list = await api(`${repoApi}/issues?state=open&sort=created&direction=desc&per_page=30`);
        const mine = (Array.isArray(list) ? list : []).find((i) => i && typeof i.body === 'string' && i.body.includes(marker));
        if (!mine) continue;
        issue = mine.number;
        diag.issue = issue;
        status(`Your issue #${issue} is open. Waiting for the maintainer's answer…`, 'Keep this tab open: it connects by itself.');
        // Look for the answer at once (the maintainer's Janus may have answered already),
        // unless that would go over the budget: the loop's top then says so.
        if (diag.requests - diag.requestsAtClick >= MAX_REQUESTS) continue;
      }
      const comments = await api(`${repoApi}/issues/${issue}/comments?per_page=100`);
      const { answer, ignored } = await findAnswer(comments, sid);
      diag.ignoredAnswers = Math.max(diag.ignoredAnswers, ignored);
      if (!answer) continue;
      if (!hooks.apiIsTrusted(link)) console.warn('Janus: the answer is vouched for by an API that is not GitHub');
      setPhase('answered');
      status('The maintainer answered. Connecting…');
      S.answerSdp = answer.sdp;
      S.answerAt = Date.now();
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      return;
    } catch (e) {
      if (e instanceof Limited) {
        setPhase('start-limited');
        if (e.reset) $('start').dataset.reset = String(e.reset);
        const when = e.reset ? ` after ${new Date(e.reset * 1000).toLocaleTimeString()}` : ' in an hour';
        const mine = issue ? `your issue #${issue} stays open for the maintainer` : 'if you created the issue, it stays open for the maintainer';
        status('GitHub\'s limit for visitors who are not signed in was reached: this page stopped checking for the answer.', `Try again${when} by reloading this page; ${mine}.`);
        return;
      }
      status('Could not reach GitHub just now; trying again…', String(e && e.message ? e.message : e));
    }
  }
}
