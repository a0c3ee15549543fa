//! Incremental reading of line-oriented logs: bytes are pushed in blocks of any size, records come out as
//! soon as they are complete, and a record split across two blocks comes out whole.
//!
//! A [`RecordStream`] yields exactly the records the whole-text parser of the same format yields for the
//! concatenated input (the property tests of this module hold it to that), while holding only the open
//! record and the line being read: memory does not grow with the input.

use crate::assemble::{build_record, Header, HeaderRule, TrailingBlankLines, MAX_RECORD_BYTES};
use crate::lines::{clip_to_boundary, MAX_LINE_BYTES};
use crate::record::{Level, LineFormat, LogRecord};
use crate::time::SourceTime;

/// Incremental text decoding: UTF-8 (lossy, a leading BOM dropped), or UTF-16 with a byte-order mark —
/// the same text [`crate::lines::decode`] gives for the whole input, whatever the block boundaries.
#[derive(Debug, Default)]
pub struct TextDecoder {
    state: DecodeState,
    /// Bytes held back: the start of a character (or the first bytes of the input, until its encoding is
    /// known).
    carry: Vec<u8>,
    /// A UTF-16 high surrogate waiting for its pair.
    high: Option<u16>,
    replaced: u64,
    literal_replacements: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    #[default]
    Start,
    Utf8,
    Utf16 {
        big_endian: bool,
    },
}

/// The Unicode replacement character, as UTF-8.
const REPLACEMENT: &str = "\u{FFFD}";

impl TextDecoder {
    /// Decodes `bytes`, appending the text to `out`. Bytes that may begin a character finished by the next
    /// block are held back.
    pub fn push(&mut self, bytes: &[u8], out: &mut String) {
        match self.state {
            DecodeState::Start => {
                // The encoding is decided by the first three bytes.
                self.carry.extend_from_slice(bytes);
                if self.carry.len() >= 3 {
                    self.begin(out);
                }
            }
            _ if self.carry.is_empty() => self.decode(bytes, out),
            _ => {
                let mut joined = std::mem::take(&mut self.carry);
                joined.extend_from_slice(bytes);
                self.decode(&joined, out);
            }
        }
    }

    /// Ends the input: held-back bytes that never became a character are replaced (UTF-8) or dropped (an odd
    /// trailing UTF-16 byte).
    pub fn finish(&mut self, out: &mut String) {
        if self.state == DecodeState::Start {
            self.begin(out);
        }
        let start = out.len();
        match self.state {
            DecodeState::Utf16 { .. } => {
                self.carry.clear();
                if self.high.take().is_some() {
                    out.push_str(REPLACEMENT);
                }
            }
            _ if !self.carry.is_empty() => {
                self.carry.clear();
                out.push_str(REPLACEMENT);
                self.replaced += 1;
            }
            _ => {}
        }
        self.count(start, out);
    }

    /// Invalid byte sequences replaced with U+FFFD (UTF-8 input only). When any was replaced, every U+FFFD
    /// of the text counts, as it does for a whole-text decode.
    pub fn replaced(&self) -> u64 {
        if self.replaced > 0 {
            self.literal_replacements
        } else {
            0
        }
    }

    /// The input is UTF-16 (it began with a UTF-16 byte-order mark).
    pub fn is_utf16(&self) -> bool {
        matches!(self.state, DecodeState::Utf16 { .. })
    }

