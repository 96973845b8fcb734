//! One module per subcommand. Each `run` prints its own output (through [`crate::console`])
//! and returns the exit code: 0 success, 1 content or build errors, 2 usage errors (bad
//! flags, an unsafe output folder, no site found: see [`site_root`]).

pub mod build;
pub mod check;
pub mod init;
pub mod list;
pub mod new;
pub mod serve;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE;
use crate::error::{Diagnostics, Error};

/// Exit code of a usage error (bad flags, an unsafe output folder, no site found).
pub const USAGE: u8 = 2;

/// The site folder of `smelt <command>`: `--root` when given, else the current folder.
/// When it has no `site.toml`, prints the one "no site" error every command shares (the
/// folder as it was given) and returns `Err` with the exit code ([`USAGE`]).
pub fn site_root(root: Option<&Path>, command: &str) -> Result<PathBuf, u8> {
    let dir = crate::pipeline::root_or_cwd(root);
    if dir.join(CONFIG_FILE).is_file() {
        return Ok(dir);
    }
    let shown = match root {
        Some(r) => r.display().to_string(),
        None => "the current folder".to_string(),
    };
    if root.is_some() && !dir.exists() {
        crate::errln!(
            "error: the folder {shown} does not exist: pass --root the folder that holds {CONFIG_FILE}, or create a site there with `smelt init {shown}`"
        );
    } else if root.is_some() && !dir.is_dir() {
        crate::errln!(
            "error: {shown} is not a folder: pass --root the folder that holds {CONFIG_FILE}"
        );
    } else if dir.join(CONFIG_FILE).exists() {
        crate::errln!(
            "error: {CONFIG_FILE} in {shown} is not a file: smelt reads its configuration from a file named {CONFIG_FILE}"
        );
    } else {
        crate::errln!(
            "error: no {CONFIG_FILE} in {shown}: run smelt {command} in a site folder, pass --root DIR, or create a site with `smelt init`"
        );
    }
    Err(USAGE)
}

/// Prints diagnostics to stderr in the human format (colours when stderr is a terminal),
/// each followed by a blank line as `check` prints them.
pub fn print_diagnostics(diags: &Diagnostics) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diags.items() {
        crate::err!("{}", crate::console::human(d, color));
    }
}

/// Prints a command-level error and returns its exit code (1 for content errors, 2 for
/// usage errors and I/O errors).
pub fn report_error(e: &Error) -> u8 {
    match e {
        Error::Content(diags) => {
            print_diagnostics(diags);
            crate::errln!(
                "error: {} found; nothing was written",
                crate::console::count(diags.error_count(), "error", "errors")
            );
            1
        }
        Error::Usage(msg) => {
            crate::errln!("error: {msg}");
            USAGE
        }
        Error::Io { .. } => {
            crate::errln!("error: {e}");
            1
        }
    }
}
