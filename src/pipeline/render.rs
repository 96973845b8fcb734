//! Render stage: `&Site` → rendered files, through a flat list of [`Job`]s rendered in
//! parallel (rayon). Site-wide values (post cards, author and tag values, the recent-news
//! sidebar fragment) are built once per build and shared by every job.
//!
//! Output paths are derived from site paths (`/posts/x/` → `posts/x/index.html`), which the
//! parse and index stages have already made safe. A template error names the template file,
//! line and column, and the page being rendered.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use tera::{Context, Value};

use crate::error::{Diagnostic, Diagnostics};
use crate::model::{Site, StaticSource};
use crate::seo::{self, Meta, PageKind};
use crate::templates::Templates;
use crate::values::{self, Shared, html, list, map, text};

/// Bytes of one output file, or where to copy them from.
#[derive(Debug, Clone)]
pub enum FileData {
    /// Rendered content.
    Bytes(Vec<u8>),
    /// A static file to copy.
    Static(StaticSource),
}

impl FileData {
    /// `true` for a file copied from disk: it is named by that file in messages, not by the
    /// job that copies it.
    pub fn is_copied(&self) -> bool {
        matches!(self, FileData::Static(StaticSource::Disk(_)))
    }
}

/// One output file: its path relative to the output root (`/`-separated) and its data.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    /// Relative output path, e.g. `posts/x/index.html`.
    pub path: String,
    /// Content.
    pub data: FileData,
}

/// What makes an output file, for messages about it (two things writing one output path).
///
/// `what` reads inside a sentence: `the page of content/posts/x.md`, `static/robots.txt`,
/// `the feeds`. `source` is the site-relative file to change (`/`-separated) and `at` the
/// 1-based line and column in it, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Description, e.g. `the page of content/posts/x.md`.
    pub what: String,
    /// Site-relative source file, if there is one.
    pub source: Option<String>,
    /// 1-based (line, column) in `source`, if known.
    pub at: Option<(usize, usize)>,
}

impl Origin {
    /// A description with no source file.
    pub fn named(what: impl Into<String>) -> Origin {
        Origin {
            what: what.into(),
            source: None,
            at: None,
        }
    }

    /// A file copied as-is from `path` (shown relative to the site `root` when inside it).
    pub fn copied_from(root: &Path, path: &Path) -> Origin {
        let rel = crate::error::display_path(path.strip_prefix(root).unwrap_or(path));
        Origin {
            what: rel.clone(),
            source: Some(rel),
            at: None,
        }
    }

    /// The origin of `file`, one of the files of a job whose origin is `job`: a file copied
    /// from disk (a static file, a bundle asset beside a post) is named by its source file
    /// under `root`; anything else is the job's.
    pub fn of_file(file: &RenderedFile, job: &Arc<Origin>, root: &Path) -> Arc<Origin> {
        match &file.data {
            FileData::Static(StaticSource::Disk(p)) => Arc::new(Origin::copied_from(root, p)),
            _ => job.clone(),
        }
    }
}

/// Files written by code rather than templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Generator {
    /// `syntax.css`: the code highlighting stylesheet.
    HighlightCss,
    /// `_redirects` for hosts that read one (when `redirects_file = true`).
    Redirects,
    /// Feeds (Atom, RSS, JSON Feed) for the site, tags and authors.
    Feeds,
    /// `sitemap.xml` (and an index past 50,000 URLs) and `robots.txt`.
    Sitemap,
    /// The search index.
    Search,
}

/// One unit of render work.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// A post page (index into `Site::posts`).
    Post(usize),
    /// A standalone page.
    Page(usize),
    /// Home listing page N (1-based).
    Home(usize),
    /// The tag index.
    Tags,
    /// Tag T, listing page N.
    Tag(usize, usize),
    /// The author index.
    Authors,
    /// Author A, listing page N.
    Author(usize, usize),
    /// `404.html`.
    NotFound,
    /// A redirect page from an alias site path to a site path.
    Alias {
        /// The alias site path.
        from: String,
        /// The target site path.
        to: String,
    },
    /// A static file (index into `Site::static_files`).
    Static(usize),
    /// Files made by code.
    Generated(Generator),
}

/// The site path an output path is served at: `index.html` → `/`, `a/index.html` → `/a/`,
/// `a.html` → `/a.html`.
pub fn site_path_of(output: &str) -> String {
    if output == "index.html" {
        "/".into()
    } else if let Some(dir) = output.strip_suffix("/index.html") {
        format!("/{dir}/")
    } else {
        format!("/{output}")
    }
}

