// The scale benchmark (issue #12, item 10): N real guest pages in one headless Debian
// Chromium, each doing real WebRTC with a real `janus demo --plain` host on loopback, all
// chatting at the same time. Used by scripts/bench-scale (the numbers in BENCHMARKS.md)
// and by tests/browser/scale.test.mjs (a small CI smoke run that asserts nothing is lost).
//
// The human steps go through the embedded forge's REST API: each guest registers, opens an
// issue and posts its answer as a comment with its own throwaway token. Everything else is
// the real thing: the host polls the forge, posts the offer, reads the answer and connects;
// each guest is the guest page (assets/guest/) verifying the offer, answering, and sending
// chat through its own composer, acked by the host. Host → guest messages are typed into
// the host's console (`reply <login> <text>`), acked by the page.
//
// Measured per run: guests connected; issue opened → channel open and answer posted →
// channel open (p50/p95); guest chat → host ack round trip (p50/p99/max) and acks lost;
// host console → guest page delivery (p50/p99) and messages lost; the host's RSS (VmRSS at
// the end, VmHWM peak) and CPU (utime+stime over the chatting window) from /proc.
//
// Run directly: node tests/browser/bench-scale.mjs [--seconds S] [--poll P] N...
// (prints one Markdown row per N; JANUS_BIN picks the binary, default target/release/janus).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { ROOT, JanusDemo, forgeApi, guestLinkIn, launchChromium, waitUntil } from './helpers.mjs';
import { descendants, machineCpu, percentile, procStats, sumStats } from './procstats.mjs';

const now = () => performance.timeOrigin + performance.now();

/**
 * Installed in every guest page before its scripts run: timestamps each `chat` frame the
 * page sends and the `ack` that answers it, and each host `chat` that arrives. It only
 * observes: frames still go through the page's own code, which shows and acks them.
 */
function pageProbe() {
  const t = () => performance.timeOrigin + performance.now();
  const B = (window.__bench = { pending: new Map(), rtts: [], sent: 0, acked: 0, unknownAcks: 0, hostChats: [], closedAt: null });
  const realSend = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function send(data) {
    let id = null;
    if (typeof data === 'string' && data.startsWith('{"t":"chat"')) {
      try {
        id = JSON.parse(data).id;
      } catch {
        id = null;
      }
    }
    const at = t();
    const r = realSend.call(this, data);
    if (id !== null) {
      B.pending.set(id, at);
      B.sent++;
    }
    return r;
  };
  const onMessage = (e) => {
    if (typeof e.data !== 'string') return;
    let f;
    try {
      f = JSON.parse(e.data);
    } catch {
      return;
    }
    if (f.t === 'ack') {
      const at = B.pending.get(f.id);
      if (at === undefined) {
        B.unknownAcks++;
        return;
      }
      B.pending.delete(f.id);
      B.acked++;
      B.rtts.push(t() - at);
    } else if (f.t === 'chat') {
      B.hostChats.push([String(f.text), t()]);
    }
  };
  const Real = window.RTCPeerConnection;
  window.RTCPeerConnection = new Proxy(Real, {
    construct(target, args, newTarget) {
      const pc = Reflect.construct(target, args, newTarget);
      pc.addEventListener('datachannel', (ev) => {
        ev.channel.addEventListener('message', onMessage);
        ev.channel.addEventListener('close', () => {
          B.closedAt = t();
        });
      });
      return pc;
    },
  });
}

/**
 * In the page: types a message into the composer and submits it `rate` times a second for
 * `seconds`, on a fixed schedule from a random phase (so N guests do not send in lockstep).
 */
