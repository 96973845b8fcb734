//! `smelt build`: runs the pipeline into the output folder and prints a one-line summary.

use crate::cli::BuildArgs;
use crate::console::count;
use crate::pipeline::{self, BuildOptions};

/// Runs `smelt build`; returns the exit code.
pub fn run(args: BuildArgs) -> u8 {
    let root = match super::site_root(args.site.root.as_deref(), "build") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = BuildOptions {
        root,
        output: args.output_dir,
        base_url: args.base_url,
        drafts: args.site.drafts,
        future: args.site.future,
        force: args.force,
    };
    match pipeline::build(&opts) {
        Ok(report) => {
            super::print_diagnostics(&report.warnings);
            if !args.quiet {
                let s = report.stats;
                crate::errln!(
                    "built {}, {}, {} ({} changed, {} unchanged, {} removed) into {} in {} ms{}",
                    count(report.posts, "post", "posts"),
                    count(report.pages, "page", "pages"),
                    count(report.files, "file", "files"),
                    s.written,
                    s.unchanged,
                    s.removed,
                    shown_path(&report.output).display(),
                    report.elapsed.as_millis(),
                    match report.warnings.warning_count() {
                        0 => String::new(),
                        // Counted, not named "warning": every line that says warning is
                        // one diagnostic, which keeps `grep warn` on a build log exact.
                        1 => "; 1 problem reported above".into(),
                        n => format!("; {n} problems reported above"),
                    }
                );
            }
            0
        }
        Err(e) => super::report_error(&e),
    }
}

/// `path` relative to the current folder when it is inside it (`public`, not
/// `/home/me/site/public`), else as it is.
fn shown_path(path: &std::path::Path) -> std::path::PathBuf {
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize());
    match cwd {
        // From `/` a relative path reads worse than the absolute one.
        Ok(cwd) if cwd.parent().is_some() => match path.strip_prefix(&cwd) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
            _ => path.to_path_buf(),
        },
        _ => path.to_path_buf(),
    }
}
