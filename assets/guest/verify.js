// Verifying the host before connecting (PROTOCOL.md "Flow A, step by step", step 3), and spotting the posted answer.
//
// The guest trusts an offer only if the forge's API shows the exact offer token in a
// comment on the named issue whose author_association is OWNER, MEMBER or COLLABORATOR.
// Outcomes:
//   verified      — such a comment exists: {login, association, ...}
//   refused       — the issue does not exist, the token is in no comment, or only in
//                   comments by people who are not maintainers: no connection is made.
//   unverifiable  — the API could not answer (network, 403/429 rate limit, 5xx, garbage):
//                   the guest may explicitly choose to continue anyway.
// Pure module apart from fetch (injectable for tests); no DOM.

import { findTokens } from './token.js';
import { cleanLabel } from './protocol.js';

export const TRUSTED_ASSOCIATIONS = ['OWNER', 'MEMBER', 'COLLABORATOR'];
const MAX_PAGES = 50;
const TIMEOUT_MS = 10000;

class ApiError extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind; // 'unreachable' | 'limited' | 'missing' | 'bad'
    this.status = status;
  }
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Parses a Link header into {rel: url}. */
export function parseLinkHeader(value) {
  const out = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (!m) continue;
    const rel = /rel="?([^";]+)"?/.exec(m[2]);
    if (rel) for (const r of rel[1].trim().split(/\s+/)) out[r] = m[1];
  }
  return out;
}

async function getJson(url, fetchImpl) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetchImpl(url, {
      headers: { Accept: 'application/vnd.github+json' },
      credentials: 'omit',
      cache: 'no-cache',
      referrerPolicy: 'no-referrer',
      signal: ctl.signal,
    });
  } catch (e) {
    throw new ApiError('unreachable', `could not reach ${hostOf(url)} (${e && e.name === 'AbortError' ? 'timed out' : 'network error'})`);
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 403 || res.status === 429) {
    throw new ApiError('limited', `${hostOf(url)} refused to answer (HTTP ${res.status}, probably its rate limit for anonymous visitors); try again in a few minutes`, res.status);
  }
  if (res.status === 404 || res.status === 410) throw new ApiError('missing', `HTTP ${res.status}`, res.status);
  if (!res.ok) throw new ApiError('bad', `${hostOf(url)} answered HTTP ${res.status}`, res.status);
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('bad', `${hostOf(url)} did not answer with JSON`, res.status);
  }
  return { body, link: parseLinkHeader(res.headers.get('Link')) };
}

/** Fetches every comment of the issue, following Link rel=next on the same origin. */
export async function fetchAllComments(base, fetchImpl = fetch, query = '') {
  const first = `${base}/comments?per_page=100${query}`;
  const origin = new URL(first).origin;
  const comments = [];
  let url = first;
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES) throw new ApiError('bad', `the issue has more than ${MAX_PAGES * 100} comments; not searched`);
    const { body, link } = await getJson(url, fetchImpl);
    if (!Array.isArray(body)) throw new ApiError('bad', `${hostOf(url)} answered something that is not a list of comments`);
    comments.push(...body);
    url = null;
    if (link.next) {
      try {
        const next = new URL(link.next, first);
        if (next.origin === origin) url = next.toString();
      } catch {
        url = null;
      }
    }
  }
  return comments;
}

function loginOf(x) {
  return x && x.user && typeof x.user.login === 'string' ? x.user.login : '';
}

