//! Feeds: Atom (parsed with `atom_syndication`), RSS 2.0 (parsed with `rss`) and JSON Feed 1.1
//! (checked field by field), for the site, every tag and author; autodiscovery links; the
//! `[feeds]` switches; an empty site; cases 019 (control characters), 021 (dates and
//! escaping) and 022 (sub-path base URL); and a rebuild after one post is edited.
//! Fixtures: `tests/fixtures/feeds/` (four posts, three authors, base URL with a sub-path) and
//! `tests/fixtures/cases/0NN-*/input/`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

const BASE: &str = "https://example.org/analysis/";

/// Builds a copy of fixture `name` whose `site.toml` text is replaced by `edit(text)`;
/// asserts success. The temp dir holds the site copy.
pub(crate) fn build_edited(
    name: &str,
    edit: impl FnOnce(&str) -> String,
    args: &[&str],
) -> (tempfile::TempDir, Built) {
    let site = site_copy(name);
    let config = site.path().join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    // Fixture files may be read-only copies.
    let mut perms = std::fs::metadata(&config).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&config, perms).unwrap();
    std::fs::write(&config, edit(&text)).unwrap();
    let b = build_dir(site.path(), args);
    assert_eq!(b.code(), 0, "build failed:\n{}", b.stderr());
    (site, b)
}

/// Builds a copy of fixture `name` after appending `extra_toml` (tables) to its `site.toml`.
pub(crate) fn build_with(
    name: &str,
    extra_toml: &str,
    args: &[&str],
) -> (tempfile::TempDir, Built) {
    build_edited(name, |t| format!("{t}{extra_toml}"), args)
}

