//! Write stage: rendered files → the output folder, atomically.
//!
//! The new site is written into a staging folder beside the output (same file system) and then
//! swapped in with one atomic rename-exchange (Linux; two renames elsewhere), so a failed or
//! killed build leaves the previous output complete. Files whose content is unchanged since the
//! last build are hard-linked from the old output, so their inode and mtime stay the same and
//! deploy tools upload only what changed. Files smelt did not write (`.git/`, `CNAME`, a
//! user's notes) are carried over untouched; files it wrote last time and no longer produces
//! are dropped. The manifest of what smelt wrote lives in the output as `.smelt-manifest`.
//!
//! Safety: smelt refuses to write into the site root, an ancestor of it, `content/`,
//! `static/`, `templates/`, `themes/` (or anything inside them), and into a non-empty folder
//! it did not create (no manifest) unless `--force`.
//!
//! Invariant: nothing here ever opens a file of the previous output for writing. Staging
//! holds hard links to those files, so a write through one of them would change the live
//! site even when the build then fails. Every output path is therefore claimed before the
//! file system is touched (a second claim of a path is an error naming both producers, and
//! nothing is written for it), and every file is created with `create_new` semantics (hard
//! links, symlinks and new files alike fail rather than replace what is there).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, display_path};
use crate::model::StaticSource;
use crate::pipeline::render::{FileData, Origin, RenderedFile};

/// Name of the manifest file smelt keeps in the output folder.
pub const MANIFEST: &str = ".smelt-manifest";

/// What smelt wrote in a build: output path → content hash (BLAKE3, hex) and size.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `"smelt"`.
    pub generator: String,
    /// Output path → entry.
    pub files: BTreeMap<String, ManifestEntry>,
}

/// One file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// BLAKE3 of the content, hex.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
}

/// Counts of a finished write.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files whose content is new or changed.
    pub written: usize,
    /// Files kept as they were (same content as the last build).
    pub unchanged: usize,
    /// Files from the last build that are no longer produced.
    pub removed: usize,
    /// Files in the output that smelt did not write and kept.
    pub kept_foreign: usize,
    /// The previous output could not be removed after the new one was swapped in: it is
    /// left in the staging folder, for the next build to remove (or say why it cannot).
    pub left_behind: bool,
}

/// One output path claimed in this build: who makes it, and its content once written.
struct Slot {
    origin: Arc<Origin>,
    entry: Option<ManifestEntry>,
}

/// An output folder being written.
pub struct Writer {
    /// The site root as given (static sources are paths under it).
    root: PathBuf,
    out: PathBuf,
    staging: PathBuf,
    old: Manifest,
    /// Every output path claimed so far (see [`Writer::write`]).
    new: Mutex<BTreeMap<String, Slot>>,
    /// Claimed paths by their lower-case form → the path as claimed (two paths that differ
    /// only in letter case are one file on case-insensitive file systems and hosts).
    folded: Mutex<HashMap<String, String>>,
    unchanged: Mutex<usize>,
    /// Folders already made in the staging folder (saves a `mkdir` per file).
    made: Mutex<HashSet<PathBuf>>,
    /// Previous output files known to have been written to since (see [`Writer::distrust`]).
    altered: HashSet<String>,
    /// Claims refused because the path (or its lower-case form) was taken.
    lost: Mutex<Refused>,
}

/// Claims a [`Writer`] refused: (path, claimant), and the messages of the errors it returned
/// for them (see [`Writer::collisions`]).
#[derive(Default)]
struct Refused {
    claims: Vec<(String, Arc<Origin>)>,
    messages: HashSet<String>,
}

/// Makes a path absolute and canonical as far as it exists (the rest is appended).
fn absolutize(p: &Path) -> io::Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(c) => {
                let mut out = c;
                for r in rest.iter().rev() {
                    out.push(r);
                }
                return Ok(out);
            }
            Err(_) => {
                let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
                    return Ok(abs);
                };
                rest.push(name);
                if !existing.pop() {
                    return Ok(abs);
                }
            }
        }
    }
}

/// Refuses output folders that would overwrite the site's own files.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<PathBuf, Error> {
    if out.components().any(|c| c == Component::ParentDir) && absolutize(out).is_err() {
        return Err(Error::Usage(format!(
            "cannot resolve output folder {}",
            out.display()
        )));
    }
    let root_abs = absolutize(root).map_err(|e| Error::io(root, e))?;
    let out_abs = absolutize(out).map_err(|e| Error::io(out, e))?;
    let shown = out.display();
    if root_abs.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "refusing to build into {shown}: it is the site folder or contains it, and building would replace your sources; choose an output folder such as `public`"
        )));
    }
    for protected in ["content", "static", "templates", "themes"] {
        if out_abs.starts_with(root_abs.join(protected)) {
            return Err(Error::Usage(format!(
                "refusing to build into {shown}: it is inside the site's {protected}/ folder; choose an output folder such as `public`"
            )));
        }
    }
    if out_abs.exists() && !out_abs.is_dir() {
        return Err(Error::Usage(format!(
            "refusing to build into {shown}: it is a file, not a folder"
        )));
    }
    if out_abs == root_abs.join(crate::config::CONFIG_FILE) {
        return Err(Error::Usage(format!("refusing to build into {shown}")));
    }
    Ok(out_abs)
}

