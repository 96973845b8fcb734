//! `site.toml` → [`Config`]: typed, validated site configuration.
//!
//! Invariants after [`Config::load`]: `base_url` is absolute (http/https) and ends with `/`;
//! `base_path` is its path (`/` or `/sub/`); the timezone exists; `language` is a well-formed
//! BCP 47 tag; the theme is the built-in `default` or a folder under `themes/`; `paginate_by`
//! and `markdown.words_per_minute` are at least 1; permalink patterns start and end with `/`
//! and contain `{slug}`. Every problem of the file is reported in one run ([`schema`] checks
//! keys and kinds of values before the typed read), unknown keys with the nearest known key
//! suggested.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diagnostics};

pub mod schema;

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
    /// BCP 47 language tag for `<html lang>` and feeds (well-formed: checked on load).
    pub language: String,
    /// IANA time zone in which date-only and offset-less front matter dates are read.
    pub timezone: String,
    /// Theme folder name under `themes/`. For `default` the embedded theme is used when there
    /// is no `themes/default/` folder; any other name must be a folder there.
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
    /// Derived: 1-based (line, column) in site.toml of each value written there, by key path
    /// (`permalinks.tags`), for locating problems a setting causes later. Not read from the
    /// file's keys.
    #[serde(skip)]
    pub positions: BTreeMap<String, (usize, usize)>,
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
    /// Reading speed for the reading time, in words per minute. At least 1.
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
            positions: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Reads and validates `<root>/site.toml`.
    ///
    /// Errors are diagnostics on `site.toml` with 1-based line/column, all of them at once
    /// (TOML syntax, unknown keys and tables with a suggestion, values of the wrong kind or
    /// range, a `base_url` without an http(s) scheme, an unknown timezone, a malformed
    /// language tag, a missing theme folder, a bad permalink pattern). A missing file is an
    /// error suggesting `smelt init`.
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
        Self::parse_with(&text, Some(root))
    }

    /// Parses and validates configuration text (see [`Config::load`]). Every problem of the
    /// file is reported in one go: syntax errors; then every unknown key, value of the wrong
    /// kind or out of range and incomplete table ([`schema`]); then the values that need more
    /// than their kind (URL, time zone, language tag, permalink patterns, check rules).
    pub fn parse(text: &str) -> Result<Config, Diagnostics> {
        Self::parse_with(text, None)
    }

    /// [`Config::parse`]; with the site `root`, also checks that a theme other than the
    /// built-in `default` has its folder under `themes/`.
    fn parse_with(text: &str, root: Option<&Path>) -> Result<Config, Diagnostics> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let source: Arc<str> = Arc::from(text);
        let doc = schema::Document::parse(&source);
        let mut diags: Diagnostics = doc.diags.clone().into();
        if !doc.syntax_ok {
            return Err(diags);
        }
        // The entries reported above are gone from `doc.table`, so this only fails when the
        // schema and `Config` disagree; say so rather than print serde's words.
        let mut config: Config = match toml::Value::Table(doc.table.clone()).try_into() {
            Ok(c) => c,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "config",
                        format!("site.toml could not be read: {}", e.message().trim()),
                    )
                    .at_path(CONFIG_FILE)
                    .with_help("compare it with the commented site.toml that `smelt init` writes"),
                );
                return Err(diags);
            }
        };
        config.positions = doc.positions();
        let err = |path: &[&str], msg: String, help: &str| doc.error_at(path, msg, help);

        match normalize_base_url(&config.base_url) {
            Ok((url, path)) => {
                config.base_url = url;
                config.base_path = path;
            }
            Err(why) => diags.push(err(
                &["base_url"],
                format!("`base_url` = {:?} {why}", config.base_url),
                "write an absolute URL with its scheme, e.g. base_url = \"https://example.org/analysis/\"",
            )),
        }
        // URLs written into every page: the same schemes as front matter URLs, so a
        // `javascript:` menu link or `data:` comments script cannot run script.
        let url_help = "write an http(s) URL (https://example.org/page) or a site path (/about/)";
        for (i, item) in config.menu.iter().enumerate() {
            if let Some(why) = crate::front_matter::url_problem(&item.url) {
                diags.push(doc.error_at_nth(
                    &["menu", "url"],
                    i,
                    format!("[[menu]] entry {} `url` = {:?} {why}", i + 1, item.url),
                    url_help,
                ));
            }
        }
        let single = [
            (&["logo"][..], config.logo.as_deref()),
            (&["image"][..], config.image.as_deref()),
            (
                &["newsletter", "action"][..],
                config.newsletter.as_ref().map(|n| n.action.as_str()),
            ),
            (
                &["comments", "script"][..],
                config.comments.as_ref().map(|c| c.script.as_str()),
            ),
        ];
        for (key, url) in single {
            if let Some(url) = url
                && let Some(why) = crate::front_matter::url_problem(url)
            {
                diags.push(err(
                    key,
                    format!("`{}` = {url:?} {why}", key.join(".")),
                    url_help,
                ));
            }
        }
        match jiff::tz::TimeZone::get(&config.timezone) {
            Ok(tz) => config.tz = Some(tz),
            Err(_) => diags.push(err(
                &["timezone"],
                format!("unknown time zone `{}`", config.timezone),
                "use an IANA name such as \"UTC\", \"Europe/London\" or \"America/New_York\"",
            )),
        }
        if let Err(why) = check_language(&config.language) {
            diags.push(err(
                &["language"],
                format!("`language` = {:?} is not a BCP 47 language tag: {why}", config.language),
                "use a tag such as \"en\", \"en-GB\", \"pt-BR\" or \"zh-Hant\" (language, then optional script and region, joined by `-`)",
            ));
        }
        if let Err(why) = check_theme_name(&config.theme) {
            diags.push(err(
                &["theme"],
                format!("`theme` = {:?} {why}", config.theme),
                "name a folder directly under themes/, or remove `theme` to use the built-in default theme",
            ));
        } else if let Some(root) = root
            && config.theme != crate::theme::DEFAULT_THEME_NAME
            && !root.join("themes").join(&config.theme).is_dir()
        {
            diags.push(err(
                &["theme"],
                format!(
                    "theme `{0}` not found: no folder themes/{0}/",
                    config.theme
                ),
                "create the folder, or remove `theme` to use the built-in default theme (used when there is no themes/default/ folder)",
            ));
        }
        for (key, name) in [
            ("highlight_theme", &config.markdown.highlight_theme),
            (
                "highlight_theme_dark",
                &config.markdown.highlight_theme_dark,
            ),
        ] {
            if !crate::highlight::has_theme(name) {
                diags.push(err(
                    &["markdown", key],
                    format!("unknown highlight theme `{name}` in `markdown.{key}`"),
                    "use a syntect theme such as InspiredGitHub, base16-ocean.light, base16-ocean.dark, Solarized (light), or one of bat's (Nord, OneHalfLight, OneHalfDark, GitHub, Dracula…)",
                ));
            }
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
                    &["permalinks", key],
                    format!("permalinks.{key} = {pat:?}: {why}"),
                    "a pattern starts and ends with `/` and contains {slug}, e.g. \"/posts/{slug}/\"",
                ));
            }
        }
        diags.extend(crate::check::rules::validate(&config.check, text, &source));
        if diags.has_errors() {
            diags.sort();
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
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // It would be published in every canonical link, feed and sitemap.
        return Err("must not carry a user name or password");
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

/// `Ok` for a well-formed BCP 47 language tag as `<html lang>` and feeds read it (language,
/// optional script, region, variants and extensions, `-`-separated); the reason otherwise.
pub fn check_language(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("it is empty".into());
    }
    if tag.contains('_') {
        return Err(format!(
            "subtags are joined by `-`, not `_` (write {:?})",
            tag.replace('_', "-")
        ));
    }
    if tag.trim() != tag {
        return Err("it has spaces around it".into());
    }
    icu_locale_core::Locale::try_from_str(tag)
        .map(|_| ())
        .map_err(|e| match e {
            icu_locale_core::ParseError::InvalidLanguage => {
                "the first subtag must be a language code of 2–3 letters (or 5–8)".to_string()
            }
            icu_locale_core::ParseError::InvalidSubtag => {
                "a subtag is not a script (4 letters), region (2 letters or 3 digits), variant or extension".to_string()
            }
            icu_locale_core::ParseError::InvalidExtension => "an extension is malformed".to_string(),
            _ => "it is malformed".to_string(),
        })
}

