// Accessibility and fit of the guest page: keyboard-only use, focus order, labelled
// controls and landmarks (from Chromium's own accessibility tree), aria-live, light/dark
// via prefers-color-scheme, the 360 px layout, and the reader who scrolled up.
// Screenshots go to test-artifacts/ (gitignored); with JANUS_DOCS_SCREENSHOT=1 the chat
// screenshot is also written to docs/guest-chat.png for the README.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, startRecordingProxy, launchChromium, startGuestServer, watchPage, guestLink, fakeHost, connectGuest, offLoopback, waitUntil, artifactsDir } from './helpers.mjs';

let browser;
let proxy; // every HTTP(S) request the browser makes, from any frame
let server;

before(async () => {
  server = await startGuestServer();
  proxy = await startRecordingProxy();
  browser = await launchChromium(['--disable-features=WebRtcHideLocalIpsWithMdns'], { proxy });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await proxy?.close();
  // Network-level truth for the whole file: nothing was requested off this machine.
  assert.ok(proxy.requests.length > 0, 'the proxy saw the traffic');
  assert.deepEqual(offLoopback(proxy.requests), [], 'no request left 127.0.0.1');
});

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, ...options });
  const page = await context.newPage();
  const seen = await watchPage(page);
  return { context, page, seen };
}

/** The id (or tag) of the focused element, looking into nothing deeper than the page. */
const focused = (page) => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.dataset.slug || document.activeElement.localName));

/** Presses Tab from the top of the page until focus comes back round; returns the stops. */
async function tabStops(page, max = 40) {
  // A click on the page title moves the sequential-focus starting point to the top.
  await page.click('header h1');
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const id = await focused(page);
    if (id === 'body' || stops.includes(id)) break;
    stops.push(id);
  }
  return stops;
}

/** Asserts `want` appears in `have` in this order (other stops may sit between). */
function assertInOrder(have, want, what) {
  let at = -1;
  for (const w of want) {
    const i = have.indexOf(w, at + 1);
    assert.ok(i > at, `${what}: expected ${JSON.stringify(want)} in this order within ${JSON.stringify(have)}`);
    at = i;
  }
}

async function greet(host, page, { blog = true } = {}) {
  await host.send({ t: 'hello', v: 1, host: 'maintainer', guest: 'alice', features: blog ? ['chat', 'blog'] : ['chat'] });
  await page.waitForFunction(() => document.getElementById('peer-name').textContent === '@maintainer', null, { timeout: 5000 });
  if (blog) {
    await host.waitFrame((f) => f.t === 'blog.list', 'blog.list');
    await host.send({
      t: 'blog.index',
      posts: [
        { slug: 'welcome', title: 'Welcome to Janus', date: '2025-05-01', summary: 'What this page is, and how the chat works.' },
        { slug: 'roadmap', title: 'Roadmap for the summer', date: '2025-04-12', summary: 'Rooms, file transfer and better GitHub integration.' },
      ],
    });
    await page.locator('#blog-index button[data-slug="roadmap"]').waitFor({ timeout: 5000 });
  }
}

test('keyboard only: copy → comment link, then chat input → send; Enter copies and sends; the blog by keys', { timeout: 60000 }, async () => {
  const { context, page, seen } = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
  const host = await fakeHost(context, server);
  const n = 501;
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' });
  server.issues.set(`maintainer/demo#${n}`, { title: 'Keyboard', user: { login: 'alice' }, comments: [{ user: { login: 'maintainer' }, author_association: 'OWNER', body: link }] });
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  const answer = await page.inputValue('#answer-token');

  // The answer is ready with focus on "Copy answer": one Enter copies it.
  assert.equal(await focused(page), 'copy-answer');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#copy-feedback[data-result="copied"]', { timeout: 5000 });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), answer);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'comment-box-link');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'copy-answer');
  assertInOrder(await tabStops(page), ['answer-token', 'copy-answer', 'comment-box-link'], 'answer stage');

  // Connected: focus lands in the composer; Enter sends, Tab reaches Send.
  await host.apply(answer);
  await host.waitOpen();
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 15000 });
  assert.equal(await focused(page), 'chat-input');
  await greet(host, page);
  await page.keyboard.type('typed with the keyboard');
  await page.keyboard.press('Enter');
  await host.waitFrame((f) => f.t === 'chat' && f.text === 'typed with the keyboard', 'the Enter-sent chat');
  assert.equal(await focused(page), 'chat-input');
  await page.keyboard.type('sent with the button');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'chat-send');
  await page.keyboard.press('Enter');
  await host.waitFrame((f) => f.t === 'chat' && f.text === 'sent with the button', 'the button-sent chat');
  await page.focus('#chat-input');
  await page.keyboard.type('x');
  const stops = await tabStops(page);
  assertInOrder(stops, ['chat-log', 'chat-input', 'chat-send', 'leave', 'welcome', 'roadmap'], 'chat stage');
  await page.fill('#chat-input', '');

  // The blog by keyboard: open a post with Enter, focus goes to "All posts", Enter goes back.
  await page.focus('#blog-index button[data-slug="roadmap"]');
  await page.keyboard.press('Enter');
  await host.waitFrame((f) => f.t === 'blog.get' && f.slug === 'roadmap', 'blog.get roadmap');
  await host.send({ t: 'blog.post', slug: 'roadmap', title: 'Roadmap for the summer', date: '2025-04-12', html: '<h1>Roadmap</h1><p>Rooms first.</p>' });
  await page.waitForSelector('#blog-view:not([hidden])', { timeout: 5000 });
  assert.equal(await focused(page), 'blog-back');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#blog-index:not([hidden])', { timeout: 5000 });
  assert.equal(await focused(page), 'roadmap', 'focus returns to the post it came from');
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.console, []);
  await context.close();
});

