//! YAML errors in words for writers: turns a `serde_yaml` (libyaml) error on a front matter
//! block into a message, a help line and the place a writer should look.
//!
//! Input: the error and the YAML text (its first line is file line `first_line`). Output: a
//! [`YamlProblem`] whose line and column are in the file. Invariants: no Rust type name
//! (`usize`, `u128`…) and no serde wording (`invalid type`, `expected any YAML value`) is ever
//! passed through; a tab used as indentation is named at the tab; an unclosed quote, `[` or
//! `{` is named where it opens, not where the parser ran out of text; a duplicate key is named at its
//! second occurrence.

/// A located, worded YAML error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlProblem {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column (in characters) in the file.
    pub col: usize,
    /// What is wrong, in one clause (printed after "front matter is not valid YAML: ").
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// The problem of YAML text `yaml` (file line `first_line` onwards) that `serde_yaml` refused
/// with `error`.
pub fn explain(error: &serde_yaml::Error, yaml: &str, first_line: usize) -> YamlProblem {
    let full = error.to_string();
    // 1-based line in `yaml`, 1-based column.
    let (line, col) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let at = |l: usize, c: usize, message: String, help: String| YamlProblem {
        line: l + first_line - 1,
        col: c,
        message,
        help,
    };
    let (problem, context) = split_message(&full);

    // An unclosed quote: libyaml names where the quoted text began, or the text ran on past
    // a line end to a quote that was meant to open the next value.
    let opened = context
        .filter(|c| c.text.contains("quoted scalar"))
        .and_then(|c| c.at)
        .or_else(|| runaway_quote(yaml, line));
    if let Some((l, c)) = opened {
        return at(
            l,
            c,
            "unclosed quoted text starting here".into(),
            "end the text with the quote mark it starts with, on the same line \
             (title: \"Oil & Gas\"); write a \" inside \"…\" as \\\", or quote with the other mark"
                .into(),
        );
    }

    // An unclosed `[` or `{`: the parser reads on to the next key or the end.
    if let Some(c) = context
        && problem.starts_with("did not find expected ',' or")
        && let Some((l, col0)) = c.at
        && l < line
    {
        let (open, close, example) = if c.text.contains("flow sequence") {
            ('[', ']', "tags: [Trade, Rare Earths]")
        } else {
            (
                '{',
                '}',
                "author: {name: \"Jane Doe\", bio: \"Covers trade.\"}",
            )
        };
        return at(
            l,
            col0,
            format!("`{open}` starting here is never closed"),
            format!(
                "end it with `{close}` on the same line ({example}), or write one `- item` per line"
            ),
        );
    }

    // The same when libyaml names only the end of the text (the `[` or `{` opens on the last
    // line, after a `,` or nothing): the first collection that nothing closes, if it opens
    // before the error.
    if problem.starts_with("did not find expected")
        && let Some((l, c, open)) = unclosed_flow(yaml)
        && (l, c) < (line, col)
    {
        return at(l, c, format!("`{open}` starting here is never closed"), {
            let (close, example) = if open == '[' {
                (']', "tags: [Trade, Rare Earths]")
            } else {
                ('}', "author: {name: \"Jane Doe\", bio: \"Covers trade.\"}")
            };
            format!(
                "end it with `{close}` on the same line ({example}), or write one `- item` per line"
            )
        });
    }

    if let Some(c) = tab_indent(yaml, line, col, problem) {
        return at(
            line,
            c,
            "tabs are not allowed for indentation in YAML".into(),
            "indent with spaces (two per level is usual)".into(),
        );
    }

    let (path, rest) = split_path(problem);
    let place = path.map(path_words);
    let in_place = place
        .as_deref()
        .map(|p| format!(" in {p}"))
        .unwrap_or_default();

    if let Some(key) = rest.strip_prefix("duplicate entry ") {
        let key = key_name(key);
        let (l, c, first) = duplicate_at(yaml, line, col, &key).unwrap_or((line, col, None));
        let first = first
            .map(|f| format!(" (first on line {})", f + first_line - 1))
            .unwrap_or_default();
        return at(
            l,
            c,
            format!("key `{key}` appears twice{in_place}{first}"),
            "each key may appear once: keep one of the two lines".into(),
        );
    }

    if let Some(number) = big_integer(rest) {
        return at(
            line,
            col,
            format!("the number {number}{in_place} is too large to read"),
            format!("put it in quotes (\"{number}\") to keep it as text"),
        );
    }

    let (message, help) = libyaml_words(rest, yaml, line, col);
    let message = match place {
        Some(p) => format!("{p}: {message}"),
        None => message,
    };
    at(line, col, message, help)
}

