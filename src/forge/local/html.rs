//! HTML building blocks for the embedded forge's pages: escaping, rendering untrusted text
//! (newlines kept, `http(s)` URLs as links, `<!-- … -->` markers hidden like GitHub hides
//! them), the page layout, and the two static assets (stylesheet and live-update script).
//!
//! Titles, bodies and logins are hostile input: everything dynamic goes through
//! [`escape`], and the pages are served with a CSP that forbids inline scripts.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// CSP for the forge's own pages: scripts and styles only from this origin, no framing.
pub(crate) const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Removes `<!-- … -->` comments (GitHub does not display them; Janus hides its offer marker
/// in one). An unterminated comment is left as text.
fn strip_html_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("<!--") {
        match rest[start + 4..].find("-->") {
            Some(end) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + 4 + end + 3..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Characters that end a URL in running text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '\u{0}'..='\u{1f}')
}

/// Renders untrusted comment text as HTML: escaped, HTML comments hidden, and `http://` /
/// `https://` URLs turned into links (trailing punctuation such as `.` or `)` left out).
/// Newlines are kept by the stylesheet (`white-space: pre-wrap`).
pub(crate) fn render_text(text: &str) -> String {
    let text = strip_html_comments(text);
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text.as_str();
    loop {
        let next = ["http://", "https://", "["]
            .iter()
            .filter_map(|p| rest.find(p))
            .min();
        let Some(start) = next else { break };
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        if let Some(after_bracket) = tail.strip_prefix('[') {
            // A Markdown link `[label](http…)`, as GitHub renders it; anything else is text.
            if let Some((label, url, used)) = markdown_link(tail) {
                out.push_str(&format!(
                    "<a href=\"{}\" rel=\"nofollow noopener noreferrer\">{}</a>",
                    escape(url),
                    escape(label)
                ));
                rest = &tail[used..];
            } else {
                out.push('[');
                rest = after_bracket;
            }
            continue;
        }
        let mut end = tail.find(ends_url).unwrap_or(tail.len());
        while end > 0
            && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', ']', '}', '*', '_'])
        {
            end -= 1;
        }
        let scheme = if tail.starts_with("https://") { 8 } else { 7 };
        if end > scheme {
            let url = escape(&tail[..end]);
            out.push_str(&format!(
                "<a href=\"{url}\" rel=\"nofollow noopener noreferrer\">{url}</a>"
            ));
            rest = &tail[end..];
        } else {
            // A bare scheme: print it as text and carry on after it.
            out.push_str(&tail[..scheme]);
            rest = &tail[scheme..];
        }
    }
    out.push_str(&escape(rest));
    out
}

/// Parses `[label](url)` at the start of `s` when the label is on one line and the url is
/// an http(s) URL without spaces or quotes. Returns the label, the url and the bytes used.
fn markdown_link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let label = &s[1..close];
    if label.is_empty() || label.contains(['\n', '[', ']']) {
        return None;
    }
    let after = &s[close + 2..];
    let end = after.find(')')?;
    let url = &after[..end];
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() <= 8 || url.contains(|c: char| ends_url(c) || c == '(') {
        return None;
    }
    Some((label, url, close + 2 + end + 1))
}

