//! Index stage: [`Parsed`] → [`Site`]: posts sorted newest first (ties by slug, then source
//! path — independent of file-system order), tags merged by slug, authors resolved (file
//! authors and inline `{name, bio}` authors), the recent-news list, related posts, and every
//! output path checked for collisions.
//!
//! Fails with: an unknown author id (nearest id suggested), two sources claiming one URL
//! (both named), an alias that is not a safe site path.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Diagnostics};
use crate::model::{Author, AuthorRef, Page, Post, Site, StaticFile, Term};
use crate::pipeline::parse::{Parsed, expand_permalink, inline_author};
use crate::slug::slugify_or;

/// Runs the index stage.
pub fn index(
    config: Arc<Config>,
    parsed: Parsed,
    static_files: Vec<StaticFile>,
) -> (Site, Diagnostics) {
    let mut diags = Diagnostics::new();
    let Parsed {
        mut posts,
        mut pages,
        authors: file_authors,
        failed_authors,
        ..
    } = parsed;

    posts.sort_by(|a, b| {
        b.date
            .timestamp()
            .cmp(&a.date.timestamp())
            .then_with(|| a.slug.cmp(&b.slug))
            .then_with(|| a.source.cmp(&b.source))
    });
    pages.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.source.cmp(&b.source)));

    let authors = resolve_authors(
        &config,
        &mut posts,
        file_authors,
        &failed_authors,
        &mut diags,
    );
    let tags = collect_tags(&config, &mut posts, &mut diags);
    let contested = check_paths(&config, &posts, &pages, &tags, &authors, &mut diags);
    resolve_images(&config, &mut posts, &mut pages, &static_files, &mut diags);

    let mut author_posts = vec![Vec::new(); authors.len()];
    for (i, p) in posts.iter().enumerate() {
        for &a in &p.authors {
            author_posts[a].push(i);
        }
    }
    let recent = (0..posts.len().min(config.recent_posts)).collect();
    let related = related_posts(&posts, &tags, config.related_posts);
    let site = Site {
        config,
        posts,
        pages,
        authors,
        author_posts,
        tags,
        recent,
        related,
        static_files,
        contested,
    };
    (site, diags)
}

