//! Big and hostile inputs finish with a clear error or a correct site: a YAML alias bomb and
//! over-deep YAML, a megabyte line of code, ten thousand tags on one post, deeply nested
//! Markdown and raw HTML, a megabyte post. Inputs are generated here; the 50 MB post and
//! 100,000 posts are measured by `scripts/limits` (release build, peak memory), not here.

use crate::support::*;

/// A site in a temp folder with `site.toml` and the given posts (`name` → file text).
fn site_with(posts: &[(&str, String)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("content/posts")).unwrap();
    std::fs::write(
        tmp.path().join("site.toml"),
        "title = \"Limits\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    for (name, text) in posts {
        std::fs::write(tmp.path().join("content/posts").join(name), text).unwrap();
    }
    tmp
}

fn post(front: &str, body: &str) -> String {
    format!("---\ntitle: Limits\ndate: 2024-01-01\n{front}---\n{body}")
}

/// Diagnostic lines of stderr (`×` errors, `⚠` warnings), trimmed.
fn diagnostics(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('×') || l.starts_with('⚠'))
        .map(str::to_string)
        .collect()
}

fn no_output(b: &Built) {
    assert!(!b.out.exists(), "nothing may be written: {:?}", b.files());
    assert!(!b.stderr().contains("panicked"), "{}", b.stderr());
}

