//! Check stage, links: every reference of every rendered page (bodies, front matter values
//! shown by templates, and the templates themselves) resolved against the files the site
//! builds; `#fragment`s against the ids of the page they point to; images for their file and
//! alt text; links for visible text. External URLs are collected for `--external`.
//!
//! Input: the site, its in-memory render ([`Rendered`]) and the texts that references may come
//! from. Output: located diagnostics and the external URLs with where each is used.
//!
//! Every reference is attributed to the file a writer would edit: a body link to its line
//! and column in the post (matched to the Markdown link it was rendered from, or found in the
//! raw HTML), a front matter value to its line, a template reference to the template or
//! site.toml line that writes it. A reference that comes from a body, summary or bio shown on
//! another page is checked once, on its own page.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use url::Url;

use super::html::{HtmlPage, Owner, RefKind, Rendered, fragment_values};
use crate::config::{Config, is_absolute_url, line_col};
use crate::error::Diagnostic;
use crate::markdown::Resolved;
use crate::model::{Body, BodyLink, Site};

/// A place in a file: site-relative path, 1-based line and column when known, and the text
/// for snippets.
#[derive(Debug, Clone)]
pub struct Loc {
    /// Site-relative path (`content/posts/a.md`, `templates/post.html`, `site.toml`).
    pub path: String,
    /// 1-based line and column, when known.
    pub at: Option<(usize, usize)>,
    /// The file's text, for snippets.
    pub source: Option<Arc<str>>,
}

impl Loc {
    /// Puts this location on a diagnostic.
    pub fn apply(&self, d: Diagnostic) -> Diagnostic {
        let mut d = d.at_path(&self.path);
        if let Some((l, c)) = self.at {
            d = d.at(l, c);
        }
        if let Some(s) = &self.source {
            d = d.with_source(s.clone());
        }
        d
    }

    fn key(&self) -> (String, Option<(usize, usize)>) {
        (self.path.clone(), self.at)
    }
}

/// An external URL and a place it is used.
#[derive(Debug, Clone)]
pub struct ExternalUse {
    /// The absolute URL without its fragment.
    pub url: String,
    /// Where it is written.
    pub loc: Loc,
}

/// A text a template-made reference may be written in: site.toml, a template, an author file.
#[derive(Debug, Clone)]
pub struct Searchable {
    /// Site-relative path (or the embedded theme's origin label).
    pub path: String,
    /// Template name (`post.html`) when this is a template.
    pub template: Option<String>,
    /// The text.
    pub text: Arc<str>,
}

/// What the link check reads besides the rendered site.
pub struct Inputs<'a> {
    /// The indexed site.
    pub site: &'a Site,
    /// The site rendered in memory.
    pub rendered: &'a Rendered,
    /// site.toml and the templates, searched to locate template-made references.
    pub searchable: &'a [Searchable],
    /// Author file texts, parallel to `Site::authors` (`None` for inline authors).
    pub author_texts: &'a [Option<Arc<str>>],
    /// Source paths of posts and pages that are not published (drafts, scheduled).
    pub unpublished: &'a [String],
}

/// What the link check found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Problems, located.
    pub diags: Vec<Diagnostic>,
    /// Every external URL use.
    pub external: Vec<ExternalUse>,
}

/// Where a reference resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Not checked: `mailto:`, `tel:`, `javascript:`, `data:`, an empty fragment.
    Skip,
    /// A site path (base path removed, percent-decoded, starting with `/`) and fragment.
    Internal {
        /// Site path.
        path: String,
        /// Decoded fragment, if any.
        fragment: Option<String>,
    },
    /// A root-relative or relative URL that leaves the base path.
    OutsideBase(String),
    /// An absolute http(s) URL elsewhere (fragment removed).
    External(String),
    /// Not a URL at all.
    Invalid,
}

