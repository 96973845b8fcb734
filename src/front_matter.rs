//! Front matter: splits a source file into its YAML block and Markdown body, then turns the
//! YAML into typed fields with every problem located (1-based line and column in the file).
//!
//! Input text has already been normalised by the load stage (no BOM, `\n` line ends), so byte
//! offsets here are offsets in that text. One call reports every problem of the file: unknown
//! keys (with the nearest known key), wrong types, bad dates, missing required fields.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use jiff::Zoned;
use jiff::tz::TimeZone;
use serde_yaml::{Mapping, Value};

use crate::error::Diagnostic;
use crate::model::{AuthorRef, InlineAuthor, Link, Source};

mod depth;
mod yaml_error;

/// Where the front matter and body are in a file. Ranges are byte ranges of the normalised
/// text; `text[..yaml.start] + text[yaml] + text[yaml.end..body.start] + text[body]` is the
/// whole text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    /// The YAML between the delimiter lines (may be empty).
    pub yaml: Range<usize>,
    /// The body after the closing delimiter line.
    pub body: Range<usize>,
    /// 1-based line of the first YAML line.
    pub yaml_line: usize,
    /// 1-based line of the first body line.
    pub body_line: usize,
}

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first line is not `---`.
    NoFrontMatter,
    /// The first line is `+++` (TOML front matter, which smelt does not read).
    TomlFrontMatter,
    /// `---` opens a block that no `---` (or `...`) line closes.
    Unclosed,
}

fn is_delim(line: &str, marks: &[&str]) -> bool {
    let l = line.trim_end_matches([' ', '\t']);
    marks.contains(&l)
}

/// Splits normalised text (no BOM, `\n` line ends) into front matter and body.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let first_end = text.find('\n').unwrap_or(text.len());
    let first = &text[..first_end];
    if is_delim(first, &["+++"]) {
        return Err(SplitError::TomlFrontMatter);
    }
    if !is_delim(first, &["---"]) {
        return Err(SplitError::NoFrontMatter);
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut pos = yaml_start;
    let mut line_no = 2;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        if is_delim(&text[pos..end], &["---", "..."]) {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: yaml_start..pos,
                body: body_start..text.len(),
                yaml_line: 2,
                body_line: line_no + 1,
            });
        }
        pos = end + 1;
        line_no += 1;
    }
    Err(SplitError::Unclosed)
}

/// Which kind of document the front matter belongs to; decides the allowed keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// `content/posts/…`
    Post,
    /// `content/pages/…`
    Page,
    /// `content/authors/…`
    Author,
}

/// Most tags one post may have. Every tag page and tag feed lists the post with all its
/// tags, so the output grows with the square of this number (10,000 tags on one post would
/// make 14 GB of pages and feeds); more is an error naming the file and line.
pub const MAX_TAGS: usize = 100;
/// Most authors one post may have (every author page lists the post with all its authors).
pub const MAX_AUTHORS: usize = 100;

/// Keys a post's front matter may have.
pub const POST_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "author",
    "tags",
    "highlights",
    "citation",
    "sources",
    "summary",
    "draft",
    "slug",
    "aliases",
    "image",
    "extra",
];
/// Keys a standalone page's front matter may have.
pub const PAGE_KEYS: &[&str] = &[
    "title", "date", "updated", "summary", "draft", "slug", "aliases", "image", "template", "extra",
];
/// Keys an author file's front matter may have.
pub const AUTHOR_KEYS: &[&str] = &["name", "role", "avatar", "links", "email", "extra"];

impl DocKind {
    fn keys(self) -> &'static [&'static str] {
        match self {
            DocKind::Post => POST_KEYS,
            DocKind::Page => PAGE_KEYS,
            DocKind::Author => AUTHOR_KEYS,
        }
    }
}

/// Typed front matter of a post or page. Fields absent from the YAML are `None`/empty.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FrontMatter {
    /// `title` (trimmed, non-empty for posts and pages).
    pub title: String,
    /// `date`, in the offset written, or the site time zone when none was written.
    pub date: Option<Zoned>,
    /// `updated`, same rules as `date`.
    pub updated: Option<Zoned>,
    /// `author`: ids and inline authors in the order written.
    pub authors: Vec<AuthorRef>,
    /// `tags`, trimmed, inner whitespace collapsed, empty ones dropped.
    pub tags: Vec<String>,
    /// `highlights`, trimmed.
    pub highlights: Vec<String>,
    /// `citation`.
    pub citation: Option<String>,
    /// `sources`.
    pub sources: Vec<Source>,
    /// `summary` (plain text).
    pub summary: Option<String>,
    /// `draft`.
    pub draft: bool,
    /// `slug` override (not yet slugified).
    pub slug: Option<String>,
    /// `aliases`: old site paths that redirect here.
    pub aliases: Vec<String>,
    /// `image`: social card image (path or URL).
    pub image: Option<String>,
    /// `template` (pages only): template name to render with.
    pub template: Option<String>,
    /// `extra`: free data for templates.
    // Stored as JSON text: binary formats (the build cache) cannot carry a self-describing
    // value.
    #[serde(with = "json_text")]
    pub extra: serde_json::Value,
    /// Author files: `name`.
    pub name: Option<String>,
    /// Author files: `role`.
    pub role: Option<String>,
    /// Author files: `avatar`.
    pub avatar: Option<String>,
    /// Author files: `links`.
    pub links: Vec<Link>,
    /// Author files: `email`.
    pub email: Option<String>,
    /// 1-based (line, column) of each top-level key, for later diagnostics (e.g. an unknown
    /// author id found by the index stage).
    pub key_pos: BTreeMap<String, (usize, usize)>,
    /// 1-based (line, column) of each entry of `aliases`, parallel to it: the entry's own
    /// place in a list, else the `aliases` value.
    pub alias_pos: Vec<(usize, usize)>,
    /// 1-based (line, column) of each entry of `tags`, parallel to it: the tag's own place
    /// in the list, else the `tags` value.
    pub tag_pos: Vec<(usize, usize)>,
}

/// (De)serialises a JSON value as its text, for the build cache's binary format.
mod json_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &serde_json::Value, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// Parses the YAML of `split` into [`FrontMatter`]. `path` is the site-relative path used in
/// diagnostics; `source` is the whole normalised file text (for snippets). Returns every
/// problem found, or the typed front matter.
pub fn parse(
    source: &Arc<str>,
    split: &Split,
    kind: DocKind,
    path: &str,
    tz: &TimeZone,
) -> Result<FrontMatter, Vec<Diagnostic>> {
    let yaml = &source[split.yaml.clone()];
    let ctx = Ctx {
        source,
        path,
        yaml,
        first_line: split.yaml_line,
    };
    if let Some(at) = depth::too_deep(yaml, depth::MAX_DEPTH) {
        let (line, col) = crate::config::line_col(yaml, at);
        return Err(vec![
            ctx.diag_at(
                line + split.yaml_line - 1,
                col,
                format!(
                    "front matter nests lists or maps more than {} levels deep",
                    depth::MAX_DEPTH
                ),
            )
            .with_help("front matter holds a post's fields; keep nested data shallow"),
        ]);
    }
    let value: Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let mut p = yaml_error::explain(&e, yaml, split.yaml_line);
            // serde_yaml gives no place for aliases expanding too far: the value of the key
            // being read when they did.
            if e.location().is_none()
                && e.to_string() == "repetition limit exceeded"
                && let Some(at) = failing_key(yaml).and_then(|k| ctx.key_positions().remove(&k))
            {
                (p.line, p.col) = at;
            }
            return Err(vec![
                ctx.diag_at(
                    p.line,
                    p.col,
                    format!("front matter is not valid YAML: {}", p.message),
                )
                .with_help(p.help),
            ]);
        }
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => {
            return Err(vec![
                ctx.diag_at(1, 1, "front matter is empty".to_string())
                    .with_help(required_help(kind)),
            ]);
        }
        _ => {
            return Err(vec![
                ctx.diag_at(
                    split.yaml_line,
                    1,
                    "front matter must be a mapping of `key: value` lines".into(),
                )
                .with_help(required_help(kind)),
            ]);
        }
    };
    let mut p = Parser {
        ctx,
        errors: Vec::new(),
        fm: FrontMatter::default(),
        tz,
        value: None,
        items: Vec::new(),
        item: None,
        fields: Vec::new(),
        field: None,
    };
    p.fm.key_pos = p.ctx.key_positions();
    p.run(map, kind);
    if p.errors.is_empty() {
        Ok(p.fm)
    } else {
        Err(p.errors)
    }
}