/// A complete page: `title` is plain text (escaped here), `body` is trusted HTML built by
/// the caller from escaped parts. `viewer` is the signed-in login, if any.
pub(crate) fn layout(title: &str, viewer: Option<&str>, body: &str) -> String {
    let who = match viewer {
        Some(login) => format!(
            "Signed in as <strong>{}</strong> · <a href=\"/\">switch user</a>",
            escape(login)
        ),
        None => "<a href=\"/\">Pick a user name</a>".to_string(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/_forge/style.css\">\
         <script src=\"/_forge/live.js\" defer></script></head>\
         <body><header><a class=\"brand\" href=\"/\">Janus local forge</a><span class=\"who\">{who}</span></header>\
         <main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// An HTML response with the page CSP and no caching.
pub(crate) fn page(status: StatusCode, html: String) -> Response {
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// A short error page.
pub(crate) fn error_page(status: StatusCode, viewer: Option<&str>, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the start page</a></p>",
        status.as_u16(),
        escape(message)
    );
    page(
        status,
        layout(
            &format!("{} — Janus local forge", status.as_u16()),
            viewer,
            &body,
        ),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

pub(crate) async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

pub(crate) async fn live_js() -> Response {
    asset("text/javascript; charset=utf-8", LIVE_JS)
}

const STYLE_CSS: &str = r#"body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{display:flex;justify-content:space-between;padding:.6em 1.2em;background:#24292f;color:#fff}
header a{color:#fff}.brand{font-weight:600;text-decoration:none}
main{max-width:860px;margin:1.5em auto;padding:0 1em}
.box{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:1em 0}
.box>.head{padding:.5em 1em;background:#f6f8fa;border-bottom:1px solid #d0d7de;border-radius:6px 6px 0 0}
.text{padding:.8em 1em;white-space:pre-wrap;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .5em;border:1px solid #d0d7de;border-radius:1em;font-size:.8em}
.open{background:#1f883d;color:#fff}.closed{background:#8250df;color:#fff}
ul.issues{list-style:none;padding:0}ul.issues li{padding:.5em 1em;border-bottom:1px solid #d0d7de}
textarea{width:100%;min-height:8em;box-sizing:border-box;font:inherit}
input[type=text]{font:inherit;width:100%;box-sizing:border-box}
code,.token{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.notice{padding:.5em 1em;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px}
[hidden]{display:none}
"#;

/// Reloads an issue page when the issue or its comments change (checked every 3 s with
/// conditional requests, so idle checks cost nothing), unless the viewer is typing: then it
/// shows a notice instead.
const LIVE_JS: &str = r#"'use strict';
(function () {
  var el = document.getElementById('live');
  if (!el) return;
  var api = el.getAttribute('data-api');
  var base = null;
  function sig() {
    return Promise.all([
      fetch(api, { cache: 'no-cache' }).then(function (r) { return r.json(); }),
      fetch(api + '/comments?per_page=100', { cache: 'no-cache' }).then(function (r) { return r.json(); })
    ]).then(function (v) {
      return v[0].state + ' ' + v[0].updated_at + ' ' + v[1].map(function (c) { return c.id + '@' + c.updated_at; }).join(',');
    });
  }
  function tick() {
    sig().then(function (s) {
      if (base === null) { base = s; return; }
      if (s === base) return;
      var box = document.getElementById('new_comment_field');
      if (box && box.value.trim() !== '') { document.getElementById('live-notice').hidden = false; }
      else { window.location.reload(); }
    }).catch(function () {});
  }
  tick();
  setInterval(tick, 3000);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape("<script>alert('x')&\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn renders_links_safely() {
        let html = render_text("see https://example.com/a?b=1&c=2#frag, ok.\n<b>x</b>");
        assert!(
            html.contains("<a href=\"https://example.com/a?b=1&amp;c=2#frag\""),
            "{html}"
        );
        assert!(
            html.contains(">https://example.com/a?b=1&amp;c=2#frag</a>, ok.\n&lt;b&gt;"),
            "{html}"
        );
        let html = render_text("(http://x.y/z) javascript:alert(1) http://\"onmouseover=alert(1)");
        assert!(html.contains("(<a href=\"http://x.y/z\""), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("\"onmouseover"), "{html}");
        assert_eq!(render_text("http://"), "http://");
        assert_eq!(render_text("ünïcode http://é.fr/ü ok"), "ünïcode <a href=\"http://é.fr/ü\" rel=\"nofollow noopener noreferrer\">http://é.fr/ü</a> ok");
    }

    #[test]
    fn renders_markdown_links_with_their_label_and_nothing_else() {
        assert_eq!(
            render_text("go [Open the chat](http://h/g/#offer=x&y=1) now"),
            "go <a href=\"http://h/g/#offer=x&amp;y=1\" rel=\"nofollow noopener noreferrer\">Open the chat</a> now"
        );
        let html = render_text("[<b>](http://x.y/\"onclick=1) [x](javascript:alert(1)) [a]");
        assert!(
            !html.contains("<b>") && !html.contains("href=\"javascript"),
            "{html}"
        );
        assert!(html.ends_with("[a]"), "{html}");
    }

    #[test]
    fn hides_html_comments_but_not_unterminated_ones() {
        assert_eq!(
            render_text("hi <!-- janus:offer sid=1 --> there"),
            "hi  there"
        );
        assert_eq!(render_text("a <!-- b"), "a &lt;!-- b");
    }
}
