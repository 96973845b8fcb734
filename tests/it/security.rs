//! The promises of SECURITY.md, end to end through the real binary:
//! - escaping: a payload in every front matter field (post, page, file author, inline author,
//!   site.toml title/description/extra/menu/publisher) is text in every output file — HTML
//!   text and attributes, `<title>`, meta tags, JSON-LD and JSON islands, RSS/Atom/JSON feeds,
//!   search files — escaped exactly once, never live markup; raw HTML in bodies is passed
//!   through only while `markdown.unsafe_html` is on;
//! - paths: slugs, file names, tags, authors, aliases and `--output-dir` never lead outside the
//!   output folder; symlink loops in `content/` end the walk with a warning;
//! - no data lost: a build killed while writing leaves the previous output complete; `check
//!   --fix` keeps a backup and replaces files atomically; `new` never overwrites.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scraper::{Html, Node};

use crate::support::*;

// ---------------------------------------------------------------------------------------
// Sites

/// Writes `(relative path, text)` files under `root`.
fn write_files(root: &Path, files: &[(&str, String)]) {
    for (rel, text) in files {
        write(root, rel, text);
    }
}

/// A quoted string that is valid YAML and valid TOML (JSON string syntax).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Every file under `dir`, relative, `/`-separated, sorted (symlinks not followed).
fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------
// Escaping

/// Marks the start of every payload; the word after it names the field.
const MARK: &str = "PAY-";

/// The payload for field `field`: markup, a script, quotes for attributes, a literal entity
/// (escaped twice it would read `&amp;amp;`), a script end and a comment opener for JSON in
/// `<script>`, a CDATA end for feeds and template syntax.
fn payload(field: &str) -> String {
    format!(
        "{MARK}{field} <x-pwn>\"q'&amp;</x-pwn></script><script>alert('{field}')</script><!-- ]]> {{{{ 7*7 }}}}"
    )
}

/// Front matter fields whose payload must show, intact, somewhere in the output.
const FIELDS: &[&str] = &[
    // site.toml
    "site-title",
    "site-desc",
    "site-extra",
    "publisher",
    "recent-title",
    "menu",
    // post
    "post-title",
    "tag",
    "highlight",
    "citation",
    "source-title",
    "source-pub",
    "summary",
    "post-extra",
    // inline author
    "inline-name",
    "inline-bio",
    "inline-role",
    // page
    "page-title",
    "page-summary",
    "page-extra",
    // author file
    "author-name",
    "author-role",
    "link-name",
    "author-extra",
];

/// A site with a payload in every front matter field, and site templates that print the
/// free `extra` values (the default theme prints none) in text, attribute and JSON contexts.
fn hostile_site(root: &Path, unsafe_html: bool) {
    let p = payload;
    write_files(
        root,
        &[
            (
                "site.toml",
                format!(
                    "title = {}\ndescription = {}\nbase_url = \"https://example.org/\"\npublisher = {}\nrecent_title = {}\n\n[markdown]\nunsafe_html = {unsafe_html}\n\n[[menu]]\ntitle = {}\nurl = \"/about/\"\n\n[extra]\nnote = {}\n",
                    q(&p("site-title")),
                    q(&p("site-desc")),
                    q(&p("publisher")),
                    q(&p("recent-title")),
                    q(&p("menu")),
                    q(&p("site-extra")),
                ),
            ),
            (
                "content/posts/one.md",
                format!(
                    "---\ntitle: {}\ndate: 2024-06-05\nupdated: 2024-06-06\nauthor: ann\ntags: [{}, \"R&D\"]\nhighlights:\n  - {}\ncitation: {}\nsources:\n  - title: {}\n    publisher: {}\n    url: {}\nsummary: {}\nimage: {}\nextra:\n  note: {}\n---\nBody <mark-raw>raw</mark-raw> text.\n",
                    q(&p("post-title")),
                    q(&p("tag")),
                    q(&p("highlight")),
                    q(&p("citation")),
                    q(&p("source-title")),
                    q(&p("source-pub")),
                    q("https://example.com/a?b=<x>&c=\"d"),
                    q(&p("summary")),
                    q("/img/a.png?x=\"><x-pwn>"),
                    q(&p("post-extra")),
                ),
            ),
            (
                "content/posts/two.md",
                format!(
                    "---\ntitle: Two\ndate: 2024-06-04\nslug: {}\nauthor:\n  name: {}\n  bio: {}\n  role: {}\n  url: {}\n---\nSecond body.\n",
                    q(&p("slug")),
                    q(&p("inline-name")),
                    q(&p("inline-bio")),
                    q(&p("inline-role")),
                    q("https://ex.org/?a=<b>\""),
                ),
            ),
            (
                "content/pages/about.md",
                format!(
                    "---\ntitle: {}\nsummary: {}\ntemplate: extra.html\nextra:\n  note: {}\n---\nAbout body.\n",
                    q(&p("page-title")),
                    q(&p("page-summary")),
                    q(&p("page-extra")),
                ),
            ),
            (
                "content/authors/ann.md",
                format!(
                    "---\nname: {}\nrole: {}\navatar: {}\nemail: {}\nlinks:\n  - name: {}\n    url: {}\nextra:\n  note: {}\n---\nAnn writes.\n",
                    q(&p("author-name")),
                    q(&p("author-role")),
                    q("/img/ann.png?a=\"b"),
                    q("ann@example.org?subject=\"><x-pwn>"),
                    q(&p("link-name")),
                    q("https://ann.example/?q=\"<x>"),
                    q(&p("author-extra")),
                ),
            ),
            (
                "templates/partials/sidebar.html",
                concat!(
                    "<section class=\"sidebar-block recent\"><h2 class=\"sidebar-title\">{{ site.recent_title }}</h2>\n",
                    "<ol>{% for post in recent %}<li><a href=\"{{ post.url }}\" title=\"{{ post.title }}\">{{ post.title }}</a>",
                    "{% if post.extra.note is defined %}<span data-note=\"{{ post.extra.note }}\">{{ post.extra.note }}</span>",
                    "<script type=\"application/json\">{{ post.extra | json }}</script>{% endif %}</li>{% endfor %}</ol>\n",
                    "<p data-note=\"{{ site.extra.note }}\">{{ site.extra.note }}</p>\n",
                    "<script type=\"application/json\">{{ site.extra | json }}</script></section>\n",
                )
                .to_string(),
            ),
            (
                "templates/extra.html",
                concat!(
                    "{% extends \"base.html\" %}{% block content %}<article><h1>{{ page.title }}</h1>\n",
                    "<p class=\"page-extra\" title=\"{{ page.extra.note }}\">{{ page.extra.note }}</p>\n",
                    "<script type=\"application/json\">{{ page.extra | json }}</script>\n",
                    "{{ page.content }}</article>{% endblock content %}\n",
                )
                .to_string(),
            ),
            (
                "templates/authors.html",
                concat!(
                    "{% extends \"base.html\" %}{% block content %}<ul class=\"authors\">{% for a in authors %}",
                    "<li data-name=\"{{ a.name }}\">{{ a.name }}{% if a.extra.note is defined %}",
                    " <span title=\"{{ a.extra.note }}\">{{ a.extra.note }}</span>",
                    "<script type=\"application/json\">{{ a.extra | json }}</script>{% endif %}</li>",
                    "{% endfor %}</ul>{% endblock content %}\n",
                )
                .to_string(),
            ),
        ],
    );
}

