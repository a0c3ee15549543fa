//! Reads a record's fields straight from its BinXML, as the `evtx` crate's XML rendering of it, parsed
//! back, would give them, but without writing or parsing any XML.
//!
//! A record is a token stream (MS-EVEN6 2.2.12): plain elements with their text, or, as Windows writes
//! nearly everything, an instance of a template defined once per chunk, whose substitution values fill
//! the definition's slots. Definitions are compiled once per chunk into a small element tree; an
//! instance walks it with its values and hands each element, attribute and piece of text to
//! [`FieldsBuilder`], applying the rendering's rules on the way: an element whose dependency value is
//! NULL is left out, an attribute whose value is empty is not written, an optional substitution with an
//! empty value writes nothing, a BinXML value's elements take its place.
//!
//! Text reads as the rendering does once unescaped: control characters, lone surrogates and U+FFFE /
//! U+FFFF become `_`, strings end at their first NUL, numbers, GUIDs, SIDs, FILETIMEs and binary data
//! are written as the crate writes them. Anything the decoder does not reproduce exactly (entity
//! references, CDATA, processing instructions, arrays, floating-point and SYSTEMTIME values, ANSI text
//! beyond ASCII, names beyond plain ASCII, sizes that disagree with their types) makes it give up with
//! [`Unsupported`], and the crate reads that record's chunk instead.

use std::fmt::Write as _;
use std::ops::Range;
use std::rc::Rc;

use super::fields::{Fields, FieldsBuilder};

/// The decoder does not read this record exactly as the crate renders it; says what it met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported(pub(super) &'static str);

/// Bytes missing where the stream says there are some.
const TRUNCATED: Unsupported = Unsupported("truncated");

type Res<T> = Result<T, Unsupported>;

/// A stream or definition that does not hold together (the crate reports it, or reads it its way).
const MALFORMED: Unsupported = Unsupported("malformed BinXML");

/// BinXML nested inside values nested inside records: deeper than Windows writes.
const MAX_NESTING: usize = 8;
/// The DependencyId of an element without a dependency.
const NO_DEPENDENCY: u16 = 0xffff;

/// Value types (MS-EVEN6 2.2.13), as far as they are read here.
mod ty {
    pub(super) const NULL: u8 = 0x00;
    pub(super) const STRING: u8 = 0x01;
    pub(super) const ANSI: u8 = 0x02;
    pub(super) const INT8: u8 = 0x03;
    pub(super) const UINT8: u8 = 0x04;
    pub(super) const INT16: u8 = 0x05;
    pub(super) const UINT16: u8 = 0x06;
    pub(super) const INT32: u8 = 0x07;
    pub(super) const UINT32: u8 = 0x08;
    pub(super) const INT64: u8 = 0x09;
    pub(super) const UINT64: u8 = 0x0a;
    pub(super) const REAL32: u8 = 0x0b;
    pub(super) const REAL64: u8 = 0x0c;
    pub(super) const BOOL: u8 = 0x0d;
    pub(super) const BINARY: u8 = 0x0e;
    pub(super) const GUID: u8 = 0x0f;
    pub(super) const SIZE_T: u8 = 0x10;
    pub(super) const FILETIME: u8 = 0x11;
    pub(super) const SYSTIME: u8 = 0x12;
    pub(super) const SID: u8 = 0x13;
    pub(super) const HEX32: u8 = 0x14;
    pub(super) const HEX64: u8 = 0x15;
    pub(super) const EVT_HANDLE: u8 = 0x20;
    pub(super) const BIN_XML: u8 = 0x21;
    pub(super) const EVT_XML: u8 = 0x23;
    /// A type with this bit set is an array of the type without it.
    pub(super) const ARRAY: u8 = 0x80;
    pub(super) const STRING_ARRAY: u8 = 0x81;
}

/// Whether the crate knows the value type (it refuses a record naming any other).
fn known_type(t: u8) -> bool {
    matches!(t, 0x00..=0x15 | ty::EVT_HANDLE | ty::BIN_XML | ty::EVT_XML | 0x81..=0x95)
}

/// A bounds-checked little-endian reader over a chunk, positions chunk-relative.
#[derive(Debug, Clone, Copy)]
struct Cursor<'c> {
    data: &'c [u8],
    pos: usize,
    /// Where the stream ends (reads may still look past it, as the crate's do).
    end: usize,
}

