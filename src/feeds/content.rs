//! Feed text hygiene: what goes into a feed entry must survive strict XML parsers and readers
//! that show it out of the site's context.
//!
//! Input: plain text or rendered post HTML. Output: the same text with every character XML 1.0
//! forbids removed (raw, or as a numeric character reference in HTML), and HTML whose
//! `href`/`src`/`srcset`/`poster`/`cite` URLs are absolute (resolved against the post's
//! permalink). Invariant: absolute URLs (`https:`, `mailto:`, `data:`…) are never changed.

use std::borrow::Cow;

use lol_html::{RewriteStrSettings, doc_comments, element, rewrite_str};
use url::Url;

use crate::pipeline::load::is_forbidden_char;

/// Removes the characters XML 1.0 forbids (C0 controls other than TAB/LF/CR, U+FFFE,
/// U+FFFF). Borrows when there is nothing to remove.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    // Every forbidden character is a C0 control (one byte below 0x20) or starts with the
    // byte 0xEF (U+FFFE, U+FFFF): text without those bytes needs no char-by-char look.
    let maybe = s
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
    if maybe && s.chars().any(is_forbidden_char) {
        Cow::Owned(s.chars().filter(|&c| !is_forbidden_char(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// `true` when a numeric character reference to code point `n` would be invalid in XML 1.0
/// (forbidden controls, surrogates, non-characters U+FFFE/U+FFFF, or beyond U+10FFFF).
fn forbidden_code_point(n: u32) -> bool {
    match char::from_u32(n) {
        Some(c) => is_forbidden_char(c),
        None => true,
    }
}

/// Removes raw forbidden characters and numeric character references to them (`&#7;`,
/// `&#x1F;`) from an HTML fragment; everything else is kept byte for byte.
pub fn clean_html(html: &str) -> Cow<'_, str> {
    let cleaned = clean_text(html);
    if !cleaned.contains("&#") {
        return cleaned;
    }
    let s: &str = &cleaned;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let after = &rest[2..];
        let (hex, digits_at) = match after.as_bytes().first() {
            Some(b'x' | b'X') => (true, 1),
            _ => (false, 0),
        };
        let digits: &str = {
            let d = &after[digits_at..];
            let end = d
                .find(|c: char| {
                    !(if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    })
                })
                .unwrap_or(d.len());
            &d[..end]
        };
        let consumed = 2 + digits_at + digits.len();
        let terminated = rest[consumed..].starts_with(';');
        let value = if digits.is_empty() || digits.len() > 8 {
            None
        } else {
            u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok()
        };
        match value {
            Some(n) if forbidden_code_point(n) => {
                // Drop the reference (and its `;`).
                rest = &rest[consumed + usize::from(terminated)..];
            }
            _ => {
                out.push_str("&#");
                rest = &rest[2..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// How one URL value is rewritten: `Some(new)` to replace it, `None` to keep it.
type Resolve = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Resolves a `srcset` list (`a.png 1x, b.png 2x`) candidate by candidate.
fn resolve_srcset(resolve: &Resolve, raw: &str) -> Option<String> {
    let mut changed = false;
    let parts: Vec<String> = raw
        .split(',')
        .map(|cand| {
            let cand = cand.trim();
            let (u, desc) = match cand.find(char::is_whitespace) {
                Some(i) => (&cand[..i], &cand[i..]),
                None => (cand, ""),
            };
            match resolve(u) {
                Some(a) => {
                    changed = true;
                    format!("{a}{desc}")
                }
                None => cand.to_string(),
            }
        })
        .collect();
    changed.then(|| parts.join(", "))
}

/// Applies `resolve` to every `href`, `src`, `srcset` candidate, `poster` and `cite` value
/// of `html`. Values are entity-decoded before and re-escaped after. On a rewriting failure
/// (lol_html only fails on pathological memory limits) the input is returned unchanged.
///
/// With `for_feeds`, the same pass also removes what only makes sense on the site: the
/// heading anchors (`<a class="heading-anchor">#</a>`, which a feed reader without the
/// site's CSS shows as a stray `#` after every heading) and HTML comments (such as the
/// placeholder `smelt new` writes).
fn rewrite_urls(html: &str, resolve: std::sync::Arc<Resolve>, for_feeds: bool) -> String {
    let attr_fix = |attr: &'static str, srcset: bool| {
        let resolve = resolve.clone();
        move |el: &mut lol_html::html_content::Element<'_, '_>| {
            if let Some(raw) = el.get_attribute(attr) {
                let decoded = html_escape::decode_html_entities(&raw);
                let fixed = if srcset {
                    resolve_srcset(&*resolve, &decoded)
                } else {
                    resolve(decoded.trim())
                };
                if let Some(v) = fixed {
                    el.set_attribute(attr, &html_escape::encode_double_quoted_attribute(&v))?;
                }
            }
            Ok(())
        }
    };
    let (href, src, srcset, poster, cite) = (
        attr_fix("href", false),
        attr_fix("src", false),
        attr_fix("srcset", true),
        attr_fix("poster", false),
        attr_fix("cite", false),
    );
    let mut element_content_handlers = vec![
        element!("[href]", move |el| href(el)),
        element!("[src]", move |el| src(el)),
        element!("[srcset]", move |el| srcset(el)),
        element!("[poster]", move |el| poster(el)),
        element!("[cite]", move |el| cite(el)),
    ];
    let mut document_content_handlers = Vec::new();
    if for_feeds {
        // Only the anchors smelt writes: last in a heading, pointing at it.
        element_content_handlers.push(element!(HEADING_ANCHORS, |el| {
            el.remove();
            Ok(())
        }));
        document_content_handlers.push(doc_comments!(|c| {
            c.remove();
            Ok(())
        }));
    }
    rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers,
            document_content_handlers,
            ..RewriteStrSettings::new()
        },
    )
    .unwrap_or_else(|_| html.to_string())
}

/// The heading anchors smelt writes (`<h2 id="x">Title <a class="heading-anchor"
/// href="#x">#</a></h2>`), and not a link of that class the author wrote elsewhere.
const HEADING_ANCHORS: &str = "h1 > a.heading-anchor[href^='#'][aria-label^='Link to this section: '], h2 > a.heading-anchor[href^='#'][aria-label^='Link to this section: '], h3 > a.heading-anchor[href^='#'][aria-label^='Link to this section: '], h4 > a.heading-anchor[href^='#'][aria-label^='Link to this section: '], h5 > a.heading-anchor[href^='#'][aria-label^='Link to this section: '], h6 > a.heading-anchor[href^='#'][aria-label^='Link to this section: ']";

/// Prepares post HTML for a feed entry: makes every URL absolute against `permalink` (an
/// absolute URL), that is relative (`chart.png`, `../other/`), root-relative
/// (`/sub/posts/x/`, which already carries the base path), protocol-relative and
/// fragment-only (`#fn-1`) values of `href`, `src`, `srcset`, `poster` and `cite` (URLs with
/// a scheme are kept), and removes heading anchors and HTML comments.
///
/// Returns the input unchanged when the permalink is not a valid URL.
pub fn feed_html(html: &str, permalink: &str) -> String {
    let Ok(base) = Url::parse(permalink) else {
        return html.to_string();
    };
    rewrite_urls(
        html,
        std::sync::Arc::new(move |v: &str| {
            if v.is_empty() || crate::config::is_absolute_url(v) && !v.starts_with("//") {
                return None;
            }
            base.join(v).ok().map(String::from)
        }),
        true,
    )
}

/// Resolves the page-relative URLs of `html` (`chart.png`, `../other/`, not `/…`, `#…` or
/// URLs with a scheme) against `page_path`, a root-relative URL path with the base path
/// (`/sub/posts/x/`), giving root-relative URLs (`/sub/posts/other/`). For HTML shown away
/// from its page, such as a post summary on a listing page. Borrows when nothing is
/// page-relative.
pub fn rebase_relative_urls<'h>(html: &'h str, page_path: &str) -> Cow<'h, str> {
    let relative = |v: &str| {
        !(v.is_empty() || v.starts_with(['/', '#', '?']) || crate::config::is_absolute_url(v))
    };
    let has_urls = ["href=", "src=", "srcset=", "poster=", "cite="]
        .iter()
        .any(|a| html.contains(a));
    let Ok(base) = Url::parse("http://site.invalid/").and_then(|u| u.join(page_path)) else {
        return Cow::Borrowed(html);
    };
    if !has_urls {
        return Cow::Borrowed(html);
    }
    let out = rewrite_urls(
        html,
        std::sync::Arc::new(move |v: &str| {
            if !relative(v) {
                return None;
            }
            let u = base.join(v).ok()?;
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            if let Some(f) = u.fragment() {
                out.push('#');
                out.push_str(f);
            }
            Some(out)
        }),
        false,
    );
    if out == html {
        Cow::Borrowed(html)
    } else {
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_go_and_others_stay() {
        assert_eq!(
            clean_text("a\u{7}b\u{1F}c\u{FFFE}d\te\u{1F600}"),
            "abcd\te\u{1F600}"
        );
        assert!(matches!(clean_text("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn forbidden_character_references_are_removed() {
        assert_eq!(
            clean_html("a&#7;b&#x1f;c&#X1F;d&#65;e&#xfffe;f&amp;g&#9;h"),
            "abcd&#65;ef&amp;g&#9;h"
        );
        assert_eq!(clean_html("&#;&#x;&#12"), "&#;&#x;");
        assert_eq!(
            clean_html("&#55296;x"),
            "x",
            "surrogates are not characters"
        );
    }

    #[test]
    fn urls_become_absolute_against_the_permalink() {
        let p = "https://example.org/blog/posts/first/";
        let html = r##"<p><a href="/blog/posts/second/">a</a> <a href="../second/">b</a> <a href="#fn-1">c</a> <img src="chart.png" srcset="chart.png 1x, /blog/big.png 2x"> <a href="https://x.org/?a=1&amp;b=2">d</a> <a href="mailto:a@b.c">e</a> <video poster="p.jpg"></video> <a href="/blog/q?a=1&amp;b=2">f</a></p>"##;
        let out = feed_html(html, p);
        for want in [
            r#"href="https://example.org/blog/posts/second/""#,
            r#"href="https://example.org/blog/posts/second/">b"#,
            r#"href="https://example.org/blog/posts/first/#fn-1""#,
            r#"src="https://example.org/blog/posts/first/chart.png""#,
            r#"srcset="https://example.org/blog/posts/first/chart.png 1x, https://example.org/blog/big.png 2x""#,
            r#"href="https://x.org/?a=1&amp;b=2""#,
            r#"href="mailto:a@b.c""#,
            r#"poster="https://example.org/blog/posts/first/p.jpg""#,
            r#"href="https://example.org/blog/q?a=1&amp;b=2""#,
        ] {
            assert!(out.contains(want), "missing {want} in {out}");
        }
    }

    #[test]
    fn feed_html_drops_heading_anchors_and_comments() {
        let html = "<h2 id=\"a\">Rare &amp; Earths <a class=\"heading-anchor\" href=\"#a\" aria-label=\"Link to this section: Rare &amp; Earths\">#</a></h2>\n<!-- Write the analysis here. -->\n<p>Text <a href=\"#a\">up</a>.</p>";
        assert_eq!(
            feed_html(html, "https://example.org/posts/x/"),
            "<h2 id=\"a\">Rare &amp; Earths </h2>\n\n<p>Text <a href=\"https://example.org/posts/x/#a\">up</a>.</p>"
        );
        // A link of that class the author wrote, in the text or in a heading, is kept.
        let own = "<p><a class=\"heading-anchor x\" href=\"/y/\">keep</a></p><h4 id=\"h\">H <a class=\"heading-anchor\" href=\"#mine\">own</a></h4>";
        assert_eq!(
            feed_html(own, "https://example.org/posts/x/"),
            "<p><a class=\"heading-anchor x\" href=\"https://example.org/y/\">keep</a></p><h4 id=\"h\">H <a class=\"heading-anchor\" href=\"https://example.org/posts/x/#mine\">own</a></h4>"
        );
        // Listing summaries keep both (they are shown on the site).
        assert_eq!(rebase_relative_urls(html, "/posts/x/"), html);
    }

    #[test]
    fn page_relative_urls_are_rebased_and_others_kept() {
        let html = r##"<p><a href="../second/">a</a> <img src="chart.png" alt=""> <a href="/blog/x/">b</a> <a href="#n">c</a> <a href="https://x.org/">d</a> <a href="data/a.csv?x=1&amp;y=2#t">e</a></p>"##;
        let out = rebase_relative_urls(html, "/blog/posts/first/");
        assert_eq!(
            out,
            r##"<p><a href="/blog/posts/second/">a</a> <img src="/blog/posts/first/chart.png" alt=""> <a href="/blog/x/">b</a> <a href="#n">c</a> <a href="https://x.org/">d</a> <a href="/blog/posts/first/data/a.csv?x=1&amp;y=2#t">e</a></p>"##
        );
        for kept in [
            "<p>No links here.</p>",
            "<p><a href=\"/blog/x/\">b</a> <a href=\"#n\">c</a></p>",
        ] {
            assert!(matches!(
                rebase_relative_urls(kept, "/blog/posts/first/"),
                Cow::Borrowed(_)
            ));
        }
        assert_eq!(
            rebase_relative_urls("<img src=map.png>", "/blog/posts/first/"),
            "<img src=\"/blog/posts/first/map.png\">"
        );
    }
}
