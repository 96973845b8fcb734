//! Slugs: text → a safe URL path segment (`[a-z0-9-]`, 1–80 bytes, never a Windows device
//! name), built on the `slug` crate (transliteration by `deunicode`).
//!
//! Before slugifying, symbols that carry meaning in tag names are spelt out, so `C#` and `C++`
//! do not collide (`c-sharp`, `c-plus-plus`) and `R&D` stays readable (`r-and-d`).

/// Longest slug in bytes; longer ones are cut at a `-` boundary where possible.
pub const MAX_SLUG_LEN: usize = 80;

/// Windows device names that cannot be file or folder names on Windows.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `true` when a path segment names a Windows device (`CON`, `nul.txt`, `Com1.html`,
/// `conin$`…): Windows cannot create or read such a file or folder, whatever its extension.
pub fn is_windows_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end_matches(' ')
        .to_ascii_lowercase();
    RESERVED.contains(&stem.as_str()) || stem == "conin$" || stem == "conout$"
}

/// Slugifies `text`. May return an empty string when the text has no letters or digits at
/// all; use [`slugify_or`] when a non-empty result is required.
///
/// A result that would be a Windows device name gets `-1` appended (`CON` → `con-1`). That
/// is also a slug someone may write (`slug: con-1`), so two sources can meet on it: the index
/// stage reports any such meeting as a `duplicate-permalink` error naming both, and the parse
/// stage warns (`slug-changed`) wherever a written slug or a device-name file stem was changed.
pub fn slugify(text: &str) -> String {
    let mut s = slugify_unreserved(text);
    if RESERVED.contains(&s.as_str()) {
        s.push_str("-1");
    }
    s
}

/// [`slugify`] before the Windows device-name suffix.
fn slugify_unreserved(text: &str) -> String {
    let mut spelled = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '#' if i > 0 && chars[i - 1].is_alphanumeric() => spelled.push_str(" sharp "),
            '+' => spelled.push_str(" plus "),
            '&' => spelled.push_str(" and "),
            '@' => spelled.push_str(" at "),
            '\'' | '\u{2019}' => {} // "China's" → "chinas", not "china-s"
            _ => spelled.push(c),
        }
    }
    let mut s = slug::slugify(&spelled);
    if s.len() > MAX_SLUG_LEN {
        let cut = s[..MAX_SLUG_LEN]
            .rfind('-')
            .filter(|&i| i >= MAX_SLUG_LEN / 2);
        s.truncate(cut.unwrap_or(MAX_SLUG_LEN));
        while s.ends_with('-') {
            s.pop();
        }
    }
    s
}

/// Why a text meant to be used as a slug as it is (a `slug:` value, a file stem) came out of
/// [`slugify_or`] different.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugChange {
    /// It is (or slugifies to) a Windows device name, given here lower-cased (`con`); the
    /// slug has `-1` appended.
    DeviceName(String),
    /// It has no letters or digits, so the slug is a hash-based fallback.
    NoLetters,
    /// It has characters a slug cannot hold (capitals, spaces, `/`, `_`, non-ASCII…) or is
    /// longer than [`MAX_SLUG_LEN`], and was rewritten.
    Rewritten,
}

/// How [`slugify_or`] changed `written` into `used` (the result of
/// `slugify_or(written, …)`), or `None` when `used == written`.
pub fn change(written: &str, used: &str) -> Option<SlugChange> {
    if written == used {
        return None;
    }
    let base = slugify_unreserved(written);
    Some(if base.is_empty() {
        SlugChange::NoLetters
    } else if RESERVED.contains(&base.as_str()) {
        SlugChange::DeviceName(base)
    } else {
        SlugChange::Rewritten
    })
}

/// Slugifies `text`; when that leaves nothing (e.g. `"!!!"` or `"—"`), returns
/// `{fallback_prefix}-{8 hex digits of a hash of text}` so the result is still a stable,
/// non-empty, safe segment.
pub fn slugify_or(text: &str, fallback_prefix: &str) -> String {
    let s = slugify(text);
    if !s.is_empty() {
        return s;
    }
    let h = blake3::hash(text.as_bytes());
    let hex: String = h.as_bytes()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{fallback_prefix}-{hex}")
}

