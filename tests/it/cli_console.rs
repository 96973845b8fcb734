//! What the commands print and how they end, through the real binary: closed pipes never make
//! a command panic or change its exit code; "no site" is the same usage error (exit 2) for
//! every command; counts agree in number; human diagnostics of `build` are laid out as
//! `check` lays them out; `--format short` always places a file's problem at line:col.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::smelt;

/// The real binary as a plain process (for pipes the harness does not offer).
fn bin() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("smelt"));
    c.env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

/// `smelt init` in a new temp folder; returns it and the site folder.
fn init_site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let o = smelt().arg("init").arg(&site).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (tmp, site)
}

/// Adds `n` posts, each with a warning in `build` (no citation).
fn add_posts(site: &Path, n: usize) {
    for i in 0..n {
        std::fs::write(
            site.join(format!("content/posts/post-{i:04}.md")),
            format!(
                "---\ntitle: \"Post number {i} with a title long enough to fill a line\"\ndate: 2024-01-01\nhighlights: [a, b]\n---\nBody {i}.\n"
            ),
        )
        .unwrap();
    }
}

/// Waits for `child` at most a minute; kills it and fails if it runs longer.
fn wait(mut child: Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{what} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every command, with standard output or standard error (or both) closed before it writes
/// anything, finishes with its normal exit code (a panic is 101, death by SIGPIPE no code).
#[test]
fn closed_pipes_never_panic_or_change_the_exit_code() {
    let (_tmp, site) = init_site();
    add_posts(&site, 40);
    let (_tmp2, broken) = init_site();
    std::fs::write(
        broken.join("content/posts/bad.md"),
        "---\ntitle: Bad\ndate: nope\n---\nx\n",
    )
    .unwrap();
    let root = |p: &Path| vec!["--root".to_string(), p.display().to_string()];
    let cases: Vec<(Vec<String>, &Path, i32)> = vec![
        (vec!["list".into()], &site, 0),
        (vec!["build".into()], &site, 0),
        (vec!["build".into()], &broken, 1),
        (vec!["check".into()], &site, 0),
        (
            vec!["check".into(), "--format".into(), "short".into()],
            &broken,
            1,
        ),
        (vec!["new".into(), "A post from a pipe".into()], &site, 0),
        (vec!["list".into()], &broken, 1),
    ];
    for (args, dir, code) in &cases {
        let args: Vec<String> = args.iter().cloned().chain(root(dir)).collect();
        // Standard output closed, standard error read: no panic message, same code.
        let o = bin()
            .args(&args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}:\n{err}");
        assert_eq!(o.status.code(), Some(*code), "{args:?}:\n{err}");
        let made = site.join("content/posts/a-post-from-a-pipe.md");
        if args[0] == "new" {
            // Made even though its path could not be printed; the next round makes it again.
            std::fs::remove_file(&made).unwrap();
        }
        // Standard error closed as well.
        let child = bin()
            .args(&args)
            .stdout(closed_pipe())
            .stderr(closed_pipe())
            .spawn()
            .unwrap();
        assert_eq!(wait(child, &args.join(" ")).code(), Some(*code), "{args:?}");
        if args[0] == "new" {
            std::fs::remove_file(&made).unwrap();
        }
    }
}

/// A reader that takes one line and goes away (`smelt list | head -1`) on a listing far
/// larger than a pipe's buffer, and `smelt build 2>&1 | head -3` on a site with errors.
#[test]
fn a_reader_that_stops_after_one_line() {
    let (_tmp, site) = init_site();
    add_posts(&site, 1500);
    for (args, code) in [(vec!["list"], 0), (vec!["check", "--format", "short"], 0)] {
        let mut child = bin()
            .args(&args)
            .arg("--root")
            .arg(&site)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // The reading end is closed here, while the command still has lines to write.
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}:\n{err}");
        assert_eq!(o.status.code(), Some(code), "{args:?}:\n{err}");
    }
    // Far more errors than a pipe holds (each one is several lines with a snippet).
    for i in 0..600 {
        std::fs::write(
            site.join(format!("content/posts/bad-{i}.md")),
            "---\ntitle: Bad\ndate: nope\n---\nx\n",
        )
        .unwrap();
    }
    let mut child = bin()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap());
    for _ in 0..3 {
        let mut l = String::new();
        lines.read_line(&mut l).unwrap();
    }
    drop(lines);
    assert_eq!(wait(child, "build").code(), Some(1));
}

/// Every command that works on a site says the same thing, with exit code 2, when there is
/// none; the folder is shown as it was given; `serve` exits instead of serving.
#[test]
fn no_site_is_the_same_usage_error_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let commands: [&[&str]; 5] = [
        &["build"],
        &["check"],
        &["serve", "--port", "0"],
        &["list"],
        &["new", "A title"],
    ];
    for args in commands {
        let name = args[0];
        let hint = format!(
            "run smelt {name} in a site folder, pass --root DIR, or create a site with `smelt init`\n"
        );
        // In the folder itself.
        let child = bin()
            .args(args)
            .current_dir(&empty)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_output(child, name);
        assert_eq!(status.0.code(), Some(2), "{name}: {}", status.2);
        assert_eq!(
            status.2,
            format!("error: no site.toml in the current folder: {hint}"),
            "{name}"
        );
        assert_eq!(status.1, "", "{name}");
        // Given relative, shown relative; given absolute, shown absolute.
        for (cwd, root) in [
            (tmp.path().to_path_buf(), PathBuf::from("empty")),
            (tmp.path().to_path_buf(), empty.clone()),
        ] {
            let child = bin()
                .args(args)
                .arg("--root")
                .arg(&root)
                .current_dir(&cwd)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let status = wait_output(child, name);
            assert_eq!(status.0.code(), Some(2), "{name}: {}", status.2);
            assert_eq!(
                status.2,
                format!("error: no site.toml in {}: {hint}", root.display()),
                "{name}"
            );
        }
    }
    // Nothing was created in the empty folder.
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // A --root that does not exist, and a site.toml that is a folder, are named as such.
    let missing = tmp.path().join("nope");
    let out = bin()
        .args(["build", "--root"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: the folder {0} does not exist: pass --root the folder that holds site.toml, or create a site there with `smelt init {0}`\n",
            missing.display()
        )
    );
    std::fs::create_dir(empty.join("site.toml")).unwrap();
    let out = bin()
        .args(["check", "--root"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: site.toml in {} is not a file: smelt reads its configuration from a file named site.toml\n",
            empty.display()
        )
    );
}

