//! Tera errors turned into smelt diagnostics: a one-line message, the template's site-relative
//! path, and the 1-based line and column of the tag or expression at fault.
//!
//! Tera reports some problems as structured errors (syntax and render errors carry a span) and
//! others as text: several "unknown filter" reports joined in one message, each with its own
//! `--> name:line:col` locus, or a missing parent with no location at all. Both are parsed
//! here into our fields; a missing `extends`/`include` target is located by finding its tag in
//! the template's text.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tera::{ErrorKind, ReportError};

use crate::error::Diagnostic;
use crate::suggest;
use crate::theme::TemplateSource;

/// Rule name of every template diagnostic.
const RULE: &str = "template";

/// Help for errors about what a template reads or does.
const CONTEXT_HELP: &str = "see themes/README.md for the variables each template receives";

/// Help for syntax errors.
const SYNTAX_HELP: &str = "Tera syntax: {{ value }}, {% if … %}…{% endif %}, {% for x in list %}…{% endfor %}, {% block name %}…{% endblock %}; every tag that opens a block needs its end tag";

/// Help for unknown filters, tests and functions.
const FUNCTIONS_HELP: &str =
    "see themes/README.md for smelt's functions and filters (Tera's built-in ones work too)";

/// A problem that keeps one template out of the loaded set.
#[derive(Debug)]
pub(super) struct Problem {
    /// The template's name (`post.html`).
    pub template: String,
    /// What to report; `None` when the problem only follows from another template's (a
    /// child of a broken parent), so it is not reported twice.
    pub diagnostic: Option<Diagnostic>,
}

/// The diagnostic for a syntax error, `None` for any other kind of error.
pub(super) fn syntax_error(
    e: &tera::Error,
    sources: &BTreeMap<String, TemplateSource>,
) -> Option<Diagnostic> {
    match e.kind() {
        ErrorKind::SyntaxError(r) => Some(located_report(r, sources).with_help(SYNTAX_HELP)),
        _ => None,
    }
}

/// The problems a failed load of the whole set reports, each naming the template it keeps
/// out. Templates in `broken` are already out: what only follows from that is not reported.
/// Empty when the error names no template (the caller reports it as it is).
pub(super) fn load_problems(
    e: &tera::Error,
    sources: &BTreeMap<String, TemplateSource>,
    broken: &BTreeSet<String>,
) -> Vec<Problem> {
    match e.kind() {
        ErrorKind::SyntaxError(r) => vec![Problem {
            template: r.filename().to_string(),
            diagnostic: syntax_error(e, sources),
        }],
        ErrorKind::MissingParent { current, parent } => vec![Problem {
            template: current.clone(),
            diagnostic: (!broken.contains(parent)).then(|| {
                let pos = sources
                    .get(current)
                    .and_then(|s| find_tag(&s.text, "extends", parent));
                missing_target(current, parent, "extends", pos, sources)
            }),
        }],
        ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => {
            let mut chain = vec![tpl.clone()];
            chain.extend(inheritance_chain.iter().cloned());
            vec![circular(&chain, "extends", sources)]
        }
        ErrorKind::CircularInclude { include_chain, .. } => {
            vec![circular(include_chain, "include", sources)]
        }
        ErrorKind::Msg(text) => parse_reports(text)
            .into_iter()
            .map(|r| reported_problem(r, sources, broken))
            .collect(),
        _ => Vec::new(),
    }
}

/// The diagnostic for an error Tera gives while loading or rendering, located when Tera says
/// where. `page` names what was being rendered.
pub(super) fn diagnostic(
    e: &tera::Error,
    sources: &BTreeMap<String, TemplateSource>,
    page: Option<&str>,
) -> Diagnostic {
    let d = match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let d = located_report(r, sources);
            match called_from(&e.to_string(), sources) {
                Some(chain) => d.with_help(format!("{chain}; {CONTEXT_HELP}")),
                None => d.with_help(CONTEXT_HELP),
            }
        }
        _ => match load_problems(e, sources, &BTreeSet::new())
            .into_iter()
            .find_map(|p| p.diagnostic)
        {
            Some(d) => d,
            None => Diagnostic::error(RULE, one_line(&error_chain(e))),
        },
    };
    match page {
        Some(p) => d.while_rendering(p),
        None => d,
    }
}

/// A diagnostic on the file and position of a Tera report.
fn located_report(r: &ReportError, sources: &BTreeMap<String, TemplateSource>) -> Diagnostic {
    at_template(
        one_line(r.message()),
        r.filename(),
        sources,
        Some((r.span().start_line, r.span().start_col + 1)),
    )
}

