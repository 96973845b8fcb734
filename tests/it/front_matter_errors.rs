//! Front matter YAML errors as a writer reads them, through `smelt check` and `smelt build`:
//! each at the place to fix (the tab, the opening quote or bracket, the second of two keys,
//! the number), in words without Rust type names.

use std::path::Path;

use crate::support::{build_dir, smelt};

/// A site whose only post is `post` (the text of `content/posts/p.md`).
fn site_with(post: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("site.toml"),
        "title = \"Errors\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("content/posts")).unwrap();
    std::fs::write(tmp.path().join("content/posts/p.md"), post).unwrap();
    tmp
}

/// (line, col, message, help) of one diagnostic.
type Found = (u64, u64, String, String);

/// `smelt check --format json` on `root`: each `front-matter` diagnostic, and every message
/// and help of any rule.
fn front_matter_json(root: &Path) -> (Vec<Found>, Vec<String>) {
    let o = smelt()
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    let mut fm = Vec::new();
    let mut all = Vec::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        all.push(s("message"));
        all.push(s("help"));
        if v["rule"] == "front-matter" {
            fm.push((
                v["line"].as_u64().unwrap_or(0),
                v["col"].as_u64().unwrap_or(0),
                s("message"),
                s("help"),
            ));
        }
    }
    (fm, all)
}

#[test]
fn yaml_errors_point_where_the_writer_fixes_them() {
    let cases: &[(&str, u64, u64, &str, &str)] = &[
        (
            "---\ntitle: x\ndate: 2024-01-01\ntags:\n\t- a\n---\nBody.\n",
            5,
            1,
            "front matter is not valid YAML: tabs are not allowed for indentation in YAML",
            "indent with spaces (two per level is usual)",
        ),
        (
            "---\ntitle: x\ndate: 2024-01-01\nextra:\n  a: 1\n  \tb: 2\n---\nBody.\n",
            6,
            3,
            "front matter is not valid YAML: tabs are not allowed for indentation in YAML",
            "indent with spaces (two per level is usual)",
        ),
        (
            "---\ntitle: \"abc\ndate: 2024-01-01\ntags: [a]\n---\nBody.\n",
            2,
            8,
            "front matter is not valid YAML: unclosed quoted text starting here",
            "end the text with the quote mark it starts with, on the same line (title: \"Oil & Gas\"); write a \" inside \"…\" as \\\", or quote with the other mark",
        ),
        (
            "---\ntitle: x\ndate: 2024-01-01\nsummary: 'abc\ntags: [a]\n---\nBody.\n",
            4,
            10,
            "front matter is not valid YAML: unclosed quoted text starting here",
            "end the text with the quote mark it starts with, on the same line (title: \"Oil & Gas\"); write a \" inside \"…\" as \\\", or quote with the other mark",
        ),
        (
            "---\ntitle: x\ndate: 2024-01-01\ntitle: y\n---\nBody.\n",
            4,
            1,
            "front matter is not valid YAML: key `title` appears twice (first on line 2)",
            "each key may appear once: keep one of the two lines",
        ),
        (
            "---\ntitle: x\ndate: 2024-01-01\ntags: [a, b\nhighlights: [c]\n---\nBody.\n",
            4,
            7,
            "front matter is not valid YAML: `[` starting here is never closed",
            "end it with `]` on the same line (tags: [Trade, Rare Earths]), or write one `- item` per line",
        ),
        (
            "---\ntitle: x\ndate: 99999999999999999999\n---\nBody.\n",
            3,
            7,
            "front matter is not valid YAML: the number 99999999999999999999 in `date` is too large to read",
            "put it in quotes (\"99999999999999999999\") to keep it as text",
        ),
    ];
    for (post, line, col, message, help) in cases {
        let s = site_with(post);
        let (fm, _) = front_matter_json(s.path());
        assert_eq!(
            fm,
            vec![(*line, *col, message.to_string(), help.to_string())],
            "{post:?}"
        );
        // `build` stops on it with the same words, at the same place.
        let b = build_dir(s.path(), &[]);
        assert_eq!(b.code(), 1, "{post:?}");
        let err = b.stderr();
        assert!(
            err.contains(&format!("content/posts/p.md:{line}:{col}: {message}")),
            "{post:?}: {err}"
        );
    }
}