/// [`wait`], then the process's standard output and standard error as text.
fn wait_output(mut child: Child, what: &str) -> (std::process::ExitStatus, String, String) {
    let out = child.stdout.take();
    let err = child.stderr.take();
    let read = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = read(out.map(|o| Box::new(o) as Box<dyn std::io::Read + Send>));
    let err = read(err.map(|e| Box::new(e) as Box<dyn std::io::Read + Send>));
    let status = wait(child, what);
    (status, out.join().unwrap(), err.join().unwrap())
}

/// `built 1 post, 0 pages, …`: the summaries of `build` and `serve` agree in number.
#[test]
fn counts_in_summaries_agree_in_number() {
    let (_tmp, site) = init_site();
    let o = smelt()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.starts_with("built 1 post, 0 pages, "), "{err}");
    std::fs::create_dir_all(site.join("content/pages")).unwrap();
    std::fs::write(
        site.join("content/pages/about.md"),
        "---\ntitle: About\n---\nUs.\n",
    )
    .unwrap();
    add_posts(&site, 1);
    let o = smelt()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(err.contains("built 2 posts, 1 page, "), "{err}");

    let (_tmp, one) = init_site();
    let mut child = bin()
        .args(["serve", "--port", "0", "--root"])
        .arg(&one)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let built = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.starts_with("built "));
    let _ = child.kill();
    let _ = child.wait();
    let built = built.expect("serve printed a summary");
    assert!(built.starts_with("built 1 post, "), "{built}");
}

/// `build` prints each diagnostic as `check` does: a blank line after each one's `help:`,
/// so two diagnostics never run together.
#[test]
fn build_lays_out_diagnostics_as_check_does() {
    let (_tmp, site) = init_site();
    for name in ["a", "b"] {
        std::fs::write(
            site.join(format!("content/posts/{name}.md")),
            format!(
                "---\ntitle: {name}\ndate: 2024-01-01\nhighlights: [x, y]\ncitation: c\n---\nBody.\n\n```nolang\nx\n```\n"
            ),
        )
        .unwrap();
    }
    std::fs::create_dir_all(site.join("content/notes")).unwrap();
    std::fs::write(site.join("content/notes/idea.md"), "# An idea\n").unwrap();
    let build = smelt()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .output()
        .unwrap();
    let err = stderr(&build);
    assert_eq!(build.status.code(), Some(0), "{err}");
    let (diagnostics, summary) = err.split_once("built ").expect("a summary line");
    assert!(summary.ends_with("; 3 problems reported above\n"), "{err}");
    let helps: Vec<&str> = diagnostics
        .lines()
        .filter(|l| l.trim_start().starts_with("help: "))
        .collect();
    assert_eq!(helps.len(), 3, "{diagnostics}");
    for help in helps {
        assert!(
            diagnostics.contains(&format!("{help}\n\n")),
            "no blank line after {help:?}:\n{diagnostics}"
        );
    }
    // The same diagnostic reads the same in both commands.
    let check = smelt()
        .arg("check")
        .arg("--root")
        .arg(&site)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout).into_owned();
    let layout = diagnostics
        .split_inclusive("\n\n")
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "content-layout\n\n")
        .map(|w| format!("{}{}", w[0], w[1]))
        .expect("a content-layout warning");
    assert!(
        layout.ends_with(
            "help: move it into content/posts/ (a post) or content/pages/ (a standalone page)\n\n"
        ),
        "{layout}"
    );
    assert!(report.starts_with(&layout), "{layout}\n---\n{report}");
}

/// `--format short` gives every problem with a file a line and column: `1:1` for one about
/// the whole file.
#[test]
fn short_format_always_has_line_and_column() {
    let (_tmp, site) = init_site();
    std::fs::create_dir_all(site.join("content/notes")).unwrap();
    std::fs::write(site.join("content/notes/idea.md"), "# An idea\n").unwrap();
    let o = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(&site)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        report.lines().any(|l| l
            == "content/notes/idea.md:1:1: warning: Markdown file outside content/posts, content/pages and content/authors is ignored [content-layout]"),
        "{report}"
    );
    for line in report.lines() {
        let (place, _) = line
            .split_once(": warning: ")
            .or_else(|| line.split_once(": error: "))
            .unwrap_or_else(|| panic!("no severity in {line:?}"));
        let mut parts = place.rsplitn(3, ':');
        let col = parts.next().unwrap();
        let row = parts.next().unwrap_or("");
        assert!(
            col.parse::<usize>().is_ok() && row.parse::<usize>().is_ok(),
            "no line:col in {line:?}"
        );
    }
}
