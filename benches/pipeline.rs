//! Criterion benchmarks of the pipeline stages on generated analysis posts: front matter,
//! Markdown (with and without code highlighting), parse of a whole corpus, render, and whole
//! builds (cold, clean output with the build cache kept, nothing changed).
//!
//! `cargo bench --bench pipeline` (add `-- <filter>` for one group). Posts are generated
//! here, deterministically, in the shape of the benchmark corpus (front matter with tags and
//! highlights, ~1,000 words in H2 sections, a table, a footnote, a code block in some).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smelt::config::Config;
use smelt::markdown::{self, NoFiles, RenderInput};
use smelt::pipeline::{self, BuildOptions};

const WORDS: &[&str] = &[
    "supply",
    "chain",
    "rare",
    "earth",
    "magnet",
    "tariff",
    "policy",
    "export",
    "control",
    "refining",
    "capacity",
    "Beijing",
    "allies",
    "hedge",
    "leverage",
    "midstream",
    "processing",
    "investors",
    "demand",
    "shipping",
    "freight",
    "energy",
    "market",
    "price",
    "floor",
];

fn paragraph(seed: usize, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[(seed * 7 + i * 13) % WORDS.len()]);
        if i % 17 == 16 {
            s.push('.');
        }
    }
    s.push('.');
    s
}

/// One post in the benchmark shape; `i` varies the content.
fn post(i: usize) -> String {
    let mut md = format!(
        "---\ntitle: \"Post {i}: Rare Earths & Allies\"\ndate: 2024-0{}-1{}T09:30:00+01:00\nauthor: {{name: \"Desk Writer\"}}\ntags: [Rare Earths, Trade Policy, \"Oil & Gas\", Tag{}]\nhighlights:\n  - {}\n  - {}\n  - {}\ncitation: \"Trade press, 2024\"\n---\n",
        1 + i % 9,
        i % 10,
        i % 60,
        paragraph(i, 20),
        paragraph(i + 1, 18),
        paragraph(i + 2, 22)
    );
    md.push_str(&paragraph(i, 60));
    md.push_str("\n\n");
    for s in 0..5 {
        md.push_str(&format!("## Section {s} of the argument\n\n"));
        md.push_str(&paragraph(i + s, 90));
        md.push_str("\n\n");
        md.push_str(&paragraph(i + s + 3, 80));
        md.push_str("[^n]\n\n- one point\n- another *point*\n\n> A quoted line.\n\n");
    }
    if i.is_multiple_of(5) {
        md.push_str("| Metric | 2023 | 2024 |\n|---|---:|---:|\n| Output | 10 | 12 |\n| Price | 3 | 4 |\n\n");
    }
    if i.is_multiple_of(3) {
        md.push_str("```python\nimport json\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)  # data\n\nprint(load('x.json')['rows'][0])\n```\n\n");
    }
    md.push_str("[^n]: A footnote with a [link](https://example.org/).\n");
    md
}

fn bench_markdown(c: &mut Criterion) {
    let config = Config::default();
    let mut plain = Config::default();
    plain.markdown.highlight = false;
    let text = post(3);
    let body = &text[text.find("\n---\n").map(|i| i + 5).unwrap_or(0)..];
    let mut g = c.benchmark_group("markdown");
    g.throughput(Throughput::Bytes(body.len() as u64));
    for (name, cfg) in [("highlighted", &config), ("no-highlight", &plain)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                markdown::render(black_box(&RenderInput {
                    markdown: body,
                    config: cfg,
                    source: "content/posts/p.md",
                    first_line: 12,
                    page_path: "/posts/p/",
                    resolver: &NoFiles,
                }))
            })
        });
    }
    g.finish();
}

fn bench_front_matter(c: &mut Criterion) {
    let text = post(7);
    let source: std::sync::Arc<str> = std::sync::Arc::from(text.as_str());
    let tz = jiff::tz::TimeZone::UTC;
    c.bench_function("front_matter/split+parse", |b| {
        b.iter(|| {
            let split = smelt::front_matter::split(black_box(&source)).unwrap();
            smelt::front_matter::parse(
                &source,
                &split,
                smelt::front_matter::DocKind::Post,
                "p.md",
                &tz,
            )
            .unwrap()
        })
    });
}

fn write_site(dir: &Path, posts: usize) {
    std::fs::create_dir_all(dir.join("content/posts")).unwrap();
    std::fs::write(
        dir.join("site.toml"),
        "title = \"Bench\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    for i in 0..posts {
        std::fs::write(dir.join(format!("content/posts/post-{i:05}.md")), post(i)).unwrap();
    }
}

fn bench_site(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    write_site(&site, 300);
    let opts = BuildOptions {
        root: site.clone(),
        output: Some(tmp.path().join("out")),
        ..Default::default()
    };
    let mut g = c.benchmark_group("site-300-posts");
    g.sample_size(10);
    g.bench_function("prepare (load+parse+index)", |b| {
        b.iter(|| {
            let config = pipeline::load_config(&opts).unwrap();
            pipeline::prepare(&opts, config).unwrap()
        })
    });
    let config = pipeline::load_config(&opts).unwrap();
    let prepared = pipeline::prepare(&opts, config).unwrap();
    // The search stage alone, and its two halves: body text and words, then the index.
    let site_ref = &prepared.site;
    g.bench_function("search index files", |b| {
        b.iter(|| smelt::search::build_files(site_ref).unwrap())
    });
    let docs: Vec<smelt::search::index::Doc> = site_ref
        .posts
        .iter()
        .map(|p| smelt::search::doc_of(site_ref, p))
        .collect();
    g.bench_function("search docs (body text)", |b| {
        b.iter(|| {
            site_ref
                .posts
                .iter()
                .map(|p| smelt::search::doc_of(site_ref, p))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("search index (words, postings, shards)", |b| {
        b.iter(|| {
            let ix = smelt::search::index::Index::build(&docs);
            ix.shards(smelt::search::SHARD_BYTES)
        })
    });
    g.bench_function("render (in memory)", |b| {
        b.iter(|| pipeline::render::render_site(&prepared.site, &prepared.templates).unwrap())
    });
    g.bench_function("build (cold: no output, no cache)", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(tmp.path().join("out"));
            let _ = std::fs::remove_dir_all(tmp.path().join(".out.smelt-cache"));
            pipeline::build(&opts).unwrap()
        })
    });
    g.bench_function("build (clean output, cache kept)", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(tmp.path().join("out"));
            pipeline::build(&opts).unwrap()
        })
    });
    g.bench_function("build (nothing changed)", |b| {
        b.iter(|| pipeline::build(&opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_front_matter, bench_markdown, bench_site);
criterion_main!(benches);
