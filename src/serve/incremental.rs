//! Incremental builds for `serve`: a [`Changes`] set (paths from the watcher) → the site in
//! memory ([`Builder::files`]), byte-identical to a clean build of the same sources.
//!
//! Two ways to a new [`Site`]:
//! - **fast**: every changed path is a known content file edited in place (whatever the save
//!   strategy, the same paths are left behind), its front matter still parses, links to it
//!   resolve as before (same permalink and publication), what the index stage reads of it
//!   (date, slug, permalink, authors, tags, aliases) is unchanged, and the last index run
//!   reported nothing. Then only those files are re-read and re-parsed, and their documents
//!   replace the old ones in the kept `Site` (keeping the index stage's assignments).
//! - **full**: anything else (files created, deleted or renamed, structural front matter
//!   edits, `site.toml`, the first build, the build after a failure): load, parse (reusing
//!   every unchanged file's parse, see [`ParseCache`]), index.
//!
//! Either way the render stage then re-renders only the jobs whose fingerprint changed (see
//! `deps`) and keeps the output of the others. Static files edited in place need no render at
//! all (they are read when served). A failed build leaves the last good output in place and
//! makes the next build a full one.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use rayon::prelude::*;
use tera::Value;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics, display_path};
use crate::model::{Site, SourceFile, StaticSource};
use crate::pipeline::parse::{Doc, Publish, Unpublished};
use crate::pipeline::render::{FileData, Job, RenderedFile, Renderer};
use crate::pipeline::{self, index, load};
use crate::serve::deps::{self, Atoms, JobKey};
use crate::serve::files::Files;
use crate::serve::parse_cache::{Key, ParseCache};
use crate::templates::Templates;
use crate::theme::Theme;
use crate::values::{self, Shared};

/// What changed on disk since the last build (absolute paths, as the watcher reports them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Rebuild from scratch (first build, lost events, a watched folder appeared or vanished).
    pub all: bool,
    /// `site.toml` changed.
    pub config: bool,
    /// A template (site `templates/` or the theme's) changed.
    pub templates: bool,
    /// Paths under `content/`.
    pub content: BTreeSet<PathBuf>,
    /// Paths under `static/` or the theme's `static/`.
    pub statics: BTreeSet<PathBuf>,
}

impl Changes {
    /// Everything.
    pub fn everything() -> Changes {
        Changes {
            all: true,
            ..Changes::default()
        }
    }

    /// Adds the changes of `other`.
    pub fn merge(&mut self, other: Changes) {
        self.all |= other.all;
        self.config |= other.config;
        self.templates |= other.templates;
        self.content.extend(other.content);
        self.statics.extend(other.statics);
    }

    /// `true` when nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutData {
    /// Rendered bytes.
    Bytes(Bytes),
    /// A file copied as-is (read when served).
    Static(StaticSource),
}

impl OutData {
    /// Same content. Files kept from an earlier build share their buffer, so this is cheap
    /// for them (no byte comparison).
    pub fn same(&self, other: &OutData) -> bool {
        match (self, other) {
            (OutData::Bytes(a), OutData::Bytes(b)) => {
                (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
            }
            (a, b) => a == b,
        }
    }
}

impl From<FileData> for OutData {
    fn from(d: FileData) -> Self {
        match d {
            FileData::Bytes(b) => OutData::Bytes(Bytes::from(b)),
            FileData::Static(s) => OutData::Static(s),
        }
    }
}

/// How a build reached its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Only static files changed: nothing was rendered.
    Static,
    /// Changed files were re-parsed into the kept site.
    Fast,
    /// Load, parse (with memory) and index.
    Full,
    /// The files made by code (feeds, sitemap, search index…) of a build whose pages were
    /// published first (see [`Builder::defer_generated`]).
    Generated,
}

/// What a successful build did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The way taken.
    pub way: Way,
    /// Jobs rendered (out of `jobs`).
    pub rendered: usize,
    /// Jobs in the build.
    pub jobs: usize,
    /// Output paths added or changed (sorted).
    pub changed: Vec<String>,
    /// Output paths removed (sorted).
    pub removed: Vec<String>,
    /// Every warning of the current site (sorted).
    pub warnings: Diagnostics,
    /// Published posts.
    pub posts: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// The files made by code still have to be made ([`Builder::generate`]); until then
    /// the ones listed here are from the build before.
    pub pending: Vec<String>,
    /// Wall time of each step of the render stage, in order (for `SMELT_SERVE_TRACE`).
    pub steps: Vec<(&'static str, Duration)>,
}

/// Records the wall time of consecutive steps.
struct Steps {
    last: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Steps {
    fn new() -> Steps {
        Steps {
            last: Instant::now(),
            done: Vec::new(),
        }
    }
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done.push((name, now - self.last));
        self.last = now;
    }
}

