//! `smelt check` (being assembled).

pub mod mojibake;
pub mod rules;
