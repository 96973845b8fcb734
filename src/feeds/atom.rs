//! Atom 1.0 (RFC 4287) writer: a [`Feed`] → `atom.xml` bytes.
//!
//! Dates are RFC 3339 in each post's own offset; the feed's `<updated>` is the newest entry's
//! (the Unix epoch for a feed with no entries, which Atom still requires to carry one).
//! Titles are `type="text"`; summary and content are `type="html"` in CDATA.

use std::io;

use super::xml::{self, Doc};
use super::{Feed, GENERATOR, Person};
use crate::values::rfc3339;

const NS: &str = "http://www.w3.org/2005/Atom";
const EMPTY_FEED_UPDATED: &str = "1970-01-01T00:00:00Z";

fn person(w: &mut Doc, p: &Person) -> io::Result<()> {
    w.create_element("author").write_inner_content(|w| {
        xml::text(w, "name", &[], &p.name)?;
        if let Some(u) = &p.url {
            xml::text(w, "uri", &[], u)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Serialises `feed` as Atom.
pub(crate) fn write(feed: &Feed<'_>) -> io::Result<Vec<u8>> {
    let mut w = xml::doc()?;
    let updated = feed
        .updated()
        .map(rfc3339)
        .unwrap_or_else(|| EMPTY_FEED_UPDATED.to_string());
    w.create_element("feed")
        .with_attribute(("xmlns", NS))
        .with_attribute(("xml:lang", feed.language.as_str()))
        .write_inner_content(|w| {
            xml::text(w, "title", &[("type", "text")], &feed.title)?;
            if !feed.description.is_empty() {
                xml::text(w, "subtitle", &[("type", "text")], &feed.description)?;
            }
            xml::empty(
                w,
                "link",
                &[
                    ("rel", "self"),
                    ("type", "application/atom+xml"),
                    ("href", &feed.atom_url),
                ],
            )?;
            xml::empty(
                w,
                "link",
                &[
                    ("rel", "alternate"),
                    ("type", "text/html"),
                    ("href", &feed.home_url),
                ],
            )?;
            xml::text(w, "id", &[], &feed.home_url)?;
            xml::text(w, "updated", &[], &updated)?;
            person(w, &feed.author)?;
            xml::text(w, "generator", &[], GENERATOR)?;
            if let Some(logo) = &feed.logo {
                xml::text(w, "logo", &[], logo)?;
            }
            for e in &feed.entries {
                w.create_element("entry").write_inner_content(|w| {
                    xml::text(w, "title", &[("type", "text")], &e.title)?;
                    xml::empty(
                        w,
                        "link",
                        &[
                            ("rel", "alternate"),
                            ("type", "text/html"),
                            ("href", &e.url),
                        ],
                    )?;
                    xml::text(w, "id", &[], &e.url)?;
                    xml::text(w, "published", &[], &rfc3339(&e.published))?;
                    xml::text(w, "updated", &[], &rfc3339(&e.updated))?;
                    for a in &e.authors {
                        person(w, a)?;
                    }
                    for t in &e.tags {
                        xml::empty(w, "category", &[("term", t)])?;
                    }
                    if let Some(s) = &e.summary_html
                        && *s != e.content_html
                    {
                        xml::cdata(w, "summary", &[("type", "html")], s)?;
                    }
                    xml::cdata(w, "content", &[("type", "html")], &e.content_html)?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(xml::finish(w))
}