/// Links posts to authors. File authors come first (by id); inline authors are merged by the
/// slug of their name, and an inline author whose slug equals a file author's id is that author.
/// An id whose file failed to parse (`failed`) is left out without a second error.
fn resolve_authors(
    config: &Config,
    posts: &mut [Post],
    file_authors: Vec<Author>,
    failed: &HashSet<String>,
    diags: &mut Diagnostics,
) -> Vec<Author> {
    let mut authors: Vec<Author> = file_authors;
    authors.sort_by(|a, b| a.id.cmp(&b.id));
    let file_ids: Vec<String> = authors.iter().map(|a| a.id.clone()).collect();
    let mut by_id: HashMap<String, usize> = authors
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    // Also accept file authors by the slug of their id (e.g. `Daniel` → `daniel`).
    let by_slug: HashMap<String, usize> = authors
        .iter()
        .enumerate()
        .map(|(i, a)| (slugify_or(&a.id, "author"), i))
        .collect();
    for post in posts.iter_mut() {
        let mut ids = Vec::new();
        for r in &post.author_refs {
            let idx = match r {
                AuthorRef::Id(id) => match by_id.get(id).or_else(|| by_slug.get(id)) {
                    Some(&i) => i,
                    // The author's file is there but did not parse: reported on its own.
                    None if failed.contains(id) => continue,
                    None => {
                        let (line, col) = post.key_at("author");
                        let help = match crate::suggest::nearest(
                            id,
                            file_ids.iter().map(String::as_str),
                        ) {
                            Some(n) => format!(
                                "did you mean `{n}`? Authors are the files in content/authors/"
                            ),
                            None if file_ids.is_empty() => format!(
                                "create content/authors/{id}.md with `name:` in its front matter, or write the author inline: author: {{name: \"…\", bio: \"…\"}}"
                            ),
                            None => format!("known authors: {}", file_ids.join(", ")),
                        };
                        diags.push(
                            Diagnostic::error("unknown-author", format!("unknown author `{id}`"))
                                .at_path(&post.source)
                                .at(line, col)
                                .with_help(help)
                                .with_source(post.text.clone()),
                        );
                        continue;
                    }
                },
                AuthorRef::Inline(a) => {
                    let slug = slugify_or(&a.name, "author");
                    match by_id.get(&slug).or_else(|| by_slug.get(&slug)) {
                        Some(&i) => {
                            // First inline bio wins for inline-only authors.
                            let au = &mut authors[i];
                            if au.source.is_none() && au.bio_text.is_empty() && a.bio.is_some() {
                                *au = inline_author(a, config);
                            }
                            i
                        }
                        None => {
                            authors.push(inline_author(a, config));
                            let i = authors.len() - 1;
                            by_id.insert(slug, i);
                            i
                        }
                    }
                }
            };
            if !ids.contains(&idx) {
                ids.push(idx);
            }
        }
        post.authors = ids;
    }
    // Keep authors ordered by id; remap post indexes.
    let mut order: Vec<usize> = (0..authors.len()).collect();
    order.sort_by(|&a, &b| authors[a].id.cmp(&authors[b].id));
    let mut remap = vec![0; authors.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new;
    }
    for post in posts.iter_mut() {
        for a in &mut post.authors {
            *a = remap[*a];
        }
    }
    let mut sorted: Vec<Option<Author>> = authors.into_iter().map(Some).collect();
    let authors: Vec<Author> = order.iter().filter_map(|&i| sorted[i].take()).collect();
    authors
}

/// Merges tags by slug: `Rust`, `rust` and `rust ` are one tag. The display name is the first
/// spelling in post order (newest post first). Two spellings that differ beyond case and
/// spacing but share a URL (e.g. `R&D` and `R and D`) are merged with one warning per
/// spelling (at its first use), naming both.
fn collect_tags(config: &Config, posts: &mut [Post], diags: &mut Diagnostics) -> Vec<Term> {
    let mut terms: BTreeMap<String, Term> = BTreeMap::new();
    let mut first_seen: HashMap<String, (String, String)> = HashMap::new();
    let mut warned: std::collections::HashSet<(String, String)> = Default::default();
    for (i, post) in posts.iter().enumerate() {
        for (k, tag) in post.tags.iter().enumerate() {
            let slug = slugify_or(tag, "tag");
            let norm = tag.to_lowercase();
            match first_seen.get(&slug) {
                Some((seen, seen_in))
                    if *seen != norm && warned.insert((slug.clone(), norm.clone())) =>
                {
                    // At the tag's own list item when the layout gives one per tag.
                    let (line, col) = match post.tag_pos.get(k) {
                        Some(&at) if post.tag_pos.len() == post.tags.len() => at,
                        _ => post.key_at("tags"),
                    };
                    diags.push(
                        Diagnostic::warning(
                            "tag-collision",
                            format!(
                                "tag `{tag}` and tag `{}` (in {seen_in}) share the URL {}; they are merged",
                                terms[&slug].name,
                                expand_permalink(&config.permalinks.tags, &slug, None)
                            ),
                        )
                        .at_path(&post.source)
                        .at(line, col)
                        .with_help("use one spelling for both"),
                    );
                }
                Some(_) => {}
                None => {
                    first_seen.insert(slug.clone(), (norm, post.source.clone()));
                }
            }
            let term = terms.entry(slug.clone()).or_insert_with(|| Term {
                name: tag.clone(),
                path: expand_permalink(&config.permalinks.tags, &slug, None),
                slug: slug.clone(),
                posts: Vec::new(),
            });
            if term.posts.last() != Some(&i) {
                term.posts.push(i);
            }
        }
    }
    let tags: Vec<Term> = terms.into_values().collect();
    let index: HashMap<&str, usize> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.slug.as_str(), i))
        .collect();
    for post in posts.iter_mut() {
        let mut ids: Vec<usize> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for tag in &post.tags {
            let id = index[slugify_or(tag, "tag").as_str()];
            if !ids.contains(&id) {
                ids.push(id);
                names.push(tag.clone());
            }
        }
        post.tag_ids = ids;
        post.tags = names;
    }
    tags
}

