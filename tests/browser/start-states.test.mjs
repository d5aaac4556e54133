// Flow B's two end states other than connected, each driven for real in headless Chromium
// against `janus forge` (the embedded forge alone: nobody answers): the guest's offer
// expires (a start link with a short `ttl`), with and without the issue created, and GitHub's
// rate limit for visitors who are not signed in runs out (the forge's own limiter answers
// 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` once the test spends the
// address's budget through the forge's local-only hook `POST /_forge/rate_limit`). Each state
// must say what happened and what to do next, and the page must stop polling.
//
// Needs target/debug/janus (or $JANUS_BIN).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { decodeToken, findTokens } from '../../assets/guest/token.js';
import { ROOT, launchChromium, watchPage, waitUntil, isolatedJanusEnv } from './helpers.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'debug', 'janus');
const REPO = 'maintainer/demo';

let forge;
let out = [];
let home;
let browser;
let origin;
let api;

async function call(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/vnd.github+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

before(async () => {
  if (!existsSync(BIN)) throw new Error(`janus binary not found at ${BIN}: build it first (cargo build), or set JANUS_BIN`);
  home = mkdtempSync(join(tmpdir(), 'janus-start-states-'));
  forge = spawn(BIN, ['forge', '--listen', '127.0.0.1:0', '--repo', REPO], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: isolatedJanusEnv(home) });
  forge.stdout.setEncoding('utf8');
  forge.stdout.on('data', (d) => out.push(...d.split('\n')));
  forge.stderr.resume();
  const line = await waitUntil(() => out.find((l) => /web pages : http:\/\/127\.0\.0\.1:\d+\//.test(l)), { timeoutMs: 30000, what: 'janus forge to print its address' });
  origin = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)[1];
  api = `${origin}/api/v3`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (forge && forge.exitCode === null) {
    forge.kill('SIGINT');
    await waitUntil(() => forge.exitCode !== null, { timeoutMs: 5000, what: 'janus forge to stop' }).catch(() => forge.kill('SIGKILL'));
  }
  if (home) rmSync(home, { recursive: true, force: true });
});

const startLink = (extra = '') => `${origin}/guest/#repo=${encodeURIComponent(REPO)}&api=${encodeURIComponent(api)}&ice=${extra}`;

/**
 * Opens the start link as `login` (signed in to the forge), clicks "Start a chat" and, with
 * `create`, submits the prefilled issue in the popup as the guest would. Returns the page,
 * its watcher, the context, the issue number (0 without `create`) and the offer token's exp.
 */
async function started(login, { extra = '', create = true } = {}) {
  const reg = await call('POST', '/_forge/users', { body: { login } });
  assert.equal(reg.status, 201);
  const context = await browser.newContext();
  await context.addCookies([{ name: 'forge_user', value: reg.json.token, url: origin }]);
  const page = await context.newPage();
  const seen = await watchPage(page);
  await page.goto(startLink(extra));
  await page.waitForSelector('#start-chat:not([disabled])', { timeout: 15000 });
  const popupOpened = context.waitForEvent('page', { timeout: 15000 });
  const clickedAt = Date.now() / 1000;
  await page.getByRole('button', { name: /Start/ }).click();
  const popup = await popupOpened;
  await popup.waitForLoadState('domcontentloaded');
  const made = new URL(await page.evaluate(() => window.janusStart.newIssueUrl));
  const { exp } = await decodeToken(findTokens(made.searchParams.get('body'))[0], 'o');
  let number = 0;
  if (create) {
    await Promise.all([popup.waitForNavigation(), popup.getByRole('button', { name: /Submit new issue/ }).click()]);
    number = Number(/\/issues\/(\d+)/.exec(popup.url())?.[1]);
    assert.ok(number > 0, `the popup shows the new issue: ${popup.url()}`);
  }
  await popup.close();
  return { page, seen, context, number, exp, clickedAt };
}

/** The page's API requests during `ms` milliseconds. */
async function requestsDuring(seen, ms) {
  const before = seen.requests.filter((u) => u.startsWith(api)).length;
  await sleep(ms);
  return seen.requests.filter((u) => u.startsWith(api)).length - before;
}

const text = async (page, sel) => (await page.textContent(sel)).trim();

test('an offer that expires unanswered is a clear state: the issue stays, "Start again" makes a new request', { timeout: 90000 }, async () => {
  const ttl = 12;
  const { page, seen, context, number, exp, clickedAt } = await started('erin', { extra: `&ttl=${ttl}` });
  try {
    assert.ok(Math.abs(exp - clickedAt - ttl) <= 3, `the token's exp follows the link's ttl: ${exp - clickedAt} s`);
    await waitUntil(() => page.evaluate(() => window.janusStart.issue), { timeoutMs: 15000, what: 'the page to find its issue' });
    assert.equal(await page.evaluate(() => window.janusStart.issue), number);
    assert.equal(await page.getAttribute('body', 'data-phase'), 'opened', 'still waiting before exp');
    await page.waitForSelector('body[data-phase="start-expired"]', { timeout: (ttl + 10) * 1000 });
    assert.ok(Date.now() / 1000 >= exp, 'expired no earlier than exp');
    assert.ok(Date.now() / 1000 < exp + 3, 'and said so within 3 s of it');
    assert.match(await text(page, '#start-status'), new RegExp(`expired before the maintainer answered \\(issue #${number}\\)`));
    assert.match(await text(page, '#start-hint'), /office hours.*stays open.*Start again/);
    const again = page.getByRole('button', { name: 'Start again' });
    assert.ok(await again.isVisible(), 'a next step: Start again');
    assert.equal(await requestsDuring(seen, 4000), 0, 'no polling after expiry');
    // The issue is still there for the maintainer, with the guest's words.
    const issue = await call('GET', `/repos/${REPO}/issues/${number}`);
    assert.equal(issue.json.state, 'open');
    await again.click();
    await page.waitForSelector('body[data-phase="start"] #start-chat:not([disabled])', { timeout: 15000 });
    assert.ok(await page.locator('#start-again').isHidden(), 'a fresh start page');
    assert.deepEqual(seen.errors, [], 'no page errors');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no CSP violations');
  } finally {
    await context.close();
  }
});

test('an offer that expires before its issue was created says to press Create', { timeout: 60000 }, async () => {
  const { page, seen, context } = await started('frank', { extra: '&ttl=4', create: false });
  try {
    await page.waitForSelector('body[data-phase="start-expired"]', { timeout: 15000 });
    assert.match(await text(page, '#start-status'), /expired before its issue appeared/);
    assert.match(await text(page, '#start-hint'), /press "Create".*Start again/);
    assert.ok(await page.getByRole('button', { name: 'Start again' }).isVisible());
    assert.equal(await page.evaluate(() => window.janusStart.issue), 0);
    assert.deepEqual(seen.errors, [], 'no page errors');
  } finally {
    await context.close();
  }
});

// Last in this file: the address's budget stays spent for the rest of the forge's hour.
test('GitHub\'s rate limit running out is a clear state: when to try again, and the polling stops', { timeout: 60000 }, async () => {
  const { page, seen, context, number } = await started('grace');
  try {
    await waitUntil(() => page.evaluate(() => window.janusStart.issue), { timeoutMs: 15000, what: 'the page to find its issue' });
    // Spend this address's budget for requests without a token (the page's and ours).
    const spent = await call('POST', '/_forge/rate_limit', { body: { remaining: 0 } });
    assert.equal(spent.status, 200);
    assert.equal(spent.json.remaining, 0);
    const refused = await call('GET', `/repos/${REPO}/issues/${number}/comments`);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    const reset = Number(refused.headers.get('x-ratelimit-reset'));
    assert.ok(reset > Date.now() / 1000, 'a reset in the future');
    await page.waitForSelector('body[data-phase="start-limited"]', { timeout: 15000 });
    assert.equal(await page.getAttribute('#start', 'data-reset'), String(reset), 'the page read the reset header');
    assert.match(await text(page, '#start-status'), /limit for visitors who are not signed in was reached/);
    const when = await page.evaluate((r) => new Date(r * 1000).toLocaleTimeString(), reset);
    const hint = await text(page, '#start-hint');
    assert.ok(hint.includes(`Try again after ${when} by reloading this page`), hint);
    assert.ok(hint.includes(`your issue #${number} stays open`), hint);
    assert.equal(await requestsDuring(seen, 4000), 0, 'no polling once limited');
    assert.deepEqual(seen.errors, [], 'no page errors');
  } finally {
    await context.close();
  }
});