function pageChat([rate, seconds, login]) {
  const input = document.getElementById('chat-input');
  const form = document.getElementById('chat-form');
  const period = 1000 / rate;
  const start = performance.now() + Math.random() * period;
  const end = start + seconds * 1000;
  window.__bench.chatting = true;
  let k = 0;
  const tick = () => {
    const due = start + k * period;
    if (due >= end) {
      window.__bench.chatting = false;
      return;
    }
    input.value = `message ${k} from ${login}: the quick brown fox jumps over the lazy dog`;
    input.dispatchEvent(new Event('input'));
    form.requestSubmit();
    k++;
    setTimeout(tick, Math.max(0, start + k * period - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
}

/** In the page: what the probe and the page itself say at the end. */
function pageReport() {
  const B = window.__bench;
  return {
    phase: document.body.dataset.phase,
    sent: B.sent,
    acked: B.acked,
    unacked: B.pending.size,
    unknownAcks: B.unknownAcks,
    rtts: B.rtts,
    hostChats: B.hostChats,
    closedAt: B.closedAt,
    chatting: !!B.chatting,
    // The page's own view: its messages still waiting for their tick.
    domUnacked: document.querySelectorAll('#chat-log li[data-from="me"][data-acked="false"]').length,
    domMine: document.querySelectorAll('#chat-log li[data-from="me"]').length,
    framesDropped: window.janusGuest.framesDropped,
  };
}

/**
 * Watches the repository's comments (one poller for all guests, 2 requests/s at most) and
 * resolves `linkFor(issue)` with the guest link the host posts on that issue.
 */
function linkWatcher(forge, token, { intervalMs = 500 } = {}) {
  const links = new Map(); // issue number → {link, seenAt}
  const waiting = new Map(); // issue number → resolve
  let since = '';
  let stopped = false;
  let lastError = null;
  (async () => {
    while (!stopped) {
      try {
        for (const c of await forge.repoCommentsSince(since, token)) {
          if (c.updated_at > since) since = c.updated_at;
          const link = c.user?.login === 'maintainer' ? guestLinkIn(c.body) : null;
          const n = Number(/\/issues\/(\d+)$/.exec(c.issue_url || '')?.[1]);
          if (link && n && !links.has(n)) {
            links.set(n, { link, seenAt: now() });
            waiting.get(n)?.(links.get(n));
            waiting.delete(n);
          }
        }
      } catch (e) {
        lastError = e;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    linkFor(n, timeoutMs) {
      if (links.has(n)) return Promise.resolve(links.get(n));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(n);
          reject(new Error(`no guest link on issue #${n} within ${timeoutMs} ms${lastError ? ` (last poll error: ${lastError.message})` : ''}`));
        }, timeoutMs);
        waiting.set(n, (v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
    stop() {
      stopped = true;
    },
  };
}

/** One guest from issue to open channel; resolves to its page and timings (or throws). */
async function connectGuest({ context, forge, watcher, login, token, connectTimeoutMs, render }) {
  const issueAt = now();
  const issue = await forge.openIssue(token, `Scale benchmark: ${login} would like to chat`, 'Opened by tests/browser/bench-scale.mjs.');
  const { link, seenAt: linkAt } = await watcher.linkFor(issue.number, connectTimeoutMs);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(link, { timeout: 30000 });
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 30000 }).catch(async (e) => {
    throw new Error(`${login}: no answer on the page (phase ${await page.getAttribute('body', 'data-phase')}: ${await page.textContent('#status-detail')}): ${e.message}`);
  });
  const answer = await page.inputValue('#answer-token');
  const answerAt = now();
  // Unless asked to render, the page is taken out of layout and paint (CSSOM, so its CSP
  // allows it): its scripts, DOM and WebRTC run as they are, but N pages repainting a chat
  // log would need more CPU than this whole machine has, and the host is what is measured.
  if (!render) await page.evaluate(() => document.documentElement.style.setProperty('display', 'none'));
  await forge.comment(token, issue.number, answer);
  await page.waitForSelector('body[data-phase="connected"]', { state: 'attached', timeout: 60000 }).catch(async (e) => {
    throw new Error(`${login}: the channel did not open (phase ${await page.getAttribute('body', 'data-phase')}: ${await page.textContent('#wait-text')}): ${e.message}`);
  });
  const openAt = await page.evaluate(() => performance.timeOrigin + window.janusGuest.openedAt);
  // The host's hello: the host has the conversation, so replies can be addressed to it.
  await page.waitForFunction(() => window.janusGuest.helloAt !== null, null, { timeout: 15000 });
  return { login, issue: issue.number, page, errors, issueToOpen: openAt - issueAt, answerToOpen: openAt - answerAt, issueToLink: linkAt - issueAt };
}

/**
 * One run with `n` guests. Options: `seconds` of chatting at `rate` messages/s per guest,
 * host → each guest one message every `hostEveryMs`, the host's `pollInterval` (s). Resolves
 * to the measurements; never throws for a guest that fails to connect (it is counted).
 */
export async function runScale({ bin, n, seconds = 30, rate = 2, hostEveryMs = 5000, pollInterval = 1, connectTimeoutMs, render = false, log = () => {}, verbose = false }) {
  connectTimeoutMs ??= 60000 + 4000 * n; // the host posts its links one write at a time
  const janus = await new JanusDemo(bin, { pollInterval, verbose }).start();
  let browser;
  const guests = [];
  try {
    const forge = forgeApi(janus.api);
    browser = await launchChromium();
    // One browser context for all guests (the page keeps nothing in storage): a context per
    // guest took twice the memory. Each guest is still its own page, peer and login.
    const context = await browser.newContext();
    await context.addInitScript(pageProbe);
    const users = [];
    for (let i = 1; i <= n; i++) {
      const login = `guest${String(i).padStart(3, '0')}`;
      users.push({ login, token: (await forge.register(login)).token });
    }
    const watcher = linkWatcher(forge, users[0].token);
    const started = now();
    log(`  n=${n}: ${n} guests open their issues`);
    const connectedAt = [];
    // All at once, as a burst of issues would: each guest waits for its own link.
    const results = await Promise.allSettled(
      users.map(async (u) => {
        const g = await connectGuest({ context, forge, watcher, ...u, connectTimeoutMs, render });
        connectedAt.push(now());
        if (connectedAt.length % 10 === 0 || connectedAt.length === n) log(`  n=${n}: ${connectedAt.length} connected after ${((now() - started) / 1000).toFixed(1)} s`);
        return g;
      }),
    );
    watcher.stop();
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    guests.push(...results.filter((r) => r.status === 'fulfilled').map((r) => r.value));
    const connectSeconds = (now() - started) / 1000;

    // Connected but quiet (keepalives only), for 5 s: the cost of holding the peers.
    const idleBefore = await procStats(janus.pid);
    const idleStart = now();
    await sleep(5000);
    const idleAfter = await procStats(janus.pid);
    const idleCpuPercent = ((idleAfter.cpuTicks - idleBefore.cpuTicks) / idleBefore.ticksPerSec / ((now() - idleStart) / 1000)) * 100;

    // The chatting window: every connected guest at `rate`/s, the host's console replying.
    const hostSent = new Map(); // text → sent at
    // Chromium: every process under this node process but janus.
    const browserPids = (await descendants(process.pid)).filter((p) => p !== janus.pid);
    const browserBefore = await sumStats(browserPids);
    const machineBefore = await machineCpu();
    const before = await procStats(janus.pid);
    const windowStart = now();
    await Promise.all(guests.map((g) => g.page.evaluate(pageChat, [rate, seconds, g.login])));
    let hostSeq = 0;
    let peakRssKiB = before.rssKiB;
    const stepMs = guests.length ? hostEveryMs / guests.length : 1000;
    while (now() - windowStart < seconds * 1000) {
      if (guests.length) {
        const g = guests[hostSeq % guests.length];
        const text = `h${hostSeq} for ${g.login}`;
        hostSent.set(text, now());
        janus.send(`reply ${g.login} ${text}`);
        hostSeq++;
      }
      if (hostSeq % 20 === 0) peakRssKiB = Math.max(peakRssKiB, (await procStats(janus.pid)).rssKiB);
      await sleep(stepMs);
    }
    const after = await procStats(janus.pid);
    const windowSecs = (now() - windowStart) / 1000;
    const machineAfter = await machineCpu();
    const browserAfter = await sumStats(browserPids);
    log(`  n=${n}: chatted for ${windowSecs.toFixed(1)} s; waiting for the last acks`);
    // Drain: bounded wait for the last acks and host messages.
    await waitUntil(
      async () => {
        const reps = await Promise.all(guests.map((g) => g.page.evaluate(() => ({ c: window.__bench.chatting, u: window.__bench.pending.size, h: window.__bench.hostChats.length }))));
        return reps.every((r) => !r.c && r.u === 0) && reps.reduce((s, r) => s + r.h, 0) >= hostSent.size;
      },
      { timeoutMs: 10000, intervalMs: 250, what: 'the last acks' },
    ).catch(() => {});
    const reports = await Promise.all(guests.map((g) => g.page.evaluate(pageReport)));
    const rtts = reports.flatMap((r) => r.rtts);
    const delivered = [];
    for (const r of reports) {
      for (const [text, at] of r.hostChats) {
        const sentAt = hostSent.get(text);
        if (sentAt !== undefined) delivered.push(at - sentAt);
      }
    }
    const sum = (k) => reports.reduce((s, r) => s + r[k], 0);
    // What the host logged meanwhile (janus.log in its data dir): errors and warnings.
    const logText = (() => {
      try {
        return readFileSync(join(janus.home, 'data', 'janus.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    return {
      logErrors: (logText.match(/\bERROR\b/g) || []).length,
      logWarnings: (logText.match(/\bWARN\b/g) || []).length,
      n,
      connected: guests.length,
      failures,
      connectSeconds,
      issueToOpen: guests.map((g) => g.issueToOpen),
      answerToOpen: guests.map((g) => g.answerToOpen),
      issueToLink: guests.map((g) => g.issueToLink),
      windowSecs,
      sent: sum('sent'),
      acked: sum('acked'),
      acksLost: sum('sent') - sum('acked'),
      unknownAcks: sum('unknownAcks'),
      domUnacked: sum('domUnacked'),
      domMine: sum('domMine'),
      framesDropped: sum('framesDropped'),
      closedDuringRun: reports.map((r, i) => (r.phase !== 'connected' || r.closedAt !== null ? `${guests[i].login}: ${r.phase}` : null)).filter(Boolean),
      pageErrors: guests.flatMap((g) => g.errors.map((e) => `${g.login}: ${e}`)),
      rtts,
      hostSent: hostSent.size,
      hostDelivered: delivered.length,
      hostToGuest: delivered,
      rssKiB: Math.max(after.rssKiB, peakRssKiB),
      rssEndKiB: after.rssKiB,
      hwmKiB: after.hwmKiB,
      threads: after.threads,
      idleCpuPercent,
      idleRssKiB: idleAfter.rssKiB,
      cpuPercent: ((after.cpuTicks - before.cpuTicks) / before.ticksPerSec / windowSecs) * 100,
      load: loadavg(),
      // Context for the latencies: how busy the whole machine and the browser were.
      machineBusyPercent: ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * 100,
      browserCpuPercent: ((browserAfter.cpuTicks - browserBefore.cpuTicks) / 100 / windowSecs) * 100,
      browserPssMiB: browserAfter.pssKiB / 1024,
      browserProcesses: browserAfter.count,
    };
  } finally {
    await browser?.close().catch(() => {});
    await janus.stop();
  }
}

const ms = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '–');
const s = (v) => (Number.isFinite(v) ? (v / 1000).toFixed(1) : '–');

/** The Markdown table header matching `tableRow`. */
export const TABLE_HEADER = [
  '| N | connected | issue → open p50 / p95 | answer → open p50 / p95 | msgs/s | acks lost | guest → host ack RTT p50 / p99 / max | host → guest p50 / p99 (lost) | host RSS end / peak (VmHWM) | host CPU |',
  '|---|---|---|---|---|---|---|---|---|---|',
].join('\n');

/** One Markdown row for a result of `runScale`. */
export function tableRow(r) {
  const p = (a, q) => percentile(a, q);
  return (
    `| ${r.n} | ${r.connected}/${r.n} | ${s(p(r.issueToOpen, 50))} / ${s(p(r.issueToOpen, 95))} s | ${s(p(r.answerToOpen, 50))} / ${s(p(r.answerToOpen, 95))} s ` +
    `| ${(r.sent / r.windowSecs).toFixed(0)} | ${r.acksLost} of ${r.sent} | ${ms(p(r.rtts, 50))} / ${ms(p(r.rtts, 99))} / ${ms(Math.max(...r.rtts))} ms ` +
    `| ${ms(p(r.hostToGuest, 50))} / ${ms(p(r.hostToGuest, 99))} ms (${r.hostSent - r.hostDelivered}) | ${(r.rssEndKiB / 1024).toFixed(0)} / ${(r.hwmKiB / 1024).toFixed(0)} MB | ${r.cpuPercent.toFixed(1)} % |`
  );
}

/** What the environment was: for the notes under the table. */
export function machineNotes() {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  return { cpu };
}

async function main(argv) {
  const opts = { seconds: 30, pollInterval: 1, rate: 2, ns: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--poll') opts.pollInterval = Number(argv[++i]);
    else if (a === '--rate') opts.rate = Number(argv[++i]);
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--render') opts.render = true;
    else if (/^\d+$/.test(a)) opts.ns.push(Number(a));
    else throw new Error(`unknown argument ${a}; usage: bench-scale.mjs [--seconds S] [--poll P] [--rate R] [--render] [--verbose] N...`);
  }
  if (opts.ns.length === 0) opts.ns = [10, 50, 100];
  const bin = process.env.JANUS_BIN || join(ROOT, 'target', 'release', 'janus');
  if (!existsSync(bin)) throw new Error(`janus binary not found at ${bin}: build it (cargo build --release) or set JANUS_BIN`);
  const log = (m) => console.error(m);
  const rows = [];
  const notes = [];
  for (const n of opts.ns) {
    const r = await runScale({ bin, n, seconds: opts.seconds, rate: opts.rate, pollInterval: opts.pollInterval, render: opts.render, log, verbose: opts.verbose });
    rows.push(tableRow(r));
    const note =
      `N=${n}: connected and quiet the host used ${r.idleCpuPercent.toFixed(1)} % of a core, RSS ${(r.idleRssKiB / 1024).toFixed(0)} MB; issue → link posted p50 ${s(percentile(r.issueToLink, 50))} s, p95 ${s(percentile(r.issueToLink, 95))} s; all connected after ${r.connectSeconds.toFixed(0)} s; ` +
      `${r.sent} chat messages (${r.unknownAcks} unknown acks, ${r.domUnacked} unticked on the pages), ${r.hostSent} host messages; ` +
      `while chatting the machine was ${r.machineBusyPercent.toFixed(0)} % busy (both cores), Chromium used ${r.browserCpuPercent.toFixed(0)} % of a core and ${r.browserPssMiB.toFixed(0)} MB (PSS) in ${r.browserProcesses} processes; ` +
      `load average after ${r.load.map((x) => x.toFixed(1)).join(' ')}; ${r.threads} host threads; janus.log: ${r.logErrors} ERROR, ${r.logWarnings} WARN lines`;
    notes.push(note);
    log(`  ${note}`);
    if (r.failures.length) log(`  n=${n}: ${r.failures.length} guests did not connect:\n    ${r.failures.slice(0, 10).join('\n    ')}`);
    if (r.closedDuringRun.length) log(`  n=${n}: closed during the run: ${r.closedDuringRun.slice(0, 10).join(', ')}`);
    if (r.pageErrors.length) log(`  n=${n}: page errors: ${r.pageErrors.slice(0, 5).join(' | ')}`);
    log(`  ${rows.at(-1)}`);
  }
  console.log(`Chatting ${opts.seconds} s at ${opts.rate} messages/s per guest, host poll interval ${opts.pollInterval} s, ${process.env.JANUS_BIN ? bin : 'target/release/janus'}; ${machineNotes().cpu}.\n`);
  console.log(TABLE_HEADER);
  for (const row of rows) console.log(row);
  console.log('');
  for (const note of notes) console.log(`- ${note}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(`bench-scale: ${e.stack || e.message}`);
      process.exit(1);
    },
  );
}
