//! Parse stage: [`SourceFile`]s → [`Parsed`] posts, pages and authors (rayon-parallel).
//!
//! Two passes. The first splits and types every file's front matter and fixes its slug and
//! permalink, so that the second — Markdown rendering — can turn links to other content files
//! into their URLs and links to unpublished posts into text. Every problem of every file is
//! reported; a file with errors is left out and the rest still parse.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::front_matter::{self, DocKind, FrontMatter, Split, SplitError};
use crate::markdown::{self, LinkResolver, RenderInput, Resolved};
use crate::model::{Author, AuthorRef, Body, Page, Post, SourceFile, SourceKind};
use crate::slug::slugify_or;

/// What to publish.
#[derive(Debug, Clone, Copy)]
pub struct Publish {
    /// Include posts and pages with `draft: true`.
    pub drafts: bool,
    /// Include posts dated after `now`.
    pub future: bool,
    /// The build's notion of "now" (scheduled posts are those after it).
    pub now: jiff::Timestamp,
}

impl Default for Publish {
    fn default() -> Self {
        Publish {
            drafts: false,
            future: false,
            now: jiff::Timestamp::now(),
        }
    }
}

/// What the parse stage produces.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Posts to publish, in source order.
    pub posts: Vec<Post>,
    /// Pages to publish, in source order.
    pub pages: Vec<Page>,
    /// Authors from `content/authors/`, in source order.
    pub authors: Vec<Author>,
    /// Posts and pages left out as drafts or scheduled (for `smelt list` and checks).
    pub unpublished: Vec<Unpublished>,
    /// Problems found.
    pub diags: Diagnostics,
    /// Ids (file stems) of the author files that failed to parse: their own errors say what
    /// is wrong, so a post naming one is not also reported as naming an unknown author.
    pub failed_authors: std::collections::HashSet<String>,
}

/// A post or page that parsed but is not published in this build.
#[derive(Debug, Clone)]
pub struct Unpublished {
    /// Site-relative source path.
    pub source: String,
    /// Title.
    pub title: String,
    /// Date, for posts.
    pub date: Option<jiff::Zoned>,
    /// `draft: true`.
    pub draft: bool,
    /// Dated in the future.
    pub scheduled: bool,
}

/// First-pass result for one file: its front matter, slug and permalink, and whether this
/// build publishes it. (Public so that `serve` can keep it between rebuilds.)
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Head {
    /// Index of the file in the slice given to [`parse`].
    pub file: usize,
    /// Where the front matter and body are in the file's text.
    pub split: Split,
    /// Typed front matter.
    pub fm: FrontMatter,
    /// Final slug.
    pub slug: String,
    /// Site path.
    pub path: String,
    /// Published in this build (see [`publication`]).
    pub publish: bool,
    /// Dated after `Publish::now`.
    pub scheduled: bool,
}

/// Resolves `.md` links against the first-pass results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolver {
    by_source: HashMap<String, Resolved>,
}

impl Resolver {
    /// The resolver of a set of first-pass results: every post and page by source path, as
    /// its site path when published, else as unpublished (authors are not link targets).
    pub fn new(heads: &[Head], files: &[SourceFile]) -> Resolver {
        Resolver {
            by_source: heads
                .iter()
                .filter(|h| files[h.file].kind != SourceKind::Author)
                .map(|h| (files[h.file].source.clone(), resolution(h)))
                .collect(),
        }
    }

    /// What a link to `source` (a site-relative source path) resolves to, if it is known.
    pub fn get(&self, source: &str) -> Option<&Resolved> {
        self.by_source.get(source)
    }
}

/// What links to the file of `head` resolve to: its site path when published.
pub fn resolution(head: &Head) -> Resolved {
    if head.publish {
        Resolved::Page(head.path.clone())
    } else {
        Resolved::Unpublished
    }
}

impl LinkResolver for Resolver {
    fn resolve(&self, from_source: &str, target: &str) -> Resolved {
        for candidate in candidates(from_source, target) {
            if let Some(r) = self.by_source.get(&candidate) {
                return r.clone();
            }
        }
        Resolved::Missing
    }
}

