//! Check stage, external links (`smelt check --external`): every distinct http(s) URL the
//! site links to is requested, concurrently but at most [`Options::per_host`] at a time per
//! host, with a browser-like user agent: `HEAD` first, `GET` when `HEAD` is refused, redirects
//! followed by hand (so they can be reported), transient failures (timeouts, connection
//! errors, 5xx, 429) retried with exponential backoff.
//!
//! Input: URLs and where each is used. Output: one diagnostic per use of a URL that is dead
//! (`external-link`), could not be checked (`external-unreachable`) or redirects
//! (`external-redirect`). Results that were fine (answered or redirected) are cached in
//! `.smelt-cache/links.json` and not requested again for `[check] link_cache_days`; failures
//! are always re-checked, so a fixed link stops being reported on the next run.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::links::ExternalUse;
use crate::error::Diagnostic;

/// The cache file, relative to the site root.
pub const CACHE_FILE: &str = ".smelt-cache/links.json";

/// How external links are checked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time allowed for one request, connection to end of headers.
    pub timeout: Duration,
    /// Extra attempts after a transient failure.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further retry.
    pub backoff: Duration,
    /// Requests in flight to one host at a time.
    pub per_host: usize,
    /// Requests in flight in all.
    pub workers: usize,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Days a good result stays in the cache.
    pub cache_days: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(15),
            retries: 2,
            backoff: Duration::from_millis(500),
            per_host: 2,
            workers: 8,
            user_agent: format!(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 smelt-linkcheck/{}",
                env!("CARGO_PKG_VERSION")
            ),
            cache_days: 7,
        }
    }
}

/// What a URL answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    /// A 2xx answer.
    Ok {
        /// The status code.
        status: u16,
    },
    /// Redirected to a URL that answers 2xx.
    Redirect {
        /// The first redirect's status (301, 302, 307, 308).
        status: u16,
        /// The final URL.
        to: String,
    },
    /// Definitely broken: 404, 410, another 4xx, an unknown host, a redirect loop.
    Dead {
        /// The status code, if there was an answer.
        status: Option<u16>,
        /// Why, in words.
        reason: String,
    },
    /// Not checkable now: timeout, connection failure, 5xx, or the site refuses robots
    /// (401, 403, 429).
    Unreachable {
        /// The status code, if there was an answer.
        status: Option<u16>,
        /// Why, in words.
        reason: String,
    },
}

impl Outcome {
    fn is_transient(&self) -> bool {
        match self {
            Outcome::Unreachable { status, .. } => status.is_none_or(|s| s >= 500 || s == 429),
            _ => false,
        }
    }

    fn cacheable(&self) -> bool {
        matches!(self, Outcome::Ok { .. } | Outcome::Redirect { .. })
    }
}

