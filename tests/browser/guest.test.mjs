// Browser tests of the guest page alone: served by a tiny static server with a fake forge API,
// with a second Chromium page acting as the host (offerer). No Rust binary needed.
// These run in seconds and pin the page's behaviour and its element-id contract; the real
// end-to-end run with `janus demo` is e2e.test.mjs.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { encodeToken } from '../../assets/guest/token.js';
import { launchChromium, startGuestServer, watchPage, guestLink, closedPort, fakeOfferSdp, waitUntil, artifactsDir } from './helpers.mjs';

const FORGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let browser;
let server;
let issueNo = 0;

before(async () => {
  // The same header CSP as the embedded forge sends, on top of the page's own meta CSP.
  server = await startGuestServer({ cspHeader: FORGE_CSP });
  // Two pages of one browser talk to each other here: without mDNS obfuscation their host
  // candidates are plain loopback/LAN addresses and need no resolver.
  browser = await launchChromium(['--disable-features=WebRtcHideLocalIpsWithMdns']);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function guestPage(viewport = { width: 1000, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const seen = await watchPage(page);
  return { context, page, seen };
}

function newIssue(comments, author = 'alice') {
  issueNo += 1;
  server.issues.set(`maintainer/demo#${issueNo}`, { title: 'Help', user: { login: author, id: 2 }, comments });
  return issueNo;
}

/** A fake host: a plain page holding the offerer side, controlled from the test. */
async function fakeHost(context) {
  const page = await context.newPage();
  await page.goto(`${server.origin}/blank.html`);
  const offer = await page.evaluate(async () => {
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
    return encodeToken('o', { sid: 'feedfacecafebeef', sdp: pc.localDescription.sdp, exp: Math.floor(Date.now() / 1000) + 600 });
  });
  return {
    page,
    offer,
    apply: (answer) =>
      page.evaluate(async (answer) => {
        const { decodeToken } = await import('/guest/token.js');
        const a = await decodeToken(answer, 'a');
        if (a.sid !== 'feedfacecafebeef') throw new Error(`answer sid ${a.sid}`);
        await window.host.pc.setRemoteDescription({ type: 'answer', sdp: a.sdp });
      }, answer),
    waitOpen: () => page.waitForFunction(() => window.host.ch.readyState === 'open', null, { timeout: 15000 }),
    send: (frame) => page.evaluate((f) => window.host.ch.send(typeof f === 'string' ? f : JSON.stringify(f)), frame),
    received: () => page.evaluate(() => window.host.received),
    waitFrame: (pred, what) =>
      waitUntil(async () => (await page.evaluate(() => window.host.received)).find(pred), { timeoutMs: 10000, what: `host to receive ${what}` }),
  };
}

const state = (page) => page.locator('#verification').getAttribute('data-state');
const phase = (page) => page.locator('body').getAttribute('data-phase');

test('intro: the page explains itself when opened without a link', async () => {
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

test('invalid: a damaged offer is refused with a reason, no connection', async () => {
  const { context, page } = await guestPage();
  const n = newIssue([]);
  await page.goto(guestLink(server.url, { offer: 'janus1.o.AAAAAAAA', repo: 'maintainer/demo', issue: n, api: server.api, ice: '' }));
  await page.waitForSelector('#verification[data-state="invalid"]', { timeout: 10000 });
  assert.match(await page.textContent('#status-detail'), /cannot be read/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0);
  await context.close();
});

test('expired: an expired offer says what to do next, no connection', async () => {
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

test('refused: offer found only in a non-maintainer comment → no RTCPeerConnection', async () => {
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

test('refused: offer in no comment at all, and issue that does not exist', async () => {
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

test('unverifiable: API on a closed port → asks before connecting', async () => {
  const { context, page } = await guestPage();
  const host = await fakeHost(context);
  const port = await closedPort();
  await page.goto(guestLink(server.url, { offer: host.offer, repo: 'maintainer/demo', issue: 1, api: `http://127.0.0.1:${port}/api/v3`, ice: '' }));
  await page.waitForSelector('#verification[data-state="unverifiable"]', { timeout: 15000 });
  assert.equal(await page.isVisible('#continue-unverified'), true);
  assert.match(await page.textContent('#status-detail'), /could not reach 127\.0\.0\.1/);
  assert.equal(await page.evaluate(() => window.__pcCount), 0, 'no peer connection before the guest agrees');
  await page.click('#continue-unverified');
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__pcCount), 1);
  // The comment-box link falls back to the forge's web path derived from the API base.
  assert.equal(await page.getAttribute('#comment-box-link', 'href'), `http://127.0.0.1:${port}/maintainer/demo/issues/1#new_comment_form`);
  await context.close();
});

test('unverifiable: a verified answer from a foreign API is not trusted blindly', async () => {
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

test('full flow against a fake host: verify, answer, chat both ways, acks, blog, bye', async () => {
  const { context, page, seen } = await guestPage({ width: 360, height: 740 });
  const host = await fakeHost(context);
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
  await page.waitForSelector('#copy-feedback[data-result]', { timeout: 5000 });

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
  await host.send({ t: 'file.offer', name: 'x' });
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
    html: '<h1>Welcome to Janus</h1><p>Hello <a href="https://example.org/">there</a>.</p><script>document.body.dataset.ran = "yes"</script><img src="x" onerror="document.body.dataset.ran = \'img\'">',
  });
  await page.waitForSelector('#blog-view:not([hidden])', { timeout: 5000 });
  assert.equal(await page.getAttribute('#blog-frame', 'sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
  const frame = page.frameLocator('#blog-frame');
  assert.equal(await frame.locator('h1').textContent({ timeout: 5000 }), 'Welcome to Janus');
  await page.waitForTimeout(300);
  assert.equal(await frame.locator('body').getAttribute('data-ran'), null, 'nothing ran in the blog frame');
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

  // Host says bye → closed, composer disabled.
  await host.send({ t: 'bye', reason: 'office hours are over' });
  await page.waitForSelector('body[data-phase="closed"]', { timeout: 5000 });
  assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'closed');
  assert.equal(await page.isDisabled('#chat-input'), true);
  assert.match(await page.textContent('#chat-log'), /office hours are over/);

  assert.equal(await page.evaluate(() => document.title), 'Janus — chat with a maintainer');
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test('connection failure: answer posted but the host never connects → TURN hint', async () => {
  const { context, page } = await guestPage();
  const host = await fakeHost(context);
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
  await page.clock.runFor(21000);
  await page.waitForSelector('body[data-phase="failed"]', { timeout: 5000 });
  assert.match(await page.textContent('#wait-hint'), /relay \(TURN/);
  await context.close();
});
