//! The content model: what the parse stage produces ([`Post`], [`Page`], [`Author`]) and what
//! the index stage assembles ([`Site`]). Plain data, no I/O.
//!
//! Paths: `source` fields are site-relative with `/` separators; `path` fields are site paths
//! without the base path, starting and ending with `/` (`/posts/slug/`). URLs for output are
//! made from them with [`crate::config::Config::url`] / `abs_url`.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Zoned;
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// An author named in front matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorRef {
    /// The id of `content/authors/<id>.md`.
    Id(String),
    /// An author written inline: `{name, bio}`.
    Inline(InlineAuthor),
}

/// An author written inline in a post's front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineAuthor {
    /// Display name (required).
    pub name: String,
    /// Short bio (plain text).
    pub bio: Option<String>,
    /// Personal page.
    pub url: Option<String>,
    /// Avatar image.
    pub avatar: Option<String>,
    /// Role, e.g. "Editor".
    pub role: Option<String>,
}

/// A named link (author profiles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Link text.
    pub name: String,
    /// Target URL.
    pub url: String,
}

/// One source an analysis post cites.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Title of the cited piece.
    pub title: String,
    /// Publication, e.g. "Wall Street Journal".
    pub publisher: Option<String>,
    /// Where it can be read.
    pub url: Option<String>,
    /// Publication date as written (validated as a date).
    pub date: Option<String>,
}

/// What a content file is, from where it lives under `content/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    /// `content/posts/*.md` or `content/posts/<slug>/index.md`.
    Post,
    /// `content/pages/*.md`.
    Page,
    /// `content/authors/*.md`.
    Author,
}

/// A content file as loaded: normalised text (no BOM, `\n` line ends, XML-forbidden control
/// characters removed) and where it came from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Site-relative path, `/`-separated (`content/posts/a.md`).
    pub source: String,
    /// Post, page or author.
    pub kind: SourceKind,
    /// The default slug: file stem, or the folder name of a `<slug>/index.md` bundle.
    pub stem: String,
    /// Normalised text.
    pub text: Arc<str>,
    /// BLAKE3 hash of the raw bytes on disk (cache key).
    pub hash: [u8; 32],
    /// For bundles: the files beside `index.md` (copied next to the post's page).
    pub assets: Vec<BundleAsset>,
}

/// A file of a post bundle (`content/posts/<slug>/chart.png`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleAsset {
    /// Path on disk.
    pub from: std::path::PathBuf,
    /// Path relative to the bundle folder, `/`-separated (`chart.png`, `data/a.csv`).
    pub name: String,
}

/// A heading in a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    /// 1–6.
    pub level: u8,
    /// The heading's `id`.
    pub id: String,
    /// Plain text of the heading.
    pub title: String,
    /// Sub-headings.
    pub children: Vec<TocEntry>,
}

/// A link or image found in a body, for checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyLink {
    /// The destination as written.
    pub url: String,
    /// 1-based line in the source file.
    pub line: usize,
    /// 1-based column in the source file.
    pub col: usize,
    /// `true` for images.
    pub image: bool,
    /// Link text or image alt text.
    pub text: String,
}

/// A heading found in a body, for checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyHeading {
    /// 1–6.
    pub level: u8,
    /// The generated or written `id`.
    pub id: String,
    /// 1-based line in the source file.
    pub line: usize,
}

/// A rendered Markdown body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Body {
    /// Full HTML.
    pub html: String,
    /// Summary HTML: balanced, no footnote references, fragment links made absolute to the
    /// post. Empty when the body has no text.
    pub summary_html: String,
    /// Whether the summary came from a `<!-- more -->` marker.
    pub has_more: bool,
    /// Nested table of contents.
    pub toc: Vec<TocEntry>,
    /// Words in the body (code included, markup excluded).
    pub word_count: usize,
    /// Minutes at the configured reading speed, at least 1.
    pub reading_minutes: usize,
    /// Every `id` in `html`.
    pub ids: Vec<String>,
    /// Links and images, for checks.
    pub links: Vec<BodyLink>,
    /// Headings, for checks.
    pub headings: Vec<BodyHeading>,
}

/// A published (or draft) analysis post.
#[derive(Debug, Clone)]
pub struct Post {
    /// Site-relative source path.
    pub source: String,
    /// Source text (for diagnostics with snippets).
    pub text: Arc<str>,
    /// Final slug (safe path segment).
    pub slug: String,
    /// Site path, e.g. `/posts/slug/`.
    pub path: String,
    /// Title (plain text).
    pub title: String,
    /// Publication date in its written offset.
    pub date: Zoned,
    /// Last update.
    pub updated: Option<Zoned>,
    /// Authors as written.
    pub author_refs: Vec<AuthorRef>,
    /// Indexes into [`Site::authors`] (set by the index stage).
    pub authors: Vec<usize>,
    /// Tags as written (trimmed).
    pub tags: Vec<String>,
    /// Indexes into [`Site::tags`] (set by the index stage), unique, in written order.
    pub tag_ids: Vec<usize>,
    /// The "Highlights" list.
    pub highlights: Vec<String>,
    /// The citation line.
    pub citation: Option<String>,
    /// Structured sources.
    pub sources: Vec<Source>,
    /// Front matter `summary` (plain text), if any.
    pub summary_text: Option<String>,
    /// Draft flag.
    pub draft: bool,
    /// Site paths that redirect here.
    pub aliases: Vec<String>,
    /// Social image.
    pub image: Option<String>,
    /// Free template data.
    pub extra: serde_json::Value,
    /// Rendered body.
    pub body: Body,
    /// For bundles: assets to copy beside the page.
    pub assets: Vec<BundleAsset>,
    /// 1-based (line, value column) of each front matter key.
    pub key_pos: BTreeMap<String, (usize, usize)>,
    /// 1-based (line, column) of each entry of `aliases`, parallel to it.
    pub alias_pos: Vec<(usize, usize)>,
    /// 1-based (line, column) of each entry of `tags`, parallel to it.
    pub tag_pos: Vec<(usize, usize)>,
}

