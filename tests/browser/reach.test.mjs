// Unit tests of assets/guest/reach.js in node (no browser): the relay servers an offer may
// carry, the relay-only choice, chats sent again until acked, duplicates shown once, and
// the failure hints. The page's relayed run in Chromium is in tests/nat_lab.rs.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { relayServers, rtcConfiguration, createResender, createDedupe, failureHint, hasRelayCandidate, MAX_RELAYS } from '../../assets/guest/reach.js';

test('relay servers: only turn URLs with credentials, bounded', () => {
  const good = { urls: ['turn:198.18.1.1:3478?transport=udp', 'turn:198.18.1.1:3478?transport=tcp'], username: '1800000000:alice', credential: 'abc=' };
  assert.deepEqual(relayServers([good]), [good]);
  assert.deepEqual(relayServers('nope'), []);
  assert.deepEqual(relayServers([{ urls: ['stun:x:1'], username: 'u', credential: 'c' }]), [], 'STUN is not a relay');
  assert.deepEqual(relayServers([{ urls: ['turn:x'], username: 'u' }]), [], 'no credential');
  assert.deepEqual(relayServers([{ urls: ['turn:x y'], username: 'u', credential: 'c' }]), [], 'no spaces');
  assert.deepEqual(relayServers([{ urls: ['turn:x?transport=sctp'], username: 'u', credential: 'c' }]), []);
  assert.deepEqual(relayServers([{ ...good, username: 'x'.repeat(600) }]), [], 'bounded fields');
  assert.equal(relayServers(Array(10).fill(good)).length, MAX_RELAYS);
  assert.deepEqual(relayServers([{ urls: 'turn:x', username: 'u', credential: 'c' }]), [{ urls: ['turn:x'], username: 'u', credential: 'c' }]);
});

test('relay only is asked of the browser only when there is a relay', () => {
  const relay = { urls: ['turn:x'], username: 'u', credential: 'c' };
  assert.deepEqual(rtcConfiguration(['stun:s'], [relay], true), { iceServers: [{ urls: ['stun:s'] }, relay], iceTransportPolicy: 'relay' });
  assert.deepEqual(rtcConfiguration(['stun:s'], [], true), { iceServers: [{ urls: ['stun:s'] }] });
  assert.deepEqual(rtcConfiguration([], [relay], false), { iceServers: [relay] });
});

test('an unacked chat is sent again with its id until acked, at most maxResends times', async () => {
  const sent = [];
  const r = createResender((f) => sent.push(f.id), { resendMs: 40, maxResends: 3 });
  r.track({ t: 'chat', id: 'a', text: 'x' });
  r.track({ t: 'chat', id: 'b', text: 'y' });
  await new Promise((ok) => setTimeout(ok, 70));
  r.acked('a');
  await new Promise((ok) => setTimeout(ok, 300));
  r.stop();
  assert.ok(sent.filter((id) => id === 'a').length <= 1, `a stopped once acked: ${sent}`);
  assert.equal(sent.filter((id) => id === 'b').length, 3, `b bounded: ${sent}`);
});

test('duplicates are seen once, in a bounded window', () => {
  const first = createDedupe(3);
  assert.equal(first('x'), true);
  assert.equal(first('x'), false);
  ['a', 'b', 'c'].forEach((k) => first(k));
  assert.equal(first('x'), true, 'forgotten past the window');
});

test('failure hints name the cause in a guest\'s words', () => {
  assert.match(failureHint({ relays: 0 }), /relay \(TURN server\).*offers no relay/);
  assert.match(failureHint({ relays: 1, gotRelay: false }), /could not be reached from your network/);
  assert.match(failureHint({ relays: 1, gotRelay: true, relayOnly: true }), /hide your IP address/);
  assert.equal(hasRelayCandidate('a=candidate:1 1 udp 5 198.18.1.1 50000 typ relay raddr 0.0.0.0 rport 0'), true);
  assert.equal(hasRelayCandidate('a=candidate:1 1 udp 5 10.0.0.1 5 typ host'), false);
});
