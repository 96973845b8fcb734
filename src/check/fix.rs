//! `smelt check --fix`: rewrites mojibake spans of a file in place, atomically, keeping a
//! backup.
//!
//! Input: a file path, its text as read (BOM removed, line ends as on disk) and the hits
//! found in that text. Output: the file with only those spans replaced (BOM and line ends
//! kept), written to a temporary file beside it and renamed over it, after the original bytes
//! were copied to `<name>.bak` (or `<name>.2.bak`, … when that exists, so no earlier backup is
//! ever overwritten) with the original's permissions. A symlinked file is fixed at its target
//! (the link stays). The load stage ignores `.bak` files, so backups are never published.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::mojibake::{self, Hit};

/// What a fix did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The file rewritten.
    pub path: PathBuf,
    /// Where the original bytes were kept.
    pub backup: PathBuf,
    /// Spans replaced.
    pub spans: usize,
}

/// Replaces `hits` in the file at `path` whose content is `bom` + `text`. Errors name the
/// path that failed; on error the original file is unchanged.
pub fn apply(path: &Path, bom: &str, text: &str, hits: &[Hit]) -> std::io::Result<Fixed> {
    let original = std::fs::read(path)?;
    let mut expected = Vec::with_capacity(bom.len() + text.len());
    expected.extend_from_slice(bom.as_bytes());
    expected.extend_from_slice(text.as_bytes());
    if original != expected {
        return Err(std::io::Error::other(format!(
            "{} changed while it was being checked; run the check again",
            path.display()
        )));
    }
    let repaired = format!("{bom}{}", mojibake::repair(text, hits));
    let meta = std::fs::metadata(path).map_err(|e| named(path, e))?;
    // The backup sits beside the path as given (where the user looks), with the original's
    // permissions, and is never written over (`create_new`).
    let backup = backup_path(path);
    let keep = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&backup)?;
        f.write_all(&original)?;
        f.sync_all()?;
        std::fs::set_permissions(&backup, meta.permissions())
    };
    keep().map_err(|e| named(&backup, e))?;
    // A symlinked post is fixed where it lives; the link stays a link.
    let target = std::fs::canonicalize(path).map_err(|e| named(path, e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = target.with_file_name(format!(".{name}.smelt-fix.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(repaired.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, &target)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(named(path, e));
    }
    Ok(Fixed {
        path: path.to_path_buf(),
        backup,
        spans: hits.len(),
    })
}

fn named(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// `<name>.bak`, or `<name>.N.bak` for the first N ≥ 2 that does not exist yet.
fn backup_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let first = path.with_file_name(format!("{name}.bak"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| path.with_file_name(format!("{name}.{n}.bak")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_spans_and_keeps_backups() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        let text = "---\r\ntitle: \"Dรฉtente\"\r\n---\r\nChinaโ€™s `รฉ` stays\r\n";
        std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
        let hits = mojibake::find(text);
        assert_eq!(hits.len(), 2);
        let f = apply(&p, "\u{feff}", text, &hits).unwrap();
        assert_eq!(f.spans, 2);
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "\u{feff}---\r\ntitle: \"Détente\"\r\n---\r\nChina’s `รฉ` stays\r\n"
        );
        assert_eq!(f.backup, dir.path().join("a.md.bak"));
        assert_eq!(
            std::fs::read_to_string(&f.backup).unwrap(),
            format!("\u{feff}{text}")
        );
        // A second fix keeps the first backup.
        std::fs::write(&p, "x dรฉtente\n").unwrap();
        let g = apply(&p, "", "x dรฉtente\n", &mojibake::find("x dรฉtente\n")).unwrap();
        assert_eq!(g.backup, dir.path().join("a.md.2.bak"));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x détente\n");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn refuses_a_file_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, "new text").unwrap();
        assert!(apply(&p, "", "dรฉtente", &mojibake::find("dรฉtente")).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new text");
    }
}
