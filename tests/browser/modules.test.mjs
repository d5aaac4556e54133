// Unit tests for the guest page's pure ES modules, run in Node (no browser needed).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encodeToken, decodeToken, findTokens, isExpired, deflateRaw, base64UrlEncode, TokenError } from '../../assets/guest/token.js';
import { parseFragment, DEFAULT_API, DEFAULT_ICE, LinkError } from '../../assets/guest/link.js';
import { parseFrame, charCount, frames, cleanLabel, MAX_FRAME_BYTES } from '../../assets/guest/protocol.js';
import { verifyOffer, parseLinkHeader, findAnswerComment } from '../../assets/guest/verify.js';
import { sdpFingerprint, verificationCode } from '../../assets/guest/verifycode.js';
import { parseStartFragment, OFFER_TTL_SECS } from '../../assets/guest/start.js';
import { fakeOfferSdp } from './helpers.mjs';

const SID = '0123456789abcdef';
const answerSdp = fakeOfferSdp().replace('a=setup:actpass', 'a=setup:active');
const future = () => Math.floor(Date.now() / 1000) + 600;

async function rawToken(kind, obj) {
  const bytes = await deflateRaw(new TextEncoder().encode(typeof obj === 'string' ? obj : JSON.stringify(obj)));
  return `janus1.${kind}.${base64UrlEncode(bytes)}`;
}

test('token: offer and answer round trip', async () => {
  const exp = future();
  const o = await encodeToken('o', { sid: SID, sdp: fakeOfferSdp(), exp });
  assert.match(o, /^janus1\.o\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeToken(o, 'o'), { kind: 'o', sid: SID, sdp: fakeOfferSdp(), exp });
  const a = await encodeToken('a', { sid: SID, sdp: answerSdp });
  const d = await decodeToken(a);
  assert.equal(d.kind, 'a');
  assert.equal(d.exp, null);
  assert.deepEqual(findTokens(`see http://x/#offer=${o}&repo=a/b and ${a}.`), [o, a]);
});

test('token: every refusal is a TokenError with a reason', async () => {
  const bad = async (text, re, kind) => {
    await assert.rejects(decodeToken(text, kind), (e) => e instanceof TokenError && re.test(e.message));
  };
  await bad('hello', /not a Janus token/);
  await bad('janus2.o.abc', /another Janus version/);
  await bad('janus1.x.abc', /unknown token kind/);
  await bad(await encodeToken('a', { sid: SID, sdp: answerSdp }), /expected an offer/, 'o');
  await bad('janus1.o.' + 'A'.repeat(16 * 1024 + 1), /16 KiB/);
  await bad('janus1.o.A', /impossible length|base64/);
  await bad('janus1.o.AAAA', /deflate|JSON/);
  await bad(await rawToken('o', 'not json'), /valid JSON/);
  await bad(await rawToken('o', { sdp: fakeOfferSdp(), exp: future() }), /session id/);
  await bad(await rawToken('o', { sid: 'ABCDEF0123456789', sdp: fakeOfferSdp(), exp: future() }), /16 lowercase hex/);
  await bad(await rawToken('o', { sid: SID, exp: future() }), /no SDP/);
  await bad(await rawToken('o', { sid: SID, sdp: '  ', exp: future() }), /empty SDP/);
  await bad(await rawToken('o', { sid: SID, sdp: fakeOfferSdp() }), /no expiry/);
  await bad(await rawToken('o', { sid: SID, sdp: answerSdp, exp: future() }), /a=setup:active/);
  await bad(await rawToken('a', { sid: SID, sdp: fakeOfferSdp() }), /a=setup:actpass/);
  await bad(await rawToken('o', { sid: SID, sdp: 'v=0\r\n', exp: future() }), /no a=setup/);
  // A deflate bomb: 1 MiB of spaces inside the JSON compresses to ~1 KiB.
  const bomb = await rawToken('o', `{"sid":"${SID}","sdp":"${' '.repeat(1 << 20)}","exp":1}`);
  assert.ok(bomb.length < 16 * 1024);
  await bad(bomb, /64 KiB/);
});

