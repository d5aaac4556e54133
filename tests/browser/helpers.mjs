// Shared helpers for the browser tests: Debian chromium via playwright-core (never a
// downloaded browser), a tiny static server for assets/guest with a fake forge API, and
// bounded waiting. Everything listens on 127.0.0.1 only.

import { createServer } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GUEST_DIR = join(ROOT, 'assets', 'guest');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.JANUS_CHROMIUM || '/usr/bin/chromium';

/** Launch flags from DESIGN §8, plus --disable-quic. playwright-core adds a fresh --user-data-dir. */
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

/** Launches headless Debian chromium. `extraArgs` are appended to CHROMIUM_ARGS. */
export async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  const executablePath = await ensureChromium();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 60000,
  });
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
  return seen;
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
 *   server.issues.set('o/r#1', {title, user:{login}, comments:[{user:{login}, author_association, body}]})
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
        res.end(JSON.stringify({ number: Number(m[3]), title: issue.title || 'help', user: issue.user, html_url: htmlUrl, state: 'open' }));
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

/** Builds a guest link (DESIGN §3). `ice` undefined → omitted; '' → `&ice=`. */
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
