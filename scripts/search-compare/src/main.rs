//! Indexes the post pages (`posts/**/index.html`) of a built smelt site with Pagefind's Rust
//! API and writes the bundle: `search-compare SITE_OUTPUT_DIR BUNDLE_DIR`. Prints the time
//! spent reading, adding pages and building the index, and the bundle's file count and bytes.

use std::path::PathBuf;
use std::time::Instant;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(site), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: search-compare SITE_OUTPUT_DIR BUNDLE_DIR".into());
    };
    let (site, out) = (PathBuf::from(site), PathBuf::from(out));
    let t0 = Instant::now();
    let mut pages = Vec::new();
    for e in walkdir::WalkDir::new(site.join("posts")).sort_by_file_name() {
        let e = e?;
        if e.file_name() == "index.html" {
            let rel = e.path().strip_prefix(&site)?.to_string_lossy().replace('\\', "/");
            pages.push((rel, std::fs::read_to_string(e.path())?));
        }
    }
    let t_read = t0.elapsed();
    let options = PagefindServiceConfig::builder()
        .keep_index_url(false)
        .force_language("en".to_string())
        .build();
    let mut index = PagefindIndex::new(Some(options))?;
    let t1 = Instant::now();
    for (rel, html) in pages {
        index.add_html_file(Some(rel), None, html).await?;
    }
    let t_add = t1.elapsed();
    let t2 = Instant::now();
    let files = index.get_files().await?;
    let t_build = t2.elapsed();
    let mut total = 0usize;
    for f in &files {
        let p = out.join(&f.filename);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&p, &f.contents)?;
        total += f.contents.len();
    }
    println!(
        "read {t_read:?} add {t_add:?} build {t_build:?} files {} bytes {total}",
        files.len()
    );
    Ok(())
}