test('token: expiry', async () => {
  const d = await decodeToken(await encodeToken('o', { sid: SID, sdp: fakeOfferSdp(), exp: 1000 }), 'o');
  assert.equal(isExpired(d), true);
  assert.equal(isExpired({ exp: future() }), false);
});

test('start link: repo, api, and a ttl that only ever shortens the offer', () => {
  assert.equal(parseStartFragment('#offer=x&repo=a/b&issue=1'), null);
  const l = parseStartFragment('#repo=maintainer/demo');
  assert.deepEqual([l.owner, l.repo, l.api, l.offerTtl], ['maintainer', 'demo', DEFAULT_API, OFFER_TTL_SECS]);
  assert.equal(parseStartFragment('#repo=a/b&ttl=12').offerTtl, 12);
  for (const ttl of ['0', '-5', '301', '99999', '1.5', 'abc', '']) {
    assert.equal(parseStartFragment(`#repo=a/b&ttl=${ttl}`).offerTtl, OFFER_TTL_SECS, `ttl=${ttl} keeps the default`);
  }
  assert.throws(() => parseStartFragment('#repo=ab'), /owner\/repo/);
});

test('link: parsing, defaults and refusals', () => {
  assert.equal(parseFragment(''), null);
  assert.equal(parseFragment('#'), null);
  assert.equal(parseFragment('#top'), null);
  const l = parseFragment('#offer=janus1.o.abc&repo=maintainer/demo&issue=7');
  assert.deepEqual(l, { offer: 'janus1.o.abc', owner: 'maintainer', repo: 'demo', issue: 7, api: DEFAULT_API, apiIsDefault: true, iceUrls: DEFAULT_ICE });
  const l2 = parseFragment(`#offer=janus1.o.abc&repo=a/b.c&issue=1&api=${encodeURIComponent('http://127.0.0.1:9/api/v3/')}&ice=`);
  assert.equal(l2.api, 'http://127.0.0.1:9/api/v3');
  assert.equal(l2.apiIsDefault, false);
  assert.deepEqual(l2.iceUrls, []);
  const l3 = parseFragment(`#offer=x&repo=a/b&issue=1&ice=${encodeURIComponent('stun:one:3478, turn:u@evil:3478,stuns:two:5349')}`);
  assert.deepEqual(l3.iceUrls, ['stun:one:3478', 'stuns:two:5349']);
  for (const bad of ['#repo=a/b&issue=1', '#offer=x&repo=ab&issue=1', '#offer=x&repo=a/b&issue=0', '#offer=x&repo=a/b&issue=x', '#offer=x&repo=a/b&issue=1&api=javascript:alert(1)', '#offer=x&repo=a/b&issue=1&api=http://u:p@h/']) {
    assert.throws(() => parseFragment(bad), LinkError, bad);
  }
});

