//! Markdown → HTML (with highlighting, footnotes, summary cut) never panics and the summary
//! never leaves an element open.
//! The check itself lives in `fuzz/invariants.rs`, shared with the normal test suite.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| invariants::markdown_render(data));
