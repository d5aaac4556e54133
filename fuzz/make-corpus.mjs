// Writes the committed seed corpus of the fuzz targets (fuzz/corpus/<target>/) from the
// project's own fixtures: the SDP and links of the unit tests, the frames of the protocol
// tests, GitHub's documented JSON examples (the @octokit/openapi description the
// openapi_fidelity test uses), the shipped sample post and the guest page's XSS corpus.
// The seeds are only a starting point: libFuzzer mutates from there.
//
// Usage: node fuzz/make-corpus.mjs   (after `npm ci`; OPENAPI_JSON=path overrides where
//        GitHub's description is read from)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xssCorpus } from '../tests/browser/xss-corpus.mjs';

const fuzz = dirname(fileURLToPath(import.meta.url));
const repo = dirname(fuzz);
const openapiPath =
  process.env.OPENAPI_JSON ??
  join(repo, 'node_modules/@octokit/openapi/generated/api.github.com.json');
const examples = JSON.parse(readFileSync(openapiPath, 'utf8')).components.examples;

const seeds = {};
const add = (target, name, content) => ((seeds[target] ??= {})[name] = content);

// --- token: the SDP fixture of src/signal/token_tests.rs, encoded as the codec does.
const sdp = (setup) =>
  [
    'v=0',
    'o=- 8403615332048243445 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:1966762134 1 udp 2122260223 192.168.1.20 54321 typ host generation 0',
    'a=candidate:842163049 1 udp 1686052607 203.0.113.7 61002 typ srflx raddr 192.168.1.20 rport 54321',
    'a=ice-ufrag:Xk9f',
    'a=ice-pwd:q2Z0m9bRrQwEo0t1Yd3n8pLs',
    'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CB:76:22:66:21:0E:DF:6C:3C:6B:73:9A:39:1E:A1:3E:CB:4C:2A:C1',
    `a=setup:${setup}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
const token = (kind, json) =>
  `janus1.${kind}.${deflateRawSync(Buffer.from(json), { level: 9 }).toString('base64url')}`;
const sid = '0123456789abcdef';
const offer = token('o', JSON.stringify({ sid, sdp: sdp('actpass'), exp: 1900000000 }));
const answer = token('a', JSON.stringify({ sid, sdp: sdp('active') }));
add('token', 'offer', offer);
add('token', 'answer', answer);
add('token', 'comment-with-offer',
  `<!-- janus:offer sid=${sid} -->\n**@octocat**, the maintainer is online: [chat now](https://octo.github.io/janus/#offer=${offer}&repo=octo/hello-world&issue=42)\n\n\`${offer}\`\n`);
add('token', 'answer-in-reply', `Here is my answer:\n\n${answer}\n\nthanks!`);
add('token', 'payload-lines', `${sid}\n1900000000\n${sdp('actpass')}`);
add('token', 'wrong-version', 'janus2.o.abc');
add('token', 'not-json', token('o', '{"sid": "0123456789abcdef", "sdp": '));
add('token', 'inflates-too-far', token('a', JSON.stringify({ sid, sdp: 'a=setup:active\n' + ' '.repeat(70000) })));

// --- link: the links of src/signal/link.rs's tests.
const pages = 'https://octo.github.io/janus/';
add('link', 'minimal', `${pages}#offer=${offer}&repo=octo%2Fhello-world&issue=42`);
add('link', 'api-and-ice',
  `http://127.0.0.1:8080/guest/#offer=${offer}&repo=octo%2Fhello-world&issue=42&api=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fv3&ice=stun%3Aa.example%3A3478%2Cstuns%3Ab.example`);
add('link', 'offline-demo', `http://127.0.0.1:8080/guest/#offer=${offer}&repo=octo/demo&issue=1&ice=`);
add('link', 'typed-by-hand', `https://x.io/#issue=42&repo=octo/hello-world&offer=${offer}&future=1`);
add('link', 'built-from-lines',
  `https://octo.github.io/janus/#old\n${offer}\nocto/hello-world\nhttps://ghe.example/api/v3\nstun:a.example:3478, stuns:b.example`);

// --- frame: every frame of src/rtc/protocol.rs's round-trip test, and an unknown one.
const frames = {
  hello: { t: 'hello', v: 1, host: 'octocat', guest: 'hubot', features: ['chat', 'blog'] },
  chat: { t: 'chat', id: '1', text: 'hi there, é ✓ 😀\nsecond line', from: 'octocat', ts: 1764000000 },
  'chat-from-guest': { t: 'chat', id: 'g-7', text: 'hello' },
  ack: { t: 'ack', id: '1' },
  notice: { t: 'notice', text: 'octocat is typing' },
  bye: { t: 'bye', reason: 'host quit' },
  'blog.list': { t: 'blog.list' },
  'blog.index': { t: 'blog.index', posts: [{ slug: 'welcome', title: 'Welcome', date: '2026-11-20', summary: 'A first post.' }] },
  'blog.get': { t: 'blog.get', slug: 'welcome' },
  'blog.post': { t: 'blog.post', slug: 'welcome', title: 'Welcome', date: '2026-11-20', html: '<p>x</p>' },
  unknown: { t: 'file.offer', x: 1 },
};
for (const [name, frame] of Object.entries(frames)) add('frame', name, JSON.stringify(frame));

// --- forge_json: GitHub's documented examples, and what the embedded forge adds.
for (const name of ['issue-items', 'issue', 'issue-comment-items', 'issue-event-items', 'private-user']) {
  add('forge_json', name, JSON.stringify(examples[name].value, null, 1));
}
const reopened = {
  ...examples.issue.value,
  state_reason: 'reopened',
  labels: ['chat', { name: 'bug', color: 'f29513' }],
  pull_request: undefined,
};
add('forge_json', 'reopened-with-string-labels', JSON.stringify([reopened]));

// --- forge_headers: status, headers, blank line, body (the answers classify and the
// pagination read; the values of src/forge/github/wire.rs's tests).
const date = 'Date: Mon, 12 Jan 1970 13:46:40 GMT';
add('forge_headers', 'next-page',
  `200\n${date}\nETag: W/"abc"\nLink: <https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"\nx-ratelimit-limit: 5000\nx-ratelimit-remaining: 4999\nx-ratelimit-reset: 1000120\n\n[]`);
add('forge_headers', 'primary-rate-limit',
  `403\n${date}\nx-ratelimit-limit: 5000\nx-ratelimit-remaining: 0\nx-ratelimit-reset: 1000120\n\n{"message":"API rate limit exceeded"}`);
add('forge_headers', 'retry-after', `429\nRetry-After: 7\n\n`);
add('forge_headers', 'secondary-rate-limit', `403\n\n{"message":"You have exceeded a secondary rate limit"}`);
add('forge_headers', 'validation', `422\n\n{"message":"Validation\\u0007 Failed","errors":[{"code":"custom"}]}`);
// Found by this target: a reset past i64::MAX overflowed the wait (src/forge/github/wire.rs).
add('forge_headers', 'huge-reset',
  '403\nDate: Thu, 01 Jan 1970 00:00:01 GMT\nx-ratelimit-remaining: 0\nx-ratelimit-reset: 9223372036854775808\n\n');
add('forge_headers', 'not-found', `404\n${date}\n\n{"message":"Not Found"}`);

// --- blog: the sample post, front matter variants, and the XSS corpus as a post.
add('blog', 'welcome', readFileSync(join(repo, 'assets/blog/welcome.md'), 'utf8'));
add('blog', 'front-matter-quoted',
  `\uFEFF---\ntitle: "Hello: world"\ndate: '2024-02-29'\n# a comment\ndescription: one line\n...\n# Title\n\nSome *em* and **strong** and ~~gone~~.\n\n- one\n- two\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n`);
add('blog', 'links-and-images',
  `---\ntitle: Links\ndate: 2026-13-01\n---\n[site](https://example.com "t") <mailto:a@b.example> [rel](../x)\n\n![dot](data:image/png;base64,iVBORw0KGgo=) ![svg](data:image/svg+xml,<svg/>)\n\n<abbr title="x">X</abbr> <ol start="3"><li>c</li></ol>\n`);
add('blog', 'xss-corpus', xssCorpus('alert(1)').map(([name, payload]) => `## ${name}\n\n${payload}\n`).join('\n'));
add('blog', 'raw-html', '<p onclick="x()" style="color:red">a<script>alert(1)</script><a href="JaVaScRiPt:alert(1)">b</a></p>');

const root = join(fuzz, 'corpus');
rmSync(root, { recursive: true, force: true });
let total = 0;
for (const [target, files] of Object.entries(seeds)) {
  mkdirSync(join(root, target), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(root, target, name), content);
    total += Buffer.byteLength(content);
  }
}
console.log(`wrote ${Object.keys(seeds).length} corpora, ${total} bytes, under ${root}`);
