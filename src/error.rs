//! Diagnostics shared by every stage: a located message (site-relative path, 1-based line and
//! column, rule name, help) plus the fatal [`Error`] type returned at command boundaries.
//!
//! Stages never stop at the first bad input: they push [`Diagnostic`]s into a [`Diagnostics`]
//! list and the command decides (after the stage) whether any error-severity entry aborts.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// How serious a [`Diagnostic`] is. Errors fail `build` and `check`; warnings do not
/// (unless `check --deny-warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, does not fail the run.
    Warning,
    /// Fails the run (exit code 1).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in the input, located as precisely as the stage can.
///
/// `path` is relative to the site root with `/` separators (`content/posts/x.md`), so the
/// same diagnostic prints the same on every machine. `line` and `col` are 1-based; `col`
/// counts Unicode scalar values. `source` (when present) is the full text of the file after
/// BOM removal and CRLF normalisation, used to print a snippet.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable rule name, e.g. `front-matter`, `unknown-key`, `duplicate-permalink`.
    pub rule: &'static str,
    /// Site-relative path of the file at fault, if any.
    pub path: Option<String>,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column (in characters), if known.
    pub col: Option<usize>,
    /// What was wrong, in one sentence.
    pub message: String,
    /// What was expected or how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The file's text, for snippets (not serialised).
    #[serde(skip)]
    pub source: Option<Arc<str>>,
    /// For a render error (see [`Diagnostic::while_rendering`]): what was being rendered and
    /// where its ` (while rendering …)` starts in `message`; `None` once merged with the
    /// same error on other pages (not serialised).
    #[serde(skip)]
    rendering: Option<(String, usize)>,
}

