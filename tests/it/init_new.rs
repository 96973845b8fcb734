//! `smelt init`, `smelt new` and `smelt list`, end to end through the real binary.

use std::path::Path;

use crate::support::{build_dir, smelt};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn today_utc() -> String {
    jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[test]
fn init_then_new_then_build() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("field-notes");
    let o = smelt().arg("init").arg(&site).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "site.toml",
        "content/posts/welcome.md",
        "content/authors/editor.md",
        ".gitignore",
    ] {
        assert!(site.join(f).is_file(), "{f} missing");
    }
    // The theme stays embedded.
    assert!(!site.join("themes").exists());
    let toml = std::fs::read_to_string(site.join("site.toml")).unwrap();
    assert!(toml.contains("title = \"Field Notes\""), "{toml}");
    assert!(
        toml.lines().filter(|l| l.starts_with('#')).count() > 10,
        "site.toml has comments"
    );

    let o = smelt()
        .args([
            "new",
            "Oil & Gas: The \"Quiet\" Squeeze",
            "--tags",
            "Oil & Gas,Shipping",
            "--root",
        ])
        .arg(&site)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = stdout(&o);
    let path = Path::new(printed.trim());
    assert!(
        path.ends_with("content/posts/oil-and-gas-the-quiet-squeeze.md"),
        "{printed}"
    );
    // Every key a post has, each explained; highlights and citation are left for the writer.
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text,
        format!(
            r#"---
title: "Oil & Gas: The \"Quiet\" Squeeze"
# Publication date: YYYY-MM-DD, or with a time and offset (2026-01-27T09:30:00+01:00).
date: {}
# The id of a file in content/authors/ (a list for several authors).
author: "editor"
# Topics, each with a page of its own: tags: [Trade, Rare Earths]
tags: ["Oil & Gas", "Shipping"]
# Two to five one-sentence points for the Highlights box, one per line:
#   highlights:
#     - The first point.
#     - The second point.
# `smelt check` warns while the list is empty.
highlights: []
# What the analysis rests on, one line (`smelt check` warns while there is none):
# citation: "Publication, Jan. 26, 2026"
# or a list of sources:
# sources:
#   - {{title: "…", publisher: "…", url: "https://…", date: 2026-01-26}}
# Optional: summary (plain text for listings and feeds), updated (a date), image (the
# social card), slug (the URL's last part), aliases (old URLs), draft: true.
---

<!-- Write the analysis here. The first paragraph (or the text before a "more" marker) is the summary. -->
"#,
            today_utc()
        )
    );
    // A fresh post is valid: `check` passes with exactly the two warnings that ask for the
    // highlights and the citation (the sample post has neither), and fails under
    // --deny-warnings until they are written.
    let check = |args: &[&str]| {
        let o = smelt()
            .args(["check", "--format", "short", "--root"])
            .arg(&site)
            .args(args)
            .output()
            .unwrap();
        (o.status.code(), stdout(&o))
    };
    let (code, out) = check(&[]);
    assert_eq!(
        (code, out.as_str()),
        (
            Some(0),
            "content/posts/oil-and-gas-the-quiet-squeeze.md:14:13: warning: post has no highlights (expected 2–5) [highlights-count]\n\
             content/posts/oil-and-gas-the-quiet-squeeze.md:22:1: warning: post has neither `citation:` nor `sources:` [missing-citation]\n"
        )
    );
    assert_eq!(check(&["--deny-warnings"]).0, Some(1));

    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/oil-and-gas-the-quiet-squeeze/index.html");
    assert!(
        page.contains("Oil &amp; Gas: The &quot;Quiet&quot; Squeeze"),
        "title escaped once"
    );
    // The sample post's highlights read as plain text (front matter is not Markdown).
    let welcome = b.read("posts/welcome/index.html");
    let list = welcome
        .split("<ul class=\"highlights-list\">")
        .nth(1)
        .and_then(|r| r.split("</ul>").next())
        .unwrap_or_default();
    assert_eq!(
        list.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>(),
        [
            "<li>Every post is a Markdown file in content/posts/ with YAML front matter on top.</li>",
            "<li>While you write, smelt serve shows the site and reloads the page on every save.</li>",
            "<li>When you are done, smelt build writes the finished site to public/ for any static host.</li>",
        ]
    );
    assert!(b.has("tags/oil-and-gas/index.html"));
    assert!(b.has("authors/editor/index.html"));
}