/// Site-relative source paths a link target may mean: relative to the linking file's folder,
/// to `content/`, or to the site root (in that order; also used by `check`).
pub fn candidates(from_source: &str, target: &str) -> Vec<String> {
    let dir = from_source.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = Vec::new();
    if let Some(abs) = target.strip_prefix('/') {
        out.push(normalize(&format!("content/{abs}")));
        out.push(normalize(abs));
    } else {
        out.push(normalize(&format!("{dir}/{target}")));
        out.push(normalize(&format!("content/{target}")));
        out.push(normalize(target));
    }
    out.into_iter().flatten().collect()
}

/// Resolves `.` and `..` segments; `None` if the path climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Expands a permalink pattern for a slug (and, for posts, the date in its own offset).
pub fn expand_permalink(pattern: &str, slug: &str, date: Option<&jiff::Zoned>) -> String {
    let mut p = pattern.replace("{slug}", slug);
    if let Some(d) = date {
        p = p
            .replace("{year}", &format!("{:04}", d.year()))
            .replace("{month}", &format!("{:02}", d.month()))
            .replace("{day}", &format!("{:02}", d.day()));
    }
    p
}

/// Runs the parse stage over `files`.
pub fn parse(files: &[SourceFile], config: &Config, publish: Publish) -> Parsed {
    let tz = config.time_zone();
    // Pass 1: front matter, slugs, permalinks.
    let firsts: Vec<Result<Option<Head>, Vec<Diagnostic>>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| first_pass(i, f, config, &tz, publish))
        .collect();
    let mut diags = Diagnostics::new();
    let mut heads = Vec::new();
    for r in firsts {
        match r {
            Ok(Some(h)) => heads.push(h),
            Ok(None) => {}
            Err(ds) => diags.extend(ds),
        }
    }
    diags.extend(files.iter().filter_map(empty_file_warning));
    let resolver = Resolver::new(&heads, files);

    // Pass 2: Markdown.
    let docs: Vec<(Doc, Vec<Diagnostic>)> = heads
        .into_par_iter()
        .map(|h| {
            let file = &files[h.file];
            if !h.publish {
                return (Doc::Skipped(unpublished(file, &h)), Vec::new());
            }
            let (body, ds) = render_body(file, &h, config, &resolver);
            (make_doc(file, h, body), ds)
        })
        .collect();
    collect(diags, docs)
}

/// Empty files are skipped with a warning (an editor may create them before the first save).
pub fn empty_file_warning(f: &SourceFile) -> Option<Diagnostic> {
    f.text.trim().is_empty().then(|| {
        Diagnostic::warning("empty-file", "empty file skipped")
            .at_path(&f.source)
            .with_help("add front matter (--- title: … date: … ---) to publish it")
    })
}

/// A second-pass result: a parsed document, or a file this build leaves out.
#[derive(Debug)]
pub enum Doc {
    /// A post.
    Post(Box<Post>),
    /// A standalone page.
    Page(Box<Page>),
    /// An author file.
    Author(Box<Author>),
    /// A draft or scheduled post or page.
    Skipped(Unpublished),
}

/// The [`Unpublished`] entry of a file this build leaves out.
pub fn unpublished(file: &SourceFile, h: &Head) -> Unpublished {
    Unpublished {
        source: file.source.clone(),
        title: h.fm.title.clone(),
        date: h.fm.date.clone(),
        draft: h.fm.draft,
        scheduled: h.scheduled,
    }
}

/// Pass 2 for one published file: its Markdown body rendered to HTML, with the diagnostics
/// found (the Markdown's, then [`slug_warning`]'s). Depends only on the file's text, `head`,
/// `config` and the answers of `resolver`.
pub fn render_body(
    file: &SourceFile,
    h: &Head,
    config: &Config,
    resolver: &dyn LinkResolver,
) -> (Body, Vec<Diagnostic>) {
    let body_text = &file.text[h.split.body.clone()];
    let (body, mut diags) = markdown::render(&RenderInput {
        markdown: body_text,
        config,
        source: &file.source,
        first_line: h.split.body_line,
        page_path: &h.path,
        resolver,
    });
    diags.extend(slug_warning(file, h));
    (body, diags)
}