impl Diagnostic {
    /// A new error-severity diagnostic with no location.
    pub fn error(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, message)
    }

    /// A new warning-severity diagnostic with no location.
    pub fn warning(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, message)
    }

    fn new(severity: Severity, rule: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            rule,
            path: None,
            line: None,
            col: None,
            message: message.into(),
            help: None,
            source: None,
            rendering: None,
        }
    }

    /// Names what was being rendered when the error happened (`/posts/x/ from
    /// content/posts/x.md`, `the recent-news sidebar`), after the message; the same error on
    /// other pages is merged into one by [`Diagnostics::sort`].
    pub fn while_rendering(mut self, what: &str) -> Self {
        let at = self.message.len();
        self.message = format!("{} (while rendering {what})", self.message);
        self.rendering = Some((what.to_string(), at));
        self
    }

    /// Sets the site-relative path (any `\` is turned into `/`).
    pub fn at_path(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(display_path(path.as_ref()));
        self
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, line: usize, col: usize) -> Self {
        self.line = Some(line.max(1));
        self.col = Some(col.max(1));
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the file text so a snippet can be printed.
    pub fn with_source(mut self, source: Arc<str>) -> Self {
        self.source = Some(source);
        self
    }

    /// `true` for error severity.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col: severity: message [rule]` (the `check --format short` line). A
    /// diagnostic about a whole file is placed at `1:1` (line 1, column 1 when only the line
    /// is known), so every line with a path has the same shape for editors and `grep`; one
    /// about no particular file (rare) starts at `severity:`.
    pub fn short(&self) -> String {
        let mut s = String::new();
        if let Some(p) = &self.path {
            let (l, c) = match (self.line, self.col) {
                (Some(l), Some(c)) => (l, c),
                (Some(l), None) => (l, 1),
                _ => (1, 1),
            };
            s.push_str(&format!("{p}:{l}:{c}: "));
        }
        s.push_str(&format!(
            "{}: {} [{}]",
            self.severity, self.message, self.rule
        ));
        s
    }

    /// Byte offset of (line, col) in `source`, for snippets.
    fn offset(&self) -> Option<usize> {
        let src = self.source.as_deref()?;
        let line = self.line?;
        let col = self.col.unwrap_or(1);
        let line_start = if line == 1 {
            0
        } else {
            src.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
        };
        let rest = &src[line_start..];
        let within = rest
            .char_indices()
            .nth(col - 1)
            .map(|(i, _)| i)
            .unwrap_or_else(|| rest.find('\n').unwrap_or(rest.len()));
        Some(line_start + within)
    }

    /// When a line of the snippet is longer than [`SNIPPET_LINE_CHARS`]: the snippet's lines
    /// cut to that length (the pointed-at line around its column, `…` where text is left
    /// out) and the offset pointed at in them.
    fn excerpt(&self) -> Option<(Excerpt<'_>, usize)> {
        let src = self.source.as_deref()?;
        let line = self.line?.checked_sub(1)?;
        let col = self.col.unwrap_or(1).saturating_sub(1);
        let first = line.saturating_sub(SNIPPET_CONTEXT);
        let lines: Vec<&str> = src
            .split('\n')
            .skip(first)
            .take(line - first + SNIPPET_CONTEXT + 1)
            .collect();
        if lines
            .iter()
            .all(|l| l.chars().count() <= SNIPPET_LINE_CHARS)
        {
            return None;
        }
        let mut text = String::new();
        let mut offset = 0;
        for (i, l) in lines.iter().enumerate() {
            let chars: Vec<char> = l.chars().collect();
            let (from, to) = if first + i == line {
                let from = col.saturating_sub(SNIPPET_LINE_CHARS / 2).min(chars.len());
                (from, (from + SNIPPET_LINE_CHARS).min(chars.len()))
            } else {
                (0, SNIPPET_LINE_CHARS.min(chars.len()))
            };
            if from > 0 {
                text.push('…');
            }
            if first + i == line {
                offset = text.len()
                    + chars[from..col.clamp(from, to)]
                        .iter()
                        .map(|c| c.len_utf8())
                        .sum::<usize>();
            }
            text.extend(&chars[from..to]);
            if to < chars.len() {
                text.push('…');
            }
            text.push('\n');
        }
        Some((
            Excerpt {
                text: Cow::Owned(text),
                first_line: first,
                column: col,
            },
            offset,
        ))
    }

    /// The whole source as a snippet, with the column in characters (miette's own header
    /// counts bytes, so `東京` before the column would move it).
    fn whole(&self) -> Option<(Excerpt<'_>, usize)> {
        let offset = self.offset()?;
        Some((
            Excerpt {
                text: Cow::Borrowed(self.source.as_deref()?),
                first_line: 0,
                column: self.col.unwrap_or(1).saturating_sub(1),
            },
            offset,
        ))
    }

    /// Human-readable report with a source snippet (via miette), no colours when `color` is
    /// false. Ends with a newline.
    pub fn render_human(&self, color: bool) -> String {
        let handler = if color {
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode())
        } else {
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        }
        .with_context_lines(2)
        .with_width(100)
        // Never wrap: a path or URL with a space (`content/posts/Hello World.md`) must stay on
        // one line so it can be searched for and clicked.
        .with_wrap_lines(false);
        let mut out = String::new();
        let report = HumanReport(self, self.excerpt().or_else(|| self.whole()));
        if handler.render_report(&mut out, &report).is_err() {
            return format!("{}\n", self.short());
        }
        out
    }
}

/// Turns a path into the `/`-separated form used in messages.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    }
}

/// Adapter that lets miette draw a [`Diagnostic`].
struct HumanReport<'a>(&'a Diagnostic, Option<(Excerpt<'a>, usize)>);

/// Longest line, in characters, a snippet shows whole.
const SNIPPET_LINE_CHARS: usize = 160;
/// Lines shown before and after the one a snippet points at.
const SNIPPET_CONTEXT: usize = 2;

/// The lines a snippet shows, with the 0-based number of its first line in the file: the
/// whole source, or lines cut to [`SNIPPET_LINE_CHARS`] around the place pointed at (a
/// 200 KB line of front matter printed whole fills any terminal).
struct Excerpt<'a> {
    text: Cow<'a, str>,
    first_line: usize,
    /// 0-based column pointed at in the file's line (miette's header shows it).
    column: usize,
}

