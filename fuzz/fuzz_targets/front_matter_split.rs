//! Splitting never panics, and the parts it returns cover the input exactly.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = smelt::pipeline::load::normalize_text(text);
    if let Ok(s) = smelt::front_matter::split(&text) {
        assert!(s.yaml.start <= s.yaml.end && s.yaml.end <= s.body.start && s.body.end == text.len());
        let joined = format!("{}{}{}{}", &text[..s.yaml.start], &text[s.yaml.clone()], &text[s.yaml.end..s.body.start], &text[s.body.clone()]);
        assert_eq!(joined, text);
    }
});