/// What a run did, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Distinct URLs.
    pub urls: usize,
    /// Answered from the cache.
    pub cached: usize,
    /// Requested over the network.
    pub requested: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    links: BTreeMap<String, CacheEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CacheEntry {
    /// Unix seconds of the check.
    checked: u64,
    #[serde(flatten)]
    outcome: Outcome,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Checks every used URL (cache first), saves the cache under `root`, and returns a
/// diagnostic per problematic use. A cache that cannot be read is ignored; one that cannot
/// be written is reported as a warning.
pub fn check(uses: &[ExternalUse], root: &Path, opts: &Options) -> (Vec<Diagnostic>, Stats) {
    let cache_path = root.join(CACHE_FILE);
    let mut cache: CacheFile = std::fs::read_to_string(&cache_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(|c: &CacheFile| c.version == 1)
        .unwrap_or_default();
    let now = now_secs();
    let max_age = u64::from(opts.cache_days) * 86_400;
    let mut urls: Vec<String> = uses.iter().map(|u| u.url.clone()).collect();
    urls.sort();
    urls.dedup();
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let mut to_check = Vec::new();
    for u in &urls {
        match cache.links.get(u) {
            Some(e) if e.outcome.cacheable() && now.saturating_sub(e.checked) < max_age => {
                outcomes.insert(u.clone(), e.outcome.clone());
            }
            _ => to_check.push(u.clone()),
        }
    }
    let stats = Stats {
        urls: urls.len(),
        cached: urls.len() - to_check.len(),
        requested: to_check.len(),
    };
    let fresh = check_urls(&to_check, opts);
    // Offline: nothing answered at all, so failures say nothing about the links.
    let offline = !fresh.is_empty()
        && fresh.values().all(|o| {
            matches!(
                o,
                Outcome::Dead { status: None, .. } | Outcome::Unreachable { status: None, .. }
            )
        });
    for (u, o) in fresh {
        if o.cacheable() {
            cache.links.insert(
                u.clone(),
                CacheEntry {
                    checked: now,
                    outcome: o.clone(),
                },
            );
        }
        let o = match o {
            Outcome::Dead {
                status: None,
                reason,
            } if offline => Outcome::Unreachable {
                status: None,
                reason: format!("{reason} (no external host answered: is the network down?)"),
            },
            o => o,
        };
        outcomes.insert(u, o);
    }
    let mut diags = Vec::new();
    cache.links.retain(|u, _| outcomes.contains_key(u));
    cache.version = 1;
    if let Err(e) = save_cache(&cache_path, &cache) {
        diags.push(
            Diagnostic::warning("io", format!("cannot write {CACHE_FILE}: {e}"))
                .at_path(CACHE_FILE)
                .with_help(
                    "external link results are not cached; the next run checks every link again",
                ),
        );
    }
    for u in uses {
        let Some(o) = outcomes.get(&u.url) else {
            continue;
        };
        let d = match o {
            Outcome::Ok { .. } => continue,
            Outcome::Redirect { status, to } => Diagnostic::warning(
                "external-redirect",
                format!("`{}` redirects ({status}) to {to}", u.url),
            )
            .with_help("link to the final address"),
            Outcome::Dead { reason, .. } => Diagnostic::error(
                "external-link",
                format!("`{}` is broken: {reason}", u.url),
            )
            .with_help("find where the page moved (or an archived copy) and update the link"),
            Outcome::Unreachable { reason, .. } => Diagnostic::warning(
                "external-unreachable",
                format!("`{}` could not be checked: {reason}", u.url),
            )
            .with_help("the site may be down for now or refuse automated requests; open the link in a browser"),
        };
        diags.push(u.loc.apply(d));
    }
    (diags, stats)
}

/// Writes the cache atomically (temporary file, then rename).
fn save_cache(path: &Path, cache: &CacheFile) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_string_pretty(cache).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json + "\n")?;
    std::fs::rename(&tmp, path)
}

/// Host of a URL, for the per-host limit (the whole URL when it has none).
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| url.to_string())
}

struct Queue {
    hosts: BTreeMap<String, VecDeque<String>>,
    active: HashMap<String, usize>,
    pending: usize,
}

