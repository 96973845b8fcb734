//! Console output of every command: what smelt prints on standard output and standard error
//! goes through [`out!`](crate::out), [`outln!`](crate::outln), [`err!`](crate::err) and
//! [`errln!`](crate::errln), never through `print!`/`eprintln!` (the crate warns on those, and
//! clippy runs with `-D warnings`).
//!
//! Input: formatted text. Output: the text on the stream, or nothing once the stream is gone.
//! Invariant: printing never panics and never changes a command's exit code. When a write
//! fails (the reader went away: `smelt list | head -1`, `smelt build 2>&1 | true`, which is
//! EPIPE because the Rust runtime ignores SIGPIPE; or a full disk behind a redirect), that
//! stream is marked closed and everything later meant for it is dropped, while the command
//! finishes its work and exits with the code it would have had. SIGPIPE stays ignored for
//! every command (`serve` relies on it: a browser closing a connection must not kill it).
//!
//! Also: [`count`], the `1 post` / `2 posts` form every printed count uses, and [`human`],
//! the form every command prints a diagnostic in for people.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// `false` once a write to standard output failed.
static STDOUT_OPEN: AtomicBool = AtomicBool::new(true);
/// `false` once a write to standard error failed.
static STDERR_OPEN: AtomicBool = AtomicBool::new(true);

/// Which stream to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output (results: `list`, `new`, `check` reports).
    Out,
    /// Standard error (progress, summaries, diagnostics of `build` and `serve`).
    Err,
}

/// Writes `args` (and a newline when `newline`) to `stream` as one piece, unless the stream
/// is closed; a failed write closes it. Used by the macros.
pub fn write(stream: Stream, args: fmt::Arguments<'_>, newline: bool) {
    match stream {
        Stream::Out => put(io::stdout().lock(), &STDOUT_OPEN, args, newline),
        Stream::Err => put(io::stderr().lock(), &STDERR_OPEN, args, newline),
    }
}

/// Writes to `w` while `open`; clears `open` when the write fails.
fn put(mut w: impl Write, open: &AtomicBool, args: fmt::Arguments<'_>, newline: bool) {
    if !open.load(Ordering::Relaxed) {
        return;
    }
    let written = w
        .write_fmt(args)
        .and_then(|()| if newline { w.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| w.flush());
    if written.is_err() {
        open.store(false, Ordering::Relaxed);
    }
}

/// `true` until a write to `stream` failed.
pub fn is_open(stream: Stream) -> bool {
    match stream {
        Stream::Out => STDOUT_OPEN.load(Ordering::Relaxed),
        Stream::Err => STDERR_OPEN.load(Ordering::Relaxed),
    }
}

/// A diagnostic in the human format followed by a blank line: the form every command prints
/// a list of diagnostics in (so one diagnostic's `help:` never runs into the next one).
pub fn human(d: &crate::error::Diagnostic, color: bool) -> String {
    let mut s = d.render_human(color);
    s.push('\n');
    s
}

/// `n` and the noun in the matching number: `count(1, "post", "posts")` is `1 post`,
/// `count(0, "post", "posts")` is `0 posts`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Like `print!`, on standard output; never panics (see the module docs).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::console::write($crate::console::Stream::Out, format_args!($($arg)*), false)
    };
}

/// Like `println!`, on standard output; never panics (see the module docs).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::console::write($crate::console::Stream::Out, format_args!($($arg)*), true)
    };
}

/// Like `eprint!`, on standard error; never panics (see the module docs).
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::console::write($crate::console::Stream::Err, format_args!($($arg)*), false)
    };
}

/// Like `eprintln!`, on standard error; never panics (see the module docs).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::console::write($crate::console::Stream::Err, format_args!($($arg)*), true)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(0, "post", "posts"), "0 posts");
        assert_eq!(count(1, "post", "posts"), "1 post");
        assert_eq!(count(2, "problem", "problems"), "2 problems");
    }

    #[test]
    fn a_failing_writer_closes_the_stream_instead_of_panicking() {
        /// Accepts `room` bytes, then fails as a closed pipe does.
        struct Pipe {
            got: Vec<u8>,
            room: usize,
        }
        impl Write for Pipe {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.got.len() + b.len() > self.room {
                    return Err(io::Error::from(io::ErrorKind::BrokenPipe));
                }
                self.got.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let open = AtomicBool::new(true);
        let mut pipe = Pipe {
            got: Vec::new(),
            room: 4,
        };
        put(&mut pipe, &open, format_args!("ab"), true);
        assert!(open.load(Ordering::Relaxed));
        put(&mut pipe, &open, format_args!("cd"), true);
        assert!(!open.load(Ordering::Relaxed));
        // Closed: nothing more is attempted.
        pipe.room = 100;
        put(&mut pipe, &open, format_args!("ef"), true);
        assert_eq!(pipe.got, b"ab\n");
    }
}