/// The hidden sibling `.<name>.<suffix>` of the output folder `out` (`public` when `out`
/// has no name): where smelt keeps what belongs to that output but must not be deployed.
pub fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{suffix}"))
}

/// The staging folder of the output folder `out`: `.<name>.smelt-staging` beside it.
pub fn staging_path(out: &Path) -> PathBuf {
    sibling(out, "smelt-staging")
}

/// The bytes of a file to write: its own, or a static file's, read from disk.
fn file_bytes(file: &RenderedFile) -> Result<std::borrow::Cow<'_, [u8]>, Diagnostic> {
    Ok(match &file.data {
        FileData::Bytes(b) => std::borrow::Cow::Borrowed(b.as_slice()),
        FileData::Static(StaticSource::Embedded(b)) => std::borrow::Cow::Borrowed(&b[..]),
        FileData::Static(StaticSource::Disk(p)) => {
            std::borrow::Cow::Owned(std::fs::read(p).map_err(|e| {
                Diagnostic::error("io", format!("cannot read {}: {e}", p.display()))
            })?)
        }
    })
}

fn hex(h: &blake3::Hash) -> String {
    h.to_hex().to_string()
}

// `Diagnostic` is the crate-wide error of the render and write stages.
#[allow(clippy::result_large_err)]
impl Writer {
    /// Checks the output folder and prepares a staging folder. `force` allows writing into
    /// a non-empty folder smelt did not create (nothing in it is deleted).
    pub fn begin(root: &Path, out: &Path, force: bool) -> Result<Writer, Error> {
        let w = Writer::open(root, out, force)?;
        w.stage()?;
        Ok(w)
    }

    /// Checks the output folder and reads its manifest, without touching anything: call
    /// [`Writer::stage`] before writing, or [`Writer::finish_unchanged`] when nothing
    /// changes. `force` as for [`Writer::begin`].
    pub fn open(root: &Path, out: &Path, force: bool) -> Result<Writer, Error> {
        let out_abs = check_output_dir(root, out)?;
        // A build killed between the two renames of the fallback swap (systems without an
        // atomic exchange) left the previous output parked beside it: put it back first.
        let parked = staging_path(&out_abs).with_extension("old");
        if !out_abs.exists() && parked.is_dir() {
            std::fs::rename(&parked, &out_abs).map_err(|e| Error::io(&out_abs, e))?;
        }
        let mut old = Manifest::default();
        if out_abs.is_dir() {
            match std::fs::read(out_abs.join(MANIFEST)) {
                Ok(bytes) => {
                    old = serde_json::from_slice(&bytes).unwrap_or_default();
                }
                Err(_) => {
                    let non_empty = std::fs::read_dir(&out_abs)
                        .map_err(|e| Error::io(&out_abs, e))?
                        .next()
                        .is_some();
                    if non_empty && !force {
                        return Err(Error::Usage(format!(
                            "refusing to build into {}: the folder is not empty and was not created by smelt (no {MANIFEST} in it). Empty it, choose another --output-dir, or pass --force to write smelt's files into it (nothing there is deleted)",
                            out.display()
                        )));
                    }
                }
            }
        }
        let staging = staging_path(&out_abs);
        // The manifest's path is smelt's own: a page or file of that name is refused.
        let reserved = Slot {
            origin: Arc::new(Origin::named(format!(
                "smelt's record of the files it wrote ({MANIFEST})"
            ))),
            entry: None,
        };
        Ok(Writer {
            root: root.to_path_buf(),
            out: out_abs,
            staging,
            old,
            new: Mutex::new(BTreeMap::from([(MANIFEST.to_string(), reserved)])),
            folded: Mutex::new(HashMap::from([(
                MANIFEST.to_lowercase(),
                MANIFEST.to_string(),
            )])),
            unchanged: Mutex::new(0),
            made: Mutex::new(HashSet::new()),
            altered: HashSet::new(),
            lost: Mutex::new(Refused::default()),
        })
    }

    /// Makes an empty staging folder (removing one a killed or failed build left). Fails,
    /// before anything is written, when the output folder exists but smelt may not write in
    /// it (read-only): a swap would replace it anyway, against the owner's wish.
    pub fn stage(&self) -> Result<(), Error> {
        if self.out.is_dir() {
            check_writable(&self.out)?;
        }
        let staging = &self.staging;
        if staging.exists() {
            remove_tree(staging).map_err(|e| {
                Error::Usage(format!(
                    "cannot remove {}, left by an earlier build: {e}; delete it and build again",
                    staging.display()
                ))
            })?;
        }
        std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
        take_folder_group(&self.out, staging);
        Ok(())
    }

    /// Treats the previous output's `paths` (relative to the output folder) as changed
    /// whatever their size: files known to have been written to since the last build (see
    /// [`crate::cache::snapshot::Verdict`]).
    pub fn distrust(&mut self, paths: HashSet<String>) {
        self.altered = paths;
    }

