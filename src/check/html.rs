//! Check stage, in-memory render: runs every render job `build` runs (nothing is written) and
//! reads each HTML page with `scraper` into its ids and every URL it references.
//!
//! Input: an indexed [`Site`] and its templates. Output: [`Rendered`]: the set of output paths
//! and one [`HtmlPage`] per rendered HTML page, in job order, plus render errors as
//! diagnostics. A job that fails does not stop the others. Two jobs making one output path
//! is the error `build` stops with (rule `output`, both producers named), unless the index
//! stage already reported the URL (`duplicate-permalink`); so is an output path the write
//! stage refuses (a `\` in a file name).
//!
//! A page whose content cannot be known — its path is made twice, or its job failed (the
//! paths it would make still count as built) — is listed in [`Rendered::unknown`], so the
//! link check judges no `#fragment` against it: those would be consequences of the error
//! already reported, not problems of their own.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use scraper::{ElementRef, Html};

use crate::error::Diagnostic;
use crate::model::Site;
use crate::pipeline::render::{FileData, Job, Renderer};
use crate::templates::Templates;

/// Who produced a page's content besides the templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A post page (index into `Site::posts`).
    Post(usize),
    /// A standalone page (index into `Site::pages`).
    Page(usize),
    /// An author page (index into `Site::authors`).
    Author(usize),
    /// A page made by the templates alone; the template name.
    Template(&'static str),
}

/// What kind of reference an attribute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// `a[href]`, `area[href]`, a refresh `meta`.
    Link,
    /// `img[src]`, `img[srcset]`, `source[srcset]`, `video[poster]`.
    Image,
    /// `link[href]`, `script[src]`, `iframe`/`audio`/`video`/`source`/`track`/`embed[src]`.
    Resource,
}

/// One URL found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// The attribute value, entity-decoded, as the browser sees it.
    pub value: String,
    /// Link, image or resource.
    pub kind: RefKind,
    /// For `img[src]`: the `alt` attribute (`Some("")` when empty, `None` when absent).
    pub alt: Option<Option<String>>,
    /// For links: `true` when the link has no text, label or image alt a reader could see.
    pub empty_text: bool,
}

/// A rendered HTML page, read.
#[derive(Debug, Clone)]
pub struct HtmlPage {
    /// Output path, e.g. `posts/x/index.html`.
    pub output: String,
    /// Site path of the page (`/posts/x/`), for resolving relative URLs.
    pub site_path: String,
    /// What produced it.
    pub owner: Owner,
    /// Every `id` (and `a[name]`) on the page.
    pub ids: HashSet<String>,
    /// Every URL-bearing attribute, in document order.
    pub refs: Vec<Ref>,
}

/// The whole site rendered in memory and read.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Every output path (HTML, feeds, static files, bundle assets).
    pub outputs: HashSet<String>,
    /// HTML pages in job order.
    pub pages: Vec<HtmlPage>,
    /// Output path → index in `pages`.
    pub by_output: HashMap<String, usize>,
    /// Render errors (template errors name the template, line and page).
    pub diags: Vec<Diagnostic>,
    /// Output paths whose content is unknown: made by two jobs, or by a job that failed.
    pub unknown: HashSet<String>,
}

pub use crate::pipeline::render::site_path_of;

fn owner_of(job: &Job) -> Owner {
    match job {
        Job::Post(i) => Owner::Post(*i),
        Job::Page(i) => Owner::Page(*i),
        Job::Author(a, _) => Owner::Author(*a),
        Job::Home(_) => Owner::Template("index.html"),
        Job::Tags => Owner::Template("tags.html"),
        Job::Tag(..) => Owner::Template("tag.html"),
        Job::Authors => Owner::Template("authors.html"),
        Job::NotFound => Owner::Template("404.html"),
        Job::Alias { .. } => Owner::Template("alias.html"),
        Job::Static(_) | Job::Generated(_) => Owner::Template(""),
    }
}

