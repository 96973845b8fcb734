//! Sitemap and robots.txt (render stage, one generator job): the indexed [`Site`] →
//! `sitemap.xml` (a sitemap index of `sitemap-N.xml` files past 50,000 URLs) and `robots.txt`.
//!
//! Invariants: every `<loc>` is the absolute URL (base path included exactly once) of an HTML
//! page this build writes — posts, pages, home/tag/author listings and their pagination, the
//! tag and author indexes; the 404 page and alias redirect pages are never listed. `lastmod`
//! is RFC 3339 in the date's own offset: a post's `updated` (else `date`), a page's, or for a
//! listing page the newest of the posts it shows, so it is deterministic and changes only
//! when what the page shows changes.

use crate::config::Config;
use crate::error::Diagnostic;
use crate::model::Site;
use crate::pipeline::render::{FileData, RenderedFile, Renderer, page_count, page_path};
use crate::values::rfc3339;

/// Most URLs one sitemap file may hold (sitemaps.org).
pub const MAX_URLS: usize = 50_000;

fn escape(s: &str) -> String {
    let clean = crate::feeds::content::clean_text(s);
    quick_xml::escape::escape(clean.as_ref()).into_owned()
}

/// The newest `updated`/`date` among `posts` (indexes into `Site::posts`), RFC 3339.
fn newest(site: &Site, posts: &[usize]) -> Option<String> {
    posts
        .iter()
        .map(|&i| site.posts[i].last_modified())
        .max_by_key(|z| z.timestamp())
        .map(rfc3339)
}

/// Adds a paginated listing under `base` showing `posts` (newest first): one URL per page,
/// each with the lastmod of the posts on it.
fn listing(site: &Site, out: &mut Vec<(String, Option<String>)>, base: &str, posts: &[usize]) {
    let per = site.config.paginate_by.max(1);
    for n in 1..=page_count(posts.len(), per) {
        let start = ((n - 1) * per).min(posts.len());
        let end = (start + per).min(posts.len());
        out.push((page_path(base, n), newest(site, &posts[start..end])));
    }
}

/// The site path of a taxonomy index (`/tags/` from `/tags/{slug}/`).
fn index_path(pattern: &str, fallback: &str) -> String {
    pattern
        .split("{slug}")
        .next()
        .filter(|p| p.starts_with('/') && p.ends_with('/'))
        .unwrap_or(fallback)
        .to_string()
}

/// (site path, lastmod) of every page in the sitemap, in a stable order: home listing,
/// posts, pages, tag index and tags, author index and authors. Paths are site paths
/// (`/posts/x/`, no base path).
pub fn urls(site: &Site) -> Vec<(String, Option<String>)> {
    let c = &site.config;
    let mut out: Vec<(String, Option<String>)> = Vec::with_capacity(site.posts.len() * 2 + 16);
    let all: Vec<usize> = (0..site.posts.len()).collect();
    listing(site, &mut out, "/", &all);
    for p in &site.posts {
        out.push((p.path.clone(), Some(rfc3339(p.last_modified()))));
    }
    for p in &site.pages {
        out.push((
            p.path.clone(),
            p.updated.as_ref().or(p.date.as_ref()).map(rfc3339),
        ));
    }
    if !site.tags.is_empty() {
        out.push((index_path(&c.permalinks.tags, "/tags/"), newest(site, &all)));
        for t in &site.tags {
            listing(site, &mut out, &t.path, &t.posts);
        }
    }
    if !site.authors.is_empty() {
        out.push((
            index_path(&c.permalinks.authors, "/authors/"),
            newest(site, &all),
        ));
        for (a, au) in site.authors.iter().enumerate() {
            listing(site, &mut out, &au.path, &site.author_posts[a]);
        }
    }
    out
}

/// One `<urlset>` document.
fn urlset(c: &Config, urls: &[(String, Option<String>)]) -> String {
    let mut x = String::with_capacity(64 + urls.len() * 120);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (path, lastmod) in urls {
        x.push_str("  <url>\n    <loc>");
        x.push_str(&escape(&c.abs_url(path)));
        x.push_str("</loc>\n");
        if let Some(l) = lastmod {
            x.push_str("    <lastmod>");
            x.push_str(&escape(l));
            x.push_str("</lastmod>\n");
        }
        x.push_str("  </url>\n");
    }
    x.push_str("</urlset>\n");
    x
}

