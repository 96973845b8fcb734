//! RSS 2.0 writer: a [`Feed`] → `rss.xml` bytes.
//!
//! Dates are RFC 2822 with the post's numeric offset (`Tue, 05 Mar 2024 23:30:00 +0530`);
//! `lastBuildDate` is the newest entry's `updated` (absent when the feed is empty). Authors
//! are `dc:creator` names (RSS `<author>` must be an e-mail address); the full post is
//! `content:encoded`, the summary `description`, both in CDATA.

use std::io;

use super::xml;
use super::{Feed, GENERATOR, rfc2822};

/// Serialises `feed` as RSS 2.0.
pub(crate) fn write(feed: &Feed<'_>) -> io::Result<Vec<u8>> {
    let mut w = xml::doc()?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                xml::text(w, "title", &[], &feed.title)?;
                xml::text(w, "link", &[], &feed.home_url)?;
                xml::text(w, "description", &[], &feed.description)?;
                xml::text(w, "language", &[], &feed.language)?;
                xml::text(w, "generator", &[], GENERATOR)?;
                if let Some(u) = feed.updated() {
                    xml::text(w, "lastBuildDate", &[], &rfc2822(u))?;
                }
                xml::empty(
                    w,
                    "atom:link",
                    &[
                        ("href", &feed.rss_url),
                        ("rel", "self"),
                        ("type", "application/rss+xml"),
                    ],
                )?;
                if let Some(logo) = &feed.logo {
                    w.create_element("image").write_inner_content(|w| {
                        xml::text(w, "url", &[], logo)?;
                        xml::text(w, "title", &[], &feed.title)?;
                        xml::text(w, "link", &[], &feed.home_url)
                    })?;
                }
                for e in &feed.entries {
                    w.create_element("item").write_inner_content(|w| {
                        xml::text(w, "title", &[], &e.title)?;
                        xml::text(w, "link", &[], &e.url)?;
                        xml::text(w, "guid", &[("isPermaLink", "true")], &e.url)?;
                        xml::text(w, "pubDate", &[], &rfc2822(&e.published))?;
                        for a in &e.authors {
                            xml::text(w, "dc:creator", &[], &a.name)?;
                        }
                        for t in &e.tags {
                            xml::text(w, "category", &[], t)?;
                        }
                        let summary = e.summary_html.as_deref().unwrap_or(&e.content_html);
                        xml::cdata(w, "description", &[], summary)?;
                        if summary != e.content_html {
                            xml::cdata(w, "content:encoded", &[], &e.content_html)?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(xml::finish(w))
}