test('protocol: frames parsed, limits enforced, unknown ignored', () => {
  assert.deepEqual(parseFrame('{"t":"hello","v":1,"host":"m","guest":"g","features":["chat","blog"]}').frame, { t: 'hello', v: 1, host: 'm', guest: 'g', features: ['chat', 'blog'] });
  assert.equal(parseFrame('{"t":"chat","id":"1","text":"hi","from":"m","ts":5}').frame.text, 'hi');
  assert.equal(parseFrame('{"t":"file.later"}').ignored, 'file.later');
  // File frames (files.js): checked strictly, refused with a reason.
  const sha = 'ab'.repeat(32);
  assert.deepEqual(parseFrame(`{"t":"file.offer","id":"0123456789abcdef","name":"a.txt","size":3,"sha256":"${sha}"}`).frame, { t: 'file.offer', id: '0123456789abcdef', name: 'a.txt', size: 3, sha256: sha });
  assert.deepEqual(parseFrame('{"t":"file.accept","id":"0123456789abcdef","offset":2}').frame, { t: 'file.accept', id: '0123456789abcdef', offset: 2 });
  assert.ok(parseFrame('{"t":"file.offer"}').dropped);
  assert.ok(parseFrame(`{"t":"file.offer","id":"../x","name":"a","size":1,"sha256":"${sha}"}`).dropped);
  assert.ok(parseFrame(`{"t":"file.offer","id":"0123456789abcdef","name":"a","size":-1,"sha256":"${sha}"}`).dropped);
  assert.ok(parseFrame('{"t":"file.accept","id":"0123456789abcdef","offset":"0"}').dropped);
  assert.ok(parseFrame('{"t":"file.done","id":"0123456789abcdef","sha256":"00"}').dropped);
  assert.ok(parseFrame('nope').dropped);
  assert.ok(parseFrame('[1]').dropped);
  assert.ok(parseFrame('{"t":"chat","id":1,"text":"x"}').dropped);
  assert.ok(parseFrame(JSON.stringify({ t: 'chat', id: '1', text: '😀'.repeat(4097) })).dropped);
  assert.ok(parseFrame(JSON.stringify({ t: 'chat', id: '1', text: '😀'.repeat(4096) })).frame);
  assert.ok(parseFrame(JSON.stringify({ t: 'notice', text: 'é'.repeat(MAX_FRAME_BYTES / 2) })).dropped, 'over 64 KiB in UTF-8');
  assert.ok(parseFrame(new TextEncoder().encode('{"t":"ack","id":"z"}').buffer).frame);
  assert.equal(charCount('😀a'), 2);
  const c = frames.chat('hello');
  assert.equal(c.t, 'chat');
  assert.match(c.id, /^[0-9a-f]{32}$/);
  assert.ok(c.ts > 1e12, 'ts in unix ms');
});

test('verify: Link header parsing', () => {
  assert.deepEqual(parseLinkHeader('<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"'), { next: 'https://a/x?page=2', last: 'https://a/x?page=5' });
  assert.deepEqual(parseLinkHeader(null), {});
});

function fakeFetch(routes) {
  const calls = [];
  const fn = async (url) => {
    calls.push(url);
    const r = routes(url);
    if (r instanceof Error) throw r;
    return new Response(JSON.stringify(r.body), { status: r.status || 200, headers: r.headers || {} });
  };
  fn.calls = calls;
  return fn;
}

test('verify: verified, refused, unverifiable', async () => {
  const link = { api: 'https://api.example', owner: 'o', repo: 'r', issue: 3, offer: 'janus1.o.TOKEN' };
  const issue = { html_url: 'https://example/o/r/issues/3', user: { login: 'alice' }, title: 't' };
  const page1 = [{ body: 'hi', user: { login: 'alice' }, author_association: 'NONE', updated_at: '2030-01-01T00:00:01Z' }];
  const page2 = [{ body: `link: https://x/#offer=${link.offer}&repo=o/r`, user: { login: 'boss' }, author_association: 'OWNER', updated_at: '2030-01-01T00:00:02Z' }];
  const ok = fakeFetch((url) => {
    if (url.endsWith('/issues/3')) return { body: issue };
    if (url.includes('page=2')) return { body: page2 };
    return { body: page1, headers: { Link: '<https://api.example/repos/o/r/issues/3/comments?per_page=100&page=2>; rel="next"' } };
  });
  const v = await verifyOffer(link, ok);
  assert.equal(v.state, 'verified');
  assert.equal(v.login, 'boss');
  assert.equal(v.association, 'OWNER');
  assert.equal(v.issueAuthor, 'alice');
  assert.equal(v.latestUpdated, '2030-01-01T00:00:02Z');
  assert.equal(ok.calls.length, 3);

  // Token only in a comment by a non-maintainer; a longer token that merely starts with ours.
  const forged = fakeFetch((url) =>
    url.endsWith('/issues/3')
      ? { body: issue }
      : { body: [{ body: link.offer, user: { login: 'mallory' }, author_association: 'CONTRIBUTOR' }, { body: `${link.offer}X`, user: { login: 'boss' }, author_association: 'OWNER' }] },
  );
  const f = await verifyOffer(link, forged);
  assert.equal(f.state, 'refused');
  assert.match(f.reason, /@mallory \(CONTRIBUTOR\)/);

  const none = await verifyOffer(link, fakeFetch((url) => (url.endsWith('/issues/3') ? { body: issue } : { body: [] })));
  assert.equal(none.state, 'refused');
  assert.match(none.reason, /fresh link/);

  assert.equal((await verifyOffer(link, fakeFetch(() => ({ status: 404, body: {} })))).state, 'refused');
  for (const status of [403, 429, 500]) {
    assert.equal((await verifyOffer(link, fakeFetch(() => ({ status, body: {} })))).state, 'unverifiable', String(status));
  }
  const down = await verifyOffer(link, fakeFetch(() => new TypeError('Failed to fetch')));
  assert.equal(down.state, 'unverifiable');
  assert.match(down.reason, /could not reach api\.example/);

  // Pagination never leaves the API's origin.
  const hop = fakeFetch((url) => {
    if (url.endsWith('/issues/3')) return { body: issue };
    if (url.startsWith('https://evil')) return { body: page2 };
    return { body: page1, headers: { Link: '<https://evil/comments?page=2>; rel="next"' } };
  });
  assert.equal((await verifyOffer(link, hop)).state, 'refused');
  assert.ok(!hop.calls.some((u) => u.startsWith('https://evil')));
});

