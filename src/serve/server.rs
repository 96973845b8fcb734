//! The HTTP side of `serve` (axum): the current in-memory site under its base path, the
//! live-reload event stream, and nothing else.
//!
//! Requests map to files of the built site only: a path is percent-decoded once and refused
//! (404) if it holds an encoded slash or backslash, a `.`/`..` segment, an empty segment or a
//! control character; the result is looked up in the site's file map, so no request can name
//! a file on disk. Files copied from disk are read when served and refused when their real
//! path (symlinks followed) is outside the site folder. A folder path serves its
//! `index.html` (a path without its trailing slash is redirected to it); there are no folder
//! listings; a miss serves the site's `404.html` with status 404. HTML gets the live-reload
//! script and, after a failed build, the error overlay.

use std::collections::HashSet;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::model::StaticSource;
use crate::serve::files::Files;
use crate::serve::incremental::OutData;
use crate::serve::page;

/// What the browser is told after a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Reload the page.
    Page,
    /// Only these stylesheets (URL paths) changed.
    Css(Vec<String>),
}

/// The state of the served site.
#[derive(Debug, Clone)]
pub enum Phase {
    /// The first build is running.
    Building,
    /// A good build is served (with an overlay when a later build failed).
    Ready,
    /// No build has succeeded yet: every page is the error page.
    Broken,
}

/// One published state of the site.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Counts publications.
    pub generation: u64,
    /// Base path of the site (`/` or `/sub/`).
    pub base_path: String,
    /// Files by output path.
    pub files: Files,
    /// Error overlay HTML while the last build failed.
    pub overlay: Option<Arc<str>>,
    /// Where the site is.
    pub phase: Phase,
    /// Files being made after the pages were published (feeds, sitemap, search index).
    pub pending: Option<Arc<Pending>>,
}

/// Files made after a build's pages were published: requests for them (or for paths the
/// site does not have yet) wait until they are made, so nobody sees a stale feed or index.
#[derive(Debug)]
pub struct Pending {
    paths: HashSet<String>,
    done: tokio::sync::watch::Receiver<bool>,
}

impl Pending {
    /// Pending `paths`; `done` turns `true` (or closes) when they are made.
    pub fn new(paths: HashSet<String>, done: tokio::sync::watch::Receiver<bool>) -> Pending {
        Pending { paths, done }
    }

    /// Waits until the files are made (at most two minutes).
    async fn wait(&self) {
        let mut rx = self.done.clone();
        let _ = tokio::time::timeout(Duration::from_secs(120), rx.wait_for(|d| *d)).await;
    }
}

/// Shared by the request handlers and the build loop.
pub struct App {
    current: RwLock<Arc<Snapshot>>,
    events: broadcast::Sender<Reload>,
    /// The site folder (canonical): disk files must resolve inside it.
    root: PathBuf,
}

impl App {
    /// A new app for the site at `root` (canonical), building.
    pub fn new(root: PathBuf, base_path: String) -> Arc<App> {
        let (events, _) = broadcast::channel(64);
        Arc::new(App {
            current: RwLock::new(Arc::new(Snapshot {
                generation: 0,
                base_path,
                files: Files::default(),
                overlay: None,
                phase: Phase::Building,
                pending: None,
            })),
            events,
            root,
        })
    }

    /// The current snapshot.
    pub fn current(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Publishes a new snapshot and tells connected browsers (`reload`, when given).
    pub fn publish(&self, mut snap: Snapshot, reload: Option<Reload>) {
        let mut cur = match self.current.write() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        snap.generation = cur.generation + 1;
        let old = std::mem::replace(&mut *cur, Arc::new(snap));
        drop(cur);
        if let Some(r) = reload {
            // No receiver (no browser connected) is fine.
            let _ = self.events.send(r);
        }
        // Freeing a large old file map takes a moment: after the browsers were told.
        drop(old);
    }

    /// Number of connected live-reload clients.
    pub fn clients(&self) -> usize {
        self.events.receiver_count()
    }
}

/// The router: one handler for everything.
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// A site path after decoding, or `None` when it must be refused (see the module docs).
pub fn decode_path(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || raw.contains('\\') {
        return None;
    }
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, s) in segments.iter().enumerate() {
        if *s == "." || *s == ".." || (s.is_empty() && i != last) {
            return None;
        }
    }
    Some(decoded.into_owned())
}

