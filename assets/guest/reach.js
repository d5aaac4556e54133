// Reaching the maintainer across real networks: the relay (TURN) servers an offer carries,
// the guest's "relay only" privacy choice, which path the connection took, chats that
// arrive once whatever the path, and what to say when nothing connects.
//
// The host puts short-lived relay credentials in the offer token's `ice` field, in the shape
// of RTCIceServer ({urls, username, credential}). They come from a stranger's link, so they
// are checked and bounded here before they reach RTCPeerConnection.

export const MAX_RELAYS = 4;
export const MAX_URLS = 8;
const MAX_FIELD = 512;
/** A chat not acknowledged after this long is sent again, with the same id. */
export const RESEND_MS = 2000;
/** Copies sent after the first, at most. */
export const MAX_RESENDS = 5;
/** Chat ids remembered to drop duplicates. */
export const SEEN_IDS = 256;

const isShortString = (s) => typeof s === 'string' && s.length > 0 && s.length <= MAX_FIELD;

/** The valid relay servers of a token's `ice` (anything else is dropped). */
export function relayServers(ice) {
  if (!Array.isArray(ice)) return [];
  const out = [];
  for (const s of ice.slice(0, MAX_RELAYS)) {
    if (!s || typeof s !== 'object') continue;
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls])
      .filter((u) => isShortString(u) && /^turns?:[^\s?]+(\?transport=(udp|tcp))?$/.test(u))
      .slice(0, MAX_URLS);
    if (!urls.length || !isShortString(s.username) || !isShortString(s.credential)) continue;
    out.push({ urls, username: s.username, credential: s.credential });
  }
  return out;
}

/** The RTCPeerConnection configuration: STUN from the link, relays from the offer. */
export function rtcConfiguration(iceUrls, relays, relayOnly) {
  const iceServers = [];
  if (iceUrls.length) iceServers.push({ urls: iceUrls });
  for (const r of relays) iceServers.push(r);
  const config = { iceServers };
  if (relayOnly && relays.length) config.iceTransportPolicy = 'relay';
  return config;
}

/**
 * Shows the "relay only" choice when the offer carries a relay. `onChange(relayOnly)` runs
 * when the guest changes it (the page then makes a new answer).
 */
export function wireRelayChoice(box, input, relays, onChange) {
  box.hidden = relays.length === 0;
  input.checked = false;
  input.addEventListener('change', () => onChange(input.checked));
}

/** 'relay' or 'direct': the path of the selected candidate pair (null if unknown). */
export async function selectedPath(pc) {
  let stats;
  try {
    stats = await pc.getStats();
  } catch {
    return null;
  }
  let pairId = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  let pair = pairId ? stats.get(pairId) : null;
  if (!pair) {
    stats.forEach((s) => {
      if (!pair && s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pair = s;
    });
  }
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  const relayed = [local, remote].some((c) => c && c.candidateType === 'relay');
  return relayed ? 'relay' : 'direct';
}

/** The system line for the path, in the guest's words. */
export function pathSentence(path, relayOnly) {
  if (path === 'relay') {
    return relayOnly
      ? 'Connected through a relay: the maintainer does not see your IP address, only the relay\'s. Messages are still encrypted end to end.'
      : 'Connected through a relay (your networks could not reach each other directly). Messages are still encrypted end to end.';
  }
  return 'Connected directly to the maintainer. Messages go straight to their computer.';
}

/** Why nothing connected, for the guest, with what they can do. */
export function failureHint({ relays, relayOnly, gotRelay }) {
  if (!relays) {
    return 'Your network (or the maintainer\'s) may need a relay (TURN server): direct connections are blocked on some company, school, hotel and mobile networks, and this maintainer\'s Janus offers no relay. Try another network (for example a phone hotspot or home Wi-Fi), then comment on the issue to ask for a new link.';
  }
  if (!gotRelay) {
    return 'Even the maintainer\'s relay could not be reached from your network (it may block the ports relays use), or the link\'s relay permission has expired. Try another network, or comment on the issue to ask for a new link.';
  }
  return relayOnly
    ? 'The relay path failed. You chose to hide your IP address (relay only); the maintainer\'s side may be blocked. Comment on the issue to ask for a new link, and tell the maintainer the relay did not work.'
    : 'Neither a direct path nor the maintainer\'s relay worked. Comment on the issue to ask for a new link, and tell the maintainer the relay did not work.';
}

/** Whether an SDP carries a relay candidate (the relay gave this browser an address). */
export function hasRelayCandidate(sdp) {
  return /^a=candidate:.* typ relay/m.test(sdp || '');
}

/**
 * Sends unacknowledged chats again, same id: `track(frame)` after sending, `acked(id)` on
 * the ack, `stop()` at the end. `send(frame)` is the page's sender.
 */
export function createResender(send, { resendMs = RESEND_MS, maxResends = MAX_RESENDS } = {}) {
  const pending = new Map();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [id, p] of pending) {
      if (now - p.last < resendMs) continue;
      if (p.copies >= maxResends) {
        pending.delete(id);
        continue;
      }
      p.copies++;
      p.last = now;
      send(p.frame);
    }
  }, Math.max(50, Math.floor(resendMs / 4)));
  return {
    track(frame) {
      pending.set(frame.id, { frame, last: Date.now(), copies: 0 });
    },
    acked(id) {
      pending.delete(id);
    },
    stop() {
      clearInterval(timer);
      pending.clear();
    },
  };
}

/** `firstSight(key)`: true the first time a chat is seen; duplicates are acked, not shown. */
export function createDedupe(limit = SEEN_IDS) {
  const seen = [];
  return (key) => {
    if (seen.includes(key)) return false;
    if (seen.length >= limit) seen.shift();
    seen.push(key);
    return true;
  };
}
