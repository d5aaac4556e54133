//! One blog post: front matter parsing, slug and date rules, and the rendered result.
//!
//! Pure code: takes a file's stem and text, returns a [`Post`] plus warnings for the store
//! to log. A post file looks like:
//! ```text
//! ---
//! title: Hello
//! date: 2026-11-20
//! summary: optional one line
//! ---
//! Markdown body
//! ```
//! Rules (chosen to serve rather than reject what a maintainer drops in the folder):
//! - no front matter (or no closing `---`): the whole file is the body;
//! - missing title: the slug is the title;
//! - missing or invalid date (not a real `YYYY-MM-DD` day): date `""`, sorted after all
//!   dated posts, with a warning;
//! - summary: front matter `summary` (up to [`MAX_SUMMARY_CHARS`]), else the first
//!   paragraph's text cut to about [`DERIVED_SUMMARY_CHARS`];
//! - values may be wrapped in matching `"` or `'`; unknown keys are ignored.

use crate::rtc::protocol::{self, Frame, PostSummary, MAX_FRAME_BYTES};

use super::render::{clean_line, first_paragraph_text, render_markdown, truncate_chars};

/// Longest title kept, in characters: index frames must stay small.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest explicit (front matter) summary kept, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;
/// Length a summary derived from the first paragraph is cut to, in characters.
pub const DERIVED_SUMMARY_CHARS: usize = 160;
/// Longest slug accepted, in characters.
pub const MAX_SLUG_CHARS: usize = 100;

/// A post ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// File stem; what the guest asks for in `blog.get`.
    pub slug: String,
    /// Display title, one line, bounded.
    pub title: String,
    /// `YYYY-MM-DD`, or `""` when the file has no valid date (sorted last).
    pub date: String,
    /// One-line plain-text summary for the index.
    pub summary: String,
    /// Sanitized HTML body; replaced by a short notice if the `blog.post` frame would exceed
    /// the 64 KiB data-channel limit, so the guest gets an explanation instead of silence.
    pub html: String,
}

impl Post {
    /// The entry for `blog.index`.
    pub fn summary_entry(&self) -> PostSummary {
        PostSummary {
            slug: self.slug.clone(),
            title: self.title.clone(),
            date: self.date.clone(),
            summary: self.summary.clone(),
        }
    }

    /// The `blog.post` frame.
    pub fn frame(&self) -> Frame {
        Frame::BlogPost {
            slug: self.slug.clone(),
            title: self.title.clone(),
            date: self.date.clone(),
            html: self.html.clone(),
        }
    }
}

/// Whether `slug` may name a post: 1–100 characters of `a-z 0-9 - _`. This also makes path
/// traversal impossible (no `/`, `\`, `.`).
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_CHARS
        && slug
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
}

/// `Some(date)` if `text` is a real calendar day written `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()?;
    Some(text.to_string())
}

/// Front matter fields Janus reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    /// `title:` as written (trimmed, unquoted).
    pub title: Option<String>,
    /// `date:` as written.
    pub date: Option<String>,
    /// `summary:` as written.
    pub summary: Option<String>,
}

/// Splits a file into front matter and body. Without a well-formed block (opening `---` on
/// the first line, closing `---` or `...` on its own line) the whole text is the body.
pub fn split_front_matter(text: &str) -> (FrontMatter, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return (FrontMatter::default(), text);
    };
    if first.trim_end() != "---" {
        return (FrontMatter::default(), text);
    }
    let mut matter = FrontMatter::default();
    let mut offset = first.len();
    for line in lines {
        offset += line.len();
        let trimmed = line.trim();
        if trimmed == "---" || trimmed == "..." {
            return (matter, &text[offset..]);
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let value = unquote(value.trim()).to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "title" => matter.title = Some(value),
            "date" => matter.date = Some(value),
            "summary" | "description" => matter.summary = Some(value),
            _ => {}
        }
    }
    (FrontMatter::default(), text)
}