/// Resolves a reference found on the page at `page_path` (a site path).
pub fn resolve(value: &str, page_path: &str, config: &Config) -> Target {
    let v = value.trim();
    if v.is_empty() || v == "#" {
        return Target::Skip;
    }
    let absolute = is_absolute_url(v) && !v.starts_with("//");
    if absolute {
        let scheme = v[..v.find(':').unwrap_or(0)].to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Target::Skip;
        }
    }
    let Ok(base) = Url::parse(&config.base_url) else {
        return Target::Invalid;
    };
    let Ok(page) = base.join(page_path.trim_start_matches('/')) else {
        return Target::Invalid;
    };
    let Ok(mut joined) = page.join(v) else {
        return Target::Invalid;
    };
    if !matches!(joined.scheme(), "http" | "https") {
        return Target::Skip;
    }
    let same_origin = joined.host_str() == base.host_str()
        && joined.port_or_known_default() == base.port_or_known_default();
    if same_origin {
        let path = joined.path();
        if let Some(rest) = path.strip_prefix(config.base_path.as_str()) {
            return Target::Internal {
                path: format!("/{}", percent_decode(rest)),
                fragment: joined
                    .fragment()
                    .map(percent_decode)
                    .filter(|f| !f.is_empty()),
            };
        }
        if !absolute && !v.starts_with("//") {
            return Target::OutsideBase(percent_decode(path));
        }
    }
    joined.set_fragment(None);
    Target::External(joined.to_string())
}

/// The output file a site path is served from, if the site builds one: `/a/` →
/// `a/index.html`; `/a` → `a`, else `a/index.html` (hosts redirect to the folder).
pub fn lookup<'a>(path: &str, outputs: &'a HashSet<String>) -> Option<&'a String> {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        return outputs.get(&format!("{rel}index.html"));
    }
    outputs
        .get(rel)
        .or_else(|| outputs.get(&format!("{rel}/index.html")))
}

/// Percent-decodes (lossily for invalid UTF-8).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A post or page as the link check sees it.
struct Content<'a> {
    source: &'a str,
    text: &'a Arc<str>,
    body: &'a Body,
    /// Byte range of the body in `text`.
    body_range: Range<usize>,
    /// Byte range of the front matter in `text`.
    fm_range: Range<usize>,
    /// Expected rendered `href`/`src` of each Markdown link, with the link.
    expected: Vec<(Option<String>, &'a BodyLink)>,
}

/// Where a reference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Origin {
    /// The body of content `i`.
    Body(usize),
    /// Front matter of content `i` shown by a template.
    FrontMatter(usize),
    /// The file of author `a` (bio or front matter).
    Author(usize),
    /// A template (name of the page's template).
    Template(&'static str),
}

/// What is wrong with a reference (or that it is external).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Problem {
    Missing { path: String, image: bool },
    OutsideBase(String),
    Fragment { fragment: String, page: usize },
    NoAlt,
    EmptyText,
    EmptyHref,
    Invalid,
    External(String),
}

/// A file and, when known, a line and column in it.
type GroupPlace = (String, Option<(usize, usize)>);

/// (path, line and column, value, problem): one diagnostic each.
type GroupKey = (String, Option<(usize, usize)>, String, String);

struct Finding {
    origin: Origin,
    value: String,
    problem: Problem,
    page: usize,
}

