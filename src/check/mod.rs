//! `smelt check`: the whole pipeline without writing, and every problem a reader would see.
//!
//! Stages: load + parse + index (every parse error of every file), an in-memory render of
//! every page ([`html`]), then the checks: links, fragments and images on the rendered pages
//! ([`links`]), content rules for analysis posts ([`lint`]), mojibake in the source files
//! ([`mojibake`], repaired in place by `--fix` through [`fix`]) and, with `--external`,
//! external links ([`external`]). Rule levels from `[check.rules]` are applied last
//! ([`rules`]), duplicates removed and the result sorted by file, line and column.
//!
//! Nothing under the output folder is touched. `--fix` writes only the repaired source files
//! (and their `.bak` copies); `--external` writes only `.smelt-cache/links.json`.

pub mod external;
pub mod fix;
pub mod html;
pub mod links;
pub mod lint;
pub mod mojibake;
pub mod rules;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{CONFIG_FILE, RuleLevel, line_col};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::pipeline::{self, BuildOptions};
use crate::theme::Theme;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Site root (the folder with `site.toml`).
    pub root: PathBuf,
    /// Check drafts as if published.
    pub drafts: bool,
    /// Check posts dated in the future as if published.
    pub future: bool,
    /// Also request external links.
    pub external: bool,
    /// Repair mojibake in place.
    pub fix: bool,
    /// Report warnings as errors.
    pub deny_warnings: bool,
    /// External link settings (default: [`external::Options::default`] with the cache
    /// lifetime from `[check] link_cache_days`).
    pub external_options: Option<external::Options>,
}

/// The result of a check.
#[derive(Debug, Default)]
pub struct Report {
    /// Every problem, levels applied, sorted by path, line and column.
    pub diags: Vec<Diagnostic>,
    /// Files repaired by `--fix`.
    pub fixed: Vec<fix::Fixed>,
    /// Posts checked.
    pub posts: usize,
    /// Standalone pages checked.
    pub pages: usize,
    /// HTML pages rendered and read.
    pub html_pages: usize,
    /// References (links, images, resources) read on those pages.
    pub references: usize,
    /// External link statistics, with `--external`.
    pub external: Option<external::Stats>,
}

impl Report {
    /// Error-severity diagnostics.
    pub fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// Warning-severity diagnostics.
    pub fn warning_count(&self) -> usize {
        self.diags.len() - self.error_count()
    }

    /// Diagnostics per rule, by rule name.
    pub fn by_rule(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for d in &self.diags {
            *m.entry(d.rule).or_insert(0) += 1;
        }
        m
    }

    /// 0 without errors, 1 with any.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.error_count() > 0)
    }
}

