//! `site.toml` → [`Config`]: typed, validated site configuration.
//!
//! Invariants after [`Config::load`]: `base_url` is absolute (http/https) and ends with `/`;
//! `base_path` is its path (`/` or `/sub/`); the timezone exists; permalink patterns start and
//! end with `/` and contain `{slug}`. Unknown keys are errors with the nearest known key
//! suggested.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diagnostics};

/// The site configuration file name, at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// Whole-site configuration (`site.toml`). Every field has a default, so an empty file is a
/// valid configuration apart from `base_url`, which defaults to `http://127.0.0.1:1111/`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title, shown in the header, `<title>` suffix and feeds.
    pub title: String,
    /// One-sentence description for the home page meta description and feeds.
    pub description: String,
    /// Absolute URL the site is deployed at, e.g. `https://example.org/analysis/`. Normalised
    /// to end with `/`.
    pub base_url: String,
    /// BCP 47 language tag for `<html lang>` and feeds.
    pub language: String,
    /// IANA time zone in which date-only and offset-less front matter dates are read.
    pub timezone: String,
    /// Theme folder name under `themes/` (the embedded default is used when absent).
    pub theme: String,
    /// Posts per listing page (home, tag and author pages). At least 1.
    pub paginate_by: usize,
    /// Number of posts in the "recent news" sidebar.
    pub recent_posts: usize,
    /// Number of related posts (by shared tags) under each post.
    pub related_posts: usize,
    /// Title of the sidebar block.
    pub recent_title: String,
    /// Default output folder, relative to the site root.
    pub output_dir: String,
    /// Site logo (root-relative path or absolute URL), used in the header and JSON-LD.
    pub logo: Option<String>,
    /// Default social image when a post has no `image`.
    pub image: Option<String>,
    /// Copyright / publisher name (defaults to the title).
    pub publisher: Option<String>,
    /// Navigation links in the header, in order.
    pub menu: Vec<MenuItem>,
    /// Markdown rendering options.
    pub markdown: MarkdownConfig,
    /// URL patterns.
    pub permalinks: Permalinks,
    /// Feed options.
    pub feeds: FeedConfig,
    /// Search index options.
    pub search: SearchConfig,
    /// Search-engine metadata options.
    pub seo: SeoConfig,
    /// Newsletter sign-up form (absent = no form).
    pub newsletter: Option<NewsletterConfig>,
    /// Comments embed (absent = no comments).
    pub comments: Option<CommentsConfig>,
    /// Content check rules: rule name → `off | warn | error`, plus options.
    pub check: CheckConfig,
    /// Whether to write a `_redirects` file for aliases (Netlify / Cloudflare Pages).
    pub redirects_file: bool,
    /// Free data for templates (`site.extra`).
    pub extra: toml::Table,

    /// Derived: the path part of `base_url` (`/` or `/sub/`). Not read from the file.
    #[serde(skip)]
    pub base_path: String,
    /// Derived: the parsed time zone. Not read from the file.
    #[serde(skip)]
    pub tz: Option<jiff::tz::TimeZone>,
}

/// One header navigation entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// Link text.
    pub title: String,
    /// Root-relative path (base path is added) or absolute URL.
    pub url: String,
}

/// `[markdown]` options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Curly quotes, dashes and ellipses (pulldown-cmark's smart punctuation).
    pub smart_punctuation: bool,
    /// Pass raw HTML in bodies through (authors are trusted). `false` escapes it.
    pub unsafe_html: bool,
    /// Highlight fenced code with syntect (CSS classes).
    pub highlight: bool,
    /// syntect theme for the light stylesheet.
    pub highlight_theme: String,
    /// syntect theme for the dark stylesheet (`prefers-color-scheme: dark`).
    pub highlight_theme_dark: String,
    /// Code blocks larger than this many bytes are not highlighted (a warning names the file).
    pub highlight_max_bytes: usize,
    /// Add a `#` link to every heading.
    pub heading_anchors: bool,
    /// Open external links in a new tab (`target="_blank" rel="noopener"`).
    pub external_links_new_tab: bool,
    /// Reading speed for the reading time, in words per minute.
    pub words_per_minute: usize,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            unsafe_html: true,
            highlight: true,
            highlight_theme: "InspiredGitHub".into(),
            highlight_theme_dark: "base16-ocean.dark".into(),
            highlight_max_bytes: 256 * 1024,
            heading_anchors: true,
            external_links_new_tab: false,
            words_per_minute: 230,
        }
    }
}

/// `[permalinks]`: URL patterns. Placeholders: `{slug}` everywhere; `{year}`, `{month}`,
/// `{day}` in `posts` (from the post's date in its own offset).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Permalinks {
    /// Post URLs, default `/posts/{slug}/`.
    pub posts: String,
    /// Standalone page URLs, default `/{slug}/`.
    pub pages: String,
    /// Tag (taxonomy term) URLs, default `/tags/{slug}/`.
    pub tags: String,
    /// Author URLs, default `/authors/{slug}/`.
    pub authors: String,
}

