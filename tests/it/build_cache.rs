//! The build cache (`.smelt-cache/build/`) never changes output: a build that uses it gives
//! the tree a clean build of the same sources gives, after any edit; a corrupt cache, or one
//! from another smelt build, is ignored; a build with nothing changed rewrites no file.

use std::path::{Path, PathBuf};

use crate::output_manifest::manifest_of;
use crate::support::{copy_tree, site_copy, smelt};

const SITE: &str = "perf-manifest";

/// Builds `site` into `site/public` (using and updating its cache); returns stderr.
fn build_in_place(site: &Path) -> String {
    let out = smelt()
        .arg("build")
        .arg("--root")
        .arg(site)
        .output()
        .expect("run smelt");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "build failed:\n{stderr}");
    stderr
}

/// The manifest of a clean build of `site`'s sources: a fresh copy without cache or output.
fn clean_manifest(site: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("site");
    copy_tree(site, &copy);
    let _ = std::fs::remove_dir_all(copy.join(".public.smelt-cache"));
    let _ = std::fs::remove_dir_all(copy.join("public"));
    build_in_place(&copy);
    manifest_of(&copy.join("public"))
}

fn cache_file(site: &Path, name: &str) -> PathBuf {
    site.join(".public.smelt-cache").join(name)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The summary line's counts: (changed, unchanged, removed).
fn counts(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("no summary line in:\n{stderr}"));
    let inner = &line[line.find('(').unwrap() + 1..line.find(')').unwrap()];
    let nums: Vec<usize> = inner
        .split(", ")
        .map(|part| part.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (nums[0], nums[1], nums[2])
}

#[cfg(unix)]
fn inodes(out: &Path) -> Vec<(String, u64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let mut v: Vec<(String, u64, i64)> = walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (e.path().display().to_string(), m.ino(), m.mtime_nsec())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn cached_builds_equal_clean_builds_across_edits() {
    let site = site_copy(SITE);
    let root = site.path();
    let out = root.join("public");
    build_in_place(root);
    assert!(cache_file(root, "bodies.bin").is_file());
    assert!(cache_file(root, "outputs.bin").is_file());
    let expected = std::fs::read_to_string(crate::support::fixture(&format!(
        "{SITE}.expected-manifest.txt"
    )))
    .unwrap();
    assert_eq!(manifest_of(&out), expected);

    // Nothing changed: nothing is rewritten, and the tree is the same.
    #[cfg(unix)]
    let before = inodes(&out);
    let stderr = build_in_place(root);
    assert_eq!(counts(&stderr).0, 0, "{stderr}");
    assert_eq!(counts(&stderr).2, 0, "{stderr}");
    #[cfg(unix)]
    assert_eq!(
        inodes(&out),
        before,
        "a build with nothing changed touched files"
    );
    assert_eq!(manifest_of(&out), expected);

    let posts = root.join("content/posts");
    type Step = Box<dyn Fn(&Path)>;
    let steps: Vec<(&str, Step)> = vec![
        (
            "body edit",
            Box::new(|r: &Path| {
                edit(
                    &r.join("content/posts/cache-edge-cases.md"),
                    "MOVE A TO B.",
                    "MOVE B TO C.",
                )
            }),
        ),
        (
            "title edit",
            Box::new(|r: &Path| {
                edit(
                    &r.join("content/posts/magnet-gap.md"),
                    "title:",
                    "title: \"Renamed:\" #",
                )
            }),
        ),
        (
            "tag edit",
            Box::new(|r: &Path| {
                edit(
                    &r.join("content/posts/cache-edge-cases.md"),
                    "Détente]",
                    "Détente, Shipping]",
                )
            }),
        ),
        (
            "new post linked from another",
            Box::new(|r: &Path| {
                std::fs::write(
                r.join("content/posts/draft-notes.md"),
                "---\ntitle: \"Draft Notes, Published\"\ndate: 2025-01-20\nauthor: tobias\n---\nNow public.\n",
            )
            .unwrap()
            }),
        ),
        (
            "post deleted",
            Box::new(|r: &Path| {
                std::fs::remove_file(r.join("content/posts/magnet-gap.md")).unwrap()
            }),
        ),
        (
            "author bio edit",
            Box::new(|r: &Path| {
                let a = r.join("content/authors/mara.md");
                let text = std::fs::read_to_string(&a).unwrap();
                std::fs::write(&a, format!("{text}\nA new closing line of the bio.\n")).unwrap()
            }),
        ),
        (
            "static file edited in place, same size",
            Box::new(|r: &Path| {
                let css = r.join("static/extra.css");
                let text = std::fs::read_to_string(&css).unwrap();
                let swapped: String = text.chars().rev().collect();
                std::fs::write(&css, swapped).unwrap()
            }),
        ),
        (
            "template override added",
            Box::new(|r: &Path| {
                std::fs::create_dir_all(r.join("templates/partials")).unwrap();
                std::fs::write(
                r.join("templates/partials/sidebar.html"),
                "<aside class=\"override\">{% for p in recent %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}</aside>\n",
            )
            .unwrap()
            }),
        ),
        (
            "configuration edit",
            Box::new(|r: &Path| {
                edit(
                    &r.join("site.toml"),
                    "title = \"Midstream Notes\"",
                    "title = \"Midstream Notes & Co\"",
                )
            }),
        ),
        (
            "everything back to a body edit only",
            Box::new(|r: &Path| {
                let _ = std::fs::remove_dir_all(r.join("templates"));
                edit(
                    &r.join("site.toml"),
                    "title = \"Midstream Notes & Co\"",
                    "title = \"Midstream Notes\"",
                )
            }),
        ),
    ];
    for (name, step) in steps {
        step(root);
        let stderr = build_in_place(root);
        let cached = manifest_of(&out);
        let clean = clean_manifest(root);
        assert!(
            cached == clean,
            "after {name}: cached build differs from a clean build\n{stderr}"
        );
        // And once more with nothing changed: the same tree, nothing written.
        let again = build_in_place(root);
        assert_eq!(
            counts(&again).0,
            0,
            "after {name}, a second build wrote files:\n{again}"
        );
        assert_eq!(manifest_of(&out), clean, "after {name}");
    }
    assert!(posts.join("draft-notes.md").is_file());
}

#[test]
fn an_edit_rewrites_only_what_shows_it() {
    let site = site_copy(SITE);
    let root = site.path();
    build_in_place(root);
    // An old post (not in the sidebar, feeds' first entries or the first home page).
    let post = root.join("content/posts/cache-edge-cases.md");
    edit(&post, "A footnote.", "A changed footnote.");
    let stderr = build_in_place(root);
    let (changed, unchanged, removed) = counts(&stderr);
    assert!((1..40).contains(&changed), "{stderr}");
    assert!(unchanged > 400, "{stderr}");
    assert_eq!(removed, 0, "{stderr}");
    assert!(
        std::fs::read_to_string(root.join("public/posts/cache-edge-cases/index.html"))
            .unwrap()
            .contains("A changed footnote.")
    );
}

/// Replaces `from` by `to` (same length) in a cache file and rewrites its checksum, so the
/// file still reads as intact.
fn poison(file: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| {
            panic!(
                "{} has no {:?}",
                file.display(),
                String::from_utf8_lossy(from)
            )
        });
    bytes[at..at + from.len()].copy_from_slice(to);
    let n = bytes.len() - 32;
    let sum = *blake3::hash(&bytes[..n]).as_bytes();
    bytes[n..].copy_from_slice(&sum);
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_cache_from_another_smelt_build_is_ignored() {
    let site = site_copy(SITE);
    let root = site.path();
    build_in_place(root);
    let bodies = cache_file(root, "bodies.bin");
    let heads = cache_file(root, "heads.bin");
    let pristine = std::fs::read(&bodies).unwrap();
    let pristine_heads = std::fs::read(&heads).unwrap();
    let page = root.join("public/posts/magnet-gap/index.html");
    // Control: an intact-looking cache with changed content is used (so this test can see
    // whether a cache was used). Output removed so the page is rendered, not kept.
    poison(&bodies, b"another batch of", b"another BATCH of");
    poison(&heads, b"The Magnet Gap", b"The Magnet Cap");
    std::fs::remove_dir_all(root.join("public")).unwrap();
    build_in_place(root);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("another BATCH of") && html.contains("The Magnet Cap"));
    std::fs::write(&heads, &pristine_heads).unwrap();
    // The same content under another build id: ignored.
    std::fs::write(&bodies, &pristine).unwrap();
    poison(&bodies, b"another batch of", b"another BATCH of");
    let id = smelt::cache::BUILD_ID.as_bytes();
    let mut other = id.to_vec();
    let last = other.len() - 1;
    other[last] = if other[last] == b'0' { b'1' } else { b'0' };
    poison(&bodies, id, &other);
    // The front matter store too: a changed title under another build id.
    poison(&heads, b"The Magnet Gap", b"The Magnet Cap");
    poison(&heads, id, &other);
    std::fs::remove_dir_all(root.join("public")).unwrap();
    build_in_place(root);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("another batch of") && !html.contains("another BATCH of"));
    assert!(html.contains("The Magnet Gap") && !html.contains("The Magnet Cap"));
    assert_eq!(manifest_of(&root.join("public")), clean_manifest(root));
}