/// The output paths (lower-cased) of the site paths the index stage reported as wanted
/// twice (`Site::contested`): later stages do not report them again. Compared as output
/// paths, since an alias's site path is percent-encoded and its output path is not.
pub fn contested_outputs(site: &Site) -> std::collections::HashSet<String> {
    site.contested
        .iter()
        .map(|p| output_path(p).to_lowercase())
        .collect()
}

/// The output path of a site path: `/` → `index.html`, `/a/` → `a/index.html`, `/a.html`
/// stays `a.html`.
pub fn output_path(site_path: &str) -> String {
    // A host decodes a request's percent-encoding before it looks for the file (aliases
    // keep theirs encoded; every other site path is plain ASCII).
    let decoded = percent_encoding::percent_decode_str(site_path).decode_utf8_lossy();
    let p = decoded.trim_start_matches('/');
    if p.is_empty() {
        "index.html".into()
    } else if p.ends_with('/') {
        format!("{p}index.html")
    } else {
        p.to_string()
    }
}

/// Site path of listing page `n` under `base` (`/tags/x/` → `/tags/x/page/2/`).
pub fn page_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

/// Number of listing pages for `count` items (at least 1: an empty listing still has a page).
pub fn page_count(count: usize, per_page: usize) -> usize {
    count.div_ceil(per_page.max(1)).max(1)
}

/// Everything shared by the jobs of one build.
pub struct Renderer<'a> {
    /// The site.
    pub site: &'a Site,
    /// Templates.
    pub templates: &'a Templates,
    /// Shared author/tag values.
    pub shared: Shared,
    /// Post cards, parallel to `Site::posts`.
    pub cards: Vec<Value>,
    /// The `site` value every template receives.
    pub site_value: Value,
    /// The site-wide `feeds` autodiscovery value.
    pub feeds_value: Value,
    /// Sidebar HTML for pages that are not among the recent posts.
    pub sidebar: Value,
    /// Sidebar HTML for each recent post (that post left out).
    pub sidebar_without: Vec<(usize, Value)>,
    /// `0..posts.len()`: the items of the home listing.
    all: Vec<usize>,
    /// Page links of every listing (home, tags, authors) by base site path, built once so a
    /// listing of N pages costs O(N) values, not O(N²).
    links: HashMap<String, PageLinks>,
    /// Site path of each post and page with aliases → its source and the position of its
    /// `aliases:` key, built on the first [`Renderer::origin`] of an alias.
    alias_owners: OnceLock<HashMap<(String, String), AliasOwner>>,
}

/// The source of a page with aliases and the 1-based (line, column) of one `aliases:` entry,
/// by (site path of the page, alias site path).
type AliasOwner = (String, (usize, usize));

/// The links to every page of one listing: `{number, url, current, gap}` values with
/// `current` false (`plain`) and true (`current`), and the URLs alone; index `k - 1` is page
/// `k`. Shared by all the listing's pages.
struct PageLinks {
    plain: Vec<Value>,
    current: Vec<Value>,
    urls: Vec<Value>,
}

impl PageLinks {
    fn new(c: &crate::config::Config, base: &str, total: usize) -> PageLinks {
        let urls: Vec<Value> = (1..=total)
            .map(|k| text(&c.url(&page_path(base, k))))
            .collect();
        let entry = |k: usize, current: bool| {
            map([
                ("number", Value::from(k)),
                ("url", urls[k - 1].clone()),
                ("current", Value::from(current)),
                ("gap", Value::from(false)),
            ])
        };
        PageLinks {
            plain: (1..=total).map(|k| entry(k, false)).collect(),
            current: (1..=total).map(|k| entry(k, true)).collect(),
            urls,
        }
    }
}

impl<'a> Renderer<'a> {
    /// Prepares shared values and renders the sidebar variants. Fails with the template
    /// error if the sidebar does not render.
    pub fn new(site: &'a Site, templates: &'a Templates) -> Result<Self, Diagnostics> {
        let shared = Shared::new(site);
        let cards: Vec<Value> = site
            .posts
            .par_iter()
            .map(|p| Value::from(values::post_card(&site.config, &shared, p)))
            .collect();
        Self::with_cards(site, templates, shared, cards)
    }

