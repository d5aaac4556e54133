// Browser tests of the guest page alone: served by a tiny static server with a fake forge API,
// with a second Chromium page acting as the host (offerer). No Rust binary needed.
// These run in seconds and pin the page's behaviour and its element-id contract; the real
// end-to-end run with `janus demo` is e2e.test.mjs.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { encodeToken } from '../../assets/guest/token.js';
import { startRecordingProxy, launchChromium, startGuestServer, watchPage, guestLink, closedPort, fakeOfferSdp, waitUntil, artifactsDir, fakeHost, connectGuest, offLoopback } from './helpers.mjs';

const FORGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let browser;
let proxy; // every HTTP(S) request the browser makes, from any frame
let server;
let issueNo = 0;

before(async () => {
  // The same header CSP as the embedded forge sends, on top of the page's own meta CSP.
  server = await startGuestServer({ cspHeader: FORGE_CSP });
  // Two pages of one browser talk to each other here: without mDNS obfuscation their host
  // candidates are plain loopback/LAN addresses and need no resolver.
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

async function guestPage(viewport = { width: 1000, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  const seen = await watchPage(page);
  return { context, page, seen };
}

function newIssue(comments, author = 'alice') {
  issueNo += 1;
  server.issues.set(`maintainer/demo#${issueNo}`, { title: 'Help', user: { login: author, id: 2 }, comments });
  return issueNo;
}

/** A fake host (helpers.fakeHost) on this file's server unless told otherwise. */
const makeHost = (context, srv = server) => fakeHost(context, srv);

/** Evaluates `fn` in the blog frame (sandboxed: the test's evaluation still works there). */
const blogFrameEval = (page, fn) => page.frames().find((f) => f.parentFrame() === page.mainFrame()).evaluate(fn);

const state = (page) => page.locator('#verification').getAttribute('data-state');
const phase = (page) => page.locator('body').getAttribute('data-phase');

test('intro: the page explains itself when opened without a link', { timeout: 60000 }, async () => {
  const { context, page, seen } = await guestPage();
  await page.goto(server.url);
  await page.waitForSelector('#intro:not([hidden])', { timeout: 10000 });
  assert.equal(await phase(page), 'intro');
  assert.match(await page.innerText('#intro'), /open \(or re-open\) an issue/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test('invalid: a damaged offer is refused with a reason, no connection', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const n = newIssue([]);
  await page.goto(guestLink(server.url, { offer: 'janus1.o.AAAAAAAA', repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="invalid"]', { timeout: 10000 });
  assert.match(await page.textContent('#status-detail'), /cannot be read/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  await context.close();
});

test('expired: an expired offer says what to do next, no connection', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const offer = await encodeToken('o', { sid: '00000000000000aa', sdp: fakeOfferSdp(), exp: Math.floor(Date.now() / 1000) - 60 });
  const n = newIssue([{ user: { login: 'maintainer' }, author_association: 'OWNER', body: offer }]);
  await page.goto(guestLink(server.url, { offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="expired"]', { timeout: 10000 });
  assert.equal(await phase(page), 'expired');
  assert.match(await page.textContent('#status-detail'), /comment on the issue .*new link/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  await context.close();
});

test('refused: offer found only in a non-maintainer comment → no RTCPeerConnection', { timeout: 60000 }, async () => {
  const { context, page, seen } = await guestPage();
  const offer = await encodeToken('o', { sid: '00000000000000bb', sdp: fakeOfferSdp(), exp: Math.floor(Date.now() / 1000) + 600 });
  const n = newIssue([{ user: { login: 'mallory' }, author_association: 'CONTRIBUTOR', body: `click ${server.url}#offer=${offer}` }]);
  await page.goto(guestLink(server.url, { offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="refused"]', { timeout: 10000 });
  assert.match(await page.textContent('#status'), /Refused/);
  assert.match(await page.textContent('#status-detail'), /@mallory \(CONTRIBUTOR\)/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  assert.equal(await page.evaluate(() => window.janusGuest.pcCreated), false);
  assert.equal(await page.isHidden('#answer-panel'), true);
  assert.equal(await page.inputValue('#answer-token'), '');
  assert.equal(await page.isHidden('#continue-unverified'), true);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test('refused: offer in no comment at all, and issue that does not exist', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const offer = await encodeToken('o', { sid: '00000000000000cc', sdp: fakeOfferSdp(), exp: Math.floor(Date.now() / 1000) + 600 });
  const n = newIssue([{ user: { login: 'maintainer' }, author_association: 'OWNER', body: 'no link here' }]);
  await page.goto(guestLink(server.url, { offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="refused"]', { timeout: 10000 });
  assert.match(await page.textContent('#status-detail'), /fresh link/);
  await page.goto('about:blank');
  await page.goto(guestLink(server.url, { offer, repo: 'maintainer/demo', issue: 9999, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="refused"]', { timeout: 10000 });
  assert.match(await page.textContent('#status-detail'), /does not exist/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  await context.close();
});

test('unverifiable: API on a closed port → asks before connecting', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const host = await makeHost(context);
  const port = await closedPort();
  await page.goto(guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: 1, api: `http://127.0.0.1:${port}/api/v3`, ice: '' }));
  await page.waitForSelector('#verification[data-state="unverifiable"]', { timeout: 15000 });
  assert.equal(await page.isVisible('#continue-unverified'), true);
  assert.match(await page.textContent('#status-detail'), /Could not reach 127\.0\.0\.1/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0, 'no peer connection before the guest agrees');
  await page.click('#continue-unverified');
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__pcCount), 1);
  // The comment-box link falls back to the forge's web path derived from the API base.
  assert.equal(await page.getAttribute('#comment-box-link', 'href'), `http://127.0.0.1:${port}/maintainer/demo/issues/1#new_comment_form`);
  await context.close();
});

test('unverifiable: a verified answer from a foreign API is not trusted blindly', { timeout: 60000 }, async () => {
  // Served without the forge's header CSP (connect-src 'self' would block the foreign API
  // outright, which is unverifiable for a different reason).
  const other = await startGuestServer();
  const plain = await startGuestServer();
  try {
    const { context, page } = await guestPage();
    const offer = await encodeToken('o', { sid: '00000000000000dd', sdp: fakeOfferSdp(), exp: Math.floor(Date.now() / 1000) + 600 });
    other.issues.set('maintainer/demo#1', { user: { login: 'alice' }, comments: [{ user: { login: 'maintainer' }, author_association: 'OWNER', body: offer }] });
    await page.goto(guestLink(plain.url, { offer, repo: 'maintainer/demo', issue: 1, api: other.api, ice: '' }));
    await page.waitForSelector('#verification[data-state="unverifiable"]', { timeout: 10000 });
    assert.match(await page.textContent('#status'), /not GitHub/);
    assert.equal(await page.isVisible('#continue-unverified'), true);
    assert.equal(await page.evaluate(() => window.__pcCount), 0);
    await context.close();
  } finally {
    await other.close();
    await plain.close();
  }
});

test('verified across paginated comments (Link rel=next)', { timeout: 60000 }, async () => {
  const paged = await startGuestServer({ pageSize: 1, cspHeader: FORGE_CSP });
  try {
    const { context, page } = await guestPage();
    const host = await makeHost(context, paged);
    const link = guestLink(paged.url, { offer: host.offer, repo: 'maintainer/demo', issue: 1, api: paged.api, ice: '' });
    paged.issues.set('maintainer/demo#1', {
      user: { login: 'alice' },
      comments: [
        { user: { login: 'alice' }, body: 'first' },
        { user: { login: 'carol' }, author_association: 'CONTRIBUTOR', body: 'me too' },
        { user: { login: 'maintainer' }, author_association: 'COLLABORATOR', body: `Hi @alice: ${link}` },
      ],
    });
    await page.goto(link);
    await page.waitForSelector('#verification[data-state="verified"]', { timeout: 10000 });
    assert.match(await page.textContent('#status'), /@maintainer \(COLLABORATOR\)/);
    const pages = paged.requests.filter((r) => r.includes('/comments')).length;
    assert.ok(pages >= 3, `followed the pages (${pages} comment requests)`);
    await context.close();
  } finally {
    await paged.close();
  }
});

test('full flow against a fake host: verify, answer, chat both ways, acks, blog, bye', { timeout: 60000 }, async () => {
  const { context, page, seen } = await guestPage({ width: 360, height: 740 }, { permissions: ['clipboard-read', 'clipboard-write'] });
  const host = await makeHost(context);
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: 0, api: server.api, ice: '' });
  const n = newIssue([]);
  const realLink = link.replace('&issue=0', `&issue=${n}`);
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'maintainer' }, author_association: 'OWNER', body: `Hi @alice, chat here: ${realLink}\n<!-- janus:offer sid=feedfacecafebeef -->` });

  await page.goto(realLink);
  await page.waitForSelector('#verification[data-state="verified"]', { timeout: 10000 });
  assert.match(await page.textContent('#status'), /^Verified: @maintainer \(OWNER\)/);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  assert.equal(await phase(page), 'waiting');
  const answer = await page.inputValue('#answer-token');
  assert.equal(await page.getAttribute('#answer-token', 'readonly'), '');
  assert.equal(await page.getAttribute('#comment-box-link', 'href'), `${server.origin}/maintainer/demo/issues/${n}#new_comment_form`);
  assert.equal(await page.getAttribute('#comment-box-link', 'target'), '_blank');
  assert.match(await page.textContent('#as-author'), /@alice/);
  await page.click('#copy-answer');
  await page.waitForSelector('#copy-feedback[data-result="copied"]', { timeout: 5000 });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), answer);

  // "Post" the answer: the page's watcher sees it on the issue; the host applies it.
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'alice' }, author_association: 'NONE', body: answer, updated_at: '2030-01-01T00:00:05Z' });
  await page.waitForFunction(() => /answer is on the issue/.test(document.getElementById('wait-text').textContent), null, { timeout: 10000 });
  await host.apply(answer);
  await host.waitOpen();
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 15000 });
  assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'connected');
  assert.equal(await page.isHidden('#connect'), true);

  await host.send({ t: 'hello', v: 1, host: 'maintainer', guest: 'alice', features: ['chat', 'blog'] });
  await page.waitForFunction(() => document.getElementById('peer-name').textContent === '@maintainer', null, { timeout: 5000 });
  await host.waitFrame((f) => f.t === 'blog.list', 'blog.list after hello');

  // Guest → host, rendered as text, acked with a tick.
  const evil = 'hello <img src=x onerror="document.title=\'pwned\'"> & bye';
  await page.fill('#chat-input', evil);
  assert.equal(await page.textContent('#chat-counter'), `${evil.length} / 4096`);
  await page.press('#chat-input', 'Enter');
  const chat = await host.waitFrame((f) => f.t === 'chat', 'the guest chat');
  assert.equal(chat.text, evil);
  assert.match(chat.id, /^[0-9a-f]{32}$/);
  assert.ok(Math.abs(chat.ts - Date.now()) < 60000, 'ts is unix ms');
  assert.equal(await page.inputValue('#chat-input'), '');
  const mine = page.locator('#chat-log li[data-from="me"]').last();
  assert.equal(await mine.locator('.text').textContent(), evil);
  assert.equal(await mine.getAttribute('data-acked'), 'false');
  await host.send({ t: 'ack', id: chat.id });
  await page.waitForSelector(`#chat-log li[data-from="me"][data-id="${chat.id}"][data-acked="true"]`, { timeout: 5000 });

  // Shift+Enter is a newline, not a send.
  await page.fill('#chat-input', 'line one');
  await page.press('#chat-input', 'Shift+Enter');
  await page.type('#chat-input', 'line two');
  assert.equal(await page.inputValue('#chat-input'), 'line one\nline two');
  await page.click('#chat-send');
  const multi = await host.waitFrame((f) => f.t === 'chat' && f.text.includes('\n'), 'the two-line chat');
  assert.equal(multi.text, 'line one\nline two');

  // The 4096-character limit.
  await page.fill('#chat-input', 'x'.repeat(4097));
  assert.equal(await page.getAttribute('#chat-counter', 'data-over'), 'true');
  assert.equal(await page.isDisabled('#chat-send'), true);
  await page.press('#chat-input', 'Enter');
  await page.fill('#chat-input', '');

  // Host → guest: text only, acked back.
  await host.send({ t: 'chat', id: 'h1', text: '<b>bold?</b>\nsecond line', from: 'maintainer', ts: Math.floor(Date.now() / 1000) });
  const theirs = page.locator('#chat-log li[data-from="host"][data-id="h1"]');
  await theirs.waitFor({ timeout: 5000 });
  assert.equal(await theirs.locator('.text').textContent(), '<b>bold?</b>\nsecond line');
  assert.equal(await page.locator('#chat-log b, #chat-log img').count(), 0);
  await host.waitFrame((f) => f.t === 'ack' && f.id === 'h1', 'the ack of h1');

  await host.send({ t: 'notice', text: 'maintainer is typing slowly' });
  await page.waitForSelector('#chat-log li[data-from="system"]:has-text("maintainer is typing slowly")', { timeout: 5000 });
  await host.send({ t: 'file.later', name: 'x' });
  await host.send(JSON.stringify({ t: 'notice', text: 'y'.repeat(70000) }));
  await page.waitForFunction(() => window.janusGuest.framesIgnored >= 1 && window.janusGuest.framesDropped >= 1, null, { timeout: 5000 });

  // Blog: index as text, post in a sandboxed frame where nothing runs.
  await host.send({ t: 'blog.index', posts: [{ slug: 'welcome', title: 'Welcome <i>to</i> Janus', date: '2025-01-01', summary: 'First post' }] });
  const postButton = page.locator('#blog-index button[data-slug="welcome"]');
  await postButton.waitFor({ timeout: 5000 });
  assert.match(await postButton.textContent(), /Welcome <i>to<\/i> Janus/);
  await postButton.click();
  await host.waitFrame((f) => f.t === 'blog.get' && f.slug === 'welcome', 'blog.get welcome');
  await host.send({
    t: 'blog.post',
    slug: 'welcome',
    title: 'Welcome to Janus',
    date: '2025-01-01',
    // What the host's sanitizer emits (src/blog/render.rs): links with rel/target, a remote
    // image, table alignment as a style attribute. (Hostile HTML: xss.test.mjs.)
    html:
      '<h1>Welcome to Janus</h1><p>Hello <a href="https://example.org/" rel="noopener noreferrer nofollow" target="_blank">there</a>.</p>' +
      '<p><img src="https://images.example.org/cat.png" alt="a cat"> <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="dot"></p>' +
      '<table><thead><tr><th style="text-align: right">n</th></tr></thead><tbody><tr><td style="text-align: right">42</td></tr></tbody></table>',
  });
  await page.waitForSelector('#blog-view:not([hidden])', { timeout: 5000 });
  assert.equal(await page.getAttribute('#blog-frame', 'sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
  const frame = page.frameLocator('#blog-frame');
  assert.equal(await frame.locator('h1').textContent({ timeout: 5000 }), 'Welcome to Janus');
  assert.equal(await page.getAttribute('#blog-frame', 'title'), 'Blog post: Welcome to Janus');
  const postLink = frame.locator('a', { hasText: 'there' });
  assert.equal(await postLink.getAttribute('target'), '_blank');
  assert.equal(await postLink.getAttribute('rel'), 'noopener noreferrer');
  // A remote image is not fetched (no third-party requests): it becomes a link to it.
  const remote = frame.locator('a.remote-image');
  assert.equal(await remote.textContent(), '[image: a cat]');
  assert.equal(await remote.getAttribute('href'), 'https://images.example.org/cat.png');
  assert.equal(await frame.locator('img[alt="dot"]').count(), 1, 'data: images stay');
  assert.equal(await frame.locator('td[align="right"]').count(), 1, 'table alignment survives as align=');
  assert.equal(await blogFrameEval(page, () => getComputedStyle(document.querySelector('td')).textAlign), '-webkit-right', 'align=right is honoured (Chromium computes -webkit-right)');
  // The frame's stylesheet loaded (the tiny CSS): body margin is 0 from blog-frame.css.
  const blogFrame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  assert.equal(await blogFrame.evaluate(() => getComputedStyle(document.body).marginTop), '0px', 'blog-frame.css applied');
  assert.equal(await page.textContent('#blog-title'), 'Welcome to Janus');
  // Chat still usable while reading.
  await page.fill('#chat-input', 'reading your post');
  await page.press('#chat-input', 'Enter');
  await host.waitFrame((f) => f.t === 'chat' && f.text === 'reading your post', 'a chat sent while the blog is open');
  await page.click('#blog-back');
  await page.waitForSelector('#blog-index:not([hidden])', { timeout: 5000 });
  assert.equal(await page.isHidden('#blog-view'), true);

  // Layout holds at 360 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no horizontal scroll at 360 px (scrollWidth ${overflow})`);
  await page.screenshot({ path: join(artifactsDir(), 'guest-fake-host-360.png'), fullPage: true });

  // Leaving while connected asks first (beforeunload).
  let dialog = null;
  page.once('dialog', async (d) => {
    dialog = d.type();
    await d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await waitUntil(() => dialog, { timeoutMs: 5000, what: 'the beforeunload prompt' });
  assert.equal(dialog, 'beforeunload');
  assert.equal(page.isClosed(), false);

  // Host says bye → closed, composer disabled.
  await host.send({ t: 'bye', reason: 'office hours are over' });
  await page.waitForSelector('body[data-phase="closed"]', { timeout: 5000 });
  assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'closed');
  assert.equal(await page.isDisabled('#chat-input'), true);
  assert.match(await page.textContent('#chat-log'), /office hours are over/);

  assert.equal(await page.evaluate(() => document.title), 'Janus — chat with a maintainer');
  // Strict CSP, and nothing tripped it: no violation events, no console errors (CSP
  // refusals are console errors), no page errors; and nothing left this machine.
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.console, [], 'no console errors (CSP refusals would show here)');
  assert.ok(seen.requests.length >= 8, `requests were seen (${seen.requests.length})`);
  assert.deepEqual(offLoopback(seen.requests), [], 'every request goes to 127.0.0.1');
  await context.close();
});

test('copy falls back to selecting the answer when the clipboard is refused', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const host = await makeHost(context);
  const n = newIssue([]);
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' });
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'maintainer' }, author_association: 'OWNER', body: link });
  await page.addInitScript(() => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) } });
  });
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  await page.click('#copy-answer');
  await page.waitForSelector('#copy-feedback[data-result="manual"]', { timeout: 5000 });
  assert.match(await page.textContent('#copy-feedback'), /Ctrl\+C/);
  const selected = await page.evaluate(() => {
    const ta = document.getElementById('answer-token');
    return document.activeElement === ta && ta.selectionStart === 0 && ta.selectionEnd === ta.value.length;
  });
  assert.equal(selected, true, 'the answer is focused and fully selected');
  await context.close();
});

