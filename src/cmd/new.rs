//! `smelt new` (being implemented).

/// Runs `smelt new`; returns the exit code.
pub fn run(_args: crate::cli::NewArgs) -> u8 {
    eprintln!("smelt new: not implemented yet");
    2
}