#[test]
fn init_refuses_a_non_empty_folder_and_copies_the_theme_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let o = smelt().arg("init").arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not empty (it has notes.txt)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("site.toml").exists());

    let site = tmp.path().join("copy");
    std::fs::create_dir_all(site.join(".git")).unwrap();
    let o = smelt()
        .arg("init")
        .arg(&site)
        .arg("--theme-copy")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(site.join("themes/default/templates/post.html").is_file());
    assert!(site.join("themes/default/static/style.css").is_file());
    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
}

#[test]
fn new_refuses_to_overwrite_and_unknown_authors() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    assert!(
        smelt()
            .arg("init")
            .arg(site)
            .output()
            .unwrap()
            .status
            .success()
    );
    let first = smelt()
        .args(["new", "Same Title", "--root"])
        .arg(site)
        .output()
        .unwrap();
    assert!(first.status.success());
    let path = site.join("content/posts/same-title.md");
    std::fs::write(&path, "---\ntitle: \"Mine\"\ndate: 2026-01-01\n---\nkept\n").unwrap();
    let again = smelt()
        .args(["new", "Same Title", "--root"])
        .arg(site)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "---\ntitle: \"Mine\"\ndate: 2026-01-01\n---\nkept\n"
    );
    let o = smelt()
        .args(["new", "Another", "--author", "editr", "--root"])
        .arg(site)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown author `editr`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("did you mean `editor`?"),
        "{}",
        stderr(&o)
    );
    assert!(!site.join("content/posts/another.md").exists());
}

