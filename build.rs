//! Re-embeds the default theme when any of its files change (the theme is compiled into the
//! binary with `include_dir!`, which stable Rust cannot track by itself), and stamps the binary
//! with `SMELT_BUILD_ID`: a hash of the sources, the default theme and `Cargo.lock`, so the
//! on-disk build cache (`.<output>.smelt-cache/`) of one smelt build is never used by another.

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=themes/default");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    for dir in ["src", "themes/default"] {
        collect(Path::new(dir), &mut files);
    }
    files.push(Path::new("Cargo.lock").to_path_buf());
    files.push(Path::new("build.rs").to_path_buf());
    files.sort();
    // Two differently seeded 64-bit hashes: a 128-bit id.
    let mut id = String::new();
    for seed in [0u8, 1] {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut h);
        for f in &files {
            f.to_string_lossy().hash(&mut h);
            std::fs::read(f).unwrap_or_default().hash(&mut h);
        }
        id.push_str(&format!("{:016x}", h.finish()));
    }
    println!("cargo:rustc-env=SMELT_BUILD_ID={id}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
