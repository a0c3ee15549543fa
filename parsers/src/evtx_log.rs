//! Exported Windows event logs (`.evtx`): `System.evtx`, `Application.evtx`, the Defender, AppLocker and
//! CodeIntegrity channels.
//!
//! [`read_evtx`] and [`read_evtx_filtered`] turn the records a caller wants into [`WinEvent`]s: the
//! `System` values plus the payload as (name, value) pairs, which is what matching needs — rendered
//! messages come from the providers' message DLLs, which an EVTX file does not contain.
//!
//! A triage run wants a few dozen event ids out of thousands of records, so work is spent only on
//! those. Each record's provider and event id are read straight from its BinXML (see `peek`) and put to
//! the caller's filter; a rule may also name literals, which the record's one-line text (made from its
//! decoded values) must hold before it becomes an event (see `filter`). The records kept are decoded
//! straight from their BinXML (see `decode`), into the same values the crate's XML rendering parsed back
//! would give; the crate renders only what the decoder leaves to it.
//!
//! Chunks (64 KiB, each with its own string and template tables) are independent, so they are read in
//! parallel on the rayon pool the caller runs in, a window of them at a time as the bytes arrive (see
//! `stream`: a file is never held whole), and their events are put back in reading order. A chunk whose checksums match is walked and decoded here;
//! any other chunk, and any chunk holding a record the decoder does not read exactly as the crate
//! renders it, is read with the crate's own reader instead (see `render`).
//!
//! Damaged files are read as far as they go. The crate resynchronises past unreadable records; chunks
//! whose CRC32s do not match are still read (their records usually are intact) but reported; a chunk
//! with a bad magic, which the crate skips, is carved for records with the crate's record recovery.
//! Every problem is recorded with its chunk and record, and the outcome says whether the file was read
//! completely. A deadline and a record limit stop the walk cleanly on a pathological file (with a record
//! limit, chunks are read one after the other); a hang inside the crate itself (it has had such bugs)
//! cannot be interrupted from here, so callers that must bound wall time should also run this on a
//! worker thread. Panics inside the crate are caught and reported.

mod chunks;
mod decode;
mod fields;
mod filter;
mod peek;
mod render;
mod stream;

use std::sync::Arc;
use std::time::Instant;

use evtx::{EvtxChunkHeader, ParserSettings};

pub use filter::{EventFilter, EventRule};
pub use stream::EvtxReader;

use crate::guard::catch_panic;
use crate::time::SourceTime;
use filter::{Decision, Predicate, Select, Verdict};

/// The file header's and a chunk's size.
const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65_536;

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
    /// The earliest and latest time among the records whose provider and event id the filter wanted,
    /// kept or dropped for their text (the time span the kept events come from).
    pub span: Option<(SourceTime, SourceTime)>,
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
    /// What its one-line text is made of.
    fn text(&self) -> EventText<'_> {
        EventText {
            provider: &self.provider,
            event_id: self.event_id,
            level: self.level,
            source: self.event_source_name.as_deref(),
            data: &self.data,
            binary: self.binary.as_deref(),
        }
    }

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
        binary_text(self.binary.as_deref()?)
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
    let mut out = String::new();
    event.text().write(&mut out);
    out
}

/// What [`event_text`] is made of, borrowed from an event or from the fields it is made of.
struct EventText<'e> {
    provider: &'e str,
    event_id: u32,
    level: Option<u8>,
    source: Option<&'e str>,
    data: &'e [(Option<String>, String)],
    binary: Option<&'e str>,
}