/// Fails on any two things that would be written to the same URL, naming both. Returns the
/// contested site paths, lower-cased.
fn check_paths(
    config: &Config,
    posts: &[Post],
    pages: &[crate::model::Page],
    tags: &[Term],
    authors: &[Author],
    diags: &mut Diagnostics,
) -> HashSet<String> {
    // Every claim on a site path, in order: (path, who, where it is written).
    let mut claims: Vec<Claim> = Vec::new();
    let mut claim = |path: String, who: String, at: Option<(&str, usize, usize)>| {
        claims.push((path, who, at.map(|(src, l, c)| (src.to_string(), l, c))));
    };
    // The listing indexes move with their permalink patterns: a clash is located there.
    let setting = |key: &str| {
        config
            .positions
            .get(key)
            .map(|&(l, c)| (crate::config::CONFIG_FILE, l, c))
    };
    for (path, who, at) in [
        ("/".to_string(), "the home page", None),
        (
            index_path(&config.permalinks.tags),
            "the tag index",
            setting("permalinks.tags"),
        ),
        (
            index_path(&config.permalinks.authors),
            "the author index",
            setting("permalinks.authors"),
        ),
        ("/404.html".to_string(), "the 404 page", None),
    ] {
        claim(path, who.to_string(), at);
    }
    for p in posts {
        let (l, c) = p.key_at("slug");
        claim(p.path.clone(), p.source.clone(), Some((&p.source, l, c)));
    }
    for p in pages {
        let (l, c) = p.key_pos.get("slug").copied().unwrap_or((1, 1));
        claim(p.path.clone(), p.source.clone(), Some((&p.source, l, c)));
    }
    for t in tags {
        claim(
            t.path.clone(),
            format!("the page of tag `{}`", t.name),
            None,
        );
    }
    for a in authors {
        let who = match &a.source {
            Some(s) => format!("the author page of {s}"),
            None => format!("the author page of `{}`", a.name),
        };
        claim(a.path.clone(), who, None);
    }
    let n_pages = posts.len().div_ceil(config.paginate_by.max(1));
    for n in 2..=n_pages {
        claim(format!("/page/{n}/"), format!("home page {n}"), None);
    }
    // Aliases: safe site paths that do not shadow real pages.
    let mut alias_claims: Vec<(String, String, &str, usize, usize)> = Vec::new();
    for (source, own, aliases, alias_pos, text) in posts
        .iter()
        .map(|p| (&p.source, &p.path, &p.aliases, &p.alias_pos, &p.text))
        .chain(
            pages
                .iter()
                .map(|p| (&p.source, &p.path, &p.aliases, &p.alias_pos, &p.text)),
        )
    {
        for (i, alias) in aliases.iter().enumerate() {
            // Each alias at its own list entry.
            let pos = alias_pos.get(i).copied().unwrap_or((1, 1));
            match normalize_alias(alias) {
                Ok(path) if path.eq_ignore_ascii_case(own) => diags.push(
                    Diagnostic::error(
                        "alias",
                        format!("alias {alias:?} is this page's own URL {own}"),
                    )
                    .at_path(source)
                    .at(pos.0, pos.1)
                    .with_help("remove it: an alias redirects an old URL to this page, and a page needs no redirect to itself")
                    .with_source(text.clone()),
                ),
                Ok(path) => {
                    if let Some(cut) = alias.trim().find(['?', '#']) {
                        diags.push(
                            Diagnostic::warning(
                                "alias-query",
                                format!(
                                    "alias {alias:?} redirects {path} whatever its query or fragment: `{}` is dropped",
                                    &alias.trim()[cut..]
                                ),
                            )
                            .at_path(source)
                            .at(pos.0, pos.1)
                            .with_help("a static host serves a page by its path alone, so one redirect page answers every query and fragment; write the path alone")
                            .with_source(text.clone()),
                        );
                    }
                    alias_claims.push((
                        path,
                    format!("the alias {alias:?} of {source}"),
                    source,
                        pos.0,
                        pos.1,
                    ));
                }
                Err(why) => diags.push(
                    Diagnostic::error("alias", format!("alias {alias:?} {why}"))
                        .at_path(source)
                        .at(pos.0, pos.1)
                        .with_help(
                            "an alias is an old site path such as /2019/05/old-title/ or /old.html",
                        )
                        .with_source(text.clone()),
                ),
            }
        }
    }
    for (path, who, src, l, c) in alias_claims {
        claim(path, who, Some((src, l, c)));
    }
    duplicate_paths(claims, diags)
}

