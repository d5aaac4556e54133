// Shared helpers for the browser tests: Debian chromium via playwright-core (never a
// downloaded browser), a tiny static server for assets/guest with a fake forge API, and
// bounded waiting; `janus demo` as a child process and a client for its forge's API.
// Everything listens on 127.0.0.1 only.

import { createServer, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GUEST_DIR = join(ROOT, 'assets', 'guest');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.JANUS_CHROMIUM || '/usr/bin/chromium';

/** Launch flags for the browser tests, plus --disable-quic. playwright-core adds a fresh --user-data-dir. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export function artifactsDir() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/** Polls `fn` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function waitUntil(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr.message})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** Waits (bounded) for /usr/bin/chromium, which may still be installing via apt. */
export async function ensureChromium({ timeoutMs = 5 * 60000 } = {}) {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  await waitUntil(() => existsSync(CHROMIUM), { timeoutMs, intervalMs: 2000, what: `${CHROMIUM} (install it with: apt-get install -y chromium)` });
  return CHROMIUM;
}

/**
 * Launches headless Debian chromium. `extraArgs` are appended to CHROMIUM_ARGS. With
 * `proxy` (from startRecordingProxy), every HTTP(S) request the browser makes — from any
 * page, popup or out-of-process frame (Playwright does not report requests of sandboxed
 * frames) — goes through that proxy, loopback included, so the test sees all of them.
 */
export async function launchChromium(extraArgs = [], { proxy } = {}) {
  const { chromium } = await import('playwright-core');
  const executablePath = await ensureChromium();
  const proxyArgs = proxy ? [`--proxy-server=http://127.0.0.1:${proxy.port}`, '--proxy-bypass-list=<-loopback>'] : [];
  // Chromium honours only the last --disable-features, which replaces playwright-core's own
  // list: merge ours into one flag that keeps the browser's background chatter down.
  const features = new Set();
  const args = [...CHROMIUM_ARGS, ...proxyArgs, ...extraArgs].filter((a) => {
    const m = /^--disable-features=(.*)$/.exec(a);
    if (m) m[1].split(',').filter(Boolean).forEach((f) => features.add(f));
    return !m;
  });
  if (features.size) QUIET_FEATURES.forEach((f) => features.add(f));
  if (features.size) args.push(`--disable-features=${[...features].join(',')}`);
  return chromium.launch({ executablePath, headless: true, args, timeout: 60000 });
}

/** Background services of Chromium itself, off while testing (see launchChromium). */
const QUIET_FEATURES = [
  'NetworkTimeServiceQuerying',
  'OptimizationHints',
  'OptimizationHintsFetching',
  'OptimizationGuideModelDownloading',
  'AutofillServerCommunication',
  'MediaRouter',
  'LensOverlay',
  'PaintHolding',
];

/**
 * Chromium's own service endpoints (sign-in, component updates, time), which the browser
 * contacts by itself whatever the page does. Only these exact hosts are excused: a page
 * request to a CDN, a font service or any other host still counts as leaving the machine.
 */
export const BROWSER_SERVICE_HOSTS = ['accounts.google.com', 'clients2.google.com', 'update.googleapis.com', 'content-autofill.googleapis.com', 'optimizationguide-pa.googleapis.com', 'safebrowsing.googleapis.com'];

/**
 * A recording HTTP proxy on 127.0.0.1: forwards requests for 127.0.0.1 and refuses anything
 * else (502, or 403 for CONNECT tunnels), recording every URL (`host:port` for CONNECT) in
 * `requests`. Resolves to {port, requests, close()}.
 */
export async function startRecordingProxy() {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1') {
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end('refused by the test proxy: not loopback');
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/**
 * Collects what a page reports that tests should fail on: CSP violations, page errors,
 * console errors. Call before page.goto.
 */
export async function watchPage(page) {
  const seen = { csp: [], errors: [], console: [] };
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
    // Count peer connections independently of the page's own diagnostics.
    const Real = window.RTCPeerConnection;
    window.__pcCount = 0;
    if (Real) {
      window.RTCPeerConnection = new Proxy(Real, {
        construct(target, args, newTarget) {
          window.__pcCount++;
          return Reflect.construct(target, args, newTarget);
        },
      });
    }
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.console.push(m.text());
  });
  // Every request the page (or any of its frames) makes, failed or blocked ones included.
  seen.requests = [];
  page.on('request', (r) => seen.requests.push(r.url()));
  return seen;
}

/**
 * Requests in `urls` that leave this machine: anything but 127.0.0.1, data: and about:
 * (and, for the proxy's log, Chromium's own BROWSER_SERVICE_HOSTS).
 */
