//! Themes: where templates and theme static files come from.
//!
//! Lookup order for a template name: the site's `templates/` > `themes/<theme>/templates/` >
//! the default theme embedded in the binary (so a site with no `themes/` folder builds).
//! Static files: embedded default < `themes/<theme>/static/` (< the site's `static/`, added by
//! the load stage).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};

use crate::error::{Diagnostic, display_path};
use crate::model::{StaticFile, StaticSource};

/// The default theme, embedded at compile time.
pub static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Name of the embedded theme.
pub const DEFAULT_THEME_NAME: &str = "default";

/// Origin label of embedded templates in diagnostics.
pub const EMBEDDED_ORIGIN: &str = "(embedded default theme)";

/// A template's text and where it came from (a site-relative path, or the embedded theme).
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// The template text.
    pub text: String,
    /// Site-relative path, e.g. `templates/post.html`, or `(embedded default theme)/post.html`.
    pub origin: String,
}

/// A resolved theme.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Theme name from `site.toml`.
    pub name: String,
    /// `themes/<name>` when it exists on disk.
    pub dir: Option<PathBuf>,
    /// The site root.
    root: PathBuf,
}

impl Theme {
    /// Resolves `name` under `root/themes/`. The default theme may be absent on disk (the
    /// embedded copy is used); any other missing theme is an error naming `site.toml`.
    pub fn resolve(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            return Ok(Theme {
                name: name.to_string(),
                dir: Some(dir),
                root: root.to_path_buf(),
            });
        }
        if name == DEFAULT_THEME_NAME {
            return Ok(Theme {
                name: name.to_string(),
                dir: None,
                root: root.to_path_buf(),
            });
        }
        Err(Diagnostic::error(
            "config",
            format!("theme `{name}` not found: no folder themes/{name}/"),
        )
        .at_path(crate::config::CONFIG_FILE)
        .with_help(
            "create the folder, or remove `theme` from site.toml to use the built-in default theme",
        ))
    }

    /// Every template by name (`post.html`, `partials/sidebar.html`), with overrides applied.
    /// Unreadable or non-UTF-8 template files are errors naming them.
    pub fn templates(&self) -> Result<BTreeMap<String, TemplateSource>, Vec<Diagnostic>> {
        let mut out = BTreeMap::new();
        if let Some(tpl) = DEFAULT_THEME.get_dir("templates") {
            for f in files(tpl) {
                let name = f.path().strip_prefix("templates").unwrap_or(f.path());
                let name = display_path(name);
                if let Some(text) = f.contents_utf8() {
                    out.insert(
                        name.clone(),
                        TemplateSource {
                            text: text.to_string(),
                            origin: format!("{EMBEDDED_ORIGIN}/{name}"),
                        },
                    );
                }
            }
        }
        let mut errors = Vec::new();
        let mut dirs = Vec::new();
        if let Some(d) = &self.dir {
            dirs.push(d.join("templates"));
        }
        dirs.push(self.root.join("templates"));
        for dir in dirs {
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        errors.push(
                            Diagnostic::error("template", format!("cannot read: {e}"))
                                .at_path(dir.strip_prefix(&self.root).unwrap_or(&dir)),
                        );
                        continue;
                    }
                };
                if !entry.file_type().is_file()
                    || entry
                        .file_name()
                        .to_str()
                        .is_none_or(crate::pipeline::load::is_ignored_name)
                {
                    continue;
                }
                let rel_name =
                    display_path(entry.path().strip_prefix(&dir).unwrap_or(entry.path()));
                let origin = display_path(
                    entry
                        .path()
                        .strip_prefix(&self.root)
                        .unwrap_or(entry.path()),
                );
                match std::fs::read(entry.path()).map(String::from_utf8) {
                    Ok(Ok(text)) => {
                        // An editor's byte order mark would otherwise be template text.
                        let text = match text.strip_prefix('\u{feff}') {
                            Some(rest) => rest.to_string(),
                            None => text,
                        };
                        out.insert(rel_name, TemplateSource { text, origin });
                    }
                    Ok(Err(_)) => errors.push(
                        Diagnostic::error("encoding", "template is not valid UTF-8")
                            .at_path(&origin),
                    ),
                    Err(e) => errors.push(
                        Diagnostic::error("io", format!("cannot read template: {e}"))
                            .at_path(&origin),
                    ),
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// Theme static files: the embedded default's, overridden by `themes/<name>/static/`.
    pub fn static_files(&self) -> Vec<StaticFile> {
        let mut by_out: BTreeMap<String, StaticFile> = BTreeMap::new();
        if let Some(st) = DEFAULT_THEME.get_dir("static") {
            for f in files(st) {
                let to = display_path(f.path().strip_prefix("static").unwrap_or(f.path()));
                by_out.insert(
                    to.clone(),
                    StaticFile {
                        from: StaticSource::Embedded(f.contents()),
                        to,
                    },
                );
            }
        }
        if let Some(d) = &self.dir {
            let st = d.join("static");
            if st.is_dir() {
                for entry in walkdir::WalkDir::new(&st)
                    .sort_by_file_name()
                    .into_iter()
                    .flatten()
                {
                    if !entry.file_type().is_file()
                        || entry
                            .file_name()
                            .to_str()
                            .is_none_or(crate::pipeline::load::is_ignored_name)
                    {
                        continue;
                    }
                    let to = display_path(entry.path().strip_prefix(&st).unwrap_or(entry.path()));
                    by_out.insert(
                        to.clone(),
                        StaticFile {
                            from: StaticSource::Disk(entry.path().to_path_buf()),
                            to,
                        },
                    );
                }
            }
        }
        by_out.into_values().collect()
    }
}

/// All files under an embedded directory, depth first, sorted by path.
fn files<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut out = Vec::new();
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => out.extend(files(d)),
            DirEntry::File(f) => out.push(f),
        }
    }
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out
}

/// Writes the embedded default theme to `dest` (used by `smelt init --theme-copy`).
/// Returns the files written, site-relative to `dest`'s parent.
pub fn copy_default_theme(dest: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for f in files(&DEFAULT_THEME) {
        let path = dest.join(f.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, f.contents())?;
        written.push(path);
    }
    Ok(written)
}
