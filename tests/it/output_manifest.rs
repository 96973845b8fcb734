//! Output regression guard: the full output tree of the `perf-manifest` fixture site (42 posts
//! with code in five languages, tables, footnotes, tags, several authors, pagination over many
//! pages, per-tag feeds, search, a bundle, pages, an alias, a draft) must match, file for file
//! and byte for byte, the manifest of hashes stored in
//! `tests/fixtures/perf-manifest.expected-manifest.txt`.
//!
//! Performance work must keep this test green without touching the manifest. When output
//! changes on purpose, regenerate the manifest deliberately and commit it with the change:
//!
//! ```sh
//! SMELT_UPDATE_MANIFEST=1 cargo test --test it output_manifest
//! ```

use std::path::Path;

use crate::support::{build_dir, fixture, site_copy};

const SITE: &str = "perf-manifest";

/// `<blake3 hex> <size> <path>` per output file, sorted by path, smelt's own
/// `.smelt-manifest` bookkeeping left out.
pub fn manifest_of(out: &Path) -> String {
    let mut lines: Vec<(String, String)> = walkdir::WalkDir::new(out)
        .into_iter()
        .map(|e| e.expect("walk output"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(out)
                .expect("inside output")
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(e.path()).expect("read output file");
            let line = format!("{} {} {rel}", blake3::hash(&bytes).to_hex(), bytes.len());
            (rel, line)
        })
        .filter(|(rel, _)| rel != ".smelt-manifest")
        .collect();
    lines.sort();
    let mut text: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    if text.is_empty() {
        text.push('\n');
    }
    text
}

fn expected_path() -> std::path::PathBuf {
    fixture(&format!("{SITE}.expected-manifest.txt"))
}

/// Lines only in `a` (prefixed `-`) and only in `b` (prefixed `+`).
fn line_diff(a: &str, b: &str) -> String {
    let sa: std::collections::BTreeSet<&str> = a.lines().collect();
    let sb: std::collections::BTreeSet<&str> = b.lines().collect();
    let mut out = String::new();
    for l in sa.difference(&sb) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in sb.difference(&sa) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

#[test]
fn output_tree_matches_the_stored_manifest() {
    // A fresh copy: no build cache from an earlier run.
    let site = site_copy(SITE);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "build failed:\n{}", b.stderr());
    let actual = manifest_of(&b.out);
    let path = expected_path();
    if std::env::var_os("SMELT_UPDATE_MANIFEST").is_some() {
        std::fs::write(&path, &actual).expect("write expected manifest");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with SMELT_UPDATE_MANIFEST=1 cargo test --test it output_manifest",
            path.display()
        )
    });
    assert!(
        actual.lines().count() > 400,
        "the fixture should produce hundreds of files, got:\n{actual}"
    );
    assert!(
        actual == expected,
        "output differs from {} (- expected, + actual):\n{}\nIf the change is intended, regenerate with SMELT_UPDATE_MANIFEST=1 cargo test --test it output_manifest",
        path.display(),
        line_diff(&expected, &actual)
    );
}

#[test]
fn the_same_input_builds_the_same_tree_twice() {
    let (sa, sb) = (site_copy(SITE), site_copy(SITE));
    let a = build_dir(sa.path(), &[]);
    let b = build_dir(sb.path(), &[]);
    assert_eq!(a.code(), 0, "{}", a.stderr());
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert_eq!(manifest_of(&a.out), manifest_of(&b.out));
}
