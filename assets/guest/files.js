// File transfers on the guest page (feature `files`, PROTOCOL.md "Files"): send with the
// picker or by dropping files on the Files panel, accept or decline the maintainer's offers,
// progress bars, SHA-256 of the whole file (streaming, vendored @noble/hashes), and a
// download link for each received file.
//
// Control frames go on the `janus` channel (guest.js hands them over); the bytes of each
// transfer on a data channel of its own, `file:{id}`, opened by the sender after
// `file.accept`, in binary messages of at most 16 KiB, paced on `bufferedAmount` (stop
// above 1 MiB, resume below 256 KiB via `bufferedamountlow`).
//
// Received files are streamed to the Origin Private File System in segments of
// SEGMENT_BYTES (each segment is committed when full), so memory stays flat and what arrived
// survives a dropped connection or a closed tab: when the maintainer offers the same id
// again, the page answers with the bytes it holds as `offset`. Without OPFS the file is
// kept in memory (up to MEMORY_LIMIT) and cannot resume.
//
// Test hooks (diagnostics, like window.janusGuest): `diag.files` lists the transfers;
// setting `diag.files.dropAfterBytes` makes the page close its connection once a received
// file holds that many bytes, as a network failure would.

import { sha256 } from './vendor/noble-hashes/sha2.js';

export const FEATURE = 'files';
export const CHUNK_BYTES = 16 * 1024;
export const HIGH_WATER = 1024 * 1024;
export const LOW_WATER = 256 * 1024;
export const SEGMENT_BYTES = 2 * 1024 * 1024;
export const MEMORY_LIMIT = 256 * 1024 * 1024;
const READ_BYTES = 1024 * 1024;
const OPFS_DIR = 'janus-files';
const FILE_PREFIX = 'file:';

