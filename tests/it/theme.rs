//! The default theme, as rendered: post page parts (highlights, citation, byline, author box,
//! previous/next, table of contents), the recent-news sidebar, the search box, the
//! newsletter and comments blocks (absent unless configured), listings and the pager, escaping
//! of front matter, and a base URL with a sub-path. Fixture: `tests/fixtures/theme/` (four
//! posts, two authors, one page, `paginate_by = 2`, `recent_posts = 3`).

use scraper::{Html, Selector};

use crate::support::*;

/// Builds a copy of the theme fixture after appending `extra_toml` to its `site.toml`.
fn build_with_config(extra_toml: &str, args: &[&str]) -> (tempfile::TempDir, Built) {
    let site = site_copy("theme");
    let config = site.path().join("site.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(extra_toml);
    std::fs::write(&config, text).unwrap();
    let b = build_dir(site.path(), args);
    assert_eq!(b.code(), 0, "build failed:\n{}", b.stderr());
    (site, b)
}

/// `attr` of every element matching `css` in `html`, in document order.
fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// Text of every element matching `css` in `html`, whitespace collapsed.
fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every HTML file of a build, relative path and text.
fn html_pages(b: &Built) -> Vec<(String, String)> {
    b.files()
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .map(|f| {
            let text = b.read(&f);
            (f, text)
        })
        .collect()
}

#[test]
fn post_page_has_highlights_meta_citation_and_tags() {
    let b = build_ok("theme");
    let post = b.read("posts/magnet-math/index.html");
    assert!(post.contains(
        "<h1 class=\"article-title\">Magnet Math: Why Separation Capacity Sets the Pace</h1>"
    ));
    assert!(post.contains(
        "<span class=\"byline\">By <a rel=\"author\" href=\"/authors/ada/\">Ada Okonjo</a></span>"
    ));
    assert!(post.contains("<time datetime=\"2026-01-20T00:00:00+00:00\">Jan 20, 2026</time>"));
    assert!(post.contains(
        "<span class=\"updated\">Updated <time datetime=\"2026-01-22T00:00:00+00:00\">Jan 22, 2026</time></span>"
    ));
    assert!(post.contains("<span class=\"reading-time\">1 min read</span>"));
    assert!(
        post.contains("<h2 id=\"highlights_title\" class=\"highlights-title\">Highlights</h2>")
    );
    assert_eq!(
        texts(&post, "section.highlights li"),
        [
            "Separation capacity, not ore, is the binding constraint.",
            "New plants take four to six years to reach nameplate output.",
            "Buyers are signing offtake deals before the plants exist.",
        ]
    );
    assert!(post.contains(
        "<p class=\"citation-line\"><strong>Citation:</strong> Industry filings &amp; company reports, Jan. 2026</p>"
    ));
    assert_eq!(
        attrs(&post, "ul.article-tags a.tag", "href"),
        ["/tags/rare-earths/", "/tags/supply-chains/"]
    );
    // The Markdown body sits in .prose, with its heading anchors and footnotes.
    assert!(post.contains("<div class=\"prose\">\n<p>Ore is plentiful;"));
    assert!(post.contains("class=\"heading-anchor\" href=\"#where-the-capacity-sits\""));
    assert!(post.contains("<section class=\"footnotes\""));
}

#[test]
fn post_without_highlights_or_citation_leaves_the_boxes_out() {
    let site = site_copy("theme");
    let path = site.path().join("content/posts/plain.md");
    std::fs::write(
        &path,
        "---\ntitle: Plain\ndate: 2024-01-01\n---\nJust text.\n",
    )
    .unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let post = b.read("posts/plain/index.html");
    assert!(post.contains("<h1 class=\"article-title\">Plain</h1>"));
    assert!(!post.contains("class=\"highlights\""));
    assert!(!post.contains("class=\"citation\""));
    assert!(!post.contains("class=\"byline\""));
    assert!(!post.contains("class=\"author-box\""));
    assert!(!post.contains("class=\"toc\""));
}

#[test]
fn sources_are_listed_with_links_publishers_and_dates() {
    let b = build_ok("theme");
    let post = b.read("posts/grid-queue/index.html");
    assert!(
        !post.contains("<strong>Citation:</strong>"),
        "no citation string in this post"
    );
    assert!(post.contains(
        "<li><a href=\"https://lab.example.org/queued-up\">Queued Up</a>, <span class=\"source-publisher\">Example Lab</span>, <time class=\"source-date\" datetime=\"2025-11-03\">Nov 3, 2025</time></li>"
    ));
    assert!(post.contains(
        "<li><cite>Transformer lead times</cite>, <span class=\"source-publisher\">Trade press</span></li>"
    ));
}

#[test]
fn author_box_has_name_role_bio_and_link() {
    let b = build_ok("theme");
    let post = b.read("posts/magnet-math/index.html");
    assert!(post.contains(
        "<h2 id=\"author_ada\" class=\"author-box-name\"><a href=\"/authors/ada/\">Ada Okonjo</a></h2>"
    ));
    assert!(post.contains("<p class=\"author-role\">Senior analyst, critical minerals</p>"));
    assert!(post.contains(
        "<div class=\"author-bio\"><p>Ada follows rare-earth <strong>processing</strong> and magnet supply chains from mine to motor.</p>"
    ));
    assert!(post.contains("<a href=\"/authors/ada/\">More from Ada Okonjo"));

    // Two authors: both in the byline and one box each.
    let both = b.read("posts/tariff-tangle/index.html");
    assert!(both.contains(
        "By <a rel=\"author\" href=\"/authors/ada/\">Ada Okonjo</a> and <a rel=\"author\" href=\"/authors/ben/\">Ben Hale</a>"
    ));
    assert_eq!(
        attrs(&both, "section.author-box", "aria-labelledby"),
        ["author_ada", "author_ben"]
    );
}

#[test]
fn previous_is_older_and_next_is_newer() {
    let b = build_ok("theme");
    let middle = b.read("posts/grid-queue/index.html");
    assert_eq!(
        attrs(&middle, "nav.post-nav a[rel=prev]", "href"),
        ["/posts/tariff-tangle/"]
    );
    assert_eq!(
        attrs(&middle, "nav.post-nav a[rel=next]", "href"),
        ["/posts/magnet-math/"]
    );
    assert_eq!(
        texts(&middle, "nav.post-nav .post-nav-title"),
        [
            "Tariffs & \"Trade\" <Deals>: What Changed",
            "Magnet Math: Why Separation Capacity Sets the Pace"
        ]
    );
    let newest = b.read("posts/magnet-math/index.html");
    assert!(attrs(&newest, "nav.post-nav a[rel=next]", "href").is_empty());
    assert_eq!(
        attrs(&newest, "nav.post-nav a[rel=prev]", "href"),
        ["/posts/grid-queue/"]
    );
    let oldest = b.read("posts/lithium-floor/index.html");
    assert!(attrs(&oldest, "nav.post-nav a[rel=prev]", "href").is_empty());
    assert_eq!(
        attrs(&oldest, "nav.post-nav a[rel=next]", "href"),
        ["/posts/tariff-tangle/"]
    );
}

#[test]
fn related_posts_share_a_tag() {
    let b = build_ok("theme");
    let post = b.read("posts/magnet-math/index.html");
    assert_eq!(
        attrs(&post, "section.related a.related-link", "href"),
        ["/posts/grid-queue/"]
    );
}

#[test]
fn table_of_contents_follows_the_headings_when_asked_for() {
    let b = build_ok("theme");
    let post = b.read("posts/magnet-math/index.html");
    assert_eq!(
        attrs(&post, "nav.toc a", "href"),
        [
            "#where-the-capacity-sits",
            "#reading-the-filings",
            "#bottom-line"
        ]
    );
    // A short post with one heading gets none.
    assert!(
        !b.read("posts/grid-queue/index.html")
            .contains("class=\"toc\"")
    );
}

#[test]
fn sidebar_lists_recent_posts_and_leaves_the_current_one_out() {
    let b = build_ok("theme");
    let recent = |page: &str| attrs(&b.read(page), "aside.sidebar a.recent-link", "href");
    assert_eq!(
        recent("index.html"),
        [
            "/posts/magnet-math/",
            "/posts/grid-queue/",
            "/posts/tariff-tangle/"
        ]
    );
    assert_eq!(
        recent("posts/magnet-math/index.html"),
        [
            "/posts/grid-queue/",
            "/posts/tariff-tangle/",
            "/posts/lithium-floor/"
        ]
    );
    assert_eq!(
        recent("posts/grid-queue/index.html"),
        [
            "/posts/magnet-math/",
            "/posts/tariff-tangle/",
            "/posts/lithium-floor/"
        ]
    );
    // An older post is not among the recent ones: it sees the plain list.
    assert_eq!(
        recent("posts/lithium-floor/index.html"),
        recent("index.html")
    );
    let index = b.read("index.html");
    assert_eq!(texts(&index, "aside.sidebar h2"), ["Recent news"]);
    assert!(index.contains("<aside class=\"sidebar\" aria-label=\"Recent news\">"));
}

#[test]
fn every_page_has_the_search_box_and_an_empty_results_container() {
    let b = build_ok("theme");
    for (path, html) in html_pages(&b) {
        if html.contains("http-equiv=\"refresh\"") {
            continue;
        }
        assert!(
            html.contains("<form class=\"search-form\" role=\"search\" action=\"https://duckduckgo.com/\" method=\"get\">"),
            "{path}"
        );
        assert_eq!(
            attrs(&html, "form[role=search] input[type=search]", "name"),
            ["q"],
            "{path}"
        );
        assert_eq!(
            attrs(&html, "form[role=search] input[name=sites]", "value"),
            ["example.org"],
            "{path}"
        );
        assert_eq!(
            attrs(&html, "label[for=search-input]", "class"),
            ["visually-hidden"],
            "{path}"
        );
        assert!(
            html.contains(
                "<div id=\"search-results\" class=\"search-results\" aria-live=\"polite\"></div>"
            ),
            "{path}"
        );
    }
}

#[test]
fn every_page_has_one_main_one_h1_a_language_and_no_outside_assets() {
    let b = build_ok("theme");
    let pages = html_pages(&b);
    assert!(pages.len() >= 10, "{:?}", b.files());
    for (path, html) in pages {
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"en\">"),
            "{path}"
        );
        if html.contains("http-equiv=\"refresh\"") {
            continue;
        }
        assert_eq!(html.matches("<main").count(), 1, "{path}");
        assert_eq!(texts(&html, "h1").len(), 1, "{path}");
        assert!(
            html.contains("<a class=\"skip-link\" href=\"#main_content\">"),
            "{path}"
        );
        assert!(html.contains("<main id=\"main_content\""), "{path}");
        // Nothing is loaded from another host: no remote stylesheet, script, image or font.
        for src in attrs(&html, "script[src], img[src]", "src")
            .into_iter()
            .chain(attrs(&html, "link[rel=stylesheet]", "href"))
        {
            assert!(src.starts_with('/'), "{path}: {src}");
        }
    }
}

