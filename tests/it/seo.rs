//! Search-engine metadata and deployment: JSON-LD (parsed, checked against schema.org
//! property names), head tags, the sitemap and robots.txt, base URLs (sub-path, `-u`,
//! trailing slash, missing scheme), aliases and `_redirects`, and the newsletter and
//! comments blocks. Fixture: `tests/fixtures/feeds/` (base URL `https://example.org/analysis`).

use std::collections::BTreeSet;

use scraper::{Html, Selector};
use serde_json::Value;

use crate::feeds::{build_edited, build_with};
use crate::support::*;

/// The parsed JSON-LD of a page (exactly one `<script type="application/ld+json">`).
fn json_ld(html: &str) -> Value {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("script[type=\"application/ld+json\"]").unwrap();
    let scripts: Vec<String> = doc.select(&sel).map(|s| s.text().collect()).collect();
    assert_eq!(scripts.len(), 1, "JSON-LD scripts: {scripts:?}");
    serde_json::from_str(&scripts[0])
        .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}\n{}", scripts[0]))
}

/// `content` of `<meta property|name=key>` elements, in order.
fn meta(html: &str, key: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("meta[property=\"{key}\"], meta[name=\"{key}\"]")).unwrap();
    doc.select(&sel)
        .filter_map(|m| m.value().attr("content").map(str::to_string))
        .collect()
}

/// schema.org properties smelt may write, per type (each is a property of that type or of a
/// type it inherits from, per schema.org).
fn allowed(ty: &str) -> &'static [&'static str] {
    const ARTICLE: &[&str] = &[
        "headline",
        "datePublished",
        "dateModified",
        "author",
        "publisher",
        "keywords",
        "citation",
        "abstract",
        "image",
        "description",
        "url",
        "mainEntityOfPage",
        "inLanguage",
        "wordCount",
    ];
    match ty {
        "NewsArticle" | "AnalysisNewsArticle" => ARTICLE,
        "Person" => &["name", "url", "description", "sameAs", "image", "jobTitle"],
        "Organization" => &["name", "url", "logo"],
        "ImageObject" => &["url"],
        "CreativeWork" => &["name", "url", "publisher", "datePublished"],
        "WebSite" => &["name", "url", "description", "inLanguage", "publisher"],
        "WebPage" => &["name", "url", "isPartOf"],
        other => panic!("unexpected schema.org type {other}"),
    }
}

/// Walks JSON-LD and asserts every object has a known `@type` and only that type's
/// properties; returns the types seen.
fn check_schema(v: &Value, types: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| check_schema(i, types)),
        Value::Object(m) => {
            let ty = m
                .get("@type")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("object without @type: {v}"));
            types.insert(ty.to_string());
            let ok = allowed(ty);
            for (k, child) in m {
                if k.starts_with('@') {
                    assert!(
                        matches!(k.as_str(), "@context" | "@type" | "@id"),
                        "unknown keyword {k}"
                    );
                    continue;
                }
                assert!(
                    ok.contains(&k.as_str()),
                    "`{k}` is not a {ty} property we expect"
                );
                check_schema(child, types);
            }
        }
        _ => {}
    }
}

