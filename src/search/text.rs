//! Search text: rendered body HTML → plain text, and plain text → index words.
//!
//! Input: HTML produced by the markdown stage, and plain strings (titles, highlights, tags).
//! Output: plain text (whitespace collapsed, entities decoded, footnote markers and heading
//! anchors left out) and folded words. Invariant: [`fold`] and [`words`] are mirrored exactly
//! by `themes/default/static/search.js` (`fold`, `tokenRe`), so a query typed in the browser
//! is cut and folded the way the index was.

use unicode_normalization::UnicodeNormalization;

macro_rules! stop_words {
    ($($w:literal),* $(,)?) => {
        /// Words left out of the index (and ignored in a finished query word): the most frequent
        /// English function words, which match nearly every post and carry no meaning on their
        /// own. Sorted; none longer than five bytes.
        pub const STOP_WORDS: &[&str] = &[$($w),*];
    };
}

stop_words![
    "a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his",
    "how", "if", "in", "into", "is", "it", "its", "just", "more", "most", "no", "not", "of", "on",
    "one", "only", "or", "other", "our", "she", "so", "some", "such", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "very", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "will", "with", "would", "you",
    "your",
];

/// A string of at most five bytes as one number: its bytes (big-endian) and, above them, its
/// length, so different strings give different numbers (`"\0a"` is not `"a"`); `None` if
/// longer.
const fn short_key(w: &[u8]) -> Option<u64> {
    if w.len() > 5 {
        return None;
    }
    let mut k = 0u64;
    let mut i = 0;
    while i < w.len() {
        k = (k << 8) | w[i] as u64;
        i += 1;
    }
    Some(k | (w.len() as u64) << 40)
}

