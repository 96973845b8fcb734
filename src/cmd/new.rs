//! `smelt new "Title" [--author ID] [--tags a,b] [--draft]`: writes
//! `content/posts/<slug>.md` with a complete front matter skeleton — the title, today's date
//! in the site's time zone, the author, the tags, an empty highlights list and a commented
//! citation, each key with a comment saying what it holds, plus the draft flag — and prints its
//! path. The highlights and citation are left for the writer: `smelt check` warns until they
//! are written, so nothing placeholder-like is ever published.
//!
//! Refuses to overwrite an existing post (or a post folder of that slug), a slug whose URL
//! another source already has (a post's or page's `slug:`, an alias, a tag or author page),
//! and an author id with no file in `content/authors/`. Tags are cleaned like front matter tags
//! and spellings the site would merge into one tag (`A` and `a`) are written once, first
//! spelling kept; a tag the site already has is written in the site's spelling (`--tags
//! "rare earths"` on a site with `Rare Earths` writes `Rare Earths`, so the new post does not
//! rename the tag's page).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::NewArgs;
use crate::config::Config;
use crate::pipeline::parse;

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
        Ok((path, notes)) => {
            let shown = path.strip_prefix(".").unwrap_or(&path);
            crate::outln!("{}", shown.display());
            for n in notes {
                crate::errln!("note: {n}");
            }
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

/// The front matter and body of a new post: every key a post has, each with a comment a
/// writer can follow. `highlights` is an empty list and `citation` a comment, so `smelt check`
/// keeps warning until the writer fills them in; `date` is `YYYY-MM-DD`; tags are written as
/// given (see [`clean_tags`]).
pub fn post_text(
    title: &str,
    date: &str,
    author: Option<&str>,
    tags: &[String],
    draft: bool,
) -> String {
    let mut s = String::from("---\n");
    s.push_str(&format!("title: {}\n", quoted(title)));
    s.push_str(
        "# Publication date: YYYY-MM-DD, or with a time and offset (2026-01-27T09:30:00+01:00).\n",
    );
    s.push_str(&format!("date: {date}\n"));
    match author {
        Some(a) => {
            s.push_str("# The id of a file in content/authors/ (a list for several authors).\n");
            s.push_str(&format!("author: {}\n", quoted(a)));
        }
        None => s.push_str("# author: the id of a file in content/authors/ (a list for several)\n"),
    }
    s.push_str("# Topics, each with a page of its own: tags: [Trade, Rare Earths]\n");
    let tags: Vec<String> = tags.iter().map(|t| quoted(t)).collect();
    s.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    s.push_str(concat!(
        "# Two to five one-sentence points for the Highlights box, one per line:\n",
        "#   highlights:\n",
        "#     - The first point.\n",
        "#     - The second point.\n",
        "# `smelt check` warns while the list is empty.\n",
    ));
    s.push_str("highlights: []\n");
    s.push_str(concat!(
        "# What the analysis rests on, one line (`smelt check` warns while there is none):\n",
        "# citation: \"Publication, Jan. 26, 2026\"\n",
        "# or a list of sources:\n",
        "# sources:\n",
        "#   - {title: \"…\", publisher: \"…\", url: \"https://…\", date: 2026-01-26}\n",
        "# Optional: summary (plain text for listings and feeds), updated (a date), image (the\n",
        "# social card), slug (the URL's last part), aliases (old URLs), draft: true.\n",
    ));
    if draft {
        s.push_str(
            "# A draft is left out of the site (`smelt serve --drafts` shows it); delete this line to publish.\n",
        );
        s.push_str("draft: true\n");
    }
    s.push_str("---\n\n<!-- Write the analysis here. The first paragraph (or the text before a \"more\" marker) is the summary. -->\n");
    s
}

/// `--tags` values as front matter tags: trimmed, inner whitespace collapsed, empty ones
/// dropped, and a tag whose URL an earlier one already has (`a` after `A`, `R and D` after
/// `R&D`) left out — the site would show them as one tag. Returns the tags kept and the ones
/// left out that differ from a kept one by more than letter case, as (left out, kept).
pub fn clean_tags(raw: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut merged = Vec::new();
    for t in raw {
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            continue;
        }
        let slug = crate::slug::slugify_or(&t, "tag");
        match kept.iter().find(|(s, _)| *s == slug) {
            Some((_, first)) if first.to_lowercase() != t.to_lowercase() => {
                merged.push((t, first.clone()));
            }
            Some(_) => {}
            None => kept.push((slug, t)),
        }
    }
    (kept.into_iter().map(|(_, t)| t).collect(), merged)
}

/// The front matter of every content file (drafts and scheduled posts included), with its
/// source path. Files whose front matter does not parse are skipped (`smelt check` reports
/// them).
fn scan_site(root: &Path, config: &Config) -> Result<Vec<(String, parse::Head)>, String> {
    use crate::pipeline::load;
    use rayon::prelude::*;

    let theme = crate::theme::Theme::resolve(root, &config.theme).map_err(|d| d.message)?;
    let loaded = load::load(root, &theme);
    let tz = config.time_zone();
    let publish = parse::Publish {
        drafts: true,
        future: true,
        now: jiff::Timestamp::now(),
    };
    Ok(loaded
        .files
        .par_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let h = parse::first_pass(i, f, config, &tz, publish).ok()??;
            Some((f.source.clone(), h))
        })
        .collect())
}

