//! `smelt init [DIR]`: scaffolds a new site in an empty (or new) folder: a commented
//! `site.toml`, one sample post, one author, a `.gitignore`; the default theme stays embedded
//! in the binary unless `--theme-copy` writes it to `themes/default/`.
//!
//! Refuses a folder that holds anything besides `.git`, so it never overwrites a file.

use std::path::{Path, PathBuf};

use crate::cli::InitArgs;

/// Runs `smelt init`; returns the exit code (0 created, 2 refused or failed).
pub fn run(args: InitArgs) -> u8 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    match init(&dir, args.theme_copy) {
        Ok(written) => {
            crate::outln!("created a new site in {}:", dir.display());
            for f in &written {
                crate::outln!("  {}", f.strip_prefix(&dir).unwrap_or(f).display());
            }
            let cd = if args.dir.is_some() {
                format!("cd {} && ", shell_word(&dir))
            } else {
                String::new()
            };
            crate::outln!("next: {cd}smelt serve    (then write with: smelt new \"Your title\")");
            0
        }
        Err(msg) => {
            crate::errln!("error: {msg}");
            2
        }
    }
}

/// A path as one shell word (quoted when it holds anything but plain characters).
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The site title suggested by the folder name (`midstream-notes` → `Midstream Notes`).
fn title_from(dir: &Path) -> String {
    let name = std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .ok()
        .and_then(|p| {
            p.components().rev().find_map(|c| match c {
                std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
        })
        .unwrap_or_default();
    let words: Vec<String> = name
        .split(['-', '_', ' ', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect();
    if words.is_empty() {
        "My Analysis Site".into()
    } else {
        words.join(" ")
    }
}

/// A TOML/YAML double-quoted string (JSON string syntax is valid in both).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn site_toml(title: &str) -> String {
    format!(
        r#"# site.toml: the configuration of this smelt site.
#
# Every key is optional and shows its default in the comment above it. Unknown keys are
# errors (smelt suggests the nearest known key), so a typo never passes silently.

# Site name: shown in the header, as the suffix of every <title>, and in the feeds.
title = {title}
# One sentence for the home page description and the feeds. Default: empty.
description = ""
# Absolute URL the site will live at. A sub-path such as "https://example.org/analysis/"
# works. `smelt serve` serves it locally at the same path. Default: "http://127.0.0.1:1111/".
base_url = "https://example.org/"
# BCP 47 language tag for <html lang> and the feeds. Default: "en".
language = "en"
# IANA time zone for dates written without a time or offset (`date: 2026-01-27`), and for
# the date `smelt new` writes. Default: "UTC".
timezone = "UTC"
# Posts per listing page (home, tag and author pages). Default: 10.
paginate_by = 10
# Posts in the recent-news sidebar shown on every page. Default: 5.
recent_posts = 5
# Related posts (by shared tags) listed under each post. Default: 3.
related_posts = 3
# Output folder of `smelt build`, relative to this file. Default: "public".
output_dir = "public"

# Header navigation, in order (`url` is a site path or an absolute URL). Default: none.
# [[menu]]
# title = "About"
# url = "/about/"

# [markdown]
# smart_punctuation = true      # curly quotes, dashes, ellipses
# highlight = true              # highlight fenced code blocks
# heading_anchors = true        # a `#` link on every heading

# [feeds]
# atom = true
# rss = true
# json = true
"#,
        title = quoted(title)
    )
}

fn sample_post(today: &str, author: &str) -> String {
    format!(
        r#"---
title: "Welcome to Your New Analysis Site"
date: {today}
author: {author}
tags: [Meta]
highlights:
  - Every post is a Markdown file in content/posts/ with YAML front matter on top.
  - While you write, smelt serve shows the site and reloads the page on every save.
  - When you are done, smelt build writes the finished site to public/ for any static host.
citation: "smelt documentation"
---
This is a sample post. Edit it, or delete it once you have written your own: `smelt new
"Your title"` creates the next one with its front matter filled in.

The text before the marker below is the summary shown on the home page and in the feeds.

<!-- more -->

## How a post is made

The front matter between the two `---` lines holds the title, the date, the author (the id
of a file in `content/authors/`), tags, the highlights shown in a box at the top, and the
citation or `sources:` the analysis rests on. The body below it is ordinary Markdown: links,
tables, footnotes[^1] and fenced code blocks all work.

[^1]: Like this one.
"#
    )
}

fn sample_author() -> &'static str {
    r#"---
name: "Your Name"
role: "Editor"
---
A sentence or two about you. This file is `content/authors/editor.md`: its name (`editor`) is
the id posts use in `author:`, and its author page lists every post you write.
"#
}

const GITIGNORE: &str =
    "# smelt output and caches\n/public/\n/.public.smelt-cache/\n/.smelt-cache/\n";

/// Creates the site in `dir`; returns the files written.
fn init(dir: &Path, theme_copy: bool) -> Result<Vec<PathBuf>, String> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(format!("{} exists and is not a folder", dir.display()));
        }
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut found: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".git")
            .collect();
        if !found.is_empty() {
            found.sort();
            let shown: Vec<&str> = found.iter().take(5).map(String::as_str).collect();
            return Err(format!(
                "{} is not empty (it has {}{}); smelt init only creates a site in an empty or new folder",
                dir.display(),
                shown.join(", "),
                if found.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ));
        }
    }
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    let files: Vec<(PathBuf, String)> = vec![
        (dir.join("site.toml"), site_toml(&title_from(dir))),
        (
            dir.join("content/posts/welcome.md"),
            sample_post(&today, "editor"),
        ),
        (
            dir.join("content/authors/editor.md"),
            sample_author().to_string(),
        ),
        (dir.join(".gitignore"), GITIGNORE.to_string()),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        write_new(&path, &text)?;
        written.push(path);
    }
    if theme_copy {
        let dest = dir.join("themes").join(crate::theme::DEFAULT_THEME_NAME);
        let copied = crate::theme::copy_default_theme(&dest)
            .map_err(|e| format!("cannot copy the theme to {}: {e}", dest.display()))?;
        written.extend(copied);
    }
    Ok(written)
}

/// Writes a file that must not exist yet (creating its folder).
fn write_new(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_config_is_valid() {
        let c = crate::config::Config::parse(&site_toml("Quote \" and \\ title")).unwrap();
        assert_eq!(c.title, "Quote \" and \\ title");
    }

    /// Front matter text is shown as written (it is not Markdown), so the sample post's must
    /// read well as plain text: no Markdown syntax in any shown field.
    #[test]
    fn sample_post_front_matter_is_plain_text() {
        let text = sample_post("2026-01-27", "editor");
        let split = crate::front_matter::split(&text).unwrap();
        let fm = crate::front_matter::parse(
            &std::sync::Arc::from(text.as_str()),
            &split,
            crate::front_matter::DocKind::Post,
            "content/posts/welcome.md",
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(fm.highlights.len(), 3);
        let shown = [&fm.title]
            .into_iter()
            .chain(&fm.highlights)
            .chain(&fm.tags)
            .chain(fm.citation.as_ref())
            .chain(fm.summary.as_ref());
        for field in shown {
            assert!(!field.contains(['`', '*', '_', '[', '<', '#']), "{field}");
        }
    }

    #[test]
    fn titles_from_folder_names() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("midstream-notes");
        assert_eq!(title_from(&d), "Midstream Notes");
        std::fs::create_dir(&d).unwrap();
        assert_eq!(title_from(&d.join(".")), "Midstream Notes");
    }
}
