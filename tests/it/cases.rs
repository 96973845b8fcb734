//! Real-bug cases as tests. Each case builds its fixture site from `tests/fixtures/cases/`
//! (byte-exact copies: BOM, CRLF) and, where the fault is a whole kind, small generated
//! variants of the same kind; then asserts what a correct generator must show: exit codes,
//! error text naming files and lines, rendered HTML, file trees, order of links, escaping,
//! feeds. The HTML checks (unique ids, balanced tags, links resolving, no live markup) are
//! small helpers at the top of this file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use scraper::{ElementRef, Html, Selector};

use crate::support::*;

// ---------------------------------------------------------------------------------------
// Sites

/// `tests/fixtures/cases/<case>/input`.
fn input(case: &str) -> PathBuf {
    input_of(case, "input")
}

/// `tests/fixtures/cases/<case>/<dir>` (for cases with `input-bad/`, `input-empty/`).
fn input_of(case: &str, dir: &str) -> PathBuf {
    fixture(&format!("cases/{case}/{dir}"))
}

/// Builds a site and asserts exit 0.
fn build_site(site: &Path) -> Built {
    let b = build_dir(site, &[]);
    assert_eq!(
        b.code(),
        0,
        "build of {} failed:\n{}",
        site.display(),
        b.stderr()
    );
    b
}