/// A claim on a site path: (path, who claims it, where that is written: file, line, column).
type Claim = (String, String, Option<(String, usize, usize)>);

/// One `duplicate-permalink` error per site path claimed more than once (paths that differ
/// only in letter case are one path), naming every claimant. It is located at the last claimant written in a file, which is named
/// first: `3 sources want the URL /posts/same/: content/posts/c.md; content/posts/a.md;
/// content/posts/b.md`. Returns the contested site paths, lower-cased.
fn duplicate_paths(claims: Vec<Claim>, diags: &mut Diagnostics) -> HashSet<String> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (i, (path, _, _)) in claims.iter().enumerate() {
        let key = path.to_lowercase();
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(i);
    }
    let mut contested = HashSet::new();
    for key in order {
        let group = &groups[&key];
        if group.len() < 2 {
            continue;
        }
        let primary = group
            .iter()
            .rev()
            .copied()
            .find(|&i| claims[i].2.is_some())
            .unwrap_or(group[group.len() - 1]);
        let (path, who, at) = &claims[primary];
        let mut names: Vec<&str> = vec![who];
        names.extend(
            group
                .iter()
                .filter(|&&i| i != primary)
                .map(|&i| claims[i].1.as_str()),
        );
        // Names can hold commas and "and" (`the alias "/a/" of content/posts/b.md`): three or
        // more are listed after a colon, one per `;`.
        let message = match names.as_slice() {
            [one, two] => format!("{one} and {two} both want the URL {path}"),
            _ => format!(
                "{} sources want the URL {path}: {}",
                names.len(),
                names.join("; ")
            ),
        };
        let mut d = Diagnostic::error("duplicate-permalink", message)
        .with_help("keep one: give the others a different `slug:` in their front matter, or remove the alias (URLs that differ only in letter case collide on case-insensitive file systems)");
        if let Some((src, l, c)) = at {
            d = d.at_path(src).at(*l, *c);
        }
        diags.push(d);
        contested.insert(key);
    }
    contested
}

/// The site path of the index page of a listing pattern: the part before `{slug}`
/// (`/tags/{slug}/` → `/tags/`, `/{slug}/` → `/`).
pub fn index_path(pattern: &str) -> String {
    pattern.split("{slug}").next().unwrap_or("/").to_string()
}