/// What the escaping checks found: problems, and the fields seen intact (by file).
#[derive(Default)]
struct Scan {
    problems: Vec<String>,
    seen: BTreeSet<(String, String)>,
}

impl Scan {
    /// Every payload in `text` (already decoded once) must be whole: `MARK field` followed
    /// by the rest of that field's payload.
    fn text(&mut self, file: &str, context: &str, text: &str) {
        for (at, _) in text.match_indices(MARK) {
            let rest = &text[at..];
            let field: String = rest[MARK.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            if rest.starts_with(&payload(&field)) {
                self.seen.insert((field, file.to_string()));
            } else {
                let shown: String = rest.chars().take(90).collect();
                self.problems.push(format!(
                    "{file} {context}: `{field}` is not exactly the text written: {shown:?}"
                ));
            }
        }
    }

    /// An HTML document or fragment: no element, attribute or comment made from a payload;
    /// JSON in `<script>` parses (so no string ended the script); every payload whole.
    fn html(&mut self, file: &str, html: &str, fragment: bool) {
        let doc = if fragment {
            Html::parse_fragment(html)
        } else {
            Html::parse_document(html)
        };
        for node in doc.tree.nodes() {
            match node.value() {
                Node::Element(el) => {
                    let name = el.name();
                    if name == "x-pwn" {
                        self.problems
                            .push(format!("{file}: a live <x-pwn> element"));
                    }
                    for (k, v) in el.attrs() {
                        if k.starts_with("on") {
                            self.problems
                                .push(format!("{file}: <{name} {k}=…> event handler"));
                        }
                        if matches!(k, "href" | "src" | "action" | "content")
                            && v.trim().to_ascii_lowercase().starts_with("javascript:")
                        {
                            self.problems.push(format!("{file}: <{name} {k}={v:?}>"));
                        }
                        self.text(file, &format!("<{name} {k}>"), v);
                    }
                    if name == "script" {
                        let body: String = node
                            .children()
                            .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                            .collect();
                        let ty = el.attr("type").unwrap_or("");
                        if ty.contains("json") {
                            match serde_json::from_str::<serde_json::Value>(&body) {
                                Ok(v) => self.json(file, "<script> JSON", &v),
                                Err(e) => self.problems.push(format!(
                                    "{file}: JSON in <script type={ty}> does not parse ({e}): {body:?}"
                                )),
                            }
                        } else if body.contains(MARK) || body.contains("alert(") {
                            self.problems
                                .push(format!("{file}: script with front matter text: {body:?}"));
                        }
                    }
                }
                Node::Text(t) => {
                    let in_script = node
                        .parent()
                        .and_then(|p| p.value().as_element().map(|e| e.name() == "script"))
                        .unwrap_or(false);
                    if !in_script {
                        self.text(file, "text", t);
                    }
                }
                Node::Comment(c) if c.contains(MARK) => {
                    self.problems
                        .push(format!("{file}: a payload opened a comment"));
                }
                _ => {}
            }
        }
    }

    /// JSON: every string is text (payloads whole), except `content_html`, which is HTML.
    fn json(&mut self, file: &str, context: &str, v: &serde_json::Value) {
        match v {
            serde_json::Value::String(s) => self.text(file, context, s),
            serde_json::Value::Array(a) => a.iter().for_each(|x| self.json(file, context, x)),
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("content_html", serde_json::Value::String(h)) => self.html(file, h, true),
                        _ => self.json(file, &format!("{context}.{k}"), x),
                    }
                }
            }
            _ => {}
        }
    }

    /// A feed or sitemap: well-formed XML, no raw markup from a payload; element text and
    /// attributes are text (payloads whole), except the elements feeds fill with HTML.
    fn xml(&mut self, file: &str, xml: &str) {
        use quick_xml::events::Event;
        if xml.contains("<x-pwn") {
            self.problems
                .push(format!("{file}: raw <x-pwn> in the XML"));
        }
        let mut reader = quick_xml::Reader::from_str(xml);
        // (element name, whether it carries HTML, its text as written: escaped, CDATA
        // re-escaped). HTML: an RSS item's `description` and `content:encoded`, Atom
        // `content`/`summary` of type html; the channel's own description is text.
        let mut stack: Vec<(String, bool, String)> = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.xml_attrs(file, &name, &e);
                    let parent = stack.last().map(|t| t.0.as_str()).unwrap_or("");
                    let typed_html = e
                        .try_get_attribute("type")
                        .ok()
                        .flatten()
                        .is_some_and(|a| a.value.as_ref() == b"html");
                    let is_html = (name == "description" && parent == "item")
                        || name == "content:encoded"
                        || (matches!(name.as_str(), "content" | "summary") && typed_html);
                    stack.push((name, is_html, String::new()));
                }
                Ok(Event::Empty(e)) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.xml_attrs(file, &name, &e);
                }
                Ok(Event::Text(t)) => {
                    if let Some(top) = stack.last_mut() {
                        top.2.push_str(&String::from_utf8_lossy(t.as_ref()));
                    }
                }
                Ok(Event::GeneralRef(r)) => {
                    if let Some(top) = stack.last_mut() {
                        top.2.push('&');
                        top.2.push_str(&String::from_utf8_lossy(r.as_ref()));
                        top.2.push(';');
                    }
                }
                Ok(Event::CData(c)) => {
                    if let Some(top) = stack.last_mut() {
                        let raw = String::from_utf8_lossy(c.as_ref()).into_owned();
                        top.2.push_str(&quick_xml::escape::escape(&raw));
                    }
                }
                Ok(Event::End(_)) => {
                    let Some((name, is_html, raw)) = stack.pop() else {
                        continue;
                    };
                    let text = match quick_xml::escape::unescape(&raw) {
                        Ok(t) => t.into_owned(),
                        Err(e) => {
                            self.problems
                                .push(format!("{file}: <{name}> bad entity: {e}"));
                            continue;
                        }
                    };
                    if is_html {
                        self.html(file, &text, true);
                    } else {
                        self.text(file, &format!("<{name}>"), &text);
                    }
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    self.problems
                        .push(format!("{file}: not well-formed XML: {e}"));
                    break;
                }
            }
        }
    }

    fn xml_attrs(&mut self, file: &str, name: &str, e: &quick_xml::events::BytesStart<'_>) {
        for a in e.attributes() {
            match a {
                Ok(a) => {
                    let k = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    match a.unescape_value() {
                        Ok(v) => self.text(file, &format!("<{name} {k}>"), &v),
                        Err(err) => self.problems.push(format!("{file}: <{name} {k}>: {err}")),
                    }
                }
                Err(err) => self
                    .problems
                    .push(format!("{file}: <{name}> attribute: {err}")),
            }
        }
    }

    /// Scans every file of an output folder by its kind.
    fn output(out: &Path) -> Scan {
        let mut scan = Scan::default();
        for rel in files_under(out) {
            let bytes = std::fs::read(out.join(&rel)).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            if rel.ends_with(".html") {
                scan.html(&rel, &text, false);
            } else if rel.ends_with(".xml") {
                scan.xml(&rel, &text);
            } else if rel.ends_with(".json") {
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(v) => scan.json(&rel, "json", &v),
                    Err(e) => scan.problems.push(format!("{rel}: not JSON: {e}")),
                }
            } else if text.contains(MARK) || text.contains("<x-pwn") {
                scan.problems
                    .push(format!("{rel}: front matter text in a {rel} file"));
            }
        }
        scan
    }

    fn files_with(&self, field: &str) -> BTreeSet<&str> {
        self.seen
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, file)| file.as_str())
            .collect()
    }
}

