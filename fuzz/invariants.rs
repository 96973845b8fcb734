//! The invariants every fuzz target checks, one function per target: input bytes → panic on a
//! broken promise, nothing otherwise. Shared by the cargo-fuzz targets (`fuzz_targets/*.rs`)
//! and by the normal test suite (`tests/it/fuzz_replay.rs`), which replays `seeds/` and
//! `regressions/` and proptest-generated inputs through the same checks, so a machine without
//! cargo-fuzz still proves them on every committed input.
//!
//! Invariants: splitting front matter covers the input exactly (no byte lost or added); typed
//! front matter errors are located inside the file; Markdown → HTML never panics and its
//! summary is balanced HTML (every element closed, in order, no stray closer, no unclosed
//! comment); slugs are safe non-empty path segments and slugifying is idempotent; the whole
//! parse stage of one file yields safe slugs and `/…/` site paths.

#![allow(dead_code)]

use std::sync::Arc;

use smelt::config::Config;
use smelt::front_matter::{self, DocKind};
use smelt::markdown::{self, NoFiles, RenderInput};
use smelt::model::{SourceFile, SourceKind};
use smelt::pipeline::parse::{self, Publish};

/// An invariant: panics when the input breaks it.
pub type Invariant = fn(&[u8]);

/// The fuzz targets by name (the folder names under `seeds/` and `regressions/`) and the
/// invariant each one checks.
pub const TARGETS: &[(&str, Invariant)] = &[
    ("front_matter_split", front_matter_split),
    ("front_matter_parse", front_matter_parse),
    ("markdown_render", markdown_render),
    ("slugify", slugify),
    ("parse_file", parse_file),
];

/// The text the load stage would hand on, or `None` for bytes that are not UTF-8 (the load
/// stage rejects those with a located error before any other stage sees them).
fn text(data: &[u8]) -> Option<String> {
    std::str::from_utf8(data)
        .ok()
        .map(smelt::pipeline::load::normalize_text)
}

/// Splitting never panics, and the parts it returns cover the input exactly:
/// `opening + yaml + closing + body == text`, with the YAML before the body.
pub fn front_matter_split(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(s) = front_matter::split(&text) {
        assert!(
            s.yaml.start <= s.yaml.end && s.yaml.end <= s.body.start && s.body.end == text.len(),
            "{s:?} for {} bytes",
            text.len()
        );
        let joined = [
            &text[..s.yaml.start],
            &text[s.yaml.clone()],
            &text[s.yaml.end..s.body.start],
            &text[s.body.clone()],
        ]
        .concat();
        assert_eq!(joined, text, "split/join lost or added bytes");
    }
}

/// Front matter → typed fields never panics, for every document kind; every error has a
/// position inside the file.
pub fn front_matter_parse(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let text: Arc<str> = Arc::from(text);
    let Ok(split) = front_matter::split(&text) else {
        return;
    };
    let lines = text.split('\n').count().max(1);
    for kind in [DocKind::Post, DocKind::Page, DocKind::Author] {
        let parsed = front_matter::parse(
            &text,
            &split,
            kind,
            "content/posts/f.md",
            &jiff::tz::TimeZone::UTC,
        );
        if let Err(diags) = parsed {
            assert!(!diags.is_empty(), "an error without a diagnostic");
            for d in diags {
                assert!(d.line.unwrap_or(1) <= lines, "{d:?} is past line {lines}");
            }
        }
    }
}

/// Markdown → HTML (highlighting, footnotes, summary cut) never panics, with raw HTML on and
/// off; the summary is always balanced; with raw HTML off the whole body is balanced too and
/// inert (no script, no event handler, no script-capable URL).
pub fn markdown_render(data: &[u8]) {
    let Some(md) = text(data) else { return };
    for unsafe_html in [true, false] {
        let mut config = Config::default();
        config.markdown.unsafe_html = unsafe_html;
        if config.set_base_url("https://example.org/sub/").is_err() {
            panic!("the test base URL is valid");
        }
        let (body, _) = markdown::render(&RenderInput {
            markdown: &md,
            config: &config,
            source: "content/posts/f.md",
            first_line: 1,
            page_path: "/posts/f/",
            resolver: &NoFiles,
        });
        assert!(body.reading_minutes >= 1);
        if let Err(why) = check_balanced(&body.summary_html) {
            panic!(
                "summary is not balanced HTML ({why}): {:?}",
                body.summary_html
            );
        }
        if !unsafe_html {
            if let Err(why) = check_balanced(&body.html) {
                panic!(
                    "body with raw HTML off is not balanced ({why}): {:?}",
                    body.html
                );
            }
            if let Err(why) = check_inert(&body.html) {
                panic!(
                    "body with raw HTML off has live markup ({why}): {:?}",
                    body.html
                );
            }
        }
    }
}