/// The top-level key whose value was being read when reading `yaml` failed (such as aliases
/// expanding past serde_yaml's repetition limit, which has no position): the keys and values
/// are read in order, as [`parse`] reads them, noting each key.
fn failing_key(yaml: &str) -> Option<String> {
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    struct Keys<'a>(&'a mut Option<String>);
    impl<'de> Visitor<'de> for Keys<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(k) = map.next_key::<Value>()? {
                *self.0 = k.as_str().map(str::to_string);
                map.next_value::<Value>()?;
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Keys<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    let mut key = None;
    Keys(&mut key)
        .deserialize(serde_yaml::Deserializer::from_str(yaml))
        .err()?;
    key
}

fn required_help(kind: DocKind) -> String {
    match kind {
        DocKind::Post => "a post needs at least `title:` and `date:`, e.g.\n---\ntitle: \"Copper's New Map\"\ndate: 2026-01-27\n---".into(),
        DocKind::Page => "a page needs at least `title:`".into(),
        DocKind::Author => "an author file needs at least `name:`".into(),
    }
}

struct Ctx<'a> {
    source: &'a Arc<str>,
    path: &'a str,
    yaml: &'a str,
    first_line: usize,
}

impl Ctx<'_> {
    fn diag_at(&self, line: usize, col: usize, msg: String) -> Diagnostic {
        Diagnostic::error("front-matter", msg)
            .at_path(self.path)
            .at(line, col)
            .with_source(self.source.clone())
    }

    /// Positions of top-level keys: (line of the key, column of its value) — the value column
    /// is where a bad value is pointed at.
    fn key_positions(&self) -> BTreeMap<String, (usize, usize)> {
        let mut out = BTreeMap::new();
        for (i, line) in self.yaml.split('\n').enumerate() {
            if line.starts_with([' ', '\t', '#', '-']) || line.is_empty() {
                continue;
            }
            let Some(colon) = find_key_colon(line) else {
                continue;
            };
            let key = line[..colon].trim().trim_matches(['"', '\'']).to_string();
            let after = &line[colon + 1..];
            let value_off = colon + 1 + (after.len() - after.trim_start().len());
            let col = line[..value_off.min(line.len())].chars().count() + 1;
            out.entry(key).or_insert((self.first_line + i, col));
        }
        out
    }
}

/// Byte index of the `:` that ends a plain or quoted key on a line.
fn find_key_colon(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    match bytes.first()? {
        q @ (b'"' | b'\'') => {
            let close = line[1..].find(*q as char)? + 1;
            let rest = &line[close + 1..];
            let off = rest.len() - rest.trim_start().len();
            (rest.trim_start().starts_with(':')).then_some(close + 1 + off)
        }
        _ => {
            let mut i = 0;
            while let Some(j) = line[i..].find(':') {
                let at = i + j;
                let next = bytes.get(at + 1);
                if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
                    return Some(at);
                }
                i = at + 1;
            }
            None
        }
    }
}

/// 1-based (line, column) of each item of the value of top-level front matter key `key` in
/// the normalised file text `source` (see [`scan_items`]). Empty when the file has no front
/// matter, the key is absent or its value is a single value.
pub fn item_positions(source: &str, key: &str) -> Vec<(usize, usize)> {
    match split(source) {
        Ok(s) => scan_items(&source[s.yaml.clone()], s.yaml_line, key),
        Err(_) => Vec::new(),
    }
}

/// Positions of the items of top-level key `key`'s value, read from the layout of the YAML
/// text `yaml` (whose first line is file line `first_line`): each `- ` entry of a block list
/// (pointing at its value), each `key:` line of a block mapping, each element of a flow list
/// or mapping (`[a, b]`, `{a: 1, b: 2}`, also across lines). Empty for a single value or a
/// key that is not there. Callers use the positions only when their number equals the
/// number of items YAML parsed (anchors, `?` keys and such layouts fall back to the key).
fn scan_items(yaml: &str, first_line: usize, key: &str) -> Vec<(usize, usize)> {
    let Some(value) = top_value(yaml, key) else {
        return Vec::new();
    };
    entries(yaml, value)
        .into_iter()
        .map(|e| {
            let (l, c) = crate::config::line_col(yaml, e.at);
            (l + first_line - 1, c)
        })
        .collect()
}

/// One entry of a list or mapping written in front matter YAML, located by byte offsets in
/// the YAML text. Entries nest: [`entries`] of an entry's `value` are the entries of that
/// value, so an error deep inside `sources` or `author` can point at the value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// Where a problem with the whole entry points: a list item's value (its `-` when the
    /// value starts on a later line), a mapping entry's key.
    at: usize,
    /// A mapping entry's key as written, without quotes.
    key: Option<String>,
    /// Where the entry's value starts; `None` when none is written (`key:` alone).
    value: Option<usize>,
}

/// `true` for a block list entry line (`- x`, `-`), given without its indentation.
fn is_dash(t: &str) -> bool {
    t == "-" || t.starts_with("- ") || t.starts_with("-\t")
}

/// Byte offset where the value of top-level key `key` starts in `yaml`: after the key on its
/// line, else the first entry of the block collection on the lines below. `None` when the
/// key is absent or has no value.
fn top_value(yaml: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in yaml.split('\n') {
        if !line.starts_with([' ', '\t', '#', '-'])
            && !line.is_empty()
            && let Some(colon) = find_key_colon(line)
            && line[..colon].trim().trim_matches(['"', '\'']) == key
        {
            let rest = &line[colon + 1..];
            let v = rest.trim_start_matches([' ', '\t']);
            if v.is_empty() || v.starts_with('#') {
                return value_below(yaml, offset + line.len(), 0, true);
            }
            return Some(offset + line.len() - v.len());
        }
        offset += line.len() + 1;
    }
    None
}

/// The start of a value written on the lines after the line that ends at byte `eol` (its
/// `\n`, or the end of `yaml`), for an entry whose collection is indented `indent` columns:
/// the first content line, when it is indented more, or (`dash_same`, for a mapping entry)
/// is a `- ` list at the same indentation. Blank and comment lines are skipped.
fn value_below(yaml: &str, eol: usize, indent: usize, dash_same: bool) -> Option<usize> {
    let mut off = eol + 1;
    for line in yaml.get(off..)?.split('\n') {
        let t = line.trim_start_matches(' ');
        if t.is_empty() || t.starts_with('#') {
            off += line.len() + 1;
            continue;
        }
        let n = line.len() - t.len();
        return (n > indent || (dash_same && n == indent && is_dash(t))).then_some(off + n);
    }
    None
}