    /// `true` when the previous output has `rel` with content `entry` (per its manifest), the
    /// file is still there with that size, and it is not known to have been written to since.
    pub fn intact(&self, rel: &str, entry: &ManifestEntry) -> bool {
        !self.altered.contains(rel)
            && self.old.files.get(rel) == Some(entry)
            && std::fs::symlink_metadata(self.out.join(rel))
                .is_ok_and(|m| m.is_file() && m.len() == entry.size)
    }

    /// Number of files smelt wrote in the previous build, and whether `paths` are exactly
    /// them.
    pub fn same_paths<'p>(&self, paths: impl Iterator<Item = &'p str>) -> bool {
        let mut n = 0;
        for p in paths {
            if !self.old.files.contains_key(p) {
                return false;
            }
            n += 1;
        }
        n == self.old.files.len()
    }

    /// The content entry of a file: its bytes hashed (static files are read).
    pub fn entry_of(file: &RenderedFile) -> Result<ManifestEntry, Diagnostic> {
        let bytes = file_bytes(file)?;
        let bytes: &[u8] = &bytes;
        Ok(ManifestEntry {
            hash: hex(&blake3::hash(bytes)),
            size: bytes.len() as u64,
        })
    }

    /// Puts the previous output's `rel` (content `entry`, made by `origin`) into the new
    /// output without rewriting it (a hard link). `Ok(false)` when it cannot (changed,
    /// missing, or linking failed): the caller then writes the file. Fails, touching nothing,
    /// when something else already wrote `rel` in this build.
    pub fn keep(
        &self,
        rel: &str,
        entry: &ManifestEntry,
        origin: &Arc<Origin>,
    ) -> Result<bool, Diagnostic> {
        if !is_safe_rel(rel) || !self.intact(rel, entry) {
            return Ok(false);
        }
        self.claim(rel, origin)?;
        let dest = self.staging.join(rel);
        let linked = self.make_parent(&dest).is_ok()
            && std::fs::hard_link(self.out.join(rel), &dest).is_ok();
        if !linked {
            // Nothing was made at `dest`: give the path back for the caller to write.
            self.new
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(rel);
            return Ok(false);
        }
        *self.unchanged.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.record(rel, entry.clone());
        Ok(true)
    }

    /// Paths of the files this build claimed and wrote or kept (relative to the output folder,
    /// `/`-separated), and the manifest's: what the output holds of smelt's after
    /// [`Writer::commit`].
    pub fn claimed_files(&self) -> Vec<String> {
        let new = self.new.lock().unwrap_or_else(|e| e.into_inner());
        new.iter()
            .filter(|(rel, slot)| slot.entry.is_some() || *rel == MANIFEST)
            .map(|(rel, _)| rel.clone())
            .collect()
    }

    /// Paths of the files the previous build wrote (per its manifest) and the manifest's:
    /// what the output holds of smelt's after [`Writer::finish_unchanged`].
    pub fn previous_files(&self) -> Vec<String> {
        let mut files: Vec<String> = self.old.files.keys().cloned().collect();
        files.push(MANIFEST.to_string());
        files
    }

    /// Ends a build in which every file is the same as in the previous output: nothing is
    /// written or moved.
    pub fn finish_unchanged(self) -> WriteStats {
        WriteStats {
            written: 0,
            unchanged: self.old.files.len(),
            ..WriteStats::default()
        }
    }

    fn make_parent(&self, dest: &Path) -> Result<(), Diagnostic> {
        let Some(parent) = dest.parent() else {
            return Ok(());
        };
        if self
            .made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(parent)
        {
            return Ok(());
        }
        std::fs::create_dir_all(parent).map_err(|e| {
            Diagnostic::error("io", format!("cannot write {}: {e}", parent.display()))
        })?;
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(parent.to_path_buf());
        Ok(())
    }

    /// Claims output path `rel` for `origin`, before anything is written there. Fails when
    /// it is claimed already (by another file of this build, or reserved), naming both.
    fn claim(&self, rel: &str, origin: &Arc<Origin>) -> Result<(), Diagnostic> {
        let mut new = self.new.lock().unwrap_or_else(|e| e.into_inner());
        let lose = |d: Diagnostic| {
            let mut lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
            lost.claims.push((rel.to_string(), origin.clone()));
            lost.messages.insert(d.message.clone());
            Err(d)
        };
        if let Some(first) = new.get(rel) {
            return lose(duplicate_output(rel, &first.origin, origin));
        }
        let mut folded = self.folded.lock().unwrap_or_else(|e| e.into_inner());
        let lower = rel.to_lowercase();
        if let Some(other) = folded.get(&lower)
            && let Some(first) = new.get(other)
        {
            return lose(case_collision(other, &first.origin, rel, origin));
        }
        folded.insert(lower, rel.to_string());
        drop(folded);
        new.insert(
            rel.to_string(),
            Slot {
                origin: origin.clone(),
                entry: None,
            },
        );
        Ok(())
    }

    /// `true` for an error [`Writer::write`] or [`Writer::keep`] returned for a path that was
    /// taken: its pairing depends on which producer claimed first (the threads' timing), so
    /// the caller reports [`Writer::collisions`] instead.
    pub fn is_refused_claim(&self, d: &Diagnostic) -> bool {
        let lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
        lost.messages.contains(&d.message)
    }

    /// Every output path several producers wanted (or paths that differ only in letter case),
    /// as errors that do not depend on which producer claimed first (see [`collisions`]).
    pub fn collisions(&self) -> Vec<Diagnostic> {
        let lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
        if lost.claims.is_empty() {
            return Vec::new();
        }
        let new = self.new.lock().unwrap_or_else(|e| e.into_inner());
        let folded = self.folded.lock().unwrap_or_else(|e| e.into_inner());
        // The refused claims, and the claims that won the paths they wanted.
        let mut claims: Vec<(&str, &Arc<Origin>)> = Vec::new();
        let mut winners: HashSet<&str> = HashSet::new();
        for (rel, origin) in &lost.claims {
            claims.push((rel, origin));
            if let Some(won) = folded.get(&rel.to_lowercase())
                && let Some(slot) = new.get(won)
                && winners.insert(won)
            {
                claims.push((won, &slot.origin));
            }
        }
        collisions(&claims, |o, _| Origin::clone(o))
    }

    /// Records the content of the claimed path `rel` once it is written.
    fn record(&self, rel: &str, entry: ManifestEntry) {
        if let Some(slot) = self
            .new
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(rel)
        {
            slot.entry = Some(entry);
        }
    }

    /// The final output folder (absolute).
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Writes one file into the staging folder; safe to call from many threads. `job` is
    /// what made it (a file copied from disk is named by its own source instead, see
    /// [`Origin::of_file`]). Unchanged content is hard-linked from the previous output.
    ///
    /// The path is claimed first: when another file of this build has it, this fails with
    /// an error naming both and touches nothing.
    pub fn write(&self, file: &RenderedFile, job: &Arc<Origin>) -> Result<(), Diagnostic> {
        self.write_entry(file, job).map(|_| ())
    }

    /// [`Writer::write`], returning the file's content entry.
    pub fn write_entry(
        &self,
        file: &RenderedFile,
        job: &Arc<Origin>,
    ) -> Result<ManifestEntry, Diagnostic> {
        let rel = &file.path;
        if !is_safe_rel(rel) {
            return Err(Diagnostic::error(
                "output",
                format!("refusing to write unsafe output path {rel:?}"),
            ));
        }
        self.claim(rel, &Origin::of_file(file, job, &self.root))?;
        let dest = self.staging.join(rel);
        let io_err = |e: io::Error, p: &Path| {
            Diagnostic::error("io", format!("cannot write {}: {e}", p.display()))
        };
        self.make_parent(&dest)?;
        let bytes = file_bytes(file)?;
        let bytes: &[u8] = &bytes;
        let entry = ManifestEntry {
            hash: hex(&blake3::hash(bytes)),
            size: bytes.len() as u64,
        };
        let linked =
            self.intact(rel, &entry) && std::fs::hard_link(self.out.join(rel), &dest).is_ok();
        if linked {
            *self.unchanged.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        } else {
            write_new(&dest, bytes).map_err(|e| io_err(e, &dest))?;
        }
        self.record(rel, entry.clone());
        Ok(entry)
    }

    /// Discards the staging folder; the output folder is untouched.
    pub fn abort(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }

    /// Carries over foreign files, writes the manifest and swaps the new site in.
    pub fn commit(self) -> Result<WriteStats, Error> {
        // The files written (a claim without an entry is the reserved manifest path).
        let new: BTreeMap<String, ManifestEntry> = self
            .new
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .filter_map(|(rel, slot)| Some((rel, slot.entry?)))
            .collect();
        let unchanged = self
            .unchanged
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let mut stats = WriteStats {
            written: new.len() - unchanged,
            unchanged,
            removed: self
                .old
                .files
                .keys()
                .filter(|k| !new.contains_key(*k))
                .count(),
            ..WriteStats::default()
        };
        if self.out.is_dir() {
            stats.kept_foreign = carry_over_foreign(&self.out, &self.staging, &self.old, &new)?;
        }
        let manifest = Manifest {
            generator: "smelt".into(),
            files: new,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Usage(e.to_string()))?;
        let mpath = self.staging.join(MANIFEST);
        write_new(&mpath, &json).map_err(|e| Error::io(&mpath, e))?;
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        keep_folder_modes(&self.out, &self.staging, &made);
        stats.left_behind = !swap_in(&self.staging, &self.out)?;
        Ok(stats)
    }
}