    /// Like [`Renderer::new`], with the shared values and post cards given: `shared` must be
    /// `Shared::new(site)` and `cards[i]` must equal `post_card(&site.config, &shared,
    /// &site.posts[i])` (`serve` keeps the cards of unchanged posts between rebuilds).
    pub fn with_cards(
        site: &'a Site,
        templates: &'a Templates,
        shared: Shared,
        cards: Vec<Value>,
    ) -> Result<Self, Diagnostics> {
        let site_value = values::site_value(site);
        let feeds_value = crate::feeds::autodiscovery(&site.config, None);
        let mut r = Renderer {
            site,
            templates,
            shared,
            cards,
            site_value,
            feeds_value,
            sidebar: Value::none(),
            sidebar_without: Vec::new(),
            all: (0..site.posts.len()).collect(),
            links: HashMap::new(),
            alias_owners: OnceLock::new(),
        };
        let per = site.config.paginate_by;
        let listings = std::iter::once(("/", site.posts.len()))
            .chain(site.tags.iter().map(|t| (t.path.as_str(), t.posts.len())))
            .chain(
                site.authors
                    .iter()
                    .zip(&site.author_posts)
                    .map(|(a, p)| (a.path.as_str(), p.len())),
            );
        for (base, count) in listings {
            r.links
                .entry(base.to_string())
                .or_insert_with(|| PageLinks::new(&site.config, base, page_count(count, per)));
        }
        let n = site.config.recent_posts;
        let first: Vec<usize> = (0..site.posts.len().min(n)).collect();
        let mut diags = Diagnostics::new();
        match r.render_sidebar(&first) {
            Ok(v) => r.sidebar = v,
            Err(d) => diags.push(d),
        }
        if !diags.has_errors() {
            let pool: Vec<usize> = (0..site.posts.len().min(n + 1)).collect();
            for &skip in &first {
                let items: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|&i| i != skip)
                    .take(n)
                    .collect();
                match r.render_sidebar(&items) {
                    Ok(v) => r.sidebar_without.push((skip, v)),
                    Err(d) => {
                        diags.push(d);
                        break;
                    }
                }
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(r)
        }
    }

    fn render_sidebar(&self, items: &[usize]) -> Result<Value, Diagnostic> {
        let mut ctx = Context::new();
        ctx.insert_value("site", self.site_value.clone());
        ctx.insert_value(
            "recent",
            list(items.iter().map(|&i| self.cards[i].clone()).collect()),
        );
        let out =
            self.templates
                .render("partials/sidebar.html", &ctx, "the recent-news sidebar")?;
        Ok(html(&out))
    }

    /// The output paths `job` makes, known without rendering it: every path of a page,
    /// listing, alias or static job, and of the stylesheet and `_redirects` generators. Empty
    /// for the feed, sitemap and search generators, whose files depend on what they render.
    pub fn planned_outputs(&self, job: &Job) -> Vec<String> {
        let site = self.site;
        let c = &site.config;
        match job {
            Job::Post(i) => {
                let p = &site.posts[*i];
                std::iter::once(output_path(&p.path))
                    .chain(post_assets(p).map(|f| f.path))
                    .collect()
            }
            Job::Page(i) => vec![output_path(&site.pages[*i].path)],
            Job::Home(n) => vec![output_path(&page_path("/", *n))],
            Job::Tags => vec![output_path(&crate::pipeline::index::index_path(
                &c.permalinks.tags,
            ))],
            Job::Tag(t, n) => vec![output_path(&page_path(&site.tags[*t].path, *n))],
            Job::Authors => vec![output_path(&crate::pipeline::index::index_path(
                &c.permalinks.authors,
            ))],
            Job::Author(a, n) => vec![output_path(&page_path(&site.authors[*a].path, *n))],
            Job::NotFound => vec![output_path("/404.html")],
            Job::Alias { from, .. } => vec![output_path(from)],
            Job::Static(i) => vec![site.static_files[*i].to.clone()],
            Job::Generated(Generator::HighlightCss) => vec!["syntax.css".into()],
            Job::Generated(Generator::Redirects) => vec!["_redirects".into()],
            Job::Generated(_) => Vec::new(),
        }
    }