/// Characters of a path segment written percent-encoded in an alias's site path (with
/// everything outside ASCII): what a URL path cannot hold as is.
const ALIAS_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Turns an alias into a safe site path, percent-encoded one way whatever way it was written
/// (`/old post/` and `/old%20post/` are both `/old%20post/`; the redirect page's folder is
/// `old post/`, which a host serves for either request). A query or fragment is dropped
/// (static hosts serve a path whatever its query). Refused: a URL; backslashes, control
/// characters; `.`/`..`/empty-only paths, hidden segments, over-long segments, a percent
/// encoding that is not UTF-8 or that hides `/`, `\` or NUL; the characters a URL path must
/// percent-encode written as is (`"`, `<`, `>`, backtick, `{`, `}`), or encoded, which would
/// become folder names that carry markup; names Windows cannot hold. A path without a file
/// extension gets a trailing `/`.
pub fn normalize_alias(alias: &str) -> Result<String, &'static str> {
    let a = alias.trim();
    if crate::config::is_absolute_url(a) {
        return Err("must be a site path, not a URL");
    }
    if a.contains('\\') || a.chars().any(char::is_control) {
        return Err("contains a backslash or control character");
    }
    if a.contains(['"', '<', '>', '`', '{', '}']) {
        return Err("contains a character that URLs must percent-encode (\", <, >, `, {, })");
    }
    let a = a.split(['?', '#']).next().unwrap_or("");
    let mut segments: Vec<String> = Vec::new();
    for raw in a.split('/').filter(|s| !s.is_empty()) {
        let s = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| "contains a percent-encoded byte sequence that is not UTF-8")?;
        if s.contains(['/', '\\', '\0'])
            || s.chars().any(char::is_control)
            || (s != raw && (s == "." || s == ".."))
        {
            return Err(
                "contains a percent-encoded `.`/`..` segment, `/`, backslash, NUL or control character",
            );
        }
        if s.contains(['"', '<', '>', '`', '{', '}']) {
            return Err("contains a percent-encoded \", <, >, `, { or }");
        }
        if s == "." || s == ".." || s.len() > 200 {
            return Err("contains a `.` or `..` segment, or an over-long segment");
        }
        if s.starts_with('.') {
            return Err(
                "has a hidden segment (starting with `.`); files such as .git/ are never written",
            );
        }
        if s.contains([':', '*', '|', '?']) {
            return Err("contains `:`, `*`, `|` or `?`, which file names on Windows cannot hold");
        }
        if s.ends_with([' ', '.']) {
            return Err("has a segment ending in a space or `.`, which Windows drops from names");
        }
        if crate::slug::is_windows_device_name(&s) {
            return Err(
                "names a Windows device (CON, NUL, COM1, LPT1…), which cannot be a file or folder on Windows",
            );
        }
        segments.push(s.into_owned());
    }
    let Some(last) = segments.last() else {
        return Err("is empty or the site root");
    };
    // `/docs/v1.2/` is a folder, as written; `/old.html` a file.
    let file = last.contains('.') && !a.ends_with('/');
    let mut path = String::new();
    for s in &segments {
        path.push('/');
        path.extend(percent_encoding::utf8_percent_encode(s, ALIAS_SEGMENT));
    }
    if !file {
        path.push('/');
    }
    Ok(path)
}

/// For each post, up to `k` other posts sharing the most tags (ties: newer first, then slug).
fn related_posts(posts: &[Post], tags: &[Term], k: usize) -> Vec<Vec<usize>> {
    let post_tags: Vec<&[usize]> = posts.iter().map(|p| p.tag_ids.as_slice()).collect();
    let tag_posts: Vec<&[usize]> = tags.iter().map(|t| t.posts.as_slice()).collect();
    related_by_tags(&post_tags, &tag_posts, k)
}