/// Slugs are always safe, non-empty path segments and slugifying is idempotent.
pub fn slugify(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = smelt::slug::slugify_or(s, "x");
    assert!(smelt::slug::is_safe_segment(&out), "{s:?} -> {out:?}");
    assert_eq!(smelt::slug::slugify(&out), out);
}

/// The whole parse stage on one post file never panics; every post it yields has a safe slug
/// and a site path that starts and ends with `/` with no `.`/`..` segment.
pub fn parse_file(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let file = SourceFile {
        source: "content/posts/f.md".into(),
        kind: SourceKind::Post,
        stem: "f".into(),
        text: Arc::from(text),
        hash: [0; 32],
        assets: Vec::new(),
    };
    let publish = Publish {
        drafts: true,
        future: true,
        now: jiff::Timestamp::UNIX_EPOCH,
    };
    let parsed = parse::parse(std::slice::from_ref(&file), &Config::default(), publish);
    for p in &parsed.posts {
        assert!(smelt::slug::is_safe_segment(&p.slug), "{:?}", p.slug);
        assert!(
            p.path.starts_with('/') && p.path.ends_with('/'),
            "{:?}",
            p.path
        );
        assert!(
            p.path.split('/').all(|s| s != "." && s != ".."),
            "{:?}",
            p.path
        );
        if let Err(why) = check_balanced(&p.body.summary_html) {
            panic!(
                "summary is not balanced HTML ({why}): {:?}",
                p.body.summary_html
            );
        }
    }
}

/// Elements that run or embed active content.
const ACTIVE: &[&str] = &[
    "script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "form", "meta",
    "link", "style",
];

/// Attributes that hold a URL a browser loads or follows.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "srcset",
    "xlink:href",
    "background",
    "data",
];

/// `Ok` when the HTML fragment can run nothing: no active element, no `on…` event handler
/// attribute, no URL attribute with a scheme other than http(s), ftp(s), mailto or tel.
/// `Err` names the first offender.
pub fn check_inert(html: &str) -> Result<(), String> {
    let doc = scraper::Html::parse_fragment(html);
    for node in doc.tree.nodes() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name();
        if ACTIVE.contains(&name) {
            return Err(format!("<{name}> element"));
        }
        for (attr, value) in el.attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") {
                return Err(format!("<{name} {attr}=…> event handler"));
            }
            if URL_ATTRS.contains(&attr.as_str())
                && let Some(why) = smelt::front_matter::url_problem(value)
            {
                return Err(format!("<{name} {attr}={value:?}> {why}"));
            }
        }
    }
    Ok(())
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose content is raw text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// `Ok` when `html` is a balanced fragment: every start tag of a non-void element is closed by
/// its end tag in nesting order, no end tag closes something that is not open, comments are
/// closed, and raw-text elements (`<script>`, `<style>`…) end. `<x/>` counts as closed.
/// Tag names compare case-insensitively. `Err` says what is wrong and where (byte offset).
pub fn check_balanced(html: &str) -> Result<(), String> {
    let b = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        let rest = &html[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            match comment.find("-->") {
                Some(e) => i = at + 4 + e + 3,
                None => return Err(format!("unclosed comment at {at}")),
            }
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            match rest.find('>') {
                Some(e) => i = at + e + 1,
                None => return Err(format!("unclosed declaration at {at}")),
            }
            continue;
        }
        let closing = rest.starts_with("</");
        let name_start = at + if closing { 2 } else { 1 };
        let name_len = b[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
            .count();
        if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
            // `<` that starts no tag is text (`a < b` in raw HTML).
            i = at + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(html, name_start + name_len)
            .ok_or_else(|| format!("unterminated tag <{name} at {at}"))?;
        let self_closing = html[..end].ends_with("/>");
        i = end;
        if closing {
            match open.pop() {
                Some(top) if top == name => {}
                Some(top) => return Err(format!("</{name}> at {at} closes <{top}>")),
                None => return Err(format!("stray </{name}> at {at}")),
            }
            continue;
        }
        if name == "plaintext" {
            // Nothing ends it: the rest of the page would be its text.
            return Err(format!("<plaintext> at {at} never ends"));
        }
        if self_closing || VOID.contains(&name.as_str()) {
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let close = raw_text_end(html, end, &name)
                .ok_or_else(|| format!("<{name}> at {at} never ends"))?;
            i = tag_end(html, close + 2 + name.len())
                .ok_or_else(|| format!("unterminated </{name} at {close}"))?;
            continue;
        }
        open.push(name);
    }
    match open.last() {
        Some(top) => Err(format!("<{top}> is never closed ({} open)", open.len())),
        None => Ok(()),
    }
}

