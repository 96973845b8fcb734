//! Re-embeds the default theme when any of its files change (the theme is compiled into the
//! binary with `include_dir!`, which stable Rust cannot track by itself).

fn main() {
    println!("cargo:rerun-if-changed=themes/default");
}