test('verify: answer comment lookup', async () => {
  const link = { api: 'https://api.example', owner: 'o', repo: 'r', issue: 3 };
  const f = fakeFetch(() => ({ body: [{ body: 'janus1.a.ANS', user: { login: 'alice' } }] }));
  assert.deepEqual(await findAnswerComment(link, 'janus1.a.ANS', '2030-01-01T00:00:00Z', f), { found: true, login: 'alice' });
  assert.match(f.calls[0], /since=2030-01-01T00%3A00%3A00Z/);
  assert.deepEqual(await findAnswerComment(link, 'janus1.a.OTHER', '', f), { found: false });
  assert.deepEqual(await findAnswerComment(link, 'x', '', fakeFetch(() => ({ status: 429, body: {} }))), { error: 'limited' });
});

test('cleanLabel: names and titles lose control and invisible characters, stay bounded', () => {
  assert.equal(cleanLabel('alice'), 'alice');
  assert.equal(cleanLabel('\u202Eevil\u202C'), 'evil', 'bidi override and pop removed');
  assert.equal(cleanLabel('a\u2066b\u2069c'), 'abc', 'bidi isolates removed');
  assert.equal(cleanLabel('zero\u200Bwidth\uFEFF'), 'zerowidth');
  assert.equal(cleanLabel('two\nlines\r\tand\u0000nul'), 'two lines and nul');
  assert.equal(cleanLabel('line\u2028sep'), 'line sep');
  assert.equal(cleanLabel('  spaced   out  '), 'spaced out');
  assert.equal(cleanLabel(''), '?');
  assert.equal(cleanLabel(null), '?');
  assert.equal(cleanLabel('\u202E'), '?');
  assert.equal(cleanLabel('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>', 'markup is left as text (it is shown with textContent)');
  const long = cleanLabel('x'.repeat(500), 40);
  assert.equal([...long].length, 40);
  assert.ok(long.endsWith('…'));
  assert.equal([...cleanLabel('😀'.repeat(50), 10)].length, 10, 'counted in characters, not UTF-16 units');
});

test('verifycode: the same code as the host (src/app/text.rs vector), roles matter, no fingerprint → null', async () => {
  const offer = 'v=0\r\na=fingerprint:sha-256 AB:CD:EF\r\n';
  const answer = 'v=0\r\na=fingerprint:SHA-256  01:02:03\r\n';
  assert.equal(sdpFingerprint(offer), 'sha-256 ab:cd:ef');
  assert.equal(sdpFingerprint(answer), 'sha-256 01:02:03');
  assert.equal(await verificationCode(offer, answer), '4aa-eb0');
  assert.notEqual(await verificationCode(answer, offer), '4aa-eb0');
  assert.equal(await verificationCode('v=0\r\n', answer), null);
  assert.equal(sdpFingerprint('v=0\r\na=fingerprint:   \r\n'), null);
});
