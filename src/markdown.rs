//! Markdown → HTML for one body (parse stage, runs on rayon threads): CommonMark + GFM tables,
//! footnotes, strikethrough, task lists, alerts, heading attributes, smart punctuation.
//!
//! Beyond pulldown-cmark's own HTML writer this module: gives every heading a unique `id`
//! (and an anchor link); numbers footnotes by first reference and lists them at the end with
//! `fn:N`/`fnref:N` ids (a `:` never appears in a heading slug, so they cannot collide);
//! highlights fenced code; rewrites root-relative URLs onto the base path and links to source
//! files (`posts/x.md`) to their permalinks; builds the table of contents, the summary
//! (`<!-- more -->` marker else the first paragraph, always balanced, no ids, no footnote
//! references) and the word count; and records links, images and headings for checks.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use pulldown_cmark_escape::{escape_href, escape_html};

use crate::config::{Config, is_absolute_url};
use crate::error::Diagnostic;
use crate::highlight::{self, Outcome};
use crate::model::{Body, BodyHeading, BodyLink, TocEntry};

/// What a link to a source file (`posts/x.md`) points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resolved {
    /// A page that will be built, at this site path.
    Page(String),
    /// A draft (or scheduled post) that will not be built: the link becomes plain text.
    Unpublished,
    /// No such content file.
    Missing,
}

/// Maps links to content files onto site paths. Implemented by the parse stage over every
/// loaded file, so posts can link to each other by file name.
pub trait LinkResolver: Sync {
    /// Resolves `target` (a `.md` path without fragment, as written in `from_source`, a
    /// site-relative source path) to what it will become.
    fn resolve(&self, from_source: &str, target: &str) -> Resolved;
}

/// A resolver that knows no files (every `.md` link is missing); for bodies that are not
/// part of a site, such as author bios in tests.
pub struct NoFiles;

impl LinkResolver for NoFiles {
    fn resolve(&self, _: &str, _: &str) -> Resolved {
        Resolved::Missing
    }
}

/// Inputs for rendering one body.
pub struct RenderInput<'a> {
    /// The Markdown text (the body only, after front matter).
    pub markdown: &'a str,
    /// Site configuration (Markdown options, base path).
    pub config: &'a Config,
    /// Site-relative source path, for diagnostics and `.md` link resolution.
    pub source: &'a str,
    /// 1-based line of the body's first line in the file.
    pub first_line: usize,
    /// Site path of the page this body is shown on (summary fragment links point there).
    pub page_path: &'a str,
    /// Resolves links to content files.
    pub resolver: &'a dyn LinkResolver,
}

/// The pulldown-cmark options for a configuration.
pub fn options(config: &Config) -> Options {
    let mut o = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM;
    if config.markdown.smart_punctuation {
        o |= Options::ENABLE_SMART_PUNCTUATION;
    }
    o
}

/// Renders a body. Never fails: problems (unknown code language, over-large code block,
/// link to a draft or to a missing file) come back as warnings naming the file and line.
pub fn render(input: &RenderInput<'_>) -> (Body, Vec<Diagnostic>) {
    let mut r = Renderer::new(input);
    let events: Vec<(Event<'_>, Range<usize>)> =
        Parser::new_ext(input.markdown, options(input.config))
            .into_offset_iter()
            .collect();
    let (main, defs) = r.split_footnotes(events);
    r.number_footnotes(&main, &defs);
    let mut out = Vec::with_capacity(main.len() + 16);
    r.transform(main, &mut out, true);
    let body_end = out.len();
    r.append_footnotes(defs, &mut out);

    let mut html = String::with_capacity(input.markdown.len() * 3 / 2);
    push_events(&mut html, out.iter(), Mode::Page, input);
    let summary_html = r.summary(&out[..body_end], input);

    let reading_minutes = r
        .words
        .div_ceil(input.config.markdown.words_per_minute.max(1))
        .max(1);
    let toc = build_toc(&r.headings_flat);
    let mut diags = r.diags;
    if !r.unknown_langs.is_empty() {
        let langs: Vec<String> = r.unknown_langs.iter().map(|l| format!("`{l}`")).collect();
        diags.push(
            Diagnostic::warning(
                "code-language",
                format!(
                    "unknown code block language {} (rendered as plain text)",
                    langs.join(", ")
                ),
            )
            .at_path(input.source)
            .at(r.first_unknown_line, 1)
            .with_help("use a language name or file extension syntect knows (rust, python, js, bash, yaml, json…), or `text`"),
        );
    }
    let body = Body {
        html,
        summary_html,
        has_more: r.more_at.is_some(),
        toc,
        word_count: r.words,
        reading_minutes,
        ids: r.ids.into_iter().collect(),
        links: r.links,
        headings: r
            .headings_flat
            .into_iter()
            .map(|h| BodyHeading {
                level: h.level,
                id: h.id,
                line: h.line,
            })
            .collect(),
    };
    (body, diags)
}

/// Events with their byte ranges in the body.
type Spanned<'a> = Vec<(Event<'a>, Range<usize>)>;

/// Footnote definitions in source order: lower-cased label and the definition's events.
type FootnoteDefs<'a> = [(String, Spanned<'a>)];

/// One output item: a pulldown event, or something rendered differently in the page and in
/// the summary.
enum Out<'a> {
    Ev(Event<'a>),
    /// `<hN id=… class=…>`; the summary drops the id.
    HeadingOpen {
        level: u8,
        id: String,
        attrs: String,
    },
    /// The `#` link after a heading's text; not in summaries.
    Anchor(String),
    /// A footnote reference; not in summaries.
    FootnoteRef(String),
    /// A link opener; fragment-only links get the page path in summaries.
    LinkOpen {
        href: String,
        title: String,
        new_tab: bool,
    },
    /// Raw HTML that must be balanced if a summary is cut inside it.
    RawHtml(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Page,
    Summary,
}

struct FlatHeading {
    level: u8,
    id: String,
    title: String,
    line: usize,
}

struct Renderer<'i> {
    input: &'i RenderInput<'i>,
    line_starts: Vec<usize>,
    ids: HashSet<String>,
    /// Footnote label (lower-cased) → number, by first reference.
    fn_numbers: HashMap<String, usize>,
    /// Footnote number → how many references seen so far while transforming.
    fn_ref_counts: HashMap<usize, usize>,
    words: usize,
    headings_flat: Vec<FlatHeading>,
    links: Vec<BodyLink>,
    diags: Vec<Diagnostic>,
    unknown_langs: Vec<String>,
    first_unknown_line: usize,
    /// Index in the output where `<!-- more -->` was, and the closers open at that point.
    more_at: Option<usize>,
    more_closers: Vec<&'static str>,
    more_needs_balance: bool,
    /// Output range of the first top-level paragraph.
    first_para: Option<Range<usize>>,
    /// Closers of the tags open in the output, for summaries cut at the marker.
    open: Vec<&'static str>,
}

