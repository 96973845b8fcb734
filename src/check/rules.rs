//! The rule registry of `smelt check`: every diagnostic rule name smelt emits, whether a site
//! may change its level in `[check.rules]`, and its default level in `check`.
//!
//! Input: diagnostics from every stage and from the checks, plus `[check.rules]`. Output: the
//! same diagnostics with each configurable rule's severity set (or dropped when `off`).
//! Invariant: rules whose errors stop `build` (`front-matter`, `config`, …) keep the severity
//! their stage gave them, so `check` never passes a site that `build` refuses.

use std::sync::Arc;

use crate::config::{CheckConfig, RuleLevel};
use crate::error::{Diagnostic, Severity};

/// Whether a site may change a rule's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// Reported by a pipeline stage with the severity the stage chose (errors stop `build`);
    /// `[check.rules]` may only repeat `error`.
    Fixed,
    /// Reported as a warning by `build`; `check` uses the default level below, and
    /// `[check.rules]` may set `off`, `warn` or `error`.
    Configurable,
}

/// One rule: its stable name, kind, default level in `check` and a one-line description.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable name, as printed in `[brackets]` and written in `[check.rules]`.
    pub name: &'static str,
    /// Fixed or configurable.
    pub kind: RuleKind,
    /// Level in `check` when `[check.rules]` does not name the rule (ignored for fixed rules).
    pub default: RuleLevel,
    /// What the rule reports.
    pub about: &'static str,
}

const fn fixed(name: &'static str, about: &'static str) -> Rule {
    Rule {
        name,
        kind: RuleKind::Fixed,
        default: RuleLevel::Error,
        about,
    }
}

const fn rule(name: &'static str, default: RuleLevel, about: &'static str) -> Rule {
    Rule {
        name,
        kind: RuleKind::Configurable,
        default,
        about,
    }
}

use RuleLevel::{Error as E, Warn as W};

/// Every rule smelt reports, sorted by name.
pub const RULES: &[Rule] = &[
    fixed("alias", "an `aliases:` entry that is not a safe site path"),
    rule(
        "alias-query",
        W,
        "an `aliases:` entry with a query or `#fragment`, which only its path can redirect",
    ),
    rule("author-bio", W, "an author without a bio"),
    rule(
        "broken-fragment",
        E,
        "a `#fragment` that is not an id on the page it points to",
    ),
    rule(
        "broken-link",
        E,
        "an internal link to a page or file the site does not build",
    ),
    rule(
        "code-language",
        W,
        "a code block language the highlighter does not know",
    ),
    rule("code-too-large", W, "a code block too large to highlight"),
    fixed("config", "a problem in site.toml"),
    rule(
        "content-layout",
        W,
        "a Markdown file smelt does not build: outside content/posts, pages and authors, beside a bundle's index, or with another Markdown extension",
    ),
    rule(
        "control-chars",
        W,
        "invisible control characters removed from a file",
    ),
    rule(
        "draft-link",
        E,
        "a link to a draft or scheduled post (plain text in `build`)",
    ),
    fixed("duplicate-permalink", "two sources that want the same URL"),
    rule(
        "duplicate-slug",
        W,
        "two posts with the same slug under different URLs",
    ),
    rule("empty-file", W, "an empty content file"),
    rule(
        "empty-link-text",
        W,
        "a link with no text a reader or screen reader can see",
    ),
    fixed("encoding", "a file that is not UTF-8"),
    rule(
        "external-link",
        E,
        "an external link that answers 404, 410 or another definite failure",
    ),
    rule("external-redirect", W, "an external link that redirects"),
    rule(
        "external-unreachable",
        W,
        "an external link that timed out, failed or answered 5xx, 401, 403 or 429",
    ),
    fixed("feed", "a feed that cannot be generated"),
    fixed("front-matter", "front matter that cannot be read"),
    rule(
        "future-date",
        W,
        "a date in the future (the post is scheduled, or a typo)",
    ),
    rule(
        "heading-h1",
        W,
        "an H1 heading in a body (the title is the page's H1)",
    ),
    rule("heading-skip", W, "a heading that skips a level (H2 → H4)"),
    rule(
        "highlights-count",
        W,
        "a post whose highlights count is outside [check] highlights_min..highlights_max",
    ),
    rule("image-alt", W, "an image without alt text"),
    fixed("io", "a file or folder that cannot be read or written"),
    rule(
        "missing-citation",
        W,
        "a post with neither `citation` nor `sources`",
    ),
    rule(
        "missing-image",
        E,
        "an image whose file the site does not have",
    ),
    rule(
        "mojibake",
        E,
        "UTF-8 text that was read through a legacy code page (`Ã©` for `é`)",
    ),
    fixed("output", "an unsafe or doubly written output path"),
    fixed("search", "a search index that cannot be generated"),
    rule(
        "slug-changed",
        W,
        "a written slug or file name changed to make a URL",
    ),
    rule(
        "summary-length",
        W,
        "a `summary` longer than [check] description_max characters",
    ),
    rule("tag-collision", W, "two tag spellings that share one URL"),
    fixed("template", "a template that cannot be loaded or rendered"),
    rule(
        "title-length",
        W,
        "a title longer than [check] title_max characters",
    ),
    fixed(
        "unknown-author",
        "an author id with no content/authors/<id>.md",
    ),
    fixed("unknown-key", "an unknown front matter key"),
    rule(
        "unsafe-url",
        W,
        "a body link or image with a scheme that can run script (`javascript:`, `data:`…) while markdown.unsafe_html = false; rendered without it",
    ),
    rule("updated-before-date", E, "`updated` earlier than `date`"),
];