    /// Reads the byte-order mark (if any) from the held-back first bytes and decodes them.
    fn begin(&mut self, out: &mut String) {
        let carried = std::mem::take(&mut self.carry);
        let rest = if let Some(rest) = carried.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            self.state = DecodeState::Utf8;
            rest
        } else if let Some(rest) = carried.strip_prefix(&[0xFF, 0xFE]) {
            self.state = DecodeState::Utf16 { big_endian: false };
            rest
        } else if let Some(rest) = carried.strip_prefix(&[0xFE, 0xFF]) {
            self.state = DecodeState::Utf16 { big_endian: true };
            rest
        } else {
            self.state = DecodeState::Utf8;
            &carried[..]
        };
        self.decode(rest, out);
    }

    fn decode(&mut self, bytes: &[u8], out: &mut String) {
        let start = out.len();
        match self.state {
            DecodeState::Utf16 { big_endian } => self.decode_utf16(bytes, big_endian, out),
            _ => self.decode_utf8(bytes, out),
        }
        self.count(start, out);
    }

    /// Counts the U+FFFD characters of UTF-8 text appended from `start`.
    fn count(&mut self, start: usize, out: &str) {
        if !self.is_utf16() {
            self.literal_replacements += count_replacements(&out[start..]);
        }
    }

    fn decode_utf8(&mut self, mut bytes: &[u8], out: &mut String) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    out.push_str(text);
                    return;
                }
                Err(err) => {
                    let (valid, rest) = bytes.split_at(err.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match err.error_len() {
                        Some(bad) => {
                            out.push_str(REPLACEMENT);
                            self.replaced += 1;
                            bytes = &rest[bad..];
                        }
                        None => {
                            // A character cut by the block's end.
                            self.carry.extend_from_slice(rest);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn decode_utf16(&mut self, bytes: &[u8], big_endian: bool, out: &mut String) {
        let mut pairs = bytes.chunks_exact(2);
        for pair in pairs.by_ref() {
            let unit = if big_endian {
                u16::from_be_bytes([pair[0], pair[1]])
            } else {
                u16::from_le_bytes([pair[0], pair[1]])
            };
            let is_high = (0xD800..0xDC00).contains(&unit);
            if let Some(high) = self.high.take() {
                if (0xDC00..0xE000).contains(&unit) {
                    let c = char::decode_utf16([high, unit]).next().and_then(Result::ok);
                    out.push(c.unwrap_or('\u{FFFD}'));
                    continue;
                }
                out.push('\u{FFFD}');
            }
            if is_high {
                self.high = Some(unit);
            } else {
                out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
            }
        }
        self.carry.extend_from_slice(pairs.remainder());
    }
}

fn count_replacements(text: &str) -> u64 {
    memchr::memmem::find_iter(text.as_bytes(), REPLACEMENT.as_bytes()).count() as u64
}

/// What was odd about a text read through a [`RecordStream`], for the reader's inventory notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextDamage {
    /// Invalid UTF-8 sequences replaced (see [`TextDecoder::replaced`]).
    pub replaced: u64,
    /// NUL bytes in the text.
    pub nuls: u64,
    /// Lines longer than [`MAX_LINE_BYTES`], clipped.
    pub clipped_lines: u32,
    /// The first clipped line's number.
    pub first_clipped: Option<u32>,
    /// The text (NUL padding aside) is not empty and does not end with a line break.
    pub ends_mid_line: bool,
    /// The input was UTF-16.
    pub utf16: bool,
}

/// A header line's fields as offsets into its line, so the open record survives the buffer moving.
#[derive(Debug, Clone, Copy)]
struct HeaderAt {
    time: Option<SourceTime>,
    level: Level,
    format: LineFormat,
    thread: Option<(usize, usize)>,
    prefix: Option<(usize, usize)>,
    message_at: usize,
    trim_one_trailing_space: bool,
}

impl HeaderAt {
    fn of(line: &str, h: &Header<'_>) -> HeaderAt {
        let at = |s: &str| (s.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
        let span = |s: Option<&str>| s.map(|s| (at(s), s.len())).filter(|(i, n)| i + n <= line.len());
        HeaderAt {
            time: h.time,
            level: h.level,
            format: h.format,
            thread: span(h.thread),
            prefix: span(h.prefix),
            message_at: h.message_at,
            trim_one_trailing_space: h.trim_one_trailing_space,
        }
    }

    fn header<'a>(&self, line: &'a str) -> Header<'a> {
        let slice = |s: Option<(usize, usize)>| s.and_then(|(i, n)| line.get(i..i + n));
        Header {
            time: self.time,
            level: self.level,
            format: self.format,
            thread: slice(self.thread),
            prefix: slice(self.prefix),
            message_at: self.message_at,
            trim_one_trailing_space: self.trim_one_trailing_space,
        }
    }
}

/// The record being assembled: where it starts in the buffer, its header, its extent.
#[derive(Debug, Clone, Copy)]
struct Open {
    start: usize,
    first_len: usize,
    header: Option<HeaderAt>,
    /// Offset just past its last line's text.
    end: usize,
    line: u32,
    lines: u32,
}

/// A line rule that can be boxed (the parsers' rules borrow nothing).
type BoxedRule = Box<dyn for<'a> HeaderRule<'a> + Send>;

/// Reads a line-oriented log incrementally: [`push`](RecordStream::push) bytes, receive records.
pub struct RecordStream {
    rule: BoxedRule,
    trailing: TrailingBlankLines,
    decoder: TextDecoder,
    /// Decoded text from the open record's first line (or the next unread line) on.
    buf: String,
    /// Offset in `buf` of the first line not yet read.
    scan: usize,
    /// Number the next line gets.
    next_line: u32,
    open: Option<Open>,
    /// Inside a clipped line: text up to its line break is dropped.
    skipping: bool,
    /// Decoded bytes dropped from the front of `buf` so far.
    consumed: u64,
    damage: TextDamage,
    /// Last non-NUL byte of the text.
    last_byte: Option<u8>,
}

impl std::fmt::Debug for RecordStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStream")
            .field("next_line", &self.next_line)
            .field("consumed", &self.consumed)
            .finish()
    }
}