fn meta<'a>(doc: &'a Html, attr: &str, name: &str) -> Option<&'a str> {
    let sel = scraper::Selector::parse(&format!("meta[{attr}='{name}']")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|m| m.value().attr("content"))
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[test]
fn the_escaping_scan_catches_what_it_checks() {
    let p = payload("f");
    let once = html_escape::encode_double_quoted_attribute(&p).into_owned();
    let mut ok = Scan::default();
    ok.html(
        "ok.html",
        &format!(
            "<p title=\"{once}\">{once}</p><script type=\"application/json\">{}</script>",
            serde_json::to_string(&p).unwrap().replace('<', "\\u003c")
        ),
        false,
    );
    assert!(ok.problems.is_empty(), "{:#?}", ok.problems);
    assert_eq!(ok.files_with("f"), BTreeSet::from(["ok.html"]));
    for (bad, expect) in [
        (format!("<p>{p}</p>"), "a live <x-pwn> element"),
        (
            format!("<p>{}</p>", html_escape::encode_text(&once)),
            "is not exactly the text written",
        ),
        (
            format!("<p title=\"{p}\">x</p>"),
            "is not exactly the text written",
        ),
        (
            format!(
                "<script type=\"application/ld+json\">{}</script>",
                serde_json::to_string(&p).unwrap()
            ),
            "does not parse",
        ),
        ("<b onmouseover=\"x\">b</b>".to_string(), "event handler"),
        ("<!-- PAY-f -->".to_string(), "opened a comment"),
    ] {
        let mut scan = Scan::default();
        scan.html("bad.html", &bad, false);
        assert!(
            scan.problems.iter().any(|x| x.contains(expect)),
            "{bad}: {:#?}",
            scan.problems
        );
    }
    let escaped = quick_xml::escape::escape(p.as_str()).into_owned();
    let mut xml = Scan::default();
    xml.xml("ok.xml", &format!("<rss><channel><title>{escaped}</title><item><description><![CDATA[<p>{}</p>]]></description></item></channel></rss>", html_escape::encode_text(&p)));
    assert!(xml.problems.is_empty(), "{:#?}", xml.problems);
    for (bad, expect) in [
        (
            format!("<rss><item><description><![CDATA[{p}]]></description></item></rss>"),
            "raw <x-pwn>",
        ),
        (
            format!(
                "<rss><title>{}</title></rss>",
                quick_xml::escape::escape(escaped.as_str())
            ),
            "is not exactly the text written",
        ),
        ("<rss><title>a</rss>".to_string(), "not well-formed"),
    ] {
        let mut scan = Scan::default();
        scan.xml("bad.xml", &bad);
        assert!(
            scan.problems.iter().any(|x| x.contains(expect)),
            "{bad}: {:#?}",
            scan.problems
        );
    }
}