impl EventText<'_> {
    /// Appends the one-line text to `out`.
    fn write(&self, out: &mut String) {
        use std::fmt::Write as _;
        push_one_line(out, self.provider);
        // Writing to a `String` cannot fail.
        let _ = write!(out, " {} level={}", self.event_id, level_word(self.level));
        if let Some(source) = self.source {
            if !source.eq_ignore_ascii_case(self.provider) {
                out.push_str(" (");
                push_one_line(out, source);
                out.push(')');
            }
        }
        let mut positional = 0usize;
        for (name, value) in self.data {
            match name {
                Some(name) => {
                    out.push_str(" | ");
                    out.push_str(name);
                    out.push('=');
                }
                None => {
                    let _ = write!(out, " | #{positional}=");
                    positional += 1;
                }
            }
            push_one_line(out, value);
        }
        if let Some(text) = self.binary.and_then(binary_text) {
            out.push_str(" | Binary=");
            push_one_line(out, &text);
        }
    }
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
/// not decoded; the others become [`WinEvent`]s. Never panics: a file that is not EVTX gives
/// [`EvtxOutcome::Failed`], damage gives [`EvtxOutcome::Partial`] with as much as could be read.
pub fn read_evtx(bytes: &[u8], keep: &(dyn Fn(&str, u32) -> bool + Sync), limits: &EvtxLimits) -> EvtxScan {
    scan(bytes, &Predicate(keep), limits, Mode::Decode).finish()
}

/// Like [`read_evtx`], keeping the records `filter` wants: a record whose provider and event id no rule
/// wants is only counted, and one whose rules all name literals its text lacks is decoded but dropped.
pub fn read_evtx_filtered(bytes: &[u8], filter: &EventFilter, limits: &EvtxLimits) -> EvtxScan {
    scan(bytes, filter, limits, Mode::Decode).finish()
}

/// How chunks are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Decoded here when intact, else read with the crate.
    Decode,
    /// Always read with the crate (tests compare the two).
    #[cfg_attr(not(test), allow(dead_code))]
    Render,
}

/// What a chunk's reader needs besides the chunk.
struct ReadContext<'a> {
    select: &'a dyn Select,
    limits: EvtxLimits,
    /// Records the chunk may still read (a record limit, when chunks are read one by one).
    budget: Option<u64>,
    settings: Arc<ParserSettings>,
    mode: Mode,
}

/// Walks the file; the scan keeps the counters tests look at.
fn scan(bytes: &[u8], select: &dyn Select, limits: &EvtxLimits, mode: Mode) -> Scan {
    let mut reader = stream::Reader::new(select, *limits, mode);
    reader.push(bytes);
    reader.finish()
}

/// Reads one listed chunk: decoded when intact, else with the crate; a chunk that could not be
/// listed is carved when its header was rejected.
fn read_listed(listed: &chunks::ListedChunk<'_>, cx: &ReadContext<'_>) -> ChunkRead {
    let number = listed.number;
    let mut read = ChunkRead::new(number);
    if cx.limits.deadline.is_some_and(|d| Instant::now() >= d) {
        read.not_started = true;
        return read;
    }
    match &listed.data {
        Ok(chunk) => {
            if cx.mode == Mode::Decode {
                let mut decoded = ChunkRead::new(number);
                if let Ok(Ok(())) = catch_panic(|| decode_chunk(chunk, cx, &mut decoded)) {
                    return decoded;
                }
                read.stats.fallbacks += 1;
            }
            if let Err(panic) = catch_panic(|| render::read_chunk(chunk, number, &cx.settings, cx, &mut read))
            {
                read.problem(format!("chunk {number}: the EVTX reader panicked: {panic}"));
            }
        }
        Err(e) => {
            let recovered = match e {
                evtx::err::EvtxError::FailedToParseChunk { chunk_id, .. } => {
                    catch_panic(|| render::recover_chunk(listed.raw, *chunk_id, &cx.settings, cx, &mut read))
                        .unwrap_or(0)
                }
                _ => 0,
            };
            let mut message = error_chain(e);
            if recovered > 0 {
                message.push_str(&format!(" ({recovered} records recovered by carving)"));
            }
            read.problem(message);
        }
    }
    read
}

