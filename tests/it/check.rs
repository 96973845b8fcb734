//! `smelt check`: a clean fixture reports nothing; each fault overlay (one changed file on top
//! of `check-clean`) reports exactly its diagnostic in the human, short and JSON formats;
//! rule levels, `--deny-warnings`, `--fix` and `--external` (against a local HTTP server).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{build_errors, check, copy_tree, fixture, site_copy};

/// A temporary copy of `check-clean` with fault overlay(s) copied over it.
fn faulty(faults: &[&str]) -> tempfile::TempDir {
    let tmp = site_copy("check-clean");
    for f in faults {
        copy_tree(&fixture("check-faults").join(f), tmp.path());
    }
    tmp
}

#[test]
fn clean_site_reports_nothing_in_every_format() {
    let site = fixture("check-clean");
    for format in ["human", "short", "json"] {
        let (code, out, err) = check(&site, &["--format", format]);
        assert_eq!(code, 0, "{format}: {out}{err}");
        assert_eq!(out, "", "{format}");
        assert!(err.contains("checked 2 posts, 1 page,"), "{err}");
        assert!(err.trim_end().ends_with(": no problems"), "{err}");
    }
    // `C#` and `C++` (both tags of ports.md) have pages of their own: no tag-collision.
    let b = crate::support::build_ok("check-clean");
    assert!(
        b.has("tags/c-sharp/index.html") && b.has("tags/c-plus-plus/index.html"),
        "{:?}",
        b.files()
    );
}

/// (fault overlay, rule, severity, path, line, col, message)
const FAULTS: &[(&str, &str, &str, &str, usize, usize, &str)] = &[
    (
        "author-bio",
        "author-bio",
        "warning",
        "content/authors/ana.md",
        1,
        1,
        "author `Ana Ruiz` has no bio",
    ),
    (
        "bad-date",
        "front-matter",
        "error",
        "content/posts/freight.md",
        3,
        7,
        "`date` value \"2026-13-45\" is not a valid date: 2026-13-45 is not a calendar date",
    ),
    (
        "broken-fragment",
        "broken-fragment",
        "error",
        "content/posts/ports.md",
        15,
        43,
        "`#prices` is not an id on /analysis/posts/freight/",
    ),
    (
        "broken-link",
        "broken-link",
        "error",
        "content/posts/freight.md",
        16,
        51,
        "link `/analysis/front/` does not resolve: the site has no /front/",
    ),
    (
        "draft-link",
        "draft-link",
        "error",
        "content/posts/freight.md",
        16,
        75,
        "link to `draft.md`, which is a draft or scheduled post and is not published; rendered as plain text",
    ),
    (
        "duplicate-slug",
        "duplicate-slug",
        "warning",
        "content/posts/summer.md",
        4,
        7,
        "slug `ports` is also the slug of content/posts/ports.md (/2025/ports/ and /2026/ports/)",
    ),
    (
        "empty-link-text",
        "empty-link-text",
        "warning",
        "content/posts/freight.md",
        16,
        51,
        "link to `/analysis/` has no text",
    ),
    (
        "future-date",
        "future-date",
        "warning",
        "content/posts/later.md",
        3,
        7,
        "`date` 2999-01-05T00:00:00+00:00 is in the future: `build` leaves the post out until then",
    ),
    (
        "heading-h1",
        "heading-h1",
        "warning",
        "content/posts/freight.md",
        14,
        1,
        "H1 heading in the body: the title is already the page's H1",
    ),
    (
        "heading-skip",
        "heading-skip",
        "warning",
        "content/posts/freight.md",
        14,
        1,
        "heading level skips from the title (H1) to H4",
    ),
    (
        "highlights-count",
        "highlights-count",
        "warning",
        "content/posts/freight.md",
        6,
        12,
        "post has 1 highlight (expected 2–5)",
    ),
    (
        "image-alt",
        "image-alt",
        "warning",
        "content/posts/ports.md",
        17,
        1,
        "image `/analysis/img/volumes.png` has no alt text",
    ),
    (
        "missing-citation",
        "missing-citation",
        "warning",
        "content/posts/freight.md",
        9,
        1,
        "post has neither `citation:` nor `sources:`",
    ),
    (
        "missing-image",
        "missing-image",
        "error",
        "content/posts/ports.md",
        17,
        1,
        "image `/analysis/img/missing.png` does not resolve: the site has no /img/missing.png",
    ),
    (
        "mojibake",
        "mojibake",
        "error",
        "content/posts/freight.md",
        12,
        51,
        "garbled text `dรฉtente` should read `détente` (UTF-8 read as windows-874 (Thai))",
    ),
    (
        "subpath-template",
        "broken-link",
        "error",
        "templates/404.html",
        9,
        106,
        "`/tags/` points to /tags/, outside the site's base path /analysis/: it breaks when the site is deployed at https://example.org/analysis/ (on /analysis/404.html)",
    ),
    (
        "summary-length",
        "summary-length",
        "warning",
        "content/posts/freight.md",
        4,
        10,
        "summary is 192 characters; search results show about 160",
    ),
    (
        "tag-collision",
        "tag-collision",
        "warning",
        "content/posts/freight.md",
        5,
        23,
        "tag `R and D` and tag `R&D` (in content/posts/freight.md) share the URL /tags/r-and-d/; they are merged",
    ),
    (
        "template-link",
        "broken-link",
        "error",
        "templates/404.html",
        9,
        119,
        "link `/analysis/topics/` does not resolve: the site has no /topics/ (on /analysis/404.html)",
    ),
    (
        "title-length",
        "title-length",
        "warning",
        "content/posts/freight.md",
        2,
        8,
        "title is 84 characters; search results cut titles after about 70",
    ),
    (
        "unknown-author",
        "unknown-author",
        "error",
        "content/posts/freight.md",
        4,
        9,
        "unknown author `anna`",
    ),
    (
        "unknown-key",
        "unknown-key",
        "error",
        "content/posts/freight.md",
        5,
        1,
        "unknown front matter key `tittle`",
    ),
    (
        "unknown-rule",
        "config",
        "error",
        "site.toml",
        6,
        1,
        "[check.rules]: unknown rule `heading-skp`",
    ),
    (
        "updated-before-date",
        "updated-before-date",
        "error",
        "content/posts/freight.md",
        4,
        10,
        "`updated` (2026-01-01T00:00:00+00:00) is before `date` (2026-01-05T00:00:00+00:00)",
    ),
];