#[test]
fn every_front_matter_value_is_text_in_every_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    hostile_site(tmp.path(), true);
    let b = build_dir(tmp.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());

    let scan = Scan::output(&b.out);
    assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
    let missing: Vec<&str> = FIELDS
        .iter()
        .copied()
        .filter(|f| scan.files_with(f).is_empty())
        .collect();
    assert!(missing.is_empty(), "never shown intact: {missing:?}");

    // Each kind of output carries the payloads: pages, feeds (RSS, Atom, JSON), search data.
    for (field, files) in [
        (
            "post-title",
            &[
                "posts/one/index.html",
                "index.html",
                "rss.xml",
                "atom.xml",
                "feed.json",
            ][..],
        ),
        (
            "tag",
            &["posts/one/index.html", "rss.xml", "atom.xml", "feed.json"][..],
        ),
        (
            "author-name",
            &[
                "posts/one/index.html",
                "authors/ann/index.html",
                "atom.xml",
                "feed.json",
            ][..],
        ),
        (
            "site-title",
            &["index.html", "rss.xml", "atom.xml", "feed.json"][..],
        ),
        ("highlight", &["posts/one/index.html"][..]),
        // The post's `summary:` is its feed summary (before the highlights).
        ("summary", &["rss.xml", "atom.xml", "feed.json"][..]),
    ] {
        let seen = scan.files_with(field);
        for f in files {
            assert!(
                seen.contains(f),
                "{field} not shown intact in {f}: {seen:?}"
            );
        }
    }
    assert!(
        scan.files_with("post-title")
            .iter()
            .any(|f| f.starts_with("search/")),
        "search data"
    );

    // The exact contexts, each escaped exactly once.
    let post = Html::parse_document(&b.read("posts/one/index.html"));
    assert_eq!(
        texts(&post, "title"),
        [format!(
            "{} · {}",
            payload("post-title"),
            payload("site-title")
        )]
    );
    assert_eq!(texts(&post, "h1"), [payload("post-title")]);
    assert!(
        meta(&post, "property", "og:title").is_some_and(|t| t.starts_with(&payload("post-title"))),
        "og:title"
    );
    assert_eq!(
        meta(&post, "name", "description"),
        Some(payload("summary").as_str())
    );
    assert_eq!(texts(&post, ".highlights li"), [payload("highlight")]);
    let ld = texts(&post, "script[type='application/ld+json']");
    assert_eq!(ld.len(), 1);
    let ld: serde_json::Value = serde_json::from_str(&ld[0]).unwrap();
    assert_eq!(ld["headline"], payload("post-title"));
    let raw = b.read("posts/one/index.html");
    let ld_raw = &raw[raw.find("application/ld+json").unwrap()..];
    let ld_raw = &ld_raw[..ld_raw.find("</script>").unwrap()];
    assert!(!ld_raw.contains('<'), "JSON-LD carries a raw `<`: {ld_raw}");
    let about = Html::parse_document(&b.read("about/index.html"));
    assert_eq!(texts(&about, "h1"), [payload("page-title")]);
    assert_eq!(texts(&about, ".page-extra"), [payload("page-extra")]);
    let ann = Html::parse_document(&b.read("authors/ann/index.html"));
    assert_eq!(texts(&ann, "h1"), [payload("author-name")]);
    assert_eq!(texts(&ann, ".author-role"), [payload("author-role")]);

    // Raw HTML in a body is the author's (trusted while markdown.unsafe_html is on).
    assert!(
        raw.contains("Body <mark-raw>raw</mark-raw> text."),
        "body raw HTML passed through"
    );
}