export function offLoopback(urls) {
  return urls.filter((u) => {
    if (/^(?:http:\/\/127\.0\.0\.1:\d+\/|data:|about:)/.test(u)) return false;
    const host = /^CONNECT ([^:]+):\d+$/.exec(u)?.[1] ?? (() => {
      try {
        return new URL(u).hostname;
      } catch {
        return '';
      }
    })();
    return !BROWSER_SERVICE_HOSTS.includes(host);
  });
}

/**
 * A fake host: a plain page (/blank.html of `srv`) holding the offerer side of a real
 * RTCPeerConnection, controlled from the test. Resolves to {page, offer, apply(answer),
 * waitOpen(), send(frame|string), received(), waitFrame(pred, what)}.
 */
export async function fakeHost(context, srv, { sid = 'feedfacecafebeef' } = {}) {
  const page = await context.newPage();
  await page.goto(`${srv.origin}/blank.html`);
  const offer = await page.evaluate(async (sid) => {
    const { encodeToken } = await import('/guest/token.js');
    const pc = new RTCPeerConnection({ iceServers: [] });
    const ch = pc.createDataChannel('janus');
    const host = { pc, ch, received: [] };
    window.host = host;
    ch.onmessage = (e) => host.received.push(JSON.parse(e.data));
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 3000);
    });
    return encodeToken('o', { sid, sdp: pc.localDescription.sdp, exp: Math.floor(Date.now() / 1000) + 600 });
  }, sid);
  return {
    page,
    offer,
    apply: (answer) =>
      page.evaluate(
        async ([answer, sid]) => {
          const { decodeToken } = await import('/guest/token.js');
          const a = await decodeToken(answer, 'a');
          if (a.sid !== sid) throw new Error(`answer sid ${a.sid}`);
          await window.host.pc.setRemoteDescription({ type: 'answer', sdp: a.sdp });
        },
        [answer, sid],
      ),
    waitOpen: () => page.waitForFunction(() => window.host.ch.readyState === 'open', null, { timeout: 15000 }),
    send: (frame) => page.evaluate((f) => window.host.ch.send(typeof f === 'string' ? f : JSON.stringify(f)), frame),
    received: () => page.evaluate(() => window.host.received),
    waitFrame: (pred, what) =>
      waitUntil(async () => (await page.evaluate(() => window.host.received)).find(pred), { timeoutMs: 10000, what: `host to receive ${what}` }),
  };
}

/**
 * Opens the guest page on a verified link for a fresh fake host and connects it: the offer
 * is posted by `maintainer` (OWNER) on a new issue of `srv`, the page answers, the test
 * "posts" the answer and the host applies it. `issue` overrides the issue's fields (title,
 * user, extra comments). Resolves to {host, n, answer} with the page in phase `connected`.
 */
export async function connectGuest(page, context, srv, { issue = {}, sid } = {}) {
  const host = await fakeHost(context, srv, sid ? { sid } : {});
  srv.nextIssue = (srv.nextIssue || 100) + 1;
  const n = srv.nextIssue;
  const link = guestLink(srv.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: srv.api, ice: '' });
  const comments = [...(issue.comments || []), { user: { login: 'maintainer', id: 1 }, author_association: 'OWNER', body: `Hi @alice, chat here: ${link}\n<!-- janus:offer sid=${sid || 'feedfacecafebeef'} -->` }];
  srv.issues.set(`maintainer/demo#${n}`, { title: 'Help', user: { login: 'alice', id: 2 }, ...issue, comments });
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 15000 });
  const answer = await page.inputValue('#answer-token');
  await host.apply(answer);
  await host.waitOpen();
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 15000 });
  return { host, n, answer, link };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

async function serveFile(res, dir, rel, extraHeaders = {}) {
  const path = normalize(join(dir, rel));
  if (!path.startsWith(dir + sep) && path !== dir) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(path);
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] || 'application/octet-stream', 'Cache-Control': 'no-store', ...extraHeaders });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}

/**
 * A static server for assets/guest at /guest/ plus a fake forge API at /api/v3 (GitHub JSON
 * shapes, CORS, Link pagination) whose data the test controls:
 *   server.issues.set('o/r#1', {title, user:{login}, html_url?, comments:[{user:{login}, author_association, body}]})
 * Also /blank.html: an empty page without CSP, used as a fake host. `cspHeader` adds a
 * Content-Security-Policy header to the guest files (as a hosting server may).
 * Resolves to {url, origin, api, issues, requests, close()}.
 */
