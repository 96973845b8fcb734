//! Head metadata for every page: `<title>`, meta description, canonical URL, Open Graph and
//! Twitter card values, and JSON-LD (schema.org). Produced as the `meta` template value.
//!
//! All values are plain text (Tera escapes them in attributes) with XML-forbidden characters
//! removed; `json_ld` is JSON already escaped for a `<script>` element (see
//! [`crate::templates::script_safe_json`]). JSON-LD uses schema.org types and property names
//! only: `NewsArticle` / `AnalysisNewsArticle` on posts, `Person` on author pages, `WebSite` on
//! the home page, `WebPage` on standalone pages.

use serde_json::json;
use tera::Value;

use crate::config::Config;
use crate::feeds::content::clean_text;
use crate::model::{Author, Page, Post, Site};
use crate::values::{list, map, rfc3339, text};

/// What a page is, for `og:type` and JSON-LD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The home listing (page 1 or later).
    Home,
    /// A post.
    Post,
    /// A standalone page.
    Page,
    /// The tag index or a tag page.
    Tags,
    /// An author page or the author index.
    Author,
    /// The 404 page.
    NotFound,
}

/// Head metadata of one page.
#[derive(Debug, Clone)]
pub struct Meta {
    /// Full `<title>` text: `Page title · Site title` (just the site title on the home page).
    pub title: String,
    /// Meta description (≤ 300 characters, cut at a word).
    pub description: String,
    /// Absolute canonical URL.
    pub canonical: String,
    /// Absolute social image URL.
    pub image: Option<String>,
    /// `og:type`.
    pub og_type: &'static str,
    /// JSON-LD text, script-safe.
    pub json_ld: Option<String>,
    /// `noindex` (404 and redirect pages).
    pub noindex: bool,
    /// Posts: `article:published_time` (RFC 3339 with the post's offset).
    pub published: Option<String>,
    /// Posts: `article:modified_time` (RFC 3339), the `updated` date or else `date`.
    pub modified: Option<String>,
    /// Posts: absolute author page URLs (`article:author`).
    pub authors: Vec<String>,
    /// Posts: tag names (`article:tag`).
    pub tags: Vec<String>,
    /// `twitter:site` handle from `[seo] twitter`.
    pub twitter_site: Option<String>,
}

impl Meta {
    /// The `meta` template value: `title`, `description`, `canonical`, `image`, `og_type`,
    /// `json_ld` (HTML), `noindex`, `published_time`, `modified_time` (or none), `authors`
    /// (list of URLs), `tags` (list of text), `twitter_site` (or none).
    pub fn to_value(&self) -> Value {
        let t = |s: &str| text(&clean_text(s));
        let opt = |s: Option<&str>| s.map(t).unwrap_or_else(Value::none);
        map([
            ("title", t(&self.title)),
            ("description", t(&self.description)),
            ("canonical", t(&self.canonical)),
            ("image", opt(self.image.as_deref())),
            ("og_type", text(self.og_type)),
            (
                "json_ld",
                self.json_ld
                    .as_deref()
                    .map(Value::safe_string)
                    .unwrap_or_else(Value::none),
            ),
            ("noindex", Value::from(self.noindex)),
            ("published_time", opt(self.published.as_deref())),
            ("modified_time", opt(self.modified.as_deref())),
            ("authors", list(self.authors.iter().map(|a| t(a)).collect())),
            ("tags", list(self.tags.iter().map(|a| t(a)).collect())),
            ("twitter_site", opt(self.twitter_site.as_deref())),
        ])
    }
}

/// The `twitter:site` handle, with its `@` (`example` → `@example`); none when unset or blank.
fn twitter_site(config: &Config) -> Option<String> {
    let h = config.seo.twitter.as_deref()?.trim();
    let h = h.trim_start_matches('@');
    (!h.is_empty()).then(|| format!("@{h}"))
}

/// Cuts `s` to at most `max` characters at a word boundary, adding `…` when cut.
pub fn truncate_words(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':', '.', ' ']))
}

fn page_title(config: &Config, title: &str) -> String {
    if title.is_empty() || title == config.title {
        config.title.clone()
    } else {
        format!("{title} · {}", config.title)
    }
}

fn abs_image(config: &Config, image: Option<&str>) -> Option<String> {
    image.or(config.image.as_deref()).map(|i| config.abs_url(i))
}

fn ld(value: serde_json::Value) -> Option<String> {
    serde_json::to_string(&value)
        .ok()
        .map(|s| crate::templates::script_safe_json(&s))
}

fn person(config: &Config, a: &Author) -> serde_json::Value {
    let mut p = json!({
        "@type": "Person",
        "name": a.name,
        "url": config.abs_url(&a.path),
    });
    if !a.bio_text.is_empty() {
        p["description"] = json!(truncate_words(&a.bio_text, 300));
    }
    if !a.links.is_empty() {
        p["sameAs"] = json!(a.links.iter().map(|l| l.url.clone()).collect::<Vec<_>>());
    }
    if let Some(av) = &a.avatar {
        p["image"] = json!(config.abs_url(av));
    }
    p
}

fn publisher(config: &Config) -> serde_json::Value {
    let mut org = json!({
        "@type": "Organization",
        "name": config.publisher_name(),
        "url": config.base_url,
    });
    if let Some(logo) = &config.logo {
        org["logo"] = json!({"@type": "ImageObject", "url": config.abs_url(logo)});
    }
    org
}

