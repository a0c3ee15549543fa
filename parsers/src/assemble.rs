//! Record assembly shared by every line-oriented parser.
//!
//! A line log is a run of records, each a header line followed by the lines that do not start a record
//! (tracebacks, JSON bodies, command output, blank lines). A parser only says which lines are headers and
//! what they hold (its [`HeaderRule`]); the [`Assembler`] walks the physical lines once, groups them and
//! builds the [`LogRecord`]s, which borrow from the input. Every physical line lands in exactly one record,
//! and the lines before the first header form one [`LineFormat::Untimed`] record.

use crate::lines::{lines, Line, Lines};
use crate::record::{Level, LineFormat, LogRecord};
use crate::time::SourceTime;

/// What a header line contributes to its record; the [`Assembler`] adds the line span and the slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub time: Option<SourceTime>,
    pub level: Level,
    pub format: LineFormat,
    pub thread: Option<&'a str>,
    pub prefix: Option<&'a str>,
    /// Byte offset of the message within the header line.
    pub message_at: usize,
    /// The writer pads every entry with one trailing space (the VMSnapshot backuplogger); drop it.
    pub trim_one_trailing_space: bool,
}

impl<'a> Header<'a> {
    /// A header with a time and no level, thread or prefix.
    pub(crate) fn new(time: SourceTime, format: LineFormat, message_at: usize) -> Self {
        Header::with_time(Some(time), format, message_at)
    }

    /// A header with no level, thread or prefix; `time` is `None` when the line's stamp names no real
    /// instant (a dmesg uptime, a day that does not exist in the inferred year).
    pub(crate) fn with_time(time: Option<SourceTime>, format: LineFormat, message_at: usize) -> Self {
        Header {
            time,
            level: Level::Unknown,
            format,
            thread: None,
            prefix: None,
            message_at,
            trim_one_trailing_space: false,
        }
    }
}

/// Decides, line by line and in file order, which lines start a record. A rule may keep state (what
/// earlier lines taught it): each line is offered exactly once, and every `Some` it returns does start a
/// record.
pub(crate) trait HeaderRule<'a> {
    /// The header this line starts, or `None` for a continuation line.
    fn header(&mut self, line: &'a str) -> Option<Header<'a>>;
}

/// A stateless rule.
pub(crate) type HeaderFn = for<'x> fn(&'x str) -> Option<Header<'x>>;

impl<'a> HeaderRule<'a> for HeaderFn {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
        self(line)
    }
}

/// What a record that ends in blank lines keeps of their line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrailingBlankLines {
    /// `raw` is exactly the record's lines, so a record ending in blank lines ends in a newline
    /// (generic, shell and VMSnapshot logs).
    Keep,
    /// `raw` and `message` drop every trailing `\r` and `\n`: the blank lines still count in `lines`
    /// but not in the text (waagent and syslog).
    Trim,
}

/// Groups physical lines into records: a header line plus every following non-header line.
#[derive(Debug, Clone)]
pub(crate) struct Assembler<'a, R> {
    text: &'a str,
    lines: Lines<'a>,
    /// The line that ended the previous record (a header, or a clipped line), already classified (a
    /// stateful rule must see each line only once).
    pending: Option<(Line<'a>, Option<Header<'a>>)>,
    rule: R,
    trailing: TrailingBlankLines,
}

impl<'a, R: HeaderRule<'a>> Assembler<'a, R> {
    /// Assembles the records of `text`, recognising headers with `rule`.
    pub(crate) fn new(text: &'a str, rule: R, trailing: TrailingBlankLines) -> Self {
        Assembler { text, lines: lines(text), pending: None, rule, trailing }
    }

    /// The record starting at `first`, spanning `lines` physical lines up to byte `end`.
    fn build(&self, first: Line<'a>, header: Option<Header<'a>>, end: usize, lines: u32) -> LogRecord<'a> {
        let whole = self.text.get(first.start..end).unwrap_or(first.text);
        build_record(whole, first.text, header, first.number, lines, self.trailing)
    }
}

/// Largest record, in bytes: a line that would make its record longer starts a record of its own (untimed
/// unless it is a header), so no record holds more than this whatever the input (a log of one endless
/// traceback, a binary file read as text).
pub const MAX_RECORD_BYTES: usize = 4 << 20;

/// Builds a record from its text: `whole` runs from its first line's start to its last line's end (line
/// breaks inside included, the last one's excluded), `first` is its first line (without terminator).
pub(crate) fn build_record<'a>(
    whole: &'a str,
    first: &'a str,
    header: Option<Header<'a>>,
    line: u32,
    lines: u32,
    trailing: TrailingBlankLines,
) -> LogRecord<'a> {
    let mut raw = whole;
    // The header's offsets hold in `raw` too, since the header line starts it.
    let message_at = header.map_or(0, |h| h.message_at.min(first.len()));
    let mut message = raw.get(message_at..).unwrap_or("");
    if trailing == TrailingBlankLines::Trim {
        raw = raw.trim_end_matches(['\r', '\n']);
        message = message.trim_end_matches(['\r', '\n']);
    }
    let Some(h) = header else {
        return LogRecord {
            line,
            lines,
            time: None,
            level: Level::Unknown,
            format: LineFormat::Untimed,
            thread: None,
            prefix: None,
            message: raw,
            raw,
        };
    };
    if h.trim_one_trailing_space {
        message = message.strip_suffix(' ').unwrap_or(message);
    }
    LogRecord {
        line,
        lines,
        time: h.time,
        level: h.level,
        format: h.format,
        thread: h.thread,
        prefix: h.prefix,
        message,
        raw,
    }
}

