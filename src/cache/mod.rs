//! Build cache, used by `smelt build`: the expensive, deterministic results of one build kept
//! on disk beside the output folder, in `.<output name>.smelt-cache/` (`.public.smelt-cache/`
//! for the default `public/`; see [`dir_for`]), so the next build into that folder can skip
//! that work. It sits beside the output rather than in the site so that a build never writes
//! into the site folder unless the output folder is there, and never into the output (which
//! gets deployed).
//!
//! Four stores, each one file:
//! - **front matter** (`heads.bin`, parse pass 1): per source file, the typed front matter,
//!   slug and permalink, used while the file's bytes, kind and stem and the setup are the
//!   same (publication is decided again on every build: it depends on the clock);
//! - **bodies** (`bodies.bin`, parse pass 2): per source file, its rendered Markdown body (HTML
//!   with highlighted code, summary, table of contents, links) with every link question the
//!   rendering asked and the answer it got. An entry is used while its *content key*
//!   ([`crate::serve::parse_cache::content_key`]: file bytes, source path, stem, kind, bundle
//!   assets, configuration and publish flags, permalink, link answers) is unchanged and every
//!   question still gets the same answer. Bodies whose rendering reported a diagnostic are not
//!   kept, so their warnings show on every build.
//! - **outputs** (`outputs.bin`, render stage): per render job, the fingerprint of everything
//!   its template context is made from ([`crate::serve::deps`], the same fingerprints `serve`
//!   uses; files made by code get the key of the whole site) and the files it produced (path,
//!   hash, size). A job with the same fingerprint whose files are intact in the output folder
//!   is not rendered: its files are linked from the previous output.
//! - **snapshot** (`snapshot.bin`, the whole build; see [`snapshot`]): the stamps of every
//!   input and output file of the last successful build, with its report. A build whose
//!   inputs, options and output are exactly as that build left them replays the report and
//!   does nothing else.
//!
//! Invariants: the cache never changes output; it only skips work whose result it knows. Each
//! file starts with a header (format version, the smelt build id `SMELT_BUILD_ID`, the parse
//! setup) and ends with a BLAKE3 checksum of everything before it; a file that is missing,
//! unreadable, truncated, corrupt, from another smelt build or another setup is ignored, never
//! fatal. Files are written to a temporary name and renamed into place, so concurrent or
//! killed builds leave a complete file or none; failing to write (a read-only site) is ignored.

pub mod snapshot;

use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::markdown::LinkResolver;
use crate::model::{Body, Site, SourceFile, SourceKind};
use crate::pipeline::parse::{self, Doc, Head, Parsed, Publish, Resolver};
use crate::pipeline::render::{Job, Renderer};
use crate::pipeline::write::ManifestEntry;
use crate::serve::deps::{self, Atoms};
use crate::serve::parse_cache::{Key, Question, Recording, content_key, setup_key};

/// The cache folder of the output folder `out`: its sibling `.<name>.smelt-cache`, like
/// the staging folder `.<name>.smelt-staging` of the write stage.
pub fn dir_for(out: &Path) -> PathBuf {
    crate::pipeline::write::sibling(out, "smelt-cache")
}

/// Version of the file layout; bump when the stored types change shape.
const FORMAT: u32 = 1;

/// Identifies the smelt build that wrote a cache (sources, theme and locked dependencies).
pub const BUILD_ID: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("SMELT_BUILD_ID"));

/// The first thing in every cache file.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Header {
    magic: String,
    format: u32,
    build: String,
    /// What the entries were made with (configuration and publish flags), or zeros.
    setup: Key,
}

impl Header {
    fn new(setup: Key) -> Header {
        Header {
            magic: "smelt-cache".into(),
            format: FORMAT,
            build: BUILD_ID.into(),
            setup,
        }
    }
}

/// `io::Write` that hashes what it writes.
struct HashWrite<W> {
    inner: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Write for HashWrite<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads a cache file written by [`store`]: `None` unless it exists, its checksum is right,
/// its header matches `setup` and this build, and its payload decodes.
///
/// The checksum is verified before anything is decoded, so a corrupt file never reaches the
/// decoder (whose length prefixes are in any case bounded by the bytes in memory).
fn load<T: serde::de::DeserializeOwned>(path: &Path, setup: &Key) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    let split = bytes.len().checked_sub(blake3::OUT_LEN)?;
    let (payload, stored) = bytes.split_at(split);
    if blake3::hash(payload).as_bytes() != stored {
        return None;
    }
    let (header, rest): (Header, &[u8]) = postcard::take_from_bytes(payload).ok()?;
    if header != Header::new(*setup) {
        return None;
    }
    let (value, rest): (T, &[u8]) = postcard::take_from_bytes(rest).ok()?;
    rest.is_empty().then_some(value)
}

