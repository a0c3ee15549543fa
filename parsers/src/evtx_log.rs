//! Exported Windows event logs (`.evtx`): `System.evtx`, `Application.evtx`, the Defender, AppLocker and
//! CodeIntegrity channels.
//!
//! [`read_evtx`] walks the file chunk by chunk with the `evtx` crate and turns the records a caller wants
//! into [`WinEvent`]s: the `System` values plus the payload as (name, value) pairs, which is what matching
//! needs — rendered messages come from the providers' message DLLs, which an EVTX file does not contain.
//!
//! Rendering a record is most of the cost of reading one, and a triage run wants a few dozen event ids
//! out of thousands of records. So the caller's `keep(provider, event_id)` is asked first, with the two
//! values read straight from the record's BinXML (see `peek`); only the records it keeps are rendered.
//!
//! Damaged files are read as far as they go. The crate resynchronises past unreadable records; chunks
//! whose CRC32s do not match are still read (their records usually are intact) but reported; a chunk
//! with a bad magic, which the crate skips, is carved for records with the crate's record recovery.
//! Every problem is recorded with its chunk and record, and the outcome says whether the file was read
//! completely. A deadline and a record limit stop the walk cleanly on a pathological file; a hang inside
//! the crate itself (it has had such bugs) cannot be interrupted from here, so callers that must bound
//! wall time should also run this on a worker thread. Panics inside the crate are caught and reported.

mod peek;

use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

use evtx::err::EvtxError;
use evtx::{ChunkFlags, EvtxChunkData, EvtxParser, EvtxRecord, HeaderFlags, ParserSettings};

use crate::guard::catch_panic;
use crate::time::{parse_datetime_prefix, SourceTime};
use crate::xml_tree::{self, Element};

/// The file header's and a chunk's size, and a chunk's magic.
const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65_536;
const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";

/// At most this many problems are kept with their text; the rest are only counted.
const MAX_ERRORS: usize = 20;

/// Bounds on one [`read_evtx`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvtxLimits {
    /// Stop (outcome [`EvtxOutcome::Partial`]) once this instant has passed.
    pub deadline: Option<Instant>,
    /// Stop after reading this many records.
    pub max_records: Option<u64>,
}

/// How completely a file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvtxOutcome {
    /// Every chunk and record was read.
    Complete,
    /// Some of the file was read; says what was missed or why reading stopped.
    Partial(String),
    /// [`EvtxLimits::deadline`] passed: reading stopped at byte `at_byte` (the start of the chunk being
    /// read, or the end of the last one), after `records` records; what was read is in the scan.
    DeadlinePassed {
        /// Bytes of the file walked before the stop.
        at_byte: u64,
        /// Records read before the stop.
        records: u64,
    },
    /// Nothing could be read: not an EVTX file, or no readable chunk.
    Failed(String),
}

/// What [`read_evtx`] read from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxScan {
    /// The kept records, in file order (oldest chunk first).
    pub events: Vec<WinEvent>,
    /// Records read, kept or not (unreadable ones are counted in `errors_total`).
    pub records_seen: u64,
    /// Records the filter kept and that rendered (`events.len()`).
    pub records_kept: u64,
    /// Chunks read normally (empty chunks, and chunks with a bad magic — carved for records instead — are
    /// not counted).
    pub chunks: u64,
    /// The first problems, each naming its chunk and record: unreadable chunks and records, CRC32
    /// mismatches, records that failed to render.
    pub errors: Vec<String>,
    /// Every problem, including those past the first ones kept in `errors`.
    pub errors_total: u64,
    /// Whether the file was read completely.
    pub outcome: EvtxOutcome,
}

/// One event record: its `System` values and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinEvent {
    /// `EventRecordID`.
    pub record_id: u64,
    /// `TimeCreated/@SystemTime` (always [`SourceTime::Utc`]); the record header's FILETIME when absent or
    /// unreadable; `None` when neither names a real instant (a FILETIME past year 30828, a year outside
    /// [`crate::time::PLAUSIBLE_YEARS`]): the record is kept, of unknown time.
    pub time: Option<SourceTime>,
    /// `Provider/@Name` (`Application Error`, `Microsoft-Windows-Windows Defender`); empty when absent.
    pub provider: String,
    /// `Provider/@EventSourceName` (manifest providers that also log under a classic source name).
    pub event_source_name: Option<String>,
    /// `EventID`.
    pub event_id: u32,
    /// `EventID/@Qualifiers` (classic sources).
    pub qualifiers: Option<u32>,
    /// `Level`: 1 critical, 2 error, 3 warning, 4 information (0: log always).
    pub level: Option<u8>,
    /// `Channel` (`Application`, `Microsoft-Windows-Windows Defender/Operational`).
    pub channel: Option<String>,
    /// `Computer`.
    pub computer: Option<String>,
    /// The payload in order: `EventData/Data` as (`@Name`, text), `None` for positional values; the leaf
    /// elements of `UserData` (and other payload sections) as (element name, text).
    pub data: Vec<(Option<String>, String)>,
    /// `EventData/Binary`, upper-case hex as rendered.
    pub binary: Option<String>,
}