test('semantics: landmarks, headings, every control named (accessibility tree), live regions', { timeout: 60000 }, async () => {
  const { context, page, seen } = await newPage();
  const cdp = await context.newCDPSession(page);
  const unnamed = async (stage) => {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const interactive = new Set(['button', 'link', 'textbox', 'checkbox', 'combobox', 'Iframe', 'iframe']);
    const visible = nodes.filter((x) => !x.ignored && x.role && interactive.has(x.role.value));
    assert.ok(visible.length > 0, `${stage}: controls found`);
    return visible.filter((x) => !x.name || !String(x.name.value || '').trim()).map((x) => `${stage}: ${x.role.value} without a name`);
  };
  const roles = async () => (await cdp.send('Accessibility.getFullAXTree')).nodes.filter((x) => !x.ignored && x.role).map((x) => x.role.value);

  // Static structure.
  await page.goto(server.url);
  await page.waitForSelector('#intro:not([hidden])', { timeout: 10000 });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('h1').count(), 1);
  const r = await roles();
  for (const landmark of ['banner', 'main', 'contentinfo']) assert.ok(r.includes(landmark), `landmark ${landmark}`);
  assert.equal(await page.getAttribute('#chat-log', 'aria-live'), 'polite');
  for (const id of ['status', 'copy-feedback', 'wait-text', 'blog-status']) assert.equal(await page.getAttribute(`#${id}`, 'role'), 'status', `#${id} is announced`);
  for (const id of ['answer-token', 'chat-input']) assert.equal(await page.locator(`label[for="${id}"]`).count(), 1, `#${id} has a <label>`);

  // The answer stage and the chat stage, with the blog open.
  const { host } = await connectGuest(page, context, server);
  await greet(host, page);
  const problems = await unnamed('chat stage');
  await page.click('#blog-index button[data-slug="welcome"]');
  await host.waitFrame((f) => f.t === 'blog.get', 'blog.get');
  await host.send({ t: 'blog.post', slug: 'welcome', title: 'Welcome to Janus', date: '2025-05-01', html: '<h1>Welcome</h1>' });
  await page.waitForSelector('#blog-view:not([hidden])', { timeout: 5000 });
  problems.push(...(await unnamed('blog post open')));
  assert.deepEqual(problems, []);
  assert.equal(await page.getAttribute('#blog-frame', 'title'), 'Blog post: Welcome to Janus');
  // Messages are announced: a new one lands inside the polite live region.
  await host.send({ t: 'chat', id: 'live1', text: 'announce me', from: 'maintainer', ts: Date.now() });
  await page.waitForSelector('#chat-log[aria-live="polite"] li[data-id="live1"]', { timeout: 5000 });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.console, []);
  await context.close();
});