impl miette::SourceCode for Excerpt<'_> {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.as_ref().read_span(span, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            self.column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for HumanReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Display for HumanReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        match (&d.path, d.line, d.col) {
            (Some(p), Some(l), Some(c)) => write!(f, "{p}:{l}:{c}: {}", d.message),
            (Some(p), Some(l), None) => write!(f, "{p}:{l}: {}", d.message),
            (Some(p), _, _) => write!(f, "{p}: {}", d.message),
            _ => f.write_str(&d.message),
        }
    }
}

impl std::error::Error for HumanReport<'_> {}

impl miette::Diagnostic for HumanReport<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.1
            .as_ref()
            .map(|(excerpt, _)| excerpt as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let off = self.1.as_ref()?.1;
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some("here".into()),
            off,
            0,
        ))))
    }
}

/// An ordered, append-only list of diagnostics collected by a stage.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    /// Adds many.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }
    /// `true` when at least one entry is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
    /// Number of error-severity entries.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }
    /// Number of warning-severity entries.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }
    /// The entries, in the order reported.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }
    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Sorts by path, line, column, then message, so reports are stable across runs whatever
    /// order the parallel stages finished in; one render error repeated on many pages
    /// becomes one diagnostic naming them.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.path, a.line, a.col, &a.message, a.rule)
                .cmp(&(&b.path, b.line, b.col, &b.message, b.rule))
        });
        self.merge_repeated_renders();
    }

    /// Merges diagnostics that differ only in the page being rendered (one template error
    /// hit by every post), which [`Diagnostics::sort`] has made neighbours, into one naming
    /// the first pages: `… (while rendering /posts/a/ from content/posts/a.md, and 3 more
    /// pages: /posts/b/, /posts/c/, /posts/d/)`.
    fn merge_repeated_renders(&mut self) {
        /// Pages named in a merged message besides the first.
        const NAMED: usize = 3;
        /// The page of a render error's `what` (`/posts/a/ from content/posts/a.md`).
        fn page(what: &str) -> &str {
            what.split(" from ").next().unwrap_or(what)
        }
        let same_error = |a: &Diagnostic, b: &Diagnostic| match (&a.rendering, &b.rendering) {
            (Some((_, at_a)), Some((_, at_b))) => {
                (a.severity, a.rule, &a.path, a.line, a.col, &a.help)
                    == (b.severity, b.rule, &b.path, b.line, b.col, &b.help)
                    && a.message[..*at_a] == b.message[..*at_b]
            }
            _ => false,
        };
        // The other pages the last item of `out` stands for, added to its message when it
        // is complete; it then merges with nothing more.
        let finish = |d: &mut Diagnostic, more: &mut Vec<String>| {
            if more.is_empty() {
                return;
            }
            let mut pages: Vec<&str> = more.iter().take(NAMED).map(String::as_str).collect();
            if more.len() > NAMED {
                pages.push("…");
            }
            let n = more.len();
            d.message.pop(); // the closing `)`
            d.message.push_str(&format!(
                ", and {n} more page{}: {})",
                if n == 1 { "" } else { "s" },
                pages.join(", ")
            ));
            d.rendering = None;
            more.clear();
        };
        let mut out: Vec<Diagnostic> = Vec::with_capacity(self.items.len());
        let mut more: Vec<String> = Vec::new();
        for d in std::mem::take(&mut self.items) {
            if let Some(last) = out.last()
                && same_error(last, &d)
            {
                let (first, _) = last.rendering.as_ref().expect("a render error");
                let (what, _) = d.rendering.as_ref().expect("a render error");
                let p = page(what);
                if p != page(first) && !more.iter().any(|m| m == p) {
                    more.push(p.to_string());
                }
                continue;
            }
            if let Some(last) = out.last_mut() {
                finish(last, &mut more);
            }
            out.push(d);
        }
        if let Some(last) = out.last_mut() {
            finish(last, &mut more);
        }
        self.items = out;
    }
    /// Moves the entries out.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

