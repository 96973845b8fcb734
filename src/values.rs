//! Template values: the content model turned into Tera [`Value`]s, built once per build and
//! shared by reference (Tera's maps and arrays are reference-counted, so handing a post card
//! to a hundred listing pages copies a pointer, not the post).
//!
//! Strings from front matter are normal (escaped by Tera); HTML produced by smelt (bodies,
//! summaries, bios) is marked safe. The shapes are documented in `themes/README.md`.

use tera::{Map, Value};

use crate::config::Config;
use crate::model::{Author, Post, Site, Source, Term, TocEntry};

/// Builds a Tera map from (key, value) pairs.
pub fn map<const N: usize>(pairs: [(&'static str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

/// A plain-text string value (escaped when printed).
pub fn text(s: &str) -> Value {
    Value::normal_string(s)
}

/// An HTML string value produced by smelt (printed as-is).
pub fn html(s: &str) -> Value {
    Value::safe_string(s)
}

/// `none` for `None`, else the text.
pub fn opt_text(s: Option<&str>) -> Value {
    s.map(text).unwrap_or_else(Value::none)
}

/// A list value.
pub fn list(items: Vec<Value>) -> Value {
    Value::from(items)
}

/// RFC 3339 with the date's own offset, e.g. `2024-03-05T23:30:00+05:30`.
pub fn rfc3339(z: &jiff::Zoned) -> String {
    z.timestamp().display_with_offset(z.offset()).to_string()
}

/// The human date shown on pages, e.g. `Jan 27, 2026` (in the date's own offset).
pub fn display_date(z: &jiff::Zoned) -> String {
    z.strftime("%b %-d, %Y").to_string()
}

/// Date values: `date` (RFC 3339), `date_display`, `date_iso` (YYYY-MM-DD).
fn date_values(z: &jiff::Zoned) -> (Value, Value, Value) {
    (
        text(&rfc3339(z)),
        text(&display_date(z)),
        text(&z.date().to_string()),
    )
}

/// A resolved image URL: site paths get the base path, URLs are kept.
pub fn image_url(config: &Config, image: Option<&str>) -> Value {
    image
        .map(|i| text(&config.url(i)))
        .unwrap_or_else(Value::none)
}

/// `{id, name, url, role, avatar}` — how an author appears in bylines and cards.
pub fn author_ref(config: &Config, a: &Author) -> Value {
    map([
        ("id", text(&a.id)),
        ("name", text(&a.name)),
        ("url", text(&config.url(&a.path))),
        ("permalink", text(&config.abs_url(&a.path))),
        ("role", opt_text(a.role.as_deref())),
        ("avatar", image_url(config, a.avatar.as_deref())),
    ])
}

/// Everything about an author: the ref fields plus `bio` (HTML), `bio_text`, `links`,
/// `email`, `extra`, `post_count`.
pub fn author_full(config: &Config, a: &Author, post_count: usize) -> Value {
    let links = a
        .links
        .iter()
        .map(|l| map([("name", text(&l.name)), ("url", text(&l.url))]))
        .collect();
    map([
        ("id", text(&a.id)),
        ("name", text(&a.name)),
        ("url", text(&config.url(&a.path))),
        ("permalink", text(&config.abs_url(&a.path))),
        ("role", opt_text(a.role.as_deref())),
        ("avatar", image_url(config, a.avatar.as_deref())),
        ("bio", html(&a.bio_html)),
        ("bio_text", text(&a.bio_text)),
        ("links", list(links)),
        ("email", opt_text(a.email.as_deref())),
        ("extra", Value::from_serializable(&a.extra)),
        ("post_count", Value::from(post_count)),
    ])
}

/// `{name, slug, url, permalink, count}` for a tag.
pub fn term(config: &Config, t: &Term) -> Value {
    map([
        ("name", text(&t.name)),
        ("slug", text(&t.slug)),
        ("url", text(&config.url(&t.path))),
        ("permalink", text(&config.abs_url(&t.path))),
        ("count", Value::from(t.posts.len())),
    ])
}

/// Per-build shared values: one per author and tag, used inside every card.
pub struct Shared {
    /// Author refs, parallel to `Site::authors`.
    pub authors: Vec<Value>,
    /// Tag values, parallel to `Site::tags`.
    pub terms: Vec<Value>,
}

impl Shared {
    /// Builds the shared values of a site.
    pub fn new(site: &Site) -> Shared {
        let c = &site.config;
        Shared {
            authors: site.authors.iter().map(|a| author_ref(c, a)).collect(),
            terms: site.tags.iter().map(|t| term(c, t)).collect(),
        }
    }
}

/// The fields of a post shown in listings: title, url, permalink, slug, date fields,
/// updated fields, authors, tags, highlights, summary (HTML), reading_minutes, word_count,
/// image, draft, citation, extra.
pub fn post_card(config: &Config, shared: &Shared, p: &Post) -> Map {
    let (date, date_display, date_iso) = date_values(&p.date);
    let (updated, updated_display) = match &p.updated {
        Some(u) => (text(&rfc3339(u)), text(&display_date(u))),
        None => (Value::none(), Value::none()),
    };
    let mut m = Map::with_capacity(24);
    let mut put = |k: &'static str, v: Value| {
        m.insert(k.into(), v);
    };
    put("title", text(&p.title));
    put("slug", text(&p.slug));
    put("url", text(&config.url(&p.path)));
    put("permalink", text(&config.abs_url(&p.path)));
    put("source", text(&p.source));
    put("date", date);
    put("date_display", date_display);
    put("date_iso", date_iso);
    put("updated", updated);
    put("updated_display", updated_display);
    put(
        "authors",
        list(
            p.authors
                .iter()
                .map(|&a| shared.authors[a].clone())
                .collect(),
        ),
    );
    put(
        "tags",
        list(p.tag_ids.iter().map(|&t| shared.terms[t].clone()).collect()),
    );
    put(
        "highlights",
        list(p.highlights.iter().map(|h| text(h)).collect()),
    );
    put("summary", html(&p.body.summary_html));
    put("has_more", Value::from(p.body.has_more));
    put("reading_minutes", Value::from(p.body.reading_minutes));
    put("word_count", Value::from(p.body.word_count));
    put("image", image_url(config, p.image.as_deref()));
    put("draft", Value::from(p.draft));
    put("citation", opt_text(p.citation.as_deref()));
    put("extra", Value::from_serializable(&p.extra));
    m
}

/// A table of contents as nested `{level, id, title, children}` values.
pub fn toc(entries: &[TocEntry]) -> Value {
    list(
        entries
            .iter()
            .map(|e| {
                map([
                    ("level", Value::from(e.level)),
                    ("id", text(&e.id)),
                    ("title", text(&e.title)),
                    ("children", toc(&e.children)),
                ])
            })
            .collect(),
    )
}

/// `{title, publisher, url, date}` per cited source.
pub fn sources(list_: &[Source]) -> Value {
    list(
        list_
            .iter()
            .map(|s| {
                map([
                    ("title", text(&s.title)),
                    ("publisher", opt_text(s.publisher.as_deref())),
                    ("url", opt_text(s.url.as_deref())),
                    ("date", opt_text(s.date.as_deref())),
                ])
            })
            .collect(),
    )
}

/// `{title, url}` of a neighbouring post, or none.
pub fn neighbour(config: &Config, p: Option<&Post>) -> Value {
    match p {
        Some(p) => map([
            ("title", text(&p.title)),
            ("url", text(&config.url(&p.path))),
        ]),
        None => Value::none(),
    }
}

/// The `site` value every template receives.
pub fn site_value(site: &Site) -> Value {
    let c = &site.config;
    let menu = c
        .menu
        .iter()
        .map(|m| map([("title", text(&m.title)), ("url", text(&c.url(&m.url)))]))
        .collect();
    let newsletter = match &c.newsletter {
        Some(n) => map([
            ("action", text(&n.action)),
            ("email_field", text(&n.email_field)),
            ("title", text(&n.title)),
            ("text", text(&n.text)),
            ("button", text(&n.button)),
            (
                "hidden",
                list(
                    n.hidden
                        .iter()
                        .map(|(k, v)| map([("name", text(k)), ("value", text(v))]))
                        .collect(),
                ),
            ),
        ]),
        None => Value::none(),
    };
    let comments = match &c.comments {
        Some(cm) => map([
            ("script", text(&cm.script)),
            (
                "data",
                list(
                    cm.data
                        .iter()
                        .map(|(k, v)| map([("name", text(k)), ("value", text(v))]))
                        .collect(),
                ),
            ),
        ]),
        None => Value::none(),
    };
    let host = url::Url::parse(&c.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    map([
        ("title", text(&c.title)),
        ("description", text(&c.description)),
        ("base_url", text(&c.base_url)),
        ("base_path", text(&c.base_path)),
        ("host", text(&host)),
        ("language", text(&c.language)),
        ("logo", image_url(c, c.logo.as_deref())),
        ("image", image_url(c, c.image.as_deref())),
        ("publisher", text(c.publisher_name())),
        ("menu", list(menu)),
        ("newsletter", newsletter),
        ("comments", comments),
        ("search", Value::from(c.search.enabled)),
        ("recent_title", text(&c.recent_title)),
        ("post_count", Value::from(site.posts.len())),
        ("extra", Value::from_serializable(&c.extra)),
        (
            "generator",
            text(concat!("smelt ", env!("CARGO_PKG_VERSION"))),
        ),
    ])
}