#[test]
fn a_corrupt_cache_is_ignored_never_fatal() {
    let site = site_copy(SITE);
    let root = site.path();
    build_in_place(root);
    let clean = clean_manifest(root);
    let bodies = cache_file(root, "bodies.bin");
    let outputs = cache_file(root, "outputs.bin");
    let heads = cache_file(root, "heads.bin");
    let good_heads = std::fs::read(&heads).unwrap();
    let good_bodies = std::fs::read(&bodies).unwrap();
    let good_outputs = std::fs::read(&outputs).unwrap();
    let flipped = |b: &[u8]| {
        let mut v = b.to_vec();
        let mid = v.len() / 2;
        v[mid] ^= 0x20;
        v
    };
    let damages: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        ("empty files", Vec::new(), Vec::new()),
        (
            "truncated",
            good_bodies[..good_bodies.len() / 3].to_vec(),
            good_outputs[..10].to_vec(),
        ),
        (
            "a flipped bit",
            flipped(&good_bodies),
            flipped(&good_outputs),
        ),
        ("garbage", vec![0xFF; 4096], b"not a cache at all".to_vec()),
        ("swapped", good_outputs.clone(), good_bodies.clone()),
    ];
    for (name, b, o) in damages {
        // The front matter store gets the damage of the bodies store, applied to itself.
        let h = match name {
            "empty files" => Vec::new(),
            "truncated" => good_heads[..good_heads.len() / 3].to_vec(),
            "a flipped bit" => flipped(&good_heads),
            "swapped" => good_bodies.clone(),
            _ => b.clone(),
        };
        std::fs::write(&bodies, &b).unwrap();
        std::fs::write(&outputs, &o).unwrap();
        std::fs::write(&heads, &h).unwrap();
        // With the previous output in place, and without it.
        build_in_place(root);
        assert_eq!(
            manifest_of(&root.join("public")),
            clean,
            "{name}, output kept"
        );
        std::fs::write(&bodies, &b).unwrap();
        std::fs::write(&outputs, &o).unwrap();
        std::fs::write(&heads, &h).unwrap();
        std::fs::remove_dir_all(root.join("public")).unwrap();
        build_in_place(root);
        assert_eq!(
            manifest_of(&root.join("public")),
            clean,
            "{name}, output removed"
        );
    }
    // A cache folder that cannot be used as one.
    std::fs::remove_dir_all(root.join(".public.smelt-cache")).unwrap();
    std::fs::write(
        root.join(".public.smelt-cache"),
        "a file where the folder should be",
    )
    .unwrap();
    build_in_place(root);
    assert_eq!(manifest_of(&root.join("public")), clean);
}

