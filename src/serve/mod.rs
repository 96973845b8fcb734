//! `smelt serve`: the site built into memory, served over HTTP, rebuilt incrementally on
//! every save and reloaded in the browser.

pub mod deps;
pub mod incremental;
pub mod parse_cache;
pub mod watch;
