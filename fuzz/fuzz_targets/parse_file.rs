//! The whole parse stage on one file (front matter, slug, permalink, Markdown) never panics.
#![no_main]
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use smelt::config::Config;
use smelt::model::{SourceFile, SourceKind};
use smelt::pipeline::parse::{self, Publish};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = SourceFile {
        source: "content/posts/f.md".into(),
        kind: SourceKind::Post,
        stem: "f".into(),
        text: Arc::from(smelt::pipeline::load::normalize_text(text)),
        hash: [0; 32],
        assets: Vec::new(),
    };
    let publish = Publish { drafts: true, future: true, now: jiff::Timestamp::UNIX_EPOCH };
    let parsed = parse::parse(std::slice::from_ref(&file), &Config::default(), publish);
    for p in &parsed.posts {
        assert!(smelt::slug::is_safe_segment(&p.slug));
        assert!(p.path.starts_with('/') && p.path.ends_with('/'));
    }
});