#[test]
fn each_fault_reports_exactly_its_diagnostic_in_all_formats() {
    for &(fault, rule, severity, path, line, col, message) in FAULTS {
        let site = faulty(&[fault]);
        let want_code = if severity == "error" { 1 } else { 0 };

        let (code, out, err) = check(site.path(), &["--format", "short"]);
        assert_eq!(
            out,
            format!("{path}:{line}:{col}: {severity}: {message} [{rule}]\n"),
            "{fault} (short); stderr: {err}"
        );
        assert_eq!(code, want_code, "{fault}: exit code");

        let (code, out, _) = check(site.path(), &["--format", "json"]);
        assert_eq!(code, want_code, "{fault}: exit code (json)");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{fault} (json): {out}");
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["rule"], rule, "{fault}");
        assert_eq!(v["severity"], severity, "{fault}");
        assert_eq!(v["path"], path, "{fault}");
        assert_eq!(v["line"], line, "{fault}");
        assert_eq!(v["col"], col, "{fault}");
        assert_eq!(v["message"], message, "{fault}");
        assert!(
            v["help"].as_str().is_some_and(|h| !h.is_empty()),
            "{fault}: help {v}"
        );

        let (code, out, _) = check(site.path(), &[]);
        assert_eq!(code, want_code, "{fault}: exit code (human)");
        assert!(
            out.contains(&format!("{path}:{line}:{col}: {message}")),
            "{fault} (human): {out}"
        );
        assert!(out.contains(rule), "{fault} (human): {out}");
        assert_eq!(out.matches(" help: ").count(), 1, "{fault} (human): {out}");
    }
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let site = faulty(&["mojibake", "image-alt", "unknown-rule"]);
    let (code, out, err) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    let got: Vec<&str> = out
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap_or(""))
        .collect();
    // The config error stops the run before the content is read.
    assert_eq!(got, vec!["[config]"], "{out}{err}");

    let site = faulty(&["mojibake", "image-alt", "author-bio"]);
    let (code, out, err) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    let got: Vec<&str> = out
        .lines()
        .map(|l| l.split(": ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        got,
        vec![
            "content/authors/ana.md:1:1",
            "content/posts/freight.md:12:51",
            "content/posts/ports.md:17:1"
        ],
        "{out}{err}"
    );
    assert!(
        err.contains("1 error, 2 warnings (author-bio 1, image-alt 1, mojibake 1)"),
        "{err}"
    );
}

