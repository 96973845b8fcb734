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
    // The last character that is not a space on this line ('\n' at a line start).
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
                if depth == 0 {
                    prev = '\n';
                }
                continue;
            }
            ' ' | '\t' | '\r' => continue,
            '#' if yaml[..at].ends_with([' ', '\t', '\n']) || at == 0 => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                if depth == 0 {
                    prev = '\n';
                }
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
            // In block context `:`, `-` and `?` are indicators only before a space.
            ':' | '-' | '?' if depth == 0 => {
                let indicator = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
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
        // Flow collections on several lines, and block lists of flow collections.
        let lines = "tags: [\n  [a,\n   [b]],\n  {k: [c]}]\nlist:\n  - [[x]]\n";
        assert_eq!(too_deep(lines, 3), None);
        assert_eq!(too_deep(lines, 2), Some(lines.find("[b]").unwrap()));
    }

    proptest! {
        /// Anything serde_yaml parses nests no deeper than the guard lets through: the
        /// guard never refuses front matter the parser accepts.
        #[test]
        fn never_refuses_what_parses(yaml in "([a-z]{1,3}: |- |  |\\[|\\]|\\{|\\}|, |\"|'|#|\n|[a-z ]{1,4}){0,40}") {
            if serde_yaml::from_str::<serde_yaml::Value>(&yaml).is_ok() {
                let depth = max_parsed_depth(&serde_yaml::from_str(&yaml).unwrap());
                prop_assert_eq!(too_deep(&yaml, depth), None, "{:?}", yaml);
            }
        }
    }

    fn max_parsed_depth(v: &serde_yaml::Value) -> usize {
        use serde_yaml::Value;
        match v {
            Value::Sequence(items) => 1 + items.iter().map(max_parsed_depth).max().unwrap_or(0),
            Value::Mapping(m) => {
                1 + m
                    .iter()
                    .map(|(k, v)| max_parsed_depth(k).max(max_parsed_depth(v)))
                    .max()
                    .unwrap_or(0)
            }
            Value::Tagged(t) => max_parsed_depth(&t.value),
            _ => 0,
        }
    }
}
