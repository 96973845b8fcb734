//! Check stage, content rules for analysis posts: citation or sources present, highlights
//! count, title and summary length, `updated` not before `date`, dates not in the future,
//! heading levels (no H1 in a body, no skipped level), duplicate slugs, authors with a bio.
//!
//! Input: the indexed site, the posts left out as scheduled (with their texts) and "now".
//! Output: located diagnostics (front matter key line and value column, heading line), all
//! warnings or errors as the rule registry's defaults say; levels are applied afterwards.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{Timestamp, Zoned};

use crate::config::CheckConfig;
use crate::error::Diagnostic;
use crate::model::{BodyHeading, Site};

/// A post left out because it is dated in the future, with its text.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// Site-relative source path.
    pub source: String,
    /// Its date.
    pub date: Zoned,
    /// File text (for the `date:` line and snippets).
    pub text: Arc<str>,
}

/// Runs the content rules.
pub fn check(site: &Site, scheduled: &[Scheduled], now: Timestamp) -> Vec<Diagnostic> {
    let c = &site.config.check;
    let mut out = Vec::new();
    for p in &site.posts {
        let at = |key: &str| p.key_at(key);
        let diag = |d: Diagnostic, (l, col): (usize, usize)| {
            d.at_path(&p.source).at(l, col).with_source(p.text.clone())
        };
        // A missing key is reported at the front matter's closing `---`, where it would go.
        let closing = || {
            crate::front_matter::split(&p.text)
                .map(|s| (s.body_line.saturating_sub(1).max(1), 1))
                .unwrap_or((1, 1))
        };
        if p.citation.as_deref().is_none_or(|s| s.trim().is_empty()) && p.sources.is_empty() {
            let at = if p.key_pos.contains_key("citation") {
                at("citation")
            } else {
                closing()
            };
            out.push(diag(
                Diagnostic::warning("missing-citation", "post has neither `citation:` nor `sources:`")
                    .with_help("name what the analysis rests on: citation: \"Wall Street Journal, Jan. 26, 2026\", or a `sources:` list of {title, publisher, url, date}"),
                at,
            ));
        }
        highlights(c, p.highlights.len(), &mut |d| {
            let pos = if p.key_pos.contains_key("highlights") {
                at("highlights")
            } else {
                closing()
            };
            out.push(diag(d, pos));
        });
        if let Some(d) = title_length(c, &p.title) {
            out.push(diag(d, at("title")));
        }
        if let Some(s) = &p.summary_text
            && let Some(d) = summary_length(c, s)
        {
            out.push(diag(d, at("summary")));
        }
        if let Some(u) = &p.updated {
            if let Some(d) = updated_before(&p.date, u) {
                out.push(diag(d, at("updated")));
            }
            if u.timestamp() > now {
                out.push(diag(future("updated", u, false), at("updated")));
            }
        }
        if p.date.timestamp() > now {
            out.push(diag(future("date", &p.date, false), at("date")));
        }
        for d in headings(&p.body.headings) {
            out.push(d.at_path(&p.source).with_source(p.text.clone()));
        }
    }
    for p in &site.pages {
        let at = |key: &str| p.key_pos.get(key).copied().unwrap_or((1, 1));
        let diag = |d: Diagnostic, (l, col): (usize, usize)| {
            d.at_path(&p.source).at(l, col).with_source(p.text.clone())
        };
        if let Some(d) = title_length(c, &p.title) {
            out.push(diag(d, at("title")));
        }
        if let Some(s) = &p.summary_text
            && let Some(d) = summary_length(c, s)
        {
            out.push(diag(d, at("summary")));
        }
        if let (Some(date), Some(u)) = (&p.date, &p.updated)
            && let Some(d) = updated_before(date, u)
        {
            out.push(diag(d, at("updated")));
        }
        for d in headings(&p.body.headings) {
            out.push(d.at_path(&p.source).with_source(p.text.clone()));
        }
    }
    for s in scheduled {
        let (l, col) = key_line(&s.text, "date").unwrap_or((1, 1));
        out.push(
            future("date", &s.date, true)
                .at_path(&s.source)
                .at(l, col)
                .with_source(s.text.clone()),
        );
    }
    duplicate_slugs(site, &mut out);
    author_bios(site, &mut out);
    out
}