/// Which jobs a render pass runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Every job whose fingerprint changed, and the files made by code.
    All,
    /// Jobs whose fingerprint changed, without the files made by code.
    Pages,
    /// Only the files made by code.
    Generated,
}

/// The model of the last build: everything needed to patch it.
struct Model {
    config: Arc<Config>,
    config_hash: Key,
    theme: Theme,
    templates: Templates,
    templates_fp: Key,
    files: Vec<SourceFile>,
    /// Source path → index in `files`.
    file_index: HashMap<String, usize>,
    /// Disk files copied to the output (static files, bundle assets) → their output paths.
    disk_outputs: HashMap<PathBuf, Vec<String>>,
    /// Folders holding any of the files above, with their ancestors up to the root.
    known_dirs: HashSet<PathBuf>,
    load_diags: Vec<Diagnostic>,
    parse_diags: Vec<Diagnostic>,
    index_diags: Vec<Diagnostic>,
    site: Site,
    unpublished: Vec<Unpublished>,
    /// Post source → index in `site.posts`.
    post_index: HashMap<String, usize>,
}

impl Model {
    fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.extend(self.load_diags.iter().cloned());
        d.extend(self.parse_diags.iter().cloned());
        d.extend(self.index_diags.iter().cloned());
        d.sort();
        d
    }
}

/// One job's output in the last good build.
struct JobOut {
    fp: Option<Key>,
    paths: Vec<String>,
}

/// What the fast way has to do: Markdown files to re-parse and outputs of static files
/// edited in place.
struct Plan {
    sources: Vec<usize>,
    statics: Vec<String>,
}

/// Builds a site again and again, reusing what did not change (see the module documentation).
pub struct Builder {
    root: PathBuf,
    drafts: bool,
    origin: Option<String>,
    parse: ParseCache,
    model: Option<Model>,
    /// The last attempt failed: the model may be half-made.
    dirty: bool,
    /// Make the files made by code in a second step ([`Builder::generate`]).
    defer: bool,
    /// The model changed since the files made by code were made.
    stale_generated: bool,
    out: Output,
    /// Posts (indexes) the fast way re-parsed in this build; `None` after the full way.
    touched: Option<Vec<usize>>,
}

/// The output of the last good build and what made it, kept for the next render.
#[derive(Default)]
struct Output {
    /// Every job's fingerprint and files.
    jobs: HashMap<JobKey, JobOut>,
    /// The files.
    files: Files,
    /// The post cards.
    cards: CardMemo,
    /// What the last render worked from.
    prev: Option<Prev>,
}

/// What a render worked from: its atoms, jobs and fingerprints, and the author and tag values
/// the card keys were made with.
struct Prev {
    atoms: Atoms,
    jobs: Vec<Job>,
    keys: Vec<JobKey>,
    fps: Vec<Option<Key>>,
    author_refs: Vec<Key>,
    terms: Vec<Key>,
}

/// The configuration with `base_url` moved to `origin` (keeping its path), when given.
fn configure(root: &Path, origin: Option<&str>) -> Result<Config, Diagnostics> {
    let mut config = pipeline::load_config(&pipeline::BuildOptions {
        root: root.to_path_buf(),
        ..Default::default()
    })?;
    if let Some(origin) = origin {
        let url = format!("{}{}", origin.trim_end_matches('/'), config.base_path);
        if let Err(why) = config.set_base_url(&url) {
            return Err(vec![Diagnostic::error(
                "config",
                format!("cannot serve at {why}"),
            )]
            .into());
        }
    }
    Ok(config)
}

impl Builder {
    /// A builder for the site at `root` (an absolute path, as the watcher reports paths).
    /// `origin` (`http://127.0.0.1:1111`) replaces the scheme, host and port of `base_url`
    /// (its path is kept); `drafts` publishes drafts. Scheduled posts are always published.
    pub fn new(root: PathBuf, origin: Option<String>, drafts: bool) -> Builder {
        Builder {
            root,
            drafts,
            origin,
            parse: ParseCache::default(),
            model: None,
            dirty: false,
            defer: false,
            stale_generated: false,
            out: Output::default(),
            touched: None,
        }
    }

    /// Makes [`Builder::build`] leave the files made by code (feeds, sitemap, search index,
    /// highlighting stylesheet, redirects) for a following [`Builder::generate`], so pages
    /// can be published as soon as they are rendered. Those files read the whole site and
    /// are the slow part of a small change on a large site.
    pub fn defer_generated(&mut self, defer: bool) {
        self.defer = defer;
    }