impl<'a, R: HeaderRule<'a>> Iterator for Assembler<'a, R> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        let (first, header) = match self.pending.take() {
            Some((line, header)) => (line, header),
            // Only at the start of the text (or past its end): the first line opens a record either way.
            None => {
                let line = self.lines.next()?;
                (line, self.rule.header(line.text))
            }
        };
        let mut end = first.end();
        let mut count: u32 = 1;
        // A clipped line (longer than `MAX_LINE_BYTES`) is a record of its own, so no record's text holds
        // more than the clipped part of it: a clipped header takes no continuation lines, and a clipped
        // continuation line ends the record above and stands alone (untimed unless it is a header).
        if !first.clipped {
            for line in self.lines.by_ref() {
                let next_header = self.rule.header(line.text);
                let too_long = line.end() - first.start > MAX_RECORD_BYTES;
                if next_header.is_some() || line.clipped || too_long {
                    self.pending = Some((line, next_header));
                    break;
                }
                end = line.end();
                count = count.saturating_add(1);
            }
        }
        Some(self.build(first, header, end, count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{dt, local, tiled};
    use proptest::prelude::*;

    /// A line starting with `#` is a header whose message follows the `#`; a `~` at its end marks the
    /// one-space padding.
    fn hash_header(line: &str) -> Option<Header<'_>> {
        if !line.starts_with('#') {
            return None;
        }
        let time = SourceTime::Local(dt("2024-01-02 03:04:05"));
        Some(Header {
            trim_one_trailing_space: line.ends_with("~ "),
            ..Header::new(time, LineFormat::Generic, 1)
        })
    }

    fn assemble(text: &str, trailing: TrailingBlankLines) -> Vec<LogRecord<'_>> {
        tiled(text, Assembler::new(text, hash_header as HeaderFn, trailing))
    }

    #[test]
    fn header_takes_the_lines_after_it_and_leading_text_is_untimed() {
        let text = "pre\n\n#one\ncont\r\n#two\n";
        let records = assemble(text, TrailingBlankLines::Keep);
        let spans: Vec<_> = records.iter().map(|r| (r.line, r.lines, r.format, r.message)).collect();
        assert_eq!(
            spans,
            [
                (1, 2, LineFormat::Untimed, "pre\n"),
                (3, 2, LineFormat::Generic, "one\ncont"),
                (5, 1, LineFormat::Generic, "two"),
            ]
        );
        assert_eq!((records[0].time, records[0].level, records[0].raw), (None, Level::Unknown, "pre\n"));
        assert_eq!((records[1].time, records[1].raw), (local("2024-01-02 03:04:05"), "#one\ncont"));
    }

    #[test]
    fn trailing_blank_lines_are_kept_or_trimmed_as_asked() {
        let text = "#a\r\n\r\n\n#b\n\n";
        let kept = assemble(text, TrailingBlankLines::Keep);
        assert_eq!(
            kept.iter().map(|r| (r.lines, r.raw)).collect::<Vec<_>>(),
            [(3, "#a\r\n\r\n"), (2, "#b\n")]
        );
        let trimmed = assemble(text, TrailingBlankLines::Trim);
        let got: Vec<_> = trimmed.iter().map(|r| (r.lines, r.raw, r.message)).collect();
        assert_eq!(got, [(3, "#a", "a"), (2, "#b", "b")]);
        assert_eq!(assemble("\n\n", TrailingBlankLines::Trim)[0].raw, "");
        assert!(assemble("", TrailingBlankLines::Keep).is_empty());
    }

    #[test]
    fn one_padding_space_is_dropped_from_the_message_only() {
        let r = &assemble("#pad~ ", TrailingBlankLines::Keep)[0];
        assert_eq!((r.raw, r.message), ("#pad~ ", "pad~"));
        let r = &assemble("#pad~ \nmore  ", TrailingBlankLines::Keep)[0];
        assert_eq!(r.message, "pad~ \nmore ");
    }

    #[test]
    fn stateful_rule_sees_each_line_once_in_order() {
        /// Counts lines; every third line starts a record.
        struct Every3(u32, Vec<String>);
        impl<'a> HeaderRule<'a> for Every3 {
            fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
                self.0 += 1;
                self.1.push(line.to_string());
                (self.0 % 3 == 1).then(|| Header::with_time(None, LineFormat::Syslog, 0))
            }
        }
        let text = "1\n2\n3\n4\n5";
        let mut assembler = Assembler::new(text, Every3(0, Vec::new()), TrailingBlankLines::Keep);
        let spans: Vec<_> = assembler.by_ref().map(|r| (r.line, r.lines, r.message)).collect();
        assert_eq!(spans, [(1, 3, "1\n2\n3"), (4, 2, "4\n5")]);
        assert_eq!(assembler.rule.1, ["1", "2", "3", "4", "5"]);
    }

    proptest! {
        #[test]
        fn records_tile_any_text(text in "(#?[ -~]{0,6}~? ?(\n|\r\n)?){0,12}", trim in any::<bool>()) {
            let trailing = if trim { TrailingBlankLines::Trim } else { TrailingBlankLines::Keep };
            for r in assemble(&text, trailing) {
                let padded = [r.message, " "].concat();
                prop_assert!(r.raw.ends_with(r.message) || r.raw.ends_with(&padded), "{:?}", r);
            }
        }
    }
}