#[test]
fn newsletter_is_absent_unless_configured() {
    let b = build_ok("theme");
    for (path, html) in html_pages(&b) {
        assert!(!html.contains("class=\"newsletter"), "{path}");
        assert!(!html.contains("method=\"post\""), "{path}");
    }
}

#[test]
fn configured_newsletter_posts_to_its_action() {
    let (_site, b) = build_with_config(
        "\n[newsletter]\naction = \"https://list.example.net/subscribe?u=1&id=2\"\nemail_field = \"EMAIL\"\ntitle = \"The weekly brief\"\ntext = \"One e-mail every Friday.\"\nbutton = \"Sign up\"\nhidden = { list = \"analysis\" }\n",
        &[],
    );
    for page in [
        "index.html",
        "posts/magnet-math/index.html",
        "tags/index.html",
        "404.html",
    ] {
        let html = b.read(page);
        assert!(
            html.contains(
                "<form class=\"newsletter-form\" action=\"https://list.example.net/subscribe?u=1&amp;id=2\" method=\"post\">"
            ),
            "{page}"
        );
        assert_eq!(
            attrs(&html, ".newsletter-form input[type=email]", "name"),
            ["EMAIL"]
        );
        assert_eq!(
            attrs(&html, ".newsletter-form input[type=email]", "id"),
            ["newsletter_email"]
        );
        assert_eq!(
            attrs(&html, "label[for=newsletter_email]", "class"),
            ["visually-hidden"]
        );
        assert!(html.contains("<input type=\"hidden\" name=\"list\" value=\"analysis\">"));
        assert_eq!(
            texts(&html, ".newsletter-form button[type=submit]"),
            ["Sign up"]
        );
        assert_eq!(texts(&html, "#newsletter_title"), ["The weekly brief"]);
        assert_eq!(
            texts(&html, ".newsletter-text"),
            ["One e-mail every Friday."]
        );
    }
}