/// Element ids the default theme puts around a body on the same page (skip link target,
/// search box, section titles). A heading never takes one: `## Search results` gets
/// `search-results-1`. Theme ids should contain `_`, which slugs never do; the hyphenated
/// search ids are part of the search script's markup contract.
pub const PAGE_IDS: &[&str] = &[
    "main_content",
    "search-input",
    "search-results",
    "recent_title",
    "newsletter_title",
    "newsletter_email",
    "highlights_title",
    "citation_title",
    "toc_title",
    "related_title",
    "comments_title",
    "topics_top",
    "topics_all",
];

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn is_more_marker(html: &str) -> bool {
    let t = html.trim();
    t.strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim().eq_ignore_ascii_case("more"))
}

/// Finds a `<!-- more -->` marker inside a larger HTML text: (start, end) byte offsets.
fn find_more_marker(html: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<!--") {
        let start = from + i;
        let end = html[start..].find("-->").map(|j| start + j + 3)?;
        if is_more_marker(&html[start..end]) {
            return Some((start, end));
        }
        from = end;
    }
    None
}

/// The closing HTML written for a pulldown tag end (only tags the summary may cut inside).
fn closer(end: TagEnd) -> &'static str {
    match end {
        TagEnd::Paragraph => "</p>",
        TagEnd::BlockQuote(_) => "</blockquote>",
        TagEnd::List(true) => "</ol>",
        TagEnd::List(false) => "</ul>",
        TagEnd::Item => "</li>",
        TagEnd::Emphasis => "</em>",
        TagEnd::Strong => "</strong>",
        TagEnd::Strikethrough => "</del>",
        TagEnd::Superscript => "</sup>",
        TagEnd::Subscript => "</sub>",
        TagEnd::Link => "</a>",
        TagEnd::Table => "</table>",
        TagEnd::TableHead => "</tr></thead>",
        TagEnd::TableRow => "</tr>",
        TagEnd::TableCell => "</td>",
        TagEnd::DefinitionList => "</dl>",
        TagEnd::DefinitionListTitle => "</dt>",
        TagEnd::DefinitionListDefinition => "</dd>",
        _ => "",
    }
}

impl<'i> Renderer<'i> {
    fn new(input: &'i RenderInput<'i>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(input.markdown.match_indices('\n').map(|(i, _)| i + 1));
        Renderer {
            input,
            line_starts,
            ids: HashSet::new(),
            fn_numbers: HashMap::new(),
            fn_ref_counts: HashMap::new(),
            words: 0,
            headings_flat: Vec::new(),
            links: Vec::new(),
            diags: Vec::new(),
            unknown_langs: Vec::new(),
            first_unknown_line: 1,
            more_at: None,
            more_closers: Vec::new(),
            more_needs_balance: false,
            first_para: None,
            open: Vec::new(),
        }
    }