/// A `slug-changed` warning when the slug of `h` is not what the file asked for: a `slug:`
/// value that sanitising changed (at the `slug` key, naming the written value, the slug used
/// and the URL), or a file stem that is a Windows device name or has no letters or digits
/// (at 1:1). Stems are otherwise expected to be slugified (`Hello World.md` → `hello-world`)
/// and get no warning.
pub fn slug_warning(file: &SourceFile, h: &Head) -> Option<Diagnostic> {
    use crate::slug::SlugChange;
    let written = match file.kind {
        SourceKind::Author => None,
        SourceKind::Post | SourceKind::Page => h.fm.slug.as_deref(),
    };
    let (what, at, change) = match written {
        Some(w) => (
            format!("slug `{w}`"),
            h.fm.key_pos.get("slug").copied().unwrap_or((1, 1)),
            crate::slug::change(w, &h.slug)?,
        ),
        None => match crate::slug::change(&file.stem, &h.slug)? {
            SlugChange::Rewritten => return None,
            c => (format!("file name `{}`", file.stem), (1, 1), c),
        },
    };
    let why = match &change {
        SlugChange::DeviceName(d) => format!(
            "`{d}` is a Windows device name, which cannot be a file or folder name on Windows"
        ),
        SlugChange::NoLetters => "it has no letters or digits to make a URL from".into(),
        SlugChange::Rewritten => format!(
            "a slug is lower-case letters a–z, digits and `-`, at most {} characters",
            crate::slug::MAX_SLUG_LEN
        ),
    };
    let help = match (written.is_some(), &change) {
        (true, SlugChange::NoLetters) => {
            "write a slug of lower-case letters, digits and `-`".to_string()
        }
        (true, _) => format!(
            "write `slug: {}` to keep this URL without the warning, or choose another slug",
            h.slug
        ),
        (false, _) => "rename the file, or give it a `slug:` in its front matter".to_string(),
    };
    Some(
        Diagnostic::warning(
            "slug-changed",
            format!(
                "{what} was changed to the slug `{}` (URL {}): {why}",
                h.slug, h.path
            ),
        )
        .at_path(&file.source)
        .at(at.0, at.1)
        .with_help(help)
        .with_source(file.text.clone()),
    )
}

/// The document of a published file from its first-pass result and rendered body.
pub fn make_doc(file: &SourceFile, h: Head, body: Body) -> Doc {
    match file.kind {
        SourceKind::Post => Doc::Post(Box::new(make_post(file, h, body))),
        SourceKind::Page => Doc::Page(Box::new(make_page(file, h, body))),
        SourceKind::Author => Doc::Author(Box::new(make_author(file, h, body))),
    }
}