#[test]
fn list_shows_drafts_and_scheduled_posts_with_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    assert!(
        smelt()
            .arg("init")
            .arg(site)
            .output()
            .unwrap()
            .status
            .success()
    );
    let o = smelt()
        .args(["new", "Work in Progress", "--draft", "--root"])
        .arg(site)
        .output()
        .unwrap();
    assert!(o.status.success());
    std::fs::write(
        site.join("content/posts/next-year.md"),
        // A title over two lines, with a control character, is listed on one line without it.
        "---\ntitle: \"Next\\nYear\\a\\u202E\"\ndate: 2999-01-01\nauthor: editor\n---\nLater.\n",
    )
    .unwrap();
    let list = |args: &[&str]| {
        let o = smelt()
            .arg("list")
            .args(args)
            .arg("--root")
            .arg(site)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let today = today_utc();
    assert_eq!(
        list(&[]),
        format!(
            "2999-01-01  scheduled  content/posts/next-year.md         Next Year\n\
             {today}  published  content/posts/welcome.md           Welcome to Your New Analysis Site\n\
             {today}  draft      content/posts/work-in-progress.md  Work in Progress\n"
        )
    );
    assert_eq!(
        list(&["--drafts"]),
        format!("{today}  draft  content/posts/work-in-progress.md  Work in Progress\n")
    );
    assert_eq!(
        list(&["--future"]),
        "2999-01-01  scheduled  content/posts/next-year.md  Next Year\n"
    );

    // build leaves the scheduled post out unless --future; drafts only with --drafts.
    let b = build_dir(site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(!b.has("posts/next-year/index.html"));
    assert!(!b.has("posts/work-in-progress/index.html"));
    let b = build_dir(site, &["--future"]);
    assert!(b.has("posts/next-year/index.html"));
    let b = build_dir(site, &["--drafts"]);
    assert!(b.has("posts/work-in-progress/index.html"));
}

/// A new site for the `new` tests below, with `files` (site-relative path, text) added.
fn new_site(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = smelt().arg("init").arg(tmp.path()).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for (rel, text) in files {
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}

fn new_post(site: &Path, args: &[&str]) -> std::process::Output {
    smelt()
        .arg("new")
        .args(args)
        .arg("--root")
        .arg(site)
        .output()
        .unwrap()
}

#[test]
fn new_writes_each_tag_once_first_spelling_kept() {
    let site = new_site(&[]);
    let o = new_post(
        site.path(),
        &[
            "Tagged",
            "--tags",
            ",, ,A,a, B ,R&D,r and d, Rare   Earths ,b",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(site.path().join("content/posts/tagged.md")).unwrap();
    let tags: Vec<&str> = text.lines().filter(|l| l.starts_with("tags:")).collect();
    assert_eq!(tags, vec![r#"tags: ["A", "B", "R&D", "Rare Earths"]"#]);
    // Letter case alone is one tag without a word; another spelling of the same URL is named.
    assert_eq!(
        stderr(&o),
        "note: tag `r and d` has the same URL as tag `R&D`: written once, as `R&D`\n"
    );
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(!b.stderr().contains("tag-collision"), "{}", b.stderr());
}

#[test]
fn new_writes_a_tag_the_site_has_in_the_site_spelling() {
    let site = new_site(&[
        (
            "content/posts/older.md",
            "---\ntitle: Older\ndate: 2024-01-01\ntags: [rare earths]\n---\nx\n",
        ),
        (
            "content/posts/newest.md",
            "---\ntitle: Newest\ndate: 2024-03-01\ntags: [Rare Earths, AI Policy]\n---\nx\n",
        ),
        // Drafts are not what the site shows, even when newer.
        (
            "content/posts/draft.md",
            "---\ntitle: Draft\ndate: 2024-06-01\ndraft: true\ntags: [RARE EARTHS]\n---\nx\n",
        ),
    ]);
    let o = new_post(
        site.path(),
        &[
            "Tagged",
            "--tags",
            "rare earths,ai policy,AI_Policy,Fresh Topic",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(site.path().join("content/posts/tagged.md")).unwrap();
    let tags: Vec<&str> = text.lines().filter(|l| l.starts_with("tags:")).collect();
    assert_eq!(
        tags,
        vec![r#"tags: ["Rare Earths", "AI Policy", "Fresh Topic"]"#]
    );
    assert_eq!(
        stderr(&o),
        "note: tag `AI_Policy` has the same URL as tag `AI Policy`: written once, as `AI Policy`\n\
         note: tag `rare earths` written as `Rare Earths`, the spelling the site already uses for it\n\
         note: tag `ai policy` written as `AI Policy`, the spelling the site already uses for it\n"
    );
    // The tag page keeps its name now that the new post is the newest with the tag.
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("tags/rare-earths/index.html");
    assert!(page.contains(">Rare Earths</h1>"), "{page}");
}

#[test]
fn new_refuses_a_url_another_source_has() {
    let site = new_site(&[
        (
            "content/posts/first.md",
            "---\ntitle: First\ndate: 2024-01-01\nslug: taken-slug\n---\nx\n",
        ),
        (
            "content/posts/draft.md",
            "---\ntitle: Draft\ndate: 2024-01-02\nslug: in-the-works\ndraft: true\n---\nx\n",
        ),
        (
            "content/posts/moved.md",
            "---\ntitle: Moved\ndate: 2024-01-03\naliases: [/posts/old-name/]\n---\nx\n",
        ),
        (
            "content/posts/bundle/index.md",
            "---\ntitle: Bundle\ndate: 2024-01-04\nslug: Bundled Post\n---\nx\n",
        ),
    ]);
    for (title, owner) in [
        ("Taken Slug", "content/posts/first.md"),
        ("TAKEN slug", "content/posts/first.md"),
        ("In the Works", "content/posts/draft.md"),
        (
            "Old Name",
            "the alias \"/posts/old-name/\" of content/posts/moved.md",
        ),
        ("Bundled Post", "content/posts/bundle/index.md"),
    ] {
        let o = new_post(site.path(), &[title]);
        assert_eq!(o.status.code(), Some(1), "{title}: {}", stderr(&o));
        let url = format!("/posts/{}/", smelt::slug::slugify(title));
        assert_eq!(
            stderr(&o),
            format!(
                "error: the URL {url} of a post titled {title:?} is already taken by {owner}; pick another title (or --slug), or edit that post\n"
            )
        );
        assert_eq!(stdout(&o), "");
    }
    let mut posts: Vec<String> = std::fs::read_dir(site.path().join("content/posts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    posts.sort();
    assert_eq!(
        posts,
        ["bundle", "draft.md", "first.md", "moved.md", "welcome.md"]
    );

    // With posts at the site root, a title may meet a page or a listing index.
    std::fs::write(
        site.path().join("site.toml"),
        "title = \"Root\"\nbase_url = \"https://example.org/\"\n[permalinks]\nposts = \"/{slug}/\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(site.path().join("content/pages")).unwrap();
    std::fs::write(
        site.path().join("content/pages/about.md"),
        "---\ntitle: About\n---\nx\n",
    )
    .unwrap();
    for (title, owner) in [
        ("About", "content/pages/about.md"),
        ("Tags", "the tag index"),
    ] {
        let o = new_post(site.path(), &[title]);
        assert_eq!(o.status.code(), Some(1), "{title}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("is already taken by {owner};")),
            "{}",
            stderr(&o)
        );
    }
    let o = new_post(site.path(), &["Fresh Ground"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn new_says_when_a_title_is_a_windows_device_name() {
    let site = new_site(&[]);
    let o = new_post(site.path(), &["CON"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).trim_end().ends_with("content/posts/con-1.md"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        stderr(&o),
        "note: `con` is a Windows device name, which cannot be a file or folder name on Windows, so the post's file and URL use `con-1`\n"
    );
    // The post's own slug is its file name: no warning about it.
    let c = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(site.path())
        .output()
        .unwrap();
    assert!(!stdout(&c).contains("slug-changed"), "{}", stdout(&c));
    // Another spelling lands on the same file and is refused.
    let o = new_post(site.path(), &["con"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("con-1.md already exists"),
        "{}",
        stderr(&o)
    );
}

/// A title with no letters or digits needs `--slug`, and the error says so; `--slug` names
/// the file and URL of any post, made URL-safe with a note.
#[test]
fn new_takes_a_slug_when_the_title_gives_none() {
    let site = new_site(&[]);
    let o = new_post(site.path(), &["!!!"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot make a file name from the title \"!!!\"; give one with --slug that has letters or digits, e.g. --slug copper-q3"),
        "{}",
        stderr(&o)
    );
    let o = new_post(site.path(), &["!!!", "--slug", "Exclaim Q3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .trim_end()
            .ends_with("content/posts/exclaim-q3.md"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        stderr(&o),
        "note: --slug \"Exclaim Q3\" written as `exclaim-q3`\n"
    );
    let text = std::fs::read_to_string(site.path().join("content/posts/exclaim-q3.md")).unwrap();
    assert!(text.contains("title: \"!!!\""), "{text}");
    // A device name given as --slug: one note, about the device name.
    let o = new_post(site.path(), &["Third", "--slug", "CON"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "note: `con` is a Windows device name, which cannot be a file or folder name on Windows, so the post's file and URL use `con-1`\n"
    );
    let o = new_post(site.path(), &["Other", "--slug", "?"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot make a file name from --slug \"?\""),
        "{}",
        stderr(&o)
    );
}
