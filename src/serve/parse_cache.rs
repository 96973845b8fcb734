//! Parse stage with memory, for `serve`: `Vec<SourceFile>` → the same [`Parsed`] as
//! [`crate::pipeline::parse::parse`], re-doing only the work whose inputs changed.
//!
//! Built from the parse stage's own building blocks (`first_pass`, `Resolver`, `render_body`,
//! `make_doc`, `collect`), in the same order, so the result — documents and diagnostics — is
//! the one a clean parse gives. Per file (by source path) it keeps:
//! - the first-pass result, valid while the file's bytes, kind and stem are unchanged (the
//!   publication decision is re-made on every run, as it depends on the clock);
//! - the rendered body with every link question the Markdown renderer asked the resolver and
//!   the answer it got; valid while the first pass is valid, the permalink is the same and
//!   every question still gets the same answer.
//!
//! Everything is dropped when the configuration (or the publish flags) change. Each published
//! document also gets a *content key*: a hash of every input its parse read, used by the
//! render fingerprints (see `deps`).

use std::collections::HashMap;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::markdown::{LinkResolver, Resolved};
use crate::model::{Body, SourceFile, SourceKind};
use crate::pipeline::parse::{self, Doc, Head, Parsed, Publish, Resolver};

/// A 32-byte BLAKE3 hash.
pub type Key = [u8; 32];

/// A first-pass result.
type First = Result<Option<Head>, Vec<Diagnostic>>;

/// One link question asked while rendering a body: (from source, target) → answer.
pub type Question = (String, String, Resolved);

/// The rendered body of one file and what it depended on.
#[derive(Debug, Clone)]
struct BodyEntry {
    path: String,
    questions: Vec<Question>,
    body: Body,
    diags: Vec<Diagnostic>,
    key: Key,
}

/// What is remembered of one file.
#[derive(Debug, Clone)]
struct Entry {
    hash: Key,
    kind: SourceKind,
    stem: String,
    first: First,
    body: Option<BodyEntry>,
}

impl Entry {
    fn matches(&self, f: &SourceFile) -> bool {
        self.hash == f.hash && self.kind == f.kind && self.stem == f.stem
    }
}

/// Parse results kept between rebuilds (see the module documentation).
#[derive(Debug, Default)]
pub struct ParseCache {
    /// Hash of the configuration and publish flags the entries were made with.
    setup: Option<Key>,
    entries: HashMap<String, Entry>,
    /// The resolver of the last full run.
    resolver: Resolver,
}

/// A resolver that records every question and answer.
pub struct Recording<'a> {
    inner: &'a dyn LinkResolver,
    log: Mutex<Vec<Question>>,
}

impl<'a> Recording<'a> {
    /// Records the questions asked of `inner`.
    pub fn new(inner: &'a dyn LinkResolver) -> Recording<'a> {
        Recording {
            inner,
            log: Mutex::new(Vec::new()),
        }
    }

    /// The questions asked and the answers given, in order.
    pub fn into_questions(self) -> Vec<Question> {
        self.log.into_inner().unwrap_or_default()
    }
}

impl LinkResolver for Recording<'_> {
    fn resolve(&self, from_source: &str, target: &str) -> Resolved {
        let answer = self.inner.resolve(from_source, target);
        if let Ok(mut log) = self.log.lock() {
            log.push((from_source.to_string(), target.to_string(), answer.clone()));
        }
        answer
    }
}

/// Stats of one run, for the rebuild summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct ParseStats {
    /// Files whose front matter was parsed again.
    pub first_passes: usize,
    /// Bodies rendered again.
    pub bodies: usize,
}

/// The hash of everything a parse depends on besides the files: the configuration (as
/// serialised, which includes every option) and the publish flags.
pub fn setup_key(config: &Config, publish: Publish) -> Key {
    let mut h = blake3::Hasher::new();
    if let Ok(json) = serde_json::to_vec(config) {
        h.update(&json);
    }
    h.update(&[publish.drafts as u8, publish.future as u8]);
    *h.finalize().as_bytes()
}