/// Writes a cache file: header, payload, checksum; to a temporary file renamed into place.
fn store<T: Serialize>(path: &Path, setup: &Key, value: &T) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = HashWrite {
            inner: BufWriter::with_capacity(1 << 16, file),
            hasher: blake3::Hasher::new(),
        };
        postcard::to_io(&Header::new(*setup), &mut w).map_err(std::io::Error::other)?;
        postcard::to_io(value, &mut w).map_err(std::io::Error::other)?;
        let sum = w.hasher.finalize();
        let mut inner = w.inner;
        inner.write_all(sum.as_bytes())?;
        inner.flush()?;
        drop(inner);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// One cached body as stored: source path, content key, link questions, body.
type StoredBody = (String, Key, Vec<Question>, Body);

/// One cached front matter pass as stored: source path, file hash, kind, stem, result.
type StoredHead = (String, Key, SourceKind, String, Head);

/// Reads a cache file on another thread, so decoding overlaps the work before its first use.
#[derive(Debug)]
struct Pending<T>(Option<std::thread::JoinHandle<Option<T>>>);

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending(None)
    }
}

impl<T: serde::de::DeserializeOwned + Send + 'static> Pending<T> {
    /// Starts reading; `Pending(None)` when no thread could be started (the caller then
    /// reads the file itself).
    fn start(path: PathBuf, setup: Key) -> Pending<T> {
        let spawned = std::thread::Builder::new()
            .name("smelt-cache".into())
            .spawn(move || load::<T>(&path, &setup));
        Pending(spawned.ok())
    }

    /// The file's value (`None` when unusable); waits for the reading thread.
    fn wait(&mut self) -> Option<T> {
        self.0.take().and_then(|h| h.join().ok().flatten())
    }
}

/// The bodies store (see the module documentation).
#[derive(Debug, Default)]
pub struct Bodies {
    path: PathBuf,
    setup: Key,
    /// The store being read.
    pending: Pending<Vec<StoredBody>>,
    /// The front matter store (`heads.bin`) being read, and where it lives.
    heads_pending: Pending<Vec<StoredHead>>,
    heads_path: PathBuf,
    /// Front matter results to write, when they differ from the stored ones.
    heads_store: Option<Vec<StoredHead>>,
    /// Entries read from disk, by source path (taken out as they are used).
    loaded: HashMap<String, (Key, Vec<Question>, Body)>,
    /// Content key of every published document of the current build, by source path.
    keys: HashMap<String, Key>,
    /// Documents of the current build whose body can be stored: key and questions.
    storable: HashMap<String, (Key, Vec<Question>)>,
    /// Bodies rendered (not taken from disk) in the current build.
    rendered: usize,
    /// Of those, the ones that can be stored.
    rendered_storable: usize,
    /// Bodies taken from disk in the current build.
    reused: usize,
    /// Entries read from disk.
    read: usize,
}

impl Bodies {
    /// Reads the bodies store in the cache folder `dir` (see [`dir_for`]) for builds with
    /// `config` and `publish`; empty when there is none or it cannot be used.
    ///
    /// The file is read and decoded on another thread while the caller goes on (loading and
    /// the front matter pass); [`Bodies::parse`] waits for it.
    pub fn open(dir: &Path, config: &Config, publish: Publish) -> Bodies {
        let setup = setup_key(config, publish);
        let path = dir.join("bodies.bin");
        let heads_path = dir.join("heads.bin");
        let pending = Pending::start(path.clone(), setup);
        let heads_pending = Pending::start(heads_path.clone(), setup);
        let mut bodies = Bodies {
            path,
            setup,
            pending,
            heads_pending,
            heads_path,
            ..Bodies::default()
        };
        if bodies.pending.0.is_none() {
            bodies.receive(load(&bodies.path, &setup));
        }
        bodies
    }

    fn receive(&mut self, stored: Option<Vec<StoredBody>>) {
        let stored = stored.unwrap_or_default();
        self.read = stored.len();
        self.loaded = stored
            .into_iter()
            .map(|(source, key, questions, body)| (source, (key, questions, body)))
            .collect();
    }

    /// Content key of the published document parsed from `source` in the current build.
    pub fn key(&self, source: &str) -> Option<&Key> {
        self.keys.get(source)
    }

    /// (bodies rendered, bodies taken from the cache) in the current build.
    pub fn counts(&self) -> (usize, usize) {
        (self.rendered, self.reused)
    }

