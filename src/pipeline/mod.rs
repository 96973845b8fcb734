//! The build pipeline: load → parse → index → render → write, one module per stage, values
//! passed forward, no global mutable state. [`prepare`] runs the stages up to a renderable
//! [`Site`]; `build`, `check` and `serve` each take it from there.

pub mod index;
pub mod load;
pub mod lock;
pub mod parse;
pub mod render;
pub mod write;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::{self, snapshot};
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
    prepare_with(opts, config, None)
}

/// [`prepare`], taking Markdown bodies from the build cache `bodies` where still valid.
fn prepare_with(
    opts: &BuildOptions,
    config: Config,
    bodies: Option<&mut cache::Bodies>,
) -> Result<Prepared, Diagnostics> {
    let theme =
        Theme::resolve(&opts.root, &config.theme).map_err(|d| Diagnostics::from(vec![d]))?;
    if config.markdown.highlight {
        crate::highlight::warm_up();
    }
    let loaded = load::load(&opts.root, &theme);
    let publish = publish_of(opts);
    let parsed = match bodies {
        Some(b) => b.parse(&loaded.files, &config, publish),
        None => parse::parse(&loaded.files, &config, publish),
    };
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

fn publish_of(opts: &BuildOptions) -> parse::Publish {
    parse::Publish {
        drafts: opts.drafts,
        future: opts.future,
        now: jiff::Timestamp::now(),
    }
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
///
/// Work known from the last build is skipped through the build cache (see [`cache`]): bodies
/// whose inputs are unchanged are not rendered from Markdown again, jobs whose inputs are
/// unchanged are not rendered again (their files are linked from the previous output), and
/// when every file is unchanged the output folder is not touched at all.
#[allow(clippy::result_large_err)]
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let start = Instant::now();
    let started = std::time::SystemTime::now();
    let mut trace = Trace::from_env(start);
    let config = load_config(opts).map_err(Error::Content)?;
    let out = config.output_path(&opts.root, opts.output.as_deref());
    // Refuse a dangerous output folder before doing any work.
    let out_abs = write::check_output_dir(&opts.root, &out)?;
    let config_hash = crate::serve::deps::hash_serialized(&config);
    let cache_dir = cache::dir_for(&out);
    // One build at a time into this folder: held until the output is swapped in and the
    // cache saved (the end of this function). Keyed on the folder's real path, as the staging
    // folder is: two spellings of one folder (a symbolic link to it) share one lock.
    let _lock = lock::BuildLock::take(&cache::dir_for(&out_abs), || {
        crate::errln!(
            "note: waiting for another smelt build into {} to finish",
            out.display()
        )
    });
    // Stamped before anything is read, so a file changed while this build reads it has a
    // newer stamp than the snapshot records.
    let snapshot_key = snapshot::key(&config_hash, opts.drafts, opts.future, &opts.root, &out_abs);
    let inputs = snapshot::Inputs::take(&opts.root, &config.theme);
    trace.step("inputs stamped");
    let altered = match snapshot::check(
        &cache_dir,
        &snapshot_key,
        inputs.as_ref(),
        &out_abs,
        publish_of(opts).now,
    ) {
        snapshot::Verdict::Unchanged(r) => {
            trace.step("snapshot: inputs and output as the last build left them");
            return Ok(BuildReport {
                posts: r.posts,
                pages: r.pages,
                files: r.files,
                stats: write::WriteStats {
                    unchanged: r.unchanged,
                    ..write::WriteStats::default()
                },
                elapsed: start.elapsed(),
                warnings: r.warnings,
                output: out_abs,
            });
        }
        snapshot::Verdict::Changed { altered } => altered,
    };
    let mut outputs = cache::Outputs::open(&cache_dir);
    let mut bodies = cache::Bodies::open(&cache_dir, &config, publish_of(opts));
    let prepared = prepare_with(opts, config, Some(&mut bodies)).map_err(Error::Content)?;
    trace.step("load, parse, index, templates");
    crate::highlight::forget_memo();
    if prepared.diags.has_errors() {
        // Also what rendering would report (template errors) and the output paths two
        // producers would write, which would otherwise show only on the next run.
        let mut diags = prepared.diags;
        diags.extend(planned_problems(
            &prepared.site,
            &prepared.templates,
            &opts.root,
            true,
        ));
        diags.sort();
        return Err(Error::Content(diags));
    }
    let Prepared {
        mut site,
        templates,
        diags,
        unpublished,
    } = prepared;
    // The first scheduled post left out: once its date has passed, a build has work to do.
    let due = unpublished
        .iter()
        .filter(|u| u.scheduled)
        .filter_map(|u| Some(u.date.as_ref()?.timestamp()))
        .min();
    drop(unpublished);
    // The source texts are kept for diagnostics with snippets, which only the stages before
    // render make: free them (as much memory as the whole corpus) before rendering.
    let empty: Arc<str> = Arc::from("");
    for p in &mut site.posts {
        p.text = empty.clone();
    }
    for p in &mut site.pages {
        p.text = empty.clone();
    }
    let renderer = render::Renderer::new(&site, &templates).map_err(Error::Content)?;
    let jobs = search_first(renderer.jobs());
    let templates_fp = *templates.fingerprint().as_bytes();
    let fps = cache::fingerprints(&renderer, &jobs, &bodies, &templates_fp, &config_hash);
    trace.step("renderer, jobs, fingerprints");
    let mut writer = write::Writer::open(&opts.root, &out, opts.force)?;
    // Outputs written to since the last build are rewritten even when their size is the same.
    writer.distrust(altered);
    outputs.wait();
    trace.step("previous output manifest, outputs cache");
    let output = writer.out().to_path_buf();
    // A job is skipped when its fingerprint is the recorded one and its files are intact.
    let hits: Vec<Option<&cache::JobRecord>> = fps
        .par_iter()
        .map(|fp| {
            let (id, fp) = fp.as_ref()?;
            let rec = outputs.hit(id, fp)?;
            rec.files
                .iter()
                .all(|(p, e)| writer.intact(p, e))
                .then_some(rec)
        })
        .collect();
    trace.step("cache hits");
    // The bodies cache is final once parsing is done: write it on its own thread while the
    // pages render (at 10,000 posts it is a few hundred milliseconds of serialising).
    let bodies_ref = &bodies;
    let site_ref = &site;
    let result = std::thread::scope(|scope| {
        let saving = scope.spawn(move || bodies_ref.save(site_ref));
        let result = (|| -> Result<BuildReport, Error> {
            let finish = |stats: write::WriteStats,
                          files: usize,
                          written: Vec<String>,
                          records: HashMap<String, cache::JobRecord>,
                          trace: &mut Trace| {
                outputs.save(&records);
                trace.step("cache saved");
                if let Some(inputs) = inputs {
                    let replay = snapshot::Replay {
                        posts: site.posts.len(),
                        pages: site.pages.len(),
                        files,
                        unchanged: stats.written + stats.unchanged,
                        warnings: diags.clone(),
                    };
                    let record = snapshot::Record {
                        inputs,
                        started,
                        out: &output,
                        written,
                        due,
                        replay,
                    };
                    snapshot::record(&cache_dir, &snapshot_key, record);
                    trace.step("snapshot recorded");
                }
                let mut warnings = diags.clone();
                if stats.left_behind {
                    // Not part of the snapshot's report: the next build deals with it.
                    warnings.push(Diagnostic::warning(
                        "io",
                        format!(
                            "the previous output could not be removed and is left in {}; the next build removes it, or says why it cannot",
                            write::staging_path(&output).display()
                        ),
                    ));
                }
                BuildReport {
                    posts: site.posts.len(),
                    pages: site.pages.len(),
                    files,
                    stats,
                    elapsed: start.elapsed(),
                    warnings,
                    output: output.clone(),
                }
            };
            if let Some(files) = unchanged_build(&site, &jobs, &hits, &writer) {
                let records = jobs
                    .iter()
                    .zip(&fps)
                    .zip(&hits)
                    .filter_map(|((_, fp), hit)| Some((fp.as_ref()?.0.clone(), (*hit)?.clone())))
                    .collect();
                let written = writer.previous_files();
                let stats = writer.finish_unchanged();
                return Ok(finish(stats, files, written, records, &mut trace));
            }
            writer.stage()?;
            type Done = (usize, Option<(String, cache::JobRecord)>);
            let results: Vec<Result<Done, Diagnostic>> = jobs
                .par_iter()
                .zip(&fps)
                .zip(&hits)
                .map(|((job, fp), hit)| {
                    // What makes this job's files, for the error if two write one path.
                    let origin = Arc::new(renderer.origin(job, &opts.root));
                    let mut kept: HashSet<&str> = HashSet::new();
                    if let Some(rec) = hit {
                        for (p, e) in &rec.files {
                            // A path another producer has counts as done: the build fails
                            // with every collision once all jobs have claimed their paths.
                            if unless_refused(&writer, writer.keep(p, e, &origin))? == Some(false) {
                                break;
                            }
                            kept.insert(p);
                        }
                        if kept.len() == rec.files.len() {
                            let mut n = rec.files.len();
                            if let render::Job::Post(i) = job {
                                for f in render::post_assets(&site.posts[*i]) {
                                    unless_refused(&writer, writer.write(&f, &origin))?;
                                    n += 1;
                                }
                            }
                            let id = fp.as_ref().map(|(id, _)| id.clone());
                            return Ok((n, id.map(|id| (id, (*rec).clone()))));
                        }
                    }
                    let files = renderer.render(job)?;
                    // In parallel: one job (the search index, a feed set) can make thousands of files.
                    let written: Vec<Option<(String, write::ManifestEntry)>> = files
                        .par_iter()
                        .filter(|f| !kept.contains(f.path.as_str()))
                        .map(|f| {
                            let Some(entry) =
                                unless_refused(&writer, writer.write_entry(f, &origin))?
                            else {
                                return Ok(None);
                            };
                            Ok(matches!(f.data, render::FileData::Bytes(_))
                                .then(|| (f.path.clone(), entry)))
                        })
                        .collect::<Result<_, Diagnostic>>()?;
                    let mut record: Vec<(String, write::ManifestEntry)> =
                        written.into_iter().flatten().collect();
                    let mut rec_of = |(id, fp): &(String, _)| {
                        (
                            id.clone(),
                            cache::JobRecord {
                                fingerprint: *fp,
                                files: std::mem::take(&mut record),
                            },
                        )
                    };
                    Ok((files.len(), fp.as_ref().map(&mut rec_of)))
                })
                .collect();
            let mut errors = Diagnostics::new();
            let mut files = 0;
            let mut records = HashMap::with_capacity(jobs.len());
            for r in results {
                match r {
                    Ok((n, rec)) => {
                        files += n;
                        records.extend(rec);
                    }
                    Err(d) => errors.push(d),
                }
            }
            // Two producers of one path: as the writer saw them all, not as the threads'
            // timing paired them.
            errors.extend(writer.collisions());
            trace.step("render and write");
            if errors.has_errors() {
                writer.abort();
                errors.sort();
                return Err(Error::Content(errors));
            }
            let written = writer.claimed_files();
            let stats = writer.commit()?;
            trace.step("manifest, swap in");
            Ok(finish(stats, files, written, records, &mut trace))
        })();
        let _ = saving.join();
        result
    });
    // The site model of a large site is hundreds of megabytes of small allocations (10,000
    // posts: ~460 MB at the end of a no-change build): free it off the critical path. When
    // the process exits first, the OS takes the memory back at once.
    drop((hits, renderer, jobs, fps));
    drop_in_background((site, templates, bodies, outputs));
    result
}

/// What the render and write stages would report on a site whose earlier stages failed,
/// found without writing. With `render_all` (`build`): every job is rendered in memory, so
/// its template errors and the paths of every file it makes are known. Without it
/// (`serve`, which would pay that on every save while a post is broken): pages, aliases and
/// copied files by their planned paths, and no files made by code (feeds, sitemap, search
/// index). Either way, the output collisions (see [`write::collisions`]), except of site
/// paths the index stage reported as wanted twice. A job that cannot render adds its error
/// and no paths.
pub fn planned_problems(
    site: &crate::model::Site,
    templates: &crate::templates::Templates,
    root: &std::path::Path,
    render_all: bool,
) -> Vec<Diagnostic> {
    let renderer = match render::Renderer::new(site, templates) {
        Ok(r) => r,
        Err(d) if render_all => return d.into_vec(),
        Err(_) => return Vec::new(),
    };
    let jobs = renderer.jobs();
    let planned: Vec<Result<Vec<(String, bool)>, Diagnostic>> = jobs
        .par_iter()
        .map(|job| match job {
            _ if render_all => renderer.render(job).map(|files| {
                files
                    .into_iter()
                    .map(|f| {
                        let copied = f.data.is_copied();
                        (f.path, copied)
                    })
                    .collect()
            }),
            render::Job::Generated(_) => Ok(Vec::new()),
            // A post's planned paths after the first are the files copied beside it.
            _ => Ok(renderer
                .planned_outputs(job)
                .into_iter()
                .enumerate()
                .map(|(k, p)| (p, k > 0 || matches!(job, render::Job::Static(_))))
                .collect()),
        })
        .collect();
    let mut problems = Vec::new();
    let mut paths: Vec<Vec<(String, bool)>> = Vec::with_capacity(planned.len());
    for p in planned {
        match p {
            Ok(list) => paths.push(list),
            Err(d) => {
                problems.push(d);
                paths.push(Vec::new());
            }
        }
    }
    let reported = render::contested_outputs(site);
    let claims: Vec<(&str, (usize, bool))> = paths
        .iter()
        .enumerate()
        .flat_map(|(j, list)| {
            list.iter()
                .map(move |(p, copied)| (p.as_str(), (j, *copied)))
        })
        .filter(|(p, _)| !reported.contains(&p.to_lowercase()))
        .collect();
    problems.extend(write::collisions(&claims, |(j, copied), p| {
        renderer.producer(&jobs[j], p, copied, root)
    }));
    problems
}

/// `r`, with a claim the writer refused (a path another producer has) as `Ok(None)`: the
/// job goes on claiming its other paths, and [`write::Writer::collisions`] reports every
/// collision once all jobs are done, the same whatever order the threads claimed in.
fn unless_refused<T>(
    writer: &write::Writer,
    r: Result<T, Diagnostic>,
) -> Result<Option<T>, Diagnostic> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(d) if writer.is_refused_claim(&d) => Ok(None),
        Err(d) => Err(d),
    }
}