/** Sixteen lowercase hex digits. */
export function newFileId() {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function hex(bytes) {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** `1.5 MiB` and so on. */
export function humanBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The whole file's SHA-256 (hex), read in pieces: memory stays flat. */
export async function hashBlob(blob, hasher = sha256.create()) {
  for (let at = 0; at < blob.size; at += READ_BYTES) {
    hasher.update(new Uint8Array(await blob.slice(at, at + READ_BYTES).arrayBuffer()));
  }
  return hasher;
}

async function opfsRoot() {
  try {
    if (!navigator.storage || !navigator.storage.getDirectory) return null;
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(OPFS_DIR, { create: true });
  } catch {
    return null;
  }
}

async function readMeta(dir) {
  try {
    const f = await (await dir.getFileHandle('meta.json')).getFile();
    return JSON.parse(await f.text());
  } catch {
    return null;
  }
}

async function writeMeta(dir, meta) {
  const w = await (await dir.getFileHandle('meta.json', { create: true })).createWritable();
  await w.write(JSON.stringify(meta));
  await w.close();
}

/** The committed segments of a stored transfer, in order, as File objects. */
async function segments(dir) {
  const out = [];
  for (let i = 0; ; i++) {
    let handle;
    try {
      handle = await dir.getFileHandle(`seg-${String(i).padStart(6, '0')}.bin`);
    } catch {
      return out;
    }
    const file = await handle.getFile();
    if (file.size === 0) return out;
    out.push(file);
  }
}

/**
 * The Files panel for one session. `send(frame)` sends on `janus`; `pc` is the peer
 * connection (for opening file channels); `section` the panel's element; `note(text)` a
 * system line in the chat; `diag` the page's diagnostics object.
 */
export function createFiles({ send, pc, section, note, diag }) {
  const transfers = new Map(); // id → transfer
  const state = { hostHasFiles: false, ended: false };
  diag.files = { list: () => [...transfers.values()].map((t) => ({ id: t.id, dir: t.dir, name: t.name, size: t.size, bytes: t.bytes, state: t.state, offset: t.offset || 0 })), dropAfterBytes: 0 };
  const rootPromise = opfsRoot();

  // ------------------------------------------------------------ the panel
  section.replaceChildren();
  const h = document.createElement('h2');
  h.id = 'files-h';
  h.textContent = 'Files';
  const label = document.createElement('label');
  label.htmlFor = 'file-pick';
  label.textContent = 'Send files to the maintainer (or drop them here)';
  const pick = document.createElement('input');
  pick.type = 'file';
  pick.id = 'file-pick';
  pick.multiple = true;
  const list = document.createElement('ul');
  list.id = 'file-list';
  list.setAttribute('aria-live', 'polite');
  section.append(h, label, pick, list);
  pick.addEventListener('change', () => {
    for (const f of pick.files) offerFile(f);
    pick.value = '';
  });
  section.addEventListener('dragover', (e) => {
    e.preventDefault();
    section.dataset.drop = 'true';
  });
  section.addEventListener('dragleave', () => delete section.dataset.drop);
  section.addEventListener('drop', (e) => {
    e.preventDefault();
    delete section.dataset.drop;
    for (const f of e.dataTransfer?.files || []) offerFile(f);
  });

  function entry(t) {
    const li = document.createElement('li');
    li.className = 'file';
    li.dataset.id = t.id;
    li.dataset.dir = t.dir;
    const name = document.createElement('span');
    name.className = 'file-name';
    name.textContent = `${t.dir === 'in' ? '⇣' : '⇡'} ${t.name} (${humanBytes(t.size)})`;
    const bar = document.createElement('progress');
    bar.max = Math.max(t.size, 1);
    bar.value = 0;
    const status = document.createElement('span');
    status.className = 'file-status';
    const actions = document.createElement('span');
    actions.className = 'file-actions';
    li.append(name, bar, status, actions);
    list.append(li);
    t.ui = { li, bar, status, actions };
    t.started = performance.now();
  }

  function show(t, text) {
    if (!t.ui) return;
    t.ui.li.dataset.state = t.state;
    t.ui.bar.value = t.state === 'done' ? t.ui.bar.max : t.bytes;
    let s = text || t.state;
    if (t.state === 'transferring') {
      const secs = (performance.now() - t.started) / 1000;
      const rate = secs > 0.5 ? (t.bytes - (t.offset || 0)) / secs : 0;
      s = `${humanBytes(t.bytes)} of ${humanBytes(t.size)}`;
      if (rate > 0) s += `, ${humanBytes(Math.round(rate))}/s, ${Math.ceil((t.size - t.bytes) / rate)} s left`;
    }
    t.ui.status.textContent = s;
  }

  function button(t, text, fn) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', fn);
    t.ui.actions.append(b);
    return b;
  }

  function finish(t, st, text) {
    t.state = st;
    t.ui?.actions.replaceChildren();
    show(t, text);
  }

  // ------------------------------------------------------------ sending
  async function offerFile(file) {
    if (!state.hostHasFiles || state.ended) {
      note('The maintainer\'s Janus does not take files in this chat.');
      return;
    }
    const t = { id: newFileId(), dir: 'out', name: file.name, size: file.size, bytes: 0, state: 'hashing', file };
    transfers.set(t.id, t);
    entry(t);
    show(t, 'computing SHA-256…');
    t.sha256 = hex((await hashBlob(file)).digest());
    t.state = 'offered';
    show(t, 'waiting for the maintainer to accept');
    button(t, 'Cancel', () => cancel(t, 'the guest cancelled'));
    const frame = { t: 'file.offer', id: t.id, name: t.name, size: t.size, sha256: t.sha256 };
    if (file.type) frame.mime = file.type.slice(0, 100);
    send(frame);
  }

  function waitLow(ch) {
    return new Promise((resolve) => {
      const done = () => {
        ch.removeEventListener('bufferedamountlow', done);
        ch.removeEventListener('close', done);
        resolve();
      };
      ch.addEventListener('bufferedamountlow', done);
      ch.addEventListener('close', done);
    });
  }

  async function pump(t, offset) {
    const ch = pc.createDataChannel(`${FILE_PREFIX}${t.id}`, { ordered: true });
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = LOW_WATER;
    t.channel = ch;
    t.offset = offset;
    t.bytes = offset;
    t.started = performance.now();
    await new Promise((resolve, reject) => {
      ch.addEventListener('open', resolve, { once: true });
      ch.addEventListener('close', reject, { once: true });
    }).catch(() => null);
    if (ch.readyState !== 'open') return;
    for (let at = offset; at < t.size && t.state === 'transferring'; at += READ_BYTES) {
      const buf = new Uint8Array(await t.file.slice(at, Math.min(at + READ_BYTES, t.size)).arrayBuffer());
      for (let i = 0; i < buf.length; i += CHUNK_BYTES) {
        if (ch.bufferedAmount > HIGH_WATER) await waitLow(ch);
        if (ch.readyState !== 'open' || t.state !== 'transferring') return;
        ch.send(buf.subarray(i, Math.min(i + CHUNK_BYTES, buf.length)));
      }
      t.bytes = Math.min(at + READ_BYTES, t.size);
      show(t);
    }
    // Closed once flushed (the receiver also closes it when it has every byte).
    while (ch.readyState === 'open' && ch.bufferedAmount > 0) {
      ch.bufferedAmountLowThreshold = 0;
      await waitLow(ch);
    }
    if (t.state === 'transferring') show(t, 'sent; the maintainer checks the SHA-256…');
    try {
      ch.close();
    } catch {
      /* closed */
    }
  }

  // ------------------------------------------------------------ receiving
  async function onOffer(f) {
    const known = transfers.get(f.id);
    if (known && known.dir === 'out') return send({ t: 'file.reject', id: f.id, reason: 'a transfer with this id exists already' });
    if (known && !['interrupted'].includes(known.state)) return;
    const t = known || { id: f.id, dir: 'in', name: f.name, size: f.size, sha256: f.sha256, bytes: 0, state: 'offered' };
    t.state = 'offered';
    if (!known) {
      transfers.set(t.id, t);
      entry(t);
    }
    const root = await rootPromise;
    // A resume: this browser holds part of this very file from an earlier connection.
    if (root) {
      const stored = await root.getDirectoryHandle(t.id).catch(() => null);
      const meta = stored && (await readMeta(stored));
      if (meta && meta.size === t.size && meta.sha256 === t.sha256 && !meta.done) {
        t.ui.actions.replaceChildren();
        note(`Resuming ${t.name} where it stopped.`);
        return accept(t);
      }
    }
    if (!root && t.size > MEMORY_LIMIT) {
      finish(t, 'rejected', 'too large for this browser (no private file storage)');
      return send({ t: 'file.reject', id: t.id, reason: 'the guest\'s browser cannot store a file this large' });
    }
    show(t, 'the maintainer offers this file');
    t.ui.actions.replaceChildren();
    button(t, 'Accept', () => accept(t));
    button(t, 'Decline', () => {
      finish(t, 'rejected', 'declined');
      send({ t: 'file.reject', id: t.id, reason: 'the guest declined' });
    });
  }

  async function accept(t) {
    t.ui.actions.replaceChildren();
    button(t, 'Cancel', () => cancel(t, 'the guest cancelled'));
    const root = await rootPromise;
    t.hasher = sha256.create();
    t.segments = [];
    t.nextSegment = 0;
    t.memory = root ? null : [];
    let offset = 0;
    if (root) {
      t.store = await root.getDirectoryHandle(t.id, { create: true });
      const meta = await readMeta(t.store);
      if (meta && meta.size === t.size && meta.sha256 === t.sha256 && !meta.done) {
        const held = await segments(t.store);
        for (const seg of held) {
          t.hasher.update(new Uint8Array(await seg.arrayBuffer()));
          offset += seg.size;
        }
        t.segments = held;
        t.nextSegment = held.length;
      } else {
        await writeMeta(t.store, { name: t.name, size: t.size, sha256: t.sha256, done: false });
      }
    }
    t.offset = offset;
    t.bytes = offset;
    t.pending = [];
    t.pendingBytes = 0;
    t.writing = Promise.resolve();
    t.state = 'transferring';
    t.started = performance.now();
    show(t);
    send({ t: 'file.accept', id: t.id, offset });
    if (offset === t.size) t.expectEmpty = true;
  }

  /** Appends bytes to the current segment, committing it when full. */
  async function store(t, bytes) {
    if (t.memory) {
      t.memory.push(bytes);
      return;
    }
    if (!t.writer) {
      // Numbered by a counter of its own: a segment being committed is not in `segments` yet.
      const n = t.nextSegment++;
      t.segHandle = await t.store.getFileHandle(`seg-${String(n).padStart(6, '0')}.bin`, { create: true });
      t.writer = await t.segHandle.createWritable();
      t.segBytes = 0;
    }
    await t.writer.write(bytes);
    t.segBytes += bytes.byteLength;
    if (t.segBytes >= SEGMENT_BYTES) await commit(t);
  }

  async function commit(t) {
    if (!t.writer) return;
    const w = t.writer;
    t.writer = null;
    await w.close();
    t.segments.push(await t.segHandle.getFile());
  }

  function onFileChannel(ch) {
    const id = ch.label.slice(FILE_PREFIX.length);
    const t = transfers.get(id);
    if (!t || t.dir !== 'in' || t.state !== 'transferring' || t.channel) {
      ch.close();
      return;
    }
    t.channel = ch;
    ch.binaryType = 'arraybuffer';
    ch.addEventListener('message', (ev) => {
      if (t.state !== 'transferring' || !(ev.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(ev.data);
      if (t.bytes + bytes.byteLength > t.size) {
        fail(t, 'the maintainer sent more bytes than announced', 'file.cancel');
        return;
      }
      t.bytes += bytes.byteLength;
      t.hasher.update(bytes);
      t.pending.push(bytes);
      t.pendingBytes += bytes.byteLength;
      if (t.pendingBytes >= READ_BYTES || t.bytes === t.size) flush(t);
      if (diag.files.dropAfterBytes && t.bytes >= diag.files.dropAfterBytes) {
        diag.files.dropAfterBytes = 0;
        interrupt(t);
        t.writing.then(() => pc.close());
        return;
      }
      if (t.bytes === t.size) t.writing.then(() => complete(t));
      else if (performance.now() - (t.shownAt || 0) > 200) {
        t.shownAt = performance.now();
        show(t);
      }
    });
    ch.addEventListener('close', () => {
      if (t.state === 'transferring' && t.bytes < t.size) interrupt(t);
    });
    if (t.expectEmpty) t.writing.then(() => complete(t));
  }

  function flush(t) {
    const parts = t.pending;
    t.pending = [];
    t.pendingBytes = 0;
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.byteLength;
    }
    t.writing = t.writing.then(() => store(t, joined)).catch((e) => fail(t, `cannot store the file: ${e.message || e}`, 'file.cancel'));
  }

  async function complete(t) {
    if (t.state !== 'transferring') return;
    await commit(t);
    const got = hex(t.hasher.digest());
    if (got !== t.sha256) {
      await fail(t, `SHA-256 mismatch: announced ${t.sha256}, received ${got}`, 'file.fail');
      return;
    }
    const blob = t.memory ? new Blob(t.memory) : new Blob(t.segments);
    if (t.store) await writeMeta(t.store, { name: t.name, size: t.size, sha256: t.sha256, done: true });
    send({ t: 'file.done', id: t.id, sha256: got });
    finish(t, 'done', `received; SHA-256 ${got.slice(0, 16)}… matched`);
    const a = document.createElement('a');
    a.className = 'file-download';
    a.href = URL.createObjectURL(blob);
    a.download = t.name;
    a.textContent = `Save ${t.name}`;
    t.ui.actions.append(a);
    try {
      t.channel?.close();
    } catch {
      /* closed */
    }
  }

  async function discard(t) {
    t.memory = null;
    try {
      await t.writer?.abort();
    } catch {
      /* gone */
    }
    t.writer = null;
    const root = await rootPromise;
    if (root && t.dir === 'in') await root.removeEntry(t.id, { recursive: true }).catch(() => {});
  }

  async function fail(t, reason, frame) {
    if (['failed', 'cancelled', 'done'].includes(t.state)) return;
    finish(t, 'failed', `failed: ${reason}`);
    send({ t: frame, id: t.id, reason });
    try {
      t.channel?.close();
    } catch {
      /* closed */
    }
    await discard(t);
  }

  function interrupt(t) {
    t.state = 'interrupted';
    if (t.pending.length) flush(t);
    t.writing = t.writing.then(() => commit(t)).catch(() => {});
    t.channel = null;
    t.ui?.actions.replaceChildren();
    show(t, `interrupted at ${humanBytes(t.bytes)}: it resumes when you reconnect`);
  }

  async function cancel(t, reason) {
    if (['done', 'failed', 'cancelled', 'rejected'].includes(t.state)) return;
    finish(t, 'cancelled', 'cancelled');
    send({ t: 'file.cancel', id: t.id, reason });
    try {
      t.channel?.close();
    } catch {
      /* closed */
    }
    if (t.dir === 'in') await discard(t);
  }

  // ------------------------------------------------------------ frames
  function onFrame(f) {
    const t = transfers.get(f.id);
    switch (f.t) {
      case 'file.offer':
        onOffer(f);
        break;
      case 'file.accept':
        if (!t || t.dir !== 'out' || t.state !== 'offered') break;
        if (f.offset > t.size) {
          cancel(t, 'offset beyond the end of the file');
          break;
        }
        t.state = 'transferring';
        t.ui.actions.replaceChildren();
        button(t, 'Cancel', () => cancel(t, 'the guest cancelled'));
        pump(t, f.offset);
        break;
      case 'file.reject':
        if (t && t.dir === 'out' && t.state === 'offered') finish(t, 'rejected', `declined: ${f.reason || 'no reason given'}`);
        break;
      case 'file.cancel':
        if (t && !['done', 'failed', 'rejected', 'cancelled'].includes(t.state)) {
          finish(t, 'cancelled', `the maintainer stopped it: ${f.reason || 'cancelled'}`);
          try {
            t.channel?.close();
          } catch {
            /* closed */
          }
          if (t.dir === 'in') discard(t);
        }
        break;
      case 'file.done':
        if (t && t.dir === 'out' && f.sha256 === t.sha256) finish(t, 'done', 'delivered; the SHA-256 matched');
        break;
      case 'file.fail':
        if (t && t.dir === 'out') finish(t, 'failed', `failed: ${f.reason || 'the hash did not match'}`);
        break;
      default:
        break;
    }
  }

  // Forget what earlier sessions completed (their download links are gone with the page).
  rootPromise.then(async (root) => {
    if (!root) return;
    for await (const [name, handle] of root.entries()) {
      if (handle.kind === 'directory' && (await readMeta(handle))?.done) await root.removeEntry(name, { recursive: true }).catch(() => {});
    }
  }).catch(() => {});

  return {
    /** The maintainer's `hello`: show the panel only if its Janus speaks `files`. */
    hostFeatures(features) {
      state.hostHasFiles = features.includes(FEATURE);
      section.hidden = !state.hostHasFiles;
    },
    onFrame,
    onChannel: onFileChannel,
    offerFile,
    /** The connection ended: what was moving is interrupted (kept, to resume). */
    sessionEnded() {
      state.ended = true;
      for (const t of transfers.values()) if (t.state === 'transferring' && t.dir === 'in') interrupt(t);
      pick.disabled = true;
    },
  };
}
