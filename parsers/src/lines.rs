//! Text decoding and physical-line iteration shared by the line-oriented parsers.

use std::borrow::Cow;

/// Decodes a member's bytes as text: UTF-8 when valid (no copy), else lossily, and without a leading BOM.
///
/// UTF-16 text with a byte-order mark (as Windows tools write) is decoded too.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units = rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        return Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect());
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        return Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect());
    }
    String::from_utf8_lossy(bytes)
}

/// Longest physical line the parsers read, in bytes. A longer line (a binary blob, a crash dump written as
/// one line, a hostile 1 GB line) is clipped to its first `MAX_LINE_BYTES` (at a character boundary): the
/// parsers see, and records hold, at most this much of it, so the work and the text kept per line are
/// bounded whatever the line's length; the rest of the line is skipped (its bytes are only scanned for the
/// line break). [`clipped_lines`] says how many lines of a text were clipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One physical line of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u32,
    /// Byte offset of the line's first character in the text.
    pub start: usize,
    /// The line without its terminator (`\n`, `\r\n` or a lone trailing `\r`), clipped to
    /// [`MAX_LINE_BYTES`].
    pub text: &'a str,
    /// The line was longer than [`MAX_LINE_BYTES`] and `text` holds only its beginning.
    pub clipped: bool,
}

impl Line<'_> {
    /// Byte offset just past the line's last character read (terminator excluded; for a clipped line,
    /// the end of its clipped text).
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn clip_to_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Lines of `text` longer than [`MAX_LINE_BYTES`] (terminator excluded): how many, and the 1-based number
/// of the first.
pub fn clipped_lines(text: &str) -> (u32, Option<u32>) {
    let (mut count, mut first, mut start, mut number) = (0u32, None, 0usize, 0u32);
    let bytes = text.as_bytes();
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        if start >= bytes.len() && end == bytes.len() {
            break;
        }
        number = number.saturating_add(1);
        let mut len = end - start;
        if bytes.get(end.wrapping_sub(1)) == Some(&b'\r') && len > 0 {
            len -= 1;
        }
        if len > MAX_LINE_BYTES {
            count = count.saturating_add(1);
            first.get_or_insert(number);
        }
        start = end + 1;
    }
    (count, first)
}

/// Iterates over the physical lines of `text`. A final line without terminator is yielded; an empty
/// text yields nothing, and a text ending in a newline yields no empty line after it.
pub fn lines(text: &str) -> Lines<'_> {
    Lines { text, pos: 0, number: 0 }
}

/// Iterator returned by [`lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    text: &'a str,
    pos: usize,
    number: u32,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let (len, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let mut line = &rest[..len];
        if let Some(stripped) = line.strip_suffix('\r') {
            line = stripped;
        }
        let clipped = line.len() > MAX_LINE_BYTES;
        if clipped {
            line = clip_to_boundary(line, MAX_LINE_BYTES);
        }
        let start = self.pos;
        self.pos += advance;
        self.number = self.number.saturating_add(1);
        Some(Line { number: self.number, start, text: line, clipped })
    }
}

/// Counts physical lines the way [`lines`] does.
pub fn count_lines(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let last_terminated = text.ends_with('\n');
    let n = if last_terminated { newlines } else { newlines + 1 };
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_lf_and_crlf_and_keeps_last_unterminated_line() {
        let got: Vec<_> = lines("a\r\nb\n\nc").map(|l| (l.number, l.start, l.text)).collect();
        assert_eq!(got, vec![(1, 0, "a"), (2, 3, "b"), (3, 5, ""), (4, 6, "c")]);
        assert_eq!(count_lines("a\r\nb\n\nc"), 4);
    }

    #[test]
    fn long_lines_are_clipped_at_a_character_boundary() {
        let long = format!("{}é{}", "a".repeat(MAX_LINE_BYTES - 1), "b".repeat(10));
        let text = format!("short\r\n{long}\r\nnext");
        let got: Vec<_> = lines(&text).map(|l| (l.number, l.text.len(), l.clipped)).collect();
        assert_eq!(got, vec![(1, 5, false), (2, MAX_LINE_BYTES - 1, true), (3, 4, false)]);
        assert_eq!(clipped_lines(&text), (1, Some(2)));
        let exact = "x".repeat(MAX_LINE_BYTES);
        assert_eq!(clipped_lines(&format!("{exact}\r\n")), (0, None));
        assert!(!lines(&exact).next().unwrap().clipped);
        assert_eq!(clipped_lines(""), (0, None));
        assert_eq!(clipped_lines(&format!("a\n{exact}x")), (1, Some(2)));
    }

    #[test]
    fn trailing_newline_adds_no_empty_line() {
        assert_eq!(lines("x\n").count(), 1);
        assert_eq!(count_lines("x\n"), 1);
        assert_eq!(lines("").count(), 0);
        assert_eq!(count_lines(""), 0);
    }

    #[test]
    fn decode_strips_bom_and_reads_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFhi"), "hi");
        assert_eq!(decode(&[0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(decode(b"ok\xFFend"), "ok\u{FFFD}end");
    }
}
