//! Smoke tests of `smelt build` on the smallest site.

use crate::support::*;

#[test]
fn builds_post_index_tags_and_author_pages() {
    let b = build_ok("basic");
    for f in [
        "index.html",
        "posts/first/index.html",
        "tags/index.html",
        "tags/trade/index.html",
        "authors/jane-doe/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "syntax.css",
    ] {
        assert!(b.has(f), "missing {f}: {:?}", b.files());
    }
    let post = b.read("posts/first/index.html");
    assert!(post.contains("<title>First post · Smelt Demo</title>"));
    assert!(post.contains("<h2 id=\"section\">Section"));
    assert!(post.contains("<strong>Citation:</strong> WSJ"));
}