test('connection failure: answer posted but the host never connects → TURN hint', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const host = await makeHost(context);
  const n = newIssue([]);
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' });
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'maintainer' }, author_association: 'MEMBER', body: link });
  await page.clock.install();
  await page.goto(link);
  await page.waitForSelector('#verification[data-state="verified"]', { timeout: 10000 });
  assert.match(await page.textContent('#status'), /\(MEMBER\)/);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  const answer = await page.inputValue('#answer-token');
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'alice' }, body: answer });
  await page.clock.runFor(4000);
  await page.waitForFunction(() => /answer is on the issue/.test(document.getElementById('wait-text').textContent), null, { timeout: 10000 });
  assert.match(await page.textContent('#elapsed'), /^0:0[4-9]$/, 'the waiting state shows the elapsed time');
  await page.clock.runFor(21000);
  await page.waitForSelector('body[data-phase="failed"]', { timeout: 5000 });
  assert.match(await page.textContent('#wait-hint'), /relay \(TURN/);
  await context.close();
});

test('waiting: the offer expires before the answer shows up on the issue → says so and what to do', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const host = await makeHost(context);
  const n = newIssue([]);
  const link = guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' });
  server.issues.get(`maintainer/demo#${n}`).comments.push({ user: { login: 'maintainer' }, author_association: 'OWNER', body: link });
  await page.clock.install();
  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  assert.match(await page.textContent('#offer-expiry'), /Post it before/);
  await page.clock.fastForward('10:05'); // the fake host's offer lives 10 minutes
  await page.clock.runFor(2000);
  await page.waitForFunction(() => /offer has expired/.test(document.getElementById('wait-hint').textContent), null, { timeout: 5000 });
  assert.match(await page.textContent('#wait-hint'), /ask for a new link/);
  await context.close();
});