impl WinEvent {
    /// The value of the payload field with this name (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(n, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.as_str())
    }

    /// The `index`-th (0-based) payload value, named or not: `positional(0)` is the faulting
    /// application of an `Application Error` 1000 in both the positional (Windows 7 / 2012 R2) and the
    /// named (`AppName`, Windows 10 / 2016+) layouts.
    pub fn positional(&self, index: usize) -> Option<&str> {
        self.data.get(index).map(|(_, v)| v.as_str())
    }

    /// `binary` as text, when it holds printable ASCII text, as UTF-16LE (the service key name of Service
    /// Control Manager events) or as bytes (the VSS error context); trailing NULs dropped.
    pub fn binary_text(&self) -> Option<String> {
        let bytes = hex_bytes(self.binary.as_deref()?)?;
        binary_as_text(&bytes)
    }
}

/// The event on one line, as the event-log signatures match it:
/// `<Provider> <EventID> level=<word>[ (<EventSourceName>)] | Name=value | #0=value | … [| Binary=text]`.
/// The level word is `critical`, `error`, `warning`, `info` (levels 0 and 4), `verbose` or `none`; the
/// source name is shown when it differs from the provider; named payload values keep their names and
/// positional ones are numbered `#0`, `#1`, … among themselves (empty ones included, so numbers match
/// positions); `Binary` is added when it holds text (see [`WinEvent::binary_text`]). Runs of line breaks
/// and tabs inside values become one space, and values are trimmed.
pub fn event_text(event: &WinEvent) -> String {
    let mut out =
        format!("{} {} level={}", one_line(&event.provider), event.event_id, level_word(event.level));
    if let Some(source) = event.event_source_name.as_deref() {
        if !source.eq_ignore_ascii_case(&event.provider) {
            out.push_str(&format!(" ({})", one_line(source)));
        }
    }
    let mut positional = 0usize;
    for (name, value) in &event.data {
        let value = one_line(value);
        match name {
            Some(name) => out.push_str(&format!(" | {name}={value}")),
            None => {
                out.push_str(&format!(" | #{positional}={value}"));
                positional += 1;
            }
        }
    }
    if let Some(text) = event.binary_text() {
        out.push_str(&format!(" | Binary={}", one_line(&text)));
    }
    out
}

/// `Level` as a word: 1 critical, 2 error, 3 warning, 5 verbose, any other info, absent none.
fn level_word(level: Option<u8>) -> &'static str {
    match level {
        Some(1) => "critical",
        Some(2) => "error",
        Some(3) => "warning",
        Some(5) => "verbose",
        Some(_) => "info",
        None => "none",
    }
}

/// Reads an exported event log. Records for which `keep(provider, event_id)` is false are counted but
/// not rendered; the others become [`WinEvent`]s. Never panics: a file that is not EVTX gives
/// [`EvtxOutcome::Failed`], damage gives [`EvtxOutcome::Partial`] with as much as could be read.
pub fn read_evtx(bytes: &[u8], keep: &dyn Fn(&str, u32) -> bool, limits: &EvtxLimits) -> EvtxScan {
    scan(bytes, keep, limits).finish()
}

