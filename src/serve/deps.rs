//! Render fingerprints for `serve`: each render [`Job`] → a stable identity ([`JobKey`]) and a
//! hash of every value its template context is built from, so a rebuild re-renders exactly
//! the jobs whose fingerprint changed.
//!
//! The fingerprint of a job is made of *atoms*, each the hash of one input of the context that
//! `Renderer::render` builds for it (see `pipeline/render.rs`):
//! - `global`: every template's text, the configuration (which the `url`/`abs_url` functions
//!   read), the `site` value (it holds `post_count`) and the site feeds value;
//! - the sidebar HTML the page gets (the general one, or the one leaving out a recent post);
//! - per post, its *content key* (every input of its parse: bytes, source, assets, setup,
//!   permalink, link answers) and its *card key* (content key + the author and tag values in
//!   its card, so it changes when a tag count or author name changes);
//! - per author, the full author value (with post count) and whether the author index lists it;
//! - per tag, the tag value (name, URL, count);
//! - listing positions: page number, page count, item count and the card keys of the items.
//!
//! A post page depends on its own keys, its authors, the card keys of its neighbours and of
//! its related posts, and its sidebar. Files made by code (feeds, sitemap, search, the
//! highlighting stylesheet, `_redirects`) read the whole site and are always regenerated.
//! **When a value is added to a job's context in `render.rs`, its input must be added here**;
//! the test `serve_incremental` compares incremental and clean builds over a sequence of edits.

use std::collections::HashMap;

use rayon::prelude::*;
use tera::Value;

use crate::model::{Site, StaticSource};
use crate::pipeline::render::{Generator, Job, Renderer};
use crate::serve::parse_cache::Key;

/// The identity of a job across rebuilds (job indexes shift when posts come and go).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKey {
    /// A post page, by source path.
    Post(String),
    /// A standalone page, by source path.
    Page(String),
    /// Home listing page N.
    Home(usize),
    /// The tag index.
    Tags,
    /// A tag listing page, by tag slug and page number.
    Tag(String, usize),
    /// The author index.
    Authors,
    /// An author listing page, by author id and page number.
    Author(String, usize),
    /// `404.html`.
    NotFound,
    /// An alias redirect page.
    Alias(String, String),
    /// A static file, by output path.
    Static(String),
    /// Files made by code.
    Generated(Generator),
}

/// The key of `job` in `site`.
pub fn key_of(site: &Site, job: &Job) -> JobKey {
    match job {
        Job::Post(i) => JobKey::Post(site.posts[*i].source.clone()),
        Job::Page(i) => JobKey::Page(site.pages[*i].source.clone()),
        Job::Home(n) => JobKey::Home(*n),
        Job::Tags => JobKey::Tags,
        Job::Tag(t, n) => JobKey::Tag(site.tags[*t].slug.clone(), *n),
        Job::Authors => JobKey::Authors,
        Job::Author(a, n) => JobKey::Author(site.authors[*a].id.clone(), *n),
        Job::NotFound => JobKey::NotFound,
        Job::Alias { from, to } => JobKey::Alias(from.clone(), to.clone()),
        Job::Static(i) => JobKey::Static(site.static_files[*i].to.clone()),
        Job::Generated(g) => JobKey::Generated(*g),
    }
}

/// A hasher with length-prefixed fields (so `("ab","c")` and `("a","bc")` differ).
/// The bytes are gathered and hashed in one go at the end: for the few hundred bytes of a
/// fingerprint that is several times faster than feeding a hasher piece by piece (and gives
/// the same hash).
struct H(Vec<u8>);

impl H {
    fn new(tag: &str) -> H {
        let mut h = H(Vec::with_capacity(512));
        h.bytes(tag.as_bytes());
        h
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
        self
    }
    fn num(&mut self, n: usize) -> &mut Self {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
        self
    }
    fn key(&mut self, k: &Key) -> &mut Self {
        self.0.extend_from_slice(k);
        self
    }
    fn opt(&mut self, k: Option<&Key>) -> &mut Self {
        match k {
            Some(k) => self.num(1).key(k),
            None => self.num(0),
        }
    }
    fn done(&self) -> Key {
        *blake3::hash(&self.0).as_bytes()
    }
}

/// `io::Write` into a BLAKE3 hasher, for hashing serialised values.
struct Sink<'a>(&'a mut blake3::Hasher);

