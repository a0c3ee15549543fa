//! Logs with no dedicated parser: other `/var/log/azure/<ext>/**/*.log`, `CommandExecution.log`, extension
//! handler logs, Windows plugin logs.
//!
//! A record starts at a line whose first bytes are a recognised timestamp; every other line continues the
//! record above it. Recognised leading timestamps (all yield [`LineFormat::Generic`]):
//!
//! - ISO 8601: `2024-01-01T10:00:00.123Z`, `2024-01-01T10:00:00+02:00`, `…+0200`, `2024-01-01T10:00:00`.
//!   `Z` ⇒ UTC; an offset ⇒ UTC with the offset applied; none ⇒ local.
//! - ISO with a blank: `2024-01-01 10:00:00,123` (Python `asctime`), `2024-01-01 10:00:00.5 UTC`; zones as
//!   for ISO, and a `UTC`/`GMT` word ⇒ UTC.
//! - Slashes: `2018/01/30 15:07:31.634504`; zones as for ISO.
//! - US date: `11/14/2019 05:52:13.44`, `11/14/2019 5:52:13 PM` (read `DD/MM` when the first field is > 12);
//!   local.
//! - Bracketed: any of the above inside `[]`, e.g. `[2024-01-01 10:00:00]`.
//! - Thread id first (Windows agent and plugin logs): `[00000006] [11/14/2019 05:52:13.44] [INFO]  msg`; the
//!   id becomes [`LogRecord::thread`].
//! - logfmt: `time="2024-01-01T00:00:00Z" level=info msg="…"` (Go logrus) and
//!   `time=2024-01-01T00:00:00Z version=v1 operation=enable …` (extension handlers); the message is what
//!   follows the `time` field and a directly following `level` field.
//!
//! Not recognised (so continuation): a level or a name before the stamp (`INFO 2024-…`), syslog stamps
//! (`Jul 06 13:18:04`), epoch numbers.
//!
//! After the stamp an optional level sets [`LogRecord::level`]: `[INFO]` (any case, in brackets),
//! `level=warn`, or a bare `ERROR`/`ERROR:`/`Warning:` word — a bare word counts only when upper-case or
//! followed by `:`, so a message starting "Error opening…" keeps its first word. Python's `- LEVEL -`
//! separators are skipped.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::lines::{lines, Line, Lines};
use crate::record::{Level, LineFormat, LogRecord};
use crate::time::{parse_datetime_prefix, SourceTime};

/// Splits a generic log into records, lazily. Every physical line lands in exactly one record; lines before
/// the first recognised timestamp form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Grouped::new(text, generic_header as HeaderFn))
}

/// Iterator returned by [`parse`].
#[derive(Debug, Clone)]
pub struct Records<'a>(Grouped<'a, HeaderFn>);

impl<'a> Iterator for Records<'a> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        self.0.next()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Header-driven grouping, shared with the other line parsers of this crate.
// ---------------------------------------------------------------------------------------------------------

/// What a header line contributes to its record; [`Grouped`] adds the line span and the slices.
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
    /// A header with no level, thread or prefix.
    pub(crate) fn new(time: SourceTime, format: LineFormat, message_at: usize) -> Self {
        Header {
            time: Some(time),
            level: Level::Unknown,
            format,
            thread: None,
            prefix: None,
            message_at,
            trim_one_trailing_space: false,
        }
    }
}

/// Decides, line by line and in file order, which lines start a record. It may keep state: every `Some` it
/// returns does start a record.
pub(crate) trait HeaderRule<'a> {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>>;
}

/// A stateless rule.
pub(crate) type HeaderFn = for<'x> fn(&'x str) -> Option<Header<'x>>;

impl<'a> HeaderRule<'a> for HeaderFn {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
        self(line)
    }
}

/// Groups physical lines into records: a header line plus the non-header lines after it.
#[derive(Debug, Clone)]
pub(crate) struct Grouped<'a, R> {
    text: &'a str,
    lines: Lines<'a>,
    /// The header line that ended the previous record (read one line ahead).
    pending: Option<(Line<'a>, Option<Header<'a>>)>,
    rule: R,
}