/// `Ok` for a theme name that is one folder under `themes/`.
fn check_theme_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.trim() != name
    {
        return Err("must be the name of one folder under themes/");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration with every optional table and list filled in.
    fn full() -> Config {
        let mut c = Config {
            logo: Some("/logo.svg".into()),
            image: Some("/card.png".into()),
            publisher: Some("P".into()),
            menu: vec![MenuItem {
                title: "About".into(),
                url: "/about/".into(),
            }],
            newsletter: Some(NewsletterConfig {
                action: "https://n.example/".into(),
                email_field: "email".into(),
                title: "t".into(),
                text: "x".into(),
                button: "b".into(),
                hidden: BTreeMap::from([("l".to_string(), "1".to_string())]),
            }),
            comments: Some(CommentsConfig {
                script: "https://c.example/c.js".into(),
                data: BTreeMap::from([("repo".to_string(), "o/n".to_string())]),
            }),
            ..Config::default()
        };
        c.seo.twitter = Some("@x".into());
        c.check.rules.insert("image-alt".into(), RuleLevel::Off);
        c
    }

    /// Every key of a serialised `Config` is in the schema with a matching kind, and every
    /// key of the schema is a field of `Config`.
    #[test]
    fn schema_matches_config() {
        fn walk(table: &toml::Table, fields: &[schema::Field], at: &str) {
            for (k, v) in table {
                let f = fields
                    .iter()
                    .find(|f| f.name == k)
                    .unwrap_or_else(|| panic!("{at}{k} is not in the schema"));
                match (f.kind, v) {
                    (schema::Kind::Text | schema::Kind::Choice(_), toml::Value::String(_))
                    | (schema::Kind::Bool, toml::Value::Boolean(_))
                    | (schema::Kind::Count { .. }, toml::Value::Integer(_))
                    | (
                        schema::Kind::TextMap | schema::Kind::ChoiceMap(_) | schema::Kind::Any,
                        toml::Value::Table(_),
                    ) => {}
                    (schema::Kind::Table(sub), toml::Value::Table(t)) => {
                        walk(t, sub, &format!("{at}{k}."))
                    }
                    (schema::Kind::Tables(sub), toml::Value::Array(items)) => {
                        for item in items {
                            walk(item.as_table().unwrap(), sub, &format!("{at}{k}."));
                        }
                    }
                    (kind, v) => panic!("{at}{k}: schema {kind:?}, Config writes {v:?}"),
                }
            }
            for f in fields {
                assert!(
                    table.contains_key(f.name),
                    "{at}{} is not in Config",
                    f.name
                );
            }
        }
        let text = toml::to_string(&full()).unwrap();
        let table: toml::Table = text.parse().unwrap();
        walk(&table, schema::SITE, "");
        let doc = schema::Document::parse(&Arc::from(text.as_str()));
        assert!(doc.diags.is_empty(), "{:?}", doc.diags);
        assert!(Config::parse(&text).is_ok());
    }

    #[test]
    fn unknown_highlight_themes_are_reported_with_the_rest_at_their_values() {
        let text = "paginate_by = 0\n[markdown]\nhighlight_theme = \"NoSuchTheme\"\nhighlight_theme_dark = \"Nord\"\n";
        let e = Config::parse(text).unwrap_err();
        let got: Vec<(usize, usize, &str)> = e
            .items()
            .iter()
            .map(|d| (d.line.unwrap(), d.col.unwrap(), d.message.as_str()))
            .collect();
        assert!(
            got.contains(&(
                3,
                19,
                "unknown highlight theme `NoSuchTheme` in `markdown.highlight_theme`"
            )),
            "{got:?}"
        );
        assert!(got.iter().any(|(l, _, _)| *l == 1), "{got:?}");
        assert!(
            !got.iter().any(|(l, _, _)| *l == 4),
            "Nord is a theme: {got:?}"
        );
        let both = "[markdown]\nhighlight_theme = \"A\"\nhighlight_theme_dark = \"B\"\n";
        assert_eq!(Config::parse(both).unwrap_err().items().len(), 2);
    }

    #[test]
    fn every_problem_in_one_run_at_its_place() {
        let text = "paginate_bye = 3\nrecnt_posts = 2\ntimezone = \"Mars/Olympus\"\n[markdwn]\nx = 1\n[markdown]\nwords_per_minute = 0\n[feeds]\nlimit = -1\n";
        let e = Config::parse(text).unwrap_err();
        let got: Vec<(usize, usize, &str, Option<&str>)> = e
            .items()
            .iter()
            .map(|d| {
                (
                    d.line.unwrap(),
                    d.col.unwrap(),
                    d.message.as_str(),
                    d.help.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    1,
                    1,
                    "unknown key `paginate_bye`",
                    Some("did you mean `paginate_by`?")
                ),
                (
                    2,
                    1,
                    "unknown key `recnt_posts`",
                    Some("did you mean `recent_posts`?")
                ),
                (
                    3,
                    12,
                    "unknown time zone `Mars/Olympus`",
                    Some(
                        "use an IANA name such as \"UTC\", \"Europe/London\" or \"America/New_York\""
                    )
                ),
                (
                    4,
                    2,
                    "unknown table [markdwn]",
                    Some("did you mean `markdown`?")
                ),
                (
                    7,
                    20,
                    "`markdown.words_per_minute` must be a whole number ≥ 1, found 0",
                    Some("write a whole number of at least 1, e.g. markdown.words_per_minute = 1")
                ),
                (
                    9,
                    9,
                    "`feeds.limit` must be a whole number (0 or more), found -1",
                    Some("write a whole number, 0 or more, e.g. feeds.limit = 1")
                ),
            ]
        );
    }

    #[test]
    fn language_tags_are_well_formed_bcp47() {
        for ok in [
            "en",
            "en-GB",
            "pt-BR",
            "zh-Hant-TW",
            "sr-Latn",
            "es-419",
            "de-CH-1996",
        ] {
            assert_eq!(check_language(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "en_US", "english", "e", "en-", "en--GB", "123", " en", "en-GB-x",
        ] {
            assert!(check_language(bad).is_err(), "{bad}");
        }
    }

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
    fn a_number_past_the_top_names_the_top() {
        let e = Config::parse("[markdown]\nwords_per_minute = 18446744073709551615\n").unwrap_err();
        assert_eq!(
            e.items()[0].message,
            "`markdown.words_per_minute` must be a whole number from 1 to 9223372036854775807, found 18446744073709551615"
        );
    }

    #[test]
    fn base_url_with_credentials_is_refused() {
        let e = Config::parse("base_url = \"https://user:pw@example.org/a/\"").unwrap_err();
        let d = &e.items()[0];
        assert_eq!((d.line, d.col), (Some(1), Some(12)));
        assert_eq!(
            d.message,
            "`base_url` = \"https://user:pw@example.org/a/\" must not carry a user name or password"
        );
    }

    #[test]
    fn urls_written_into_every_page_take_only_safe_schemes() {
        let text = "title = \"x\"\nlogo = \"/logo.svg\"\n\n[[menu]]\ntitle = \"Home\"\nurl = \"/\"\n\n[[menu]]\ntitle = \"x\"\nurl = \" JavaScript:alert(1)\"\n\n[comments]\nscript = \"data:text/javascript,alert(1)\"\n";
        let e = Config::parse(text).unwrap_err();
        let got: Vec<(Option<usize>, Option<usize>, &str)> = e
            .items()
            .iter()
            .map(|d| (d.line, d.col, d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some(10),
                    Some(7),
                    "[[menu]] entry 2 `url` = \" JavaScript:alert(1)\" uses the `javascript:` scheme, which is not allowed (allowed: http, https, ftp, ftps, mailto, tel, or a site path)"
                ),
                (
                    Some(13),
                    Some(10),
                    "`comments.script` = \"data:text/javascript,alert(1)\" uses the `data:` scheme, which is not allowed (allowed: http, https, ftp, ftps, mailto, tel, or a site path)"
                ),
            ]
        );
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