impl std::io::Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The hash of a serialisable value (the configuration). Only for types that serialise
/// deterministically (structs, `BTreeMap`s) — template values have their own [`hash_value`].
pub fn hash_serialized<T: serde::Serialize + ?Sized>(v: &T) -> Key {
    let mut h = blake3::Hasher::new();
    // Serialising the configuration into a hasher cannot fail.
    let _ = serde_json::to_writer(Sink(&mut h), v);
    *h.finalize().as_bytes()
}

/// The hash of a template value: strings with their escaping kind, lists in order, maps
/// with their keys sorted (Tera's maps iterate in no fixed order).
pub fn hash_value(v: &Value) -> Key {
    let mut h = blake3::Hasher::new();
    walk(&mut h, v);
    *h.finalize().as_bytes()
}

fn walk(h: &mut blake3::Hasher, v: &Value) {
    if let Some(s) = v.as_str() {
        h.update(if v.is_safe() { b"S" } else { b"s" });
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    } else if let Some(items) = v.as_array() {
        h.update(b"a");
        h.update(&(items.len() as u64).to_le_bytes());
        for i in items {
            walk(h, i);
        }
    } else if let Some(m) = v.as_map() {
        h.update(b"m");
        h.update(&(m.len() as u64).to_le_bytes());
        let mut entries: Vec<_> = m.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in entries {
            let k = k.to_string();
            h.update(&(k.len() as u64).to_le_bytes());
            h.update(k.as_bytes());
            walk(h, v);
        }
    } else {
        // Scalars: numbers, booleans, none.
        h.update(b"o");
        let text = serde_json::to_string(v).unwrap_or_default();
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
}

fn hash_str(v: &Value) -> Key {
    hash_value(v)
}

/// The atoms of one build (see the module documentation).
pub struct Atoms {
    global: Key,
    sidebar: Key,
    sidebar_without: HashMap<usize, Key>,
    content: Vec<Key>,
    cards: Vec<Key>,
    pages: Vec<Key>,
    authors: Vec<Key>,
    terms: Vec<Key>,
    /// `0..posts.len()`: the items of the home listing.
    all: Vec<usize>,
}

/// The card key of a post: its content key and the author and tag values of its card.
pub fn card_key(content: &Key, author_refs: &[&Key], terms: &[&Key]) -> Key {
    let mut h = H::new("card");
    h.key(content).num(author_refs.len());
    for a in author_refs {
        h.key(a);
    }
    h.num(terms.len());
    for t in terms {
        h.key(t);
    }
    h.done()
}

impl Atoms {
    /// Computes the atoms of a renderer. `templates` is the templates' fingerprint,
    /// `config` the configuration's hash, `content[i]` / `cards[i]` the keys of
    /// `site.posts[i]`, `pages[i]` the content key of `site.pages[i]`.
    pub fn new(
        r: &Renderer<'_>,
        templates: &Key,
        config: &Key,
        content: Vec<Key>,
        cards: Vec<Key>,
        pages: Vec<Key>,
    ) -> Atoms {
        let site = r.site;
        let global = H::new("global")
            .key(templates)
            .key(config)
            .key(&hash_value(&r.site_value))
            .key(&hash_value(&r.feeds_value))
            .done();
        let authors = site
            .authors
            .iter()
            .enumerate()
            .map(|(a, au)| {
                let full = crate::values::author_full(&site.config, au, site.author_posts[a].len());
                let listed = !site.author_posts[a].is_empty() || au.source.is_some();
                H::new("author")
                    .key(&hash_value(&full))
                    .num(listed as usize)
                    .done()
            })
            .collect();
        Atoms {
            global,
            sidebar: hash_str(&r.sidebar),
            sidebar_without: r
                .sidebar_without
                .iter()
                .map(|(i, v)| (*i, hash_str(v)))
                .collect(),
            content,
            cards,
            pages,
            authors,
            terms: r.shared.terms.iter().map(hash_value).collect(),
            all: (0..site.posts.len()).collect(),
        }
    }

    /// A key of the whole site: every atom, in order. It changes whenever any post, page,
    /// author, tag, sidebar or global input changes, so it fingerprints the files made by
    /// code (feeds, sitemap, search index, redirects), which read the whole site.
    pub fn site_key(&self) -> Key {
        let mut h = H::new("site");
        h.key(&self.global).key(&self.sidebar);
        let mut without: Vec<(&usize, &Key)> = self.sidebar_without.iter().collect();
        without.sort();
        h.num(without.len());
        for (i, k) in without {
            h.num(*i).key(k);
        }
        for keys in [
            &self.content,
            &self.cards,
            &self.pages,
            &self.authors,
            &self.terms,
        ] {
            h.num(keys.len());
            for k in keys.iter() {
                h.key(k);
            }
        }
        h.done()
    }

    /// The content keys of the posts.
    pub fn content(&self) -> &[Key] {
        &self.content
    }

    /// The card keys of the posts.
    pub fn cards(&self) -> &[Key] {
        &self.cards
    }

    /// The key of one atom (`None`: an absent neighbour).
    fn atom(&self, a: Atom) -> Option<&Key> {
        match a {
            Atom::Global => Some(&self.global),
            Atom::Sidebar(None) => Some(&self.sidebar),
            Atom::Sidebar(Some(i)) => Some(self.sidebar_without.get(&i).unwrap_or(&self.sidebar)),
            Atom::Content(i) => self.content.get(i),
            Atom::Card(i) => self.cards.get(i),
            Atom::Author(i) => self.authors.get(i),
            Atom::Term(i) => self.terms.get(i),
            Atom::Page(i) => self.pages.get(i),
        }
    }

    fn listing(&self, v: &mut impl Visit, items: &[usize], n: usize, per_page: usize) {
        let per = per_page.max(1);
        let start = ((n - 1) * per).min(items.len());
        let end = (start + per).min(items.len());
        v.num(n);
        v.num(items.len());
        for &i in &items[start..end] {
            v.atom(Atom::Card(i));
        }
    }

    /// Walks every input of `job`'s fingerprint: atoms, and the numbers and bytes of the
    /// site's structure. `false` for jobs that are always run (files made by code). This
    /// one walk both makes fingerprints and finds whether any input changed.
    fn visit(&self, site: &Site, job: &Job, key: &JobKey, v: &mut impl Visit) -> bool {
        let per = site.config.paginate_by;
        put_key(v, key);
        v.atom(Atom::Global);
        match job {
            Job::Post(i) => {
                let i = *i;
                let p = &site.posts[i];
                v.atom(Atom::Sidebar(Some(i)));
                v.atom(Atom::Content(i));
                v.atom(Atom::Card(i));
                v.num(p.authors.len());
                for &a in &p.authors {
                    v.atom(Atom::Author(a));
                }
                // Neighbours (their title and URL are in their cards), then related posts.
                v.atom(Atom::Card(i + 1));
                match i.checked_sub(1) {
                    Some(j) => v.atom(Atom::Card(j)),
                    None => v.num(0),
                }
                v.num(site.related[i].len());
                for &j in &site.related[i] {
                    v.atom(Atom::Card(j));
                }
            }
            Job::Page(i) => {
                v.atom(Atom::Sidebar(None));
                v.atom(Atom::Page(*i));
            }
            Job::Home(n) => {
                v.atom(Atom::Sidebar(None));
                self.listing(v, &self.all, *n, per);
            }
            Job::Tags => {
                v.atom(Atom::Sidebar(None));
                v.num(self.terms.len());
                for t in 0..self.terms.len() {
                    v.atom(Atom::Term(t));
                }
            }
            Job::Tag(t, n) => {
                v.atom(Atom::Sidebar(None));
                v.atom(Atom::Term(*t));
                self.listing(v, &site.tags[*t].posts, *n, per);
            }
            Job::Authors => {
                v.atom(Atom::Sidebar(None));
                v.num(self.authors.len());
                for a in 0..self.authors.len() {
                    v.atom(Atom::Author(a));
                }
            }
            Job::Author(a, n) => {
                v.atom(Atom::Sidebar(None));
                v.atom(Atom::Author(*a));
                self.listing(v, &site.author_posts[*a], *n, per);
            }
            Job::NotFound => v.atom(Atom::Sidebar(None)),
            Job::Alias { .. } => {}
            Job::Static(i) => match &site.static_files[*i].from {
                StaticSource::Disk(p) => {
                    v.num(0);
                    v.bytes(p.as_os_str().as_encoded_bytes());
                }
                // Embedded bytes live in the binary for the whole run: their address and
                // length identify them.
                StaticSource::Embedded(b) => {
                    v.num(1);
                    v.num(b.as_ptr() as usize);
                    v.num(b.len());
                }
            },
            Job::Generated(_) => return false,
        }
        true
    }

    /// The fingerprint of `job` (whose key is `key`), or `None` for jobs that are always run
    /// (files made by code).
    pub fn fingerprint(&self, site: &Site, job: &Job, key: &JobKey) -> Option<Key> {
        let mut h = Hashing {
            h: H::new("job"),
            atoms: self,
        };
        self.visit(site, job, key, &mut h).then(|| h.h.done())
    }

    /// Fingerprints of every job for a site with the same structure as the one `prev` and
    /// `prev_fps` were made for (same posts in the same order, tags, authors, pages, related
    /// lists, static files and jobs — as after the fast way of a rebuild): a job none of whose
    /// atoms changed keeps its fingerprint; the others are hashed again. Returns the
    /// fingerprints and how many were hashed.
    pub fn refresh(
        &self,
        prev: &Atoms,
        prev_fps: &[Option<Key>],
        site: &Site,
        jobs: &[Job],
        keys: &[JobKey],
    ) -> (Vec<Option<Key>>, usize) {
        let fps: Vec<(Option<Key>, bool)> = jobs
            .par_iter()
            .zip(keys.par_iter())
            .zip(prev_fps.par_iter())
            .map(|((job, key), old)| {
                let mut check = Changed {
                    now: self,
                    prev,
                    any: false,
                };
                if !self.visit(site, job, key, &mut check) {
                    return (None, false);
                }
                if check.any || old.is_none() {
                    (self.fingerprint(site, job, key), true)
                } else {
                    (*old, false)
                }
            })
            .collect();
        let hashed = fps.iter().filter(|(_, h)| *h).count();
        (fps.into_iter().map(|(fp, _)| fp).collect(), hashed)
    }

    /// Fingerprints of every job (`keys[i]` is the key of `jobs[i]`), in parallel.
    pub fn all(&self, site: &Site, jobs: &[Job], keys: &[JobKey]) -> Vec<Option<Key>> {
        jobs.par_iter()
            .zip(keys.par_iter())
            .map(|(j, k)| self.fingerprint(site, j, k))
            .collect()
    }
}

/// Walks a job key (its kind and identity).
fn put_key(v: &mut impl Visit, key: &JobKey) {
    let (kind, a, b, n): (usize, &str, &str, usize) = match key {
        JobKey::Post(s) => (0, s, "", 0),
        JobKey::Page(s) => (1, s, "", 0),
        JobKey::Home(n) => (2, "", "", *n),
        JobKey::Tags => (3, "", "", 0),
        JobKey::Tag(s, n) => (4, s, "", *n),
        JobKey::Authors => (5, "", "", 0),
        JobKey::Author(s, n) => (6, s, "", *n),
        JobKey::NotFound => (7, "", "", 0),
        JobKey::Alias(from, to) => (8, from, to, 0),
        JobKey::Static(to) => (9, to, "", 0),
        JobKey::Generated(_) => (10, "", "", 0),
    };
    v.num(kind);
    v.bytes(a.as_bytes());
    v.bytes(b.as_bytes());
    v.num(n);
}

/// One input of a fingerprint, by kind and index.
#[derive(Debug, Clone, Copy)]
enum Atom {
    Global,
    /// The general sidebar (`None`) or the one a post page gets.
    Sidebar(Option<usize>),
    Content(usize),
    Card(usize),
    Author(usize),
    Term(usize),
    Page(usize),
}

/// What walks the inputs of a fingerprint.
trait Visit {
    fn atom(&mut self, a: Atom);
    fn num(&mut self, n: usize);
    fn bytes(&mut self, b: &[u8]);
}

/// Hashes the inputs.
struct Hashing<'a> {
    h: H,
    atoms: &'a Atoms,
}

impl Visit for Hashing<'_> {
    fn atom(&mut self, a: Atom) {
        self.h.opt(self.atoms.atom(a));
    }
    fn num(&mut self, n: usize) {
        self.h.num(n);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.h.bytes(b);
    }
}

/// Finds whether any atom differs between two builds of the same structure (numbers and
/// bytes are structure, equal by that premise).
struct Changed<'a> {
    now: &'a Atoms,
    prev: &'a Atoms,
    any: bool,
}

impl Visit for Changed<'_> {
    fn atom(&mut self, a: Atom) {
        if !self.any && self.now.atom(a) != self.prev.atom(a) {
            self.any = true;
        }
    }
    fn num(&mut self, _: usize) {}
    fn bytes(&mut self, _: &[u8]) {}
}