/// A fatal error at a command boundary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input has problems; every one of them is listed.
    #[error("{} error(s) in the site", .0.error_count())]
    Content(Diagnostics),
    /// An I/O operation failed on `path`.
    #[error("{path}: {source}")]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The command was used wrongly (bad flag combination, unsafe output folder…).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for command-level operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A snippet of a huge line shows the part around the column, cut with `…`, under the
    /// line's own number; short lines around it are shown whole.
    #[test]
    fn snippets_cut_long_lines_around_the_column() {
        let long = format!("tags: [{}BAD{}]", "a, ".repeat(5000), ", b".repeat(5000));
        let src = format!("---\ntitle: T\n{long}\ndate: 2026-01-01\n---\n");
        let col = long.find("BAD").unwrap() + 1;
        let d = Diagnostic::error("front-matter", "bad tag")
            .at_path("content/posts/a.md")
            .at(3, col)
            .with_source(Arc::from(src.as_str()));
        let out = d.render_human(false);
        assert!(out.len() < 2000, "{out}");
        assert!(out.contains("a.md:3:15008: bad tag"), "{out}");
        assert!(out.contains("╭─[3:15008]"), "{out}");
        let shown = out.lines().find(|l| l.contains("BAD")).expect(&out);
        assert!(
            shown.starts_with(" 3 │ …") && shown.ends_with('…'),
            "{shown}"
        );
        assert!(out.contains(" 2 │ title: T"), "{out}");
        assert!(out.contains(" 4 │ date: 2026-01-01"), "{out}");
        // The label points under `BAD`.
        let marker = out
            .lines()
            .skip_while(|l| !l.contains("BAD"))
            .nth(1)
            .unwrap();
        let at = marker.chars().position(|c| c == '▲').expect(marker);
        let bad = shown.chars().collect::<String>().find("BAD").unwrap();
        assert_eq!(shown[..bad].chars().count(), at, "{shown}\n{marker}");
        // Short lines: the whole file text as before.
        let short = Diagnostic::error("x", "m")
            .at_path("a.md")
            .at(2, 8)
            .with_source(Arc::from("---\ntitle: x\n---\n"));
        assert!(short.render_human(false).contains(" 2 │ title: x\n"));
    }

    /// The snippet header's column is the message's column, counted in characters, also
    /// after characters of several bytes.
    #[test]
    fn snippet_header_counts_characters() {
        let d = Diagnostic::error("front-matter", "text after the quote")
            .at_path("content/posts/u.md")
            .at(2, 15)
            .with_source(Arc::from(
                "---\ntitle: \"東京東京\" x\ndate: 2026-01-01\n---\n",
            ));
        let out = d.render_human(false);
        assert!(out.contains("u.md:2:15: text after the quote"), "{out}");
        assert!(out.contains("╭─[2:15]"), "{out}");
        // The label still points under the `x`.
        let shown = out.lines().find(|l| l.contains("東京")).expect(&out);
        let marker = out
            .lines()
            .skip_while(|l| !l.contains("東京"))
            .nth(1)
            .unwrap();
        let at = marker.chars().position(|c| c == '▲').expect(marker);
        let x = shown.rfind('x').unwrap();
        // Each of the four wide characters takes two terminal columns.
        assert_eq!(shown[..x].chars().count() + 4, at, "{shown}\n{marker}");
    }

    /// One template error hit on five pages is one diagnostic naming the first page, three
    /// more and a count; an error elsewhere, or with another message, stays its own.
    #[test]
    fn a_render_error_repeated_on_many_pages_is_reported_once() {
        let at = |msg: &str, line: usize, page: &str| {
            Diagnostic::error("template", msg)
                .at_path("templates/post.html")
                .at(line, 5)
                .while_rendering(page)
        };
        let mut d = Diagnostics::new();
        for p in ["e", "c", "a", "d", "b"] {
            d.push(at(
                "Variable `x` is not defined.",
                6,
                &format!("/posts/{p}/ from content/posts/{p}.md"),
            ));
        }
        d.push(at(
            "Variable `x` is not defined.",
            9,
            "/posts/a/ from content/posts/a.md",
        ));
        d.push(at(
            "Variable `y` is not defined.",
            6,
            "/tags/ from the tag index",
        ));
        // A source name holding ", and " is not a merged message.
        d.push(at(
            "Variable `x` is not defined.",
            6,
            "/posts/f/ from content/posts/f, and g.md",
        ));
        // A second source of /posts/b/ (two posts wanting one URL) is not a sixth page.
        d.push(at(
            "Variable `x` is not defined.",
            6,
            "/posts/b/ from content/posts/b-copy.md",
        ));
        d.sort();
        // Sorting again (as a caller adding more may) changes nothing.
        d.sort();
        let got: Vec<String> = d.into_vec().iter().map(Diagnostic::short).collect();
        assert_eq!(
            got,
            [
                "templates/post.html:6:5: error: Variable `x` is not defined. (while rendering /posts/a/ from content/posts/a.md, and 5 more pages: /posts/b/, /posts/c/, /posts/d/, …) [template]",
                "templates/post.html:6:5: error: Variable `y` is not defined. (while rendering /tags/ from the tag index) [template]",
                "templates/post.html:9:5: error: Variable `x` is not defined. (while rendering /posts/a/ from content/posts/a.md) [template]",
            ]
        );
    }

    #[test]
    fn short_format_has_all_parts() {
        let d = Diagnostic::error("front-matter", "bad date")
            .at_path("content/posts/a.md")
            .at(3, 7);
        assert_eq!(
            d.short(),
            "content/posts/a.md:3:7: error: bad date [front-matter]"
        );
        let file = Diagnostic::warning("empty-file", "empty").at_path("content/posts/b.md");
        assert_eq!(
            file.short(),
            "content/posts/b.md:1:1: warning: empty [empty-file]"
        );
        let line = Diagnostic::warning("x", "m").at_path("a.md");
        let line = Diagnostic {
            line: Some(4),
            ..line
        };
        assert_eq!(line.short(), "a.md:4:1: warning: m [x]");
        assert_eq!(Diagnostic::error("io", "gone").short(), "error: gone [io]");
    }

    #[test]
    fn human_report_shows_snippet_and_help() {
        let src: Arc<str> = Arc::from("---\ntitle: x\ndate: nope\n---\n");
        let d = Diagnostic::error("front-matter", "`date` is not a date")
            .at_path("content/posts/a.md")
            .at(3, 7)
            .with_help("write YYYY-MM-DD")
            .with_source(src);
        let out = d.render_human(false);
        assert!(
            out.contains("content/posts/a.md:3:7: `date` is not a date"),
            "{out}"
        );
        assert!(out.contains("date: nope"), "{out}");
        assert!(out.contains("write YYYY-MM-DD"), "{out}");
    }

    #[test]
    fn human_report_never_splits_a_path_with_spaces() {
        let long = "x".repeat(90);
        let d = Diagnostic::error(
            "duplicate-permalink",
            format!(
                "{long} and content/posts/Hello World.md both want the URL /posts/hello-world/"
            ),
        )
        .at_path("content/posts/hello-world.md");
        let out = d.render_human(false);
        let whole = "content/posts/Hello World.md both want the URL /posts/hello-world/";
        assert!(out.contains(whole), "{out}");
    }

    #[test]
    fn offset_beyond_line_clamps() {
        let src: Arc<str> = Arc::from("ab\ncd");
        let d = Diagnostic::error("x", "m").at(2, 99).with_source(src);
        assert_eq!(d.offset(), Some(5));
    }
}
