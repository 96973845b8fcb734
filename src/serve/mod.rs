//! `smelt serve`: the site built into memory, served over HTTP, rebuilt incrementally on
//! every save and reloaded in the browser.
//!
//! Threads: the HTTP server runs on a small tokio runtime; notify's watcher thread sends
//! file events to the build loop thread, which waits for a short quiet spell
//! (so one save made of several file operations is one build), turns the batch into
//! [`Changes`], builds with the [`Builder`], publishes the new snapshot and sends one reload
//! event — none when nothing in the output changed. A failed build keeps the last good site
//! and shows the error overlay on every page; the server never exits on a content, template
//! or configuration error.

pub mod deps;
pub mod files;
pub mod incremental;
pub mod page;
pub mod parse_cache;
pub mod server;
pub mod watch;

use std::collections::{BTreeSet, HashSet};
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::console::count;
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::serve::incremental::{Builder, Changes, Report, Way};
use crate::serve::server::{App, Phase, Reload, Snapshot};

pub use incremental::OutData;

/// How long the file system must be quiet after an event before the build loop builds (an
/// editor's save — write a temporary file, rename it over the source — is one batch).
pub const QUIET: Duration = Duration::from_millis(10);
/// Longest the build loop collects one batch of events before building.
pub const MAX_BATCH: Duration = Duration::from_millis(500);

/// Options of `smelt serve`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Site folder.
    pub root: PathBuf,
    /// Interface to bind (`127.0.0.1`, `0.0.0.0`, `::1`…).
    pub interface: String,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Publish drafts.
    pub drafts: bool,
    /// Open the browser once the site is up.
    pub open: bool,
    /// Watch by polling.
    pub poll: bool,
}