/// An error on template `name` (its origin path and text when known) at `pos`.
fn at_template(
    message: String,
    name: &str,
    sources: &BTreeMap<String, TemplateSource>,
    pos: Option<(usize, usize)>,
) -> Diagnostic {
    let src = sources.get(name);
    let mut d = Diagnostic::error(RULE, message).at_path(src.map_or(name, |s| s.origin.as_str()));
    if let Some((line, col)) = pos {
        d = d.at(line, col);
    }
    if let Some(s) = src {
        d = d.with_source(Arc::from(s.text.as_str()));
    }
    d
}

/// `current` names a template that does not exist in its `keyword` tag (at `pos`).
fn missing_target(
    current: &str,
    target: &str,
    keyword: &str,
    pos: Option<(usize, usize)>,
    sources: &BTreeMap<String, TemplateSource>,
) -> Diagnostic {
    at_template(
        format!("{keyword} unknown template `{target}`"),
        current,
        sources,
        pos,
    )
    .with_help(missing_help(current, target, sources))
}

/// "Did you mean" for a missing template, or where template names come from.
fn missing_help(current: &str, target: &str, sources: &BTreeMap<String, TemplateSource>) -> String {
    let others = sources.keys().map(String::as_str).filter(|n| *n != current);
    match suggest::nearest(target, others) {
        Some(name) => format!("did you mean `{name}`?"),
        None => "no template has a similar name; names are relative to a templates/ folder, \
                 e.g. `partials/sidebar.html`"
            .to_string(),
    }
}

/// A cycle of `keyword` tags through `chain` (first and last the same template), reported at
/// the first template's tag naming the second.
fn circular(
    chain: &[String],
    keyword: &str,
    sources: &BTreeMap<String, TemplateSource>,
) -> Problem {
    let first = chain.first().cloned().unwrap_or_default();
    let pos = match (sources.get(&first), chain.get(1)) {
        (Some(s), Some(next)) => find_tag(&s.text, keyword, next),
        _ => None,
    };
    let message = format!("circular {keyword}: {}", chain.join(" -> "));
    let verb = if keyword == "extends" {
        "extend"
    } else {
        keyword
    };
    let d = at_template(message, &first, sources, pos).with_help(format!(
        "a template cannot {verb} itself, even through others"
    ));
    Problem {
        template: first,
        diagnostic: Some(d),
    }
}

/// A problem from one of the text reports of a failed load.
fn reported_problem(
    r: TextReport,
    sources: &BTreeMap<String, TemplateSource>,
    broken: &BTreeSet<String>,
) -> Problem {
    let included = r
        .message
        .strip_prefix("Unknown template `")
        .and_then(|s| s.strip_suffix('`'));
    let diagnostic = match included {
        Some(target) if broken.contains(target) => None,
        Some(target) => Some(missing_target(
            &r.file,
            target,
            "include",
            Some((r.line, r.col)),
            sources,
        )),
        None => {
            let d = at_template(
                lowercase_first(&r.message),
                &r.file,
                sources,
                Some((r.line, r.col)),
            );
            let unknown_call = ["Unknown filter", "Unknown test", "Unknown function"]
                .iter()
                .any(|p| r.message.starts_with(p));
            Some(d.with_help(if unknown_call {
                FUNCTIONS_HELP
            } else {
                CONTEXT_HELP
            }))
        }
    };
    Problem {
        template: r.file,
        diagnostic,
    }
}

/// One `error: message` / `--> name:line:col` report in Tera's text.
#[derive(Debug, PartialEq)]
struct TextReport {
    message: String,
    file: String,
    line: usize,
    col: usize,
}

/// Every report in Tera's rendered error text (snippet lines and notes skipped).
fn parse_reports(text: &str) -> Vec<TextReport> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(message) = line.strip_prefix("error: ") else {
            continue;
        };
        let locus = lines
            .peek()
            .and_then(|l| l.trim_start().strip_prefix("--> "))
            .and_then(parse_locus);
        if let Some((file, line, col)) = locus {
            out.push(TextReport {
                message: message.trim().to_string(),
                file: file.to_string(),
                line,
                col,
            });
        }
    }
    out
}

/// `name:line:col` (the name may itself contain `:`).
fn parse_locus(s: &str) -> Option<(&str, usize, usize)> {
    let (rest, col) = s.trim().rsplit_once(':')?;
    let (file, line) = rest.rsplit_once(':')?;
    Some((file, line.parse().ok()?, col.parse().ok()?))
}

