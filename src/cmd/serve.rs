//! `smelt serve` (being implemented).

/// Runs `smelt serve`; returns the exit code.
pub fn run(_args: crate::cli::ServeArgs) -> u8 {
    eprintln!("smelt serve: not implemented yet");
    2
}
