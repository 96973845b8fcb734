//! smelt: a fast, strict static site generator for sourced analysis posts.
//!
//! Markdown posts with YAML front matter → parsed in parallel → indexed (sorted, tags,
//! authors, recent-news sidebar) → rendered in parallel through a Tera theme → written as a
//! static site. See `pipeline` for the stages and `themes/README.md` for the template
//! context.

// A `Diagnostic` carries its file, span, snippet and help text by value, so `Result`s that
// hold one are large. They are built only on the error path (rare, and never per byte or per
// token), so boxing them would cost every caller an indirection for no measurable gain.
#![allow(clippy::result_large_err)]
// Console output goes through `console` (`outln!`, `errln!`…), which survives a closed pipe;
// `println!` and friends panic on one.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cache;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod console;
pub mod error;
pub mod feeds;
pub mod front_matter;
pub mod highlight;
pub mod markdown;
pub mod model;
pub mod pipeline;
pub mod search;
pub mod seo;
pub mod serve;
pub mod sitemap;
pub mod slug;
pub mod suggest;
pub mod templates;
pub mod theme;
pub mod values;