    /// Every job of the build, in a deterministic order.
    pub fn jobs(&self) -> Vec<Job> {
        let site = self.site;
        let c = &site.config;
        let mut jobs = Vec::with_capacity(site.posts.len() * 2 + 64);
        jobs.extend((0..site.posts.len()).map(Job::Post));
        jobs.extend((0..site.pages.len()).map(Job::Page));
        jobs.extend((1..=page_count(site.posts.len(), c.paginate_by)).map(Job::Home));
        jobs.push(Job::Tags);
        for (t, term) in site.tags.iter().enumerate() {
            jobs.extend((1..=page_count(term.posts.len(), c.paginate_by)).map(|n| Job::Tag(t, n)));
        }
        jobs.push(Job::Authors);
        for (a, posts) in site.author_posts.iter().enumerate() {
            jobs.extend((1..=page_count(posts.len(), c.paginate_by)).map(|n| Job::Author(a, n)));
        }
        jobs.push(Job::NotFound);
        for p in &site.posts {
            for alias in &p.aliases {
                if let Ok(from) = crate::pipeline::index::normalize_alias(alias) {
                    jobs.push(Job::Alias {
                        from,
                        to: p.path.clone(),
                    });
                }
            }
        }
        for p in &site.pages {
            for alias in &p.aliases {
                if let Ok(from) = crate::pipeline::index::normalize_alias(alias) {
                    jobs.push(Job::Alias {
                        from,
                        to: p.path.clone(),
                    });
                }
            }
        }
        jobs.extend((0..site.static_files.len()).map(Job::Static));
        jobs.push(Job::Generated(Generator::HighlightCss));
        if c.redirects_file {
            jobs.push(Job::Generated(Generator::Redirects));
        }
        jobs.push(Job::Generated(Generator::Feeds));
        jobs.push(Job::Generated(Generator::Sitemap));
        if c.search.enabled {
            jobs.push(Job::Generated(Generator::Search));
        }
        jobs
    }

    /// What `job` is, for messages about its files (see [`Origin::of_file`] for the files it
    /// copies from disk). Static files are named by their source below the site `root`.
    pub fn origin(&self, job: &Job, root: &Path) -> Origin {
        let site = self.site;
        let page_of = |source: &str, n: usize, what: &str| {
            let page = if n > 1 {
                format!("page {n} of ")
            } else {
                String::new()
            };
            format!("{page}the {what} of {source}")
        };
        match job {
            Job::Post(i) => {
                let p = &site.posts[*i];
                Origin {
                    what: page_of(&p.source, 1, "page"),
                    source: Some(p.source.clone()),
                    at: None,
                }
            }
            Job::Page(i) => {
                let p = &site.pages[*i];
                Origin {
                    what: page_of(&p.source, 1, "page"),
                    source: Some(p.source.clone()),
                    at: None,
                }
            }
            Job::Home(1) => Origin::named("the home page"),
            Job::Home(n) => Origin::named(format!("home page {n}")),
            Job::Tags => Origin::named("the tag index"),
            Job::Tag(t, n) => Origin::named(page_of(
                &format!("tag `{}`", site.tags[*t].name),
                *n,
                "listing",
            )),
            Job::Authors => Origin::named("the author index"),
            Job::Author(a, n) => {
                let author = &site.authors[*a];
                let who = author
                    .source
                    .clone()
                    .unwrap_or_else(|| format!("`{}`", author.name));
                Origin {
                    what: page_of(&who, *n, "author page"),
                    source: author.source.clone(),
                    at: None,
                }
            }
            Job::NotFound => Origin::named("the 404 page"),
            Job::Alias { from, to } => {
                let owners = self.alias_owners.get_or_init(|| {
                    let posts = site
                        .posts
                        .iter()
                        .map(|p| (&p.path, &p.source, &p.aliases, &p.alias_pos));
                    let pages = site
                        .pages
                        .iter()
                        .map(|p| (&p.path, &p.source, &p.aliases, &p.alias_pos));
                    let mut owners = HashMap::new();
                    for (path, source, aliases, at) in posts.chain(pages) {
                        for (i, alias) in aliases.iter().enumerate() {
                            if let Ok(from) = crate::pipeline::index::normalize_alias(alias) {
                                let at = at.get(i).copied().unwrap_or((1, 1));
                                owners
                                    .entry((path.clone(), from))
                                    .or_insert((source.clone(), at));
                            }
                        }
                    }
                    owners
                });
                match owners.get(&(to.clone(), from.clone())) {
                    Some((source, at)) => Origin {
                        what: format!("the alias {from} of {source}"),
                        source: Some(source.clone()),
                        at: Some(*at),
                    },
                    None => Origin::named(format!("the alias {from} of {to}")),
                }
            }
            Job::Static(i) => match &site.static_files[*i].from {
                StaticSource::Disk(p) => Origin::copied_from(root, p),
                StaticSource::Embedded(_) => Origin::named(format!(
                    "the built-in theme's static/{}",
                    site.static_files[*i].to
                )),
            },
            Job::Generated(g) => Origin::named(match g {
                Generator::HighlightCss => "the code highlighting stylesheet",
                Generator::Redirects => "the _redirects file (redirects_file = true)",
                Generator::Feeds => "the feeds",
                Generator::Sitemap => "the sitemap and robots.txt",
                Generator::Search => "the search index",
            }),
        }
    }

