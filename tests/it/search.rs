//! The search index written by `smelt build` (files, values, determinism, opt-out, sub-path)
//! and the browser test of the theme's search box (`tests/browser/search.mjs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// Decoded postings: `(doc id, impact)`.
type Postings = Vec<(u64, u64)>;

fn json(b: &Built, rel: &str) -> Value {
    serde_json::from_str(&b.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Looks `word` up the way search.js does: the shard whose first word is the last one ≤ the
/// word (in UTF-16 order, which equals byte order for these ASCII words). Returns the decoded
/// postings `(doc id, impact)` and every word form sharing the stem.
fn lookup(b: &Built, word: &str) -> Option<(Postings, Vec<String>)> {
    let meta = json(b, "search/meta.json");
    let starts: Vec<&str> = meta["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let n = starts.iter().rposition(|s| *s <= word).unwrap_or(0);
    let shard = json(b, &format!("search/w/{n}.json"));
    let words: Vec<&str> = shard["w"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let slots: Vec<u64> = shard["s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    let k = words.iter().position(|w| *w == word)?;
    let slot = slots[k];
    let flat: Vec<u64> = shard["p"][slot as usize]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let mut doc = 0;
    let postings = flat
        .chunks(2)
        .map(|c| {
            doc += c[0];
            (doc, c[1])
        })
        .collect();
    let forms = words
        .iter()
        .zip(&slots)
        .filter(|(_, s)| **s == slot)
        .map(|(w, _)| w.to_string())
        .collect();
    Some((postings, forms))
}

/// Doc id of the post whose fragment has this URL.
fn doc_id(b: &Built, url: &str) -> u64 {
    let n = json(b, "search/meta.json")["docs"].as_u64().unwrap();
    (0..n)
        .find(|id| json(b, &format!("search/d/{id}.json"))["url"] == url)
        .unwrap_or_else(|| panic!("no fragment for {url}"))
}

#[test]
fn build_writes_meta_shards_fragments_and_filters() {
    let b = build_ok("search");
    let meta = json(&b, "search/meta.json");
    assert_eq!(meta["format"], 1);
    assert_eq!(meta["docs"], 5);
    assert_eq!(meta["shards"], serde_json::json!(["2026"]));
    assert_eq!(
        meta["tags"],
        serde_json::json!([
            ["Diplomacy", 1],
            ["Energy", 1],
            ["Export Controls", 1],
            ["Grid", 1],
            ["Semiconductors", 1],
            ["Shipping", 1],
            ["Tariffs", 1],
            ["Trade Policy", 3]
        ])
    );
    assert_eq!(
        meta["authors"],
        serde_json::json!([["Ada Kowalczyk", 2], ["Ben Osei", 4]])
    );
    assert!(
        meta["stop"]
            .as_array()
            .unwrap()
            .contains(&Value::from("the"))
    );
    assert_eq!(meta["v"].as_str().unwrap().len(), 12);

    // Oldest post is doc 0; fragments carry what a result shows.
    let frag = json(&b, "search/d/4.json");
    assert_eq!(frag["url"], "/posts/detente-and-the-metals-trade/");
    assert_eq!(frag["title"], "Détente and the Metals Trade");
    assert_eq!(frag["date"], "Mar 2, 2026");
    assert_eq!(frag["date_iso"], "2026-03-02");
    assert_eq!(
        frag["tags"],
        serde_json::json!(["Diplomacy", "Trade Policy"])
    );
    assert_eq!(frag["authors"], serde_json::json!(["Ben Osei"]));
    assert_eq!(
        frag["highlights"][0],
        "A thaw between rival capitals rarely reaches the customs desk quickly."
    );
    let text = frag["text"].as_str().unwrap();
    assert!(
        text.starts_with("Every period of détente produces a round of optimism"),
        "{text}"
    );
    assert!(
        text.contains("Why the paperwork lags Export licences"),
        "{text}"
    );
    assert!(!text.contains('<') && !text.contains('#'), "{text}");
    assert_eq!(json(&b, "search/d/0.json")["url"], "/posts/tariff-detours/");

    // Filters list doc ids as gaps: "Trade Policy" = docs 0, 1, 4; Ben = 0, 1, 2, 4.
    assert_eq!(json(&b, "search/f/t7.json"), serde_json::json!([0, 1, 3]));
    assert_eq!(
        json(&b, "search/f/a1.json"),
        serde_json::json!([0, 1, 1, 2])
    );
    let files = b.files();
    assert_eq!(
        files.iter().filter(|f| f.starts_with("search/d/")).count(),
        5
    );
    assert_eq!(
        files.iter().filter(|f| f.starts_with("search/f/")).count(),
        10
    );
    assert!(files.contains(&"search.js".to_string()), "{files:?}");
}

#[test]
fn accents_fold_and_word_forms_share_a_stem() {
    let b = build_ok("search");
    let detente = doc_id(&b, "/posts/detente-and-the-metals-trade/");
    let detours = doc_id(&b, "/posts/tariff-detours/");
    let (postings, forms) = lookup(&b, "detente").expect("detente indexed");
    assert_eq!(forms, ["detente"]);
    let ids: Vec<u64> = postings.iter().map(|p| p.0).collect();
    assert_eq!(ids, [detours, detente]);
    // Title + body beats a single body mention.
    let imp = |id| postings.iter().find(|p| p.0 == id).unwrap().1;
    assert!(imp(detente) > imp(detours) + 20, "{postings:?}");
    assert!(
        lookup(&b, "détente").is_none(),
        "accented form must not be stored"
    );

    let (_, forms) = lookup(&b, "tariffs").unwrap();
    assert_eq!(forms, ["tariff", "tariffs"]);
    let (_, forms) = lookup(&b, "licences").unwrap();
    assert_eq!(forms, ["licence", "licences"]);
    // Stop words are not indexed; author names are.
    assert!(lookup(&b, "the").is_none());
    let (postings, _) = lookup(&b, "osei").unwrap();
    assert_eq!(postings.len(), 4);
}

#[test]
fn index_bytes_are_deterministic() {
    let a = build_ok("search");
    let b = build_ok("search");
    let files: Vec<String> = a
        .files()
        .into_iter()
        .filter(|f| f.starts_with("search/"))
        .collect();
    assert_eq!(
        files,
        b.files()
            .into_iter()
            .filter(|f| f.starts_with("search/"))
            .collect::<Vec<_>>()
    );
    for f in &files {
        assert_eq!(
            std::fs::read(a.out.join(f)).unwrap(),
            std::fs::read(b.out.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn pages_load_the_script_with_the_index_location() {
    let b = build_ok("search");
    let home = b.read("index.html");
    assert!(
        home.contains(r#"<script src="/search.js" data-index="/search/" defer></script>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<input id="search-input" class="search-input" type="search" name="q""#)
    );
    assert!(home.contains(r#"id="search-results""#));
}

#[test]
fn sub_path_base_url_prefixes_result_urls_and_the_script() {
    let b = build_dir(
        &fixture("search"),
        &["--base-url", "https://example.org/analysis/"],
    );
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let post = b.read("posts/gallium-licences/index.html");
    assert!(
        post.contains(
            r#"<script src="/analysis/search.js" data-index="/analysis/search/" defer></script>"#
        ),
        "{post}"
    );
    assert_eq!(
        json(&b, "search/d/3.json")["url"],
        "/analysis/posts/gallium-licences/"
    );
}

#[test]
fn search_disabled_writes_no_index_and_no_script() {
    let site = site_copy("search");
    let toml = site.path().join("site.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[search]\nenabled = false\n");
    std::fs::write(&toml, text).unwrap();
    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 0, "{}", b.stderr());
    assert!(
        !b.files().iter().any(|f| f.starts_with("search/")),
        "{:?}",
        b.files()
    );
    let home = b.read("index.html");
    assert!(!home.contains("search.js"));
    // The no-JavaScript search form stays.
    assert!(home.contains(r#"type="search""#));
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Why the browser test cannot run here, if it cannot.
fn browser_missing() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("`node` is not on PATH".into());
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    if !chromium.exists() {
        return Some(format!(
            "no Chromium at {} (set CHROMIUM)",
            chromium.display()
        ));
    }
    if !browser_dir().join("node_modules/playwright-core").is_dir() {
        return Some("playwright-core is not installed in tests/browser".into());
    }
    None
}

#[test]
fn browser_search() {
    if let Some(why) = browser_missing() {
        let msg = format!(
            "browser test skipped: {why}. To run it: apt-get install -y chromium nodejs npm && \
             (cd tests/browser && npm ci)"
        );
        if std::env::var_os("SMELT_REQUIRE_BROWSER").is_some() {
            panic!("{msg} (SMELT_REQUIRE_BROWSER is set)");
        }
        eprintln!("{msg}");
        return;
    }
    let root = build_ok("search");
    let sub = build_dir(
        &fixture("search"),
        &["--base-url", "https://example.org/sub/"],
    );
    assert_eq!(sub.code(), 0, "{}", sub.stderr());
    let out = Command::new("node")
        .arg(browser_dir().join("search.mjs"))
        .arg(&root.out)
        .arg("/")
        .arg(&sub.out)
        .arg("/sub/")
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("20 passed, 0 failed"), "{stdout}\n{stderr}");
}
