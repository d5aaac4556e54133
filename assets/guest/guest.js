// Janus guest page: verify the host's offer, answer it, chat (chat.js), read the blog (blog.js).
// Static ES modules, no dependencies, no inline script or style (strict CSP in index.html).
//
// Stable element contract (used by tests/browser; keep in sync):
//   body[data-phase]        loading | intro | invalid | expired | checking | refused |
//                           unverifiable | verified | answering | waiting | connected |
//                           failed | closed
//   #intro                  shown when the page is opened without a Janus fragment
//   #verification[data-state]  checking | verified | refused | unverifiable | expired | invalid
//   #status                 one-line verification result, e.g. "Verified: @maintainer (OWNER) …"
//   #status-detail          why / what to do next
//   #continue-unverified    button, shown only in the unverifiable state
//   #answer-panel           holds the answer once it exists
//   #answer-token           readonly textarea with the janus1.a.… token
//   #copy-answer            copies the token (clipboard API, else selects it + tells to press Ctrl+C)
//   #copy-feedback[data-result]  copied | manual (clipboard refused: the answer is selected, press Ctrl+C)
//   #comment-box-link       link to {issue html_url}#new_comment_form (new tab)
//   #waiting, #wait-text, #elapsed, #wait-hint   waiting for the host; #wait-hint says TURN on failure
//   #session                wraps #chat and #blog once the data channel opens
//   #conn-state[data-state] connecting | connected | closed | failed
//   #peer-name              the host's login from `hello`
//   #verify-line, #verify-code  the verification code (xxx-xxx, same as the host's console)
//                           and how to compare it; shown once the channel opens
//   #chat-log               <ol>, aria-live=polite; each message is
//                           <li class="msg msg-{me|host|system}" data-from="me|host|system" data-id=…>
//                             .who, time, .text; own messages also carry data-acked="false→true" and a .tick (… → ✓)
//   #chat-input, #chat-send, #chat-counter   composer (Enter sends, Shift+Enter newline, ≤ 4096 chars)
//   #leave                  sends `bye`, lets the host close (closes itself after 1 s)
//   #blog, #blog-status, #blog-index (<li><button data-slug=…>), #blog-view, #blog-title,
//   #blog-date, #blog-frame (sandboxed iframe, srcdoc), #blog-back
// window.janusGuest: read-only diagnostics for tests: {phase, pcCreated, answerReadyAt,
//   openedAt, helloAt, framesDropped, framesIgnored, verification, verifyCode}.

import { decodeToken, isExpired } from './token.js';
import { parseFragment, DEFAULT_API } from './link.js';
import { verifyOffer, findAnswerComment } from './verify.js';
import { answerOffer } from './rtc.js';
import { verificationCode } from './verifycode.js';
import { parseStartFragment, startFromRepo } from './start.js';
import { relayServers, wireRelayChoice, selectedPath, pathSentence, failureHint, hasRelayCandidate, createResender, createDedupe } from './reach.js';
import { createFiles, FEATURE as FILES } from './files.js';
import { createBlog } from './blog.js';
import { createChat } from './chat.js';
import { parseFrame, frames, byteLength, cleanLabel, MAX_FRAME_BYTES, PROTOCOL_VERSION } from './protocol.js';

const CONNECT_GRACE_MS = 20000; // answer seen on the issue → channel must open within this
const STILL_WAITING_MS = 180000; // no answer seen at all → generic hint after this

const $ = (id) => document.getElementById(id);

const diag = {
  phase: 'loading',
  pcCreated: false,
  answerReadyAt: null,
  openedAt: null,
  helloAt: null,
  framesDropped: 0,
  framesIgnored: 0,
  verification: null,
  verifyCode: null,
};
window.janusGuest = diag;

const S = {
  link: null,
  offer: null,
  verification: null,
  pc: null,
  channel: null,
  answerToken: '',
  answerSdp: '',
  answerAt: 0,
  answerSeenAt: 0,
  hostName: '',
  guestName: '',
  features: [],
  open: false,
  ended: false,
  leaving: false,
  timers: [],
  relays: [], // the offer's relay servers (reach.js)
  relayOnly: false, // the guest chose "Hide my IP address" (relay only)
  resender: null, // sends unacked chats again (reach.js)
};
const firstSight = createDedupe();