/// The entries of the list or mapping whose value starts at byte `start` of `yaml`: a flow
/// collection (`[…]`, `{…}`, see [`flow_scan`]) or a block one (`- ` lines or `key:` lines at
/// the column of `start`, whatever is nested deeper skipped). Empty for a single value, an
/// unclosed flow collection or a layout not read here (anchors, `?` keys); callers use the
/// entries only when they match what YAML parsed.
fn entries(yaml: &str, start: usize) -> Vec<Entry> {
    let Some(first) = yaml.get(start..) else {
        return Vec::new();
    };
    if first.starts_with(['[', '{']) {
        return flow_entries(yaml, start);
    }
    let first_line = first.split('\n').next().unwrap_or("");
    let seq = is_dash(first_line);
    if !seq && find_key_colon(first_line).is_none() {
        return Vec::new();
    }
    let mut line_start = yaml[..start].rfind('\n').map_or(0, |i| i + 1);
    let col = start - line_start;
    let mut out = Vec::new();
    for (j, line) in yaml[line_start..].split('\n').enumerate() {
        let this = line_start;
        let eol = this + line.len();
        line_start = eol + 1;
        let (indent, t) = if j == 0 {
            (col, &line[col..])
        } else {
            let t = line.trim_start_matches(' ');
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            (line.len() - t.len(), t)
        };
        if indent < col || (indent == col && is_dash(t) != seq) {
            break;
        }
        if indent > col {
            continue;
        }
        if seq {
            let content = t[1..].trim_start_matches([' ', '\t']);
            if content.is_empty() || content.starts_with('#') {
                let value = value_below(yaml, eol, col, false);
                out.push(Entry {
                    at: this + indent,
                    key: None,
                    value,
                });
            } else {
                let at = eol - content.len();
                out.push(Entry {
                    at,
                    key: None,
                    value: Some(at),
                });
            }
        } else if let Some(colon) = find_key_colon(t) {
            let key = t[..colon].trim().trim_matches(['"', '\'']).to_string();
            let v = t[colon + 1..].trim_start_matches([' ', '\t']);
            let value = if v.is_empty() || v.starts_with('#') {
                value_below(yaml, eol, col, true)
            } else {
                Some(eol - v.len())
            };
            out.push(Entry {
                at: this + indent,
                key: Some(key),
                value,
            });
        }
    }
    out
}

/// The entries of the flow collection opening at byte `start` (`[` or `{`): list elements
/// are their own values; mapping elements have a key and the value after its `:`, which may
/// be on a later line.
fn flow_entries(yaml: &str, start: usize) -> Vec<Entry> {
    let Some((items, close)) = flow_scan(yaml, start) else {
        return Vec::new();
    };
    let mapping = yaml[start..].starts_with('{');
    let mut out = Vec::with_capacity(items.len());
    for (n, &at) in items.iter().enumerate() {
        if !mapping {
            out.push(Entry {
                at,
                key: None,
                value: Some(at),
            });
            continue;
        }
        let text = &yaml[at..items.get(n + 1).copied().unwrap_or(close)];
        let line = text.split('\n').next().unwrap_or("");
        let Some(colon) = find_key_colon(line) else {
            out.push(Entry {
                at,
                key: None,
                value: None,
            });
            continue;
        };
        let key = line[..colon].trim().trim_matches(['"', '\'']).to_string();
        let v = text[colon + 1..].trim_start();
        let value =
            (!v.is_empty() && !v.starts_with([',', '}'])).then(|| at + text.len() - v.len());
        out.push(Entry {
            at,
            key: Some(key),
            value,
        });
    }
    out
}

/// Byte offsets (in `yaml`) of the elements of the flow collection opening at `start`
/// (`[` or `{`). Quotes, nested collections and `#` comments are skipped; a trailing comma
/// makes no element. Empty when the collection is not closed.
fn flow_items(yaml: &str, start: usize) -> Vec<usize> {
    flow_scan(yaml, start)
        .map(|(items, _)| items)
        .unwrap_or_default()
}

