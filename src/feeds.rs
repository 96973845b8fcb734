//! Feeds (render stage, one generator job): the site's posts → Atom (`atom.xml`), RSS 2.0
//! (`rss.xml`) and JSON Feed 1.1 (`feed.json`) at the site root, and — with
//! `feeds.per_term` — the same three under every tag and author path (`/tags/x/atom.xml`).
//!
//! Input: the indexed [`Site`] (posts newest first). Output: [`RenderedFile`]s.
//! Invariants:
//! - entries are the newest `feeds.limit` posts of the listing (0 = all), newest first;
//! - every URL is absolute (permalinks, author pages, and every URL inside entry content);
//! - every id/guid is the entry's permalink, so it never changes between builds;
//! - feed-level dates are the newest entry's `updated` (else `date`), never the build time,
//!   so the same input always gives byte-identical feeds;
//! - text contains no character XML 1.0 forbids, and is escaped exactly once (HTML payloads
//!   travel in CDATA sections, so `&amp;` in a post stays `&amp;` in the file).
//!
//! [`autodiscovery`] names exactly the files [`generate`] writes.

mod atom;
pub mod content;
mod json;
mod rss;
mod xml;

use rayon::prelude::*;
use tera::Value;

use crate::config::{Config, FeedContent};
use crate::error::Diagnostic;
use crate::model::{Post, Site};
use crate::pipeline::render::{FileData, RenderedFile, Renderer, feed_link};
use crate::values::list;
use content::{clean_html, clean_text, feed_html};

/// File name of the Atom feed in a feed folder.
pub const ATOM_FILE: &str = "atom.xml";
/// File name of the RSS 2.0 feed in a feed folder.
pub const RSS_FILE: &str = "rss.xml";
/// File name of the JSON Feed 1.1 feed in a feed folder.
pub const JSON_FILE: &str = "feed.json";

/// Title of the feeds of a tag or author named `name`: `Site title — name`.
pub fn term_feed_title(config: &Config, name: &str) -> String {
    format!("{} — {name}", config.title)
}

/// Autodiscovery `<link>` values for a page: the site feeds, plus the feeds of the tag or
/// author `term` = (site path, display name) when `feeds.per_term` is on. Each value is
/// `{type, title, url}` with `url` carrying the base path.
pub fn autodiscovery(config: &Config, term: Option<(&str, &str)>) -> Value {
    let f = &config.feeds;
    let mut links = Vec::new();
    let mut add = |base: &str, title: &str| {
        if f.atom {
            links.push(feed_link(
                "application/atom+xml",
                title,
                &config.url(&format!("{base}{ATOM_FILE}")),
            ));
        }
        if f.rss {
            links.push(feed_link(
                "application/rss+xml",
                title,
                &config.url(&format!("{base}{RSS_FILE}")),
            ));
        }
        if f.json {
            links.push(feed_link(
                "application/feed+json",
                title,
                &config.url(&format!("{base}{JSON_FILE}")),
            ));
        }
    };
    add("/", &config.title);
    if let Some((path, name)) = term
        && f.per_term
    {
        add(path, &term_feed_title(config, name));
    }
    list(links)
}

/// A person credited in a feed: display name and absolute page URL.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub name: String,
    pub url: Option<String>,
}

/// One post, prepared once for every feed it appears in. All strings are clean of
/// XML-forbidden characters; URLs are absolute.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub title: String,
    pub url: String,
    /// Publication instant in the post's own offset.
    pub published: jiff::Zoned,
    /// `updated`, else `published`.
    pub updated: jiff::Zoned,
    pub authors: Vec<Person>,
    pub tags: Vec<String>,
    /// Summary as HTML: the post's `summary:` as a paragraph, else the highlights as a list,
    /// else the body's summary.
    pub summary_html: Option<String>,
    /// Summary as plain text (JSON Feed `summary`).
    pub summary_text: Option<String>,
    /// Entry content: the whole post or its summary, per `feeds.content`.
    pub content_html: String,
    /// Social image, absolute.
    pub image: Option<String>,
}

/// One feed (in all enabled formats): its listing and metadata.
#[derive(Debug)]
pub(crate) struct Feed<'e> {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Absolute URL of the page this feed mirrors (home, tag or author page).
    pub home_url: String,
    /// Absolute URLs of the three files.
    pub atom_url: String,
    pub rss_url: String,
    pub json_url: String,
    /// Who the feed is by (publisher, or the author of an author feed).
    pub author: Person,
    /// Absolute site logo URL.
    pub logo: Option<String>,
    pub entries: Vec<&'e Entry>,
}

