//! `smelt check` (being implemented).

/// Runs `smelt check`; returns the exit code.
pub fn run(_args: crate::cli::CheckArgs) -> u8 {
    eprintln!("smelt check: not implemented yet");
    2
}
