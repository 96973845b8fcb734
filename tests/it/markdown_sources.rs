//! `.markdown` sources are Markdown exactly like `.md` (build, links to source files, check,
//! list, new, serve), and nothing Markdown-looking under content/posts, pages or authors is
//! ever published raw.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{build_dir, smelt, write};

/// A site whose post, page, author and bundle are `.markdown` files (in several letter
/// cases), beside Markdown-looking files that must not be published.
fn site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(
        r,
        "site.toml",
        "title = \"M\"\nbase_url = \"https://example.org/\"\n",
    );
    write(
        r,
        "content/posts/a.md",
        "---\ntitle: Ay\ndate: 2024-01-03\nauthor: ann\nhighlights: [x, y]\ncitation: c\n---\nSee [bee](b.markdown), [about](../pages/about.Markdown) and [sea](c/index.markdown).\n",
    );
    write(
        r,
        "content/posts/b.markdown",
        "---\ntitle: Bee\ndate: 2024-01-02\nauthor: ann\nhighlights: [x, y]\ncitation: c\n---\nThe *bee* body.\n",
    );
    write(
        r,
        "content/posts/c/index.markdown",
        "---\ntitle: Sea\ndate: 2024-01-01\nauthor: ann\nhighlights: [x, y]\ncitation: c\n---\n![A chart](chart.png)\n",
    );
    write(r, "content/posts/c/chart.png", "PNG");
    write(
        r,
        "content/posts/c/notes.md",
        "---\ntitle: Private notes\n---\nnot for publishing\n",
    );
    write(
        r,
        "content/posts/d.mkd",
        "---\ntitle: Dee\n---\nother dialect\n",
    );
    write(
        r,
        "content/pages/about.Markdown",
        "---\ntitle: About us\n---\nWho we are.\n",
    );
    write(
        r,
        "content/authors/ann.markdown",
        "---\nname: Ann Example\n---\nAnn writes.\n",
    );
    tmp
}

#[test]
fn markdown_extension_builds_like_md() {
    let tmp = site();
    let b = build_dir(tmp.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let bee = b.read("posts/b/index.html");
    assert!(bee.contains("<em>bee</em>"), "{bee}");
    assert!(bee.contains("Ann Example"), "{bee}");
    assert!(b.read("about/index.html").contains("Who we are."));
    assert!(b.read("authors/ann/index.html").contains("Ann writes."));
    assert!(b.read("posts/c/index.html").contains("chart.png"));
    assert_eq!(b.read("posts/c/chart.png"), "PNG");
    // Links to source files go to their pages.
    let a = b.read("posts/a/index.html");
    for href in [
        "href=\"/posts/b/\"",
        "href=\"/about/\"",
        "href=\"/posts/c/\"",
    ] {
        assert!(a.contains(href), "{href} missing in:\n{a}");
    }
    // No source is published raw.
    let raw: Vec<String> = b
        .files()
        .into_iter()
        .filter(|f| {
            let l = f.to_ascii_lowercase();
            l.ends_with(".md") || l.ends_with(".markdown") || l.ends_with(".mkd")
        })
        .collect();
    assert!(raw.is_empty(), "published raw: {raw:?}");
    assert!(!b.has("posts/c/notes.md") && !b.has("posts/d.mkd"));
    let err = b.stderr();
    assert!(err.contains("content/posts/d.mkd"), "{err}");
    assert!(err.contains("content/posts/c/notes.md"), "{err}");
}

#[test]
fn check_list_and_new_know_markdown_files() {
    let tmp = site();
    let root = tmp.path();
    let o = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(root)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{report}");
    assert_eq!(
        report,
        "content/posts/c/notes.md:1:1: warning: Markdown file inside a post bundle (beside its index page) is neither built nor published [content-layout]\n\
         content/posts/d.mkd:1:1: warning: not a Markdown extension smelt reads (.md, .markdown): the file is neither built nor published [content-layout]\n"
    );

    let o = smelt().args(["list", "--root"]).arg(root).output().unwrap();
    let listing = String::from_utf8_lossy(&o.stdout).into_owned();
    let sources: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap_or(""))
        .collect();
    assert_eq!(
        sources,
        [
            "content/posts/a.md",
            "content/posts/b.markdown",
            "content/posts/c/index.markdown"
        ],
        "{listing}"
    );

    // `b.markdown` is the post `bee`'s slug `b`: `new` does not make a second one.
    let o = smelt()
        .args(["new", "B", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("b.markdown already exists"), "{err}");
    assert!(!root.join("content/posts/b.md").exists());
    // The author of `ann.markdown` is known to `new`.
    let o = smelt()
        .args(["new", "Fresh", "--author", "ann", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A `.markdown` post edited while serving is rebuilt like a `.md` one.
#[test]
fn serve_rebuilds_a_markdown_file_on_save() {
    let tmp = site();
    let root = tmp.path().canonicalize().unwrap();
    let mut child: Child = Command::new(assert_cmd::cargo::cargo_bin("smelt"))
        .args(["serve", "--port", "0", "--root"])
        .arg(&root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let port: u16 = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve started");
        if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let get = |path: &str| -> String {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return String::new();
        };
        let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        let mut body = String::new();
        let _ = s.read_to_string(&mut body);
        body
    };
    let wait_for = |path: &str, needle: &str| {
        let start = Instant::now();
        while !get(path).contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{path} never showed {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("/posts/b/", "The <em>bee</em> body.");
    write(
        &root,
        "content/posts/b.markdown",
        "---\ntitle: Bee\ndate: 2024-01-02\nauthor: ann\nhighlights: [x, y]\ncitation: c\n---\nThe *edited* body.\n",
    );
    wait_for("/posts/b/", "The <em>edited</em> body.");
    write(
        &root,
        "content/posts/e.markdown",
        "---\ntitle: Eee\ndate: 2024-01-04\nauthor: ann\n---\nA new file.\n",
    );
    wait_for("/posts/e/", "A new file.");
    assert!(!get("/posts/e.markdown").contains("A new file."));
    let _ = child.kill();
    let _ = child.wait();
}