/// Runs the check. Fails only when there is no site at `root` (a usage error); every
/// problem of the site itself is in the report.
pub fn run(opts: &Options) -> Result<Report, Error> {
    if !opts.root.join(CONFIG_FILE).is_file() {
        return Err(Error::Usage(format!(
            "no {CONFIG_FILE} in {}: run smelt check in a site folder, pass --root DIR, or create a site with `smelt init`",
            opts.root.display()
        )));
    }
    let bopts = BuildOptions {
        root: opts.root.clone(),
        drafts: opts.drafts,
        future: opts.future,
        ..BuildOptions::default()
    };
    let config = match pipeline::load_config(&bopts) {
        Ok(c) => c,
        Err(ds) => {
            return Ok(finish(
                ds.into_vec(),
                &Default::default(),
                opts,
                Report::default(),
            ));
        }
    };
    let check_config = config.check.clone();
    let prepared = match pipeline::prepare(&bopts, config.clone()) {
        Ok(p) => p,
        Err(ds) => {
            return Ok(finish(
                ds.into_vec(),
                &check_config,
                opts,
                Report::default(),
            ));
        }
    };
    let mut diags: Vec<Diagnostic> = prepared.diags.into_vec();
    let site = &prepared.site;
    // Files that failed to parse are already reported; links to them are not broken links.
    let failed: HashSet<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.path.clone())
        .collect();
    let cascade = links_to_failed(site, &failed);
    let mut report = Report {
        posts: site.posts.len(),
        pages: site.pages.len(),
        ..Report::default()
    };

    let rendered = html::render(site, &prepared.templates, &opts.root);
    diags.extend(rendered.diags.iter().cloned());
    report.html_pages = rendered.pages.len();
    report.references = rendered.pages.iter().map(|p| p.refs.len()).sum();

    let searchable = searchable(&opts.root, &config);
    let author_texts: Vec<Option<Arc<str>>> = site
        .authors
        .iter()
        .map(|a| {
            a.source
                .as_ref()
                .and_then(|s| read_text(&opts.root, s))
                .map(|(_, t)| t)
        })
        .collect();
    let unpublished: Vec<String> = prepared
        .unpublished
        .iter()
        .map(|u| u.source.clone())
        .collect();
    let found = links::check(&links::Inputs {
        site,
        rendered: &rendered,
        searchable: &searchable,
        author_texts: &author_texts,
        unpublished: &unpublished,
    });
    // A link to a source file that does not exist is reported by the Markdown stage (as
    // `build` reports it); its unresolved href is the same problem, not a second one.
    let reported_links: HashSet<(Option<String>, Option<usize>, Option<usize>)> = diags
        .iter()
        .filter(|d| d.rule == "broken-link")
        .map(|d| (d.path.clone(), d.line, d.col))
        .collect();
    diags.extend(found.diags.into_iter().filter(|d| {
        !(d.rule == "broken-link"
            && d.line.is_some()
            && reported_links.contains(&(d.path.clone(), d.line, d.col)))
    }));

    let scheduled: Vec<lint::Scheduled> = prepared
        .unpublished
        .iter()
        .filter(|u| u.scheduled && !u.draft)
        .filter_map(|u| {
            let date = u.date.clone()?;
            let (_, text) = read_text(&opts.root, &u.source)?;
            Some(lint::Scheduled {
                source: u.source.clone(),
                date,
                text,
            })
        })
        .collect();
    diags.extend(lint::check(site, &scheduled, jiff::Timestamp::now()));

    let mut sources: Vec<&str> = site.posts.iter().map(|p| p.source.as_str()).collect();
    sources.extend(site.pages.iter().map(|p| p.source.as_str()));
    sources.extend(site.authors.iter().filter_map(|a| a.source.as_deref()));
    let fix_level = rules::level(&check_config, "mojibake");
    let do_fix = opts.fix && fix_level != Some(RuleLevel::Off);
    for src in sources {
        let (mut ds, fixed) = mojibake_file(&opts.root, src, do_fix);
        diags.append(&mut ds);
        report.fixed.extend(fixed);
    }

    if opts.external {
        let mut eo = opts.external_options.clone().unwrap_or_default();
        if opts.external_options.is_none() {
            eo.cache_days = check_config.link_cache_days;
        }
        let (ds, stats) = external::check(&found.external, &opts.root, &eo);
        diags.extend(ds);
        report.external = Some(stats);
    }
    diags.retain(|d| {
        !(d.rule == "broken-link"
            && d.path.as_ref().is_some_and(|p| {
                cascade.contains(&(p.clone(), d.line.unwrap_or(0), d.col.unwrap_or(0)))
            }))
    });
    Ok(finish(diags, &check_config, opts, report))
}

/// Locations (source, line, column) of `.md` links whose target is a file that failed to
/// parse: its own errors say what is wrong, so the links are not reported as broken too.
fn links_to_failed(
    site: &crate::model::Site,
    failed: &HashSet<String>,
) -> HashSet<(String, usize, usize)> {
    let mut out = HashSet::new();
    if failed.is_empty() {
        return out;
    }
    let bodies = site
        .posts
        .iter()
        .map(|p| (&p.source, &p.body))
        .chain(site.pages.iter().map(|p| (&p.source, &p.body)));
    for (source, body) in bodies {
        for l in &body.links {
            let path = l.url.split(['#', '?']).next().unwrap_or("");
            if !crate::pipeline::load::is_markdown(path) {
                continue;
            }
            if crate::pipeline::parse::candidates(source, path)
                .iter()
                .any(|c| failed.contains(c))
            {
                out.insert((source.clone(), l.line, l.col));
            }
        }
    }
    out
}

