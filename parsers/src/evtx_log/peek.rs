//! Reads a record's provider name and event id straight from its BinXML, without rendering it.
//!
//! Windows writes nearly every record as a template instance: the record holds the values, and a
//! template definition (stored once per chunk) says where each value goes. The `System` element comes
//! first in every template, with `Provider` and `EventID` as its first children, so a walk of the
//! definition's first few tokens finds which substitution slot (or literal text) fills
//! `Provider/@Name` and `EventID`. That mapping is cached per definition; per record only the value
//! descriptors are summed to reach the two values. Records written without templates (plain elements,
//! as test writers produce) are walked the same way, reading literal text.
//!
//! Everything here is best effort: any token it cannot size, or a value type it does not read, gives
//! `None`, and the caller renders the record to find out instead.

use std::collections::HashMap;

/// BinXML token bytes (MS-EVEN6 2.2.12); `0x40` on a token means "has attributes" or "more follow".
mod token {
    pub(super) const EOF: u8 = 0x00;
    pub(super) const OPEN_START: u8 = 0x01;
    pub(super) const CLOSE_START: u8 = 0x02;
    pub(super) const CLOSE_EMPTY: u8 = 0x03;
    pub(super) const END_ELEMENT: u8 = 0x04;
    pub(super) const VALUE: u8 = 0x05;
    pub(super) const ATTRIBUTE: u8 = 0x06;
    pub(super) const CDATA: u8 = 0x07;
    pub(super) const CHAR_REF: u8 = 0x08;
    pub(super) const PI_TARGET: u8 = 0x0a;
    pub(super) const PI_DATA: u8 = 0x0b;
    pub(super) const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub(super) const SUBSTITUTION: u8 = 0x0d;
    pub(super) const OPTIONAL_SUBSTITUTION: u8 = 0x0e;
    pub(super) const FRAGMENT_HEADER: u8 = 0x0f;
    pub(super) const MORE: u8 = 0x40;
}

/// Size of a template definition's header: next-definition offset, GUID, data size.
const DEFINITION_HEADER: usize = 24;
/// Value type of a UTF-16 string.
const STRING_TYPE: u8 = 0x01;

/// What fills `Provider/@Name` or `EventID` in a record or template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Text written in place.
    Text(String),
    /// The template's substitution value with this index.
    Substitution(u16),
}

/// Where a template (or plain record) puts the provider name and the event id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SystemSlots {
    provider: Option<Slot>,
    event_id: Option<Slot>,
}

/// The elements the walk cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    System,
    Provider,
    EventId,
    Other,
}

/// Template mappings already worked out for one chunk, by definition offset (`None`: the definition
/// could not be read, so its records are rendered instead).
#[derive(Debug, Default)]
pub(super) struct TemplateCache {
    slots: HashMap<u32, Option<SystemSlots>>,
}

/// The provider name and event id of the record whose BinXML spans `binxml` within `chunk` (both
/// chunk-relative), or `None` when they cannot be read without rendering.
pub(super) fn provider_and_event_id(
    chunk: &[u8],
    binxml: std::ops::Range<usize>,
    cache: &mut TemplateCache,
) -> Option<(String, u32)> {
    let mut r = Reader { data: chunk, pos: binxml.start, end: binxml.end.min(chunk.len()) };
    if r.peek()? == token::FRAGMENT_HEADER {
        r.skip(4)?;
    }
    if r.peek()? != token::TEMPLATE_INSTANCE {
        // A plain record: its own tokens hold the text.
        let slots = walk_system(chunk, binxml.start, binxml.end, false)?;
        return resolve(&slots, None);
    }
    r.skip(2)?; // token, unknown byte
    let _template_id = r.u32()?;
    let definition = r.u32()?;
    if usize::try_from(definition).ok()? == r.pos {
        // The definition is stored inline, at its first use: skip it to reach the values.
        r.skip(20)?; // next-definition offset, GUID
        let size = r.u32()?;
        r.skip(usize::try_from(size).ok()?)?;
    }
    let slots =
        cache.slots.entry(definition).or_insert_with(|| definition_slots(chunk, definition)).as_ref()?;
    let values = Values::read(&mut r)?;
    resolve(slots, Some(&values))
}

