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
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text,
        format!(
            "---\ntitle: \"Oil & Gas: The \\\"Quiet\\\" Squeeze\"\ndate: {}\nauthor: \"editor\"\ntags: [\"Oil & Gas\", \"Shipping\"]\nhighlights: []\n# citation: \"Publication, date\"   (or sources: [{{title, publisher, url, date}}])\n---\n\n<!-- Write the analysis here. The first paragraph (or the text before a \"more\" marker) is the summary. -->\n",
            today_utc()
        )
    );

    let b = build_dir(&site, &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/oil-and-gas-the-quiet-squeeze/index.html");
    assert!(
        page.contains("Oil &amp; Gas: The &quot;Quiet&quot; Squeeze"),
        "title escaped once"
    );
    assert!(b.has("posts/welcome/index.html"));
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
        "---\ntitle: \"Next Year\"\ndate: 2999-01-01\nauthor: editor\n---\nLater.\n",
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