/// Metadata of a post page.
pub fn for_post(site: &Site, p: &Post) -> Meta {
    let c = &site.config;
    let description = p
        .summary_text
        .clone()
        .or_else(|| (!p.highlights.is_empty()).then(|| p.highlights.join(" ")))
        .unwrap_or_else(|| crate::templates::strip_tags(&p.body.summary_html));
    let description = truncate_words(&description, 300);
    let canonical = c.abs_url(&p.path);
    let image = abs_image(c, p.image.as_deref());
    let kind = if c.seo.analysis {
        "AnalysisNewsArticle"
    } else {
        "NewsArticle"
    };
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "headline": p.title,
        "datePublished": rfc3339(&p.date),
        "dateModified": rfc3339(p.last_modified()),
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "publisher": publisher(c),
        "inLanguage": c.language,
        "wordCount": p.body.word_count,
    });
    if !description.is_empty() {
        article["description"] = json!(description);
    }
    if p.authors.is_empty() {
        // No byline: the publication is the author.
        article["author"] = publisher(c);
    } else {
        article["author"] = json!(
            p.authors
                .iter()
                .map(|&a| person(c, &site.authors[a]))
                .collect::<Vec<_>>()
        );
    }
    if !p.tags.is_empty() {
        article["keywords"] = json!(p.tags.join(", "));
    }
    if !p.highlights.is_empty() {
        article["abstract"] = json!(p.highlights.join(" "));
    }
    let mut citations: Vec<serde_json::Value> = Vec::new();
    if let Some(cit) = &p.citation {
        citations.push(json!(cit));
    }
    for s in &p.sources {
        let mut w = json!({"@type": "CreativeWork", "name": s.title});
        if let Some(u) = &s.url {
            w["url"] = json!(u);
        }
        if let Some(pb) = &s.publisher {
            w["publisher"] = json!({"@type": "Organization", "name": pb});
        }
        if let Some(d) = &s.date {
            w["datePublished"] = json!(d);
        }
        citations.push(w);
    }
    if !citations.is_empty() {
        article["citation"] = json!(citations);
    }
    if let Some(img) = &image {
        article["image"] = json!([img]);
    }
    Meta {
        title: page_title(c, &p.title),
        description,
        canonical,
        image,
        og_type: "article",
        json_ld: ld(article),
        noindex: false,
        published: Some(rfc3339(&p.date)),
        modified: Some(rfc3339(p.last_modified())),
        authors: p
            .authors
            .iter()
            .map(|&a| c.abs_url(&site.authors[a].path))
            .collect(),
        tags: p
            .tag_ids
            .iter()
            .map(|&t| site.tags[t].name.clone())
            .collect(),
        twitter_site: twitter_site(c),
    }
}

/// Metadata of a standalone page.
pub fn for_page(site: &Site, p: &Page) -> Meta {
    let c = &site.config;
    let description = p
        .summary_text
        .clone()
        .unwrap_or_else(|| crate::templates::strip_tags(&p.body.summary_html));
    let canonical = c.abs_url(&p.path);
    let webpage = json!({
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": p.title,
        "url": canonical,
        "isPartOf": {"@type": "WebSite", "name": c.title, "url": c.base_url},
    });
    Meta {
        title: page_title(c, &p.title),
        description: truncate_words(&description, 300),
        canonical,
        image: abs_image(c, p.image.as_deref()),
        og_type: "website",
        json_ld: ld(webpage),
        noindex: false,
        published: None,
        modified: None,
        authors: Vec::new(),
        tags: Vec::new(),
        twitter_site: twitter_site(c),
    }
}

/// Metadata of an author page.
pub fn for_author(site: &Site, a: &Author, path: &str) -> Meta {
    let c = &site.config;
    let mut p = person(c, a);
    p["@context"] = json!("https://schema.org");
    if let Some(role) = &a.role {
        p["jobTitle"] = json!(role);
    }
    let description = if a.bio_text.is_empty() {
        format!("Analysis by {} on {}", a.name, c.title)
    } else {
        a.bio_text.clone()
    };
    Meta {
        title: page_title(c, &a.name),
        description: truncate_words(&description, 300),
        canonical: c.abs_url(path),
        image: abs_image(c, a.avatar.as_deref()),
        og_type: "profile",
        json_ld: ld(p),
        noindex: false,
        published: None,
        modified: None,
        authors: Vec::new(),
        tags: Vec::new(),
        twitter_site: twitter_site(c),
    }
}

/// Metadata of a listing page (home, tags, authors) at `path`; `title` is empty for home.
pub fn for_listing(
    site: &Site,
    kind: PageKind,
    title: &str,
    description: &str,
    path: &str,
) -> Meta {
    let c = &site.config;
    let json_ld = if kind == PageKind::Home && path == "/" {
        let mut w = json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": c.title,
            "url": c.base_url,
            "inLanguage": c.language,
            "publisher": publisher(c),
        });
        if !c.description.trim().is_empty() {
            w["description"] = json!(c.description);
        }
        ld(w)
    } else {
        None
    };
    let description = if description.is_empty() {
        c.description.clone()
    } else {
        description.to_string()
    };
    Meta {
        title: page_title(c, title),
        description: truncate_words(&description, 300),
        canonical: c.abs_url(path),
        image: abs_image(c, None),
        og_type: "website",
        json_ld,
        noindex: kind == PageKind::NotFound,
        published: None,
        modified: None,
        authors: Vec::new(),
        tags: Vec::new(),
        twitter_site: twitter_site(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_words() {
        assert_eq!(truncate_words("short text", 50), "short text");
        let t = truncate_words("alpha beta gamma delta", 12);
        assert_eq!(t, "alpha beta…");
    }
}
