//! Feeds: Atom, RSS 2.0 and JSON Feed 1.1 for the site, each tag and each author.
//! (Being implemented; see issue 3.)

use tera::Value;

use crate::config::Config;
use crate::pipeline::render::{RenderedFile, Renderer, feed_link};
use crate::values::list;

/// Autodiscovery `<link>` values for a page: the site feeds, plus the feeds of the tag or
/// author whose site path is `term_path`.
pub fn autodiscovery(config: &Config, term_path: Option<&str>) -> Value {
    let f = &config.feeds;
    let mut links = Vec::new();
    let mut add = |base: &str, title: &str| {
        if f.atom {
            links.push(feed_link("application/atom+xml", title, &config.url(&format!("{base}atom.xml"))));
        }
        if f.rss {
            links.push(feed_link("application/rss+xml", title, &config.url(&format!("{base}rss.xml"))));
        }
        if f.json {
            links.push(feed_link("application/feed+json", title, &config.url(&format!("{base}feed.json"))));
        }
    };
    add("/", &config.title);
    if let Some(p) = term_path
        && f.per_term
    {
        add(p, &format!("{} ({p})", config.title));
    }
    list(links)
}

/// Writes every feed file.
pub fn generate(_r: &Renderer<'_>) -> Result<Vec<RenderedFile>, crate::error::Diagnostic> {
    Ok(Vec::new())
}
