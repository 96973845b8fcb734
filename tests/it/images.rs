//! Page-level URL values from front matter and site.toml: social-card images (resolved
//! against the page, reported when the site does not have the file) and aliases that name
//! the page itself.

use std::fs;

use crate::support::{build_dir, small_site, smelt, write};

fn site(image_line: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(
        r,
        "site.toml",
        &format!("title = \"Images\"\nbase_url = \"https://example.org/sub/\"\n{image_line}"),
    );
    write(
        r,
        "content/posts/bundle/index.md",
        "---\ntitle: Bundle\ndate: 2026-01-02\nimage: chart.png\n---\nBody.\n",
    );
    fs::write(r.join("content/posts/bundle/chart.png"), b"\x89PNG").unwrap();
    write(
        r,
        "content/posts/rooted.md",
        "---\ntitle: Rooted\ndate: 2026-01-03\nimage: /img/card.png\n---\nBody.\n",
    );
    write(r, "static/img/card.png", "png");
    tmp
}

#[test]
fn bundle_relative_image_resolves_against_the_post() {
    let s = site("");
    let b = build_dir(s.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(!b.stderr().contains("missing-image"), "{}", b.stderr());
    let html = b.read("posts/bundle/index.html");
    assert!(
        html.contains(
            r#"<meta property="og:image" content="https://example.org/sub/posts/bundle/chart.png">"#
        ),
        "{html}"
    );
    assert!(b.has("posts/bundle/chart.png"));
    let rooted = b.read("posts/rooted/index.html");
    assert!(
        rooted.contains(r#"content="https://example.org/sub/img/card.png""#),
        "{rooted}"
    );
}

#[test]
fn missing_post_and_site_images_are_reported_at_their_keys() {
    let s = site("image = \"/nocard.png\"\n");
    write(
        s.path(),
        "content/posts/gone.md",
        "---\ntitle: Gone\ndate: 2026-01-04\nimage: /nope.png\n---\nBody.\n",
    );
    let b = build_dir(s.path(), &[]);
    assert_eq!(b.code(), 0, "missing images warn in build: {}", b.stderr());
    let err = b.stderr();
    assert!(
        err.contains("image `/nope.png` does not resolve: the site has no /nope.png"),
        "{err}"
    );
    assert!(
        err.contains("site `image` `/nocard.png` does not resolve"),
        "{err}"
    );

    let out = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(s.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("content/posts/gone.md:4:8: error: image `/nope.png` does not resolve: the site has no /nope.png [missing-image]"),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.contains("posts/bundle") && l.contains("missing-image")),
        "{text}"
    );
}

/// An alias that is the page's own URL is one clear error at the alias (not a URL collision
/// of the page with itself), in build and check.
#[test]
fn an_alias_to_the_pages_own_url_is_named_as_such() {
    let tmp = small_site(&[(
        "content/posts/magnet-gap.md",
        "---\ntitle: Magnet Gap\ndate: 2026-01-02\naliases:\n  - /old/\n  - /Posts/magnet-gap/\n---\nBody.\n",
    )]);
    let r = tmp.path();
    let b = build_dir(r, &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    let err = b.stderr();
    assert!(
        err.contains("content/posts/magnet-gap.md:6:5: alias \"/Posts/magnet-gap/\" is this page's own URL /posts/magnet-gap/"),
        "{err}"
    );
    assert!(!err.contains("both want the URL"), "{err}");
    let out = smelt()
        .args(["check", "--format", "short", "--root"])
        .arg(r)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("content/posts/magnet-gap.md:6:5: error: alias \"/Posts/magnet-gap/\" is this page's own URL /posts/magnet-gap/ [alias]"),
        "{text}"
    );
}