#[test]
fn comments_embed_only_when_configured_and_only_on_posts() {
    let b = build_ok("theme");
    assert!(
        !b.read("posts/magnet-math/index.html")
            .contains("class=\"comments\"")
    );

    let (_site, b) = build_with_config(
        "\n[comments]\nscript = \"https://comments.example.net/client.js\"\ndata = { repo = \"desk/site\", \"input-position\" = \"top\", \"Bad Name\\\" onload=\\\"x\" = \"v\" }\n",
        &[],
    );
    let post = b.read("posts/magnet-math/index.html");
    assert!(post.contains("<h2 id=\"comments_title\" class=\"section-title\">Comments</h2>"));
    // Attribute names are slugified, so a configured name cannot add another attribute.
    assert!(post.contains(
        "<script src=\"https://comments.example.net/client.js\" data-bad-name-onload-x=\"v\" data-input-position=\"top\" data-repo=\"desk/site\" async></script>"
    ));
    assert!(!b.read("index.html").contains("comments.example.net"));
    assert!(!b.read("about/index.html").contains("comments.example.net"));
}

#[test]
fn front_matter_is_escaped_exactly_once() {
    let b = build_ok("theme");
    let escaped = "Tariffs &amp; &quot;Trade&quot; &lt;Deals&gt;: What Changed";
    let post = b.read("posts/tariff-tangle/index.html");
    assert!(post.contains(&format!("<h1 class=\"article-title\">{escaped}</h1>")));
    assert!(post.contains("<strong>Citation:</strong> Customs notices, Dec. 2025"));
    let listing = b.read("page/2/index.html");
    assert!(listing.contains(&format!("<a href=\"/posts/tariff-tangle/\">{escaped}</a>")));
    assert!(listing.contains(&format!(
        "<a class=\"recent-link\" href=\"/posts/tariff-tangle/\">{escaped}</a>"
    )));
    for (path, html) in html_pages(&b) {
        assert!(!html.contains("<Deals>"), "{path}: unescaped title");
        assert!(
            !html.contains("&amp;amp;") && !html.contains("&amp;lt;"),
            "{path}: escaped twice"
        );
    }
}