    /// 1-based (line, column) in the file of a byte offset in the body.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[idx];
        let end = offset.min(self.input.markdown.len());
        let col = self
            .input
            .markdown
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (self.input.first_line + idx, col)
    }

    fn warn(&mut self, rule: &'static str, offset: usize, msg: String, help: &str) {
        let (line, col) = self.line_col(offset);
        self.diags.push(
            Diagnostic::warning(rule, msg)
                .at_path(self.input.source)
                .at(line, col)
                .with_help(help.to_string()),
        );
    }

    /// Separates footnote definitions from the main event stream.
    #[allow(clippy::type_complexity)]
    fn split_footnotes<'a>(
        &self,
        events: Vec<(Event<'a>, Range<usize>)>,
    ) -> (
        Vec<(Event<'a>, Range<usize>)>,
        Vec<(String, Vec<(Event<'a>, Range<usize>)>)>,
    ) {
        let mut main = Vec::with_capacity(events.len());
        let mut defs: Vec<(String, Vec<(Event<'a>, Range<usize>)>)> = Vec::new();
        let mut depth = 0usize;
        for (ev, range) in events {
            match &ev {
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    if depth == 0 {
                        defs.push((label.to_lowercase(), Vec::new()));
                    }
                    depth += 1;
                    if depth > 1
                        && let Some(d) = defs.last_mut()
                    {
                        d.1.push((ev, range));
                    }
                    continue;
                }
                Event::End(TagEnd::FootnoteDefinition) => {
                    depth = depth.saturating_sub(1);
                    if depth > 0
                        && let Some(d) = defs.last_mut()
                    {
                        d.1.push((ev, range));
                    }
                    continue;
                }
                _ => {}
            }
            if depth > 0 {
                if let Some(d) = defs.last_mut() {
                    d.1.push((ev, range));
                }
            } else {
                main.push((ev, range));
            }
        }
        (main, defs)
    }

    /// Numbers footnotes by first reference: main text first, then inside definitions.
    fn number_footnotes(&mut self, main: &[(Event<'_>, Range<usize>)], defs: &FootnoteDefs<'_>) {
        let defined: HashSet<&str> = defs.iter().map(|(l, _)| l.as_str()).collect();
        let mut queue: Vec<String> = Vec::new();
        let visit = |events: &[(Event<'_>, Range<usize>)],
                     numbers: &mut HashMap<String, usize>,
                     queue: &mut Vec<String>| {
            for (ev, _) in events {
                if let Event::FootnoteReference(label) = ev {
                    let key = label.to_lowercase();
                    if defined.contains(key.as_str()) && !numbers.contains_key(&key) {
                        let n = numbers.len() + 1;
                        numbers.insert(key.clone(), n);
                        queue.push(key);
                    }
                }
            }
        };
        visit(main, &mut self.fn_numbers, &mut queue);
        // References made only from inside other definitions, in definition order.
        let mut i = 0;
        while i < queue.len() {
            let key = queue[i].clone();
            if let Some((_, evs)) = defs.iter().find(|(l, _)| *l == key) {
                visit(evs, &mut self.fn_numbers, &mut queue);
            }
            i += 1;
        }
        self.reserve_footnote_ids(main, defs);
    }

    /// Claims every id the footnotes will use (`fn:N`, `fnref:N`, `fnref:N-K`) before any
    /// heading is given one, so an explicit heading id such as `{#fn:1}` gets a suffix
    /// instead of duplicating a footnote's id.
    fn reserve_footnote_ids(
        &mut self,
        main: &[(Event<'_>, Range<usize>)],
        defs: &FootnoteDefs<'_>,
    ) {
        let mut refs: HashMap<usize, usize> = HashMap::new();
        let mut count = |events: &[(Event<'_>, Range<usize>)]| {
            for (ev, _) in events {
                if let Event::FootnoteReference(label) = ev
                    && let Some(&n) = self.fn_numbers.get(&label.to_lowercase())
                {
                    *refs.entry(n).or_insert(0) += 1;
                }
            }
        };
        count(main);
        // Only the first definition of a label is rendered (see `append_footnotes`).
        let mut rendered: HashSet<&str> = HashSet::new();
        for (label, evs) in defs {
            if self.fn_numbers.contains_key(label) && rendered.insert(label) {
                count(evs);
            }
        }
        for (&n, &k) in &refs {
            self.ids.insert(format!("fn:{n}"));
            self.ids.insert(format!("fnref:{n}"));
            for j in 2..=k {
                self.ids.insert(format!("fnref:{n}-{j}"));
            }
        }
    }

    fn unique_id(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if !PAGE_IDS.contains(&base) && self.ids.insert(base.to_string()) {
            return base.to_string();
        }
        for n in 1.. {
            let candidate = format!("{base}-{n}");
            if !PAGE_IDS.contains(&candidate.as_str()) && self.ids.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unused id always exists")
    }

    /// Rewrites a link or image destination; `None` means "render the link as plain text"
    /// (its target is not published).
    fn rewrite_url(&mut self, url: &str, offset: usize, image: bool) -> Option<String> {
        let url = url.trim();
        // Raw HTML off means bodies are not trusted with script: no `javascript:`, `data:`,
        // `vbscript:`… destinations either (the link keeps its text, the image is dropped).
        if !self.input.config.markdown.unsafe_html
            && let Some(why) = crate::front_matter::url_problem(url)
        {
            let what = if image { "image" } else { "link" };
            self.warn(
                "unsafe-url",
                offset,
                format!(
                    "{what} `{url}` {why}; rendered without it because markdown.unsafe_html = false"
                ),
                "link to an http(s) URL or a site path",
            );
            return None;
        }
        if url.is_empty() || url.starts_with('#') || is_absolute_url(url) {
            return Some(url.to_string());
        }
        let (path, suffix) = match url.find(['#', '?']) {
            Some(i) => (&url[..i], &url[i..]),
            None => (url, ""),
        };
        let config = self.input.config;
        if !image && crate::pipeline::load::is_markdown(path) {
            let decoded = percent_decode(path);
            return match self.input.resolver.resolve(self.input.source, &decoded) {
                Resolved::Page(site_path) => Some(format!("{}{suffix}", config.url(&site_path))),
                Resolved::Unpublished => {
                    self.warn(
                        "draft-link",
                        offset,
                        format!("link to `{path}`, which is a draft or scheduled post and is not published; rendered as plain text"),
                        "publish the target, or remove the link before publishing this post",
                    );
                    None
                }
                Resolved::Missing => {
                    self.warn(
                        "broken-link",
                        offset,
                        format!("link to `{path}`, which is not a content file"),
                        "link to a file under content/ (e.g. posts/other.md) or to a URL path",
                    );
                    Some(url.to_string())
                }
            };
        }
        if let Some(rest) = path.strip_prefix('/') {
            let bp = &config.base_path;
            // Already carrying the base path: never prefix twice.
            if bp != "/" && path.starts_with(bp.as_str()) {
                return Some(url.to_string());
            }
            return Some(format!("{bp}{rest}{suffix}"));
        }
        Some(url.to_string())
    }

    fn record_link(&mut self, url: &str, offset: usize, image: bool, text: String) {
        let (line, col) = self.line_col(offset);
        self.links.push(BodyLink {
            url: url.to_string(),
            line,
            col,
            image,
            text,
        });
    }

    /// Transforms a stream of events into output items. `top` is true for the main text
    /// (where the summary marker and first paragraph are looked for).
    fn transform<'a>(
        &mut self,
        events: Vec<(Event<'a>, Range<usize>)>,
        out: &mut Vec<Out<'a>>,
        top: bool,
    ) {
        let mut iter = events.into_iter().peekable();
        let mut depth: usize = 0;
        while let Some((ev, range)) = iter.next() {
            match ev {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let mut inner: Vec<(Event<'a>, Range<usize>)> = Vec::new();
                    for (e, r) in iter.by_ref() {
                        if matches!(e, Event::End(TagEnd::Heading(_))) {
                            break;
                        }
                        inner.push((e, r));
                    }
                    let title: String = inner
                        .iter()
                        .filter_map(|(e, _)| match e {
                            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                            _ => None,
                        })
                        .collect();
                    let title = title.trim().to_string();
                    self.words += title.split_whitespace().count();
                    let id = match id {
                        Some(explicit) => self.unique_id(&explicit),
                        None => {
                            let s = crate::slug::anchor_id(&title);
                            self.unique_id(&s)
                        }
                    };
                    let lvl = heading_level(level);
                    let mut attr_s = String::new();
                    if !classes.is_empty() {
                        attr_s.push_str(" class=\"");
                        let joined: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
                        let _ = escape_html(&mut attr_s, &joined.join(" "));
                        attr_s.push('"');
                    }
                    for (k, v) in &attrs {
                        attr_s.push(' ');
                        let _ = escape_html(&mut attr_s, k);
                        if let Some(v) = v {
                            attr_s.push_str("=\"");
                            let _ = escape_html(&mut attr_s, v);
                            attr_s.push('"');
                        }
                    }
                    let (line, _) = self.line_col(range.start);
                    self.headings_flat.push(FlatHeading {
                        level: lvl,
                        id: id.clone(),
                        title: title.clone(),
                        line,
                    });
                    out.push(Out::HeadingOpen {
                        level: lvl,
                        id: id.clone(),
                        attrs: attr_s,
                    });
                    self.transform(inner, out, false);
                    if self.input.config.markdown.heading_anchors {
                        let mut a = String::from(" <a class=\"heading-anchor\" href=\"#");
                        let _ = escape_href(&mut a, &id);
                        a.push_str("\" aria-label=\"Link to this section: ");
                        let _ = escape_html(&mut a, &title);
                        a.push_str("\">#</a>");
                        out.push(Out::Anchor(a));
                    }
                    out.push(Out::Ev(Event::Html(format!("</h{lvl}>\n").into())));
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let mut code = String::new();
                    for (e, _) in iter.by_ref() {
                        match e {
                            Event::Text(t) => code.push_str(&t),
                            Event::End(TagEnd::CodeBlock) => break,
                            _ => {}
                        }
                    }
                    self.words += code.split_whitespace().count();
                    let info = match &kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    let lang = highlight::fence_language(&info).to_string();
                    let html = self.code_block(&lang, &code, range.start);
                    out.push(Out::Ev(Event::Html(html.into())));
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    ..
                }) => {
                    // An e-mail autolink (`<person@example.org>`) carries the bare address.
                    let dest_url: pulldown_cmark::CowStr<'a> = if link_type
                        == pulldown_cmark::LinkType::Email
                        && !dest_url.to_ascii_lowercase().starts_with("mailto:")
                    {
                        format!("mailto:{dest_url}").into()
                    } else {
                        dest_url
                    };
                    let mut inner: Vec<(Event<'a>, Range<usize>)> = Vec::new();
                    let mut nest = 0;
                    for (e, r) in iter.by_ref() {
                        match &e {
                            Event::Start(Tag::Link { .. }) => nest += 1,
                            Event::End(TagEnd::Link) if nest == 0 => break,
                            Event::End(TagEnd::Link) => nest -= 1,
                            _ => {}
                        }
                        inner.push((e, r));
                    }
                    let text = plain_text(&inner);
                    self.record_link(&dest_url, range.start, false, text);
                    match self.rewrite_url(&dest_url, range.start, false) {
                        Some(href) => {
                            let new_tab = self.input.config.markdown.external_links_new_tab
                                && is_absolute_url(&href)
                                && !href.starts_with("mailto:");
                            self.open.push("</a>");
                            out.push(Out::LinkOpen {
                                href,
                                title: title.to_string(),
                                new_tab,
                            });
                            self.transform(inner, out, false);
                            self.open.pop();
                            out.push(Out::Ev(Event::Html("</a>".into())));
                        }
                        None => self.transform(inner, out, false),
                    }
                }
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let mut inner: Vec<(Event<'a>, Range<usize>)> = Vec::new();
                    for (e, r) in iter.by_ref() {
                        if matches!(e, Event::End(TagEnd::Image)) {
                            break;
                        }
                        inner.push((e, r));
                    }
                    let alt = plain_text(&inner);
                    self.record_link(&dest_url, range.start, true, alt);
                    let Some(src) = self.rewrite_url(&dest_url, range.start, true) else {
                        // Refused (see `rewrite_url`): the alt text stands in for the image.
                        for (e, _) in inner {
                            out.push(Out::Ev(e));
                        }
                        continue;
                    };
                    out.push(Out::Ev(Event::Start(Tag::Image {
                        link_type,
                        dest_url: src.into(),
                        title,
                        id,
                    })));
                    for (e, _) in inner {
                        out.push(Out::Ev(e));
                    }
                    out.push(Out::Ev(Event::End(TagEnd::Image)));
                }
                Event::FootnoteReference(label) => {
                    let key = label.to_lowercase();
                    match self.fn_numbers.get(&key).copied() {
                        Some(n) => {
                            let count = self.fn_ref_counts.entry(n).or_insert(0);
                            *count += 1;
                            let ref_id = if *count == 1 {
                                format!("fnref:{n}")
                            } else {
                                format!("fnref:{n}-{count}")
                            };
                            self.ids.insert(ref_id.clone());
                            out.push(Out::FootnoteRef(format!(
                                "<sup class=\"footnote-ref\"><a href=\"#fn:{n}\" id=\"{ref_id}\" role=\"doc-noteref\">{n}</a></sup>"
                            )));
                        }
                        None => out.push(Out::Ev(Event::Text(format!("[^{label}]").into()))),
                    }
                }
                Event::TaskListMarker(done) => {
                    let html = if done {
                        "<input type=\"checkbox\" disabled checked aria-label=\"Done\"> "
                    } else {
                        "<input type=\"checkbox\" disabled aria-label=\"Not done\"> "
                    };
                    out.push(Out::Ev(Event::Html(html.into())));
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    let (class, label) = match kind {
                        BlockQuoteKind::Note => ("note", "Note"),
                        BlockQuoteKind::Tip => ("tip", "Tip"),
                        BlockQuoteKind::Important => ("important", "Important"),
                        BlockQuoteKind::Warning => ("warning", "Warning"),
                        BlockQuoteKind::Caution => ("caution", "Caution"),
                    };
                    depth += 1;
                    self.open.push("</div>");
                    out.push(Out::Ev(Event::Html(
                        format!("<div class=\"alert alert-{class}\" role=\"note\">\n<p class=\"alert-title\">{label}</p>\n").into(),
                    )));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    depth = depth.saturating_sub(1);
                    self.open.pop();
                    out.push(Out::Ev(Event::Html("</div>\n".into())));
                }
                Event::Start(Tag::HtmlBlock) => {
                    let mut raw = String::new();
                    for (e, _) in iter.by_ref() {
                        match e {
                            Event::Html(t) | Event::Text(t) => raw.push_str(&t),
                            Event::End(TagEnd::HtmlBlock) => break,
                            _ => {}
                        }
                    }
                    self.raw_html(raw, out, top && depth == 0);
                }
                Event::Html(t) | Event::InlineHtml(t) => {
                    self.raw_html(t.to_string(), out, top);
                }
                Event::Text(t) => {
                    self.words += t.split_whitespace().count();
                    out.push(Out::Ev(Event::Text(t)));
                }
                Event::Code(t) => {
                    self.words += t.split_whitespace().count();
                    out.push(Out::Ev(Event::Code(t)));
                }
                Event::Start(tag) => {
                    let is_para = matches!(tag, Tag::Paragraph);
                    if top && depth == 0 && is_para && self.first_para.is_none() {
                        self.first_para = Some(out.len()..out.len());
                    }
                    depth += 1;
                    let c = closer(tag.to_end());
                    self.open.push(c);
                    if matches!(tag, Tag::Table(_)) {
                        // A wide table scrolls inside this box; keyboard users must be able
                        // to focus it to scroll (WCAG 2.1.1, axe scrollable-region-focusable).
                        out.push(Out::Ev(Event::Html(
                            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">\n".into(),
                        )));
                    }
                    out.push(Out::Ev(Event::Start(tag)));
                }
                Event::End(end) => {
                    depth = depth.saturating_sub(1);
                    self.open.pop();
                    out.push(Out::Ev(Event::End(end)));
                    if matches!(end, TagEnd::Table) {
                        out.push(Out::Ev(Event::Html("</div>\n".into())));
                    }
                    if top
                        && depth == 0
                        && matches!(end, TagEnd::Paragraph)
                        && let Some(r) = &mut self.first_para
                        && r.start == r.end
                    {
                        r.end = out.len();
                    }
                }
                other => out.push(Out::Ev(other)),
            }
        }
    }

    /// Handles raw HTML: the `<!-- more -->` marker, escaping when raw HTML is off, and
    /// root-relative URLs in attributes.
    fn raw_html<'a>(&mut self, raw: String, out: &mut Vec<Out<'a>>, top: bool) {
        if top && self.more_at.is_none() {
            if is_more_marker(&raw) {
                self.more_at = Some(out.len());
                self.more_closers = self.open.iter().rev().copied().collect();
                // Cut inside a table: the writer opens `<tbody>` and the scrolling box on its
                // own, and head cells are `<th>`; the HTML parser closes those correctly.
                self.more_needs_balance |= self.open.contains(&"</table>");
                return;
            }
            if let Some((s, e)) = find_more_marker(&raw) {
                let (before, after) = (raw[..s].to_string(), raw[e..].to_string());
                self.raw_html(before, out, false);
                self.more_at = Some(out.len());
                self.more_closers = self.open.iter().rev().copied().collect();
                self.more_needs_balance = true;
                self.raw_html(after, out, false);
                return;
            }
        }
        if !self.input.config.markdown.unsafe_html {
            out.push(Out::Ev(Event::Text(raw.into())));
            return;
        }
        let rewritten = self.rewrite_raw_urls(&raw).unwrap_or(raw);
        out.push(Out::RawHtml(rewritten));
    }

    /// Puts the base path on root-relative `href`/`src`/`poster` attributes of raw HTML.
    fn rewrite_raw_urls(&self, raw: &str) -> Option<String> {
        let bp = self.input.config.base_path.clone();
        if bp == "/" || !(raw.contains("=\"/") || raw.contains("='/") || raw.contains("=/")) {
            return None;
        }
        use lol_html::{RewriteStrSettings, element, rewrite_str};
        let fix = move |v: &str| -> Option<String> {
            let rest = v.strip_prefix('/')?;
            if v.starts_with("//") || v.starts_with(bp.as_str()) {
                return None;
            }
            Some(format!("{bp}{rest}"))
        };
        let fix2 = fix.clone();
        let fix3 = fix.clone();
        rewrite_str(
            raw,
            RewriteStrSettings {
                element_content_handlers: vec![
                    element!("[href]", move |el| {
                        if let Some(v) = el.get_attribute("href").and_then(|v| fix(&v)) {
                            el.set_attribute("href", &v)?;
                        }
                        Ok(())
                    }),
                    element!("[src]", move |el| {
                        if let Some(v) = el.get_attribute("src").and_then(|v| fix2(&v)) {
                            el.set_attribute("src", &v)?;
                        }
                        Ok(())
                    }),
                    element!("[poster]", move |el| {
                        if let Some(v) = el.get_attribute("poster").and_then(|v| fix3(&v)) {
                            el.set_attribute("poster", &v)?;
                        }
                        Ok(())
                    }),
                ],
                ..RewriteStrSettings::new()
            },
        )
        .ok()
    }

    fn code_block(&mut self, lang: &str, code: &str, offset: usize) -> String {
        let md = &self.input.config.markdown;
        let outcome = if md.highlight {
            highlight::highlight(lang, code, md.highlight_max_bytes)
        } else {
            highlight::highlight("", code, usize::MAX)
        };
        let inner = match outcome {
            Outcome::Html(h) => h,
            Outcome::UnknownLanguage(h) => {
                if !self.unknown_langs.iter().any(|l| l == lang) {
                    if self.unknown_langs.is_empty() {
                        self.first_unknown_line = self.line_col(offset).0;
                    }
                    self.unknown_langs.push(lang.to_string());
                }
                h
            }
            Outcome::TooLarge(h) => {
                self.warn(
                    "code-too-large",
                    offset,
                    format!(
                        "`{lang}` code block of {} bytes (or with a line over {} bytes) is not highlighted",
                        code.len(),
                        highlight::MAX_LINE_BYTES
                    ),
                    "raise markdown.highlight_max_bytes in site.toml, or split the block",
                );
                h
            }
        };
        let mut html = String::with_capacity(inner.len() + 80);
        if lang.is_empty() {
            html.push_str("<pre class=\"code\"><code>");
        } else {
            let mut l = String::new();
            let _ = escape_html(&mut l, lang);
            let _ = write!(
                html,
                "<pre class=\"code\" data-lang=\"{l}\"><code class=\"language-{l}\">"
            );
        }
        html.push_str(&inner);
        html.push_str("</code></pre>\n");
        html
    }

    fn append_footnotes<'a>(&mut self, defs: Vec<(String, Spanned<'a>)>, out: &mut Vec<Out<'a>>) {
        let mut numbered: Vec<(usize, Spanned<'a>)> = Vec::new();
        let mut seen = HashSet::new();
        for (label, evs) in defs {
            if let Some(&n) = self.fn_numbers.get(&label)
                && seen.insert(n)
            {
                numbered.push((n, evs));
            }
        }
        if numbered.is_empty() {
            return;
        }
        numbered.sort_by_key(|(n, _)| *n);
        out.push(Out::Ev(Event::Html(
            "<section class=\"footnotes\" role=\"doc-endnotes\" aria-label=\"Footnotes\">\n<ol>\n"
                .into(),
        )));
        for (n, evs) in numbered {
            self.ids.insert(format!("fn:{n}"));
            out.push(Out::Ev(Event::Html(format!("<li id=\"fn:{n}\">\n").into())));
            let mut items = Vec::new();
            self.transform(evs, &mut items, false);
            let refs = self.fn_ref_counts.get(&n).copied().unwrap_or(1).max(1);
            let mut back = String::new();
            for k in 1..=refs {
                let target = if k == 1 {
                    format!("fnref:{n}")
                } else {
                    format!("fnref:{n}-{k}")
                };
                let _ = write!(
                    back,
                    " <a href=\"#{target}\" class=\"footnote-backref\" role=\"doc-backlink\" aria-label=\"Back to reference {n}{}\">↩</a>",
                    if refs > 1 {
                        format!("-{k}")
                    } else {
                        String::new()
                    }
                );
            }
            let last_para_end = items
                .iter()
                .rposition(|o| matches!(o, Out::Ev(Event::End(TagEnd::Paragraph))));
            match last_para_end {
                Some(i) if i + 1 == items.len() => {
                    items.insert(i, Out::Ev(Event::Html(back.into())))
                }
                _ => items.push(Out::Ev(Event::Html(back.into()))),
            }
            out.extend(items);
            out.push(Out::Ev(Event::Html("</li>\n".into())));
        }
        out.push(Out::Ev(Event::Html("</ol>\n</section>\n".into())));
    }

    fn summary(&self, out: &[Out<'_>], input: &RenderInput<'_>) -> String {
        let mut html = String::new();
        match self.more_at {
            Some(at) => {
                push_events(&mut html, out[..at].iter(), Mode::Summary, input);
                for c in &self.more_closers {
                    html.push_str(c);
                }
                if self.more_needs_balance || out[..at].iter().any(|o| matches!(o, Out::RawHtml(_)))
                {
                    html = balance_html(&drop_block_newlines(&html));
                }
            }
            None => {
                if let Some(r) = &self.first_para
                    && r.start < r.end
                {
                    push_events(&mut html, out[r.clone()].iter(), Mode::Summary, input);
                    if out[r.clone()].iter().any(|o| matches!(o, Out::RawHtml(_))) {
                        html = balance_html(&drop_block_newlines(&html));
                    }
                }
            }
        }
        // Shown on listing pages too: page-relative URLs (`../other/`, `chart.png`) must
        // still point where they do on the post's own page.
        crate::feeds::content::rebase_relative_urls(html.trim(), &input.config.url(input.page_path))
            .into_owned()
    }
}

/// Makes an HTML fragment well-formed (every element closed, stray closers dropped) by
/// parsing it as a fragment with html5ever and serialising it again.
///
/// Two elements cannot be closed by serialising them, because a parser reading the result
/// would not end them where the serialiser did, and they would swallow the page around the
/// fragment: a `<script>` whose text holds `<!--` (inside it, `<script` … `</script>` is text,
/// the HTML tokenizer's "double escaped" state) is dropped, and a `<plaintext>` (which nothing
/// ends) is replaced by its text.
pub fn balance_html(fragment: &str) -> String {
    let mut doc = scraper::Html::parse_fragment(fragment);
    let unsafe_elements: Vec<(_, bool)> = doc
        .tree
        .nodes()
        .filter_map(|n| {
            let el = n.value().as_element()?;
            match el.name() {
                "script" => {
                    let text: String = n
                        .children()
                        .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                        .collect();
                    text.contains("<!--").then_some((n.id(), false))
                }
                "plaintext" => Some((n.id(), true)),
                _ => None,
            }
        })
        .collect();
    for (id, keep_text) in unsafe_elements {
        if keep_text {
            let children: Vec<_> = doc
                .tree
                .get(id)
                .map(|n| n.children().map(|c| c.id()).collect())
                .unwrap_or_default();
            for child in children {
                if let Some(mut n) = doc.tree.get_mut(id) {
                    n.insert_id_before(child);
                }
            }
        }
        if let Some(mut n) = doc.tree.get_mut(id) {
            n.detach();
        }
    }
    doc.root_element().inner_html()
}

/// Elements after whose tags a line break is layout only (see [`drop_block_newlines`]),
/// separated by spaces.
const BLOCK_TAGS: &str = "p div ul ol li blockquote h1 h2 h3 h4 h5 h6 table thead tbody tfoot \
    tr td th dl dt dd section figure figcaption hr pre header footer aside nav article details \
    summary";

/// Removes the line breaks written right after a block element's start or end tag (`</p>\n`,
/// `<ul>\n`). They carry no meaning, but when raw HTML left a formatting element open
/// (`<em>` with no `</em>`) an HTML parser re-opens that element for the whitespace, which
/// would leave an empty `<em><a href=…></a></em>` after the summary's last paragraph.
fn drop_block_newlines(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for c in html.chars() {
        if c == '\n' && out.ends_with('>') {
            let tag = out.rfind('<').map(|i| &out[i + 1..]).unwrap_or("");
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if BLOCK_TAGS.split_whitespace().any(|t| t == name) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Plain text of a run of events (link text, alt text).
fn plain_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut s = String::new();
    for (e, _) in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            Event::Html(t) | Event::InlineHtml(t) if t.contains("<img") => s.push_str("[image]"),
            _ => {}
        }
    }
    s.trim().to_string()
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// Writes output items as HTML for the page or for the summary.
fn push_events<'a, 'b: 'a>(
    html: &mut String,
    items: impl Iterator<Item = &'a Out<'b>>,
    mode: Mode,
    input: &RenderInput<'_>,
) {
    // One event stream through one HTML writer: the writer keeps state across events (a
    // table cell is `<th>` in the head and `<td>` in the body), so smelt's own markup goes
    // into the stream as inline HTML instead of being written between separate writer runs.
    let mut events: Vec<Event<'_>> = Vec::new();
    for item in items {
        match item {
            Out::Ev(e) => events.push(e.clone()),
            Out::HeadingOpen { level, id, attrs } => {
                let mut tag = String::new();
                match mode {
                    Mode::Page => {
                        tag.push_str(&format!("<h{level} id=\""));
                        let _ = escape_html(&mut tag, id);
                        tag.push('"');
                        tag.push_str(attrs);
                        tag.push('>');
                    }
                    Mode::Summary => tag.push_str(&format!("<h{level}>")),
                }
                events.push(Event::InlineHtml(tag.into()));
            }
            Out::Anchor(a) | Out::FootnoteRef(a) => {
                if mode == Mode::Page {
                    events.push(Event::InlineHtml(a.clone().into()));
                }
            }
            Out::LinkOpen {
                href,
                title,
                new_tab,
            } => {
                let href = if mode == Mode::Summary && href.starts_with('#') {
                    format!("{}{href}", input.config.url(input.page_path))
                } else {
                    href.clone()
                };
                let mut tag = String::from("<a href=\"");
                let _ = escape_href(&mut tag, &href);
                tag.push('"');
                if !title.is_empty() {
                    tag.push_str(" title=\"");
                    let _ = escape_html(&mut tag, title);
                    tag.push('"');
                }
                if *new_tab {
                    tag.push_str(" target=\"_blank\" rel=\"noopener\"");
                }
                tag.push('>');
                events.push(Event::InlineHtml(tag.into()));
            }
            Out::RawHtml(raw) => events.push(Event::InlineHtml(raw.clone().into())),
        }
    }
    pulldown_cmark::html::push_html(html, events.into_iter());
}

/// Nests a flat heading list into a table of contents. Headings deeper than the previous
/// level become its children; a shallower one closes back up.
fn build_toc(flat: &[FlatHeading]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        if let Some(last) = list.last_mut()
            && entry.level > last.level
        {
            insert(&mut last.children, entry);
            return;
        }
        list.push(entry);
    }
    let mut toc = Vec::new();
    for h in flat {
        insert(
            &mut toc,
            TocEntry {
                level: h.level,
                id: h.id.clone(),
                title: h.title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_with(md: &str, config: &Config) -> (Body, Vec<Diagnostic>) {
        render(&RenderInput {
            markdown: md,
            config,
            source: "content/posts/t.md",
            first_line: 5,
            page_path: "/posts/t/",
            resolver: &NoFiles,
        })
    }

    fn r(md: &str) -> Body {
        render_with(md, &Config::default()).0
    }

    #[test]
    fn headings_get_unique_ids_and_anchors() {
        let b = r("## Intro\n\n## Intro\n\n### Sub {#custom}\n");
        assert!(
            b.html
                .contains("<h2 id=\"intro\">Intro <a class=\"heading-anchor\" href=\"#intro\""),
            "{}",
            b.html
        );
        assert!(b.html.contains("<h2 id=\"intro-1\">"), "{}", b.html);
        assert!(b.html.contains("<h3 id=\"custom\">"), "{}", b.html);
        assert_eq!(b.toc.len(), 2);
        assert_eq!(b.toc[1].children[0].id, "custom");
        assert_eq!(b.headings[0].line, 5);
    }

    #[test]
    fn footnotes_numbered_by_first_use_and_listed_in_order() {
        let md = "A[^x] B[^y] C[^x].\n\n[^y]: Why.\n[^x]: Ex.\n";
        let b = r(md);
        let html = &b.html;
        let x_ref = html.find("href=\"#fn:1\" id=\"fnref:1\"").unwrap();
        let y_ref = html.find("href=\"#fn:2\" id=\"fnref:2\"").unwrap();
        assert!(x_ref < y_ref);
        assert!(html.contains("id=\"fnref:1-2\""), "{html}");
        let li1 = html.find("<li id=\"fn:1\">").unwrap();
        let li2 = html.find("<li id=\"fn:2\">").unwrap();
        assert!(li1 < li2);
        assert!(html[li1..li2].contains("Ex."));
        assert!(html[li1..li2].contains("href=\"#fnref:1-2\""));
    }

    #[test]
    fn summary_from_more_marker_is_balanced_and_has_no_footnotes() {
        let b = r("Exports rose[^a].\n\n<!-- more -->\n\nThe trade balance.\n\n[^a]: Goods.\n");
        assert_eq!(b.summary_html, "<p>Exports rose.</p>");
        assert!(b.has_more);
    }

    #[test]
    fn summary_marker_inside_list_closes_it() {
        let b = r("- first point\n- second point <!-- more --> continues\n- third point\n");
        assert!(b.summary_html.contains("second point"));
        assert!(!b.summary_html.contains("third"));
        assert!(!b.summary_html.contains("continues"));
        assert!(b.summary_html.ends_with("</li></ul>"), "{}", b.summary_html);
    }

    #[test]
    fn balancing_drops_what_a_parser_would_not_end() {
        // Inside `<!--`, `<script>` … `</script>` is script text: serialised again, the
        // outer script would never end.
        let b = balance_html("<td><script><!--<script>\n\n");
        assert!(!b.contains("<script"), "{b}");
        let b = balance_html("<p>a<script>if (x <!-- y) { z(); }</script> b</p>");
        assert_eq!(b, "<p>a b</p>");
        // Nothing ends `<plaintext>`: its text stays, the element goes.
        let b = balance_html("<p>a</p><plaintext><b>c</b> d");
        assert!(!b.contains("<plaintext"), "{b}");
        assert!(b.contains("&lt;b&gt;c&lt;/b&gt; d"), "{b}");
        // Scripts that end where they are written are kept.
        let b = balance_html("<p>a<script>let x = 1 < 2;</script></p>");
        assert_eq!(b, "<p>a<script>let x = 1 < 2;</script></p>");
    }

    #[test]
    fn summary_marker_inside_raw_html_is_balanced() {
        let b = r("<div class=\"callout\">\nCallout start\n<!-- more -->\nCallout end\n</div>\n");
        assert!(b.summary_html.contains("Callout start"));
        assert!(!b.summary_html.contains("Callout end"));
        assert!(b.summary_html.ends_with("</div>"), "{}", b.summary_html);
    }

    #[test]
    fn summary_closes_raw_inline_html_inside_its_paragraph() {
        let b = r("Start <em>open, then <a href=\"https://x.org\">link\n\nSecond.\n");
        assert_eq!(
            b.summary_html,
            "<p>Start <em>open, then <a href=\"https://x.org\">link</a></em></p>"
        );
        let b = r("- a <b>bold\n- b <!-- more --> c\n\nAfter.\n");
        assert!(!b.summary_html.contains("<b></b>"), "{}", b.summary_html);
        assert!(b.summary_html.ends_with("</li></ul>"), "{}", b.summary_html);
    }

    #[test]
    fn block_newlines_go_inline_ones_stay() {
        assert_eq!(
            drop_block_newlines("<p>a\n<code>b</code>\nc</p>\n<ul>\n<li>x</li>\n</ul>\n"),
            "<p>a\n<code>b</code>\nc</p><ul><li>x</li></ul>"
        );
    }

    #[test]
    fn heading_ids_never_take_footnote_or_page_ids() {
        let b = r(concat!(
            "A[^1] B[^1] C[^n].\n\n## X {#fn:1}\n\n## Y {#fnref:1-2}\n\n",
            "## Search results\n\n## Z {#main_content}\n\n[^1]: One.\n[^n]: Two.\n"
        ));
        let ids: Vec<&str> = b
            .html
            .match_indices(" id=\"")
            .map(|(i, m)| {
                let rest = &b.html[i + m.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
        let wanted = "fn:1 fnref:1 fnref:1-2 fn:2 fn:1-1 fnref:1-2-1";
        for want in wanted.split(' ') {
            assert!(unique.contains(want), "{want} missing from {ids:?}");
        }
        assert!(unique.contains("search-results-1"), "{ids:?}");
        assert!(unique.contains("main_content-1"), "{ids:?}");
    }

    #[test]
    fn summary_defaults_to_first_paragraph() {
        let b = r("# Title\n\nFirst **bold [link](#sec)**.\n\nSecond.\n");
        assert_eq!(
            b.summary_html,
            "<p>First <strong>bold <a href=\"/posts/t/#sec\">link</a></strong>.</p>"
        );
    }

    #[test]
    fn code_blocks_highlight_and_unknown_warns_once() {
        let (b, d) = render_with(
            "```rust,linenos\nfn a() {}\n```\n\n```foobarlang\n<b>\n```\n\n```foobarlang\nx\n```\n\n```text\n&\n```\n",
            &Config::default(),
        );
        assert_eq!(b.html.matches("<pre").count(), 4);
        assert!(b.html.contains("class=\"language-rust\""));
        assert!(b.html.contains("<span class=\"hl-"));
        assert!(b.html.contains("&lt;b&gt;"));
        assert!(b.html.contains("class=\"language-foobarlang\""));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("foobarlang"));
        assert_eq!(d[0].line, Some(9));
    }

    #[test]
    fn root_relative_links_get_base_path_once() {
        let mut c = Config::default();
        c.set_base_url("https://example.org/blog/").unwrap();
        let (b, _) = render_with(
            "[a](/posts/x/) ![m](/images/m.png) [b](/blog/posts/y/) [c](rel/) [d](https://x.org/)\n\n<a href=\"/files/f.csv\">f</a>\n",
            &c,
        );
        assert!(b.html.contains("href=\"/blog/posts/x/\""), "{}", b.html);
        assert!(b.html.contains("src=\"/blog/images/m.png\""), "{}", b.html);
        assert!(b.html.contains("href=\"/blog/posts/y/\""), "{}", b.html);
        assert!(b.html.contains("href=\"rel/\""));
        assert!(b.html.contains("href=\"/blog/files/f.csv\""), "{}", b.html);
        assert!(!b.html.contains("/blog/blog/"));
    }

    #[test]
    fn smart_punctuation_and_gfm() {
        let b = r(
            "\"Quoted\" -- dash\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~\n\n> [!NOTE]\n> Heads up.\n",
        );
        assert!(b.html.contains("“Quoted”"));
        assert!(b.html.contains("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">\n<table>"), "{}", b.html);
        assert!(b.html.contains("</table>\n</div>"), "{}", b.html);
        assert!(b.html.contains("aria-label=\"Done\""));
        assert!(b.html.contains("<del>old</del>"));
        assert!(b.html.contains("alert alert-note"));
    }

    #[test]
    fn raw_html_escaped_when_unsafe_html_off() {
        let mut c = Config::default();
        c.markdown.unsafe_html = false;
        let (b, _) = render_with("<script>alert(1)</script>\n\nText <b>x</b>\n", &c);
        assert!(!b.html.contains("<script>"));
        assert!(b.html.contains("&lt;script&gt;"));
    }

    #[test]
    fn word_count_and_reading_time() {
        let b = r(&"word ".repeat(460));
        assert_eq!(b.word_count, 460);
        assert_eq!(b.reading_minutes, 2);
    }

    #[test]
    fn email_autolinks_get_mailto() {
        let b = r("Write to <person@example.org>.\n");
        assert!(
            b.html
                .contains("<a href=\"mailto:person@example.org\">person@example.org</a>"),
            "{}",
            b.html
        );
    }

    #[test]
    fn links_recorded_with_lines() {
        let b = r("text\n\n[x](https://a.org) and [](/y/)\n");
        assert_eq!(b.links.len(), 2);
        assert_eq!(b.links[0].line, 7);
        assert_eq!(b.links[1].text, "");
    }
}