/// Strips one pair of matching surrounding quotes.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Builds a post from a file's stem and text. Returns the post and the warnings worth
/// logging (invalid date, body too large for one frame).
pub fn build_post(slug: &str, text: &str) -> (Post, Vec<String>) {
    let mut warnings = Vec::new();
    let (matter, body) = split_front_matter(text);
    let title = matter
        .title
        .map(|t| truncate_chars(&clean_line(&t), MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| slug.to_string());
    let date = match matter.date.as_deref().map(str::trim) {
        Some(raw) => parse_date(raw).unwrap_or_else(|| {
            warnings.push(format!(
                "date `{}` is not a valid YYYY-MM-DD day; the post is listed last",
                truncate_chars(&clean_line(raw), 40)
            ));
            String::new()
        }),
        None => {
            warnings.push("no `date:` in the front matter; the post is listed last".into());
            String::new()
        }
    };
    let summary = match matter
        .summary
        .map(|s| clean_line(&s))
        .filter(|s| !s.is_empty())
    {
        Some(explicit) => truncate_chars(&explicit, MAX_SUMMARY_CHARS),
        None => truncate_chars(&first_paragraph_text(body), DERIVED_SUMMARY_CHARS),
    };
    let mut post = Post {
        slug: slug.to_string(),
        title,
        date,
        summary,
        html: render_markdown(body),
    };
    let size = protocol::encode(&post.frame()).len();
    if size > MAX_FRAME_BYTES {
        warnings.push(format!(
            "rendered post is {} KiB, over the 64 KiB data-channel frame limit; guests see a notice instead. Split the post",
            size / 1024
        ));
        post.html = format!(
            "<p>This post is too large to send over the chat channel ({} KiB; the limit is 64 KiB). Ask the host to split it.</p>",
            size / 1024
        );
    }
    (post, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter() {
        let text = "---\ntitle: Hello: world\ndate: 2026-11-20\nsummary: \"One line\"\nextra: x\n---\nBody *here*\n";
        let (matter, body) = split_front_matter(text);
        assert_eq!(matter.title.as_deref(), Some("Hello: world"));
        assert_eq!(matter.date.as_deref(), Some("2026-11-20"));
        assert_eq!(matter.summary.as_deref(), Some("One line"));
        assert_eq!(body, "Body *here*\n");

        let crlf = "\u{feff}---\r\ntitle: 'Quoted'\r\n...\r\nBody\r\n";
        let (matter, body) = split_front_matter(crlf);
        assert_eq!(matter.title.as_deref(), Some("Quoted"));
        assert_eq!(body, "Body\r\n");
    }

    #[test]
    fn without_front_matter_the_whole_file_is_body() {
        for text in [
            "Just text\n",
            "---\ntitle: never closed\nbody",
            "",
            "--- \n",
        ] {
            let (matter, body) = split_front_matter(text);
            assert_eq!(matter, FrontMatter::default(), "{text:?}");
            assert_eq!(body, text);
        }
    }

    #[test]
    fn builds_posts_with_fallbacks() {
        let (post, warnings) = build_post(
            "hello",
            "---\ntitle: Hi\ndate: 2026-02-03\n---\n# Top\n\nFirst paragraph.\n\nSecond.",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(post.title, "Hi");
        assert_eq!(post.date, "2026-02-03");
        assert_eq!(post.summary, "First paragraph.");
        assert!(post.html.contains("<h1>Top</h1>"));

        let (post, warnings) = build_post("bare", "no front matter\x1b[2J here");
        assert_eq!((post.title.as_str(), post.date.as_str()), ("bare", ""));
        assert_eq!(post.summary, "no front matter [2J here");
        assert_eq!(warnings.len(), 1);

        let (post, warnings) = build_post("bad-date", "---\ntitle: \ndate: 2026-02-30\n---\nx");
        assert_eq!((post.title.as_str(), post.date.as_str()), ("bad-date", ""));
        assert!(warnings[0].contains("2026-02-30"), "{warnings:?}");
    }

    #[test]
    fn dates_are_real_days() {
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01x",
            "2026/01/01",
            "+026-01-01",
            "",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_are_restricted() {
        for good in ["welcome", "2026-11-20-hi", "a_b"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in [
            "",
            "Welcome",
            "../etc/passwd",
            "a/b",
            "a\\b",
            "..",
            "a.b",
            "é",
            &"a".repeat(101),
        ] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn oversized_posts_become_a_notice() {
        let body = "word ".repeat(20_000);
        let (post, warnings) = build_post(
            "big",
            &format!("---\ntitle: Big\ndate: 2026-01-01\n---\n{body}"),
        );
        assert!(post.html.contains("too large"), "{}", &post.html[..80]);
        assert!(protocol::encode(&post.frame()).len() <= MAX_FRAME_BYTES);
        assert_eq!(warnings.len(), 1);
    }
}
