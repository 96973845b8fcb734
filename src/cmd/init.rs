//! `smelt init` (being implemented).

/// Runs `smelt init`; returns the exit code.
pub fn run(_args: crate::cli::InitArgs) -> u8 {
    eprintln!("smelt init: not implemented yet");
    2
}
