//! `serve`'s incremental builder against clean builds: after every edit of a sequence, the
//! in-memory site must be byte-identical to a clean in-memory build of the same sources, with
//! the same diagnostics, and the cheap edits must take the fast way and render few pages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use smelt::pipeline::{self, BuildOptions, render};
use smelt::serve::incremental::{Builder, Changes, OutData, Report, Way};
use smelt::serve::watch::classify_path;

use crate::support::site_copy;

/// Output files by path and diagnostics (short form) of a build.
type Built = (BTreeMap<String, OutData>, Vec<String>);

/// A clean in-memory build as `serve` would do it (scheduled posts included).
fn clean(root: &Path, drafts: bool) -> Result<Built, Vec<String>> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        drafts,
        future: true,
        ..Default::default()
    };
    let shorts =
        |d: smelt::error::Diagnostics| d.items().iter().map(|d| d.short()).collect::<Vec<_>>();
    let config = pipeline::load_config(&opts).map_err(shorts)?;
    let prepared = pipeline::prepare(&opts, config).map_err(shorts)?;
    if prepared.diags.has_errors() {
        return Err(shorts(prepared.diags));
    }
    let files = render::render_site(&prepared.site, &prepared.templates).map_err(shorts)?;
    let map = files.into_iter().map(|f| (f.path, f.data.into())).collect();
    Ok((map, shorts(prepared.diags)))
}

struct Session {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    builder: Builder,
    /// Pages first, files made by code in a second step (as `serve` does).
    deferred: bool,
}

