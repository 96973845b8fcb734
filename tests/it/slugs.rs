//! Slugs the writer did not write as they are published: a `slug:` value that sanitising
//! changes, or a file name that is a Windows device name, is a `slug-changed` warning naming
//! the written value and the slug used; two sources that meet on one changed slug are a
//! `duplicate-permalink` error naming both.

use std::path::Path;

use crate::support::{build_dir, build_errors, check, small_site, smelt, write};

/// A site with `files` (site-relative path, text) and a minimal site.toml (unless given).
fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut has_config = false;
    for (rel, text) in files {
        has_config |= *rel == "site.toml";
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    if !has_config {
        std::fs::write(
            tmp.path().join("site.toml"),
            "title = \"Slugs\"\nbase_url = \"https://example.org/\"\n",
        )
        .unwrap();
    }
    tmp
}

fn post(title: &str, slug: Option<&str>) -> String {
    let slug = slug.map(|s| format!("slug: {s}\n")).unwrap_or_default();
    format!("---\ntitle: {title}\ndate: 2024-03-01\n{slug}---\nBody.\n")
}

/// `smelt check --format short` lines of one rule, and the exit code.
fn check_rule(root: &Path, rule: &str, args: &[&str]) -> (i32, Vec<String>) {
    let o = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let tag = format!("[{rule}]");
    let lines = out
        .lines()
        .filter(|l| l.ends_with(&tag))
        .map(str::to_string)
        .collect();
    (o.status.code().unwrap_or(-1), lines)
}

