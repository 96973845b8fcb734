//! Code highlighting with syntect: fenced code → HTML with CSS classes (`hl-` prefix), plus
//! the stylesheet for light and dark themes.
//!
//! The syntax set (syntect's defaults plus bat's extra syntaxes from `two-face`) is loaded once
//! per process, lazily, and shared by all threads. Results are memoised by (language, code)
//! hash, so unchanged blocks are not re-highlighted on serve rebuilds, and lines by parser
//! state (see [`lines`]), so a line repeated across blocks is parsed once. Blocks over the size
//! limit, or with a line longer than [`MAX_LINE_BYTES`], are emitted plain (escaped) — regex
//! highlighters can take minutes on pathological input.

pub mod lines;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

/// CSS class prefix of highlighted tokens.
pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Lines longer than this many bytes disable highlighting for their block (minified code).
pub const MAX_LINE_BYTES: usize = 4_096;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

type Memo = Mutex<HashMap<blake3::Hash, Arc<str>>>;
static MEMO: LazyLock<Memo> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Info-string languages that mean "plain text": no highlighting and no warning.
const PLAIN: &[&str] = &[
    "text",
    "txt",
    "plain",
    "plaintext",
    "none",
    "nohighlight",
    "output",
];

/// Common fence names that are neither a syntax name nor a file extension syntect knows.
const ALIASES: &[(&str, &str)] = &[
    ("console", "bash"),
    ("shell", "bash"),
    ("shell-session", "bash"),
    ("zsh", "bash"),
    ("mjs", "js"),
    ("cjs", "js"),
    ("node", "js"),
    ("jsonc", "json"),
    ("json5", "json"),
    ("golang", "go"),
    ("c++", "cpp"),
    ("objc", "objective-c"),
    ("dockerfile", "Dockerfile"),
    ("docker", "Dockerfile"),
    ("py3", "py"),
    ("python3", "py"),
    ("rs", "rust"),
    ("yml", "yaml"),
    ("ps1", "powershell"),
    ("make", "Makefile"),
    ("tf", "terraform"),
    ("patch", "diff"),
    ("html5", "html"),
    ("xhtml", "html"),
];

/// The result of highlighting one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Highlighted (or plain-by-request) HTML for the inside of `<code>`.
    Html(Arc<str>),
    /// The language is unknown: escaped plain code (caller warns once per file).
    UnknownLanguage(Arc<str>),
    /// The block is too large to highlight safely: escaped plain code (caller warns).
    TooLarge(Arc<str>),
}

/// Splits a fence info string into the language and its attributes:
/// `rust,linenos`, `rust {.class}` and the attribute-only form `{.rust .numberLines}` →
/// `rust`. Returns `""` for no language.
pub fn fence_language(info: &str) -> &str {
    let info = info.trim();
    if let Some(attrs) = info.strip_prefix('{') {
        // Pandoc / kramdown style: the first `.class` names the language.
        let attrs = attrs.split('}').next().unwrap_or("");
        return attrs
            .split(|c: char| c.is_whitespace() || c == ',')
            .find_map(|a| a.strip_prefix('.'))
            .filter(|l| !l.is_empty())
            .unwrap_or("");
    }
    let end = info
        .find(|c: char| c == ',' || c == '{' || c.is_whitespace())
        .unwrap_or(info.len());
    &info[..end]
}

fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let ss = &*SYNTAXES;
    let lower = lang.to_ascii_lowercase();
    let name = ALIASES
        .iter()
        .find(|(a, _)| *a == lower)
        .map(|(_, t)| *t)
        .unwrap_or(lang);
    ss.find_syntax_by_token(name)
        .or_else(|| ss.find_syntax_by_extension(&lower))
        .or_else(|| ss.find_syntax_by_name(name))
}

/// `true` when `lang` (a fence language, see [`fence_language`]) is plain text or known.
pub fn is_known_language(lang: &str) -> bool {
    lang.is_empty()
        || PLAIN.contains(&lang.to_ascii_lowercase().as_str())
        || find_syntax(lang).is_some()
}

fn escape(code: &str) -> Arc<str> {
    let mut out = String::with_capacity(code.len() + code.len() / 8);
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, code);
    Arc::from(out)
}

/// Loads the syntax set on a background thread, so that the first block to highlight does
/// not wait for it (decompressing and decoding it takes about 10 ms) while the site loads.
pub fn warm_up() {
    let _ = std::thread::Builder::new()
        .name("smelt-syntaxes".into())
        .spawn(|| LazyLock::force(&SYNTAXES));
}

/// Empties the in-process memos of highlighted blocks and parsed lines. The block memo pays
/// off across rebuilds in one process (`serve`); a one-shot `build` calls this once its bodies
/// are rendered, so the highlighted HTML is not held twice (in the memo and in the bodies)
/// while it renders pages.
pub fn forget_memo() {
    if let Ok(mut m) = MEMO.lock() {
        *m = HashMap::new();
    }
    lines::forget();
}

