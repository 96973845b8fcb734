//! Markdown → HTML (with highlighting, footnotes, summary cut) never panics and the summary
//! never leaves an element open.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smelt::config::Config;
use smelt::markdown::{self, NoFiles, RenderInput};

fuzz_target!(|data: &[u8]| {
    let Ok(md) = std::str::from_utf8(data) else { return };
    let mut config = Config::default();
    config.set_base_url("https://example.org/sub/").unwrap();
    let (body, _) = markdown::render(&RenderInput {
        markdown: md,
        config: &config,
        source: "content/posts/f.md",
        first_line: 1,
        page_path: "/posts/f/",
        resolver: &NoFiles,
    });
    assert!(body.reading_minutes >= 1);
    let rebalanced = markdown::balance_html(&body.summary_html);
    assert_eq!(markdown::balance_html(&rebalanced), rebalanced);
});
