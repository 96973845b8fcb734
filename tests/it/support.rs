//! Test harness: fixture sites, running the real `smelt` binary, reading its output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A `smelt` command with a clean environment (no colours).
pub fn smelt() -> Command {
    let mut c = Command::cargo_bin("smelt").expect("smelt binary");
    c.env("NO_COLOR", "1");
    c
}

/// Copies a directory tree byte for byte.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A temporary copy of fixture site `name` (so tests can edit it).
pub fn site_copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), tmp.path());
    tmp
}

/// The result of a build: the output folder (in a temp dir kept alive here) and the process
/// output.
pub struct Built {
    pub tmp: tempfile::TempDir,
    pub out: PathBuf,
    pub output: Output,
}

impl Built {
    /// Exit code.
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// An output file as text; panics with the file list when it is missing.
    pub fn read(&self, rel: &str) -> String {
        let p = self.out.join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| {
            panic!(
                "{rel}: {e}\nfiles: {:?}\nstderr:\n{}",
                self.files(),
                self.stderr()
            )
        })
    }
    /// `true` when the output has this file.
    pub fn has(&self, rel: &str) -> bool {
        self.out.join(rel).exists()
    }
    /// Every output file, relative, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(&self.out)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&self.out)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        v.sort();
        v
    }
}

/// Writes `text` to `root/rel`, creating its folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A site in a temp folder: a minimal `site.toml` (title `A`, base URL
/// `https://example.org/`) and `files` (site-relative path, text).
pub fn small_site(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "site.toml",
        "title = \"A\"\nbase_url = \"https://example.org/\"\n",
    );
    for (rel, text) in files {
        write(tmp.path(), rel, text);
    }
    tmp
}

/// Builds the site at `site` into a fresh temp folder with extra CLI args.
pub fn build_dir(site: &Path, args: &[&str]) -> Built {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = smelt()
        .arg("build")
        .arg("--root")
        .arg(site)
        .arg("-o")
        .arg(&out)
        .args(args)
        .output()
        .unwrap();
    Built { tmp, out, output }
}

/// Builds fixture `name` and asserts success.
pub fn build_ok(name: &str) -> Built {
    let b = build_dir(&fixture(name), &[]);
    assert_eq!(b.code(), 0, "build of {name} failed:\n{}", b.stderr());
    b
}

/// Runs `smelt check --root <site>` with extra args: (exit code, stdout, stderr).
pub fn check(site: &Path, args: &[&str]) -> (i32, String, String) {
    let out = smelt()
        .arg("check")
        .arg("--root")
        .arg(site)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The errors a `smelt build` printed: the text after `× ` of each error line
/// (`path:line:col: message`), in order.
pub fn error_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.split_once("× ").map(|(_, m)| m.trim().to_string()))
        .collect()
}

/// Builds `site` into a temporary folder and returns its errors (see [`error_messages`]),
/// asserting that the build failed with content errors (exit code 1).
pub fn build_errors(site: &Path) -> Vec<String> {
    let b = build_dir(site, &[]);
    assert_eq!(b.code(), 1, "build did not fail:\n{}", b.stderr());
    error_messages(&b.stderr())
}
