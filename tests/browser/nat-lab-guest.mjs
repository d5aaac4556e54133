// The guest page in headless Chromium inside the NAT lab's guest namespace (driven by
// tests/nat_lab.rs, not run by `node --test` on its own). Chromium is started through a small
// wrapper that runs it under `ip netns exec`, so every packet the page sends leaves from
// behind the guest's symmetric NAT; the page itself does the guest's forge requests.
//
// Env: LAB_NS (guest namespace), LAB_PAGES (page URL), LAB_API (API base), LAB_TOKEN (the
// guest's forge token), LAB_RELAY_ONLY=1 to tick "Hide my IP address"; LAB_FLOW=b starts
// from the start link instead (flow B: the page makes the offer, STUN from LAB_STUN, the
// guest presses the forge's Submit). Prints one JSON line per step on stdout; exits 0 once a
// chat went both ways.

import { writeFileSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM_ARGS, ensureChromium, waitUntil } from './helpers.mjs';

const { LAB_NS, LAB_PAGES, LAB_API, LAB_TOKEN } = process.env;
const relayOnly = process.env.LAB_RELAY_ONLY === '1';
const flowB = process.env.LAB_FLOW === 'b';
const say = (step, extra = {}) => console.log(JSON.stringify({ step, ...extra }));

const dir = mkdtempSync(join(tmpdir(), 'janus-lab-chromium-'));
const wrapper = join(dir, 'chromium-in-ns');
writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${LAB_NS}' '${await ensureChromium()}' "$@"\n`);
chmodSync(wrapper, 0o755);

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: wrapper, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
const deadline = setTimeout(() => {
  say('timeout');
  process.exit(3);
}, 90000);
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (flowB) {
    await startFromTheStartLink(context, page);
  } else {
    await answerTheHostsLink(page);
  }
  await page.waitForFunction(() => !document.getElementById('conn-path').hidden, null, { timeout: 40000 });
  const path = await page.textContent('#conn-path');
  const diag = await page.evaluate(() => window.janusGuest);
  say('open', { path, openedMs: diag.openedAt && diag.answerReadyAt ? Math.round(diag.openedAt - diag.answerReadyAt) : null });
  await page.fill('#chat-input', 'hello from chromium behind a NAT');
  await page.press('#chat-input', 'Enter');
  await page.waitForSelector('#chat-log li[data-acked="true"]', { timeout: 20000 });
  say('acked');
  await page.waitForFunction(() => document.getElementById('chat-log').textContent.includes('reply through the relay'), null, { timeout: 30000 });
  say('done', { path });
} catch (e) {
  say('error', { message: String(e && e.message ? e.message : e).slice(0, 2000) });
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Flow A: opens an issue, follows the host's link, posts the answer comment. */
async function answerTheHostsLink(page) {
  await page.goto(LAB_PAGES);
  // The forge calls go from the page, inside the namespace.
  const api = (path, body) =>
    page.evaluate(
      async ({ url, token, body }) => {
        const r = await fetch(url, {
          method: body ? 'POST' : 'GET',
          cache: 'no-store', // the forge says max-age=60, as GitHub does
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: body ? JSON.stringify(body) : undefined,
        });
        return r.json();
      },
      { url: `${LAB_API}${path}`, token: LAB_TOKEN, body },
    );
  const issue = await api('/repos/maintainer/demo/issues', { title: 'Can we chat?', body: 'from behind a NAT' });
  say('issue', { number: issue.number });
  let lastSeen = [];
  const link = await waitUntil(
    async () => {
      const comments = await api(`/repos/maintainer/demo/issues/${issue.number}/comments`);
      if (!Array.isArray(comments)) throw new Error(`comments: ${JSON.stringify(comments).slice(0, 300)}`);
      if (comments.length) lastSeen = comments.map((c) => c.body.slice(0, 400));
      const c = comments.find((c) => c.body.includes('#offer='));
      return c && /\((http[^)]*#offer=[^)]*)\)/.exec(c.body)[1];
    },
    { timeoutMs: 30000, intervalMs: 500, what: 'the offer comment' },
  ).catch((e) => {
    throw new Error(`${e.message}; comments seen: ${JSON.stringify(lastSeen)}`);
  });
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 20000 });
  const choice = await page.isVisible('#relay-choice');
  say('answer', { relayChoiceShown: choice });
  if (relayOnly) {
    const before = await page.inputValue('#answer-token');
    await page.check('#relay-only');
    await page.waitForFunction((old) => document.getElementById('answer-token').value !== old, before, { timeout: 20000 });
  }
  const answer = await page.inputValue('#answer-token');
  await api(`/repos/maintainer/demo/issues/${issue.number}/comments`, { body: answer });
}

/**
 * Flow B: the start link, "Start a chat", the forge's prefilled form submitted in the popup
 * (signed in with the guest's cookie, as on GitHub); the page finds the host's answer itself.
 */
async function startFromTheStartLink(context, page) {
  const origin = new URL(LAB_PAGES).origin;
  await context.addCookies([{ name: 'forge_user', value: LAB_TOKEN, url: origin }]);
  const fragment = `#repo=maintainer/demo&api=${encodeURIComponent(LAB_API)}&ice=${encodeURIComponent(process.env.LAB_STUN)}`;
  await page.goto(`${LAB_PAGES}${fragment}`);
  const button = page.getByRole('button', { name: /Start/ });
  await button.waitFor({ timeout: 20000 });
  await waitUntil(() => button.isEnabled(), { timeoutMs: 20000, what: 'the Start button' });
  const popupOpened = context.waitForEvent('page', { timeout: 30000 });
  await button.click();
  const popup = await popupOpened;
  await popup.waitForLoadState('domcontentloaded');
  await Promise.all([popup.waitForNavigation(), popup.getByRole('button', { name: /Submit new issue/ }).click()]);
  say('issue', { url: popup.url() });
  await popup.close();
  say('answer', { relayChoiceShown: false });
}