/// Walks the definition at chunk offset `definition`.
fn definition_slots(chunk: &[u8], definition: u32) -> Option<SystemSlots> {
    let mut r = Reader { data: chunk, pos: usize::try_from(definition).ok()?, end: chunk.len() };
    r.skip(20)?;
    let size = usize::try_from(r.u32()?).ok()?;
    let start = usize::try_from(definition).ok()?.checked_add(DEFINITION_HEADER)?;
    walk_system(chunk, start, start.checked_add(size)?, true)
}

/// Turns slots into values, reading substitutions from `values`.
fn resolve(slots: &SystemSlots, values: Option<&Values<'_>>) -> Option<(String, u32)> {
    let text = |slot: &Slot| -> Option<String> {
        match slot {
            Slot::Text(t) => Some(t.clone()),
            Slot::Substitution(i) => values?.text(usize::from(*i)),
        }
    };
    // A record without a provider name renders without one; the caller sees an empty name either way.
    let provider = match &slots.provider {
        Some(slot) => text(slot)?,
        None => String::new(),
    };
    let event_id = text(slots.event_id.as_ref()?)?.trim().parse().ok()?;
    Some((provider, event_id))
}

/// Walks tokens from `start` up to `end` until `System` has given up its provider name and event id.
/// `definition`: the stream is a template definition, whose element starts carry a dependency id.
fn walk_system(chunk: &[u8], start: usize, end: usize, definition: bool) -> Option<SystemSlots> {
    let mut r = Reader { data: chunk, pos: start, end: end.min(chunk.len()) };
    let mut stack: Vec<Kind> = Vec::with_capacity(8);
    let mut slots = SystemSlots::default();
    // The attribute whose value the next value tokens are, if it is `Provider/@Name`.
    let mut in_provider_name = false;
    let mut event_id_text: Option<String> = None;
    loop {
        let tok = r.u8()?;
        match tok & !token::MORE {
            token::EOF => break,
            token::FRAGMENT_HEADER => r.skip(3)?,
            token::OPEN_START => {
                if definition {
                    r.skip(2)?;
                }
                r.skip(4)?; // data size
                let name = r.name()?;
                if tok & token::MORE != 0 {
                    r.skip(4)?; // attribute list size
                }
                // `System` is a child of the root `Event`; the two wanted elements are its children.
                let kind = match stack.last() {
                    Some(_) if stack.len() == 1 && name_is(chunk, name, "System") => Kind::System,
                    Some(Kind::System) if name_is(chunk, name, "Provider") => Kind::Provider,
                    Some(Kind::System) if name_is(chunk, name, "EventID") => Kind::EventId,
                    _ => Kind::Other,
                };
                stack.push(kind);
                in_provider_name = false;
            }
            token::ATTRIBUTE => {
                let name = r.name()?;
                in_provider_name = stack.last() == Some(&Kind::Provider) && name_is(chunk, name, "Name");
            }
            token::CLOSE_START => {
                in_provider_name = false;
                if stack.last() == Some(&Kind::EventId) {
                    event_id_text = Some(String::new());
                }
            }
            token::CLOSE_EMPTY | token::END_ELEMENT => {
                in_provider_name = false;
                match stack.pop()? {
                    Kind::EventId => {
                        if let Some(text) = event_id_text.take() {
                            slots.event_id.get_or_insert(Slot::Text(text));
                        }
                    }
                    Kind::System => break,
                    _ => {}
                }
            }
            token::VALUE | token::CDATA | token::CHAR_REF => {
                let wanted = in_provider_name || event_id_text.is_some();
                let piece = if tok & !token::MORE == token::CHAR_REF {
                    let unit = u32::from(r.u16()?);
                    if !wanted {
                        continue;
                    }
                    char::from_u32(unit)?.to_string()
                } else {
                    if tok & !token::MORE == token::VALUE && r.u8()? != STRING_TYPE {
                        return None;
                    }
                    let units = usize::from(r.u16()?);
                    let bytes = r.bytes(units.checked_mul(2)?)?;
                    // Text elsewhere is only skipped.
                    if !wanted {
                        continue;
                    }
                    utf16(bytes)
                };
                if in_provider_name {
                    append_text(&mut slots.provider, &piece);
                } else if let Some(text) = event_id_text.as_mut() {
                    text.push_str(&piece);
                }
            }
            token::SUBSTITUTION | token::OPTIONAL_SUBSTITUTION => {
                let index = r.u16()?;
                r.skip(1)?; // value type
                if in_provider_name {
                    slots.provider.get_or_insert(Slot::Substitution(index));
                } else if event_id_text.as_deref() == Some("") {
                    slots.event_id = Some(Slot::Substitution(index));
                    event_id_text = None;
                }
            }
            token::PI_TARGET => {
                r.name()?;
            }
            token::PI_DATA => {
                let units = usize::from(r.u16()?);
                r.skip(units.checked_mul(2)?)?;
            }
            // Entity references, nested templates and unknown tokens: render instead.
            _ => return None,
        }
        if slots.provider.is_some() && slots.event_id.is_some() && !in_provider_name {
            break;
        }
    }
    Some(slots)
}