test('disconnected: the connection drops without a bye → a clear closed state', { timeout: 60000 }, async () => {
  const { context, page, seen } = await guestPage();
  const { host } = await connectGuest(page, context, server);
  await host.send({ t: 'hello', v: 1, host: 'maintainer', guest: 'alice', features: ['chat'] });
  await page.waitForFunction(() => document.getElementById('peer-name').textContent === '@maintainer', null, { timeout: 5000 });
  await host.page.evaluate(() => window.host.pc.close());
  await page.waitForSelector('body[data-phase="closed"]', { timeout: 15000 });
  assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'closed');
  assert.equal(await page.textContent('#conn-state'), 'closed');
  assert.equal(await page.isDisabled('#chat-input'), true);
  assert.equal(await page.isDisabled('#chat-send'), true);
  assert.match(await page.textContent('#chat-log'), /Disconnected: the connection closed\./);
  assert.match(await page.textContent('#chat-log'), /ask for a new link/);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test('unverifiable: the API is rate limited (403/429) → says so, and asks before connecting', { timeout: 60000 }, async () => {
  const { context, page } = await guestPage();
  const offer = await encodeToken('o', { sid: '00000000000000f1', sdp: fakeOfferSdp(), exp: Math.floor(Date.now() / 1000) + 600 });
  for (const status of [403, 429]) {
    const n = newIssue([]);
    server.issues.get(`maintainer/demo#${n}`).status = status;
    await page.goto('about:blank');
    await page.goto(guestLink(server.url, { offer, repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
    await page.waitForSelector('#verification[data-state="unverifiable"]', { timeout: 10000 });
    assert.match(await page.textContent('#status-detail'), new RegExp(`HTTP ${status}, probably its rate limit`));
    assert.equal(await page.isVisible('#continue-unverified'), true);
    assert.equal(await page.evaluate(() => window.__pcCount), 0);
  }
  await context.close();
});