impl<'c> Cursor<'c> {
    fn bytes(&mut self, n: usize) -> Res<&'c [u8]> {
        let stop = self.pos.checked_add(n).ok_or(TRUNCATED)?;
        let slice = self.data.get(self.pos..stop).ok_or(TRUNCATED)?;
        self.pos = stop;
        Ok(slice)
    }

    fn skip(&mut self, n: usize) -> Res<()> {
        self.bytes(n).map(|_| ())
    }

    fn u8(&mut self) -> Res<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Res<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Res<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn usize32(&mut self) -> Res<usize> {
        usize::try_from(self.u32()?).map_err(|_| TRUNCATED)
    }
}

/// An element or attribute name: its UTF-16LE units, plain ASCII (letters, digits, `_`, `-`, `.`, and
/// `:` after a prefix). Names compare whole; [`Name::is`] and [`Name::push_to`] see the local part (after
/// the prefix), as the XML reader gives names.
#[derive(Debug, Clone, Copy)]
pub(super) struct Name<'c> {
    full: &'c [u8],
    local: &'c [u8],
}

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.full == other.full
    }
}

impl Name<'_> {
    /// Whether its local part spells `expected`.
    pub(super) fn is(&self, expected: &str) -> bool {
        self.local.len() == 2 * expected.len()
            && self.local.chunks_exact(2).zip(expected.bytes()).all(|(u, c)| u[0] == c)
    }

    /// Appends its local part to `out`.
    pub(super) fn push_to(&self, out: &mut String) {
        out.extend(self.local.chunks_exact(2).map(|u| char::from(u[0])));
    }
}

/// For each ASCII byte, what it is in a name: `NAME_CHAR`, `NAME_COLON`, `NAME_END` (NUL), or 0 (not
/// in a plain name).
const NAME_CHAR: u8 = 1;
const NAME_COLON: u8 = 2;
const NAME_END: u8 = 4;
const NAME_BYTES: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' {
            table[b] = NAME_CHAR;
        }
        b += 1;
    }
    table[b':' as usize] = NAME_COLON;
    table[0] = NAME_END;
    table
};

/// The name entry at chunk offset `offset`: next-link, hash, unit count, units, NUL.
fn name_at(chunk: &[u8], offset: usize) -> Res<Name<'_>> {
    const NOT_PLAIN: Unsupported = Unsupported("a name beyond plain ASCII");
    let count_at = offset.checked_add(6).ok_or(TRUNCATED)?;
    let count = chunk.get(count_at..count_at + 2).ok_or(TRUNCATED)?;
    let units = usize::from(u16::from_le_bytes([count[0], count[1]]));
    let start = count_at + 2;
    // The units and the NUL after them must be there.
    let raw = chunk.get(start..start + 2 * units + 2).ok_or(TRUNCATED)?;
    // One pass: the name ends at its first NUL, and holds only plain characters.
    let mut len = units;
    let mut seen = 0u8;
    for (i, u) in raw[..2 * units].chunks_exact(2).enumerate() {
        let class = if u[1] == 0 { NAME_BYTES.get(usize::from(u[0])).copied().unwrap_or(0) } else { 0 };
        if class == NAME_END {
            len = i;
            break;
        }
        if class == 0 {
            return Err(NOT_PLAIN);
        }
        seen |= class;
    }
    let full = &raw[..2 * len];
    let local = if seen & NAME_COLON == 0 {
        full
    } else {
        match full.chunks_exact(2).position(|u| u[0] == b':') {
            Some(0) | None => return Err(NOT_PLAIN),
            Some(i) => &full[2 * i + 2..],
        }
    };
    if local.is_empty() {
        return Err(NOT_PLAIN);
    }
    Ok(Name { full, local })
}

/// UTF-16LE bytes up to their first NUL unit.
fn until_nul(bytes: &[u8]) -> &[u8] {
    let len = bytes.chunks_exact(2).position(|u| u == [0, 0]).unwrap_or(bytes.len() / 2);
    &bytes[..2 * len]
}

/// A substitution value: its type and bytes, and where they are in the chunk.
#[derive(Debug, Clone, Copy)]
struct Value<'c> {
    kind: u8,
    at: usize,
    bytes: &'c [u8],
}

impl Value<'_> {
    /// NULL, as a dependency or a slot sees it (a BinXML value of no bytes decodes as NULL).
    fn is_null(&self) -> bool {
        self.kind == ty::NULL || (self.kind == ty::BIN_XML && self.bytes.is_empty())
    }

    /// Empty, as an attribute or an optional substitution sees it: writes nothing.
    fn is_empty(&self) -> bool {
        match self.kind {
            ty::NULL => true,
            ty::STRING => until_nul(self.bytes).is_empty(),
            ty::ANSI => self.bytes.iter().all(|&b| b == 0),
            ty::BINARY | ty::BIN_XML => self.bytes.is_empty(),
            k if k & ty::ARRAY != 0 => self.bytes.is_empty(),
            _ => false,
        }
    }

    /// How many items an array value holds (`None` for a scalar).
    fn array_len(&self) -> Option<usize> {
        if self.kind & ty::ARRAY == 0 {
            return None;
        }
        Some(match self.kind {
            ty::STRING_ARRAY => string_items(self.bytes).count(),
            k => self.bytes.len() / array_item_size(k).unwrap_or(1).max(1),
        })
    }

    /// The first `N` bytes (the type's size; a larger descriptor size pads it).
    fn first<const N: usize>(&self) -> Res<[u8; N]> {
        self.bytes.get(..N).and_then(|b| b.try_into().ok()).ok_or(TRUNCATED)
    }
}

