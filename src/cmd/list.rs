//! `smelt list` (being implemented).

/// Runs `smelt list`; returns the exit code.
pub fn run(_args: crate::cli::ListArgs) -> u8 {
    eprintln!("smelt list: not implemented yet");
    2
}
