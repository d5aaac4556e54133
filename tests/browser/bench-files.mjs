// The file-transfer benchmark (issue #10): in one run on loopback, with one `janus demo
// --plain` host and headless Debian Chromium,
//   1. host → Chromium: `file send` of a SIZE file, accepted in the guest page (which hashes
//      it and writes it to OPFS), from the click on Accept to the page's "done";
//   2. Chromium → host: the same file set in the page's picker (accept_files = "auto"),
//      from the host's "accepted" line to its "saved … matched" line;
//   3. the ceiling: Chromium ⇄ Chromium, two pages of the same browser, one data channel,
//      the same bytes in 16 KiB messages paced on bufferedAmount (1 MiB / 256 KiB), the
//      receiver only counting;
//   4. the host's RSS (VmRSS sampled every 100 ms) while it sends a BIG file to the page.
// Beside each transfer: the UDP datagrams the kernel dropped for a full receive buffer
// (/proc/net/snmp RcvbufErrors, all sockets), each one a packet SCTP has to resend.
// Prints a Markdown table on stdout, progress on stderr. Files go to a scratch directory
// under /tmp, removed at the end.
//
// Usage: node tests/browser/bench-files.mjs [SIZE_MIB=256] [BIG_MIB=1024]   (see scripts/bench-files)
// BENCH_ECHO=1 echoes the host's output lines to stderr.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ROOT, launchChromium, waitUntil, isolatedJanusEnv, forgeApi, guestLinkIn } from './helpers.mjs';
import { procStats } from './procstats.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'release', 'janus');
const MIB = 1024 * 1024;
const SIZE = Number(process.argv[2] || 256) * MIB;
const BIG = Number(process.argv[3] || 1024) * MIB;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
const log = (...a) => console.error('[bench-files]', ...a);

/** Datagrams the kernel dropped because a UDP socket's receive buffer was full (all sockets). */
function udpReceiveBufferDrops() {
  const rows = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = rows.map((r) => r.split(/\s+/));
  return Number(values[names.indexOf('RcvbufErrors')]);
}

/** A file of `size` random bytes (written in 8 MiB pieces); its SHA-256. */
function makeFile(path, size) {
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  for (let left = size; left > 0; ) {
    const piece = randomBytes(Math.min(left, 8 * MIB));
    writeSync(fd, piece);
    hash.update(piece);
    left -= piece.length;
  }
  closeSync(fd);
  return hash.digest('hex');
}

const scratch = mkdtempSync(join(tmpdir(), 'janus-bench-files-'));
const home = join(scratch, 'home');
mkdirSync(join(home, 'config', 'janus'), { recursive: true });
const { writeFileSync } = await import('node:fs');
writeFileSync(join(home, 'config', 'janus', 'config.toml'), `accept_files = "auto"\nmax_file_size = ${4 * BIG}\n`);

const out = [];
const proc = spawn(BIN, ['demo', '--plain', '--listen', '127.0.0.1:0', '--poll-interval', '0.3', '--data-dir', join(scratch, 'data')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env: isolatedJanusEnv(home) });
// The host was once gone before the memory phase with nothing on stderr: say how it ended.
proc.on('exit', (code, signal) => log(`janus demo exited: code ${code}, signal ${signal}; its last lines: ${out.slice(-5).join(' | ')}`));
let buf = '';
proc.stdout.setEncoding('utf8');
proc.stdout.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    out.push({ at: performance.now(), line: buf.slice(0, i).replace(ANSI, '') });
    if (process.env.BENCH_ECHO) log('host:', out[out.length - 1].line);
    buf = buf.slice(i + 1);
  }
});
async function waitLine(re, from = 0, timeoutMs = 600000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (let i = from; i < out.length; i++) {
      const m = re.exec(out[i].line);
      if (m) return { m, at: out[i].at, index: i };
    }
    if (Date.now() > deadline) throw new Error(`janus did not print ${re}\n${out.slice(-20).map((o) => o.line).join('\n')}`);
    await sleep(20);
  }
}

