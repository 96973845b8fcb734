//! A guard run before the YAML parser: flow collections (`[…]`, `{…}`) nested deeper than
//! [`MAX_DEPTH`]; and, for the parser's errors, the flow collection nothing closes.
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
    scan(yaml, limit).too_deep
}

/// Byte offset (in `yaml`) of the outermost `[` or `{` that opens a flow collection nothing
/// closes, if any: read as [`too_deep`] reads, so brackets in comments, quotes, block
/// scalars and the continuation lines of plain text are not taken for one.
pub fn unclosed(yaml: &str) -> Option<usize> {
    scan(yaml, usize::MAX).unclosed
}

/// What one pass over the flow brackets of a YAML text found.
struct Scan {
    /// The first bracket nested deeper than the limit.
    too_deep: Option<usize>,
    /// The outermost bracket still open at the end.
    unclosed: Option<usize>,
}

fn scan(yaml: &str, limit: usize) -> Scan {
    let mut depth = 0usize;
    // Where the outermost open collection opened.
    let mut outer = 0usize;
    // The last character that is not a space on this line, or '\n' where a value starts at
    // the beginning of a line (the document's start, the line after `key:`).
    let mut prev = '\n';
    let mut line_start = 0;
    // A block scalar (`|`, `>`) opened on this line: the indentation its text lines exceed.
    let mut block: Option<usize> = None;
    // No character but blanks yet on this line.
    let mut line_start_blank = true;
    // This line's indentation, and whether it may go on with plain text from the lines
    // before, begun on a line indented `text_indent`.
    let (mut indent, mut continuing, mut text_indent) = (0usize, false, 0usize);
    let mut chars = yaml.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let first_on_line = line_start_blank;
        line_start_blank = c == '\n' || (first_on_line && matches!(c, ' ' | '\t' | '\r'));
        if first_on_line && !line_start_blank {
            indent = at.saturating_sub(line_start);
            if !continuing {
                text_indent = indent;
            }
        }
        let opens_value = if depth == 0 {
            matches!(prev, '\n' | ':' | '-' | '?')
        } else {
            matches!(prev, '[' | '{' | ',' | ':' | '?')
        };
        match c {
            '\n' => {
                if depth == 0 {
                    // A block scalar's text: every following line indented past its parent.
                    let mut next = at + 1;
                    if let Some(parent) = block.take() {
                        next = end_of_block_text(yaml, next, parent);
                        while chars.next_if(|&(i, _)| i < next).is_some() {}
                    }
                    // Only a line after a bare `key:` (or `- `) starts a value there; any
                    // other line goes on with the text before.
                    prev = if matches!(prev, ':' | '-' | '?' | '\n') || next > at + 1 {
                        '\n'
                    } else {
                        'a'
                    };
                    continuing = prev == 'a';
                    line_start = next;
                }
                continue;
            }
            ' ' | '\t' | '\r' => continue,
            '#' if at == 0 || yaml[..at].ends_with([' ', '\t', '\n']) => {
                while chars.next_if(|&(_, n)| n != '\n').is_some() {}
                continue;
            }
            '|' | '>' if depth == 0 && opens_value => {
                block = Some(parent_indent(&yaml[line_start..at], prev));
            }
            '[' | '{' if opens_value => {
                if depth == 0 {
                    outer = at;
                }
                depth += 1;
                if depth > limit {
                    return Scan {
                        too_deep: Some(at),
                        unclosed: None,
                    };
                }
            }
            ']' | '}' if depth > 0 => depth -= 1,
            '"' | '\'' if opens_value => skip_quoted(&mut chars, c),
            // An anchor or tag before a value (`&a [`, `!!str |`) leaves it a value start.
            '&' | '!' if opens_value => {
                while chars
                    .next_if(|&(_, n)| {
                        !n.is_whitespace() && !matches!(n, ',' | '[' | ']' | '{' | '}')
                    })
                    .is_some()
                {}
                continue;
            }
            // In block context `:` is an indicator before a space, and `-` and `?` only
            // where a value starts too (`a- [` is text).
            ':' | '-' | '?' if depth == 0 => {
                let spaced = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
                // Plain text goes on over more indented lines, even one starting `- `; a
                // line starting `- ` or `? ` no more indented than where the text began is
                // the next entry.
                let entry = first_on_line && c != ':' && (!continuing || indent <= text_indent);
                let indicator = spaced && (c == ':' || opens_value || entry);
                if indicator && continuing {
                    continuing = false;
                    text_indent = indent;
                }
                prev = if indicator { c } else { 'a' };
                continue;
            }
            _ => {}
        }
        prev = c;
    }
    Scan {
        too_deep: None,
        unclosed: (depth > 0).then_some(outer),
    }
}

