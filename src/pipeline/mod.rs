//! The build pipeline: load → parse → index → render → write, one module per stage, values
//! passed forward, no global mutable state. [`prepare`] runs the stages up to a renderable
//! [`Site`]; `build`, `check` and `serve` each take it from there.

pub mod index;
pub mod load;
pub mod parse;
pub mod render;
pub mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::model::Site;
use crate::templates::Templates;
use crate::theme::Theme;

/// Options shared by the commands that build a site.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root (the folder with `site.toml`).
    pub root: PathBuf,
    /// Output folder (`-o`); default `output_dir` from `site.toml`.
    pub output: Option<PathBuf>,
    /// Base URL override (`-u`).
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Include posts dated in the future.
    pub future: bool,
    /// Write into a non-empty folder smelt did not create.
    pub force: bool,
}

/// A site parsed and indexed, with its templates, ready to render.
pub struct Prepared {
    /// The indexed site.
    pub site: Site,
    /// Loaded templates.
    pub templates: Templates,
    /// Drafts and scheduled posts left out.
    pub unpublished: Vec<parse::Unpublished>,
    /// Warnings (and, if `has_errors`, errors) found so far.
    pub diags: Diagnostics,
}

/// Loads the configuration with the command-line overrides applied.
pub fn load_config(opts: &BuildOptions) -> Result<Config, Diagnostics> {
    let mut config = Config::load(&opts.root)?;
    if let Some(url) = &opts.base_url
        && let Err(why) = config.set_base_url(url)
    {
        return Err(vec![Diagnostic::error(
            "config",
            format!("--base-url {why}"),
        )
        .with_help("write an absolute URL with its scheme, e.g. --base-url https://example.org/analysis/")]
        .into());
    }
    Ok(config)
}

/// Runs load, parse and index, and loads templates. Returns every diagnostic found; the
/// caller decides whether errors stop it (they always stop `build`).
pub fn prepare(opts: &BuildOptions, config: Config) -> Result<Prepared, Diagnostics> {
    let theme = Theme::resolve(&opts.root, &config.theme).map_err(|d| Diagnostics::from(vec![d]))?;
    let loaded = load::load(&opts.root, &theme);
    let publish = parse::Publish {
        drafts: opts.drafts,
        future: opts.future,
        now: jiff::Timestamp::now(),
    };
    let parsed = parse::parse(&loaded.files, &config, publish);
    let mut diags = loaded.diags;
    let unpublished = parsed.unpublished.clone();
    let mut parsed = parsed;
    diags.extend(std::mem::take(&mut parsed.diags));
    let (site, index_diags) = index::index(Arc::new(config.clone()), parsed, loaded.static_files);
    diags.extend(index_diags);
    let templates = match Templates::load(&theme, &config) {
        Ok(t) => t,
        Err(ds) => {
            diags.extend(ds);
            diags.sort();
            return Err(diags);
        }
    };
    diags.sort();
    Ok(Prepared {
        site,
        templates,
        unpublished,
        diags,
    })
}

/// What a finished build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Posts published.
    pub posts: usize,
    /// Standalone pages published.
    pub pages: usize,
    /// Files in the output written by smelt.
    pub files: usize,
    /// Write counts.
    pub stats: write::WriteStats,
    /// Wall time.
    pub elapsed: Duration,
    /// Warnings.
    pub warnings: Diagnostics,
    /// The output folder.
    pub output: PathBuf,
}

/// `smelt build`: the whole pipeline into the output folder. On any error nothing in the
/// output folder changes and every problem is returned.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let start = Instant::now();
    let config = load_config(opts).map_err(Error::Content)?;
    let out = config.output_path(&opts.root, opts.output.as_deref());
    // Refuse a dangerous output folder before doing any work.
    write::check_output_dir(&opts.root, &out)?;
    let prepared = prepare(opts, config).map_err(Error::Content)?;
    if prepared.diags.has_errors() {
        return Err(Error::Content(prepared.diags));
    }
    let Prepared {
        site,
        templates,
        diags,
        ..
    } = prepared;
    let renderer = render::Renderer::new(&site, &templates).map_err(Error::Content)?;
    let writer = write::Writer::begin(&opts.root, &out, opts.force)?;
    let jobs = renderer.jobs();
    let results: Vec<Result<usize, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let files = renderer.render(job)?;
            for f in &files {
                writer.write(f)?;
            }
            Ok(files.len())
        })
        .collect();
    let mut errors = Diagnostics::new();
    let mut files = 0;
    for r in results {
        match r {
            Ok(n) => files += n,
            Err(d) => errors.push(d),
        }
    }
    if errors.has_errors() {
        writer.abort();
        errors.sort();
        return Err(Error::Content(errors));
    }
    let output = writer.out().to_path_buf();
    let stats = writer.commit()?;
    Ok(BuildReport {
        posts: site.posts.len(),
        pages: site.pages.len(),
        files,
        stats,
        elapsed: start.elapsed(),
        warnings: diags,
        output,
    })
}

/// Resolves `--root` (default: the current folder).
pub fn root_or_cwd(root: Option<&Path>) -> PathBuf {
    root.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}
