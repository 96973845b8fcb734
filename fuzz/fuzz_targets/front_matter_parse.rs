//! Front matter → typed fields never panics; every error is located inside the file.
#![no_main]
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use smelt::front_matter::{self, DocKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text: Arc<str> = Arc::from(smelt::pipeline::load::normalize_text(text));
    let Ok(split) = front_matter::split(&text) else { return };
    let lines = text.split('\n').count();
    for kind in [DocKind::Post, DocKind::Page, DocKind::Author] {
        if let Err(diags) = front_matter::parse(&text, &split, kind, "content/posts/f.md", &jiff::tz::TimeZone::UTC) {
            assert!(!diags.is_empty());
            for d in diags {
                assert!(d.line.unwrap_or(1) <= lines.max(1), "{d:?}");
            }
        }
    }
});
