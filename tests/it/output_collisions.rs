//! Two things writing one output path (a static file, a file under content/, an alias over a
//! page or a generated file): `build` fails naming both, `check` reports the same error, and
//! the previous output keeps every file's content, inode and modification time.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::SystemTime;

use crate::support::{error_messages, site_copy, smelt};

/// What must not change in a file of the previous output.
#[derive(Debug, PartialEq, Eq)]
struct State {
    bytes: Vec<u8>,
    modified: SystemTime,
    #[cfg(unix)]
    inode: u64,
}

/// Every file under `dir` (relative, `/`-separated) with its state.
fn snapshot(dir: &Path) -> BTreeMap<String, State> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                State {
                    bytes: std::fs::read(e.path()).unwrap(),
                    modified: meta.modified().unwrap(),
                    #[cfg(unix)]
                    inode: std::os::unix::fs::MetadataExt::ino(&meta),
                },
            )
        })
        .collect()
}

fn run(site: &Path, command: &[&str]) -> Output {
    smelt()
        .args(command)
        .arg("--root")
        .arg(site)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds the basic site into `public/`, adds `file` with `text`, and checks that the next
/// build fails with `message` (rule `output`) without changing anything in `public/`, and
/// that `check` reports the same line.
fn collision_leaves_output_alone(file: &str, text: &str, message: &str) {
    let site = site_copy("basic");
    let root = site.path();
    let first = run(root, &["build"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let out = root.join("public");
    let before = snapshot(&out);
    assert!(before.contains_key("posts/first/index.html"), "{before:?}");
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();

    let failed = run(root, &["build"]);
    let err = stderr(&failed);
    assert_eq!(failed.status.code(), Some(1), "{err}");
    assert!(err.contains(message), "expected {message:?} in:\n{err}");
    assert!(
        err.contains("error: 1 error found; nothing was written"),
        "{err}"
    );
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (rel, state) in &before {
        assert_eq!(
            after.get(rel),
            Some(state),
            "{rel} changed in the previous output after a failed build"
        );
    }
    let leftovers: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("smelt-staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // `check` never passes a site that `build` refuses.
    let check = run(root, &["check", "--format", "short"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    let line = report
        .lines()
        .find(|l| l.ends_with("[output]"))
        .unwrap_or_else(|| panic!("no output error in:\n{report}"));
    assert!(line.contains(&format!("error: {message}")), "{line}");
}

#[test]
fn a_static_file_over_a_post_page() {
    collision_leaves_output_alone(
        "static/posts/first/index.html",
        "hi\n",
        "static/posts/first/index.html and the page of content/posts/first.md both write posts/first/index.html",
    );
}

#[test]
fn a_static_file_whose_path_differs_from_a_page_only_in_case() {
    collision_leaves_output_alone(
        "static/Posts/first/index.html",
        "hi\n",
        "Posts/first/index.html (from static/Posts/first/index.html) and posts/first/index.html (from the page of content/posts/first.md) differ only in letter case, so on a case-insensitive file system or host one replaces the other",
    );
}

#[test]
fn a_content_file_over_the_sitemap() {
    collision_leaves_output_alone(
        "content/sitemap.xml",
        "<urlset/>\n",
        "content/sitemap.xml and the sitemap and robots.txt both write sitemap.xml",
    );
}

#[test]
fn a_content_file_and_a_static_file_with_one_output_path() {
    let site = site_copy("basic");
    let root = site.path();
    assert!(run(root, &["build"]).status.success());
    let before = snapshot(&root.join("public"));
    std::fs::write(root.join("content/notes.txt"), "from content").unwrap();
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/notes.txt"), "from static").unwrap();
    let expected = "content/notes.txt:1:1: error: content/notes.txt and static/notes.txt both write notes.txt [output]";
    let b = run(root, &["build"]);
    assert_eq!(b.status.code(), Some(1), "{}", stderr(&b));
    assert!(
        stderr(&b).contains("content/notes.txt and static/notes.txt both write notes.txt"),
        "{}",
        stderr(&b)
    );
    assert_eq!(
        snapshot(&root.join("public")),
        before,
        "the failed build changed public/"
    );
    let c = run(root, &["check", "--format", "short"]);
    let out = String::from_utf8_lossy(&c.stdout);
    assert_eq!(out.matches("both write notes.txt").count(), 1, "{out}");
    assert!(out.contains(expected), "{out}");
    // The theme's files are still the site's to replace.
    std::fs::remove_file(root.join("content/notes.txt")).unwrap();
    std::fs::write(root.join("static/style.css"), "body{}").unwrap();
    assert!(run(root, &["build"]).status.success());
    assert_eq!(
        std::fs::read_to_string(root.join("public/style.css")).unwrap(),
        "body{}"
    );
}

#[test]
fn a_content_file_over_a_post_page() {
    collision_leaves_output_alone(
        "content/posts/first/index.html",
        "<p>mine</p>\n",
        "content/posts/first/index.html and the page of content/posts/first.md both write posts/first/index.html",
    );
}

#[test]
fn an_alias_over_a_feed_and_over_a_page() {
    collision_leaves_output_alone(
        "content/posts/second.md",
        "---\ntitle: Second\ndate: 2026-01-20\naliases: [/atom.xml]\n---\nBody.\n",
        "the alias /atom.xml of content/posts/second.md and the feeds both write atom.xml",
    );
    collision_leaves_output_alone(
        "content/pages/about.md",
        "---\ntitle: About\naliases: [/syntax.css]\n---\nAbout us.\n",
        "the alias /syntax.css of content/pages/about.md and the code highlighting stylesheet both write syntax.css",
    );
}

/// The error is located at the file to change: the copied file, or the alias in front
/// matter (line and column of the entry in `aliases:`).
#[test]
fn the_error_points_at_the_file_to_change() {
    let site = site_copy("basic");
    let root = site.path();
    std::fs::write(
        root.join("content/posts/second.md"),
        "---\ntitle: Second\ndate: 2026-01-20\naliases: [/feed.json]\n---\nBody.\n",
    )
    .unwrap();
    let check = run(root, &["check", "--format", "short"]);
    let report = String::from_utf8_lossy(&check.stdout);
    let expected = "content/posts/second.md:4:11: error: the alias /feed.json of content/posts/second.md and the feeds both write feed.json [output]";
    assert!(report.lines().any(|l| l == expected), "{report}");
    std::fs::remove_file(root.join("content/posts/second.md")).unwrap();
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/atom.xml"), "<feed/>").unwrap();
    let check = run(root, &["check", "--format", "short"]);
    let report = String::from_utf8_lossy(&check.stdout);
    let expected =
        "static/atom.xml:1:1: error: static/atom.xml and the feeds both write atom.xml [output]";
    assert!(report.lines().any(|l| l == expected), "{report}");
}

/// Three producers of one path and a fourth whose path differs only in letter case: one
/// error naming all three, one naming both spellings, the same on every run whichever
/// producer the threads let claim the path first.
#[test]
fn many_producers_of_one_path_give_the_same_errors_every_time() {
    let site = site_copy("basic");
    let root = site.path();
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/atom.xml"), "<feed/>").unwrap();
    std::fs::write(root.join("static/ATOM.XML"), "<FEED/>").unwrap();
    std::fs::write(
        root.join("content/posts/second.md"),
        "---\ntitle: Second\ndate: 2026-01-20\naliases: [/atom.xml]\n---\nBody.\n",
    )
    .unwrap();
    let want = [
        "static/ATOM.XML: ATOM.XML (from static/ATOM.XML) and atom.xml (from static/atom.xml) differ only in letter case, so on a case-insensitive file system or host one replaces the other",
        "static/atom.xml: static/atom.xml, the alias /atom.xml of content/posts/second.md and the feeds all write atom.xml",
    ];
    for round in 0..6 {
        let b = run(root, &["build"]);
        let err = stderr(&b);
        assert_eq!(b.status.code(), Some(1), "{err}");
        let got = error_messages(&err);
        assert_eq!(got, want, "round {round}:\n{err}");
        assert!(err.contains("2 errors found; nothing was written"), "{err}");
    }
    // `check` refuses the site too.
    let c = run(root, &["check", "--format", "short"]);
    assert_eq!(c.status.code(), Some(1));
}

/// A build that stops at an earlier stage's errors also names the output paths two
/// producers would write (found without writing), so one run shows every problem.
#[test]
fn collisions_are_reported_with_the_errors_of_earlier_stages() {
    let site = site_copy("basic");
    let root = site.path();
    std::fs::write(
        root.join("content/posts/second.md"),
        "---\ntitle: Second\ndate: 2026-01-20\naliases: [\"/\", /atom.xml, /404.html, /style.css]\n---\nBody.\n",
    )
    .unwrap();
    let b = run(root, &["build"]);
    let err = stderr(&b);
    assert_eq!(b.status.code(), Some(1), "{err}");
    let got = error_messages(&err);
    assert_eq!(
        got,
        [
            "content/posts/second.md:4:11: alias \"/\" is empty or the site root",
            "content/posts/second.md:4:16: the alias /atom.xml of content/posts/second.md and the feeds both write atom.xml",
            "content/posts/second.md:4:27: the alias \"/404.html\" of content/posts/second.md and the 404 page both want the URL /404.html",
            "content/posts/second.md:4:38: the alias /style.css of content/posts/second.md and the built-in theme's static/style.css both write style.css",
        ],
        "{err}"
    );
    assert!(err.contains("4 errors found; nothing was written"), "{err}");
}

/// A file under content/, one under static/ and a post page with one output path: one error
/// naming all three, in `build` and `check` alike.
#[test]
fn a_content_file_a_static_file_and_a_page_are_one_error() {
    let site = site_copy("basic");
    let root = site.path();
    for dir in ["content/posts/first", "static/posts/first"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("index.html"), "<p>mine</p>\n").unwrap();
    }
    let message = "content/posts/first/index.html, static/posts/first/index.html and the page of content/posts/first.md all write posts/first/index.html";
    let b = run(root, &["build"]);
    let err = stderr(&b);
    assert_eq!(b.status.code(), Some(1), "{err}");
    let got = error_messages(&err);
    assert_eq!(
        got,
        [format!("content/posts/first/index.html: {message}")],
        "{err}"
    );
    let c = run(root, &["check", "--format", "short"]);
    assert_eq!(
        String::from_utf8_lossy(&c.stdout),
        format!("content/posts/first/index.html:1:1: error: {message} [output]\n")
    );
}