#[test]
fn post_json_ld_is_an_analysis_news_article_with_every_field() {
    let b = build_ok("feeds");
    let ld = json_ld(&b.read("posts/allies-hedge/index.html"));
    let mut types = BTreeSet::new();
    check_schema(&ld, &mut types);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "AnalysisNewsArticle");
    assert_eq!(ld["headline"], "When Allies Hedge, China Leans In");
    assert_eq!(ld["datePublished"], "2026-01-27T09:15:00-05:00");
    assert_eq!(ld["dateModified"], "2026-01-28T10:00:00-05:00");
    assert_eq!(
        ld["url"],
        "https://example.org/analysis/posts/allies-hedge/"
    );
    assert_eq!(
        ld["mainEntityOfPage"]["@id"],
        "https://example.org/analysis/posts/allies-hedge/"
    );
    assert_eq!(
        ld["author"],
        serde_json::json!([{
            "@type": "Person",
            "name": "Daniel Reyes",
            "url": "https://example.org/analysis/authors/daniel/",
            "description": "Daniel covers trade policy & supply chains.",
            "sameAs": ["https://mastodon.example/@daniel", "https://daniel.example.com/"],
            "image": "https://example.org/analysis/images/daniel.png"
        }])
    );
    assert_eq!(
        ld["publisher"],
        serde_json::json!({
            "@type": "Organization",
            "name": "Ledger & Line Media",
            "url": "https://example.org/analysis/",
            "logo": {"@type": "ImageObject", "url": "https://example.org/analysis/images/logo.png"}
        })
    );
    assert_eq!(ld["keywords"], "China, Rare Earths, Trade Policy");
    assert_eq!(
        ld["abstract"],
        "Allies reopen channels with Beijing while tariff threats persist. Rare-earth export licences become a bargaining chip."
    );
    assert_eq!(ld["citation"][0]["@type"], "CreativeWork");
    assert_eq!(ld["citation"][0]["name"], "Allies weigh Beijing ties");
    assert_eq!(
        ld["citation"][0]["url"],
        "https://www.wsj.example/articles/allies"
    );
    assert_eq!(
        ld["citation"][0]["publisher"]["name"],
        "Wall Street Journal"
    );
    assert_eq!(ld["citation"][1]["name"], "Export licence data");
    assert_eq!(
        ld["image"],
        serde_json::json!(["https://example.org/analysis/images/allies.png"])
    );

    // A citation line is a text citation; two authors are two Persons.
    let ladder = json_ld(&b.read("posts/tariff-ladder/index.html"));
    assert_eq!(
        ladder["citation"],
        serde_json::json!(["Financial Times, Jan. 19, 2026"])
    );
    let names: Vec<&str> = ladder["author"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["Daniel Reyes", "Mira Chen"]);
    // No byline: the publication is the author.
    let review = json_ld(&b.read("posts/no-byline/index.html"));
    assert_eq!(review["author"]["@type"], "Organization");
    assert_eq!(review["author"]["name"], "Ledger & Line Media");
}

#[test]
fn news_article_unless_the_site_says_analysis() {
    let (_s, b) = build_edited(
        "feeds",
        |t| t.replace("analysis = true", "analysis = false"),
        &[],
    );
    assert_eq!(
        json_ld(&b.read("posts/allies-hedge/index.html"))["@type"],
        "NewsArticle"
    );
}

#[test]
fn author_home_and_page_json_ld() {
    let b = build_ok("feeds");
    let mut types = BTreeSet::new();
    let person = json_ld(&b.read("authors/daniel/index.html"));
    check_schema(&person, &mut types);
    assert_eq!(person["@type"], "Person");
    assert_eq!(person["name"], "Daniel Reyes");
    assert_eq!(person["jobTitle"], "Trade editor");
    assert_eq!(
        person["url"],
        "https://example.org/analysis/authors/daniel/"
    );
    assert_eq!(person["sameAs"][0], "https://mastodon.example/@daniel");
    let site = json_ld(&b.read("index.html"));
    check_schema(&site, &mut types);
    assert_eq!(site["@type"], "WebSite");
    assert_eq!(site["name"], "Ledger & Line");
    assert_eq!(site["url"], "https://example.org/analysis/");
    assert_eq!(
        site["description"],
        "Sourced analysis of trade, markets and policy."
    );
    let page = json_ld(&b.read("methodology/index.html"));
    check_schema(&page, &mut types);
    assert_eq!(page["@type"], "WebPage");
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [
            "ImageObject",
            "Organization",
            "Person",
            "WebPage",
            "WebSite"
        ]
    );
    // Every HTML page's JSON-LD (where present) parses and uses schema.org names only.
    for f in b.files().into_iter().filter(|f| f.ends_with(".html")) {
        let html = b.read(&f);
        if html.contains("application/ld+json") {
            check_schema(&json_ld(&html), &mut BTreeSet::new());
        }
    }
}