pub(crate) fn rss_channel(b: &Built, rel: &str) -> rss::Channel {
    rss::Channel::read_from(b.read(rel).as_bytes()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(crate) fn atom_feed(b: &Built, rel: &str) -> atom_syndication::Feed {
    atom_syndication::Feed::read_from(b.read(rel).as_bytes())
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(crate) fn json_feed(b: &Built, rel: &str) -> Value {
    serde_json::from_str(&b.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `href`/`src`/`srcset`/`poster` values inside an HTML fragment.
fn urls_in(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_fragment(html);
    let mut out = Vec::new();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for a in ["href", "src", "poster"] {
            if let Some(v) = el.value().attr(a) {
                out.push(v.to_string());
            }
        }
        if let Some(v) = el.value().attr("srcset") {
            out.extend(
                v.split(',')
                    .filter_map(|c| c.split_whitespace().next())
                    .map(str::to_string),
            );
        }
    }
    out
}

/// Asserts `s` is an RFC 3339 timestamp with an explicit offset.
fn assert_rfc3339(s: &str) {
    assert!(s.parse::<jiff::Timestamp>().is_ok(), "not RFC 3339: {s}");
    let offset = s.len().checked_sub(6).map(|i| &s[i..]).unwrap_or_default();
    assert!(
        s.ends_with('Z') || offset.starts_with(['+', '-']),
        "no offset: {s}"
    );
}

fn jstr<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

#[test]
fn rss_parses_and_carries_every_entry_field() {
    let b = build_ok("feeds");
    let ch = rss_channel(&b, "rss.xml");
    assert_eq!(ch.title(), "Ledger & Line");
    assert_eq!(ch.link(), BASE);
    assert_eq!(
        ch.description(),
        "Sourced analysis of trade, markets and policy."
    );
    assert_eq!(ch.language(), Some("en"));
    // The newest `updated` among the entries, never the build time.
    assert_eq!(
        ch.last_build_date(),
        Some("Wed, 28 Jan 2026 10:00:00 -0500")
    );
    let titles: Vec<&str> = ch.items().iter().filter_map(|i| i.title()).collect();
    assert_eq!(
        titles,
        [
            "When Allies Hedge, China Leans In",
            "The Tariff Ladder",
            "Copper in One Chart",
            "Week in Review"
        ]
    );
    let dates: Vec<&str> = ch.items().iter().filter_map(|i| i.pub_date()).collect();
    assert_eq!(
        dates,
        [
            "Tue, 27 Jan 2026 09:15:00 -0500",
            "Tue, 20 Jan 2026 00:00:00 -0500",
            "Sat, 10 Jan 2026 08:00:00 +0000",
            "Sat, 03 Jan 2026 00:00:00 -0500"
        ]
    );
    let first = &ch.items()[0];
    let url = format!("{BASE}posts/allies-hedge/");
    assert_eq!(first.link(), Some(url.as_str()));
    let guid = first.guid().expect("guid");
    assert_eq!((guid.value(), guid.is_permalink()), (url.as_str(), true));
    let cats: Vec<&str> = first.categories().iter().map(|c| c.name()).collect();
    assert_eq!(cats, ["China", "Rare Earths", "Trade Policy"]);
    let creators = first.dublin_core_ext().expect("dc:creator").creators();
    assert_eq!(creators, ["Daniel Reyes"]);
    let two = ch.items()[1]
        .dublin_core_ext()
        .expect("dc:creator")
        .creators();
    assert_eq!(two, ["Daniel Reyes", "Mira Chen"]);
    // Highlights are the summary; the full post is the content.
    assert_eq!(
        first.description(),
        Some(
            "<ul><li>Allies reopen channels with Beijing while tariff threats persist.</li><li>Rare-earth export licences become a bargaining chip.</li></ul>"
        )
    );
    let content = first.content().expect("content:encoded");
    assert!(content.contains("<h2 id=\"notes\">Notes"), "{content}");
    // No heading anchors: a reader without the site's CSS would show a `#` after each heading.
    assert!(
        !content.contains("heading-anchor") && !content.contains(">#</a>"),
        "{content}"
    );
    assert!(
        content.contains("Figures come from customs filings."),
        "{content}"
    );
    // A post without highlights or summary: its first paragraph.
    assert_eq!(ch.items()[3].description(), Some("<p>A short roundup.</p>"));
}

/// A post's own `summary:` is its feed summary in every format, before its highlights (as
/// in its meta description); an HTML comment in the body is not published in the feeds.
#[test]
fn a_written_summary_comes_before_the_highlights() {
    let site = site_copy("feeds");
    let post = site.path().join("content/posts/allies-hedge.md");
    let text = std::fs::read_to_string(&post).unwrap();
    let text = text.replacen(
        "highlights:",
        "summary: \"Allies hedge & China leans in.\"\nhighlights:",
        1,
    );
    let text = format!("{text}\n<!-- Editor: check the tariff figures. -->\n");
    std::fs::remove_file(&post).unwrap();
    std::fs::write(&post, text).unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let rss = rss_channel(&b, "rss.xml");
    let first = &rss.items()[0];
    assert_eq!(
        first.description(),
        Some("<p>Allies hedge &amp; China leans in.</p>")
    );
    assert!(!first.content().unwrap().contains("Editor:"));
    let atom = atom_feed(&b, "atom.xml");
    assert_eq!(
        atom.entries()[0].summary().unwrap().as_str(),
        "<p>Allies hedge &amp; China leans in.</p>"
    );
    let json = json_feed(&b, "feed.json");
    assert_eq!(
        jstr(&json["items"][0], "summary"),
        "Allies hedge & China leans in."
    );
    let page = b.read("posts/allies-hedge/index.html");
    assert!(
        page.contains("<meta name=\"description\" content=\"Allies hedge &amp; China leans in.\">"),
        "{page}"
    );
}

#[test]
fn urls_inside_feed_content_are_absolute() {
    let b = build_ok("feeds");
    let ch = rss_channel(&b, "rss.xml");
    let html = |slug: &str| {
        ch.items()
            .iter()
            .find(|i| {
                i.link()
                    .is_some_and(|l| l.ends_with(&format!("/posts/{slug}/")))
            })
            .and_then(|i| i.content())
            .unwrap_or_else(|| panic!("no content for {slug}"))
            .to_string()
    };
    let allies = urls_in(&html("allies-hedge"));
    for want in [
        "https://example.org/analysis/posts/tariff-ladder/",
        "https://example.org/analysis/methodology/",
        "https://example.org/analysis/posts/allies-hedge/#notes",
        "https://example.org/analysis/images/licences.png",
        "https://example.org/analysis/posts/allies-hedge/#fn:1",
    ] {
        assert!(
            allies.iter().any(|u| u == want),
            "missing {want} in {allies:?}"
        );
    }
    // `../tariff-ladder/` resolves against the post's permalink.
    assert_eq!(
        allies
            .iter()
            .filter(|u| *u == "https://example.org/analysis/posts/tariff-ladder/")
            .count(),
        2
    );
    // Bundle assets written page-relative resolve beside the post.
    let chart = urls_in(&html("chart-bundle"));
    assert_eq!(
        chart,
        [
            "https://example.org/analysis/posts/chart-bundle/chart.png",
            "https://example.org/analysis/posts/chart-bundle/data/stocks.csv"
        ]
    );
    for kind in ["atom.xml", "rss.xml", "feed.json"] {
        let text = b.read(kind);
        for bad in [
            "href=\"/",
            "src=\"/",
            "href=\\\"/",
            "src=\\\"/",
            "href=\"#",
            "href=\\\"#",
            "src=\"chart",
        ] {
            assert!(!text.contains(bad), "{kind} has a relative URL ({bad})");
        }
    }
}

#[test]
fn atom_parses_with_ids_dates_authors_and_categories() {
    let b = build_ok("feeds");
    let f = atom_feed(&b, "atom.xml");
    assert_eq!(f.title().as_str(), "Ledger & Line");
    assert_eq!(f.id(), BASE);
    assert_eq!(f.updated().to_rfc3339(), "2026-01-28T10:00:00-05:00");
    let self_link = f
        .links()
        .iter()
        .find(|l| l.rel() == "self")
        .expect("rel=self");
    assert_eq!(self_link.href(), "https://example.org/analysis/atom.xml");
    assert_eq!(f.authors()[0].name(), "Ledger & Line Media");
    assert_eq!(
        f.logo(),
        Some("https://example.org/analysis/images/logo.png")
    );
    assert_eq!(f.entries().len(), 4);
    let e = &f.entries()[0];
    let url = format!("{BASE}posts/allies-hedge/");
    assert_eq!(e.id(), url);
    assert_eq!(e.links()[0].href(), url);
    assert_eq!(e.links()[0].rel(), "alternate");
    assert_eq!(
        e.published().map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-01-27T09:15:00-05:00")
    );
    assert_eq!(e.updated().to_rfc3339(), "2026-01-28T10:00:00-05:00");
    let authors: Vec<(&str, Option<&str>)> =
        e.authors().iter().map(|a| (a.name(), a.uri())).collect();
    assert_eq!(
        authors,
        [(
            "Daniel Reyes",
            Some("https://example.org/analysis/authors/daniel/")
        )]
    );
    let terms: Vec<&str> = e.categories().iter().map(|c| c.term()).collect();
    assert_eq!(terms, ["China", "Rare Earths", "Trade Policy"]);
    let summary = e.summary().expect("summary");
    assert!(
        summary
            .as_str()
            .starts_with("<ul><li>Allies reopen channels"),
        "{}",
        summary.as_str()
    );
    let content = e.content().expect("content");
    assert_eq!(content.content_type(), Some("html"));
    assert!(
        content
            .value()
            .is_some_and(|v| v.contains("customs filings"))
    );
    // Every entry has a stable id equal to its permalink, and both dates.
    for e in f.entries() {
        assert!(
            e.id().starts_with(BASE) && e.id().ends_with('/'),
            "{}",
            e.id()
        );
        assert_eq!(e.links()[0].href(), e.id());
        assert!(e.published().is_some());
    }
    // The entry without a byline relies on the feed-level author.
    assert!(f.entries()[3].authors().is_empty());
}

#[test]
fn json_feed_has_the_1_1_structure() {
    let b = build_ok("feeds");
    let d = json_feed(&b, "feed.json");
    assert_eq!(jstr(&d, "version"), "https://jsonfeed.org/version/1.1");
    assert_eq!(jstr(&d, "title"), "Ledger & Line");
    assert_eq!(jstr(&d, "home_page_url"), BASE);
    assert_eq!(
        jstr(&d, "feed_url"),
        "https://example.org/analysis/feed.json"
    );
    assert_eq!(jstr(&d, "language"), "en");
    assert_eq!(d["authors"][0]["name"], "Ledger & Line Media");
    let items = d["items"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    for it in items {
        let id = jstr(it, "id");
        assert_eq!(id, jstr(it, "url"));
        assert!(id.starts_with(BASE));
        assert!(jstr(it, "content_html").starts_with('<'));
        assert_rfc3339(jstr(it, "date_published"));
        assert_rfc3339(jstr(it, "date_modified"));
    }
    let first = &items[0];
    assert_eq!(jstr(first, "title"), "When Allies Hedge, China Leans In");
    assert_eq!(jstr(first, "date_published"), "2026-01-27T09:15:00-05:00");
    assert_eq!(jstr(first, "date_modified"), "2026-01-28T10:00:00-05:00");
    assert_eq!(
        jstr(first, "summary"),
        "Allies reopen channels with Beijing while tariff threats persist. Rare-earth export licences become a bargaining chip."
    );
    assert_eq!(
        jstr(first, "image"),
        "https://example.org/analysis/images/allies.png"
    );
    assert_eq!(
        first["tags"],
        serde_json::json!(["China", "Rare Earths", "Trade Policy"])
    );
    assert_eq!(
        first["authors"],
        serde_json::json!([{"name": "Daniel Reyes", "url": "https://example.org/analysis/authors/daniel/"}])
    );
    // Front matter `summary` is the plain-text summary.
    assert_eq!(
        jstr(&items[2], "summary"),
        "Copper inventories fell for the sixth month."
    );
    assert!(
        items[3].get("authors").is_none(),
        "no byline, no authors: {}",
        items[3]
    );
}

#[test]
fn tag_and_author_feeds_exist_for_every_autodiscovery_link() {
    let b = build_ok("feeds");
    let markets = rss_channel(&b, "tags/markets/rss.xml");
    assert_eq!(markets.title(), "Ledger & Line — Markets");
    assert_eq!(markets.link(), "https://example.org/analysis/tags/markets/");
    let links: Vec<&str> = markets.items().iter().filter_map(|i| i.link()).collect();
    assert_eq!(links, ["https://example.org/analysis/posts/chart-bundle/"]);
    let china = atom_feed(&b, "tags/china/atom.xml");
    let ids: Vec<&str> = china.entries().iter().map(|e| e.id()).collect();
    assert_eq!(
        ids,
        [
            "https://example.org/analysis/posts/allies-hedge/",
            "https://example.org/analysis/posts/no-byline/"
        ]
    );
    let mira = json_feed(&b, "authors/mira/feed.json");
    assert_eq!(
        jstr(&mira, "home_page_url"),
        "https://example.org/analysis/authors/mira/"
    );
    assert_eq!(mira["authors"][0]["name"], "Mira Chen");
    assert_eq!(mira["items"].as_array().map(Vec::len), Some(2));
    // An author with no posts has a page, so valid empty feeds too.
    let quiet = rss_channel(&b, "authors/quiet/rss.xml");
    assert!(quiet.items().is_empty() && quiet.last_build_date().is_none());
    assert!(atom_feed(&b, "authors/quiet/atom.xml").entries().is_empty());

    // Every autodiscovery link on every page names a file that exists.
    let sel = scraper::Selector::parse("link[rel=alternate]").unwrap();
    let mut checked = 0;
    for f in b.files().into_iter().filter(|f| f.ends_with(".html")) {
        let doc = scraper::Html::parse_document(&b.read(&f));
        for l in doc.select(&sel) {
            let href = l.value().attr("href").unwrap_or_default();
            let rel = href
                .strip_prefix("/analysis/")
                .unwrap_or_else(|| panic!("{f}: {href} lacks the base path"));
            assert!(b.has(rel), "{f}: autodiscovery {href} has no file");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} autodiscovery links");
    let tag_page = b.read("tags/markets/index.html");
    let doc = scraper::Html::parse_document(&tag_page);
    let found: Vec<(String, String)> = doc
        .select(&sel)
        .map(|l| {
            (
                l.value().attr("type").unwrap_or_default().to_string(),
                l.value().attr("href").unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("application/atom+xml", "/analysis/atom.xml"),
            ("application/rss+xml", "/analysis/rss.xml"),
            ("application/feed+json", "/analysis/feed.json"),
            ("application/atom+xml", "/analysis/tags/markets/atom.xml"),
            ("application/rss+xml", "/analysis/tags/markets/rss.xml"),
            ("application/feed+json", "/analysis/tags/markets/feed.json"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn limit_and_summary_content_and_no_per_term_feeds() {
    let (_s, b) = build_with(
        "feeds",
        "\n[feeds]\nlimit = 2\ncontent = \"summary\"\nper_term = false\n",
        &[],
    );
    let ch = rss_channel(&b, "rss.xml");
    let links: Vec<&str> = ch.items().iter().filter_map(|i| i.link()).collect();
    assert_eq!(
        links,
        [
            "https://example.org/analysis/posts/allies-hedge/",
            "https://example.org/analysis/posts/tariff-ladder/"
        ]
    );
    let content = ch.items()[0].content().expect("content");
    assert!(content.contains("reopening channels"), "{content}");
    assert!(
        !content.contains("customs filings"),
        "summary mode shows only the summary: {content}"
    );
    assert!(content.ends_with("<p><a href=\"https://example.org/analysis/posts/allies-hedge/\">Continue reading</a></p>"), "{content}");
    let d = json_feed(&b, "feed.json");
    assert_eq!(d["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(atom_feed(&b, "atom.xml").entries().len(), 2);
    assert!(
        !b.files()
            .iter()
            .any(|f| f.starts_with("tags/") && !f.ends_with(".html")),
        "{:?}",
        b.files()
    );
    assert!(!b.has("authors/daniel/atom.xml"));
    let page = b.read("tags/markets/index.html");
    assert_eq!(
        page.matches("rel=\"alternate\"").count(),
        3,
        "only the site feeds are announced"
    );
}

#[test]
fn formats_switch_off_one_by_one() {
    let (_s, b) = build_with("feeds", "\n[feeds]\natom = false\njson = false\n", &[]);
    let feeds: Vec<String> = b
        .files()
        .into_iter()
        .filter(|f| f.ends_with(".xml") || f.ends_with(".json"))
        .filter(|f| !f.starts_with("search"))
        .collect();
    assert!(
        feeds
            .iter()
            .all(|f| f.ends_with("rss.xml") || f == "sitemap.xml"),
        "{feeds:?}"
    );
    assert!(feeds.contains(&"tags/china/rss.xml".to_string()));
    let home = b.read("index.html");
    assert!(home.contains("type=\"application/rss+xml\""));
    assert!(!home.contains("application/atom+xml") && !home.contains("application/feed+json"));
}

#[test]
fn empty_site_gets_valid_feeds_with_no_entries() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("site.toml"),
        "title = \"Empty\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let ch = rss_channel(&b, "rss.xml");
    assert!(ch.items().is_empty());
    assert_eq!(ch.last_build_date(), None);
    let f = atom_feed(&b, "atom.xml");
    assert!(f.entries().is_empty());
    assert_eq!(f.updated().to_rfc3339(), "1970-01-01T00:00:00+00:00");
    let d = json_feed(&b, "feed.json");
    assert_eq!(d["items"], serde_json::json!([]));
    assert_eq!(jstr(&d, "version"), "https://jsonfeed.org/version/1.1");
}

/// Case 019: control characters pasted into a post never reach a feed or page, and the text
/// around them (and an emoji and a TAB) survives.
#[test]
fn case_019_control_characters_are_removed_from_feeds() {
    let b = build_ok("cases/019-feed-control-chars/input");
    for f in b.files() {
        if f.ends_with(".xml") || f.ends_with(".html") || f.ends_with(".json") {
            let text = b.read(&f);
            let bad: Vec<u32> = text
                .chars()
                .filter(|&c| matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'))
                .map(u32::from)
                .collect();
            assert!(bad.is_empty(), "{f} has forbidden characters {bad:x?}");
            let lower = text.to_ascii_lowercase();
            for r in [
                "&#x1f;", "&#31;", "&#7;", "&#x7;", "&#xb;", "&#11;", "&#x8;", "&#8;", "&#xfffe;",
            ] {
                assert!(!lower.contains(r), "{f} has the reference {r}");
            }
        }
    }
    let ch = rss_channel(&b, "rss.xml");
    let item = ch
        .items()
        .iter()
        .find(|i| i.link() == Some("https://example.org/posts/pasted/"))
        .expect("pasted item");
    let rss_html = format!(
        "{}{}",
        item.description().unwrap_or_default(),
        item.content().unwrap_or_default()
    );
    let atom = atom_feed(&b, "atom.xml");
    let entry = atom
        .entries()
        .iter()
        .find(|e| e.id() == "https://example.org/posts/pasted/")
        .expect("pasted entry");
    let atom_html = entry
        .content()
        .and_then(|c| c.value())
        .unwrap_or_default()
        .to_string();
    let json = json_feed(&b, "feed.json");
    let json_html = json["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["url"] == "https://example.org/posts/pasted/")
        })
        .map(|i| jstr(i, "content_html").to_string())
        .expect("pasted item");
    for (kind, html) in [
        ("rss", &rss_html),
        ("atom", &atom_html),
        ("json", &json_html),
    ] {
        for m in [
            "BEFORE-US",
            "AFTER-US",
            "BEFORE-BS",
            "AFTER-BS",
            "BEFORE-NC",
            "AFTER-NC",
            "😀",
            "tab\there",
            "Heading with a bell inside",
        ] {
            assert!(html.contains(m), "{kind} lost {m:?}: {html}");
        }
    }
}

/// Case 021: RFC 2822 dates in the post's own offset with a 4-digit year, and titles,
/// categories and author names escaped exactly once.
#[test]
fn case_021_feed_dates_and_escaping() {
    let b = build_ok("cases/021-feed-dates-and-escaping/input");
    const QA: &str = "Q&A: <Tariffs> vs 'Quotas' — \"fair\" trade?";
    let ch = rss_channel(&b, "rss.xml");
    assert_eq!(ch.title(), "Feeds & Dates <Test>");
    let got: Vec<(&str, &str)> = ch
        .items()
        .iter()
        .map(|i| {
            (
                i.title().unwrap_or_default(),
                i.pub_date().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (QA, "Tue, 05 Mar 2024 23:30:00 +0530"),
            ("Winter post", "Mon, 15 Jan 2024 08:00:00 -0500")
        ]
    );
    assert_eq!(
        ch.last_build_date(),
        Some("Tue, 05 Mar 2024 23:30:00 +0530")
    );
    // Same instants as the front matter.
    let instants: Vec<String> = ch
        .items()
        .iter()
        .map(|i| {
            jiff::fmt::rfc2822::parse(i.pub_date().unwrap_or_default())
                .map(|z| z.timestamp().to_string())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    assert_eq!(instants, ["2024-03-05T18:00:00Z", "2024-01-15T13:00:00Z"]);
    let qa = &ch.items()[0];
    assert_eq!(
        qa.categories().iter().map(|c| c.name()).collect::<Vec<_>>(),
        ["R&D", "trade"]
    );
    assert_eq!(
        qa.dublin_core_ext().map(|d| d.creators().to_vec()),
        Some(vec!["O'Brien & Partners".to_string()])
    );

    let atom = atom_feed(&b, "atom.xml");
    assert_eq!(atom.title().as_str(), "Feeds & Dates <Test>");
    let e = &atom.entries()[0];
    assert_eq!(e.title().as_str(), QA);
    assert_eq!(
        e.published().map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-05T23:30:00+05:30")
    );
    assert_eq!(e.categories()[0].term(), "R&D");
    assert_eq!(e.authors()[0].name(), "O'Brien & Partners");

    let json = json_feed(&b, "feed.json");
    assert_eq!(jstr(&json, "title"), "Feeds & Dates <Test>");
    assert_eq!(jstr(&json["items"][0], "title"), QA);
    assert_eq!(json["items"][0]["tags"][0], "R&D");
    assert_eq!(
        jstr(&json["items"][0], "date_published"),
        "2024-03-05T23:30:00+05:30"
    );

    for f in b.files() {
        let text = std::fs::read(b.out.join(&f)).unwrap();
        let text = String::from_utf8_lossy(&text);
        for dbl in ["&amp;amp;", "&amp;lt;", "&amp;gt;", "&amp;quot;", "&amp;#"] {
            assert!(!text.contains(dbl), "{f} double-escapes ({dbl})");
        }
    }
}

/// Case 022: with `base_url = https://example.org/blog/`, feed links, ids and every URL in
/// entry content are absolute and carry `/blog/` exactly once.
#[test]
fn case_022_feed_urls_carry_the_sub_path_once() {
    let b = build_ok("cases/022-subpath-root-relative-links/input");
    let base = "https://example.org/blog/";
    let ch = rss_channel(&b, "rss.xml");
    assert_eq!(ch.link(), base);
    let mut urls: Vec<String> = vec![ch.link().to_string()];
    for i in ch.items() {
        urls.extend(i.link().map(str::to_string));
        urls.extend(i.guid().map(|g| g.value().to_string()));
        urls.extend(urls_in(i.content().unwrap_or_default()));
        urls.extend(urls_in(i.description().unwrap_or_default()));
    }
    let atom = atom_feed(&b, "atom.xml");
    urls.push(atom.id().to_string());
    urls.extend(atom.links().iter().map(|l| l.href().to_string()));
    for e in atom.entries() {
        urls.push(e.id().to_string());
        urls.extend(e.links().iter().map(|l| l.href().to_string()));
        urls.extend(urls_in(
            e.content().and_then(|c| c.value()).unwrap_or_default(),
        ));
    }
    let json = json_feed(&b, "feed.json");
    urls.push(jstr(&json, "home_page_url").to_string());
    urls.push(jstr(&json, "feed_url").to_string());
    for i in json["items"].as_array().into_iter().flatten() {
        urls.push(jstr(i, "url").to_string());
        urls.extend(urls_in(jstr(i, "content_html")));
    }
    assert!(urls.len() > 20, "{urls:?}");
    for u in &urls {
        assert!(
            u.starts_with(base) && !u.contains("/blog/blog/"),
            "{u} is not under {base} exactly once"
        );
    }
    for want in [
        "https://example.org/blog/posts/second/",
        "https://example.org/blog/images/map.png",
        "https://example.org/blog/files/data.csv",
    ] {
        assert!(urls.iter().any(|u| u == want), "missing {want}");
    }
    // The page itself keeps root-relative links with the prefix once; the output is not nested.
    let page = b.read("posts/first/index.html");
    assert!(page.contains("href=\"/blog/posts/second/\""));
    assert!(page.contains("src=\"/blog/images/map.png\""));
    assert!(b.has("images/map.png") && b.has("files/data.csv") && !b.has("blog"));
    // The post's summary on listing pages keeps its page-relative link pointing at the post's
    // sibling, not at a sibling of the listing page.
    for listing in ["page/2/index.html", "tags/deploy/page/2/index.html"] {
        let html = b.read(listing);
        assert!(html.contains("href=\"/blog/posts/second/\""), "{listing}");
        assert!(!html.contains("href=\"../second/\""), "{listing}");
    }
    let sitemap = b.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/blog/posts/first/</loc>"));
    assert!(!sitemap.contains("/blog/blog/"));
}

/// Content hash of every file smelt wrote, from the output's `.smelt-manifest`.
fn manifest(out: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(out.join(".smelt-manifest")).expect(".smelt-manifest");
    let v: Value = serde_json::from_str(&text).expect("manifest is JSON");
    v["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(k, e)| {
            (
                k.clone(),
                e["hash"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Output is deterministic, so a rebuild after editing one word of one post (below its
/// summary) rewrites only the files that show that post: its page, the feeds it is in, and
/// the search index; nothing else changes, not even feed or sitemap dates.
#[test]
fn rebuild_after_editing_one_post_changes_only_the_files_that_show_it() {
    let site = site_copy("feeds");
    let out = site.path().join("public");
    let build = || {
        let o = smelt()
            .arg("build")
            .arg("--root")
            .arg(site.path())
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    build();
    let before = manifest(&out);
    build();
    assert_eq!(
        manifest(&out),
        before,
        "a rebuild of the same input changes nothing"
    );

    let post = site.path().join("content/posts/allies-hedge.md");
    let text = std::fs::read_to_string(&post).unwrap();
    let mut perms = std::fs::metadata(&post).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&post, perms).unwrap();
    std::fs::write(&post, text.replace("customs filings", "port filings")).unwrap();
    build();
    let after = manifest(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "same files"
    );
    let changed: Vec<&str> = after
        .iter()
        .filter(|(k, h)| before.get(*k) != Some(h))
        .map(|(k, _)| k.as_str())
        .collect();
    let feeds_of_post = [
        "",
        "tags/china/",
        "tags/rare-earths/",
        "tags/trade-policy/",
        "authors/daniel/",
    ];
    let mut must: Vec<String> = vec!["posts/allies-hedge/index.html".into()];
    for dir in feeds_of_post {
        for f in ["atom.xml", "rss.xml", "feed.json"] {
            must.push(format!("{dir}{f}"));
        }
    }
    for m in &must {
        assert!(
            changed.contains(&m.as_str()),
            "{m} shows the edit but did not change: {changed:?}"
        );
    }
    let unexpected: Vec<&&str> = changed
        .iter()
        .filter(|c| !must.iter().any(|m| m == *c) && !c.starts_with("search"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "files that do not show the edit changed: {unexpected:?}"
    );
    for same in [
        "sitemap.xml",
        "index.html",
        "tags/markets/atom.xml",
        "authors/mira/rss.xml",
        "posts/tariff-ladder/index.html",
    ] {
        assert!(!changed.contains(&same), "{same} changed");
    }
    let rss = std::fs::read_to_string(out.join("rss.xml")).unwrap();
    assert!(rss.contains("port filings") && !rss.contains("customs filings"));
}
