//! Load stage: site root → [`Loaded`] (content files as normalised text, static files to copy).
//!
//! Markdown sources are `.md` and `.markdown` files (any letter case; see [`is_markdown`]).
//! Under `content/posts`, `pages` and `authors` no Markdown-looking file is ever copied raw to
//! the output: one with another Markdown extension (`.mkd`, `.mdown`…) or one beside a
//! bundle's `index.md` gets a `content-layout` warning and is left out.
//!
//! Walks `content/` and `static/` in sorted order (so every later stage sees the same input
//! order on every machine), skips editor temp/lock/backup files, and normalises text: UTF-8
//! required (a non-UTF-8 file is an error naming it and the first bad byte's line), BOM
//! removed, CRLF/CR → LF, and characters XML 1.0 forbids (C0 controls other than TAB and LF,
//! U+FFFE, U+FFFF) removed with a warning. Symlink loops end the walk of that branch with a
//! warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Diagnostic, Diagnostics, display_path};
use crate::model::{BundleAsset, SourceFile, SourceKind, StaticFile, StaticSource};
use crate::theme::Theme;

/// Content folder name under the site root.
pub const CONTENT_DIR: &str = "content";
/// Site static folder name under the site root.
pub const STATIC_DIR: &str = "static";

/// What the load stage produces.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Content files (posts, pages, authors), sorted by path.
    pub files: Vec<SourceFile>,
    /// Files to copy as-is, sorted by output path; site files override theme files.
    pub static_files: Vec<StaticFile>,
    /// Problems found.
    pub diags: Diagnostics,
}

/// Extensions of Markdown sources, lower case (compared without case).
pub const MARKDOWN_EXTENSIONS: [&str; 2] = ["md", "markdown"];

/// Extensions of other Markdown dialects and spellings smelt does not build (lower case):
/// such a file under `content/posts`, `pages` or `authors` is reported, never published raw.
const MARKDOWN_LOOKALIKES: [&str; 10] = [
    "mdown", "mdwn", "mkd", "mkdn", "mkdown", "markdn", "mdtxt", "mdtext", "mdx", "rmd",
];

/// `true` for a Markdown source path or file name: extension `.md` or `.markdown`, any
/// case (`a.md`, `posts/b.Markdown`). `/`- or `\`-separated, with no `#fragment`.
pub fn is_markdown(path: &str) -> bool {
    markdown_stem(path).is_some()
}

/// The path without its Markdown extension (`posts/b.markdown` → `posts/b`), or `None` when
/// it is not a Markdown source (see [`is_markdown`]).
pub fn markdown_stem(path: &str) -> Option<&str> {
    let (stem, ext) = path.rsplit_once('.')?;
    let named = !stem.is_empty() && !stem.ends_with(['/', '\\']);
    (named
        && MARKDOWN_EXTENSIONS
            .iter()
            .any(|m| ext.eq_ignore_ascii_case(m)))
    .then_some(stem)
}

/// `true` when `path`'s extension is one of [`MARKDOWN_EXTENSIONS`].
fn has_markdown_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        MARKDOWN_EXTENSIONS
            .iter()
            .any(|m| e.eq_ignore_ascii_case(m))
    })
}

/// `true` for `index.md` / `index.markdown` (the page of a bundle folder).
fn is_index_file(path: &Path) -> bool {
    path.file_stem().is_some_and(|s| s == "index") && has_markdown_extension(path)
}

/// `true` for names editors and tools write next to real files and that must never be read
/// or published: hidden files (`.#lock`, `.swp`), Emacs autosaves (`#x#`), backups (`x~`,
/// `.bak`, `.orig`), JetBrains safe-write files (`___jb_tmp___`), vim's `4913` probe, and
/// generic temp files (`.tmp`, `.temp`, `.crswap`, `.part`), and copies of posts such as
/// `post.md.orig` or `post.md0HlVyu.bck` (anything with `.md` that does not end in `.md`, and
/// the same for `.markdown`).
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.contains("___jb_")
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".temp",
            ".bak",
            ".bck",
            ".orig",
            ".crswap",
            ".part",
            ".kate-swp",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
        || (name.contains(".md") && !name.ends_with(".md"))
        || (name.contains(".markdown") && !name.ends_with(".markdown"))
}

/// `true` when any component of the site-relative `rel` path is ignored.
pub fn is_ignored_path(rel: &Path) -> bool {
    rel.components()
        .any(|c| c.as_os_str().to_str().is_some_and(is_ignored_name))
}