/// The indentation a block scalar's text must exceed, from the text of its line before the
/// `|` or `>` (`before`) and the indicator just before it: the column of its key (`  - key:
/// |` → 4), or of its `-` for a list item (`  - |` → 2).
fn parent_indent(before: &str, indicator: char) -> usize {
    let spaces = before.len() - before.trim_start_matches(' ').len();
    if indicator == '-' {
        return spaces
            + before
                .trim_start_matches(' ')
                .trim_end()
                .len()
                .saturating_sub(1);
    }
    // Past every `- ` that opens a list item on this line.
    let mut col = spaces;
    let mut rest = &before[spaces..];
    while let Some(r) = rest.strip_prefix("- ") {
        let more = r.len() - r.trim_start_matches(' ').len();
        col += 2 + more;
        rest = &r[more..];
    }
    col
}

/// Byte offset of the first line from `from` that is neither blank nor indented more than
/// `parent` spaces: where a block scalar's text ends.
fn end_of_block_text(yaml: &str, mut from: usize, parent: usize) -> usize {
    while from < yaml.len() {
        let line_end = yaml[from..].find('\n').map_or(yaml.len(), |i| from + i + 1);
        let line = yaml[from..line_end].trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() && indent <= parent {
            break;
        }
        from = line_end;
    }
    from
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
        let code = format!(
            "extra:\n  snippet: |-\n{}  after: [[x]]\nlist:\n  - >\n    {{\"x\": [1, \"y: [\n  - [[y]]\n",
            "    x0: [\n\n".repeat(5)
        );
        assert!(serde_yaml::from_str::<serde_yaml::Value>(&code).is_ok());
        assert_eq!(too_deep(&code, 2), None);
        // What follows a block scalar is read again: `after` and the list item nest 2 deep.
        assert_eq!(too_deep(&code, 1), Some(code.find("[[x]]").unwrap() + 1));
        // Flow collections on several lines, and block lists of flow collections.
        let lines = "tags: [\n  [a,\n   [b]],\n  {k: [c]}]\nlist:\n  - [[x]]\n";
        assert_eq!(too_deep(lines, 3), None);
        assert_eq!(too_deep(lines, 2), Some(lines.find("[b]").unwrap()));
        // A more indented `- ` line goes on with the text before; an anchor or tag before a
        // block scalar or a collection leaves it one.
        let more_text = "summary: This is text\n  - [[[x\nlist:\n  - first point\n    - [[[y\n";
        assert_eq!(too_deep(more_text, 1), None);
        assert_eq!(unclosed(more_text), None);
        let props = "summary: &s |\n  - [[[x\nnote: !!str >\n  [[[y\nt: &t [[a]]\n";
        assert!(serde_yaml::from_str::<serde_yaml::Value>(props).is_ok());
        assert_eq!(too_deep(props, 1), Some(props.find("[a").unwrap()));
        // A list entry after an entry of plain text is an entry, not more text.
        let after_text = "tags:\n  - a\n  - [[[x]]]\n";
        assert_eq!(
            too_deep(after_text, 2),
            Some(after_text.find("[x").unwrap())
        );
        let open = "h:\n  - [x]\n  - {a: \"]\",\n";
        assert_eq!(unclosed(open), open.find('{'));
        assert_eq!(unclosed("note: a\n  [b\n# [c\ntags: [x]\n"), None);
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
            // As the text of a block scalar the same characters nest nothing.
            let pretty = serde_json::to_string_pretty(&v).unwrap().replace('\n', "\n    ");
            for text in [format!("x:\n  s: |\n    {pretty}\n  t: 1\n"), format!("- >-\n    {pretty}\n")] {
                prop_assert!(serde_yaml::from_str::<serde_yaml::Value>(&text).is_ok(), "{}", text);
                prop_assert_eq!(too_deep(&text, 0), None, "{}", text);
            }
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
