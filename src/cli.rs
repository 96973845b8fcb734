//! Command-line interface (clap derive): parses arguments and dispatches to `cmd::*`.
//!
//! Exit codes: 0 success (warnings allowed), 1 content or build errors, 2 usage errors
//! (bad flags, unsafe output folder, missing site).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// smelt: a fast, strict static site generator for sourced analysis posts.
#[derive(Debug, Parser)]
#[command(name = "smelt", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default `public/`).
    Build(BuildArgs),
    /// Build the site in memory, serve it and reload the browser on every save.
    Serve(ServeArgs),
    /// Run the whole pipeline without writing and report every problem.
    Check(CheckArgs),
    /// Create a new site (site.toml, a sample post and author).
    Init(InitArgs),
    /// Create a new post with complete front matter.
    New(NewArgs),
    /// List posts (drafts and scheduled posts with their flags).
    List(ListArgs),
}

/// Options every site command takes.
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// Site folder (the one with site.toml). Default: the current folder.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
    /// Include posts dated in the future (scheduled posts). `serve` always includes them.
    #[arg(long)]
    pub future: bool,
}

/// `smelt build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Output folder. smelt owns the files it writes there: it replaces them on every build,
    /// removes the ones it no longer produces, and keeps everything else (.git, CNAME…).
    /// It refuses the site folder, content/, and a non-empty folder it did not create.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Base URL to build for, overriding site.toml (e.g. https://example.org/analysis/).
    #[arg(short = 'u', long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Write into a non-empty output folder smelt did not create (nothing in it is deleted).
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `smelt serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on (0 picks a free one).
    #[arg(short, long, default_value_t = 1111)]
    pub port: u16,
    /// Interface to bind.
    #[arg(short, long, default_value = "127.0.0.1")]
    pub interface: String,
    /// Open the site in the default browser.
    #[arg(short = 'O', long)]
    pub open: bool,
    /// Watch by polling (network and container file systems).
    #[arg(long)]
    pub poll: bool,
}

/// Output format of `smelt check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable report with source snippets.
    Human,
    /// `path:line:col: severity: message [rule]` lines.
    Short,
    /// One JSON object per diagnostic, one per line.
    Json,
}

/// `smelt check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also check external links (cached in .smelt-cache/links.json).
    #[arg(long)]
    pub external: bool,
    /// Repair mojibake in place (a .bak copy of each changed file is kept).
    #[arg(long)]
    pub fix: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `smelt init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the site in (default: the current folder; must be empty).
    pub dir: Option<PathBuf>,
    /// Copy the default theme into themes/default/ instead of using the built-in copy.
    #[arg(long)]
    pub theme_copy: bool,
}

/// `smelt new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Title of the post.
    pub title: String,
    /// Site folder (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Author id (a file in content/authors/).
    #[arg(long)]
    pub author: Option<String>,
    /// Comma-separated tags.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Create it as a draft.
    #[arg(long)]
    pub draft: bool,
    /// File name and URL slug (default: made from the title), e.g. `--slug copper-q3`.
    #[arg(long)]
    pub slug: Option<String>,
}

/// `smelt list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Site folder (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Only drafts.
    #[arg(long)]
    pub drafts: bool,
    /// Only scheduled posts (dated in the future).
    #[arg(long)]
    pub future: bool,
}

/// Parses arguments and runs the command; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(a) => crate::cmd::build::run(a),
        Command::Serve(a) => crate::cmd::serve::run(a),
        Command::Check(a) => crate::cmd::check::run(a),
        Command::Init(a) => crate::cmd::init::run(a),
        Command::New(a) => crate::cmd::new::run(a),
        Command::List(a) => crate::cmd::list::run(a),
    };
    ExitCode::from(code)
}
