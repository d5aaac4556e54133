//! Markdown → sanitized HTML for blog posts, and plain-text summaries.
//!
//! Posts are written by the maintainer, but what reaches a guest must be safe even if a
//! post was pasted from somewhere hostile, so every rendering goes through an explicit
//! ammonia allow-list. What survives (everything else is dropped):
//! - tags: text structure (`p h1–h6 blockquote ul ol li dl dt dd hr br pre code kbd`),
//!   inline emphasis (`em strong b i del s ins mark sub sup small q abbr cite`), tables,
//!   links and images. No `script style iframe object embed form input svg math …`:
//!   those are removed together with their content.
//! - attributes: `a[href title]`, `img[src alt title width height]`, `ol[start]`,
//!   `abbr[title]`, and `th/td[style]` restricted to `text-align` (table alignment).
//!   No `id`, `class` or event handlers anywhere.
//! - URLs: `http`, `https`, `mailto` in links; `http`, `https` and raster
//!   `data:image/{png,jpeg,gif,webp}` in images (self-contained posts need no third-party
//!   fetch; SVG is refused). Relative URLs are dropped: the post is shown in a sandboxed
//!   frame on the guest's page, where they would resolve against the wrong site.
//! - links get `rel="noopener noreferrer nofollow"` and `target="_blank"`.
//!
//! Note that `http(s)` images are fetched by the guest's browser, revealing the guest's
//! address to that server; prefer `data:` images for sensitive audiences.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Markdown extensions enabled for posts.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Renders Markdown to HTML that is safe to show a guest (see the module docs).
pub fn render_markdown(md: &str) -> String {
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(md, options()));
    sanitize_html(&html)
}

/// Sanitizes an HTML fragment with the blog allow-list.
pub fn sanitize_html(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// The allow-list, built once.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(build_sanitizer)
}

fn build_sanitizer() -> ammonia::Builder<'static> {
    let tags: HashSet<&str> = [
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
    ]
    .into_iter()
    .collect();
    // Removed with everything inside them, so no script text or CSS leaks out as prose.
    let drop_with_content: HashSet<&str> = [
        "script", "style", "iframe", "object", "embed", "applet", "template", "noscript",
        "noembed", "noframes", "frameset", "frame", "svg", "math", "form", "textarea", "select",
        "button", "title", "xmp",
    ]
    .into_iter()
    .collect();
    let attrs = |names: &[&'static str]| names.iter().copied().collect::<HashSet<&str>>();
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        ("a", attrs(&["href", "title"])),
        ("img", attrs(&["src", "alt", "title", "width", "height"])),
        ("ol", attrs(&["start"])),
        ("abbr", attrs(&["title"])),
        ("th", attrs(&["style"])),
        ("td", attrs(&["style"])),
    ]
    .into_iter()
    .collect();

    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .clean_content_tags(drop_with_content)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto", "data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .filter_style_properties(["text-align"].into_iter().collect())
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
}

/// Second pass over attributes that passed the allow-list: `data:` URLs survive only as
/// raster images in `img[src]`, and `mailto:` only in links.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    if !matches!(attribute, "href" | "src") {
        return Some(Cow::Borrowed(value));
    }
    // Parse as the browser (and ammonia) would: this strips tabs/newlines and lowercases
    // the scheme, so `DA\tTA:` cannot sneak past a textual check.
    let scheme = url::Url::parse(value).map(|u| u.scheme().to_string()).ok();
    match (element, attribute, scheme.as_deref()) {
        ("img", "src", Some("data")) if is_raster_data_image(value) => Some(Cow::Borrowed(value)),
        (_, _, Some("data")) => None,
        ("a", "href", Some("mailto")) => Some(Cow::Borrowed(value)),
        (_, _, Some("mailto")) => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Whether a `data:` URL declares a PNG, JPEG, GIF or WebP image.
fn is_raster_data_image(value: &str) -> bool {
    let cleaned: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "data:image/png",
        "data:image/jpeg",
        "data:image/gif",
        "data:image/webp",
    ]
    .iter()
    .any(|prefix| {
        cleaned
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(';') || rest.starts_with(','))
    })
}

/// Plain text of the first paragraph of a Markdown body (inline markup flattened, raw HTML
/// ignored), with whitespace collapsed. Empty if the body has no paragraph.
pub fn first_paragraph_text(md: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    clean_line(&text)
}

