//! The file watcher of `serve`: notify on the site's sources → raw events on a channel (the
//! build loop batches them until the file system is quiet) → [`Changes`] (via [`classify`]).
//!
//! Watched: the site root itself, not recursively (for `site.toml`, which editors replace by
//! renaming a new file over it, and for the source folders appearing or vanishing), and
//! `content/`, `templates/`, `themes/` and `static/` recursively. Nothing else under the root
//! is watched, so the output folder, caches and logs never trigger a build. Editor temp, lock
//! and backup files (see `load::is_ignored_name`) and reads (`open`/`close` without writing)
//! are dropped. `--poll` swaps the native watcher for polling (network and container file
//! systems); the classification is the same.
//!
//! No debouncer thread sits between notify and the build loop: one that wakes on a timer
//! (notify-debouncer-full ticks every few milliseconds to stay fast) keeps an idle `serve`
//! waking hundreds of times a second; the build loop instead blocks until an event comes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::pipeline::load;
use crate::serve::incremental::Changes;

/// Source folders watched recursively, relative to the root.
pub const SOURCE_DIRS: [&str; 4] = ["content", "templates", "themes", "static"];

/// Polling interval with `--poll`.
pub const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// What the watcher sends for each file system event: the event, or the watcher's error.
pub type WatchEvent = notify::Result<notify::Event>;

enum Inner {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

impl Inner {
    fn watch(&mut self, p: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Inner::Native(w) => w.watch(p, mode),
            Inner::Poll(w) => w.watch(p, mode),
        }
    }
    fn unwatch(&mut self, p: &Path) -> notify::Result<()> {
        match self {
            Inner::Native(w) => w.unwatch(p),
            Inner::Poll(w) => w.unwatch(p),
        }
    }
}

/// A running watcher; events go to the channel given to [`Watcher::start`] until it is
/// dropped.
pub struct Watcher {
    inner: Inner,
    root: PathBuf,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Starts watching the site at `root` (absolute). Every event (or watcher error) is sent
    /// to `tx` as it happens. Fails with the watcher's message (e.g. the inotify watch limit).
    pub fn start(root: &Path, poll: bool, tx: Sender<WatchEvent>) -> Result<Watcher, String> {
        let inner = if poll {
            let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
            Inner::Poll(PollWatcher::new(tx, config).map_err(|e| e.to_string())?)
        } else {
            Inner::Native(
                RecommendedWatcher::new(tx, notify::Config::default())
                    .map_err(|e| e.to_string())?,
            )
        };
        let mut w = Watcher {
            inner,
            root: root.to_path_buf(),
            watched: BTreeSet::new(),
        };
        w.inner
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
        w.refresh(&[])?;
        Ok(w)
    }

    /// Watches the source folders that exist and are not watched yet, forgets those that
    /// vanished, and watches anew the folders in `renewed` (replaced since they were
    /// watched). Fails when a folder cannot be watched.
    pub fn refresh(&mut self, renewed: &[PathBuf]) -> Result<(), String> {
        for name in SOURCE_DIRS {
            let dir = self.root.join(name);
            let exists = dir.is_dir();
            let known = self.watched.contains(&dir);
            if known && (!exists || renewed.contains(&dir)) {
                // The folder (and so its watch) is gone or was replaced.
                let _ = self.inner.unwatch(&dir);
                self.watched.remove(&dir);
            }
            if exists && !self.watched.contains(&dir) {
                self.inner
                    .watch(&dir, RecursiveMode::Recursive)
                    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
                self.watched.insert(dir);
            }
        }
        Ok(())
    }
}

/// `true` for events that cannot mean a change: reads (`open`, `close` without writing).
fn is_read(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Access(a) if !matches!(a, AccessKind::Close(AccessMode::Write)))
}

/// `true` for events that can create, remove or replace a path (not reads, not writes to
/// a file's contents).
fn is_structural(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(_))
            | EventKind::Any
    )
}

/// The source folders (absolute) that events say were created, removed or replaced (and so
/// must be watched anew). Reads of a folder (the build walking it, a new watch scanning it)
/// are not changes: re-watching on them would feed back into more events.
pub fn replaced_dirs(root: &Path, events: &[notify::Event]) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = SOURCE_DIRS.iter().map(|d| root.join(d)).collect();
    let mut out: Vec<PathBuf> = events
        .iter()
        .filter(|e| is_structural(&e.kind))
        .flat_map(|e| e.paths.iter())
        .filter(|p| dirs.contains(p))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Turns raw events into a change set for the site at `root` using theme `theme`. Paths
