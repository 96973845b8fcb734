//! The build snapshot (`snapshot.bin` in the cache folder): what the last successful build
//! read and wrote, so that a build whose inputs and output are exactly as that build left
//! them does nothing at all: it prints the same summary and warnings and returns, without
//! reading a source, rendering or writing a file.
//!
//! Inputs are every file under the folders a build reads (`site.toml`, `content/`, `static/`,
//! `templates/`, `themes/<theme>/`), each with its [`Stamp`]: size, modification and change
//! times (nanoseconds), inode and device. Outputs are every file smelt wrote into the output
//! folder (its manifest included), with theirs. The snapshot also keys on the configuration
//! (with command-line overrides), the publish flags, the site and output folders and the
//! smelt build, and holds the earliest date of a post left out as scheduled: once that date
//! has passed, the build runs again.
//!
//! Trusting stamps instead of contents is safe as long as a change always changes a stamp.
//! Any write to a file sets its change time to the current time, which a user cannot set
//! back; so a snapshot is only recorded when every input's times are more than
//! [`RACY_SECONDS`] before the build started (a file written within a clock tick of being read
//! could otherwise keep its stamp through a second write, the "racy" case git handles the
//! same way). A build right after an edit records none, and the next one records it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diagnostics, Severity};
use crate::serve::parse_cache::Key;

/// File name of the snapshot in the cache folder.
const FILE: &str = "snapshot.bin";

/// Inputs changed less than this many seconds before a build started make it record no
/// snapshot (see the module documentation).
pub const RACY_SECONDS: u64 = 2;

/// What identifies a file's content without reading it: size in bytes, modification and
/// change times (seconds and nanoseconds since the Unix epoch), inode and device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
}

impl Stamp {
    /// The stamp of the file `meta` describes; `None` where stamps are not available (not a
    /// Unix system), which turns snapshots off.
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// The stamp of the regular file at `path` (not following a final symbolic link, as the
    /// output folder holds none of smelt's); `None` when there is none.
    fn of_file(path: &Path) -> Option<Stamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        meta.is_file().then(|| Stamp::of(&meta)).flatten()
    }

    /// `true` when the file changed at or after `since` (seconds and nanoseconds since the
    /// Unix epoch).
    fn changed_since(&self, since: (i64, i64)) -> bool {
        self.mtime >= since || self.ctime >= since
    }
}

/// Every input file of a build with its stamp, site-relative paths with `/`, in walk order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs(Vec<(String, Stamp)>);

impl Inputs {
    /// Stamps every file a build of the site at `root` with theme `theme` reads (see the
    /// module documentation), following symbolic links as the load stage does. `None` when a
    /// folder cannot be read completely or stamps are unavailable: the build then runs in
    /// full and records no snapshot.
    pub fn take(root: &Path, theme: &str) -> Option<Inputs> {
        let mut files = Vec::new();
        let roots = [
            PathBuf::from(crate::config::CONFIG_FILE),
            PathBuf::from(crate::pipeline::load::CONTENT_DIR),
            PathBuf::from(crate::pipeline::load::STATIC_DIR),
            PathBuf::from("templates"),
            Path::new("themes").join(theme),
        ];
        for rel in roots {
            let dir = root.join(&rel);
            if std::fs::symlink_metadata(&dir).is_err() {
                continue;
            }
            let walk = walkdir::WalkDir::new(&dir)
                .follow_links(true)
                .sort_by_file_name();
            for entry in walk {
                let entry = entry.ok()?;
                if entry.file_type().is_dir() {
                    continue;
                }
                let stamp = Stamp::of(&entry.metadata().ok()?)?;
                let path = entry.path().strip_prefix(root).ok()?;
                files.push((crate::error::display_path(path), stamp));
            }
        }
        Some(Inputs(files))
    }

    /// `true` when some input changed at or after `since` (seconds and nanoseconds since the
    /// Unix epoch).
    fn changed_since(&self, since: (i64, i64)) -> bool {
        self.0.iter().any(|(_, s)| s.changed_since(since))
    }
}