/// One line of display text: control characters become spaces, runs of whitespace collapse
/// to one space, ends are trimmed.
pub fn clean_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, cut at a word boundary when one is near, with `…` appended
/// when anything was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if cut[..space].chars().count() >= max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        at_word.trim_end_matches([' ', ',', ';', ':', '.', '-'])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_markdown() {
        let html = render_markdown(
            "# Title\n\nSome *em* and **strong** and ~~gone~~.\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n",
        );
        for needle in [
            "<h1>Title</h1>",
            "<em>em</em>",
            "<strong>strong</strong>",
            "<del>gone</del>",
            "<li>one</li>",
            "<pre><code>fn main() {}\n</code></pre>",
            "<table>",
            r#"<td style="text-align:center">1</td>"#,
        ] {
            assert!(html.contains(needle), "missing {needle} in {html}");
        }
    }

    #[test]
    fn links_get_rel_and_target() {
        let html = render_markdown("[site](https://example.com/x) and <mailto:a@b.c>");
        assert!(
            html.contains(r#"<a href="https://example.com/x" target="_blank" rel="noopener noreferrer nofollow">site</a>"#),
            "{html}"
        );
        assert!(html.contains(r#"href="mailto:a@b.c""#), "{html}");
    }

    #[test]
    fn sanitizer_corpus_is_neutralised() {
        let corpus = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<img src=\"https://ok.example/a.png\" onerror=\"alert(1)\">",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
            "<style>body{display:none}</style>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<td style=\"text-align:left;background:url(javascript:alert(1))\">x</td>",
            "<svg onload=alert(1)><circle r=1 /></svg>",
            "<svg><script>alert(1)</script></svg>",
            "<math><mtext><script>alert(1)</script></mtext></math>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<a href=\"data:image/png;base64,AAAA\">x</a>",
            "<img src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
            "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
            "<form action=\"https://evil.example\"><input name=p><button>go</button></form>",
            "<div onclick=\"alert(1)\" onmouseover=\"alert(1)\">x</div>",
            "<body onload=alert(1)>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<base href=\"https://evil.example/\"><link rel=stylesheet href=x.css>",
            "<details open ontoggle=alert(1)>x</details>",
            "<img src=\"/relative.png\"><a href=\"../up\">up</a>",
            "<!-- <script>alert(1)</script> -->",
            "<p id=\"app\" class=\"x\" data-x=\"1\">x</p>",
        ];
        let forbidden = [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "onmouseover",
            "ontoggle",
            "javascript:",
            "vbscript:",
            "<iframe",
            "srcdoc",
            "<style",
            "style=\"background",
            "<svg",
            "<math",
            "data:text",
            "data:image/svg",
            "<object",
            "<embed",
            "<form",
            "<input",
            "<button",
            "<meta",
            "<base",
            "<link",
            "<details",
            "alert(1)",
            "relative.png",
            "../up",
            "<!--",
            "id=",
            "class=",
            "data-x",
        ];
        for input in corpus {
            let html = render_markdown(input).to_ascii_lowercase();
            for bad in forbidden {
                assert!(!html.contains(bad), "{input:?} left {bad:?} in {html:?}");
            }
        }
    }

    #[test]
    fn raster_data_images_survive() {
        let html = render_markdown("![dot](data:image/png;base64,iVBORw0KGgo=)");
        assert!(
            html.contains(r#"<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">"#),
            "{html}"
        );
        let html = render_markdown("![pic](https://example.com/p.jpg \"t\")");
        assert!(
            html.contains(r#"src="https://example.com/p.jpg""#),
            "{html}"
        );
    }

    #[test]
    fn first_paragraph_and_truncation() {
        let md = "# Heading\n\nHello *there*, `code`\nnext line <b>x</b>.\n\nSecond.";
        assert_eq!(first_paragraph_text(md), "Hello there, code next line x.");
        assert_eq!(first_paragraph_text("# Only a heading"), "");
        assert_eq!(truncate_chars("short", 10), "short");
        let long = "word ".repeat(50);
        let cut = truncate_chars(long.trim(), 160);
        assert!(
            cut.chars().count() <= 160 && cut.ends_with("word…"),
            "{cut}"
        );
        assert_eq!(
            truncate_chars(&"é".repeat(300), 10),
            format!("{}…", "é".repeat(9))
        );
        assert_eq!(clean_line(" a\u{1b}[2J\tb \n c "), "a [2J b c");
    }
}