/// Every front matter field, given numbers YAML reads in different ways (negative, beyond
/// 64 bits either way, fractional, out of float range): whatever is reported names the value
/// in words, never a Rust type or serde's wording.
#[test]
fn numbers_in_any_field_are_reported_in_words() {
    let leak = |s: &str| {
        let words = [
            "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
            "f32", "f64",
        ];
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| words.contains(&w))
            || s.contains("invalid type")
            || s.contains("invalid value")
            || s.contains("YAML value")
    };
    let fields = smelt::front_matter::POST_KEYS;
    let values = [
        "-1",
        "99999999999999999999",
        "-99999999999999999999",
        "1.5",
        "1e999",
    ];
    for &field in fields {
        for value in values {
            let shaped = match field {
                "tags" | "highlights" | "aliases" => format!("[{value}]"),
                "sources" => format!("[{{title: {value}, date: {value}}}]"),
                "extra" => format!("{{n: {value}}}"),
                _ => value.to_string(),
            };
            let mut post = String::from("---\n");
            if field != "title" {
                post.push_str("title: T\n");
            }
            if field != "date" {
                post.push_str("date: 2024-01-01\n");
            }
            post.push_str(&format!("{field}: {shaped}\n---\nBody.\n"));
            let s = site_with(&post);
            let (fm, all) = front_matter_json(s.path());
            for text in &all {
                assert!(!leak(text), "{field}: {value}: {text}");
            }
            if value.contains("99999999999999999999") {
                let (_, _, message, help) = &fm[0];
                assert!(
                    message.contains(&format!("the number {value}"))
                        && message.ends_with("is too large to read"),
                    "{field}: {message}"
                );
                assert_eq!(
                    help,
                    &format!("put it in quotes (\"{value}\") to keep it as text")
                );
            }
        }
    }
}

