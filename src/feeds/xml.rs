//! XML writing helpers shared by the Atom and RSS writers (quick-xml underneath).
//!
//! Input: clean text (see [`super::content`]). Output: UTF-8 XML with two-space indentation.
//! Invariant: text and attribute values are escaped exactly once by quick-xml; HTML payloads
//! are written as CDATA sections, split where the payload itself contains `]]>`.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

/// An XML document being written into memory.
pub(crate) type Doc = Writer<Vec<u8>>;

/// A new document with the `<?xml version="1.0" encoding="utf-8"?>` declaration written.
pub(crate) fn doc() -> io::Result<Doc> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    Ok(w)
}

/// The finished document's bytes, with a final newline.
pub(crate) fn finish(w: Doc) -> Vec<u8> {
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    bytes
}

/// `<name attrs…>text</name>`, text escaped once.
pub(crate) fn text(w: &mut Doc, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// `<name attrs…/>`.
pub(crate) fn empty(w: &mut Doc, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_empty()?;
    Ok(())
}

/// `<name attrs…><![CDATA[html]]></name>`: an HTML payload kept as written.
pub(crate) fn cdata(w: &mut Doc, name: &str, attrs: &[(&str, &str)], html: &str) -> io::Result<()> {
    // `contains` has a vectorised path; `replace` scans with the general searcher and copies
    // even when there is nothing to replace (almost always).
    let wrapped = if html.contains("]]>") {
        format!("<![CDATA[{}]]>", html.replace("]]>", "]]]]><![CDATA[>"))
    } else {
        let mut s = String::with_capacity(html.len() + 12);
        s.push_str("<![CDATA[");
        s.push_str(html);
        s.push_str("]]>");
        s
    };
    w.create_element(name)
        .with_attributes(attrs.iter().copied())
        .write_text_content(BytesText::from_escaped(wrapped))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_once_and_cdata_survives_its_terminator() {
        let mut w = doc().unwrap();
        w.create_element("r")
            .write_inner_content(|w| {
                text(w, "t", &[("term", "R&D")], "Q&A: <x>")?;
                cdata(w, "c", &[], "<p>a ]]> b &amp;</p>")
            })
            .unwrap();
        let s = String::from_utf8(finish(w)).unwrap();
        assert!(
            s.contains(r#"<t term="R&amp;D">Q&amp;A: &lt;x&gt;</t>"#),
            "{s}"
        );
        assert!(
            s.contains("<c><![CDATA[<p>a ]]]]><![CDATA[> b &amp;</p>]]></c>"),
            "{s}"
        );
    }
}