/// Loads the site at `root` with `theme` providing default static files.
pub fn load(root: &Path, theme: &Theme) -> Loaded {
    let mut diags = Diagnostics::new();
    let content_root = root.join(CONTENT_DIR);
    let mut md_paths: Vec<(PathBuf, SourceKind, String, Vec<BundleAsset>)> = Vec::new();
    let mut content_static: Vec<StaticFile> = Vec::new();

    let mut bundle_assets: std::collections::HashMap<PathBuf, Vec<BundleAsset>> =
        Default::default();

    if content_root.is_dir() {
        let entries = walk_sorted(&content_root, &mut diags, root);
        // A folder under content/posts/ holding an index.md is a bundle: its other files are
        // copied beside the post's page.
        let posts_root = content_root.join("posts");
        let bundles: Vec<PathBuf> = entries
            .iter()
            .filter(|p| is_index_file(p))
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .filter(|d| d.starts_with(&posts_root) && *d != posts_root)
            .collect();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            let in_content = path.strip_prefix(&content_root).unwrap_or(&path);
            let section = in_content
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or("");
            let is_md = has_markdown_extension(&path);
            let bundle = bundles
                .iter()
                .filter(|b| path.starts_with(b))
                .max_by_key(|b| b.as_os_str().len());
            let is_bundle_index =
                bundle.is_some_and(|b| path.parent() == Some(b.as_path())) && is_index_file(&path);
            let in_sections = matches!(section, "posts" | "pages" | "authors");
            let lookalike = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                MARKDOWN_LOOKALIKES
                    .iter()
                    .any(|m| e.eq_ignore_ascii_case(m))
            });
            if in_sections && lookalike {
                diags.push(
                    Diagnostic::warning(
                        "content-layout",
                        "not a Markdown extension smelt reads (.md, .markdown): the file is neither built nor published",
                    )
                    .at_path(&rel)
                    .with_help("rename it to .md to make it a post or page"),
                );
                continue;
            }
            if let Some(b) = bundle
                && !is_bundle_index
            {
                if is_md {
                    diags.push(
                        Diagnostic::warning(
                            "content-layout",
                            "Markdown file inside a post bundle (beside its index page) is neither built nor published",
                        )
                        .at_path(&rel)
                        .with_help("move it out of the bundle folder to make it a post of its own, or rename it if it is meant as a download"),
                    );
                    continue;
                }
                bundle_assets
                    .entry(b.clone())
                    .or_default()
                    .push(BundleAsset {
                        from: path.clone(),
                        name: display_path(path.strip_prefix(b).unwrap_or(&path)),
                    });
                continue;
            }
            if !is_md {
                content_static.push(StaticFile {
                    from: StaticSource::Disk(path.clone()),
                    to: display_path(in_content),
                });
                continue;
            }
            let kind = match section {
                "posts" => SourceKind::Post,
                "pages" => SourceKind::Page,
                "authors" => SourceKind::Author,
                _ => {
                    diags.push(
                        Diagnostic::warning(
                            "content-layout",
                            "Markdown file outside content/posts, content/pages and content/authors is ignored",
                        )
                        .at_path(&rel)
                        .with_help("move it into content/posts/ (a post) or content/pages/ (a standalone page)"),
                    );
                    continue;
                }
            };
            let stem_source = if is_bundle_index {
                path.parent()
            } else {
                Some(path.as_path())
            };
            let stem = stem_source
                .and_then(|p| {
                    if is_bundle_index {
                        p.file_name()
                    } else {
                        p.file_stem()
                    }
                })
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            md_paths.push((path, kind, stem, Vec::new()));
        }
    }
    for (path, _, _, assets) in &mut md_paths {
        if let Some(dir) = path.parent()
            && is_index_file(path)
            && let Some(list) = bundle_assets.remove(dir)
        {
            *assets = list;
        }
    }

    let results: Vec<(Option<SourceFile>, Option<Diagnostic>)> = md_paths
        .into_par_iter()
        .map(|(path, kind, stem, assets)| read_source(root, &path, kind, stem, assets))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for (file, diag) in results {
        files.extend(file);
        diags.extend(diag);
    }

    // Static files: theme first, then content non-Markdown files, then the site's static/.
    // The site's files override the theme's (that is how a theme is customised); a file under
    // content/ and one under static/ with the same output path are two of the site's own
    // files, and one would silently replace the other: both are kept, and the write stage
    // reports them with every other producer of that path.
    let mut by_out: std::collections::BTreeMap<String, StaticFile> = Default::default();
    for sf in theme.static_files() {
        by_out.insert(sf.to.clone(), sf);
    }
    let mut from_content: std::collections::BTreeMap<String, StaticFile> = Default::default();
    for sf in content_static {
        from_content.insert(sf.to.clone(), sf.clone());
        by_out.insert(sf.to.clone(), sf);
    }
    let mut doubles = Vec::new();
    let static_root = root.join(STATIC_DIR);
    if static_root.is_dir() {
        for path in walk_sorted(&static_root, &mut diags, root) {
            let rel = path.strip_prefix(&static_root).unwrap_or(&path);
            let to = display_path(rel);
            doubles.extend(from_content.remove(&to));
            by_out.insert(
                to.clone(),
                StaticFile {
                    from: StaticSource::Disk(path.clone()),
                    to,
                },
            );
        }
    }
    Loaded {
        files,
        static_files: by_out.into_values().chain(doubles).collect(),
        diags,
    }
}