#[test]
fn changed_slugs_warn_at_the_slug_key_naming_both_values() {
    let s = site(&[
        ("content/posts/a.md", &post("A", Some("../../etc"))),
        ("content/posts/b.md", &post("B", Some("\"Hello World_x\""))),
        ("content/posts/c.md", &post("C", Some("CON"))),
        ("content/posts/fine.md", &post("Fine", Some("fine-slug"))),
        ("content/posts/aux.md", &post("Aux", None)),
        ("content/posts/Hello There.md", &post("Stem", None)),
        ("content/posts/!!!.md", &post("Bangs", None)),
        (
            "content/pages/about.md",
            "---\ntitle: About\nslug: About Us\n---\nx\n",
        ),
        ("content/pages/nul.md", "---\ntitle: Nul\n---\nx\n"),
        ("content/authors/con.md", "---\nname: Con\n---\nBio.\n"),
    ]);
    let (code, lines) = check_rule(s.path(), "slug-changed", &[]);
    assert_eq!(code, 0, "warnings only: {lines:#?}");
    let bangs = lines
        .iter()
        .find(|l| l.starts_with("content/posts/!!!.md"))
        .expect("a stem with no letters warns");
    let hashed = bangs
        .split("the slug `")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .unwrap();
    assert!(
        hashed.starts_with("post-") && smelt::slug::is_safe_segment(hashed),
        "{bangs}"
    );
    let device = "is a Windows device name, which cannot be a file or folder name on Windows";
    let rule = "a slug is lower-case letters a–z, digits and `-`, at most 80 characters";
    assert_eq!(
        lines,
        vec![
            format!(
                "content/authors/con.md:1:1: warning: file name `con` was changed to the slug `con-1` (URL /authors/con-1/): `con` {device} [slug-changed]"
            ),
            "content/pages/about.md:3:7: warning: slug `About Us` was changed to the slug `about-us` (URL /about-us/): a slug is lower-case letters a–z, digits and `-`, at most 80 characters [slug-changed]".to_string(),
            format!(
                "content/pages/nul.md:1:1: warning: file name `nul` was changed to the slug `nul-1` (URL /nul-1/): `nul` {device} [slug-changed]"
            ),
            format!(
                "content/posts/!!!.md:1:1: warning: file name `!!!` was changed to the slug `{hashed}` (URL /posts/{hashed}/): it has no letters or digits to make a URL from [slug-changed]"
            ),
            format!(
                "content/posts/a.md:4:7: warning: slug `../../etc` was changed to the slug `etc` (URL /posts/etc/): {rule} [slug-changed]"
            ),
            format!(
                "content/posts/aux.md:1:1: warning: file name `aux` was changed to the slug `aux-1` (URL /posts/aux-1/): `aux` {device} [slug-changed]"
            ),
            format!(
                "content/posts/b.md:4:7: warning: slug `Hello World_x` was changed to the slug `hello-world-x` (URL /posts/hello-world-x/): {rule} [slug-changed]"
            ),
            format!(
                "content/posts/c.md:4:7: warning: slug `CON` was changed to the slug `con-1` (URL /posts/con-1/): `con` {device} [slug-changed]"
            ),
        ]
    );

    // `build` warns as well, on every build (the second one reads the build cache), with the
    // fix in the help; the pages are written at the slugs used.
    for run in 1..=2 {
        let b = build_dir(s.path(), &[]);
        assert_eq!(b.code(), 0, "{}", b.stderr());
        let err = b.stderr();
        assert_eq!(
            err.matches("was changed to the slug").count(),
            8,
            "run {run}: {err}"
        );
        assert!(
            err.contains(
                "help: write `slug: con-1` to keep this URL without the warning, or choose another slug"
            ),
            "{err}"
        );
        assert!(
            err.contains("help: rename the file, or give it a `slug:` in its front matter"),
            "{err}"
        );
        for page in [
            "posts/con-1/index.html",
            "posts/aux-1/index.html",
            "posts/hello-there/index.html",
            "posts/fine-slug/index.html",
        ] {
            assert!(b.has(page), "{page}: {:?}", b.files());
        }
    }

    // The level is configurable like any warning.
    let toml = "title = \"Slugs\"\nbase_url = \"https://example.org/\"\n[check.rules]\n";
    std::fs::write(
        s.path().join("site.toml"),
        format!("{toml}slug-changed = \"error\"\n"),
    )
    .unwrap();
    let (code, lines) = check_rule(s.path(), "slug-changed", &[]);
    assert_eq!((code, lines.len()), (1, 8), "{lines:#?}");
    assert!(lines.iter().all(|l| l.contains(": error: ")), "{lines:#?}");
    std::fs::write(
        s.path().join("site.toml"),
        format!("{toml}slug-changed = \"off\"\n"),
    )
    .unwrap();
    let (code, lines) = check_rule(s.path(), "slug-changed", &[]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:#?}");
}

/// A changed slug that lands on a slug another source has, written or changed, is an error
/// naming both sources, at the second one's `slug` key (or its first line).
#[test]
fn sources_that_meet_on_a_changed_slug_are_a_duplicate_permalink_error() {
    for (a, b, url, at) in [
        // The device-name suffix against a slug written that way.
        (
            ("a.md", Some("CON")),
            ("b.md", Some("con-1")),
            "/posts/con-1/",
            "content/posts/b.md:4:7",
        ),
        // Two spellings of a device name.
        (
            ("a.md", Some("CON")),
            ("b.md", Some("con")),
            "/posts/con-1/",
            "content/posts/b.md:4:7",
        ),
        // A device-name file against a written slug.
        (
            ("aux.md", None),
            ("b.md", Some("aux-1")),
            "/posts/aux-1/",
            "content/posts/b.md:4:7",
        ),
        // Two rewritten spellings.
        (
            ("a.md", Some("\"Hello World_x\"")),
            ("b.md", Some("hello-world-x")),
            "/posts/hello-world-x/",
            "content/posts/b.md:4:7",
        ),
    ] {
        let s = site(&[
            (&format!("content/posts/{}", a.0), &post("A", a.1)),
            (&format!("content/posts/{}", b.0), &post("B", b.1)),
        ]);
        let (code, lines) = check_rule(s.path(), "duplicate-permalink", &[]);
        assert_eq!(code, 1, "{a:?} {b:?}");
        assert_eq!(
            lines,
            vec![format!(
                "{at}: error: content/posts/{} and content/posts/{} both want the URL {url} [duplicate-permalink]",
                b.0, a.0
            )],
            "{a:?} {b:?}"
        );
        let built = build_dir(s.path(), &[]);
        assert_eq!(built.code(), 1, "{}", built.stderr());
        assert!(
            built.stderr().contains(&format!("both want the URL {url}")),
            "{}",
            built.stderr()
        );
        assert!(!built.out.exists(), "nothing may be written");
    }
}

/// Five sources of one URL (three `slug:`s, a file name in other letter case, a bundle) are
/// one error naming all five, at the last one written, in build and check alike.
#[test]
fn many_sources_of_one_url_are_one_error_naming_them_all() {
    let tmp = small_site(&[]);
    let r = tmp.path();
    for (i, rel) in ["dup-one.md", "dup-two.md", "dup-three.md"]
        .iter()
        .enumerate()
    {
        write(
            r,
            &format!("content/posts/{rel}"),
            &format!(
                "---\ntitle: T{i}\ndate: 2026-01-0{}\nslug: same\n---\nx\n",
                i + 1
            ),
        );
    }
    write(
        r,
        "content/posts/Same.md",
        "---\ntitle: T3\ndate: 2026-01-04\n---\nx\n",
    );
    write(
        r,
        "content/posts/same/index.md",
        "---\ntitle: T4\ndate: 2026-01-05\n---\nx\n",
    );
    let errors = build_errors(r);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let (at, e) = errors[0].split_once(": ").unwrap();
    assert_eq!(at, "content/posts/dup-one.md:4:7");
    assert!(
        e.starts_with("5 sources want the URL /posts/same/: content/posts/dup-one.md; "),
        "{e}"
    );
    for f in [
        "dup-one.md",
        "dup-two.md",
        "dup-three.md",
        "Same.md",
        "same/index.md",
    ] {
        assert_eq!(
            e.matches(&format!("content/posts/{f}")).count(),
            1,
            "{f} in {e}"
        );
    }
    let (code, out, _) = check(r, &["--format", "short"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[duplicate-permalink]"))
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].contains(": 5 sources want the URL /posts/same/: "),
        "{out}"
    );
}

/// One alias written twice in a post (as is, or through a YAML alias) is one redirect, not
/// a URL the post contests with itself.
#[test]
fn an_alias_written_twice_is_one_redirect() {
    let tmp = small_site(&[(
        "content/posts/t.md",
        "---\ntitle: T\ndate: 2026-01-01\naliases:\n  - &q /old/\n  - *q\n  - /old/\n  - /old/index.html\n---\nx\n",
    )]);
    let b = build_dir(tmp.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(b.read("old/index.html").contains("url=/posts/t/"));
}