#[test]
fn cache_made_with_other_options_is_not_used_for_these() {
    let site = site_copy(SITE);
    let root = site.path();
    // Drafts and another base URL first, then the normal build: its output is the clean one.
    let out = smelt()
        .args([
            "build",
            "--drafts",
            "--base-url",
            "https://other.example/sub/",
            "--root",
        ])
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(root.join("public/posts/draft-notes/index.html").is_file());
    build_in_place(root);
    assert!(!root.join("public/posts/draft-notes/index.html").exists());
    assert_eq!(manifest_of(&root.join("public")), clean_manifest(root));
}

/// Two builds started together into one folder take turns (they would share the staging
/// folder and the cache): both succeed, and the output is a clean build's.
#[test]
fn builds_started_together_take_turns() {
    let tmp = site_copy(SITE);
    let site = tmp.path();
    build_in_place(site);
    for e in std::fs::read_dir(site.join("content/posts")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, format!("{text}\nOne more line.\n")).unwrap();
        }
    }
    // The second build names the folder through a symbolic link: still one folder, one lock.
    #[cfg(unix)]
    std::os::unix::fs::symlink("public", site.join("link-to-public")).unwrap();
    let out = if cfg!(unix) {
        "link-to-public"
    } else {
        "public"
    };
    let start = |out: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("smelt"))
            .env("NO_COLOR", "1")
            .arg("build")
            .arg("--root")
            .arg(site)
            .arg("-o")
            .arg(site.join(out))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start("public"), start(out));
    for run in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert!(stderr.contains("built "), "{stderr}");
    }
    let _ = std::fs::remove_file(site.join("link-to-public"));
    assert_eq!(manifest_of(&site.join("public")), clean_manifest(site));
    assert!(cache_file(site, "build.lock").is_file());
}