/// Walks the file; the scanner keeps the counters tests look at.
fn scan<'k>(bytes: &[u8], keep: &'k dyn Fn(&str, u32) -> bool, limits: &EvtxLimits) -> Scanner<'k> {
    let mut scanner = Scanner::new(keep, *limits);
    let opened = catch_panic(|| EvtxParser::from_read_seek(Cursor::new(bytes)));
    let mut parser = match opened {
        Ok(Ok(parser)) => parser,
        Ok(Err(e)) => {
            scanner.failed = Some(format!("not a readable EVTX file: {}", error_chain(&e)));
            return scanner;
        }
        Err(panic) => {
            scanner.failed = Some(format!("the EVTX reader panicked on the file header: {panic}"));
            return scanner;
        }
    };
    if parser.header().flags.contains(HeaderFlags::NO_CRC32) {
        scanner.problem(
            "file header: flagged NO_CRC32, no checksums stored (records read, not verified)".to_string(),
        );
    } else if !parser.header().validate_checksum() {
        scanner.problem("file header: CRC32 mismatch (chunks read anyway)".to_string());
    }
    let settings = Arc::new(ParserSettings::new().indent(false));
    let mut chunks = parser.chunks();
    loop {
        if scanner.out_of_time() {
            break;
        }
        let next = match catch_panic(|| chunks.next()) {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(panic) => {
                // The chunk iterator's position is unknown after a panic: stop rather than loop.
                scanner.problem(format!("the EVTX reader panicked finding the next chunk: {panic}"));
                break;
            }
        };
        match next {
            Ok(chunk) => {
                let number = chunk.number.unwrap_or(scanner.chunks);
                if let Err(panic) = catch_panic(|| scanner.read_chunk(chunk, &settings)) {
                    scanner.problem(format!("chunk {number}: the EVTX reader panicked: {panic}"));
                }
            }
            Err(e) => {
                let recovered = match &e {
                    EvtxError::FailedToParseChunk { chunk_id, .. } => {
                        catch_panic(|| scanner.recover_chunk(bytes, *chunk_id, &settings)).unwrap_or(0)
                    }
                    _ => 0,
                };
                let mut message = error_chain(&e);
                if recovered > 0 {
                    message.push_str(&format!(" ({recovered} records recovered by carving)"));
                }
                scanner.problem(message);
            }
        }
        if scanner.stopped.is_some() || scanner.deadline_at.is_some() {
            break;
        }
    }
    scanner
}

/// The state of one walk over a file.
struct Scanner<'k> {
    keep: &'k dyn Fn(&str, u32) -> bool,
    limits: EvtxLimits,
    events: Vec<WinEvent>,
    records_seen: u64,
    chunks: u64,
    errors: Vec<String>,
    errors_total: u64,
    /// Why the walk stopped early (the record limit).
    stopped: Option<String>,
    /// The deadline passed; reading stopped at this byte.
    deadline_at: Option<u64>,
    /// Bytes of the file walked so far: the start of the chunk being read, or the end of the last one.
    position: u64,
    /// Why nothing could be read at all.
    failed: Option<String>,
    /// Records rendered to XML (kept ones, and ones whose provider and id could not be peeked).
    rendered: u64,
}

impl<'k> Scanner<'k> {
    fn new(keep: &'k dyn Fn(&str, u32) -> bool, limits: EvtxLimits) -> Self {
        Scanner {
            keep,
            limits,
            events: Vec::new(),
            records_seen: 0,
            chunks: 0,
            errors: Vec::new(),
            errors_total: 0,
            stopped: None,
            deadline_at: None,
            position: FILE_HEADER_SIZE as u64,
            failed: None,
            rendered: 0,
        }
    }

