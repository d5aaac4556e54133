// Rooms in real Chromium (DESIGN §4.2): two guest pages answer a real `janus demo --plain`
// and the maintainer puts both in one room from the console. Each page shows the room as a
// tab with its members; a message in the room reaches the other page (relayed by the host,
// named by the sender's login) and prints `[ops] alice: …` at column 0 on the console; the
// maintainer's `room say` reaches both; a removal is announced to both.
// Needs target/debug/janus (or $JANUS_BIN).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ROOT, launchChromium, watchPage, waitUntil, artifactsDir } from './helpers.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'debug', 'janus');
const REPO = 'maintainer/demo';
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;

/** `janus demo --plain` with an isolated home; stdout collected line by line. */
class Janus {
  constructor() {
    this.home = mkdtempSync(join(tmpdir(), 'janus-rooms-'));
    this.out = [];
    this.exited = null;
    const env = { ...process.env, NO_COLOR: '1', HOME: this.home, XDG_CONFIG_HOME: join(this.home, 'config'), XDG_DATA_HOME: join(this.home, 'share') };
    for (const k of ['GH_ACCESS_TOKEN', 'GITHUB_TOKEN', 'REPO_URL', 'JANUS_API_URL', 'JANUS_CONFIG']) delete env[k];
    this.proc = spawn(BIN, ['demo', '--plain', '--listen', '127.0.0.1:0', '--poll-interval', '0.3', '--data-dir', join(this.home, 'data')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env });
    let buf = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.out.push(buf.slice(0, i).replace(ANSI, '').replace(/\r$/, ''));
        buf = buf.slice(i + 1);
      }
    });
    this.proc.on('exit', (code, signal) => (this.exited = { code, signal }));
    this.proc.stdin.on('error', () => {});
  }

  async waitLine(re, { from = 0, timeoutMs = 15000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.out.length; i++) {
        const m = re.exec(this.out[i]);
        if (m) return m;
      }
      if (this.exited || Date.now() > deadline) throw new Error(`janus did not print ${re}\n${this.out.slice(-30).join('\n')}`);
      await sleep(50);
    }
  }

  send(line) {
    this.proc.stdin.write(`${line}\n`);
  }

  async stop() {
    if (!this.exited) {
      this.send('quit');
      await waitUntil(() => this.exited !== null, { timeoutMs: 5000, what: 'janus to quit' }).catch(() => this.proc.kill('SIGKILL'));
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

let janus;
let browser;
let api;

async function call(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/vnd.github+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** A guest page for `login`, connected to the host through an issue of its own. */
async function connectGuest(login) {
  const user = await call('POST', '/_forge/users', { body: { login } });
  const issue = await call('POST', `/repos/${REPO}/issues`, { token: user.token, body: { title: `${login} asks`, body: 'hi' } });
  const link = await waitUntil(
    async () => {
      for (const c of await call('GET', `/repos/${REPO}/issues/${issue.number}/comments?per_page=100`)) {
        const m = /https?:\/\/[^\s)<>"'\]]+#offer=janus1\.o\.[A-Za-z0-9_-]+[^\s)<>"'\]]*/.exec(String(c.body || '').replace(/&amp;/g, '&'));
        if (m) return m[0];
      }
      return null;
    },
    { timeoutMs: 20000, intervalMs: 250, what: `the link for ${login}` },
  );
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const seen = await watchPage(page);
  await page.goto(link);
  await page.waitForSelector('#verification[data-state="verified"]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  const answer = await page.inputValue('#answer-token');
  await call('POST', `/repos/${REPO}/issues/${issue.number}/comments`, { token: user.token, body: { body: answer } });
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 30000 });
  await janus.waitLine(new RegExp(`^\\* ${login} connected`));
  return { page, context, seen };
}

before(async () => {
  if (!existsSync(BIN)) throw new Error(`janus binary not found at ${BIN}: build it first, or set JANUS_BIN`);
  janus = new Janus();
  const m = await janus.waitLine(/(http:\/\/127\.0\.0\.1:\d+)\//, { timeoutMs: 30000 });
  api = `${m[1]}/api/v3`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  await janus?.stop();
});

test('rooms: two guest pages in one room hear each other and the maintainer', { timeout: 120000 }, async () => {
  const alice = await connectGuest('alice');
  const bob = await connectGuest('bob');
  try {
    janus.send('room create ops');
    janus.send('room invite ops alice');
    await janus.waitLine(/alice joined room ops/);
    janus.send('room invite ops bob');
    await janus.waitLine(/bob joined room ops/);

    for (const { page } of [alice, bob]) {
      const tab = page.locator('#conv-tabs button[data-room="ops"]');
      await tab.waitFor({ timeout: 10000 });
      await tab.click();
      await page.waitForFunction(() => /@alice/.test(document.getElementById('room-members').textContent) && /@bob/.test(document.getElementById('room-members').textContent), null, { timeout: 10000 });
    }
    // Alice saw bob join.
    await alice.page.locator('ol[data-room="ops"] li[data-from="system"]').filter({ hasText: '@bob joined.' }).waitFor({ timeout: 10000 });

    // Alice writes in the room: bob's page shows it from @alice, the host prints a room line.
    const text = `room hello <b>not bold</b> ${Date.now()}`;
    const mark = janus.out.length;
    await alice.page.fill('#chat-input', text);
    await alice.page.press('#chat-input', 'Enter');
    const relayed = bob.page.locator('ol[data-room="ops"] li[data-from="member"]').filter({ hasText: text });
    await relayed.waitFor({ timeout: 10000 });
    assert.equal(await relayed.locator('.who').textContent(), '@alice');
    assert.equal(await relayed.locator('.text').textContent(), text, 'rendered as text');
    assert.equal(await relayed.locator('b').count(), 0, 'no markup from a message');
    const line = await janus.waitLine(/^\[ops\] alice: /, { from: mark });
    assert.equal(line.input, `[ops] alice: ${text}`);
    await alice.page.waitForSelector('ol[data-room="ops"] li[data-from="me"][data-acked="true"]', { timeout: 10000 });
    assert.equal(await bob.page.locator('#chat-log li').filter({ hasText: text }).count(), 0, 'not in the private log');

    // The maintainer speaks in the room; bob, looking at the private tab, gets an unread mark.
    await bob.page.click('#tab-private');
    janus.send('room say ops welcome to office hours');
    for (const { page } of [alice, bob]) {
      await page.locator('ol[data-room="ops"] li[data-from="host"]').filter({ hasText: 'welcome to office hours' }).waitFor({ state: 'attached', timeout: 10000 });
    }
    assert.equal(await bob.page.getAttribute('#conv-tabs button[data-room="ops"]', 'data-unread'), '1');

    // Bob is removed: both pages say so, and bob cannot write in the room any more.
    janus.send('room remove ops bob');
    await alice.page.locator('ol[data-room="ops"] li[data-from="system"]').filter({ hasText: '@bob left.' }).waitFor({ timeout: 10000 });
    await bob.page.click('#conv-tabs button[data-room="ops"]');
    await bob.page.locator('ol[data-room="ops"] li[data-from="system"]').filter({ hasText: 'no longer in this room' }).waitFor({ timeout: 10000 });
    assert.match(await bob.page.textContent('#room-members'), /You left this room/);

    await alice.page.screenshot({ path: join(artifactsDir(), 'rooms-alice.png'), fullPage: true });
    for (const g of [alice, bob]) assert.deepEqual(g.seen.errors, [], 'no page errors');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});
