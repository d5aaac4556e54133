// A corpus of XSS payloads for the guest page's safety tests (xss.test.mjs).
//
// Every payload carries CANARY, a script with no quotes and no spaces (so it survives any
// attribute syntax) that trips three independent alarms if it ever runs, in any frame:
//   window.__xss = 1                          — checked in every frame of every page
//   console.log(`XSS-CANARY`)                 — checked on every page's console
//   fetch(`/canary`) and alert(1)             — a request to /canary on the test server, a dialog
// The tests assert that none of them fires, and that the payload is shown as plain text
// wherever the page shows text.

export const CANARY = 'window.__xss=1;console.log(`XSS-CANARY`);fetch(`/canary`);alert(1)';

/** [name, payload] pairs; `c` is the script to embed (CANARY by default). */
export function xssCorpus(c = CANARY) {
  return [
    // Script elements and event handlers.
    ['script tag', `<script>${c}</script>`],
    ['script tag, upper case', `<SCRIPT>${c}</SCRIPT>`],
    ['img onerror, quoted', `<img src=x onerror="${c}">`],
    ['img onerror, unquoted', `<img src=x onerror=${c}>`],
    ['img onerror, slash separator', `<img/src=x/onerror=${c}>`],
    ['svg onload', `<svg onload=${c}>`],
    ['svg script', `<svg><script>${c}</script></svg>`],
    ['svg animate onbegin', `<svg><animate onbegin=${c} attributeName=x dur=1s>`],
    ['body onload', `<body onload=${c}>`],
    ['input autofocus onfocus', `<input autofocus onfocus=${c}>`],
    ['details ontoggle', `<details open ontoggle=${c}><summary>s</summary></details>`],
    ['video source onerror', `<video><source onerror=${c}></video>`],
    ['audio onerror', `<audio src=x onerror=${c}>`],
    ['marquee onstart', `<marquee onstart=${c}>m</marquee>`],
    ['hover handler over everything', `<div onmouseover=${c} style="position:fixed;inset:0;z-index:9">hover</div>`],
    // javascript: and data: URLs.
    ['javascript: link', `<a href="javascript:${c}">js link</a>`],
    ['javascript: link, mixed case and spaces', `<a href="  JaVaScRiPt:${c}">js link 2</a>`],
    ['javascript: link, entity-encoded tab', `<a href="java&#x09;script:${c}">js link 3</a>`],
    ['javascript: link, target self', `<a href="javascript:${c}" target="_self">js link 4</a>`],
    ['data:text/html link', `<a href="data:text/html,<script>${c}</script>">data link</a>`],
    ['svg xlink:href javascript:', `<svg><a xlink:href="javascript:${c}"><text y="20">svg link</text></a></svg>`],
    ['form action javascript:', `<form action="javascript:${c}"><button>go</button></form>`],
    ['button formaction', `<form><button formaction="javascript:${c}">go2</button></form>`],
    ['isindex', `<isindex action=javascript:${c} type=image>`],
    // Frames, objects, documents.
    ['iframe srcdoc', `<iframe srcdoc="<script>${c}</script>"></iframe>`],
    ['iframe javascript: src', `<iframe src="javascript:${c}"></iframe>`],
    ['object data javascript:', `<object data="javascript:${c}"></object>`],
    ['embed src javascript:', `<embed src="javascript:${c}">`],
    ['meta refresh to javascript:', `<meta http-equiv="refresh" content="0;url=javascript:${c}">`],
    ['meta refresh to a same-site page', `<meta http-equiv="refresh" content="0;url=/meta-refresh">`],
    ['base href hijack', `<base href="http://evil.invalid/"><a href="rel">relative</a>`],
    ['link that navigates the frame itself', `<a href="http://evil.invalid/phish" target="_self">navigate the frame</a>`],
    // Style tricks.
    ['style url(javascript:)', `<div style="background:url(javascript:${c})">style url</div>`],
    ['style expression()', `<div style="width:expression(${c})">expression</div>`],
    ['style element import', `<style>@import 'http://evil.invalid/x.css';body{background:url(javascript:${c})}</style>`],
    ['link stylesheet', `<link rel=stylesheet href="http://evil.invalid/x.css">`],
    // Requests to a third party without any script (tracking pixels and the like).
    ['network: remote image', `<img src="http://evil.invalid/pixel.gif" alt="pixel">`],
    ['network: video poster', `<video poster="http://evil.invalid/poster.png" src="http://evil.invalid/v.mp4"></video>`],
    ['network: input type=image', `<input type="image" src="http://evil.invalid/input.png" alt="i">`],
    ['network: svg image', `<svg><image href="http://evil.invalid/svg.png" width="10" height="10"/></svg>`],
    ['network: css background', `<div style="background:url(http://evil.invalid/bg.png)">bg</div>`],
    ['network: prefetch', `<link rel="prefetch" href="http://evil.invalid/prefetch">`],
    ['network: picture source', `<picture><source srcset="http://evil.invalid/src.png"><img alt="p"></picture>`],
    // Mutation XSS (parse → serialize → parse differs).
    ['mXSS math/style', `<math><mtext><table><mglyph><style><img src=x onerror=${c}>`],
    ['mXSS noscript', `<noscript><p title="</noscript><img src=x onerror=${c}>">`],
    ['template content', `<template><img src=x onerror=${c}></template>`],
    // Breaking out of contexts the page might build strings in.
    ['attribute breakout, double quote', `"><script>${c}</script>`],
    ['attribute breakout, single quote', `'><img src=x onerror=${c}>`],
    ['textarea breakout', `</textarea><script>${c}</script>`],
    ['title breakout', `</title><script>${c}</script>`],
    ['comment breakout', `--><script>${c}</script><!--`],
    // Template injection (no template engine here, but someone might add one).
    ['angular-style template', `{{constructor.constructor("${c}")()}}`],
    ['template literal', `\${${c}}`],
    ['server template', `<%= ${c} %>`],
    // Encodings and Unicode tricks.
    ['entity-encoded script (double decoding)', `&lt;script&gt;${c}&lt;/script&gt;`],
    ['url-encoded script', `%3Cscript%3E${c}%3C/script%3E`],
    ['fullwidth angle brackets', `＜script＞${c}＜/script＞`],
    ['right-to-left override', `\u202E<img src=x onerror=${c}>`],
    ['NUL inside the tag name', `<scr\u0000ipt>${c}</scr\u0000ipt>`],
    ['byte order mark before script', `\uFEFF<script>${c}</script>`],
    ['zero-width space in the handler name', `<img src=x onerror\u200B=${c}>`],
    ['zero-width joiner in javascript:', `<a href="java\u200Dscript:${c}">zwj link</a>`],
    ['line separator', `\u2028<script>${c}</script>\u2029`],
    ['lone surrogate', `\uD800<img src=x onerror=${c}>`],
  ];
}

/** A few payloads short enough to matter as user names (logins, `hello.host`, `chat.from`). */
export function namePayloads(c = CANARY) {
  return [`<img src=x onerror=${c}>`, `\u202E"><svg onload=${c}>`, `javascript:${c}`, `{{constructor.constructor("${c}")()}}`];
}
