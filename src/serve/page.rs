//! What `serve` adds to the pages it serves (never to `build` output): the live-reload
//! script, the build-error overlay, and the stand-alone pages shown before a first good build.
//!
//! Every piece of text from the site (paths, messages, source lines) is HTML-escaped here.

use crate::error::Diagnostic;

/// Path of the live-reload event stream under the site's base path.
pub const EVENTS_PATH: &str = "__smelt/events";

/// Most errors the overlay lists (the console has them all).
const MAX_SHOWN: usize = 12;

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// The live-reload script for a site served under `base_path` (`/` or `/sub/`): it listens
/// to the event stream; `reload` reloads the page, `css` (a JSON list of URL paths) swaps the
/// matching stylesheets without a reload (or reloads when none matches), and a reconnection
/// after the server went away reloads too.
pub fn reload_script(base_path: &str) -> String {
    let url = serde_json::to_string(&format!("{base_path}{EVENTS_PATH}")).unwrap_or_default();
    format!(
        r#"<script data-smelt-live>
(function () {{
  if (!window.EventSource) return;
  var es = new EventSource({url}), seen = false;
  es.addEventListener("open", function () {{ if (seen) location.reload(); seen = true; }});
  es.addEventListener("reload", function () {{ location.reload(); }});
  es.addEventListener("css", function (e) {{
    var paths = JSON.parse(e.data), swapped = 0;
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (l) {{
      var u = new URL(l.href, location.href);
      if (u.origin !== location.origin || paths.indexOf(u.pathname) < 0) return;
      u.searchParams.set("smelt", Date.now());
      var n = l.cloneNode();
      n.href = u.href;
      n.onload = function () {{ l.remove(); }};
      l.after(n);
      swapped++;
    }});
    if (!swapped) location.reload();
  }});
}})();
</script>
"#
    )
}

/// The lines around a diagnostic's position, numbered, with a caret under the column.
fn snippet(d: &Diagnostic) -> Option<String> {
    let src = d.source.as_deref()?;
    let line = d.line?;
    let lines: Vec<&str> = src.lines().collect();
    if line == 0 || line > lines.len().max(1) {
        return None;
    }
    let first = line.saturating_sub(2).max(1);
    let last = (line + 2).min(lines.len());
    let width = last.to_string().len();
    let mut out = String::new();
    for n in first..=last {
        let text = lines.get(n - 1).copied().unwrap_or("");
        let mark = if n == line { '>' } else { ' ' };
        out.push_str(&format!("{mark} {n:>width$} | {text}\n"));
        if n == line
            && let Some(col) = d.col
        {
            let pad: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("  {:>width$} | {pad}^\n", ""));
        }
    }
    Some(out)
}

/// `path:line:col` of a diagnostic (the parts it has).
pub fn location(d: &Diagnostic) -> String {
    let mut s = d.path.clone().unwrap_or_default();
    if let Some(l) = d.line {
        s.push_str(&format!(":{l}"));
        if let Some(c) = d.col {
            s.push_str(&format!(":{c}"));
        }
    }
    s
}