/// Highlights `code` written in `lang` (already stripped of attributes). `max_bytes` is the
/// size above which the block is left plain. Pure function of its inputs; memoised.
pub fn highlight(lang: &str, code: &str, max_bytes: usize) -> Outcome {
    if lang.is_empty() || PLAIN.contains(&lang.to_ascii_lowercase().as_str()) {
        return Outcome::Html(escape(code));
    }
    let Some(syntax) = find_syntax(lang) else {
        return Outcome::UnknownLanguage(escape(code));
    };
    if code.len() > max_bytes || code.lines().any(|l| l.len() > MAX_LINE_BYTES) {
        return Outcome::TooLarge(escape(code));
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update(syntax.name.as_bytes());
    hasher.update(&[0]);
    hasher.update(code.as_bytes());
    let key = hasher.finalize();
    if let Some(hit) = MEMO.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Outcome::Html(hit);
    }
    let Some(html) = classed_html(syntax, code) else {
        return Outcome::Html(escape(code));
    };
    let html: Arc<str> = Arc::from(html);
    if let Ok(mut m) = MEMO.lock() {
        m.insert(key, html.clone());
    }
    Outcome::Html(html)
}

/// `code` as HTML spans with [`CLASS_STYLE`] classes: what syntect's `ClassedHTMLGenerator`
/// makes, with lines parsed through the [`lines`] memo. `None` when syntect fails to parse.
fn classed_html(syntax: &SyntaxReference, code: &str) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut scopes = ScopeStack::new();
    let mut html = String::with_capacity(code.len() * 3);
    let mut open_spans: isize = 0;
    for line in syntect::util::LinesWithEndings::from(code) {
        let ops = lines::parse_line(&mut state, line, &SYNTAXES).ok()?;
        let (spans, delta) =
            line_tokens_to_classed_spans(line, &ops, CLASS_STYLE, &mut scopes).ok()?;
        open_spans += delta;
        html.push_str(&spans);
    }
    for _ in 0..open_spans {
        html.push_str("</span>");
    }
    Some(html)
}

/// Whether `name` is a highlighting theme [`stylesheet`] knows: syntect's bundled themes
/// (`InspiredGitHub`, `base16-ocean.dark`, …) or bat's from two-face (`Nord`, `GitHub`, …).
pub fn has_theme(name: &str) -> bool {
    // The defaults of `[markdown]`, answered without loading the theme sets.
    matches!(name, "InspiredGitHub" | "base16-ocean.dark") || find_theme(name).is_some()
}

/// The theme called `name`: syntect's bundled ones first, then bat's from two-face.
fn find_theme(name: &str) -> Option<syntect::highlighting::Theme> {
    ThemeSet::load_defaults().themes.remove(name).or_else(|| {
        two_face::theme::LazyThemeSet::from(two_face::theme::extra())
            .get(name)
            .cloned()
    })
}

