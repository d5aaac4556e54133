// The guest's side of the WebRTC handshake (PROTOCOL.md "Flow A, step by step"): answer the host's offer.
// ICE is not trickled: the answer is taken once gathering completes or after
// GATHER_TIMEOUT_MS, whichever is first, so an unreachable STUN server cannot hold it back.

import { encodeToken } from './token.js';
import { rtcConfiguration } from './reach.js';

export const GATHER_TIMEOUT_MS = 3000;
export const CHANNEL_LABEL = 'janus';

function waitForGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (complete) => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve(complete);
    };
    const onChange = () => {
      if (pc.iceGatheringState === 'complete') done(true);
    };
    const onCandidate = (ev) => {
      if (!ev.candidate) done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    pc.addEventListener('icegatheringstatechange', onChange);
    pc.addEventListener('icecandidate', onCandidate);
  });
}

/**
 * Creates the peer connection, applies the decoded offer and produces the answer token.
 * `relays` are the offer's relay servers (reach.js); `relayOnly` gathers only relay
 * candidates, so the maintainer never sees the guest's addresses.
 * `onChannel(channel)` is called with the host's "janus" data channel when it arrives, and
 * `onFileChannel(channel)` with each "file:{id}" channel (files.js); others are closed.
 * Resolves to {pc, answerToken, answerSdp, gatheringComplete}.
 */
export async function answerOffer({ offer, iceUrls, relays = [], relayOnly = false, onChannel, onFileChannel = null, gatherTimeoutMs = GATHER_TIMEOUT_MS }) {
  const pc = new RTCPeerConnection(rtcConfiguration(iceUrls, relays, relayOnly));
  pc.addEventListener('datachannel', (ev) => {
    if (ev.channel.label === CHANNEL_LABEL) onChannel(ev.channel);
    else if (onFileChannel && ev.channel.label.startsWith('file:')) onFileChannel(ev.channel);
    else ev.channel.close();
  });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const gatheringComplete = await waitForGathering(pc, gatherTimeoutMs);
    const sdp = pc.localDescription.sdp;
    const answerToken = await encodeToken('a', { sid: offer.sid, sdp });
    return { pc, answerToken, answerSdp: sdp, gatheringComplete };
  } catch (e) {
    pc.close();
    throw e;
  }
}
