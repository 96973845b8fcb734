//! The fuzz invariants in the normal suite: every committed input under `fuzz/seeds/<target>/`
//! and `fuzz/regressions/<target>/` replayed through the same checks the cargo-fuzz targets
//! run (`fuzz/invariants.rs`), and proptest properties over generated inputs: splitting then
//! joining front matter and body loses no byte, a summary is balanced HTML, the whole parse
//! stage yields safe paths. Runs on any stable toolchain, with or without cargo-fuzz.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

#[path = "../../fuzz/invariants.rs"]
mod invariants;

use invariants::check_balanced;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Files directly in `dir` (sorted), none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs `check` on `data`, turning a panic into the input's name and the panic message.
fn replay(name: &str, file: &Path, check: fn(&[u8])) -> Option<String> {
    let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    std::panic::catch_unwind(|| check(&data)).err().map(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name}: {}: {msg}", file.display())
    })
}

#[test]
fn every_seed_and_regression_passes_its_fuzz_invariant() {
    let mut failures = Vec::new();
    let mut seeds = 0;
    for (name, check) in invariants::TARGETS {
        let seed_files = inputs(&fuzz_dir().join("seeds").join(name));
        assert!(!seed_files.is_empty(), "fuzz/seeds/{name}/ has no inputs");
        seeds += seed_files.len();
        for file in seed_files
            .iter()
            .chain(&inputs(&fuzz_dir().join("regressions").join(name)))
        {
            failures.extend(replay(name, file, *check));
        }
    }
    assert!(seeds >= 5 * 6, "only {seeds} seeds");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn regression_folders_belong_to_known_targets() {
    // A crash input filed under a misspelt folder would never be replayed.
    let Ok(rd) = std::fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            assert!(
                invariants::TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/regressions/{name}/ is not a fuzz target"
            );
        }
    }
}

#[test]
fn the_balance_checker_tells_balanced_from_broken() {
    for ok in [
        "",
        "<p>a <em>b</em></p>",
        "<p>x<br>y<img src=\"a>b\" alt='c>d'></p>",
        "<svg><path d=\"M0\"/></svg>",
        "<!-- <div> --><P>a</p>",
        "<script>if (a < b) { x = '</div>'; }</script>",
        "a < b &amp; c",
        // Script data: `<!--<script>` makes the next `</script>` text, up to `-->`.
        "<p><script><!--<script></script>--></p></script></p>",
        "<script><!--></script><b>x</b>",
        "<script></scripts></script>",
        // A quote starts a value only after `=`: this attribute is named `cllout"`.
        "<div cllout\"=\"\"><p>a</p></div>",
        "<a href=x title = 'b>c' data-x = \"d\">e</a>",
    ] {
        assert_eq!(check_balanced(ok), Ok(()), "{ok}");
    }
    for (bad, why) in [
        ("<p>a", "<p> is never closed"),
        ("<p><em>a</p></em>", "</p> at 8 closes <em>"),
        ("a</div>", "stray </div> at 1"),
        ("<p>a<!-- b</p>", "unclosed comment at 4"),
        ("<style>x", "<style> at 0 never ends"),
        ("<script><!--<script></script>", "<script> at 0 never ends"),
        ("<a href=\"x>", "unterminated tag <a at 0"),
        (
            "<p>a</p><plaintext>b</plaintext>",
            "<plaintext> at 8 never ends",
        ),
    ] {
        let got = check_balanced(bad).unwrap_err();
        assert!(got.starts_with(why), "{bad}: {got}");
    }
}

#[test]
fn the_inertness_checker_finds_live_markup() {
    for ok in [
        "<p><a href=\"https://x.org/\">a</a> <a href=\"mailto:a@b.c\">m</a> <img src=\"/a.png\" alt=\"x\"></p>",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</p>",
        "<p><a href=\"../other/\">rel</a></p>",
    ] {
        assert_eq!(invariants::check_inert(ok), Ok(()), "{ok}");
    }
    for (bad, why) in [
        ("<script>x</script>", "<script> element"),
        ("<b OnClick=\"x\">b</b>", "<b onclick=…> event handler"),
        ("<a href=\" JaVaScRiPt:alert(1)\">a</a>", "<a href="),
        ("<img src=\"data:text/html,x\">", "<img src="),
        (
            "<svg><a xlink:href=\"javascript:x\">a</a></svg>",
            "<a href=",
        ),
    ] {
        let got = invariants::check_inert(bad).unwrap_err();
        assert!(got.starts_with(why), "{bad}: {got}");
    }
}

/// Lines that front matter files are made of, including near-miss delimiters.
fn fm_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---".to_string()),
        Just("--- ".to_string()),
        Just("---\t".to_string()),
        Just("...".to_string()),
        Just("+++".to_string()),
        Just("----".to_string()),
        Just(" ---".to_string()),
        Just(String::new()),
        Just("title: \"A\"".to_string()),
        Just("date: 2024-01-02".to_string()),
        Just("tags: [a, b]".to_string()),
        "[^\n\r]{0,20}",
    ]
}

