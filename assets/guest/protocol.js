// Data-channel protocol v1 (PROTOCOL.md "Data channel"), guest side: frame limits, parsing and builders.
// Every frame is a UTF-8 JSON object with a type field `t`; unknown `t` values are ignored;
// frames over 64 KiB or not JSON objects are dropped (and counted by the caller).
// Pure module: no DOM, no network.

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_CHAT_CHARS = 4096;
export const KNOWN_TYPES = ['hello', 'chat', 'ack', 'notice', 'bye', 'blog.list', 'blog.index', 'blog.get', 'blog.post', 'room.joined', 'room.member', 'room.left', 'file.offer', 'file.accept', 'file.reject', 'file.cancel', 'file.done', 'file.fail'];
/** A transfer id (16 lowercase hex digits) and a SHA-256 in hex. */
export const FILE_ID = /^[0-9a-f]{16}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_FILE_NAME = 255;
/** Room names the host makes (PROTOCOL.md "Rooms"): short, printable, no spaces. */
export const ROOM_NAME = /^[A-Za-z0-9._-]{1,32}$/;
/** Most members listed for one room (the host allows 64). */
export const MAX_ROOM_MEMBERS = 200;

const encoder = new TextEncoder();

/** Length in Unicode scalar values (what the host counts), not UTF-16 units. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** UTF-8 byte length of a string. */
export function byteLength(text) {
  return encoder.encode(text).length;
}

const str = (v) => typeof v === 'string';

/**
 * A name or title from the other side, fit to show inline in a sentence: control
 * characters become spaces, invisible format characters (bidi overrides and isolates,
 * zero-width characters, BOM) are removed so they cannot reorder or hide the text around
 * them, whitespace is collapsed, and the result is at most `max` characters ('?' if empty).
 * Chat text is NOT passed through this: it is shown as sent, in its own paragraph.
 */