export async function startGuestServer({ pageSize = 100, cspHeader = null } = {}) {
  const issues = new Map();
  const requests = [];
  let nextCommentId = 1000;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/blank.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>fake host</title><p>fake host</p>');
      return;
    }
    if (url.pathname.startsWith('/guest/')) {
      let rel = decodeURIComponent(url.pathname.slice('/guest/'.length));
      if (rel === '' || rel.endsWith('/')) rel += 'index.html';
      await serveFile(res, GUEST_DIR, rel, cspHeader ? { 'Content-Security-Policy': cspHeader } : {});
      return;
    }
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag, Link, Retry-After' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'GET' }).end();
      return;
    }
    const m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)(\/comments)?$/.exec(url.pathname);
    if (m) {
      const key = `${m[1]}/${m[2]}#${m[3]}`;
      const issue = issues.get(key);
      if (issue && issue.status) {
        res.writeHead(issue.status, { ...cors, 'Content-Type': 'application/json' }).end('{"message":"nope"}');
        return;
      }
      if (!issue) {
        res.writeHead(404, { ...cors, 'Content-Type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      const origin = `http://${req.headers.host}`;
      const htmlUrl = `${origin}/${m[1]}/${m[2]}/issues/${m[3]}`;
      if (!m[4]) {
        res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ number: Number(m[3]), title: issue.title || 'help', user: issue.user, html_url: issue.html_url || htmlUrl, state: 'open' }));
        return;
      }
      const all = issue.comments.map((c, i) => ({
        id: c.id || (c.id = nextCommentId++),
        html_url: `${htmlUrl}#issuecomment-${c.id}`,
        created_at: c.created_at || '2030-01-01T00:00:00Z',
        updated_at: c.updated_at || '2030-01-01T00:00:00Z',
        author_association: 'NONE',
        ...c,
        _i: i,
      }));
      const page = Math.max(1, Number(url.searchParams.get('page') || 1));
      const slice = all.slice((page - 1) * pageSize, page * pageSize).map(({ _i, ...c }) => c);
      const headers = { ...cors, 'Content-Type': 'application/json' };
      if (page * pageSize < all.length) {
        const next = new URL(url);
        next.host = req.headers.host;
        next.searchParams.set('page', String(page + 1));
        headers.Link = `<${origin}${next.pathname}${next.search}>; rel="next"`;
      }
      res.writeHead(200, headers).end(JSON.stringify(slice));
      return;
    }
    res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' }).end('not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}/guest/`,
    api: `${origin}/api/v3`,
    issues,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Builds a guest link (PROTOCOL.md "Signaling"). `ice` undefined → omitted; '' → `&ice=`. */
export function guestLink(pageUrl, { offer, repo, issue, api, ice }) {
  let link = `${pageUrl}#offer=${offer}&repo=${repo}&issue=${issue}`;
  if (api !== undefined) link += `&api=${encodeURIComponent(api)}`;
  if (ice !== undefined) link += `&ice=${encodeURIComponent(ice)}`;
  return link;
}

/** A syntactically valid offer SDP for tokens that are never connected. */
export function fakeOfferSdp() {
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    '',
  ].join('\r\n');
}

// ------------------------------------------------------------------ janus as a process
// Used by the scale benchmark (tests/browser/bench-scale.mjs) and its CI smoke test, and by
// the page tests that need a real host (files.test.mjs, rooms.test.mjs).

const ANSI_ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;

/** The caller's environment without anything that would point janus at a real repo or config. */
export function isolatedJanusEnv(home) {
  const env = { ...process.env, NO_COLOR: '1', HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'share') };
  for (const k of ['GH_ACCESS_TOKEN', 'GITHUB_TOKEN', 'REPO_URL', 'JANUS_API_URL', 'JANUS_CONFIG']) delete env[k];
  return env;
}

/**
 * `janus demo --plain` on a free loopback port, in a scratch HOME: stdout/stderr kept as
 * lines (ANSI stripped), bounded waits, commands on stdin. `start()` resolves once the
 * forge's URL is printed and fills `origin`, `api` and `data` (the data directory). `pid` is
 * janus itself (no shell). `waitMs` is `waitLine`'s default bound.
 */
export class JanusDemo {
  constructor(bin, { pollInterval = 1, verbose = false, keepLines = 2000, waitMs = 15000 } = {}) {
    this.bin = bin;
    this.pollInterval = pollInterval;
    this.verbose = verbose;
    // Only the newest `keepLines` lines are kept: a long benchmark prints a line per message.
    // With `keepLines: Infinity`, `out.length` marks a point that `waitLine({ from })` waits after.
    this.keepLines = keepLines;
    this.waitMs = waitMs;
    this.out = [];
    this.err = [];
    this.listeners = new Set();
    this.exited = null;
  }