/// The elements of the flow collection opening at `start` (see [`flow_items`]) and the byte
/// offset of its closing `]` or `}`; `None` when nothing closes it before the end of `yaml`.
fn flow_scan(yaml: &str, start: usize) -> Option<(Vec<usize>, usize)> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut expecting = false;
    let mut prev = ' ';
    let mut chars = yaml[start..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at = start + i;
        match c {
            _ if c.is_whitespace() => {
                prev = c;
                continue;
            }
            '#' if prev.is_whitespace() => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            _ => {}
        }
        if expecting && depth == 1 && !matches!(c, ',' | ']' | '}') {
            items.push(at);
            expecting = false;
        }
        match c {
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((items, at));
                }
            }
            ',' if depth == 1 => expecting = true,
            // A quote opens a quoted scalar only where a value starts.
            '"' | '\'' if matches!(prev, '[' | '{' | ',' | ':' | ' ' | '\n' | '\t') => {
                let mut escaped = false;
                while let Some((_, n)) = chars.next() {
                    if c == '"' {
                        if escaped {
                            escaped = false;
                        } else if n == '\\' {
                            escaped = true;
                        } else if n == '"' {
                            break;
                        }
                    } else if n == '\'' {
                        if chars.peek().is_some_and(|&(_, m)| m == '\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
        prev = c;
    }
    None
}

struct Parser<'a> {
    ctx: Ctx<'a>,
    errors: Vec<Diagnostic>,
    fm: FrontMatter,
    tz: &'a TimeZone,
    /// Where the value of the top-level key being read starts (see [`top_value`]).
    value: Option<usize>,
    /// The entries of the value being read (see [`entries`]); empty when they cannot be
    /// told apart, or their number differs from the parsed value's.
    items: Vec<Entry>,
    /// The item being read, when the value is a list or mapping: errors point at it.
    item: Option<usize>,
    /// The entries of the mapping being read (the item, else the value; see
    /// [`Parser::read_fields`]); empty when they do not match the parsed mapping.
    fields: Vec<Entry>,
    /// The entry of `fields` being read: errors point at its value.
    field: Option<usize>,
}

impl Parser<'_> {
    fn pos(&self, key: &str) -> (usize, usize) {
        self.fm
            .key_pos
            .get(key)
            .copied()
            .unwrap_or((self.ctx.first_line, 1))
    }

    fn key_col(&self, key: &str) -> (usize, usize) {
        let (line, _) = self.pos(key);
        let col = self
            .ctx
            .source
            .split('\n')
            .nth(line - 1)
            .map(|l| l.len() - l.trim_start().len() + 1)
            .unwrap_or(1);
        (line, col)
    }

    /// An error when a list has more than `max` items (see [`MAX_TAGS`]).
    fn at_most(&mut self, key: &str, n: usize, max: usize, what: &str) {
        if n > max {
            self.err(
                key,
                format!("{n} {what}; a post may have at most {max}"),
                format!("every {} page and feed lists the post with all its {what}, so the site grows with the square of this number; keep the ones readers browse by", &what[..what.len() - 1]),
            );
        }
    }

    /// Where a problem with the value being read points: the value of the mapping entry
    /// being read (`self.field`; its key when `on_key`), else the item being read
    /// (`self.item`), else `key`'s value — each only when its position is known.
    fn here(&self, key: &str, on_key: bool) -> (usize, usize) {
        let field = self.field.and_then(|f| self.fields.get(f)).map(|e| {
            if on_key {
                e.at
            } else {
                e.value.unwrap_or(e.at)
            }
        });
        let item = || self.item.and_then(|i| self.items.get(i)).map(|e| e.at);
        match field.or_else(item) {
            Some(at) => {
                let (l, c) = crate::config::line_col(self.ctx.yaml, at);
                (l + self.ctx.first_line - 1, c)
            }
            None => self.pos(key),
        }
    }

    /// An error at `key`'s value, or at the item or entry being read when its position is
    /// known (see [`Parser::here`]).
    fn err(&mut self, key: &str, msg: String, help: impl Into<String>) {
        let (l, c) = self.here(key, false);
        let d = self.ctx.diag_at(l, c, msg).with_help(help.into());
        self.errors.push(d);
    }

    /// [`Parser::err`] at the key of the mapping entry being read (an unknown key).
    fn err_key(&mut self, key: &str, msg: String, help: impl Into<String>) {
        let (l, c) = self.here(key, true);
        let d = self.ctx.diag_at(l, c, msg).with_help(help.into());
        self.errors.push(d);
    }

    /// Starts reading mapping `m`, the item being read (else the value): `self.fields`
    /// becomes its written entries when they are `m`'s keys in order, else nothing.
    fn read_fields(&mut self, m: &Mapping) {
        let node = match self.item {
            Some(i) => self.items.get(i).and_then(|e| e.value),
            None => self.value,
        };
        let fields = node
            .map(|at| entries(self.ctx.yaml, at))
            .unwrap_or_default();
        let same = fields.len() == m.len()
            && fields
                .iter()
                .zip(m.keys())
                .all(|(e, k)| e.key.is_some() && e.key.as_deref() == k.as_str());
        self.fields = if same { fields } else { Vec::new() };
        self.field = None;
    }

    /// The index in `self.fields` of the entry with key `name`.
    fn field_named(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|e| e.key.as_deref() == Some(name))
    }

    fn run(&mut self, map: Mapping, kind: DocKind) {
        let allowed = kind.keys();
        for (k, v) in map {
            let Some(key) = k.as_str().map(str::to_string) else {
                let d = self.ctx.diag_at(
                    self.ctx.first_line,
                    1,
                    format!("front matter key {} is not a string", short_yaml(&k)),
                );
                self.errors.push(d);
                continue;
            };
            if !allowed.contains(&key.as_str()) {
                let (l, c) = self.key_col(&key);
                let mut help = crate::suggest::help_for(&key, allowed);
                if !help.starts_with("did you mean") {
                    help.push_str("; put custom data under `extra:`");
                }
                let mut d = self
                    .ctx
                    .diag_at(l, c, format!("unknown front matter key `{key}`"))
                    .with_help(help);
                d.rule = "unknown-key";
                self.errors.push(d);
                continue;
            }
            self.field(&key, v);
        }
        match kind {
            DocKind::Post | DocKind::Page => {
                if self.fm.title.is_empty() && !self.fm.key_pos.contains_key("title") {
                    let d = self
                        .ctx
                        .diag_at(1, 1, "front matter has no `title`".into())
                        .with_help(required_help(kind));
                    self.errors.push(d);
                }
                if kind == DocKind::Post
                    && self.fm.date.is_none()
                    && !self.fm.key_pos.contains_key("date")
                {
                    let d = self
                        .ctx
                        .diag_at(1, 1, "front matter has no `date`".into())
                        .with_help(required_help(kind));
                    self.errors.push(d);
                }
            }
            DocKind::Author => {
                if self.fm.name.is_none() && !self.fm.key_pos.contains_key("name") {
                    let d = self
                        .ctx
                        .diag_at(1, 1, "author file has no `name`".into())
                        .with_help(required_help(kind));
                    self.errors.push(d);
                }
            }
        }
    }

    fn field(&mut self, key: &str, v: Value) {
        let count = match &v {
            Value::Sequence(items) => items.len(),
            Value::Mapping(m) => m.len(),
            _ => 0,
        };
        self.value = top_value(self.ctx.yaml, key);
        self.items = match self.value {
            Some(at) if count > 0 => entries(self.ctx.yaml, at),
            _ => Vec::new(),
        };
        if self.items.len() != count {
            self.items.clear();
        }
        self.item = None;
        self.fields.clear();
        self.field = None;
        match key {
            "title" => {
                if let Some(s) = self.text(key, &v, true) {
                    self.fm.title = s;
                }
            }
            "date" => self.fm.date = self.date(key, &v),
            "updated" => self.fm.updated = self.date(key, &v),
            "author" => {
                self.fm.authors = self.authors(key, v);
                self.at_most(key, self.fm.authors.len(), MAX_AUTHORS, "authors");
            }
            "tags" => {
                let tags = self.string_list(key, &v, "tags: [Trade, Rare Earths]");
                (self.fm.tags, self.fm.tag_pos) = tags
                    .into_iter()
                    .map(|(t, at)| (t.split_whitespace().collect::<Vec<_>>().join(" "), at))
                    .filter(|(t, _)| !t.is_empty())
                    .unzip();
                self.at_most(key, self.fm.tags.len(), MAX_TAGS, "tags");
            }
            "highlights" => {
                self.fm.highlights = self
                    .string_list(key, &v, "highlights:\n  - First point.\n  - Second point.")
                    .into_iter()
                    .map(|(h, _)| h)
                    .filter(|h| !h.is_empty())
                    .collect();
            }
            "citation" => self.fm.citation = self.text(key, &v, true),
            "sources" => self.fm.sources = self.sources(key, v),
            "summary" => self.fm.summary = self.text(key, &v, true),
            "draft" => match v {
                Value::Bool(b) => self.fm.draft = b,
                other => self.err(
                    key,
                    format!(
                        "`draft` must be true or false, found {}",
                        short_yaml(&other)
                    ),
                    "draft: true",
                ),
            },
            "slug" => self.fm.slug = self.text(key, &v, true),
            "aliases" => {
                let aliases = match &v {
                    Value::String(s) => vec![(s.trim().to_string(), self.pos(key))],
                    Value::Sequence(_) | Value::Null => {
                        self.string_list(key, &v, "aliases: [/old/url/]")
                    }
                    other => {
                        self.err(
                            key,
                            format!(
                                "`aliases` must be a site path or a list of site paths, found {}",
                                short_yaml(other)
                            ),
                            "aliases: [/old/url/]".to_string(),
                        );
                        Vec::new()
                    }
                };
                // One old URL written twice (as is, in another spelling, or through a YAML
                // alias) is one redirect: later repeats are dropped.
                let mut seen = std::collections::HashSet::new();
                (self.fm.aliases, self.fm.alias_pos) = aliases
                    .into_iter()
                    .filter(|(a, _)| {
                        // The file the redirect is written to (`/old/` and `/old/index.html`
                        // are one); letter case counts, as on the hosts where it differs.
                        let file = match crate::pipeline::index::normalize_alias(a) {
                            Ok(p) if p.ends_with('/') => format!("{p}index.html"),
                            Ok(p) => p,
                            Err(_) => a.clone(),
                        };
                        seen.insert(file)
                    })
                    .unzip();
            }
            "image" => {
                let image = self.text(key, &v, true);
                self.fm.image = self.checked_url(key, "`image`", image);
            }
            "template" => self.fm.template = self.text(key, &v, true),
            "extra" => match v {
                Value::Mapping(_) => match serde_json::to_value(&v) {
                    Ok(j) => self.fm.extra = j,
                    Err(e) => self.err(
                        key,
                        format!("`extra` cannot be used by templates: {e}"),
                        "use string keys and plain values",
                    ),
                },
                Value::Null => {}
                other => self.err(
                    key,
                    format!("`extra` must be a mapping, found {}", short_yaml(&other)),
                    "extra:\n  key: value",
                ),
            },
            "name" => self.fm.name = self.text(key, &v, true),
            "role" => self.fm.role = self.text(key, &v, false),
            "avatar" => {
                let avatar = self.text(key, &v, false);
                self.fm.avatar = self.checked_url(key, "`avatar`", avatar);
            }
            "email" => self.fm.email = self.text(key, &v, false),
            "links" => self.fm.links = self.links(key, v),
            _ => {}
        }
    }

    /// Keeps a URL value only when [`url_problem`] finds nothing wrong with it; otherwise
    /// reports an error at `key` naming `what` (e.g. "`sources` item 2 `url`").
    fn checked_url(&mut self, key: &str, what: &str, url: Option<String>) -> Option<String> {
        let url = url?;
        match url_problem(&url) {
            None => Some(url),
            Some(why) => {
                self.err(key, format!("{what} {url:?} {why}"), URL_HELP);
                None
            }
        }
    }

    /// A number read where text is wanted, as the writer wrote it (`3.10`, not `3.1`; `0x1F`,
    /// not `31`): the plain token at the value being read (see [`Parser::here`]), when it
    /// reads as that same number; else as YAML prints the number.
    fn number_text(&self, key: &str, n: &serde_yaml::Number) -> String {
        let (line, col) = self.here(key, false);
        let written = (|| {
            let text = self.ctx.source.split('\n').nth(line.checked_sub(1)?)?;
            let from = text.char_indices().nth(col.checked_sub(1)?)?.0;
            let mut token = text[from..].split([',', ']', '}', '#']).next()?.trim();
            // An anchor (`&n`) or tag (`!!float`) before the number is not its text.
            while token.starts_with(['&', '!']) {
                token = token.split_once([' ', '\t'])?.1.trim_start();
            }
            let same = serde_yaml::from_str::<Value>(token).ok()? == Value::Number(n.clone());
            same.then(|| token.to_string())
        })();
        written.unwrap_or_else(|| n.to_string())
    }

    /// A string value (numbers and booleans are accepted as their text). `required_nonempty`
    /// reports an empty string.
    fn text(&mut self, key: &str, v: &Value, required_nonempty: bool) -> Option<String> {
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => self.number_text(key, n),
            Value::Bool(b) => b.to_string(),
            Value::Null if !required_nonempty => return None,
            other => {
                self.err(
                    key,
                    format!("`{key}` must be text, found {}", short_yaml(other)),
                    format!("{key}: \"…\""),
                );
                return None;
            }
        };
        if s.is_empty() {
            if required_nonempty {
                self.err(
                    key,
                    format!("`{key}` is empty"),
                    format!("give `{key}` a value or remove the line"),
                );
            }
            return None;
        }
        Some(s)
    }

    /// The text items of list `v`, each with the (line, column) of its own item (else of
    /// `key`'s value); other items are errors.
    fn string_list(
        &mut self,
        key: &str,
        v: &Value,
        example: &str,
    ) -> Vec<(String, (usize, usize))> {
        match v {
            Value::Null => Vec::new(),
            Value::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.item = Some(i);
                    let at = self.here(key, false);
                    match item {
                        Value::String(s) => out.push((s.trim().to_string(), at)),
                        Value::Number(n) => out.push((self.number_text(key, n), at)),
                        Value::Bool(b) => out.push((b.to_string(), at)),
                        other => self.err(
                            key,
                            format!(
                                "`{key}` item {} must be text, found {}",
                                i + 1,
                                short_yaml(other)
                            ),
                            example.to_string(),
                        ),
                    }
                }
                self.item = None;
                out
            }
            other => {
                self.err(
                    key,
                    format!("`{key}` must be a list, found {}", short_yaml(other)),
                    example.to_string(),
                );
                Vec::new()
            }
        }
    }

    fn date(&mut self, key: &str, v: &Value) -> Option<Zoned> {
        let s = match v {
            Value::String(s) => s.clone(),
            other => {
                self.err(
                    key,
                    format!("`{key}` must be a date, found {}", short_yaml(other)),
                    DATE_HELP,
                );
                return None;
            }
        };
        match parse_date(&s, self.tz) {
            Ok(z) => Some(z),
            Err(why) => {
                self.err(
                    key,
                    format!("`{key}` value {s:?} is not a valid date: {why}"),
                    DATE_HELP,
                );
                None
            }
        }
    }

    fn authors(&mut self, key: &str, v: Value) -> Vec<AuthorRef> {
        match v {
            Value::Null => Vec::new(),
            Value::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    self.item = Some(i);
                    out.extend(self.author(key, item));
                }
                self.item = None;
                out
            }
            other => self.author(key, other).into_iter().collect(),
        }
    }

    fn author(&mut self, key: &str, v: Value) -> Option<AuthorRef> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(AuthorRef::Id(s.trim().to_string())),
            Value::Mapping(m) => {
                let mut a = InlineAuthor::default();
                self.read_fields(&m);
                for (j, (k, val)) in m.into_iter().enumerate() {
                    self.field = Some(j);
                    let k = k.as_str().unwrap_or_default().to_string();
                    let text = match &val {
                        Value::String(s) => s.trim().to_string(),
                        Value::Null => String::new(),
                        other => {
                            self.err(
                                key,
                                format!("author `{k}` must be text, found {}", short_yaml(other)),
                                "author: {name: \"Jane Doe\", bio: \"Covers trade.\"}",
                            );
                            continue;
                        }
                    };
                    match k.as_str() {
                        "name" => a.name = text,
                        "bio" => a.bio = Some(text).filter(|s| !s.is_empty()),
                        "url" => {
                            let url = Some(text).filter(|s| !s.is_empty());
                            a.url = self.checked_url(key, "author `url`", url);
                        }
                        "avatar" => {
                            let avatar = Some(text).filter(|s| !s.is_empty());
                            a.avatar = self.checked_url(key, "author `avatar`", avatar);
                        }
                        "role" => a.role = Some(text).filter(|s| !s.is_empty()),
                        other => {
                            let help = crate::suggest::help_for(
                                other,
                                &["name", "bio", "url", "avatar", "role"],
                            );
                            self.err_key(key, format!("unknown author key `{other}`"), help);
                        }
                    }
                }
                self.field = None;
                if a.name.is_empty() {
                    self.err(
                        key,
                        "an inline author needs a `name`".into(),
                        "author: {name: \"Jane Doe\", bio: \"Covers trade.\"}",
                    );
                    return None;
                }
                Some(AuthorRef::Inline(a))
            }
            other => {
                self.err(
                    key,
                    format!(
                        "`author` must be an author id, an inline {{name, bio}} or a list of them, found {}",
                        short_yaml(&other)
                    ),
                    "author: daniel   # content/authors/daniel.md",
                );
                None
            }
        }
    }

    fn sources(&mut self, key: &str, v: Value) -> Vec<Source> {
        let example = "sources:\n  - title: \"Allies hedge\"\n    publisher: \"Wall Street Journal\"\n    url: \"https://…\"\n    date: 2026-01-26";
        let items = match v {
            Value::Null => return Vec::new(),
            Value::Sequence(items) => items,
            other => {
                self.err(
                    key,
                    format!("`sources` must be a list, found {}", short_yaml(&other)),
                    example,
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            self.item = Some(i);
            let Value::Mapping(m) = item else {
                self.err(
                    key,
                    format!("`sources` item {} must be a mapping", i + 1),
                    example,
                );
                continue;
            };
            let mut s = Source::default();
            self.read_fields(&m);
            for (j, (k, val)) in m.into_iter().enumerate() {
                self.field = Some(j);
                let k = k.as_str().unwrap_or_default().to_string();
                let text = match &val {
                    Value::String(t) => t.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => String::new(),
                    other => {
                        self.err(
                            key,
                            format!(
                                "`sources` item {} `{k}` must be text, found {}",
                                i + 1,
                                short_yaml(other)
                            ),
                            example,
                        );
                        continue;
                    }
                };
                let text = Some(text).filter(|t| !t.is_empty());
                match k.as_str() {
                    "title" => s.title = text.unwrap_or_default(),
                    "publisher" => s.publisher = text,
                    "url" => {
                        let what = format!("`sources` item {} `url`", i + 1);
                        s.url = self.checked_url(key, &what, text);
                    }
                    "date" => {
                        if let Some(t) = &text
                            && let Err(why) = parse_date(t, self.tz)
                        {
                            self.err(
                                key,
                                format!(
                                    "`sources` item {} date {t:?} is not a valid date: {why}",
                                    i + 1
                                ),
                                DATE_HELP,
                            );
                        }
                        s.date = text;
                    }
                    other => {
                        let help =
                            crate::suggest::help_for(other, &["title", "publisher", "url", "date"]);
                        self.err_key(
                            key,
                            format!("unknown key `{other}` in `sources` item {}", i + 1),
                            help,
                        );
                    }
                }
            }
            self.field = None;
            if s.title.is_empty() {
                self.err(
                    key,
                    format!("`sources` item {} has no `title`", i + 1),
                    example,
                );
                continue;
            }
            out.push(s);
        }
        self.item = None;
        self.field = None;
        out
    }

    fn links(&mut self, key: &str, v: Value) -> Vec<Link> {
        let example = "links:\n  - {name: Website, url: \"https://example.org\"}";
        let mut out = Vec::new();
        match v {
            Value::Null => {}
            Value::Mapping(m) => {
                // Each link is an entry `name: url`: a bad URL is named at the URL.
                self.read_fields(&m);
                for (i, (k, val)) in m.into_iter().enumerate() {
                    self.field = Some(i);
                    match (k.as_str(), val.as_str()) {
                        (Some(name), Some(url)) => {
                            let what = format!("link `{}` url", name.trim());
                            let url = Some(url.trim().to_string());
                            if let Some(url) = self.checked_url(key, &what, url) {
                                let name = name.trim().to_string();
                                out.push(Link { name, url });
                            }
                        }
                        _ => self.err(key, "each link needs a name and a URL".into(), example),
                    }
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.item = Some(i);
                    self.fields.clear();
                    if let Value::Mapping(m) = &item {
                        self.read_fields(m);
                    }
                    let name = item.get("name").and_then(Value::as_str);
                    let url = item.get("url").and_then(Value::as_str);
                    match (name, url) {
                        (Some(n), Some(u)) => {
                            let what = format!("link `{}` url", n.trim());
                            let url = Some(u.trim().to_string());
                            self.field = self.field_named("url");
                            let checked = self.checked_url(key, &what, url);
                            self.field = None;
                            if let Some(url) = checked {
                                let name = n.trim().to_string();
                                out.push(Link { name, url });
                            }
                        }
                        _ => self.err(key, "each link needs `name` and `url`".into(), example),
                    }
                }
            }
            other => self.err(
                key,
                format!("`links` must be a list, found {}", short_yaml(&other)),
                example,
            ),
        }
        self.item = None;
        self.field = None;
        out
    }
}

const URL_HELP: &str =
    "write an http(s) URL (https://example.org/page) or a site path (/images/map.png)";

/// URL schemes front matter may use; anything else (`javascript:`, `data:`, `vbscript:`,
/// `file:`…) could run script or read local files when a reader clicks the link.
const URL_SCHEMES: &[&str] = &["http", "https", "ftp", "ftps", "mailto", "tel"];

/// Why a front matter URL (`sources` url, author url/avatar/links, `image`) is refused, or
/// `None` when it is a site path, a relative path or uses an allowed scheme.
///
/// The scheme is read the way browsers read it: surrounding whitespace and control
/// characters ignored, tabs and line breaks inside ignored, letters in any case — so
/// ` JaVa\tScript:` is `javascript:`.
pub fn url_problem(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    if !cleaned[end..].starts_with(':') {
        return None;
    }
    let scheme = &cleaned[..end];
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    if URL_SCHEMES.contains(&scheme.as_str()) {
        None
    } else {
        Some(format!(
            "uses the `{scheme}:` scheme, which is not allowed (allowed: {}, or a site path)",
            URL_SCHEMES.join(", ")
        ))
    }
}

const DATE_HELP: &str = "write a date as YYYY-MM-DD (2026-01-27) or with a time and offset, RFC 3339 (2026-01-27T09:30:00+01:00)";

/// A short description of a YAML value for messages: `a list`, `a number (3)`, ….
fn short_yaml(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("text ({s:?})"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a tagged value ({})", t.tag),
    }
}

/// The first date [`parse_date`] accepts.
const FIRST_DATE: &str = "0001-01-01";
/// The last date [`parse_date`] accepts.
const LAST_DATE: &str = "9998-12-31";

/// Parses a front matter date.
///
/// Accepted: `YYYY-MM-DD` (midnight in `tz`); `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` (in `tz`);
/// the same followed by `Z`, `±HH:MM` or `±HHMM`, optionally after a space (RFC 3339 and the
/// YAML timestamp forms). The result keeps the written offset, so it displays the calendar
/// date as written. Returns a reason when the text is not one of those or is not a real date.
pub fn parse_date(s: &str, tz: &TimeZone) -> Result<Zoned, String> {
    let s = s.trim();
    let bytes = s.as_bytes();
    let shape_ok = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 4 && bytes.get(digits) == Some(&b'-') {
            return Err(format!(
                "the year {} has more than 4 digits: smelt handles dates from {FIRST_DATE} to {LAST_DATE}",
                &s[..digits]
            ));
        }
        let year_first =
            bytes.len() > 5 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
        return Err(if year_first {
            "expected YYYY-MM-DD, with two digits for the month and for the day (2026-01-07)"
        } else {
            "expected a date written year first, YYYY-MM-DD"
        }
        .into());
    }
    let date: jiff::civil::Date = s[..10]
        .parse()
        .map_err(|_| format!("{} is not a calendar date", &s[..10]))?;
    // Instants end during 9999-12-31 (as the offset has it): the year 9999 is refused whole.
    if date.year() > 9998 {
        return Err(format!(
            "{} is beyond the last date smelt handles ({LAST_DATE})",
            &s[..10]
        ));
    }
    // There is no year 0 in feeds' and sitemaps' dates (RFC 2822, W3C): it is refused.
    if date.year() < 1 {
        return Err(format!(
            "{} is before the first date smelt handles ({FIRST_DATE})",
            &s[..10]
        ));
    }
    let rest = &s[10..];
    if rest.is_empty() {
        return date
            .to_zoned(tz.clone())
            .map(whole_minute_offset)
            .map_err(|e| format!("cannot place it in the site time zone: {e}"))
            .and_then(|z| after_year_0(z, &s[..10]));
    }
    // Normalise `date time` and `time offset` spacing to RFC 3339 shape.
    let mut norm = String::with_capacity(s.len());
    norm.push_str(&s[..10]);
    let rest = rest
        .strip_prefix([' ', 'T', 't'])
        .ok_or("expected a `T` or space after the date")?;
    norm.push('T');
    let rest = rest.trim_start();
    let (time_part, zone_part) = match rest.find(['Z', 'z', '+', '-', ' ']) {
        Some(i) => (&rest[..i], rest[i..].trim_start()),
        None => (rest, ""),
    };
    norm.push_str(time_part);
    let zone_part = match zone_part {
        "UTC" | "GMT" => "Z",
        z => z,
    };
    norm.push_str(zone_part);
    let pieces = jiff::fmt::temporal::Pieces::parse(norm.as_str())
        .map_err(|_| format!("{rest:?} is not a time of day with an optional offset"))?;
    let time = pieces.time().unwrap_or(jiff::civil::Time::midnight());
    let dt = pieces.date().to_datetime(time);
    let zoned = match pieces.to_numeric_offset() {
        Some(offset) => {
            // RFC 3339 offsets run from -23:59 to +23:59 (jiff accepts up to ±25:59:59).
            if offset.seconds().abs() >= 24 * 3600 {
                return Err(format!(
                    "the offset {zone_part} is out of range: write one from -23:59 to +23:59"
                ));
            }
            dt.to_zoned(TimeZone::fixed(offset))
                .map_err(|e| e.to_string())?
        }
        None if zone_part.is_empty() => dt.to_zoned(tz.clone()).map_err(|e| e.to_string())?,
        None => return Err(format!("unknown offset {zone_part:?}")),
    };
    after_year_0(whole_minute_offset(zoned), &s[..10])
}