#[test]
fn with_raw_html_off_bodies_render_nothing_live() {
    let tmp = tempfile::tempdir().unwrap();
    hostile_site(tmp.path(), false);
    write_files(
        tmp.path(),
        &[(
            "content/posts/three.md",
            "---\ntitle: Three\ndate: 2024-06-03\n---\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [a](javascript:alert(3)) <JaVaScRiPt:alert(4)> ![i](data:text/html,x)\n\n<!-- more -->\n<x-pwn>after</x-pwn>\n".to_string(),
        )],
    );
    let b = build_dir(tmp.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let mut scan = Scan::output(&b.out);
    // The body's own text is not a payload; only live markup is a problem here.
    scan.problems
        .retain(|p| !p.contains("is not exactly the text written"));
    assert!(scan.problems.is_empty(), "{:#?}", scan.problems);
    let three = Html::parse_document(&b.read("posts/three/index.html"));
    let prose = texts(&three, ".prose").join(" ");
    assert!(prose.contains("<script>alert(1)</script>"), "{prose}");
    assert!(prose.contains("<img src=x onerror=alert(2)>"), "{prose}");
    for (rel, html) in b
        .files()
        .iter()
        .filter(|f| f.ends_with(".html"))
        .map(|f| (f, b.read(f)))
    {
        let doc = Html::parse_document(&html);
        let sel = scraper::Selector::parse("a[href], img[src]").unwrap();
        for el in doc.select(&sel) {
            for attr in ["href", "src"] {
                if let Some(v) = el.value().attr(attr) {
                    let v = v.trim().to_ascii_lowercase();
                    assert!(
                        !v.starts_with("javascript:") && !v.starts_with("data:"),
                        "{rel}: {attr}={v}"
                    );
                }
            }
        }
    }
    let err = b.stderr();
    assert!(
        err.contains("link `javascript:alert(3)` uses the `javascript:` scheme"),
        "{err}"
    );
    assert!(
        err.contains("image `data:text/html,x` uses the `data:` scheme"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Paths

/// Every file and folder under `root` (relative), for "nothing else was touched" checks.
fn tree_listing(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .flatten()
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// `true` when every segment of the relative output path is a plain name.
fn plain_rel(rel: &str) -> bool {
    rel.split('/').all(|s| {
        !s.is_empty() && s != "." && s != ".." && !s.contains(['\\', '\0', ':']) && s.len() <= 255
    })
}

#[test]
fn slugs_tags_authors_and_file_names_never_leave_the_output_folder() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    let long_tag = "word ".repeat(60);
    let long_stem = "e".repeat(240);
    let mut files = vec![
        (
            "site.toml",
            "title = \"P\"\nbase_url = \"https://example.org/\"\n".to_string(),
        ),
        (
            "content/posts/a.md",
            format!(
                "---\ntitle: A\ndate: 2024-01-01\nslug: \"../../../etc/passwd\"\ntags: [\"../x\", \"/etc\", \"a\\\\b\", \"CON\", \"nul\\0x\", {}, \"C:\\\\Windows\", \"..\"]\n---\nx\n",
                q(&long_tag)
            ),
        ),
        (
            "content/posts/b.md",
            "---\ntitle: B\ndate: 2024-01-02\nslug: \"/abs/path\"\nauthor: {name: \"../../evil\"}\n---\nx\n".into(),
        ),
        ("content/posts/c.md", "---\ntitle: C\ndate: 2024-01-03\nslug: \"CON\"\n---\nx\n".into()),
        (
            "content/posts/d.md",
            "---\ntitle: D\ndate: 2024-01-04\nslug: \"a\\\\b\\0c\"\n---\nx\n".into(),
        ),
        ("content/posts/aux.md", "---\ntitle: G\ndate: 2024-01-07\n---\nx\n".into()),
        ("content/authors/con.md", "---\nname: Con\n---\nBio.\n".into()),
        ("content/pages/nul.md", "---\ntitle: H\n---\nx\n".into()),
    ];
    let long_name = format!("content/posts/{long_stem}.md");
    files.push((
        &long_name,
        "---\ntitle: E\ndate: 2024-01-05\n---\nx\n".into(),
    ));
    #[cfg(unix)]
    files.push((
        "content/posts/x\\..\\..\\y.md",
        "---\ntitle: Y\ndate: 2024-01-08\n---\nx\n".into(),
    ));
    write_files(&site, &files);
    let before = tree_listing(w.path());
    let out = w.path().join("out");
    let o = smelt()
        .args(["build", "--root"])
        .arg(&site)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Nothing appeared or changed beside the site and the output folder (and the build cache
    // beside the output).
    let after: BTreeSet<String> = tree_listing(w.path())
        .into_iter()
        .filter(|p| p != "out" && !p.starts_with("out/"))
        .filter(|p| p != ".out.smelt-cache" && !p.starts_with(".out.smelt-cache/"))
        .collect();
    assert_eq!(after, before);
    let rels = files_under(&out);
    for rel in &rels {
        assert!(plain_rel(rel), "unsafe output path {rel:?}");
        let real = out.join(rel).canonicalize().unwrap();
        assert!(
            real.starts_with(out.canonicalize().unwrap()),
            "{rel} escapes"
        );
    }
    let dirs = |under: &str| -> BTreeSet<String> {
        std::fs::read_dir(out.join(under))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let posts = dirs("posts");
    for p in ["etc-passwd", "abs-path", "con-1", "a-b-c", "aux-1"] {
        assert!(posts.contains(p), "posts/{p}/ missing: {posts:?}");
    }
    #[cfg(unix)]
    assert!(posts.contains("x-y"), "{posts:?}");
    let long = posts.iter().find(|p| p.starts_with("eee")).unwrap();
    assert_eq!(long.len(), smelt::slug::MAX_SLUG_LEN);
    let tags = dirs("tags");
    for t in ["x", "etc", "a-b", "con-1", "nul-x", "c-windows"] {
        assert!(tags.contains(t), "tags/{t}/ missing: {tags:?}");
    }
    assert!(
        tags.iter().any(|t| t.starts_with("tag-")),
        "`..` gets a hashed slug: {tags:?}"
    );
    let long_tag_dir = tags.iter().find(|t| t.starts_with("word-")).unwrap();
    assert!(long_tag_dir.len() <= smelt::slug::MAX_SLUG_LEN && !long_tag_dir.ends_with('-'));
    let authors = dirs("authors");
    assert!(
        authors.contains("con-1") && authors.contains("evil"),
        "{authors:?}"
    );
    assert!(out.join("nul-1/index.html").is_file(), "page named nul");
    for d in posts.iter().chain(&tags).chain(&authors) {
        assert!(smelt::slug::is_safe_segment(d), "{d}");
    }
}

#[test]
fn aliases_that_would_leave_or_spoil_the_output_are_refused() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    let bad = [
        "/../x/",
        "/a/../../x",
        "/./z/",
        "C:\\\\x",
        "//evil.org/x",
        "/%2e%2e/y/",
        "/a%2F..%2Fb/",
        "/.git/config",
        "/con/",
        "/LPT1.txt",
        "/a:b/",
        "/a\\0b/",
    ];
    let long = format!("/{}/", "x".repeat(300));
    let list: Vec<String> = bad
        .iter()
        .map(|a| format!("\"{a}\""))
        .chain([format!("\"{long}\"")])
        .collect();
    write_files(
        &site,
        &[
            (
                "site.toml",
                "title = \"P\"\nbase_url = \"https://example.org/\"\n".into(),
            ),
            (
                "content/posts/a.md",
                format!(
                    "---\ntitle: A\ndate: 2024-01-01\naliases: [{}]\n---\nx\n",
                    list.join(", ")
                ),
            ),
        ],
    );
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let err = b.stderr();
    // Each refused alias at its own place in the list.
    let mut refused: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("× content/posts/a.md:4:") && l.contains(": alias "))
        .filter_map(|l| l.split(": alias ").next())
        .collect();
    assert_eq!(refused.len(), bad.len() + 1, "{err}");
    refused.dedup();
    assert_eq!(refused.len(), bad.len() + 1, "{refused:?}");
    for why in [
        "contains a `.` or `..` segment",
        "must be a site path, not a URL",
        "percent-encoded `.`/`..` segment",
        "hidden segment",
        "names a Windows device",
        "which file names on Windows cannot hold",
        "backslash or control character",
    ] {
        assert!(err.contains(why), "{why}: {err}");
    }
    assert!(
        !b.out.exists(),
        "nothing is written when an alias is refused"
    );

    // Safe aliases become redirect pages inside the output.
    write_files(
        &site,
        &[(
            "content/posts/a.md",
            "---\ntitle: A\ndate: 2024-01-01\naliases: [\"/old/url\", \"/2019/05/old post/\", \"old.html\"]\n---\nx\n".into(),
        )],
    );
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    for f in [
        "old/url/index.html",
        "2019/05/old post/index.html",
        "old.html",
    ] {
        assert!(b.read(f).contains("https://example.org/posts/a/"), "{f}");
    }
}

/// An alias with a space or other characters a URL encodes: the redirect page is in the
/// folder a host looks in after decoding the request (`old post/`), and the `_redirects`
/// line carries the encoded path (a raw space would split the line). Two spellings of one
/// path are one path.
#[test]
fn aliases_with_encoded_characters_redirect_from_the_decoded_folder() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    write_files(
        &site,
        &[
            (
                "site.toml",
                "title = \"P\"\nbase_url = \"https://example.org/\"\nredirects_file = true\n".into(),
            ),
            (
                "content/posts/a.md",
                "---\ntitle: A\ndate: 2024-01-01\naliases: [\"/old post/\", \"/caf%C3%A9/\"]\n---\nx\n".into(),
            ),
        ],
    );
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    for f in ["old post/index.html", "café/index.html"] {
        assert!(b.read(f).contains("https://example.org/posts/a/"), "{f}");
    }
    assert_eq!(
        b.read("_redirects"),
        "/old%20post/ /posts/a/ 301\n/caf%C3%A9/ /posts/a/ 301\n"
    );
    // `/old%20post/` on another post is the same path as `/old post/`.
    write_files(
        &site,
        &[(
            "content/posts/b.md",
            "---\ntitle: B\ndate: 2024-01-02\naliases: [/old%20post]\n---\nx\n".into(),
        )],
    );
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    // Reported once (by the index stage), not again as two producers of one output file.
    let stderr = b.stderr();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains('×')).collect();
    assert_eq!(
        errors,
        [
            "  × content/posts/a.md:4:11: the alias \"/old post/\" of content/posts/a.md and the alias \"/old%20post\" of content/posts/b.md both want the URL /old%20post/"
        ],
        "{stderr}"
    );
}

#[test]
fn output_folders_reached_through_symlinks_or_site_toml_are_checked_too() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    write_files(
        &site,
        &[
            (
                "site.toml",
                "title = \"P\"\nbase_url = \"https://example.org/\"\n".into(),
            ),
            (
                "content/posts/a.md",
                "---\ntitle: A\ndate: 2024-01-01\n---\nx\n".into(),
            ),
        ],
    );
    let before = tree(&site);
    let mut refused: Vec<PathBuf> = vec![site.join("site.toml")];
    #[cfg(unix)]
    {
        for (link, target) in [
            ("to-site", site.clone()),
            ("to-content", site.join("content")),
        ] {
            let l = w.path().join(link);
            std::os::unix::fs::symlink(&target, &l).unwrap();
            refused.push(l);
        }
    }
    for out in &refused {
        let o = smelt()
            .args(["build", "--root"])
            .arg(&site)
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "-o {}: {err}", out.display());
        assert!(
            err.contains(&format!("refusing to build into {}", out.display())),
            "{err}"
        );
        assert_eq!(tree(&site), before, "-o {} changed the site", out.display());
    }
    // `output_dir` in site.toml goes through the same check.
    for dir in ["..", "content", "."] {
        std::fs::write(
            site.join("site.toml"),
            format!("title = \"P\"\nbase_url = \"https://example.org/\"\noutput_dir = \"{dir}\"\n"),
        )
        .unwrap();
        let o = smelt().arg("build").current_dir(&site).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "output_dir = {dir}: {err}");
        assert!(err.contains("refusing to build into"), "{err}");
        assert!(!site.join("content/index.html").exists() && !site.join("index.html").exists());
    }
}

