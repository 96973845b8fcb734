//! The build snapshot: a build whose inputs and output are exactly as the last build left
//! them replays that build (same summary and warnings; nothing read, rendered or written).
//! Any change to an input, the output or the options, and a scheduled post coming due, makes
//! it build again, and the output is then the one a clean build gives.
//!
//! A snapshot is only recorded when every input is more than two seconds old (a write within
//! a clock tick of the read could keep its stamp), so the sites here are prepared first and
//! the test waits once for all of them.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::output_manifest::manifest_of;
use crate::support::{copy_tree, site_copy, smelt};

const SITE: &str = "perf-manifest";

/// What the trace prints when a build replays the snapshot.
const REPLAYED: &str = "trace: snapshot:";

/// Builds `root` into `root/public` with `args`; returns stderr (with step timings).
fn build(root: &Path, args: &[&str]) -> String {
    let out = smelt()
        .env("SMELT_TRACE", "1")
        .arg("build")
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("run smelt");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "build failed:\n{stderr}");
    stderr
}

/// What a user sees of a build: stderr without step timings and the build time.
fn shown(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| !l.starts_with("trace: "))
        .map(|l| match (l.starts_with("built "), l.rfind(" in ")) {
            (true, Some(at)) => {
                let rest = &l[at + 4..];
                let after_ms = rest.find(" ms").map_or("", |i| &rest[i + 3..]);
                format!("{} in _ ms{after_ms}", &l[..at])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The output of a clean build of `root`'s sources (a fresh copy: no cache, no output).
fn clean_manifest(root: &Path, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("site");
    copy_tree(root, &copy);
    let _ = std::fs::remove_dir_all(copy.join(".public.smelt-cache"));
    let _ = std::fs::remove_dir_all(copy.join("public"));
    build(&copy, args);
    manifest_of(&copy.join("public"))
}

#[cfg(unix)]
fn stamps(out: &Path) -> Vec<(String, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let mut v: Vec<_> = walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            let rel = e.path().strip_prefix(out).unwrap().display().to_string();
            (rel, m.ino(), m.mtime_nsec(), m.ctime_nsec())
        })
        .collect();
    v.sort();
    v
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

type Change = fn(&Path);

/// Changes made after a snapshot was recorded; each must make the next build run, with the
/// build options given.
const CHANGES: &[(&str, Change, &[&str])] = &[
    (
        "a post edited, same size",
        |r| {
            replace(
                &r.join("content/posts/cache-edge-cases.md"),
                "MOVE A TO B.",
                "MOVE A TO C.",
            )
        },
        &[],
    ),
    (
        "a post rewritten with the same bytes",
        |r| {
            let p = r.join("content/posts/copper-and-the-grid.md");
            std::fs::write(&p, std::fs::read(&p).unwrap()).unwrap()
        },
        &[],
    ),
    (
        "a post deleted",
        |r| std::fs::remove_file(r.join("content/posts/copper-and-the-grid.md")).unwrap(),
        &[],
    ),
    (
        "a static file added",
        |r| std::fs::write(r.join("static/added.txt"), "new\n").unwrap(),
        &[],
    ),
    (
        "a template override added",
        |r| {
            std::fs::create_dir_all(r.join("templates/partials")).unwrap();
            std::fs::write(
                r.join("templates/partials/sidebar.html"),
                "<aside class=\"override\">{% for p in recent %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}</aside>\n",
            )
            .unwrap()
        },
        &[],
    ),
    (
        "site.toml edited",
        |r| {
            replace(
                &r.join("site.toml"),
                "title = \"Midstream Notes\"",
                "title = \"Midstream Notez\"",
            )
        },
        &[],
    ),
    (
        "an output file deleted",
        |r| std::fs::remove_file(r.join("public/index.html")).unwrap(),
        &[],
    ),
    (
        "an output file edited by hand, same size",
        |r| {
            let page = r.join("public/index.html");
            let text = std::fs::read_to_string(&page).unwrap();
            let i = text.find("<title>").unwrap() + "<title>".len();
            let mut bytes = text.into_bytes();
            bytes[i] = if bytes[i] == b'X' { b'Y' } else { b'X' };
            std::fs::write(&page, bytes).unwrap()
        },
        &[],
    ),
    (
        "the manifest deleted",
        |r| std::fs::remove_file(r.join("public/.smelt-manifest")).unwrap(),
        &["--force"],
    ),
];

#[test]
fn builds_replay_only_when_nothing_changed() {
    let sites: Vec<tempfile::TempDir> = (0..CHANGES.len() + 2).map(|_| site_copy(SITE)).collect();
    // A post scheduled seconds from now: the snapshot must stop replaying when it is due.
    // Its builds come first, and the margin is wide, so that a machine busy with other tests
    // still builds twice before it is due.
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(20);
    let scheduled = sites.last().unwrap().path();
    std::fs::write(
        scheduled.join("content/posts/scheduled-soon.md"),
        format!(
            "---\ntitle: \"Scheduled Soon\"\ndate: {}\nauthor: tobias\n---\nOut when due.\n",
            due.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(2_200));

    // Scheduled: replayed until the date passes (built with the post in it at the end).
    build(scheduled, &[]);
    let early = build(scheduled, &[]);
    assert!(jiff::Timestamp::now() < due, "test machine too slow");
    assert!(early.contains(REPLAYED), "not replayed:\n{early}");
    assert!(!scheduled.join("public/posts/scheduled-soon").exists());

    // Nothing changed: the same report, and not one output file touched.
    let root = sites[0].path();
    let first = build(root, &[]);
    assert!(!first.contains(REPLAYED), "{first}");
    assert!(root.join(".public.smelt-cache/snapshot.bin").is_file());
    #[cfg(unix)]
    let before = stamps(&root.join("public"));
    let again = build(root, &[]);
    assert!(again.contains(REPLAYED), "not replayed:\n{again}");
    let first_shown = shown(&first).replace(
        "(461 changed, 0 unchanged, 0 removed)",
        "(0 changed, 461 unchanged, 0 removed)",
    );
    assert_eq!(shown(&again), first_shown);
    assert!(first_shown.contains("unknown code block language `cobolish`"));
    assert!(first_shown.contains("2 problems reported above"));
    #[cfg(unix)]
    assert_eq!(stamps(&root.join("public")), before);

    for ((name, change, args), site) in CHANGES.iter().zip(&sites[1..]) {
        let root = site.path();
        let recorded = build(root, args);
        assert!(!recorded.contains(REPLAYED), "{name}: {recorded}");
        assert!(
            build(root, args).contains(REPLAYED),
            "{name}: no replay before the change"
        );
        change(root);
        let after = build(root, args);
        assert!(!after.contains(REPLAYED), "{name}: replayed:\n{after}");
        assert_eq!(
            manifest_of(&root.join("public")),
            clean_manifest(root, args),
            "{name}: output differs from a clean build"
        );
    }

    // Options differ from the snapshot's: each build runs, and its output is the clean one.
    let root = sites[CHANGES.len()].path();
    let sub: &[&str] = &["--base-url", "https://example.org/sub/"];
    for args in [&["--drafts"][..], &[], &["--future"], sub, &[]] {
        let built = build(root, args);
        assert!(!built.contains(REPLAYED), "{args:?}: {built}");
        assert_eq!(
            manifest_of(&root.join("public")),
            clean_manifest(root, args),
            "{args:?}"
        );
    }
    assert!(build(root, &[]).contains(REPLAYED));

    // A build right after an edit records no snapshot (its inputs are too new to trust by
    // stamp); the build after that runs in full and is correct.
    let root = sites[1].path();
    assert!(!root.join(".public.smelt-cache/snapshot.bin").exists());

    let wait = Instant::now();
    while jiff::Timestamp::now() <= due + jiff::SignedDuration::from_secs(1) {
        assert!(wait.elapsed() < Duration::from_secs(40));
        std::thread::sleep(Duration::from_millis(100));
    }
    let late = build(scheduled, &[]);
    assert!(
        !late.contains(REPLAYED),
        "replayed after the due date:\n{late}"
    );
    assert!(
        scheduled
            .join("public/posts/scheduled-soon/index.html")
            .is_file()
    );
}