/// Reads an intact chunk by decoding its records here; `Err` when it is not intact or holds a record
/// the decoder leaves to the crate (what was read is then dropped and the crate reads the chunk).
fn decode_chunk(chunk: &[u8], cx: &ReadContext<'_>, read: &mut ChunkRead) -> Result<(), decode::Unsupported> {
    let header = EvtxChunkHeader::from_bytes(chunk).map_err(|_| decode::Unsupported("a chunk header"))?;
    if !chunks::checksums_match(chunk, &header) {
        return Err(decode::Unsupported("checksums that do not match"));
    }
    let records =
        chunks::live_records(chunk, &header).ok_or(decode::Unsupported("a damaged record header"))?;
    read.entered = true;
    read.counted = true;
    let mut templates = peek::TemplateCache::default();
    let mut decoder = decode::Decoder::new(chunk);
    let mut scratch = String::new();
    for record in records {
        if read.out_of_time(cx) {
            return Ok(());
        }
        read.records += 1;
        let verdict = match peek::provider_and_event_id(chunk, record.binxml.clone(), &mut templates) {
            Some((provider, event_id)) => Some(cx.select.verdict(&provider, event_id)),
            None => {
                read.stats.unpeeked += 1;
                None
            }
        };
        if verdict == Some(Verdict::Skip) {
            continue;
        }
        read.stats.decoded += 1;
        let header_time = timestamp_time(record.seconds, record.nanos);
        let fields = decoder.fields(record.binxml)?;
        // The crate reports a record without a numeric event id; it reads such a chunk.
        let unreadable = decode::Unsupported("a record without a numeric event id");
        let (provider, event_id) = fields.key().ok_or(unreadable)?;
        let text = |out: &mut String| fields.write_text(out);
        match cx.select.decide(verdict, provider, event_id, &text, &mut scratch) {
            Decision::Unwanted => {}
            Decision::Dropped => read.see(fields.time(header_time)),
            Decision::Keep => {
                let event = fields.take_event(record.record_id, header_time).map_err(|_| unreadable)?;
                read.see(event.time);
                read.events.push(event);
            }
        }
    }
    read.left = true;
    Ok(())
}

/// How work was done, for tests and measurements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stats {
    /// Records decoded here (their provider and id wanted, or not peeked).
    decoded: u64,
    /// Records rendered to XML by the crate.
    rendered: u64,
    /// Records whose provider and id could not be peeked.
    unpeeked: u64,
    /// Chunks read with the crate.
    rendered_chunks: u64,
    /// Intact chunks the decoder left to the crate.
    fallbacks: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.decoded += o.decoded;
        self.rendered += o.rendered;
        self.unpeeked += o.unpeeked;
        self.rendered_chunks += o.rendered_chunks;
        self.fallbacks += o.fallbacks;
    }
}

/// What reading one chunk gave, merged into the [`Scan`] in file order.
#[derive(Debug)]
struct ChunkRead {
    number: u64,
    /// The deadline had passed before the chunk was started.
    not_started: bool,
    /// The walk reached the chunk's start, and its end.
    entered: bool,
    left: bool,
    /// Counted among the chunks read normally.
    counted: bool,
    events: Vec<WinEvent>,
    /// The earliest and latest time of the records whose provider and id were wanted.
    span: Option<(SourceTime, SourceTime)>,
    records: u64,
    /// The first problems, and how many there were.
    problems: Vec<String>,
    problems_total: u64,
    /// Reading stopped inside the chunk: the deadline passed, or the record budget was spent.
    deadline_hit: bool,
    limit_hit: bool,
    stats: Stats,
}

impl ChunkRead {
    fn new(number: u64) -> Self {
        ChunkRead {
            number,
            not_started: false,
            entered: false,
            left: false,
            counted: false,
            events: Vec::new(),
            span: None,
            records: 0,
            problems: Vec::new(),
            problems_total: 0,
            deadline_hit: false,
            limit_hit: false,
            stats: Stats::default(),
        }
    }

    /// Keeps the event, or drops it; the span counts it either way when its provider and id were
    /// wanted.
    fn take(&mut self, decision: Decision, event: WinEvent) {
        if decision == Decision::Unwanted {
            return;
        }
        self.see(event.time);
        if decision == Decision::Keep {
            self.events.push(event);
        }
    }

    /// Widens the span to a wanted record's time.
    fn see(&mut self, time: Option<SourceTime>) {
        if let Some(t) = time {
            widen(&mut self.span, t, t);
        }
    }