/// The host to write in URLs for a bound address (a wildcard address becomes loopback).
fn url_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".into(),
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".into(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Runs the server until Ctrl+C (or SIGTERM). Fails only on usage problems found before
/// serving: a missing site folder, an address that cannot be bound.
pub fn run(opts: Options) -> Result<(), Error> {
    let root = std::fs::canonicalize(&opts.root)
        .map_err(|e| Error::Usage(format!("cannot serve {}: {e}", opts.root.display())))?;
    if !root.is_dir() {
        return Err(Error::Usage(format!(
            "cannot serve {}: not a folder",
            opts.root.display()
        )));
    }
    let ip: IpAddr = opts.interface.parse().map_err(|_| {
        Error::Usage(format!(
            "--interface {:?} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)",
            opts.interface
        ))
    })?;
    let listener = std::net::TcpListener::bind(SocketAddr::new(ip, opts.port)).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            "; another program uses it: pick another --port, or --port 0 for any free one"
        } else {
            ""
        };
        Error::Usage(format!(
            "cannot listen on {}:{}: {e}{hint}",
            opts.interface, opts.port
        ))
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Usage(format!("cannot listen: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("cannot listen: {e}")))?;
    let origin = format!("http://{}:{}", url_host(addr.ip()), addr.port());

    let mut builder = Builder::new(root.clone(), Some(origin.clone()), opts.drafts);
    // The base path is known once site.toml reads; until then the site is served at `/`.
    let base_path = crate::config::Config::load(&root)
        .map(|c| c.base_path)
        .unwrap_or_else(|_| "/".into());
    let app = App::new(root.clone(), base_path.clone());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the server: {e}")))?;
    let tcp = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::Usage(format!("cannot listen: {e}")))?
    };
    let router = server::router(app.clone());
    runtime.spawn(async move {
        if let Err(e) = axum::serve(tcp, router).await {
            crate::errln!("error: the HTTP server stopped: {e}");
        }
    });
    crate::errln!("serving {origin}{base_path} (Ctrl+C to stop)");

    let (tx, rx) = channel::<watch::WatchEvent>();
    let watcher = match watch::Watcher::start(&root, opts.poll, tx.clone()) {
        Ok(w) => w,
        Err(e) if !opts.poll => {
            crate::errln!("warning: {e}; watching by polling instead");
            watch::Watcher::start(&root, true, tx).map_err(Error::Usage)?
        }
        Err(e) => return Err(Error::Usage(e)),
    };
    let open = opts.open;
    let loop_app = app.clone();
    std::thread::Builder::new()
        .name("smelt-build".into())
        .spawn(move || build_loop(&mut builder, watcher, &rx, &loop_app, open, &origin))
        .map_err(|e| Error::Usage(format!("cannot start the build thread: {e}")))?;

    runtime.block_on(shutdown_signal());
    crate::errln!("stopped");
    runtime.shutdown_background();
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Blocks until an event comes (an idle `serve` does not wake), then collects it and every
/// event that follows within [`QUIET`] of the one before, for at most [`MAX_BATCH`] (a
/// source rewritten without pause still gets built); `None` when the watcher is gone.
fn next_batch(rx: &Receiver<watch::WatchEvent>) -> Option<(Vec<notify::Event>, Vec<String>)> {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    let mut take = |r: watch::WatchEvent| match r {
        Ok(e) => events.push(e),
        Err(e) => errors.push(e.to_string()),
    };
    take(rx.recv().ok()?);
    let first = Instant::now();
    while first.elapsed() < MAX_BATCH {
        match rx.recv_timeout(QUIET) {
            Ok(r) => take(r),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Some((events, errors))
}

/// The build loop: first build, then one build per settled batch of changes.
fn build_loop(
    builder: &mut Builder,
    mut watcher: watch::Watcher,
    rx: &Receiver<watch::WatchEvent>,
    app: &App,
    open: bool,
    origin: &str,
) {
    // SMELT_SERVE_TRACE=1 prints every file event, the change set made of it, and the time
    // of each step of each build.
    let trace = std::env::var_os("SMELT_SERVE_TRACE").is_some_and(|v| !v.is_empty() && v != "0");
    let mut out = Console {
        trace,
        origin: origin.to_string(),
        ..Console::default()
    };
    builder.defer_generated(true);
    out.rebuild(app, builder, &Changes::everything(), true);
    if open {
        let url = format!("{origin}{}", app.current().base_path);
        if let Err(e) = open::that_detached(&url) {
            crate::errln!("warning: cannot open a browser at {url}: {e}");
        }
    }
    while let Some((events, errors)) = next_batch(rx) {
        let root = builder.root().to_path_buf();
        let theme = builder
            .config()
            .map(|c| c.theme.clone())
            .unwrap_or_else(|| "default".into());
        let mut changes = watch::classify(&root, &theme, &builder.private_dirs(), &events);
        if !errors.is_empty() {
            for e in &errors {
                crate::errln!("warning: file watcher: {e}");
            }
            changes.all = true;
        }
        let replaced = watch::replaced_dirs(&root, &events);
        if (changes.all || !replaced.is_empty())
            && let Err(e) = watcher.refresh(&replaced)
        {
            crate::errln!("warning: {e}");
        }
        if trace {
            for e in &events {
                crate::errln!("watch: {:?} {:?}", e.kind, e.paths);
            }
            crate::errln!("watch: → {changes:?}");
        }
        if changes.is_empty() {
            continue;
        }
        out.rebuild(app, builder, &changes, false);
    }
}

/// What the build loop prints, and what it remembers to print only news.
#[derive(Default)]
struct Console {
    trace: bool,
    /// `http://host:port` the site is served at.
    origin: String,
    warnings: BTreeSet<String>,
    failed: bool,
    good_once: bool,
    base_path: Option<String>,
}

impl Console {
    fn print(&self, d: &Diagnostic) {
        crate::err!(
            "{}",
            crate::console::human(d, std::io::stderr().is_terminal())
        );
    }

    /// Prints warnings not printed before (all of them after a first build).
    fn news(&mut self, warnings: &Diagnostics) {
        let now: BTreeSet<String> = warnings.items().iter().map(Diagnostic::short).collect();
        for d in warnings.items() {
            if !self.warnings.contains(&d.short()) {
                self.print(d);
            }
        }
        self.warnings = now;
    }

    /// One build: pages first (published with a reload event as soon as they are rendered),
    /// then the files made by code (requests for them wait meanwhile), then one summary line.
    fn rebuild(&mut self, app: &App, builder: &mut Builder, changes: &Changes, first: bool) {
        let report = match builder.build(changes) {
            Ok(r) => r,
            Err(diags) => return self.failed(app, builder, &diags),
        };
        if self.trace {
            let steps: Vec<String> = report
                .steps
                .iter()
                .map(|(n, d)| format!("{n} {:.1}", d.as_secs_f64() * 1000.0))
                .collect();
            crate::errln!(
                "trace: {:?} way in {:.1} ms; render steps (ms): {}",
                report.way,
                report.elapsed.as_secs_f64() * 1000.0,
                steps.join(", ")
            );
        }
        let pending = (!report.pending.is_empty()).then(|| {
            let (tx, rx) = tokio::sync::watch::channel(false);
            let paths: HashSet<String> = report.pending.iter().cloned().collect();
            (tx, Arc::new(server::Pending::new(paths, rx)))
        });
        let shown = self.pages(
            app,
            builder,
            &report,
            pending.as_ref().map(|(_, p)| p.clone()),
        );
        let mut generated = None;
        if let Some((tx, _)) = pending {
            match builder.generate() {
                Some(Ok(g)) => {
                    let cur = app.current();
                    app.publish(
                        Snapshot {
                            files: builder.files(),
                            pending: None,
                            ..Snapshot::clone(&cur)
                        },
                        None,
                    );
                    generated = Some(g);
                }
                Some(Err(diags)) => self.failed(app, builder, &diags),
                None => {}
            }
            // Wakes the requests that waited for these files.
            let _ = tx.send(true);
        }
        if shown
            || generated
                .as_ref()
                .is_some_and(|g| !g.changed.is_empty() || !g.removed.is_empty())
        {
            summary(&report, generated.as_ref(), first, builder.files().len());
        }
    }

    /// Publishes the pages of a good build; returns `false` when nothing changed (nothing
    /// published, nothing printed).
    fn pages(
        &mut self,
        app: &App,
        builder: &Builder,
        r: &Report,
        pending: Option<Arc<server::Pending>>,
    ) -> bool {
        let cur = app.current();
        let base_path = builder
            .config()
            .map(|c| c.base_path.clone())
            .unwrap_or_else(|| cur.base_path.clone());
        self.news(&r.warnings);
        let recovered = self.failed || !self.good_once;
        let moved = self.base_path.as_deref().is_some_and(|b| b != base_path);
        if moved || (self.base_path.is_none() && cur.base_path != base_path) {
            // base_url's path changed in site.toml (or could only be read now).
            crate::errln!(
                "serving {}{base_path} (the base path of base_url)",
                self.origin
            );
        }
        self.failed = false;
        self.good_once = true;
        self.base_path = Some(base_path.clone());
        let nothing = r.changed.is_empty() && r.removed.is_empty();
        if nothing && !recovered && !moved && pending.is_none() {
            return false;
        }
        let css_only =
            !nothing && r.removed.is_empty() && r.changed.iter().all(|p| p.ends_with(".css"));
        let reload = if nothing && !recovered && !moved {
            None
        } else if css_only && !recovered && !moved {
            Some(Reload::Css(
                r.changed
                    .iter()
                    .map(|p| format!("{base_path}{p}"))
                    .collect(),
            ))
        } else {
            Some(Reload::Page)
        };
        app.publish(
            Snapshot {
                generation: 0,
                base_path,
                files: builder.files(),
                overlay: None,
                phase: Phase::Ready,
                pending,
            },
            reload,
        );
        true
    }

    /// Prints the errors of a failed build and publishes the overlay (or the error page when
    /// no build succeeded yet).
    fn failed(&mut self, app: &App, builder: &Builder, diags: &Diagnostics) {
        let cur = app.current();
        let errors: Vec<Diagnostic> = diags
            .items()
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        for d in &errors {
            self.print(d);
        }
        crate::errln!(
            "build failed: {}; {}",
            count(errors.len(), "error", "errors"),
            if self.good_once {
                "serving the last good site with the error shown on every page"
            } else {
                "serving an error page until the site builds"
            }
        );
        self.failed = true;
        let base_path = if self.good_once {
            cur.base_path.clone()
        } else {
            builder
                .config()
                .map(|c| c.base_path.clone())
                .unwrap_or_else(|| cur.base_path.clone())
        };
        app.publish(
            Snapshot {
                generation: 0,
                base_path,
                files: cur.files.clone(),
                overlay: Some(Arc::from(page::overlay(&errors, self.good_once))),
                phase: if self.good_once {
                    Phase::Ready
                } else {
                    Phase::Broken
                },
                pending: None,
            },
            Some(Reload::Page),
        );
    }
}

fn summary(r: &Report, generated: Option<&Report>, first: bool, files: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let total = r.elapsed + generated.map(|g| g.elapsed).unwrap_or_default();
    if first {
        crate::errln!(
            "built {}, {} in {:.0} ms",
            count(r.posts, "post", "posts"),
            count(files, "file", "files"),
            ms(total)
        );
        return;
    }
    let how = match r.way {
        Way::Static => "static files only".to_string(),
        _ => format!(
            "{} of {} rendered",
            r.rendered,
            count(r.jobs, "page", "pages")
        ),
    };
    let n = r.changed.len()
        + r.removed.len()
        + generated
            .map(|g| g.changed.len() + g.removed.len())
            .unwrap_or(0);
    let extra = match generated {
        Some(g) => format!(
            "; feeds, sitemap and search index {:.1} ms more",
            ms(g.elapsed)
        ),
        None => String::new(),
    };
    crate::errln!(
        "rebuilt in {:.1} ms: {} changed ({how}){extra}",
        ms(r.elapsed),
        count(n, "file", "files")
    );
}