    /// The parse stage ([`parse::parse`], same result) with bodies taken from the store where
    /// still valid. Remembers every document's content key for [`Bodies::save`] and the
    /// render fingerprints.
    pub fn parse(&mut self, files: &[SourceFile], config: &Config, publish: Publish) -> Parsed {
        let tz = config.time_zone();
        let setup = self.setup;
        // Pass 1, from the front matter store where the file is the same (publication is
        // decided again: it depends on the clock).
        let stored_heads = match self.heads_pending.0.is_some() {
            true => self.heads_pending.wait(),
            false => load(&self.heads_path, &setup),
        }
        .unwrap_or_default();
        let heads_read = stored_heads.len();
        let known: HashMap<&str, (&Key, SourceKind, &str, &Head)> = stored_heads
            .iter()
            .map(|(s, hash, kind, stem, h)| (s.as_str(), (hash, *kind, stem.as_str(), h)))
            .collect();
        let firsts: Vec<_> = files
            .par_iter()
            .enumerate()
            .map(|(i, f)| match known.get(f.source.as_str()) {
                Some((hash, kind, stem, h))
                    if **hash == f.hash && *kind == f.kind && *stem == f.stem =>
                {
                    let mut h = (*h).clone();
                    h.file = i;
                    (h.publish, h.scheduled) = parse::publication(f.kind, &h.fm, publish);
                    (Ok(Some(h)), true)
                }
                _ => (parse::first_pass(i, f, config, &tz, publish), false),
            })
            .collect();
        drop(known);
        drop(stored_heads);
        let mut diags = Diagnostics::new();
        let mut heads = Vec::new();
        let mut heads_reused = 0;
        let mut heads_fresh = 0;
        for (r, reused) in firsts {
            match r {
                Ok(Some(h)) => {
                    heads_reused += usize::from(reused);
                    heads_fresh += usize::from(!reused);
                    heads.push(h);
                }
                Ok(None) => {}
                Err(ds) => diags.extend(ds),
            }
        }
        if heads_fresh > 0 || heads_reused != heads_read {
            self.heads_store = Some(
                heads
                    .iter()
                    .map(|h| {
                        let f = &files[h.file];
                        (f.source.clone(), f.hash, f.kind, f.stem.clone(), h.clone())
                    })
                    .collect(),
            );
        }
        diags.extend(files.iter().filter_map(parse::empty_file_warning));
        let resolver = Resolver::new(&heads, files);
        if self.pending.0.is_some() {
            let stored = self.pending.wait();
            self.receive(stored);
        }
        let work: Vec<_> = heads
            .into_iter()
            .map(|h| {
                let cached = self.loaded.remove(&files[h.file].source);
                (h, cached)
            })
            .collect();
        type Done = (
            Doc,
            Vec<Diagnostic>,
            Option<(String, Key, Vec<Question>, bool)>,
        );
        let results: Vec<Done> = work
            .into_par_iter()
            .map(|(h, cached)| {
                let file = &files[h.file];
                if !h.publish {
                    return (Doc::Skipped(parse::unpublished(file, &h)), Vec::new(), None);
                }
                if let Some((key, questions, body)) = cached
                    && questions
                        .iter()
                        .all(|(from, target, answer)| resolver.resolve(from, target) == *answer)
                    && content_key(file, &setup, &h.path, &questions) == key
                {
                    let source = file.source.clone();
                    return (
                        parse::make_doc(file, h, body),
                        Vec::new(),
                        Some((source, key, questions, true)),
                    );
                }
                let rec = Recording::new(&resolver);
                let (body, ds) = parse::render_body(file, &h, config, &rec);
                let questions = rec.into_questions();
                let key = content_key(file, &setup, &h.path, &questions);
                let source = file.source.clone();
                (
                    parse::make_doc(file, h, body),
                    ds,
                    Some((source, key, questions, false)),
                )
            })
            .collect();
        self.loaded.clear();
        let mut docs = Vec::with_capacity(results.len());
        for (doc, ds, meta) in results {
            if let Some((source, key, questions, reused)) = meta {
                if reused {
                    self.reused += 1;
                } else {
                    self.rendered += 1;
                }
                self.keys.insert(source.clone(), key);
                // Authors keep no `Body` to store; bodies with diagnostics are rendered again
                // so their warnings show.
                if ds.is_empty() && !matches!(doc, Doc::Author(_)) {
                    self.rendered_storable += usize::from(!reused);
                    self.storable.insert(source, (key, questions));
                }
            }
            docs.push((doc, ds));
        }
        parse::collect(diags, docs)
    }

    /// Writes the bodies of `site` that can be stored, unless the store on disk already holds
    /// exactly them. Errors are ignored (the cache is an optimisation).
    pub fn save(&self, site: &Site) {
        if let Some(heads) = &self.heads_store {
            let _ = store(&self.heads_path, &self.setup, heads);
        }
        // Unchanged on disk when every stored entry was used and no storable one is new
        // (bodies with diagnostics are rendered every time but never stored).
        if self.rendered_storable == 0 && self.read == self.reused {
            return;
        }
        #[derive(Serialize)]
        struct Ref<'a>(&'a str, &'a Key, &'a [Question], &'a Body);
        let bodies = site
            .posts
            .iter()
            .map(|p| (&p.source, &p.body))
            .chain(site.pages.iter().map(|p| (&p.source, &p.body)));
        let entries: Vec<Ref<'_>> = bodies
            .filter_map(|(source, body)| {
                let (key, questions) = self.storable.get(source)?;
                Some(Ref(source, key, questions, body))
            })
            .collect();
        let _ = store(&self.path, &self.setup, &entries);
    }
}