/// Renders every job of the site at `root` in memory and reads the HTML pages.
pub fn render(site: &Site, templates: &Templates, root: &Path) -> Rendered {
    let renderer = match Renderer::new(site, templates) {
        Ok(r) => r,
        Err(ds) => {
            return Rendered {
                diags: ds.into_vec(),
                ..Rendered::default()
            };
        }
    };
    let jobs = renderer.jobs();
    let results: Vec<JobResult> = jobs
        .par_iter()
        .map(|job| {
            let files = match renderer.render(job) {
                Ok(f) => f,
                Err(d) => return JobResult::Failed(Box::new(d), renderer.planned_outputs(job)),
            };
            debug_assert!(
                renderer
                    .planned_outputs(job)
                    .iter()
                    .all(|p| files.iter().any(|f| &f.path == p)),
                "planned outputs of {job:?} differ from its files"
            );
            let owner = owner_of(job);
            let mut paths = Vec::with_capacity(files.len());
            let mut pages = Vec::new();
            for f in files {
                if let FileData::Bytes(bytes) = &f.data
                    && f.path.ends_with(".html")
                    && !matches!(job, Job::Static(_) | Job::Generated(_))
                {
                    let text = String::from_utf8_lossy(bytes);
                    pages.push(read_page(&f.path, owner, &text));
                }
                let copied = f.data.is_copied();
                paths.push((f.path, copied));
            }
            JobResult::Done { paths, pages }
        })
        .collect();
    let mut out = Rendered::default();
    // Every output path with its producer (job, copied file?), for the write stage's errors.
    let mut claims: Vec<(String, (usize, bool))> = Vec::new();
    for (j, r) in results.into_iter().enumerate() {
        match r {
            JobResult::Done { paths, pages } => {
                for (p, copied) in paths {
                    if !crate::pipeline::write::is_safe_rel(&p) {
                        // `build` refuses to write it (the write stage's rule).
                        let origin = renderer.origin_of_output(&jobs[j], &p, root);
                        let mut d = Diagnostic::error(
                            "output",
                            format!("refusing to write unsafe output path {p:?}"),
                        )
                        .with_help("rename the file: output paths are `/`-separated, without `\\`, empty, `.` or `..` parts");
                        if let Some(src) = &origin.source {
                            d = d.at_path(src);
                        }
                        out.diags.push(d);
                    }
                    out.outputs.insert(p.clone());
                    claims.push((p, (j, copied)));
                }
                for p in pages {
                    out.by_output.insert(p.output.clone(), out.pages.len());
                    out.pages.push(p);
                }
            }
            JobResult::Failed(d, planned) => {
                out.diags.push(*d);
                out.unknown.extend(planned.iter().cloned());
                out.outputs.extend(planned);
            }
        }
    }
    // Paths two producers make have unknown content; their errors are the write stage's,
    // except for site paths the index stage already reported as wanted twice.
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (p, _) in &claims {
        *count.entry(p).or_default() += 1;
    }
    let reported = crate::pipeline::render::contested_outputs(site);
    let mut judged: Vec<(&str, (usize, bool))> = Vec::with_capacity(claims.len());
    for (p, k) in &claims {
        if count[p.as_str()] > 1 {
            out.unknown.insert(p.clone());
            if reported.contains(&p.to_lowercase()) {
                continue;
            }
        }
        judged.push((p, *k));
    }
    out.diags.extend(crate::pipeline::write::collisions(
        &judged,
        |(j, copied), p| renderer.producer(&jobs[j], p, copied, root),
    ));
    out
}

/// What one render job gave: its output paths and read pages, or its error.
enum JobResult {
    Done {
        /// Output paths, each with whether it is a file copied from disk (named by that
        /// file rather than by the job).
        paths: Vec<(String, bool)>,
        pages: Vec<HtmlPage>,
    },
    /// The error, and the paths the job would have made.
    Failed(Box<Diagnostic>, Vec<String>),
}

/// Reads one HTML page: ids and references.
pub fn read_page(output: &str, owner: Owner, html: &str) -> HtmlPage {
    let doc = Html::parse_document(html);
    let (ids, refs) = read(&doc);
    HtmlPage {
        output: output.to_string(),
        site_path: site_path_of(output),
        owner,
        ids,
        refs,
    }
}

/// Every URL-bearing attribute value of an HTML fragment (a body, summary or bio), for
/// telling which references of a page came from content.
pub fn fragment_values(html: &str) -> HashSet<String> {
    if html.is_empty() {
        return HashSet::new();
    }
    let doc = Html::parse_fragment(html);
    read(&doc).1.into_iter().map(|r| r.value).collect()
}

