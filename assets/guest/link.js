// Parsing the guest link's fragment (PROTOCOL.md "Signaling"):
//   #offer={token}&repo={owner}/{repo}&issue={n}[&api={url-encoded API base}][&ice={url-encoded comma-separated STUN urls}]
// - api absent → https://api.github.com
// - ice absent → DEFAULT_ICE; `ice=` present but empty → no ICE servers (offline demo/tests).
// Only stun:/stuns: URLs are taken from a link: TURN credentials never belong in a public comment.
// Pure module: no DOM, no network.

export const DEFAULT_API = 'https://api.github.com';
export const DEFAULT_ICE = ['stun:stun.l.google.com:19302', 'stun:stun.cloudflare.com:3478'];

export class LinkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'LinkError';
  }
}

const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,99})$/;

/**
 * Parses a location.hash (with or without '#'). Returns null when the fragment carries no
 * Janus parameters at all (the page then explains itself), or
 * {offer, owner, repo, issue, api, apiIsDefault, iceUrls}; throws LinkError when it is a
 * Janus link with a bad or missing part.
 */
export function parseFragment(hash) {
  const raw = (hash || '').replace(/^#/, '');
  if (raw.trim() === '') return null;
  const params = new URLSearchParams(raw);
  if (!params.has('offer') && !params.has('repo') && !params.has('issue')) return null;

  const offer = (params.get('offer') || '').trim();
  if (!offer) throw new LinkError('the link has no offer; open the link exactly as the maintainer posted it');

  const repoFull = params.get('repo') || '';
  const parts = repoFull.split('/');
  if (parts.length !== 2 || !NAME_RE.test(parts[0]) || !NAME_RE.test(parts[1]) || parts[1] === '.' || parts[1] === '..') {
    throw new LinkError('the link does not name a repository as owner/repo');
  }

  const issueText = params.get('issue') || '';
  if (!/^[1-9][0-9]{0,9}$/.test(issueText)) throw new LinkError('the link does not name an issue number');
  const issue = Number(issueText);

  let api = DEFAULT_API;
  if (params.has('api') && params.get('api').trim() !== '') {
    let url;
    try {
      url = new URL(params.get('api').trim());
    } catch {
      throw new LinkError('the link names an API address that is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LinkError('the link names an API address that is not http(s)');
    if (url.username || url.password) throw new LinkError('the link names an API address with credentials in it; refused');
    url.hash = '';
    url.search = '';
    api = url.toString().replace(/\/+$/, '');
  }

  let iceUrls = DEFAULT_ICE.slice();
  if (params.has('ice')) {
    iceUrls = params
      .get('ice')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .filter((s) => /^stuns?:[^\s@/]+$/i.test(s))
      .slice(0, 8);
  }

  return {
    offer,
    owner: parts[0],
    repo: parts[1],
    issue,
    api,
    apiIsDefault: api === DEFAULT_API,
    iceUrls,
  };
}