/// Runs the link check.
pub fn check(inputs: &Inputs<'_>) -> Findings {
    let site = inputs.site;
    let config = &*site.config;
    let resolver = SourceMap::new(site, inputs.unpublished);
    let mut contents: Vec<Content<'_>> = Vec::with_capacity(site.posts.len() + site.pages.len());
    for p in &site.posts {
        contents.push(Content::new(&p.source, &p.text, &p.body, config, &resolver));
    }
    for p in &site.pages {
        contents.push(Content::new(&p.source, &p.text, &p.body, config, &resolver));
    }
    let n_posts = site.posts.len();
    let body_sets: Vec<HashSet<String>> = contents
        .par_iter()
        .map(|c| fragment_values(&c.body.html))
        .collect();
    let bio_sets: Vec<HashSet<String>> = site
        .authors
        .par_iter()
        .map(|a| fragment_values(&a.bio_html))
        .collect();
    let mut shown_elsewhere: HashSet<String> = contents
        .par_iter()
        .map(|c| fragment_values(&c.body.summary_html))
        .flatten()
        .collect();
    for s in body_sets.iter().chain(&bio_sets) {
        shown_elsewhere.extend(s.iter().cloned());
    }

    let base_path = config.base_path.as_str();
    // Values written in front matter (post images, source URLs, author links and avatars),
    // which templates show on many pages: reference → the file that writes it.
    let mut fm_values: HashMap<String, Origin> = HashMap::new();
    for (i, c) in contents.iter().enumerate() {
        for t in tokens(&c.text[c.fm_range.clone()]) {
            fm_values
                .entry(t.to_string())
                .or_insert(Origin::FrontMatter(i));
        }
    }
    for (a, text) in inputs.author_texts.iter().enumerate() {
        if let Some(text) = text {
            for t in tokens(text) {
                fm_values.entry(t.to_string()).or_insert(Origin::Author(a));
            }
        }
    }

    let rendered = inputs.rendered;
    let findings: Vec<Finding> = rendered
        .pages
        .par_iter()
        .enumerate()
        .flat_map_iter(|(pi, page)| {
            let content = match page.owner {
                Owner::Post(i) => Some(i),
                Owner::Page(i) => Some(n_posts + i),
                _ => None,
            };
            let mut out = Vec::new();
            for r in &page.refs {
                let origin = match (content, page.owner) {
                    (Some(c), _) if body_sets[c].contains(&r.value) => Origin::Body(c),
                    (_, Owner::Author(a)) if bio_sets[a].contains(&r.value) => Origin::Author(a),
                    _ if shown_elsewhere.contains(&r.value) => continue,
                    (Some(c), _) if in_front_matter(&contents[c], &r.value, base_path) => {
                        Origin::FrontMatter(c)
                    }
                    _ => match fm_values
                        .get(&r.value)
                        .or_else(|| fm_values.get(strip_base(&r.value, base_path)))
                    {
                        Some(&o) => o,
                        None => Origin::Template(page_template(page)),
                    },
                };
                let from_body = matches!(origin, Origin::Body(_));
                // The element itself (its alt, its text) is written by the body or, for
                // everything else, by the template.
                let element_origin = if from_body {
                    origin
                } else {
                    Origin::Template(page_template(page))
                };
                let mut push = |origin: Origin, problem: Problem| {
                    out.push(Finding {
                        origin,
                        value: r.value.clone(),
                        problem,
                        page: pi,
                    })
                };
                if r.kind == RefKind::Image
                    && let Some(alt) = &r.alt
                {
                    // An empty alt marks a decorative image, which a template may mean; in
                    // a body it is a missing description.
                    let missing = match alt {
                        None => true,
                        Some(t) => from_body && t.trim().is_empty(),
                    };
                    if missing {
                        push(element_origin, Problem::NoAlt);
                    }
                }
                if r.empty_text {
                    push(element_origin, Problem::EmptyText);
                }
                if r.value.trim().is_empty() {
                    if from_body && r.kind == RefKind::Link {
                        push(origin, Problem::EmptyHref);
                    }
                    continue;
                }
                let mut push = |problem: Problem| push(origin, problem);
                match resolve(&r.value, &page.site_path, config) {
                    Target::Skip => {}
                    Target::Invalid => push(Problem::Invalid),
                    Target::External(u) => push(Problem::External(u)),
                    Target::OutsideBase(p) => push(Problem::OutsideBase(p)),
                    Target::Internal { path, fragment } => match lookup(&path, &rendered.outputs) {
                        None => push(Problem::Missing {
                            path,
                            image: r.kind == RefKind::Image,
                        }),
                        Some(out_path) => {
                            // A page made twice or not at all (its error is reported) has
                            // no ids to judge a fragment by.
                            if let Some(f) = fragment
                                && !rendered.unknown.contains(out_path)
                                && let Some(&ti) = rendered.by_output.get(out_path)
                                && !fragment_exists(&rendered.pages[ti], &f)
                            {
                                push(Problem::Fragment {
                                    fragment: f,
                                    page: ti,
                                });
                            }
                        }
                    },
                }
            }
            out
        })
        .collect();

    let locator = Locator {
        contents: &contents,
        searchable: inputs.searchable,
        author_texts: inputs.author_texts,
        site,
    };
    let suggest = Suggestions::new(site, rendered);
    // Group: one diagnostic per (location, value, problem); count the distinct pages (a
    // menu link is on each page twice, in the header and the footer).
    let mut groups: BTreeMap<GroupKey, (Loc, &Finding, BTreeSet<usize>)> = BTreeMap::new();
    let mut external: Vec<ExternalUse> = Vec::new();
    let mut seen_ext: HashSet<(String, GroupPlace)> = HashSet::new();
    for f in &findings {
        for loc in locator.locate(f.origin, &f.value) {
            if let Problem::External(u) = &f.problem {
                if seen_ext.insert((u.clone(), (loc.path.clone(), loc.at))) {
                    external.push(ExternalUse {
                        url: u.clone(),
                        loc,
                    });
                }
                continue;
            }
            let (p, at) = loc.key();
            let key = (p, at, f.value.clone(), format!("{:?}", f.problem));
            groups
                .entry(key)
                .or_insert_with(|| (loc, f, BTreeSet::new()))
                .2
                .insert(f.page);
        }
    }
    let mut diags = Vec::new();
    for (loc, f, pages) in groups.into_values() {
        if let Some(d) = diagnostic(f, pages.len(), config, rendered, &suggest) {
            diags.push(loc.apply(d));
        }
    }
    Findings { diags, external }
}