/// A warning as stored: [`Diagnostic`] with its rule by name and its snippet text inline.
#[derive(Debug, Serialize, Deserialize)]
struct StoredWarning {
    rule: String,
    path: Option<String>,
    line: Option<usize>,
    col: Option<usize>,
    message: String,
    help: Option<String>,
    source: Option<String>,
}

/// What a build that changes nothing reports: the last build's counts and warnings.
#[derive(Debug)]
pub struct Replay {
    /// Posts published.
    pub posts: usize,
    /// Standalone pages published.
    pub pages: usize,
    /// Files in the output written by smelt.
    pub files: usize,
    /// Files smelt keeps in the output (its manifest's entries): all unchanged in a replay.
    pub unchanged: usize,
    /// The last build's warnings, as it reported them.
    pub warnings: Diagnostics,
}

#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    inputs: Inputs,
    outputs: Vec<(String, Stamp)>,
    /// Earliest date (seconds since the Unix epoch, rounded down) of a post left out as
    /// scheduled.
    due: Option<i64>,
    posts: usize,
    pages: usize,
    files: usize,
    unchanged: usize,
    warnings: Vec<StoredWarning>,
}

/// What a snapshot is valid for: the configuration (hash of it with overrides applied), the
/// publish flags, the site folder (canonical, so `--root .` and its absolute path agree) and
/// the output folder (absolute).
pub fn key(config: &Key, drafts: bool, future: bool, root: &Path, out: &Path) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(config);
    h.update(&[u8::from(drafts), u8::from(future)]);
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for p in [root.as_path(), out] {
        let s = p.to_string_lossy();
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// What the snapshot says about a build about to run.
#[derive(Debug)]
pub enum Verdict {
    /// Inputs, options and output are as the last build left them: its report.
    Unchanged(Replay),
    /// Something differs (or there is no usable snapshot). `altered` holds the output files
    /// (relative to the output folder) that are not as the last build left them: deleted, or
    /// written to since, even with the same size. Their content is not to be trusted.
    Changed {
        /// Output files changed since the last build.
        altered: HashSet<String>,
    },
}

/// Compares the snapshot in the cache folder `dir` with this build: made with `key`, inputs
/// exactly `inputs` (`None`: they could not be stamped), no scheduled post come due by `now`,
/// and every file it wrote into `out` there with the same stamp. Every output file is
/// stamped, so a changed build learns which outputs were altered by hand.
pub fn check(
    dir: &Path,
    key: &Key,
    inputs: Option<&Inputs>,
    out: &Path,
    now: jiff::Timestamp,
) -> Verdict {
    let Some(snap) = super::load::<Snapshot>(&dir.join(FILE), key) else {
        return Verdict::Changed {
            altered: HashSet::new(),
        };
    };
    let altered: HashSet<String> = snap
        .outputs
        .par_iter()
        .filter(|(rel, stamp)| Stamp::of_file(&out.join(rel)) != Some(*stamp))
        .map(|(rel, _)| rel.clone())
        .collect();
    let same = altered.is_empty()
        && inputs == Some(&snap.inputs)
        && snap.due.is_none_or(|due| now.as_second() < due);
    match same.then(|| replay_of(snap)).flatten() {
        Some(r) => Verdict::Unchanged(r),
        None => Verdict::Changed { altered },
    }
}

/// The report stored in `snap`; `None` if a warning names a rule this smelt does not know.
fn replay_of(snap: Snapshot) -> Option<Replay> {
    let mut warnings = Diagnostics::new();
    for w in snap.warnings {
        // Rule names are `&'static str`: take the registry's; an unknown name (a snapshot of
        // another smelt would not have loaded) means the build runs.
        let rule = crate::check::rules::find(&w.rule)?.name;
        let mut d = Diagnostic::warning(rule, w.message);
        d.path = w.path;
        d.line = w.line;
        d.col = w.col;
        d.help = w.help;
        d.source = w.source.map(Into::into);
        warnings.push(d);
    }
    Some(Replay {
        posts: snap.posts,
        pages: snap.pages,
        files: snap.files,
        unchanged: snap.unchanged,
        warnings,
    })
}

/// What a successful build records.
pub struct Record<'a> {
    /// The inputs stamped before the build read anything.
    pub inputs: Inputs,
    /// When the build started.
    pub started: SystemTime,
    /// The output folder.
    pub out: &'a Path,
    /// The files smelt wrote or kept in `out`, its manifest included (relative to `out`,
    /// `/`-separated).
    pub written: Vec<String>,
    /// Earliest date of a post left out as scheduled.
    pub due: Option<jiff::Timestamp>,
    /// The build's counts and warnings.
    pub replay: Replay,
}