fn read(doc: &Html) -> (HashSet<String>, Vec<Ref>) {
    let mut ids = HashSet::new();
    let mut refs = Vec::new();
    for node in doc.tree.nodes() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let e = el.value();
        if let Some(id) = e.id() {
            ids.insert(id.to_string());
        }
        let name = e.name();
        if name == "a"
            && let Some(n) = e.attr("name")
        {
            ids.insert(n.to_string());
        }
        let mut push =
            |value: &str, kind: RefKind, alt: Option<Option<String>>, empty_text: bool| {
                refs.push(Ref {
                    value: value.to_string(),
                    kind,
                    alt,
                    empty_text,
                });
            };
        match name {
            "a" | "area" => {
                if let Some(h) = e.attr("href") {
                    let empty = name == "a" && link_is_empty(el);
                    push(h, RefKind::Link, None, empty);
                }
            }
            "img" => {
                if let Some(s) = e.attr("src") {
                    push(
                        s,
                        RefKind::Image,
                        Some(e.attr("alt").map(str::to_string)),
                        false,
                    );
                }
                if let Some(set) = e.attr("srcset") {
                    for u in srcset_urls(set) {
                        push(u, RefKind::Image, None, false);
                    }
                }
            }
            "source" => {
                if let Some(set) = e.attr("srcset") {
                    for u in srcset_urls(set) {
                        push(u, RefKind::Image, None, false);
                    }
                }
                if let Some(s) = e.attr("src") {
                    push(s, RefKind::Resource, None, false);
                }
            }
            "link" => {
                let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
                let origin_only = rel
                    .split_ascii_whitespace()
                    .any(|r| r == "preconnect" || r == "dns-prefetch");
                if let Some(h) = e.attr("href")
                    && !origin_only
                {
                    push(h, RefKind::Resource, None, false);
                }
            }
            "script" | "iframe" | "audio" | "video" | "track" | "embed" => {
                if let Some(s) = e.attr("src") {
                    push(s, RefKind::Resource, None, false);
                }
                if name == "video"
                    && let Some(p) = e.attr("poster")
                {
                    push(p, RefKind::Image, None, false);
                }
            }
            "meta" => {
                let refresh = e
                    .attr("http-equiv")
                    .is_some_and(|v| v.eq_ignore_ascii_case("refresh"));
                if refresh && let Some(url) = e.attr("content").and_then(refresh_url) {
                    push(url, RefKind::Link, None, false);
                }
            }
            _ => {}
        }
    }
    (ids, refs)
}

/// `true` when a link shows nothing a reader or screen reader could use: no text, no
/// `aria-label`/`aria-labelledby`/`title`, and no image with alt text inside.
fn link_is_empty(a: ElementRef<'_>) -> bool {
    let e = a.value();
    if ["aria-label", "aria-labelledby", "title"]
        .iter()
        .any(|k| e.attr(k).is_some_and(|v| !v.trim().is_empty()))
    {
        return false;
    }
    if a.text().any(|t| !t.trim().is_empty()) {
        return false;
    }
    !a.descendent_elements().any(|d| {
        let v = d.value();
        (v.name() == "img" && v.attr("alt").is_some_and(|t| !t.trim().is_empty()))
            || v.attr("aria-label").is_some_and(|t| !t.trim().is_empty())
            || v.name() == "svg" && d.text().any(|t| !t.trim().is_empty())
    })
}

/// The URLs of a `srcset` (`a.png 1x, b.png 2x`).
fn srcset_urls(set: &str) -> impl Iterator<Item = &str> {
    set.split(',')
        .filter_map(|c| c.split_ascii_whitespace().next())
        .filter(|u| !u.is_empty())
}

/// The URL of a refresh `content` (`0; url=/x/`).
fn refresh_url(content: &str) -> Option<&str> {
    let (_, rest) = content.split_once(';')?;
    let rest = rest.trim_start();
    let lower = rest.to_ascii_lowercase();
    let rest = if lower.starts_with("url") {
        rest[3..].trim_start().strip_prefix('=')?.trim_start()
    } else {
        rest
    };
    let rest = rest.trim_matches(['\'', '"']);
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths() {
        assert_eq!(site_path_of("index.html"), "/");
        assert_eq!(site_path_of("posts/x/index.html"), "/posts/x/");
        assert_eq!(site_path_of("404.html"), "/404.html");
    }

    #[test]
    fn reads_ids_and_refs() {
        let page = read_page(
            "p/index.html",
            Owner::Template("x.html"),
            r##"<html><head><link rel="stylesheet" href="/s.css"><link rel="preconnect" href="https://cdn.x">
<meta http-equiv="refresh" content="0; url='/new/'"></head>
<body><h2 id="a">A</h2><a name="old"></a><a href="/x/?q=1&amp;r=2#a">x</a><a href="/e/"> </a>
<a href="/i/"><img src="i.png" alt="Chart"></a><img src="n.png"><img src="s.png" srcset="s1.png 1x, s2.png 2x" alt="">
<a href="/l/" aria-label="Label"></a></body></html>"##,
        );
        assert!(page.ids.contains("a") && page.ids.contains("old"));
        let vals: Vec<&str> = page.refs.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(
            vals,
            vec![
                "/s.css",
                "/new/",
                "/x/?q=1&r=2#a",
                "/e/",
                "/i/",
                "i.png",
                "n.png",
                "s.png",
                "s1.png",
                "s2.png",
                "/l/"
            ]
        );
        let empty: Vec<&str> = page
            .refs
            .iter()
            .filter(|r| r.empty_text)
            .map(|r| r.value.as_str())
            .collect();
        assert_eq!(empty, vec!["/e/"]);
        assert_eq!(page.refs[6].alt, Some(None));
        assert_eq!(page.refs[7].alt, Some(Some(String::new())));
    }
}
