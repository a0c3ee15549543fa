//! The values a [`WinEvent`] is made of, gathered from either reading of a record: the crate's XML
//! rendering parsed back ([`Fields::from_xml`]), or the BinXML decoded directly ([`FieldsBuilder`],
//! fed element by element by `decode`). Both keep what the XML would hold, text untrimmed, and
//! [`Fields::into_event`] turns either into the event, so the two readings agree by construction on
//! everything but the text itself.
//!
//! What is kept: the first `System` child of the root, and in it the first `Provider` (`@Name`,
//! `@EventSourceName`), `EventID` (text, `@Qualifiers`), `Level`, `TimeCreated` (`@SystemTime`),
//! `Channel` and `Computer`; `RenderingInfo` is skipped; each `EventData` gives its `Data` values (with
//! `@Name`) and its `Binary`, and the leaf elements under its other children; every other child of the
//! root gives the leaf elements under it.

use super::decode::{Name, Unsupported};
use super::{EventText, WinEvent};
use crate::time::{parse_datetime_prefix, SourceTime};
use crate::xml_tree::Element;

/// Elements that do not open and close in turn, or no root element.
const UNBALANCED: Unsupported = Unsupported("unbalanced elements");

/// Deeper than any event; the XML reader refuses 64 levels, so the decoder leaves such records to it.
const MAX_DEPTH: usize = 60;

/// Why a record's fields make no event: the one value every event needs is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum EventIdError {
    /// No `System/EventID` element.
    #[error("record has no System/EventID")]
    Missing,
    /// `EventID` holds something other than a number (the text as found).
    #[error("EventID is not a number: {0:?}")]
    NotANumber(String),
}

/// A text that may be absent, its buffer kept from one record to the next.
#[derive(Debug, Default)]
struct Slot {
    text: String,
    present: bool,
}

impl Slot {
    /// Present and empty, to be written to.
    fn start(&mut self) -> &mut String {
        self.text.clear();
        self.present = true;
        &mut self.text
    }

    fn set(&mut self, value: &str) {
        self.start().push_str(value);
    }

    fn get(&self) -> Option<&str> {
        self.present.then_some(self.text.as_str())
    }

    /// The text, moved out (the slot is absent after).
    fn take(&mut self) -> Option<String> {
        std::mem::take(&mut self.present).then(|| std::mem::take(&mut self.text))
    }
}

/// A record's values, as its XML holds them; reused from one record to the next.
#[derive(Debug, Default)]
pub(super) struct Fields {
    provider: Slot,
    source_name: Slot,
    /// `EventID`'s text; absent when there is no such element.
    event_id: Slot,
    qualifiers: Slot,
    system_time: Slot,
    level: Slot,
    channel: Slot,
    computer: Slot,
    /// The payload: the first `data_len` entries (the others are buffers for the next records).
    data: Vec<(Option<String>, String)>,
    data_len: usize,
    /// The last `EventData/Binary`'s text, trimmed (absent when blank).
    binary: Slot,
}

impl Fields {
    /// Reads the crate's rendering, parsed.
    pub(super) fn from_xml(root: &Element) -> Fields {
        let mut fields = Fields::default();
        let system = root.child("System");
        let sys = |name: &str| system.and_then(|s| s.child(name));
        let provider = sys("Provider");
        let event_id = sys("EventID");
        let set = |slot: &mut Slot, value: Option<&str>| {
            if let Some(v) = value {
                slot.set(v);
            }
        };
        set(&mut fields.provider, provider.and_then(|p| p.attr("Name")));
        set(&mut fields.source_name, provider.and_then(|p| p.attr("EventSourceName")));
        set(&mut fields.event_id, event_id.map(|e| e.text.as_str()));
        set(&mut fields.qualifiers, event_id.and_then(|e| e.attr("Qualifiers")));
        set(&mut fields.system_time, sys("TimeCreated").and_then(|t| t.attr("SystemTime")));
        set(&mut fields.level, sys("Level").map(|e| e.text.as_str()));
        set(&mut fields.channel, sys("Channel").map(|e| e.text.as_str()));
        set(&mut fields.computer, sys("Computer").map(|e| e.text.as_str()));
        let mut data = Vec::new();
        for section in &root.children {
            match section.name.as_str() {
                "System" | "RenderingInfo" => {}
                "EventData" => {
                    for el in &section.children {
                        match el.name.as_str() {
                            "Data" => data.push((el.attr("Name").map(str::to_string), el.text.clone())),
                            "Binary" => {
                                fields.binary.present = false;
                                set(&mut fields.binary, el.text().as_deref());
                            }
                            _ => leaves(el, &mut data),
                        }
                    }
                }
                _ => leaves(section, &mut data),
            }
        }
        fields.data_len = data.len();
        fields.data = data;
        fields
    }