/// A site in a temp folder made of `(path, bytes)` files; `site.toml` is added when absent.
fn make_site(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut has_config = false;
    for (rel, bytes) in files {
        has_config |= *rel == "site.toml";
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    if !has_config {
        std::fs::write(
            tmp.path().join("site.toml"),
            "title = \"Variant site\"\nbase_url = \"https://example.org/\"\n",
        )
        .unwrap();
    }
    tmp
}

/// Every file under `dir`: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Every HTML file of a build: relative path → text.
fn html_files(b: &Built) -> Vec<(String, String)> {
    b.files()
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .map(|f| {
            let t = b.read(&f);
            (f, t)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// HTML

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"))
}

/// Whitespace collapsed.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an element (entities decoded once, whitespace collapsed).
fn text(el: ElementRef<'_>) -> String {
    norm(&el.text().collect::<String>())
}

fn page(b: &Built, rel: &str) -> Html {
    Html::parse_document(&b.read(rel))
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&sel(css)).map(text).collect()
}

/// The `<title>` text, decoded once.
fn title(doc: &Html) -> String {
    texts(doc, "title").into_iter().next().unwrap_or_default()
}

/// The slug of a `/posts/<slug>/` link (site-relative or absolute on example.org).
fn post_slug(href: &str) -> Option<String> {
    let path = href.strip_prefix("https://example.org").unwrap_or(href);
    let rest = path.split(['?', '#']).next()?.strip_prefix("/posts/")?;
    let slug = rest.split('/').next()?;
    (!slug.is_empty()).then(|| slug.to_string())
}

fn in_chrome(el: ElementRef<'_>) -> bool {
    el.ancestors().filter_map(ElementRef::wrap).any(|a| {
        let e = a.value();
        matches!(e.name(), "nav" | "aside") || e.classes().any(|c| c == "related" || c == "recent")
    })
}

fn first_order(slugs: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in slugs {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Posts linked from the page's main listing, in order: links inside `<main>` that are not
/// in navigation, an aside or the related-posts block.
fn listing(doc: &Html) -> Vec<String> {
    first_order(
        doc.select(&sel("main a[href]"))
            .filter(|a| !in_chrome(*a))
            .filter_map(|a| post_slug(a.value().attr("href").unwrap_or(""))),
    )
}

/// Posts linked from the recent-news sidebar, in order.
fn sidebar(doc: &Html) -> Vec<String> {
    first_order(
        doc.select(&sel("aside a[href]"))
            .filter_map(|a| post_slug(a.value().attr("href").unwrap_or(""))),
    )
}

/// The `href` of the `rel=prev` / `rel=next` link inside `<main>`.
fn rel_link(doc: &Html, rel: &str) -> Option<String> {
    doc.select(&sel(&format!("main a[rel~='{rel}']")))
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
}

/// `%XX` sequences decoded (enough for fragment ids).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Duplicate ids and in-page `#fragment` links with no target.
fn id_problems(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for el in doc.select(&sel("[id]")) {
        let id = el.value().attr("id").unwrap_or_default();
        if !seen.insert(id.to_string()) {
            problems.push(format!("duplicate id {id:?}"));
        }
    }
    for a in doc.select(&sel("a[href^='#']")) {
        let frag = percent_decode(&a.value().attr("href").unwrap_or_default()[1..]);
        if !frag.is_empty() && frag != "top" && !seen.contains(&frag) {
            problems.push(format!("dangling #{frag}"));
        }
    }
    problems
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Elements whose end tag HTML lets a page omit.
const OPTIONAL_END: &[&str] = &[
    "li", "p", "td", "tr", "th", "option", "dt", "dd", "thead", "tbody", "tfoot", "colgroup",
    "html", "head", "body",
];
/// Elements whose content is text, not markup.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// Byte index of the `>` that ends the tag starting at `tag[0]` (quoted values skipped).
fn tag_end(tag: &str) -> usize {
    let mut quote: Option<u8> = None;
    for (k, &c) in tag.as_bytes().iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return k,
            None => {}
        }
    }
    tag.len() - 1
}

/// Elements left open, closed out of order, or closed without being open: a tag stack over
/// the raw HTML (the parser's error recovery would hide them). Optional end tags are
/// tolerated, as in HTML.
fn balance_problems(html: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = start + rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = start + rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        let closing = rest.starts_with("</");
        let name: String = rest[if closing { 2 } else { 1 }..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            i = start + 1;
            continue;
        }
        let end = tag_end(rest);
        let self_closing = rest[..end].ends_with('/');
        i = start + end + 1;
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if closing {
            if !stack.contains(&name) {
                problems.push(format!("stray </{name}> at byte {start}"));
                continue;
            }
            while let Some(top) = stack.pop() {
                if top == name {
                    break;
                }
                if !OPTIONAL_END.contains(&top.as_str()) {
                    problems.push(format!("<{top}> closed by </{name}> at byte {start}"));
                }
            }
        } else if !self_closing {
            if matches!(name.as_str(), "li" | "p" | "dt" | "dd") && stack.last() == Some(&name) {
                stack.pop();
            }
            if RAW_TEXT.contains(&name.as_str()) {
                let close = format!("</{name}");
                match html[i..].to_ascii_lowercase().find(&close) {
                    Some(k) => i += k,
                    None => problems.push(format!("<{name}> never closed")),
                }
            }
            stack.push(name);
        }
    }
    for t in stack {
        if !OPTIONAL_END.contains(&t.as_str()) {
            problems.push(format!("<{t}> never closed"));
        }
    }
    problems
}

/// Live markup: an `on…` attribute, a `javascript:` URL, or a `<script>` calling `alert(`.
fn live_markup(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut found = Vec::new();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let e = el.value();
        for (k, v) in e.attrs() {
            if k.starts_with("on") {
                found.push(format!("<{} {k}=…>", e.name()));
            }
            if matches!(k, "href" | "src" | "action" | "content")
                && v.trim().to_ascii_lowercase().starts_with("javascript:")
            {
                found.push(format!("<{} {k}=javascript:…>", e.name()));
            }
        }
        if e.name() == "script" && el.text().collect::<String>().contains("alert(") {
            found.push("<script> with alert(".into());
        }
    }
    found
}

/// Internal links (`href`/`src` on the site) that point at no output file.
fn broken_links(b: &Built) -> Vec<String> {
    let mut broken = Vec::new();
    for (file, html) in html_files(b) {
        let doc = Html::parse_document(&html);
        for el in doc.select(&sel("[href], [src]")) {
            let v = el.value();
            let url = v.attr("href").or_else(|| v.attr("src")).unwrap_or_default();
            let path = match url.strip_prefix("https://example.org") {
                Some(p) => p,
                None if url.starts_with('/') && !url.starts_with("//") => url,
                None => continue,
            };
            let path = percent_decode(path.split(['?', '#']).next().unwrap_or(""));
            let rel = path.trim_start_matches('/');
            let target = if rel.is_empty() || rel.ends_with('/') {
                format!("{rel}index.html")
            } else if b.out.join(rel).is_dir() {
                format!("{rel}/index.html")
            } else {
                rel.to_string()
            };
            if !b.has(&target) {
                broken.push(format!("{file}: {url}"));
            }
        }
    }
    broken
}

// ---------------------------------------------------------------------------------------
// Feeds

/// One feed entry, whatever the format.
#[derive(Debug)]
struct Entry {
    title: String,
    slug: Option<String>,
    date: jiff::Timestamp,
    tags: Vec<String>,
    /// HTML carried by the entry (summary, content), decoded from XML / JSON.
    html: Vec<String>,
}

fn rss_entries(b: &Built) -> Vec<Entry> {
    let ch = rss::Channel::read_from(b.read("rss.xml").as_bytes()).expect("rss.xml parses");
    ch.items()
        .iter()
        .map(|i| Entry {
            title: i.title().unwrap_or_default().to_string(),
            slug: i.link().and_then(post_slug),
            date: jiff::fmt::rfc2822::parse(i.pub_date().expect("pubDate"))
                .expect("pubDate is RFC 2822")
                .timestamp(),
            tags: i
                .categories()
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            html: i
                .description()
                .into_iter()
                .chain(i.content())
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

fn atom_entries(b: &Built) -> Vec<Entry> {
    let feed =
        atom_syndication::Feed::read_from(b.read("atom.xml").as_bytes()).expect("atom.xml parses");
    feed.entries()
        .iter()
        .map(|e| Entry {
            title: e.title().value.clone(),
            slug: e.links().iter().find_map(|l| post_slug(l.href())),
            date: jiff::Timestamp::from_second(e.published().expect("published").timestamp())
                .expect("timestamp in range"),
            tags: e
                .categories()
                .iter()
                .map(|c| c.term().to_string())
                .collect(),
            html: e
                .summary()
                .map(|t| t.value.clone())
                .into_iter()
                .chain(e.content().and_then(|c| c.value()).map(str::to_string))
                .collect(),
        })
        .collect()
}

fn json_entries(b: &Built) -> Vec<Entry> {
    let feed: serde_json::Value =
        serde_json::from_str(&b.read("feed.json")).expect("feed.json parses");
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| Entry {
            title: s(&i["title"]),
            slug: post_slug(&s(&i["url"])),
            date: s(&i["date_published"])
                .parse()
                .expect("date_published is RFC 3339"),
            tags: i["tags"]
                .as_array()
                .map(|t| t.iter().map(s).collect())
                .unwrap_or_default(),
            html: i["content_html"]
                .as_str()
                .map(str::to_string)
                .into_iter()
                .collect(),
        })
        .collect()
}

/// The site's Atom, RSS and JSON feeds, parsed.
fn feeds(b: &Built) -> Vec<(&'static str, Vec<Entry>)> {
    vec![
        ("atom.xml", atom_entries(b)),
        ("rss.xml", rss_entries(b)),
        ("feed.json", json_entries(b)),
    ]
}

fn feed_order(entries: &[Entry]) -> Vec<String> {
    entries.iter().filter_map(|e| e.slug.clone()).collect()
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// Lines of stderr that open a diagnostic (`×` error, `⚠` warning).
fn diagnostic_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('×') || l.starts_with('⚠'))
        .map(str::to_string)
        .collect()
}

fn assert_no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
}

#[test]
fn html_checkers_catch_what_they_check() {
    assert_eq!(
        balance_problems("<div><p><em>a</em></p></div><ul><li>x<li>y</ul><br><img src=x>"),
        Vec::<String>::new()
    );
    assert_eq!(
        balance_problems("<script>if (a < b) {}</script><!-- <div> -->"),
        Vec::<String>::new()
    );
    assert_eq!(
        balance_problems("<p><em>a</p>"),
        ["<em> closed by </p> at byte 8"]
    );
    assert_eq!(
        balance_problems("<div><blockquote>"),
        ["<div> never closed", "<blockquote> never closed"]
    );
    assert_eq!(
        balance_problems("a</strong>"),
        ["stray </strong> at byte 1"]
    );
    assert_eq!(
        id_problems(
            "<h2 id=a>x</h2><p id=a></p><a href='#b'>b</a><a href='#fn%3A1'>1</a><li id='fn:1'>"
        ),
        ["duplicate id \"a\"", "dangling #b"]
    );
    assert_eq!(
        live_markup("<p title='onload'>&lt;script&gt;alert(1)</p>"),
        Vec::<String>::new()
    );
    assert_eq!(live_markup("<img src=x onerror=alert(1)>").len(), 1);
    assert_eq!(live_markup("<a href=' JavaScript:alert(1)'>x</a>").len(), 1);
    assert_eq!(live_markup("<script>alert(1)</script>").len(), 1);
    assert_eq!(
        post_slug("https://example.org/posts/a-b/#x"),
        Some("a-b".into())
    );
    assert_eq!(post_slug("/tags/a/"), None);
}

// ---------------------------------------------------------------------------------------
// 001 — UTF-8 byte order mark before the front matter

#[test]
fn case_001_bom_before_front_matter_is_ignored() {
    let b = build_site(&input("001-bom-front-matter"));
    let err = b.stderr().to_lowercase();
    assert!(!err.contains("front matter"), "{err}");
    let p = page(&b, "posts/bom-post/index.html");
    assert!(
        title(&p).starts_with("Byte Order Mark Post"),
        "{}",
        title(&p)
    );
    assert_eq!(texts(&p, "h1"), ["Byte Order Mark Post"]);
    let body = texts(&p, "body").join(" ");
    for leak in ["title:", "author:", "date:", "---"] {
        assert!(!body.contains(leak), "{leak} leaked into the page");
    }
    // The inline author of the BOM file is read: its first key is `title`, not `\u{feff}title`.
    assert!(body.contains("A. Writer") && body.contains("Writes on Windows."));
    for (f, bytes) in tree(&b.out) {
        assert!(
            !bytes.windows(3).any(|w| w == b"\xEF\xBB\xBF"),
            "BOM bytes in {f}"
        );
        let t = String::from_utf8_lossy(&bytes).to_lowercase();
        assert!(
            !t.contains("&#xfeff;") && !t.contains("&#65279;"),
            "U+FEFF reference in {f}"
        );
    }
    assert!(listing(&page(&b, "index.html")).contains(&"bom-post".to_string()));
    let mut tag = listing(&page(&b, "tags/encoding/index.html"));
    tag.sort();
    assert_eq!(tag, ["bom-post", "plain-post"]);
    for (name, entries) in feeds(&b) {
        assert!(
            entries.iter().any(|e| e.title == "Byte Order Mark Post"),
            "{name}: {:?}",
            entries.iter().map(|e| &e.title).collect::<Vec<_>>()
        );
    }
}

#[test]
fn case_001_kind_stray_byte_order_marks_anywhere() {
    // A BOM before CRLF front matter, a BOM-prefixed author file, a BOM in the middle of a
    // body (two files joined with `cat`) and a site template saved with a BOM.
    let theme_404 = {
        let mut t = b"\xEF\xBB\xBF".to_vec();
        t.extend_from_slice(
            b"{% extends \"base.html\" %}{% block content %}<p>Lost.</p>{% endblock %}",
        );
        t
    };
    let site = make_site(&[
        (
            "content/posts/joined.md",
            b"\xEF\xBB\xBF---\r\ntitle: \"Joined Files\"\r\ndate: 2024-03-01\r\nauthor: ann\r\n---\r\n\r\nFirst half.\r\n\r\n\xEF\xBB\xBFSecond half.\r\n",
        ),
        ("content/authors/ann.md", b"\xEF\xBB\xBF---\r\nname: \"Ann Lee\"\r\n---\r\nCovers energy.\r\n"),
        ("templates/404.html", &theme_404),
    ]);
    let b = build_site(site.path());
    for (f, bytes) in tree(&b.out) {
        assert!(
            !bytes.windows(3).any(|w| w == b"\xEF\xBB\xBF"),
            "BOM bytes in {f}"
        );
    }
    let p = page(&b, "posts/joined/index.html");
    assert_eq!(texts(&p, "h1"), ["Joined Files"]);
    let prose = texts(&p, "main p");
    assert!(prose.contains(&"Second half.".to_string()), "{prose:?}");
    assert!(texts(&p, "body").join(" ").contains("Ann Lee"));
    assert!(b.read("404.html").contains("<p>Lost.</p>"));
}

// ---------------------------------------------------------------------------------------
// 003 — front matter with Windows line endings

#[test]
fn case_003_crlf_front_matter_parses_like_lf() {
    let b = build_site(&input("003-crlf-front-matter"));
    let raw = b.read("posts/crlf-post/index.html");
    assert!(!raw.contains('\r'), "CR byte in the page");
    let lower = raw.to_lowercase();
    for bad in ["&#13;", "&#xd;", "%0d"] {
        assert!(!lower.contains(bad), "{bad} in the page");
    }
    for f in b.files() {
        assert!(
            !f.contains('\r') && !f.to_lowercase().contains("%0d"),
            "output path {f:?}"
        );
    }
    let p = Html::parse_document(&raw);
    assert_eq!(title(&p), "Windows Line Endings · CRLF test site");
    assert!(b.has("tags/windows/index.html") && b.has("tags/crlf/index.html"));
    let tag_links: HashSet<String> = p
        .select(&sel("main a[href^='/tags/']"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(
        tag_links,
        HashSet::from(["/tags/windows/".into(), "/tags/crlf/".into()])
    );
    let mut listed = listing(&page(&b, "tags/crlf/index.html"));
    listed.sort();
    assert_eq!(listed, ["crlf-post", "lf-post"]);
    assert_eq!(texts(&p, ".highlights li"), ["first point", "second point"]);
    let body = texts(&p, "body").join(" ");
    assert!(body.contains("C. Author") && body.contains("Edits on Windows with git autocrlf."));
    assert!(raw.contains("<p>First paragraph.</p>"), "{raw}");
    assert!(
        raw.contains("<p>Second paragraph with a <a href=\"https://example.com/\">link</a>.</p>")
    );
    assert!(!body.contains("title:") && !body.contains("---"));
}

#[test]
fn case_003_kind_every_line_ending_style() {
    // Classic Mac (lone CR) line endings, and mixed CRLF/LF in one file, parse like LF.
    let site = make_site(&[
        (
            "content/posts/mac.md",
            b"---\rtitle: \"Lone CR\"\rdate: 2024-05-03\rtags: [windows]\rhighlights:\r  - \"only point\"\r---\r\rBody one.\r\rBody two.\r",
        ),
        (
            "content/posts/mixed.md",
            b"---\r\ntitle: \"Mixed endings\"\ndate: 2024-05-04\r\ntags:\n  - crlf\r\n---\n\r\nText.\r\n",
        ),
    ]);
    let b = build_site(site.path());
    for (f, bytes) in tree(&b.out) {
        if f.ends_with(".html") || f.ends_with(".xml") {
            assert!(!bytes.contains(&b'\r'), "CR in {f}");
        }
    }
    let mac = page(&b, "posts/mac/index.html");
    assert_eq!(texts(&mac, "h1"), ["Lone CR"]);
    assert_eq!(texts(&mac, ".highlights li"), ["only point"]);
    let paras = texts(&mac, ".prose p");
    assert_eq!(paras, ["Body one.", "Body two."]);
    assert_eq!(
        texts(&page(&b, "posts/mixed/index.html"), "h1"),
        ["Mixed endings"]
    );
    assert!(b.has("tags/windows/index.html") && b.has("tags/crlf/index.html"));
}

// ---------------------------------------------------------------------------------------
// 005 — YAML date forms

const DATE_POSTS: [&str; 7] = [
    "c-space-offset",
    "d-rfc3339-offset",
    "e-rfc3339-zulu",
    "g-space-no-offset",
    "a-bare-date",
    "b-quoted-date",
    "f-wordpress-offset",
];

#[test]
fn case_005_every_yaml_date_form_is_read() {
    let b = build_site(&input("005-yaml-date-forms"));
    // (slug, datetime attribute in the post's own offset, displayed day)
    let want = [
        ("a-bare-date", "2024-06-22T00:00:00+00:00", "Jun 22, 2024"),
        ("b-quoted-date", "2024-06-22T00:00:00+00:00", "Jun 22, 2024"),
        (
            "c-space-offset",
            "2024-06-22T18:42:00+02:00",
            "Jun 22, 2024",
        ),
        (
            "d-rfc3339-offset",
            "2024-06-22T18:42:00+02:00",
            "Jun 22, 2024",
        ),
        (
            "e-rfc3339-zulu",
            "2024-06-22T16:42:00+00:00",
            "Jun 22, 2024",
        ),
        (
            "f-wordpress-offset",
            "2019-06-13T06:46:30+00:00",
            "Jun 13, 2019",
        ),
        (
            "g-space-no-offset",
            "2024-06-22T09:15:00+00:00",
            "Jun 22, 2024",
        ),
    ];
    for (slug, datetime, shown) in want {
        let p = page(&b, &format!("posts/{slug}/index.html"));
        let time = p
            .select(&sel("article header time"))
            .next()
            .unwrap_or_else(|| panic!("{slug}: no <time> in the article header"));
        assert_eq!(time.value().attr("datetime"), Some(datetime), "{slug}");
        assert_eq!(text(time), shown, "{slug}");
    }
    let instants = BTreeMap::from([
        ("c-space-offset", ts("2024-06-22T16:42:00Z")),
        ("d-rfc3339-offset", ts("2024-06-22T16:42:00Z")),
        ("e-rfc3339-zulu", ts("2024-06-22T16:42:00Z")),
        ("f-wordpress-offset", ts("2019-06-13T06:46:30Z")),
        ("g-space-no-offset", ts("2024-06-22T09:15:00Z")),
        ("a-bare-date", ts("2024-06-22T00:00:00Z")),
        ("b-quoted-date", ts("2024-06-22T00:00:00Z")),
    ]);
    for (name, entries) in feeds(&b) {
        for e in &entries {
            let slug = e.slug.as_deref().unwrap_or_default();
            assert_eq!(Some(&e.date), instants.get(slug), "{name}: {slug}");
        }
        assert_eq!(feed_order(&entries), DATE_POSTS, "{name}");
    }
    assert_eq!(listing(&page(&b, "tags/dates/index.html")), DATE_POSTS);
}

#[test]
fn case_005_impossible_dates_fail_naming_file_line_and_key() {
    let b = build_dir(&input_of("005-yaml-date-forms", "input-bad"), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let err = b.stderr();
    assert_no_panic(&err);
    assert!(
        err.contains(
            "content/posts/us-date.md:3:7: `date` value \"10-12-2024\" is not a valid date"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "content/posts/impossible.md:3:7: `date` value \"2024-13-45\" is not a valid date"
        ),
        "{err}"
    );
    assert!(
        err.contains("error: 2 errors found; nothing was written"),
        "{err}"
    );
    assert!(!b.out.exists(), "output written despite errors");
}

// ---------------------------------------------------------------------------------------
// 007 — posts sharing a date

const SAME_DAY: [&str; 6] = [
    "evening-brief",
    "morning-brief",
    "part-1-setup",
    "part-2-results",
    "part-3-outlook",
    "older",
];

#[test]
fn case_007_same_order_everywhere_ties_by_slug() {
    let b = build_site(&input("007-same-date-ordering"));
    let home = page(&b, "index.html");
    assert_eq!(listing(&home), SAME_DAY);
    assert_eq!(listing(&page(&b, "tags/series/index.html")), SAME_DAY);
    assert_eq!(sidebar(&home), SAME_DAY[..5]);
    for (name, entries) in feeds(&b) {
        assert_eq!(feed_order(&entries), SAME_DAY, "{name}");
    }
    // previous = older neighbour, next = newer neighbour.
    for (i, slug) in SAME_DAY.iter().enumerate() {
        let p = page(&b, &format!("posts/{slug}/index.html"));
        let prev = rel_link(&p, "prev").and_then(|h| post_slug(&h));
        let next = rel_link(&p, "next").and_then(|h| post_slug(&h));
        assert_eq!(
            prev.as_deref(),
            SAME_DAY.get(i + 1).copied(),
            "prev of {slug}"
        );
        assert_eq!(
            next.as_deref(),
            i.checked_sub(1).map(|j| SAME_DAY[j]),
            "next of {slug}"
        );
        // Related posts (all share the tag) keep the listing order.
        let related = first_order(
            p.select(&sel(".related a[href]"))
                .filter_map(|a| post_slug(a.value().attr("href").unwrap_or(""))),
        );
        let expected: Vec<&str> = SAME_DAY
            .iter()
            .copied()
            .filter(|s| s != slug)
            .take(related.len())
            .collect();
        assert!(!related.is_empty(), "{slug}: no related posts");
        assert_eq!(related, expected, "related on {slug}");
    }
}

#[test]
fn case_007_output_independent_of_file_order_and_mtimes() {
    let a = build_site(&input("007-same-date-ordering"));
    // A copy written in reverse order with scattered modification times.
    let src = input("007-same-date-ordering");
    let rev = tempfile::tempdir().unwrap();
    std::fs::copy(src.join("site.toml"), rev.path().join("site.toml")).unwrap();
    std::fs::create_dir_all(rev.path().join("content/posts")).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(src.join("content/posts"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for (k, name) in names.iter().rev().enumerate() {
        let to = rev.path().join("content/posts").join(name);
        std::fs::copy(src.join("content/posts").join(name), &to).unwrap();
        let when = SystemTime::UNIX_EPOCH
            + Duration::from_secs(1_000_000_000 + (k as u64 * 7919) % 5000 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&to)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let b = build_site(rev.path());
    let (ta, tb) = (tree(&a.out), tree(&b.out));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (f, bytes) in &ta {
        assert!(bytes == &tb[f], "{f} differs between the two builds");
    }
}

// ---------------------------------------------------------------------------------------
// 008 — two sources, one URL

#[test]
fn case_008_duplicate_slug_is_an_error_naming_both_files() {
    let b = build_dir(&input("008-duplicate-slug"), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let err = b.stderr();
    assert_no_panic(&err);
    let lines = diagnostic_lines(&err);
    assert_eq!(lines.len(), 1, "{err}");
    let l = &lines[0];
    assert!(l.contains("content/posts/hello-world.md"), "{l}");
    assert!(l.contains("content/posts/Hello World.md"), "{l}");
    assert!(l.contains("both want the URL /posts/hello-world/"), "{l}");
    assert!(!b.out.exists(), "nothing may be written");
}

#[test]
fn case_008_kind_every_colliding_source_is_named() {
    let post = |title: &str, extra: &str| {
        format!("---\ntitle: \"{title}\"\ndate: 2024-02-01\n{extra}---\nBody.\n")
    };
    let (a, bb, c, d, e, f) = (
        post("A", "slug: Same Slug\n"),
        post("B", "slug: same-slug\n"),
        post("Bundle", ""),
        post("File", ""),
        post("Combining", ""),
        post("Precomposed", ""),
    );
    let site = make_site(&[
        ("content/posts/a.md", a.as_bytes()),
        ("content/posts/b.md", bb.as_bytes()),
        ("content/posts/bundle/index.md", c.as_bytes()),
        ("content/posts/bundle.md", d.as_bytes()),
        ("content/posts/De\u{301}tente.md", e.as_bytes()),
        ("content/posts/D\u{e9}tente.md", f.as_bytes()),
        (
            "content/pages/tags.md",
            b"---\ntitle: Tags\n---\nA page where the tag index goes.\n",
        ),
    ]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let (lines, warnings): (Vec<String>, Vec<String>) = diagnostic_lines(&b.stderr())
        .into_iter()
        .partition(|l| l.starts_with('×'));
    assert_eq!(lines.len(), 4, "{lines:#?}");
    // `Same Slug` is not a slug as written: it warns where it is changed.
    assert_eq!(
        warnings,
        [
            "⚠ content/posts/a.md:4:7: slug `Same Slug` was changed to the slug `same-slug` (URL /posts/same-slug/): a slug is lower-case letters a–z, digits and `-`, at most 80 characters"
        ]
    );
    let expect = [
        (
            "content/posts/b.md:4:7",
            "content/posts/a.md",
            "/posts/same-slug/",
        ),
        (
            "content/posts/bundle/index.md",
            "content/posts/bundle.md",
            "/posts/bundle/",
        ),
        (
            "content/posts/D\u{e9}tente.md",
            "content/posts/De\u{301}tente.md",
            "/posts/detente/",
        ),
        ("content/pages/tags.md", "the tag index", "/tags/"),
    ];
    for (one, other, url) in expect {
        assert!(
            lines.iter().any(|l| l.contains(one)
                && l.contains(other)
                && l.contains(&format!("the URL {url}"))),
            "{one} / {other} / {url} not reported: {lines:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 010 — footnotes before and after `<!-- more -->`

#[test]
fn case_010_footnotes_numbered_by_first_use_across_the_marker() {
    let b = build_site(&input("010-footnotes-around-more"));
    let raw = b.read("posts/footnotes-around-more/index.html");
    assert_eq!(id_problems(&raw), Vec::<String>::new());
    let p = Html::parse_document(&raw);
    let refs: Vec<(String, String)> = p
        .select(&sel("sup.footnote-ref a"))
        .map(|a| {
            (
                text(a),
                a.value().attr("href").unwrap_or_default().to_string(),
            )
        })
        .collect();
    let labels: Vec<&str> = refs.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3", "1"]);
    let want = [
        "Goods only",
        "Excluding energy",
        "Seasonally adjusted",
        "Goods only",
    ];
    for ((label, href), w) in refs.iter().zip(want) {
        let target = p
            .select(&sel(&format!("[id='{}']", &href[1..])))
            .next()
            .unwrap_or_else(|| panic!("no target for {href}"));
        assert!(
            text(target).contains(w),
            "ref {label} → {href}: {}",
            text(target)
        );
    }
    let defs = texts(&p, ".footnotes ol > li");
    assert_eq!(defs.len(), 3);
    for (d, w) in defs
        .iter()
        .zip(["Goods only", "Excluding energy", "Seasonally adjusted"])
    {
        assert!(d.starts_with(w), "{d}");
    }
    // The second reference to `exports` has its own back-link target.
    assert!(raw.contains("id=\"fnref:1-2\"") && raw.contains("href=\"#fnref:1-2\""));

    let home = b.read("index.html");
    assert_eq!(id_problems(&home), Vec::<String>::new());
    let doc = Html::parse_document(&home);
    let summaries = texts(&doc, ".card-summary");
    assert_eq!(
        summaries,
        [
            "Rates were unchanged.",
            "Exports rose in the first quarter. Imports fell slightly."
        ]
    );
    assert!(!home.contains("trade balance"));
    assert_eq!(
        doc.select(&sel(".card-summary sup, .card-summary [id]"))
            .count(),
        0
    );
}

#[test]
fn case_010_kind_explicit_heading_ids_never_collide_with_footnotes() {
    let md = "---\ntitle: Ids\ndate: 2024-02-01\n---\n\nA[^1] and B[^1] and C[^n].\n\n## One {#fn:1}\n\n## Two {#fnref:1}\n\n## Search results\n\n[^1]: First.\n[^n]: Second.\n";
    let site = make_site(&[("content/posts/ids.md", md.as_bytes())]);
    let b = build_site(site.path());
    let raw = b.read("posts/ids/index.html");
    assert_eq!(id_problems(&raw), Vec::<String>::new());
    let p = Html::parse_document(&raw);
    let ids: Vec<String> = p
        .select(&sel("main h2"))
        .filter_map(|h| h.value().attr("id").map(str::to_string))
        .collect();
    assert!(
        ids.contains(&"fn:1-1".to_string()) && ids.contains(&"fnref:1-1".to_string()),
        "{ids:?}"
    );
    assert!(ids.contains(&"search-results-1".to_string()), "{ids:?}");
}

// ---------------------------------------------------------------------------------------
// 012 — summaries are balanced HTML

#[test]
fn case_012_summaries_are_balanced_and_cut_at_the_marker() {
    let b = build_site(&input("012-summary-html-balance"));
    for f in ["index.html", "tags/summary/index.html"] {
        let raw = b.read(f);
        assert_eq!(balance_problems(&raw), Vec::<String>::new(), "{f}");
        // No summary ends in half an entity or half a tag.
        for cut in ["&am<", "&#12<", "<a hre<"] {
            assert!(!raw.contains(cut), "{f}: {cut}");
        }
        let doc = Html::parse_document(&raw);
        // The page's own footer and sidebar are not swallowed by a summary.
        for part in ["footer.site-footer", "aside"] {
            let el = doc
                .select(&sel(part))
                .next_back()
                .unwrap_or_else(|| panic!("{f}: no {part}"));
            let inside: Vec<String> = el
                .ancestors()
                .filter_map(ElementRef::wrap)
                .map(|a| a.value().name().to_string())
                .filter(|n| !matches!(n.as_str(), "html" | "body" | "div"))
                .collect();
            assert!(inside.is_empty(), "{f}: {part} nested in {inside:?}");
        }
        let summaries = texts(&doc, ".card-summary");
        let auto = summaries
            .iter()
            .find(|s| s.starts_with("This bold run starts early"))
            .expect("automatic summary listed");
        // The whole first paragraph: no word cut in half.
        assert!(auto.ends_with("and only then closes. Then emphasis word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39 word40 word41 word42 word43 word44 word45 word46 word47 word48 word49 word50 word51 word52 word53 word54 word55 word56 word57 word58 word59 ends."), "{auto}");
        let list = summaries
            .iter()
            .find(|s| s.starts_with("Key points:"))
            .expect("list summary");
        assert_eq!(
            list,
            "Key points: first point, shown in the summary second point"
        );
        let callout = summaries
            .iter()
            .find(|s| s.contains("Callout start"))
            .expect("callout summary");
        assert_eq!(
            callout,
            "Callout start. The summary marker sits inside this raw HTML container."
        );
        assert!(!raw.contains("continues after the marker") && !raw.contains("third point"));
        assert!(!raw.contains("Callout end"));
    }
    let home = b.read("index.html");
    assert!(
        home.contains("<div class=\"callout\"><p><strong>Callout start.</strong>"),
        "{home}"
    );
    for (name, entries) in feeds(&b) {
        for e in entries {
            for h in e.html {
                assert_eq!(balance_problems(&h), Vec::<String>::new(), "{name}: {h}");
            }
        }
    }
}

#[test]
fn case_012_kind_raw_html_left_open_in_a_summary() {
    let site = make_site(&[
        (
            "content/posts/open-inline.md",
            b"---\ntitle: Open inline\ndate: 2024-08-01\n---\n\nStart <em>never closed, then <a href=\"https://x.org/\">a link\n\nSecond paragraph.\n",
        ),
        (
            "content/posts/open-list.md",
            b"---\ntitle: Open list\ndate: 2024-08-02\n---\n\n- one <b>bold\n- two <!-- more --> hidden\n- three\n",
        ),
        (
            "content/posts/in-quote.md",
            b"---\ntitle: In quote\ndate: 2024-08-03\n---\n\n> Quoted *em <!-- more --> still em*\n> more\n\nAfter.\n",
        ),
        (
            "content/posts/in-code.md",
            b"---\ntitle: In code\ndate: 2024-08-04\n---\n\n```html\n<!-- more -->\n```\n\nFirst real paragraph.\n\nSecond.\n",
        ),
    ]);
    let b = build_site(site.path());
    let home = b.read("index.html");
    assert_eq!(balance_problems(&home), Vec::<String>::new());
    assert!(
        home.contains(
            "<p>Start <em>never closed, then <a href=\"https://x.org/\">a link</a></em></p>"
        ),
        "{home}"
    );
    // No empty re-opened copies of the unclosed elements.
    let doc = Html::parse_document(&home);
    for a in doc.select(&sel(".card-summary a")) {
        assert!(!text(a).is_empty(), "empty link in a summary: {}", a.html());
    }
    let summaries = texts(&doc, ".card-summary");
    let list = summaries
        .iter()
        .find(|s| s.starts_with("one"))
        .expect("list summary");
    assert!(
        list.starts_with("one bold") && list.ends_with("two"),
        "{list}"
    );
    assert!(
        summaries.contains(&"Quoted em".to_string()),
        "{summaries:?}"
    );
    // A marker inside a code block is code, not a marker.
    assert!(
        summaries.contains(&"First real paragraph.".to_string()),
        "{summaries:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 013 — unknown and plain code block languages

#[test]
fn case_013_unknown_language_is_plain_with_one_warning() {
    let b = build_site(&input("013-unknown-code-language"));
    let raw = b.read("posts/code-langs/index.html");
    let p = Html::parse_document(&raw);
    let pres: Vec<ElementRef<'_>> = p.select(&sel("pre")).collect();
    assert_eq!(pres.len(), 6);
    assert!(
        pres.iter()
            .all(|pre| pre.select(&sel("code")).next().is_some())
    );
    let block_texts: Vec<String> = pres.iter().map(|pre| pre.text().collect()).collect();
    let block = |snippet: &str| -> usize {
        block_texts
            .iter()
            .position(|t| t.contains(snippet))
            .unwrap_or_else(|| panic!("no block with {snippet:?}: {block_texts:?}"))
    };
    let text_b = block("<b>not bold</b> & not an entity");
    let foo1 = block("let <x> = \"y\" && z;");
    let foo2 = block("second block, same unknown language");
    let none = block("<script>alert(\"fence\")</script>");
    let rust = block("fn main() { println!(\"<hello>\"); }");
    let linenos = block("let a = 1;");
    assert!(raw.contains("&lt;b&gt;not bold&lt;/b&gt; &amp; not an entity"));
    assert!(!raw.contains("<script>alert") && !raw.contains("<x>") && !raw.contains("<hello>"));
    let spans = |i: usize| pres[i].select(&sel("span[class]")).count();
    assert!(
        spans(rust) > 0 && spans(linenos) > 0,
        "rust blocks are highlighted"
    );
    for i in [text_b, foo1, foo2, none] {
        assert_eq!(spans(i), 0, "block {i} is plain");
    }
    for i in [foo1, foo2] {
        let code = pres[i].select(&sel("code")).next().unwrap();
        assert_eq!(code.value().attr("class"), Some("language-foobarlang"));
        assert_eq!(pres[i].value().attr("data-lang"), Some("foobarlang"));
    }
    assert!(!raw.contains("rust,linenos"));
    let err = b.stderr();
    let diags = diagnostic_lines(&err);
    assert_eq!(diags.len(), 1, "{err}");
    assert!(
        diags[0].starts_with(
            "⚠ content/posts/code-langs.md:15:1: unknown code block language `foobarlang`"
        ),
        "{}",
        diags[0]
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("foobarlang")).count(),
        1,
        "{err}"
    );
    assert!(!err.contains("linenos"), "{err}");
    for quiet in ["`text`", "`rust`", "``"] {
        assert!(!diags[0].contains(quiet), "{}", diags[0]);
    }
}

#[test]
fn case_013_kind_fence_spellings() {
    let md = "---\ntitle: Fences\ndate: 2024-09-01\n---\n\n```{.rust .numberLines}\nfn a() {}\n```\n\n```Rust\nfn b() {}\n```\n\n~~~rs\nfn c() {}\n~~~\n\n```PlainText\nplain\n```\n\n```Text\nT\n```\n\n```txt\nt\n```\n\n```zzz\nq\n```\n\n```yyy\nq\n```\n";
    let other = "---\ntitle: Other\ndate: 2024-09-02\n---\n\n```zzz\nq\n```\n";
    let site = make_site(&[
        ("content/posts/fences.md", md.as_bytes()),
        ("content/posts/other.md", other.as_bytes()),
    ]);
    let b = build_site(site.path());
    let p = page(&b, "posts/fences/index.html");
    let highlighted: Vec<bool> = p
        .select(&sel("pre"))
        .map(|pre| pre.select(&sel("span[class]")).next().is_some())
        .collect();
    assert_eq!(
        highlighted,
        [true, true, true, false, false, false, false, false]
    );
    // One warning per file, listing its unknown languages; plain-text names are silent.
    let diags = diagnostic_lines(&b.stderr());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(
        diags[0].contains("content/posts/fences.md") && diags[0].contains("`zzz`, `yyy`"),
        "{diags:#?}"
    );
    assert!(
        diags[1].contains("content/posts/other.md") && diags[1].contains("`zzz`"),
        "{diags:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 015 — large and pathological code blocks

/// The post of case 015 (about 480 KB): a 3,000-line Rust block, a 100 KB single line of
/// minified JavaScript, a C block with a never-closed comment, a Bash block with an
/// unterminated heredoc, and 2,000 lines in an unknown language, each ending in a marker.
fn huge_code_post() -> String {
    let mut l: Vec<String> = [
        "---",
        "title: \"Very large code blocks\"",
        "date: 2024-09-03",
        "tags: [code]",
        "---",
        "",
        "A post with several large code blocks.",
        "",
        "```rust",
    ]
    .map(String::from)
    .to_vec();
    for i in 0..3000 {
        l.push(format!(
            "    let v{i}: Vec<u64> = (0..{}).map(|x| x * {i}).collect(); // \"s{i}\" 'c'",
            i % 97
        ));
    }
    l.extend(["// END-OF-RUST-BLOCK", "```", "", "```javascript"].map(String::from));
    let mut js: String = (0..2000)
        .map(|i| format!("var a{i}=function(b,c){{return b+c*{i}/\"s{i}\".length}};"))
        .collect();
    js.push_str("/*END-OF-MINIFIED-LINE*/");
    l.push(js);
    l.extend(["```", "", "```c", "/* this block comment is never closed"].map(String::from));
    for i in 0..500 {
        l.push(format!(
            "int f{i}(int x) {{ return x * {i}; }} \"unbalanced quote {i}"
        ));
    }
    l.extend(
        [
            "END-OF-UNCLOSED-C-BLOCK",
            "```",
            "",
            "```bash",
            "cat <<EOF_NEVER_ENDS",
        ]
        .map(String::from),
    );
    for i in 0..500 {
        l.push(format!(
            "line {i} with $VAR_{i} and `backticks {i}` and \"quotes"
        ));
    }
    l.extend(["END-OF-BASH-BLOCK", "```", "", "```foobarlang"].map(String::from));
    for i in 0..2000 {
        l.push(format!("unknown language line {i} <tag> & entity"));
    }
    l.extend(["END-OF-UNKNOWN-BLOCK", "```", ""].map(String::from));
    l.join("\n")
}

#[test]
fn case_015_large_code_blocks_are_complete_and_separate() {
    let site = site_copy("cases/015-highlight-large-input/input");
    let post = huge_code_post();
    assert!(post.len() > 400_000, "{}", post.len());
    std::fs::create_dir_all(site.path().join("content/posts")).unwrap();
    std::fs::write(site.path().join("content/posts/huge-code.md"), post).unwrap();
    let b = build_site(site.path());
    let raw = b.read("posts/huge-code/index.html");
    let pres: Vec<&str> = raw.match_indices("<pre").map(|(i, _)| &raw[i..]).collect();
    assert_eq!(pres.len(), 5);
    let blocks: Vec<&str> = pres
        .iter()
        .map(|p| &p[..p.find("</pre>").expect("closed <pre>")])
        .collect();
    let markers = [
        "END-OF-RUST-BLOCK",
        "END-OF-MINIFIED-LINE",
        "END-OF-UNCLOSED-C-BLOCK",
        "END-OF-BASH-BLOCK",
        "END-OF-UNKNOWN-BLOCK",
    ];
    for (i, m) in markers.iter().enumerate() {
        let holders: Vec<usize> = (0..5).filter(|&k| blocks[k].contains(m)).collect();
        assert_eq!(holders, [i], "{m} must be in <pre> {i} only");
    }
    assert!(
        !blocks[2].contains("EOF_NEVER_ENDS"),
        "the C comment swallowed the next block"
    );
    assert!(
        !blocks[3].contains("unknown language line"),
        "the heredoc swallowed the next block"
    );
    assert!(
        blocks[0].contains("<span class=\"hl-"),
        "the Rust block is highlighted"
    );
    assert!(blocks[4].contains("unknown language line 1999 &lt;tag&gt; &amp; entity"));
    // The minified line is too long to highlight safely: plain, with a warning naming it.
    assert!(
        !blocks[1].contains("<span"),
        "the minified line is left plain"
    );
    let err = b.stderr();
    assert!(
        err.lines()
            .any(|l| l.contains("content/posts/huge-code.md") && l.contains("is not highlighted")),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// 016 — tags that differ in case or spaces

#[test]
fn case_016_tag_spellings_merge_into_one_tag() {
    let b = build_site(&input("016-tag-case-merge"));
    let mut dirs: Vec<String> = std::fs::read_dir(b.out.join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["index.html", "performance", "rust"]);
    let home = page(&b, "index.html");
    let rust = page(&b, "tags/rust/index.html");
    let count = |doc: &Html, slug: &str| {
        doc.select(&sel("main a[href]"))
            .filter(|a| !in_chrome(*a))
            .filter(|a| post_slug(a.value().attr("href").unwrap_or("")).as_deref() == Some(slug))
            .count()
    };
    for slug in ["rust-prod", "rust-scripting", "rust-shout"] {
        assert!(count(&rust, slug) >= 1, "{slug} not on /tags/rust/");
        assert_eq!(
            count(&rust, slug),
            count(&home, slug),
            "{slug} listed twice on /tags/rust/"
        );
    }
    assert_eq!(
        listing(&page(&b, "tags/performance/index.html")),
        ["rust-shout", "rust-prod"]
    );
    // The tag index: one tag each, with its count and one display name.
    let ti = page(&b, "tags/index.html");
    let mut seen: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for a in ti.select(&sel("main a[href^='/tags/']")) {
        let href = a.value().attr("href").unwrap_or_default();
        if href == "/tags/" {
            continue;
        }
        // The entry is the link (the tag name) and its list item (the name and the count).
        let entry = a
            .parent()
            .and_then(ElementRef::wrap)
            .map(text)
            .unwrap_or_else(|| text(a));
        seen.entry(href.to_string()).or_default().insert(entry);
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        ["/tags/performance/", "/tags/rust/"]
    );
    for (href, name, n) in [
        ("/tags/rust/", "rust", 3),
        ("/tags/performance/", "performance", 2),
    ] {
        for t in &seen[href] {
            assert!(
                t.starts_with(name) && t.contains(&n.to_string()),
                "{href}: {t:?}"
            );
        }
    }
    for slug in ["rust-prod", "rust-scripting", "rust-shout"] {
        let p = page(&b, &format!("posts/{slug}/index.html"));
        for a in p.select(&sel("a[href*='/tags/']")) {
            let href = a.value().attr("href").unwrap_or_default();
            assert!(
                matches!(href, "/tags/" | "/tags/rust/" | "/tags/performance/"),
                "{slug}: {href}"
            );
            if href != "/tags/" {
                assert!(
                    matches!(text(a).as_str(), "rust" | "performance"),
                    "{slug}: {}",
                    text(a)
                );
            }
        }
    }
    assert_eq!(broken_links(&b), Vec::<String>::new());
    // Case and spacing differences merge silently.
    assert!(diagnostic_lines(&b.stderr()).is_empty(), "{}", b.stderr());
}

#[test]
fn case_016_kind_spellings_that_share_a_url_warn_once_each() {
    let post =
        |d: &str, tags: &str| format!("---\ntitle: \"{d}\"\ndate: {d}\ntags: {tags}\n---\nx\n");
    let (a, bb, c) = (
        post("2024-01-01", "[Énergie, \"  Supply   Chains \"]"),
        post("2024-01-02", "[énergie, supply chains, ÉNERGIE]"),
        post("2024-01-03", "[energie, \"Supply-Chains\"]"),
    );
    let site = make_site(&[
        ("content/posts/a.md", a.as_bytes()),
        ("content/posts/b.md", bb.as_bytes()),
        ("content/posts/c.md", c.as_bytes()),
    ]);
    let b = build_site(site.path());
    let mut dirs: Vec<String> = std::fs::read_dir(b.out.join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["energie", "index.html", "supply-chains"]);
    assert_eq!(listing(&page(&b, "tags/energie/index.html")).len(), 3);
    // One warning per spelling that differs beyond case and spaces (at its first use).
    let diags = diagnostic_lines(&b.stderr());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(
        diags
            .iter()
            .any(|d| d.contains("tag `énergie` and tag `energie`") && d.contains("/tags/energie/"))
    );
    assert!(
        diags
            .iter()
            .any(|d| d.contains("tag `supply chains` and tag `Supply-Chains`"))
    );
    // The display name is the spelling of the newest post.
    let ti = page(&b, "tags/energie/index.html");
    assert!(
        texts(&ti, "h1").iter().any(|h| h.contains("energie")),
        "{:?}",
        texts(&ti, "h1")
    );
}

// ---------------------------------------------------------------------------------------
// 018 — pagination edges

#[test]
fn case_018_exact_multiple_of_the_page_size() {
    let b = build_site(&input("018-pagination-edges"));
    assert!(b.has("page/2/index.html"));
    assert!(!b.out.join("page/3").exists() && !b.out.join("page/1").exists());
    let (p1, p2) = (b.read("index.html"), b.read("page/2/index.html"));
    assert!(!p1.contains("page/3") && !p2.contains("page/3"));
    let (d1, d2) = (Html::parse_document(&p1), Html::parse_document(&p2));
    assert_eq!(listing(&d1), ["post-4", "post-3"]);
    assert_eq!(listing(&d2), ["post-2", "post-1"]);
    assert_eq!(rel_link(&d1, "prev"), None);
    assert_eq!(rel_link(&d1, "next").as_deref(), Some("/page/2/"));
    assert_eq!(rel_link(&d2, "prev").as_deref(), Some("/"));
    assert_eq!(rel_link(&d2, "next"), None);
    assert_eq!(
        listing(&page(&b, "tags/all/index.html")),
        ["post-4", "post-3"]
    );
    assert_eq!(
        listing(&page(&b, "tags/all/page/2/index.html")),
        ["post-2", "post-1"]
    );
    assert!(!b.out.join("tags/all/page/3").exists());
    let pair = page(&b, "tags/pair/index.html");
    assert_eq!(listing(&pair), ["post-2", "post-1"]);
    assert!(!b.out.join("tags/pair/page").exists());
    assert_eq!(rel_link(&pair, "prev"), None);
    assert_eq!(rel_link(&pair, "next"), None);
    assert_eq!(
        pair.select(&sel("main a[href*='/page/']")).count(),
        0,
        "no pager on a one-page tag"
    );
    for (f, bytes) in tree(&b.out) {
        let t = String::from_utf8_lossy(&bytes);
        assert!(
            !t.contains("post-5-draft") && !t.contains("Draft post"),
            "the draft shows in {f}"
        );
    }
    for (name, entries) in feeds(&b) {
        assert_eq!(
            feed_order(&entries),
            ["post-4", "post-3", "post-2", "post-1"],
            "{name}"
        );
    }
}

#[test]
fn case_018_zero_published_posts() {
    let b = build_site(&input_of("018-pagination-edges", "input-empty"));
    let home = page(&b, "index.html");
    assert_eq!(
        home.select(&sel("a[href*='/posts/']")).count(),
        0,
        "no post links on an empty site"
    );
    assert!(!b.out.join("page").exists());
    assert!(!b.out.join("tags/lonely").exists());
    assert!(!b.out.join("posts").exists());
    for (name, entries) in feeds(&b) {
        assert!(entries.is_empty(), "{name}: {entries:?}");
    }
    let sitemap = b.read("sitemap.xml");
    let mut reader = quick_xml::Reader::from_str(&sitemap);
    let mut locs = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("sitemap.xml is well-formed") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"loc" => in_loc = true,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"loc" => in_loc = false,
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(String::from_utf8_lossy(t.as_ref()).trim().to_string())
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert!(
        locs.contains(&"https://example.org/".to_string()),
        "{locs:?}"
    );
    assert!(
        !locs
            .iter()
            .any(|l| l.contains("/posts/") || l.contains("/tags/lonely")),
        "{locs:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 027 — the output folder never deletes the user's work

fn run_build(site: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = smelt()
        .arg("build")
        .arg("--root")
        .arg(site)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), all)
}

#[test]
fn case_027_dangerous_output_folders_are_refused_and_nothing_changes() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    copy_tree(&input("027-output-dir-safety"), &site);
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::write(site.join("static/robots-extra.txt"), "keep").unwrap();
    let before = tree(w.path());
    let (code, _) = run_build(&site, &w.path().join("fresh"), &[]);
    assert_eq!(code, 0, "baseline build");
    assert!(w.path().join("fresh/posts/kept/index.html").is_file());
    std::fs::remove_dir_all(w.path().join("fresh")).unwrap();
    // The baseline build kept its cache beside its output, never in the site.
    assert!(w.path().join(".fresh.smelt-cache/bodies.bin").is_file());
    std::fs::remove_dir_all(w.path().join(".fresh.smelt-cache")).unwrap();
    let dangerous = [
        site.clone(),
        site.join("content"),
        site.join("content/posts"),
        site.join("static"),
        w.path().to_path_buf(),
        site.join(".."),
    ];
    for out in dangerous {
        let (code, msg) = run_build(&site, &out, &[]);
        assert_ne!(code, 0, "-o {} accepted", out.display());
        assert!(
            msg.contains(&format!("refusing to build into {}", out.display())),
            "{msg}"
        );
        assert!(
            tree(w.path()) == before,
            "-o {} changed files",
            out.display()
        );
    }
}

#[test]
fn case_027_own_output_keeps_foreign_files_and_drops_stale_pages() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    copy_tree(&input("027-output-dir-safety"), &site);
    let out = w.path().join("public");
    assert_eq!(run_build(&site, &out, &[]).0, 0);
    std::fs::create_dir_all(out.join(".git")).unwrap();
    std::fs::write(out.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").unwrap();
    std::fs::write(out.join("CNAME"), "example.org\n").unwrap();
    assert_eq!(run_build(&site, &out, &[]).0, 0);
    assert_eq!(
        std::fs::read_to_string(out.join(".git/HEAD")).unwrap(),
        "ref: refs/heads/gh-pages\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("CNAME")).unwrap(),
        "example.org\n"
    );
    assert!(
        out.join("posts/kept/index.html").is_file() && out.join("posts/gone/index.html").is_file()
    );
    std::fs::remove_file(site.join("content/posts/gone.md")).unwrap();
    assert_eq!(run_build(&site, &out, &[]).0, 0);
    assert!(
        !out.join("posts/gone").exists(),
        "stale page folder left behind"
    );
    assert!(out.join("posts/kept/index.html").is_file());
    assert!(out.join(".git/HEAD").is_file() && out.join("CNAME").is_file());
}

#[test]
fn case_027_folders_smelt_did_not_create_are_not_wiped() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    copy_tree(&input("027-output-dir-safety"), &site);
    // A deploy checkout smelt never wrote: refused without --force, kept with it.
    let gh = w.path().join("ghpages");
    std::fs::create_dir_all(gh.join(".git")).unwrap();
    std::fs::write(gh.join(".git/HEAD"), "ref").unwrap();
    std::fs::write(gh.join("CNAME"), "example.org").unwrap();
    let (code, msg) = run_build(&site, &gh, &[]);
    assert_eq!(code, 2, "refused as a usage error");
    assert!(
        msg.contains("was not created by smelt") && msg.contains("--force"),
        "{msg}"
    );
    assert!(gh.join(".git/HEAD").is_file() && gh.join("CNAME").is_file());
    assert!(!gh.join("posts").exists());
    assert_eq!(run_build(&site, &gh, &["--force"]).0, 0);
    assert!(gh.join(".git/HEAD").is_file() && gh.join("CNAME").is_file());
    assert!(gh.join("posts/kept/index.html").is_file());
    // An unrelated folder with the user's notes.
    let u = w.path().join("unrelated");
    std::fs::create_dir_all(&u).unwrap();
    std::fs::write(u.join("notes.txt"), "precious").unwrap();
    let (code, msg) = run_build(&site, &u, &[]);
    assert_eq!(code, 2, "refused as a usage error");
    assert!(
        msg.contains(&format!("refusing to build into {}", u.display())),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(u.join("notes.txt")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_dir(&u).unwrap().count(), 1);
}

// ---------------------------------------------------------------------------------------
// 028 — front matter is text: escaped once, everywhere

const XSS_TITLE: &str = "<script>alert('t')</script> Détente & Co";

#[test]
fn case_028_front_matter_payloads_are_escaped_exactly_once() {
    let b = build_site(&input("028-xss-front-matter"));
    for (f, html) in html_files(&b) {
        assert_eq!(live_markup(&html), Vec::<String>::new(), "{f}");
    }
    for (f, bytes) in tree(&b.out) {
        let t = String::from_utf8_lossy(&bytes);
        if f.ends_with(".html") || f.ends_with(".xml") {
            for raw in ["<script>alert", "<svg onload", "<img src=x onerror"] {
                assert!(!t.contains(raw), "{f}: raw {raw}");
            }
        }
        for twice in ["&amp;amp;", "&amp;lt;", "&amp;gt;", "&amp;quot;", "&amp;#"] {
            assert!(!t.contains(twice), "{f}: {twice}");
        }
        if f.ends_with(".xml") {
            assert!(
                !t.contains("<![CDATA[<script>") && !t.contains("CDATA[<svg"),
                "{f}: payload in CDATA"
            );
        }
    }
    let p = page(&b, "posts/detente/index.html");
    assert_eq!(title(&p), format!("{XSS_TITLE} · Escaping site"));
    assert_eq!(texts(&p, "h1"), [XSS_TITLE]);
    let og = p
        .select(&sel("meta[property='og:title']"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default();
    assert!(og.starts_with(XSS_TITLE), "{og}");
    assert_eq!(
        texts(&p, ".highlights li"),
        ["<svg onload=alert('h')>", "R&D costs ↑ 5%"]
    );
    let body = texts(&p, "body").join(" ");
    for t in [
        "Doe, J. \"A <i>Study</i>\" & Others (2024)",
        "<img src=x onerror=alert('a')>",
        "Writes about <b>markets</b> & \"risk\"; see javascript:alert('b')",
    ] {
        assert!(body.contains(t), "{t} not shown as text");
    }
    let home = page(&b, "index.html");
    assert!(texts(&home, "main").join(" ").contains(XSS_TITLE));
    assert!(texts(&home, "aside").join(" ").contains(XSS_TITLE));
    let tags: Vec<(String, String)> = p
        .select(&sel("main a[href^='/tags/']"))
        .map(|a| {
            (
                text(a),
                a.value().attr("href").unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (name, href) in [
        ("<b>bold</b>", "/tags/b-bold-b/"),
        ("R&D", "/tags/r-and-d/"),
    ] {
        assert!(
            tags.contains(&(name.to_string(), href.to_string())),
            "{name}: {tags:?}"
        );
        let tp = page(&b, &format!("{}index.html", &href[1..]));
        assert!(texts(&tp, "main").join(" ").contains(XSS_TITLE));
    }
    assert!(!b.out.join("tags").read_dir().unwrap().any(|e| {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        n.contains('<') || n.contains('>')
    }));
    for (name, entries) in feeds(&b) {
        let e = entries
            .iter()
            .find(|e| e.slug.as_deref() == Some("detente"))
            .expect("entry");
        assert_eq!(e.title, XSS_TITLE, "{name}");
        assert!(
            e.tags.contains(&"<b>bold</b>".to_string()) && e.tags.contains(&"R&D".to_string()),
            "{name}"
        );
        for h in &e.html {
            assert_eq!(live_markup(h), Vec::<String>::new(), "{name}: {h}");
        }
    }
}

#[test]
fn case_028_kind_every_text_field_and_config_value() {
    let site = make_site(&[
        (
            "site.toml",
            b"title = \"Site <script>alert('s')</script> & \\\"Co\\\"\"\ndescription = \"Desc <img src=x onerror=alert('d')>\"\nbase_url = \"https://example.org/\"\n",
        ),
        (
            "content/posts/x.md",
            b"---\ntitle: \"Q \\\"quoted\\\" <b>b</b>\"\ndate: 2024-06-05\nsummary: \"Sum <script>alert('sum')</script>\"\ntags: [\"a\\\"b\"]\nimage: \"/img/a\\\" onerror=\\\"alert(1).png\"\nsources:\n  - title: \"Src <b>t</b>\"\n    publisher: \"Pub <i>p</i> & co\"\n    url: \"https://example.com/a?b=<x>&c=\\\"d\"\nauthor: ann\n---\nBody.\n",
        ),
        (
            "content/authors/ann.md",
            b"---\nname: \"Ann <script>alert('an')</script>\"\nrole: \"Editor \\\"<b>x</b>\\\"\"\nlinks:\n  - {name: \"Site <b>s</b>\", url: \"https://ann.example/\"}\n---\nAnn covers trade.\n",
        ),
        ("content/pages/about.md", b"---\ntitle: \"About <script>alert('pg')</script>\"\n---\nAbout.\n"),
    ]);
    let b = build_site(site.path());
    for (f, html) in html_files(&b) {
        assert_eq!(live_markup(&html), Vec::<String>::new(), "{f}");
        assert!(
            !html.contains("&amp;lt;") && !html.contains("&amp;quot;"),
            "{f}: escaped twice"
        );
    }
    let p = page(&b, "posts/x/index.html");
    assert_eq!(
        title(&p),
        "Q \"quoted\" <b>b</b> · Site <script>alert('s')</script> & \"Co\""
    );
    let image = p
        .select(&sel("meta[property='og:image']"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default();
    assert_eq!(image, "https://example.org/img/a\" onerror=\"alert(1).png");
    let body = texts(&p, "body").join(" ");
    for t in [
        "Src <b>t</b>",
        "Ann <script>alert('an')</script>",
        "Site <script>alert('s')</script>",
    ] {
        assert!(body.contains(t), "{t} not shown as text: {body}");
    }
    let about = page(&b, "about/index.html");
    assert_eq!(texts(&about, "h1"), ["About <script>alert('pg')</script>"]);
    let card = texts(&page(&b, "index.html"), ".card-summary").join(" ");
    assert_eq!(card, "Sum <script>alert('sum')</script>");
}

#[test]
fn case_028_kind_script_urls_and_markup_paths_are_refused() {
    let site = make_site(&[
        (
            "content/posts/x.md",
            b"---\ntitle: X\ndate: 2024-06-05\nimage: \"javascript:alert('i')\"\nsources:\n  - {title: A, url: \" JaVaScRiPt:alert('s')\"}\n  - {title: B, url: \"data:text/html,<script>alert(1)</script>\"}\nauthor: {name: Inline, url: \"javascript:alert('u')\"}\n---\nBody.\n",
        ),
        (
            "content/posts/y.md",
            b"---\ntitle: Y\ndate: 2024-06-06\naliases: [\"/old/\\\"><script>alert(1)</script>/\"]\n---\nBody.\n",
        ),
        (
            "content/authors/ann.md",
            b"---\nname: Ann\navatar: \"javascript:alert('av')\"\nlinks:\n  - {name: Site, url: \"vbscript:msgbox\"}\n---\nBio.\n",
        ),
    ]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let diags = diagnostic_lines(&b.stderr());
    let expect = [
        "content/authors/ann.md:3:9: `avatar` \"javascript:alert('av')\" uses the `javascript:` scheme",
        "content/authors/ann.md:5:23: link `Site` url \"vbscript:msgbox\" uses the `vbscript:` scheme",
        "content/posts/x.md:4:8: `image` \"javascript:alert('i')\" uses the `javascript:` scheme",
        "content/posts/x.md:6:21: `sources` item 1 `url` \"JaVaScRiPt:alert('s')\" uses the `javascript:` scheme",
        "content/posts/x.md:7:21: `sources` item 2 `url` \"data:text/html,<script>alert(1)</script>\" uses the `data:` scheme",
        "content/posts/x.md:8:29: author `url` \"javascript:alert('u')\" uses the `javascript:` scheme",
        // Reported in the same run: the alias would make folders named with markup.
        "content/posts/y.md:4:11: alias \"/old/\\\"><script>alert(1)</script>/\" contains a character that URLs must percent-encode",
    ];
    for e in expect {
        assert!(
            diags.iter().any(|d| d.contains(e)),
            "missing {e}:\n{diags:#?}"
        );
    }
    assert_eq!(diags.len(), expect.len(), "{diags:#?}");
    assert!(!b.out.exists());
}