/// `jobs` with the search index moved to the front. Rayon works through a job list roughly
/// in order on each core, so the index's serial steps (merging the words of every post,
/// sorting its thousands of files) then overlap with the many small page jobs instead of
/// leaving a core idle at the end: at 10,000 posts, about 0.15 s of a 5 s cold build. (Only the
/// index: which producer claims an output path first names the pairs in an error about
/// three producers of one path, and feeds share paths with `static/` files and aliases.)
fn search_first(mut jobs: Vec<render::Job>) -> Vec<render::Job> {
    use render::{Generator, Job};
    jobs.sort_by_key(|j| !matches!(j, Job::Generated(Generator::Search)));
    jobs
}

/// Drops `value` on a new thread (if no thread can be started, here: the failed spawn
/// drops the closure that owns it).
fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("smelt-drop".into())
        .spawn(move || drop(value));
}

/// Stage timings of one build, printed to stderr when `SMELT_TRACE` is set (and not `0`):
/// one line per step with its wall time in milliseconds, for profiling.
struct Trace {
    last: Option<Instant>,
}

impl Trace {
    fn from_env(start: Instant) -> Trace {
        let on = std::env::var_os("SMELT_TRACE").is_some_and(|v| !v.is_empty() && v != "0");
        Trace {
            last: on.then_some(start),
        }
    }