export function cleanLabel(value, max = 100) {
  const s = String(value ?? '')
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .replace(/\p{Cf}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(s);
  if (chars.length === 0) return '?';
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/**
 * Parses one incoming message (string or ArrayBuffer). Returns
 * {frame} for a well-formed known frame, {ignored: t} for an unknown type, or
 * {dropped: reason} for anything refused.
 */
export function parseFrame(data) {
  let text;
  if (typeof data === 'string') {
    if (data.length > MAX_FRAME_BYTES || (data.length * 3 > MAX_FRAME_BYTES && byteLength(data) > MAX_FRAME_BYTES)) return { dropped: 'frame over 64 KiB' };
    text = data;
  } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength > MAX_FRAME_BYTES) return { dropped: 'frame over 64 KiB' };
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { dropped: 'frame is not UTF-8' };
    }
  } else {
    return { dropped: 'unsupported message type' };
  }
  let f;
  try {
    f = JSON.parse(text);
  } catch {
    return { dropped: 'invalid JSON' };
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f) || !str(f.t)) return { dropped: 'not a JSON object with a string t' };
  if (!KNOWN_TYPES.includes(f.t)) return { ignored: f.t };
  const bad = (why) => ({ dropped: `${f.t}: ${why}` });
  switch (f.t) {
    case 'hello':
      if (!str(f.host) || !str(f.guest)) return bad('host and guest must be strings');
      if (f.features !== undefined && !Array.isArray(f.features)) return bad('features must be a list');
      return { frame: { t: 'hello', v: f.v, host: f.host, guest: f.guest, features: (f.features || []).filter(str) } };
    case 'chat':
      if (!str(f.id) || !str(f.text)) return bad('id and text must be strings');
      if (charCount(f.text) > MAX_CHAT_CHARS) return bad('text over 4096 characters');
      if (f.room !== undefined && f.room !== null && !(str(f.room) && ROOM_NAME.test(f.room))) return bad('room must be a room name');
      return { frame: { t: 'chat', id: f.id, text: f.text, from: str(f.from) ? f.from : '', ts: typeof f.ts === 'number' ? f.ts : 0, room: str(f.room) ? f.room : '' } };
    case 'room.joined':
      if (!str(f.room) || !ROOM_NAME.test(f.room)) return bad('room must be a room name');
      if (!Array.isArray(f.members) || f.members.length > MAX_ROOM_MEMBERS) return bad('members must be a list of logins');
      return { frame: { t: 'room.joined', room: f.room, members: f.members.filter(str) } };
    case 'room.member':
      if (!str(f.room) || !ROOM_NAME.test(f.room) || !str(f.login) || typeof f.joined !== 'boolean') return bad('room, login and joined are required');
      return { frame: { t: 'room.member', room: f.room, login: f.login, joined: f.joined } };
    case 'room.left':
      if (!str(f.room) || !ROOM_NAME.test(f.room)) return bad('room must be a room name');
      return { frame: { t: 'room.left', room: f.room, reason: str(f.reason) ? f.reason : '' } };
    case 'ack':
      if (!str(f.id)) return bad('id must be a string');
      return { frame: { t: 'ack', id: f.id } };
    case 'notice':
      if (!str(f.text)) return bad('text must be a string');
      return { frame: { t: 'notice', text: f.text } };
    case 'bye':
      return { frame: { t: 'bye', reason: str(f.reason) ? f.reason : '' } };
    case 'blog.index': {
      if (!Array.isArray(f.posts)) return bad('posts must be a list');
      const posts = f.posts
        .filter((p) => p && str(p.slug) && str(p.title))
        .map((p) => ({ slug: p.slug, title: p.title, date: str(p.date) ? p.date : '', summary: str(p.summary) ? p.summary : '' }));
      return { frame: { t: 'blog.index', posts } };
    }
    case 'blog.post':
      if (!str(f.slug) || !str(f.html)) return bad('slug and html must be strings');
      return { frame: { t: 'blog.post', slug: f.slug, title: str(f.title) ? f.title : f.slug, date: str(f.date) ? f.date : '', html: f.html } };
    case 'file.offer':
      if (!str(f.id) || !FILE_ID.test(f.id) || !str(f.name) || !SHA256_HEX.test(String(f.sha256))) return bad('id, name and sha256 are required');
      if (!Number.isSafeInteger(f.size) || f.size < 0) return bad('size must be a byte count');
      if (f.name.length > MAX_FILE_NAME) return bad('name over 255 characters');
      return { frame: { t: 'file.offer', id: f.id, name: f.name, size: f.size, sha256: f.sha256 } };
    case 'file.accept':
      if (!str(f.id) || !FILE_ID.test(f.id) || !Number.isSafeInteger(f.offset) || f.offset < 0) return bad('id and offset are required');
      return { frame: { t: 'file.accept', id: f.id, offset: f.offset } };
    case 'file.done':
      if (!str(f.id) || !FILE_ID.test(f.id) || !SHA256_HEX.test(String(f.sha256))) return bad('id and sha256 are required');
      return { frame: { t: 'file.done', id: f.id, sha256: f.sha256 } };
    case 'file.reject':
    case 'file.cancel':
    case 'file.fail':
      if (!str(f.id) || !FILE_ID.test(f.id)) return bad('id is required');
      return { frame: { t: f.t, id: f.id, reason: str(f.reason) ? f.reason.slice(0, 512) : '' } };
    default:
      // blog.list / blog.get are guest→host only: nothing to do with them here.
      return { ignored: f.t };
  }
}

/** A random message id (128 bits, hex). */
export function newId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const frames = {
  chat: (text, id = newId(), ts = Date.now()) => ({ t: 'chat', id, text, ts }),
  ack: (id) => ({ t: 'ack', id }),
  bye: (reason) => ({ t: 'bye', reason }),
  blogList: () => ({ t: 'blog.list' }),
  blogGet: (slug) => ({ t: 'blog.get', slug }),
};