test('chat: auto-scroll follows new messages unless the reader scrolled up', { timeout: 60000 }, async () => {
  const { context, page } = await newPage({ viewport: { width: 1000, height: 700 } });
  const { host } = await connectGuest(page, context, server);
  await greet(host, page, { blog: false });
  const burst = Array.from({ length: 40 }, (_, i) => ({ t: 'chat', id: `s${i}`, text: `message ${i}\nwith a second line`, from: 'maintainer', ts: Date.now() }));
  await host.page.evaluate((fs) => fs.forEach((f) => window.host.ch.send(JSON.stringify(f))), burst);
  await page.waitForSelector('#chat-log li[data-id="s39"]', { timeout: 5000 });
  const atBottom = () => page.evaluate(() => {
    const log = document.getElementById('chat-log');
    return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
  });
  assert.ok(await page.evaluate(() => document.getElementById('chat-log').scrollHeight > document.getElementById('chat-log').clientHeight), 'the log overflows');
  assert.equal(await atBottom(), true, 'followed the burst to the bottom');
  // The reader scrolls up: a new message does not yank them down.
  await page.evaluate(() => (document.getElementById('chat-log').scrollTop = 0));
  await host.send({ t: 'chat', id: 'late1', text: 'while you were reading', from: 'maintainer', ts: Date.now() });
  await page.waitForSelector('#chat-log li[data-id="late1"]', { timeout: 5000 });
  assert.equal(await page.evaluate(() => document.getElementById('chat-log').scrollTop), 0, 'stays where the reader is');
  // Back at the bottom, new messages are followed again.
  await page.evaluate(() => (document.getElementById('chat-log').scrollTop = 1e9));
  await host.send({ t: 'chat', id: 'late2', text: 'and now', from: 'maintainer', ts: Date.now() });
  await page.waitForSelector('#chat-log li[data-id="late2"]', { timeout: 5000 });
  assert.equal(await atBottom(), true);
  await context.close();
});

async function chatScene(page, context, { blogPost = false } = {}) {
  const { host } = await connectGuest(page, context, server, { issue: { title: 'Can we talk about the roadmap?' } });
  await greet(host, page);
  await host.send({ t: 'chat', id: 'c1', text: 'Hi alice! Thanks for opening the issue. What would you like to talk about?', from: 'maintainer', ts: Date.now() });
  await page.waitForSelector('#chat-log li[data-id="c1"]', { timeout: 5000 });
  await page.fill('#chat-input', 'Hi! I would like to help with the file-transfer feature.\nWhere should I start?');
  await page.press('#chat-input', 'Enter');
  const mine = await host.waitFrame((f) => f.t === 'chat' && f.text.startsWith('Hi! I would'), 'the guest chat');
  await host.send({ t: 'ack', id: mine.id });
  await page.waitForSelector('#chat-log li[data-from="me"][data-acked="true"]', { timeout: 5000 });
  await host.send({ t: 'chat', id: 'c2', text: 'Great! Have a look at the roadmap post on the right, then pick an open issue.', from: 'maintainer', ts: Date.now() });
  await page.waitForSelector('#chat-log li[data-id="c2"]', { timeout: 5000 });
  if (blogPost) {
    await page.click('#blog-index button[data-slug="roadmap"]');
    await host.waitFrame((f) => f.t === 'blog.get', 'blog.get');
    await host.send({
      t: 'blog.post',
      slug: 'roadmap',
      title: 'Roadmap for the summer',
      date: '2025-04-12',
      html: '<h1>Roadmap for the summer</h1><p>Three things, in this order:</p><ol><li><strong>Rooms</strong>: several guests in one conversation.</li><li><strong>File transfer</strong> over the same data channel.</li><li>Better GitHub integration.</li></ol><blockquote><p>Ideas welcome: open an issue and ask for a chat.</p></blockquote>',
    });
    await page.waitForSelector('#blog-view:not([hidden])', { timeout: 5000 });
    await page.frameLocator('#blog-frame').locator('h1').waitFor({ timeout: 5000 });
  }
  await page.focus('#chat-input');
  return host;
}

/**
 * Lets the sandboxed blog frame, which paints in its own process, show its post before a
 * screenshot (the artifact only; no assertion depends on it).
 */
async function settlePaint(page) {
  await page.waitForTimeout(600);
}

const rgb = (page, sel, prop) => page.evaluate(([s, p]) => getComputedStyle(document.querySelector(s))[p], [sel, prop]);

test('light and dark follow prefers-color-scheme (screenshots in test-artifacts/)', { timeout: 60000 }, async () => {
  const { context, page, seen } = await newPage({ colorScheme: 'light', viewport: { width: 1100, height: 760 } });
  await chatScene(page, context, { blogPost: true });
  const blogFrame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  const want = {
    light: { bg: 'rgb(246, 248, 250)', fg: 'rgb(31, 35, 40)', frame: 'rgb(255, 255, 255)' },
    dark: { bg: 'rgb(13, 17, 23)', fg: 'rgb(230, 237, 243)', frame: 'rgb(13, 17, 23)' },
  };
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    assert.equal(await rgb(page, 'body', 'backgroundColor'), want[colorScheme].bg, `${colorScheme}: page background`);
    assert.equal(await rgb(page, 'body', 'color'), want[colorScheme].fg, `${colorScheme}: text colour`);
    const frameBg = await blogFrame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(frameBg, want[colorScheme].frame, `${colorScheme}: the blog frame follows too`);
    await settlePaint(page);
    await page.screenshot({ path: join(artifactsDir(), `guest-${colorScheme}.png`) });
    if (colorScheme === 'light' && process.env.JANUS_DOCS_SCREENSHOT) {
      const docs = join(ROOT, 'docs', 'guest-chat.png');
      await page.screenshot({ path: docs });
      const size = statSync(docs).size;
      assert.ok(size <= 150 * 1024, `docs/guest-chat.png is ${size} bytes (≤ 150 KB)`);
    }
  }
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.console, [], 'no console errors (CSP refusals would show here)');
  assert.deepEqual(offLoopback(seen.requests), []);
  await context.close();
});