let browser;
try {
  const first = await waitLine(/(http:\/\/127\.0\.0\.1:\d+)\//, 0, 30000);
  const forge = forgeApi(`${first.m[1]}/api/v3`);
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: false });

  // The guest page, connected.
  const alice = await forge.register('alice');
  const issue = await forge.openIssue(alice.token, 'bench', 'files');
  const link = await waitUntil(async () => (await forge.comments(issue.number)).map((c) => guestLinkIn(c.body)).find(Boolean) || null, { timeoutMs: 20000, intervalMs: 200, what: 'the link' });
  const page = await context.newPage();
  await page.goto(link);
  await page.waitForSelector('#verification[data-state="verified"]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('answer-token').value.startsWith('janus1.a.'), null, { timeout: 10000 });
  await forge.comment(alice.token, issue.number, await page.inputValue('#answer-token'));
  await page.waitForSelector('#files:not([hidden])', { timeout: 30000 });
  log('guest page connected');

  const file = join(scratch, 'bench.bin');
  log(`writing ${SIZE / MIB} MiB`);
  makeFile(file, SIZE);

  // 1. host → Chromium.
  let from = out.length;
  proc.stdin.write(`file send alice ${file}\n`);
  const offer = page.locator('#file-list li[data-dir="in"]').last();
  await offer.waitFor({ timeout: 60000 });
  const inId = await offer.getAttribute('data-id');
  const drops0 = udpReceiveBufferDrops();
  const t0 = performance.now();
  await offer.getByRole('button', { name: 'Accept' }).click();
  await page.waitForSelector(`#file-list li[data-id="${inId}"][data-state="done"]`, { timeout: 900000, polling: 50 });
  const hostToPage = (performance.now() - t0) / 1000;
  const hostToPageDrops = udpReceiveBufferDrops() - drops0;
  await waitLine(/alice received bench\.bin; SHA-256 [0-9a-f]{64} matched/, from);
  log(`host → Chromium: ${hostToPage.toFixed(1)} s`);

  // 2. Chromium → host.
  from = out.length;
  const drops1 = udpReceiveBufferDrops();
  await page.setInputFiles('#file-pick', file);
  const accepted = await waitLine(/alice sends bench\.bin .* accepted/, from);
  const saved = await waitLine(/received bench\.bin from alice: saved as .* matched/, from);
  const pageToHost = (saved.at - accepted.at) / 1000;
  const pageToHostDrops = udpReceiveBufferDrops() - drops1;
  log(`Chromium → host: ${pageToHost.toFixed(1)} s`);

  // 3. The ceiling: Chromium ⇄ Chromium.
  const sender = await context.newPage();
  const receiver = await context.newPage();
  for (const p of [sender, receiver]) await p.goto('about:blank');
  // The sender reads the same bytes from a File, as the guest page does.
  await sender.setContent('<input type="file" id="f">');
  await sender.setInputFiles('#f', file);
  const offerSdp = await sender.evaluate(async () => {
    const pc = new RTCPeerConnection();
    window.pc = pc;
    window.ch = pc.createDataChannel('bench', { ordered: true });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription.sdp;
  });
  const answerSdp = await receiver.evaluate(async ({ sdp, size }) => {
    const pc = new RTCPeerConnection();
    window.pc = pc;
    window.done = new Promise((resolve) => {
      pc.addEventListener('datachannel', (ev) => {
        const ch = ev.channel;
        ch.binaryType = 'arraybuffer';
        let got = 0;
        ch.addEventListener('message', (m) => {
          got += m.data.byteLength;
          if (got >= size) resolve(performance.now());
        });
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription.sdp;
  }, { sdp: offerSdp, size: SIZE });
  const drops2 = udpReceiveBufferDrops();
  const started = await sender.evaluate(async (sdp) => {
    await window.pc.setRemoteDescription({ type: 'answer', sdp });
    const ch = window.ch;
    await new Promise((r) => (ch.readyState === 'open' ? r() : ch.addEventListener('open', r, { once: true })));
    ch.bufferedAmountLowThreshold = 256 * 1024;
    const file = document.getElementById('f').files[0];
    const t0 = performance.timeOrigin + performance.now();
    for (let at = 0; at < file.size; at += 1024 * 1024) {
      const bytes = new Uint8Array(await file.slice(at, at + 1024 * 1024).arrayBuffer());
      for (let i = 0; i < bytes.length; i += 16384) {
        if (ch.bufferedAmount > 1024 * 1024) await new Promise((r) => ch.addEventListener('bufferedamountlow', r, { once: true }));
        ch.send(bytes.subarray(i, i + 16384));
      }
    }
    return t0;
  }, answerSdp);
  const ended = await receiver.evaluate(async () => performance.timeOrigin + (await window.done));
  const ceiling = (ended - started) / 1000;
  const ceilingDrops = udpReceiveBufferDrops() - drops2;
  log(`Chromium ⇄ Chromium: ${ceiling.toFixed(1)} s`);
  await sender.close();
  await receiver.close();
  rmSync(file, { force: true });
  rmSync(join(scratch, 'data', 'files'), { recursive: true, force: true });

  // 4. The host's RSS while it sends BIG.
  const big = join(scratch, 'big.bin');
  log(`writing ${BIG / MIB} MiB`);
  makeFile(big, BIG);
  await sleep(1000);
  const base = await procStats(proc.pid);
  let peak = base.rssKiB;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await procStats(proc.pid)).rssKiB);
      await sleep(100);
    }
  })();
  from = out.length;
  proc.stdin.write(`file send alice ${big}\n`);
  const bigOffer = page.locator('#file-list li[data-dir="in"]').last();
  await waitUntil(async () => (await bigOffer.getAttribute('data-id')) !== inId, { timeoutMs: 120000, what: 'the big offer' });
  const bigId = await bigOffer.getAttribute('data-id');
  const tb = performance.now();
  await bigOffer.getByRole('button', { name: 'Accept' }).click();
  await page.waitForSelector(`#file-list li[data-id="${bigId}"][data-state="done"]`, { timeout: 1800000, polling: 100 });
  const bigSecs = (performance.now() - tb) / 1000;
  sampling = false;
  await sampler;
  const after = await procStats(proc.pid);
  rmSync(big, { force: true });

  const mbps = (bytes, s) => (bytes / 1e6 / s).toFixed(1);
  const ratio = (s) => `${Math.round((ceiling / s) * 100)} %`;
  console.log(`| transfer (${SIZE / MIB} MiB, loopback) | seconds | MB/s | of the ceiling | UDP datagrams dropped (receive buffer full) |`);
  console.log('|---|---|---|---|---|');
  console.log(`| host → Chromium (page hashes, writes to OPFS) | ${hostToPage.toFixed(1)} | ${mbps(SIZE, hostToPage)} | ${ratio(hostToPage)} | ${hostToPageDrops} |`);
  console.log(`| Chromium → host (host hashes, writes to disk) | ${pageToHost.toFixed(1)} | ${mbps(SIZE, pageToHost)} | ${ratio(pageToHost)} | ${pageToHostDrops} |`);
  console.log(`| Chromium ⇄ Chromium, one data channel (ceiling) | ${ceiling.toFixed(1)} | ${mbps(SIZE, ceiling)} | 100 % | ${ceilingDrops} |`);
  console.log('');
  console.log(`| host sending ${BIG / MIB} MiB to Chromium | value |`);
  console.log('|---|---|');
  console.log(`| time, throughput | ${bigSecs.toFixed(1)} s, ${mbps(BIG, bigSecs)} MB/s |`);
  console.log(`| host RSS before | ${(base.rssKiB / 1024).toFixed(1)} MiB |`);
  console.log(`| host RSS peak while sending (sampled every 100 ms) | ${(peak / 1024).toFixed(1)} MiB |`);
  console.log(`| growth | ${((peak - base.rssKiB) / 1024).toFixed(1)} MiB |`);
  console.log(`| host RSS after | ${(after.rssKiB / 1024).toFixed(1)} MiB (VmHWM ${(after.hwmKiB / 1024).toFixed(1)} MiB) |`);
} finally {
  await browser?.close().catch(() => {});
  proc.stdin.write('quit\n');
  await sleep(1500);
  proc.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}