    /// What makes output `path` of `job` as a claim of the write stage names it: a file
    /// copied from disk (`copied`, see [`FileData::is_copied`]) by [`Renderer::origin_of_output`],
    /// anything else by the job ([`Renderer::origin`]; a post's page and a file copied beside
    /// it under the same path are two producers).
    pub fn producer(&self, job: &Job, path: &str, copied: bool, root: &Path) -> Origin {
        if copied {
            self.origin_of_output(job, path, root)
        } else {
            self.origin(job, root)
        }
    }

    /// What makes output `path` of `job`: a bundle asset of a post is named by its file,
    /// anything else as [`Renderer::origin`] names the job.
    pub fn origin_of_output(&self, job: &Job, path: &str, root: &Path) -> Origin {
        if let Job::Post(i) = job
            && let Some(f) = post_assets(&self.site.posts[*i]).find(|f| f.path == path)
            && let FileData::Static(StaticSource::Disk(from)) = &f.data
        {
            return Origin::copied_from(root, from);
        }
        self.origin(job, root)
    }

    /// Renders every job in parallel; collects all errors.
    pub fn render_all(&self) -> Result<Vec<RenderedFile>, Diagnostics> {
        let results: Vec<Result<Vec<RenderedFile>, Diagnostic>> =
            self.jobs().par_iter().map(|j| self.render(j)).collect();
        let mut files = Vec::new();
        let mut diags = Diagnostics::new();
        for r in results {
            match r {
                Ok(fs) => files.extend(fs),
                Err(d) => diags.push(d),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn base_context(&self, kind: &str, site_path: &str, meta: &Meta, sidebar: &Value) -> Context {
        let c = &self.site.config;
        let mut ctx = Context::new();
        ctx.insert_value("site", self.site_value.clone());
        ctx.insert_value("meta", meta.to_value());
        ctx.insert_value("sidebar", sidebar.clone());
        ctx.insert_value("page_kind", text(kind));
        ctx.insert_value("current_url", text(&c.url(site_path)));
        ctx.insert_value("current_path", text(site_path));
        ctx.insert_value("feeds", self.feeds_value.clone());
        ctx
    }

    fn page_file(
        &self,
        site_path: &str,
        template: &str,
        ctx: &Context,
        what: &str,
    ) -> Result<Vec<RenderedFile>, Diagnostic> {
        let out = self.templates.render(template, ctx, what)?;
        Ok(vec![RenderedFile {
            path: output_path(site_path),
            data: FileData::Bytes(out.into_bytes()),
        }])
    }

    /// A paginator value for page `n` of `items` listed under `base` (a site path): its page
    /// links come from the listing's shared [`PageLinks`]; `window` holds the pages the default
    /// pager prints (first, last, `n` ± 2, and `gap` markers at `n` ± 3).
    fn paginator(&self, items: &[usize], n: usize, base: &str) -> Value {
        let c = &self.site.config;
        let per = c.paginate_by.max(1);
        let total = page_count(items.len(), per);
        let start = ((n - 1) * per).min(items.len());
        let end = (start + per).min(items.len());
        let built;
        let links = match self.links.get(base) {
            Some(l) if l.urls.len() == total => l,
            _ => {
                built = PageLinks::new(c, base, total);
                &built
            }
        };
        let entry = |k: usize| {
            if k == n {
                links.current[k - 1].clone()
            } else {
                links.plain[k - 1].clone()
            }
        };
        let pages = (1..=total).map(entry).collect();
        let mut window = Vec::with_capacity(9);
        for k in 1..=total {
            let shown = k == 1 || k == total || (k + 2 >= n && k <= n + 2);
            if shown {
                window.push(entry(k));
            } else if k + 3 == n || k == n + 3 {
                window.push(map([
                    ("number", Value::from(k)),
                    ("url", links.urls[k - 1].clone()),
                    ("current", Value::from(false)),
                    ("gap", Value::from(true)),
                ]));
            } else if k > n + 3 {
                // Only the last page is left to show.
                window.push(entry(total));
                break;
            }
        }
        let url = |k: usize| links.urls[k - 1].clone();
        map([
            (
                "items",
                list(
                    items[start..end]
                        .iter()
                        .map(|&i| self.cards[i].clone())
                        .collect(),
                ),
            ),
            ("number", Value::from(n)),
            ("total_pages", Value::from(total)),
            ("total_items", Value::from(items.len())),
            ("per_page", Value::from(per)),
            ("first_url", url(1)),
            ("last_url", url(total)),
            ("prev_url", if n > 1 { url(n - 1) } else { Value::none() }),
            (
                "next_url",
                if n < total { url(n + 1) } else { Value::none() },
            ),
            ("pages", list(pages)),
            ("window", list(window)),
        ])
    }

    /// Renders one job into its file(s).
    pub fn render(&self, job: &Job) -> Result<Vec<RenderedFile>, Diagnostic> {
        let site = self.site;
        let c = &site.config;
        match job {
            Job::Post(i) => {
                let p = &site.posts[*i];
                let sidebar = self
                    .sidebar_without
                    .iter()
                    .find(|(k, _)| k == i)
                    .map(|(_, v)| v)
                    .unwrap_or(&self.sidebar);
                let meta = seo::for_post(site, p);
                let mut ctx = self.base_context("post", &p.path, &meta, sidebar);
                let mut post = values::post_card(c, &self.shared, p);
                let authors = p
                    .authors
                    .iter()
                    .map(|&a| values::author_full(c, &site.authors[a], site.author_posts[a].len()))
                    .collect();
                post.insert("authors".into(), list(authors));
                post.insert("content".into(), html(&p.body.html));
                post.insert("toc".into(), values::toc(&p.body.toc));
                post.insert("sources".into(), values::sources(&p.sources));
                post.insert(
                    "previous".into(),
                    values::neighbour(c, site.posts.get(i + 1)),
                );
                post.insert(
                    "next".into(),
                    values::neighbour(c, i.checked_sub(1).and_then(|j| site.posts.get(j))),
                );
                post.insert(
                    "related".into(),
                    list(
                        site.related[*i]
                            .iter()
                            .map(|&j| self.cards[j].clone())
                            .collect(),
                    ),
                );
                ctx.insert_value("post", Value::from(post));
                let mut files = self.page_file(
                    &p.path,
                    "post.html",
                    &ctx,
                    &format!("{} from {}", p.path, p.source),
                )?;
                files.extend(post_assets(p));
                Ok(files)
            }
            Job::Page(i) => {
                let p = &site.pages[*i];
                let meta = seo::for_page(site, p);
                let mut ctx = self.base_context("page", &p.path, &meta, &self.sidebar);
                let (date, updated) = (
                    p.date
                        .as_ref()
                        .map(|d| text(&values::rfc3339(d)))
                        .unwrap_or_else(Value::none),
                    p.updated
                        .as_ref()
                        .map(|d| text(&values::rfc3339(d)))
                        .unwrap_or_else(Value::none),
                );
                ctx.insert_value(
                    "page",
                    map([
                        ("title", text(&p.title)),
                        ("slug", text(&p.slug)),
                        ("url", text(&c.url(&p.path))),
                        ("permalink", text(&c.abs_url(&p.path))),
                        ("content", html(&p.body.html)),
                        ("summary", html(&p.body.summary_html)),
                        ("toc", values::toc(&p.body.toc)),
                        ("date", date),
                        ("updated", updated),
                        (
                            "date_display",
                            p.date
                                .as_ref()
                                .map(|d| text(&values::display_date(d)))
                                .unwrap_or_else(Value::none),
                        ),
                        (
                            "updated_display",
                            p.updated
                                .as_ref()
                                .map(|d| text(&values::display_date(d)))
                                .unwrap_or_else(Value::none),
                        ),
                        ("word_count", Value::from(p.body.word_count)),
                        ("reading_minutes", Value::from(p.body.reading_minutes)),
                        ("extra", Value::from_serializable(&p.extra)),
                    ]),
                );
                let template = p.template.as_deref().unwrap_or("page.html");
                if !self.templates.has(template) {
                    let (l, col) = p.key_pos.get("template").copied().unwrap_or((1, 1));
                    return Err(Diagnostic::error(
                        "template",
                        format!("template `{template}` not found"),
                    )
                    .at_path(&p.source)
                    .at(l, col)
                    .with_help("put it in templates/ or use the default page.html"));
                }
                self.page_file(
                    &p.path,
                    template,
                    &ctx,
                    &format!("{} from {}", p.path, p.source),
                )
            }
            Job::Home(n) => {
                let path = page_path("/", *n);
                let title = if *n > 1 {
                    format!("Page {n}")
                } else {
                    String::new()
                };
                let meta = seo::for_listing(site, PageKind::Home, &title, "", &path);
                let mut ctx = self.base_context("index", &path, &meta, &self.sidebar);
                ctx.insert_value("paginator", self.paginator(&self.all, *n, "/"));
                self.page_file(&path, "index.html", &ctx, &path)
            }
            Job::Tags => {
                let path = crate::pipeline::index::index_path(&c.permalinks.tags);
                let meta = seo::for_listing(site, PageKind::Tags, "Topics", "", &path);
                let mut ctx = self.base_context("tags", &path, &meta, &self.sidebar);
                let mut by_count: Vec<usize> = (0..site.tags.len()).collect();
                by_count.sort_by(|&a, &b| {
                    site.tags[b]
                        .posts
                        .len()
                        .cmp(&site.tags[a].posts.len())
                        .then(site.tags[a].slug.cmp(&site.tags[b].slug))
                });
                ctx.insert_value(
                    "tags",
                    list(
                        site.tags
                            .iter()
                            .enumerate()
                            .map(|(i, _)| self.shared.terms[i].clone())
                            .collect(),
                    ),
                );
                ctx.insert_value(
                    "tags_by_count",
                    list(
                        by_count
                            .into_iter()
                            .map(|i| self.shared.terms[i].clone())
                            .collect(),
                    ),
                );
                self.page_file(&path, "tags.html", &ctx, &path)
            }
            Job::Tag(t, n) => {
                let term = &site.tags[*t];
                let path = page_path(&term.path, *n);
                let title = if *n > 1 {
                    format!("{} (page {n})", term.name)
                } else {
                    term.name.clone()
                };
                let desc = format!("Analysis tagged {} on {}", term.name, c.title);
                let meta = seo::for_listing(site, PageKind::Tags, &title, &desc, &path);
                let mut ctx = self.base_context("tag", &path, &meta, &self.sidebar);
                ctx.insert_value(
                    "feeds",
                    crate::feeds::autodiscovery(c, Some((&term.path, &term.name))),
                );
                ctx.insert_value("tag", self.shared.terms[*t].clone());
                ctx.insert_value("paginator", self.paginator(&term.posts, *n, &term.path));
                self.page_file(&path, "tag.html", &ctx, &path)
            }
            Job::Authors => {
                let path = crate::pipeline::index::index_path(&c.permalinks.authors);
                let meta = seo::for_listing(site, PageKind::Author, "Authors", "", &path);
                let mut ctx = self.base_context("authors", &path, &meta, &self.sidebar);
                let authors = site
                    .authors
                    .iter()
                    .enumerate()
                    .filter(|(a, _)| {
                        !site.author_posts[*a].is_empty() || site.authors[*a].source.is_some()
                    })
                    .map(|(a, au)| values::author_full(c, au, site.author_posts[a].len()))
                    .collect();
                ctx.insert_value("authors", list(authors));
                self.page_file(&path, "authors.html", &ctx, &path)
            }
            Job::Author(a, n) => {
                let au = &site.authors[*a];
                let path = page_path(&au.path, *n);
                let mut meta = seo::for_author(site, au, &path);
                if *n > 1 {
                    meta.title = format!("{} (page {n}) · {}", au.name, c.title);
                    meta.json_ld = None;
                }
                let mut ctx = self.base_context("author", &path, &meta, &self.sidebar);
                ctx.insert_value(
                    "feeds",
                    crate::feeds::autodiscovery(c, Some((&au.path, &au.name))),
                );
                ctx.insert_value(
                    "author",
                    values::author_full(c, au, site.author_posts[*a].len()),
                );
                ctx.insert_value(
                    "paginator",
                    self.paginator(&site.author_posts[*a], *n, &au.path),
                );
                self.page_file(&path, "author.html", &ctx, &path)
            }
            Job::NotFound => {
                let meta =
                    seo::for_listing(site, PageKind::NotFound, "Page not found", "", "/404.html");
                let ctx = self.base_context("404", "/404.html", &meta, &self.sidebar);
                self.page_file("/404.html", "404.html", &ctx, "/404.html")
            }
            Job::Alias { from, to } => {
                let mut ctx = Context::new();
                ctx.insert_value("site", self.site_value.clone());
                ctx.insert_value("target", text(&c.abs_url(to)));
                ctx.insert_value("target_url", text(&c.url(to)));
                self.page_file(from, "alias.html", &ctx, &format!("the alias {from}"))
            }
            Job::Static(i) => {
                let sf = &site.static_files[*i];
                Ok(vec![RenderedFile {
                    path: sf.to.clone(),
                    data: FileData::Static(sf.from.clone()),
                }])
            }
            Job::Generated(g) => self.generate(*g),
        }
    }

    fn generate(&self, g: Generator) -> Result<Vec<RenderedFile>, Diagnostic> {
        let site = self.site;
        let c = &site.config;
        match g {
            Generator::HighlightCss => {
                let css = crate::highlight::stylesheet(&c.markdown.highlight_theme, &c.markdown.highlight_theme_dark)
                    .map_err(|name| {
                        Diagnostic::error("config", format!("unknown highlight theme `{name}`"))
                            .at_path(crate::config::CONFIG_FILE)
                            .with_help("use a syntect theme such as InspiredGitHub, base16-ocean.light, base16-ocean.dark, Solarized (light), or one of bat's (Nord, OneHalfLight, OneHalfDark, GitHub, Dracula…)")
                    })?;
                Ok(vec![RenderedFile {
                    path: "syntax.css".into(),
                    data: FileData::Bytes(css.into_bytes()),
                }])
            }
            Generator::Redirects => {
                let mut out = String::new();
                for p in &site.posts {
                    for a in &p.aliases {
                        if let Ok(from) = crate::pipeline::index::normalize_alias(a) {
                            out.push_str(&format!("{} {} 301\n", c.url(&from), c.url(&p.path)));
                        }
                    }
                }
                for p in &site.pages {
                    for a in &p.aliases {
                        if let Ok(from) = crate::pipeline::index::normalize_alias(a) {
                            out.push_str(&format!("{} {} 301\n", c.url(&from), c.url(&p.path)));
                        }
                    }
                }
                Ok(vec![RenderedFile {
                    path: "_redirects".into(),
                    data: FileData::Bytes(out.into_bytes()),
                }])
            }
            Generator::Feeds => crate::feeds::generate(self),
            Generator::Sitemap => crate::sitemap::generate(self),
            Generator::Search => crate::search::generate(self),
        }
    }
}

/// The files of a post bundle, copied beside the post's page.
pub fn post_assets(p: &crate::model::Post) -> impl Iterator<Item = RenderedFile> + '_ {
    p.assets.iter().map(|asset| RenderedFile {
        path: format!("{}{}", p.path.trim_start_matches('/'), asset.name),
        data: FileData::Static(StaticSource::Disk(asset.from.clone())),
    })
}

/// Renders the whole site into memory, sorted by path (used by `serve` and tests).
pub fn render_site(site: &Site, templates: &Templates) -> Result<Vec<RenderedFile>, Diagnostics> {
    Renderer::new(site, templates)?.render_all()
}

/// Values for the `feeds` autodiscovery list: `{type, title, url}` entries.
pub fn feed_link(kind: &str, title: &str, url: &str) -> Value {
    map([
        ("type", text(kind)),
        ("title", text(title)),
        ("url", text(url)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/posts/x/"), "posts/x/index.html");
        assert_eq!(output_path("/old.html"), "old.html");
        assert_eq!(page_path("/", 1), "/");
        assert_eq!(page_path("/tags/x/", 3), "/tags/x/page/3/");
        assert_eq!(page_count(0, 10), 1);
        assert_eq!(page_count(20, 10), 2);
        assert_eq!(page_count(21, 10), 3);
    }
}