    /// Makes the files made by code after a deferred build; `None` when they are up to
    /// date. On error the files stay as they were and the next build starts over.
    pub fn generate(&mut self) -> Option<Result<Report, Diagnostics>> {
        if !self.stale_generated || self.dirty {
            return None;
        }
        let start = Instant::now();
        let result = self.finish(Way::Generated, Pass::Generated);
        self.stale_generated = false;
        self.dirty = result.is_err();
        Some(result.map(|mut r| {
            r.elapsed = start.elapsed();
            r
        }))
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files of the last good build, by output path (`posts/x/index.html`).
    pub fn files(&self) -> Files {
        self.out.files.clone()
    }

    /// The configuration of the last build that read one.
    pub fn config(&self) -> Option<Arc<Config>> {
        self.model.as_ref().map(|m| m.config.clone())
    }

    /// Folders under the root that are never content: the output folder (as configured, else
    /// `public`), its build cache and staging folders, and the cache of `check`.
    pub fn private_dirs(&self) -> Vec<PathBuf> {
        let out = match &self.model {
            Some(m) => m.config.output_path(&self.root, None),
            None => self.root.join("public"),
        };
        vec![
            crate::cache::dir_for(&out),
            crate::pipeline::write::staging_path(&out),
            out,
            self.root.join(".smelt-cache"),
        ]
    }

    /// Every diagnostic of the current model (warnings after a good build), sorted.
    pub fn warnings(&self) -> Diagnostics {
        self.model
            .as_ref()
            .map(Model::diagnostics)
            .unwrap_or_default()
    }

    /// The drafts and scheduled posts left out by the last build.
    pub fn unpublished(&self) -> &[Unpublished] {
        self.model
            .as_ref()
            .map(|m| m.unpublished.as_slice())
            .unwrap_or(&[])
    }

    fn publish(&self) -> Publish {
        Publish {
            drafts: self.drafts,
            future: true,
            now: jiff::Timestamp::now(),
        }
    }

    /// Builds after `changes`. On error the last good files stay as they are and every
    /// problem (errors and warnings, sorted) is returned.
    pub fn build(&mut self, changes: &Changes) -> Result<Report, Diagnostics> {
        let start = Instant::now();
        let result = self.build_inner(changes);
        self.dirty = result.is_err();
        result.map(|mut r| {
            r.elapsed = start.elapsed();
            r
        })
    }

    fn build_inner(&mut self, changes: &Changes) -> Result<Report, Diagnostics> {
        let full = self.model.is_none() || self.dirty || changes.all || changes.config;
        if !full && let Some(plan) = self.plan(changes) {
            if plan.sources.is_empty() && !changes.templates {
                let mut changed = plan.statics;
                changed.sort();
                changed.dedup();
                return Ok(self.report(Way::Static, 0, self.out.jobs.len(), changed, Vec::new()));
            }
            if let Some(patched) = self.fast(&plan.sources, changes.templates)? {
                if patched == 0 && !changes.templates {
                    // Saved without a change (same bytes): only static outputs may differ.
                    let mut changed = plan.statics;
                    changed.sort();
                    changed.dedup();
                    return Ok(self.report(
                        Way::Static,
                        0,
                        self.out.jobs.len(),
                        changed,
                        Vec::new(),
                    ));
                }
                let mut r = self.finish(Way::Fast, self.pass())?;
                r.changed.extend(plan.statics);
                r.changed.sort();
                r.changed.dedup();
                return Ok(r);
            }
        }
        self.full(changes)?;
        self.finish(Way::Full, self.pass())
    }

    fn pass(&self) -> Pass {
        if self.defer { Pass::Pages } else { Pass::All }
    }

    fn report(
        &self,
        way: Way,
        rendered: usize,
        jobs: usize,
        changed: Vec<String>,
        removed: Vec<String>,
    ) -> Report {
        Report {
            way,
            rendered,
            jobs,
            changed,
            removed,
            warnings: self
                .model
                .as_ref()
                .map(Model::diagnostics)
                .unwrap_or_default(),
            posts: self.model.as_ref().map(|m| m.site.posts.len()).unwrap_or(0),
            elapsed: Duration::ZERO,
            pending: Vec::new(),
            steps: Vec::new(),
        }
    }

    fn ignored(&self, p: &Path) -> bool {
        p.strip_prefix(&self.root).is_ok_and(load::is_ignored_path)
    }

    /// Sorts the changed paths: known Markdown files edited in place (re-parse), known disk
    /// files edited in place (report their outputs), vanished paths nobody knew (nothing to
    /// do). `None` when a path appeared, a known one vanished or a folder changed: the set of
    /// files is different and only the full way finds out how.
    fn plan(&self, changes: &Changes) -> Option<Plan> {
        let m = self.model.as_ref()?;
        let mut plan = Plan {
            sources: Vec::new(),
            statics: Vec::new(),
        };
        for p in changes.content.iter().chain(&changes.statics) {
            if self.ignored(p) {
                continue;
            }
            let is_file = std::fs::metadata(p).is_ok_and(|md| md.is_file());
            let source = p.strip_prefix(&self.root).ok().map(display_path);
            if let Some(&i) = source.as_ref().and_then(|s| m.file_index.get(s)) {
                if !is_file {
                    return None;
                }
                plan.sources.push(i);
            } else if let Some(outs) = m.disk_outputs.get(p) {
                if !is_file {
                    return None;
                }
                plan.statics.extend(outs.iter().cloned());
            } else if m.known_dirs.contains(p) || std::fs::symlink_metadata(p).is_ok() {
                return None;
            }
        }
        plan.sources.sort_unstable();
        plan.sources.dedup();
        Some(plan)
    }

    /// The fast way: re-reads and re-parses `changed` into the kept site; returns how many
    /// documents changed. `Ok(None)` when a change needs the full way (nothing has been
    /// modified then).
    fn fast(&mut self, changed: &[usize], templates: bool) -> Result<Option<usize>, Diagnostics> {
        enum Slot {
            Post(usize),
            Page(usize),
            Author(usize),
            Unpublished(usize),
        }
        let publish = self.publish();
        let Some(m) = self.model.as_ref() else {
            return Ok(None);
        };
        if !m.index_diags.is_empty() {
            return Ok(None);
        }
        let mut patches = Vec::new();
        for &i in changed {
            let old = &m.files[i];
            let path = self.root.join(&old.source);
            let (file, read_diag) = load::read_source(
                &self.root,
                &path,
                old.kind,
                old.stem.clone(),
                old.assets.clone(),
            );
            let Some(file) = file else {
                return Ok(None);
            };
            if file.hash == old.hash {
                continue;
            }
            let Some(re) = self.parse.reparse(i, &file, &m.config, publish) else {
                return Ok(None);
            };
            if !re.same_index_inputs {
                return Ok(None);
            }
            let slot = match &re.doc {
                Doc::Post(_) => m.post_index.get(&file.source).map(|&j| Slot::Post(j)),
                Doc::Page(_) => m
                    .site
                    .pages
                    .iter()
                    .position(|p| p.source == file.source)
                    .map(Slot::Page),
                Doc::Author(_) => m
                    .site
                    .authors
                    .iter()
                    .position(|a| a.source.as_deref() == Some(file.source.as_str()))
                    .map(Slot::Author),
                Doc::Skipped(_) => m
                    .unpublished
                    .iter()
                    .position(|u| u.source == file.source)
                    .map(Slot::Unpublished),
            };
            let Some(slot) = slot else {
                return Ok(None);
            };
            patches.push((i, file, read_diag, re, slot));
        }
        let new_templates = if templates {
            match Templates::load(&m.theme, &m.config) {
                Ok(t) => Some(t),
                Err(ds) => {
                    let mut d = m.diagnostics();
                    d.extend(ds);
                    d.sort();
                    return Err(d);
                }
            }
        } else {
            None
        };
        // Apply: nothing below fails.
        let Some(m) = self.model.as_mut() else {
            return Ok(None);
        };
        if let Some(t) = new_templates {
            m.templates_fp = *t.fingerprint().as_bytes();
            m.templates = t;
        }
        let count = patches.len();
        let mut touched = Vec::new();
        for (i, file, read_diag, re, slot) in patches {
            let source = file.source.clone();
            let (doc, diags) = self.parse.commit(&source, re);
            m.load_diags
                .retain(|d| d.path.as_deref() != Some(source.as_str()));
            m.load_diags.extend(read_diag);
            m.parse_diags
                .retain(|d| d.path.as_deref() != Some(source.as_str()));
            m.parse_diags.extend(diags);
            m.files[i] = file;
            match (slot, doc) {
                (Slot::Post(j), Doc::Post(mut p)) => {
                    touched.push(j);
                    // Keep what the index stage assigned (its inputs are unchanged).
                    let old = &m.site.posts[j];
                    p.authors = old.authors.clone();
                    p.tag_ids = old.tag_ids.clone();
                    p.tags = old.tags.clone();
                    m.site.posts[j] = *p;
                }
                (Slot::Page(j), Doc::Page(p)) => m.site.pages[j] = *p,
                (Slot::Author(j), Doc::Author(a)) => m.site.authors[j] = *a,
                (Slot::Unpublished(j), Doc::Skipped(u)) => m.unpublished[j] = u,
                // The slot was found from the document kind above, so this cannot happen;
                // if it did, the next build would start over.
                _ => {
                    self.dirty = true;
                    return Ok(None);
                }
            }
        }
        self.touched = Some(touched);
        Ok(Some(count))
    }

    /// The full way: configuration (when changed), load, parse with memory, index, templates.
    fn full(&mut self, changes: &Changes) -> Result<(), Diagnostics> {
        self.touched = None;
        let publish = self.publish();
        let keep = self
            .model
            .take()
            .filter(|_| !(self.dirty || changes.all || changes.config));
        let config = match &keep {
            Some(m) => Config::clone(&m.config),
            None => configure(&self.root, self.origin.as_deref())?,
        };
        let theme =
            Theme::resolve(&self.root, &config.theme).map_err(|d| Diagnostics::from(vec![d]))?;
        let loaded = load::load(&self.root, &theme);
        let (mut parsed, _) = self.parse.parse(&loaded.files, &config, publish);
        let parse_diags = std::mem::take(&mut parsed.diags).into_vec();
        let unpublished = parsed.unpublished.clone();
        let config_hash = deps::hash_serialized(&config);
        let config = Arc::new(config);
        let (site, index_diags) = index::index(config.clone(), parsed, loaded.static_files);
        let load_diags = loaded.diags.into_vec();
        let index_diags = index_diags.into_vec();
        let templates = match keep {
            Some(m) if !changes.templates => Ok((m.templates, m.templates_fp)),
            _ => Templates::load(&theme, &config).map(|t| {
                let fp = *t.fingerprint().as_bytes();
                (t, fp)
            }),
        };
        let (templates, templates_fp) = match templates {
            Ok(t) => t,
            Err(ds) => {
                let mut d = Diagnostics::new();
                d.extend(load_diags);
                d.extend(parse_diags);
                d.extend(index_diags);
                d.extend(ds);
                d.sort();
                return Err(d);
            }
        };
        let disk_outputs = disk_outputs(&site);
        let model = Model {
            file_index: loaded
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.source.clone(), i))
                .collect(),
            known_dirs: known_dirs(&self.root, &loaded.files, &disk_outputs),
            disk_outputs,
            files: loaded.files,
            load_diags,
            parse_diags,
            index_diags,
            post_index: site
                .posts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.source.clone(), i))
                .collect(),
            site,
            unpublished,
            config,
            config_hash,
            theme,
            templates,
            templates_fp,
        };
        let mut diags = model.diagnostics();
        if diags.has_errors() {
            // As `build` does: also the output paths two producers would write.
            diags.extend(pipeline::planned_problems(
                &model.site,
                &model.templates,
                &self.root,
                false,
            ));
            diags.sort();
        }
        self.model = Some(model);
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(())
    }

    /// Renders the jobs of `pass` whose fingerprint changed and swaps in the new output.
    fn finish(&mut self, way: Way, pass: Pass) -> Result<Report, Diagnostics> {
        let Some(m) = self.model.as_ref() else {
            return Err(Diagnostics::new());
        };
        // After the fast way (and for the second pass of any build) the site has the same
        // structure as at the last render, and only these posts were re-parsed.
        let touched = match way {
            Way::Fast => self.touched.clone(),
            Way::Generated => Some(Vec::new()),
            Way::Full | Way::Static => None,
        };
        let r = render(
            m,
            &self.root,
            &self.parse,
            &mut self.out,
            pass,
            touched.as_deref(),
        )
        .map_err(|mut e| {
            e.extend(
                m.diagnostics()
                    .into_vec()
                    .into_iter()
                    .filter(|d| !d.is_error()),
            );
            e.sort();
            e
        })?;
        let total = self.out.jobs.len();
        self.out.files = r.files;
        self.stale_generated = r.left.is_some();
        let mut report = self.report(way, r.rendered, total, r.changed, r.removed);
        report.pending = r.left.unwrap_or_default();
        report.steps = r.steps;
        Ok(report)
    }
}