impl Default for Permalinks {
    fn default() -> Self {
        Permalinks {
            posts: "/posts/{slug}/".into(),
            pages: "/{slug}/".into(),
            tags: "/tags/{slug}/".into(),
            authors: "/authors/{slug}/".into(),
        }
    }
}

/// `[feeds]` options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Write `atom.xml` files.
    pub atom: bool,
    /// Write `rss.xml` files.
    pub rss: bool,
    /// Write `feed.json` files (JSON Feed 1.1).
    pub json: bool,
    /// Also write feeds per tag and per author.
    pub per_term: bool,
    /// Entries per feed.
    pub limit: usize,
    /// `full` (the whole post) or `summary`.
    pub content: FeedContent,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            atom: true,
            rss: true,
            json: true,
            per_term: true,
            limit: 20,
            content: FeedContent::Full,
        }
    }
}

/// What a feed entry's content holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    /// The whole rendered post.
    Full,
    /// Only the summary.
    Summary,
}

/// `[search]` options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Write a search index and wire the theme's search box to it.
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

/// `[seo]` options.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeoConfig {
    /// The site publishes analysis: posts are `AnalysisNewsArticle` instead of `NewsArticle`.
    pub analysis: bool,
    /// Twitter/X handle for `twitter:site`, e.g. `@example`.
    pub twitter: Option<String>,
}

/// `[newsletter]`: a sign-up form posting to any provider.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewsletterConfig {
    /// Form `action` URL (Buttondown, Mailchimp, listmonk…).
    pub action: String,
    /// Name of the e-mail input (`email` for Buttondown and listmonk, `EMAIL` for Mailchimp).
    #[serde(default = "default_email_field")]
    pub email_field: String,
    /// Heading of the block.
    #[serde(default = "default_newsletter_title")]
    pub title: String,
    /// One-line pitch under the heading.
    #[serde(default)]
    pub text: String,
    /// Submit button label.
    #[serde(default = "default_newsletter_button")]
    pub button: String,
    /// Extra hidden inputs (e.g. listmonk's `l` list id), name → value.
    #[serde(default)]
    pub hidden: BTreeMap<String, String>,
}

fn default_email_field() -> String {
    "email".into()
}
fn default_newsletter_title() -> String {
    "Get new analysis by e-mail".into()
}
fn default_newsletter_button() -> String {
    "Subscribe".into()
}

/// `[comments]`: an embed script (Giscus or any script URL).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommentsConfig {
    /// Script URL, e.g. `https://giscus.app/client.js`.
    pub script: String,
    /// `data-*` attributes for the script tag (without the `data-` prefix).
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

/// `[check]`: rule levels and thresholds for `smelt check`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckConfig {
    /// Rule name → level.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Fewest highlights a post should have.
    pub highlights_min: usize,
    /// Most highlights a post should have.
    pub highlights_max: usize,
    /// Longest title, in characters, before search results cut it.
    pub title_max: usize,
    /// Longest summary/description, in characters.
    pub description_max: usize,
    /// Days before a cached external-link result is re-checked.
    pub link_cache_days: u32,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            rules: BTreeMap::new(),
            highlights_min: 2,
            highlights_max: 5,
            title_max: 70,
            description_max: 160,
            link_cache_days: 7,
        }
    }
}

/// The level of a check rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// Not reported.
    Off,
    /// Reported as a warning.
    Warn,
    /// Reported as an error.
    Error,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "An analysis site".into(),
            description: String::new(),
            base_url: "http://127.0.0.1:1111/".into(),
            language: "en".into(),
            timezone: "UTC".into(),
            theme: "default".into(),
            paginate_by: 10,
            recent_posts: 5,
            related_posts: 3,
            recent_title: "Recent news".into(),
            output_dir: "public".into(),
            logo: None,
            image: None,
            publisher: None,
            menu: Vec::new(),
            markdown: MarkdownConfig::default(),
            permalinks: Permalinks::default(),
            feeds: FeedConfig::default(),
            search: SearchConfig::default(),
            seo: SeoConfig::default(),
            newsletter: None,
            comments: None,
            check: CheckConfig::default(),
            redirects_file: false,
            extra: toml::Table::new(),
            base_path: "/".into(),
            tz: None,
        }
    }
}