/// Whether a value of type `kind` with descriptor size `size` at `cursor` reads as exactly the bytes the
/// descriptor gives it, as the crate reads it (a type it reads past its size, or does not read here,
/// is refused).
fn value_fits(kind: u8, size: usize, cursor: &Cursor<'_>) -> bool {
    let fixed = |n: usize| n <= size;
    match kind {
        ty::NULL | ty::ANSI | ty::BINARY | ty::BIN_XML => true,
        ty::STRING => size % 2 == 0,
        ty::INT8 | ty::UINT8 => fixed(1),
        ty::INT16 | ty::UINT16 => fixed(2),
        ty::INT32 | ty::UINT32 | ty::REAL32 | ty::BOOL | ty::HEX32 => fixed(4),
        ty::INT64 | ty::UINT64 | ty::REAL64 | ty::FILETIME | ty::HEX64 => fixed(8),
        ty::GUID | ty::SYSTIME => fixed(16),
        ty::SIZE_T => size == 4 || size == 8,
        ty::SID => cursor
            .data
            .get(cursor.pos + 1)
            .is_some_and(|&subs| size >= 8 && 8 + 4 * usize::from(subs) <= size),
        // Each string ends with a NUL; without one at the end, the crate reads past the value.
        ty::STRING_ARRAY => {
            size % 2 == 0
                && (size == 0 || cursor.data.get(cursor.pos + size - 2..cursor.pos + size) == Some(&[0, 0]))
        }
        0x82 => true,
        k => array_item_size(k).is_some_and(|n| size % n == 0),
    }
}

/// The item size of a fixed-size array type the crate reads.
fn array_item_size(kind: u8) -> Option<usize> {
    match kind {
        0x83 | 0x84 => Some(1),
        0x85 | 0x86 => Some(2),
        0x87 | 0x88 | 0x8b | 0x8d | 0x94 => Some(4),
        0x89 | 0x8a | 0x8c | 0x91 | 0x95 => Some(8),
        0x8f | 0x92 => Some(16),
        _ => None,
    }
}

/// The strings of a string array, each up to its NUL.
fn string_items(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.len() < 2 {
            return None;
        }
        let len = rest.chunks_exact(2).position(|u| u == [0, 0]).unwrap_or(rest.len() / 2);
        let item = &rest[..2 * len];
        rest = rest.get(2 * len + 2..).unwrap_or_default();
        Some(item)
    })
}

/// A template instance: the definition it fills and its values.
struct Instance<'c> {
    definition: u32,
    values: Vec<Value<'c>>,
}