#[test]
fn draft_links_warn_in_build_and_fail_check() {
    let site = faulty(&["draft-link"]);
    let b = crate::support::build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(
        b.stderr().contains("[draft-link]") || b.stderr().contains("draft-link"),
        "{}",
        b.stderr()
    );
    let html = b.read("posts/freight/index.html");
    assert!(html.contains("and the next note"), "rendered as text");
    assert!(!html.contains("draft.md"));
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert!(out.contains("error: link to `draft.md`"), "{out}");
    // With --drafts the draft is published and the link is fine.
    let (code, out, _) = check(site.path(), &["--format", "short", "--drafts"]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn rule_levels_come_from_site_toml() {
    let site = faulty(&["heading-skip"]);
    let toml = std::fs::read_to_string(site.path().join("site.toml")).unwrap();
    std::fs::write(
        site.path().join("site.toml"),
        format!("{toml}\n[check.rules]\nheading-skip = \"error\"\n"),
    )
    .unwrap();
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "content/posts/freight.md:14:1: error: heading level skips from the title (H1) to H4 [heading-skip]\n"
    );
    std::fs::write(
        site.path().join("site.toml"),
        format!("{toml}\n[check.rules]\nheading-skip = \"off\"\n"),
    )
    .unwrap();
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!((code, out.as_str()), (0, ""));
    // A rule `build` stops on cannot be lowered.
    std::fs::write(
        site.path().join("site.toml"),
        format!("{toml}\n[check.rules]\nfront-matter = \"warn\"\n"),
    )
    .unwrap();
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "site.toml:6:1: error: [check.rules]: `front-matter` cannot be set to `warn`: `build` stops on it [config]\n"
    );
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let site = faulty(&["author-bio"]);
    let (code, _, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 0);
    let (code, out, _) = check(site.path(), &["--format", "short", "--deny-warnings"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "content/authors/ana.md:1:1: error: author `Ana Ruiz` has no bio [author-bio]\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = check(empty.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("no site.toml in"), "{err}");
    let (code, _, err) = check(&fixture("check-clean"), &["--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("xml"), "{err}");
}

#[test]
fn fix_rewrites_only_the_garbled_span_and_keeps_a_backup() {
    let site = faulty(&["mojibake"]);
    let post = site.path().join("content/posts/freight.md");
    let before = std::fs::read_to_string(&post).unwrap();
    let (code, out, err) = check(site.path(), &["--format", "short", "--fix"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.contains("fixed 1 garbled span in content/posts/freight.md (original kept as content/posts/freight.md.bak)"),
        "{err}"
    );
    let after = std::fs::read_to_string(&post).unwrap();
    assert_eq!(after, before.replace("dรฉtente", "détente"));
    assert_eq!(
        std::fs::read_to_string(site.path().join("content/posts/freight.md.bak")).unwrap(),
        before
    );
    // The backup is never published, and the site is now clean.
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!((code, out.as_str()), (0, ""));
    let b = crate::support::build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(
        b.files().iter().all(|f| !f.ends_with(".bak")),
        "{:?}",
        b.files()
    );
}

/// A tiny HTTP server on 127.0.0.1 that answers by path and records (method, path). It
/// stops when dropped, or after 60 seconds.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (log2, stop2) = (log.clone(), stop.clone());
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !stop2.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let log = log2.clone();
            std::thread::spawn(move || {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).is_err() || l == "\r\n" || l.is_empty() {
                        break;
                    }
                }
                let mut parts = first.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").to_string();
                log.lock().unwrap().push((method, path.clone()));
                let (code, extra) = match path.as_str() {
                    "/ok" => (200, String::new()),
                    "/moved" => (301, "Location: /ok\r\n".to_string()),
                    "/error" => (500, String::new()),
                    _ => (404, String::new()),
                };
                let mut w = &stream;
                let _ = write!(
                    w,
                    "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n"
                );
            });
        }
    });
    Server { port, log, stop }
}