/// The sitemap files for `urls`, at most `max` URLs per file: `sitemap.xml` alone, or
/// `sitemap.xml` as an index of `sitemap-1.xml`, `sitemap-2.xml`… Each index entry's
/// `lastmod` is the newest of its file's.
pub fn files(c: &Config, urls: &[(String, Option<String>)], max: usize) -> Vec<RenderedFile> {
    let max = max.max(1);
    if urls.len() <= max {
        return vec![RenderedFile {
            path: "sitemap.xml".into(),
            data: FileData::Bytes(urlset(c, urls).into_bytes()),
        }];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in urls.chunks(max).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str("  <sitemap>\n    <loc>");
        index.push_str(&escape(&c.abs_url(&name)));
        index.push_str("</loc>\n");
        // RFC 3339 strings with different offsets do not sort as text: compare instants.
        let newest = chunk
            .iter()
            .filter_map(|(_, l)| l.as_ref())
            .filter_map(|l| l.parse::<jiff::Timestamp>().ok().map(|t| (t, l)))
            .max_by_key(|(t, _)| *t);
        if let Some((_, l)) = newest {
            index.push_str("    <lastmod>");
            index.push_str(&escape(l));
            index.push_str("</lastmod>\n");
        }
        index.push_str("  </sitemap>\n");
        files.push(RenderedFile {
            path: name,
            data: FileData::Bytes(urlset(c, chunk).into_bytes()),
        });
    }
    index.push_str("</sitemapindex>\n");
    files.push(RenderedFile {
        path: "sitemap.xml".into(),
        data: FileData::Bytes(index.into_bytes()),
    });
    files
}

/// `robots.txt`: allow everything and point at the sitemap (absolute URL). Crawlers read
/// robots.txt only at a host's root, so on a sub-path deployment the host's own file decides.
pub fn robots(c: &Config) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        c.abs_url("sitemap.xml")
    )
}

/// Writes `sitemap.xml` (or an index and `sitemap-N.xml` files) and `robots.txt`. Never
/// fails; the `Result` matches the other generators.
// The signature every render-stage generator shares; `Diagnostic` is the crate-wide error.
#[allow(clippy::result_large_err)]
pub fn generate(r: &Renderer<'_>) -> Result<Vec<RenderedFile>, Diagnostic> {
    let c = &r.site.config;
    let mut out = files(c, &urls(r.site), MAX_URLS);
    out.push(RenderedFile {
        path: "robots.txt".into(),
        data: FileData::Bytes(robots(c).into_bytes()),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: &str) -> Config {
        Config::parse(&format!("base_url = \"{base}\"")).unwrap()
    }

    fn text(f: &RenderedFile) -> &str {
        match &f.data {
            FileData::Bytes(b) => std::str::from_utf8(b).unwrap(),
            FileData::Static(_) => panic!("sitemaps are rendered"),
        }
    }

    #[test]
    fn small_site_is_one_urlset_under_the_base_path() {
        let c = config("https://example.org/blog");
        let urls = vec![
            (
                "/".to_string(),
                Some("2024-06-02T00:00:00+02:00".to_string()),
            ),
            ("/posts/a&b/".to_string(), None),
        ];
        let fs = files(&c, &urls, MAX_URLS);
        assert_eq!(fs.len(), 1);
        assert_eq!(
            text(&fs[0]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  <url>\n    <loc>https://example.org/blog/</loc>\n    <lastmod>2024-06-02T00:00:00+02:00</lastmod>\n  </url>\n  <url>\n    <loc>https://example.org/blog/posts/a&amp;b/</loc>\n  </url>\n</urlset>\n"
        );
        assert_eq!(
            robots(&c),
            "User-agent: *\nAllow: /\n\nSitemap: https://example.org/blog/sitemap.xml\n"
        );
    }

    #[test]
    fn past_the_limit_an_index_lists_the_parts() {
        let c = config("https://example.org/");
        let urls: Vec<(String, Option<String>)> = (0..5)
            .map(|i| {
                (
                    format!("/posts/p{i}/"),
                    Some(format!("2024-01-0{}T00:00:00Z", i + 1)),
                )
            })
            .collect();
        let fs = files(&c, &urls, 2);
        let names: Vec<&str> = fs.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml",
                "sitemap.xml"
            ]
        );
        let index = text(&fs[3]);
        assert!(index.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex "));
        assert!(index.contains("<loc>https://example.org/sitemap-2.xml</loc>\n    <lastmod>2024-01-04T00:00:00Z</lastmod>"), "{index}");
        assert_eq!(text(&fs[2]).matches("<url>").count(), 1);
        assert!(text(&fs[0]).contains("<loc>https://example.org/posts/p1/</loc>"));
    }

    #[test]
    fn index_lastmod_compares_instants_not_text() {
        let c = config("https://example.org/");
        let urls = vec![
            (
                "/a/".to_string(),
                Some("2024-01-01T23:00:00-05:00".to_string()),
            ),
            (
                "/b/".to_string(),
                Some("2024-01-02T01:00:00+05:00".to_string()),
            ),
            ("/c/".to_string(), None),
        ];
        let fs = files(&c, &urls, 3);
        assert_eq!(fs.len(), 1);
        let fs = files(&c, &urls, 2);
        assert!(
            text(&fs[2]).contains("<lastmod>2024-01-01T23:00:00-05:00</lastmod>"),
            "{}",
            text(&fs[2])
        );
    }
}
