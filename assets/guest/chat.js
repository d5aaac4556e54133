// The chat view of the guest page: the private log and, through rooms.js, a log per room;
// each message with who, when and what (own messages with a delivery tick, … → ✓), system
// lines, and the composer (Enter sends, Shift+Enter a new line, at most 4096 characters)
// with its Leave button.
//
// createChat({send, label, clock, session}) → {rooms, addMessage, systemLine, delivered(id),
// updateComposer, focus}. `send(frame)` puts a frame on the `janus` channel (false: not sent),
// `label(login)` is how a name is shown, `clock(ms)` a time of day; `session` is what the
// view asks of the connection: isOpen(), isLive() (open, not ending, not leaving), me() (the
// guest's name), sent(frame) (a chat went out) and leave() (the Leave button).

import { createRooms } from './rooms.js';
import { frames, charCount, MAX_CHAT_CHARS } from './protocol.js';

const $ = (id) => document.getElementById(id);
let send = () => false;
let label = (login) => login;
let clock = (ms) => String(ms);
let session = null;
/** Rooms (PROTOCOL.md "Rooms"): tabs, a log per room, members. */
let rooms = null;
/** Own message id → its <li>, until the host acks it. */
const pending = new Map();

export function createChat(hooks) {
  ({ send, label, clock, session } = hooks);
  rooms = createRooms({ tabs: $('conv-tabs'), privateTab: $('tab-private'), privateLog: $('chat-log'), members: $('room-members'), label });
  wireComposer();
  return { rooms, addMessage, systemLine, delivered, updateComposer, focus: () => $('chat-input').focus() };
}

function timeOf(ts) {
  // Accept unix ms or unix seconds.
  const ms = typeof ts === 'number' && ts > 0 ? (ts < 1e11 ? ts * 1000 : ts) : Date.now();
  return new Date(ms);
}

function appendToLog(li, room = '') {
  const log = (rooms && rooms.logFor(room)) || $('chat-log');
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.appendChild(li);
  if (nearBottom) log.scrollTop = log.scrollHeight;
}

function addMessage(from, who, text, ts, id, room = '') {
  const li = document.createElement('li');
  li.className = `msg msg-${from}`;
  li.dataset.from = from;
  if (id) li.dataset.id = id;
  const head = document.createElement('div');
  head.className = 'meta';
  const name = document.createElement('span');
  name.className = 'who';
  name.textContent = from === 'me' ? 'You' : label(who);
  const time = document.createElement('time');
  const when = timeOf(ts);
  time.dateTime = when.toISOString();
  time.textContent = clock(when.getTime());
  head.append(name, ' ', time);
  const body = document.createElement('p');
  body.className = 'text';
  body.textContent = text;
  li.append(head, body);
  if (from === 'me') {
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.textContent = '…';
    tick.title = 'sent, not yet delivered';
    tick.setAttribute('aria-label', 'sent, not yet delivered');
    li.dataset.acked = 'false';
    head.append(' ', tick);
  }
  appendToLog(li, room);
  return li;
}

function systemLine(text, room = '') {
  const li = document.createElement('li');
  li.className = 'msg msg-system';
  li.dataset.from = 'system';
  const p = document.createElement('p');
  p.className = 'text';
  p.textContent = text;
  li.append(p);
  appendToLog(li, room);
}

/** The host acked our message `id`: its tick turns to ✓. */
function delivered(id) {
  const li = pending.get(id);
  if (!li) return;
  pending.delete(id);
  li.dataset.acked = 'true';
  const tick = li.querySelector('.tick');
  tick.textContent = '✓';
  tick.title = 'delivered';
  tick.setAttribute('aria-label', 'delivered');
}

function updateComposer() {
  const input = $('chat-input');
  const n = charCount(input.value);
  const counter = $('chat-counter');
  counter.textContent = `${n} / ${MAX_CHAT_CHARS}`;
  counter.dataset.over = n > MAX_CHAT_CHARS ? 'true' : 'false';
  const live = session.isLive();
  input.disabled = !live;
  $('chat-send').disabled = !live || n === 0 || n > MAX_CHAT_CHARS || input.value.trim() === '';
  $('leave').disabled = !live;
}

function sendChat() {
  const input = $('chat-input');
  const text = input.value;
  if (!session.isOpen() || text.trim() === '' || charCount(text) > MAX_CHAT_CHARS) return;
  const frame = frames.chat(text);
  const room = rooms ? rooms.active() : '';
  if (room) {
    if (!rooms.canWrite(room)) return;
    frame.room = room;
  }
  if (!send(frame)) {
    systemLine('Could not send: the connection is not open.');
    return;
  }
  const li = addMessage('me', session.me(), text, frame.ts, frame.id, room);
  pending.set(frame.id, li);
  session.sent(frame);
  input.value = '';
  updateComposer();
}

function wireComposer() {
  const input = $('chat-input');
  input.addEventListener('input', updateComposer);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendChat();
    }
  });
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sendChat();
  });
  $('leave').addEventListener('click', () => session.leave());
  updateComposer();
}