/// `true` when `e` is the operating system's "too many levels of symbolic links" (ELOOP;
/// std has no stable kind for it).
fn is_link_loop(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = e;
        false
    }
}

/// Files under `dir`, sorted, skipping ignored names; follows symlinks, warns on loops.
fn walk_sorted(dir: &Path, diags: &mut Diagnostics, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_none_or(is_ignored_name));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => out.push(e.into_path()),
            Ok(_) => {}
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf())
                    .unwrap_or_else(|| dir.to_path_buf());
                // What is wrong, in the writer's words: walkdir's own text names the
                // operation and the absolute path instead.
                let link = e.path().and_then(|p| {
                    let meta = std::fs::symlink_metadata(p).ok()?;
                    meta.file_type()
                        .is_symlink()
                        .then(|| std::fs::read_link(p).ok())
                        .flatten()
                });
                let msg = if e.loop_ancestor().is_some() {
                    "symbolic link loop; this folder is skipped".to_string()
                } else if let (Some(target), Some(io)) = (&link, e.io_error())
                    && io.kind() == std::io::ErrorKind::NotFound
                {
                    format!(
                        "broken symbolic link to {} (no such file); skipped",
                        crate::error::display_path(target)
                    )
                } else if let Some(io) = e.io_error()
                    && link.is_some()
                    && is_link_loop(io)
                {
                    "symbolic link loop (or a chain of more than 40 links); skipped".to_string()
                } else if let Some(io) = e.io_error() {
                    let what = if link.is_some() {
                        "symbolic link"
                    } else {
                        "entry"
                    };
                    format!("cannot read this {what}: {io}; skipped")
                } else {
                    format!("cannot read: {e}; skipped")
                };
                diags.push(Diagnostic::warning("io", msg).at_path(path));
            }
        }
    }
    out
}

/// Reads one content file (`path` under `root`) as the load stage does: the file, or `None`
/// and an error naming it (unreadable, not UTF-8); and a warning when control characters were
/// removed. `serve` uses it to re-read a changed file without walking the site again.
pub fn read_source(
    root: &Path,
    path: &Path,
    kind: SourceKind,
    stem: String,
    assets: Vec<BundleAsset>,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let d = Diagnostic::error("io", format!("cannot read file: {e}")).at_path(rel);
            return (None, Some(d));
        }
    };
    let hash = *blake3::hash(&bytes).as_bytes();
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let (line, col) =
                crate::config::line_col(std::str::from_utf8(&bytes[..at]).unwrap_or_default(), at);
            // A UTF-16 file starts with its byte order mark.
            let utf16 = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                ": it is UTF-16 (it starts with a UTF-16 byte order mark)"
            } else {
                ""
            };
            let d = Diagnostic::error(
                "encoding",
                format!(
                    "file is not valid UTF-8 (byte 0x{:02X} at offset {at}){utf16}",
                    bytes[at]
                ),
            )
            .at_path(rel)
            .at(line, col)
            .with_help("save the file as UTF-8 (most editors: \"Save with encoding\" → UTF-8)");
            return (None, Some(d));
        }
    };
    // Most files need no normalisation: one scan, one copy.
    let clean = needs_no_normalizing(text);
    let warning = if clean {
        None
    } else {
        control_char_warning(rel, text)
    };
    let file = SourceFile {
        source: display_path(rel),
        kind,
        stem,
        text: if clean {
            Arc::from(text)
        } else {
            Arc::from(normalize_text(text))
        },
        hash,
        assets,
    };
    (Some(file), warning)
}

/// `true` for characters that XML 1.0 forbids (and that HTML parsers turn into errors).
pub fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// `true` when [`normalize_text`] would return `text` unchanged and it holds no forbidden
/// character: no CR, no control character but TAB and LF, and no byte 0xEF (the lead byte of
/// U+FEFF, U+FFFE and U+FFFF — and of other characters, which then take the slow path).
pub fn needs_no_normalizing(text: &str) -> bool {
    text.bytes()
        .all(|b| (b >= 0x20 && b != 0xEF) || b == b'\n' || b == b'\t')
}