/// The error for output path `rel` claimed by `first` and then by `second`: both named (in
/// a stable order), located at the source file of one of them when there is one.
pub fn duplicate_output(rel: &str, first: &Origin, second: &Origin) -> Diagnostic {
    same_output(rel, &[first, second])
}

/// The error for output path `rel` wanted by every producer in `origins` (two or more):
/// all named, sorted (`A and B both write …`, `A, B and C all write …`), located at a file
/// that can be changed: a copied file first, else a source with a position, else any source.
pub fn same_output(rel: &str, origins: &[&Origin]) -> Diagnostic {
    let mut sorted = origins.to_vec();
    sorted.sort_by(|a, b| a.what.cmp(&b.what));
    let names: Vec<&str> = sorted.iter().map(|o| o.what.as_str()).collect();
    let verb = if names.len() > 2 { "all" } else { "both" };
    let d = Diagnostic::error(
        "output",
        format!("{} {verb} write {rel}", and_list(&names)),
    )
    .with_help(
        "rename or remove one of them, or change the page's `slug:` or `aliases:`: one output file never silently replaces another",
    );
    locate(d, &sorted)
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `d` located at the first of `origins` whose file can be changed: a copied file first,
/// else a source with a position, else any source.
fn locate(mut d: Diagnostic, origins: &[&Origin]) -> Diagnostic {
    let located = origins
        .iter()
        .filter(|o| o.source.is_some())
        .min_by_key(|o| (o.source.as_deref() != Some(o.what.as_str()), o.at.is_none()));
    if let Some(o) = located
        && let Some(src) = &o.source
    {
        d = d.at_path(src);
        if let Some((l, c)) = o.at {
            d = d.at(l, c);
        }
    }
    d
}

/// The error for two output paths that differ only in letter case, the same whichever was
/// claimed first.
pub fn case_collision(first_rel: &str, first: &Origin, rel: &str, second: &Origin) -> Diagnostic {
    case_variants(&[(first_rel, first), (rel, second)])
}

/// The error for output paths (two or more) that differ only in letter case, each with what
/// makes it, in path order; located as [`same_output`] locates.
pub fn case_variants(paths: &[(&str, &Origin)]) -> Diagnostic {
    let mut sorted = paths.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.what.cmp(&b.1.what)));
    let names: Vec<String> = sorted
        .iter()
        .map(|(rel, o)| format!("{rel} (from {})", o.what))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let d = Diagnostic::error(
        "output",
        format!(
            "{} differ only in letter case, so on a case-insensitive file system or host one replaces the other",
            and_list(&names)
        ),
    )
    .with_help(
        "rename or remove one of them, or change the page's `slug:` or `aliases:`: one output file never silently replaces another",
    );
    let origins: Vec<&Origin> = sorted.iter().map(|(_, o)| *o).collect();
    locate(d, &origins)
}