impl Post {
    /// The date that best says when this post last changed: `updated`, else `date`.
    pub fn last_modified(&self) -> &Zoned {
        self.updated.as_ref().unwrap_or(&self.date)
    }

    /// Location of a front matter key, (1, 1) when unknown.
    pub fn key_at(&self, key: &str) -> (usize, usize) {
        self.key_pos.get(key).copied().unwrap_or((1, 1))
    }
}

/// A standalone page (`content/pages/about.md` → `/about/`).
#[derive(Debug, Clone)]
pub struct Page {
    /// Site-relative source path.
    pub source: String,
    /// Source text.
    pub text: Arc<str>,
    /// Slug.
    pub slug: String,
    /// Site path.
    pub path: String,
    /// Title.
    pub title: String,
    /// Optional date.
    pub date: Option<Zoned>,
    /// Optional update date.
    pub updated: Option<Zoned>,
    /// Front matter summary.
    pub summary_text: Option<String>,
    /// Draft flag.
    pub draft: bool,
    /// Redirecting site paths.
    pub aliases: Vec<String>,
    /// Social image.
    pub image: Option<String>,
    /// Template name override (default `page.html`).
    pub template: Option<String>,
    /// Free template data.
    pub extra: serde_json::Value,
    /// Rendered body.
    pub body: Body,
    /// 1-based (line, value column) of each front matter key.
    pub key_pos: BTreeMap<String, (usize, usize)>,
    /// 1-based (line, column) of each entry of `aliases`, parallel to it.
    pub alias_pos: Vec<(usize, usize)>,
}

/// An author: from `content/authors/<id>.md`, or gathered from inline `{name, bio}` entries.
#[derive(Debug, Clone, Default)]
pub struct Author {
    /// Id: file stem, or the slug of an inline author's name.
    pub id: String,
    /// Site path of the author page.
    pub path: String,
    /// Display name.
    pub name: String,
    /// Role, e.g. "Editor".
    pub role: Option<String>,
    /// Avatar image.
    pub avatar: Option<String>,
    /// Profile links (JSON-LD `sameAs`).
    pub links: Vec<Link>,
    /// E-mail (shown only if the theme chooses to).
    pub email: Option<String>,
    /// Bio as HTML (Markdown body of the author file; escaped text for inline bios).
    pub bio_html: String,
    /// Bio as plain text (meta descriptions, JSON-LD).
    pub bio_text: String,
    /// Source file, `None` for inline authors.
    pub source: Option<String>,
    /// Free template data.
    pub extra: serde_json::Value,
}

/// A taxonomy term (a tag), merged case- and space-insensitively by slug.
#[derive(Debug, Clone)]
pub struct Term {
    /// Display name: the first spelling seen in post order (newest post first).
    pub name: String,
    /// Slug (safe path segment).
    pub slug: String,
    /// Site path, e.g. `/tags/rare-earths/`.
    pub path: String,
    /// Posts with this tag, indexes into [`Site::posts`], newest first.
    pub posts: Vec<usize>,
}

/// Where a static file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticSource {
    /// A file on disk.
    Disk(std::path::PathBuf),
    /// A file of the theme embedded in the binary.
    Embedded(&'static [u8]),
}

/// A file copied as-is to the output (site `static/`, theme `static/`, bundle assets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Where the bytes come from.
    pub from: StaticSource,
    /// Output path relative to the output root, `/`-separated.
    pub to: String,
}

/// Everything the render stage needs: sorted posts and derived indexes.
#[derive(Debug, Clone)]
pub struct Site {
    /// The configuration.
    pub config: Arc<Config>,
    /// Posts that will be published, newest first (ties by slug).
    pub posts: Vec<Post>,
    /// Standalone pages, by path.
    pub pages: Vec<Page>,
    /// Authors, by id.
    pub authors: Vec<Author>,
    /// For each author, indexes of their posts, newest first.
    pub author_posts: Vec<Vec<usize>>,
    /// Tags, by slug.
    pub tags: Vec<Term>,
    /// The N newest posts (the "recent news" sidebar).
    pub recent: Vec<usize>,
    /// For each post, related posts by shared tags.
    pub related: Vec<Vec<usize>>,
    /// Static files to copy.
    pub static_files: Vec<StaticFile>,
    /// Site paths (lower-cased) that two sources claim; the index stage reported each
    /// (`duplicate-permalink`), so later stages do not report them again.
    pub contested: std::collections::HashSet<String>,
}
