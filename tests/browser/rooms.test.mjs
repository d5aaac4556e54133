// Rooms in real Chromium (PROTOCOL.md "Rooms"): two guest pages answer a real `janus demo --plain`
// and the maintainer puts both in one room from the console. Each page shows the room as a
// tab with its members; a message in the room reaches the other page (relayed by the host,
// named by the sender's login) and prints `[ops] alice: …` at column 0 on the console; the
// maintainer's `room say` reaches both; a removal is announced to both.
// Needs target/debug/janus (or $JANUS_BIN).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, JanusDemo, launchChromium, watchPage, waitUntil, artifactsDir, forgeApi, guestLinkIn } from './helpers.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'debug', 'janus');

let janus;
let browser;
let forge;

/** A guest page for `login`, connected to the host through an issue of its own. */
async function connectGuest(login) {
  const user = await forge.register(login);
  const issue = await forge.openIssue(user.token, `${login} asks`, 'hi');
  const link = await waitUntil(
    async () => {
      for (const c of await forge.comments(issue.number)) {
        const found = guestLinkIn(c.body);
        if (found) return found;
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
  await forge.comment(user.token, issue.number, answer);
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 30000 });
  await janus.waitLine(new RegExp(`^\\* ${login} connected`));
  return { page, context, seen };
}

before(async () => {
  if (!existsSync(BIN)) throw new Error(`janus binary not found at ${BIN}: build it first, or set JANUS_BIN`);
  janus = await new JanusDemo(BIN, { pollInterval: 0.3, keepLines: Infinity }).start();
  forge = forgeApi(janus.api);
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