/// Every file under `dir`: relative path → bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_content_end_the_walk_with_a_warning() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path();
    write_files(
        site,
        &[
            (
                "site.toml",
                "title = \"P\"\nbase_url = \"https://example.org/\"\n".into(),
            ),
            (
                "content/posts/a.md",
                "---\ntitle: A\ndate: 2024-01-01\n---\nx\n".into(),
            ),
            (
                "content/posts/sub/b.md",
                "---\ntitle: B\ndate: 2024-01-02\n---\nx\n".into(),
            ),
        ],
    );
    let posts = site.join("content/posts");
    std::os::unix::fs::symlink("..", posts.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", posts.join("self")).unwrap();
    std::os::unix::fs::symlink("../../..", posts.join("sub/root")).unwrap();
    // Two links that point at each other never resolve.
    std::os::unix::fs::symlink("ping", posts.join("pong")).unwrap();
    std::os::unix::fs::symlink("pong", posts.join("ping")).unwrap();
    // A link to nothing, in content and in static.
    std::os::unix::fs::symlink("drafts/gone.md", posts.join("gone.md")).unwrap();
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::os::unix::fs::symlink("../assets/logo.svg", site.join("static/logo.svg")).unwrap();
    let b = build_dir(site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let err = b.stderr();
    for loop_dir in [
        "content/posts/self",
        "content/posts/sub/up",
        "content/posts/sub/root",
    ] {
        assert!(
            err.contains(&format!(
                "{loop_dir}: symbolic link loop; this folder is skipped"
            )),
            "{loop_dir}: {err}"
        );
    }
    // Named as a loop where the OS error says so (Linux's ELOOP).
    #[cfg(target_os = "linux")]
    for dangling in ["content/posts/ping", "content/posts/pong"] {
        assert!(
            err.contains(&format!(
                "{dangling}: symbolic link loop (or a chain of more than 40 links); skipped"
            )),
            "{dangling}: {err}"
        );
    }
    for (link, target) in [
        ("content/posts/gone.md", "drafts/gone.md"),
        ("static/logo.svg", "../assets/logo.svg"),
    ] {
        assert!(
            err.contains(&format!(
                "{link}: broken symbolic link to {target} (no such file); skipped"
            )),
            "{link}: {err}"
        );
    }
    assert!(b.has("posts/a/index.html") && b.has("posts/b/index.html"));
    assert!(err.contains("built 2 posts"), "{err}");
}

// ---------------------------------------------------------------------------------------
// No data lost

/// Posts of generation `generation`: every title and body names it, so every page of one
/// generation differs from the last.
fn write_generation(site: &Path, posts: usize, generation: usize) {
    let body = "Trade data and the ministry's statement, paragraph after paragraph. ".repeat(30);
    for i in 0..posts {
        std::fs::write(
            site.join(format!("content/posts/p{i:04}.md")),
            format!(
                "---\ntitle: \"Post {i} (generation {generation})\"\ndate: 2024-01-{:02}\ntags: [t{}, t{}]\n---\n{body}\n\nGeneration {generation}.\n",
                i % 28 + 1,
                i % 17,
                i % 5
            ),
        )
        .unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_build_killed_while_writing_leaves_the_previous_output_complete() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    let out = w.path().join("public");
    let staging = w.path().join(".public.smelt-staging");
    std::fs::create_dir_all(site.join("content/posts")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"K\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let build = || {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("smelt"));
        c.args(["build", "--quiet", "--root"])
            .arg(&site)
            .arg("-o")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let posts = 400;
    write_generation(&site, posts, 0);
    assert!(build().status().unwrap().success());
    let mut previous = tree(&out);
    let mut generation = 0;
    let mut kills = 0;
    // Kill the build once it has written pages into the staging folder; retry when a build
    // finishes before that (it then is the previous output of the next try).
    for _ in 0..40 {
        generation += 1;
        write_generation(&site, posts, generation);
        let mut child = build().spawn().unwrap();
        let killed = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            let written = std::fs::read_dir(staging.join("posts")).map_or(0, |d| d.count());
            if written >= 20 {
                child.kill().unwrap();
                child.wait().unwrap();
                break true;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        };
        if killed {
            kills += 1;
            assert!(staging.is_dir(), "the kill landed in the write stage");
            assert!(
                tree(&out) == previous,
                "generation {generation}: the output changed"
            );
            if kills == 3 {
                break;
            }
        } else {
            let now = tree(&out);
            assert!(
                String::from_utf8_lossy(&now["posts/p0000/index.html"])
                    .contains(&format!("generation {generation})")),
                "a finished build is the whole new site"
            );
            previous = now;
        }
    }
    assert!(kills >= 1, "no kill landed while the build was writing");
    // The next build finishes the job and clears the half-written staging folder.
    assert!(build().status().unwrap().success());
    assert!(!staging.exists());
    let done = tree(&out);
    for i in [0, posts / 2, posts - 1] {
        let page =
            String::from_utf8_lossy(&done[&format!("posts/p{i:04}/index.html")]).into_owned();
        assert!(
            page.contains(&format!("Post {i} (generation {generation})")),
            "p{i}"
        );
    }
}

/// A post with two garbled spans (UTF-8 read as Thai code page 874).
const GARBLED: &str = "---\ntitle: \"Dรฉtente\"\ndate: 2024-01-01\n---\nChinaโ€™s move.\n";

fn fix(site: &Path) -> (i32, String) {
    let o = smelt()
        .args(["check", "--fix", "--format", "short", "--root"])
        .arg(site)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn check_fix_keeps_every_backup_and_replaces_files_whole() {
    use std::os::unix::fs::PermissionsExt;
    let w = tempfile::tempdir().unwrap();
    let site = w.path().join("site");
    let shared = w.path().join("shared");
    write_files(
        &site,
        &[
            (
                "site.toml",
                "title = \"F\"\nbase_url = \"https://example.org/\"\n".into(),
            ),
            ("content/posts/x.md", GARBLED.into()),
        ],
    );
    let x = site.join("content/posts/x.md");
    std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, err) = fix(&site);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "fixed 2 garbled spans in content/posts/x.md (original kept as content/posts/x.md.bak)"
        ),
        "{err}"
    );
    let fixed = "---\ntitle: \"Détente\"\ndate: 2024-01-01\n---\nChina’s move.\n";
    assert_eq!(std::fs::read_to_string(&x).unwrap(), fixed);
    let bak = site.join("content/posts/x.md.bak");
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), GARBLED);
    for p in [&x, &bak] {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "{}", p.display());
    }

    // Garbled again: a second backup, the first one untouched.
    std::fs::write(&x, GARBLED).unwrap();
    assert_eq!(fix(&site).0, 0);
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), GARBLED);
    assert_eq!(
        std::fs::read_to_string(site.join("content/posts/x.md.2.bak")).unwrap(),
        GARBLED
    );
    assert_eq!(std::fs::read_to_string(&x).unwrap(), fixed);

    // A symlinked post is fixed where it lives; the link stays a link.
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("y.md"), GARBLED).unwrap();
    let y = site.join("content/posts/y.md");
    std::os::unix::fs::symlink(shared.join("y.md"), &y).unwrap();
    assert_eq!(fix(&site).0, 0);
    assert!(
        std::fs::symlink_metadata(&y)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(shared.join("y.md")).unwrap(), fixed);
    assert_eq!(
        std::fs::read_to_string(site.join("content/posts/y.md.bak")).unwrap(),
        GARBLED
    );

    // No temporary file is left behind, and backups are never published.
    for dir in [site.join("content/posts"), shared] {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            assert!(!n.contains("smelt-fix"), "{n} left behind");
        }
    }
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(
        b.files().iter().all(|f| !f.contains(".bak")),
        "{:?}",
        b.files()
    );
}