fn highlights(c: &CheckConfig, n: usize, push: &mut dyn FnMut(Diagnostic)) {
    let (min, max) = (c.highlights_min, c.highlights_max);
    if n >= min && n <= max {
        return;
    }
    let msg = match n {
        0 => format!("post has no highlights (expected {min}–{max})"),
        1 => format!("post has 1 highlight (expected {min}–{max})"),
        n => format!("post has {n} highlights (expected {min}–{max})"),
    };
    push(
        Diagnostic::warning("highlights-count", msg).with_help(format!(
            "the Highlights box reads best with {min} to {max} one-sentence points; the range is [check] highlights_min / highlights_max in site.toml"
        )),
    );
}

fn title_length(c: &CheckConfig, title: &str) -> Option<Diagnostic> {
    let n = title.chars().count();
    (n > c.title_max).then(|| {
        Diagnostic::warning(
            "title-length",
            format!(
                "title is {n} characters; search results cut titles after about {}",
                c.title_max
            ),
        )
        .with_help(format!(
            "shorten it to {} characters or fewer ([check] title_max in site.toml)",
            c.title_max
        ))
    })
}

fn summary_length(c: &CheckConfig, summary: &str) -> Option<Diagnostic> {
    let n = summary.chars().count();
    (n > c.description_max).then(|| {
        Diagnostic::warning(
            "summary-length",
            format!(
                "summary is {n} characters; search results show about {}",
                c.description_max
            ),
        )
        .with_help(format!(
            "keep the summary to {} characters or fewer ([check] description_max in site.toml)",
            c.description_max
        ))
    })
}

fn updated_before(date: &Zoned, updated: &Zoned) -> Option<Diagnostic> {
    (updated.timestamp() < date.timestamp()).then(|| {
        Diagnostic::error(
            "updated-before-date",
            format!(
                "`updated` ({}) is before `date` ({})",
                crate::values::rfc3339(updated),
                crate::values::rfc3339(date)
            ),
        )
        .with_help("`updated` is when the post last changed, so it comes after `date`; check the year and month")
    })
}

fn future(key: &str, d: &Zoned, left_out: bool) -> Diagnostic {
    let when = crate::values::rfc3339(d);
    let (msg, help) = if left_out {
        (
            format!("`{key}` {when} is in the future: `build` leaves the post out until then"),
            "that is how a post is scheduled; if it is a typo, correct the date (`smelt build --future` publishes it now)",
        )
    } else {
        (
            format!("`{key}` {when} is in the future"),
            "check the year and month",
        )
    };
    Diagnostic::warning("future-date", msg).with_help(help)
}

/// H1s in a body (the page title is the H1) and skipped levels (the title counts as level 1).
fn headings(hs: &[BodyHeading]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut prev = 1u8;
    for h in hs {
        if h.level == 1 {
            out.push(
                Diagnostic::warning(
                    "heading-h1",
                    "H1 heading in the body: the title is already the page's H1",
                )
                .at(h.line, 1)
                .with_help("use `##` for the top sections of a post"),
            );
        } else if h.level > prev + 1 {
            let from = if prev == 1 {
                "the title (H1)".to_string()
            } else {
                format!("H{prev}")
            };
            out.push(
                Diagnostic::warning(
                    "heading-skip",
                    format!("heading level skips from {from} to H{}", h.level),
                )
                .at(h.line, 1)
                .with_help(format!(
                    "use {} here (screen readers and the table of contents follow the levels)",
                    "#".repeat(usize::from(prev) + 1)
                )),
            );
        }
        prev = h.level;
    }
    out
}

/// Posts sharing a slug under different URLs (the same URL is already an error).
fn duplicate_slugs(site: &Site, out: &mut Vec<Diagnostic>) {
    let mut by_slug: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in site.posts.iter().enumerate() {
        by_slug.entry(&p.slug).or_default().push(i);
    }
    for (slug, mut ids) in by_slug {
        if ids.len() < 2 {
            continue;
        }
        ids.sort_by(|&a, &b| site.posts[a].source.cmp(&site.posts[b].source));
        let first = &site.posts[ids[0]];
        for &i in &ids[1..] {
            let p = &site.posts[i];
            if p.path == first.path {
                continue;
            }
            let (l, c) = if p.key_pos.contains_key("slug") {
                p.key_at("slug")
            } else {
                (1, 1)
            };
            out.push(
                Diagnostic::warning(
                    "duplicate-slug",
                    format!(
                        "slug `{slug}` is also the slug of {} ({} and {})",
                        first.source, p.path, first.path
                    ),
                )
                .at_path(&p.source)
                .at(l, c)
                .with_help("give one of them its own `slug:` so readers and search engines can tell them apart")
                .with_source(p.text.clone()),
            );
        }
    }
}