#[test]
fn external_links_are_checked_reported_and_cached() {
    let server = serve();
    let site = site_copy("check-clean");
    let base = format!("http://127.0.0.1:{}", server.port);
    let post = site.path().join("content/posts/freight.md");
    let text = std::fs::read_to_string(&post).unwrap();
    // Only the local server is ever asked: the fixture's one outside URL becomes a citation.
    let start = text.find("sources:").unwrap();
    let end = text[start..].find("\n---").unwrap() + start;
    let line = format!(
        "See [a]({base}/ok), [b]({base}/moved), [c]({base}/missing) and [d]({base}/error)."
    );
    let text = format!(
        "{}citation: \"Example Exchange\"{}",
        &text[..start],
        &text[end..]
    )
    .replace(
        "Back to the [front page](/).",
        &format!("Back to the [front page](/).\n\n{line}"),
    );
    std::fs::write(&post, &text).unwrap();
    let line_no = text.lines().position(|l| l == line).unwrap() + 1;
    let col = |link: &str| line.find(link).unwrap() + 1;

    let (code, out, err) = check(site.path(), &["--format", "short", "--external"]);
    assert_eq!(code, 1, "{out}{err}");
    let want = [
        format!(
            "content/posts/freight.md:{line_no}:{}: warning: `{base}/moved` redirects (301) to {base}/ok [external-redirect]",
            col("[b]")
        ),
        format!(
            "content/posts/freight.md:{line_no}:{}: error: `{base}/missing` is broken: answers 404 Not Found [external-link]",
            col("[c]")
        ),
        format!(
            "content/posts/freight.md:{line_no}:{}: warning: `{base}/error` could not be checked: answers 500 Internal Server Error [external-unreachable]",
            col("[d]")
        ),
    ];
    assert_eq!(out, want.join("\n") + "\n", "{err}");
    assert!(err.contains("4 external URLs (0 from the cache)"), "{err}");
    let cache = std::fs::read_to_string(site.path().join(".smelt-cache/links.json")).unwrap();
    let cache: serde_json::Value = serde_json::from_str(&cache).unwrap();
    let cached: Vec<&String> = cache["links"].as_object().unwrap().keys().collect();
    assert!(
        cached.contains(&&format!("{base}/ok")) && cached.contains(&&format!("{base}/moved")),
        "{cached:?}"
    );
    assert!(!cached.contains(&&format!("{base}/missing")));

    // Second run: the good results come from the cache, the failures are asked again.
    let before = server.log.lock().unwrap().len();
    let (code, out2, err) = check(site.path(), &["--format", "short", "--external"]);
    assert_eq!(code, 1);
    assert_eq!(out2, out);
    assert!(err.contains("(2 from the cache)"), "{err}");
    let log = server.log.lock().unwrap();
    let again: Vec<&str> = log[before..].iter().map(|(_, p)| p.as_str()).collect();
    assert!(
        !again.contains(&"/ok") && !again.contains(&"/moved"),
        "{again:?}"
    );
    assert!(
        again.contains(&"/missing") && again.contains(&"/error"),
        "{again:?}"
    );
}