/// The errors for the producers of output paths in `claims` ((path, producer), any order):
/// one per path that several producers make (naming them all) and one per set of paths that
/// differ only in letter case (naming each path's first producer), in path order. The same
/// claims give the same errors whatever their order. `origin` names a producer of a path; it
/// is called only for the claims in a collision (naming allocates, and a site has tens of
/// thousands of paths).
pub fn collisions<K: Copy>(
    claims: &[(&str, K)],
    origin: impl Fn(K, &str) -> Origin,
) -> Vec<Diagnostic> {
    let mut by_lower: HashMap<String, Vec<(&str, K)>> = HashMap::with_capacity(claims.len());
    for &(rel, k) in claims {
        by_lower
            .entry(rel.to_lowercase())
            .or_default()
            .push((rel, k));
    }
    let mut contested: Vec<(String, Vec<(&str, K)>)> =
        by_lower.into_iter().filter(|(_, c)| c.len() > 1).collect();
    contested.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (_, group) in contested {
        // Exact path → producers.
        let mut paths: BTreeMap<&str, Vec<Origin>> = BTreeMap::new();
        for (rel, k) in group {
            paths.entry(rel).or_default().push(origin(k, rel));
        }
        for (rel, origins) in paths.iter_mut() {
            // Not deduplicated: one producer making a path twice is a collision too.
            origins.sort_by(|a, b| a.what.cmp(&b.what));
            if origins.len() > 1 {
                let refs: Vec<&Origin> = origins.iter().collect();
                out.push(same_output(rel, &refs));
            }
        }
        if paths.len() > 1 {
            let firsts: Vec<(&str, &Origin)> = paths.iter().map(|(rel, o)| (*rel, &o[0])).collect();
            out.push(case_variants(&firsts));
        }
    }
    out
}

/// Creates `path` with `bytes`, failing if anything exists there: never writes through an
/// existing name (which in staging may be a hard link to a file of the live output).
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)
}

/// Copies `from` to a new file `to` (failing if `to` exists), for file systems without hard
/// links.
fn copy_new(from: &Path, to: &Path) -> io::Result<()> {
    let mut src = std::fs::File::open(from)?;
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    io::copy(&mut src, &mut dst)?;
    // Keep the carried-over file's permissions (a script, a private key file).
    if let Ok(m) = src.metadata() {
        let _ = dst.set_permissions(m.permissions());
    }
    Ok(())
}