/// BOM removed, CRLF and lone CR → LF, forbidden characters removed.
///
/// Every U+FEFF goes, not only a leading one: inside text it is a stray byte order mark
/// (files joined with `cat`, text pasted from a BOM-prefixed file) — invisible, deprecated as a
/// no-break space since Unicode 3.2 — and would otherwise leak into titles, slugs and pages.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{feff}' => {}
            c if is_forbidden_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A warning naming the characters XML forbids that the file contained (they are removed
/// from the output), with the position of the first one.
fn control_char_warning(rel: &Path, raw: &str) -> Option<Diagnostic> {
    if !raw.chars().any(is_forbidden_char) {
        return None;
    }
    let found = find_forbidden_chars(raw);
    let (line, col, _) = found[0];
    let mut codes: Vec<String> = found
        .iter()
        .map(|&(_, _, c)| format!("U+{c:04X}"))
        .collect();
    codes.dedup();
    codes.truncate(8);
    Some(
        Diagnostic::warning(
            "control-chars",
            format!(
                "{} invisible control character(s) removed ({}); XML feeds and HTML forbid them",
                found.len(),
                codes.join(", ")
            ),
        )
        .at_path(rel)
        .at(line, col)
        .with_help("they usually come from pasted text; delete them from the file to silence this"),
    )
}

/// Scans raw text for forbidden characters: (1-based line, column, code point) of each.
/// Lines end at LF, CRLF or a lone CR (the same breaks [`normalize_text`] makes), so the
/// positions match the normalised text.
pub fn find_forbidden_chars(raw: &str) -> Vec<(usize, usize, u32)> {
    let mut found = Vec::new();
    let (mut line, mut col) = (1, 1);
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            line += 1;
            col = 1;
            continue;
        }
        if c == '\u{feff}' {
            continue;
        }
        if is_forbidden_char(c) {
            found.push((line, col, c as u32));
        }
        col += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_normalizing_fast_path_agrees_with_normalize_text() {
        let samples = [
            "plain ascii\nwith\ttabs",
            "Détente — “quotes” 中文 ｘ",
            "crlf\r\nline",
            "lone\rcr",
            "\u{feff}bom",
            "bell\u{7}here",
            "nonchar\u{fffe}\u{ffff}",
            "private \u{f000} use",
            "del \u{7f} kept",
        ];
        for s in samples {
            if needs_no_normalizing(s) {
                assert_eq!(normalize_text(s), s, "{s:?}");
                assert!(!s.chars().any(is_forbidden_char), "{s:?}");
            }
        }
        assert!(needs_no_normalizing("plain ascii\nwith\ttabs"));
        assert!(needs_no_normalizing("Détente — “quotes” 中文"));
        assert!(!needs_no_normalizing("crlf\r\nline"));
        assert!(!needs_no_normalizing("\u{feff}bom"));
        assert!(!needs_no_normalizing("bell\u{7}here"));
        assert!(!needs_no_normalizing("nonchar\u{fffe}"));
    }

    #[test]
    fn editor_artefacts_are_ignored() {
        for n in [
            ".#post.md",
            "#post.md#",
            "post.md~",
            "post.md___jb_tmp___",
            "post.md___jb_old___",
            ".post.md.swp",
            "4913",
            "post.md.tmp",
            "post.md.bak",
            ".DS_Store",
            "post.md0HlVyu.bck",
        ] {
            assert!(is_ignored_name(n), "{n}");
        }
        for n in ["post.md", "index.md", "photo.png", "v0.10.0.md"] {
            assert!(!is_ignored_name(n), "{n}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_text("\u{feff}a\r\nb\rc\u{7}d\u{1f}e\u{fffe}\tf😀"),
            "a\nb\ncde\tf😀"
        );
        assert_eq!(find_forbidden_chars("ok\nx\u{7}y"), vec![(2, 2, 7)]);
    }

    #[test]
    fn stray_byte_order_marks_go_everywhere() {
        assert_eq!(
            normalize_text("\u{feff}---\ntitle: \u{feff}A\n---\n\u{feff}Body"),
            "---\ntitle: A\n---\nBody"
        );
    }

    #[test]
    fn positions_count_every_line_ending() {
        // CRLF, lone CR (classic Mac) and LF each end one line.
        assert_eq!(find_forbidden_chars("a\r\nb\rc\n\u{7}"), vec![(4, 1, 7)]);
        assert_eq!(find_forbidden_chars("\u{feff}x\u{7}"), vec![(1, 2, 7)]);
        assert_eq!(normalize_text("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