#[test]
fn head_has_canonical_open_graph_twitter_and_article_tags() {
    let b = build_ok("feeds");
    let html = b.read("posts/allies-hedge/index.html");
    let doc = Html::parse_document(&html);
    let canonical: Vec<&str> = doc
        .select(&Selector::parse("link[rel=canonical]").unwrap())
        .filter_map(|l| l.value().attr("href"))
        .collect();
    assert_eq!(
        canonical,
        ["https://example.org/analysis/posts/allies-hedge/"]
    );
    assert_eq!(
        meta(&html, "og:url"),
        ["https://example.org/analysis/posts/allies-hedge/"]
    );
    assert_eq!(meta(&html, "og:type"), ["article"]);
    assert_eq!(
        meta(&html, "og:image"),
        ["https://example.org/analysis/images/allies.png"]
    );
    assert_eq!(
        meta(&html, "description"),
        [
            "Allies reopen channels with Beijing while tariff threats persist. Rare-earth export licences become a bargaining chip."
        ]
    );
    assert_eq!(meta(&html, "twitter:card"), ["summary_large_image"]);
    assert_eq!(meta(&html, "twitter:site"), ["@ledgerline"]);
    assert_eq!(
        meta(&html, "article:published_time"),
        ["2026-01-27T09:15:00-05:00"]
    );
    assert_eq!(
        meta(&html, "article:modified_time"),
        ["2026-01-28T10:00:00-05:00"]
    );
    assert_eq!(
        meta(&html, "article:author"),
        ["https://example.org/analysis/authors/daniel/"]
    );
    assert_eq!(
        meta(&html, "article:tag"),
        ["China", "Rare Earths", "Trade Policy"]
    );
    // Article tags only on posts.
    let home = b.read("index.html");
    assert!(meta(&home, "article:published_time").is_empty());
    assert_eq!(meta(&home, "og:type"), ["website"]);
    assert_eq!(meta(&home, "twitter:site"), ["@ledgerline"]);
}

#[test]
fn sitemap_lists_every_page_once_and_nothing_else() {
    let b = build_ok("feeds");
    let sitemap = b.read("sitemap.xml");
    let locs: Vec<&str> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .collect();
    let unique: BTreeSet<&&str> = locs.iter().collect();
    assert_eq!(unique.len(), locs.len(), "duplicates in {locs:?}");
    let mut from_sitemap: Vec<String> = locs
        .iter()
        .map(|l| {
            let rel = l
                .strip_prefix("https://example.org/analysis/")
                .unwrap_or_else(|| panic!("{l} is not under the base URL"));
            format!("{rel}index.html")
        })
        .collect();
    from_sitemap.sort();
    // Every HTML page except 404 and the alias redirects, and nothing more.
    let expected: Vec<String> = b
        .files()
        .into_iter()
        .filter(|f| {
            f.ends_with("index.html") && !f.starts_with("2026/") && !f.starts_with("how-we-work/")
        })
        .collect();
    assert_eq!(from_sitemap, expected);
    assert!(
        b.has("2026/01/allies/index.html") && b.has("how-we-work/index.html") && b.has("404.html")
    );
    assert!(sitemap.contains(
        "<loc>https://example.org/analysis/posts/allies-hedge/</loc>\n    <lastmod>2026-01-28T10:00:00-05:00</lastmod>"
    ));
    assert!(sitemap.contains("<loc>https://example.org/analysis/page/2/</loc>\n    <lastmod>2026-01-10T08:00:00+00:00</lastmod>"));
    assert_eq!(
        b.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/analysis/sitemap.xml\n"
    );
}

#[test]
fn base_url_without_a_scheme_is_an_error_naming_site_toml() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("site.toml"),
        "title = \"T\"\nbase_url = \"example.org/blog/\"\n",
    )
    .unwrap();
    let b = build_dir(site.path(), &[]);
    assert_ne!(b.code(), 0);
    let err = b.stderr();
    assert!(
        err.contains("site.toml") && err.contains("base_url") && err.contains("scheme"),
        "{err}"
    );
    assert!(!b.out.exists(), "nothing is written");
    // The same mistake on the command line is refused too.
    let b = build_dir(&fixture("feeds"), &["-u", "example.org/blog/"]);
    assert_ne!(b.code(), 0);
    assert!(b.stderr().contains("example.org/blog/"), "{}", b.stderr());
}