/// `true` for an output path the write stage accepts: relative, `/`-separated, with no empty,
/// `.` or `..` segment, no backslash or NUL (`smelt check` applies the same rule to the paths
/// a build would write).
pub fn is_safe_rel(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Links every file of `out` that smelt did not write into `staging` (unless the new build
/// produces the same path). Folders smelt made for its own files last time are not carried
/// over as such (so the folder of a deleted post disappears with its page); any other folder,
/// even an empty one, is kept. Returns how many files were carried over.
fn carry_over_foreign(
    out: &Path,
    staging: &Path,
    old: &Manifest,
    new: &BTreeMap<String, ManifestEntry>,
) -> Result<usize, Error> {
    let mut kept = 0;
    let mut made_dirs: HashSet<PathBuf> = HashSet::new();
    let old_dirs: HashSet<&str> = old
        .files
        .keys()
        .flat_map(|k| k.match_indices('/').map(move |(i, _)| &k[..i]))
        .collect();
    for entry in walkdir::WalkDir::new(out).follow_links(false).min_depth(1) {
        let entry = entry.map_err(|e| Error::io(out, io::Error::other(e.to_string())))?;
        let rel_path = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let rel = display_path(rel_path);
        if rel == MANIFEST || old.files.contains_key(&rel) || new.contains_key(&rel) {
            continue;
        }
        let dest = staging.join(rel_path);
        let ft = entry.file_type();
        if ft.is_dir() {
            if old_dirs.contains(rel.as_str()) {
                continue;
            }
            if made_dirs.insert(dest.clone()) {
                std::fs::create_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
            }
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if ft.is_symlink() {
            let target =
                std::fs::read_link(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &dest).map_err(|e| Error::io(&dest, e))?;
            #[cfg(not(unix))]
            {
                let _ = target;
                copy_new(entry.path(), &dest).map_err(|e| Error::io(&dest, e))?;
            }
        } else if let Err(e) = std::fs::hard_link(entry.path(), &dest) {
            // Something is at `dest` already: never copy over it (it may be a link to a file
            // of the live output). Otherwise the file system has no hard links: copy.
            if e.kind() == io::ErrorKind::AlreadyExists {
                return Err(Error::io(&dest, e));
            }
            copy_new(entry.path(), &dest).map_err(|e| Error::io(&dest, e))?;
        }
        kept += 1;
    }
    Ok(kept)
}

/// Replaces `out` with `staging` atomically where the OS allows, then deletes the old tree;
/// `Ok(false)` when the old tree could not be removed (it stays where the staging folder was,
/// or beside it).
fn swap_in(staging: &Path, out: &Path) -> Result<bool, Error> {
    if !out.exists() {
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::rename(staging, out).map_err(|e| Error::io(out, e))?;
        return Ok(true);
    }
    // Once the new site is in place the build has succeeded: the previous output is removed
    // if it can be, else the next build's `stage` removes it (or says why it cannot).
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE).is_ok() {
            // `staging` now holds the previous output.
            return Ok(remove_tree(staging).is_ok());
        }
    }
    let old = staging.with_extension("old");
    if old.exists() {
        remove_tree(&old).map_err(|e| Error::io(&old, e))?;
    }
    std::fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
    std::fs::rename(staging, out).map_err(|e| Error::io(out, e))?;
    Ok(remove_tree(&old).is_ok())
}

/// Fails with a clear message when smelt may not create files in the folder `out`: when it
/// has no write permission for anyone (made read-only on purpose, refused even where the
/// write would succeed, as root in a container or CI), or when creating (and removing) a
/// probe file fails, which asks the operating system about owner, group, ACLs and read-only
/// mounts rather than guessing from the other permission bits.
fn check_writable(out: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(out)
        && meta.permissions().readonly()
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        return Err(Error::Usage(format!(
            "the output folder {} is read-only (mode {mode:o}); smelt replaces its contents on every build, so make it writable (e.g. `chmod u+w {}`) or choose another --output-dir",
            out.display(),
            out.display()
        )));
    }
    let probe = out.join(format!(".smelt-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        // A probe a killed build left: the folder is writable.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Error::Usage(format!(
            "cannot write into the output folder {}: {e}; smelt replaces its contents on every build, so make it writable (e.g. `chmod u+w {}`) or choose another --output-dir",
            out.display(),
            out.display()
        ))),
    }
}

/// Removes a folder smelt made (a staging folder, a previous output) with everything in it,
/// also when folders in it were made read-only: those are made writable first.
fn remove_tree(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            for entry in walkdir::WalkDir::new(path).follow_links(false) {
                let Ok(entry) = entry else { continue };
                if entry.file_type().is_dir()
                    && let Ok(meta) = entry.metadata()
                {
                    let mut perms = meta.permissions();
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        perms.set_mode(perms.mode() | 0o700);
                    }
                    #[cfg(not(unix))]
                    #[allow(clippy::permissions_set_readonly_false)]
                    perms.set_readonly(false);
                    let _ = std::fs::set_permissions(entry.path(), perms);
                }
            }
            std::fs::remove_dir_all(path)
        }
        other => other,
    }
}