/// `smelt build --root site` into `site/public`: (exit code, stderr).
#[cfg(unix)]
fn build_status(site: &Path) -> (i32, String) {
    let out = smelt()
        .arg("build")
        .arg("--root")
        .arg(site)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// A Markdown post of `site` (the first one `read_dir` gives).
#[cfg(unix)]
fn first_post(site: &Path) -> PathBuf {
    std::fs::read_dir(site.join("content/posts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .unwrap()
}

/// The output folder and the folders in it keep the permissions their owner gave them
/// (the new site is swapped in as a new folder).
#[cfg(unix)]
#[test]
fn output_folders_keep_their_permissions() {
    let tmp = site_copy(SITE);
    let site = tmp.path();
    build_in_place(site);
    let public = site.join("public");
    let posts = public.join("posts");
    set_mode(&public, 0o750);
    set_mode(&posts, 0o710);
    let post = first_post(site);
    edit(&post, "\n---\n", "\n---\nA new first paragraph.\n\n");
    let stderr = build_in_place(site);
    assert!(counts(&stderr).0 > 0, "{stderr}");
    assert_eq!(mode(&public), 0o750);
    assert_eq!(mode(&posts), 0o710);
}

/// A read-only output folder is not replaced behind its owner's back: the build stops
/// before writing, saying why, and leaves it as it was, also with privileges that could
/// write anyway (root in a container or CI).
#[cfg(unix)]
#[test]
fn a_read_only_output_folder_is_refused() {
    let tmp = site_copy(SITE);
    let site = tmp.path();
    build_in_place(site);
    let public = site.join("public");
    let before = manifest_of(&public);
    let post = first_post(site);
    edit(&post, "\n---\n", "\n---\nA new first paragraph.\n\n");
    set_mode(&public, 0o555);
    let (code, stderr) = build_status(site);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is read-only (mode 555)") && stderr.contains("make it writable"),
        "{stderr}"
    );
    assert_eq!(manifest_of(&public), before);
    assert_eq!(mode(&public), 0o555);
    assert!(!site.join(".public.smelt-staging").exists());
    // Writable by its group only (as for a shared web folder): not read-only.
    set_mode(&public, 0o575);
    let (code, stderr) = build_status(site);
    assert!(!stderr.contains("is read-only"), "{stderr}");
    if code == 0 {
        assert_ne!(manifest_of(&public), before);
    }
    set_mode(&public, 0o755);
    let (code, stderr) = build_status(site);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(manifest_of(&public), before);
}

/// A staging folder an earlier build could not remove (folders in it made read-only) is
/// removed by the next build.
#[cfg(unix)]
#[test]
fn a_leftover_read_only_staging_folder_is_removed() {
    let tmp = site_copy(SITE);
    let site = tmp.path();
    let stuck = site.join(".public.smelt-staging/posts/x");
    std::fs::create_dir_all(&stuck).unwrap();
    std::fs::write(stuck.join("index.html"), "old").unwrap();
    set_mode(&stuck, 0o555);
    set_mode(&site.join(".public.smelt-staging/posts"), 0o555);
    build_in_place(site);
    assert!(!site.join(".public.smelt-staging").exists());
    assert!(site.join("public/index.html").is_file());
}

/// An output tree given to another group (a web server's: `chgrp -R web public; chmod g+s
/// public`): the files and folders smelt writes next, the pages of a new post included,
/// take that group.
#[cfg(unix)]
#[test]
fn files_take_the_group_of_a_setgid_output_folder() {
    use std::os::unix::fs::MetadataExt;
    let tmp = site_copy(SITE);
    let site = tmp.path();
    build_in_place(site);
    let public = site.join("public");
    let group = 65534; // nogroup on Debian; any group the test may give a folder to
    for e in walkdir::WalkDir::new(&public) {
        if std::os::unix::fs::chown(e.unwrap().path(), None, Some(group)).is_err() {
            return; // not allowed here: nothing to check
        }
    }
    set_mode(&public, 0o2775);
    std::fs::write(
        site.join("content/posts/brand-new.md"),
        "---\ntitle: Brand New\ndate: 2026-01-01\n---\nNew text.\n",
    )
    .unwrap();
    build_in_place(site);
    let page = public.join("posts/brand-new/index.html");
    assert_eq!(std::fs::metadata(&page).unwrap().gid(), group);
    assert_eq!(
        std::fs::metadata(public.join("index.html")).unwrap().gid(),
        group
    );
    let folder = std::fs::metadata(public.join("posts/brand-new")).unwrap();
    assert_eq!((folder.gid(), folder.mode() & 0o2000), (group, 0o2000));
    assert_eq!(mode(&public), 0o2775);
}