fn page_template(page: &HtmlPage) -> &'static str {
    match page.owner {
        Owner::Post(_) => "post.html",
        Owner::Page(_) => "page.html",
        Owner::Author(_) => "author.html",
        Owner::Template(t) => t,
    }
}

/// `true` when the fragment names an element of the page (`#top` always does).
fn fragment_exists(page: &HtmlPage, fragment: &str) -> bool {
    page.ids.contains(fragment)
        || fragment.eq_ignore_ascii_case("top")
        || fragment.starts_with(":~:")
}

fn in_front_matter(c: &Content<'_>, value: &str, base_path: &str) -> bool {
    let fm = &c.text[c.fm_range.clone()];
    let v = strip_base(value, base_path);
    v.len() > 1 && tokens(fm).any(|t| t == value || t == v)
}

/// `value` without the base path (`/sub/img/a.png` → `/img/a.png`).
fn strip_base<'v>(value: &'v str, base_path: &str) -> &'v str {
    if base_path != "/" && value.starts_with(base_path) {
        // The base path ends with `/`: keep that `/` as the start of the site path.
        return &value[base_path.len() - 1..];
    }
    value
}

/// URL-like words of a YAML text: whitespace-separated, without quotes, brackets and
/// trailing commas; only those that look like paths or URLs.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
    })
    .map(|t| t.trim_matches(['"', '\'', '(', ')', '<', '>']))
    .filter(|t| t.len() > 1 && (t.contains('/') || t.contains('.')))
}

/// The diagnostic for a finding (`None` for external URLs, which `--external` checks).
fn diagnostic(
    f: &Finding,
    pages: usize,
    config: &Config,
    rendered: &Rendered,
    suggest: &Suggestions,
) -> Option<Diagnostic> {
    let from_template = matches!(f.origin, Origin::Template(_));
    let on_pages = if !matches!(f.origin, Origin::Body(_)) {
        let first = &rendered.pages[f.page].site_path;
        if pages > 1 {
            format!(" (on {pages} pages, e.g. {})", config.url(first))
        } else {
            format!(" (on {})", config.url(first))
        }
    } else {
        String::new()
    };
    let v = &f.value;
    Some(match &f.problem {
        Problem::Missing { path, image } => {
            let (rule, what) = if *image { ("missing-image", "image") } else { ("broken-link", "link") };
            let mut d = Diagnostic::error(
                rule,
                format!("{what} `{v}` does not resolve: the site has no {path}{on_pages}"),
            );
            let help = match (suggest.for_path(path), image) {
                (Some(n), _) => format!("did you mean `{n}`?"),
                (_, true) => "put the file under static/ (served from the site root), or beside the post in a bundle folder (content/posts/<slug>/index.md)".to_string(),
                _ if from_template => "templates should build URLs with url(path='/…') from paths the site has".to_string(),
                _ => "link to a page the site builds (`/posts/<slug>/`) or to its source file (`posts/<file>.md`)".to_string(),
            };
            d = d.with_help(help);
            d
        }
        Problem::OutsideBase(path) => Diagnostic::error(
            "broken-link",
            format!(
                "`{v}` points to {path}, outside the site's base path {}: it breaks when the site is deployed at {}{on_pages}",
                config.base_path, config.base_url
            ),
        )
        .with_help(if from_template {
            "build the URL with url(path='/…'), which adds the base path"
        } else {
            "write site paths as `/posts/x/` (smelt adds the base path) or link to the source file (`posts/x.md`)"
        }),
        Problem::Fragment { fragment, page } => {
            let target = &rendered.pages[*page];
            let ids: Vec<&str> = target.ids.iter().map(String::as_str).collect();
            let help = match crate::suggest::nearest(fragment, ids.iter().copied()) {
                Some(n) => format!("did you mean `#{n}`?"),
                None => "link to the id of a heading on that page (headings get ids from their text: `## Bottom Line` → `#bottom-line`)".into(),
            };
            Diagnostic::error(
                "broken-fragment",
                format!("`#{fragment}` is not an id on {}{on_pages}", config.url(&target.site_path)),
            )
            .with_help(help)
        }
        Problem::NoAlt => Diagnostic::warning("image-alt", format!("image `{v}` has no alt text{on_pages}")).with_help(
            if from_template {
                "add an alt attribute (alt=\"\" marks a decorative image)"
            } else {
                "describe what the image shows: ![Exports by month, 2020–2026](chart.png)"
            },
        ),
        Problem::EmptyText => Diagnostic::warning("empty-link-text", format!("link to `{v}` has no text{on_pages}"))
            .with_help("give the link words a reader (and a screen reader) can follow: [the ministry's figures](…)"),
        Problem::EmptyHref => Diagnostic::error("broken-link", "link with an empty destination")
            .with_help("write the destination in the parentheses: [text](https://…)"),
        Problem::Invalid => Diagnostic::error("broken-link", format!("`{v}` is not a valid URL{on_pages}"))
            .with_help("check for spaces or stray characters in the URL"),
        Problem::External(_) => return None,
    })
}