/// A libyaml or serde problem (without position) in words, and a help line: the common ones
/// reworded, any other with Rust type names replaced (see [`plain_words`]).
fn libyaml_words(problem: &str, yaml: &str, line: usize, col: usize) -> (String, String) {
    const QUOTE_HELP: &str = "put the value in quotes (title: \"…\"); quote any value that contains `: ` or ` #`, or starts with `[`, `{`, `*`, `&`, `!`, `|`, `>`, `'`, `\"`, `%`, `@` or a backtick";
    let here = yaml
        .split('\n')
        .nth(line.saturating_sub(1))
        .and_then(|l| l.chars().nth(col.saturating_sub(1)));
    if problem.starts_with("mapping values are not allowed") {
        return (
            "`: ` inside a value that is not in quotes".into(),
            QUOTE_HELP.into(),
        );
    }
    if problem.starts_with("did not find expected key") {
        return (
            "this line is not a `key: value` line at this indentation".into(),
            "each top-level line is `key: value`; list items (`- …`) and nested keys go under their key, indented with spaces".into(),
        );
    }
    if problem.starts_with("found character that cannot start any token")
        && let Some(c) = here
    {
        let shown = match c {
            '`' => "a backtick".to_string(),
            c => format!("`{c}`"),
        };
        return (
            format!("a value cannot start with {shown}"),
            QUOTE_HELP.into(),
        );
    }
    if problem.starts_with("unknown anchor") {
        return (
            "`*` refers to an anchor (`&name`) that is not defined above it".into(),
            "put the value in quotes if the `*` is part of the text".into(),
        );
    }
    let message = plain_words(problem);
    let help = if message.contains("repetition limit") {
        "YAML aliases (`*name`) here expand to too many values (an alias bomb); write the values out".into()
    } else if message.contains("recursion limit") {
        "lists or mappings are nested too deeply; front matter needs only a few levels".into()
    } else if message.contains("quoted") || message.contains("scalar") {
        QUOTE_HELP.into()
    } else {
        "front matter is YAML between two `---` lines: `key: value` per line".into()
    };
    (message, help)
}

/// The `while …` context libyaml adds, and where it points (1-based line and column in the
/// YAML text).
#[derive(Debug, Clone, Copy)]
struct Context<'a> {
    text: &'a str,
    at: Option<(usize, usize)>,
}

/// Splits libyaml's "PROBLEM at line L column C, CONTEXT at line L column C" into the problem
/// (without its position) and the context.
fn split_message(full: &str) -> (&str, Option<Context<'_>>) {
    let (head, context) = match full.split_once(", while ") {
        Some((h, c)) => (h, Some(c)),
        None => (full, None),
    };
    let problem = head.split(" at line ").next().unwrap_or(head);
    let context = context.map(|c| {
        let (text, pos) = match c.split_once(" at line ") {
            Some((t, p)) => (t, Some(p)),
            None => (c, None),
        };
        let at = pos.and_then(|p| {
            let (l, rest) = p.split_once(" column ")?;
            let c: String = rest.chars().take_while(char::is_ascii_digit).collect();
            Some((l.trim().parse().ok()?, c.parse().ok()?))
        });
        Context { text, at }
    });
    (problem, context)
}

/// The serde path before a message (`extra.a: duplicate …` → `extra.a`), when the message has
/// one, and the message after it.
fn split_path(problem: &str) -> (Option<&str>, &str) {
    const STARTS: [&str; 3] = ["duplicate entry ", "invalid type: ", "invalid value: "];
    for s in STARTS {
        if let Some(i) = problem.find(s)
            && i >= 2
            && problem[..i].ends_with(": ")
        {
            return (Some(&problem[..i - 2]), &problem[i..]);
        }
    }
    (None, problem)
}