/// The error overlay for a failed build: every error (up to a dozen) with its location,
/// message, source snippet and help, over the last good page.
pub fn overlay(errors: &[Diagnostic], have_site: bool) -> String {
    let n = errors.len();
    let mut out = String::from(
        r#"<div id="smelt-error" role="alert" style="position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(16,18,24,.96);color:#eef0f3;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:2rem 1rem;text-align:left"><div style="max-width:62rem;margin:0 auto">"#,
    );
    let what = if have_site {
        "The last good version of the site is underneath; this goes away with the next good build."
    } else {
        "Fix it and save: the page reloads by itself."
    };
    out.push_str(&format!(
        r#"<p style="margin:0 0 1rem;color:#ff8f87;font-weight:bold;font-size:16px">smelt: the build failed with {n} error{}</p><p style="margin:0 0 1.5rem;color:#b8bec8">{}</p>"#,
        if n == 1 { "" } else { "s" },
        esc(what)
    ));
    for d in errors.iter().take(MAX_SHOWN) {
        out.push_str(r#"<section style="margin:0 0 1.5rem;border-left:3px solid #ff8f87;padding-left:1rem">"#);
        let loc = location(d);
        if !loc.is_empty() {
            out.push_str(&format!(
                r#"<div style="color:#8cc4ff">{}</div>"#,
                esc(&loc)
            ));
        }
        out.push_str(&format!(
            r#"<div style="font-weight:bold;white-space:pre-wrap">{} <span style="color:#b8bec8;font-weight:normal">[{}]</span></div>"#,
            esc(&d.message),
            esc(d.rule)
        ));
        if let Some(s) = snippet(d) {
            out.push_str(&format!(
                r#"<pre style="margin:.5rem 0;padding:.75rem;background:#0b0d12;color:#eef0f3;overflow:auto;border-radius:4px">{}</pre>"#,
                esc(&s)
            ));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!(
                r#"<div style="color:#b5e3b0;white-space:pre-wrap">help: {}</div>"#,
                esc(h)
            ));
        }
        out.push_str("</section>");
    }
    if n > MAX_SHOWN {
        out.push_str(&format!(
            r#"<p style="color:#b8bec8">… and {} more (see the terminal).</p>"#,
            n - MAX_SHOWN
        ));
    }
    if have_site {
        out.push_str(r#"<button type="button" onclick="this.closest('#smelt-error').remove()" style="font:inherit;padding:.3rem .8rem;cursor:pointer">Hide until the next build</button>"#);
    }
    out.push_str("</div></div>\n");
    out
}

/// Inserts `extra` before the last `</body>` of an HTML page (at the end when there is none).
pub fn inject(html: &[u8], extra: &str) -> Vec<u8> {
    let at = find_last_ci(html, b"</body").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// A whole page for when there is no good build to show: `body` inside a minimal document,
/// with the reload script.
pub fn standalone(title: &str, body: &str, base_path: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title></head>\n<body style=\"background:#101218;color:#eef0f3;font:15px/1.5 system-ui,sans-serif;margin:0\">\n{body}{}</body></html>\n",
        esc(title),
        reload_script(base_path)
    )
}

/// The page served while the first build runs.
pub fn building(base_path: &str) -> String {
    standalone(
        "Building… · smelt",
        "<p style=\"padding:2rem\">smelt is building the site; this page reloads when it is ready.</p>\n",
        base_path,
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn overlay_escapes_and_locates() {
        let d = Diagnostic::error("front-matter", "bad <script>alert(1)</script> value")
            .at_path("content/posts/<x>.md")
            .at(2, 8)
            .with_help("write a <date>")
            .with_source(Arc::from("---\ntitle: <b>x</b>\n---\n"));
        let html = overlay(&[d], true);
        assert!(html.contains("content/posts/&lt;x&gt;.md:2:8"), "{html}");
        assert!(html.contains("bad &lt;script&gt;alert(1)&lt;/script&gt; value"));
        assert!(
            html.contains("&gt; 2 | title: &lt;b&gt;x&lt;/b&gt;\n"),
            "{html}"
        );
        assert!(html.contains("help: write a &lt;date&gt;"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn script_goes_before_the_last_body_end() {
        let out = inject(b"<html><body><p>x</p></BODY></html>", "<i>s</i>");
        assert_eq!(out, b"<html><body><p>x</p><i>s</i></BODY></html>");
        assert_eq!(
            inject(b"<p>no body</p>", "<i>s</i>"),
            b"<p>no body</p><i>s</i>"
        );
    }

    #[test]
    fn script_names_the_stream_under_the_base_path() {
        assert!(reload_script("/sub/").contains("new EventSource(\"/sub/__smelt/events\")"));
    }
}