#[test]
fn listing_pager_links_only_where_there_is_a_page() {
    let b = build_ok("theme");
    let first = b.read("index.html");
    assert_eq!(attrs(&first, "nav.pager a[rel=next]", "href"), ["/page/2/"]);
    assert!(attrs(&first, "nav.pager a[rel=prev]", "href").is_empty());
    assert!(first.contains("<span class=\"pager-page\" aria-current=\"page\">1</span>"));
    assert_eq!(
        attrs(&first, "article.card h2 a", "href"),
        ["/posts/magnet-math/", "/posts/grid-queue/"]
    );
    let last = b.read("page/2/index.html");
    assert_eq!(attrs(&last, "nav.pager a[rel=prev]", "href"), ["/"]);
    assert!(attrs(&last, "nav.pager a[rel=next]", "href").is_empty());
    assert_eq!(
        attrs(&last, "article.card h2 a", "href"),
        ["/posts/tariff-tangle/", "/posts/lithium-floor/"]
    );
    // One page of posts: no pager at all.
    let tag = b.read("tags/rare-earths/index.html");
    assert!(!tag.contains("class=\"pager\""));
    assert_eq!(texts(&tag, "h1"), ["Rare Earths"]);
}

#[test]
fn post_cards_show_date_authors_summary_and_tags() {
    let b = build_ok("theme");
    let index = b.read("index.html");
    let doc = Html::parse_document(&index);
    let card = doc
        .select(&Selector::parse("article.card").unwrap())
        .next()
        .expect("a card");
    let html = card.html();
    assert!(
        html.contains("<p class=\"kicker\"><a href=\"/tags/rare-earths/\">Rare Earths</a></p>")
    );
    assert!(html.contains("By <a href=\"/authors/ada/\">Ada Okonjo</a>"));
    assert!(html.contains("<time datetime=\"2026-01-20T00:00:00+00:00\">Jan 20, 2026</time>"));
    assert!(html.contains("<div class=\"card-summary\"><p>Ore is plentiful;"));
    assert!(html.contains("<a class=\"tag\" href=\"/tags/supply-chains/\">Supply Chains</a>"));
}

