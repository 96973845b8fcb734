//! `smelt serve` end to end: the real binary on a free port, real files, real renames, a raw
//! HTTP client (so request paths reach the server exactly as written) and a live-reload
//! listener on the event stream.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{build_dir, site_copy};

/// How long to wait for something that should happen within a few milliseconds (generous:
/// tests must not fail on a busy machine; speed is measured by `scripts/bench-serve`).
const PATIENCE: Duration = Duration::from_secs(20);

/// A response: status, raw headers (lowercased names), body.
struct Resp {
    status: u16,
    headers: String,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..nl]).unwrap_or("0").trim(), 16)
                .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = nl + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
}

/// One HTTP/1.1 request with `Connection: close`; the path is sent exactly as given.
fn http(port: u16, method: &str, path: &str) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = head.lines().skip(1).collect::<Vec<_>>().join("\n");
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A running `smelt serve`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("smelt"))
            .arg("serve")
            .arg("--root")
            .arg(root)
            .args(["--port", "0"])
            .args(extra)
            .env("NO_COLOR", "1")
            // Every file event is logged: an idle server whose log grows is in a loop.
            .env("SMELT_SERVE_TRACE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start smelt serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        // Owned by the server value from here on, so a failed start still kills it.
        let mut server = Server {
            child,
            port: 0,
            base: String::new(),
            log,
        };
        let start = Instant::now();
        loop {
            let text = server.log();
            if let Some(rest) = text
                .lines()
                .find_map(|l| l.strip_prefix("serving http://127.0.0.1:"))
            {
                let (port, tail) = rest.split_at(rest.find('/').expect("a path after the port"));
                server.base = tail.split_whitespace().next().unwrap().to_string();
                server.port = port.parse().unwrap();
                return server;
            }
            assert!(start.elapsed() < PATIENCE, "serve did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn get(&self, path: &str) -> Resp {
        http(self.port, "GET", path)
    }

    /// Waits until `path` answers 200 with `needle` in the body.
    fn wait_for(&self, path: &str, needle: &str) -> Resp {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            if r.status == 200 && r.body.contains(needle) {
                return r;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{path} never showed {needle:?} (status {}):\n{}\n--- server log:\n{}",
                r.status,
                r.body,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Connects a live-reload listener; events arrive as (event, data).
    fn listen(&self) -> Events {
        let page = self.get(&self.base);
        let url = page
            .body
            .split("new EventSource(\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the page has the live-reload script")
            .to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains(" 200 "), "event stream: {line}");
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
        }
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut event = String::new();
            for l in reader.lines().map_while(Result::ok) {
                let l = l.trim_end_matches('\r');
                if let Some(e) = l.strip_prefix("event:") {
                    event = e.trim().to_string();
                } else if let Some(d) = l.strip_prefix("data:")
                    && tx.send((event.clone(), d.trim().to_string())).is_err()
                {
                    return;
                }
            }
        });
        Events { rx }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events {
    rx: Receiver<(String, String)>,
}

impl Events {
    /// Everything received until the stream has been quiet for a while.
    fn settle(&self) -> Vec<(String, String)> {
        let mut got = Vec::new();
        while let Ok(e) = self.rx.recv_timeout(Duration::from_millis(800)) {
            got.push(e);
        }
        got
    }
}

fn post(path: &Path, title: &str) {
    std::fs::write(
        path,
        format!(
            "---\ntitle: \"{title}\"\ndate: 2024-06-01\ntags: [live]\n---\n\nBody of {title}.\n"
        ),
    )
    .unwrap();
}

fn canonical(tmp: &tempfile::TempDir) -> PathBuf {
    std::fs::canonicalize(tmp.path()).unwrap()
}

/// Case 024: every editor's save strategy is picked up, once; junk is never published.
#[test]
fn every_save_strategy_rebuilds_once() {
    let tmp = site_copy("serve-live");
    let root = canonical(&tmp);
    let d = root.join("content/posts");
    let p = d.join("live.md");
    let s = Server::start(&root, &[]);
    s.wait_for("/posts/live/", "Version 1");
    let ev = s.listen();
    let check = |what: &str, title: &str| {
        s.wait_for("/posts/live/", title);
        let got = ev.settle();
        assert!(
            (1..=2).contains(&got.len()) && got.iter().all(|(e, _)| e == "reload"),
            "{what}: expected one reload, got {got:?}\n{}",
            s.log()
        );
    };

    // vim: rename the original away, write a new file, delete the backup.
    std::fs::rename(&p, d.join("live.md~")).unwrap();
    post(&p, "Version 2");
    std::fs::remove_file(d.join("live.md~")).unwrap();
    check("vim", "Version 2");

    // Atomic save: write a temp file, rename it over.
    post(&d.join(".live.md.tmp-4821"), "Version 3");
    std::fs::rename(d.join(".live.md.tmp-4821"), &p).unwrap();
    check("atomic rename", "Version 3");

    // JetBrains safe write.
    post(&d.join("live.md___jb_tmp___"), "Version 4");
    std::fs::rename(&p, d.join("live.md___jb_old___")).unwrap();
    std::fs::rename(d.join("live.md___jb_tmp___"), &p).unwrap();
    std::fs::remove_file(d.join("live.md___jb_old___")).unwrap();
    check("JetBrains", "Version 4");

    // Emacs: a dangling lock symlink, an autosave file and a backup around an in-place write.
    #[cfg(unix)]
    std::os::unix::fs::symlink("editor@host.4242:1717000000", d.join(".#live.md")).unwrap();
    post(&d.join("#live.md#"), "Autosave junk");
    std::fs::copy(&p, d.join("live.md~")).unwrap();
    post(&p, "Version 5");
    let _ = std::fs::remove_file(d.join(".#live.md"));
    std::fs::remove_file(d.join("#live.md#")).unwrap();
    check("Emacs", "Version 5");

    // site.toml replaced by a rename.
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(
        root.join(".site.toml.swp-new"),
        toml.replace("Live site", "Renamed Live Site"),
    )
    .unwrap();
    std::fs::rename(root.join(".site.toml.swp-new"), root.join("site.toml")).unwrap();
    s.wait_for("/", "Renamed Live Site");
    let got = ev.settle();
    assert!((1..=2).contains(&got.len()), "site.toml: {got:?}");

    // Junk never became content; the neighbour is still there; idle means idle.
    let index = s.get("/").body;
    assert!(index.contains("/posts/live/") && index.contains("/posts/neighbour/"));
    for junk in ["~", "jb_", ".tmp", "%23", "#live", "swp"] {
        assert!(!index.contains(&format!("posts/live.md{junk}")), "{junk}");
    }
    assert_eq!(s.get("/posts/neighbour/").status, 200);
    let log_before = s.log();
    assert!(ev.settle().is_empty(), "reload events while idle");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        s.log(),
        log_before,
        "file events while idle (a watch feedback loop?)"
    );
    assert!(!s.log().contains("panicked"));
}