/// The content key of a rendered document: its file's bytes, identity and bundle assets, the
/// parse setup, its permalink and the answers to its link questions.
pub fn content_key(f: &SourceFile, setup: &Key, path: &str, questions: &[Question]) -> Key {
    let mut h = blake3::Hasher::new();
    let mut put = |b: &[u8]| {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    };
    put(setup);
    put(&f.hash);
    put(f.source.as_bytes());
    put(f.stem.as_bytes());
    put(format!("{:?}", f.kind).as_bytes());
    for a in &f.assets {
        put(a.from.to_string_lossy().as_bytes());
        put(a.name.as_bytes());
    }
    put(path.as_bytes());
    for (from, target, answer) in questions {
        put(from.as_bytes());
        put(target.as_bytes());
        put(format!("{answer:?}").as_bytes());
    }
    *h.finalize().as_bytes()
}

/// Pass 1 of one file, from memory when possible. The head's file index is `i` and its
/// publication is decided for `publish`.
fn first(
    i: usize,
    f: &SourceFile,
    e: Option<&Entry>,
    config: &Config,
    tz: &jiff::tz::TimeZone,
    publish: Publish,
) -> (First, bool) {
    match e {
        Some(e) if e.matches(f) => {
            let r = match &e.first {
                Ok(Some(h)) => {
                    let mut h = h.clone();
                    h.file = i;
                    (h.publish, h.scheduled) = parse::publication(f.kind, &h.fm, publish);
                    Ok(Some(h))
                }
                other => other.clone(),
            };
            (r, false)
        }
        _ => (parse::first_pass(i, f, config, tz, publish), true),
    }
}

impl ParseCache {
    /// Clears everything when the setup changed.
    fn prepare(&mut self, config: &Config, publish: Publish) -> Key {
        let setup = setup_key(config, publish);
        if self.setup != Some(setup) {
            self.entries.clear();
            self.resolver = Resolver::default();
            self.setup = Some(setup);
        }
        setup
    }

    /// Parses `files` as [`parse::parse`] would, reusing what is still valid, and remembers
    /// the results. Entries of files no longer given are dropped.
    pub fn parse(
        &mut self,
        files: &[SourceFile],
        config: &Config,
        publish: Publish,
    ) -> (Parsed, ParseStats) {
        let setup = self.prepare(config, publish);
        let tz = config.time_zone();
        let mut stats = ParseStats::default();
        // Pass 1.
        let firsts: Vec<(First, bool)> = files
            .par_iter()
            .enumerate()
            .map(|(i, f)| first(i, f, self.entries.get(&f.source), config, &tz, publish))
            .collect();
        let mut fresh: HashMap<String, Entry> = HashMap::with_capacity(files.len());
        let mut diags = Diagnostics::new();
        let mut heads = Vec::new();
        for (f, (r, redone)) in files.iter().zip(firsts) {
            stats.first_passes += redone as usize;
            let kept_body = match self.entries.remove(&f.source) {
                Some(e) if !redone => e.body,
                _ => None,
            };
            fresh.insert(
                f.source.clone(),
                Entry {
                    hash: f.hash,
                    kind: f.kind,
                    stem: f.stem.clone(),
                    first: r.clone(),
                    body: kept_body,
                },
            );
            match r {
                Ok(Some(h)) => heads.push(h),
                Ok(None) => {}
                Err(ds) => diags.extend(ds),
            }
        }
        diags.extend(files.iter().filter_map(parse::empty_file_warning));
        let resolver = Resolver::new(&heads, files);

        // Pass 2.
        let results: Vec<(Doc, Vec<Diagnostic>, Option<BodyEntry>)> = heads
            .into_par_iter()
            .map(|h| {
                let file = &files[h.file];
                if !h.publish {
                    return (Doc::Skipped(parse::unpublished(file, &h)), Vec::new(), None);
                }
                let cached = fresh
                    .get(&file.source)
                    .and_then(|e| e.body.as_ref())
                    .filter(|b| {
                        b.path == h.path
                            && b.questions.iter().all(|(from, target, answer)| {
                                resolver.resolve(from, target) == *answer
                            })
                    });
                if let Some(b) = cached {
                    let b = b.clone();
                    let ds = b.diags.clone();
                    return (parse::make_doc(file, h, b.body.clone()), ds, Some(b));
                }
                let rec = Recording {
                    inner: &resolver,
                    log: Mutex::new(Vec::new()),
                };
                let (body, ds) = parse::render_body(file, &h, config, &rec);
                let questions = rec.log.into_inner().unwrap_or_default();
                let entry = BodyEntry {
                    key: content_key(file, &setup, &h.path, &questions),
                    path: h.path.clone(),
                    questions,
                    body: body.clone(),
                    diags: ds.clone(),
                };
                (parse::make_doc(file, h, body), ds, Some(entry))
            })
            .collect();
        let mut docs = Vec::with_capacity(results.len());
        for (doc, ds, entry) in results {
            if let Some(b) = entry {
                let source = match &doc {
                    Doc::Post(p) => Some(&p.source),
                    Doc::Page(p) => Some(&p.source),
                    Doc::Author(a) => a.source.as_ref(),
                    Doc::Skipped(_) => None,
                };
                if let Some(e) = source.and_then(|s| fresh.get_mut(s)) {
                    if e.body.as_ref().is_none_or(|old| old.key != b.key) {
                        stats.bodies += 1;
                    }
                    e.body = Some(b);
                }
            }
            docs.push((doc, ds));
        }
        self.entries = fresh;
        self.resolver = resolver;
        (parse::collect(diags, docs), stats)
    }