impl Feed<'_> {
    /// The newest `updated` among the entries (ties: the first listed), `None` when empty.
    pub fn updated(&self) -> Option<&jiff::Zoned> {
        self.entries
            .iter()
            .map(|e| &e.updated)
            .fold(None, |best: Option<&jiff::Zoned>, z| match best {
                Some(b) if b.timestamp() >= z.timestamp() => Some(b),
                _ => Some(z),
            })
    }
}

/// RFC 2822 date with the date's own numeric offset and English names, 4-digit year, e.g.
/// `Tue, 05 Mar 2024 23:30:00 +0530`.
pub fn rfc2822(z: &jiff::Zoned) -> String {
    z.strftime("%a, %d %b %Y %H:%M:%S %z").to_string()
}

/// A feed format's writer: the feed → file bytes, or why it could not be written.
type Writer = fn(&Feed<'_>) -> Result<Vec<u8>, String>;

/// The generator string written into feeds.
pub(crate) const GENERATOR: &str = concat!("smelt ", env!("CARGO_PKG_VERSION"));

fn highlights_html(highlights: &[String]) -> String {
    let mut s = String::from("<ul>");
    for h in highlights {
        s.push_str("<li>");
        s.push_str(&html_escape::encode_text(&clean_text(h)));
        s.push_str("</li>");
    }
    s.push_str("</ul>");
    s
}

fn entry(site: &Site, p: &Post) -> Entry {
    let c = &site.config;
    let url = c.abs_url(&p.path);
    let prepare = |html: &str| clean_html(&feed_html(html, &url)).into_owned();
    let post_summary =
        (!p.body.summary_html.trim().is_empty()).then(|| prepare(&p.body.summary_html));
    // The writer's own `summary:` first (as in the page's meta description), then the
    // highlights, then the body's summary.
    let (summary_html, summary_text) = match &p.summary_text {
        Some(t) => {
            let t = clean_text(t);
            (
                Some(format!("<p>{}</p>", html_escape::encode_text(&t))),
                Some(t.into_owned()),
            )
        }
        None if !p.highlights.is_empty() => (
            Some(highlights_html(&p.highlights)),
            Some(clean_text(&p.highlights.join(" ")).into_owned()),
        ),
        None => (
            post_summary.clone(),
            post_summary.as_deref().map(crate::templates::strip_tags),
        ),
    };
    let summary_text = summary_text.filter(|t| !t.trim().is_empty());
    let content_html = match c.feeds.content {
        FeedContent::Full => prepare(&p.body.html),
        FeedContent::Summary => {
            let mut s = post_summary.unwrap_or_default();
            s.push_str(&format!(
                "<p><a href=\"{}\">Continue reading</a></p>",
                html_escape::encode_double_quoted_attribute(&url)
            ));
            s
        }
    };
    Entry {
        title: clean_text(&p.title).into_owned(),
        url: clean_text(&url).into_owned(),
        published: p.date.clone(),
        updated: p.last_modified().clone(),
        authors: p
            .authors
            .iter()
            .map(|&a| {
                let au = &site.authors[a];
                Person {
                    name: clean_text(&au.name).into_owned(),
                    url: Some(c.abs_url(&au.path)),
                }
            })
            .collect(),
        tags: p
            .tag_ids
            .iter()
            .map(|&t| clean_text(&site.tags[t].name).into_owned())
            .collect(),
        summary_html,
        summary_text,
        content_html,
        image: p
            .image
            .as_deref()
            .map(|i| clean_text(&c.abs_url(i)).into_owned()),
    }
}

/// A listing that gets feeds: its site path, title, description, author and posts.
struct Listing<'s> {
    path: String,
    title: String,
    description: String,
    author: Person,
    posts: &'s [usize],
}

fn listings<'s>(site: &'s Site, all: &'s [usize]) -> Vec<Listing<'s>> {
    let c = &site.config;
    let publisher = Person {
        name: clean_text(c.publisher_name()).into_owned(),
        url: Some(c.base_url.clone()),
    };
    let description = if c.description.trim().is_empty() {
        format!("The latest posts from {}", c.title)
    } else {
        c.description.clone()
    };
    let mut out = vec![Listing {
        path: "/".into(),
        title: c.title.clone(),
        description,
        author: publisher.clone(),
        posts: all,
    }];
    if c.feeds.per_term {
        for t in &site.tags {
            out.push(Listing {
                path: t.path.clone(),
                title: term_feed_title(c, &t.name),
                description: format!("Posts tagged {} on {}", t.name, c.title),
                author: publisher.clone(),
                posts: &t.posts,
            });
        }
        for (a, au) in site.authors.iter().enumerate() {
            out.push(Listing {
                path: au.path.clone(),
                title: term_feed_title(c, &au.name),
                description: format!("Posts by {} on {}", au.name, c.title),
                author: Person {
                    name: clean_text(&au.name).into_owned(),
                    url: Some(c.abs_url(&au.path)),
                },
                posts: &site.author_posts[a],
            });
        }
    }
    out
}