/// A number where text is wanted is the text written: the title `3.10` is not shown as `3.1`.
#[test]
fn numbers_used_as_text_are_published_as_written() {
    let s = site_with("---\ntitle: 3.10\ndate: 2024-01-01\ntags: [0x1F, 1.50]\n---\nBody.\n");
    let b = build_dir(s.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/p/index.html");
    assert!(page.contains("<title>3.10 · Errors</title>"), "{page}");
    assert!(
        b.has("tags/0x1f/index.html") && b.has("tags/1-50/index.html"),
        "{:?}",
        b.files()
    );
}

/// Files that are not UTF-8 are each reported in one run, at the first bad byte; a UTF-16
/// file (with its byte order mark) is named as such.
#[test]
fn files_that_are_not_utf8_are_reported_each_with_its_encoding() {
    let site = site_with("---\ntitle: Fine\ndate: 2026-01-01\n---\nBody.\n");
    let posts = site.path().join("content/posts");
    std::fs::write(
        posts.join("latin1.md"),
        b"---\ntitle: Caf\xe9\ndate: 2026-01-02\n---\nBody.\n",
    )
    .unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("---\ntitle: W\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(posts.join("utf16.md"), utf16).unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let errors = crate::support::error_messages(&b.stderr());
    assert_eq!(
        errors,
        [
            "content/posts/latin1.md:2:11: file is not valid UTF-8 (byte 0xE9 at offset 14)",
            "content/posts/utf16.md:1:1: file is not valid UTF-8 (byte 0xFF at offset 0): it is UTF-16 (it starts with a UTF-16 byte order mark)",
        ]
    );
}

/// A `[` or `{` left open on the last front matter line (after a `,`, or with nothing after
/// it), with `\n` or old Mac `\r` line endings, is named where it opens, not at the closing
/// `---` where the YAML parser ran out of text.
#[test]
fn a_bracket_left_open_on_the_last_line_is_named_where_it_opens() {
    let head = "---\ntitle: a\ndate: 2026-01-01\n";
    let never = |open: &str| {
        format!(
            "error: front matter is not valid YAML: `{open}` starting here is never closed [front-matter]"
        )
    };
    for (last, col, open) in [
        ("tags: [a,", 7, "["),
        ("tags: [", 7, "["),
        ("tags: [a, [b],", 7, "["),
        ("extra: {a: 1,", 8, "{"),
        ("extra: {a: [1], b: {c: 2},", 8, "{"),
    ] {
        for eol in ["\n", "\r"] {
            let post = format!("{head}{last}\n---\nBody.\n").replace('\n', eol);
            let s = site_with(&post);
            let (code, out, _) = crate::support::check(s.path(), &["--format", "short"]);
            assert_eq!(code, 1, "{post:?}");
            let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
            assert_eq!(
                errors,
                [format!("content/posts/p.md:4:{col}: {}", never(open))],
                "{post:?}"
            );
        }
    }
    // A bracket in a comment or in plain text continued over lines is not the one left
    // open, and is not blamed when something else is wrong.
    for (before, line) in [
        ("# for example: [a, b\n", 5),
        ("summary: this is\n  [a note\n", 6),
        ("tags:\n  - a\n  # was: [b\n", 7),
    ] {
        let post = format!("{head}{before}extra: [x,\n---\nBody.\n");
        let s = site_with(&post);
        let (_, out, _) = crate::support::check(s.path(), &["--format", "short"]);
        let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
        assert_eq!(
            errors,
            [format!("content/posts/p.md:{line}:8: {}", never("["))],
            "{post:?}"
        );
    }
    for (fm, blamed) in [
        ("# e.g.: [a\nsources:\n  - title: a\n   url: b\n", "p.md:4:"),
        (
            "highlights:\n  - first point that goes on\n    - [see note\n  - second\nextra:\n  b: 1\n c: 2\n",
            "p.md:6:",
        ),
        (
            "summary: !!str |\n  Points:\n  - [draft\nsources:\n  - a\n b\n",
            "p.md:6:",
        ),
    ] {
        let post = format!("{head}{fm}---\nBody.\n");
        let s = site_with(&post);
        let (code, out, _) = crate::support::check(s.path(), &["--format", "short"]);
        assert_eq!(code, 1, "{post:?}");
        assert!(!out.contains("never closed"), "{post:?}: {out}");
        assert!(!out.contains(blamed), "{post:?}: {out}");
    }
}

/// The lines of `smelt check --format short` on `root` that are errors or `rule` warnings.
fn short_lines(root: &Path, rule: &str) -> Vec<String> {
    let (_, out, _) = crate::support::check(root, &["--format", "short"]);
    out.lines()
        .filter(|l| l.contains(": error: ") || l.ends_with(&format!("[{rule}]")))
        .map(str::to_string)
        .collect()
}

/// A bad value inside a list item or an inline mapping (`sources`, an inline `author`, an
/// author's `links`) is named at the value itself, block or flow, not at its item or the
/// `{`; an unknown key there at the key; what the item lacks at the item.
#[test]
fn errors_inside_nested_mappings_point_at_the_value() {
    let s = site_with(
        "---\ntitle: s\ndate: 2026-01-01\nsources:\n  - publisher: X\n    url: \"data:text/html,hi\"\n    date: \"Jan 2026\"\n  - {title: B, url: \"javascript:x\", dat: 2026-01-01}\n  -\n    title: C\n    # the date\n    date:\n      2026-13-01\nauthor: [editor, {name: Guest, url: \"javascript:1\"}]\n---\nx\n",
    );
    crate::support::write(
        s.path(),
        "content/authors/editor.md",
        "---\nname: Ed\nlinks: {Twitter: \"javascript:x\", Site: \"https://ed.example\",\n  Blog:   \"vbscript:y\"}\n---\nBio.\n",
    );
    crate::support::write(
        s.path(),
        "content/authors/ann.md",
        "---\nname: Ann\nlinks:\n  - name: Site\n    url: \"file:///etc/passwd\"\n  - {url: \"javascript:z\", name: Web}\n---\nBio.\n",
    );
    crate::support::write(
        s.path(),
        "content/posts/q.md",
        "---\ntitle: q\ndate: 2026-01-01\nauthor:\n  name: Guest\n  url:   \"javascript:2\"\n  avatr: /a.png\n---\nx\n",
    );
    let scheme = |s: &str| {
        format!(
            "uses the `{s}:` scheme, which is not allowed (allowed: http, https, ftp, ftps, mailto, tel, or a site path) [front-matter]"
        )
    };
    assert_eq!(
        short_lines(s.path(), "front-matter"),
        [
            format!("content/authors/ann.md:5:10: error: link `Site` url \"file:///etc/passwd\" {}", scheme("file")),
            format!("content/authors/ann.md:6:11: error: link `Web` url \"javascript:z\" {}", scheme("javascript")),
            format!("content/authors/editor.md:3:18: error: link `Twitter` url \"javascript:x\" {}", scheme("javascript")),
            format!("content/authors/editor.md:4:11: error: link `Blog` url \"vbscript:y\" {}", scheme("vbscript")),
            "content/posts/p.md:5:5: error: `sources` item 1 has no `title` [front-matter]".to_string(),
            format!("content/posts/p.md:6:10: error: `sources` item 1 `url` \"data:text/html,hi\" {}", scheme("data")),
            "content/posts/p.md:7:11: error: `sources` item 1 date \"Jan 2026\" is not a valid date: expected a date written year first, YYYY-MM-DD [front-matter]".to_string(),
            format!("content/posts/p.md:8:21: error: `sources` item 2 `url` \"javascript:x\" {}", scheme("javascript")),
            "content/posts/p.md:8:37: error: unknown key `dat` in `sources` item 2 [front-matter]".to_string(),
            "content/posts/p.md:13:7: error: `sources` item 3 date \"2026-13-01\" is not a valid date: 2026-13-01 is not a calendar date [front-matter]".to_string(),
            format!("content/posts/p.md:14:37: error: author `url` \"javascript:1\" {}", scheme("javascript")),
            format!("content/posts/q.md:6:10: error: author `url` \"javascript:2\" {}", scheme("javascript")),
            "content/posts/q.md:7:3: error: unknown author key `avatr` [front-matter]".to_string(),
        ]
    );
}

/// A `tag-collision` warning is at the tag's own item in a flow list too, also when an
/// empty tag before it is dropped.
#[test]
fn a_tag_collision_points_at_the_tag() {
    let s = site_with(
        "---\ntitle: c\ndate: 2026-01-01\ntags: [\"Café\", \"\", ' ',\n  \"cafe\"]\n---\nx\n",
    );
    crate::support::write(
        s.path(),
        "content/posts/q.md",
        "---\ntitle: d\ndate: 2026-01-02\ntags:\n  - \"\"\n  - Steel\n  - Steél\n---\nx\n",
    );
    assert_eq!(
        short_lines(s.path(), "tag-collision"),
        [
            "content/posts/p.md:5:3: warning: tag `cafe` and tag `Café` (in content/posts/p.md) share the URL /tags/cafe/; they are merged [tag-collision]",
            "content/posts/q.md:7:5: warning: tag `Steél` and tag `Steel` (in content/posts/q.md) share the URL /tags/steel/; they are merged [tag-collision]",
        ]
    );
}

/// A year of more than 4 digits is named as such (it is written year first), and the year 0,
/// which feeds and sitemaps cannot carry, is refused; each at the value.
#[test]
fn years_outside_1_to_9998_are_refused_at_the_value() {
    let s = site_with(
        "---\ntitle: d\ndate: 10000-01-01\nupdated: 0000-01-01\nsources:\n  - title: S\n    date:  0000-12-31T23:00:00-05:00\n---\nx\n",
    );
    let invalid = "is not a valid date:";
    let (code, out, _) = crate::support::check(s.path(), &["--format", "short"]);
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(
        errors,
        [
            format!(
                "content/posts/p.md:3:7: error: `date` value \"10000-01-01\" {invalid} the year 10000 has more than 4 digits: smelt handles dates from 0001-01-01 to 9998-12-31 [front-matter]"
            ),
            format!(
                "content/posts/p.md:4:10: error: `updated` value \"0000-01-01\" {invalid} 0000-01-01 is before the first date smelt handles (0001-01-01) [front-matter]"
            ),
            format!(
                "content/posts/p.md:7:12: error: `sources` item 1 date \"0000-12-31T23:00:00-05:00\" {invalid} 0000-12-31 is before the first date smelt handles (0001-01-01) [front-matter]"
            ),
        ]
    );
}