/// A serde path in words: `date` → "`date`", `sources[0]` → "`sources` item 1",
/// `extra.a` → "`extra.a`", `sources[1].title` → "`sources` item 2 `title`".
fn path_words(path: &str) -> String {
    let mut out = String::new();
    let mut name = String::new();
    let mut chars = path.chars().peekable();
    let flush = |name: &mut String, out: &mut String| {
        if !name.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('`');
            out.push_str(name);
            out.push('`');
            name.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                flush(&mut name, &mut out);
                let digits: String = chars.by_ref().take_while(|&d| d != ']').collect();
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&format!(" item {}", n + 1)),
                    Err(_) => out.push_str(&format!(" [{digits}]")),
                }
            }
            '.' if !name.is_empty() && !out.ends_with(char::is_numeric) => name.push('.'),
            '.' => flush(&mut name, &mut out),
            _ => name.push(c),
        }
    }
    flush(&mut name, &mut out);
    out.trim().to_string()
}

/// The key named by the rest of a "duplicate entry …" message (`with key "title"` → `title`).
fn key_name(rest: &str) -> String {
    let k = rest.strip_prefix("with key ").unwrap_or(rest);
    if k.starts_with('"') {
        serde_json::from_str::<String>(k).unwrap_or_else(|_| k.trim_matches('"').to_string())
    } else if k == "with null key" {
        "null".into()
    } else {
        k.trim_matches('`').to_string()
    }
}

/// The digits of an integer YAML could not hold (serde: "invalid type: integer `N` as u128,
/// expected …").
fn big_integer(rest: &str) -> Option<&str> {
    let n = rest.strip_prefix("invalid type: integer `")?;
    let (n, tail) = n.split_once('`')?;
    (tail.starts_with(" as u128") || tail.starts_with(" as i128")).then_some(n)
}

/// A serde message with Rust type names put in words (`invalid value: integer `-1`, expected
/// usize` → "-1 is not a whole number of 0 or more").
pub fn plain_words(msg: &str) -> String {
    fn kind(expected: &str) -> Option<&'static str> {
        Some(match expected.trim() {
            "usize" | "u8" | "u16" | "u32" | "u64" | "u128" => "a whole number of 0 or more",
            "isize" | "i8" | "i16" | "i32" | "i64" | "i128" => "a whole number",
            "f32" | "f64" => "a number",
            "a string" | "string" => "text",
            "a boolean" | "bool" => "true or false",
            _ => return None,
        })
    }
    let body = msg
        .strip_prefix("invalid value: ")
        .or_else(|| msg.strip_prefix("invalid type: "));
    if let Some(body) = body
        && let Some((found, expected)) = body.rsplit_once(", expected ")
    {
        let found = found
            .replace(" as u128", "")
            .replace(" as i128", "")
            .replace('`', "");
        let value = found
            .strip_prefix("integer ")
            .or_else(|| found.strip_prefix("floating point "))
            .map(str::to_string)
            .unwrap_or(found);
        let what = kind(expected).unwrap_or("something else");
        let too_large = matches!(expected.trim(), "usize" | "u8" | "u16" | "u32" | "u64")
            && value.parse::<u128>().is_ok();
        return if too_large {
            format!("{value} is too large a number here")
        } else {
            format!("{value} is not {what}")
        };
    }
    let mut out = msg.to_string();
    for (rust, words) in [
        ("usize", "whole number"),
        ("u128", "whole number"),
        ("i128", "whole number"),
        ("u64", "whole number"),
        ("i64", "whole number"),
        ("f64", "number"),
    ] {
        out = out.replace(rust, words);
    }
    out
}

/// The column of the tab that breaks the indentation of line `line` (1-based in `yaml`): the
/// first tab among its leading blanks, or the tab at `col` when libyaml names one there.
fn tab_indent(yaml: &str, line: usize, col: usize, problem: &str) -> Option<usize> {
    let text = yaml.split('\n').nth(line.checked_sub(1)?)?;
    let lead = text.len() - text.trim_start_matches([' ', '\t']).len();
    if let Some(i) = text[..lead].find('\t') {
        return Some(text[..i].chars().count() + 1);
    }
    let at_col = text.chars().nth(col.checked_sub(1)?) == Some('\t');
    (at_col && (problem.contains("tab") || problem.contains("cannot start any token")))
        .then_some(col)
}