/// [`STOP_WORDS`] as [`short_key`]s, sorted, for a binary search of a few integer compares
/// per word (the index calls [`is_stop_word`] for every word of every post).
const STOP_KEYS: [u64; STOP_WORDS.len()] = {
    let mut keys = [0u64; STOP_WORDS.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = match short_key(STOP_WORDS[i].as_bytes()) {
            Some(k) => k,
            None => panic!("a stop word is longer than five bytes"),
        };
        i += 1;
    }
    // Insertion sort: const context.
    let mut i = 1;
    while i < keys.len() {
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
};

/// `true` for a stop word (see [`STOP_WORDS`]).
pub fn is_stop_word(w: &str) -> bool {
    match short_key(w.as_bytes()) {
        Some(k) => STOP_KEYS.binary_search(&k).is_ok(),
        None => false,
    }
}

/// Longest word kept, in characters; longer runs are identifiers, URLs or base64 noise.
pub const MAX_WORD_CHARS: usize = 40;

/// Folds text for matching: compatibility decomposition (NFKD), lower case, combining marks
/// removed, and a few letters that do not decompose spelled out (`ß`→`ss`, `æ`→`ae`, `œ`→`oe`,
/// `ø`→`o`, `ł`→`l`, `đ`/`ð`→`d`, `þ`→`th`, `ı`→`i`, final `ς`→`σ`). So `Détente` and
/// `detente` fold alike. Typographic punctuation that can only separate words (quotes, dashes,
/// `…`, no-break space) becomes a space, which cuts the same [`words`]. Works character by character (marks are dropped, so the canonical
/// reordering of a whole-string NFKD changes nothing), with a fast path for ASCII.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appending to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    let mut rest = s;
    while !rest.is_empty() {
        // ASCII runs: copy, then lower the case in place.
        let ascii = rest.bytes().position(|b| b >= 0x80).unwrap_or(rest.len());
        if ascii > 0 {
            let start = out.len();
            out.push_str(&rest[..ascii]);
            out[start..].make_ascii_lowercase();
            rest = &rest[ascii..];
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        // Common typographic punctuation only ever separates words (its NFKD has no letter,
        // digit or `.`): a space cuts the same words, without the decomposition work.
        if matches!(
            c,
            '\u{a0}'
                | '\u{ab}'
                | '\u{b0}'
                | '\u{b7}'
                | '\u{bb}'
                | '\u{d7}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201c}'
                | '\u{201d}'
                | '\u{2022}'
                | '\u{2026}'
        ) {
            out.push(' ');
            continue;
        }
        for d in std::iter::once(c).nfkd() {
            for l in d.to_lowercase() {
                if unicode_normalization::char::is_combining_mark(l) {
                    continue;
                }
                match l {
                    'ß' => out.push_str("ss"),
                    'æ' => out.push_str("ae"),
                    'œ' => out.push_str("oe"),
                    'ø' => out.push('o'),
                    'ł' => out.push('l'),
                    'đ' | 'ð' => out.push('d'),
                    'þ' => out.push_str("th"),
                    'ı' => out.push('i'),
                    'ς' => out.push('σ'),
                    _ => out.push(l),
                }
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric()
}

/// Whether the character starting at byte `i` is a word character and a digit, and its length.
#[inline(always)]
fn class_at(s: &str, i: usize) -> (bool, bool, usize) {
    let b = s.as_bytes()[i];
    if b < 0x80 {
        (b.is_ascii_alphanumeric(), b.is_ascii_digit(), 1)
    } else {
        class_slow(s, i)
    }
}

#[cold]
fn class_slow(s: &str, i: usize) -> (bool, bool, usize) {
    match s[i..].chars().next() {
        Some(c) => (is_word_char(c), c.is_numeric(), c.len_utf8()),
        None => (false, false, 1),
    }
}

/// A raw token of folded text, with what the cut saw in it.
struct Token<'a> {
    text: &'a str,
    /// Length in characters.
    chars: usize,
    /// Whether a `.` between two digits is inside it.
    dotted: bool,
}

/// The one tokenizer behind [`tokens`] and [`words`]: calls `f` with each maximal run of
/// letters and digits, where a `.` between two digits stays inside the token. A plain loop
/// that counts characters and notes dots while cutting, because the index runs it over every
/// word of every post (an iterator here measured slower index builds).
fn scan<'a>(folded: &'a str, mut f: impl FnMut(Token<'a>)) {
    let bytes = folded.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b < 0x80 {
            if !b.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
        } else {
            let (word, _, len) = class_slow(folded, i);
            if !word {
                i += len;
                continue;
            }
        }
        let start = i;
        let mut chars = 0;
        let mut prev_digit = false;
        let mut dotted = false;
        while i < n {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                prev_digit = b.is_ascii_digit();
                i += 1;
                chars += 1;
                continue;
            }
            if b == b'.' {
                if prev_digit && i + 1 < n && class_at(folded, i + 1).1 {
                    prev_digit = false;
                    dotted = true;
                    i += 1;
                    chars += 1;
                    continue;
                }
                break;
            }
            if b < 0x80 {
                break;
            }
            let (word, digit, len) = class_slow(folded, i);
            if !word {
                break;
            }
            prev_digit = digit;
            i += len;
            chars += 1;
        }
        f(Token {
            text: &folded[start..i],
            chars,
            dotted,
        });
    }
}

/// Cuts folded text into raw tokens: maximal runs of letters and digits, where a `.` between
/// two digits stays inside the token (`12.16.3`, `1.5`). Everything else separates.
pub fn tokens(folded: &str) -> Vec<&str> {
    let mut out = Vec::new();
    scan(folded, |t| out.push(t.text));
    out
}

/// A commit-hash-like token: seven or more hex digits mixing letters and digits.
fn is_hex_hash(t: &str) -> bool {
    t.len() >= 7
        && t.bytes().all(|b| b.is_ascii_hexdigit())
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The index words of already folded text, in order: [`tokens`] minus single characters,
/// words over [`MAX_WORD_CHARS`], commit-hash-like hex runs and [`STOP_WORDS`]. A token with a
/// letter prefix before a dotted number (`v12.16.3`) also yields the number (`12.16.3`), so a
/// version is found with or without its prefix.
pub fn words<'a>(folded: &'a str, mut f: impl FnMut(&'a str)) {
    scan(
        folded,
        |Token {
             text: t,
             chars,
             dotted,
         }| {
            if !(2..=MAX_WORD_CHARS).contains(&chars) || is_stop_word(t) || is_hex_hash(t) {
                return;
            }
            f(t);
            if dotted
                && let Some(j) = t.find(|c: char| c.is_ascii_digit())
                && j > 0
                && t[..j].chars().all(char::is_alphabetic)
            {
                f(&t[j..]);
            }
        },
    );
}

/// Plain text of rendered body HTML, with the text of headings (`h1`–`h6`) also returned
/// on its own: `(text, headings)`. Tags are dropped (block-level ones become a space),
/// character references decoded, whitespace collapsed to single spaces; `script`, `style`,
/// footnote reference markers, footnote back-links and heading anchors are left out.
pub fn html_text(html: &str) -> (String, String) {
    let mut text = String::with_capacity(html.len() / 2);
    let mut headings = String::new();
    let mut in_heading = 0usize;
    let mut skip_until: Option<&str> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = memchr::memchr(b'<', rest.as_bytes()) else {
            if skip_until.is_none() {
                push_text(&mut text, rest, in_heading > 0, &mut headings);
            }
            break;
        };
        if lt > 0 && skip_until.is_none() {
            push_text(&mut text, &rest[..lt], in_heading > 0, &mut headings);
        }
        let tag_src = &rest[lt..];
        if let Some(body) = tag_src.strip_prefix("<!--") {
            rest = match body.find("-->") {
                Some(e) => &body[e + 3..],
                None => "",
            };
            continue;
        }
        let Some(gt) = memchr::memchr(b'>', tag_src.as_bytes()) else {
            // A lone `<` in text (the markdown stage escapes these, but be lenient).
            if skip_until.is_none() {
                push_text(&mut text, tag_src, in_heading > 0, &mut headings);
            }
            break;
        };
        let tag = &tag_src[1..gt];
        rest = &tag_src[gt + 1..];
        let closing = tag.starts_with('/');
        let bare = tag.trim_start_matches('/');
        let name = &bare[..bare
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(bare.len())];
        if let Some(until) = skip_until {
            if closing && until.eq_ignore_ascii_case(name) {
                skip_until = None;
            }
            continue;
        }
        if !closing {
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            let skip = is("script")
                || is("style")
                || is("template")
                || (is("sup") && tag.contains("footnote-ref"))
                || (is("a")
                    && (tag.contains("heading-anchor") || tag.contains("footnote-backref")));
            if skip && !tag.ends_with('/') {
                skip_until = Some(name);
                continue;
            }
        }
        let b = name.as_bytes();
        let is_heading = b.len() == 2 && b[0].eq_ignore_ascii_case(&b'h') && b[1].is_ascii_digit();
        if is_heading {
            if closing {
                in_heading = in_heading.saturating_sub(1);
                push_space(&mut headings);
            } else {
                in_heading += 1;
            }
        }
        if !is_inline(name) {
            push_space(&mut text);
        }
    }
    trim_end_space(&mut text);
    trim_end_space(&mut headings);
    (text, headings)
}

fn is_inline(name: &str) -> bool {
    // Lower-cased into a buffer first: one `match`, not a case-insensitive compare per name
    // (this runs for every tag of every post).
    let b = name.as_bytes();
    if b.len() > 6 {
        return false;
    }
    let mut buf = [0u8; 6];
    for (d, s) in buf.iter_mut().zip(b) {
        *d = s.to_ascii_lowercase();
    }
    matches!(
        &buf[..b.len()],
        b"a" | b"abbr"
            | b"b"
            | b"cite"
            | b"code"
            | b"del"
            | b"dfn"
            | b"em"
            | b"i"
            | b"ins"
            | b"kbd"
            | b"mark"
            | b"q"
            | b"s"
            | b"samp"
            | b"small"
            | b"span"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"time"
            | b"u"
            | b"var"
    )
}

/// Appends one space unless `out` is empty or already ends with one.
fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

fn trim_end_space(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

/// Appends `s` with every run of ASCII whitespace collapsed into one space (none at the start
/// of `out`). Other spaces (no-break, thin) are kept as written.
fn push_collapsed(out: &mut String, s: &str) {
    let b = s.as_bytes();
    // Fast path for prose: no line breaks, tabs or double spaces.
    if memchr::memchr3(b'\n', b'\t', b'\r', b).is_none() && memchr::memmem::find(b, b"  ").is_none()
    {
        let s = if out.is_empty() || out.ends_with(' ') {
            s.trim_start_matches(' ')
        } else {
            s
        };
        out.push_str(s);
        return;
    }
    // ASCII bytes never occur inside a multi-byte UTF-8 sequence, so cutting at them is safe.
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            push_space(out);
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        out.push_str(&s[start..i]);
    }
}

fn push_text(text: &mut String, raw: &str, heading: bool, headings: &mut String) {
    let decoded = if memchr::memchr(b'&', raw.as_bytes()).is_some() {
        html_escape::decode_html_entities(raw)
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    push_collapsed(text, &decoded);
    if heading {
        push_collapsed(headings, &decoded);
    }
}

/// Cuts `s` to at most `max` bytes at a word boundary (a space), never inside a character.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    match s[..end].rfind(' ') {
        Some(sp) if sp > max / 2 => &s[..sp],
        _ => &s[..end],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_words(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        words(&fold(s), |w| v.push(w.to_string()));
        v
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
        assert!(STOP_WORDS.iter().all(|w| w.len() <= 5 && is_stop_word(w)));
        assert!(is_stop_word("the"));
        assert!(!is_stop_word("thee"));
        assert!(!is_stop_word("china"));
        assert!(!is_stop_word("thereby"));
        assert!(!is_stop_word(""));
        assert!(!is_stop_word("\0a"));
        assert!(!is_stop_word("\0\0the"));
    }

    /// [`words`] as the doc describes it, from [`tokens`] and a plain list search.
    fn words_by_tokens(folded: &str) -> Vec<&str> {
        let mut v = Vec::new();
        for t in tokens(folded) {
            let n = t.chars().count();
            if !(2..=MAX_WORD_CHARS).contains(&n) || STOP_WORDS.contains(&t) || is_hex_hash(t) {
                continue;
            }
            v.push(t);
            if t.contains('.')
                && let Some(i) = t.find(|c: char| c.is_ascii_digit())
                && i > 0
                && t[..i].chars().all(char::is_alphabetic)
            {
                v.push(&t[i..]);
            }
        }
        v
    }

    proptest::proptest! {
        #[test]
        fn words_cut_what_tokens_cut(s in "[a-fA-Z0-9 .,'’é\u{301}ßΣ一_-]{0,80}") {
            let folded = fold(&s);
            let mut got = Vec::new();
            words(&folded, |w| got.push(w));
            proptest::prop_assert_eq!(got, words_by_tokens(&folded));
        }

        #[test]
        fn stop_word_lookup_is_the_list(s in "[a-z\\x00é]{0,7}") {
            proptest::prop_assert_eq!(is_stop_word(&s), STOP_WORDS.contains(&s.as_str()));
        }
    }

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("Détente"), "detente");
        assert_eq!(fold("ÉCONOMIE"), "economie");
        assert_eq!(fold("Straße Øresund Łódź"), "strasse oresund lodz");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("China"), "china");
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
        assert_eq!(fold("e\u{301}tude"), "etude");
        assert_eq!(fold("“China’s”—1…2"), " china s  1 2");
    }

    #[test]
    fn tokens_keep_dotted_numbers_and_split_on_punctuation() {
        let t: Vec<&str> = tokens("node v12.16.3 (lts), 1.5% of u.s. china's e-mail 2026.");
        assert_eq!(
            t,
            [
                "node", "v12.16.3", "lts", "1.5", "of", "u", "s", "china", "s", "e", "mail", "2026"
            ]
        );
    }

    #[test]
    fn words_drop_noise_and_add_version_numbers() {
        assert_eq!(
            all_words("The fix (a1b2c3d4e) for Node v18.17.0 is in. Détente!"),
            ["fix", "node", "v18.17.0", "18.17.0", "detente"]
        );
        assert_eq!(all_words("deadbeef 1234567"), ["deadbeef", "1234567"]);
    }

    #[test]
    fn html_text_leaves_out_markup_anchors_and_footnote_markers() {
        let html = "<h2 id=\"a\">Rare &amp; Earths <a class=\"heading-anchor\" href=\"#a\">#</a></h2>\n\
                    <p>Text<sup class=\"footnote-ref\"><a href=\"#fn:1\">1</a></sup> with <em>em</em>phasis.</p>\
                    <!-- more --><ul><li>one</li><li>two</li></ul><script>var x = 1;</script>\
                    <section class=\"footnotes\"><ol><li><p>Note. <a href=\"#r1\" class=\"footnote-backref\">↩</a></p></li></ol></section>";
        let (text, headings) = html_text(html);
        assert_eq!(text, "Rare & Earths Text with emphasis. one two Note.");
        assert_eq!(headings, "Rare & Earths");
        // Inline elements join words, block ones separate them, in any letter case.
        assert_eq!(
            html_text("<P>a</P><SPAN>b</SPAN>c<Strong>d</Strong><TD>e</TD><abbrx>f</abbrx>g").0,
            "a bcd e f g"
        );
    }

    #[test]
    fn cut_stops_at_a_word_boundary() {
        assert_eq!(cut("alpha beta gamma", 100), "alpha beta gamma");
        assert_eq!(cut("alpha beta gamma", 12), "alpha beta");
        assert_eq!(cut("ééééé", 3), "é");
    }
}