/// What one render job produced last time: its fingerprint and its rendered files (files
/// copied as they are — static files, bundle assets — are not listed: they are always
/// written, which links them when unchanged).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobRecord {
    /// Fingerprint of the job's input.
    pub fingerprint: Key,
    /// (output path, content) of each rendered file.
    pub files: Vec<(String, ManifestEntry)>,
}

/// The outputs store (see the module documentation).
#[derive(Debug, Default)]
pub struct Outputs {
    path: PathBuf,
    pending: Pending<HashMap<String, JobRecord>>,
    /// Records of the last build, by job identity (after [`Outputs::wait`]).
    pub old: HashMap<String, JobRecord>,
}

impl Outputs {
    /// Starts reading the outputs store in the cache folder `dir` (see [`dir_for`]) on another
    /// thread; call [`Outputs::wait`] before using it. Empty when there is none or it cannot
    /// be used.
    pub fn open(dir: &Path) -> Outputs {
        let path = dir.join("outputs.bin");
        let pending = Pending::start(path.clone(), [0; 32]);
        let mut out = Outputs {
            path,
            pending,
            old: HashMap::new(),
        };
        if out.pending.0.is_none() {
            out.old = load(&out.path, &[0; 32]).unwrap_or_default();
        }
        out
    }

    /// Waits until the store is read.
    pub fn wait(&mut self) {
        if self.pending.0.is_some() {
            self.old = self.pending.wait().unwrap_or_default();
        }
    }

    /// The record of job `id` if its fingerprint is `fingerprint`.
    pub fn hit(&self, id: &str, fingerprint: &Key) -> Option<&JobRecord> {
        self.old.get(id).filter(|r| r.fingerprint == *fingerprint)
    }

    /// Writes the records of the current build unless they equal the stored ones. Errors are
    /// ignored.
    pub fn save(&self, new: &HashMap<String, JobRecord>) {
        if *new == self.old {
            return;
        }
        let _ = store(&self.path, &[0; 32], new);
    }
}

/// The identity and input fingerprint of every job of `r` (parallel to `jobs`), `None` for
/// jobs that are never skipped (static files) or whose document has no content key.
pub fn fingerprints(
    r: &Renderer<'_>,
    jobs: &[Job],
    bodies: &Bodies,
    templates: &Key,
    config: &Key,
) -> Vec<Option<(String, Key)>> {
    let site = r.site;
    let author_refs: Vec<Key> = r.shared.authors.iter().map(deps::hash_value).collect();
    let terms: Vec<Key> = r.shared.terms.iter().map(deps::hash_value).collect();
    let mut missing: HashSet<usize> = HashSet::new();
    let content: Vec<Key> = site
        .posts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            bodies.key(&p.source).copied().unwrap_or_else(|| {
                missing.insert(i);
                [0; 32]
            })
        })
        .collect();
    let cards: Vec<Key> = site
        .posts
        .par_iter()
        .zip(content.par_iter())
        .map(|(p, c)| {
            let a: Vec<&Key> = p.authors.iter().map(|&a| &author_refs[a]).collect();
            let t: Vec<&Key> = p.tag_ids.iter().map(|&t| &terms[t]).collect();
            deps::card_key(c, &a, &t)
        })
        .collect();
    let mut pages_missing = false;
    let pages: Vec<Key> = site
        .pages
        .iter()
        .map(|p| {
            bodies.key(&p.source).copied().unwrap_or_else(|| {
                pages_missing = true;
                [0; 32]
            })
        })
        .collect();
    if !missing.is_empty() || pages_missing {
        // Every published document gets a content key from `Bodies::parse`; without one
        // nothing can be trusted.
        return vec![None; jobs.len()];
    }
    let atoms = Atoms::new(r, templates, config, content, cards, pages);
    let site_key = atoms.site_key();
    jobs.par_iter()
        .map(|job| {
            if matches!(job, Job::Static(_)) {
                return None;
            }
            let key = deps::key_of(site, job);
            let fp = match job {
                Job::Generated(g) => {
                    let mut h = blake3::Hasher::new();
                    h.update(b"generated");
                    h.update(format!("{g:?}").as_bytes());
                    h.update(&site_key);
                    *h.finalize().as_bytes()
                }
                _ => atoms.fingerprint(site, job, &key)?,
            };
            Some((format!("{key:?}"), fp))
        })
        .collect()
}
