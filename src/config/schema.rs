//! `site.toml` validation before typed deserialisation: the document is parsed with spans and
//! every key of every table is checked against [`SITE`] (known key, kind of value, range) in
//! one pass, so one run reports every unknown key (nearest known key suggested), every value
//! of the wrong kind and every bad table, each at its `site.toml` line and column.
//!
//! Input: the text of `site.toml`. Output: a [`Document`]: the diagnostics, the table with
//! every invalid entry removed (which then deserialises into `Config` without error), and the
//! position of any value for later checks. Messages speak TOML (`a whole number ≥ 1`, `text`,
//! `a table`), never Rust types.

use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::{CONFIG_FILE, line_col};
use crate::error::Diagnostic;

/// What a key may hold.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string.
    Text,
    /// `true` or `false`.
    Bool,
    /// A whole number in `min..=max`.
    Count {
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// A table of strings with any keys.
    TextMap,
    /// A table with any keys whose values are one of these strings.
    ChoiceMap(&'static [&'static str]),
    /// A table with these keys.
    Table(&'static [Field]),
    /// An array of tables with these keys (`[[menu]]`).
    Tables(&'static [Field]),
    /// Anything (free template data).
    Any,
}

/// One known key of a table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether the table must have it.
    pub required: bool,
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const fn count(min: u64) -> Kind {
    Kind::Count {
        min,
        max: i64::MAX as u64,
    }
}

const MENU: &[Field] = &[req("title", Kind::Text), req("url", Kind::Text)];
const MARKDOWN: &[Field] = &[
    opt("smart_punctuation", Kind::Bool),
    opt("unsafe_html", Kind::Bool),
    opt("highlight", Kind::Bool),
    opt("highlight_theme", Kind::Text),
    opt("highlight_theme_dark", Kind::Text),
    opt("highlight_max_bytes", count(0)),
    opt("heading_anchors", Kind::Bool),
    opt("external_links_new_tab", Kind::Bool),
    opt("words_per_minute", count(1)),
];
const PERMALINKS: &[Field] = &[
    opt("posts", Kind::Text),
    opt("pages", Kind::Text),
    opt("tags", Kind::Text),
    opt("authors", Kind::Text),
];
const FEEDS: &[Field] = &[
    opt("atom", Kind::Bool),
    opt("rss", Kind::Bool),
    opt("json", Kind::Bool),
    opt("per_term", Kind::Bool),
    opt("limit", count(0)),
    opt("content", Kind::Choice(&["full", "summary"])),
];
const SEARCH: &[Field] = &[opt("enabled", Kind::Bool)];
const SEO: &[Field] = &[opt("analysis", Kind::Bool), opt("twitter", Kind::Text)];
const NEWSLETTER: &[Field] = &[
    req("action", Kind::Text),
    opt("email_field", Kind::Text),
    opt("title", Kind::Text),
    opt("text", Kind::Text),
    opt("button", Kind::Text),
    opt("hidden", Kind::TextMap),
];
const COMMENTS: &[Field] = &[req("script", Kind::Text), opt("data", Kind::TextMap)];
const CHECK: &[Field] = &[
    opt("rules", Kind::ChoiceMap(&["off", "warn", "error"])),
    opt("highlights_min", count(0)),
    opt("highlights_max", count(0)),
    opt("title_max", count(0)),
    opt("description_max", count(0)),
    opt(
        "link_cache_days",
        Kind::Count {
            min: 0,
            max: u32::MAX as u64,
        },
    ),
];

/// Every key `site.toml` may have, table by table (kept in step with `Config` by a test).
pub const SITE: &[Field] = &[
    opt("title", Kind::Text),
    opt("description", Kind::Text),
    opt("base_url", Kind::Text),
    opt("language", Kind::Text),
    opt("timezone", Kind::Text),
    opt("theme", Kind::Text),
    opt("paginate_by", count(1)),
    opt("recent_posts", count(0)),
    opt("related_posts", count(0)),
    opt("recent_title", Kind::Text),
    opt("output_dir", Kind::Text),
    opt("logo", Kind::Text),
    opt("image", Kind::Text),
    opt("publisher", Kind::Text),
    opt("menu", Kind::Tables(MENU)),
    opt("markdown", Kind::Table(MARKDOWN)),
    opt("permalinks", Kind::Table(PERMALINKS)),
    opt("feeds", Kind::Table(FEEDS)),
    opt("search", Kind::Table(SEARCH)),
    opt("seo", Kind::Table(SEO)),
    opt("newsletter", Kind::Table(NEWSLETTER)),
    opt("comments", Kind::Table(COMMENTS)),
    opt("check", Kind::Table(CHECK)),
    opt("redirects_file", Kind::Bool),
    opt("extra", Kind::Any),
];

/// A parsed and validated `site.toml`.
pub struct Document {
    /// Every problem found, located.
    pub diags: Vec<Diagnostic>,
    /// The document without the entries that were reported (syntax errors leave it empty).
    pub table: toml::Table,
    /// `false` when the text is not valid TOML (then only the syntax errors are reported).
    pub syntax_ok: bool,
    /// Key path (`markdown.words_per_minute`) → byte span of its value.
    spans: Vec<(String, std::ops::Range<usize>)>,
    text: Arc<str>,
}

impl Document {
    /// Parses and validates `text` (without BOM). Syntax errors are all reported, and stop
    /// the validation.
    pub fn parse(text: &Arc<str>) -> Document {
        let mut doc = Document {
            diags: Vec::new(),
            table: toml::Table::new(),
            syntax_ok: false,
            spans: Vec::new(),
            text: text.clone(),
        };
        let (root, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            for e in errors {
                let at = e.span().map_or(0, |s| s.start);
                let mut msg = e.message().trim().to_string();
                // toml names the duplicate by its place only: name it in the message too.
                if msg == "duplicate key"
                    && let Some(key) = e.span().and_then(|s| text.get(s))
                    && !key.is_empty()
                    && !key.contains('\n')
                {
                    msg = format!(
                        "duplicate key `{}`: a key is set once per table",
                        key.trim()
                    );
                }
                doc.diags.push(
                    doc.diag(at, format!("site.toml is not valid TOML: {msg}"))
                        .with_help("see https://toml.io: `key = \"text\"`, `key = 10`, `key = true`, and `[table]` headers"),
                );
            }
            return doc;
        }
        doc.syntax_ok = true;
        let mut invalid: Vec<Vec<String>> = Vec::new();
        doc.table_fields(
            root.get_ref(),
            root.span(),
            SITE,
            &[],
            "site.toml",
            &mut invalid,
        );
        doc.table = table_of(root.get_ref());
        for path in invalid {
            remove(&mut doc.table, &path);
        }
        doc
    }

    /// 1-based (line, column) of every value, by key path (`markdown.highlight`).
    pub fn positions(&self) -> std::collections::BTreeMap<String, (usize, usize)> {
        self.spans
            .iter()
            .map(|(k, s)| (k.clone(), line_col(&self.text, s.start)))
            .collect()
    }

    /// 1-based (line, column) of the value at key path `path` (`["markdown", "highlight"]`).
    pub fn value_at(&self, path: &[&str]) -> Option<(usize, usize)> {
        let key = path.join(".");
        self.spans
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| line_col(&self.text, s.start))
    }

    /// An error located at `path`'s value (1:1 when it is not in the file).
    pub fn error_at(&self, path: &[&str], msg: String, help: &str) -> Diagnostic {
        self.error_at_nth(path, 0, msg, help)
    }

    /// An error located at the `n`-th (0-based) value with key path `path`, for keys of
    /// array-of-tables entries (`["menu", "url"]` of the third `[[menu]]` is `n = 2`); 1:1
    /// when there is no such value.
    pub fn error_at_nth(&self, path: &[&str], n: usize, msg: String, help: &str) -> Diagnostic {
        let key = path.join(".");
        let (l, c) = self
            .spans
            .iter()
            .filter(|(k, _)| *k == key)
            .nth(n)
            .map(|(_, s)| line_col(&self.text, s.start))
            .unwrap_or((1, 1));
        Diagnostic::error("config", msg)
            .at_path(CONFIG_FILE)
            .at(l, c)
            .with_help(help.to_string())
            .with_source(self.text.clone())
    }

    fn diag(&self, offset: usize, msg: String) -> Diagnostic {
        let (l, c) = line_col(&self.text, offset);
        Diagnostic::error("config", msg)
            .at_path(CONFIG_FILE)
            .at(l, c)
            .with_source(self.text.clone())
    }

    /// Checks the entries of `table` (spanning `span`, at key path `at`) against `fields`.
    fn table_fields(
        &mut self,
        table: &DeTable<'_>,
        span: std::ops::Range<usize>,
        fields: &'static [Field],
        at: &[String],
        label: &str,
        invalid: &mut Vec<Vec<String>>,
    ) {
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let mut path = at.to_vec();
            path.push(name.to_string());
            match fields.iter().find(|f| f.name == name) {
                Some(f) => {
                    if !self.value(value.get_ref(), value.span(), f.kind, &path, invalid) {
                        invalid.push(path);
                    }
                }
                None => {
                    self.unknown(name, key.span().start, value.get_ref(), fields, at, label);
                    invalid.push(path);
                }
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if table.get(f.name).is_none() {
                let msg = format!("{label} needs `{}`", f.name);
                let d = self
                    .diag(span.start, msg)
                    .with_help(format!("add `{} = …` to the table", f.name));
                self.diags.push(d);
                invalid.push(at.to_vec());
            }
        }
    }

    fn unknown(
        &mut self,
        name: &str,
        offset: usize,
        value: &DeValue<'_>,
        fields: &[Field],
        at: &[String],
        label: &str,
    ) {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let is_table = matches!(value, DeValue::Table(_));
        let msg = match (at.is_empty(), is_table) {
            (true, true) => format!("unknown table [{name}]"),
            (true, false) => format!("unknown key `{name}`"),
            (false, _) => format!("unknown key `{name}` in {label}"),
        };
        let mut help = crate::suggest::help_for(name, &names);
        if !at.is_empty() && SITE.iter().any(|f| f.name == name) {
            help = format!(
                "`{name}` is a top-level key: move it above the first [table] header (a key belongs to the table whose header comes before it)"
            );
        }
        let d = self.diag(offset, msg).with_help(help);
        self.diags.push(d);
    }

    /// Checks one value; `false` when it was reported (its entry is then dropped).
    fn value(
        &mut self,
        value: &DeValue<'_>,
        span: std::ops::Range<usize>,
        kind: Kind,
        path: &[String],
        invalid: &mut Vec<Vec<String>>,
    ) -> bool {
        self.spans.push((path.join("."), span.clone()));
        let name = path.join(".");
        let expected: String = match kind {
            Kind::Any => return true,
            Kind::Text if matches!(value, DeValue::String(_)) => return true,
            Kind::Text => "text (in quotes)".into(),
            Kind::Bool if matches!(value, DeValue::Boolean(_)) => return true,
            Kind::Bool => "true or false".into(),
            Kind::Count { min, max } => {
                let n = match value {
                    DeValue::Integer(i) => {
                        i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
                    }
                    _ => None,
                };
                if n.is_some_and(|n| n >= i128::from(min) && n <= i128::from(max)) {
                    return true;
                }
                // A value past the top names the top (TOML integers end at i64::MAX).
                if n.is_some_and(|n| n > i128::from(max)) {
                    format!("a whole number from {min} to {max}")
                } else if max == i64::MAX as u64 && min == 0 {
                    "a whole number (0 or more)".to_string()
                } else if max == i64::MAX as u64 {
                    format!("a whole number ≥ {min}")
                } else {
                    format!("a whole number from {min} to {max}")
                }
            }
            Kind::Choice(options) => match value {
                DeValue::String(s) if options.contains(&s.as_ref()) => return true,
                _ => format!("one of {}", quoted(options)),
            },
            Kind::TextMap | Kind::ChoiceMap(_) => {
                let DeValue::Table(t) = value else {
                    let d = self.diag(
                        span.start,
                        format!("`{name}` must be a table, found {}", describe(value)),
                    );
                    self.diags.push(d.with_help(format!(
                        "write it as a [{name}] table of `key = value` lines"
                    )));
                    return false;
                };
                for (k, v) in t.iter() {
                    let (good, want) = match (kind, v.get_ref()) {
                        (Kind::TextMap, DeValue::String(_)) => (true, String::new()),
                        (Kind::TextMap, _) => (false, "text (in quotes)".to_string()),
                        (Kind::ChoiceMap(o), DeValue::String(s)) if o.contains(&s.as_ref()) => {
                            (true, String::new())
                        }
                        (Kind::ChoiceMap(o), _) => (false, format!("one of {}", quoted(o))),
                        _ => (true, String::new()),
                    };
                    let key: &str = k.get_ref();
                    let mut sub = path.to_vec();
                    sub.push(key.to_string());
                    self.spans.push((sub.join("."), v.span()));
                    if !good {
                        let d = self.diag(
                            v.span().start,
                            format!(
                                "`{name}.{key}` must be {want}, found {}",
                                describe(v.get_ref())
                            ),
                        );
                        let help = match kind {
                            Kind::ChoiceMap(o) => format!(
                                "write one of {}, e.g. {key} = \"{}\"",
                                quoted(o),
                                o.first().copied().unwrap_or("…")
                            ),
                            _ => format!("e.g. {key} = \"…\""),
                        };
                        self.diags.push(d.with_help(help));
                        invalid.push(sub);
                    }
                }
                return true;
            }
            Kind::Table(fields) => match value {
                DeValue::Table(t) => {
                    self.table_fields(t, span, fields, path, &format!("[{name}]"), invalid);
                    return true;
                }
                _ => format!("a table ([{name}])"),
            },
            Kind::Tables(fields) => match value {
                DeValue::Array(items) => {
                    let mut all = true;
                    for (i, item) in items.iter().enumerate() {
                        match item.get_ref() {
                            DeValue::Table(t) => {
                                let before = invalid.len();
                                let label = format!("[[{name}]] entry {}", i + 1);
                                self.table_fields(t, item.span(), fields, path, &label, invalid);
                                // An array element cannot be dropped by key path: drop the
                                // whole array when one of its tables is wrong.
                                if invalid.len() > before {
                                    invalid.truncate(before);
                                    all = false;
                                }
                            }
                            other => {
                                let d = self.diag(
                                    item.span().start,
                                    format!(
                                        "`{name}` item {} must be a table, found {}",
                                        i + 1,
                                        describe(other)
                                    ),
                                );
                                self.diags.push(
                                    d.with_help(format!("write each entry as a [[{name}]] table")),
                                );
                                all = false;
                            }
                        }
                    }
                    return all;
                }
                _ => format!("a list of [[{name}]] tables"),
            },
        };
        let d = self.diag(
            span.start,
            format!("`{name}` must be {expected}, found {}", describe(value)),
        );
        let help = match kind {
            Kind::Count { min, .. } if matches!(value, DeValue::String(_)) => format!(
                "write a number without quotes, e.g. {name} = {}",
                min.max(1)
            ),
            Kind::Count { min: 0, .. } => {
                format!("write a whole number, 0 or more, e.g. {name} = 1")
            }
            Kind::Count { min, .. } => {
                format!("write a whole number of at least {min}, e.g. {name} = {min}")
            }
            Kind::Text => format!(
                "put the value in quotes: {} = \"…\"",
                path.last().map_or("", String::as_str)
            ),
            _ => "see the commented site.toml that `smelt init` writes".to_string(),
        };
        self.diags.push(d.with_help(help));
        false
    }
}