/// A heading anchor id the way GitHub (and most Markdown tools) spell it, so links written
/// against a README or a wiki keep working: lower-cased, every character that is not a
/// letter, digit, combining mark, `-`, `_` or space removed, each space turned into `-`.
/// Non-ASCII letters are kept (`Détente` → `détente`). May be empty (callers fall back).
pub fn anchor_id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c == ' ' {
            out.push('-');
        } else if c.is_alphanumeric()
            || c == '-'
            || c == '_'
            || unicode_normalization::char::is_combining_mark(c)
        {
            out.push(c);
        }
    }
    out
}

/// `true` when `s` is a valid slug: non-empty, at most [`MAX_SLUG_LEN`] bytes, only
/// `[a-z0-9-]`, no leading/trailing `-`, and not a reserved device name.
pub fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !RESERVED.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_cases() {
        assert_eq!(slugify("Hello World"), "hello-world");
        assert_eq!(slugify("hello-world"), "hello-world");
        assert_eq!(slugify("Rare Earths"), "rare-earths");
        assert_eq!(slugify("Détente"), "detente");
        assert_eq!(slugify("rust "), "rust");
        assert_eq!(slugify("RUST"), "rust");
        assert_eq!(slugify("China's Leverage"), "chinas-leverage");
    }

    #[test]
    fn symbols_do_not_collide() {
        assert_eq!(slugify("C#"), "c-sharp");
        assert_eq!(slugify("C++"), "c-plus-plus");
        assert_eq!(slugify("R&D"), "r-and-d");
        assert_eq!(slugify("Oil & Gas"), "oil-and-gas");
        assert_eq!(slugify("#hashtag"), "hashtag");
        assert_ne!(slugify("C#"), slugify("C++"));
    }

    #[test]
    fn unsafe_inputs() {
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("<b>bold</b>"), "b-bold-b");
        assert_eq!(slugify("CON"), "con-1");
        assert_eq!(slugify("a\\b\0c"), "a-b-c");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify_or("!!!", "tag").starts_with("tag-"));
        assert!(slugify(&"word ".repeat(100)).len() <= MAX_SLUG_LEN);
    }

    #[test]
    fn changes_are_told_apart() {
        let used = |w: &str| change(w, &slugify_or(w, "post"));
        assert_eq!(used("etc"), None);
        assert_eq!(used("con-1"), None);
        assert_eq!(used("../../etc"), Some(SlugChange::Rewritten));
        assert_eq!(used("Hello World_x"), Some(SlugChange::Rewritten));
        assert_eq!(used("CON"), Some(SlugChange::DeviceName("con".into())));
        assert_eq!(used("con"), Some(SlugChange::DeviceName("con".into())));
        assert_eq!(used(" Lpt1 "), Some(SlugChange::DeviceName("lpt1".into())));
        assert_eq!(used("!!!"), Some(SlugChange::NoLetters));
        assert_eq!(
            used(&"a".repeat(MAX_SLUG_LEN + 1)),
            Some(SlugChange::Rewritten)
        );
    }

    #[test]
    fn windows_device_names() {
        for n in ["CON", "nul.txt", "Com1.html", "lpt9", "aux .md", "conin$"] {
            assert!(is_windows_device_name(n), "{n}");
        }
        for n in ["console", "nully", "com10", "a.con", "con-1"] {
            assert!(!is_windows_device_name(n), "{n}");
        }
    }

    #[test]
    fn anchors_match_github() {
        assert_eq!(
            anchor_id("Building Node.js from Source"),
            "building-nodejs-from-source"
        );
        assert_eq!(anchor_id("What's New in v1.2?"), "whats-new-in-v12");
        assert_eq!(anchor_id("Détente & Trade"), "détente--trade");
        assert_eq!(anchor_id("snake_case -- dashes"), "snake_case----dashes");
        assert_eq!(anchor_id("😀"), "");
    }

    proptest! {
        #[test]
        fn slug_or_is_always_a_safe_segment(s in ".*") {
            let out = slugify_or(&s, "x");
            prop_assert!(is_safe_segment(&out), "{:?} -> {:?}", s, out);
        }

        #[test]
        fn slugify_is_idempotent(s in ".*") {
            let once = slugify(&s);
            prop_assert_eq!(slugify(&once), once.clone());
        }
    }
}
