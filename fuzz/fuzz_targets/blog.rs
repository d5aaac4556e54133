//! Fuzzes the blog: a post file's front matter and Markdown (`blog::post::build_post`, which
//! renders and sanitizes with `blog::render`), and the HTML sanitizer on raw HTML.
//!
//! Invariants beyond "never panics":
//! - sanitized HTML holds only the allow-listed tags and attributes (so no `<script`, no
//!   event handler, no `style` outside table cells), and every `href`/`src` is an
//!   `http(s)`/`mailto` link or a raster `data:image` (no `javascript:`);
//! - the post's title and summary are one bounded line without control characters, its
//!   date is empty or a real `YYYY-MM-DD` day, and its `blog.post` frame fits the 64 KiB
//!   frame limit (oversized posts become a notice);
//! - the body after the front matter is a suffix of the file.
#![no_main]

use janus::fuzz_api::{
    build_post, encode_frame, parse_date, sanitize_html, split_front_matter, MAX_FRAME_BYTES,
    MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
};
use libfuzzer_sys::fuzz_target;

/// Tags and attributes the blog's allow-list keeps (`src/blog/render.rs`), plus what the
/// sanitizer adds itself (`rel` and `target` on links).
fn allowed(tag: &str, attribute: &str) -> bool {
    match (tag, attribute) {
        ("a", "href" | "title" | "rel" | "target") => true,
        ("img", "src" | "alt" | "title" | "width" | "height") => true,
        ("ol", "start") | ("abbr", "title") | ("th" | "td", "style") => true,
        _ => false,
    }
}

const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Whether a URL attribute value is one the allow-list lets through, read as a browser
/// reads it (tabs and newlines removed, surrounding controls and spaces trimmed, scheme
/// case-insensitive): `http(s)` anywhere, `mailto` in links, `data` in images only (the
/// render module narrows those to raster types; an image cannot run script either way).
fn safe_url(tag: &str, value: &str) -> bool {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned
        .trim_matches(|c: char| c <= ' ')
        .to_ascii_lowercase();
    let Some((scheme, _)) = cleaned.split_once(':') else {
        return false;
    };
    match scheme {
        "http" | "https" => true,
        "mailto" => tag == "a",
        "data" => tag == "img",
        _ => false,
    }
}

/// Decodes the few entities the serializer writes in attribute values.
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Reads the sanitizer's output (html5ever's serializer: text escaped, attribute values in
/// double quotes, no comments) and checks every tag and attribute against the allow-list.
fn check_sanitized(html: &str) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len() - name_start);
        let tag = &rest[name_start..name_start + name_len];
        assert!(TAGS.contains(&tag), "tag <{tag}> in {html:?}");
        rest = &rest[name_start + name_len..];
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            if let Some(after) = rest.strip_prefix("/>") {
                rest = after;
                break;
            }
            assert!(!closing, "attributes on a closing tag in {html:?}");
            let name_len = rest.find(['=', '>', ' ']).expect("an attribute ends");
            let attribute = &rest[..name_len];
            assert!(
                allowed(tag, attribute),
                "attribute {attribute} on <{tag}> in {html:?}"
            );
            rest = &rest[name_len..];
            let Some(quoted) = rest.strip_prefix("=\"") else {
                continue;
            };
            let end = quoted.find('"').expect("a closing quote");
            let value = unescape(&quoted[..end]);
            rest = &quoted[end + 1..];
            match attribute {
                "href" | "src" => {
                    assert!(safe_url(tag, &value), "{attribute}={value:?} in {html:?}")
                }
                "style" => assert!(
                    value
                        .split(';')
                        .all(|d| d.trim().is_empty() || d.trim().starts_with("text-align")),
                    "style={value:?} in {html:?}"
                ),
                _ => {}
            }
        }
    }
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    check_sanitized(&sanitize_html(text));

    let (_, body) = split_front_matter(text);
    assert!(text.ends_with(body));
    let (post, _warnings) = build_post("fuzz-post", text);
    check_sanitized(&post.html);
    for line in [&post.title, &post.summary] {
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert_eq!(line.trim(), line.as_str());
    }
    assert!(post.title.chars().count() <= MAX_TITLE_CHARS);
    assert!(post.summary.chars().count() <= MAX_SUMMARY_CHARS);
    assert!(post.date.is_empty() || parse_date(&post.date).as_ref() == Some(&post.date));
    assert!(encode_frame(&post.frame()).len() <= MAX_FRAME_BYTES);
});