/// Writes `text` to `rel` under `site`, making folders.
fn put(site: &Path, rel: &str, text: &str) {
    let p = site.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The errors of `smelt check --format short` as `path:line:col: message` (rule dropped).
fn check_errors(site: &Path) -> Vec<String> {
    let (_, out, _) = check(site, &["--format", "short"]);
    out.lines()
        .filter_map(|l| {
            let (place, rest) = l.split_once(": error: ")?;
            let msg = rest.rsplit_once(" [").map_or(rest, |(m, _)| m);
            Some(format!("{place}: {msg}"))
        })
        .collect()
}

/// Every error `build` reports is among `check`'s; returns check's errors.
fn assert_check_has_build_errors(site: &Path) -> Vec<String> {
    let from_check = check_errors(site);
    let from_build = build_errors(site);
    assert!(!from_build.is_empty(), "build printed no located error");
    for e in from_build {
        // `check --format short` places a problem with a whole file at 1:1.
        let whole_file = e
            .split_once(": ")
            .filter(|(place, _)| !place.contains(':'))
            .map(|(place, msg)| format!("{place}:1:1: {msg}"));
        // One build names no file for (the unsafe path of a copied file) may be located
        // by check.
        let unplaced = from_check.iter().any(|c| c.ends_with(&format!(": {e}")));
        assert!(
            from_check.contains(&e)
                || whole_file.is_some_and(|w| from_check.contains(&w))
                || unplaced,
            "check misses the build error\n  {e}\ncheck reported:\n  {}",
            from_check.join("\n  ")
        );
    }
    from_check
}

#[test]
fn different_problems_at_one_place_are_all_reported_each_at_its_item() {
    let site = site_copy("check-clean");
    put(
        site.path(),
        "content/posts/bad.md",
        "---\ntitle: \"Bad\"\ndate: 2026-01-06\naliases:\n  - /a/../../z/\n  - //evil.example/\n  - ../y/\n---\nBody.\n",
    );
    put(
        site.path(),
        "content/authors/ana.md",
        "---\nname: Ana Ruiz\nlinks:\n  - {name: A, url: \"data:text/html,x\"}\n  - {name: B, url: \"JaVaScRiPt:alert(1)\"}\n  - {name: C, url: \" javascript:alert(1)\"}\n  - {name: D, url: \"java\\tscript:alert(1)\"}\n---\nAna covers shipping.\n",
    );
    let errors = assert_check_has_build_errors(site.path());
    let at = |prefix: &str| -> Vec<&str> {
        errors
            .iter()
            .filter(|e| e.starts_with(prefix))
            .map(|e| e.split(": ").next().unwrap())
            .collect()
    };
    assert_eq!(
        at("content/posts/bad.md"),
        vec![
            "content/posts/bad.md:5:5",
            "content/posts/bad.md:6:5",
            "content/posts/bad.md:7:5"
        ],
        "{errors:#?}"
    );
    // The posts naming the author whose file failed are not also reported.
    assert!(
        errors.iter().all(|e| !e.contains("unknown author")),
        "{errors:#?}"
    );
    assert_eq!(
        at("content/authors/ana.md"),
        vec![
            "content/authors/ana.md:4:20",
            "content/authors/ana.md:5:20",
            "content/authors/ana.md:6:20",
            "content/authors/ana.md:7:20"
        ],
        "{errors:#?}"
    );

    // Flow lists: each item at its own column.
    put(
        site.path(),
        "content/posts/bad.md",
        "---\ntitle: \"Bad\"\ndate: 2026-01-06\ntags: [[nested], {a: b}, null]\n---\nBody.\n",
    );
    put(
        site.path(),
        "content/authors/ana.md",
        "---\nname: Ana Ruiz\n---\nAna covers shipping.\n",
    );
    let errors = assert_check_has_build_errors(site.path());
    assert_eq!(
        errors,
        vec![
            "content/posts/bad.md:4:8: `tags` item 1 must be text, found a list",
            "content/posts/bad.md:4:18: `tags` item 2 must be text, found a mapping",
            "content/posts/bad.md:4:26: `tags` item 3 must be text, found nothing",
        ]
    );
}

#[test]
fn a_link_to_a_missing_md_file_is_one_error_in_check_and_a_warning_in_build() {
    let site = site_copy("check-clean");
    let post = site.path().join("content/posts/freight.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, format!("{text}See [gone](gone.md).\n")).unwrap();
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "content/posts/freight.md:17:5: error: link to `gone.md`, which is not a content file [broken-link]\n"
    );
    let b = crate::support::build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(
        b.stderr().contains(
            "⚠ content/posts/freight.md:17:5: link to `gone.md`, which is not a content file"
        ),
        "{}",
        b.stderr()
    );
}

#[test]
fn check_finds_every_output_collision_build_finds_each_at_its_source() {
    let site = site_copy("check-clean");
    let post = site.path().join("content/posts/freight.md");
    let text = std::fs::read_to_string(&post).unwrap().replace(
        "tags: [Shipping]\n",
        "tags: [Shipping]\naliases: [/robots.txt, /favicon.svg, /atom.xml, /sitemap.xml, /style.css, /search/meta.json]\n",
    );
    std::fs::write(&post, text).unwrap();
    put(site.path(), "static/atom.xml", "<feed/>\n");
    put(site.path(), "content/robots.txt", "User-agent: *\n");
    let errors = assert_check_has_build_errors(site.path());
    let alias = |col: usize, path: &str, other: &str, out: &str| {
        format!(
            "content/posts/freight.md:6:{col}: the alias {path} of content/posts/freight.md and {other} both write {out}"
        )
    };
    // One error per contested path, naming every producer of it.
    let want = vec![
        alias(
            24,
            "/favicon.svg",
            "the built-in theme's static/favicon.svg",
            "favicon.svg",
        ),
        alias(
            49,
            "/sitemap.xml",
            "the sitemap and robots.txt",
            "sitemap.xml",
        ),
        alias(
            63,
            "/style.css",
            "the built-in theme's static/style.css",
            "style.css",
        ),
        alias(75, "/search/meta.json", "the search index", "search/meta.json"),
        "content/robots.txt:1:1: content/robots.txt, the alias /robots.txt of content/posts/freight.md and the sitemap and robots.txt all write robots.txt".to_string(),
        "static/atom.xml:1:1: static/atom.xml, the alias /atom.xml of content/posts/freight.md and the feeds all write atom.xml".to_string(),
    ];
    assert_eq!(errors, want);

    // Tag pages at the site root: the tag index is the home page. Located at the setting.
    let site = site_copy("check-clean");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}[permalinks]\ntags = \"/{{slug}}/\"\n"),
    )
    .unwrap();
    let errors = assert_check_has_build_errors(site.path());
    assert!(
        errors.contains(
            &"site.toml:5:8: the tag index and the home page both want the URL /".to_string()
        ),
        "{errors:#?}"
    );
}