/// Disk files the site copies (static files, bundle assets) → their output paths.
fn disk_outputs(site: &Site) -> HashMap<PathBuf, Vec<String>> {
    let mut out: HashMap<PathBuf, Vec<String>> = HashMap::new();
    for sf in &site.static_files {
        if let StaticSource::Disk(p) = &sf.from {
            out.entry(p.clone()).or_default().push(sf.to.clone());
        }
    }
    for post in &site.posts {
        for a in &post.assets {
            out.entry(a.from.clone()).or_default().push(format!(
                "{}{}",
                post.path.trim_start_matches('/'),
                a.name
            ));
        }
    }
    out
}

/// Every folder under `root` holding a known file, with its ancestors below the root.
fn known_dirs(
    root: &Path,
    files: &[SourceFile],
    disk: &HashMap<PathBuf, Vec<String>>,
) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    let paths = files
        .iter()
        .map(|f| root.join(&f.source))
        .chain(disk.keys().cloned());
    for mut p in paths {
        while p.pop() && p.starts_with(root) && p != root {
            if !out.insert(p.clone()) {
                break;
            }
        }
    }
    out
}

/// What a render pass returns (the job table is updated in place).
struct Rendered {
    /// The new file map.
    files: Files,
    /// Jobs rendered.
    rendered: usize,
    /// When the pass left files made by code as they were: their output paths.
    left: Option<Vec<String>>,
    /// Output paths added or changed, sorted.
    changed: Vec<String>,
    /// Output paths gone, sorted.
    removed: Vec<String>,
    /// Timed steps.
    steps: Vec<(&'static str, Duration)>,
}

/// Post cards of the last build, by position (a rebuild that keeps the post order finds
/// each card where it was) and by source path (when posts moved).
#[derive(Default)]
struct CardMemo {
    /// (source, card key, card), parallel to the last build's posts.
    cards: Vec<(String, Key, Value)>,
}

impl CardMemo {
    /// The card of every post: kept when its card key is unchanged, made anew otherwise.
    fn cards(&mut self, site: &Site, shared: &Shared, keys: &[Key]) -> Vec<Value> {
        let aligned = self.cards.len() == site.posts.len()
            && self
                .cards
                .iter()
                .zip(&site.posts)
                .all(|(c, p)| c.0 == p.source);
        let by_source: HashMap<&str, (&Key, &Value)> = if aligned {
            HashMap::new()
        } else {
            self.cards
                .iter()
                .map(|(s, k, v)| (s.as_str(), (k, v)))
                .collect()
        };
        let cards: Vec<Value> = site
            .posts
            .par_iter()
            .zip(keys.par_iter())
            .enumerate()
            .map(|(i, (p, k))| {
                let old = if aligned {
                    self.cards.get(i).map(|(_, k, v)| (k, v))
                } else {
                    by_source.get(p.source.as_str()).copied()
                };
                match old {
                    Some((old, card)) if old == k => card.clone(),
                    _ => Value::from(values::post_card(&site.config, shared, p)),
                }
            })
            .collect();
        drop(by_source);
        if aligned {
            for ((entry, k), c) in self.cards.iter_mut().zip(keys).zip(&cards) {
                if entry.1 != *k {
                    entry.1 = *k;
                    entry.2 = c.clone();
                }
            }
        } else {
            self.cards = site
                .posts
                .iter()
                .zip(keys)
                .zip(&cards)
                .map(|((p, k), c)| (p.source.clone(), *k, c.clone()))
                .collect();
        }
        cards
    }
}

/// The errors the write stage of `build` gives for the output paths of `jobs` (parallel to
/// them; each path with whether it is a file copied from disk, named by that file): a path
/// several producers make, and paths that differ only in letter case.
fn output_collisions(
    renderer: &Renderer,
    root: &Path,
    jobs: &[Job],
    paths: &[Vec<(&str, bool)>],
) -> Diagnostics {
    let claims: Vec<(&str, (usize, bool))> = paths
        .iter()
        .enumerate()
        .flat_map(|(i, list)| list.iter().map(move |&(p, copied)| (p, (i, copied))))
        .collect();
    let mut errors = Diagnostics::new();
    errors.extend(crate::pipeline::write::collisions(
        &claims,
        |(i, copied), p| renderer.producer(&jobs[i], p, copied, root),
    ));
    errors.sort();
    errors
}

/// The render step: cards (reused by card key), fingerprints, the jobs of `pass` whose
/// fingerprint changed rendered, the others' files kept.
fn render(
    m: &Model,
    root: &Path,
    parse: &ParseCache,
    out: &mut Output,
    pass: Pass,
    touched: Option<&[usize]>,
) -> Result<Rendered, Diagnostics> {
    let Output {
        jobs: old_jobs,
        files: old_files,
        cards: memo,
        prev,
    } = out;
    let old_files: &Files = old_files;
    let mut steps = Steps::new();
    let site = &m.site;
    let shared = Shared::new(site);
    let author_refs: Vec<Key> = shared.authors.iter().map(deps::hash_value).collect();
    let terms: Vec<Key> = shared.terms.iter().map(deps::hash_value).collect();
    // A published document always has a content key; were one missing, a key that never
    // repeats would make its pages render every time.
    let missing = |source: &str| -> Key {
        *blake3::hash(format!("missing {source} {:?}", Instant::now()).as_bytes()).as_bytes()
    };
    let card_key = |p: &crate::model::Post, c: &Key| {
        let a: Vec<&Key> = p.authors.iter().map(|&a| &author_refs[a]).collect();
        let t: Vec<&Key> = p.tag_ids.iter().map(|&t| &terms[t]).collect();
        deps::card_key(c, &a, &t)
    };
    // Same structure as the last render: take its keys and redo those of the re-parsed
    // posts (all card keys when an author or tag value changed).
    let same = match (touched, prev.as_ref()) {
        (Some(t), Some(p)) if p.atoms.content().len() == site.posts.len() => Some((t, p)),
        _ => None,
    };
    let (content, card_keys): (Vec<Key>, Vec<Key>) = match same {
        Some((touched, p)) => {
            let mut content = p.atoms.content().to_vec();
            for &i in touched {
                content[i] = parse
                    .key(&site.posts[i].source)
                    .unwrap_or_else(|| missing(&site.posts[i].source));
            }
            let cards = if p.author_refs == author_refs && p.terms == terms {
                let mut cards = p.atoms.cards().to_vec();
                for &i in touched {
                    cards[i] = card_key(&site.posts[i], &content[i]);
                }
                cards
            } else {
                site.posts
                    .par_iter()
                    .zip(content.par_iter())
                    .map(|(p, c)| card_key(p, c))
                    .collect()
            };
            (content, cards)
        }
        None => {
            let content: Vec<Key> = site
                .posts
                .iter()
                .map(|p| parse.key(&p.source).unwrap_or_else(|| missing(&p.source)))
                .collect();
            let cards = site
                .posts
                .par_iter()
                .zip(content.par_iter())
                .map(|(p, c)| card_key(p, c))
                .collect();
            (content, cards)
        }
    };
    let same = same.is_some();
    steps.mark("card keys");
    let cards = memo.cards(site, &shared, &card_keys);
    let pages: Vec<Key> = site
        .pages
        .iter()
        .map(|p| parse.key(&p.source).unwrap_or_else(|| missing(&p.source)))
        .collect();
    steps.mark("cards");
    let renderer = Renderer::with_cards(site, &m.templates, shared, cards)?;
    steps.mark("renderer");
    let atoms = Atoms::new(
        &renderer,
        &m.templates_fp,
        &m.config_hash,
        content,
        card_keys,
        pages,
    );
    let last = if same { prev.take() } else { None };
    let (jobs, keys, fps) = match last {
        Some(last) => {
            // The same structure means the same jobs.
            debug_assert!(
                last.jobs == renderer.jobs(),
                "the fast way changed the job list"
            );
            steps.mark("jobs");
            let (fps, _) = atoms.refresh(&last.atoms, &last.fps, site, &last.jobs, &last.keys);
            (last.jobs, last.keys, fps)
        }
        None => {
            let jobs = renderer.jobs();
            let keys: Vec<JobKey> = jobs.iter().map(|j| deps::key_of(site, j)).collect();
            steps.mark("jobs");
            let fps = atoms.all(site, &jobs, &keys);
            (jobs, keys, fps)
        }
    };
    steps.mark("fingerprints");
    // Each job's fingerprint in the last build (outer `None`: the job is new).
    let before: Vec<Option<Option<Key>>> =
        keys.iter().map(|k| old_jobs.get(k).map(|o| o.fp)).collect();
    let same_jobs = old_jobs.len() == keys.len() && before.iter().all(Option::is_some);
    let run: Vec<bool> = (0..jobs.len())
        .map(|i| match (before[i], fps[i]) {
            (None, _) => true,
            // Files made by code: always made, except when left for a later pass.
            (Some(_), None) => pass != Pass::Pages,
            (Some(_), Some(_)) if pass == Pass::Generated => false,
            (Some(old), fp) => old != fp,
        })
        .collect();
    let todo: Vec<usize> = (0..jobs.len()).filter(|&i| run[i]).collect();
    let results: Vec<Result<Vec<RenderedFile>, Box<Diagnostic>>> = todo
        .par_iter()
        .map(|&i| renderer.render(&jobs[i]).map_err(Box::new))
        .collect();
    let mut errors = Diagnostics::new();
    let mut fresh: Vec<(usize, Vec<RenderedFile>)> = Vec::with_capacity(todo.len());
    for (&i, r) in todo.iter().zip(results) {
        match r {
            Ok(files) => fresh.push((i, files)),
            Err(d) => errors.push(*d),
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    // Two jobs writing one path fail `build`: fail here too rather than serve one of them.
    // Only a pass that changes some job's list of paths can make a new pair.
    let fresh_paths: HashMap<usize, Vec<(&str, bool)>> = fresh
        .iter()
        .map(|(i, files)| {
            let paths = files.iter().map(|f| (f.path.as_str(), f.data.is_copied()));
            (*i, paths.collect())
        })
        .collect();
    let paths_moved = !same_jobs
        || fresh_paths.iter().any(|(i, new)| {
            old_jobs.get(&keys[*i]).is_none_or(|o| {
                o.paths
                    .iter()
                    .map(String::as_str)
                    .ne(new.iter().map(|(p, _)| *p))
            })
        });
    if paths_moved {
        // Jobs not rendered in this pass: their files as the last build had them (a copied
        // file is named as what copies it: the job, or a post's asset by its own file).
        let per_job: Vec<Vec<(&str, bool)>> = (0..jobs.len())
            .map(|i| match fresh_paths.get(&i) {
                Some(p) => p.clone(),
                None => old_jobs
                    .get(&keys[i])
                    .map(|o| o.paths.iter().map(|p| (p.as_str(), true)).collect())
                    .unwrap_or_default(),
            })
            .collect();
        let errors = output_collisions(&renderer, root, &jobs, &per_job);
        if errors.has_errors() {
            return Err(errors);
        }
    }
    steps.mark("render");
    // Files made by code that this pass left as they were.
    let deferred: Vec<usize> = (0..jobs.len())
        .filter(|&i| fps[i].is_none() && !run[i])
        .collect();
    let left = (!deferred.is_empty()).then(|| {
        deferred
            .iter()
            .filter_map(|&i| old_jobs.get(&keys[i]))
            .flat_map(|o| o.paths.iter().cloned())
            .collect::<Vec<String>>()
    });
    // Nothing below fails, so the old job table can be changed in place.
    let (files, mut changed, mut removed) = if same_jobs {
        // The same jobs as last time (any edit that leaves the set of pages alone): only the
        // rendered ones change, in time proportional to them.
        let mut set: Vec<(String, OutData)> = Vec::new();
        let mut gone: Vec<String> = Vec::new();
        for (i, rendered) in fresh {
            let paths: Vec<String> = rendered.iter().map(|f| f.path.clone()).collect();
            if let Some(o) = old_jobs.get_mut(&keys[i]) {
                gone.extend(o.paths.iter().filter(|p| !paths.contains(p)).cloned());
                o.fp = fps[i];
                o.paths = paths;
            }
            set.extend(
                rendered
                    .into_iter()
                    .map(|f| (f.path, OutData::from(f.data))),
            );
        }
        let changed: Vec<String> = set
            .iter()
            .filter(|(p, d)| old_files.get(p).is_none_or(|old| !old.same(d)))
            .map(|(p, _)| p.clone())
            .collect();
        let removed: Vec<String> = gone
            .iter()
            .filter(|p| !set.iter().any(|(q, _)| q == *p))
            .cloned()
            .collect();
        (old_files.with_changes(set, gone), changed, removed)
    } else {
        // Jobs came or went: the table and the file map anew, in job order (so a path two
        // jobs produce ends as the later job's, as in a clean build's list).
        let mut fresh: HashMap<usize, Vec<RenderedFile>> = fresh.into_iter().collect();
        let mut new_jobs = HashMap::with_capacity(jobs.len());
        let mut files: HashMap<String, OutData> = HashMap::with_capacity(old_files.len() + 16);
        let mut touched: Vec<String> = Vec::new();
        for (i, (key, &fp)) in keys.iter().zip(&fps).enumerate() {
            let old = old_jobs.remove(key);
            let paths = match fresh.remove(&i) {
                Some(rendered) => rendered
                    .into_iter()
                    .map(|f| {
                        files.insert(f.path.clone(), f.data.into());
                        touched.push(f.path.clone());
                        f.path
                    })
                    .collect(),
                None => {
                    // Not run: its fingerprint is unchanged, or it was left for a later pass.
                    let paths = old.map(|o| o.paths).unwrap_or_default();
                    for p in &paths {
                        if let Some(d) = old_files.get(p) {
                            files.insert(p.clone(), d.clone());
                        }
                    }
                    paths
                }
            };
            new_jobs.insert(key.clone(), JobOut { fp, paths });
        }
        *old_jobs = new_jobs;
        let changed: Vec<String> = touched
            .into_iter()
            .filter(|p| match (old_files.get(p), files.get(p)) {
                (Some(a), Some(b)) => !a.same(b),
                _ => true,
            })
            .collect();
        let removed: Vec<String> = old_files
            .iter()
            .filter(|(p, _)| !files.contains_key(*p))
            .map(|(p, _)| p.clone())
            .collect();
        (Files::from_map(files), changed, removed)
    };
    changed.sort();
    changed.dedup();
    removed.sort();
    removed.dedup();
    *prev = Some(Prev {
        atoms,
        jobs,
        keys,
        fps,
        author_refs,
        terms,
    });
    steps.mark("assemble");
    Ok(Rendered {
        files,
        rendered: todo.len(),
        left,
        changed,
        removed,
        steps: steps.done,
    })
}
