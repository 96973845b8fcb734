//! Front matter → typed fields never panics; every error is located inside the file.
//! The check itself lives in `fuzz/invariants.rs`, shared with the normal test suite.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| invariants::front_matter_parse(data));