/// Applies levels, removes exact duplicates (same rule, place and message: the first
/// reported wins; different problems at one place are all kept) and sorts.
fn finish(
    diags: Vec<Diagnostic>,
    config: &crate::config::CheckConfig,
    opts: &Options,
    mut report: Report,
) -> Report {
    let diags = rules::apply(diags, config, opts.deny_warnings);
    let mut seen = HashSet::new();
    let unique: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| seen.insert((d.rule, d.path.clone(), d.line, d.col, d.message.clone())))
        .collect();
    let mut sorted = Diagnostics::from(unique);
    sorted.sort();
    report.diags = sorted.into_vec();
    report
}

/// site.toml and every template (site overrides first), for locating template-made links.
fn searchable(root: &Path, config: &crate::config::Config) -> Vec<links::Searchable> {
    let mut out = Vec::new();
    if let Some((_, text)) = read_text(root, CONFIG_FILE) {
        out.push(links::Searchable {
            path: CONFIG_FILE.to_string(),
            template: None,
            text,
        });
    }
    if let Ok(theme) = Theme::resolve(root, &config.theme)
        && let Ok(templates) = theme.templates()
    {
        let mut list: Vec<links::Searchable> = templates
            .into_iter()
            .map(|(name, src)| links::Searchable {
                path: src.origin,
                template: Some(name),
                text: Arc::from(src.text),
            })
            .collect();
        // Partials and base layouts last: a page's own template names its links first.
        list.sort_by_key(|s| {
            (
                s.template
                    .as_deref()
                    .is_some_and(|n| n.starts_with("partials/") || n == "base.html"),
                s.path.clone(),
            )
        });
        out.extend(list);
    }
    out
}

/// Reads a site-relative text file: (BOM, text without BOM). `None` when unreadable or not
/// UTF-8 (the load stage reports those).
fn read_text(root: &Path, rel: &str) -> Option<(&'static str, Arc<str>)> {
    let bytes = std::fs::read(root.join(rel)).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    match text.strip_prefix('\u{feff}') {
        Some(rest) => Some(("\u{feff}", Arc::from(rest))),
        None => Some(("", Arc::from(text))),
    }
}

/// Mojibake in one source file: one diagnostic per garbled word; with `fix`, the file is
/// repaired instead and nothing is reported for it.
fn mojibake_file(root: &Path, rel: &str, fix: bool) -> (Vec<Diagnostic>, Option<fix::Fixed>) {
    let Some((bom, text)) = read_text(root, rel) else {
        return (Vec::new(), None);
    };
    let hits = mojibake::find(&text);
    if hits.is_empty() {
        return (Vec::new(), None);
    }
    if fix {
        return match fix::apply(&root.join(rel), bom, &text, &hits) {
            Ok(f) => (Vec::new(), Some(f)),
            Err(e) => (
                vec![
                    Diagnostic::error("io", format!("cannot repair mojibake: {e}"))
                        .at_path(rel)
                        .with_help("the file is unchanged; check its permissions"),
                ],
                None,
            ),
        };
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let word = mojibake::word_around(&text, &hits[i].range);
        let mut j = i + 1;
        while j < hits.len() && hits[j].range.start < word.end {
            j += 1;
        }
        let in_word: Vec<mojibake::Hit> = hits[i..j]
            .iter()
            .map(|h| mojibake::Hit {
                range: h.range.start - word.start..h.range.end - word.start,
                ..h.clone()
            })
            .collect();
        let garbled = &text[word.clone()];
        let repaired = mojibake::repair(garbled, &in_word);
        let first = &hits[i];
        let how = match first.kind {
            mojibake::HitKind::Whole => format!("UTF-8 read as {}", first.code_page.name()),
            mojibake::HitKind::LostByte => format!(
                "UTF-8 read as {}, one byte lost; most likely `”`",
                first.code_page.name()
            ),
            mojibake::HitKind::StrayBeforeSpace => {
                format!("a no-break space read as {}", first.code_page.name())
            }
        };
        let (line, col) = line_col(&text, first.range.start);
        out.push(
            Diagnostic::error(
                "mojibake",
                format!("garbled text `{garbled}` should read `{repaired}` ({how})"),
            )
            .at_path(rel)
            .at(line, col)
            .with_help(
                "run `smelt check --fix` to repair it in place (a .bak copy is kept), or retype it",
            )
            .with_source(text.clone()),
        );
        i = j;
    }
    (out, None)
}