/// Case 026: errors never stop the server; the overlay shows them; fixes recover.
#[test]
fn errors_show_in_the_page_and_the_server_recovers() {
    let tmp = site_copy("serve-live");
    let root = canonical(&tmp);
    let d = root.join("content/posts");
    let p = d.join("live.md");
    let s = Server::start(&root, &[]);
    s.wait_for("/posts/live/", "Version 1");
    let ev = s.listen();

    // An empty new file is tolerated, then published once written.
    std::fs::write(d.join("new-post.md"), "").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.get("/").status, 200);
    post(&d.join("new-post.md"), "New post written");
    s.wait_for("/posts/new-post/", "New post written");
    ev.settle();

    // Broken front matter: the last good page stays, with the error overlay on every page.
    std::fs::write(
        &p,
        "---\ntitle: \"<b>Broken</b> now\"\ndate: 2024-06-01\n\nNo closing delimiter.\n",
    )
    .unwrap();
    let r = s.wait_for("/posts/live/", "smelt-error");
    assert!(r.body.contains("Version 1"), "the last good page is served");
    assert!(r.body.contains("content/posts/live.md:1:1"), "{}", r.body);
    assert!(
        r.body
            .contains("front matter opened on line 1 is never closed")
    );
    assert!(
        r.body
            .contains("title: &quot;&lt;b&gt;Broken&lt;/b&gt; now&quot;")
            || r.body.contains("title: \"&lt;b&gt;Broken&lt;/b&gt; now\""),
        "snippet escaped: {}",
        r.body
    );
    assert!(!r.body.contains("<b>Broken</b>"));
    assert!(s.get("/posts/neighbour/").body.contains("smelt-error"));
    let got = ev.settle();
    assert_eq!(got.len(), 1, "one reload to show the error: {got:?}");
    let mentions = s.log().matches("content/posts/live.md").count();
    assert!(mentions >= 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        s.log().matches("content/posts/live.md").count(),
        mentions,
        "reported once per change"
    );

    // Fixed: the overlay goes, the page updates, browsers are told.
    post(&p, "Stable again");
    let r = s.wait_for("/posts/live/", "Stable again");
    assert!(!r.body.contains("smelt-error"));
    assert!(!ev.settle().is_empty());

    // A broken template override, then its removal.
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/post.html"), "{% if %}{{ unclosed").unwrap();
    let r = s.wait_for("/posts/live/", "templates/post.html:1:");
    assert!(r.body.contains("Stable again"));
    std::fs::remove_file(root.join("templates/post.html")).unwrap();
    post(&p, "After template fix");
    let r = s.wait_for("/posts/live/", "After template fix");
    assert!(!r.body.contains("smelt-error"));
    assert!(!s.log().contains("panicked"));
    assert!(
        s.log()
            .contains("build failed: 1 error; serving the last good site")
    );
}

#[test]
fn a_site_broken_at_start_gets_an_error_page_until_fixed() {
    let tmp = site_copy("serve-live");
    let root = canonical(&tmp);
    let p = root.join("content/posts/live.md");
    std::fs::write(
        &p,
        "---\ntitle: \"Broken at start\"\ndate: 2024-06-01\n\nNo closing delimiter.\n",
    )
    .unwrap();
    let s = Server::start(&root, &[]);
    let start = Instant::now();
    let r = loop {
        let r = s.get("/posts/live/");
        if r.status != 503 {
            break r;
        }
        assert!(start.elapsed() < PATIENCE, "still building");
        std::thread::sleep(Duration::from_millis(25));
    };
    assert_eq!(r.status, 500);
    assert!(r.body.contains("content/posts/live.md:1:1"), "{}", r.body);
    assert!(
        r.body.contains("new EventSource("),
        "the error page reloads by itself"
    );
    post(&p, "Fixed at last");
    s.wait_for("/posts/live/", "Fixed at last");
}

/// No request reaches a file outside the built site.
#[test]
fn paths_outside_the_site_are_404() {
    let tmp = site_copy("serve-live");
    let root = canonical(&tmp);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "TOP SECRET").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        root.join("static/leak.txt"),
    )
    .unwrap();
    let s = Server::start(&root, &[]);
    s.wait_for("/posts/live/", "Version 1");
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/posts/..%2f..%2fsite.toml",
        "/posts%2flive/",
        "/posts/%5c..%5csite.toml",
        "/content/posts/live.md",
        "/site.toml",
        "/leak.txt",
        "/posts/",
        "/%00",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(
            !r.body.contains("TOP SECRET") && !r.body.contains("base_url"),
            "{path}"
        );
        assert!(
            r.body.contains("new EventSource("),
            "{path}: the site's 404 page, live"
        );
    }
    // What the site has is served with its type.
    let r = s.get("/extra.css");
    assert_eq!(
        (r.status, r.header("content-type").as_deref()),
        (200, Some("text/css; charset=utf-8"))
    );
    assert_eq!(r.body, "body { color: black; }\n");
    assert!(
        !r.body.contains("EventSource"),
        "the script only goes into HTML"
    );
    let r = s.get("/sitemap.xml");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().contains("xml"));
    let r = s.get("/posts/live");
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (301, Some("/posts/live/"))
    );
    let r = s.get("/posts/live/");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(http(s.port, "POST", "/posts/live/").status, 405);
    let head = http(s.port, "HEAD", "/posts/live/");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
}