function safeHttpUrl(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/**
 * link: {api, owner, repo, issue, offer}. Resolves to one of
 *  {state:'verified', login, association, commentUrl, issueUrl, issueAuthor, issueTitle, latestUpdated}
 *  {state:'refused', reason, issueUrl?, issueAuthor?}
 *  {state:'unverifiable', reason, issueUrl?, issueAuthor?}
 * Never rejects.
 */
export async function verifyOffer(link, fetchImpl = fetch) {
  const base = `${link.api}/repos/${encodeURIComponent(link.owner)}/${encodeURIComponent(link.repo)}/issues/${link.issue}`;
  const where = `${link.owner}/${link.repo}#${link.issue}`;
  let issueUrl = null;
  let issueAuthor = '';
  let issueTitle = '';
  try {
    const { body: issue } = await getJson(base, fetchImpl);
    issueUrl = safeHttpUrl(issue && issue.html_url);
    issueAuthor = loginOf(issue);
    issueTitle = issue && typeof issue.title === 'string' ? issue.title : '';
    const comments = await fetchAllComments(base, fetchImpl);
    let latestUpdated = '';
    let trusted = null;
    const untrusted = [];
    for (const c of comments) {
      const stamp = (c && (c.updated_at || c.created_at)) || '';
      if (typeof stamp === 'string' && stamp > latestUpdated) latestUpdated = stamp;
      if (!c || !findTokens(c.body).includes(link.offer)) continue;
      const assoc = typeof c.author_association === 'string' ? c.author_association.toUpperCase() : 'NONE';
      if (TRUSTED_ASSOCIATIONS.includes(assoc)) {
        if (!trusted) trusted = { login: loginOf(c), association: assoc, commentUrl: safeHttpUrl(c.html_url) };
      } else {
        untrusted.push({ login: loginOf(c), association: assoc });
      }
    }
    if (trusted) {
      return { state: 'verified', ...trusted, issueUrl, issueAuthor, issueTitle, latestUpdated };
    }
    if (untrusted.length) {
      const shown = untrusted.slice(0, 5).map((u) => `@${cleanLabel(u.login, 40)} (${cleanLabel(u.association, 24)})`);
      if (untrusted.length > shown.length) shown.push(`${untrusted.length - shown.length} more`);
      const who = shown.join(', ');
      return {
        state: 'refused',
        reason: `this offer was posted on ${where} only by ${who}, not by a maintainer of ${link.owner}/${link.repo}. The link may be forged; do not use it. If you expected a chat, wait for the maintainer's own comment.`,
        issueUrl,
        issueAuthor,
      };
    }
    return {
      state: 'refused',
      reason: `no maintainer's comment on ${where} contains this offer. It may already have been used or withdrawn (Janus removes a link once it connects), or the link was forged. To get a fresh link, comment on the issue (or re-open it) and wait for the maintainer's reply.`,
      issueUrl,
      issueAuthor,
    };
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.kind === 'missing') {
        return {
          state: 'refused',
          reason: `the issue ${where} does not exist at ${hostOf(link.api)} (HTTP ${e.status}), so this offer cannot come from its maintainer. Check that you opened the link exactly as posted.`,
          issueUrl,
          issueAuthor,
        };
      }
      return { state: 'unverifiable', reason: e.message, issueUrl, issueAuthor, issueTitle };
    }
    return { state: 'unverifiable', reason: `verification failed unexpectedly (${e && e.message ? e.message : e})`, issueUrl, issueAuthor, issueTitle };
  }
}

/**
 * One look for a comment holding `answerToken` on the issue. Resolves to
 * {found: true, login} | {found: false} | {error: 'limited'|'unreachable'|'bad'}.
 */
export async function findAnswerComment(link, answerToken, since, fetchImpl = fetch) {
  const base = `${link.api}/repos/${encodeURIComponent(link.owner)}/${encodeURIComponent(link.repo)}/issues/${link.issue}`;
  try {
    const query = since ? `&since=${encodeURIComponent(since)}` : '';
    const comments = await fetchAllComments(base, fetchImpl, query);
    for (const c of comments) {
      if (c && findTokens(c.body).includes(answerToken)) return { found: true, login: loginOf(c) };
    }
    return { found: false };
  } catch (e) {
    return { error: e instanceof ApiError ? e.kind : 'bad' };
  }
}