#[test]
fn a_contested_url_or_a_failed_page_reports_its_error_and_no_consequences() {
    let second = |extra: &str| {
        format!(
            "---\ntitle: \"Second\"\ndate: 2026-01-09\nauthor: ana\ncitation: \"Port report\"\nhighlights:\n  - One.\n  - Two.\n{extra}\n---\nSee the [outlook](ports.md#outlook).\n"
        )
    };
    for (extra, want) in [
        (
            "slug: ports",
            "content/posts/second.md:9:7: content/posts/second.md and content/posts/ports.md both want the URL /posts/ports/",
        ),
        (
            "aliases: [/posts/ports/]",
            "content/posts/second.md:9:11: the alias \"/posts/ports/\" of content/posts/second.md and content/posts/ports.md both want the URL /posts/ports/",
        ),
        (
            "aliases:\n  - /tags/",
            "content/posts/second.md:10:5: the alias \"/tags/\" of content/posts/second.md and the tag index both want the URL /tags/",
        ),
    ] {
        let site = site_copy("check-clean");
        put(site.path(), "content/posts/second.md", &second(extra));
        let errors = assert_check_has_build_errors(site.path());
        assert_eq!(errors, vec![want.to_string()], "{extra}");
    }

    // A template that fails on every tag page: its error, and no broken links to those pages.
    let site = site_copy("check-clean");
    put(
        site.path(),
        "templates/tag.html",
        "{% extends \"base.html\" %}{% block content %}{{ nosuch.thing }}{% endblock %}\n",
    );
    let errors = assert_check_has_build_errors(site.path());
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("templates/tag.html:1:48: Variable `nosuch` is not defined")),
        "{errors:#?}"
    );
}

/// A file name `build` refuses to write (a backslash in it) fails `check` too, at the file.
#[cfg(unix)]
#[test]
fn an_output_path_build_refuses_fails_check_at_its_source() {
    let site = site_copy("check-clean");
    put(site.path(), "static/a\\b.txt", "x\n");
    let errors = assert_check_has_build_errors(site.path());
    assert_eq!(
        errors,
        vec![
            "static/a\\b.txt:1:1: refusing to write unsafe output path \"a\\\\b.txt\"".to_string()
        ]
    );
}

#[test]
fn inline_authors_without_bios_are_each_reported_at_their_entry() {
    let site = site_copy("check-clean");
    put(
        site.path(),
        "content/posts/second.md",
        "---\ntitle: \"Second\"\ndate: 2026-01-09\nauthor: [{name: \"Matt Cowley\"}, {name: \"Claudio Wunder\"}]\ncitation: \"Port report\"\nhighlights:\n  - One.\n  - Two.\n---\nBody.\n",
    );
    let (code, out, err) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "content/posts/second.md:4:10: warning: author `Matt Cowley` has no bio [author-bio]\n\
         content/posts/second.md:4:33: warning: author `Claudio Wunder` has no bio [author-bio]\n"
    );
}

/// A broken link in the header menu is on every page once (header and footer both show the
/// menu): the count names pages, not occurrences.
#[test]
fn a_broken_menu_link_counts_each_page_once() {
    let tmp = site_copy("check-clean");
    let toml = tmp.path().join("site.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[[menu]]\ntitle = \"Gone\"\nurl = \"/gone/\"\n");
    std::fs::write(&toml, text).unwrap();
    let (code, out, err) = check(tmp.path(), &["--format", "short"]);
    assert_eq!(code, 1, "{out}{err}");
    let line = out
        .lines()
        .find(|l| {
            l.contains("link `/analysis/gone/` does not resolve") || l.contains("link `/gone/`")
        })
        .unwrap_or_else(|| panic!("no broken menu link in:\n{out}"));
    let summary = format!("{out}{err}");
    let rendered: usize = summary
        .split(" rendered pages")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rendered page count in:\n{summary}"));
    assert!(
        line.contains(&format!("(on {rendered} pages, e.g. ")),
        "{line} (rendered pages: {rendered})"
    );
}
