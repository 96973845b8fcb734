//! `smelt serve`: builds the site into memory, serves it with live reload (see
//! [`crate::serve`]) until Ctrl+C.

use crate::cli::ServeArgs;

/// Runs `smelt serve`; returns the exit code (0 after Ctrl+C, 2 when it cannot start).
pub fn run(args: ServeArgs) -> u8 {
    if args.site.future {
        crate::errln!("note: serve always shows scheduled posts; --future is not needed");
    }
    let root = match super::site_root(args.site.root.as_deref(), "serve") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = crate::serve::Options {
        root,
        interface: args.interface,
        port: args.port,
        drafts: args.site.drafts,
        open: args.open,
        poll: args.poll,
    };
    match crate::serve::run(opts) {
        Ok(()) => 0,
        Err(e) => super::report_error(&e),
    }
}