test('360 px: every stage fits without sideways scrolling, controls stay usable (screenshots in test-artifacts/)', { timeout: 60000 }, async () => {
  const { context, page, seen } = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const fits = async (stage, ids, minHeight = 24) => {
    const { width, boxes } = await page.evaluate((ids) => {
      const boxes = {};
      for (const id of ids) {
        const el = document.getElementById(id);
        const r = el && el.getClientRects().length ? el.getBoundingClientRect() : null;
        boxes[id] = r && { x: r.x, width: r.width, height: r.height };
      }
      return { width: document.documentElement.scrollWidth, boxes };
    }, ids);
    assert.ok(width <= 360, `${stage}: no sideways scrolling (scrollWidth ${width})`);
    for (const id of ids) {
      const box = boxes[id];
      assert.ok(box, `${stage}: #${id} is shown`);
      assert.ok(box.x >= 0 && box.x + box.width <= 360, `${stage}: #${id} within the screen (${JSON.stringify(box)})`);
      assert.ok(box.height >= minHeight, `${stage}: #${id} is a usable target (${box.height}px high)`);
    }
  };
  // The answer stage (a long title has to wrap)…
  const host = await fakeHost(context, server);
  const n = 502;
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' });
  server.issues.set(`maintainer/demo#${n}`, { title: 'A fairly long issue title that has to wrap on a small phone screen', user: { login: 'alice' }, comments: [{ user: { login: 'maintainer' }, author_association: 'OWNER', body: link }] });
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  await fits('answer stage', ['status', 'answer-token', 'copy-answer', 'comment-box-link']);
  await page.screenshot({ path: join(artifactsDir(), 'guest-360-answer.png'), fullPage: true });

  // …then the chat stage of the same page, with the blog below it.
  await host.apply(await page.inputValue('#answer-token'));
  await host.waitOpen();
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 15000 });
  await greet(host, page);
  for (const [i, text] of ['Hi alice! What would you like to talk about?', 'A long line without spaces: https://example.org/a/very/long/path/that/does/not/break/by/itself/at/all'].entries()) {
    await host.send({ t: 'chat', id: `m${i}`, text, from: 'maintainer', ts: Date.now() });
  }
  await page.waitForSelector('#chat-log li[data-id="m1"]', { timeout: 5000 });
  await fits('chat stage', ['chat-log', 'chat-input', 'leave', 'blog-index']);
  await page.fill('#chat-input', 'hello');
  await fits('chat stage, typing', ['chat-send']);
  const log = await page.locator('#chat-log').boundingBox();
  assert.ok(log.height >= 200, `the chat log keeps a usable height (${log.height}px)`);
  await page.screenshot({ path: join(artifactsDir(), 'guest-360.png'), fullPage: true });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.console, []);
  await context.close();
});

test('the composer counts characters and refuses more than 4096', { timeout: 60000 }, async () => {
  const { context, page } = await newPage();
  const { host } = await connectGuest(page, context, server);
  await greet(host, page, { blog: false });
  // Astral characters count once each (Unicode scalar values, as the host counts).
  await page.fill('#chat-input', '😀'.repeat(4096));
  assert.equal(await page.textContent('#chat-counter'), '4096 / 4096');
  assert.equal(await page.isDisabled('#chat-send'), false);
  await page.type('#chat-input', 'x');
  assert.equal(await page.textContent('#chat-counter'), '4097 / 4096');
  assert.equal(await page.getAttribute('#chat-counter', 'data-over'), 'true');
  assert.equal(await page.isDisabled('#chat-send'), true);
  await page.press('#chat-input', 'Enter');
  await page.press('#chat-input', 'Backspace');
  await page.press('#chat-input', 'Enter');
  const sent = await host.waitFrame((f) => f.t === 'chat', 'the 4096-character chat');
  assert.equal([...sent.text].length, 4096);
  assert.equal((await host.received()).filter((f) => f.t === 'chat').length, 1, 'the over-long text was never sent');
  await waitUntil(async () => (await page.inputValue('#chat-input')) === '', { timeoutMs: 5000, what: 'the composer to clear' });
  await context.close();
});