/// The rule named `name`, if smelt has one.
pub fn find(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

/// The level `check` reports `rule` at under `config` (`None` for rules smelt does not know,
/// which are passed through unchanged).
pub fn level(config: &CheckConfig, rule: &str) -> Option<RuleLevel> {
    let r = find(rule)?;
    if r.kind == RuleKind::Fixed {
        return None;
    }
    Some(config.rules.get(rule).copied().unwrap_or(r.default))
}

/// Sets every diagnostic's severity from its rule's level in `check`, dropping rules set to
/// `off`. Fixed rules keep the severity their stage gave them. With `deny_warnings`, every
/// remaining warning becomes an error.
pub fn apply(diags: Vec<Diagnostic>, config: &CheckConfig, deny_warnings: bool) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            match level(config, d.rule) {
                Some(RuleLevel::Off) => return None,
                Some(RuleLevel::Warn) => d.severity = Severity::Warning,
                Some(RuleLevel::Error) => d.severity = Severity::Error,
                None => {}
            }
            if deny_warnings {
                d.severity = Severity::Error;
            }
            Some(d)
        })
        .collect()
}

/// Validates `[check]` (called by [`crate::config::Config::parse`]): every name under
/// `[check.rules]` must be a rule smelt has (the nearest name is suggested), a fixed rule may
/// only be set to `error`, and `highlights_min` may not exceed `highlights_max`. `text` is the
/// site.toml text, used to locate the offending key.
pub fn validate(config: &CheckConfig, text: &str, source: &Arc<str>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    for (name, level) in &config.rules {
        let (line, col) = locate_rule_key(text, name);
        let at = |d: Diagnostic| {
            d.at_path(crate::config::CONFIG_FILE)
                .at(line, col)
                .with_source(source.clone())
        };
        match find(name) {
            None => {
                let help = match crate::suggest::nearest(name, names.iter().copied()) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("rules are: {}", names.join(", ")),
                };
                out.push(at(Diagnostic::error(
                    "config",
                    format!("[check.rules]: unknown rule `{name}`"),
                )
                .with_help(help)));
            }
            Some(r) if r.kind == RuleKind::Fixed && *level != RuleLevel::Error => {
                out.push(at(Diagnostic::error(
                    "config",
                    format!(
                        "[check.rules]: `{name}` cannot be set to `{}`: `build` stops on it",
                        level_name(*level)
                    ),
                )
                .with_help("fix the problem instead; only rules that `build` reports as warnings can be changed")));
            }
            Some(_) => {}
        }
    }
    if config.highlights_min > config.highlights_max {
        let (line, col) = locate_rule_key(text, "highlights_min");
        out.push(
            Diagnostic::error(
                "config",
                format!(
                    "[check]: highlights_min ({}) is greater than highlights_max ({})",
                    config.highlights_min, config.highlights_max
                ),
            )
            .at_path(crate::config::CONFIG_FILE)
            .at(line, col)
            .with_help("the defaults are highlights_min = 2 and highlights_max = 5")
            .with_source(source.clone()),
        );
    }
    out
}

/// The `[check.rules]` spelling of a level.
pub fn level_name(level: RuleLevel) -> &'static str {
    match level {
        RuleLevel::Off => "off",
        RuleLevel::Warn => "warn",
        RuleLevel::Error => "error",
    }
}