/// "Did you mean" for missing site paths.
struct Suggestions {
    /// Every site path the site builds, sorted.
    paths: Vec<String>,
    /// Post and page slugs → site path.
    by_slug: HashMap<String, String>,
}

impl Suggestions {
    fn new(site: &Site, rendered: &Rendered) -> Self {
        let mut paths: Vec<String> = rendered
            .outputs
            .iter()
            .map(|o| super::html::site_path_of(o))
            .collect();
        paths.sort();
        let mut by_slug = HashMap::new();
        for p in &site.posts {
            by_slug
                .entry(p.slug.clone())
                .or_insert_with(|| p.path.clone());
        }
        for p in &site.pages {
            by_slug
                .entry(p.slug.clone())
                .or_insert_with(|| p.path.clone());
        }
        Suggestions { paths, by_slug }
    }

    /// A page whose slug is the missing path's last segment (`/blog/release/v4.2.0/` →
    /// `/posts/v4-2-0/`), else the site path closest in spelling.
    fn for_path(&self, missing: &str) -> Option<&str> {
        let last = missing
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        let stem = last
            .strip_suffix(".html")
            .or_else(|| crate::pipeline::load::markdown_stem(last))
            .unwrap_or(last);
        if let Some(p) = self.by_slug.get(&crate::slug::slugify(stem))
            && p != missing
        {
            return Some(p);
        }
        let mut best: Option<(&str, f64)> = None;
        for p in &self.paths {
            let score = strsim::normalized_levenshtein(missing, p);
            if score >= 0.85 && best.is_none_or(|(_, s)| score > s) {
                best = Some((p, score));
            }
        }
        best.map(|(p, _)| p).filter(|p| *p != missing)
    }
}

/// Maps `.md` link targets to what they become (published page, unpublished, missing).
struct SourceMap {
    by_source: HashMap<String, Resolved>,
}

impl SourceMap {
    fn new(site: &Site, unpublished: &[String]) -> Self {
        let mut by_source = HashMap::new();
        for p in &site.posts {
            by_source.insert(p.source.clone(), Resolved::Page(p.path.clone()));
        }
        for p in &site.pages {
            by_source.insert(p.source.clone(), Resolved::Page(p.path.clone()));
        }
        for u in unpublished {
            by_source.insert(u.clone(), Resolved::Unpublished);
        }
        SourceMap { by_source }
    }

    fn resolve(&self, from: &str, target: &str) -> Resolved {
        for c in crate::pipeline::parse::candidates(from, target) {
            if let Some(r) = self.by_source.get(&c) {
                return r.clone();
            }
        }
        Resolved::Missing
    }
}

impl<'a> Content<'a> {
    fn new(
        source: &'a str,
        text: &'a Arc<str>,
        body: &'a Body,
        config: &Config,
        map: &SourceMap,
    ) -> Self {
        let (fm_range, body_range) = match crate::front_matter::split(text) {
            Ok(s) => (s.yaml, s.body),
            Err(_) => (0..0, 0..text.len()),
        };
        let expected = body
            .links
            .iter()
            .map(|l| (expected_value(&l.url, l.image, source, config, map), l))
            .collect();
        Content {
            source,
            text,
            body,
            body_range,
            fm_range,
            expected,
        }
    }
}