#[cfg(unix)]
#[test]
fn new_never_overwrites_a_file_a_folder_or_a_link() {
    let w = tempfile::tempdir().unwrap();
    let site = w.path();
    write_files(
        site,
        &[(
            "site.toml",
            "title = \"N\"\nbase_url = \"https://example.org/\"\n".into(),
        )],
    );
    let new = |title: &str| {
        let o = smelt()
            .args(["new", title, "--root"])
            .arg(site)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let posts = site.join("content/posts");
    // A bundle folder of that slug.
    write_files(
        site,
        &[("content/posts/bundle-post/index.md", "mine".into())],
    );
    let (code, err) = new("Bundle Post");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("already exists (a post folder with this slug)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(posts.join("bundle-post/index.md")).unwrap(),
        "mine"
    );
    assert!(!posts.join("bundle-post.md").exists());
    // A dangling symlink where the file would go: not followed, not replaced.
    std::os::unix::fs::symlink(w.path().join("elsewhere.md"), posts.join("linked.md")).unwrap();
    let (code, err) = new("Linked");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(
        !w.path().join("elsewhere.md").exists(),
        "the link target was created"
    );
    assert!(
        std::fs::symlink_metadata(posts.join("linked.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A file: kept byte for byte.
    std::fs::write(posts.join("taken.md"), "precious").unwrap();
    let (code, _) = new("Taken");
    assert_eq!(code, 1);
    assert_eq!(
        std::fs::read_to_string(posts.join("taken.md")).unwrap(),
        "precious"
    );
    // And a fresh title still works.
    assert_eq!(new("Fresh").0, 0);
    assert!(posts.join("fresh.md").is_file());
}
