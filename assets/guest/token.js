// Janus signaling tokens (PROTOCOL.md "Signaling"), browser side.
//
//   token   = "janus1." kind "." payload
//   kind    = "o" (offer) / "a" (answer)
//   payload = base64url without padding of deflate-raw(UTF-8 JSON {sid, sdp, exp?})
//
// Tokens come from links anyone can craft, so decoding is strict and bounded: the payload
// is refused over 16 KiB before it is decoded, inflating stops past 64 KiB (deflate bombs),
// and every refusal is a TokenError whose message says why in plain words.
// Pure module: no DOM, no network; runs in browsers and in Node >= 20 (tests).

export const PREFIX = 'janus1.';
export const MAX_PAYLOAD_CHARS = 16 * 1024;
export const MAX_INFLATED_BYTES = 64 * 1024;
/** Finds tokens in any text (comment bodies, links). Global: use with matchAll. */
export const TOKEN_RE = /janus1\.[oa]\.[A-Za-z0-9_-]+/g;

export class TokenError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TokenError';
  }
}

const KIND_NAMES = { o: 'offer', a: 'answer' };

/** All tokens found in `text`, in order. */
export function findTokens(text) {
  if (typeof text !== 'string') return [];
  return Array.from(text.matchAll(TOKEN_RE), (m) => m[0]);
}

/** Bytes → base64url without padding. */
export function base64UrlEncode(bytes) {
  let bin = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + step));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url without padding → bytes; throws TokenError on anything else. */
export function base64UrlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TokenError('the token contains characters that are not base64url (was it copied completely?)');
  }
  if (text.length % 4 === 1) {
    throw new TokenError('the token payload has an impossible length (was it copied completely?)');
  }
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  let bin;
  try {
    bin = atob(padded);
  } catch {
    throw new TokenError('the token payload is not valid base64url');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function readAllBounded(readable, limit) {
  const reader = readable.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch {
      throw new TokenError('the token payload is not valid deflate data (was it copied completely?)');
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw new TokenError('the token inflates to more than 64 KiB; refused');
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** deflate-raw, with CompressionStream. */
export async function deflateRaw(bytes) {
  const cs = new CompressionStream('deflate-raw');
  const writer = cs.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  return readAllBounded(cs.readable, Number.MAX_SAFE_INTEGER);
}

/** inflate-raw, stopping with a TokenError once more than `limit` bytes come out. */
export async function inflateRaw(bytes, limit = MAX_INFLATED_BYTES) {
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  // Errors surface on the readable side; swallow the writer's copies.
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  return readAllBounded(ds.readable, limit);
}

function setupRole(sdp) {
  const m = /^a=setup:([A-Za-z]+)\s*$/m.exec(sdp);
  return m ? m[1].toLowerCase() : null;
}

/**
 * Decodes and validates a token. `expectKind` ('o' or 'a') is optional.
 * Returns {kind: 'o'|'a', sid, sdp, exp (number|null)}. Does NOT check expiry against the
 * clock: see isExpired().
 */
export async function decodeToken(text, expectKind) {
  if (typeof text !== 'string') throw new TokenError('no token given');
  text = text.trim();
  if (!text.startsWith('janus')) throw new TokenError('this is not a Janus token (it must start with "janus1.")');
  if (!text.startsWith(PREFIX)) {
    throw new TokenError('this token is from another Janus version (only "janus1." tokens are understood); ask the maintainer to update Janus');
  }
  const rest = text.slice(PREFIX.length);
  const dot = rest.indexOf('.');
  const kind = dot < 0 ? rest : rest.slice(0, dot);
  if (dot < 0 || !(kind in KIND_NAMES)) throw new TokenError('unknown token kind: expected an offer ("o") or an answer ("a")');
  if (expectKind && kind !== expectKind) {
    throw new TokenError(`expected an ${KIND_NAMES[expectKind]} token but got an ${KIND_NAMES[kind]} token`);
  }
  const payload = rest.slice(dot + 1);
  if (payload.length > MAX_PAYLOAD_CHARS) {
    throw new TokenError(`the token payload is ${payload.length} characters, over the 16 KiB limit; refused`);
  }
  if (payload.length === 0) throw new TokenError('the token is empty (was it copied completely?)');
  const inflated = await inflateRaw(base64UrlDecode(payload));
  let json;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated));
  } catch {
    throw new TokenError('the token does not contain valid JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TokenError('the token does not contain a JSON object');
  if (typeof json.sid !== 'string') throw new TokenError('the token has no session id (sid)');
  if (!/^[0-9a-f]{16}$/.test(json.sid)) throw new TokenError('the token session id is not 16 lowercase hex characters');
  if (typeof json.sdp !== 'string') throw new TokenError('the token has no SDP');
  if (json.sdp.trim() === '') throw new TokenError('the token carries an empty SDP');
  let exp = null;
  if (json.exp !== undefined && json.exp !== null) {
    if (typeof json.exp !== 'number' || !Number.isFinite(json.exp) || json.exp < 0) throw new TokenError('the token expiry (exp) is not a number of seconds');
    exp = json.exp;
  }
  if (kind === 'o' && exp === null) throw new TokenError('the offer has no expiry (exp); offers must carry one');
  const setup = setupRole(json.sdp);
  if (!setup) throw new TokenError(`the ${KIND_NAMES[kind]}'s SDP has no a=setup line, so its role cannot be checked`);
  const ok = kind === 'o' ? setup === 'actpass' : setup === 'active' || setup === 'passive';
  if (!ok) throw new TokenError(`the token says ${KIND_NAMES[kind]} but its SDP has a=setup:${setup.slice(0, 16)}`);
  const out = { kind, sid: json.sid, sdp: json.sdp, exp };
  // `ice`: relay servers an offer may carry (checked by reach.js before use).
  if (json.ice !== undefined) out.ice = json.ice;
  return out;
}

/** Encodes {sid, sdp, exp?} as a token of `kind` ('o' or 'a'). */
export async function encodeToken(kind, { sid, sdp, exp }) {
  if (!(kind in KIND_NAMES)) throw new TokenError('unknown token kind');
  const obj = { sid, sdp };
  if (exp !== undefined && exp !== null) obj.exp = exp;
  const deflated = await deflateRaw(new TextEncoder().encode(JSON.stringify(obj)));
  return `${PREFIX}${kind}.${base64UrlEncode(deflated)}`;
}

/** True when the offer's exp (unix seconds) is in the past. */
export function isExpired(decoded, nowMs = Date.now()) {
  return decoded.exp !== null && decoded.exp * 1000 <= nowMs;
}
