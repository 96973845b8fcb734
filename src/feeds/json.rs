//! JSON Feed 1.1 writer: a [`Feed`] → `feed.json` bytes (<https://jsonfeed.org/version/1.1>).
//!
//! Field order is fixed by the structs below, so output is deterministic. Dates are RFC 3339
//! in each post's own offset; `summary` is plain text; `content_html` is the entry content.

use serde::Serialize;

use super::{Feed, Person};
use crate::values::rfc3339;

/// The `version` value of JSON Feed 1.1.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

impl<'a> From<&'a Person> for Author<'a> {
    fn from(p: &'a Person) -> Self {
        Author {
            name: &p.name,
            url: p.url.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
}

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    authors: Vec<Author<'a>>,
    items: Vec<Item<'a>>,
}

/// Serialises `feed` as JSON Feed 1.1 (pretty-printed, final newline).
pub(crate) fn write(feed: &Feed<'_>) -> serde_json::Result<Vec<u8>> {
    let doc = Document {
        version: VERSION,
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed.json_url,
        description: &feed.description,
        language: &feed.language,
        authors: vec![Author::from(&feed.author)],
        items: feed
            .entries
            .iter()
            .map(|e| Item {
                id: &e.url,
                url: &e.url,
                title: &e.title,
                content_html: &e.content_html,
                summary: e.summary_text.as_deref(),
                image: e.image.as_deref(),
                date_published: rfc3339(&e.published),
                date_modified: rfc3339(&e.updated),
                authors: e.authors.iter().map(Author::from).collect(),
                tags: &e.tags,
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    Ok(bytes)
}