impl<'a, R: HeaderRule<'a>> Grouped<'a, R> {
    pub(crate) fn new(text: &'a str, rule: R) -> Self {
        Grouped { text, lines: lines(text), pending: None, rule }
    }
}

impl<'a, R: HeaderRule<'a>> Iterator for Grouped<'a, R> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        let (first, header) = match self.pending.take() {
            Some(pending) => pending,
            None => {
                let line = self.lines.next()?;
                let header = self.rule.header(line.text);
                (line, header)
            }
        };
        let mut end = first.end();
        let mut count = 1u32;
        for line in self.lines.by_ref() {
            let next_header = self.rule.header(line.text);
            if next_header.is_some() {
                self.pending = Some((line, next_header));
                break;
            }
            end = line.end();
            count = count.saturating_add(1);
        }
        Some(build_record(self.text, first, header, end, count))
    }
}

fn build_record<'a>(
    text: &'a str,
    first: Line<'a>,
    header: Option<Header<'a>>,
    end: usize,
    lines: u32,
) -> LogRecord<'a> {
    let raw = text.get(first.start..end).unwrap_or(first.text);
    let Some(h) = header else {
        return LogRecord {
            line: first.number,
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
    // The header line is the start of `raw`, so its offsets hold there too.
    let mut message = raw.get(h.message_at..).unwrap_or("");
    if h.trim_one_trailing_space {
        message = message.strip_suffix(' ').unwrap_or(message);
    }
    LogRecord {
        line: first.number,
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

// ---------------------------------------------------------------------------------------------------------
// Small byte helpers shared with the other line parsers.
// ---------------------------------------------------------------------------------------------------------

/// Number of leading spaces and tabs.
pub(crate) fn indent(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ' || b == b'\t').count()
}

/// Number of leading spaces.
pub(crate) fn spaces(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ').count()
}

/// Parses exactly `n` ASCII digits at `at`.
fn fixed_digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let field = b.get(at..at.checked_add(n)?)?;
    field.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
}

/// True when the byte at `at` is absent or cannot continue a word or number (a token boundary).
fn boundary(b: &[u8], at: usize) -> bool {
    b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric())
}

// ---------------------------------------------------------------------------------------------------------
// Timestamps.
// ---------------------------------------------------------------------------------------------------------

/// Reads a leading timestamp in any layout of the module table (not bracketed, not logfmt). Returns the time
/// and the bytes consumed, zone suffix included.
fn leading_stamp(s: &str) -> Option<(SourceTime, usize)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    let (naive, n) = match (b.get(4), b.get(2)) {
        (Some(b'-'), _) => {
            let mid = if b.get(10) == Some(&b'T') { b'T' } else { b' ' };
            parse_datetime_prefix(s, b'-', mid)?
        }
        (Some(b'/'), _) => {
            let mid = if b.get(10) == Some(&b'T') { b'T' } else { b' ' };
            parse_datetime_prefix(s, b'/', mid)?
        }
        (_, Some(b'/')) => us_datetime(s)?,
        _ => return None,
    };
    let (time, zone_len) = zone_suffix(s.get(n..)?, naive)?;
    let n = n + zone_len;
    boundary(b, n).then_some((time, n))
}

/// `MM/DD/YYYY HH:MM:SS[.f][ AM|PM]`, or `DD/MM/YYYY` when the first field cannot be a month.
fn us_datetime(s: &str) -> Option<(NaiveDateTime, usize)> {
    let b = s.as_bytes();
    let first = fixed_digits(b, 0, 2)?;
    let second = fixed_digits(b, 3, 2)?;
    let year = fixed_digits(b, 6, 4)?;
    if b.get(5) != Some(&b'/') || b.get(10) != Some(&b' ') {
        return None;
    }
    let (month, day) = if first > 12 { (second, first) } else { (first, second) };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let (time, n) = clock_time(s.get(11..)?)?;
    Some((date.and_time(time), 11 + n))
}