/// What already has the site path `path` (compared without letter case, as the build does):
/// the home page, 404 page, tag or author index, or of the scanned files (see [`scan_site`])
/// a post, page or author page, the alias of one, or a tag page.
fn url_owner(config: &Config, heads: &[(String, parse::Head)], path: &str) -> Option<String> {
    use crate::pipeline::index;

    let want = path.to_lowercase();
    let fixed = [
        ("/".to_string(), "the home page".to_string()),
        ("/404.html".to_string(), "the 404 page".to_string()),
        (
            index::index_path(&config.permalinks.tags),
            "the tag index".to_string(),
        ),
        (
            index::index_path(&config.permalinks.authors),
            "the author index".to_string(),
        ),
    ];
    if let Some((_, who)) = fixed.iter().find(|(p, _)| p.to_lowercase() == want) {
        return Some(who.clone());
    }
    heads.iter().find_map(|(source, h)| {
        if h.path.to_lowercase() == want {
            return Some(source.clone());
        }
        if let Some(alias) =
            h.fm.aliases
                .iter()
                .find(|a| index::normalize_alias(a).is_ok_and(|p| p.to_lowercase() == want))
        {
            return Some(format!("the alias {alias:?} of {source}"));
        }
        h.fm.tags.iter().find_map(|t| {
            let slug = crate::slug::slugify_or(t, "tag");
            let tag_path = parse::expand_permalink(&config.permalinks.tags, &slug, None);
            (tag_path.to_lowercase() == want).then(|| format!("the page of tag `{t}`"))
        })
    })
}

/// The spelling the site shows for each tag, by tag slug: as the build names a tag after its
/// newest published post, the spelling of the newest post that is neither a draft nor
/// scheduled (else of the newest post at all). A new post written with another spelling
/// would become the newest and rename the tag on every page.
fn tag_spellings(heads: &[(String, parse::Head)]) -> HashMap<String, String> {
    let mut best: HashMap<String, ((bool, Option<jiff::Timestamp>), String)> = HashMap::new();
    for (_, h) in heads {
        let rank = (
            !h.fm.draft && !h.scheduled,
            h.fm.date.as_ref().map(jiff::Zoned::timestamp),
        );
        for t in &h.fm.tags {
            let slug = crate::slug::slugify_or(t, "tag");
            match best.get(&slug) {
                Some((r, _)) if *r >= rank => {}
                _ => {
                    best.insert(slug, (rank, t.clone()));
                }
            }
        }
    }
    best.into_iter().map(|(slug, (_, t))| (slug, t)).collect()
}

/// Writes the new post; returns its path and notes for the writer (a title that is a Windows
/// device name, tags written once), or why nothing was written.
fn create(root: &Path, config: &Config, args: &NewArgs) -> Result<(PathBuf, Vec<String>), String> {
    let title = args.title.trim();
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    // The file name and slug: from --slug when given, else from the title.
    let (from, what) = match &args.slug {
        Some(written) => (written.as_str(), format!("--slug {written:?}")),
        None => (title, format!("the title {title:?}")),
    };
    let slug = crate::slug::slugify(from);
    if slug.is_empty() {
        return Err(format!(
            "cannot make a file name from {what}; {} letters or digits, e.g. --slug copper-q3",
            if args.slug.is_some() {
                "use"
            } else {
                "give one with --slug that has"
            }
        ));
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
    let (tags, merged) = clean_tags(&args.tags);
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
        if other.exists() {
            return Err(format!(
                "{} already exists; pick another title (or --slug), or edit that post",
                other.display()
            ));
        }
    }
    let now = jiff::Zoned::now().with_time_zone(config.time_zone());
    let url = parse::expand_permalink(&config.permalinks.posts, &slug, Some(&now));
    let heads = scan_site(root, config)?;
    if let Some(owner) = url_owner(config, &heads, &url) {
        return Err(format!(
            "the URL {url} of a post titled {title:?} is already taken by {owner}; pick another title (or --slug), or edit that post"
        ));
    }
    let mut notes = Vec::new();
    let device = crate::slug::change(args.slug.as_deref().unwrap_or(title), &slug);
    if let Some(written) = &args.slug
        && *written != slug
        && !matches!(device, Some(crate::slug::SlugChange::DeviceName(_)))
    {
        notes.push(format!("--slug {written:?} written as `{slug}`"));
    }
    if let Some(crate::slug::SlugChange::DeviceName(d)) = device {
        notes.push(format!(
            "`{d}` is a Windows device name, which cannot be a file or folder name on Windows, so the post's file and URL use `{slug}`"
        ));
    }
    // The spelling each tag is written in: the site's when it has the tag.
    let spellings = tag_spellings(&heads);
    let written = |t: &str| -> String {
        spellings
            .get(&crate::slug::slugify_or(t, "tag"))
            .cloned()
            .unwrap_or_else(|| t.to_string())
    };
    for (dropped, kept) in &merged {
        let kept = written(kept);
        notes.push(format!(
            "tag `{dropped}` has the same URL as tag `{kept}`: written once, as `{kept}`"
        ));
    }
    let tags: Vec<String> = tags
        .into_iter()
        .map(|t| {
            let site = written(&t);
            if site != t {
                notes.push(format!(
                    "tag `{t}` written as `{site}`, the spelling the site already uses for it"
                ));
            }
            site
        })
        .collect();
    let today = now.date().to_string();
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
                    "{} already exists; pick another title (or --slug), or edit that post",
                    path.display()
                )
            }
            _ => format!("cannot create {}: {e}", path.display()),
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((path, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_once_by_url() {
        let raw: Vec<String> = [
            "", " ", "A", "a", " B ", "C#", "c++", "R&D", "R and D", "x  y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (tags, merged) = clean_tags(&raw);
        assert_eq!(tags, ["A", "B", "C#", "c++", "R&D", "x y"]);
        assert_eq!(merged, [("R and D".to_string(), "R&D".to_string())]);
    }

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