/// A site with a sub-path in `base_url` is served under it, links and live reload included;
/// a stylesheet edit swaps stylesheets instead of reloading the page.
#[test]
fn sub_path_sites_and_css_only_reloads() {
    let tmp = site_copy("serve-live");
    let root = canonical(&tmp);
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        toml.replace("https://example.org/", "https://example.org/analysis/"),
    )
    .unwrap();
    let s = Server::start(&root, &[]);
    assert_eq!(s.base, "/analysis/");
    let r = s.wait_for("/analysis/posts/live/", "Version 1");
    assert!(
        r.body
            .contains("new EventSource(\"/analysis/__smelt/events\")")
    );
    assert!(
        r.body.contains("href=\"/analysis/posts/neighbour/\""),
        "links carry the base path"
    );
    assert!(
        r.body
            .contains(&format!("http://127.0.0.1:{}/analysis/posts/live/", s.port)),
        "absolute URLs point here"
    );
    assert_eq!(s.get("/").header("location").as_deref(), Some("/analysis/"));
    assert_eq!(s.get("/posts/live/").status, 404);
    let ev = s.listen();
    std::fs::write(root.join("static/extra.css"), "body { color: navy; }\n").unwrap();
    let got = {
        let start = Instant::now();
        loop {
            let got = ev.settle();
            if !got.is_empty() || start.elapsed() > PATIENCE {
                break got;
            }
        }
    };
    assert_eq!(
        got,
        vec![("css".to_string(), "[\"/analysis/extra.css\"]".to_string())]
    );
    assert_eq!(s.get("/analysis/extra.css").body, "body { color: navy; }\n");
}

/// `build` output never carries anything of `serve`.
#[test]
fn build_output_has_no_live_reload() {
    let b = build_dir(&crate::support::fixture("serve-live"), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    for f in b.files() {
        let bytes = std::fs::read(b.out.join(&f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("EventSource") && !text.contains("__smelt"),
            "{f}"
        );
    }
}