/// `H:MM:SS` or `HH:MM:SS`, an optional `.f`/`,f` fraction, an optional ` AM`/` PM`.
pub(crate) fn clock_time(s: &str) -> Option<(NaiveTime, usize)> {
    let b = s.as_bytes();
    let hour_len = if b.get(1) == Some(&b':') { 1 } else { 2 };
    let mut hour = fixed_digits(b, 0, hour_len)?;
    let mut i = hour_len;
    if b.get(i) != Some(&b':') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let minute = fixed_digits(b, i + 1, 2)?;
    let second = fixed_digits(b, i + 4, 2)?;
    i += 6;
    let mut nanos = 0u32;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        let n = b.iter().skip(i + 1).take(9).take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let frac = fixed_digits(b, i + 1, n)?;
            nanos = frac.checked_mul(10u32.checked_pow(9 - n as u32)?)?;
            i += 1 + n;
        }
    }
    if let Some((meridiem_pm, len)) = meridiem(s.get(i..)?) {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (meridiem_pm, hour) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
        i += len;
    }
    Some((NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos)?, i))
}

/// ` AM` / ` PM` (any case) as a whole word: `Some(is_pm, bytes)`.
fn meridiem(s: &str) -> Option<(bool, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b' ') || !boundary(b, 3) {
        return None;
    }
    let word = s.get(1..3)?;
    if word.eq_ignore_ascii_case("AM") {
        Some((false, 3))
    } else if word.eq_ignore_ascii_case("PM") {
        Some((true, 3))
    } else {
        None
    }
}

/// Reads what follows a date-time: `Z`, `±HH:MM`, `±HHMM`, `±HH`, ` UTC`, ` GMT`, or nothing (local).
fn zone_suffix(s: &str, naive: NaiveDateTime) -> Option<(SourceTime, usize)> {
    let b = s.as_bytes();
    match b.first() {
        Some(b'Z') | Some(b'z') if boundary(b, 1) => return Some((SourceTime::Utc(naive), 1)),
        Some(&sign @ (b'+' | b'-')) => {
            if let Some((offset_secs, len)) = numeric_offset(b) {
                let secs = if sign == b'+' { offset_secs } else { -offset_secs };
                let utc = naive.checked_sub_signed(TimeDelta::try_seconds(secs)?)?;
                return Some((SourceTime::Utc(utc), len));
            }
        }
        Some(b' ') => {
            let word = s.get(1..4).unwrap_or("");
            if (word == "UTC" || word == "GMT") && boundary(b, 4) {
                return Some((SourceTime::Utc(naive), 4));
            }
        }
        _ => {}
    }
    Some((SourceTime::Local(naive), 0))
}

/// `±HH:MM`, `±HHMM` or `±HH` (sign included in `b`): offset in seconds and bytes consumed.
pub(crate) fn numeric_offset(b: &[u8]) -> Option<(i64, usize)> {
    let hours = fixed_digits(b, 1, 2)?;
    let (minutes, len) = if b.get(3) == Some(&b':') {
        (fixed_digits(b, 4, 2)?, 6)
    } else if let Some(m) = fixed_digits(b, 3, 2) {
        (m, 5)
    } else {
        (0, 3)
    };
    (hours <= 23 && minutes <= 59 && boundary(b, len))
        .then_some((i64::from(hours * 3600 + minutes * 60), len))
}

// ---------------------------------------------------------------------------------------------------------
// The generic header.
// ---------------------------------------------------------------------------------------------------------

fn generic_header(line: &str) -> Option<Header<'_>> {
    // Cheap gate: every supported layout starts with a digit, `[` or `time=`.
    match line.as_bytes().first()? {
        b'0'..=b'9' => stamped_header(line, 0, None),
        b'[' => bracketed_header(line),
        b't' => logfmt_header(line),
        _ => None,
    }
}