    /// Empty, ready for the next record (buffers kept).
    fn clear(&mut self) {
        for slot in [
            &mut self.provider,
            &mut self.source_name,
            &mut self.event_id,
            &mut self.qualifiers,
            &mut self.system_time,
            &mut self.level,
            &mut self.channel,
            &mut self.computer,
            &mut self.binary,
        ] {
            slot.present = false;
        }
        self.data_len = 0;
    }

    /// Adds a payload value.
    fn push_data(&mut self, name: Option<&str>, value: &str) {
        if self.data_len == self.data.len() {
            self.data.push((None, String::new()));
        }
        let (n, v) = &mut self.data[self.data_len];
        match (name, n.as_mut()) {
            (Some(name), Some(buffer)) => {
                buffer.clear();
                buffer.push_str(name);
            }
            (Some(name), None) => *n = Some(name.to_string()),
            (None, _) => *n = None,
        }
        v.clear();
        v.push_str(value);
        self.data_len += 1;
    }

    /// The provider and event id, when the event id is a number.
    pub(super) fn key(&self) -> Option<(&str, u32)> {
        let event_id = nonblank(self.event_id.get()?)?.parse().ok()?;
        Some((self.provider.get().unwrap_or(""), event_id))
    }

    /// The event's time: `TimeCreated/@SystemTime`, else the record header's.
    pub(super) fn time(&self, header_time: Option<SourceTime>) -> Option<SourceTime> {
        self.system_time
            .get()
            .and_then(|s| parse_datetime_prefix(s.trim(), b'-', b'T'))
            .map(|(t, _)| SourceTime::Utc(t))
            .or(header_time)
    }

    /// Appends the event's one-line text ([`super::event_text`]) to `out`, when the event id is a number.
    pub(super) fn write_text(&self, out: &mut String) {
        let Some((provider, event_id)) = self.key() else { return };
        let text = EventText {
            provider,
            event_id,
            level: self.level.get().and_then(nonblank).and_then(|l| l.parse().ok()),
            source: self.source_name.get(),
            data: &self.data[..self.data_len],
            binary: self.binary.get(),
        };
        text.write(out);
    }

    /// The event, the values moved out of the fields (left empty); fails when `EventID` is missing or
    /// not a number.
    pub(super) fn take_event(
        &mut self,
        record_id: u64,
        header_time: Option<SourceTime>,
    ) -> Result<WinEvent, EventIdError> {
        let time = self.time(header_time);
        let raw_id = self.event_id.get().ok_or(EventIdError::Missing)?;
        let event_id = nonblank(raw_id)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| EventIdError::NotANumber(raw_id.to_string()))?;
        let level = self.level.get().and_then(nonblank).and_then(|l| l.parse().ok());
        let qualifiers = self.qualifiers.get().and_then(|q| q.trim().parse().ok());
        let mut data = std::mem::take(&mut self.data);
        data.truncate(self.data_len);
        let event = WinEvent {
            record_id,
            time,
            provider: self.provider.take().unwrap_or_default(),
            event_source_name: self.source_name.take(),
            event_id,
            qualifiers,
            level,
            channel: trimmed(self.channel.take()),
            computer: trimmed(self.computer.take()),
            data,
            binary: self.binary.take(),
        };
        self.clear();
        Ok(event)
    }
}

