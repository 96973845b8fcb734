//! The whole parse stage on one file (front matter, slug, permalink, Markdown) never panics.
//! The check itself lives in `fuzz/invariants.rs`, shared with the normal test suite.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| invariants::parse_file(data));