/// `[stamp]…`, or a Windows thread id `[00000006] ` followed by a (possibly bracketed) stamp.
fn bracketed_header(line: &str) -> Option<Header<'_>> {
    let close = memchr::memchr(b']', line.as_bytes().get(..64).unwrap_or(line.as_bytes()))?;
    let inner = line.get(1..close)?;
    let is_thread_id = !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit() || c == b'+');
    if is_thread_id && line.as_bytes().get(close + 1) == Some(&b' ') {
        let at = close + 1 + spaces(line.get(close + 1..)?);
        let thread = Some(inner);
        return match line.as_bytes().get(at) {
            Some(b'[') => bracketed_stamp(line, at, thread),
            Some(c) if c.is_ascii_digit() => stamped_header(line, at, thread),
            _ => None,
        };
    }
    bracketed_stamp(line, 0, None)
}

/// `[stamp]` at `at`, then level and message.
fn bracketed_stamp<'a>(line: &'a str, at: usize, thread: Option<&'a str>) -> Option<Header<'a>> {
    let (time, n) = leading_stamp(line.get(at + 1..)?)?;
    let close = at + 1 + n;
    (line.as_bytes().get(close) == Some(&b']')).then_some(())?;
    Some(finish_header(line, time, close + 1, thread))
}

/// A bare stamp at `at`, then level and message.
fn stamped_header<'a>(line: &'a str, at: usize, thread: Option<&'a str>) -> Option<Header<'a>> {
    let (time, n) = leading_stamp(line.get(at..)?)?;
    Some(finish_header(line, time, at + n, thread))
}

/// Reads the optional level after the stamp ending at `after` and places the message.
fn finish_header<'a>(line: &'a str, time: SourceTime, after: usize, thread: Option<&'a str>) -> Header<'a> {
    let rest = line.get(after..).unwrap_or("");
    let (level, skip) = level_after_stamp(rest).unwrap_or((Level::Unknown, spaces(rest)));
    Header { level, thread, ..Header::new(time, LineFormat::Generic, after + skip) }
}

/// Recognises a level at the start of `rest` (which begins right after the stamp). Returns the level and the
/// bytes up to the message.
fn level_after_stamp(rest: &str) -> Option<(Level, usize)> {
    let mut i = spaces(rest);
    // Python `%(asctime)s - %(levelname)s - %(message)s`.
    if rest.get(i..)?.starts_with("- ") {
        i += 2;
    }
    let b = rest.as_bytes();
    let (level, word_end) = match b.get(i)? {
        b'[' => {
            let len = b.iter().skip(i + 1).take_while(|c| c.is_ascii_alphabetic()).count();
            let end = i + 1 + len;
            (b.get(end) == Some(&b']')).then_some(())?;
            (Level::from_word(rest.get(i + 1..end)?)?, end + 1)
        }
        b'l' if rest.get(i..)?.starts_with("level=") => {
            let start = i + 6;
            let len = b.iter().skip(start).take_while(|c| c.is_ascii_alphabetic()).count();
            (Level::from_word(rest.get(start..start + len)?)?, start + len)
        }
        _ => {
            let len = b.iter().skip(i).take_while(|c| c.is_ascii_alphabetic()).count();
            let word = rest.get(i..i + len)?;
            let colon = b.get(i + len) == Some(&b':');
            let upper = word.bytes().all(|c| c.is_ascii_uppercase());
            if !(colon || upper) || !boundary(b, i + len) {
                return None;
            }
            (Level::from_word(word)?, i + len + usize::from(colon))
        }
    };
    let mut end = word_end + spaces(rest.get(word_end..)?);
    for sep in ["- ", ": "] {
        if rest.get(end..)?.starts_with(sep) {
            end += sep.len();
            break;
        }
    }
    Some((level, end))
}