/// under `private` folders (output, cache) and editor artefacts are dropped; a lost-events
/// notice, the root itself or a source folder itself means [`Changes::all`].
pub fn classify(
    root: &Path,
    theme: &str,
    private: &[PathBuf],
    events: &[notify::Event],
) -> Changes {
    let mut c = Changes::default();
    for e in events {
        if e.need_rescan() {
            c.all = true;
            continue;
        }
        if is_read(&e.kind) {
            continue;
        }
        for p in &e.paths {
            classify_path(root, theme, private, p, &mut c);
        }
    }
    c
}

/// Adds one changed path to `c` (see [`classify`]).
pub fn classify_path(root: &Path, theme: &str, private: &[PathBuf], p: &Path, c: &mut Changes) {
    let Ok(rel) = p.strip_prefix(root) else {
        return;
    };
    if rel.as_os_str().is_empty() {
        c.all = true;
        return;
    }
    if private.iter().any(|d| p.starts_with(d)) || load::is_ignored_path(rel) {
        return;
    }
    let parts: Vec<&str> = rel.iter().filter_map(|s| s.to_str()).collect();
    match parts.as_slice() {
        ["site.toml"] => c.config = true,
        ["content" | "static" | "templates" | "themes"] => c.all = true,
        ["content", ..] => {
            c.content.insert(p.to_path_buf());
        }
        ["static", ..] => {
            c.statics.insert(p.to_path_buf());
        }
        ["templates", ..] => c.templates = true,
        ["themes", name] if *name == theme => c.all = true,
        ["themes", name, "static", _, ..] if *name == theme => {
            c.statics.insert(p.to_path_buf());
        }
        ["themes", ..] => c.templates = true,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(paths: &[&str]) -> Changes {
        let root = Path::new("/site");
        let mut c = Changes::default();
        for p in paths {
            classify_path(
                root,
                "default",
                &[root.join("public")],
                &root.join(p),
                &mut c,
            );
        }
        c
    }

    #[test]
    fn editor_artefacts_and_output_are_dropped() {
        let c = changes(&[
            "content/posts/live.md~",
            "content/posts/.#live.md",
            "content/posts/#live.md#",
            "content/posts/live.md___jb_tmp___",
            "content/posts/.live.md.tmp-4821",
            "content/posts/4913",
            ".site.toml.swp-new",
            "public/index.html",
            "README.md",
        ]);
        assert!(c.is_empty(), "{c:?}");
    }

    #[test]
    fn reading_a_source_folder_does_not_replace_it() {
        use notify::event::{AccessKind, AccessMode, CreateKind, RemoveKind};
        let root = Path::new("/site");
        let ev = |kind, p: &str| notify::Event::new(kind).add_path(root.join(p));
        let reads = [
            ev(
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                "content",
            ),
            ev(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                "templates",
            ),
        ];
        assert!(replaced_dirs(root, &reads).is_empty());
        assert!(classify(root, "default", &[], &reads).is_empty());
        let made = [
            ev(EventKind::Create(CreateKind::Folder), "templates"),
            ev(EventKind::Remove(RemoveKind::Folder), "static"),
            ev(EventKind::Create(CreateKind::File), "content/posts/a.md"),
        ];
        assert_eq!(
            replaced_dirs(root, &made),
            vec![root.join("static"), root.join("templates")]
        );
    }

    #[test]
    fn sources_are_sorted_by_kind() {
        let c = changes(&[
            "content/posts/a.md",
            "static/x.css",
            "themes/default/static/s.css",
        ]);
        assert_eq!(c.content.len(), 1);
        assert_eq!(c.statics.len(), 2);
        assert!(!c.templates && !c.config && !c.all);
        assert!(changes(&["site.toml"]).config);
        assert!(changes(&["templates/post.html"]).templates);
        assert!(changes(&["themes/default/templates/post.html"]).templates);
        assert!(changes(&["content"]).all);
        assert!(changes(&["themes/default"]).all);
        assert!(changes(&[""]).all);
    }
}