    fn problem(&mut self, message: String) {
        self.errors_total = self.errors_total.saturating_add(1);
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(message);
        }
    }

    /// True (and the reason recorded) once the deadline has passed or the record limit is reached.
    fn out_of_time(&mut self) -> bool {
        if self.stopped.is_some() || self.deadline_at.is_some() {
            return true;
        }
        if self.limits.max_records.is_some_and(|max| self.records_seen >= max) {
            self.stopped = Some(format!("stopped at the limit of {} records", self.records_seen));
        } else if self.limits.deadline.is_some_and(|d| Instant::now() >= d) {
            self.deadline_at = Some(self.position);
        }
        self.stopped.is_some() || self.deadline_at.is_some()
    }

    /// Chunk `number` is being read: the walk has reached its start.
    fn entering_chunk(&mut self, number: u64) {
        let start = number.saturating_mul(CHUNK_SIZE as u64).saturating_add(FILE_HEADER_SIZE as u64);
        self.position = self.position.max(start);
    }

    /// Chunk `number` is done: the walk has reached its end.
    fn left_chunk(&mut self, number: u64) {
        let end = number
            .saturating_add(1)
            .saturating_mul(CHUNK_SIZE as u64)
            .saturating_add(FILE_HEADER_SIZE as u64);
        self.position = self.position.max(end);
    }

    fn read_chunk(&mut self, mut data: EvtxChunkData, settings: &Arc<ParserSettings>) {
        let number = data.number.unwrap_or(self.chunks);
        self.entering_chunk(number);
        self.chunks = self.chunks.saturating_add(1);
        if data.header.flags.contains(ChunkFlags::NO_CRC32) {
            self.problem(format!(
                "chunk {number}: flagged NO_CRC32, no checksums stored (records read, not verified)"
            ));
        } else if !data.validate_header_checksum() {
            self.problem(format!("chunk {number}: header CRC32 mismatch (records read anyway)"));
        } else if !data.validate_data_checksum() {
            self.problem(format!("chunk {number}: record data CRC32 mismatch (records read anyway)"));
        }
        let mut chunk = match data.parse(Arc::clone(settings)) {
            Ok(chunk) => chunk,
            Err(e) => {
                self.problem(format!("chunk {number}: {}", error_chain(&e)));
                return;
            }
        };
        let mut templates = peek::TemplateCache::default();
        for record in chunk.iter() {
            if self.out_of_time() {
                return;
            }
            match record {
                Ok(record) => {
                    self.records_seen = self.records_seen.saturating_add(1);
                    self.read_record(number, record, &mut templates);
                }
                Err(e) => self.problem(format!("chunk {number}: {}", error_chain(&e))),
            }
        }
        self.left_chunk(number);
    }

    /// Carves the records out of chunk `number`, whose header the crate rejected (a bad magic): with the
    /// magic restored, the crate's record recovery scans the chunk for anything that parses as a record.
    /// Returns how many records it read.
    fn recover_chunk(&mut self, file: &[u8], number: u64, settings: &Arc<ParserSettings>) -> u64 {
        let start = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_mul(CHUNK_SIZE))
            .and_then(|o| o.checked_add(FILE_HEADER_SIZE));
        let Some(raw) = start.and_then(|s| file.get(s..s.checked_add(CHUNK_SIZE)?)) else { return 0 };
        self.entering_chunk(number);
        if raw.iter().all(|&b| b == 0) {
            return 0;
        }
        let mut patched = raw.to_vec();
        if let Some(magic) = patched.get_mut(..CHUNK_MAGIC.len()) {
            magic.copy_from_slice(CHUNK_MAGIC);
        }
        let Ok(mut data) = EvtxChunkData::new(patched, false) else { return 0 };
        let carving = Arc::new((**settings).clone().recover_records(true));
        let Ok(mut chunk) = data.parse(carving) else { return 0 };
        let mut templates = peek::TemplateCache::default();
        let mut recovered = 0u64;
        for record in chunk.iter() {
            if self.out_of_time() {
                break;
            }
            // Walked records may fail on a damaged header; carved ones that fail are skipped by the crate.
            if let Ok(record) = record {
                self.records_seen = self.records_seen.saturating_add(1);
                recovered += 1;
                self.read_record(number, record, &mut templates);
            }
        }
        if self.deadline_at.is_none() {
            self.left_chunk(number);
        }
        recovered
    }

    /// Decides on the record from its peeked provider and id, and renders it when kept (or when they
    /// could not be peeked, deciding after).
    fn read_record(&mut self, chunk: u64, record: EvtxRecord<'_>, templates: &mut peek::TemplateCache) {
        let start = usize::try_from(record.binxml_offset).unwrap_or(usize::MAX);
        let size = usize::try_from(record.binxml_size).unwrap_or(0);
        let peeked =
            peek::provider_and_event_id(record.chunk.data, start..start.saturating_add(size), templates);
        if let Some((provider, event_id)) = &peeked {
            if !(self.keep)(provider, *event_id) {
                return;
            }
        }
        let record_id = record.event_record_id;
        let header_time = timestamp_time(record.timestamp.as_second(), record.timestamp.subsec_nanosecond());
        self.rendered = self.rendered.saturating_add(1);
        let xml = match record.into_xml() {
            Ok(rendered) => rendered.data,
            Err(e) => {
                self.problem(format!("chunk {chunk}: record {record_id}: {}", error_chain(&e)));
                return;
            }
        };
        match event_from_xml(&xml, record_id, header_time) {
            Ok(event) => {
                if peeked.is_some() || (self.keep)(&event.provider, event.event_id) {
                    self.events.push(event);
                }
            }
            Err(e) => self.problem(format!("chunk {chunk}: record {record_id}: {e}")),
        }
    }

    fn finish(self) -> EvtxScan {
        let outcome = if let Some(reason) = self.failed {
            EvtxOutcome::Failed(reason)
        } else if let Some(at_byte) = self.deadline_at {
            EvtxOutcome::DeadlinePassed { at_byte, records: self.records_seen }
        } else if let Some(reason) = self.stopped {
            EvtxOutcome::Partial(reason)
        } else if self.errors_total == 0 {
            EvtxOutcome::Complete
        } else if self.records_seen == 0 && self.chunks == 0 {
            let first = self.errors.first().map_or("", String::as_str);
            EvtxOutcome::Failed(format!("no readable chunk: {first}"))
        } else {
            let first = self.errors.first().map_or("", String::as_str);
            EvtxOutcome::Partial(format!("{} problem(s), the first: {first}", self.errors_total))
        };
        EvtxScan {
            records_kept: u64::try_from(self.events.len()).unwrap_or(u64::MAX),
            events: self.events,
            records_seen: self.records_seen,
            chunks: self.chunks,
            errors: self.errors,
            errors_total: self.errors_total,
            outcome,
        }
    }
}