// ---------------------------------------------------------------- small helpers

function setPhase(phase) {
  diag.phase = phase;
  document.body.dataset.phase = phase;
}

function show(id, on = true) {
  $(id).hidden = !on;
}

function setVerification(state, text, detail = '') {
  $('verification').dataset.state = state;
  $('status').textContent = text;
  $('status-detail').textContent = detail;
}

/** `@login` for a name from the other side (see cleanLabel: no bidi tricks, bounded). */
function at(login) {
  return `@${cleanLabel(login, 40)}`;
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Capitalises the first letter (reasons from verify.js start in lower case). */
function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

function fmtClock(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function fmtElapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function later(fn, ms) {
  const t = setTimeout(fn, ms);
  S.timers.push(t);
  return t;
}

/** The issue page on the forge's web UI, when the API did not tell us. */
function fallbackIssueUrl(link) {
  const path = `/${link.owner}/${link.repo}/issues/${link.issue}`;
  if (link.api === DEFAULT_API) return `https://github.com${path}`;
  try {
    const api = new URL(link.api);
    if (/\/api\/v3$/.test(api.pathname)) return `${api.origin}${path}`;
  } catch {
    /* no fallback */
  }
  return null;
}

/** An API base the page may believe: GitHub's, or the very site that served this page. */
function apiIsTrusted(link) {
  if (link.apiIsDefault) return true;
  try {
    return new URL(link.api).origin === location.origin;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- start

async function start() {
  window.addEventListener('hashchange', () => location.reload());
  window.addEventListener('beforeunload', (e) => {
    const startWaits = /^(opened|answered)$/.test(document.body.dataset.phase); // flow B, start.js
    if ((S.open || S.answerSeenAt || diag.phase === 'waiting' || startWaits) && !S.ended) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  wireAnswerPanel();
  wireChat();
  blog = createBlog({ send, show });

  // Flow B: a start link (#repo=… without an offer) is start.js's; the session is ours.
  let startLink = null;
  try {
    startLink = parseStartFragment(location.hash);
  } catch (e) {
    show('connect');
    setPhase('invalid');
    setVerification('invalid', 'This start link is damaged.', `${e.message}. Open the link exactly as the maintainer published it.`);
    return;
  }
  if (startLink) {
    await startFromRepo(startLink, { S, onChannel, onFileChannel: (ch) => (files ? files.onChannel(ch) : ch.close()), onPcState, apiIsTrusted });
    return;
  }

  let link;
  try {
    link = parseFragment(location.hash);
  } catch (e) {
    show('connect');
    setPhase('invalid');
    setVerification('invalid', 'This link is damaged.', `${e.message}. Open the link exactly as the maintainer posted it on the issue.`);
    return;
  }
  if (!link) {
    setPhase('intro');
    show('intro');
    return;
  }
  S.link = link;
  show('connect');
  $('fact-repo').textContent = `${link.owner}/${link.repo}`;
  $('fact-issue').textContent = `#${link.issue}`;
  $('fact-api').textContent = link.apiIsDefault ? 'GitHub (api.github.com)' : hostOf(link.api);

  let offer;
  try {
    offer = await decodeToken(link.offer, 'o');
  } catch (e) {
    setPhase('invalid');
    setVerification('invalid', 'This link is damaged.', `The offer in it cannot be read: ${e.message}. Open the link exactly as the maintainer posted it, or comment on the issue to ask for a new one.`);
    return;
  }
  S.offer = offer;
  S.relays = relayServers(offer.ice);
  wireRelayChoice($('relay-choice'), $('relay-only'), S.relays, reanswer);
  if (isExpired(offer)) {
    showExpired();
    return;
  }

  setPhase('checking');
  setVerification('checking', 'Checking that a maintainer posted this link…', `Asking ${link.apiIsDefault ? 'GitHub' : hostOf(link.api)} for the comments on ${link.owner}/${link.repo}#${link.issue}.`);
  const v = await verifyOffer(link);
  S.verification = v;
  diag.verification = { ...v };

  const issueUrl = v.issueUrl || fallbackIssueUrl(link);
  if (issueUrl) {
    const u = new URL(issueUrl);
    u.hash = 'new_comment_form';
    $('comment-box-link').href = u.toString();
    show('comment-box-link');
  }
  if (v.issueAuthor) $('as-author').textContent = ` while signed in as ${at(v.issueAuthor)} (the maintainer only accepts answers from the issue's author)`;
  if (v.issueTitle) $('issue-title').textContent = cleanLabel(v.issueTitle, 200);

  if (v.state === 'verified' && !apiIsTrusted(link)) {
    setPhase('unverifiable');
    setVerification(
      'unverifiable',
      `Not verified: ${hostOf(link.api)} vouches for ${at(v.login)} (${cleanLabel(v.association, 24)}), but it is not GitHub.`,
      `This link asks ${hostOf(link.api)} to vouch for the maintainer, and that server is neither GitHub nor the site serving this page, so its word proves nothing: a forged link could point to a server that lies. Continue only if you expected the maintainer to use ${hostOf(link.api)}.`,
    );
    offerContinue();
    return;
  }
  if (v.state === 'verified') {
    setPhase('verified');
    setVerification('verified', `Verified: ${at(v.login)} (${cleanLabel(v.association, 24)}) posted this link on ${link.owner}/${link.repo}#${link.issue}.`, 'Preparing your answer…');
    await beginAnswer();
    return;
  }
  if (v.state === 'refused') {
    setPhase('refused');
    setVerification('refused', 'Refused: this link is not from a maintainer of the repository. Nothing was connected.', sentence(v.reason));
    return;
  }
  setPhase('unverifiable');
  setVerification(
    'unverifiable',
    'Could not verify who posted this link.',
    `${sentence(v.reason)}. You can continue anyway, but only if you trust this link: you saw it in a comment by a maintainer of ${link.owner}/${link.repo} on your own issue.`,
  );
  offerContinue();
}

function showExpired() {
  setPhase('expired');
  const when = new Date(S.offer.exp * 1000);
  setVerification(
    'expired',
    'This link has expired.',
    `It was valid until ${when.toLocaleString()}. To get a new one, comment on the issue (or re-open it if it was closed) asking for a new link; the maintainer's Janus will post a fresh link there. There is no need to open another issue.`,
  );
}

function offerContinue() {
  const btn = $('continue-unverified');
  show('continue-unverified');
  btn.addEventListener(
    'click',
    async () => {
      btn.hidden = true;
      if (isExpired(S.offer)) {
        showExpired();
        return;
      }
      $('status-detail').textContent = 'Continuing without verification, as you chose. Preparing your answer…';
      await beginAnswer();
    },
    { once: true },
  );
  btn.focus();
}

// ---------------------------------------------------------------- answer

async function beginAnswer() {
  setPhase('answering');
  diag.pcCreated = true;
  let result;
  try {
    result = await answerOffer({ offer: S.offer, iceUrls: S.link.iceUrls, relays: S.relays, relayOnly: S.relayOnly, onChannel, onFileChannel: (ch) => (files ? files.onChannel(ch) : ch.close()) });
  } catch (e) {
    setPhase('failed');
    $('status-detail').textContent = `Your browser could not answer the offer: ${e && e.message ? e.message : e}. Try a current Firefox, Chrome or Safari, or comment on the issue to ask for a new link.`;
    return;
  }
  S.pc = result.pc;
  S.answerToken = result.answerToken;
  S.answerSdp = result.answerSdp;
  S.answerAt = Date.now();
  diag.answerReadyAt = performance.now();
  S.pc.addEventListener('connectionstatechange', onPcState);
  S.pc.addEventListener('iceconnectionstatechange', onPcState);

  if (!S.open) {
    $('status-detail').textContent = 'Your answer is ready below.';
    $('answer-token').value = S.answerToken;
    show('answer-panel');
    // One keypress from here: Enter copies. Only if the guest is not busy elsewhere.
    if (!document.activeElement || document.activeElement === document.body) $('copy-answer').focus();
    $('offer-expiry').textContent = `Post it before ${fmtClock(S.offer.exp * 1000)}, when the maintainer's offer expires.`;
    startWaiting();
  }
}

/** The guest changed "relay only" before posting: a new answer, gathered that way. */
let reanswers = 0;
async function reanswer(relayOnly) {
  S.relayOnly = relayOnly; // an answer still being made uses it too
  if (S.open || S.answerSeenAt || !S.answerToken) return; // the first answer will use it
  const mine = ++reanswers;
  const old = S.pc;
  S.pc = null;
  if (old) old.close();
  try {
    const r = await answerOffer({ offer: S.offer, iceUrls: S.link.iceUrls, relays: S.relays, relayOnly, onChannel });
    if (mine !== reanswers || S.open || S.answerSeenAt) {
      r.pc.close(); // the guest changed their mind again meanwhile: the newer answer counts
      return;
    }
    Object.assign(S, { pc: r.pc, answerToken: r.answerToken, answerSdp: r.answerSdp });
  } catch (e) {
    $('copy-feedback').textContent = `Could not make a new answer: ${e && e.message ? e.message : e}`;
    return;
  }
  S.pc.addEventListener('connectionstatechange', onPcState);
  S.pc.addEventListener('iceconnectionstatechange', onPcState);
  $('answer-token').value = S.answerToken;
  $('copy-feedback').textContent = relayOnly ? 'New answer: relay only, without your IP addresses. Copy it (again).' : 'New answer, with your IP addresses. Copy it (again).';
}

function wireAnswerPanel() {
  const ta = $('answer-token');
  ta.addEventListener('focus', () => ta.select());
  $('copy-answer').addEventListener('click', async () => {
    const fb = $('copy-feedback');
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(S.answerToken);
      fb.textContent = 'Copied. Now paste it as a new comment on the issue.';
      fb.dataset.result = 'copied';
    } catch {
      ta.focus();
      ta.select();
      fb.textContent = 'Your browser did not let this page copy. The answer is selected: press Ctrl+C (⌘C on a Mac) to copy it.';
      fb.dataset.result = 'manual';
    }
  });
}

function startWaiting() {
  setPhase('waiting');
  show('waiting');
  const tick = () => {
    if (S.open || S.ended) return;
    $('elapsed').textContent = fmtElapsed(Date.now() - S.answerAt);
    if (!S.answerSeenAt && Date.now() - S.answerAt > STILL_WAITING_MS && !$('wait-hint').textContent) {
      $('wait-hint').textContent =
        'Still waiting. Have you posted your answer as a comment on the issue? If you have and nothing happens within half a minute, your network may need a relay (TURN), which Janus does not use by default: try another network (for example a phone hotspot), then comment on the issue to ask for a new link.';
    }
    if (!S.answerSeenAt && S.offer.exp && isExpired(S.offer) && diag.phase === 'waiting') {
      $('wait-hint').textContent = 'The maintainer\'s offer has expired before your answer was seen on the issue. Comment on the issue to ask for a new link.';
    }
    later(tick, 1000);
  };
  tick();
  watchForAnswer();
}

/** Looks for the posted answer on the issue, to start the connection deadline from then. */
function watchForAnswer() {
  let stopped = false;
  let busy = false;
  let lastLook = 0;
  const since = S.verification && S.verification.latestUpdated ? S.verification.latestUpdated : '';
  const look = async () => {
    if (stopped || busy || S.open || S.ended || S.answerSeenAt) return;
    busy = true;
    lastLook = Date.now();
    const r = await findAnswerComment(S.link, S.answerToken, since);
    busy = false;
    if (r.error === 'limited') stopped = true; // don't burn the visitor's rate limit
    if (r.found) answerSeen(r.login);
  };
  const schedule = () => {
    if (stopped || S.open || S.ended || S.answerSeenAt) return;
    const age = Date.now() - S.answerAt;
    if (age > 5 * 60000) return; // stop polling; the generic hint covers the rest
    later(async () => {
      await look();
      schedule();
    }, age < 60000 ? 3000 : 15000);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && Date.now() - lastLook > 2000) look();
  });
  schedule();
}

function answerSeen(login) {
  S.answerSeenAt = Date.now();
  if (S.open) return;
  const author = S.verification && S.verification.issueAuthor;
  if (author && login && login.toLowerCase() !== author.toLowerCase()) {
    $('wait-text').textContent = `Your answer is on the issue, but it was posted by ${at(login)}.`;
    $('wait-hint').textContent = `The maintainer only accepts answers from the person who opened the issue (${at(author)}). Post it again while signed in as ${at(author)}.`;
    return;
  }
  $('wait-text').textContent = 'Your answer is on the issue. Connecting…';
  later(() => {
    if (!S.open && !S.ended) connectFailed('no connection 20 seconds after your answer was posted');
  }, CONNECT_GRACE_MS);
}

function connectFailed(why) {
  if (S.open || S.ended) return;
  setPhase('failed');
  $('conn-state').dataset.state = 'failed';
  $('conn-state').textContent = 'failed';
  $('wait-text').textContent = `Could not connect: ${why}.`;
  $('wait-hint').textContent = failureHint({ relays: S.relays.length, relayOnly: S.relayOnly, gotRelay: hasRelayCandidate(S.answerSdp) });
}

function onPcState() {
  const pc = S.pc;
  if (!pc) return;
  if (pc.connectionState === 'failed' || pc.iceConnectionState === 'failed') {
    if (S.open) endSession('the connection was lost');
    else connectFailed('the network path to the maintainer failed');
  } else if (S.open && (pc.connectionState === 'disconnected' || pc.iceConnectionState === 'disconnected')) {
    setConn('connecting', 'reconnecting…');
  } else if (S.open && pc.connectionState === 'connected') {
    setConn('connected', 'connected');
  }
}

// ---------------------------------------------------------------- session

function setConn(state, text) {
  $('conn-state').dataset.state = state;
  $('conn-state').textContent = text;
}

function onChannel(ch) {
  S.channel = ch;
  ch.binaryType = 'arraybuffer';
  ch.addEventListener('open', onOpen);
  ch.addEventListener('message', (ev) => onFrame(ev.data));
  ch.addEventListener('close', () => (S.leaving ? endSession('you left', true) : endSession('the connection closed')));
  if (ch.readyState === 'open') onOpen();
}

function onOpen() {
  if (S.open) return;
  S.open = true;
  diag.openedAt = performance.now();
  setPhase('connected');
  show('connect', false);
  show('session');
  setConn('connected', 'connected');
  S.resender = createResender(send);
  selectedPath(S.pc).then((path) => {
    diag.path = path;
    if (path) {
      $('conn-path').textContent = path === 'relay' ? 'relayed' : 'direct';
      show('conn-path');
    }
    chat.systemLine(pathSentence(path, S.relayOnly));
  });
  files = createFiles({ send, pc: S.pc, section: $('files'), note: chat.systemLine, diag });
  send({ t: 'hello', v: PROTOCOL_VERSION, features: [FILES] });
  chat.updateComposer();
  chat.focus();
  showVerifyCode(S.offer.sdp, S.answerSdp);
}

/** Shows the code derived from both DTLS fingerprints (offer's first), as the host does. */
async function showVerifyCode(offerSdp, answerSdp) {
  const code = await verificationCode(offerSdp, answerSdp).catch(() => null);
  if (!code) return;
  diag.verifyCode = code;
  $('verify-code').textContent = code;
  show('verify-line');
}

function send(frame) {
  if (!S.channel || S.channel.readyState !== 'open') return false;
  const text = JSON.stringify(frame);
  if (byteLength(text) > MAX_FRAME_BYTES) return false;
  try {
    S.channel.send(text);
    return true;
  } catch {
    return false;
  }
}

function onFrame(data) {
  const r = parseFrame(data);
  if (r.dropped) {
    diag.framesDropped++;
    return;
  }
  if (r.ignored) {
    diag.framesIgnored++;
    return;
  }
  const f = r.frame;
  if (f.t === 'chat' && !firstSight(`${f.room || ''}\u0000${f.id}`)) {
    send(frames.ack(f.id)); // a copy sent again because our ack was lost: shown once
    return;
  }
  switch (f.t) {
    case 'hello':
      diag.helloAt = performance.now();
      S.hostName = cleanLabel(f.host, 40);
      S.guestName = cleanLabel(f.guest, 40);
      S.features = f.features;
      $('peer-name').textContent = at(S.hostName);
      chat.systemLine(`${at(S.hostName)} is here. You are ${at(S.guestName)}.`);
      if (f.v !== PROTOCOL_VERSION) chat.systemLine(`The maintainer's Janus speaks protocol version ${String(f.v).slice(0, 8)}; some things may not work.`);
      if (f.features.includes('blog')) blog.requestIndex();
      if (files) files.hostFeatures(f.features);
      break;
    case 'chat':
      if (f.room) {
        // A room message: from the maintainer or relayed from another member.
        if (!rooms || !rooms.logFor(f.room)) {
          diag.framesIgnored++;
          break;
        }
        const who = f.from || S.hostName || 'maintainer';
        chat.addMessage(who === S.hostName ? 'host' : 'member', who, f.text, f.ts, f.id, f.room);
        rooms.noteMessage(f.room);
      } else {
        chat.addMessage('host', f.from || S.hostName || 'maintainer', f.text, f.ts, f.id);
      }
      send(frames.ack(f.id));
      break;
    case 'room.joined':
    case 'room.member':
    case 'room.left':
      if (rooms) rooms.onFrame(f, chat.systemLine);
      break;
    case 'ack':
      if (S.resender) S.resender.acked(f.id);
      chat.delivered(f.id);
      break;
    case 'notice':
      chat.systemLine(f.text);
      break;
    case 'file.offer':
    case 'file.accept':
    case 'file.reject':
    case 'file.cancel':
    case 'file.done':
    case 'file.fail':
      if (files) files.onFrame(f);
      break;
    case 'bye':
      chat.systemLine(f.reason ? `The maintainer closed the chat: ${f.reason}` : 'The maintainer closed the chat.');
      endSession('the maintainer closed the chat', true);
      break;
    case 'blog.index':
      blog.renderIndex(f.posts);
      break;
    case 'blog.post':
      blog.renderPost(f);
      break;
    default:
      diag.framesIgnored++;
  }
}

function endSession(why, quiet = false) {
  if (S.ended) return;
  if (!S.open) {
    connectFailed(why);
    S.ended = true;
    S.timers.forEach(clearTimeout);
    return;
  }
  S.ended = true;
  S.timers.forEach(clearTimeout);
  if (S.resender) S.resender.stop();
  S.open = false;
  if (files) files.sessionEnded();
  setPhase('closed');
  setConn('closed', 'closed');
  if (!quiet) chat.systemLine(`Disconnected: ${why}.`);
  chat.systemLine('To talk again, comment on the issue to ask for a new link.');
  chat.updateComposer();
  // Close the channel first (it flushes what is queued, e.g. our `bye`), the peer shortly after.
  try {
    if (S.channel) S.channel.close();
  } catch {
    /* already closed */
  }
  const pc = S.pc;
  setTimeout(() => {
    try {
      if (pc) pc.close();
    } catch {
      /* already closed */
    }
  }, 1000);
}

// ---------------------------------------------------------------- chat view

/** The chat view (chat.js), with the rooms (rooms.js); made in start. */
let chat = null;
/** Rooms (PROTOCOL.md "Rooms"): tabs, a log per room, members; the chat view's. */
let rooms = null;
/** The Files panel (files.js), once the channel is open. */
let files = null;
/** The blog panel (blog.js), made in start. */
let blog = null;

function wireChat() {
  chat = createChat({
    send,
    label: at,
    clock: fmtClock,
    session: {
      isOpen: () => S.open,
      isLive: () => S.open && !S.ended && !S.leaving,
      me: () => S.guestName || 'you',
      sent: (frame) => {
        if (S.resender) S.resender.track(frame);
      },
      leave,
    },
  });
  rooms = chat.rooms;
}

/** Orderly close: say bye and let the host close; close ourselves if it has not within 1 s. */
function leave() {
  if (!S.open || S.leaving) return;
  S.leaving = true;
  send(frames.bye('guest left'));
  chat.systemLine('You left the chat.');
  chat.updateComposer();
  setTimeout(() => endSession('you left', true), 1000);
}

start().catch((e) => {
  setPhase('failed');
  show('connect');
  setVerification('invalid', 'Something went wrong on this page.', String(e && e.message ? e.message : e));
});