    /// The content key of the published document parsed from `source`.
    pub fn key(&self, source: &str) -> Option<Key> {
        self.entries.get(source)?.body.as_ref().map(|b| b.key)
    }

    /// Re-parses one changed file against the resolver of the last run, for the fast path.
    /// Returns `None` when the change may affect other files or needs the full stage: a
    /// first-pass error, an empty file, a file that was not parsed before, or a different
    /// answer for links to it (its permalink or publication changed). The memory is only
    /// updated by [`ParseCache::commit`].
    pub fn reparse(
        &self,
        i: usize,
        f: &SourceFile,
        config: &Config,
        publish: Publish,
    ) -> Option<Reparsed> {
        let setup = self.setup?;
        let old = self.entries.get(&f.source)?;
        let Ok(Some(old_head)) = &old.first else {
            return None;
        };
        let tz = config.time_zone();
        let head = match parse::first_pass(i, f, config, &tz, publish) {
            Ok(Some(h)) => h,
            _ => return None,
        };
        let mut old_head = old_head.clone();
        (old_head.publish, old_head.scheduled) = parse::publication(f.kind, &old_head.fm, publish);
        if f.kind != SourceKind::Author && parse::resolution(&head) != parse::resolution(&old_head)
        {
            return None;
        }
        if head.path != old_head.path || head.publish != old_head.publish {
            return None;
        }
        let same_index_inputs = index_inputs(&head) == index_inputs(&old_head);
        let mut entry = Entry {
            hash: f.hash,
            kind: f.kind,
            stem: f.stem.clone(),
            first: Ok(Some(head.clone())),
            body: None,
        };
        if !head.publish {
            let u = parse::unpublished(f, &head);
            return Some(Reparsed {
                doc: Doc::Skipped(u),
                diags: Vec::new(),
                same_index_inputs,
                entry,
            });
        }
        let rec = Recording {
            inner: &self.resolver,
            log: Mutex::new(Vec::new()),
        };
        let (body, ds) = parse::render_body(f, &head, config, &rec);
        let questions = rec.log.into_inner().unwrap_or_default();
        entry.body = Some(BodyEntry {
            key: content_key(f, &setup, &head.path, &questions),
            path: head.path.clone(),
            questions,
            body: body.clone(),
            diags: ds.clone(),
        });
        Some(Reparsed {
            doc: parse::make_doc(f, head, body),
            diags: ds,
            same_index_inputs,
            entry,
        })
    }

    /// Remembers a [`Reparsed`] result for `source`.
    pub fn commit(&mut self, source: &str, r: Reparsed) -> (Doc, Vec<Diagnostic>) {
        self.entries.insert(source.to_string(), r.entry);
        (r.doc, r.diags)
    }
}

/// What the index stage reads of a document besides its body and display fields: the
/// post order (date instant, slug), its permalink, authors, tags and aliases.
type IndexInputs<'a> = (
    Option<jiff::Timestamp>,
    &'a str,
    &'a str,
    &'a [crate::model::AuthorRef],
    &'a [String],
    &'a [String],
);

fn index_inputs(h: &Head) -> IndexInputs<'_> {
    (
        h.fm.date.as_ref().map(|d| d.timestamp()),
        &h.slug,
        &h.path,
        &h.fm.authors,
        &h.fm.tags,
        &h.fm.aliases,
    )
}

/// The result of [`ParseCache::reparse`].
#[derive(Debug)]
pub struct Reparsed {
    /// The new document.
    pub doc: Doc,
    /// Its pass-2 diagnostics.
    pub diags: Vec<Diagnostic>,
    /// What the index stage reads of it is unchanged (see `index_inputs`).
    pub same_index_inputs: bool,
    entry: Entry,
}