#[test]
fn base_url_override_and_trailing_slash_give_the_same_site() {
    let a = build_dir(&fixture("feeds"), &["-u", "https://mirror.example.net/sub"]);
    let b = build_dir(
        &fixture("feeds"),
        &["--base-url", "https://mirror.example.net/sub/"],
    );
    assert_eq!(a.code(), 0, "{}", a.stderr());
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert_eq!(a.files(), b.files());
    for f in a.files() {
        if f == ".smelt-manifest" {
            continue;
        }
        assert!(
            std::fs::read(a.out.join(&f)).unwrap() == std::fs::read(b.out.join(&f)).unwrap(),
            "{f} differs"
        );
    }
    let rss = a.read("rss.xml");
    assert!(rss.contains("<link>https://mirror.example.net/sub/posts/allies-hedge/</link>"));
    assert!(!rss.contains("example.org/analysis"));
    assert!(
        a.read("sitemap.xml")
            .contains("<loc>https://mirror.example.net/sub/tags/china/</loc>")
    );
    let page = a.read("posts/allies-hedge/index.html");
    assert!(page.contains("href=\"/sub/posts/tariff-ladder/\""));
    assert!(!page.contains("/analysis/") && !page.contains("/sub/sub/"));
}

#[test]
fn aliases_write_redirect_pages_and_optionally_a_redirects_file() {
    let b = build_ok("feeds");
    let alias = b.read("2026/01/allies/index.html");
    let doc = Html::parse_document(&alias);
    let refresh: Vec<&str> = doc
        .select(&Selector::parse("meta[http-equiv=refresh]").unwrap())
        .filter_map(|m| m.value().attr("content"))
        .collect();
    assert_eq!(refresh, ["0; url=/analysis/posts/allies-hedge/"]);
    let canonical: Vec<&str> = doc
        .select(&Selector::parse("link[rel=canonical]").unwrap())
        .filter_map(|l| l.value().attr("href"))
        .collect();
    assert_eq!(
        canonical,
        ["https://example.org/analysis/posts/allies-hedge/"]
    );
    assert_eq!(meta(&alias, "robots"), ["noindex"]);
    assert!(
        b.read("how-we-work/index.html")
            .contains("url=/analysis/methodology/")
    );
    assert!(!b.has("_redirects"), "no _redirects unless asked");

    let (_s, b) = build_edited("feeds", |t| format!("redirects_file = true\n{t}"), &[]);
    assert_eq!(
        b.read("_redirects"),
        "/analysis/2026/01/allies/ /analysis/posts/allies-hedge/ 301\n/analysis/how-we-work/ /analysis/methodology/ 301\n"
    );
}

