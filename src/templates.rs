//! Templates: the Tera 2 engine loaded with the theme's templates (see [`crate::theme`]),
//! smelt's filters and functions, and Tera errors turned into located diagnostics.
//!
//! Autoescaping is on for `.html`/`.xml` templates. Values that templates receive already
//! escaped (rendered Markdown, summaries, bios, JSON-LD, the sidebar fragment) are marked safe
//! by the render stage; everything from front matter arrives as plain text and is escaped by
//! Tera exactly once. `themes/README.md` documents the context every template receives.

use std::collections::{BTreeMap, BTreeSet};

use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::theme::{TemplateSource, Theme};

mod diagnose;

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
    /// functions. Every problem is reported, each on its template file with its 1-based line
    /// and column: the syntax error of every template that has one, then what the others
    /// name that does not exist (a parent, an included template, a filter…) and include or
    /// inheritance cycles.
    pub fn load(theme: &Theme, config: &Config) -> Result<Templates, Vec<Diagnostic>> {
        Templates::from_sources(theme.templates()?, config)
    }

    /// [`Templates::load`] from template texts by name.
    fn from_sources(
        sources: BTreeMap<String, TemplateSource>,
        config: &Config,
    ) -> Result<Templates, Vec<Diagnostic>> {
        let (mut diags, mut broken) = syntax_errors(&sources);
        let tera = load_set(&sources, config, &mut broken, &mut diags);
        if diags.is_empty() {
            return Ok(Templates { tera, sources });
        }
        let mut diags = Diagnostics::from(diags);
        diags.sort();
        Err(diags.into_vec())
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
            .map_err(|e| diagnose::diagnostic(&e, &self.sources, Some(page)))
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

/// The syntax error of every template that has one (each parsed on its own), and the names
/// of those templates.
fn syntax_errors(
    sources: &BTreeMap<String, TemplateSource>,
) -> (Vec<Diagnostic>, BTreeSet<String>) {
    let mut diags = Vec::new();
    let mut broken = BTreeSet::new();
    for (name, src) in sources {
        let Err(e) = Tera::new().add_raw_template(name, &src.text) else {
            continue;
        };
        if let Some(d) = diagnose::syntax_error(&e, sources) {
            diags.push(d);
            broken.insert(name.clone());
        }
    }
    (diags, broken)
}

/// Loads every template not in `broken` into one engine. A template the set cannot load with
/// (its parent or an included template is missing, a filter is unknown, a cycle) is reported
/// in `diags`, added to `broken` and left out of the next attempt, until the rest loads; a
/// problem that only follows from another template being left out is not reported again.
fn load_set(
    sources: &BTreeMap<String, TemplateSource>,
    config: &Config,
    broken: &mut BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Tera {
    loop {
        let mut tera = Tera::new();
        register(&mut tera, config);
        let result = tera.add_raw_templates(
            sources
                .iter()
                .filter(|(name, _)| !broken.contains(*name))
                .map(|(name, src)| (name.as_str(), src.text.as_str())),
        );
        let Err(e) = result else {
            return tera;
        };
        let before = broken.len();
        let problems = diagnose::load_problems(&e, sources, broken);
        let was_out = broken.clone();
        for problem in problems
            .into_iter()
            .filter(|p| !was_out.contains(&p.template))
        {
            diags.extend(problem.diagnostic);
            broken.insert(problem.template);
        }
        if broken.len() == before {
            // Nothing named a template to leave out: report the error as it is.
            diags.push(diagnose::diagnostic(&e, sources, None));
            return tera;
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

    /// Templates by name, each at `templates/<name>`.
    fn site(templates: &[(&str, &str)]) -> BTreeMap<String, TemplateSource> {
        templates
            .iter()
            .map(|(name, text)| {
                let src = TemplateSource {
                    text: text.to_string(),
                    origin: format!("templates/{name}"),
                };
                (name.to_string(), src)
            })
            .collect()
    }

    /// The diagnostics of loading `templates`, as `check --format short` lines.
    fn load_errors(templates: &[(&str, &str)]) -> Vec<String> {
        let diags = Templates::from_sources(site(templates), &Config::default()).unwrap_err();
        diags.iter().map(Diagnostic::short).collect()
    }

    /// The help of every diagnostic of loading `templates`.
    fn load_helps(templates: &[(&str, &str)]) -> Vec<String> {
        let diags = Templates::from_sources(site(templates), &Config::default()).unwrap_err();
        diags
            .into_iter()
            .map(|d| d.help.unwrap_or_default())
            .collect()
    }

    #[test]
    fn syntax_error_is_located() {
        let diags = Templates::from_sources(
            site(&[("post.html", "line one\n<h1>{{ post.title }</h1>\n")]),
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert_eq!(d.path.as_deref(), Some("templates/post.html"));
        assert_eq!((d.line, d.col), (Some(2), Some(19)));
        assert_eq!(d.message, "Found `}` but expected }}.");
        assert_eq!(
            d.source.as_deref(),
            Some("line one\n<h1>{{ post.title }</h1>\n")
        );
    }

    #[test]
    fn every_template_syntax_error_is_reported() {
        let errors = load_errors(&[
            ("post.html", "<h1>{{ post.title }</h1>"),
            ("page.html", "fine"),
            ("tags.html", "<ul>\n{% for x in %}{% endfor %}</ul>"),
        ]);
        assert_eq!(
            errors,
            [
                "templates/post.html:1:19: error: Found `}` but expected }}. [template]",
                "templates/tags.html:2:13: error: Found `%}` but expected one of: integer, \
                 float, string, bool, ident, `-`, `not`, `<`, `{`, `[` or `(` [template]",
            ]
        );
    }

    #[test]
    fn missing_parent_is_located_at_its_extends_tag() {
        let templates = [
            ("base.html", "{% block body %}{% endblock %}"),
            ("page.html", "\n  {% extends \"nonexistent.html\" %}"),
            ("post.html", "{% extends \"bsae.html\" %}"),
        ];
        assert_eq!(
            load_errors(&templates),
            [
                "templates/page.html:2:3: error: extends unknown template `nonexistent.html` \
                 [template]",
                "templates/post.html:1:1: error: extends unknown template `bsae.html` [template]",
            ]
        );
        assert_eq!(
            load_helps(&templates),
            [
                "no template has a similar name; names are relative to a templates/ folder, \
                 e.g. `partials/sidebar.html`",
                "did you mean `base.html`?",
            ]
        );
    }

    #[test]
    fn missing_include_is_located_at_its_include_tag() {
        let templates = [
            ("partials/nav.html", "nav"),
            (
                "post.html",
                "<p>\n<div>{% include \"partials/nope.html\" %}</div>",
            ),
            ("tag.html", "{% include \"partials/nav.htm\" %}"),
        ];
        assert_eq!(
            load_errors(&templates),
            [
                "templates/post.html:2:17: error: include unknown template \
                 `partials/nope.html` [template]",
                "templates/tag.html:1:12: error: include unknown template `partials/nav.htm` \
                 [template]",
            ]
        );
        assert_eq!(
            load_helps(&templates)[1],
            "did you mean `partials/nav.html`?"
        );
    }

    #[test]
    fn unknown_filters_are_one_line_each_at_the_filter() {
        let templates = [
            (
                "author.html",
                "{{ post.title | nofilter }}\n{{ x | upper | nof2 }}",
            ),
            ("post.html", "{% if x is oddd %}{% endif %}"),
        ];
        assert_eq!(
            load_errors(&templates),
            [
                "templates/author.html:1:17: error: unknown filter `nofilter` [template]",
                "templates/author.html:2:16: error: unknown filter `nof2` [template]",
                "templates/post.html:1:12: error: unknown test `oddd` [template]",
            ]
        );
    }

    #[test]
    fn syntax_and_load_errors_are_reported_together() {
        let errors = load_errors(&[
            ("page.html", "{% extends \"nonexistent.html\" %}"),
            ("post.html", "{{ post.title }"),
            ("tag.html", "{{ x | nofilter }}"),
        ]);
        assert_eq!(
            errors,
            [
                "templates/page.html:1:1: error: extends unknown template `nonexistent.html` \
                 [template]",
                "templates/post.html:1:15: error: Found `}` but expected }}. [template]",
                "templates/tag.html:1:8: error: unknown filter `nofilter` [template]",
            ]
        );
    }

    #[test]
    fn children_of_a_broken_template_are_not_reported_again() {
        let errors = load_errors(&[
            (
                "base.html",
                "{% block body %}{{ x | nofilter }}{% endblock %}",
            ),
            ("grand.html", "{% extends \"post.html\" %}"),
            ("page.html", "{% include \"base.html\" %}"),
            ("post.html", "{% extends \"base.html\" %}"),
            ("tags.html", "{% extends \"tag.html\" %}"),
            ("tag.html", "{% if %}"),
        ]);
        assert_eq!(
            errors,
            [
                "templates/base.html:1:24: error: unknown filter `nofilter` [template]",
                "templates/tag.html:1:7: error: Found `%}` but expected one of: integer, \
                 float, string, bool, ident, `-`, `not`, `<`, `{`, `[` or `(` [template]",
            ]
        );
    }

    #[test]
    fn cycles_are_located_at_a_tag_of_the_cycle() {
        let errors = load_errors(&[
            ("a.html", "{% extends \"b.html\" %}"),
            ("b.html", "{% extends \"a.html\" %}"),
        ]);
        assert_eq!(
            errors,
            [
                "templates/a.html:1:1: error: circular extends: a.html -> b.html -> a.html [template]"
            ]
        );
        let errors = load_errors(&[
            ("a.html", "{% include \"b.html\" %}"),
            ("b.html", "x\n  {% include \"a.html\" %}"),
        ]);
        assert_eq!(
            errors,
            [
                "templates/a.html:1:1: error: circular include: a.html -> b.html -> a.html [template]"
            ]
        );
    }

    #[test]
    fn render_error_in_a_partial_is_located_in_the_partial() {
        let t = Templates::from_sources(
            site(&[
                (
                    "partials/sidebar.html",
                    "<aside>\n  {{ undefined_var }}</aside>",
                ),
                (
                    "post.html",
                    "<main>\n  é {% include \"partials/sidebar.html\" %}</main>",
                ),
            ]),
            &Config::default(),
        )
        .unwrap();
        let d = t
            .render("post.html", &Context::new(), "/posts/x/")
            .unwrap_err();
        assert_eq!(
            d.short(),
            "templates/partials/sidebar.html:2:6: error: Variable `undefined_var` is not \
             defined. (while rendering /posts/x/) [template]"
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "included from templates/post.html:2:16; see themes/README.md for the \
                 variables each template receives"
            )
        );
    }
}
