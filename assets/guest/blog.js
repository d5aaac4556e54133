// The blog panel of the guest page: the index the host sends (`blog.index`), one post at a
// time (`blog.post`) shown in a sandboxed frame without scripts, and the way back to the
// index. The host sanitizes every post; `inertPostHtml` here is defence in depth.
//
// createBlog({send, show}) → {requestIndex, renderIndex(posts), renderPost(post)}; `send`
// puts a frame on the `janus` channel, `show(id, on)` shows or hides an element.

import { cleanLabel, frames } from './protocol.js';

const $ = (id) => document.getElementById(id);
let send = () => {};
let show = () => {};
/** The slug of the post asked for last: a late answer for another one is stale. */
const state = { currentSlug: '' };

export function createBlog(hooks) {
  ({ send, show } = hooks);
  wireBlog();
  return { requestIndex: requestBlogIndex, renderIndex: renderBlogIndex, renderPost: renderBlogPost };
}

function requestBlogIndex() {
  show('blog');
  $('blog-status').textContent = 'Loading posts…';
  send(frames.blogList());
}

function renderBlogIndex(posts) {
  show('blog');
  const list = $('blog-index');
  list.replaceChildren();
  $('blog-status').textContent = posts.length ? '' : 'No posts yet.';
  for (const p of posts) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'post-link';
    b.dataset.slug = p.slug;
    const title = document.createElement('span');
    title.className = 'post-title';
    title.textContent = cleanLabel(p.title, 200);
    b.append(title);
    if (p.date) {
      const d = document.createElement('span');
      d.className = 'post-date';
      d.textContent = cleanLabel(p.date, 40);
      b.append(' ', d);
    }
    li.append(b);
    if (p.summary) {
      const s = document.createElement('p');
      s.className = 'post-summary muted';
      s.textContent = p.summary;
      li.append(s);
    }
    list.append(li);
  }
  if (!$('blog-view').hidden) return;
  list.hidden = false;
}

function wireBlog() {
  $('blog-index').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-slug]');
    if (!b) return;
    state.currentSlug = b.dataset.slug;
    $('blog-status').textContent = 'Loading the post…';
    send(frames.blogGet(b.dataset.slug));
  });
  $('blog-back').addEventListener('click', () => {
    show('blog-view', false);
    show('blog-index');
    $('blog-frame').srcdoc = '';
    $('blog-status').textContent = '';
    const again = state.currentSlug && $('blog-index').querySelector(`button[data-slug="${CSS.escape(state.currentSlug)}"]`);
    if (again) again.focus();
  });
}

// Elements that act by themselves (run, load, navigate, rebase URLs) rather than show text.
const INERT_DROP = 'script, noscript, template, iframe, frame, frameset, object, embed, applet, portal, meta, base, link, style, form';
const SCRIPT_URL = /^(?:javascript|vbscript):|^data:(?!image\/(?:png|jpe?g|gif|webp|avif)[;,])/i;

/**
 * Defence in depth for a blog post's HTML. The host already sanitized it (allow-list) and the
 * sandboxed frame without allow-scripts is the real fence; this pass makes the page safe
 * and quiet even if the host's sanitizer failed: the HTML is parsed into an inert document
 * (DOMParser: no script runs, nothing loads), things that act by themselves are dropped,
 * event-handler attributes and script URLs are removed, and every link opens in a new tab
 * without opener or referrer. It is not a sanitizer and does not need to be one.
 * It also adapts what the CSP would refuse: the host's table alignment
 * (`<td style="text-align:right">`) becomes `align="right"` before parsing (inline styles
 * are refused, even while parsing inertly), other style attributes are dropped, and remote
 * images (no third-party requests) become a link to the image.
 */
function inertPostHtml(html) {
  const aligned = String(html).replace(/(<t[hd]\b[^<>]*?)\sstyle\s*=\s*"\s*text-align\s*:\s*(left|center|right)\s*;?\s*"/gi, '$1 align="$2"');
  const doc = new DOMParser().parseFromString(aligned, 'text/html');
  for (const el of doc.body.querySelectorAll(INERT_DROP)) el.remove();
  for (const el of doc.body.querySelectorAll('*')) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\p{Cc}\p{Cf}]/gu, '');
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc' || name === 'formaction' || name === 'target' || name === 'ping' || SCRIPT_URL.test(value)) {
        el.removeAttribute(attr.name);
      }
    }
    if (el.localName === 'img' && !/^data:/i.test(el.getAttribute('src') || '')) {
      const src = el.getAttribute('src') || '';
      const label = `[image${el.getAttribute('alt') ? `: ${el.getAttribute('alt')}` : ''}]`;
      let stand;
      if (/^https?:/i.test(src)) {
        stand = doc.createElement('a');
        stand.setAttribute('href', src);
        stand.title = 'Remote image, not loaded here (this page makes no third-party requests); opens in a new tab';
      } else {
        stand = doc.createElement('span');
      }
      stand.className = 'remote-image';
      stand.textContent = label;
      el.replaceWith(stand);
    }
  }
  for (const el of doc.body.querySelectorAll('a, area')) {
    el.setAttribute('target', '_blank');
    el.setAttribute('rel', 'noopener noreferrer');
  }
  return doc.body.innerHTML;
}

function frameDocument(html) {
  const css = new URL('blog-frame.css', location.href).toString();
  // The frame inherits this page's CSP; the meta below narrows it further (no scripts at all,
  // images only inline, styles only our stylesheet, no <base>, no forms). `sandbox` (no
  // allow-scripts, no allow-same-origin) is the real fence; links open in a new tab.
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src ${css.replace(/[";,\s]/g, encodeURIComponent)}; base-uri 'none'; form-action 'none'">` +
    '<meta name="referrer" content="no-referrer"><base target="_blank">' +
    `<link rel="stylesheet" href="${css.replace(/"/g, '%22')}">` +
    `</head><body>${inertPostHtml(html)}</body></html>`
  );
}

function renderBlogPost(post) {
  show('blog');
  if (state.currentSlug && post.slug !== state.currentSlug) return; // a stale answer
  const title = cleanLabel(post.title, 200);
  $('blog-title').textContent = title;
  $('blog-date').textContent = post.date ? cleanLabel(post.date, 40) : '';
  $('blog-frame').title = `Blog post: ${title}`;
  $('blog-frame').srcdoc = frameDocument(post.html);
  $('blog-status').textContent = '';
  show('blog-index', false);
  show('blog-view');
  $('blog-back').focus();
}