/// The attribute value a Markdown link destination is rendered as (mirrors the Markdown
/// stage: base path on root-relative paths, `.md` links to permalinks, unpublished targets
/// rendered as text), percent-encoded as pulldown-cmark's `escape_href` does. `None` when the
/// link is not rendered as a link.
fn expected_value(
    url: &str,
    image: bool,
    source: &str,
    config: &Config,
    map: &SourceMap,
) -> Option<String> {
    let url = url.trim();
    let rewritten = if url.is_empty() || url.starts_with('#') || is_absolute_url(url) {
        url.to_string()
    } else {
        let (path, suffix) = match url.find(['#', '?']) {
            Some(i) => (&url[..i], &url[i..]),
            None => (url, ""),
        };
        if !image && crate::pipeline::load::is_markdown(path) {
            match map.resolve(source, &percent_decode(path)) {
                Resolved::Page(p) => format!("{}{suffix}", config.url(&p)),
                Resolved::Unpublished => return None,
                Resolved::Missing => url.to_string(),
            }
        } else if let Some(rest) = path.strip_prefix('/') {
            let bp = &config.base_path;
            if bp != "/" && path.starts_with(bp.as_str()) {
                url.to_string()
            } else {
                format!("{bp}{rest}{suffix}")
            }
        } else {
            url.to_string()
        }
    };
    let mut escaped = String::new();
    if pulldown_cmark_escape::escape_href(&mut escaped, &rewritten).is_err() {
        return Some(rewritten);
    }
    Some(html_escape::decode_html_entities(&escaped).into_owned())
}

struct Locator<'a> {
    contents: &'a [Content<'a>],
    searchable: &'a [Searchable],
    author_texts: &'a [Option<Arc<str>>],
    site: &'a Site,
}

impl Locator<'_> {
    /// Every place `value` is written for this origin (at least one).
    fn locate(&self, origin: Origin, value: &str) -> Vec<Loc> {
        let base_path = &self.site.config.base_path;
        match origin {
            Origin::Body(c) => {
                let content = &self.contents[c];
                let hits: Vec<Loc> = content
                    .expected
                    .iter()
                    .filter(|(e, _)| e.as_deref() == Some(value))
                    .map(|(_, l)| Loc {
                        path: content.source.to_string(),
                        at: Some((l.line, l.col)),
                        source: Some(content.text.clone()),
                    })
                    .collect();
                if !hits.is_empty() {
                    return hits;
                }
                let at = search(
                    content.text,
                    content.body_range.clone(),
                    &needles(value, base_path, true),
                )
                .or_else(|| Some(line_col(content.text, content.body_range.start)));
                vec![Loc {
                    path: content.source.to_string(),
                    at,
                    source: Some(content.text.clone()),
                }]
            }
            Origin::FrontMatter(c) => {
                let content = &self.contents[c];
                let at = search(
                    content.text,
                    content.fm_range.clone(),
                    &needles(value, base_path, false),
                );
                vec![Loc {
                    path: content.source.to_string(),
                    at,
                    source: Some(content.text.clone()),
                }]
            }
            Origin::Author(a) => {
                let author = &self.site.authors[a];
                let path = author.source.clone().unwrap_or_default();
                let text = self.author_texts.get(a).cloned().flatten();
                let at = text.as_ref().and_then(|t| {
                    search(t, 0..t.len(), &needles(value, base_path, true))
                        .or_else(|| search(t, 0..t.len(), &needles(value, base_path, false)))
                });
                vec![Loc {
                    path,
                    at,
                    source: text,
                }]
            }
            Origin::Template(name) => {
                let ns = needles(value, base_path, true);
                // The page's own template first, then site.toml and the others.
                let own = self
                    .searchable
                    .iter()
                    .filter(|s| s.template.as_deref() == Some(name));
                let rest = self
                    .searchable
                    .iter()
                    .filter(|s| s.template.as_deref() != Some(name));
                for s in own.chain(rest) {
                    if let Some(at) = search(&s.text, 0..s.text.len(), &ns) {
                        return vec![Loc {
                            path: s.path.clone(),
                            at: Some(at),
                            source: Some(s.text.clone()),
                        }];
                    }
                }
                let path = self
                    .searchable
                    .iter()
                    .find(|s| s.template.as_deref() == Some(name))
                    .map(|s| s.path.clone())
                    .unwrap_or_else(|| format!("templates/{name}"));
                vec![Loc {
                    path,
                    at: None,
                    source: None,
                }]
            }
        }
    }
}