/// Adds literal text to the provider slot (a value may come in several tokens).
fn append_text(slot: &mut Option<Slot>, piece: &str) {
    match slot {
        Some(Slot::Text(text)) => text.push_str(piece),
        Some(Slot::Substitution(_)) => {}
        None => *slot = Some(Slot::Text(piece.to_string())),
    }
}

/// True when the chunk's name entry at `offset` (next-link, hash, UTF-16 count, units) spells `expected`.
fn name_is(chunk: &[u8], offset: usize, expected: &str) -> bool {
    let field =
        |from: usize, len: usize| chunk.get(offset.checked_add(from)?..offset.checked_add(from + len)?);
    let count = field(6, 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    if count != Some(expected.len()) {
        return false;
    }
    let Some(units) = field(8, 2 * expected.len()) else { return false };
    units.chunks_exact(2).zip(expected.bytes()).all(|(u, c)| u[0] == c && u[1] == 0)
}

/// UTF-16LE bytes as text (lossy), without trailing NULs.
fn utf16(bytes: &[u8]) -> String {
    // Names and ids are nearly always plain ASCII: copied in one go.
    if bytes.chunks_exact(2).all(|u| u[1] == 0 && matches!(u[0], 1..=0x7f)) {
        let ascii: Vec<u8> = bytes.chunks_exact(2).map(|u| u[0]).collect();
        return String::from_utf8(ascii).unwrap_or_default();
    }
    let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let text: String = char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect();
    text.trim_end_matches('\0').to_string()
}

/// A template instance's substitution values: (value type, bytes) each.
struct Values<'a> {
    items: Vec<(u8, &'a [u8])>,
}

impl<'a> Values<'a> {
    /// Reads the value count, the descriptors and the values at the reader's position.
    fn read(r: &mut Reader<'a>) -> Option<Values<'a>> {
        let count = usize::try_from(r.u32()?).ok()?;
        // Each descriptor takes 4 bytes, so a count the data cannot hold is corrupt.
        let table = r.bytes(count.checked_mul(4)?)?;
        let mut items = Vec::with_capacity(count);
        for d in table.chunks_exact(4) {
            let size = usize::from(u16::from_le_bytes([d[0], d[1]]));
            items.push((d[2], r.data.get(r.pos..r.pos.checked_add(size)?)?));
            r.pos += size;
        }
        Some(Values { items })
    }

    /// Value `index` as text, for the types a provider name or event id can have.
    fn text(&self, index: usize) -> Option<String> {
        let &(kind, b) = self.items.get(index)?;
        let int = |n: usize| -> Option<u64> {
            let bytes = b.get(..n)?;
            Some(bytes.iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
        };
        let signed = |n: usize| -> Option<i64> {
            let raw = int(n)?;
            let shift = 64 - 8 * n as u32;
            Some(((raw << shift) as i64) >> shift)
        };
        Some(match kind {
            0x00 => String::new(),
            0x01 => utf16(b),
            0x02 => String::from_utf8_lossy(b).trim_end_matches('\0').to_string(),
            0x03 => signed(1)?.to_string(),
            0x05 => signed(2)?.to_string(),
            0x07 => signed(4)?.to_string(),
            0x09 => signed(8)?.to_string(),
            0x04 => int(1)?.to_string(),
            0x06 => int(2)?.to_string(),
            0x08 | 0x14 => int(4)?.to_string(),
            0x0a | 0x15 => int(8)?.to_string(),
            _ => return None,
        })
    }
}

/// A bounds-checked little-endian reader over chunk bytes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let stop = self.pos.checked_add(n)?;
        let slice = self.data.get(self.pos..stop)?;
        self.pos = stop;
        Some(slice)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.data.get(self.pos).copied())?
    }

    fn u8(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A name reference: the chunk offset of the name entry, which is skipped when stored inline here.
    fn name(&mut self) -> Option<usize> {
        let offset = usize::try_from(self.u32()?).ok()?;
        if offset == self.pos {
            self.skip(6)?; // next-link, hash
            let units = usize::from(self.u16()?);
            self.skip(units.checked_add(1)?.checked_mul(2)?)?;
        }
        Some(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name entry at `offset` as a chunk stores it.
    fn name_entry(name: &str) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        for u in name.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b.extend_from_slice(&[0, 0]);
        b
    }

    /// Builds BinXML with inline names at their absolute offsets within the output.
    struct Builder {
        out: Vec<u8>,
        definition: bool,
    }

    impl Builder {
        fn open(&mut self, name: &str, attrs: bool) -> &mut Self {
            self.out.push(token::OPEN_START | if attrs { token::MORE } else { 0 });
            if self.definition {
                self.out.extend_from_slice(&0xffffu16.to_le_bytes());
            }
            self.out.extend_from_slice(&0u32.to_le_bytes());
            self.inline_name(name);
            if attrs {
                self.out.extend_from_slice(&0u32.to_le_bytes());
            }
            self
        }
        fn inline_name(&mut self, name: &str) {
            let at = self.out.len() as u32 + 4;
            self.out.extend_from_slice(&at.to_le_bytes());
            self.out.extend(name_entry(name));
        }
        fn attr(&mut self, name: &str) -> &mut Self {
            self.out.push(token::ATTRIBUTE);
            self.inline_name(name);
            self
        }
        fn text(&mut self, text: &str) -> &mut Self {
            self.out.extend_from_slice(&[token::VALUE, STRING_TYPE]);
            self.out.extend_from_slice(&(text.encode_utf16().count() as u16).to_le_bytes());
            for u in text.encode_utf16() {
                self.out.extend_from_slice(&u.to_le_bytes());
            }
            self
        }
        fn sub(&mut self, index: u16) -> &mut Self {
            self.out.push(token::SUBSTITUTION);
            self.out.extend_from_slice(&index.to_le_bytes());
            self.out.push(0x06);
            self
        }
        fn tok(&mut self, t: u8) -> &mut Self {
            self.out.push(t);
            self
        }
    }

    /// `<Event><System><Provider Name=…/><EventID>…</EventID></System></Event>` with the provider and
    /// id written by `provider` and `id`.
    fn system(b: &mut Builder, provider: impl Fn(&mut Builder), id: impl Fn(&mut Builder)) {
        b.tok(token::FRAGMENT_HEADER).tok(1).tok(1).tok(0);
        b.open("Event", false).tok(token::CLOSE_START).open("System", false).tok(token::CLOSE_START);
        b.open("Provider", true).attr("Name");
        provider(b);
        b.tok(token::CLOSE_EMPTY).open("EventID", false).tok(token::CLOSE_START);
        id(b);
        b.tok(token::END_ELEMENT).tok(token::END_ELEMENT).tok(token::END_ELEMENT).tok(token::EOF);
    }

    #[test]
    fn plain_records_give_their_literal_text() {
        let mut b = Builder { out: Vec::new(), definition: false };
        system(
            &mut b,
            |b| {
                b.text("Application Error");
            },
            |b| {
                b.text("1000");
            },
        );
        let len = b.out.len();
        let got = provider_and_event_id(&b.out, 0..len, &mut TemplateCache::default());
        assert_eq!(got, Some(("Application Error".to_string(), 1000)));
    }

    #[test]
    fn template_records_read_their_substitution_values() {
        // Chunk layout: padding, then a record whose template definition is inline.
        let mut chunk = vec![0u8; 16];
        let record = chunk.len();
        chunk.extend_from_slice(&[token::FRAGMENT_HEADER, 1, 1, 0, token::TEMPLATE_INSTANCE, 1]);
        chunk.extend_from_slice(&7u32.to_le_bytes());
        let definition = chunk.len() as u32 + 4;
        chunk.extend_from_slice(&definition.to_le_bytes());
        let mut def = Builder { out: vec![0u8; definition as usize + DEFINITION_HEADER], definition: true };
        system(
            &mut def,
            |b| {
                b.sub(1);
            },
            |b| {
                b.sub(0);
            },
        );
        let body = def.out.split_off(definition as usize + DEFINITION_HEADER);
        chunk.extend_from_slice(&[0u8; 20]);
        chunk.extend_from_slice(&(body.len() as u32).to_le_bytes());
        chunk.extend_from_slice(&body);
        // Values: EventID 1116 as UInt16, then the provider as a NUL-terminated UTF-16 string.
        let provider: Vec<u8> =
            "Microsoft-Windows-Windows Defender\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
        chunk.extend_from_slice(&2u32.to_le_bytes());
        chunk.extend_from_slice(&[2, 0, 0x06, 0]);
        chunk.extend_from_slice(&(provider.len() as u16).to_le_bytes());
        chunk.extend_from_slice(&[0x01, 0]);
        chunk.extend_from_slice(&1116u16.to_le_bytes());
        chunk.extend_from_slice(&provider);
        chunk.push(token::EOF);
        let mut cache = TemplateCache::default();
        let range = record..chunk.len();
        let got = provider_and_event_id(&chunk, range.clone(), &mut cache);
        assert_eq!(got, Some(("Microsoft-Windows-Windows Defender".to_string(), 1116)));
        assert_eq!(cache.slots.len(), 1);
        // A second read uses the cached mapping and gives the same answer.
        assert_eq!(provider_and_event_id(&chunk, range, &mut cache), got);
    }

    #[test]
    fn unreadable_streams_give_none() {
        let mut cache = TemplateCache::default();
        for bytes in [&[][..], &[0x0f, 1, 1, 0][..], &[0x0f, 1, 1, 0, 0x0c, 0, 1, 2][..], &[0x77][..]] {
            assert_eq!(provider_and_event_id(bytes, 0..bytes.len(), &mut cache), None, "{bytes:?}");
        }
        // An event id that is not a number.
        let mut b = Builder { out: Vec::new(), definition: false };
        system(
            &mut b,
            |b| {
                b.text("P");
            },
            |b| {
                b.text("x1");
            },
        );
        let len = b.out.len();
        assert_eq!(provider_and_event_id(&b.out, 0..len, &mut cache), None);
    }

    #[test]
    fn value_types_read_as_text() {
        let data = [0xffu8, 0xff, 0xff, 0xff, 1, 0, 0, 0];
        let values = Values {
            items: vec![(0x07, &data[..4]), (0x08, &data[..4]), (0x0a, &data[..]), (0x21, &data[..])],
        };
        assert_eq!(values.text(0).as_deref(), Some("-1"));
        assert_eq!(values.text(1).as_deref(), Some("4294967295"));
        assert_eq!(values.text(2).as_deref(), Some("8589934591"));
        assert_eq!(values.text(3), None);
        assert_eq!(values.text(9), None);
    }
}
