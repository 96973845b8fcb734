//! `smelt list [--drafts] [--future]`: every post, newest first, one line each:
//! `date  status  source  title`, where status is `published`, `draft`, `scheduled` (dated
//! in the future: left out of `build` unless `--future`) or `draft,scheduled`. `--drafts`
//! and `--future` keep only those (both: either). Files with errors are reported on stderr
//! (exit code 1) and the rest are still listed.

use crate::cli::ListArgs;
use crate::pipeline::{self, BuildOptions};

/// One line of the listing.
struct Row {
    date: Option<jiff::Zoned>,
    draft: bool,
    scheduled: bool,
    source: String,
    title: String,
}

impl Row {
    fn status(&self) -> &'static str {
        match (self.draft, self.scheduled) {
            (false, false) => "published",
            (true, false) => "draft",
            (false, true) => "scheduled",
            (true, true) => "draft,scheduled",
        }
    }
}

/// Runs `smelt list`; returns the exit code.
pub fn run(args: ListArgs) -> u8 {
    let root = match super::site_root(args.root.as_deref(), "list") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = BuildOptions {
        root,
        ..Default::default()
    };
    let config = match pipeline::load_config(&opts) {
        Ok(c) => c,
        Err(diags) => {
            super::print_diagnostics(&diags);
            return 1;
        }
    };
    // Default publication (no drafts, no future): published posts are the site's; drafts
    // and scheduled posts come back as `unpublished` with their flags.
    let prepared = match pipeline::prepare(&opts, config) {
        Ok(p) => p,
        Err(diags) => {
            super::print_diagnostics(&diags);
            return 1;
        }
    };
    let now = jiff::Timestamp::now();
    let mut rows: Vec<Row> = prepared
        .site
        .posts
        .iter()
        .map(|p| Row {
            scheduled: p.date.timestamp() > now,
            date: Some(p.date.clone()),
            draft: p.draft,
            source: p.source.clone(),
            title: p.title.clone(),
        })
        .chain(
            prepared
                .unpublished
                .iter()
                .filter(|u| u.source.starts_with("content/posts/"))
                .map(|u| Row {
                    date: u.date.clone(),
                    draft: u.draft,
                    scheduled: u.scheduled,
                    source: u.source.clone(),
                    title: u.title.clone(),
                }),
        )
        .filter(|r| match (args.drafts, args.future) {
            (false, false) => true,
            (d, f) => (d && r.draft) || (f && r.scheduled),
        })
        .collect();
    rows.sort_by(|a, b| {
        let ta = a.date.as_ref().map(|d| d.timestamp());
        let tb = b.date.as_ref().map(|d| d.timestamp());
        tb.cmp(&ta).then_with(|| a.source.cmp(&b.source))
    });
    let status_w = rows.iter().map(|r| r.status().len()).max().unwrap_or(0);
    let source_w = rows
        .iter()
        .map(|r| r.source.chars().count())
        .max()
        .unwrap_or(0);
    for r in &rows {
        let date = r
            .date
            .as_ref()
            .map(|d| d.date().to_string())
            .unwrap_or_else(|| "----------".into());
        // One row per post: a title written over several lines is shown on one, and control
        // characters (terminal escapes) and bidirectional overrides are left out.
        let title = r
            .title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(
                |c: char| {
                    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
                },
                "",
            );
        crate::outln!(
            "{date}  {:<status_w$}  {:<source_w$}  {title}",
            r.status(),
            r.source,
        );
    }
    let errors: Vec<_> = prepared
        .diags
        .items()
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if errors.is_empty() {
        0
    } else {
        super::print_diagnostics(&errors.into());
        crate::errln!(
            "error: some files have errors and are not listed (run `smelt check` for details)"
        );
        1
    }
}
