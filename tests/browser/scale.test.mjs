// CI smoke version of the scale benchmark (tests/browser/bench-scale.mjs, issue #12 item
// 10): a few real guest pages in headless Debian Chromium chat with a real `janus demo
// --plain` host at the same time, both ways, for a few seconds. Asserts what must always
// hold: every guest connects, every chat message is acked (0 lost, as the probe and the
// page's own ticks both say), every message typed into the host's console arrives, and no
// channel closes. The numbers themselves are the benchmark's business (BENCHMARKS.md).
//
// Needs target/debug/janus (or $JANUS_BIN): building is the caller's job (scripts/test).
// JANUS_SCALE_SMOKE_N / JANUS_SCALE_SMOKE_SECONDS change the size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './helpers.mjs';
import { percentile } from './procstats.mjs';
import { runScale, tableRow, TABLE_HEADER } from './bench-scale.mjs';

const BIN = process.env.JANUS_BIN || join(ROOT, 'target', 'debug', 'janus');
const N = Number(process.env.JANUS_SCALE_SMOKE_N || 5);
const SECONDS = Number(process.env.JANUS_SCALE_SMOKE_SECONDS || 8);
const RATE = 2;

test(`scale: ${N} real Chromium guests chat at ${RATE} messages/s each for ${SECONDS} s; nothing is lost`, { timeout: 120000 }, async () => {
  assert.ok(existsSync(BIN), `janus binary not found at ${BIN}: build it first (cargo build), or set JANUS_BIN`);
  const r = await runScale({ bin: BIN, n: N, seconds: SECONDS, rate: RATE, hostEveryMs: 1000, pollInterval: 0.5, connectTimeoutMs: 45000, log: (m) => console.log(m) });
  console.log(`  ${TABLE_HEADER.split('\n')[0]}\n  ${tableRow(r)}`);

  assert.deepEqual(r.failures, [], 'every guest connects');
  assert.equal(r.connected, N);
  assert.deepEqual(r.closedDuringRun, [], 'no channel closes while chatting');
  assert.deepEqual(r.pageErrors, [], 'no page errors');
  // Each guest sent about RATE × SECONDS messages through its own composer.
  assert.ok(r.sent >= N * RATE * SECONDS * 0.8, `guests sent ${r.sent} messages, expected about ${N * RATE * SECONDS}`);
  assert.equal(r.domMine, r.sent, "every message the probe saw leave is in the page's own log");
  assert.equal(r.acksLost, 0, `${r.acksLost} of ${r.sent} chat messages got no ack from the host`);
  assert.equal(r.domUnacked, 0, `${r.domUnacked} messages still show "not yet delivered" on the pages`);
  assert.equal(r.unknownAcks, 0, 'no ack for a message the guest never sent');
  assert.equal(r.rtts.length, r.sent);
  assert.ok(r.hostSent >= SECONDS * 0.8, `the host console sent ${r.hostSent} replies`);
  assert.equal(r.hostDelivered, r.hostSent, `${r.hostSent - r.hostDelivered} of ${r.hostSent} host messages never reached their guest`);
  assert.equal(r.framesDropped, 0, 'the pages dropped no frame from the host');
  // Loose sanity bounds (a loaded CI machine is slow, but not this slow): a round trip on
  // loopback is milliseconds; seconds would mean messages queue up somewhere.
  assert.ok(percentile(r.rtts, 50) < 1000, `median ack round trip ${percentile(r.rtts, 50)} ms`);
  assert.ok(r.rssKiB > 0 && r.cpuPercent >= 0, 'host stats were read from /proc');
});