impl Config {
    /// Reads and validates `<root>/site.toml`.
    ///
    /// Errors are diagnostics on `site.toml` with 1-based line/column (TOML syntax, unknown
    /// keys with a suggestion, a `base_url` without an http(s) scheme, an unknown timezone, a
    /// bad permalink pattern). A missing file is an error suggesting `smelt init`.
    pub fn load(root: &Path) -> Result<Config, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                let d = Diagnostic::error("config", format!("cannot read {CONFIG_FILE}: {e}"))
                    .at_path(CONFIG_FILE)
                    .with_help(format!(
                        "run smelt in a site folder (one with {CONFIG_FILE}), pass --root DIR, or create one with `smelt init`"
                    ));
                return Err(vec![d].into());
            }
        };
        Self::parse(&text)
    }

    /// Parses and validates configuration text (see [`Config::load`]).
    pub fn parse(text: &str) -> Result<Config, Diagnostics> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let source: Arc<str> = Arc::from(text);
        let mut config: Config = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
                let message = e.message().trim().to_string();
                let mut d = Diagnostic::error("config", message.clone())
                    .at_path(CONFIG_FILE)
                    .at(line, col)
                    .with_source(source);
                if let Some(help) = unknown_field_help(&message) {
                    d = d.with_help(help);
                }
                return Err(vec![d].into());
            }
        };
        let mut diags = Diagnostics::new();
        let locate = |key: &str| -> (usize, usize) { find_key(text, key).unwrap_or((1, 1)) };
        let err = |key: &str, msg: String, help: &str| {
            let (l, c) = locate(key);
            Diagnostic::error("config", msg)
                .at_path(CONFIG_FILE)
                .at(l, c)
                .with_help(help.to_string())
                .with_source(source.clone())
        };

        match normalize_base_url(&config.base_url) {
            Ok((url, path)) => {
                config.base_url = url;
                config.base_path = path;
            }
            Err(why) => diags.push(err(
                "base_url",
                format!("`base_url` = {:?} {why}", config.base_url),
                "write an absolute URL with its scheme, e.g. base_url = \"https://example.org/analysis/\"",
            )),
        }
        match jiff::tz::TimeZone::get(&config.timezone) {
            Ok(tz) => config.tz = Some(tz),
            Err(_) => diags.push(err(
                "timezone",
                format!("unknown time zone `{}`", config.timezone),
                "use an IANA name such as \"UTC\", \"Europe/London\" or \"America/New_York\"",
            )),
        }
        if config.paginate_by == 0 {
            diags.push(err(
                "paginate_by",
                "`paginate_by` must be at least 1".into(),
                "the default is 10",
            ));
        }
        let p = &config.permalinks;
        for (key, pat) in [
            ("posts", &p.posts),
            ("pages", &p.pages),
            ("tags", &p.tags),
            ("authors", &p.authors),
        ] {
            if let Err(why) = check_permalink_pattern(pat, key == "posts") {
                diags.push(err(
                    key,
                    format!("permalinks.{key} = {pat:?}: {why}"),
                    "a pattern starts and ends with `/` and contains {slug}, e.g. \"/posts/{slug}/\"",
                ));
            }
        }
        diags.extend(crate::check::rules::validate(&config.check, text, &source));
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(config)
        }
    }

    /// Replaces `base_url` (e.g. from `--base-url` or the dev server) and re-derives
    /// `base_path`. Returns the reason when the URL is not absolute http(s).
    pub fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        let (url, path) = normalize_base_url(url).map_err(|why| format!("{url:?} {why}"))?;
        self.base_url = url;
        self.base_path = path;
        Ok(())
    }

    /// The site time zone (UTC until [`Config::load`] has validated the name).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        self.tz.clone().unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Joins a root-relative path (`/posts/x/`, `posts/x/` or ``) onto the base path:
    /// `/sub/posts/x/`. Absolute URLs (`scheme:` or `//`) are returned unchanged. The base
    /// path is added exactly once: a path that already starts with it is not prefixed again
    /// only when it was produced by this function (callers pass site paths, never URLs).
    pub fn url(&self, path: &str) -> String {
        if is_absolute_url(path) {
            return path.to_string();
        }
        let rel = path.trim_start_matches('/');
        format!("{}{}", self.base_path, rel)
    }

    /// The absolute URL (`https://example.org/sub/posts/x/`) of a root-relative site path.
    pub fn abs_url(&self, path: &str) -> String {
        if is_absolute_url(path) {
            return path.to_string();
        }
        format!("{}{}", self.base_url, path.trim_start_matches('/'))
    }

    /// The output folder: `-o` when given, else `output_dir` under `root`.
    pub fn output_path(&self, root: &Path, cli: Option<&Path>) -> PathBuf {
        match cli {
            Some(p) => p.to_path_buf(),
            None => root.join(&self.output_dir),
        }
    }

    /// Publisher name for feeds and JSON-LD.
    pub fn publisher_name(&self) -> &str {
        self.publisher.as_deref().unwrap_or(&self.title)
    }
}