/// Where the end tag `</name` of a raw-text element whose content starts at `from` begins.
/// `<script>` follows the HTML tokenizer's script data states: inside `<!--`, a nested
/// `<script` makes the next `</script` part of the text (the "double escaped" state) until
/// `-->`; other raw-text elements end at their first end tag.
fn raw_text_end(html: &str, from: usize, name: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let b = lower.as_bytes();
    let is_tag_at = |k: usize, prefix: &str| {
        b[k..].starts_with(prefix.as_bytes())
            && matches!(
                b.get(k + prefix.len()),
                Some(b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')
            )
    };
    let end_tag = format!("</{name}");
    if name != "script" {
        return (from..b.len()).find(|&k| is_tag_at(k, &end_tag));
    }
    // 0 = script data, 1 = escaped (inside `<!--`), 2 = double escaped.
    let (mut state, mut dashes, mut k) = (0u8, 0usize, from);
    while k < b.len() {
        match state {
            0 if b[k..].starts_with(b"<!--") => {
                state = 1;
                dashes = 2;
                k += 4;
                continue;
            }
            0 | 1 if is_tag_at(k, "</script") => return Some(k),
            1 if is_tag_at(k, "<script") => {
                state = 2;
                dashes = 0;
                k += 7;
                continue;
            }
            2 if is_tag_at(k, "</script") => {
                state = 1;
                dashes = 0;
                k += 8;
                continue;
            }
            1 | 2 if b[k] == b'-' => dashes += 1,
            1 | 2 if b[k] == b'>' && dashes >= 2 => state = 0,
            _ => dashes = 0,
        }
        if b[k] != b'-' {
            dashes = 0;
        }
        k += 1;
    }
    None
}

/// The offset just after the `>` that ends a tag whose attributes start at `from`, following
/// the HTML tokenizer: a quote starts a quoted value only after `=` (`<div a"=x>` has an
/// attribute named `a"`); `None` when the input ends first.
fn tag_end(html: &str, from: usize) -> Option<usize> {
    let b = html.as_bytes();
    let mut k = from;
    let skip_space = |k: &mut usize| {
        while *k < b.len() && b[*k].is_ascii_whitespace() {
            *k += 1;
        }
    };
    loop {
        while k < b.len() && (b[k].is_ascii_whitespace() || b[k] == b'/') {
            k += 1;
        }
        match b.get(k)? {
            b'>' => return Some(k + 1),
            // An attribute name (its first character may be `=`).
            _ => k += 1,
        }
        while k < b.len() && !b[k].is_ascii_whitespace() && !matches!(b[k], b'/' | b'>' | b'=') {
            k += 1;
        }
        skip_space(&mut k);
        if b.get(k) != Some(&b'=') {
            continue;
        }
        k += 1;
        skip_space(&mut k);
        match *b.get(k)? {
            q @ (b'"' | b'\'') => k = k + 1 + html[k + 1..].find(q as char)? + 1,
            b'>' => return Some(k + 1),
            _ => {
                while k < b.len() && !b[k].is_ascii_whitespace() && b[k] != b'>' {
                    k += 1;
                }
            }
        }
    }
}
