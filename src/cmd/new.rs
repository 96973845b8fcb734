//! `smelt new "Title" [--author ID] [--tags a,b] [--draft]`: writes
//! `content/posts/<slug>.md` with complete front matter — the title, today's date in the
//! site's time zone, the author, tags, an empty highlights list and the draft flag — and
//! prints its path. Refuses to overwrite an existing post (or a post folder of that slug) and
//! an author id with no file in `content/authors/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::NewArgs;
use crate::config::Config;

/// Runs `smelt new`; returns the exit code (0 written, 1 refused or a broken `site.toml`, 2
/// no site).
pub fn run(args: NewArgs) -> u8 {
    let root = match super::site_root(args.root.as_deref(), "new") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let config = match Config::load(&root) {
        Ok(c) => c,
        Err(diags) => {
            super::print_diagnostics(&diags);
            return 1;
        }
    };
    match create(&root, &config, &args) {
        Ok(path) => {
            let shown = path.strip_prefix(".").unwrap_or(&path);
            crate::outln!("{}", shown.display());
            0
        }
        Err(msg) => {
            crate::errln!("error: {msg}");
            1
        }
    }
}

/// Author ids: the file stems of `content/authors/*.md` (or `.markdown`), sorted.
fn author_ids(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root.join("content/authors"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = crate::pipeline::load::markdown_stem(&name)?;
            (!crate::pipeline::load::is_ignored_name(&name)).then(|| stem.to_string())
        })
        .collect();
    ids.sort();
    ids
}

/// A YAML double-quoted string (JSON string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The front matter and body of a new post.
pub fn post_text(
    title: &str,
    date: &str,
    author: Option<&str>,
    tags: &[String],
    draft: bool,
) -> String {
    let mut s = format!("---\ntitle: {}\ndate: {date}\n", quoted(title));
    match author {
        Some(a) => s.push_str(&format!("author: {}\n", quoted(a))),
        None => s.push_str("# author: the id of a file in content/authors/\n"),
    }
    let tags: Vec<String> = tags.iter().map(|t| quoted(t)).collect();
    s.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    s.push_str("highlights: []\n");
    s.push_str(
        "# citation: \"Publication, date\"   (or sources: [{title, publisher, url, date}])\n",
    );
    if draft {
        s.push_str("draft: true\n");
    }
    s.push_str("---\n\n<!-- Write the analysis here. The first paragraph (or the text before a \"more\" marker) is the summary. -->\n");
    s
}

fn create(root: &Path, config: &Config, args: &NewArgs) -> Result<PathBuf, String> {
    let title = args.title.trim();
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    let slug = crate::slug::slugify(title);
    if slug.is_empty() {
        return Err(format!("cannot make a file name from the title {title:?}"));
    }
    let ids = author_ids(root);
    let author = match &args.author {
        Some(a) if ids.iter().any(|i| i == a) => Some(a.clone()),
        Some(a) => {
            let help = match crate::suggest::nearest(a, ids.iter().map(String::as_str)) {
                Some(n) => format!("did you mean `{n}`?"),
                None if ids.is_empty() => {
                    "there are no authors yet: create content/authors/<id>.md".into()
                }
                None => format!("known authors: {}", ids.join(", ")),
            };
            return Err(format!(
                "unknown author `{a}` (no content/authors/{a}.md); {help}"
            ));
        }
        None if ids.len() == 1 => Some(ids[0].clone()),
        None => None,
    };
    let tags: Vec<String> = args
        .tags
        .iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .collect();
    let posts = root.join("content/posts");
    let path = posts.join(format!("{slug}.md"));
    let folder = posts.join(&slug);
    if folder.exists() {
        return Err(format!(
            "{} already exists (a post folder with this slug)",
            folder.display()
        ));
    }
    // `<slug>.markdown` is the same post as `<slug>.md`.
    for ext in crate::pipeline::load::MARKDOWN_EXTENSIONS {
        let other = posts.join(format!("{slug}.{ext}"));
        if ext != "md" && other.exists() {
            return Err(format!(
                "{} already exists; pick another title or edit that post",
                other.display()
            ));
        }
    }
    let today = jiff::Zoned::now()
        .with_time_zone(config.time_zone())
        .date()
        .to_string();
    let text = post_text(title, &today, author.as_deref(), &tags, args.draft);
    std::fs::create_dir_all(&posts)
        .map_err(|e| format!("cannot create {}: {e}", posts.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!(
                    "{} already exists; pick another title or edit that post",
                    path.display()
                )
            }
            _ => format!("cannot create {}: {e}", path.display()),
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_parses() {
        let text = post_text(
            "Oil & \"Gas\": a: b",
            "2026-01-27",
            Some("mara"),
            &["Oil & Gas".into(), "C++".into()],
            true,
        );
        let split = crate::front_matter::split(&text).unwrap();
        let fm = crate::front_matter::parse(
            &std::sync::Arc::from(text.as_str()),
            &split,
            crate::front_matter::DocKind::Post,
            "content/posts/x.md",
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(fm.title, "Oil & \"Gas\": a: b");
        assert_eq!(fm.tags, vec!["Oil & Gas".to_string(), "C++".to_string()]);
        assert!(fm.draft);
        assert_eq!(fm.date.unwrap().date().to_string(), "2026-01-27");
    }
}
