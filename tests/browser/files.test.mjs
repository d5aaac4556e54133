// Files in real Chromium (PROTOCOL.md "Files"): a guest page answers a real
// `janus demo --plain`; a file chosen in the page's picker (playwright setInputFiles)
// reaches the host's data directory byte for byte after `file accept`; a file the
// maintainer sends with `file send` is accepted in the page and its download link holds the
// same bytes; and a transfer whose connection drops midway resumes from the page's offset
// when the guest connects again (a new issue), the partial file kept in OPFS.
// Needs target/debug/janus (or $JANUS_BIN).

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, JanusDemo, launchChromium, watchPage, waitUntil, forgeApi, guestLinkIn } from './helpers.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'debug', 'janus');
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

let janus;
let browser;
let forge;
let work;

/** A guest page in `context` for `user`, connected through a new issue of its own. */
async function connectGuest(context, user) {
  const issue = await forge.openIssue(user.token, `${user.login} has files`, 'hi');
  const link = await waitUntil(
    async () => {
      for (const c of await forge.comments(issue.number)) {
        const l = guestLinkIn(c.body);
        if (l) return l;
      }
      return null;
    },
    { timeoutMs: 20000, intervalMs: 250, what: `the link for ${user.login}` },
  );
  const page = await context.newPage();
  const seen = await watchPage(page);
  const from = janus.out.length;
  await page.goto(link);
  await page.waitForSelector('#verification[data-state="verified"]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  await forge.comment(user.token, issue.number, await page.inputValue('#answer-token'));
  await page.waitForSelector('body[data-phase="connected"]', { timeout: 30000 });
  await page.waitForSelector('#files:not([hidden])', { timeout: 10000 });
  await janus.waitLine(new RegExp(`^\\* ${user.login} connected`), { from });
  return { page, seen };
}

/** The bytes a click on a received file's download link saves. */
async function downloaded(page, id) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }), page.click(`#file-list li[data-id="${id}"] a.file-download`)]);
  return readFileSync(await download.path());
}

before(async () => {
  if (!existsSync(BIN)) throw new Error(`janus binary not found at ${BIN}: build it first, or set JANUS_BIN`);
  janus = await new JanusDemo(BIN, { pollInterval: 0.3, keepLines: Infinity, waitMs: 20000 }).start();
  forge = forgeApi(janus.api);
  browser = await launchChromium();
  work = mkdtempSync(join(tmpdir(), 'janus-files-work-'));
});

after(async () => {
  await browser?.close().catch(() => {});
  await janus?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('files: page → host through the picker, host → page with a download link', { timeout: 120000 }, async () => {
  const alice = await forge.register('alice');
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, acceptDownloads: true });
  try {
    const { page, seen } = await connectGuest(context, alice);

    // A real file set in the picker: offered, accepted at the console, saved byte for byte.
    const up = randomBytes(3 * 1024 * 1024 + 17);
    const upPath = join(work, 'from-page.bin');
    writeFileSync(upPath, up);
    await page.setInputFiles('#file-pick', upPath);
    const [, id] = await janus.waitLine(/alice offers from-page\.bin \(3\.0 MiB\): type `file accept ([0-9a-f]{16})`/);
    janus.send(`file accept ${id}`);
    await janus.waitLine(/received from-page\.bin from alice: saved as .* matched/);
    assert.deepEqual(readFileSync(join(janus.data, 'files', 'alice', 'from-page.bin')), up);
    await page.waitForSelector(`#file-list li[data-id="${id}"][data-state="done"]`, { timeout: 10000 });

    // The maintainer sends one: Accept in the page, the download link holds the bytes.
    const down = randomBytes(2 * 1024 * 1024 + 5);
    const downPath = join(work, 'to-page.pdf');
    writeFileSync(downPath, down);
    janus.send(`file send alice ${downPath}`);
    const offer = page.locator('#file-list li[data-dir="in"]');
    await offer.waitFor({ timeout: 15000 });
    assert.match(await offer.locator('.file-name').textContent(), /to-page\.pdf \(2\.0 MiB\)/);
    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.waitForSelector('#file-list li[data-dir="in"][data-state="done"]', { timeout: 20000 });
    await janus.waitLine(/alice received to-page\.pdf; SHA-256 [0-9a-f]{64} matched/);
    const inId = await offer.getAttribute('data-id');
    const got = await downloaded(page, inId);
    assert.equal(got.length, down.length);
    assert.equal(sha(got), sha(down));
    assert.deepEqual(seen.errors, [], 'no page errors');
  } finally {
    await context.close();
  }
});

test('files: a transfer to the page resumes from its offset after a dropped connection', { timeout: 180000 }, async () => {
  const bob = await forge.register('bob');
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, acceptDownloads: true });
  try {
    const first = await connectGuest(context, bob);
    const bytes = randomBytes(6 * 1024 * 1024 + 3);
    const path = join(work, 'resume.bin');
    writeFileSync(path, bytes);
    // The page drops its connection once it holds 3 MiB, as a network failure would.
    await first.page.evaluate(() => (window.janusGuest.files.dropAfterBytes = 3 * 1024 * 1024));
    janus.send(`file send bob ${path}`);
    const offer = first.page.locator('#file-list li[data-dir="in"]');
    await offer.waitFor({ timeout: 15000 });
    const id = await offer.getAttribute('data-id');
    await offer.getByRole('button', { name: 'Accept' }).click();
    await janus.waitLine(/resume\.bin \(bob\) interrupted at/);
    await janus.waitLine(/bob disconnected/);
    await first.page.close();

    // Bob asks again: the host offers the same id at once; the page answers with what it holds.
    const from = janus.out.length;
    const second = await connectGuest(context, bob);
    const [, offset] = await janus.waitLine(/bob accepted resume\.bin; sending from byte (\d+)/, { from });
    assert.ok(Number(offset) >= 2 * 1024 * 1024 && Number(offset) < bytes.length, `offset ${offset}`);
    // Generous: once in a CI run the resumed transfer crawled at ~135 KiB/s (cause not found
    // yet); what this test proves is the offset and the hash, not the speed.
    await second.page.waitForSelector(`#file-list li[data-id="${id}"][data-state="done"]`, { timeout: 90000 }).catch(async (e) => {
      const status = await second.page.locator('#file-list').textContent();
      throw new Error(`${e.message}\npage: ${status}\n${janus.out.slice(-12).join('\n')}`);
    });
    await janus.waitLine(/bob received resume\.bin; SHA-256 [0-9a-f]{64} matched/, { from });
    const got = await downloaded(second.page, id);
    assert.equal(sha(got), sha(bytes));
    const listed = await second.page.evaluate(() => window.janusGuest.files.list());
    assert.equal(listed.find((t) => t.id === id).offset, Number(offset));
  } finally {
    await context.close();
  }
});