/// Authors with no bio: file authors at their file; inline authors at the first post that
/// names them.
fn author_bios(site: &Site, out: &mut Vec<Diagnostic>) {
    for (a, author) in site.authors.iter().enumerate() {
        if !author.bio_text.trim().is_empty() {
            continue;
        }
        let d = Diagnostic::warning("author-bio", format!("author `{}` has no bio", author.name));
        match &author.source {
            Some(src) => out.push(d.at_path(src).at(1, 1).with_help(format!(
                "write a short bio as the body of {src}, below the front matter"
            ))),
            None => {
                let Some(&pi) = site.author_posts.get(a).and_then(|ps| ps.last()) else {
                    out.push(d.with_help("add `bio:` to the inline author"));
                    continue;
                };
                let p = &site.posts[pi];
                // At the author's own entry when `author:` is a list.
                let items = crate::front_matter::item_positions(&p.text, "author");
                let entry = p.author_refs.iter().position(|r| {
                    matches!(r, crate::model::AuthorRef::Inline(x)
                        if crate::slug::slugify_or(&x.name, "author") == author.id)
                });
                let (l, c) = match entry.and_then(|i| items.get(i)) {
                    Some(&at) if p.author_refs.len() > 1 && items.len() == p.author_refs.len() => {
                        at
                    }
                    _ => p.key_at("author"),
                };
                out.push(
                    d.at_path(&p.source)
                        .at(l, c)
                        .with_help(format!(
                            "add `bio:` to the inline author, or create content/authors/{}.md with a bio and write `author: {}`",
                            author.id, author.id
                        ))
                        .with_source(p.text.clone()),
                );
            }
        }
    }
}

/// 1-based (line, value column) of a top-level front matter key in a text.
fn key_line(text: &str, key: &str) -> Option<(usize, usize)> {
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim_end() == "---" {
            return None;
        }
        if let Some(rest) = line.strip_prefix(key)
            && let Some(v) = rest.strip_prefix(':')
        {
            let col = key.chars().count() + 2 + (v.len() - v.trim_start().len());
            return Some((i + 1, col));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, line: usize) -> BodyHeading {
        BodyHeading {
            level,
            id: String::new(),
            line,
        }
    }

    #[test]
    fn heading_rules() {
        let ds = headings(&[h(2, 5), h(4, 7), h(3, 9), h(1, 11), h(3, 12)]);
        let got: Vec<(&str, Option<usize>)> = ds.iter().map(|d| (d.rule, d.line)).collect();
        assert_eq!(
            got,
            vec![
                ("heading-skip", Some(7)),
                ("heading-h1", Some(11)),
                ("heading-skip", Some(12))
            ]
        );
        assert_eq!(ds[0].message, "heading level skips from H2 to H4");
        assert!(headings(&[h(2, 1), h(3, 2), h(2, 3)]).is_empty());
        assert_eq!(
            headings(&[h(3, 4)])[0].message,
            "heading level skips from the title (H1) to H3"
        );
    }

    #[test]
    fn highlight_bounds() {
        let c = CheckConfig::default();
        let mut got = Vec::new();
        for n in [0, 1, 2, 5, 6] {
            highlights(&c, n, &mut |d| got.push((n, d.message)));
        }
        assert_eq!(
            got,
            vec![
                (0, "post has no highlights (expected 2–5)".to_string()),
                (1, "post has 1 highlight (expected 2–5)".to_string()),
                (6, "post has 6 highlights (expected 2–5)".to_string()),
            ]
        );
    }

    #[test]
    fn key_line_finds_value_column() {
        let t = "---\ntitle: x\ndate:  2030-01-01\n---\ndate: body\n";
        assert_eq!(key_line(t, "date"), Some((3, 8)));
        assert_eq!(key_line(t, "slug"), None);
    }
}