/// The elements under `el` with no child elements, as (name, text), in document order.
fn leaves(el: &Element, out: &mut Vec<(Option<String>, String)>) {
    for child in &el.children {
        if child.children.is_empty() {
            out.push((Some(child.name.clone()), child.text.clone()));
        } else {
            leaves(child, out);
        }
    }
}

/// The text trimmed, `None` when blank.
fn nonblank(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty()).then_some(t)
}

/// An element's text trimmed, `None` when absent or blank; the string is reused when it needs no trim.
fn trimmed(text: Option<String>) -> Option<String> {
    let text = text?;
    match nonblank(&text) {
        Some(t) if t.len() == text.len() => Some(text),
        Some(t) => Some(t.to_string()),
        None => None,
    }
}

/// What an element is to [`FieldsBuilder`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Role {
    /// Read for nothing (its text, attributes and children do not count).
    #[default]
    Ignored,
    Root,
    System,
    Provider,
    EventId,
    Level,
    TimeCreated,
    Channel,
    Computer,
    EventData,
    Data,
    Binary,
    /// A payload element whose leaf descendants are values.
    Section,
    /// Below a section: a value if it turns out to have no child elements.
    Leaf,
}

/// `System` children already met (only the first of each counts), as bits.
mod seen {
    pub(super) const SYSTEM: u8 = 1;
    pub(super) const PROVIDER: u8 = 2;
    pub(super) const EVENT_ID: u8 = 4;
    pub(super) const LEVEL: u8 = 8;
    pub(super) const TIME: u8 = 16;
    pub(super) const CHANNEL: u8 = 32;
    pub(super) const COMPUTER: u8 = 64;
}

/// An open element.
#[derive(Debug, Default)]
struct Frame {
    role: Role,
    /// Its own text so far (not its children's).
    text: String,
    /// Where the text run still to be line-end normalized starts in `text`.
    run: usize,
    has_child: bool,
    /// A leaf's name.
    name: String,
    /// A `Data` element's `@Name`.
    data_name: Slot,
}

impl Frame {
    /// Ends the current text run: the XML reader turns each `\r\n` and lone `\r` of a run into `\n`.
    fn end_run(&mut self) {
        if self.text.len() <= self.run {
            return;
        }
        if let Some(at) = memchr::memchr(b'\r', &self.text.as_bytes()[self.run..]) {
            let tail = self.text.split_off(self.run + at);
            let mut chars = tail.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\r' {
                    chars.next_if_eq(&'\n');
                    self.text.push('\n');
                } else {
                    self.text.push(c);
                }
            }
        }
        self.run = self.text.len();
    }
}

/// Builds [`Fields`] from a record's elements as the decoder meets them, keeping what
/// [`Fields::from_xml`] would read from their rendering.
#[derive(Debug, Default)]
pub(super) struct FieldsBuilder<'c> {
    fields: Fields,
    frames: Vec<Frame>,
    depth: usize,
    roots: u32,
    seen: u8,
    /// The attributes of the element being opened, to refuse duplicates as the XML reader does.
    attributes: Vec<Name<'c>>,
}

impl<'c> FieldsBuilder<'c> {
    /// Ready for the next record (buffers kept).
    pub(super) fn reset(&mut self) {
        self.fields.clear();
        self.depth = 0;
        self.roots = 0;
        self.seen = 0;
        self.attributes.clear();
    }

    fn top(&self) -> Option<&Frame> {
        self.depth.checked_sub(1).and_then(|i| self.frames.get(i))
    }

    fn top_mut(&mut self) -> Option<&mut Frame> {
        self.depth.checked_sub(1).and_then(|i| self.frames.get_mut(i))
    }

    /// The first time this `System` child is met.
    fn first(&mut self, bit: u8) -> bool {
        let first = self.seen & bit == 0;
        self.seen |= bit;
        first
    }