/// The stylesheet for highlighted code: `light` theme rules inside
/// `@media (prefers-color-scheme: light)`, then `dark` theme rules inside
/// `@media (prefers-color-scheme: dark)`. Each scheme is scoped to its own media query so a
/// light rule the dark theme does not redefine (e.g. `.hl-variable.hl-parameter`) never
/// leaks dark-on-dark into the other scheme. Theme names are syntect's bundled ones
/// (`InspiredGitHub`, `base16-ocean.dark`, `Solarized (light)`, …) or bat's from two-face.
/// Returns the unknown name when a theme does not exist.
pub fn stylesheet(light: &str, dark: &str) -> Result<String, String> {
    let theme = |name: &str| find_theme(name).ok_or_else(|| name.to_string());
    let light_css =
        css_for_theme_with_class_style(&theme(light)?, CLASS_STYLE).map_err(|e| e.to_string())?;
    let dark_css =
        css_for_theme_with_class_style(&theme(dark)?, CLASS_STYLE).map_err(|e| e.to_string())?;
    let mut out = String::from("/* Generated by smelt from syntect themes; do not edit. */\n");
    for (scheme, css) in [("light", &light_css), ("dark", &dark_css)] {
        out.push_str(&format!("@media (prefers-color-scheme: {scheme}) {{\n"));
        for line in css.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("}\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_string_attributes_are_not_the_language() {
        assert_eq!(fence_language("rust,linenos"), "rust");
        assert_eq!(fence_language("rust {.numbered}"), "rust");
        assert_eq!(fence_language(" python "), "python");
        assert_eq!(fence_language(""), "");
        assert_eq!(fence_language("{.rust}"), "rust");
        let pandoc = "{#id .python .numberLines startFrom=3}";
        assert_eq!(fence_language(pandoc), "python");
        assert_eq!(fence_language("{linenos=true}"), "");
    }

    #[test]
    fn aliases_are_known() {
        for l in [
            "rs", "py", "js", "sh", "yml", "yaml", "json", "bash", "console", "toml", "ts", "mjs",
            "cpp", "diff",
        ] {
            assert!(is_known_language(l), "{l}");
        }
        assert!(!is_known_language("foobarlang"));
        assert!(is_known_language("text"));
    }

    #[test]
    fn highlights_with_classes_and_escapes() {
        let Outcome::Html(h) = highlight("rust", "fn main() { let a = 1 < 2; }\n", 1 << 20) else {
            panic!("not highlighted")
        };
        assert!(h.contains("<span class=\"hl-"), "{h}");
        assert!(h.contains("&lt;"), "{h}");
    }

    /// What syntect's own generator makes of `code`, without our line memo.
    fn syntect_html(lang: &str, code: &str) -> String {
        let syntax = find_syntax(lang).unwrap();
        let mut g = syntect::html::ClassedHTMLGenerator::new_with_class_style(
            syntax,
            &SYNTAXES,
            CLASS_STYLE,
        );
        for line in syntect::util::LinesWithEndings::from(code) {
            g.parse_html_for_line_which_includes_newline(line).unwrap();
        }
        g.finalize()
    }

    #[test]
    fn memoised_lines_give_syntects_html() {
        let blocks = [
            (
                "rust",
                "/// Doc.\npub fn f(xs: &[f64]) -> Vec<f64> {\n    let s = \"a\n    }\";\n    /* }\n    */ out\n}\n",
            ),
            (
                "python",
                "def f(rows):\n    '''Doc.\n    x = 1\n    '''\n    x = 1\n    return f\"{x!r}\"\n",
            ),
            (
                "bash",
                "set -euo pipefail\ncat <<EOF\nfor f in *; do echo \"$f\"; done\nEOF\nfor f in *; do echo \"$f\"; done\n",
            ),
            ("yaml", "a: |\n  b: 1\nb: 1\n# c\n"),
            ("json", "{\n  \"a\": [1, \"}\"],\n  \"b\": null\n}\n"),
        ];
        // Twice, and each block after the others, so most lines are memo hits the second time.
        for _ in 0..2 {
            for (lang, code) in blocks {
                let syntax = find_syntax(lang).unwrap();
                assert_eq!(
                    classed_html(syntax, code).unwrap(),
                    syntect_html(lang, code),
                    "{lang}"
                );
            }
        }
    }

    /// Line pieces that open and close strings, comments, heredocs and blocks in the
    /// languages below, so generated blocks wander through many parser states.
    const PIECES: &[&str] = &[
        "x = 1", "\"", "'''", "\"\"\"", "/*", "*/", "#", "//", "{", "}", "[", "]", "(", ")",
        "<<EOF", "EOF", "r#\"", "\"#", "- a:", "  b: |", "fn f() {", "def f():", "`", "\\", "",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn memoised_lines_give_syntects_html_for_generated_blocks(
            lang in proptest::sample::select(&["rust", "python", "bash", "yaml", "js", "c"][..]),
            lines in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(PIECES), 0..4), 1..12),
        ) {
            let code: String = lines.iter().map(|l| l.join(" ") + "\n").collect();
            let syntax = find_syntax(lang).unwrap();
            // The second run meets every line again, in the states the first run left.
            for _ in 0..2 {
                proptest::prop_assert_eq!(
                    classed_html(syntax, &code).unwrap(),
                    syntect_html(lang, &code)
                );
            }
        }
    }

    #[test]
    fn unknown_and_large_are_plain_escaped() {
        assert_eq!(
            highlight("foobarlang", "<b>&", 100),
            Outcome::UnknownLanguage(Arc::from("&lt;b&gt;&amp;"))
        );
        assert!(matches!(
            highlight("rust", "fn a() {}\n", 3),
            Outcome::TooLarge(_)
        ));
        let long = format!("var a = \"{}\";\n", "x".repeat(MAX_LINE_BYTES));
        assert!(matches!(
            highlight("js", &long, 1 << 30),
            Outcome::TooLarge(_)
        ));
    }

    #[test]
    fn stylesheet_has_light_and_dark() {
        let css = stylesheet("InspiredGitHub", "base16-ocean.dark").unwrap();
        assert!(css.contains(".hl-"));
        assert!(css.contains("prefers-color-scheme: dark"));
        // Light rules are scoped too, so they cannot override dark ones in dark mode.
        let light = css
            .find("@media (prefers-color-scheme: light)")
            .expect("light scope");
        assert!(light < css.find(".hl-").unwrap());
        assert!(stylesheet("nope", "base16-ocean.dark").is_err());
    }
}