impl Session {
    fn new(deferred: bool) -> Session {
        let tmp = site_copy("serve-site");
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let mut builder = Builder::new(root.clone(), None, false);
        builder.defer_generated(deferred);
        let mut s = Session {
            builder,
            root,
            _tmp: tmp,
            deferred,
        };
        let r = s
            .builder
            .build(&Changes::everything())
            .expect("first build");
        assert_eq!(r.way, Way::Full);
        s.same_as_clean("first build");
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Builds after changes to `paths` (relative), classified as the watcher does; in
    /// deferred mode, also makes the files made by code (which must then be pending).
    fn build(&mut self, paths: &[&str]) -> Result<Report, Vec<String>> {
        let mut c = Changes::default();
        for p in paths {
            classify_path(
                &self.root,
                "default",
                &self.builder.private_dirs(),
                &self.path(p),
                &mut c,
            );
        }
        let shorts =
            |d: smelt::error::Diagnostics| d.items().iter().map(|d| d.short()).collect::<Vec<_>>();
        let r = self.builder.build(&c).map_err(shorts)?;
        // As `serve` does: make the files made by code whenever some are pending (after any
        // pass that rendered pages, and after a failed second step).
        if self.deferred && (r.rendered > 0 || !r.pending.is_empty()) {
            assert!(!r.pending.is_empty(), "{r:?}");
            assert!(r.pending.contains(&"sitemap.xml".to_string()));
            let g = self
                .builder
                .generate()
                .expect("files made by code are pending")
                .map_err(shorts)?;
            assert!(g.pending.is_empty());
            assert!(self.builder.generate().is_none());
        } else {
            assert!(
                r.pending.is_empty() && self.builder.generate().is_none(),
                "{r:?}"
            );
        }
        Ok(r)
    }

    fn same_as_clean(&self, step: &str) {
        let (want, want_diags) = clean(&self.root, false)
            .unwrap_or_else(|e| panic!("{step}: clean build failed: {e:?}"));
        let got: BTreeMap<String, OutData> = self
            .builder
            .files()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let differ: Vec<&String> = want
            .keys()
            .chain(got.keys())
            .filter(|k| want.get(*k) != got.get(*k))
            .collect();
        assert!(
            differ.is_empty(),
            "{step}: incremental output differs from a clean build at {differ:?}"
        );
        assert_eq!(want.len(), got.len(), "{step}");
        let r = self.builder.build_report_warnings();
        assert_eq!(r, want_diags, "{step}: diagnostics differ");
    }

    fn html(&self, out: &str) -> String {
        match self.builder.files().get(out) {
            Some(OutData::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("{out}: {other:?}"),
        }
    }
}

trait Warnings {
    fn build_report_warnings(&self) -> Vec<String>;
}

impl Warnings for Builder {
    fn build_report_warnings(&self) -> Vec<String> {
        self.warnings().items().iter().map(|d| d.short()).collect()
    }
}

#[test]
fn incremental_builds_equal_clean_builds_over_a_sequence_of_edits() {
    sequence(false);
}

#[test]
fn deferred_generation_equals_clean_builds_over_a_sequence_of_edits() {
    sequence(true);
}

fn sequence(deferred: bool) {
    let mut s = Session::new(deferred);
    let total = s.builder.files().len();

    // 1. Body edit of an older post (not in the sidebar): fast, few pages.
    let p = "content/posts/magnet-gap.md";
    s.write(
        p,
        &s.read(p).replace(
            "Another month, another batch",
            "Another quarter, another batch",
        ),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Fast, "{r:?}");
    assert!(
        r.rendered < r.jobs / 4,
        "a body edit rendered {} of {} jobs",
        r.rendered,
        r.jobs
    );
    assert!(
        r.changed
            .contains(&"posts/magnet-gap/index.html".to_string()),
        "{:?}",
        r.changed
    );
    assert!(
        s.html("posts/magnet-gap/index.html")
            .contains("Another quarter, another batch")
    );
    s.same_as_clean("body edit");

    // 2. Title edit of a recent post (in the sidebar of every page): fast, every page.
    let p = "content/posts/stockpiles-are-back.md";
    s.write(
        p,
        &s.read(p)
            .replace("title: \"Stockpiles Are Back", "title: \"Reserves Are Back"),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Fast);
    assert!(s.html("about/index.html").contains("Reserves Are Back"));
    s.same_as_clean("title edit of a recent post");

    // 3. Tag change: the index changes, so the full way; tag pages follow.
    let p = "content/posts/export-licences-as-leverage.md";
    s.write(
        p,
        &s.read(p)
            .replace("tags: [Trade Policy,", "tags: [Sanctions, Trade Policy,"),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Full);
    assert!(
        r.changed.contains(&"tags/sanctions/index.html".to_string()),
        "{:?}",
        r.changed
    );
    s.same_as_clean("tag change");

    // 4. Delete a post.
    let p = "content/posts/copper-and-the-grid.md";
    std::fs::remove_file(s.path(p)).unwrap();
    let r = s.build(&[p]).unwrap();
    assert!(
        r.removed
            .contains(&"posts/copper-and-the-grid/index.html".to_string())
    );
    s.same_as_clean("delete");

    // 5. Create a post.
    let p = "content/posts/new-arrival.md";
    s.write(p, "---\ntitle: \"A New Arrival\"\ndate: 2026-05-05\nauthor: mara\ntags: [Magnets]\n---\nFresh text.\n");
    let r = s.build(&[p]).unwrap();
    assert!(
        r.changed
            .contains(&"posts/new-arrival/index.html".to_string())
    );
    s.same_as_clean("create");

    // 6. A template override appears: every page is rendered again.
    let t = "templates/post.html";
    let base = smelt::theme::DEFAULT_THEME
        .get_file("templates/post.html")
        .and_then(|f| f.contents_utf8())
        .unwrap();
    s.write(
        t,
        &base.replace(
            "</article>",
            "<p class=\"override-marker\">override</p></article>",
        ),
    );
    let r = s.build(&[t]).unwrap();
    assert_eq!(r.way, Way::Fast);
    assert!(
        s.html("posts/magnet-gap/index.html")
            .contains("override-marker")
    );
    s.same_as_clean("template edit");

    // 7. Author bio edit.
    let p = "content/authors/tobias.md";
    s.write(
        p,
        &s.read(p)
            .replace("Tobias covers tariffs", "Tobias writes about tariffs"),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Fast);
    assert!(
        s.html("authors/tobias/index.html")
            .contains("Tobias writes about tariffs")
    );
    s.same_as_clean("author edit");

    // 8. Page edit.
    let p = "content/pages/about.md";
    s.write(
        p,
        &s.read(p).replace(
            "publishes short, sourced analysis",
            "publishes brief, sourced analysis",
        ),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Fast);
    assert!(r.rendered < r.jobs / 4);
    s.same_as_clean("page edit");

    // 9. A static stylesheet edited in place: nothing to render.
    let p = "static/extra.css";
    s.write(p, "body { outline: 1px solid; }\n");
    let r = s.build(&[p]).unwrap();
    assert_eq!((r.way, r.rendered), (Way::Static, 0));
    assert_eq!(r.changed, vec!["extra.css".to_string()]);
    s.same_as_clean("static edit");

    // 10. A date change reorders the posts.
    let p = "content/posts/magnet-gap.md";
    s.write(
        p,
        &s.read(p).replace("date: 2026-06-16", "date: 2026-11-26"),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Full);
    s.same_as_clean("date change");

    // 11. A linked post's slug changes: the linking post's body follows.
    let p = "content/posts/export-licences-as-leverage.md";
    s.write(
        p,
        &s.read(p).replace(
            "title: \"Export Licences",
            "slug: export-levers\ntitle: \"Export Licences",
        ),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Full);
    assert!(
        s.html("posts/chip-fabs-need-chemistry/index.html")
            .contains("/posts/export-levers/")
    );
    s.same_as_clean("slug change of a linked post");

    // 12. vim's save: rename the original away, write a new file, delete the backup.
    let p = "content/posts/lithium-after-the-slump.md";
    let text = s.read(p);
    std::fs::rename(s.path(p), s.path(&format!("{p}~"))).unwrap();
    s.write(
        p,
        &text.replace(
            "title: \"Lithium After the Slump",
            "title: \"Lithium Beyond the Slump",
        ),
    );
    std::fs::remove_file(s.path(&format!("{p}~"))).unwrap();
    let r = s.build(&[p, &format!("{p}~")]).unwrap();
    assert_eq!(r.way, Way::Fast);
    s.same_as_clean("vim save");

    // 13. A bundle asset edited in place.
    let p = "content/posts/field-notes/chart.svg";
    s.write(
        p,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>\n",
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(
        (r.way, r.changed.clone()),
        (Way::Static, vec!["posts/field-notes/chart.svg".to_string()])
    );
    s.same_as_clean("bundle asset edit");

    // 14. Broken front matter: the build fails and the last good files stay; the fix rebuilds.
    let p = "content/posts/shipping-detours.md";
    let good = s.read(p);
    let before = s.builder.files();
    s.write(
        p,
        "---\ntitle: \"Broken\"\ndate: 2026-09-09\n\nNo closing delimiter.\n",
    );
    let e = s.build(&[p]).unwrap_err();
    assert!(
        e.iter()
            .any(|d| d.starts_with("content/posts/shipping-detours.md:1:1: error:")),
        "{e:?}"
    );
    assert!(s.builder.files() == before, "the last good files are kept");
    s.write(
        p,
        &good.replace(
            "What Shipping Detours Really Cost",
            "What Shipping Detours Cost",
        ),
    );
    s.build(&[p]).unwrap();
    s.same_as_clean("fix after an error");

    // 15. Template removed again; site.toml edited.
    std::fs::remove_file(s.path(t)).unwrap();
    s.build(&[t]).unwrap();
    s.same_as_clean("template removed");
    let p = "site.toml";
    s.write(
        p,
        &s.read(p).replace("recent_posts = 5", "recent_posts = 3"),
    );
    let r = s.build(&[p]).unwrap();
    assert_eq!(r.way, Way::Full);
    s.same_as_clean("site.toml edit");

    // 16. Saving identical bytes, and editor junk, change nothing.
    let p = "content/posts/minerals-clubs.md";
    s.write(p, &s.read(p));
    s.write("content/posts/.#minerals-clubs.md", "lock");
    let r = s.build(&[p, "content/posts/.#minerals-clubs.md"]).unwrap();
    assert!(
        r.changed.is_empty() && r.removed.is_empty() && r.rendered == 0,
        "{r:?}"
    );
    assert!(s.builder.files().len() > total / 2);
    s.same_as_clean("no-op save");
}

/// Two sources of one output path (or of two paths that differ only in letter case) fail
/// `build`; `serve` refuses them with the same error rather than serving one of the two.
#[test]
fn two_sources_of_one_output_path_fail_as_in_build() {
    for deferred in [false, true] {
        let mut s = Session::new(deferred);
        for (file, want) in [
            (
                "static/rss.xml",
                "static/rss.xml:1:1: error: static/rss.xml and the feeds both write rss.xml [output]",
            ),
            (
                "static/Sitemap.xml",
                "static/Sitemap.xml:1:1: error: Sitemap.xml (from static/Sitemap.xml) and sitemap.xml (from the sitemap and robots.txt) differ only in letter case, so on a case-insensitive file system or host one replaces the other [output]",
            ),
        ] {
            s.write(file, "<x/>");
            let errors = s.build(&[file]).unwrap_err();
            assert_eq!(errors, [want], "deferred: {deferred}");
            let built = smelt::pipeline::build(&BuildOptions {
                root: s.root.clone(),
                output: Some(s._tmp.path().join("out")),
                ..Default::default()
            });
            let Err(smelt::error::Error::Content(d)) = built else {
                panic!("build accepted {file}");
            };
            let shorts: Vec<String> = d.items().iter().map(|d| d.short()).collect();
            assert_eq!(shorts, [want], "build");
            std::fs::remove_file(s.path(file)).unwrap();
            s.build(&[file]).unwrap();
            s.same_as_clean(&format!("{file} removed"));
        }
    }
}

/// A save that breaks the site shows, with its errors, the output paths two producers would
/// write (pages, aliases, copied files), as `build` does.
#[test]
fn collisions_show_with_the_errors_of_earlier_stages() {
    let mut s = Session::new(false);
    let p = "content/posts/magnet-gap.md";
    s.write(
        p,
        &s.read(p)
            .replacen("---\n", "---\naliases: [\"/\", /style.css]\n", 1),
    );
    let errors = s.build(&[p]).unwrap_err();
    assert_eq!(
        errors,
        [
            "content/posts/magnet-gap.md:2:11: error: alias \"/\" is empty or the site root [alias]",
            "content/posts/magnet-gap.md:2:16: error: the alias /style.css of content/posts/magnet-gap.md and the built-in theme's static/style.css both write style.css [output]",
        ]
    );
}
