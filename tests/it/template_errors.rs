//! Template errors: every broken template of a site is reported by one `build` and one
//! `check`, each on one line at its file, line and column (syntax errors, a missing parent or
//! included template, an unknown filter, a cycle, a render error in a partial). Fixture:
//! `check-clean` with site templates written over the default theme's.

use std::path::Path;

use crate::support::{build_dir, build_errors, check, site_copy};

/// Writes `text` at `rel` under `site`.
fn put(site: &Path, rel: &str, text: &str) {
    let p = site.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A copy of `check-clean` with these site templates.
fn site_with(templates: &[(&str, &str)]) -> tempfile::TempDir {
    let site = site_copy("check-clean");
    for (rel, text) in templates {
        put(site.path(), rel, text);
    }
    site
}

#[test]
fn two_syntax_errors_are_both_reported_by_one_build_and_one_check() {
    let site = site_with(&[
        ("templates/post.html", "<h1>{{ post.title }</h1>\n"),
        (
            "templates/tags.html",
            "<ul>\n{% for x in %}{% endfor %}</ul>\n",
        ),
    ]);
    let tags = "templates/tags.html:2:13: Found `%}` but expected one of: integer, float, \
                string, bool, ident, `-`, `not`, `<`, `{`, `[` or `(`";
    assert_eq!(
        build_errors(site.path()),
        ["templates/post.html:1:19: Found `}` but expected }}.", tags,]
    );
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "templates/post.html:1:19: error: Found `}` but expected }}. [template]".to_string(),
            tags.replacen(": Found", ": error: Found", 1) + " [template]",
        ]
    );
}

#[test]
fn missing_parent_include_and_filter_are_each_one_located_line() {
    let site = site_with(&[
        (
            "templates/page.html",
            "{% extends \"nonexistent.html\" %}\n",
        ),
        (
            "templates/post.html",
            "<main>\n  {% include \"partials/nope.html\" %}\n</main>\n",
        ),
        (
            "templates/author.html",
            "<h1>{{ post.title | nofilter }}</h1>\n",
        ),
    ]);
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "templates/author.html:1:21: error: unknown filter `nofilter` [template]\n\
         templates/page.html:1:1: error: extends unknown template `nonexistent.html` [template]\n\
         templates/post.html:2:14: error: include unknown template `partials/nope.html` \
         [template]\n"
    );

    let (_, out, _) = check(site.path(), &["--format", "json"]);
    let found: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), 3, "{out}");
    let author = &found[0];
    assert_eq!(author["path"], "templates/author.html");
    assert_eq!(
        (author["line"].as_u64(), author["col"].as_u64()),
        (Some(1), Some(21))
    );
    assert_eq!(author["message"], "unknown filter `nofilter`");
    assert!(
        found
            .iter()
            .all(|d| !d["message"].as_str().unwrap().contains('\n'))
    );

    let b = build_dir(site.path(), &[]);
    assert_eq!(b.code(), 1);
    let err = b.stderr();
    assert!(!err.contains("-->"), "{err}");
    assert!(
        err.contains("templates/page.html:1:1: extends unknown template `nonexistent.html`"),
        "{err}"
    );
    assert!(
        err.contains("{% extends \"nonexistent.html\" %}"),
        "snippet: {err}"
    );
}

#[test]
fn a_circular_include_is_located_at_one_of_its_templates() {
    let site = site_with(&[
        (
            "templates/partials/a.html",
            "{% include \"partials/b.html\" %}\n",
        ),
        (
            "templates/partials/b.html",
            "x\n{% include \"partials/a.html\" %}\n",
        ),
    ]);
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "templates/partials/a.html:1:1: error: circular include: partials/a.html -> \
         partials/b.html -> partials/a.html [template]\n"
    );
}

#[test]
fn a_render_error_in_the_sidebar_partial_is_located_in_the_partial() {
    let site = site_with(&[(
        "templates/partials/sidebar.html",
        "<aside>\n  {{ undefined_var }}\n</aside>\n",
    )]);
    let errors = build_errors(site.path());
    assert_eq!(
        errors,
        [
            "templates/partials/sidebar.html:2:6: Variable `undefined_var` is not defined. \
             Available variables: recent, site (while rendering the recent-news sidebar)"
        ]
    );
}

/// A site with a broken post and a template that fails on every post page: one `build`
/// reports both (it used to stop at the post, and the template error showed only after the
/// post was fixed), the template error once for all its pages, as `check` does.
#[test]
fn a_render_error_shows_beside_a_broken_post_once_for_all_pages() {
    let site = site_with(&[(
        "templates/post.html",
        "{% extends \"base.html\" %}{% block content %}{{ post.nope }}{% endblock %}\n",
    )]);
    put(
        site.path(),
        "content/posts/broken.md",
        "---\ntitle: [unclosed\ndate: 2026-01-01\n---\nx\n",
    );
    let errors = build_errors(site.path());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("content/posts/broken.md:2:8: "),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("templates/post.html:1:")
            && errors[1].contains("(while rendering /posts/")
            && errors[1].contains(", and 1 more page: /posts/"),
        "{errors:#?}"
    );
    let (code, out, _) = check(site.path(), &["--format", "short"]);
    assert_eq!(code, 1, "{out}");
    let template: Vec<&str> = out.lines().filter(|l| l.ends_with("[template]")).collect();
    assert_eq!(template.len(), 1, "{out}");
}