    /// An element starts.
    pub(super) fn start(&mut self, name: Name<'c>) -> Result<(), Unsupported> {
        if self.depth >= MAX_DEPTH {
            return Err(Unsupported("elements nested too deeply"));
        }
        let parent = match self.top_mut() {
            Some(parent) => {
                parent.end_run();
                parent.has_child = true;
                Some(parent.role)
            }
            None => None,
        };
        let role = match parent {
            None => {
                self.roots += 1;
                if self.roots > 1 {
                    return Err(Unsupported("several root elements"));
                }
                Role::Root
            }
            Some(Role::Root) if name.is("System") && self.first(seen::SYSTEM) => Role::System,
            Some(Role::Root) if name.is("System") || name.is("RenderingInfo") => Role::Ignored,
            Some(Role::Root) if name.is("EventData") => Role::EventData,
            Some(Role::Root) => Role::Section,
            Some(Role::System) => self.system_child(name),
            Some(Role::EventData) if name.is("Data") => Role::Data,
            Some(Role::EventData) if name.is("Binary") => Role::Binary,
            Some(Role::EventData) => Role::Section,
            Some(Role::Section | Role::Leaf) => Role::Leaf,
            Some(_) => Role::Ignored,
        };
        if self.frames.len() == self.depth {
            self.frames.push(Frame::default());
        }
        let frame = &mut self.frames[self.depth];
        frame.role = role;
        frame.text.clear();
        frame.run = 0;
        frame.has_child = false;
        frame.data_name.present = false;
        if role == Role::Leaf {
            frame.name.clear();
            name.push_to(&mut frame.name);
        }
        self.depth += 1;
        self.attributes.clear();
        Ok(())
    }

    fn system_child(&mut self, name: Name<'c>) -> Role {
        let wanted = [
            ("Provider", seen::PROVIDER, Role::Provider),
            ("EventID", seen::EVENT_ID, Role::EventId),
            ("Level", seen::LEVEL, Role::Level),
            ("TimeCreated", seen::TIME, Role::TimeCreated),
            ("Channel", seen::CHANNEL, Role::Channel),
            ("Computer", seen::COMPUTER, Role::Computer),
        ];
        for (n, bit, role) in wanted {
            if name.is(n) {
                return if self.first(bit) { role } else { Role::Ignored };
            }
        }
        Role::Ignored
    }

    /// An attribute of the element just started, one the rendering writes (not left out as empty).
    /// Returns where its value goes when it is wanted: [`FieldsBuilder::attribute_value`] then follows.
    pub(super) fn attribute(&mut self, name: Name<'c>) -> Result<Option<AttributeSlot>, Unsupported> {
        if self.attributes.contains(&name) {
            return Err(Unsupported("an attribute given twice"));
        }
        self.attributes.push(name);
        Ok(self.attribute_slot(name))
    }

    /// Which value an attribute of the current element fills.
    fn attribute_slot(&self, name: Name<'c>) -> Option<AttributeSlot> {
        match self.top()?.role {
            Role::Provider if name.is("Name") => Some(AttributeSlot::Provider),
            Role::Provider if name.is("EventSourceName") => Some(AttributeSlot::SourceName),
            Role::EventId if name.is("Qualifiers") => Some(AttributeSlot::Qualifiers),
            Role::TimeCreated if name.is("SystemTime") => Some(AttributeSlot::SystemTime),
            Role::Data if name.is("Name") => Some(AttributeSlot::DataName),
            _ => None,
        }
    }