/// Checks URLs concurrently (at most `workers` in flight, `per_host` per host).
pub fn check_urls(urls: &[String], opts: &Options) -> HashMap<String, Outcome> {
    if urls.is_empty() {
        return HashMap::new();
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(opts.user_agent.as_str())
        .accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .build()
        .into();
    let mut hosts: BTreeMap<String, VecDeque<String>> = BTreeMap::new();
    for u in urls {
        hosts.entry(host_of(u)).or_default().push_back(u.clone());
    }
    let queue = Mutex::new(Queue {
        hosts,
        active: HashMap::new(),
        pending: urls.len(),
    });
    let wake = Condvar::new();
    let results = Mutex::new(HashMap::with_capacity(urls.len()));
    let per_host = opts.per_host.max(1);
    std::thread::scope(|s| {
        for _ in 0..opts.workers.max(1).min(urls.len()) {
            s.spawn(|| {
                loop {
                    let next = {
                        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                        loop {
                            if q.pending == 0 {
                                break None;
                            }
                            let Queue { hosts, active, .. } = &mut *q;
                            let pick = hosts
                                .iter_mut()
                                .find(|(h, list)| {
                                    !list.is_empty()
                                        && active.get(*h).copied().unwrap_or(0) < per_host
                                })
                                .and_then(|(h, list)| list.pop_front().map(|u| (h.clone(), u)));
                            if let Some((h, u)) = pick {
                                *q.active.entry(h.clone()).or_insert(0) += 1;
                                q.pending -= 1;
                                break Some((h, u));
                            }
                            q = wake.wait(q).unwrap_or_else(|e| e.into_inner());
                        }
                    };
                    let Some((host, url)) = next else {
                        wake.notify_all();
                        return;
                    };
                    let outcome = check_one(&agent, &url, opts);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(url, outcome);
                    let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(n) = q.active.get_mut(&host) {
                        *n = n.saturating_sub(1);
                    }
                    drop(q);
                    wake.notify_all();
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Checks one URL with retries on transient failures.
fn check_one(agent: &ureq::Agent, url: &str, opts: &Options) -> Outcome {
    let mut attempt = 0;
    loop {
        let (outcome, retry_after) = probe(agent, url);
        if !outcome.is_transient() || attempt >= opts.retries {
            return outcome;
        }
        let backoff = opts.backoff.saturating_mul(1 << attempt.min(16));
        std::thread::sleep(retry_after.map_or(backoff, |r| r.max(backoff)));
        attempt += 1;
    }
}

/// One answer: status and `Location`/`Retry-After`, or a transport error.
enum Answer {
    Status {
        code: u16,
        location: Option<String>,
        retry_after: Option<Duration>,
    },
    Failed {
        reason: String,
        dead: bool,
        timeout: bool,
    },
}

fn request(agent: &ureq::Agent, method: &str, url: &str) -> Answer {
    let result = if method == "HEAD" {
        agent
            .head(url)
            .header("Accept-Language", "en-US,en;q=0.9")
            .call()
    } else {
        agent
            .get(url)
            .header("Accept-Language", "en-US,en;q=0.9")
            .call()
    };
    match result {
        Ok(resp) => {
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let retry_after = header("retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s.min(10)));
            Answer::Status {
                code: resp.status().as_u16(),
                location: header("location"),
                retry_after,
            }
        }
        Err(e) => {
            let (reason, dead, timeout) = match &e {
                ureq::Error::Timeout(_) => ("timed out".to_string(), false, true),
                ureq::Error::HostNotFound => ("host not found".to_string(), true, false),
                ureq::Error::BadUri(m) => (format!("not a valid URL ({m})"), true, false),
                ureq::Error::ConnectionFailed => ("connection failed".to_string(), false, false),
                ureq::Error::Io(io) => (format!("connection error ({io})"), false, false),
                other => (other.to_string(), false, false),
            };
            Answer::Failed {
                reason,
                dead,
                timeout,
            }
        }
    }
}

/// Requests a URL (HEAD, then GET when HEAD is refused or fails other than by timing out),
/// following up to 10 redirects. Returns the outcome and any `Retry-After` wait.
fn probe(agent: &ureq::Agent, url: &str) -> (Outcome, Option<Duration>) {
    let mut current = url.to_string();
    let mut first_redirect: Option<u16> = None;
    for _ in 0..10 {
        let mut answer = request(agent, "HEAD", &current);
        let head_refused = match &answer {
            Answer::Status { code, location, .. } => {
                *code >= 400 || (300..400).contains(code) && location.is_none()
            }
            Answer::Failed { timeout, dead, .. } => !*timeout && !*dead,
        };
        if head_refused {
            answer = request(agent, "GET", &current);
        }
        let (code, location, retry_after) = match answer {
            Answer::Failed { reason, dead, .. } => {
                let via = via(first_redirect, &current);
                let outcome = if dead {
                    Outcome::Dead {
                        status: None,
                        reason: format!("{reason}{via}"),
                    }
                } else {
                    Outcome::Unreachable {
                        status: None,
                        reason: format!("{reason}{via}"),
                    }
                };
                return (outcome, None);
            }
            Answer::Status {
                code,
                location,
                retry_after,
            } => (code, location, retry_after),
        };
        let via = via(first_redirect, &current);
        match code {
            200..=299 => {
                let outcome = match first_redirect {
                    Some(status) => Outcome::Redirect {
                        status,
                        to: current,
                    },
                    None => Outcome::Ok { status: code },
                };
                return (outcome, None);
            }
            300..=399 => {
                let Some(next) =
                    location.and_then(|l| url::Url::parse(&current).ok()?.join(&l).ok())
                else {
                    return (
                        Outcome::Dead {
                            status: Some(code),
                            reason: format!("answers {code} without a valid Location{via}"),
                        },
                        None,
                    );
                };
                first_redirect.get_or_insert(code);
                current = next.to_string();
            }
            401 | 403 | 429 => {
                return (
                    Outcome::Unreachable {
                        status: Some(code),
                        reason: format!("answers {code} {}{via}", reason_phrase(code)),
                    },
                    retry_after,
                );
            }
            400..=499 => {
                return (
                    Outcome::Dead {
                        status: Some(code),
                        reason: format!("answers {code} {}{via}", reason_phrase(code)),
                    },
                    None,
                );
            }
            _ => {
                return (
                    Outcome::Unreachable {
                        status: Some(code),
                        reason: format!("answers {code} {}{via}", reason_phrase(code)),
                    },
                    retry_after,
                );
            }
        }
    }
    (
        Outcome::Dead {
            status: None,
            reason: "more than 10 redirects".into(),
        },
        None,
    )
}

fn via(first_redirect: Option<u16>, current: &str) -> String {
    match first_redirect {
        Some(_) => format!(" (after redirecting to {current})"),
        None => String::new(),
    }
}

fn reason_phrase(code: u16) -> &'static str {
    match code {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A tiny HTTP/1.1 server on 127.0.0.1 answering by path; stops when dropped (or after
    /// 30 seconds). Records (method, path) of every request.
    struct Server {
        port: u16,
        log: Arc<Mutex<Vec<(String, String)>>>,
        stop: Arc<AtomicBool>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    fn serve() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            let flaky = Arc::new(Mutex::new(0u32));
            while !stop2.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let (log, flaky) = (log2.clone(), flaky.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let mut reader = BufReader::new(&stream);
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).is_err() || l == "\r\n" || l.is_empty() {
                            break;
                        }
                    }
                    let mut parts = first.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    log.lock().unwrap().push((method.clone(), path.clone()));
                    let (code, extra) = match path.as_str() {
                        "/ok" => (200, String::new()),
                        "/moved" => (301, "Location: /ok\r\n".to_string()),
                        "/missing" => (404, String::new()),
                        "/error" => (500, String::new()),
                        "/nohead" if method == "HEAD" => (405, String::new()),
                        "/nohead" => (200, String::new()),
                        "/flaky" => {
                            let mut n = flaky.lock().unwrap();
                            *n += 1;
                            if *n == 1 {
                                (503, String::new())
                            } else {
                                (200, String::new())
                            }
                        }
                        "/slow" => {
                            std::thread::sleep(Duration::from_millis(1500));
                            (200, String::new())
                        }
                        _ => (404, String::new()),
                    };
                    let mut w = &stream;
                    let _ = write!(
                        w,
                        "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n"
                    );
                });
            }
        });
        Server { port, log, stop }
    }

    fn fast() -> Options {
        Options {
            timeout: Duration::from_millis(400),
            retries: 1,
            backoff: Duration::from_millis(10),
            ..Options::default()
        }
    }

    #[test]
    fn outcomes_for_each_kind_of_answer() {
        let s = serve();
        let u = |p: &str| format!("http://127.0.0.1:{}{p}", s.port);
        let urls: Vec<String> = [
            "/ok", "/moved", "/missing", "/error", "/nohead", "/flaky", "/slow",
        ]
        .iter()
        .map(|p| u(p))
        .collect();
        let r = check_urls(&urls, &fast());
        assert_eq!(r[&u("/ok")], Outcome::Ok { status: 200 });
        assert_eq!(
            r[&u("/moved")],
            Outcome::Redirect {
                status: 301,
                to: u("/ok")
            }
        );
        assert_eq!(
            r[&u("/missing")],
            Outcome::Dead {
                status: Some(404),
                reason: "answers 404 Not Found".into()
            }
        );
        assert_eq!(
            r[&u("/error")],
            Outcome::Unreachable {
                status: Some(500),
                reason: "answers 500 Internal Server Error".into()
            }
        );
        assert_eq!(r[&u("/nohead")], Outcome::Ok { status: 200 });
        assert_eq!(r[&u("/flaky")], Outcome::Ok { status: 200 });
        assert_eq!(
            r[&u("/slow")],
            Outcome::Unreachable {
                status: None,
                reason: "timed out".into()
            }
        );
        let log = s.log.lock().unwrap().clone();
        let count = |m: &str, p: &str| log.iter().filter(|(a, b)| a == m && b == p).count();
        // HEAD first, GET only when HEAD is refused; 500 retried once (HEAD+GET each time);
        // /ok is asked for directly and once more as the target of /moved.
        assert_eq!(count("HEAD", "/ok"), 2);
        assert_eq!(count("HEAD", "/moved"), 1);
        assert_eq!(count("GET", "/ok"), 0);
        assert_eq!(count("GET", "/nohead"), 1);
        assert_eq!(count("HEAD", "/error"), 2);
        assert_eq!(count("HEAD", "/missing"), 1);
        assert_eq!(count("GET", "/missing"), 1);
    }

    #[test]
    fn host_of_urls() {
        assert_eq!(host_of("https://WWW.Example.org/a"), "www.example.org");
    }
}