#[test]
fn a_yaml_alias_bomb_is_a_clear_error() {
    // "Billion laughs": nine levels of nine aliases, 387,420,489 strings if expanded.
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        yaml.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    yaml.push_str("extra: {x: *i}\n");
    let site = site_with(&[
        ("bomb.md", post(&yaml, "Body.\n")),
        ("fine.md", post("", "Fine.\n")),
    ]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    assert_eq!(
        diagnostics(&b.stderr()),
        // At the value of `f` (line 9): `*e` nine times is 66,429 expansions, past the limit
        // of 100 per event of the document (about 120 events), where reading stopped.
        ["× content/posts/bomb.md:9:4: front matter is not valid YAML: repetition limit exceeded"]
    );
    assert!(b.stderr().contains("an alias bomb"), "{}", b.stderr());
    no_output(&b);
    // The same bomb inside `extra` is named at `extra`.
    let nested: String = yaml.lines().map(|l| format!("  {l}\n")).collect();
    let site = site_with(&[("bomb.md", post(&format!("extra:\n{nested}"), "Body.\n"))]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(
        diagnostics(&b.stderr()),
        ["× content/posts/bomb.md:4:7: front matter is not valid YAML: repetition limit exceeded"]
    );
}

/// Flow collections nested past serde_yaml's recursion limit are refused before the YAML
/// parser sees them (its scanner takes time quadratic in the depth: 100,000 levels took 37
/// s), at the first bracket past the limit.
#[test]
fn over_deep_yaml_is_a_clear_error() {
    for levels in [20_000, 100_000] {
        let deep = format!(
            "extra: {{x: {}{}}}\n",
            "[".repeat(levels),
            "]".repeat(levels)
        );
        let site = site_with(&[("deep.md", post(&deep, "Body.\n"))]);
        let b = build_dir(site.path(), &[]);
        assert_eq!(b.code(), 1, "{}", b.stderr());
        let d = diagnostics(&b.stderr());
        // `{` is level 1 at column 8; the `[` of level 129 is at column 12 + 127.
        assert_eq!(
            d,
            [
                "× content/posts/deep.md:4:139: front matter nests lists or maps more than 128 levels deep"
            ],
            "{levels}"
        );
        assert!(
            b.stderr().contains("keep nested data shallow"),
            "{}",
            b.stderr()
        );
        no_output(&b);
    }
    // At the limit it is the parser's to judge: 127 `[` inside `{` parse.
    let at_limit = format!("extra: {{x: {}{}}}\n", "[".repeat(127), "]".repeat(127));
    let site = site_with(&[("deep.md", post(&at_limit, "Body.\n"))]);
    let b = build_dir(site.path(), &[]);
    assert!(!b.stderr().contains("levels deep"), "{}", b.stderr());
}

#[test]
fn a_megabyte_line_of_code_builds_unhighlighted() {
    // 1 MiB of code on one line, deterministic and without characters Markdown would touch.
    let line: String = (0..(1usize << 20))
        .map(|i| b"abcdefghij(){};=+ "[(i * 7 + i / 13) % 18] as char)
        .collect();
    let site = site_with(&[(
        "code.md",
        post("", &format!("Before.\n\n```rust\n{line}\n```\n\nAfter.\n")),
    )]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert_eq!(
        diagnostics(&b.stderr()),
        [
            "⚠ content/posts/code.md:7:1: `rust` code block of 1048577 bytes (or with a line over 4096 bytes) is not highlighted"
        ]
    );
    let page = b.read("posts/code/index.html");
    let escaped = line.replace('&', "&amp;");
    assert!(page.contains(&escaped), "the line is on the page, whole");
    let pre = page.find(&escaped).unwrap();
    assert!(page[..pre].rfind("<pre").is_some() && page[pre..].contains("</pre>"));
    assert!(page[pre..].contains("After."));
}

#[test]
fn ten_thousand_tags_on_one_post_is_a_clear_error() {
    let tags: Vec<String> = (0..10_000).map(|i| format!("tag{i}")).collect();
    let authors: Vec<String> = (0..101).map(|i| format!("{{name: Writer {i}}}")).collect();
    let site = site_with(&[
        (
            "tags.md",
            post(&format!("tags: [{}]\n", tags.join(", ")), "Many tags.\n"),
        ),
        (
            "authors.md",
            post(
                &format!("author: [{}]\n", authors.join(", ")),
                "Many authors.\n",
            ),
        ),
    ]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1, "{}", b.stderr());
    assert_eq!(
        diagnostics(&b.stderr()),
        [
            "× content/posts/authors.md:4:9: 101 authors; a post may have at most 100",
            "× content/posts/tags.md:4:7: 10000 tags; a post may have at most 100",
        ]
    );
    assert!(
        b.stderr().contains("grows with the square"),
        "{}",
        b.stderr()
    );
    no_output(&b);
}

#[test]
fn the_most_tags_a_post_may_have_build_a_page_each() {
    let n = smelt::front_matter::MAX_TAGS;
    let tags: Vec<String> = (0..n).map(|i| format!("tag{i}")).collect();
    let site = site_with(&[(
        "tags.md",
        post(&format!("tags: [{}]\n", tags.join(", ")), "Many tags.\n"),
    )]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    for i in [0, n / 2, n - 1] {
        assert!(
            b.read(&format!("tags/tag{i}/index.html"))
                .contains("/posts/tags/")
        );
    }
    let tag_pages = b
        .files()
        .iter()
        .filter(|f| f.starts_with("tags/tag") && f.ends_with("/index.html"))
        .count();
    assert_eq!(tag_pages, n);
}

#[test]
fn deep_nesting_neither_crashes_nor_overflows() {
    let body = format!(
        "{} deep quote\n\n{}\n{}x{}\n\n{}a{}\n\n{}\n",
        ">".repeat(20_000),
        (0..3_000)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect::<String>(),
        "<div>".repeat(50_000),
        "</div>".repeat(50_000),
        "*".repeat(50_000),
        "*".repeat(50_000),
        "[".repeat(50_000),
    );
    let site = site_with(&[("nest.md", post("", &body))]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/nest/index.html");
    assert!(page.contains("deep quote") && page.contains("item"));
    assert!(page.matches("<div>").count() >= 50_000);
}

#[test]
fn a_megabyte_post_builds_whole() {
    let mut body = String::with_capacity(1 << 20);
    let mut i = 0;
    while body.len() < 1 << 20 {
        body.push_str(&format!(
            "## Section {i}\n\nParagraph {i} on trade, tariffs and *rare earths* with a [link](https://example.org/{i}).\n\n```python\nprint({i})\n```\n\n| a | b |\n|---|---|\n| {i} | x |\n\n"
        ));
        i += 1;
    }
    let site = site_with(&[("big.md", post("", &body))]);
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let page = b.read("posts/big/index.html");
    assert!(
        page.contains(&format!("id=\"section-{}\"", i - 1)),
        "the last section is there"
    );
    assert_eq!(page.matches("<table>").count(), i);
    let feed = b.read("atom.xml");
    assert!(
        feed.contains(&format!("Paragraph {}", i - 1)),
        "the feed carries it whole"
    );
}
