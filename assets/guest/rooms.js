// Rooms on the guest page (PROTOCOL.md "Rooms"): the private conversation with the maintainer and
// each room the host put this guest in, as tabs; each room has its own message log and
// member list, and join and leave notices. Names are always set as text (textContent),
// never as HTML. The host relays; this page never learns another member's address.
// DOM only through the elements it is given; no network.

/** Most rooms kept on the page (the host allows 32). */
const MAX_ROOMS = 64;

/**
 * @param {object} o
 * @param {HTMLElement} o.tabs      the tab bar (role=tablist), hidden until a room exists
 * @param {HTMLElement} o.privateTab the tab of the private conversation
 * @param {HTMLElement} o.privateLog the private conversation's log
 * @param {HTMLElement} o.members   where the shown room's members are listed
 * @param {(login: string) => string} o.label how a login is shown (`@login`, cleaned)
 */
export function createRooms({ tabs, privateTab, privateLog, members, label }) {
  /** name → {log, tab, members: string[], unread, left} */
  const rooms = new Map();
  let shown = '';

  function renderMembers() {
    const room = rooms.get(shown);
    members.hidden = !room;
    if (!room) return;
    members.textContent = room.left ? `You left this room (${room.left}).` : `In this room: ${room.members.map(label).join(', ') || 'only you'}`;
  }

  function renderTab(name) {
    const room = rooms.get(name);
    if (!room) return;
    room.tab.textContent = `#${name}${room.unread ? ` (${room.unread})` : ''}`;
    room.tab.dataset.unread = String(room.unread);
  }

  function select(name) {
    if (name && !rooms.has(name)) return;
    shown = name;
    privateLog.hidden = name !== '';
    privateTab.setAttribute('aria-selected', String(name === ''));
    for (const [n, room] of rooms) {
      room.log.hidden = n !== name;
      room.tab.setAttribute('aria-selected', String(n === name));
      if (n === name) {
        room.unread = 0;
        renderTab(n);
      }
    }
    renderMembers();
  }

  function ensure(name) {
    let room = rooms.get(name);
    if (room) return room;
    if (rooms.size >= MAX_ROOMS) return null;
    const log = document.createElement('ol');
    log.className = 'chat-log room-log';
    log.dataset.room = name;
    log.setAttribute('aria-live', 'polite');
    log.setAttribute('aria-label', `Messages in ${name}`);
    log.tabIndex = 0;
    log.hidden = true;
    privateLog.after(log);
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.setAttribute('role', 'tab');
    tab.dataset.room = name;
    tab.addEventListener('click', () => select(name));
    tabs.append(tab);
    tabs.hidden = false;
    room = { log, tab, members: [], unread: 0, left: '' };
    rooms.set(name, room);
    renderTab(name);
    return room;
  }

  privateTab.addEventListener('click', () => select(''));

  return {
    /** The room shown ('' for the private conversation). */
    active: () => shown,
    /** Whether the guest can write in this room now. */
    canWrite: (name) => name === '' || (rooms.has(name) && !rooms.get(name).left),
    /** The log a message of `name` goes to; null for a room this page does not know. */
    logFor(name) {
      if (!name) return privateLog;
      return rooms.get(name)?.log ?? null;
    },
    /** A message arrived in `name`: counted unread unless shown. */
    noteMessage(name) {
      const room = rooms.get(name);
      if (!room || name === shown) return;
      room.unread++;
      renderTab(name);
    },
    /** Handles room.joined / room.member / room.left; `notice(text, room)` adds a system line. */
    onFrame(f, notice) {
      if (f.t === 'room.joined') {
        const room = ensure(f.room);
        if (!room) return;
        room.left = '';
        room.members = f.members.slice();
        notice(`You joined the room ${f.room}.`, f.room);
        if (shown === f.room) renderMembers();
        else room.tab.dataset.fresh = 'true';
      } else if (f.t === 'room.member') {
        const room = rooms.get(f.room);
        if (!room) return;
        room.members = room.members.filter((m) => m !== f.login);
        if (f.joined) room.members.push(f.login);
        notice(`${label(f.login)} ${f.joined ? 'joined' : 'left'}.`, f.room);
        if (shown === f.room) renderMembers();
      } else if (f.t === 'room.left') {
        const room = rooms.get(f.room);
        if (!room) return;
        room.left = f.reason || 'left';
        notice(f.reason ? `You are no longer in this room: ${f.reason}` : 'You are no longer in this room.', f.room);
        if (shown === f.room) renderMembers();
      }
    },
  };
}