/// Records the snapshot of a successful build in the cache folder `dir` under `key`, or
/// removes the old one when this build's inputs are too recent to trust by stamp (see
/// [`RACY_SECONDS`]) or an output cannot be stamped. Errors are ignored: the snapshot is an
/// optimisation.
pub fn record(dir: &Path, key: &Key, r: Record<'_>) {
    let path = dir.join(FILE);
    let since = r
        .started
        .checked_sub(Duration::from_secs(RACY_SECONDS))
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| {
            (d.as_secs() as i64, i64::from(d.subsec_nanos()))
        });
    if r.inputs.changed_since(since) {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let warnings: Option<Vec<StoredWarning>> = r
        .replay
        .warnings
        .items()
        .iter()
        .map(|d| {
            (d.severity == Severity::Warning).then(|| StoredWarning {
                rule: d.rule.to_string(),
                path: d.path.clone(),
                line: d.line,
                col: d.col,
                message: d.message.clone(),
                help: d.help.clone(),
                source: d.source.as_deref().map(str::to_string),
            })
        })
        .collect();
    let outputs: Option<Vec<(String, Stamp)>> = r
        .written
        .into_par_iter()
        .map(|rel| {
            let stamp = Stamp::of_file(&r.out.join(&rel))?;
            Some((rel, stamp))
        })
        .collect();
    let (Some(warnings), Some(outputs)) = (warnings, outputs) else {
        let _ = std::fs::remove_file(&path);
        return;
    };
    let snap = Snapshot {
        inputs: r.inputs,
        outputs,
        due: r.due.map(|t| t.as_second()),
        posts: r.replay.posts,
        pages: r.replay.pages,
        files: r.replay.files,
        unchanged: r.replay.unchanged,
        warnings,
    };
    if super::store(&path, key, &snap).is_err() {
        let _ = std::fs::remove_file(&path);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn paths(i: &Inputs) -> Vec<&str> {
        i.0.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn inputs_are_every_file_a_build_reads_following_links() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for rel in [
            "site.toml",
            "content/posts/b.md",
            "content/posts/a.md",
            "content/posts/.a.md.swp",
            "static/x.css",
            "templates/post.html",
            "themes/mine/static/y.js",
            "themes/other/static/z.js",
            "notes/todo.txt",
        ] {
            write(root, rel, "x");
        }
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "img/chart.png", "png");
        std::os::unix::fs::symlink(outside.path().join("img"), root.join("static/img")).unwrap();
        let inputs = Inputs::take(root, "mine").unwrap();
        assert_eq!(
            paths(&inputs),
            [
                "site.toml",
                "content/posts/.a.md.swp",
                "content/posts/a.md",
                "content/posts/b.md",
                "static/img/chart.png",
                "static/x.css",
                "templates/post.html",
                "themes/mine/static/y.js",
            ]
        );
        // Retargeting the link changes the stamp of what it points at.
        let other = tempfile::tempdir().unwrap();
        write(other.path(), "img/chart.png", "png");
        std::fs::remove_file(root.join("static/img")).unwrap();
        std::os::unix::fs::symlink(other.path().join("img"), root.join("static/img")).unwrap();
        assert_ne!(Inputs::take(root, "mine").unwrap(), inputs);
    }

    #[test]
    fn a_symlink_loop_gives_no_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "content/posts/a.md", "x");
        std::os::unix::fs::symlink(root.join("content"), root.join("content/posts/loop")).unwrap();
        assert_eq!(Inputs::take(root, "default"), None);
    }

    fn replay() -> Replay {
        let mut warnings = Diagnostics::new();
        warnings.push(
            Diagnostic::warning("image-alt", "image without alt text")
                .at_path("content/posts/a.md")
                .at(3, 1)
                .with_source("---\n---\n![](x.png)\n".into()),
        );
        Replay {
            posts: 1,
            pages: 0,
            files: 1,
            unchanged: 1,
            warnings,
        }
    }

    /// A site with one post, built into `public/` with one page: (the temporary folder that
    /// holds it, the output folder, the cache folder, the stamped inputs).
    fn built_site() -> (tempfile::TempDir, PathBuf, PathBuf, Inputs) {
        let tmp = tempfile::tempdir().unwrap();
        let (out, cache) = (tmp.path().join("public"), tmp.path().join("c"));
        write(tmp.path(), "content/posts/a.md", "x");
        write(&out, "index.html", "<p>x</p>");
        let inputs = Inputs::take(tmp.path(), "default").unwrap();
        (tmp, out, cache, inputs)
    }

    /// What that build records, had it started at `started`.
    fn record_of<'a>(
        inputs: &Inputs,
        out: &'a Path,
        started: SystemTime,
        due: Option<jiff::Timestamp>,
    ) -> Record<'a> {
        Record {
            inputs: inputs.clone(),
            started,
            out,
            written: vec!["index.html".into()],
            due,
            replay: replay(),
        }
    }

    #[test]
    fn recorded_only_when_inputs_are_old_enough_and_replayed_only_while_outputs_are_intact() {
        let (_tmp, out, cache, inputs) = built_site();
        let key = [7; 32];
        let now = jiff::Timestamp::now();
        // Inputs written just now: too recent to trust by stamp.
        let record_now = record_of(&inputs, &out, SystemTime::now(), None);
        record_and_check(&cache, &key, record_now, false);
        let later = SystemTime::now() + Duration::from_secs(RACY_SECONDS + 1);
        record_and_check(&cache, &key, record_of(&inputs, &out, later, None), true);
        let Verdict::Unchanged(r) = check(&cache, &key, Some(&inputs), &out, now) else {
            panic!("not unchanged")
        };
        assert_eq!((r.posts, r.files, r.unchanged), (1, 1, 1));
        let w = &r.warnings.items()[0];
        assert_eq!((w.rule, w.line, w.col), ("image-alt", Some(3), Some(1)));
        assert_eq!(w.source.as_deref(), Some("---\n---\n![](x.png)\n"));
        let other_key = check(&cache, &[8; 32], Some(&inputs), &out, now);
        assert!(
            matches!(&other_key, Verdict::Changed { altered } if altered.is_empty()),
            "{other_key:?}"
        );
        // An output rewritten with the same size is not the output that was recorded.
        write(&out, "index.html", "<p>y</p>");
        let Verdict::Changed { altered } = check(&cache, &key, Some(&inputs), &out, now) else {
            panic!("replayed")
        };
        assert_eq!(altered, HashSet::from(["index.html".to_string()]));
    }

    fn record_and_check(cache: &Path, key: &Key, r: Record<'_>, recorded: bool) {
        record(cache, key, r);
        assert_eq!(cache.join(FILE).is_file(), recorded);
    }

    #[test]
    fn a_scheduled_post_coming_due_ends_the_replay() {
        let (_tmp, out, cache, inputs) = built_site();
        let due: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let later = SystemTime::now() + Duration::from_secs(RACY_SECONDS + 1);
        record(&cache, &[1; 32], record_of(&inputs, &out, later, Some(due)));
        let before: jiff::Timestamp = "2029-12-31T23:59:59Z".parse().unwrap();
        let verdict = |now| check(&cache, &[1; 32], Some(&inputs), &out, now);
        assert!(matches!(verdict(before), Verdict::Unchanged(_)));
        assert!(matches!(verdict(due), Verdict::Changed { altered } if altered.is_empty()));
    }
}