/// `time="2024-01-01T00:00:00Z" level=info msg="…"` and `time=2024-01-01T00:00:00Z version=… op=…`. The
/// message is everything after the `time` field and a directly following `level` field.
fn logfmt_header(line: &str) -> Option<Header<'_>> {
    let value = line.strip_prefix("time=")?;
    let quoted = value.starts_with('"');
    let stamp_at = 5 + usize::from(quoted);
    let (time, n) = leading_stamp(line.get(stamp_at..)?)?;
    let mut after = stamp_at + n;
    if quoted {
        (line.as_bytes().get(after) == Some(&b'"')).then_some(())?;
        after += 1;
    }
    let b = line.as_bytes();
    if after < b.len() && b.get(after) != Some(&b' ') {
        return None;
    }
    let mut message_at = after + spaces(line.get(after..)?);
    let mut level = Level::Unknown;
    if let Some(field) = line.get(message_at..).and_then(|r| r.strip_prefix("level=")) {
        let field = field.trim_start_matches('"');
        let len = field.bytes().take_while(|c| c.is_ascii_alphabetic()).count();
        if let Some(word_level) = field.get(..len).and_then(Level::from_word) {
            level = word_level;
            let field_len = line.get(message_at..)?.find(' ').unwrap_or(line.len() - message_at);
            message_at += field_len;
            message_at += spaces(line.get(message_at..)?);
        }
    }
    Some(Header { level, ..Header::new(time, LineFormat::Generic, message_at) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::count_lines;
    use proptest::prelude::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn one(line: &str) -> LogRecord<'_> {
        let records: Vec<_> = parse(line).collect();
        assert_eq!(records.len(), 1, "{line:?} gave {records:?}");
        records.into_iter().next().unwrap()
    }

    #[test]
    fn iso_utc_with_agent_level() {
        let r = one("2024-05-30T13:15:45.331589Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Enable extension: [main/handle.sh enable]");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2024-05-30 13:15:45.331589"))));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.format, LineFormat::Generic);
        assert!(r.message.starts_with("ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux"));
    }

    #[test]
    fn iso_offsets_convert_to_utc_and_no_zone_is_local() {
        let r = one("2024-01-01T10:00:00+02:00 started");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2024-01-01 08:00:00"))));
        assert_eq!(r.message, "started");
        let r = one("2024-01-01T01:30:00.5-0530 x");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2024-01-01 07:00:00.5"))));
        let r = one("2024-01-01T10:00:00 x");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2024-01-01 10:00:00"))));
    }

    #[test]
    fn python_asctime_with_comma_and_dashes() {
        let r = one("2024-03-01 12:00:01,250 - ERROR - Failed to mount /data");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2024-03-01 12:00:01.250"))));
        assert_eq!(r.level, Level::Error);
        assert_eq!(r.message, "Failed to mount /data");
    }

    #[test]
    fn space_form_with_utc_word() {
        let r = one("2024-03-01 12:00:01 UTC WARNING: low disk");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2024-03-01 12:00:01"))));
        assert_eq!(r.level, Level::Warning);
        assert_eq!(r.message, "low disk");
    }

    #[test]
    fn slash_form_from_old_agent() {
        let r = one(
            "2017/03/27 11:46:55.022925 WARNING PUT http://168.63.129.16:32526/status [400: Bad Request]",
        );
        assert_eq!(r.time, Some(SourceTime::Local(dt("2017-03-27 11:46:55.022925"))));
        assert_eq!(r.level, Level::Warning);
        assert_eq!(r.message, "PUT http://168.63.129.16:32526/status [400: Bad Request]");
    }

    #[test]
    fn capitalised_first_word_is_message_not_level() {
        let r = one("2024-03-01 12:00:01 Error opening file");
        assert_eq!(r.level, Level::Unknown);
        assert_eq!(r.message, "Error opening file");
    }

    #[test]
    fn bracketed_stamp_and_level() {
        let r = one("[2024-03-01 12:00:01] [info] hello");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2024-03-01 12:00:01"))));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.message, "hello");
    }

    #[test]
    fn windows_thread_id_then_us_date() {
        let r = one("[00000006] [11/14/2019 05:52:13.44] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.949");
        assert_eq!(r.thread, Some("00000006"));
        assert_eq!(r.time, Some(SourceTime::Local(dt("2019-11-14 05:52:13.44"))));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.message, "WindowsAzureGuestAgent starting. Version 2.7.41491.949");
        let r = one("[00000010] 2021-01-12T16:35:45Z [ERROR] InstallPlugins() failed with exception");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2021-01-12 16:35:45"))));
        assert_eq!(r.level, Level::Error);
        assert_eq!(r.message, "InstallPlugins() failed with exception");
    }

    #[test]
    fn us_date_with_meridiem_and_day_first_fallback() {
        let r = one("12/11/2018 6:27:55 PM started");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2018-12-11 18:27:55"))));
        assert_eq!(r.message, "started");
        let r = one("25/12/2018 12:00:00 AM x");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2018-12-25 00:00:00"))));
    }

    #[test]
    fn logrus_and_handler_logfmt() {
        let r = one(r#"time="2024-01-01T00:00:00Z" level=warning msg="retrying" attempt=2"#);
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2024-01-01 00:00:00"))));
        assert_eq!(r.level, Level::Warning);
        assert_eq!(r.message, r#"msg="retrying" attempt=2"#);
        let r = one("time=2018-06-20T23:09:27Z version=v1.4.0 operation=enable seq=0 event=start");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2018-06-20 23:09:27"))));
        assert_eq!(r.level, Level::Unknown);
        assert_eq!(r.message, "version=v1.4.0 operation=enable seq=0 event=start");
    }

    #[test]
    fn continuation_lines_and_leading_untimed_block() {
        let text = concat!(
            "preamble\n",
            "\n",
            "2017/08/03 14:43:51.715995 WARNING Could not fetch x [[404: Not Found] {\n",
            "    \"errorCode\": \"e\",\n",
            "}]\n",
            "2017/08/03 14:43:52.000000 INFO next\r\n",
        );
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 3);
        assert_eq!(
            (records[0].format, records[0].lines, records[0].message),
            (LineFormat::Untimed, 2, "preamble\n")
        );
        assert_eq!((records[1].line, records[1].lines), (3, 3));
        assert_eq!(
            records[1].message,
            "Could not fetch x [[404: Not Found] {\n    \"errorCode\": \"e\",\n}]"
        );
        assert_eq!(records[1].first_line(), "Could not fetch x [[404: Not Found] {");
        assert_eq!(
            (records[2].line, records[2].message, records[2].raw),
            (6, "next", "2017/08/03 14:43:52.000000 INFO next")
        );
    }

    #[test]
    fn non_stamps_are_continuation() {
        for line in [
            "2024-13-01 00:00:00 x",
            "20240101 x",
            "2024-01-01T00:00:00Zulu",
            "[abc] 2024-01-01 00:00:00",
            "time=soon",
        ] {
            assert_eq!(one(line).format, LineFormat::Untimed, "{line}");
        }
    }

    #[test]
    fn reads_every_corpus_file_without_losing_lines() {
        let dir = std::path::Path::new("/work/shared/corpus/vmsnapshot");
        let Ok(entries) = std::fs::read_dir(dir) else {
            println!("skipped: {} is absent", dir.display());
            return;
        };
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            let text = crate::lines::decode(&bytes);
            let total: u32 = parse(&text).map(|r| r.lines).sum();
            assert_eq!(total, count_lines(&text), "{}", entry.path().display());
        }
    }

    fn fragments() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("2024-01-01T00:00:00.5Z ".to_string()),
            Just("2024-01-01 00:00:00,1+05:30 ".to_string()),
            Just("[00000006] [11/14/2019 05:52:13.44] ".to_string()),
            Just("12/31/2019 11:59:59 PM ".to_string()),
            Just("time=\"2024-01-01T00:00:00Z\" level=".to_string()),
            Just("[INFO] ".to_string()),
            Just("- ERROR: ".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            "[ -~]{0,12}",
            any::<String>(),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_line(text in fragments()) {
            let total: u32 = parse(&text).map(|r| r.lines).sum();
            prop_assert_eq!(total, count_lines(&text));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let text = crate::lines::decode(&bytes);
            let total: u32 = parse(&text).map(|r| r.lines).sum();
            prop_assert_eq!(total, count_lines(&text));
        }
    }
}
