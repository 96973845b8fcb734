//! Slugs are always safe, non-empty path segments and slugifying is idempotent.
//! The check itself lives in `fuzz/invariants.rs`, shared with the normal test suite.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| invariants::slugify(data));
