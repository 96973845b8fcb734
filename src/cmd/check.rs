//! `smelt check`: runs [`crate::check`] and prints every diagnostic on standard output in the
//! chosen format, then a one-line summary (counts per rule) on standard error.
//!
//! Formats: `human` (snippets, colours when standard output is a terminal and `NO_COLOR` is
//! unset), `short` (`path:line:col: severity: message [rule]`, one per line), `json` (one
//! object per line with `rule`, `severity`, `path`, `line`, `col`, `message`, `help`; absent
//! values are `null`). Exit code: 0 clean or warnings only, 1 any error, 2 usage error.

use std::io::IsTerminal;

use serde::Serialize;

use crate::check::{self, Report};
use crate::cli::{CheckArgs, Format};
use crate::error::{Diagnostic, Severity};

/// One `--format json` line.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// Stable rule name.
    pub rule: &'a str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// Site-relative path, `/`-separated.
    pub path: Option<&'a str>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column, in characters.
    pub col: Option<usize>,
    /// What is wrong.
    pub message: &'a str,
    /// How to fix it.
    pub help: Option<&'a str>,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            rule: d.rule,
            severity: d.severity,
            path: d.path.as_deref(),
            line: d.line,
            col: d.col,
            message: &d.message,
            help: d.help.as_deref(),
        }
    }
}

/// Formats the diagnostics of a report (everything printed on standard output).
pub fn format_report(report: &Report, format: Format, color: bool) -> String {
    let mut out = String::new();
    for d in &report.diags {
        match format {
            Format::Human => out.push_str(&crate::console::human(d, color)),
            Format::Short => {
                out.push_str(&d.short());
                out.push('\n');
            }
            Format::Json => {
                // Serialising plain strings and numbers cannot fail.
                if let Ok(line) = serde_json::to_string(&JsonDiagnostic::from(d)) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// The summary line: what was checked, the counts, and the count per rule.
pub fn summary(report: &Report) -> String {
    let plural = |n: usize, w: &str| crate::console::count(n, w, &format!("{w}s"));
    let mut s = format!(
        "checked {}, {}, {} on {}",
        plural(report.posts, "post"),
        plural(report.pages, "page"),
        plural(report.references, "reference"),
        plural(report.html_pages, "rendered page"),
    );
    if let Some(e) = report.external {
        s.push_str(&format!(
            ", {} ({} from the cache)",
            plural(e.urls, "external URL"),
            e.cached
        ));
    }
    let (errors, warnings) = (report.error_count(), report.warning_count());
    if errors + warnings == 0 {
        s.push_str(": no problems");
    } else {
        s.push_str(&format!(
            ": {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ));
        let rules: Vec<String> = report
            .by_rule()
            .into_iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        s.push_str(&format!(" ({})", rules.join(", ")));
    }
    s
}

/// Runs `smelt check`; returns the exit code.
pub fn run(args: CheckArgs) -> u8 {
    let root = match super::site_root(args.site.root.as_deref(), "check") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = check::Options {
        root,
        drafts: args.site.drafts,
        future: args.site.future,
        external: args.external,
        fix: args.fix,
        deny_warnings: args.deny_warnings,
        external_options: None,
    };
    let report = match check::run(&opts) {
        Ok(r) => r,
        Err(e) => return super::report_error(&e),
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // A closed standard output (piped into `head`) ends the printing; the exit code still
    // tells.
    crate::out!("{}", format_report(&report, args.format, color));
    for f in &report.fixed {
        crate::errln!(
            "fixed {} in {} (original kept as {})",
            crate::console::count(f.spans, "garbled span", "garbled spans"),
            display(&opts.root, &f.path),
            display(&opts.root, &f.backup),
        );
    }
    crate::errln!("{}", summary(&report));
    report.exit_code()
}

fn display(root: &std::path::Path, p: &std::path::Path) -> String {
    crate::error::display_path(p.strip_prefix(root).unwrap_or(p))
}
