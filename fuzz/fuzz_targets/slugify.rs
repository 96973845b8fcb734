//! Slugs are always safe, non-empty path segments and slugifying is idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let out = smelt::slug::slugify_or(s, "x");
    assert!(smelt::slug::is_safe_segment(&out), "{s:?} -> {out:?}");
    assert_eq!(smelt::slug::slugify(&out), out);
});
