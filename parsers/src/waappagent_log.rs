//! The Windows guest agent's logs — `WaAppAgent.log`, `TransparentInstaller.log`, `Telemetry.log`,
//! `AppAgentRuntime.log` — and the installer's `VmAgentInstaller.xml`.
//!
//! A log record starts at a header line (all yield [`LineFormat::WaAppAgent`]):
//!
//! - `[00000006] [11/14/2019 05:52:13.44] [INFO]  msg`: older agents; local time, `MM/dd/yyyy` with
//!   centiseconds (any fraction, a 12-hour clock with `AM`/`PM`, one-digit month or day, and `dd/MM` when
//!   the first field is > 12 are read too).
//! - `[00000010] 2021-01-12T16:35:45Z [ERROR] msg`: newer agents; ISO 8601 with an optional fraction.
//!   `Z` ⇒ UTC, an offset ⇒ converted to UTC, none ⇒ local.
//!
//! The bracketed thread id (hex digits) becomes [`LogRecord::thread`]; a header without one (`[stamp]
//! [LEVEL] msg`) is accepted too. The level is the bracketed word after the stamp, padded with blanks to
//! five characters: `INFO`, `WARN`, `ERROR`, `HEART` (heartbeats, read as [`Level::Info`]), and
//! `VERBOSE`/`WARNING`/`DEBUG` if they occur; another word leaves [`Level::Unknown`] and no word at all is
//! accepted. Every other line — `   at Microsoft.…` stack frames, `--- End of inner exception stack trace
//! ---`, wrapped JSON — continues the record above it.
//!
//! `VmAgentInstaller.xml` is a run of `<Event time="2019-12-12T12:49:05.123Z" category="INFO"
//! source="GuestAgent">text</Event>` elements, read by [`parse_installer_events`].

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::assemble::{Assembler, Header, HeaderFn, TrailingBlankLines};
use crate::generic_log::leading_stamp;
use crate::record::{Level, LineFormat, LogRecord};
use crate::scan::spaces;
use crate::time::SourceTime;

/// Longest thread id read (the agent writes eight digits).
const MAX_THREAD_ID: usize = 16;
/// Longest level word read in brackets.
const MAX_LEVEL_WORD: usize = 12;

/// Splits a guest agent log into records, lazily. Every physical line lands in exactly one record;
/// lines before the first header form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Assembler::new(text, agent_header as HeaderFn, TrailingBlankLines::Trim))
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]).
pub fn stream() -> crate::stream::RecordStream {
    crate::stream::RecordStream::new(Box::new(agent_header as HeaderFn), TrailingBlankLines::Trim)
}

/// Iterator returned by [`parse`].
#[derive(Debug, Clone)]
pub struct Records<'a>(Assembler<'a, HeaderFn>);

impl<'a> Iterator for Records<'a> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        self.0.next()
    }
}

fn agent_header(line: &str) -> Option<Header<'_>> {
    // Cheap gate: every header starts with a bracket.
    if line.as_bytes().first() != Some(&b'[') {
        return None;
    }
    let (thread, mut at) = match thread_id(line) {
        Some((id, end)) => (Some(id), end + blanks(line, end)?),
        None => (None, 0),
    };
    let (time, stamp_end) = stamp(line, at)?;
    at = stamp_end;
    let mut level = Level::Unknown;
    if let Some((word_level, end)) = level_word(line, at + spaces(line.get(at..)?)) {
        level = word_level;
        at = end;
    }
    let message_at = at + spaces(line.get(at..)?);
    Some(Header { level, thread, ..Header::new(time, LineFormat::WaAppAgent, message_at) })
}

/// `[00000006]` at the start: the id and the offset just past its bracket.
fn thread_id(line: &str) -> Option<(&str, usize)> {
    let b = line.as_bytes();
    let len = b.iter().skip(1).take(MAX_THREAD_ID + 1).take_while(|c| c.is_ascii_hexdigit()).count();
    if len == 0 || len > MAX_THREAD_ID || b.get(1 + len) != Some(&b']') {
        return None;
    }
    Some((line.get(1..1 + len)?, 2 + len))
}

/// The number of blanks at `at`, which must be at least one.
fn blanks(line: &str, at: usize) -> Option<usize> {
    let n = spaces(line.get(at..)?);
    (n > 0).then_some(n)
}