/// Gives the new staging folder the group of the output folder `out` and its setgid bit
/// (Unix), before anything is written in it: files and folders made in a setgid folder take
/// its group, so a site a web server reads through its group stays readable, new pages
/// included. Best effort (changing a folder's group needs membership of that group).
fn take_folder_group(out: &Path, staging: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let (Ok(old), Ok(new)) = (std::fs::metadata(out), std::fs::metadata(staging)) else {
            return;
        };
        if old.gid() != new.gid() {
            let _ = std::os::unix::fs::chown(staging, None, Some(old.gid()));
        }
        let setgid = old.mode() & 0o2000;
        if setgid != 0 && new.mode() & 0o2000 == 0 {
            let mode = new.permissions().mode() | setgid;
            let _ = std::fs::set_permissions(staging, std::fs::Permissions::from_mode(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = (out, staging);
}

/// Gives the staging folder and the folders made in it (`made`) the permissions, and on Unix
/// the group, of the same folders in the previous output `out`, so that swapping the new site
/// in keeps what the owner set on them (a group-writable or setgid folder for a web server).
/// Best effort: a folder whose mode cannot be copied keeps the default.
fn keep_folder_modes(out: &Path, staging: &Path, made: &HashSet<PathBuf>) {
    use rayon::prelude::*;
    // Every folder made in staging got the staging folder's mode and group (the umask, the
    // process's group or an inherited setgid group): one `stat` stands for all of them.
    let Ok(made_as) = std::fs::metadata(staging) else {
        return;
    };
    // `made` holds the folders files were written into; their ancestors were made too.
    let mut dirs: HashSet<&Path> = HashSet::from([staging]);
    for dir in made {
        let mut d = dir.as_path();
        while d.starts_with(staging) && dirs.insert(d) {
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
    }
    let dirs: Vec<&Path> = dirs.into_iter().collect();
    dirs.par_iter().for_each(|dir| {
        let Ok(rel) = dir.strip_prefix(staging) else {
            return;
        };
        let Ok(old) = std::fs::metadata(out.join(rel)) else {
            return;
        };
        if !old.is_dir() {
            return;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if old.gid() != made_as.gid() {
                let _ = std::os::unix::fs::chown(dir, None, Some(old.gid()));
            }
        }
        if old.permissions() != made_as.permissions() {
            let _ = std::fs::set_permissions(dir, old.permissions());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_relative_paths() {
        assert!(is_safe_rel("posts/x/index.html"));
        assert!(!is_safe_rel("../x"));
        assert!(!is_safe_rel("/etc/passwd"));
        assert!(!is_safe_rel("a//b"));
        assert!(!is_safe_rel("a\\b"));
        assert!(!is_safe_rel(""));
    }

    #[test]
    fn refuses_site_root_content_and_ancestors() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(root.join("content/posts")).unwrap();
        assert!(check_output_dir(&root, &root).is_err());
        assert!(check_output_dir(&root, tmp.path()).is_err());
        assert!(check_output_dir(&root, &root.join("content")).is_err());
        assert!(check_output_dir(&root, &root.join("content/posts/out")).is_err());
        assert!(check_output_dir(&root, &root.join("public")).is_ok());
        assert!(check_output_dir(&root, &root.join("content/../public")).is_ok());
    }

    fn job() -> Arc<Origin> {
        Arc::new(Origin::named("a test job"))
    }

    fn file(path: &str, body: &str) -> RenderedFile {
        RenderedFile {
            path: path.into(),
            data: FileData::Bytes(body.as_bytes().to_vec()),
        }
    }

    #[test]
    fn unchanged_files_keep_their_inode_and_foreign_files_survive() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let out = root.join("public");
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("a/index.html", "A"), &job()).unwrap();
        w.write(&file("b/index.html", "B"), &job()).unwrap();
        w.commit().unwrap();
        std::fs::create_dir_all(out.join(".git")).unwrap();
        std::fs::write(out.join(".git/HEAD"), "ref").unwrap();
        std::fs::write(out.join("CNAME"), "example.org").unwrap();
        #[cfg(unix)]
        let ino = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(out.join("a/index.html")).unwrap().ino()
        };
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("a/index.html", "A"), &job()).unwrap();
        w.write(&file("c/index.html", "C"), &job()).unwrap();
        let stats = w.commit().unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 1,
                unchanged: 1,
                removed: 1,
                kept_foreign: 2,
                left_behind: false,
            }
        );
        assert!(!out.join("b/index.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("CNAME")).unwrap(),
            "example.org"
        );
        assert!(out.join(".git/HEAD").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(
                std::fs::metadata(out.join("a/index.html")).unwrap().ino(),
                ino
            );
        }
        assert!(!staging_path(&out.canonicalize().unwrap()).exists());
    }

    #[test]
    fn folders_of_dropped_pages_go_and_foreign_folders_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let out = root.join("public");
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("posts/gone/index.html", "G"), &job())
            .unwrap();
        w.write(&file("posts/kept/index.html", "K"), &job())
            .unwrap();
        w.commit().unwrap();
        std::fs::create_dir_all(out.join(".well-known/empty")).unwrap();
        std::fs::write(out.join("posts/gone/notes.txt"), "mine").unwrap();
        std::fs::create_dir_all(out.join("posts/kept/empty-foreign")).unwrap();
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("posts/kept/index.html", "K"), &job())
            .unwrap();
        w.commit().unwrap();
        // A folder smelt made stays only while something in it is not smelt's stale output.
        assert!(!out.join("posts/gone/index.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("posts/gone/notes.txt")).unwrap(),
            "mine"
        );
        assert!(out.join(".well-known/empty").is_dir());
        assert!(out.join("posts/kept/empty-foreign").is_dir());
        // Without the user's file the folder of the deleted page goes too.
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("posts/kept/index.html", "K"), &job())
            .unwrap();
        w.write(&file("posts/late/index.html", "L"), &job())
            .unwrap();
        w.commit().unwrap();
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("posts/kept/index.html", "K"), &job())
            .unwrap();
        w.commit().unwrap();
        assert!(
            !out.join("posts/late").exists(),
            "empty folder of a deleted page is stale"
        );
    }

    #[test]
    fn refuses_foreign_non_empty_folder_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let out = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        assert!(Writer::begin(&root, &out, false).is_err());
        let w = Writer::begin(&root, &out, true).unwrap();
        w.write(&file("index.html", "x"), &job()).unwrap();
        w.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn an_output_parked_by_an_interrupted_swap_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let out = root.join("public");
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("index.html", "old"), &job()).unwrap();
        w.commit().unwrap();
        // Killed after `out` was renamed away and before the new site took its place.
        let parked = staging_path(&out.canonicalize().unwrap()).with_extension("old");
        std::fs::rename(&out, &parked).unwrap();
        let w = Writer::begin(&root, &out, false).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
        w.write(&file("index.html", "new"), &job()).unwrap();
        let stats = w.commit().unwrap();
        assert_eq!(stats.written, 1);
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "new"
        );
        assert!(!parked.exists());
    }

    /// A second write of a path (after the first was linked from the previous output, or
    /// written anew) fails before touching anything: the live output keeps its content and
    /// inode, and the manifest's own path cannot be taken.
    #[test]
    fn a_doubly_written_path_never_reaches_the_previous_output() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let out = root.join("public");
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("a/index.html", "A"), &job()).unwrap();
        w.commit().unwrap();
        let before = std::fs::metadata(out.join("a/index.html")).unwrap();
        let page = Arc::new(Origin::named("the page of content/posts/a.md"));
        let copy = Arc::new(Origin {
            what: "static/a/index.html".into(),
            source: Some("static/a/index.html".into()),
            at: None,
        });
        // Unchanged content: hard-linked from the previous output, then written again.
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("a/index.html", "A"), &page).unwrap();
        let e = w.write(&file("a/index.html", "hi"), &copy).unwrap_err();
        assert_eq!(
            e.message,
            "static/a/index.html and the page of content/posts/a.md both write a/index.html"
        );
        assert_eq!(e.path.as_deref(), Some("static/a/index.html"));
        let entry = Writer::entry_of(&file("a/index.html", "A")).unwrap();
        assert!(w.keep("a/index.html", &entry, &copy).is_err());
        let e = w.write(&file(MANIFEST, "{}"), &copy).unwrap_err().message;
        assert!(e.contains("both write .smelt-manifest"), "{e}");
        w.abort();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "A"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let after = std::fs::metadata(out.join("a/index.html")).unwrap();
            assert_eq!(after.ino(), before.ino());
        }
        let after = std::fs::metadata(out.join("a/index.html")).unwrap();
        assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    }

    /// The errors depend on the set of claims, not their order: every producer of a path in
    /// one error, every spelling of a path in one error.
    #[test]
    fn collisions_name_every_producer_whatever_the_order() {
        let named = |k: usize, _: &str| {
            let names = [
                "the feeds",
                "static/atom.xml",
                "the alias /atom.xml of a.md",
                "static/ATOM.XML",
                "static/Atom.xml",
            ];
            Origin {
                what: names[k].to_string(),
                source: names[k]
                    .starts_with("static/")
                    .then(|| names[k].to_string()),
                at: None,
            }
        };
        let claims = [
            ("atom.xml", 0),
            ("atom.xml", 1),
            ("atom.xml", 2),
            ("ATOM.XML", 3),
            ("Atom.xml", 4),
            ("style.css", 0),
        ];
        let messages = |c: &[(&str, usize)]| -> Vec<String> {
            collisions(c, named)
                .into_iter()
                .map(|d| format!("{}: {}", d.path.unwrap_or_default(), d.message))
                .collect()
        };
        let want = [
            "static/atom.xml: static/atom.xml, the alias /atom.xml of a.md and the feeds all write atom.xml",
            "static/ATOM.XML: ATOM.XML (from static/ATOM.XML), Atom.xml (from static/Atom.xml) and atom.xml (from static/atom.xml) differ only in letter case, so on a case-insensitive file system or host one replaces the other",
        ];
        assert_eq!(messages(&claims), want);
        let mut reversed = claims;
        reversed.reverse();
        assert_eq!(messages(&reversed), want);
        assert_eq!(
            messages(&claims[..2]),
            ["static/atom.xml: static/atom.xml and the feeds both write atom.xml"]
        );
        assert!(messages(&claims[5..]).is_empty());
    }

    #[test]
    fn abort_leaves_output_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        let out = root.join("public");
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("index.html", "old"), &job()).unwrap();
        w.commit().unwrap();
        let w = Writer::begin(&root, &out, false).unwrap();
        w.write(&file("index.html", "new"), &job()).unwrap();
        w.abort();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
    }
}