impl RecordStream {
    pub(crate) fn new(rule: BoxedRule, trailing: TrailingBlankLines) -> Self {
        RecordStream {
            rule,
            trailing,
            decoder: TextDecoder::default(),
            buf: String::new(),
            scan: 0,
            next_line: 1,
            open: None,
            skipping: false,
            consumed: 0,
            damage: TextDamage::default(),
            last_byte: None,
        }
    }

    /// Adds the next block of the input; every record it completes goes to `sink`, in order.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn FnMut(LogRecord<'_>)) {
        let start = self.buf.len();
        self.decoder.push(bytes, &mut self.buf);
        self.note_text(start);
        self.read_lines(false, sink);
    }

    /// Ends the input: the last line and the open record go to `sink`.
    pub fn finish(&mut self, sink: &mut dyn FnMut(LogRecord<'_>)) {
        let start = self.buf.len();
        self.decoder.finish(&mut self.buf);
        self.note_text(start);
        self.read_lines(true, sink);
        self.close(sink);
        self.damage.replaced = self.decoder.replaced();
        self.damage.utf16 = self.decoder.is_utf16();
        self.damage.ends_mid_line = self.last_byte.is_some_and(|b| b != b'\n');
    }

    /// Bytes of decoded text the records delivered so far cover.
    pub fn bytes_done(&self) -> u64 {
        self.consumed + self.open.map_or(self.scan, |o| o.start) as u64
    }

    /// What was odd about the text (complete after [`finish`](RecordStream::finish)).
    pub fn damage(&self) -> TextDamage {
        TextDamage { replaced: self.decoder.replaced(), utf16: self.decoder.is_utf16(), ..self.damage }
    }

    fn note_text(&mut self, start: usize) {
        let added = &self.buf.as_bytes()[start..];
        let nuls = memchr::memchr_iter(0, added).count() as u64;
        self.damage.nuls += nuls;
        if nuls == 0 {
            if let Some(&b) = added.last() {
                self.last_byte = Some(b);
            }
        } else if let Some(&b) = added.iter().rev().find(|&&b| b != 0) {
            self.last_byte = Some(b);
        }
    }

    /// Reads every complete line of the buffer (and, at the end, the unterminated last one).
    fn read_lines(&mut self, at_end: bool, sink: &mut dyn FnMut(LogRecord<'_>)) {
        loop {
            let rest = &self.buf.as_bytes()[self.scan..];
            let newline = memchr::memchr(b'\n', rest);
            if self.skipping {
                match newline {
                    Some(i) => {
                        self.drop_front(self.scan + i + 1);
                        self.skipping = false;
                        continue;
                    }
                    None => {
                        self.drop_front(self.buf.len());
                        return;
                    }
                }
            }
            let (len, advance) = match newline {
                Some(i) => (i, i + 1),
                None if at_end && !rest.is_empty() => (rest.len(), rest.len()),
                None => {
                    // An unterminated line this long is clipped whatever follows (a `\r` aside).
                    if rest.len() > MAX_LINE_BYTES + 1 {
                        self.clipped_line(sink);
                        self.skipping = true;
                        continue;
                    }
                    break;
                }
            };
            let mut text_len = len;
            if rest[..len].ends_with(b"\r") {
                text_len -= 1;
            }
            if text_len > MAX_LINE_BYTES {
                self.clipped_line(sink);
                self.drop_front(self.scan + advance);
                continue;
            }
            let line_start = self.scan;
            self.scan += advance;
            self.line(line_start, text_len, sink);
        }
        self.compact();
    }

    /// One complete line of `len` bytes at `start`.
    fn line(&mut self, start: usize, len: usize, sink: &mut dyn FnMut(LogRecord<'_>)) {
        let number = self.next_line;
        self.next_line = self.next_line.saturating_add(1);
        let text = &self.buf[start..start + len];
        let header = self.rule.header(text).map(|h| HeaderAt::of(text, &h));
        let too_long = self.open.is_some_and(|o| start + len - o.start > MAX_RECORD_BYTES);
        if header.is_none() && !too_long {
            if let Some(open) = self.open.as_mut() {
                open.end = start + len;
                open.lines = open.lines.saturating_add(1);
                return;
            }
        }
        self.close(sink);
        self.open = Some(Open { start, first_len: len, header, end: start + len, line: number, lines: 1 });
    }

    /// A line longer than [`MAX_LINE_BYTES`] starting at `scan`: a record of its own, holding the line's
    /// first [`MAX_LINE_BYTES`]. The buffer is emptied up to the line's end (what is left of it is dropped).
    fn clipped_line(&mut self, sink: &mut dyn FnMut(LogRecord<'_>)) {
        self.close(sink);
        let number = self.next_line;
        self.next_line = self.next_line.saturating_add(1);
        self.damage.clipped_lines = self.damage.clipped_lines.saturating_add(1);
        self.damage.first_clipped.get_or_insert(number);
        let start = self.scan;
        let text = clip_to_boundary(&self.buf[start..], MAX_LINE_BYTES);
        let header = self.rule.header(text).map(|h| HeaderAt::of(text, &h));
        let len = text.len();
        self.open = Some(Open { start, first_len: len, header, end: start + len, line: number, lines: 1 });
        self.close(sink);
        // The line's text from here on is not read: the caller drops it.
        self.drop_front(start);
    }

    /// Sends the open record to `sink`.
    fn close(&mut self, sink: &mut dyn FnMut(LogRecord<'_>)) {
        let Some(open) = self.open.take() else { return };
        let whole = &self.buf[open.start..open.end];
        let first = &whole[..open.first_len.min(whole.len())];
        let header = open.header.map(|h| h.header(first));
        sink(build_record(whole, first, header, open.line, open.lines, self.trailing));
    }

    /// Drops the buffer's first `n` bytes.
    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.consumed += n as u64;
        self.scan = self.scan.saturating_sub(n);
        if let Some(open) = self.open.as_mut() {
            open.start -= n.min(open.start);
            open.end -= n.min(open.end);
        }
    }

    /// Drops the text before the open record (or before the next unread line).
    fn compact(&mut self) {
        let keep_from = self.open.map_or(self.scan, |o| o.start);
        if keep_from > 0 && (keep_from >= self.buf.len() / 2 || keep_from > 1 << 20) {
            self.drop_front(keep_from);
        }
    }
}

#[cfg(test)]
mod tests;