/// The stamp at `at`: bracketed (`[11/14/2019 05:52:13.44]`) or bare (`2021-01-12T16:35:45Z`), followed
/// by a blank or the line end. Returns the time and the offset just past the stamp.
fn stamp(line: &str, at: usize) -> Option<(SourceTime, usize)> {
    let rest = line.get(at..)?;
    let (time, end) = if rest.starts_with('[') {
        let (time, n) = leading_stamp(rest.get(1..)?)?;
        (rest.as_bytes().get(1 + n) == Some(&b']')).then_some((time, at + 2 + n))?
    } else {
        let (time, n) = leading_stamp(rest)?;
        (time, at + n)
    };
    matches!(line.as_bytes().get(end), None | Some(b' ')).then_some((time, end))
}

/// A bracketed level word at `at` (`[INFO]`, `[HEART]`): its level (unknown words give
/// [`Level::Unknown`]) and the offset just past the bracket.
fn level_word(line: &str, at: usize) -> Option<(Level, usize)> {
    let b = line.as_bytes();
    (b.get(at) == Some(&b'[')).then_some(())?;
    let len = b.iter().skip(at + 1).take(MAX_LEVEL_WORD + 1).take_while(|c| c.is_ascii_alphabetic()).count();
    let end = at + 1 + len;
    ((1..=MAX_LEVEL_WORD).contains(&len) && b.get(end) == Some(&b']')).then_some(())?;
    let level = Level::from_word(line.get(at + 1..end)?).unwrap_or(Level::Unknown);
    Some((level, end + 1))
}

// ---------------------------------------------------------------------------------------------------------
// VmAgentInstaller.xml
// ---------------------------------------------------------------------------------------------------------

/// One `<Event>` of `VmAgentInstaller.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallerEvent {
    /// 1-based line of the `<Event` tag.
    pub line: u32,
    /// The `time` attribute; `None` when absent or unreadable.
    pub time: Option<SourceTime>,
    /// The `category` attribute as a level (`INFO`, `WARNING`, `ERROR`).
    pub level: Level,
    /// The `source` attribute (`GuestAgent`).
    pub source: Option<String>,
    /// The element's text, unescaped and trimmed.
    pub message: String,
}

/// The `<Event>` elements of a `VmAgentInstaller.xml`, wherever they are nested. Reading stops at the
/// first XML error (a file cut short keeps the events before the cut); other elements are ignored.
pub fn parse_installer_events(text: &str) -> Vec<InstallerEvent> {
    let mut reader = Reader::from_str(text);
    let mut lines = LineCounter::default();
    let mut events = Vec::new();
    let mut open: Option<InstallerEvent> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => break,
        };
        match event {
            Event::Start(start) if is_event(&start) => {
                open = Some(installer_event(&start, lines.line_at(text, before)));
            }
            Event::Empty(start) if is_event(&start) => {
                events.push(installer_event(&start, lines.line_at(text, before)));
            }
            Event::End(end) if end.local_name().as_ref() == "Event" => {
                if let Some(mut event) = open.take() {
                    event.message = event.message.trim().to_string();
                    events.push(event);
                }
            }
            Event::Text(t) => append(&mut open, &t.xml10_content()),
            Event::CData(c) => append(&mut open, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).unwrap_or("").to_string(),
                };
                append(&mut open, &text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    events
}

fn is_event(start: &BytesStart<'_>) -> bool {
    start.local_name().as_ref() == "Event"
}

fn append(open: &mut Option<InstallerEvent>, text: &str) {
    if let Some(event) = open.as_mut() {
        event.message.push_str(text);
    }
}

/// An event from its start tag's attributes.
fn installer_event(start: &BytesStart<'_>, line: u32) -> InstallerEvent {
    let mut event =
        InstallerEvent { line, time: None, level: Level::Unknown, source: None, message: String::new() };
    for attr in start.attributes().flatten() {
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attr.value.to_string());
        match attr.key.local_name().as_ref() {
            "time" => event.time = leading_stamp(value.trim()).map(|(t, _)| t),
            "category" => event.level = Level::from_word(value.trim()).unwrap_or(Level::Unknown),
            "source" => event.source = Some(value),
            _ => {}
        }
    }
    event
}

/// Line numbers of increasing byte offsets, counting each newline once.
#[derive(Debug, Default)]
struct LineCounter {
    offset: usize,
    line: u32,
}

impl LineCounter {
    /// The 1-based line of byte `offset` (offsets must not decrease between calls).
    fn line_at(&mut self, text: &str, offset: usize) -> u32 {
        let end = offset.min(text.len());
        if end > self.offset {
            let newlines =
                memchr::memchr_iter(b'\n', text.as_bytes().get(self.offset..end).unwrap_or_default()).count();
            self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.offset = end;
        }
        self.line.saturating_add(1)
    }
}

#[cfg(test)]
mod tests;