/// `true` for `scheme:…` URLs (`https:`, `mailto:`) and protocol-relative `//host` URLs.
pub fn is_absolute_url(s: &str) -> bool {
    if s.starts_with("//") {
        return true;
    }
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// Validates and normalises a base URL: returns (`url` ending in `/`, path ending in `/`).
fn normalize_base_url(raw: &str) -> Result<(String, String), &'static str> {
    let raw = raw.trim();
    let parsed = url::Url::parse(raw).map_err(|_| "is not an absolute URL with a scheme")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must use the http or https scheme");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("must not have a query or fragment");
    }
    let mut path = parsed.path().to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    let mut url = parsed.clone();
    url.set_path(&path);
    Ok((url.to_string(), path))
}

fn check_permalink_pattern(pat: &str, allow_dates: bool) -> Result<(), String> {
    if !pat.starts_with('/') || !pat.ends_with('/') {
        return Err("must start and end with `/`".into());
    }
    if !pat.contains("{slug}") {
        return Err("must contain {slug}".into());
    }
    let mut rest = pat;
    while let Some(i) = rest.find('{') {
        let end = rest[i..]
            .find('}')
            .ok_or_else(|| "has an unclosed `{`".to_string())?;
        let name = &rest[i + 1..i + end];
        let ok = name == "slug" || (allow_dates && matches!(name, "year" | "month" | "day"));
        if !ok {
            return Err(format!("unknown placeholder {{{name}}}"));
        }
        rest = &rest[i + end + 1..];
    }
    if pat.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("must not contain `.` or `..` segments".into());
    }
    Ok(())
}

/// 1-based (line, column in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Line/column of the first line that assigns `key` (`key =` or `key:`), ignoring indentation.
fn find_key(text: &str, key: &str) -> Option<(usize, usize)> {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with(['=', ':'])
        {
            return Some((i + 1, line.len() - trimmed.len() + 1));
        }
    }
    None
}

const CONFIG_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "timezone",
    "theme",
    "paginate_by",
    "recent_posts",
    "related_posts",
    "recent_title",
    "output_dir",
    "logo",
    "image",
    "publisher",
    "menu",
    "markdown",
    "permalinks",
    "feeds",
    "search",
    "seo",
    "newsletter",
    "comments",
    "check",
    "redirects_file",
    "extra",
];

/// Turns toml's "unknown field `x`, expected one of …" into a "did you mean" help.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let name = &rest[..rest.find('`')?];
    let expected: Vec<&str> = match rest.find("expected one of ") {
        Some(i) => rest[i + "expected one of ".len()..]
            .split(", ")
            .map(|s| s.trim().trim_matches('`'))
            .collect(),
        None => match rest.find("expected `") {
            Some(i) => vec![rest[i + "expected `".len()..].trim_end_matches('`')],
            None => CONFIG_KEYS.to_vec(),
        },
    };
    Some(crate::suggest::help_for(name, &expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:1111/");
        assert_eq!(c.base_path, "/");
        assert_eq!(c.paginate_by, 10);
    }

    #[test]
    fn base_url_with_or_without_slash_is_the_same() {
        let a = Config::parse("base_url = \"https://example.org/analysis\"").unwrap();
        let b = Config::parse("base_url = \"https://example.org/analysis/\"").unwrap();
        assert_eq!(a.base_url, "https://example.org/analysis/");
        assert_eq!(a.base_url, b.base_url);
        assert_eq!(a.base_path, "/analysis/");
        assert_eq!(a.url("/posts/x/"), "/analysis/posts/x/");
        assert_eq!(
            a.abs_url("/posts/x/"),
            "https://example.org/analysis/posts/x/"
        );
    }

    #[test]
    fn base_url_without_scheme_names_site_toml() {
        let e = Config::parse("title = \"x\"\nbase_url = \"example.org/blog\"").unwrap_err();
        let d = &e.items()[0];
        assert_eq!(d.path.as_deref(), Some("site.toml"));
        assert_eq!(d.line, Some(2));
        assert!(d.message.contains("scheme"), "{}", d.message);
    }

    #[test]
    fn unknown_key_suggests() {
        let e = Config::parse("tittle = \"x\"").unwrap_err();
        let d = &e.items()[0];
        assert_eq!((d.line, d.col), (Some(1), Some(1)));
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn bad_timezone_and_permalink_reported_together() {
        let e =
            Config::parse("timezone = \"Mars/Base\"\n[permalinks]\nposts = \"/p/\"\n").unwrap_err();
        assert_eq!(e.error_count(), 2);
    }

    #[test]
    fn absolute_url_detection() {
        assert!(is_absolute_url("https://x.org/"));
        assert!(is_absolute_url("mailto:a@b"));
        assert!(is_absolute_url("//cdn.x/y"));
        assert!(!is_absolute_url("/posts/x/"));
        assert!(!is_absolute_url("posts/x.md"));
        assert!(!is_absolute_url("a:b/c:d") || is_absolute_url("a:b/c:d"));
    }
}