/// 1-based (line, column) of `name` written as a key (`name =`, `"name" =`), preferring the
/// lines after a `[check…]` table header; (1, 1) when not found.
fn locate_rule_key(text: &str, name: &str) -> (usize, usize) {
    let mut in_check = false;
    let mut fallback = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            in_check = t.starts_with("[check");
        }
        for key in [name.to_string(), format!("\"{name}\""), format!("'{name}'")] {
            let mut from = 0;
            while let Some(j) = line[from..].find(&key) {
                let at = from + j;
                let before_ok = line[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| c.is_whitespace() || c == '{' || c == ',');
                let after = line[at + key.len()..].trim_start();
                if before_ok && after.starts_with('=') {
                    let pos = (i + 1, line[..at].chars().count() + 1);
                    if in_check || t.starts_with("check") {
                        return pos;
                    }
                    fallback.get_or_insert(pos);
                }
                from = at + key.len();
            }
        }
    }
    fallback.unwrap_or((1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        for w in RULES.windows(2) {
            assert!(w[0].name < w[1].name, "{} !< {}", w[0].name, w[1].name);
        }
    }

    /// The README's rule table is the user's reference: it lists exactly these rules, each
    /// with the level `check` gives it.
    #[test]
    fn readme_documents_every_rule_with_its_level() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let documented: Vec<(&str, &str)> = readme
            .lines()
            .filter_map(|l| {
                let mut cells = l.strip_prefix("| `")?.split(" | ");
                let name = cells.next()?.strip_suffix('`')?;
                let level = cells.next()?;
                matches!(level, "warn" | "error" | "error, fixed").then_some((name, level))
            })
            .collect();
        let expected: Vec<(&str, &str)> = RULES
            .iter()
            .map(|r| {
                let level = match (r.kind, r.default) {
                    (RuleKind::Fixed, _) => "error, fixed",
                    (_, RuleLevel::Error) => "error",
                    (_, RuleLevel::Warn) => "warn",
                    (_, RuleLevel::Off) => "off",
                };
                (r.name, level)
            })
            .collect();
        assert_eq!(documented, expected);
    }

    #[test]
    fn levels_apply_and_off_drops() {
        let mut c = CheckConfig::default();
        c.rules.insert("heading-skip".into(), RuleLevel::Off);
        c.rules.insert("image-alt".into(), RuleLevel::Error);
        let ds = vec![
            Diagnostic::warning("heading-skip", "a"),
            Diagnostic::warning("image-alt", "b"),
            Diagnostic::warning("draft-link", "c"),
            Diagnostic::warning("io", "d"),
            Diagnostic::warning("not-a-rule", "e"),
        ];
        let out = apply(ds, &c, false);
        let got: Vec<(&str, Severity)> = out.iter().map(|d| (d.rule, d.severity)).collect();
        assert_eq!(
            got,
            vec![
                ("image-alt", Severity::Error),
                ("draft-link", Severity::Error),
                ("io", Severity::Warning),
                ("not-a-rule", Severity::Warning),
            ]
        );
        let denied = apply(vec![Diagnostic::warning("io", "d")], &c, true);
        assert_eq!(denied[0].severity, Severity::Error);
    }

    #[test]
    fn unknown_rule_is_located_with_suggestion() {
        let text = "title = \"x\"\n\n[check.rules]\nheading-skp = \"off\"\n";
        let mut c = CheckConfig::default();
        c.rules.insert("heading-skp".into(), RuleLevel::Off);
        let ds = validate(&c, text, &Arc::from(text));
        assert_eq!(ds.len(), 1);
        assert_eq!((ds[0].line, ds[0].col), (Some(4), Some(1)));
        assert!(
            ds[0].message.contains("unknown rule `heading-skp`"),
            "{}",
            ds[0].message
        );
        assert_eq!(ds[0].help.as_deref(), Some("did you mean `heading-skip`?"));
    }

    #[test]
    fn fixed_rule_cannot_be_lowered() {
        let text = "[check]\nrules = { front-matter = \"warn\", config = \"error\" }\n";
        let mut c = CheckConfig::default();
        c.rules.insert("front-matter".into(), RuleLevel::Warn);
        c.rules.insert("config".into(), RuleLevel::Error);
        let ds = validate(&c, text, &Arc::from(text));
        assert_eq!(ds.len(), 1);
        assert_eq!((ds[0].line, ds[0].col), (Some(2), Some(11)));
        assert!(
            ds[0]
                .message
                .contains("`front-matter` cannot be set to `warn`")
        );
    }
}
