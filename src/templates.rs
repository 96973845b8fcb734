//! Templates: the Tera 2 engine loaded with the theme's templates (see [`crate::theme`]),
//! smelt's filters and functions, and Tera errors turned into located diagnostics.
//!
//! Autoescaping is on for `.html`/`.xml` templates. Values that templates receive already
//! escaped (rendered Markdown, summaries, bios, JSON-LD, the sidebar fragment) are marked safe
//! by the render stage; everything from front matter arrives as plain text and is escaped by
//! Tera exactly once. `themes/README.md` documents the context every template receives.

use std::collections::BTreeMap;
use std::sync::Arc;

use tera::{Context, ErrorKind, Kwargs, State, Tera, TeraResult, Value};

use crate::config::Config;
use crate::error::Diagnostic;
use crate::theme::{TemplateSource, Theme};

/// Templates every theme must provide (the embedded default fills any gap).
pub const REQUIRED: &[&str] = &[
    "index.html",
    "post.html",
    "page.html",
    "tags.html",
    "tag.html",
    "authors.html",
    "author.html",
    "404.html",
    "alias.html",
    "partials/sidebar.html",
];

/// A loaded template set, ready to render on any thread.
pub struct Templates {
    tera: Tera,
    sources: BTreeMap<String, TemplateSource>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.sources.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Templates {
    /// Loads the theme's templates (with site overrides) and registers smelt's filters and
    /// functions. Syntax errors come back as diagnostics on the template file with its
    /// 1-based line and column.
    pub fn load(theme: &Theme, config: &Config) -> Result<Templates, Vec<Diagnostic>> {
        let sources = theme.templates()?;
        let mut tera = Tera::new();
        register(&mut tera, config);
        let result = tera.add_raw_templates(
            sources
                .iter()
                .map(|(name, src)| (name.as_str(), src.text.as_str())),
        );
        if let Err(e) = result {
            return Err(vec![to_diagnostic(&e, &sources, None)]);
        }
        Ok(Templates { tera, sources })
    }

    /// `true` when a template with this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// Renders `name` with `ctx`. On failure the diagnostic names the template file, line and
    /// column, and `page` (what was being rendered, e.g. `/posts/x/ from content/posts/x.md`).
    pub fn render(&self, name: &str, ctx: &Context, page: &str) -> Result<String, Diagnostic> {
        self.tera
            .render(name, ctx)
            .map_err(|e| to_diagnostic(&e, &self.sources, Some(page)))
    }

    /// Content hash of every template, for cache keys: changes when any template changes.
    pub fn fingerprint(&self) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        for (name, src) in &self.sources {
            h.update(name.as_bytes());
            h.update(&[0]);
            h.update(src.text.as_bytes());
            h.update(&[0]);
        }
        h.finalize()
    }
}

fn to_diagnostic(
    e: &tera::Error,
    sources: &BTreeMap<String, TemplateSource>,
    page: Option<&str>,
) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {p})"))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let src = sources.get(r.filename());
            let origin = src
                .map(|s| s.origin.clone())
                .unwrap_or_else(|| r.filename().to_string());
            let mut d = Diagnostic::error("template", format!("{}{while_rendering}", r.message()))
                .at_path(origin)
                .at(r.span().start_line, r.span().start_col + 1);
            if let Some(s) = src {
                d = d.with_source(Arc::from(s.text.as_str()));
            }
            d.with_help("see themes/README.md for the variables each template receives")
        }
        other => {
            let mut msg = other.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            Diagnostic::error("template", format!("{msg}{while_rendering}"))
        }
    }
}

fn register(tera: &mut Tera, config: &Config) {
    let c1 = config.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
            let path: &str = kwargs.must_get("path")?;
            Ok(c1.url(path))
        },
    );
    let c2 = config.clone();
    tera.register_function(
        "abs_url",
        move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
            let path: &str = kwargs.must_get("path")?;
            Ok(c2.abs_url(path))
        },
    );
    tera.register_filter("date", date_filter);
    tera.register_filter("json", json_filter);
    tera.register_filter("striptags", |s: &str, _: Kwargs, _: &State| strip_tags(s));
    tera.register_filter("slugify", |s: &str, _: Kwargs, _: &State| {
        crate::slug::slugify(s)
    });
    tera.register_filter("urlencode", |s: &str, _: Kwargs, _: &State| {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
    });
}