    fn problem(&mut self, message: String) {
        self.problems_total = self.problems_total.saturating_add(1);
        if self.problems.len() < MAX_ERRORS {
            self.problems.push(message);
        }
    }

    /// True (and the reason recorded) once the record budget is spent or the deadline has passed.
    fn out_of_time(&mut self, cx: &ReadContext<'_>) -> bool {
        if self.limit_hit || self.deadline_hit {
            return true;
        }
        if cx.budget.is_some_and(|budget| self.records >= budget) {
            self.limit_hit = true;
        } else if cx.limits.deadline.is_some_and(|d| Instant::now() >= d) {
            self.deadline_hit = true;
        }
        self.limit_hit || self.deadline_hit
    }
}

/// The state of one walk over a file.
struct Scan {
    limits: EvtxLimits,
    events: Vec<WinEvent>,
    span: Option<(SourceTime, SourceTime)>,
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
    stats: Stats,
}

impl Scan {
    fn new(limits: EvtxLimits) -> Self {
        Scan {
            limits,
            events: Vec::new(),
            span: None,
            records_seen: 0,
            chunks: 0,
            errors: Vec::new(),
            errors_total: 0,
            stopped: None,
            deadline_at: None,
            position: FILE_HEADER_SIZE as u64,
            failed: None,
            stats: Stats::default(),
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

    /// Takes in the next chunk's read, as reading it in turn would have left the walk.
    fn merge(&mut self, read: ChunkRead) {
        if read.not_started {
            self.deadline_at = Some(self.position);
            return;
        }
        if read.entered {
            let start = read.number.saturating_mul(CHUNK_SIZE as u64).saturating_add(FILE_HEADER_SIZE as u64);
            self.position = self.position.max(start);
        }
        self.chunks += u64::from(read.counted);
        self.records_seen = self.records_seen.saturating_add(read.records);
        self.events.extend(read.events);
        if let Some((first, last)) = read.span {
            widen(&mut self.span, first, last);
        }
        for message in read.problems {
            if self.errors.len() < MAX_ERRORS {
                self.errors.push(message);
            }
        }
        self.errors_total = self.errors_total.saturating_add(read.problems_total);
        self.stats += read.stats;
        if read.limit_hit {
            self.stopped = Some(format!("stopped at the limit of {} records", self.records_seen));
        } else if read.deadline_hit {
            self.deadline_at = Some(self.position);
        }
        if read.left {
            let end = read
                .number
                .saturating_add(1)
                .saturating_mul(CHUNK_SIZE as u64)
                .saturating_add(FILE_HEADER_SIZE as u64);
            self.position = self.position.max(end);
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
            span: self.span,
            records_seen: self.records_seen,
            chunks: self.chunks,
            errors: self.errors,
            errors_total: self.errors_total,
            outcome,
        }
    }
}

/// Widens `span` to take in `first` to `last`.
fn widen(span: &mut Option<(SourceTime, SourceTime)>, first: SourceTime, last: SourceTime) {
    *span = Some(match *span {
        None => (first, last),
        Some((a, b)) => (
            if first.naive() < a.naive() { first } else { a },
            if last.naive() > b.naive() { last } else { b },
        ),
    });
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

/// Appends the value on one line: each run of line breaks and tabs becomes one space; outer blanks
/// trimmed.
fn push_one_line(out: &mut String, value: &str) {
    let plain = |c: char| !matches!(c, '\r' | '\n' | '\t');
    if !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | b'\t')) {
        out.push_str(value.trim());
        return;
    }
    let start = out.len();
    let mut in_break = false;
    for c in value.chars() {
        if plain(c) {
            out.push(c);
            in_break = false;
        } else {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        }
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
    let lead = kept - out[start..].trim_start().len();
    out.drain(start..start + lead);
}

/// Binary data given as hex, as text when it holds text (see [`WinEvent::binary_text`]).
fn binary_text(hex: &str) -> Option<String> {
    binary_as_text(&hex_bytes(hex)?)
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
