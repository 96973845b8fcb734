//! The integration test binary: one module per area, fixture sites under `tests/fixtures/`.
//! Run with `cargo test` (or `cargo nextest run`).

mod build_basics;
mod build_cache;
mod build_snapshot;
mod cases;
mod check;
mod cli_console;
mod config;
mod feeds;
mod front_matter_errors;
mod fuzz_replay;
mod images;
mod init_new;
mod limits;
mod markdown_sources;
mod output_collisions;
mod output_manifest;
mod search;
mod security;
mod seo;
mod serve;
mod serve_incremental;
mod slugs;
mod support;
mod template_errors;
mod theme;