/// Line ends the load stage normalises (LF, CRLF, lone CR) and a stray BOM.
fn line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("\u{feff}\n")]
}

/// A file: lines with mixed line ends, optionally without a final line end.
fn fm_file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((fm_line(), line_end()), 0..12),
        any::<bool>(),
    )
        .prop_map(|(lines, last_eol)| {
            let mut s = String::new();
            let n = lines.len();
            for (i, (l, e)) in lines.into_iter().enumerate() {
                s.push_str(&l);
                if i + 1 < n || last_eol {
                    s.push_str(e);
                }
            }
            s
        })
}

/// Markdown built from the constructs that open and close elements, raw HTML (balanced and
/// not), the `<!-- more -->` marker, footnotes, fences and free text.
fn markdown_doc() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n"),
        Just("\n\n"),
        Just("# Heading "),
        Just("*"),
        Just("_"),
        Just("**"),
        Just("`"),
        Just("~~"),
        Just("```rust\nfn main() {}\n"),
        Just("```\n"),
        Just("<!-- more -->"),
        Just("\n<!-- more -->\n"),
        Just("<!--"),
        Just("-->"),
        Just("<em>"),
        Just("</em>"),
        Just("<div>"),
        Just("</div>"),
        Just("<p>"),
        Just("</p>"),
        Just("<b class=\"x\">"),
        Just("<a href=\"/x/\">"),
        Just("</a>"),
        Just("<br>"),
        Just("<img src=\"a.png\">"),
        Just("<table><tr><td>"),
        Just("<ul><li>"),
        Just("</li>"),
        Just("<script>"),
        Just("</script>"),
        Just("<plaintext>"),
        Just("<svg><path/></svg>"),
        Just("[link](../other/)"),
        Just("[js](javascript:alert(1))"),
        Just("<JaVaScRiPt:alert(1)>"),
        Just("![i](data:text/html,x)"),
        Just("<b onclick=\"x\">"),
        Just("![img](chart.png)"),
        Just("text[^1]"),
        Just("\n\n[^1]: a note\n\n"),
        Just("> "),
        Just("- "),
        Just("1. "),
        Just("| a | b |\n|---|---|\n| c | d |\n"),
        Just("&amp; < > \" '"),
        Just("word "),
    ];
    prop::collection::vec(
        prop_oneof![4 => piece.prop_map(str::to_string), 1 => "[^<>]{0,6}"],
        0..40,
    )
    .prop_map(|v| v.concat())
}

// 256 cases each by default; `PROPTEST_CASES=20000 cargo test --test it fuzz_replay` digs deeper.
proptest! {
    /// Splitting front matter and body, then joining the parts, gives back every byte of the
    /// normalised text (the load stage's output): `opening + yaml + closing + body == text`.
    #[test]
    fn split_then_join_loses_no_byte(file in fm_file()) {
        let text = smelt::pipeline::load::normalize_text(&file);
        if let Ok(s) = smelt::front_matter::split(&text) {
            let joined = [
                &text[..s.yaml.start],
                &text[s.yaml.clone()],
                &text[s.yaml.end..s.body.start],
                &text[s.body.clone()],
            ]
            .concat();
            prop_assert_eq!(joined, text.clone());
            // The YAML block holds no delimiter line: the first closing line ends it.
            let yaml = &text[s.yaml.clone()];
            prop_assert!(!yaml.split('\n').any(|l| matches!(l.trim_end_matches([' ', '\t']), "---" | "...")));
        }
        invariants::front_matter_split(file.as_bytes());
    }

    /// A summary is balanced HTML whatever the body does (raw HTML left open, a more marker
    /// inside a list or a quote, unclosed comments), with raw HTML on and off.
    #[test]
    fn summary_is_balanced_html(md in markdown_doc()) {
        invariants::markdown_render(md.as_bytes());
    }

    /// The whole parse stage of a post whose front matter is generated: safe slugs, safe
    /// site paths, balanced summaries, never a panic.
    #[test]
    fn parse_stage_of_one_post_is_safe(
        title in "[^\n\r\"\\\\]{0,40}",
        slug in prop::option::of("[^\n\r\"\\\\]{0,40}"),
        body in markdown_doc(),
    ) {
        let mut file = format!("---\ntitle: \"{title}\"\ndate: 2024-01-02\n");
        if let Some(s) = slug {
            file.push_str(&format!("slug: \"{s}\"\n"));
        }
        file.push_str("---\n");
        file.push_str(&body);
        invariants::parse_file(file.as_bytes());
        invariants::front_matter_parse(file.as_bytes());
    }
}