/// The `Content-Type` of an output path (UTF-8 for text formats).
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let essence = mime.essence_str();
    let texty = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            essence,
            "application/javascript" | "application/json" | "application/xml" | "image/svg+xml"
        )
        || essence.ends_with("+xml")
        || essence.ends_with("+json");
    if texty && mime.get_param("charset").is_none() {
        format!("{essence}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

fn is_html(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".htm")
}

fn respond(status: StatusCode, ctype: &str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn redirect(to: &str) -> Response {
    let mut r = respond(
        StatusCode::MOVED_PERMANENTLY,
        "text/plain; charset=utf-8",
        Body::empty(),
    );
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "method not allowed\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let mut snap = app.current();
    let raw = req.uri().path();
    if let Some(p) = snap.pending.clone()
        && let Some(rest) = raw.strip_prefix(snap.base_path.as_str())
        && let Some(rel) = decode_path(rest)
    {
        let key = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel
        };
        if p.paths.contains(&key) || !snap.files.contains_key(&key) {
            p.wait().await;
            snap = app.current();
        }
    }
    let base = snap.base_path.as_str();
    if raw.strip_prefix(base) == Some(page::EVENTS_PATH) {
        return events(&app).into_response();
    }
    match snap.phase {
        Phase::Building => {
            let mut r = respond(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/html; charset=utf-8",
                page::building(base),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        Phase::Broken => {
            let body = page::standalone(
                "Build failed · smelt",
                snap.overlay.as_deref().unwrap_or(""),
                base,
            );
            return respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/html; charset=utf-8",
                body,
            );
        }
        Phase::Ready => {}
    }
    let Some(rest) = raw.strip_prefix(base) else {
        if raw == base.trim_end_matches('/') || raw == "/" {
            return redirect(base);
        }
        return not_found(&app, &snap).await;
    };
    let Some(rel) = decode_path(rest) else {
        return not_found(&app, &snap).await;
    };
    let key = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.clone()
    };
    match snap.files.get(&key) {
        Some(data) => match serve_file(&app, &snap, &key, data, StatusCode::OK).await {
            Some(r) => r,
            None => not_found(&app, &snap).await,
        },
        None if snap.files.contains_key(&format!("{rel}/index.html")) => {
            let q = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            redirect(&format!("{base}{rest}/{q}"))
        }
        None => not_found(&app, &snap).await,
    }
}

/// The bytes of a file of the site, or `None` when a disk file is gone or leaves the site.
async fn bytes_of(app: &App, data: &OutData) -> Option<Bytes> {
    match data {
        OutData::Bytes(b) => Some(b.clone()),
        OutData::Static(StaticSource::Embedded(b)) => Some(Bytes::from_static(b)),
        OutData::Static(StaticSource::Disk(p)) => {
            let real = tokio::fs::canonicalize(p).await.ok()?;
            if !inside(&real, &app.root) {
                return None;
            }
            tokio::fs::read(&real).await.ok().map(Bytes::from)
        }
    }
}

fn inside(p: &Path, root: &Path) -> bool {
    p.starts_with(root)
}

async fn serve_file(
    app: &App,
    snap: &Snapshot,
    key: &str,
    data: &OutData,
    status: StatusCode,
) -> Option<Response> {
    let bytes = bytes_of(app, data).await?;
    if is_html(key) {
        let mut extra = String::new();
        if let Some(o) = &snap.overlay {
            extra.push_str(o);
        }
        extra.push_str(&page::reload_script(&snap.base_path));
        return Some(respond(
            status,
            "text/html; charset=utf-8",
            page::inject(&bytes, &extra),
        ));
    }
    Some(respond(status, &content_type(key), bytes))
}

async fn not_found(app: &App, snap: &Snapshot) -> Response {
    if let Some(data) = snap.files.get("404.html")
        && let Some(r) = serve_file(app, snap, "404.html", data, StatusCode::NOT_FOUND).await
    {
        return r;
    }
    respond(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "404 not found\n",
    )
}

/// The live-reload stream: `reload` and `css` events; a client that fell behind reloads.
fn events(app: &App) -> impl IntoResponse {
    let rx = app.events.subscribe();
    let stream = BroadcastStream::new(rx).map(|msg| {
        let ev = match msg {
            Ok(Reload::Css(paths)) => Event::default()
                .event("css")
                .data(serde_json::to_string(&paths).unwrap_or_else(|_| "[]".into())),
            Ok(Reload::Page) | Err(_) => Event::default().event("reload").data("reload"),
        };
        Ok::<Event, Infallible>(ev)
    });
    let mut r = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        for p in [
            "../etc/passwd",
            "a/../../b",
            "%2e%2e/x",
            "%2E%2E%2Fx",
            "a%2fb",
            "a%5cb",
            "a\\b",
            "./x",
            "a//b",
            "%00",
            "%ff",
        ] {
            assert_eq!(decode_path(p), None, "{p}");
        }
        assert_eq!(decode_path("posts/x/").as_deref(), Some("posts/x/"));
        assert_eq!(decode_path("").as_deref(), Some(""));
        assert_eq!(decode_path("tags/c%2B%2B/").as_deref(), Some("tags/c++/"));
        assert_eq!(decode_path("caf%C3%A9/").as_deref(), Some("café/"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("feed.json"), "application/json; charset=utf-8");
        assert_eq!(content_type("atom.xml"), "text/xml; charset=utf-8");
        assert_eq!(content_type("logo.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("photo.png"), "image/png");
        assert_eq!(content_type("data.bin"), "application/octet-stream");
    }
}