/// [`related_posts`] on the bare lists: each post's tag ids, and each tag's post indices.
fn related_by_tags(post_tags: &[&[usize]], tag_posts: &[&[usize]], k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new(); post_tags.len()];
    }
    post_tags
        .par_iter()
        .enumerate()
        .map_init(
            || (vec![0u16; post_tags.len()], Vec::<usize>::new()),
            |(counts, touched), (i, tag_ids)| {
                for &t in *tag_ids {
                    for &j in tag_posts[t] {
                        if j != i {
                            if counts[j] == 0 {
                                touched.push(j);
                            }
                            counts[j] = counts[j].saturating_add(1);
                        }
                    }
                }
                // Posts are sorted newest first, so index order is the date tie-break. The best
                // `k` are kept in order while the counts are read (and reset) in one pass:
                // thousands of posts can share a popular tag, and only a handful are kept.
                let better =
                    |a: (u16, usize), b: (u16, usize)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
                // `k` comes from site.toml and may be huge: reserve for what can be kept.
                let mut best: Vec<(u16, usize)> = Vec::with_capacity(k.min(touched.len()) + 1);
                for &j in touched.iter() {
                    let cand = (counts[j], j);
                    counts[j] = 0;
                    if best.len() == k && !better(cand, best[k - 1]) {
                        continue;
                    }
                    let at = best.partition_point(|&b| better(b, cand));
                    best.insert(at, cand);
                    best.truncate(k);
                }
                touched.clear();
                best.iter().map(|&(_, j)| j).collect()
            },
        )
        .collect()
}

