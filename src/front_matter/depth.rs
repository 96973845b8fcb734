//! A guard run before the YAML parser: flow collections (`[…]`, `{…}`) nested deeper than
//! [`MAX_DEPTH`].
//!
//! The YAML scanner serde_yaml uses (unsafe-libyaml) takes time quadratic in the nesting
//! depth of flow collections before its recursion limit (128) stops it: 100,000 nested `[`
//! (a 200 KB post) took 37 s to be refused, and `serve` would stall as long. Nothing deeper
//! than that limit can parse anyway, so refusing it up front changes no accepted input.

/// Deepest flow nesting accepted; serde_yaml refuses anything deeper.
pub const MAX_DEPTH: usize = 128;

/// Byte offset (in `yaml`) of the first `[` or `{` that opens a flow collection nested
/// deeper than `limit`, if any. Reads only where a collection can open: where a value starts
/// (line start, after `: `, `- `, `? `) or inside a flow collection (after `[`, `{`, `,`,
/// `:`); skips quoted scalars and `#` comments. Linear time.
pub fn too_deep(yaml: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    // The last character that is not a space on this line, or '\n' where a value starts at
    // the beginning of a line (the document's start, the line after `key:`).
    let mut prev = '\n';
    let mut chars = yaml.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let opens_value = if depth == 0 {
            matches!(prev, '\n' | ':' | '-' | '?')
        } else {
            matches!(prev, '[' | '{' | ',' | ':' | '?')
        };
        match c {
            '\n' => {
                // In block context only a line after a bare `key:` (or `- `) starts a value;
                // any other line goes on with the text before (or a block scalar).
                if depth == 0 {
                    prev = if matches!(prev, ':' | '-' | '?' | '\n') {
                        '\n'
                    } else {
                        'a'
                    };
                }
                continue;
            }
            ' ' | '\t' | '\r' => continue,
            '#' if at == 0 || yaml[..at].ends_with([' ', '\t', '\n']) => {
                while chars.next_if(|&(_, n)| n != '\n').is_some() {}
                continue;
            }
            '[' | '{' if opens_value => {
                depth += 1;
                if depth > limit {
                    return Some(at);
                }
            }
            ']' | '}' if depth > 0 => depth -= 1,
            '"' | '\'' if opens_value => skip_quoted(&mut chars, c),
            // In block context `:` is an indicator before a space, and `-` and `?` only
            // where a value starts too (`a- [` is text).
            ':' | '-' | '?' if depth == 0 => {
                let spaced = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
                let indicator = spaced && (c == ':' || opens_value);
                prev = if indicator { c } else { 'a' };
                continue;
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Moves `chars` past the quoted scalar opened by `quote` (`"` with `\` escapes, `'` with
/// `''`).
fn skip_quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, quote: char) {
    while let Some((_, n)) = chars.next() {
        if quote == '"' && n == '\\' {
            chars.next();
        } else if n == quote {
            if quote == '\'' && chars.peek().is_some_and(|&(_, q)| q == '\'') {
                chars.next();
            } else {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_only_brackets_that_open_collections() {
        let deep = format!("extra: {}{}\n", "[".repeat(5), "]".repeat(5));
        assert_eq!(too_deep(&deep, 5), None);
        assert_eq!(too_deep(&deep, 4), Some(11));
        // Brackets inside quoted or plain text and comments are text.
        let text = "title: \"[[[[[[\"\nsummary: 'it''s [[[['\nnote: a [[[[[[ b\n# [[[[[[\n";
        assert_eq!(too_deep(text, 1), None);
        // Block scalars and the continuation lines of plain text are text too.
        let text = "summary: |\n  [[[[[[\nnote: a\n  [[[[[[\nx: a- [[[[[[\n";
        assert_eq!(too_deep(text, 1), None);
        // Flow collections on several lines, and block lists of flow collections.
        let lines = "tags: [\n  [a,\n   [b]],\n  {k: [c]}]\nlist:\n  - [[x]]\n";
        assert_eq!(too_deep(lines, 3), None);
        assert_eq!(too_deep(lines, 2), Some(lines.find("[b]").unwrap()));
    }

    /// Nested lists and maps of text that holds brackets, quotes, `#` and `: `.
    fn nested() -> impl Strategy<Value = serde_json::Value> {
        let leaf = "[a-z\\[\\]{}'\"#: ,-]{0,8}".prop_map(serde_json::Value::String);
        leaf.prop_recursive(12, 64, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn json_depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) => 1 + a.iter().map(json_depth).max().unwrap_or(0),
            serde_json::Value::Object(m) => 1 + m.values().map(json_depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    proptest! {
        /// Front matter whose values are flow collections (JSON is YAML's flow style), on
        /// one line or as a `- ` item: the guard counts exactly their nesting, whatever
        /// brackets and quotes their text holds.
        #[test]
        fn counts_the_nesting_of_flow_values(v in nested()) {
            let depth = json_depth(&v);
            let json = serde_json::to_string(&v).unwrap();
            for yaml in [format!("extra: {json}\n"), format!("list:\n  - {json}\n")] {
                prop_assert!(serde_yaml::from_str::<serde_yaml::Value>(&yaml).is_ok());
                prop_assert_eq!(too_deep(&yaml, depth), None, "{}", yaml);
                if depth > 0 {
                    prop_assert!(too_deep(&yaml, depth - 1).is_some(), "{}", yaml);
                }
            }
        }
    }
}
