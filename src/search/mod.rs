//! Search index generator (render stage, `Generator::Search`): the site's posts → the static
//! files under `search/` that the theme's `search.js` queries as the reader types.
//!
//! Input: the [`Renderer`] (posts with rendered bodies, tags, authors, config). Output, all
//! JSON, written only when `[search] enabled` (the default):
//! - `search/meta.json`: format, doc count, the first word of each shard, stop words, tag and
//!   author filter names with counts, and `v`, a hash of every other index file (the browser
//!   appends `?v=` to the other requests, so a cached file never mixes with a new index);
//! - `search/w/<n>.json`: dictionary shards (see [`index::Index::shards`]);
//! - `search/d/<id>.json`: one per post: URL (with the base path), title, dates, tags,
//!   authors, highlights and plain text (cut at [`MAX_TEXT_BYTES`]) for result excerpts;
//! - `search/f/t<n>.json`, `search/f/a<n>.json`: doc ids (gaps) of each tag and author filter.
//!
//! Doc ids count from the oldest post (id 0), so publishing a new post leaves the other
//! posts' files unchanged. Output is deterministic: same site → same bytes.

// `Diagnostic` is the error type of every render job (`Renderer::render`).
#![allow(clippy::result_large_err)]

pub mod index;
pub mod text;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::Diagnostic;
use crate::model::{Post, Site};
use crate::pipeline::render::{FileData, RenderedFile, Renderer};
use index::{Doc, Index};

/// Output folder of the index, relative to the site root.
pub const DIR: &str = "search";
/// Version of the file layout, written as `format` in `meta.json`.
pub const FORMAT: u32 = 1;
/// Target size of one dictionary shard, in bytes of JSON.
pub const SHARD_BYTES: usize = 24 * 1024;
/// Most bytes of body text kept per post for excerpts.
pub const MAX_TEXT_BYTES: usize = 24 * 1024;

/// One post's result data (`search/d/<id>.json`).
#[derive(Debug, Serialize)]
pub struct Fragment<'a> {
    /// URL with the base path (`/sub/posts/x/`).
    pub url: String,
    /// Title.
    pub title: &'a str,
    /// Display date (`Jan 27, 2026`).
    pub date: String,
    /// `YYYY-MM-DD` for `<time datetime>`.
    pub date_iso: String,
    /// Tag names.
    pub tags: Vec<&'a str>,
    /// Author names.
    pub authors: Vec<&'a str>,
    /// Highlights.
    pub highlights: &'a [String],
    /// Body plain text, cut at [`MAX_TEXT_BYTES`] on a word boundary.
    pub text: &'a str,
}