    /// Prints the time since the previous step (or the start) under `name`.
    fn step(&mut self, name: &str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            crate::errln!(
                "trace: {name}: {:.1} ms",
                (now - last).as_secs_f64() * 1000.0
            );
            self.last = Some(now);
        }
    }
}

/// `Some(file count)` when the build would leave the output exactly as it is: every job is a
/// cache hit (static files: their content is unchanged) and the set of files is the same.
fn unchanged_build(
    site: &Site,
    jobs: &[render::Job],
    hits: &[Option<&cache::JobRecord>],
    writer: &write::Writer,
) -> Option<usize> {
    let copied: Vec<render::RenderedFile> = jobs
        .iter()
        .zip(hits)
        .flat_map(|(job, hit)| match (job, hit) {
            (render::Job::Static(i), _) => vec![render::RenderedFile {
                path: site.static_files[*i].to.clone(),
                data: render::FileData::Static(site.static_files[*i].from.clone()),
            }],
            (render::Job::Post(i), Some(_)) => render::post_assets(&site.posts[*i]).collect(),
            _ => Vec::new(),
        })
        .collect();
    if jobs
        .iter()
        .zip(hits)
        .any(|(job, hit)| hit.is_none() && !matches!(job, render::Job::Static(_)))
    {
        return None;
    }
    let same_copies = copied
        .par_iter()
        .all(|f| write::Writer::entry_of(f).is_ok_and(|e| writer.intact(&f.path, &e)));
    if !same_copies {
        return None;
    }
    let rendered = hits
        .iter()
        .flatten()
        .flat_map(|r| r.files.iter().map(|(p, _)| p.as_str()));
    let paths = rendered.chain(copied.iter().map(|f| f.path.as_str()));
    let count = hits.iter().flatten().map(|r| r.files.len()).sum::<usize>() + copied.len();
    writer.same_paths(paths).then_some(count)
}

/// Resolves `--root` (default: the current folder).
pub fn root_or_cwd(root: Option<&Path>) -> PathBuf {
    root.map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