    /// The value of the wanted attribute just announced, which `write` appends to the string it is
    /// given, as it reads once unescaped; the XML reader turns each line end (`\r\n`, `\r`, `\n`) and
    /// tab in it into a space.
    pub(super) fn attribute_value(
        &mut self,
        slot: AttributeSlot,
        write: impl FnOnce(&mut String) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let slot = match slot {
            AttributeSlot::Provider => &mut self.fields.provider,
            AttributeSlot::SourceName => &mut self.fields.source_name,
            AttributeSlot::Qualifiers => &mut self.fields.qualifiers,
            AttributeSlot::SystemTime => &mut self.fields.system_time,
            AttributeSlot::DataName => match self.depth.checked_sub(1).and_then(|i| self.frames.get_mut(i)) {
                Some(frame) => &mut frame.data_name,
                None => return Ok(()),
            },
        };
        let value = slot.start();
        write(value)?;
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | b'\t')) {
            let raw = std::mem::take(value);
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\r' => {
                        chars.next_if_eq(&'\n');
                        value.push(' ');
                    }
                    '\n' | '\t' => value.push(' '),
                    c => value.push(c),
                }
            }
        }
        Ok(())
    }

    /// Whether the current element's text is wanted (text pieces may then be skipped unread).
    pub(super) fn wants_text(&self) -> bool {
        self.top().is_some_and(|f| {
            matches!(
                f.role,
                Role::EventId
                    | Role::Level
                    | Role::Channel
                    | Role::Computer
                    | Role::Data
                    | Role::Binary
                    | Role::Leaf
            )
        })
    }

    /// Text inside the current element, as it reads once unescaped, which `write` appends to the
    /// string it is given; it is not called when the element's text is not wanted.
    pub(super) fn text_with(
        &mut self,
        write: impl FnOnce(&mut String) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        if self.depth == 0 {
            // Outside the root the XML reader allows only blanks.
            let mut piece = String::new();
            write(&mut piece)?;
            return if piece.trim().is_empty() {
                Ok(())
            } else {
                Err(Unsupported("text outside the root element"))
            };
        }
        if self.wants_text() {
            if let Some(frame) = self.top_mut() {
                write(&mut frame.text)?;
            }
        }
        Ok(())
    }

    /// A character reference inside the current element: its character, outside any text run.
    pub(super) fn char_ref(&mut self, c: char) -> Result<(), Unsupported> {
        let wanted = self.wants_text();
        let frame = self.top_mut().ok_or(UNBALANCED)?;
        if wanted {
            frame.end_run();
            frame.text.push(c);
            frame.run = frame.text.len();
        }
        Ok(())
    }

    /// An entity reference inside the current element: the XML reader gives the character of a
    /// predefined entity and keeps any other as written, outside any text run.
    pub(super) fn entity_ref(&mut self, name: Name<'c>) -> Result<(), Unsupported> {
        let wanted = self.wants_text();
        let frame = self.top_mut().ok_or(UNBALANCED)?;
        if wanted {
            frame.end_run();
            let predefined = [("amp", '&'), ("lt", '<'), ("gt", '>'), ("quot", '"'), ("apos", '\'')];
            match predefined.iter().find(|(n, _)| name.is(n)) {
                Some((_, c)) => frame.text.push(*c),
                None => {
                    frame.text.push('&');
                    name.push_to(&mut frame.text);
                    frame.text.push(';');
                }
            }
            frame.run = frame.text.len();
        }
        Ok(())
    }

    /// The current element ends.
    pub(super) fn end(&mut self) -> Result<(), Unsupported> {
        let frame = self.top_mut().ok_or(UNBALANCED)?;
        frame.end_run();
        self.depth -= 1;
        let frame = &self.frames[self.depth];
        let fields = &mut self.fields;
        let text = frame.text.as_str();
        match frame.role {
            Role::EventId => fields.event_id.set(text),
            Role::Level => fields.level.set(text),
            Role::Channel => fields.channel.set(text),
            Role::Computer => fields.computer.set(text),
            Role::Data => fields.push_data(frame.data_name.get(), text),
            Role::Binary => match nonblank(text) {
                Some(t) => fields.binary.set(t),
                None => fields.binary.present = false,
            },
            Role::Leaf if !frame.has_child => fields.push_data(Some(&frame.name), text),
            _ => {}
        }
        Ok(())
    }

    /// The record's fields, once its one root element has ended.
    pub(super) fn finish(&mut self) -> Result<&mut Fields, Unsupported> {
        if self.depth != 0 || self.roots != 1 {
            return Err(UNBALANCED);
        }
        Ok(&mut self.fields)
    }
}

/// The attribute values [`FieldsBuilder`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AttributeSlot {
    Provider,
    SourceName,
    Qualifiers,
    SystemTime,
    DataName,
}