#[derive(Debug, Serialize)]
struct Meta<'a> {
    format: u32,
    v: String,
    docs: usize,
    shards: Vec<&'a str>,
    stop: &'static [&'static str],
    tags: Vec<(&'a str, usize)>,
    authors: Vec<(&'a str, usize)>,
}

/// Posts in doc id order (oldest first).
fn posts_by_id(site: &Site) -> impl Iterator<Item = &Post> {
    site.posts.iter().rev()
}

/// The searchable text of a post, and its plain body text.
pub fn doc_of(site: &Site, p: &Post) -> Doc {
    let (body, headings) = text::html_text(&p.body.html);
    let mut highlights = p.highlights.clone();
    if let Some(s) = &p.summary_text {
        highlights.push(s.clone());
    }
    let mut sources = p.citation.clone().unwrap_or_default();
    for s in &p.sources {
        sources.push(' ');
        sources.push_str(&s.title);
        if let Some(publ) = &s.publisher {
            sources.push(' ');
            sources.push_str(publ);
        }
    }
    Doc {
        title: p.title.clone(),
        highlights,
        tags: p
            .tag_ids
            .iter()
            .map(|&t| site.tags[t].name.clone())
            .collect(),
        authors: p
            .authors
            .iter()
            .map(|&a| site.authors[a].name.clone())
            .collect(),
        body,
        headings,
        sources,
    }
}

fn json<T: Serialize>(path: &str, v: &T) -> Result<Vec<u8>, Diagnostic> {
    serde_json::to_vec(v)
        .map_err(|e| Diagnostic::error("search", format!("cannot write {path}: {e}")))
}

fn file(path: String, bytes: Vec<u8>) -> RenderedFile {
    RenderedFile {
        path,
        data: FileData::Bytes(bytes),
    }
}

/// Writes the search index files (see the module docs). Fails only if serialising JSON fails.
pub fn generate(r: &Renderer<'_>) -> Result<Vec<RenderedFile>, Diagnostic> {
    build_files(r.site)
}

/// The index files of `site`, sorted by path, `meta.json` included.
pub fn build_files(site: &Site) -> Result<Vec<RenderedFile>, Diagnostic> {
    let c = &site.config;
    let posts: Vec<&Post> = posts_by_id(site).collect();
    let docs: Vec<Doc> = posts.par_iter().map(|p| doc_of(site, p)).collect();
    let ix = Index::build(&docs);
    let shards = ix.shards(SHARD_BYTES);

    let mut files: Vec<RenderedFile> = Vec::with_capacity(posts.len() + shards.len() + 64);
    for (n, (_, s)) in shards.iter().enumerate() {
        files.push(file(format!("{DIR}/w/{n}.json"), s.clone().into_bytes()));
    }
    let fragments: Result<Vec<RenderedFile>, Diagnostic> = posts
        .par_iter()
        .zip(docs.par_iter())
        .enumerate()
        .map(|(id, (p, d))| {
            let frag = Fragment {
                url: c.url(&p.path),
                title: &p.title,
                date: crate::values::display_date(&p.date),
                date_iso: p.date.date().to_string(),
                tags: p
                    .tag_ids
                    .iter()
                    .map(|&t| site.tags[t].name.as_str())
                    .collect(),
                authors: p
                    .authors
                    .iter()
                    .map(|&a| site.authors[a].name.as_str())
                    .collect(),
                highlights: &p.highlights,
                text: text::cut(&d.body, MAX_TEXT_BYTES),
            };
            let path = format!("{DIR}/d/{id}.json");
            Ok(file(path.clone(), json(&path, &frag)?))
        })
        .collect();
    files.extend(fragments?);

    // Filters: doc id gaps of each tag and author (site order is newest first; ids count
    // from the oldest, so reverse and map).
    let n = posts.len();
    let ids = |list: &[usize]| -> Vec<u32> {
        let mut v: Vec<u32> = list.iter().map(|&i| (n - 1 - i) as u32).collect();
        v.sort_unstable();
        let mut prev = 0;
        v.iter()
            .map(|&d| {
                let g = d - prev;
                prev = d;
                g
            })
            .collect()
    };
    for (t, term) in site.tags.iter().enumerate() {
        let path = format!("{DIR}/f/t{t}.json");
        files.push(file(path.clone(), json(&path, &ids(&term.posts))?));
    }
    let authors: Vec<(usize, &crate::model::Author)> = site
        .authors
        .iter()
        .enumerate()
        .filter(|(a, _)| !site.author_posts[*a].is_empty())
        .collect();
    for (k, (a, _)) in authors.iter().enumerate() {
        let path = format!("{DIR}/f/a{k}.json");
        files.push(file(
            path.clone(),
            json(&path, &ids(&site.author_posts[*a]))?,
        ));
    }

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut h = blake3::Hasher::new();
    for f in &files {
        h.update(f.path.as_bytes());
        h.update(&[0]);
        if let FileData::Bytes(b) = &f.data {
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        }
    }
    let meta = Meta {
        format: FORMAT,
        v: h.finalize().to_hex()[..12].to_string(),
        docs: n,
        shards: shards.iter().map(|(first, _)| first.as_str()).collect(),
        stop: text::STOP_WORDS,
        tags: site
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.posts.len()))
            .collect(),
        authors: authors
            .iter()
            .map(|(a, au)| (au.name.as_str(), site.author_posts[*a].len()))
            .collect(),
    };
    let path = format!("{DIR}/meta.json");
    let meta = file(path.clone(), json(&path, &meta)?);
    let at = files.partition_point(|f| f.path < meta.path);
    files.insert(at, meta);
    Ok(files)
}