/// Social-card images (`image:` in front matter, `image` in site.toml): a relative value is
/// resolved against the page's permalink, as a browser resolves it in the page (so
/// `image: chart.png` in a bundle `content/posts/x/index.md` is `/posts/x/chart.png`); a site
/// path that no static file or bundle asset provides is a `missing-image` warning at the key.
/// Absolute URLs are left to `check --external`.
fn resolve_images(
    config: &Config,
    posts: &mut [Post],
    pages: &mut [Page],
    static_files: &[StaticFile],
    diags: &mut Diagnostics,
) {
    let mut files: HashSet<String> = static_files.iter().map(|f| format!("/{}", f.to)).collect();
    for p in posts.iter() {
        for a in &p.assets {
            files.insert(format!("{}{}", p.path, a.name));
        }
    }
    let resolve = |base: &str, v: &str| -> String {
        if crate::config::is_absolute_url(v) || v.starts_with('/') {
            v.to_string()
        } else {
            format!("{base}{}", v.trim_start_matches("./"))
        }
    };
    let missing = |v: &str| {
        !crate::config::is_absolute_url(v) && v.starts_with('/') && {
            let path = v.split(['?', '#']).next().unwrap_or(v);
            !files.contains(path)
        }
    };
    let warn = |value: &str, resolved: &str, source: &str, (l, c): (usize, usize)| {
        Diagnostic::warning(
            "missing-image",
            format!("image `{value}` does not resolve: the site has no {resolved}"),
        )
        .at_path(source)
        .at(l, c)
        .with_help("put the file under static/ (served from the site root), or beside the post in a bundle folder (content/posts/<slug>/index.md) and name it relative to the post")
    };
    for p in posts.iter_mut() {
        if let Some(v) = p.image.take() {
            let r = resolve(&p.path, &v);
            if missing(&r) {
                diags.push(warn(&v, &r, &p.source, p.key_at("image")));
            }
            p.image = Some(r);
        }
    }
    for p in pages.iter_mut() {
        if let Some(v) = p.image.take() {
            let r = resolve(&p.path, &v);
            if missing(&r) {
                let at = p.key_pos.get("image").copied().unwrap_or((1, 1));
                diags.push(warn(&v, &r, &p.source, at));
            }
            p.image = Some(r);
        }
    }
    if let Some(v) = &config.image {
        let r = resolve("/", v);
        if missing(&r) {
            diags.push(
                Diagnostic::warning(
                    "missing-image",
                    format!("site `image` `{v}` does not resolve: the site has no {r}"),
                )
                .at_path(crate::config::CONFIG_FILE)
                .with_help("put the file under static/, or set `image` to a path the site has"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Related posts as documented: every other post with a shared tag, by shared tags
    /// (most first), then index; the first `k`.
    fn related_reference(post_tags: &[Vec<usize>], k: usize) -> Vec<Vec<usize>> {
        (0..post_tags.len())
            .map(|i| {
                let mut c: Vec<(usize, usize)> = (0..post_tags.len())
                    .filter(|&j| j != i)
                    .map(|j| {
                        let shared = post_tags[i]
                            .iter()
                            .filter(|t| post_tags[j].contains(t))
                            .count();
                        (shared, j)
                    })
                    .filter(|&(n, _)| n > 0)
                    .collect();
                c.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                c.into_iter().take(k).map(|(_, j)| j).collect()
            })
            .collect()
    }

    #[test]
    fn a_huge_related_posts_setting_keeps_every_candidate() {
        let post_tags: Vec<Vec<usize>> = vec![vec![0], vec![0, 1], vec![1], vec![]];
        let tag_posts: Vec<&[usize]> = vec![&[0, 1], &[1, 2]];
        let pt: Vec<&[usize]> = post_tags.iter().map(Vec::as_slice).collect();
        let all = related_by_tags(&pt, &tag_posts, usize::MAX);
        assert_eq!(all, [vec![1], vec![0, 2], vec![1], vec![]]);
        assert_eq!(all, related_reference(&post_tags, usize::MAX));
    }

    proptest::proptest! {
        #[test]
        fn related_posts_are_the_most_shared_tags_then_newest(
            posts in proptest::collection::vec(
                proptest::collection::btree_set(0usize..6, 0..4), 0..24),
            k in 0usize..5,
        ) {
            let post_tags: Vec<Vec<usize>> =
                posts.iter().map(|s| s.iter().copied().collect()).collect();
            let mut tag_posts = vec![Vec::new(); 6];
            for (i, ts) in post_tags.iter().enumerate() {
                for &t in ts {
                    tag_posts[t].push(i);
                }
            }
            let pt: Vec<&[usize]> = post_tags.iter().map(Vec::as_slice).collect();
            let tp: Vec<&[usize]> = tag_posts.iter().map(Vec::as_slice).collect();
            proptest::prop_assert_eq!(related_by_tags(&pt, &tp, k), related_reference(&post_tags, k));
        }
    }

    #[test]
    fn aliases_are_made_safe_or_refused() {
        assert_eq!(normalize_alias("/old/url").unwrap(), "/old/url/");
        assert_eq!(normalize_alias("old.html").unwrap(), "/old.html");
        assert!(normalize_alias("/../etc/passwd").is_err());
        assert!(normalize_alias("https://evil.org/").is_err());
        assert!(normalize_alias("/a\\b").is_err());
        assert!(normalize_alias("/").is_err());
        assert!(normalize_alias("/old/\"><script>alert(1)</script>/").is_err());
        assert!(normalize_alias("/a{b}/").is_err());
        for bad in [
            "/%2e%2e/x/",
            "/a/%2E/",
            "/a%2Fb/",
            "/.git/config",
            "/con/",
            "/LPT1.txt",
            "/a:b/",
        ] {
            assert!(normalize_alias(bad).is_err(), "{bad}");
        }
        // One spelling whichever way it was written: encoded where a URL path must be.
        for written in [
            "/2019/05/old post/",
            "/2019/05/old%20post",
            "/2019/05/old%20post/?p=1",
        ] {
            assert_eq!(normalize_alias(written).unwrap(), "/2019/05/old%20post/");
        }
        assert_eq!(normalize_alias("/café/").unwrap(), "/caf%C3%A9/");
        assert_eq!(normalize_alias("/caf%c3%a9/").unwrap(), "/caf%C3%A9/");
        assert_eq!(normalize_alias("/docs/v1.2/").unwrap(), "/docs/v1.2/");
        assert_eq!(normalize_alias("/docs/v1.2").unwrap(), "/docs/v1.2");
        for bad in [
            "/%FF/",
            "/a%3Cb%3E/",
            "/%0A/",
            "/q%3Fmark/",
            "/tr%20/",
            "/dot./",
        ] {
            assert!(normalize_alias(bad).is_err(), "{bad}");
        }
    }
}