/// `"a", "b"` for messages.
fn quoted(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML value for messages: `text ("x")`, `-1`, `a table`…
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("text ({:?})", s.as_ref()),
        DeValue::Integer(i) => match i.radix() {
            10 => i.as_str().to_string(),
            r => format!("{} (base {r})", i.as_str()),
        },
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => format!("a date ({d})"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// The plain TOML table of a parsed one. A number TOML cannot hold (an integer beyond 64
/// bits, which the schema has reported where it matters) is left out.
fn table_of(t: &DeTable<'_>) -> toml::Table {
    t.iter()
        .filter_map(|(k, v)| Some((k.get_ref().to_string(), value_of(v.get_ref())?)))
        .collect()
}

fn value_of(v: &DeValue<'_>) -> Option<toml::Value> {
    Some(match v {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()?)
        }
        DeValue::Float(f) => {
            let s = f.as_str().replace('_', "");
            let x = match s.trim_start_matches(['+', '-']) {
                "inf" => f64::INFINITY,
                "nan" => f64::NAN,
                _ => s.parse::<f64>().ok()?.abs(),
            };
            toml::Value::Float(if s.starts_with('-') { -x } else { x })
        }
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => {
            toml::Value::Array(items.iter().filter_map(|i| value_of(i.get_ref())).collect())
        }
        DeValue::Table(t) => toml::Value::Table(table_of(t)),
    })
}

/// Removes the entry at key path `path` from `table` (nothing when it is not there).
fn remove(table: &mut toml::Table, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            table.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(toml::Value::Table(t)) = table.get_mut(first) {
                remove(t, rest);
            }
        }
    }
}