/// An alias with a query or fragment redirects its path (the only part a static host sees),
/// with a warning at the alias naming what was dropped; a plain alias has none.
#[test]
fn an_alias_with_a_query_or_fragment_is_its_path_with_a_warning() {
    let tmp = small_site(&[(
        "content/posts/magnet-gap.md",
        "---\ntitle: Magnet Gap\ndate: 2026-01-02\naliases:\n  - /old/\n  - /story.php?id=7\n  - /2019/gap/#prices\n---\nBody.\n",
    )]);
    let r = tmp.path();
    let b = build_dir(r, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let err = b.stderr();
    assert!(
        err.contains("content/posts/magnet-gap.md:6:5: alias \"/story.php?id=7\" redirects /story.php whatever its query or fragment: `?id=7` is dropped"),
        "{err}"
    );
    assert!(
        err.contains("content/posts/magnet-gap.md:7:5: alias \"/2019/gap/#prices\" redirects /2019/gap/ whatever its query or fragment: `#prices` is dropped"),
        "{err}"
    );
    assert!(!err.contains("alias \"/old/\""), "{err}");
    let (code, out, _) = check(r, &["--format", "short"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("content/posts/magnet-gap.md:6:5: warning: alias \"/story.php?id=7\" redirects /story.php whatever its query or fragment: `?id=7` is dropped [alias-query]"),
        "{out}"
    );
    assert!(b.read("story.php").contains("url=/posts/magnet-gap/"));
    assert!(
        b.read("2019/gap/index.html")
            .contains("url=/posts/magnet-gap/")
    );
}

#[test]
fn newsletter_and_comments_are_absent_unless_configured() {
    let b = build_ok("feeds");
    for f in ["index.html", "posts/allies-hedge/index.html"] {
        let html = b.read(f);
        let doc = Html::parse_document(&html);
        assert_eq!(
            doc.select(&Selector::parse("form[method=post]").unwrap())
                .count(),
            0,
            "{f} has a sign-up form"
        );
        let third_party: Vec<&str> = doc
            .select(&Selector::parse("script[src]").unwrap())
            .filter_map(|s| s.value().attr("src"))
            .filter(|src| !src.starts_with("/analysis/"))
            .collect();
        assert!(third_party.is_empty(), "{f} embeds {third_party:?}");
        assert!(
            !html.contains("newsletter") && !html.contains("comments"),
            "{f} has a newsletter or comments block"
        );
    }
}

/// The provider examples documented in the README's Newsletter section are valid site.toml
/// and produce a form posting to the provider with the right e-mail field.
#[test]
fn documented_newsletter_providers_render_their_forms() {
    let providers = [
        (
            "[newsletter]\naction = \"https://buttondown.com/api/emails/embed-subscribe/ledgerline\"\n",
            "https://buttondown.com/api/emails/embed-subscribe/ledgerline",
            "email",
            None,
        ),
        (
            "[newsletter]\naction = \"https://ledgerline.us21.list-manage.com/subscribe/post?u=0123456789abcdef&id=fedcba9876\"\nemail_field = \"EMAIL\"\n",
            "https://ledgerline.us21.list-manage.com/subscribe/post?u=0123456789abcdef&id=fedcba9876",
            "EMAIL",
            None,
        ),
        (
            "[newsletter]\naction = \"https://lists.example.org/subscription/form\"\n[newsletter.hidden]\nl = \"6e1b3d5a-0000-4000-8000-000000000000\"\n",
            "https://lists.example.org/subscription/form",
            "email",
            Some(("l", "6e1b3d5a-0000-4000-8000-000000000000")),
        ),
    ];
    for (toml, action, field, hidden) in providers {
        let (_s, b) = build_with("feeds", &format!("\n{toml}"), &[]);
        let html = b.read("posts/allies-hedge/index.html");
        let doc = Html::parse_document(&html);
        let form = doc
            .select(&Selector::parse("form[method=post]").unwrap())
            .next()
            .expect("sign-up form");
        assert_eq!(form.value().attr("action"), Some(action));
        let email = form
            .select(&Selector::parse("input[type=email]").unwrap())
            .next()
            .expect("e-mail input");
        assert_eq!(email.value().attr("name"), Some(field));
        if let Some((name, value)) = hidden {
            let h = form
                .select(&Selector::parse("input[type=hidden]").unwrap())
                .next()
                .expect("hidden input");
            assert_eq!(
                (h.value().attr("name"), h.value().attr("value")),
                (Some(name), Some(value))
            );
        }
    }
}

#[test]
fn comments_embed_appears_on_posts_when_configured() {
    let (_s, b) = build_with(
        "feeds",
        "\n[comments]\nscript = \"https://giscus.app/client.js\"\n[comments.data]\nrepo = \"ledgerline/site\"\nmapping = \"pathname\"\n",
        &[],
    );
    let html = b.read("posts/allies-hedge/index.html");
    let doc = Html::parse_document(&html);
    let s = doc
        .select(&Selector::parse("script[src=\"https://giscus.app/client.js\"]").unwrap())
        .next()
        .expect("embed");
    assert_eq!(s.value().attr("data-repo"), Some("ledgerline/site"));
    assert_eq!(s.value().attr("data-mapping"), Some("pathname"));
    assert!(
        !b.read("index.html").contains("giscus.app"),
        "comments belong on posts only"
    );
}