#[test]
fn tag_index_counts_and_author_page_lists_bio_links_and_posts() {
    let b = build_ok("theme");
    let tags = b.read("tags/index.html");
    assert_eq!(
        texts(&tags, ".topic-grid li"),
        [
            "Energy 2 posts",
            "Supply Chains 2 posts",
            "Rare Earths 1 post",
            "Trade 1 post"
        ]
    );
    // One link per tag, whose text is the tag's name alone (the count sits beside it).
    assert_eq!(
        texts(&tags, ".topic-grid a"),
        ["Energy", "Supply Chains", "Rare Earths", "Trade"]
    );
    let author = b.read("authors/ada/index.html");
    assert_eq!(texts(&author, "h1"), ["Ada Okonjo"]);
    assert!(author.contains("<p class=\"author-role\">Senior analyst, critical minerals</p>"));
    assert!(author.contains("<strong>processing</strong>"));
    assert_eq!(
        attrs(&author, ".author-links a", "href"),
        ["https://ada.example.net/"]
    );
    assert_eq!(
        attrs(&author, "article.card h2 a", "href"),
        ["/posts/magnet-math/", "/posts/tariff-tangle/"]
    );
    let authors = b.read("authors/index.html");
    assert_eq!(
        attrs(&authors, ".author-card-name a", "href"),
        ["/authors/ada/", "/authors/ben/"]
    );
    assert_eq!(
        texts(&authors, ".author-count"),
        ["2 analyses", "3 analyses"]
    );
}

#[test]
fn base_url_with_a_sub_path_prefixes_assets_and_links_once() {
    let b = build_dir(
        &fixture("theme"),
        &["--base-url", "https://example.org/analysis/"],
    );
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let post = b.read("posts/magnet-math/index.html");
    assert!(post.contains("<link rel=\"stylesheet\" href=\"/analysis/style.css\">"));
    assert!(post.contains("<link rel=\"stylesheet\" href=\"/analysis/syntax.css\">"));
    assert!(post.contains(
        "<link rel=\"canonical\" href=\"https://example.org/analysis/posts/magnet-math/\">"
    ));
    assert!(post.contains("<a class=\"brand\" href=\"/analysis/\">"));
    assert!(post.contains("By <a rel=\"author\" href=\"/analysis/authors/ada/\">Ada Okonjo</a>"));
    assert_eq!(
        attrs(&post, "nav.post-nav a", "href"),
        ["/analysis/posts/grid-queue/"]
    );
    assert_eq!(
        attrs(&post, "aside.sidebar a.recent-link", "href"),
        [
            "/analysis/posts/grid-queue/",
            "/analysis/posts/tariff-tangle/",
            "/analysis/posts/lithium-floor/"
        ]
    );
    assert_eq!(
        attrs(&post, "form[role=search] input[name=sites]", "value"),
        ["example.org"]
    );
    let index = b.read("index.html");
    assert_eq!(
        attrs(&index, "nav.pager a[rel=next]", "href"),
        ["/analysis/page/2/"]
    );
    assert!(index.contains("<a href=\"/analysis/about/\">About</a>"));
    for (path, html) in html_pages(&b) {
        assert!(
            !html.contains("/analysis/analysis/"),
            "{path}: base path added twice"
        );
        for href in attrs(&html, "a[href], link[href]", "href") {
            let site_local = href.starts_with('/') || href.starts_with("https://example.org/");
            if site_local {
                assert!(
                    href.starts_with("/analysis/")
                        || href.starts_with("https://example.org/analysis/"),
                    "{path}: {href} is outside the base path"
                );
            }
        }
    }
    assert!(b.has("style.css") && b.has("syntax.css"));
}
