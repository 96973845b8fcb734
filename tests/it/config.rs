//! `site.toml`: every problem of the file in one run (unknown keys and tables with the nearest
//! known key, values of the wrong kind or range, time zone, language tag, theme), each at its
//! line and column, in `check` and `build` alike, in words a site author reads (no Rust types).

use std::path::Path;

use crate::support::{build_dir, site_copy, smelt};

/// A copy of `check-clean` whose site.toml is `text`.
fn site_with(text: &str) -> tempfile::TempDir {
    let site = site_copy("check-clean");
    std::fs::write(site.path().join("site.toml"), text).unwrap();
    site
}

/// `smelt check --format short` lines and exit code.
fn check_short(site: &Path) -> (i32, Vec<String>) {
    let out = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(site)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

const BASE: &str = "title = \"Check Fixture\"\nbase_url = \"https://example.org/analysis/\"\n";

#[test]
fn every_config_problem_is_reported_in_one_run() {
    let site = site_with(&format!(
        "{BASE}paginate_bye = 3\nrecnt_posts = 2\ntimezone = \"Mars/Olympus\"\n[markdwn]\nsmart_punctuation = false\n"
    ));
    let (code, lines) = check_short(site.path());
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        vec![
            "site.toml:3:1: error: unknown key `paginate_bye` [config]",
            "site.toml:4:1: error: unknown key `recnt_posts` [config]",
            "site.toml:5:12: error: unknown time zone `Mars/Olympus` [config]",
            "site.toml:6:2: error: unknown table [markdwn] [config]",
        ]
    );
    // build stops with the same four, each with its suggestion.
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let err = b.stderr();
    for (place, help) in [
        (
            "site.toml:3:1: unknown key `paginate_bye`",
            "did you mean `paginate_by`?",
        ),
        (
            "site.toml:4:1: unknown key `recnt_posts`",
            "did you mean `recent_posts`?",
        ),
        ("site.toml:5:12: unknown time zone `Mars/Olympus`", "IANA"),
        (
            "site.toml:6:2: unknown table [markdwn]",
            "did you mean `markdown`?",
        ),
    ] {
        assert!(err.contains(place), "{place}\n{err}");
        assert!(err.contains(help), "{help}\n{err}");
    }
    assert!(!b.has("index.html"));
}

#[test]
fn values_of_the_wrong_kind_or_range_are_explained_without_rust_types() {
    let site = site_with(&format!(
        "{BASE}paginate_by = -1\nrecent_posts = 99999999999999999999\nrelated_posts = \"3\"\nlanguage = \"en_US\"\n[markdown]\nwords_per_minute = 0\nhighlight = \"yes\"\n[feeds]\ncontent = \"all\"\n[check.rules]\nimage-alt = \"loud\"\n"
    ));
    let (code, lines) = check_short(site.path());
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        vec![
            "site.toml:3:15: error: `paginate_by` must be a whole number ≥ 1, found -1 [config]",
            "site.toml:4:16: error: `recent_posts` must be a whole number from 0 to 9223372036854775807, found 99999999999999999999 [config]",
            "site.toml:5:17: error: `related_posts` must be a whole number (0 or more), found text (\"3\") [config]",
            "site.toml:6:12: error: `language` = \"en_US\" is not a BCP 47 language tag: subtags are joined by `-`, not `_` (write \"en-US\") [config]",
            "site.toml:8:20: error: `markdown.words_per_minute` must be a whole number ≥ 1, found 0 [config]",
            "site.toml:9:13: error: `markdown.highlight` must be true or false, found text (\"yes\") [config]",
            "site.toml:11:11: error: `feeds.content` must be one of \"full\", \"summary\", found text (\"all\") [config]",
            "site.toml:13:13: error: `check.rules.image-alt` must be one of \"off\", \"warn\", \"error\", found text (\"loud\") [config]",
        ]
    );
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1);
    for leak in [
        "usize",
        "i128",
        "i64",
        "u32",
        "invalid type",
        "invalid value",
    ] {
        assert!(!b.stderr().contains(leak), "{leak}: {}", b.stderr());
        assert!(!lines.iter().any(|l| l.contains(leak)), "{leak}: {lines:?}");
    }
}

#[test]
fn words_per_minute_sets_the_reading_time() {
    let words = vec!["word"; 119].join(" ");
    let site = site_with(&format!("{BASE}[markdown]\nwords_per_minute = 100\n"));
    std::fs::write(
        site.path().join("content/posts/freight.md"),
        format!("---\ntitle: \"Freight\"\ndate: 2026-01-05\nauthor: ana\n---\n{words}\n"),
    )
    .unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/freight/index.html");
    assert!(page.contains("2 min read"), "{page}");
}

#[test]
fn a_missing_theme_is_an_error_at_its_line_and_the_built_in_default_needs_no_folder() {
    let site = site_with(&format!("{BASE}theme = \"nosuch\"\n"));
    let (code, lines) = check_short(site.path());
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        vec!["site.toml:3:9: error: theme `nosuch` not found: no folder themes/nosuch/ [config]"]
    );
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1);
    assert!(
        b.stderr()
            .contains("site.toml:3:9: theme `nosuch` not found"),
        "{}",
        b.stderr()
    );

    // `default` with no themes/ folder: the theme built into smelt.
    let site = site_with(&format!("{BASE}theme = \"default\"\n"));
    assert!(!site.path().join("themes").exists());
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    // A folder named like the theme makes it the theme.
    let site = site_with(&format!("{BASE}theme = \"mine\"\n"));
    std::fs::create_dir_all(site.path().join("themes/mine")).unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
}

/// A key set twice is named, at its second place.
#[test]
fn a_duplicate_key_is_named() {
    let site = site_with(&format!("{BASE}paginate_by = 5\npaginate_by = 6\n"));
    let (code, lines) = check_short(site.path());
    assert_eq!(code, 1);
    let msg = "error: site.toml is not valid TOML: duplicate key `paginate_by`: a key is set once per table [config]";
    assert_eq!(lines, [format!("site.toml:4:1: {msg}")]);
}