/// `{{ post.date | date(format="%b %-d, %Y") }}`: formats an RFC 3339 / RFC 9557 date string
/// with jiff's strftime directives, in the date's own offset.
fn date_filter(s: &str, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let format: &str = kwargs.get("format")?.unwrap_or("%b %-d, %Y");
    let zoned = crate::front_matter::parse_date(s, &jiff::tz::TimeZone::UTC).map_err(|why| {
        tera::Error::message(format!("`date` filter: {s:?} is not a date: {why}"))
    })?;
    jiff::fmt::strtime::format(format, &zoned)
        .map_err(|e| tera::Error::message(format!("`date` filter: bad format {format:?}: {e}")))
}

/// `{{ value | json }}`: JSON, safe to embed in HTML and inside `<script>`: `<`, `>`, `&`
/// and U+2028/U+2029 are written as `\u` escapes, so no string can close the script.
fn json_filter(v: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let text = serde_json::to_string(v)
        .map_err(|e| tera::Error::message(format!("`json` filter: {e}")))?;
    Ok(Value::safe_string(&script_safe_json(&text)))
}

/// Escapes JSON text for embedding in HTML `<script>` elements: `<`, `>`, `&`, U+2028 and
/// U+2029 become `\u` escapes so no string can close the script or open a comment, and `(`,
/// `)` too, so author text (`alert('x')`) never reads as a call to script scanners (WAF rules,
/// XSS auditors). Those characters only occur inside JSON strings, so the result is the same
/// JSON value.
pub fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '(' => out.push_str("\\u0028"),
            ')' => out.push_str("\\u0029"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Removes tags and decodes entities: the plain text of an HTML fragment, whitespace
/// collapsed.
pub fn strip_tags(html: &str) -> String {
    let frag = scraper::Html::parse_fragment(html);
    let text: Vec<&str> = frag.root_element().text().collect();
    text.join("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_a_script() {
        let s = script_safe_json(r#"{"a":"</script><b>&"}"#);
        assert!(!s.contains("</script>"));
        assert!(s.contains("\\u003c/script\\u003e"));
    }

    #[test]
    fn json_for_scripts_is_the_same_value_without_call_syntax() {
        let text = r#"{"t":"<script>alert('t')</script> & (x)","n":[1,2]}"#;
        let s = script_safe_json(text);
        assert!(!s.contains("alert("), "{s}");
        let a: serde_json::Value = serde_json::from_str(text).unwrap();
        let b: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn strip_tags_decodes_and_collapses() {
        assert_eq!(strip_tags("<p>A &amp; <b>B</b>\n\n C</p>"), "A & B C");
    }

    #[test]
    fn date_filter_formats_in_own_offset() {
        let mut t = Tera::new();
        register(&mut t, &Config::default());
        t.add_raw_template("x", "{{ d | date(format=\"%Y-%m-%d %H:%M\") }}")
            .unwrap();
        let mut c = Context::new();
        c.insert("d", "2024-03-05T23:30:00+05:30");
        assert_eq!(t.render("x", &c).unwrap(), "2024-03-05 23:30");
    }

    #[test]
    fn syntax_error_is_located() {
        let mut sources = BTreeMap::new();
        sources.insert(
            "post.html".to_string(),
            TemplateSource {
                text: "line one\n{% if x %}\n".into(),
                origin: "templates/post.html".into(),
            },
        );
        let mut t = Tera::new();
        let e = t
            .add_raw_template("post.html", &sources["post.html"].text)
            .unwrap_err();
        let d = to_diagnostic(&e, &sources, None);
        assert_eq!(d.path.as_deref(), Some("templates/post.html"));
        assert!(d.line.is_some());
    }
}
