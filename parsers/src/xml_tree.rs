//! A small owned XML tree for the agent's goal-state documents (a few KiB each), so lookups read like
//! paths: `root.find(&["Machine", "ExpectedState"])`. Names are local (namespace prefixes dropped), text
//! and attribute values are unescaped, and errors carry the byte offset and line of the fault.

use crate::error::ParseError;
use crate::lines::decode;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Deeper nesting than any agent document has; the cap keeps hostile input from exhausting the stack
/// when the tree is dropped.
const MAX_DEPTH: usize = 64;

/// An element: local name (prefix dropped), attributes, its own text, child elements.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All child elements with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element reached by following child names.
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |el, name| el.child(name))
    }

    /// An attribute value (unescaped).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// An attribute holding a non-negative integer (blanks around it allowed).
    pub fn attr_u64(&self, name: &str) -> Option<u64> {
        self.attr(name).and_then(|v| v.trim().parse().ok())
    }

    /// The element's text, trimmed; `None` when blank.
    pub fn text(&self) -> Option<String> {
        let t = self.text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The trimmed text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).and_then(Element::text)
    }

    /// Fails unless this (root) element has the expected name.
    pub fn expect_name(&self, expected: &str) -> Result<(), ParseError> {
        if self.name == expected {
            Ok(())
        } else {
            Err(ParseError::new(format!("expected root element <{expected}>, found <{}>", self.name)))
        }
    }
}

/// Decodes a document's bytes (BOM, UTF-16) and parses it; fails unless the root element is `expected`.
pub(crate) fn parse_root(bytes: &[u8], expected: &str) -> Result<Element, ParseError> {
    let root = parse(&decode(bytes))?;
    root.expect_name(expected)?;
    Ok(root)
}

/// Parses a whole document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::new("empty file"));
    }
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| error_at(text, reader.error_position(), format!("invalid XML: {e}")))?;
        let at = reader.buffer_position();
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error_at(text, at, "XML nested too deeply".to_string()));
                }
                stack.push(element(&start).map_err(|e| error_at(text, at, e.to_string()))?);
            }
            Event::Empty(start) => {
                let el = element(&start).map_err(|e| error_at(text, at, e.to_string()))?;
                attach(&mut stack, &mut root, el).map_err(|e| error_at(text, at, e.to_string()))?;
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el).map_err(|e| error_at(text, at, e.to_string()))?;
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content(), text, at)?,
            Event::CData(c) => push_text(&mut stack, &c.xml10_content(), text, at)?,
            Event::GeneralRef(r) => push_text(&mut stack, &resolve_reference(&r), text, at)?,
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        let end = u64::try_from(text.len()).unwrap_or(u64::MAX);
        return Err(error_at(text, end, format!("truncated XML: <{}> is not closed", open.name)));
    }
    root.ok_or_else(|| ParseError::new("no XML root element"))
}

/// A structural fault in a document, placed at its line and offset by [`error_at`].
#[derive(Debug, thiserror::Error)]
enum TreeError {
    /// An attribute quick-xml cannot read (no value, unquoted, repeated).
    #[error("invalid XML attribute: {0}")]
    Attribute(#[source] AttrError),
    /// A second element at the top level; the name is the second root's.
    #[error("second root element <{0}>")]
    SecondRoot(String),
}

fn element(start: &BytesStart<'_>) -> Result<Element, TreeError> {
    let mut el = Element { name: start.local_name().as_ref().to_string(), ..Element::default() };
    for attr in start.attributes() {
        let attr = attr.map_err(TreeError::Attribute)?;
        // Unknown entities make normalisation fail; the raw text is still more useful than nothing.
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attr.value.to_string());
        el.attrs.push((attr.key.local_name().as_ref().to_string(), value));
    }
    Ok(el)
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), TreeError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => return Err(TreeError::SecondRoot(el.name)),
    }
    Ok(())
}

fn push_text(stack: &mut [Element], piece: &str, text: &str, at: u64) -> Result<(), ParseError> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(piece),
        None if piece.trim().is_empty() => {}
        None => return Err(error_at(text, at, "text outside the root element".to_string())),
    }
    Ok(())
}

/// `&amp;`-style and `&#NN;` references; an unknown entity is kept as written.
fn resolve_reference(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match quick_xml::escape::resolve_predefined_entity(r) {
        Some(s) => s.to_string(),
        None => format!("&{};", &**r),
    }
}

/// An error carrying both the byte offset and the 1-based line it falls on.
fn error_at(text: &str, offset: u64, message: String) -> ParseError {
    let end = usize::try_from(offset).unwrap_or(usize::MAX).min(text.len());
    let before = text.as_bytes().get(..end).unwrap_or_default();
    let line = memchr::memchr_iter(b'\n', before).count().saturating_add(1);
    ParseError { line: u32::try_from(line).ok(), offset: Some(offset), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_local_and_text_is_unescaped() {
        let doc = r#"<?xml version="1.0"?><w:Root xmlns:w="urn:x" w:n=" 42 " url="a?b=1&amp;c=2">
            <Child>x &lt; y &#65;&bogus;</Child><Child><![CDATA[<raw>]]></Child><Other/></w:Root>"#;
        let root = parse(doc).unwrap();
        assert_eq!(
            (root.name.as_str(), root.attr("n"), root.attr_u64("n")),
            ("Root", Some(" 42 "), Some(42))
        );
        assert_eq!(root.attr("url"), Some("a?b=1&c=2"));
        let texts: Vec<_> = root.children_named("Child").map(Element::text).collect();
        assert_eq!(texts, [Some("x < y A&bogus;".to_string()), Some("<raw>".to_string())]);
        assert_eq!(root.find(&["Other"]).map(|e| e.text()), Some(None));
        assert_eq!(root.find(&["Child", "Missing"]).map(|e| e.name.as_str()), None);
        assert_eq!(root.attr_u64("url"), None);
    }

    #[test]
    fn parse_root_decodes_bytes_and_checks_the_root() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("<Extensions goalStateIncarnation=\"3\"/>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse_root(&utf16, "Extensions").unwrap().attr_u64("goalStateIncarnation"), Some(3));
        let err = parse_root(b"<GoalState/>", "Extensions").unwrap_err();
        assert_eq!(err.message, "expected root element <Extensions>, found <GoalState>");
    }

    #[test]
    fn errors_carry_line_and_offset() {
        let err = parse("<a>\n<b>\n</a>").unwrap_err();
        assert!(err.message.starts_with("invalid XML: "), "{}", err.message);
        assert_eq!(err.line, Some(3));
        let err = parse("<a>\n<b></b>").unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.line, err.offset),
            ("truncated XML: <a> is not closed", Some(2), Some(11))
        );
    }

    #[test]
    fn structural_faults_are_placed_at_their_element() {
        let err = parse("<a>\n<b x></b></a>").unwrap_err();
        assert!(err.message.starts_with("invalid XML attribute: "), "{}", err.message);
        assert_eq!(err.line, Some(2));
        let err = parse("<a/>\n<second/>").unwrap_err();
        assert_eq!((err.message.as_str(), err.line), ("second root element <second>", Some(2)));
    }
}