/// The error and its sources, joined by `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Seconds and nanoseconds since the Unix epoch as a UTC time.
fn timestamp_time(seconds: i64, nanos: i32) -> Option<SourceTime> {
    let nanos = u32::try_from(nanos).ok()?;
    chrono::DateTime::from_timestamp(seconds, nanos)
        .and_then(|t| crate::time::plausible(t.naive_utc()))
        .map(SourceTime::Utc)
}

// ---------------------------------------------------------------------------------------------------------
// Rendered XML to events.
// ---------------------------------------------------------------------------------------------------------

/// Reads the crate's rendering of one record.
fn event_from_xml(xml: &str, record_id: u64, header_time: Option<SourceTime>) -> Result<WinEvent, String> {
    let root = xml_tree::parse(xml).map_err(|e| format!("rendered XML unreadable: {e}"))?;
    let system = root.child("System");
    let sys = |name: &str| system.and_then(|s| s.child(name));
    let sys_text = |name: &str| sys(name).and_then(Element::text);
    let provider = sys("Provider");
    let event_id_el = sys("EventID").ok_or("record has no System/EventID")?;
    let event_id = event_id_el
        .text()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("EventID is not a number: {:?}", event_id_el.text))?;
    let time = sys("TimeCreated")
        .and_then(|t| t.attr("SystemTime"))
        .and_then(|s| parse_datetime_prefix(s.trim(), b'-', b'T'))
        .map(|(t, _)| SourceTime::Utc(t))
        .or(header_time);
    let mut event = WinEvent {
        record_id,
        time,
        provider: provider.and_then(|p| p.attr("Name")).unwrap_or("").to_string(),
        event_source_name: provider.and_then(|p| p.attr("EventSourceName")).map(str::to_string),
        event_id,
        qualifiers: event_id_el.attr("Qualifiers").and_then(|q| q.trim().parse().ok()),
        level: sys_text("Level").and_then(|l| l.parse().ok()),
        channel: sys_text("Channel"),
        computer: sys_text("Computer"),
        data: Vec::new(),
        binary: None,
    };
    for section in &root.children {
        match section.name.as_str() {
            "System" | "RenderingInfo" => {}
            "EventData" => read_event_data(section, &mut event),
            _ => leaves(section, &mut event.data),
        }
    }
    Ok(event)
}

/// `EventData`: `Data` values, `Binary`, and any other element's leaves.
fn read_event_data(section: &Element, event: &mut WinEvent) {
    for el in &section.children {
        match el.name.as_str() {
            "Data" => event.data.push((el.attr("Name").map(str::to_string), el.text.clone())),
            "Binary" => event.binary = el.text(),
            _ => leaves(el, &mut event.data),
        }
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

/// The value on one line: each run of line breaks and tabs becomes one space; outer blanks trimmed.
fn one_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut in_break = false;
    for c in value.chars() {
        if matches!(c, '\r' | '\n' | '\t') {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else {
            out.push(c);
            in_break = false;
        }
    }
    out.trim().to_string()
}

/// Hex text as bytes; `None` unless it is an even number of hex digits.
fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim().as_bytes();
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    hex.chunks_exact(2).map(|p| Some((digit(p[0])? * 16 + digit(p[1])?) as u8)).collect()
}

/// Binary data as text when it is printable ASCII, stored as UTF-16LE or as bytes (trailing NULs
/// allowed): service key names and VSS context strings are; anything else is data, not text.
fn binary_as_text(bytes: &[u8]) -> Option<String> {
    let looks_utf16 =
        bytes.len() >= 2 && bytes.len() % 2 == 0 && bytes.iter().skip(1).step_by(2).all(|&b| b == 0);
    let chars: Vec<u8> =
        if looks_utf16 { bytes.iter().step_by(2).copied().collect() } else { bytes.to_vec() };
    let end = chars.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let text = chars.get(..end)?;
    let printable = |b: &u8| matches!(b, b' '..=b'~' | b'\r' | b'\n' | b'\t');
    (!text.is_empty() && text.iter().all(printable)).then(|| String::from_utf8_lossy(text).into_owned())
}

#[cfg(test)]
mod tests;
