//! The integration test binary: one module per area, fixture sites under `tests/fixtures/`.
//! Run with `cargo test` (or `cargo nextest run`).

mod support;
mod build_basics;
mod theme;
mod search;
mod feeds;
mod seo;
mod serve_incremental;
mod check;
mod cases;
mod init_new;
mod serve;
mod fuzz_replay;
mod security;
mod output_manifest;
mod build_cache;
mod limits;