/// A quoted value that opens on a line before `error_line` (1-based) and does not close on
/// its own line, when it is still open at `error_line` or closes there: a quote someone forgot
/// to close, which made YAML read the next lines as part of the text. (line, col) of the
/// opening quote. Comments and block scalar (`|`, `>`) lines are skipped.
fn runaway_quote(yaml: &str, error_line: usize) -> Option<(usize, usize)> {
    let literal = block_scalar_lines(yaml);
    let bytes = yaml.as_bytes();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let to_line_end = |i: usize| yaml[i..].find('\n').map_or(bytes.len(), |j| i + j);
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
            continue;
        }
        if literal.get(line - 1) == Some(&true)
            || (b == b'#' && (i == line_start || bytes[i - 1].is_ascii_whitespace()))
        {
            i = to_line_end(i);
            continue;
        }
        if (b == b'"' || b == b'\'') && opens_value(&yaml[line_start..i]) {
            let open = (line, yaml[line_start..i].chars().count() + 1);
            let (mut j, mut l, mut ls) = (i + 1, line, line_start);
            let mut closed = None;
            while j < bytes.len() {
                match bytes[j] {
                    b'\n' => {
                        l += 1;
                        ls = j + 1;
                    }
                    b'\\' if b == b'"' => {
                        if bytes.get(j + 1) == Some(&b'\n') {
                            l += 1;
                            ls = j + 2;
                        }
                        j += 1;
                    }
                    c if c == b => {
                        if b == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                            j += 1;
                        } else {
                            closed = Some(l);
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if closed != Some(open.0)
                && open.0 < error_line
                && closed.is_none_or(|c| c >= error_line)
            {
                return Some(open);
            }
            closed?;
            (i, line, line_start) = (j + 1, l, ls);
            continue;
        }
        i += 1;
    }
    None
}

/// The outermost flow collection (`[` or `{` opening a value) that nothing closes: its
/// 1-based (line, col) in `yaml` and its bracket. Read as the depth guard reads (see
/// [`super::depth::unclosed`]): brackets in quotes, comments, block scalars and plain text
/// continued over lines are not collections.
fn unclosed_flow(yaml: &str) -> Option<(usize, usize, char)> {
    let at = super::depth::unclosed(yaml)?;
    let open = yaml[at..].chars().next()?;
    let (l, c) = crate::config::line_col(yaml, at);
    Some((l, c, open))
}

/// `true` when a quote after `before` (the start of its line) opens a value: only blanks,
/// list dashes, a `key:` or flow punctuation (`[`, `{`, `,`) come before it.
fn opens_value(before: &str) -> bool {
    let mut t = before.trim();
    loop {
        if let Some(r) = t.strip_prefix("- ") {
            t = r.trim_start();
        } else if t == "-" {
            t = "";
        } else {
            break;
        }
    }
    t.is_empty() || t.ends_with([':', '[', '{', ','])
}

/// For each line of `yaml`, whether it is the content of a block scalar (`key: |`, `- >-`):
/// text, not YAML structure.
fn block_scalar_lines(yaml: &str) -> Vec<bool> {
    let lines: Vec<&str> = yaml.split('\n').collect();
    let mut out = vec![false; lines.len()];
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let mut i = 0;
    while i < lines.len() {
        let mut t = lines[i].trim();
        while let Some(r) = t.strip_prefix("- ") {
            t = r.trim_start();
        }
        let value = match super::find_key_colon(t) {
            Some(c) => t[c + 1..].trim(),
            None => t,
        };
        let value = value.split(" #").next().unwrap_or("").trim_end();
        let header = value.starts_with(['|', '>'])
            && value[1..]
                .chars()
                .all(|c| c == '+' || c == '-' || c.is_ascii_digit());
        if !header {
            i += 1;
            continue;
        }
        let indent = indent_of(lines[i]);
        let mut j = i + 1;
        while j < lines.len() && (lines[j].trim().is_empty() || indent_of(lines[j]) > indent) {
            out[j] = true;
            j += 1;
        }
        i = j;
    }
    out
}

/// Where key `key` is written the second time in the mapping that starts at (line, col)
/// (1-based, in `yaml`), with the line of its first occurrence: (line, col, first line).
fn duplicate_at(
    yaml: &str,
    line: usize,
    col: usize,
    key: &str,
) -> Option<(usize, usize, Option<usize>)> {
    let lines: Vec<&str> = yaml.split('\n').collect();
    let start = lines.get(line.checked_sub(1)?)?;
    let indent = start.chars().take(col.checked_sub(1)?).count();
    let same = |k: &str| k.trim().trim_matches(['"', '\'']) == key;
    if start.chars().nth(col - 1) == Some('{') {
        let offset: usize = lines[..line - 1].iter().map(|l| l.len() + 1).sum::<usize>()
            + start.char_indices().nth(col - 1)?.0;
        let mut first = None;
        for item in super::flow_items(yaml, offset) {
            let text = &yaml[item..];
            let k = text.split([':', ',', '}']).next().unwrap_or("");
            if same(k) {
                let (l, c) = crate::config::line_col(yaml, item);
                match first {
                    None => first = Some(l),
                    Some(f) => return Some((l, c, Some(f))),
                }
            }
        }
        return None;
    }
    let mut first = None;
    for (i, text) in lines.iter().enumerate().skip(line - 1) {
        let (at, rest) = if i == line - 1 {
            let byte = start.char_indices().nth(col - 1).map(|(b, _)| b)?;
            (indent, &text[byte..])
        } else {
            let t = text.trim_start_matches(' ');
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let n = text.len() - t.len();
            if n < indent {
                break;
            }
            if n > indent {
                continue;
            }
            (n, t)
        };
        let Some(colon) = super::find_key_colon(rest) else {
            continue;
        };
        if same(&rest[..colon]) {
            match first {
                None => first = Some(i + 1),
                Some(f) => return Some((i + 1, at + 1, Some(f))),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any YAML the parser refuses is explained without a panic, inside the file.
        #[test]
        fn every_refused_text_is_explained(
            yaml in "[ \t\n\"'\\[\\]{}:,#|>&*!@`a-c0-9é-]{0,80}"
        ) {
            if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(&yaml) {
                let p = explain(&e, &yaml, 2);
                prop_assert!(p.line >= 2 && p.col >= 1, "{:?}", p);
                prop_assert!(p.line <= yaml.split('\n').count() + 2, "{:?}", p);
                prop_assert!(!p.message.is_empty() && !p.help.is_empty());
            }
        }
    }

    fn problem(yaml: &str) -> YamlProblem {
        let e = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        explain(&e, yaml, 2)
    }

    #[test]
    fn tab_indentation_is_named_at_the_tab() {
        for (yaml, line, col) in [
            ("title: x\ntags:\n\t- a\n", 4, 1),
            ("title: x\nextra:\n  a: 1\n\tb: 2\n", 5, 1),
            ("title: x\nhighlights:\n  - a\n  \t- b\n", 5, 3),
            ("\ttitle: x\n", 2, 1),
        ] {
            let p = problem(yaml);
            assert_eq!(
                (p.line, p.col, p.message.as_str()),
                (line, col, "tabs are not allowed for indentation in YAML"),
                "{yaml:?}"
            );
            assert_eq!(p.help, "indent with spaces (two per level is usual)");
        }
    }

    #[test]
    fn an_unclosed_quote_is_named_where_it_opens() {
        for (yaml, line, col) in [
            ("title: \"abc\ndate: 2026-01-01\ntags: [a]\n", 2, 8),
            ("title: 'abc\ndate: 2026-01-01\n", 2, 8),
            ("title: \"abc\ndate: \"2026-01-01\"\ntags: [a]\n", 2, 8),
            ("title: x\ntags: [\"a, b]\n", 3, 8),
            ("title: x\nhighlights:\n  - \"one\n  - two\n", 4, 5),
        ] {
            let p = problem(yaml);
            assert_eq!(
                (p.line, p.col, p.message.as_str()),
                (line, col, "unclosed quoted text starting here"),
                "{yaml:?}"
            );
        }
    }

    #[test]
    fn a_duplicate_key_is_named_at_its_second_line() {
        for (yaml, line, col, msg) in [
            (
                "title: x\ndate: 2026-01-01\ntitle: y\n",
                4,
                1,
                "key `title` appears twice (first on line 2)",
            ),
            (
                "title: x\nextra:\n  a: 1\n  b: 2\n  a: 3\n",
                6,
                3,
                "key `a` appears twice in `extra` (first on line 4)",
            ),
            (
                "title: x\nextra: {a: 1, \"a\": 2}\n",
                3,
                15,
                "key `a` appears twice in `extra` (first on line 3)",
            ),
            (
                "sources:\n  - title: a\n    url: /x\n    title: b\n",
                5,
                5,
                "key `title` appears twice in `sources` item 1 (first on line 3)",
            ),
        ] {
            let p = problem(yaml);
            assert_eq!(
                (p.line, p.col, p.message.as_str()),
                (line, col, msg),
                "{yaml:?}"
            );
        }
    }

    #[test]
    fn an_unclosed_bracket_is_named_where_it_opens() {
        for (yaml, line, col, msg) in [
            (
                "title: x\ntags: [a\n",
                3,
                7,
                "`[` starting here is never closed",
            ),
            (
                "tags: [a, b\ndate: 2026-01-01\n",
                2,
                7,
                "`[` starting here is never closed",
            ),
            (
                "extra: {a: 1,\n  b: 2\ndate: x\n",
                2,
                8,
                "`{` starting here is never closed",
            ),
            // Opened on the last line: libyaml names only the end of the text.
            (
                "title: a\ntags: [a,\n",
                3,
                7,
                "`[` starting here is never closed",
            ),
            (
                "title: a\ntags: [\n",
                3,
                7,
                "`[` starting here is never closed",
            ),
            ("tags: [a, [b]\n", 2, 7, "`[` starting here is never closed"),
            (
                "title: a\nextra: {a: 1,\n",
                3,
                8,
                "`{` starting here is never closed",
            ),
            (
                "title: a\nhighlights:\n  - [x]\n  - {a: \"]\",\n",
                5,
                5,
                "`{` starting here is never closed",
            ),
        ] {
            let p = problem(yaml);
            assert_eq!(
                (p.line, p.col, p.message.as_str()),
                (line, col, msg),
                "{yaml:?}"
            );
        }
    }

    #[test]
    fn common_libyaml_problems_are_reworded() {
        for (yaml, line, col, msg) in [
            (
                "title: Oil: the squeeze\n",
                2,
                11,
                "`: ` inside a value that is not in quotes",
            ),
            (
                "title: x\n- a\n",
                3,
                1,
                "this line is not a `key: value` line at this indentation",
            ),
            ("title: `x`\n", 2, 8, "a value cannot start with a backtick"),
            ("title: @x\n", 2, 8, "a value cannot start with `@`"),
            (
                "extra: {a: *nope}\n",
                2,
                12,
                "`*` refers to an anchor (`&name`) that is not defined above it",
            ),
        ] {
            let p = problem(yaml);
            assert_eq!(
                (p.line, p.col, p.message.as_str()),
                (line, col, msg),
                "{yaml:?}"
            );
        }
    }

    #[test]
    fn numbers_are_worded_without_rust_types() {
        let p = problem("title: x\ndate: 99999999999999999999\n");
        assert_eq!((p.line, p.col), (3, 7));
        assert_eq!(
            p.message,
            "the number 99999999999999999999 in `date` is too large to read"
        );
        assert_eq!(
            p.help,
            "put it in quotes (\"99999999999999999999\") to keep it as text"
        );
        let p = problem("tags: [1, -99999999999999999999]\n");
        assert_eq!(
            p.message,
            "the number -99999999999999999999 in `tags` item 2 is too large to read"
        );
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected usize"),
            "-1 is not a whole number of 0 or more"
        );
        assert_eq!(
            plain_words("invalid type: integer `99999999999999999999` as i128, expected usize"),
            "99999999999999999999 is too large a number here"
        );
        assert_eq!(
            plain_words("invalid type: floating point `1.5`, expected u32"),
            "1.5 is not a whole number of 0 or more"
        );
        assert_eq!(path_words("sources[1].title"), "`sources` item 2 `title`");
        assert_eq!(path_words("extra.a.b"), "`extra.a.b`");
    }
}