/// `included from templates/post.html:3:5` from the notes of a render error that happened
/// in an included template, innermost caller first; `None` without notes.
fn called_from(text: &str, sources: &BTreeMap<String, TemplateSource>) -> Option<String> {
    let callers: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("note: called from "))
        .filter_map(parse_locus)
        .map(|(name, line, col)| {
            let path = sources.get(name).map_or(name, |s| s.origin.as_str());
            format!("{path}:{line}:{col}")
        })
        .collect();
    (!callers.is_empty()).then(|| format!("included from {}", callers.join(", from ")))
}

/// The error's text and that of its sources, joined with `: `.
fn error_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// `text` as one line: the messages of any Tera reports in it (without their snippets),
/// else its whitespace collapsed.
fn one_line(text: &str) -> String {
    let reports = parse_reports(text);
    let text = if reports.is_empty() {
        text.to_string()
    } else {
        reports
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Unknown filter …` → `unknown filter …` (the first letter only, and only when the next is
/// lowercase too, so a name in capitals stays as it is).
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

/// 1-based line and column of the first `{% keyword "target" %}` tag in `text`, or else of
/// the first quoted `target`.
fn find_tag(text: &str, keyword: &str, target: &str) -> Option<(usize, usize)> {
    let offset = tag_offset(text, keyword, target).or_else(|| quoted_offset(text, target))?;
    Some(line_col(text, offset))
}

/// Byte offset of the `{%` opening a `keyword` tag whose first argument is `target` quoted.
fn tag_offset(text: &str, keyword: &str, target: &str) -> Option<usize> {
    text.match_indices("{%").map(|(i, _)| i).find(|&i| {
        let inner = &text[i + 2..];
        let inner = inner.strip_prefix('-').unwrap_or(inner).trim_start();
        inner
            .strip_prefix(keyword)
            .filter(|rest| rest.starts_with(char::is_whitespace))
            .is_some_and(|rest| starts_quoted(rest.trim_start(), target))
    })
}

/// The quote characters of Tera string literals.
const QUOTES: [char; 3] = ['"', '\'', '`'];

/// `true` when `s` starts with `target` in quotes.
fn starts_quoted(s: &str, target: &str) -> bool {
    QUOTES.iter().any(|&q| {
        s.strip_prefix(q)
            .and_then(|r| r.strip_prefix(target))
            .is_some_and(|r| r.starts_with(q))
    })
}

/// Byte offset of the first quoted `target` in `text`.
fn quoted_offset(text: &str, target: &str) -> Option<usize> {
    QUOTES
        .iter()
        .filter_map(|q| text.find(&format!("{q}{target}{q}")))
        .min()
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_parsed_without_snippets() {
        let text = "error: Unknown filter `nofilter`\n --> author.html:1:17\n  |\n1 | {{ x | nofilter }}\n  |        ^^^^^^^^\n\nerror: Unknown test `odd2`\n  --> partials/a:b.html:12:3\n   |";
        assert_eq!(
            parse_reports(text),
            vec![
                TextReport {
                    message: "Unknown filter `nofilter`".into(),
                    file: "author.html".into(),
                    line: 1,
                    col: 17,
                },
                TextReport {
                    message: "Unknown test `odd2`".into(),
                    file: "partials/a:b.html".into(),
                    line: 12,
                    col: 3,
                },
            ]
        );
        assert_eq!(
            one_line(text),
            "Unknown filter `nofilter`; Unknown test `odd2`"
        );
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }

    #[test]
    fn tags_are_found_by_keyword_and_target() {
        let text =
            "{# \"base.html\" #}\nxé {%- extends   'base.html' %}\n{% include \"base.html\" %}";
        assert_eq!(find_tag(text, "extends", "base.html"), Some((2, 4)));
        assert_eq!(find_tag(text, "include", "base.html"), Some((3, 1)));
        // No such tag: the first quoted name.
        assert_eq!(find_tag(text, "import", "base.html"), Some((1, 4)));
        assert_eq!(find_tag(text, "extends", "nope.html"), None);
    }

    #[test]
    fn only_a_lowercase_word_loses_its_capital() {
        assert_eq!(lowercase_first("Unknown filter `x`"), "unknown filter `x`");
        assert_eq!(lowercase_first("HTML is bad"), "HTML is bad");
        assert_eq!(lowercase_first(""), "");
    }
}