fn feed_error(path: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("feed", format!("cannot write the feed {path}: {e}"))
}

/// Writes every feed file: for the site root and (with `feeds.per_term`) every tag and
/// author, one file per enabled format. An empty site gets valid feeds with no entries.
///
/// Errors: a diagnostic naming the feed file if serialisation fails (it does not on valid
/// UTF-8 input; the error path exists so nothing panics).
// The signature every render-stage generator shares; `Diagnostic` is the crate-wide error.
#[allow(clippy::result_large_err)]
pub fn generate(r: &Renderer<'_>) -> Result<Vec<RenderedFile>, Diagnostic> {
    let site = r.site;
    let c = &site.config;
    let f = &c.feeds;
    if !(f.atom || f.rss || f.json) {
        return Ok(Vec::new());
    }
    let limit = if f.limit == 0 { usize::MAX } else { f.limit };
    let all: Vec<usize> = (0..site.posts.len()).collect();
    let lists = listings(site, &all);

    // Prepare each post that appears in at least one feed, once.
    let mut needed = vec![false; site.posts.len()];
    for l in &lists {
        for &i in l.posts.iter().take(limit) {
            needed[i] = true;
        }
    }
    let entries: Vec<Option<Entry>> = site
        .posts
        .par_iter()
        .enumerate()
        .map(|(i, p)| needed[i].then(|| entry(site, p)))
        .collect();

    let logo = c
        .logo
        .as_deref()
        .map(|l| clean_text(&c.abs_url(l)).into_owned());
    // Errors are (file, reason) here and become a diagnostic at the end.
    let results: Vec<Result<Vec<RenderedFile>, (String, String)>> = lists
        .par_iter()
        .map(|l| {
            let feed = Feed {
                title: clean_text(&l.title).into_owned(),
                description: clean_text(&l.description).into_owned(),
                language: clean_text(&c.language).into_owned(),
                home_url: c.abs_url(&l.path),
                atom_url: c.abs_url(&format!("{}{ATOM_FILE}", l.path)),
                rss_url: c.abs_url(&format!("{}{RSS_FILE}", l.path)),
                json_url: c.abs_url(&format!("{}{JSON_FILE}", l.path)),
                author: l.author.clone(),
                logo: logo.clone(),
                entries: l
                    .posts
                    .iter()
                    .take(limit)
                    .filter_map(|&i| entries[i].as_ref())
                    .collect(),
            };
            let dir = l.path.trim_start_matches('/');
            let mut files = Vec::with_capacity(3);
            let formats: [(bool, &str, Writer); 3] = [
                (f.atom, ATOM_FILE, |feed| {
                    atom::write(feed).map_err(|e| e.to_string())
                }),
                (f.rss, RSS_FILE, |feed| {
                    rss::write(feed).map_err(|e| e.to_string())
                }),
                (f.json, JSON_FILE, |feed| {
                    json::write(feed).map_err(|e| e.to_string())
                }),
            ];
            for (on, name, write) in formats {
                if on {
                    let path = format!("{dir}{name}");
                    match write(&feed) {
                        Ok(data) => files.push(RenderedFile {
                            path,
                            data: FileData::Bytes(data),
                        }),
                        Err(e) => return Err((path, e)),
                    }
                }
            }
            Ok(files)
        })
        .collect();
    let mut files = Vec::new();
    for res in results {
        files.extend(res.map_err(|(path, e)| feed_error(&path, e))?);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_uses_the_posts_offset_and_english_names() {
        let z: jiff::Zoned = "2024-03-05T23:30:00+05:30[+05:30]".parse().unwrap();
        assert_eq!(rfc2822(&z), "Tue, 05 Mar 2024 23:30:00 +0530");
        let z: jiff::Zoned = "2024-01-15T08:00:00-05:00[-05:00]".parse().unwrap();
        assert_eq!(rfc2822(&z), "Mon, 15 Jan 2024 08:00:00 -0500");
    }

    #[test]
    fn highlights_are_escaped_once_and_cleaned() {
        assert_eq!(
            highlights_html(&["R&D <up>".into(), "bell\u{7}here".into()]),
            "<ul><li>R&amp;D &lt;up&gt;</li><li>bellhere</li></ul>"
        );
    }
}