/// `z` when it is in the year 1 or later also in UTC, which feeds and sitemaps may write: a
/// date early on 0001-01-01 east of UTC, or in a zone whose offset then had seconds, is the
/// year 0 there.
fn after_year_0(z: Zoned, written: &str) -> Result<Zoned, String> {
    if z.year() < 1 || z.with_time_zone(TimeZone::UTC).year() < 1 {
        return Err(format!(
            "{written} is still the year 0 in UTC once placed in its time zone or offset, before the first date smelt handles ({FIRST_DATE} 00:00 UTC)"
        ));
    }
    Ok(z)
}

/// `z` itself when its offset is a whole number of minutes, else the same instant in UTC:
/// RFC 3339 and RFC 2822 (HTML `datetime`, feeds) cannot write offsets with seconds, which
/// time zones have for old dates (local mean time, e.g. -04:56:02 in New York before 1883).
fn whole_minute_offset(z: Zoned) -> Zoned {
    if z.offset().seconds() % 60 == 0 {
        z
    } else {
        z.with_time_zone(TimeZone::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str, kind: DocKind) -> Result<FrontMatter, Vec<Diagnostic>> {
        let src: Arc<str> = Arc::from(text);
        let sp = split(text).expect("split");
        parse(&src, &sp, kind, "content/posts/t.md", &TimeZone::UTC)
    }

    /// The year 9999 is refused in plain words, not with the date library's range error.
    #[test]
    fn the_year_9999_is_out_of_range() {
        for d in [
            "9999-12-31",
            "9999-01-01T10:00:00Z",
            "9999-06-01 12:00 +05:00",
        ] {
            assert_eq!(
                parse_date(d, &TimeZone::UTC).unwrap_err(),
                format!(
                    "{} is beyond the last date smelt handles (9998-12-31)",
                    &d[..10]
                )
            );
        }
        assert!(parse_date("9998-12-31T23:59:59+14:00", &TimeZone::UTC).is_ok());
    }

    /// A year of more than 4 digits, or the year 0, is refused saying so.
    /// A date that is the year 1 as written but the year 0 in UTC (east of UTC, or moved to
    /// UTC for a local-mean-time offset with seconds) is refused: feeds would write 0000.
    #[test]
    fn the_year_1_must_be_the_year_1_in_utc() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        for (d, tz) in [
            ("0001-01-01", &berlin),
            ("0001-01-01T00:30:00+01:00", &TimeZone::UTC),
        ] {
            assert_eq!(
                parse_date(d, tz).unwrap_err(),
                "0001-01-01 is still the year 0 in UTC once placed in its time zone or offset, before the first date smelt handles (0001-01-01 00:00 UTC)"
            );
        }
        assert!(parse_date("0001-01-01", &TimeZone::UTC).is_ok());
        assert!(parse_date("0001-01-01T12:00:00", &berlin).is_ok());
    }

    #[test]
    fn years_run_from_1_to_9998_written_with_4_digits() {
        let utc = TimeZone::UTC;
        for (d, why) in [
            (
                "10000-01-01",
                "the year 10000 has more than 4 digits: smelt handles dates from 0001-01-01 to 9998-12-31",
            ),
            (
                "02026-01-01T10:00Z",
                "the year 02026 has more than 4 digits: smelt handles dates from 0001-01-01 to 9998-12-31",
            ),
            (
                "0000-01-01",
                "0000-01-01 is before the first date smelt handles (0001-01-01)",
            ),
            (
                "0000-12-31T23:00:00-05:00",
                "0000-12-31 is before the first date smelt handles (0001-01-01)",
            ),
        ] {
            assert_eq!(parse_date(d, &utc).unwrap_err(), why, "{d}");
        }
        assert!(parse_date("0001-01-01T00:00:00Z", &utc).is_ok());
    }

    /// `aliases` takes one site path or a list; anything else says so.
    #[test]
    fn aliases_take_a_path_or_a_list() {
        let one = fm("---\ntitle: T\naliases: /old/\n---\n", DocKind::Page).unwrap();
        assert_eq!(one.aliases, ["/old/"]);
        let e = fm("---\ntitle: T\naliases: 5\n---\n", DocKind::Page).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].message,
            "`aliases` must be a site path or a list of site paths, found a number (5)"
        );
        assert_eq!((e[0].line, e[0].col), (Some(3), Some(10)));
    }

    #[test]
    fn dates_keep_rfc3339_offsets_only() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let e = parse_date("2026-01-27T09:30:00+25:00", &tz).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        assert!(parse_date("2026-01-27T09:30:00+24:00", &tz).is_err());
        let z = parse_date("2026-01-27T09:30:00-23:59", &tz).unwrap();
        assert_eq!(z.offset().seconds(), -(23 * 3600 + 59 * 60));
        // Local mean time (-04:56:02) has seconds: the same instant is kept, in UTC.
        let old = parse_date("0001-01-01", &tz).unwrap();
        assert_eq!(old.offset().seconds(), 0);
        assert_eq!(old.to_string(), "0001-01-01T04:56:02+00:00[UTC]");
        let e = parse_date("2026-1-7", &tz).unwrap_err();
        assert!(e.contains("two digits for the month"), "{e}");
    }

    #[test]
    fn split_basic_and_ranges_cover_text() {
        let t = "---\ntitle: a\n---\nbody\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.yaml.clone()], "title: a\n");
        assert_eq!(&t[s.body.clone()], "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("title: x\n"), Err(SplitError::NoFrontMatter));
        assert_eq!(
            split("+++\ntitle='x'\n+++\n"),
            Err(SplitError::TomlFrontMatter)
        );
        assert_eq!(split("---\ntitle: x\n"), Err(SplitError::Unclosed));
        assert_eq!(split(""), Err(SplitError::NoFrontMatter));
    }

    #[test]
    fn split_allows_dots_close_and_trailing_space() {
        let s = split("--- \ntitle: a\n...\nx").unwrap();
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unknown_keys_all_reported_with_suggestion() {
        let e = fm(
            "---\ntittle: a\ndate: 2024-01-01\nhightlights: [x]\n---\n",
            DocKind::Post,
        )
        .unwrap_err();
        let unknown: Vec<_> = e.iter().filter(|d| d.rule == "unknown-key").collect();
        assert_eq!(unknown.len(), 2);
        assert_eq!(unknown[0].line, Some(2));
        assert_eq!(unknown[0].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(unknown[1].line, Some(4));
        assert_eq!(
            unknown[1].help.as_deref(),
            Some("did you mean `highlights`?")
        );
    }

    #[test]
    fn yaml_error_has_file_line() {
        let e = fm("---\ntitle: \"open\ndate: 2024-01-01\n---\n", DocKind::Post).unwrap_err();
        assert!(e[0].line.unwrap() >= 2, "{:?}", e[0]);
        assert!(e[0].message.contains("not valid YAML"), "{}", e[0].message);
    }

    #[test]
    fn bad_date_points_at_value() {
        let e = fm("---\ntitle: a\ndate: 2024-13-45\n---\n", DocKind::Post).unwrap_err();
        assert_eq!((e[0].line, e[0].col), (Some(3), Some(7)));
        assert!(e[0].message.contains("date"));
    }

    #[test]
    fn date_forms() {
        let utc = TimeZone::UTC;
        let ts = |s: &str| parse_date(s, &utc).unwrap().timestamp().to_string();
        assert_eq!(ts("2024-06-22"), "2024-06-22T00:00:00Z");
        assert_eq!(ts("2024-06-22 18:42:00 +02:00"), "2024-06-22T16:42:00Z");
        assert_eq!(ts("2024-06-22T18:42:00+02:00"), "2024-06-22T16:42:00Z");
        assert_eq!(ts("2024-06-22T16:42:00Z"), "2024-06-22T16:42:00Z");
        assert_eq!(ts("2019-06-13T06:46:30+0000"), "2019-06-13T06:46:30Z");
        assert_eq!(ts("2024-06-22 09:15"), "2024-06-22T09:15:00Z");
        assert_eq!(ts("2012-09-27T17:13:12.625Z"), "2012-09-27T17:13:12.625Z");
        assert!(parse_date("10-12-2024", &utc).is_err());
        assert!(parse_date("2024-13-45", &utc).is_err());
        assert!(parse_date("2024-02-30", &utc).is_err());
        assert!(parse_date("2024-06-22T25:00", &utc).is_err());
        assert!(parse_date("yesterday", &utc).is_err());
    }

    #[test]
    fn date_keeps_written_offset() {
        let z = parse_date("2024-03-05T23:30:00+05:30", &TimeZone::UTC).unwrap();
        assert_eq!(z.date().to_string(), "2024-03-05");
        assert_eq!(z.offset().to_string(), "+05:30");
    }

    #[test]
    fn date_only_uses_site_zone() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let z = parse_date("2024-01-15", &ny).unwrap();
        assert_eq!(z.timestamp().to_string(), "2024-01-15T05:00:00Z");
    }

    #[test]
    fn full_post_front_matter() {
        let f = fm(
            "---\ntitle: \"T\"\ndate: 2026-01-27\nupdated: 2026-01-28\nauthor: [daniel, {name: Ann, bio: Hi}]\ntags: [ China ,  Rare   Earths]\nhighlights:\n  - one\n  - two\ncitation: \"WSJ\"\nsources:\n  - {title: A, publisher: B, url: \"https://x.org\", date: 2026-01-26}\nsummary: S\ndraft: true\nslug: custom\naliases: [/old/]\nimage: /i.png\nextra:\n  k: v\n---\nbody",
            DocKind::Post,
        )
        .unwrap();
        assert_eq!(f.title, "T");
        assert_eq!(f.tags, vec!["China", "Rare Earths"]);
        assert_eq!(f.highlights.len(), 2);
        assert_eq!(f.authors.len(), 2);
        assert!(matches!(&f.authors[1], AuthorRef::Inline(a) if a.name == "Ann"));
        assert_eq!(f.sources[0].publisher.as_deref(), Some("B"));
        assert!(f.draft);
        assert_eq!(f.extra["k"], "v");
        assert_eq!(f.aliases, vec!["/old/"]);
    }

    #[test]
    fn url_schemes_are_checked_like_a_browser_reads_them() {
        for ok in [
            "https://example.org/a",
            "HTTP://x.org",
            "/images/a.png",
            "images/a.png",
            "//cdn.example.org/x.png",
            "mailto:me@example.org",
            "page?x=a:b",
            "#top",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn every_url_field_refuses_script_urls() {
        let e = fm(
            "---\ntitle: T\ndate: 2024-01-01\nimage: \"javascript:alert('i')\"\nauthor: {name: A, url: \"javascript:alert('u')\", avatar: \"data:text/html,x\"}\nsources:\n  - {title: S, url: \" JavaScript:alert('s')\"}\n---\n",
            DocKind::Post,
        )
        .unwrap_err();
        let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(e.len(), 4, "{msgs:?}");
        let starts = [
            "`image`",
            "author `url`",
            "author `avatar`",
            "`sources` item 1",
        ];
        for start in starts {
            let found = msgs.iter().any(|m| m.starts_with(start));
            assert!(found, "{start}: {msgs:?}");
        }
        assert_eq!((e[0].line, e[0].col), (Some(4), Some(8)));
        let a = fm(
            "---\nname: Ann\navatar: \"javascript:x\"\nlinks:\n  - {name: Site, url: \"javascript:alert(1)\"}\n  - {name: Web, url: \"https://ann.example\"}\n---\n",
            DocKind::Author,
        )
        .unwrap_err();
        assert_eq!(a.len(), 2, "{a:?}");
        assert!(a[1].message.contains("link `Site` url"), "{a:?}");
    }

    #[test]
    fn item_positions_follow_the_layout() {
        let t = "---\ntitle: T\naliases:\n  - /a/../../z/\n  -   //evil.example/\n  # note\n  - \"../y/\"\ntags: [[nested], {a: b}, 'it''s, here', null,]\nlinks:\n  Site: x\n  Blog: y\nauthor: {name: A,\n  bio: \"B, c\"}  # who\nhighlights:\n- one\n-\n  two\nslug: s\n---\nbody";
        assert_eq!(item_positions(t, "aliases"), vec![(4, 5), (5, 7), (7, 5)]);
        assert_eq!(
            item_positions(t, "tags"),
            vec![(8, 8), (8, 18), (8, 26), (8, 41)]
        );
        assert_eq!(item_positions(t, "links"), vec![(10, 3), (11, 3)]);
        assert_eq!(item_positions(t, "author"), vec![(12, 10), (13, 3)]);
        assert_eq!(item_positions(t, "highlights"), vec![(15, 3), (16, 1)]);
        assert!(item_positions(t, "slug").is_empty());
        assert!(item_positions(t, "missing").is_empty());
    }

    proptest::proptest! {
        /// Locating entries never panics, from any offset of any text, at any depth.
        #[test]
        fn entries_never_panic(
            yaml in "[ \t\n\"'\\[\\]{}:,#|>&*!a-cé-]{0,60}",
            at in 0usize..64,
        ) {
            let mut todo = vec![at];
            let mut seen = 0;
            while let Some(at) = todo.pop() {
                seen += 1;
                proptest::prop_assert!(seen < 1000);
                for e in entries(&yaml, at) {
                    proptest::prop_assert!(e.at < yaml.len());
                    todo.extend(e.value.filter(|&v| v > at));
                }
            }
        }
    }

    /// Entries nest: a list item's mapping has its own keys and values, block or flow;
    /// where the layout is not read (an anchor), errors fall back to the item.
    #[test]
    fn nested_entries_are_located() {
        let y = "sources:\n  - title: A\n    url:\n      /x\n  - {title: B, url: /y}\nk: v\n";
        let top = top_value(y, "sources").unwrap();
        let items = entries(y, top);
        let keys = |at: Option<usize>| -> Vec<(String, Option<(usize, usize)>)> {
            entries(y, at.unwrap())
                .into_iter()
                .map(|e| {
                    (
                        e.key.unwrap(),
                        e.value.map(|v| crate::config::line_col(y, v)),
                    )
                })
                .collect()
        };
        assert_eq!(
            keys(items[0].value),
            [
                ("title".into(), Some((2, 12))),
                ("url".into(), Some((4, 7)))
            ]
        );
        assert_eq!(
            keys(items[1].value),
            [
                ("title".into(), Some((5, 13))),
                ("url".into(), Some((5, 21)))
            ]
        );
        let e = fm(
            "---\ntitle: T\ndate: 2024-01-01\nsources:\n  - &s {title: A, url: \"javascript:x\"}\n---\n",
            DocKind::Post,
        )
        .unwrap_err();
        assert_eq!((e[0].line, e[0].col), (Some(5), Some(5)), "{e:?}");
    }

    #[test]
    fn item_errors_point_at_their_items() {
        let e = fm(
            "---\ntitle: T\ndate: 2024-01-01\ntags: [[nested], {a: b}, null]\nhighlights:\n  - [x]\n  - {y: z}\n---\n",
            DocKind::Post,
        )
        .unwrap_err();
        let at: Vec<(Option<usize>, Option<usize>)> = e.iter().map(|d| (d.line, d.col)).collect();
        assert_eq!(
            at,
            vec![
                (Some(4), Some(8)),
                (Some(4), Some(18)),
                (Some(4), Some(26)),
                (Some(6), Some(5)),
                (Some(7), Some(5))
            ]
        );
        let a = fm(
            "---\nname: Ann\nlinks:\n  - {name: A, url: \"data:text/html,x\"}\n  - {name: B, url: \"JaVaScRiPt:x\"}\n  - name: C\n    url: \" javascript:x\"\n  - {name: D, url: \"java\\tscript:x\"}\n---\n",
            DocKind::Author,
        )
        .unwrap_err();
        // At each bad URL, block or flow.
        let at: Vec<(Option<usize>, Option<usize>)> = a.iter().map(|d| (d.line, d.col)).collect();
        let want = [(4, 20), (5, 20), (7, 10), (8, 20)].map(|(l, c)| (Some(l), Some(c)));
        assert_eq!(at, want, "{a:?}");
    }

    #[test]
    fn numbers_read_as_text_keep_their_written_form() {
        let f = fm(
            "---\ntitle: 3.10\ndate: 2024-01-01\nslug: 0x1F   # hex\ncitation: .inf\ntags: [1.50, 0o17, 2024]\nhighlights:\n  - 1_000\n  - 2.0\n---\n",
            DocKind::Post,
        )
        .unwrap();
        assert_eq!(f.title, "3.10");
        assert_eq!(f.slug.as_deref(), Some("0x1F"));
        assert_eq!(f.citation.as_deref(), Some(".inf"));
        assert_eq!(f.tags, ["1.50", "0o17", "2024"]);
        assert_eq!(f.highlights, ["1_000", "2.0"]);
        // An anchor or tag before the number is not part of its text.
        let f = fm(
            "---\ntitle: !!float 3.10\ndate: 2024-01-01\ntags: [!!float 2.50, &m 7.0]\nhighlights:\n  - &n 1.50\n  - *n\n---\n",
            DocKind::Post,
        )
        .unwrap();
        assert_eq!(f.title, "3.10");
        assert_eq!(f.tags, ["2.50", "7.0"]);
        assert_eq!(f.highlights[0], "1.50");
    }

    #[test]
    fn missing_title_and_date() {
        let e = fm("---\ntags: [a]\n---\n", DocKind::Post).unwrap_err();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn page_rejects_post_keys() {
        let e = fm("---\ntitle: About\ntags: [x]\n---\n", DocKind::Page).unwrap_err();
        assert_eq!(e[0].rule, "unknown-key");
    }
}