/// Forms a rendered value may be written in: as is, without the base path, percent-decoded;
/// quoted (as in an attribute, a TOML string or a `url(path='…')` call) unless `bare`.
fn needles(value: &str, base_path: &str, quoted: bool) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    if base_path != "/"
        && let Some(rest) = value.strip_prefix(base_path)
    {
        forms.push(format!("/{rest}"));
    }
    let decoded = percent_decode(value);
    if decoded != value {
        forms.push(decoded);
    }
    if !quoted {
        return forms;
    }
    let mut out = Vec::new();
    for f in &forms {
        for q in ['"', '\''] {
            out.push(format!("{q}{f}{q}"));
        }
        out.push(format!("({f})"));
        out.push(format!("({f} "));
        out.push(format!("({f}#"));
    }
    out
}

/// 1-based (line, column) of the first needle found in `text[range]` (pointing past a
/// leading quote or parenthesis).
fn search(text: &str, range: Range<usize>, needles: &[String]) -> Option<(usize, usize)> {
    let hay = text.get(range.clone())?;
    needles
        .iter()
        .filter_map(|n| {
            hay.find(n.as_str()).map(|i| {
                let skip = usize::from(n.starts_with(['"', '\'', '(']));
                range.start + i + skip
            })
        })
        .min()
        .map(|off| line_col(text, off))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: &str) -> Config {
        let mut c = Config::default();
        c.set_base_url(base).unwrap();
        c
    }

    #[test]
    fn resolves_relative_root_and_absolute() {
        let c = config("https://example.org/analysis/");
        let int = |p: &str, f: Option<&str>| Target::Internal {
            path: p.into(),
            fragment: f.map(str::to_string),
        };
        assert_eq!(
            resolve("/analysis/posts/x/#a", "/", &c),
            int("/posts/x/", Some("a"))
        );
        assert_eq!(
            resolve("#sec", "/posts/x/", &c),
            int("/posts/x/", Some("sec"))
        );
        assert_eq!(
            resolve("chart.png", "/posts/x/", &c),
            int("/posts/x/chart.png", None)
        );
        assert_eq!(resolve("../y/", "/posts/x/", &c), int("/posts/y/", None));
        assert_eq!(
            resolve("https://example.org/analysis/tags/", "/", &c),
            int("/tags/", None)
        );
        assert_eq!(
            resolve("/tags/", "/", &c),
            Target::OutsideBase("/tags/".into())
        );
        assert_eq!(
            resolve("https://example.org/shop/", "/", &c),
            Target::External("https://example.org/shop/".into())
        );
        assert_eq!(
            resolve("https://wsj.com/a#x", "/", &c),
            Target::External("https://wsj.com/a".into())
        );
        assert_eq!(resolve("mailto:a@b.org", "/", &c), Target::Skip);
        assert_eq!(resolve("/analysis/a%20b/", "/", &c), int("/a b/", None));
    }

    #[test]
    fn lookup_folders_and_files() {
        let outs: HashSet<String> = ["index.html", "posts/x/index.html", "a.png", "404.html"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(lookup("/", &outs).is_some());
        assert!(lookup("/posts/x/", &outs).is_some());
        assert!(lookup("/posts/x", &outs).is_some());
        assert!(lookup("/a.png", &outs).is_some());
        assert!(lookup("/posts/y/", &outs).is_none());
    }

    #[test]
    fn expected_values_follow_markdown_rewrites() {
        let c = config("https://example.org/sub/");
        let map = SourceMap {
            by_source: HashMap::new(),
        };
        let e = |u: &str| expected_value(u, false, "content/posts/a.md", &c, &map);
        assert_eq!(e("/posts/x/").as_deref(), Some("/sub/posts/x/"));
        assert_eq!(e("/sub/posts/x/").as_deref(), Some("/sub/posts/x/"));
        assert_eq!(
            e("https://x.org/a b").as_deref(),
            Some("https://x.org/a%20b")
        );
        assert_eq!(e("b.md#s").as_deref(), Some("b.md#s"));
    }

    #[test]
    fn search_points_past_quotes() {
        let text = "a\n<a href=\"/x/\">x</a>\n";
        assert_eq!(
            search(text, 0..text.len(), &needles("/x/", "/", true)),
            Some((2, 10))
        );
    }
}
