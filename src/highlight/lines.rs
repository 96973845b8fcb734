//! A memo of syntect's line parser, shared by every block a thread highlights.
//!
//! Syntect parses a line as a pure function of the parser state before it (its context
//! stack, a [`ParseState`]) and the line's text: the same line met in the same state gives
//! the same scope operations and the same state after. Code repeats lines across blocks and
//! posts (blank lines, braces, imports, `set -euo pipefail`), and regex matching is most of a
//! cold build's highlighting time, so a repeated line is parsed once.
//!
//! A state that holds regex captures (a heredoc's delimiter, a raw string's hashes) compares
//! by the captures' allocation, not their text, so a line in such a state is never a hit and
//! is parsed each time: a miss costs time, never correctness.
//!
//! The memo is per thread because syntect's parser state holds Oniguruma regions, which are
//! not `Send`. It is emptied when it grows past [`MAX_ENTRIES`] and when [`forget`] is
//! called (a one-shot build calls it once bodies are rendered).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use syntect::parsing::{ParseState, ParsingError, ScopeStackOp, SyntaxSet};

/// Scope operations of one line: byte offset into the line, and the operation there.
pub type Ops = Rc<[(usize, ScopeStackOp)]>;

/// Memo entries (distinct line and state pairs) a thread keeps before it starts over.
pub const MAX_ENTRIES: usize = 100_000;

/// States remembered per distinct line; a line seen in more states is parsed each time
/// past this many (a blank line inside many kinds of context).
const MAX_STATES_PER_LINE: usize = 16;

struct Entry {
    before: ParseState,
    ops: Ops,
    after: ParseState,
}

#[derive(Default)]
struct Memo {
    generation: u64,
    /// Address of the syntax set the entries were parsed with: a parser state names contexts
    /// by their index in one set, so entries are only valid for that set.
    syntaxes: usize,
    entries: usize,
    lines: HashMap<Box<str>, Vec<Entry>, rustc_hash::FxBuildHasher>,
}

/// Bumped by [`forget`]; a thread's memo older than this is emptied on its next use.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// Empties every thread's memo (each on its next use).
pub fn forget() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Parses `line` (with its line ending) from `state`, leaving `state` as syntect's
/// [`ParseState::parse_line`] would, and returns the scope operations it returns. Errors are
/// syntect's and are not memoised. A thread's memo holds the lines of one syntax set: called
/// with another, it starts over.
pub fn parse_line(
    state: &mut ParseState,
    line: &str,
    syntaxes: &SyntaxSet,
) -> Result<Ops, ParsingError> {
    let generation = GENERATION.load(Ordering::Relaxed);
    let hit = MEMO.with_borrow_mut(|memo| {
        let set = std::ptr::from_ref(syntaxes) as usize;
        if memo.generation != generation || memo.syntaxes != set {
            *memo = Memo {
                generation,
                syntaxes: set,
                ..Memo::default()
            };
        }
        let entry = memo.lines.get(line)?.iter().find(|e| e.before == *state)?;
        *state = entry.after.clone();
        Some(entry.ops.clone())
    });
    if let Some(ops) = hit {
        return Ok(ops);
    }
    let before = state.clone();
    let ops: Ops = state.parse_line(line, syntaxes)?.into();
    MEMO.with_borrow_mut(|memo| {
        if memo.entries >= MAX_ENTRIES {
            memo.lines.clear();
            memo.entries = 0;
        }
        let states = memo.lines.entry(Box::from(line)).or_default();
        if states.len() < MAX_STATES_PER_LINE {
            states.push(Entry {
                before,
                ops: ops.clone(),
                after: state.clone(),
            });
            memo.entries += 1;
        }
    });
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntect::parsing::SyntaxSet;

    /// Parses `code` line by line, once through the memo and once with syntect alone, and
    /// asserts the same operations for every line. (States cannot be compared directly: a
    /// state with captures equals only itself; a state gone wrong shows in later lines' ops.)
    fn both(syntaxes: &SyntaxSet, ext: &str, code: &str) {
        let syntax = syntaxes.find_syntax_by_extension(ext).unwrap();
        let mut plain = ParseState::new(syntax);
        let mut memo = ParseState::new(syntax);
        for line in syntect::util::LinesWithEndings::from(code) {
            let want = plain.parse_line(line, syntaxes).unwrap();
            let got = parse_line(&mut memo, line, syntaxes).unwrap();
            assert_eq!(&got[..], &want[..], "ops of {line:?}");
        }
    }

    #[test]
    fn memoised_parse_is_syntects_parse() {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        // The same lines in different states (inside and outside a comment, a string, a
        // docstring, a heredoc), so a hit must match the state, not just the text.
        let rust = "fn a() {\n    x\n}\n/*\n    x\n}\n*/\nlet s = \"\n    x\n\";\n    x\n\
                    let r = r#\"\n    x\n\"#;\n    x\n";
        let python = "def f():\n    '''\n    x\n    '''\n    x\n    s = \"\"\"\n    x\n\"\"\"\n";
        let bash = "cat <<EOF\n  x\nEOF\n  x\ncat <<END\n  x\nEOF\nEND\n  x\n";
        for _ in 0..3 {
            both(&syntaxes, "rs", rust);
            both(&syntaxes, "py", python);
            both(&syntaxes, "sh", bash);
        }
        MEMO.with_borrow(|m| assert!(m.entries > 0, "the memo was used"));
        forget();
        both(&syntaxes, "rs", rust);
        // Another syntax set numbers its contexts differently: the memo starts over.
        let other = two_face::syntax::extra_newlines();
        both(&other, "rs", rust);
        both(&other, "py", python);
        both(&syntaxes, "rs", rust);
    }
}