/// Assembles the stage output: first-pass diagnostics first, then each document (in the
/// order given) with its own diagnostics.
pub fn collect(first_diags: Diagnostics, docs: Vec<(Doc, Vec<Diagnostic>)>) -> Parsed {
    let mut parsed = Parsed::default();
    for (doc, ds) in docs {
        parsed.diags.extend(ds);
        match doc {
            Doc::Post(p) => parsed.posts.push(*p),
            Doc::Page(p) => parsed.pages.push(*p),
            Doc::Author(a) => parsed.authors.push(*a),
            Doc::Skipped(u) => parsed.unpublished.push(u),
        }
    }
    let mut all = first_diags;
    all.extend(parsed.diags.into_vec());
    parsed.diags = all;
    parsed.failed_authors = parsed
        .diags
        .items()
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.path.as_deref()?.strip_prefix("content/authors/"))
        .filter(|rest| !rest.contains('/'))
        .filter_map(|file| {
            Some(
                std::path::Path::new(file)
                    .file_stem()?
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .collect();
    parsed
}

/// Pass 1 for one file (`i` is its index in the files given to [`parse`]): splits and types
/// the front matter, fixes the slug and permalink, and decides publication. `Ok(None)` for an
/// empty file.
pub fn first_pass(
    i: usize,
    f: &SourceFile,
    config: &Config,
    tz: &jiff::tz::TimeZone,
    publish: Publish,
) -> Result<Option<Head>, Vec<Diagnostic>> {
    if f.text.trim().is_empty() {
        return Ok(None);
    }
    let kind = match f.kind {
        SourceKind::Post => DocKind::Post,
        SourceKind::Page => DocKind::Page,
        SourceKind::Author => DocKind::Author,
    };
    let split = front_matter::split(&f.text).map_err(|e| {
        let (msg, help, line) = match e {
            SplitError::NoFrontMatter => (
                "no front matter: the file must start with a line `---`",
                "start the file with front matter:\n---\ntitle: \"…\"\ndate: 2026-01-27\n---",
                1,
            ),
            SplitError::TomlFrontMatter => (
                "TOML front matter (`+++`) is not supported",
                "write the front matter as YAML between two `---` lines",
                1,
            ),
            SplitError::Unclosed => (
                "front matter opened on line 1 is never closed",
                "end the front matter with a line `---` before the body",
                1,
            ),
        };
        vec![
            Diagnostic::error("front-matter", msg)
                .at_path(&f.source)
                .at(line, 1)
                .with_help(help)
                .with_source(f.text.clone()),
        ]
    })?;
    let fm = front_matter::parse(&f.text, &split, kind, &f.source, tz)?;
    let slug_source = fm.slug.as_deref().unwrap_or(&f.stem);
    let (slug, path) = match f.kind {
        SourceKind::Post => {
            let slug = slugify_or(slug_source, "post");
            let path = expand_permalink(&config.permalinks.posts, &slug, fm.date.as_ref());
            (slug, path)
        }
        SourceKind::Page => {
            let slug = slugify_or(slug_source, "page");
            let path = expand_permalink(&config.permalinks.pages, &slug, None);
            (slug, path)
        }
        SourceKind::Author => {
            let slug = slugify_or(&f.stem, "author");
            let path = expand_permalink(&config.permalinks.authors, &slug, None);
            (slug, path)
        }
    };
    let (publish_it, scheduled) = publication(f.kind, &fm, publish);
    Ok(Some(Head {
        file: i,
        split,
        fm,
        slug,
        path,
        publish: publish_it,
        scheduled,
    }))
}

/// Whether a file is published under `publish`, and whether it is scheduled (a post dated
/// after `publish.now`): drafts need `drafts`, scheduled posts need `future`; authors are
/// always published.
pub fn publication(kind: SourceKind, fm: &FrontMatter, publish: Publish) -> (bool, bool) {
    match kind {
        SourceKind::Post => {
            let scheduled = fm
                .date
                .as_ref()
                .is_some_and(|d| d.timestamp() > publish.now);
            let ok = (!fm.draft || publish.drafts) && (!scheduled || publish.future);
            (ok, scheduled)
        }
        SourceKind::Page => (!fm.draft || publish.drafts, false),
        SourceKind::Author => (true, false),
    }
}

fn summary_from(fm_summary: Option<&str>, body: &mut Body) {
    if let Some(s) = fm_summary {
        let mut html = String::from("<p>");
        let _ = pulldown_cmark_escape::escape_html_body_text(&mut html, s);
        html.push_str("</p>");
        body.summary_html = html;
    }
}

fn make_post(file: &SourceFile, h: Head, mut body: Body) -> Post {
    let fm = h.fm;
    summary_from(fm.summary.as_deref(), &mut body);
    Post {
        source: file.source.clone(),
        text: file.text.clone(),
        slug: h.slug,
        path: h.path,
        title: fm.title,
        // Pass 1 guarantees a date for posts.
        date: fm.date.unwrap_or_default(),
        updated: fm.updated,
        author_refs: fm.authors,
        authors: Vec::new(),
        tags: fm.tags,
        tag_ids: Vec::new(),
        highlights: fm.highlights,
        citation: fm.citation,
        sources: fm.sources,
        summary_text: fm.summary,
        draft: fm.draft,
        aliases: fm.aliases,
        image: fm.image,
        extra: fm.extra,
        body,
        assets: file.assets.clone(),
        key_pos: fm.key_pos,
        alias_pos: fm.alias_pos,
        tag_pos: fm.tag_pos,
    }
}

fn make_page(file: &SourceFile, h: Head, mut body: Body) -> Page {
    let fm = h.fm;
    summary_from(fm.summary.as_deref(), &mut body);
    Page {
        source: file.source.clone(),
        text: file.text.clone(),
        slug: h.slug,
        path: h.path,
        title: fm.title,
        date: fm.date,
        updated: fm.updated,
        summary_text: fm.summary,
        draft: fm.draft,
        aliases: fm.aliases,
        image: fm.image,
        template: fm.template,
        extra: fm.extra,
        body,
        key_pos: fm.key_pos,
        alias_pos: fm.alias_pos,
    }
}

fn make_author(file: &SourceFile, h: Head, body: Body) -> Author {
    let fm = h.fm;
    let bio_text = crate::templates::strip_tags(&body.html);
    Author {
        id: file.stem.clone(),
        path: h.path,
        name: fm.name.unwrap_or_else(|| file.stem.clone()),
        role: fm.role,
        avatar: fm.avatar,
        links: fm.links,
        email: fm.email,
        bio_html: body.html,
        bio_text,
        source: Some(file.source.clone()),
        extra: fm.extra,
    }
}

/// An author built from an inline `{name, bio}` front matter entry.
pub fn inline_author(a: &crate::model::InlineAuthor, config: &Config) -> Author {
    let id = slugify_or(&a.name, "author");
    let bio_text = a.bio.clone().unwrap_or_default();
    let mut bio_html = String::new();
    if !bio_text.is_empty() {
        bio_html.push_str("<p>");
        let _ = pulldown_cmark_escape::escape_html_body_text(&mut bio_html, &bio_text);
        bio_html.push_str("</p>");
    }
    Author {
        path: expand_permalink(&config.permalinks.authors, &id, None),
        id,
        name: a.name.clone(),
        role: a.role.clone(),
        avatar: a.avatar.clone(),
        links: a
            .url
            .iter()
            .map(|u| crate::model::Link {
                name: "Website".into(),
                url: u.clone(),
            })
            .collect(),
        email: None,
        bio_html,
        bio_text,
        source: None,
        extra: serde_json::Value::Null,
    }
}

/// Ids of the authors a post names, for the index stage.
pub fn author_ids(refs: &[AuthorRef]) -> impl Iterator<Item = (&AuthorRef, String)> {
    refs.iter().map(|r| match r {
        AuthorRef::Id(id) => (r, id.clone()),
        AuthorRef::Inline(a) => (r, slugify_or(&a.name, "author")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_candidates() {
        let c = candidates("content/posts/a.md", "b.md");
        assert_eq!(c[0], "content/posts/b.md");
        let c = candidates("content/posts/a.md", "../pages/about.md");
        assert_eq!(c[0], "content/pages/about.md");
        let c = candidates("content/posts/a.md", "posts/b.md");
        assert!(c.contains(&"content/posts/b.md".to_string()));
        let c = candidates("content/posts/a.md", "/posts/b.md");
        assert_eq!(c[0], "content/posts/b.md");
        assert!(candidates("content/a.md", "../../../../x.md").len() < 3);
    }

    #[test]
    fn permalink_expansion() {
        let d =
            crate::front_matter::parse_date("2024-03-05T23:30:00+05:30", &jiff::tz::TimeZone::UTC)
                .unwrap();
        assert_eq!(
            expand_permalink("/{year}/{month}/{slug}/", "x", Some(&d)),
            "/2024/03/x/"
        );
    }
}