/// One token of a stream.
enum Token<'c> {
    /// The end of the stream.
    End,
    Open(Name<'c>, Option<u16>),
    CloseStart,
    CloseEmpty,
    EndElement,
    Attribute(Name<'c>),
    /// A string value written in place (read up to its first NUL).
    Text(&'c [u8]),
    Substitution {
        index: u16,
        optional: bool,
    },
    CharRef(u16),
    EntityRef(Name<'c>),
    Instance(Instance<'c>),
}

/// A piece of a template's element: a child element (by index), text, a substitution, a character.
#[derive(Debug, Clone, Copy)]
enum Piece<'c> {
    Element(usize),
    Text(&'c [u8]),
    Substitution { index: u16, optional: bool },
    CharRef(u16),
    EntityRef(Name<'c>),
}

/// An element of a template definition.
#[derive(Debug)]
struct TemplateElement<'c> {
    name: Name<'c>,
    dependency: Option<u16>,
    attributes: Vec<(Name<'c>, Vec<Piece<'c>>)>,
    children: Vec<Piece<'c>>,
}

/// A compiled template definition: its elements, the root first.
#[derive(Debug)]
struct Template<'c> {
    elements: Vec<TemplateElement<'c>>,
    /// Substitution slots used in more than one place.
    reused: Vec<u16>,
}

/// Decodes the records of one chunk, keeping the chunk's compiled templates.
pub(super) struct Decoder<'c> {
    chunk: &'c [u8],
    /// Compiled definitions by chunk offset, or why one is not readable here.
    templates: Vec<(u32, Res<Rc<Template<'c>>>)>,
    builder: FieldsBuilder<'c>,
}

impl<'c> Decoder<'c> {
    pub(super) fn new(chunk: &'c [u8]) -> Self {
        Decoder { chunk, templates: Vec::new(), builder: FieldsBuilder::default() }
    }

    /// The fields of the record whose BinXML spans `binxml` (chunk-relative), until the next record.
    pub(super) fn fields(&mut self, binxml: Range<usize>) -> Res<&mut Fields> {
        let mut builder = std::mem::take(&mut self.builder);
        builder.reset();
        let mut r = Cursor { data: self.chunk, pos: binxml.start, end: binxml.end.min(self.chunk.len()) };
        let result = self.stream(&mut r, &mut builder, 0);
        self.builder = builder;
        result?;
        self.builder.finish()
    }

    /// A name reference: the offset of a name entry, stored inline right here when it is this position.
    fn name_ref(&self, r: &mut Cursor<'c>) -> Res<Name<'c>> {
        let offset = r.usize32()?;
        if offset == r.pos {
            r.skip(6)?;
            let units = usize::from(r.u16()?);
            r.skip(2 * units + 2)?;
        }
        name_at(self.chunk, offset)
    }

    /// The next token; in a template `definition`, element starts carry a dependency id.
    fn token(&self, r: &mut Cursor<'c>, definition: bool) -> Res<Token<'c>> {
        loop {
            if r.pos >= r.end {
                return Ok(Token::End);
            }
            let token = r.u8()?;
            return Ok(match token {
                0x00 => Token::End,
                0x0f => {
                    r.skip(3)?; // fragment header: version, flags
                    continue;
                }
                0x0c => Token::Instance(self.instance(r)?),
                0x01 | 0x41 => {
                    let dependency =
                        if definition { Some(r.u16()?).filter(|&d| d != NO_DEPENDENCY) } else { None };
                    r.skip(4)?; // data size
                    let name = self.name_ref(r)?;
                    if token & 0x40 != 0 {
                        r.skip(4)?; // attribute list size
                    }
                    Token::Open(name, dependency)
                }
                0x02 => Token::CloseStart,
                0x03 => Token::CloseEmpty,
                0x04 => Token::EndElement,
                0x05 | 0x45 => {
                    if r.u8()? != ty::STRING {
                        return Err(Unsupported("a value token that is not a string"));
                    }
                    let units = usize::from(r.u16()?);
                    Token::Text(r.bytes(2 * units)?)
                }
                0x06 | 0x46 => Token::Attribute(self.name_ref(r)?),
                0x08 | 0x48 => Token::CharRef(r.u16()?),
                0x0d | 0x0e => {
                    let index = r.u16()?;
                    if !known_type(r.u8()?) {
                        return Err(Unsupported("an unknown value type"));
                    }
                    Token::Substitution { index, optional: token == 0x0e }
                }
                0x07 | 0x47 => return Err(Unsupported("CDATA")),
                0x09 | 0x49 => Token::EntityRef(self.name_ref(r)?),
                0x0a | 0x0b => return Err(Unsupported("a processing instruction")),
                _ => return Err(Unsupported("an unknown token")),
            });
        }
    }

    /// A template instance (its token read): the definition, skipped when stored here, and the values.
    fn instance(&self, r: &mut Cursor<'c>) -> Res<Instance<'c>> {
        r.skip(5)?; // unknown byte, template id
        let definition = r.u32()?;
        if usize::try_from(definition).ok() == Some(r.pos) {
            r.skip(20)?; // next-definition offset, GUID
            let size = r.usize32()?;
            r.skip(size)?;
        }
        let count = r.usize32()?;
        let table = r.bytes(count.checked_mul(4).ok_or(TRUNCATED)?)?;
        let mut values = Vec::with_capacity(count);
        for d in table.chunks_exact(4) {
            let size = usize::from(u16::from_le_bytes([d[0], d[1]]));
            let kind = d[2];
            if !value_fits(kind, size, r) {
                return Err(Unsupported("a value whose size is not its type's"));
            }
            let at = r.pos;
            values.push(Value { kind, at, bytes: r.bytes(size)? });
        }
        Ok(Instance { definition, values })
    }

    /// The compiled template defined at chunk offset `definition`.
    fn template(&mut self, definition: u32) -> Res<Rc<Template<'c>>> {
        if let Some((_, compiled)) = self.templates.iter().find(|(at, _)| *at == definition) {
            return compiled.clone();
        }
        let compiled = self.compile(definition).map(Rc::new);
        self.templates.push((definition, compiled.clone()));
        compiled
    }

    /// Compiles the definition at chunk offset `definition`: header (next offset, GUID, size), then
    /// the element tree.
    fn compile(&self, definition: u32) -> Res<Template<'c>> {
        let start = usize::try_from(definition).map_err(|_| TRUNCATED)?;
        let mut r = Cursor { data: self.chunk, pos: start, end: self.chunk.len() };
        r.skip(20)?;
        let size = r.usize32()?;
        r.end = r.pos.checked_add(size).ok_or(TRUNCATED)?;
        let mut elements: Vec<TemplateElement<'c>> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut in_attribute = false;
        loop {
            let piece = match self.token(&mut r, true)? {
                Token::End => break,
                Token::Open(name, dependency) => {
                    let index = elements.len();
                    match open.last() {
                        Some(&parent) => elements[parent].children.push(Piece::Element(index)),
                        None if index > 0 => return Err(Unsupported("a template of several roots")),
                        None => {}
                    }
                    elements.push(TemplateElement {
                        name,
                        dependency,
                        attributes: Vec::new(),
                        children: Vec::new(),
                    });
                    open.push(index);
                    in_attribute = false;
                    continue;
                }
                Token::Attribute(name) => {
                    let top = *open.last().ok_or(MALFORMED)?;
                    elements[top].attributes.push((name, Vec::new()));
                    in_attribute = true;
                    continue;
                }
                Token::CloseStart => {
                    in_attribute = false;
                    continue;
                }
                Token::CloseEmpty | Token::EndElement => {
                    in_attribute = false;
                    open.pop().ok_or(MALFORMED)?;
                    continue;
                }
                Token::Text(t) => Piece::Text(t),
                Token::Substitution { index, optional } => Piece::Substitution { index, optional },
                Token::CharRef(c) => Piece::CharRef(c),
                Token::EntityRef(name) => Piece::EntityRef(name),
                Token::Instance(_) => return Err(Unsupported("a template instance in a definition")),
            };
            let top = &mut elements[*open.last().ok_or(MALFORMED)?];
            match (in_attribute, top.attributes.last_mut()) {
                (true, Some((_, value))) => value.push(piece),
                _ => top.children.push(piece),
            }
        }
        if !open.is_empty() || elements.is_empty() {
            return Err(MALFORMED);
        }
        let mut slots: Vec<u16> = elements
            .iter()
            .flat_map(|e| e.children.iter().chain(e.attributes.iter().flat_map(|(_, v)| v.iter())))
            .filter_map(|p| match p {
                Piece::Substitution { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        slots.sort_unstable();
        let mut reused: Vec<u16> = slots.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        reused.dedup();
        Ok(Template { elements, reused })
    }

    /// A stream's elements, at the builder's current position: a record's own stream, or a BinXML
    /// value's.
    fn stream(&mut self, r: &mut Cursor<'c>, out: &mut FieldsBuilder<'c>, nesting: usize) -> Res<()> {
        if nesting > MAX_NESTING {
            return Err(Unsupported("BinXML nested too deeply"));
        }
        let mut open = 0usize;
        // The attribute being read: its name and the pieces of its value so far.
        let mut attribute: Option<(Name<'c>, Pieces<'c>)> = None;
        loop {
            let token = self.token(r, false)?;
            // An attribute's value ends at the next token that is not part of it.
            if attribute.is_some()
                && !matches!(token, Token::Text(_) | Token::CharRef(_) | Token::EntityRef(_))
            {
                if let Some((name, pieces)) = attribute.take() {
                    plain_attribute(name, &pieces, out)?;
                }
            }
            match token {
                Token::End => break,
                Token::Instance(instance) => {
                    let template = self.template(instance.definition)?;
                    self.element(&template, 0, &instance.values, out, nesting)?;
                }
                Token::Open(name, _) => {
                    out.start(name)?;
                    open += 1;
                }
                Token::Attribute(name) => attribute = Some((name, Pieces::default())),
                Token::Text(t) => match &mut attribute {
                    Some((_, pieces)) => pieces.push(t),
                    None if open == 0 => return Err(MALFORMED),
                    None => out.text_with(|s| {
                        push_utf16(s, until_nul(t));
                        Ok(())
                    })?,
                },
                Token::CharRef(c) if attribute.is_none() && open > 0 => out.char_ref(char_ref(c)?)?,
                Token::EntityRef(name) if attribute.is_none() && open > 0 => out.entity_ref(name)?,
                Token::CloseStart => {}
                Token::CloseEmpty | Token::EndElement => {
                    open = open.checked_sub(1).ok_or(MALFORMED)?;
                    out.end()?;
                }
                // Substitutions belong to template definitions; character references in attribute
                // values are left to the crate.
                Token::CharRef(_) | Token::EntityRef(_) => {
                    return Err(Unsupported("a reference in an attribute"));
                }
                Token::Substitution { .. } => return Err(MALFORMED),
            }
        }
        if open != 0 {
            return Err(MALFORMED);
        }
        Ok(())
    }

    /// Element `index` of `template` filled with `values`; the template's root (index 0) is never
    /// left out.
    fn element(
        &mut self,
        template: &Template<'c>,
        index: usize,
        values: &[Value<'c>],
        out: &mut FieldsBuilder<'c>,
        nesting: usize,
    ) -> Res<()> {
        let el = template.elements.get(index).ok_or(MALFORMED)?;
        if index > 0 {
            if let Some(dependency) = el.dependency {
                if values.get(usize::from(dependency)).is_some_and(Value::is_null) {
                    return Ok(());
                }
            }
        }
        self.expanded(template, index, values, out, nesting)
    }

    /// The element repeated once per item of the first array of more than one item among its own
    /// substitutions (MS-EVEN6 3.1.4.7.5), each copy holding its item; once when there is none.
    fn expanded(
        &mut self,
        template: &Template<'c>,
        index: usize,
        values: &[Value<'c>],
        out: &mut FieldsBuilder<'c>,
        nesting: usize,
    ) -> Res<()> {
        let el = template.elements.get(index).ok_or(MALFORMED)?;
        let own = el.children.iter().chain(el.attributes.iter().flat_map(|(_, v)| v.iter()));
        let array = own
            .filter_map(|p| match p {
                Piece::Substitution { index, .. } => Some(*index),
                _ => None,
            })
            .find(|&slot| values.get(usize::from(slot)).and_then(Value::array_len).is_some_and(|n| n > 1));
        let Some(slot) = array else { return self.body(template, index, values, out, nesting) };
        let array = values[usize::from(slot)];
        if array.kind != ty::STRING_ARRAY || template.reused.contains(&slot) {
            return Err(Unsupported("an array the decoder does not expand"));
        }
        let mut copy = values.to_vec();
        for item in string_items(array.bytes) {
            copy[usize::from(slot)] = Value { kind: ty::STRING, at: array.at, bytes: item };
            self.expanded(template, index, &copy, out, nesting)?;
        }
        Ok(())
    }

    /// The element itself: its start, attributes, content and end.
    fn body(
        &mut self,
        template: &Template<'c>,
        index: usize,
        values: &[Value<'c>],
        out: &mut FieldsBuilder<'c>,
        nesting: usize,
    ) -> Res<()> {
        let el = template.elements.get(index).ok_or(MALFORMED)?;
        out.start(el.name)?;
        for (name, pieces) in &el.attributes {
            template_attribute(*name, pieces, values, out)?;
        }
        for piece in &el.children {
            match *piece {
                Piece::Element(child) => self.element(template, child, values, out, nesting)?,
                Piece::Text(t) => out.text_with(|s| {
                    push_utf16(s, until_nul(t));
                    Ok(())
                })?,
                Piece::CharRef(c) => out.char_ref(char_ref(c)?)?,
                Piece::EntityRef(name) => out.entity_ref(name)?,
                Piece::Substitution { index, optional } => {
                    let Some(value) = values.get(usize::from(index)) else { continue };
                    if value.is_null() || (optional && value.is_empty()) {
                        continue;
                    }
                    if value.kind == ty::BIN_XML {
                        let mut r =
                            Cursor { data: self.chunk, pos: value.at, end: value.at + value.bytes.len() };
                        self.stream(&mut r, out, nesting + 1)?;
                    } else {
                        out.text_with(|s| push_value(s, value))?;
                    }
                }
            }
        }
        out.end()
    }
}

/// The text pieces of a plain stream's attribute value: nearly always one.
#[derive(Debug, Default)]
struct Pieces<'c> {
    first: Option<&'c [u8]>,
    more: Vec<&'c [u8]>,
}

impl<'c> Pieces<'c> {
    fn push(&mut self, piece: &'c [u8]) {
        if self.first.is_none() {
            self.first = Some(piece);
        } else {
            self.more.push(piece);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'c [u8]> + '_ {
        self.first.into_iter().chain(self.more.iter().copied())
    }
}

/// A plain stream's attribute: written unless its value is empty.
fn plain_attribute<'c>(name: Name<'c>, pieces: &Pieces<'c>, out: &mut FieldsBuilder<'c>) -> Res<()> {
    let empty = match pieces.first {
        Some(first) if pieces.more.is_empty() => until_nul(first).is_empty(),
        _ => pieces.iter().all(|p| until_nul(p).is_empty()),
    };
    if empty {
        return Ok(());
    }
    if let Some(slot) = out.attribute(name)? {
        out.attribute_value(slot, |value| {
            for piece in pieces.iter() {
                push_utf16(value, until_nul(piece));
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// A template's attribute filled with `values`: written unless every piece of its value is empty.
fn template_attribute<'c>(
    name: Name<'c>,
    pieces: &[Piece<'c>],
    values: &[Value<'c>],
    out: &mut FieldsBuilder<'c>,
) -> Res<()> {
    let mut written = false;
    for piece in pieces {
        match *piece {
            Piece::Text(t) => written |= !until_nul(t).is_empty(),
            Piece::Substitution { index, .. } => {
                if let Some(value) = values.get(usize::from(index)) {
                    // The crate refuses elements in attribute values.
                    if value.kind == ty::BIN_XML && !value.bytes.is_empty() {
                        return Err(Unsupported("BinXML in an attribute"));
                    }
                    written |= !value.is_empty();
                }
            }
            Piece::Element(_) => return Err(MALFORMED),
            Piece::CharRef(_) | Piece::EntityRef(_) => {
                return Err(Unsupported("a reference in an attribute"))
            }
        }
    }
    if !written {
        return Ok(());
    }
    let Some(slot) = out.attribute(name)? else { return Ok(()) };
    out.attribute_value(slot, |value| {
        for piece in pieces {
            match *piece {
                Piece::Text(t) => push_utf16(value, until_nul(t)),
                Piece::Substitution { index, .. } => {
                    if let Some(v) = values.get(usize::from(index)) {
                        push_value(value, v)?;
                    }
                }
                Piece::Element(_) | Piece::CharRef(_) | Piece::EntityRef(_) => return Err(MALFORMED),
            }
        }
        Ok(())
    })
}

/// The character a character reference stands for, when the XML reader reads it back as itself.
fn char_ref(unit: u16) -> Res<char> {
    match char::from_u32(u32::from(unit)) {
        Some(c) if c >= ' ' || matches!(c, '\t' | '\n' | '\r') => Ok(c),
        _ => Err(Unsupported("a character reference the XML reader does not take")),
    }
}

/// Appends UTF-16LE text as the crate's XML writes it and the XML reader reads it back: C0 controls
/// but tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF become `_`.
fn push_utf16(out: &mut String, bytes: &[u8]) {
    // Printable ASCII, which is nearly all text: one pass to check it (branch-free, so it
    // vectorizes), one to copy it.
    let units = bytes.chunks_exact(2);
    let plain = units.clone().fold(true, |all, u| {
        let c = u[0];
        all & (u[1] == 0) & ((0x20..0x80).contains(&c) | (c == b'\t') | (c == b'\n') | (c == b'\r'))
    });
    if plain {
        let mut ascii = [0u8; 128];
        for piece in bytes.chunks(2 * ascii.len()) {
            let n = piece.len() / 2;
            for (to, from) in ascii.iter_mut().zip(piece.chunks_exact(2)) {
                *to = from[0];
            }
            // Printable ASCII is UTF-8.
            out.push_str(std::str::from_utf8(&ascii[..n]).unwrap_or_default());
        }
        return;
    }
    let rest = bytes;
    out.reserve(rest.len() / 2);
    let mut units = rest.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]]));
    while let Some(unit) = units.next() {
        let c = match unit {
            0x20..=0x7f | 0x09 | 0x0a | 0x0d => char::from(unit as u8),
            0x00..=0x1f | 0xdc00..=0xdfff | 0xfffe | 0xffff => '_',
            0xd800..=0xdbff => {
                // A high surrogate takes the low one after it; alone, it is `_` (and what follows
                // is read for itself).
                let mut rest = units.clone();
                match rest.next() {
                    Some(lo @ 0xdc00..=0xdfff) => {
                        units = rest;
                        let c = 0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(lo) - 0xdc00);
                        char::from_u32(c).unwrap_or('_')
                    }
                    _ => '_',
                }
            }
            _ => char::from_u32(u32::from(unit)).unwrap_or('_'),
        };
        out.push(c);
    }
}

/// Appends a substitution value's text as the crate writes it.
fn push_value(out: &mut String, v: &Value<'_>) -> Res<()> {
    // Writing to a `String` cannot fail; a FILETIME the crate writes differently does.
    let written: std::fmt::Result = match v.kind {
        ty::NULL => Ok(()),
        ty::STRING => {
            push_utf16(out, until_nul(v.bytes));
            Ok(())
        }
        ty::ANSI => {
            // NULs are dropped; text beyond ASCII would need the crate's code page.
            if !v.bytes.is_ascii() {
                return Err(Unsupported("ANSI text beyond ASCII"));
            }
            for &b in v.bytes.iter().filter(|&&b| b != 0) {
                out.push(if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') { '_' } else { char::from(b) });
            }
            Ok(())
        }
        ty::INT8 => write!(out, "{}", v.first::<1>()?[0] as i8),
        ty::UINT8 => write!(out, "{}", v.first::<1>()?[0]),
        ty::INT16 => write!(out, "{}", i16::from_le_bytes(v.first()?)),
        ty::UINT16 => write!(out, "{}", u16::from_le_bytes(v.first()?)),
        ty::INT32 => write!(out, "{}", i32::from_le_bytes(v.first()?)),
        ty::UINT32 => write!(out, "{}", u32::from_le_bytes(v.first()?)),
        ty::INT64 => write!(out, "{}", i64::from_le_bytes(v.first()?)),
        ty::UINT64 => write!(out, "{}", u64::from_le_bytes(v.first()?)),
        ty::BOOL => match i32::from_le_bytes(v.first()?) {
            0 => write!(out, "false"),
            1 => write!(out, "true"),
            raw => write!(out, "{raw}"),
        },
        ty::BINARY => {
            for b in v.bytes {
                let _ = write!(out, "{b:02X}");
            }
            Ok(())
        }
        ty::GUID => {
            let g: [u8; 16] = v.first()?;
            let d1 = u32::from_le_bytes([g[0], g[1], g[2], g[3]]);
            let d2 = u16::from_le_bytes([g[4], g[5]]);
            let d3 = u16::from_le_bytes([g[6], g[7]]);
            let _ = write!(out, "{{{d1:08x}-{d2:04x}-{d3:04x}-{:02x}{:02x}-", g[8], g[9]);
            for b in &g[10..] {
                let _ = write!(out, "{b:02x}");
            }
            out.push('}');
            Ok(())
        }
        ty::SIZE_T if v.bytes.len() == 4 => write!(out, "0x{:x}", u32::from_le_bytes(v.first()?)),
        ty::SIZE_T => write!(out, "0x{:x}", u64::from_le_bytes(v.first()?)),
        ty::HEX32 => write!(out, "0x{:x}", u32::from_le_bytes(v.first()?)),
        ty::HEX64 => write!(out, "0x{:x}", u64::from_le_bytes(v.first()?)),
        ty::FILETIME => push_filetime(out, u64::from_le_bytes(v.first()?)),
        ty::SID => {
            let b = v.bytes;
            let (revision, subs) = (b[0], usize::from(b[1]));
            let authority = b[2..8].iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
            let _ = write!(out, "S-{revision}-{authority}");
            for sub in b[8..].chunks_exact(4).take(subs) {
                let _ = write!(out, "-{}", u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]));
            }
            Ok(())
        }
        ty::STRING_ARRAY => {
            for (i, item) in string_items(v.bytes).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_utf16(out, item);
            }
            Ok(())
        }
        ty::REAL32 | ty::REAL64 => return Err(Unsupported("a floating-point value")),
        ty::SYSTIME => return Err(Unsupported("a SYSTEMTIME value")),
        // Handles, XML, arrays the decoder does not write.
        _ => return Err(Unsupported("a value type the decoder does not write")),
    };
    written.map_err(|_| Unsupported("a FILETIME the crate writes otherwise"))
}

/// A FILETIME as `YYYY-MM-DDTHH:MM:SS.fffffffZ`; values the crate writes otherwise (years past
/// 9999 with four digits only, values past i64::MAX as zeros) fail.
fn push_filetime(out: &mut String, filetime: u64) -> std::fmt::Result {
    const TICKS_PER_SECOND: u64 = 10_000_000;
    const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;
    // The crate writes zeros for a value past i64::MAX.
    if i64::try_from(filetime).is_err() {
        return Err(std::fmt::Error);
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1601, 1, 1).ok_or(std::fmt::Error)?;
    let date = epoch
        .checked_add_days(chrono::Days::new(filetime / TICKS_PER_DAY))
        .filter(|d| chrono::Datelike::year(d) <= 9999)
        .ok_or(std::fmt::Error)?;
    let ticks = filetime % TICKS_PER_DAY;
    let seconds = ticks / TICKS_PER_SECOND;
    write!(
        out,
        "{}T{:02}:{:02}:{:02}.{:07}Z",
        date.format("%Y-%m-%d"),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        ticks % TICKS_PER_SECOND
    )
}
