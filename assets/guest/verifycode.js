// The verification code both ends can compare out of band (PROTOCOL.md "Flow A, step by step", step 3), exactly as the host
// derives it (src/app/text.rs `sdp_fingerprint` / `verification_code`): the first three bytes
// of SHA-256 over `janus-verify-v1\n{offer fingerprint}\n{answer fingerprint}`, as `xxx-xxx`.
// Someone who swapped either SDP on the way would have to hit the same code by chance
// (1 in 16 million), so equal codes on the page and the console mean a direct connection.

/** The DTLS fingerprint line of an SDP, normalised (`sha-256 ab:cd:…`); null if it has none. */
export function sdpFingerprint(sdp) {
  for (const raw of String(sdp).split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('a=fingerprint:')) continue;
    const normal = line.slice('a=fingerprint:'.length).trim().split(/\s+/).join(' ').toLowerCase();
    return normal || null;
  }
  return null;
}

/** `xxx-xxx` from the offer's and the answer's SDP (roles matter); null if either lacks a fingerprint. */
export async function verificationCode(offerSdp, answerSdp) {
  const offer = sdpFingerprint(offerSdp);
  const answer = sdpFingerprint(answerSdp);
  if (!offer || !answer || !globalThis.crypto || !crypto.subtle) return null;
  const data = new TextEncoder().encode(`janus-verify-v1\n${offer}\n${answer}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  const hex = Array.from(digest.slice(0, 3), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 3)}-${hex.slice(3)}`;
}
