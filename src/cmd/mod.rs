//! One module per subcommand. Each `run` prints its own output and returns the exit code.

pub mod build;
pub mod check;
pub mod init;
pub mod list;
pub mod new;
pub mod serve;

use std::io::IsTerminal;

use crate::error::{Diagnostics, Error};

/// Prints diagnostics to stderr in the human format (colours when stderr is a terminal).
pub fn print_diagnostics(diags: &Diagnostics) {
    let color = std::io::stderr().is_terminal();
    for d in diags.items() {
        eprint!("{}", d.render_human(color));
    }
}

/// Prints a command-level error and returns its exit code (1 for content errors, 2 for
/// usage errors and I/O errors).
pub fn report_error(e: &Error) -> u8 {
    match e {
        Error::Content(diags) => {
            print_diagnostics(diags);
            let n = diags.error_count();
            eprintln!(
                "error: {n} error{} found; nothing was written",
                if n == 1 { "" } else { "s" }
            );
            1
        }
        Error::Usage(msg) => {
            eprintln!("error: {msg}");
            2
        }
        Error::Io { .. } => {
            eprintln!("error: {e}");
            1
        }
    }
}
