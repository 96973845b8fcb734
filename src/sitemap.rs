//! Sitemap and robots.txt: every published HTML page's absolute URL with `lastmod` (RFC 3339
//! date of `updated`, else `date`, for posts), split into a sitemap index past 50,000 URLs.

use crate::model::Site;
use crate::pipeline::render::{FileData, RenderedFile, Renderer, page_count, page_path};

/// Most URLs one sitemap file may hold (sitemaps.org).
pub const MAX_URLS: usize = 50_000;

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// (site path, lastmod) of every page in the sitemap, in a stable order.
pub fn urls(site: &Site) -> Vec<(String, Option<String>)> {
    let c = &site.config;
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let newest = site.posts.first().map(|p| p.last_modified().date().to_string());
    for n in 1..=page_count(site.posts.len(), c.paginate_by) {
        out.push((page_path("/", n), if n == 1 { newest.clone() } else { None }));
    }
    for p in &site.posts {
        out.push((p.path.clone(), Some(crate::values::rfc3339(p.last_modified()))));
    }
    for p in &site.pages {
        out.push((p.path.clone(), p.updated.as_ref().or(p.date.as_ref()).map(crate::values::rfc3339)));
    }
    if !site.tags.is_empty() {
        let tags_root = c.permalinks.tags.split("{slug}").next().unwrap_or("/tags/").to_string();
        out.push((tags_root, None));
    }
    for t in &site.tags {
        for n in 1..=page_count(t.posts.len(), c.paginate_by) {
            out.push((page_path(&t.path, n), None));
        }
    }
    for (a, au) in site.authors.iter().enumerate() {
        for n in 1..=page_count(site.author_posts[a].len(), c.paginate_by) {
            out.push((page_path(&au.path, n), None));
        }
    }
    out
}

/// Writes `sitemap.xml` (or `sitemap.xml` as an index of `sitemap-N.xml`) and `robots.txt`.
pub fn generate(r: &Renderer<'_>) -> Result<Vec<RenderedFile>, crate::error::Diagnostic> {
    let site = r.site;
    let c = &site.config;
    let all = urls(site);
    let mut files = Vec::new();
    let chunk_xml = |chunk: &[(String, Option<String>)]| {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (path, lastmod) in chunk {
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
    };
    if all.len() <= MAX_URLS {
        files.push(RenderedFile { path: "sitemap.xml".into(), data: FileData::Bytes(chunk_xml(&all).into_bytes()) });
    } else {
        let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (i, chunk) in all.chunks(MAX_URLS).enumerate() {
            let name = format!("sitemap-{}.xml", i + 1);
            index.push_str("  <sitemap>\n    <loc>");
            index.push_str(&escape(&c.abs_url(&name)));
            index.push_str("</loc>\n  </sitemap>\n");
            files.push(RenderedFile { path: name, data: FileData::Bytes(chunk_xml(chunk).into_bytes()) });
        }
        index.push_str("</sitemapindex>\n");
        files.push(RenderedFile { path: "sitemap.xml".into(), data: FileData::Bytes(index.into_bytes()) });
    }
    let robots = format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", c.abs_url("sitemap.xml"));
    files.push(RenderedFile { path: "robots.txt".into(), data: FileData::Bytes(robots.into_bytes()) });
    Ok(files)
}