  async start({ timeoutMs = 30000 } = {}) {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    this.home = mkdtempSync(join(tmpdir(), 'janus-demo-'));
    this.data = join(this.home, 'data');
    const args = ['demo', '--plain', '--listen', '127.0.0.1:0', '--poll-interval', String(this.pollInterval), '--data-dir', this.data];
    this.proc = spawn(this.bin, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: isolatedJanusEnv(this.home) });
    this.pid = this.proc.pid;
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    this.proc.on('error', (e) => {
      this.exited = { error: e.message };
    });
    this.proc.stdin.on('error', () => {});
    this.#pump(this.proc.stdout, this.out, 'out');
    this.#pump(this.proc.stderr, this.err, 'err');
    const m = await this.waitLine(/(http:\/\/127\.0\.0\.1:\d+)\//, { timeoutMs, what: 'the "Open http://127.0.0.1:PORT/" line' });
    this.origin = m[1];
    this.api = `${this.origin}/api/v3`;
    return this;
  }

  #pump(stream, into, tag) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(ANSI_ESCAPES, '').replace(/\r$/, '');
        buf = buf.slice(i + 1);
        into.push(line);
        if (into.length > this.keepLines) into.splice(0, into.length - this.keepLines);
        if (tag === 'out') for (const f of this.listeners) f(line);
        if (this.verbose) console.log(`  [janus ${tag}] ${line}`);
      }
    });
  }

  /** Calls `f(line)` for every later stdout line; returns a function that stops it. */
  onLine(f) {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  tail(n = 25) {
    return `--- janus stdout (last ${n}) ---\n${this.out.slice(-n).join('\n')}\n--- janus stderr (last ${n}) ---\n${this.err.slice(-n).join('\n')}`;
  }

  /** Waits (bounded) for a stdout line matching `re`, among the lines kept from index `from`; returns the match. */
  async waitLine(re, { from = 0, timeoutMs = this.waitMs, what = String(re) } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.out.length; i++) {
        const m = re.exec(this.out[i]);
        if (m) return m;
      }
      if (this.exited) throw new Error(`janus exited (${JSON.stringify(this.exited)}) before printing ${what}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for janus to print ${what}\n${this.tail()}`);
      await sleep(50);
    }
  }

  send(line) {
    if (!this.exited) this.proc.stdin.write(`${line}\n`);
  }

  /** `quit`, then SIGTERM, then SIGKILL, each bounded; removes the scratch HOME. */
  async stop({ quitMs = 15000 } = {}) {
    const { rmSync } = await import('node:fs');
    const gone = () => this.exited !== null;
    if (this.proc && !gone()) {
      this.send('quit');
      try {
        await waitUntil(gone, { timeoutMs: quitMs, what: 'janus to quit' });
      } catch {
        this.proc.kill('SIGTERM');
        try {
          await waitUntil(gone, { timeoutMs: 3000, what: 'janus to stop on SIGTERM' });
        } catch {
          this.proc.kill('SIGKILL');
          await waitUntil(gone, { timeoutMs: 3000, what: 'janus to die on SIGKILL' }).catch(() => {});
        }
      }
    }
    if (this.home) rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * A small client for the embedded forge's REST API (GitHub's shapes), bounded per request.
 * `call(method, path, {token, body})` resolves to the parsed JSON; `{headers}` with `raw`.
 */
export function forgeApi(api, repo = 'maintainer/demo') {
  async function call(method, path, { token, body, raw = false } = {}) {
    const headers = { Accept: 'application/vnd.github+json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const url = path.startsWith('http') ? path : `${api}${path}`;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
    const json = text ? JSON.parse(text) : null;
    return raw ? { json, headers: res.headers } : json;
  }
  return {
    call,
    register: (login) => call('POST', '/_forge/users', { body: { login } }),
    openIssue: (token, title, body) => call('POST', `/repos/${repo}/issues`, { token, body: { title, body } }),
    comment: (token, n, body) => call('POST', `/repos/${repo}/issues/${n}/comments`, { token, body: { body } }),
    comments: (n) => call('GET', `/repos/${repo}/issues/${n}/comments?per_page=100`),
    /** Every comment of the repository updated at or after `since` (ISO 8601), all pages. */
    async repoCommentsSince(since, token) {
      const all = [];
      let next = `/repos/${repo}/issues/comments?sort=updated&direction=asc&per_page=100${since ? `&since=${encodeURIComponent(since)}` : ''}`;
      for (let pages = 0; next && pages < 50; pages++) {
        const { json, headers } = await call('GET', next, { token, raw: true });
        all.push(...json);
        next = /<([^>]+)>;\s*rel="next"/.exec(headers.get('link') || '')?.[1] ?? null;
      }
      return all;
    },
  };
}

/** The guest link in a comment body (the host's offer comment), or null. */
export function guestLinkIn(body) {
  const text = String(body || '').replace(/&amp;/g, '&');
  return /https?:\/\/[^\s)<>"'\]]+#offer=janus1\.o\.[A-Za-z0-9_-]+[^\s)<>"'\]]*/.exec(text)?.[0] ?? null;
}
