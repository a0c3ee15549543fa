//! `/var/log/syslog*`, `/var/log/messages*`, `kern.log*` and `dmesg*` as the log collector copies them.
//!
//! | layout | example | time |
//! |---|---|---|
//! | RFC 3164 / journald short | `Jul  6 13:18:04 host proc[pid]: msg` (also `Jul 06`, `.123456`) | local, year inferred |
//! | RFC 3339 (rsyslog high-precision, journald `short-iso`) | `2024-01-14T22:16:48.123456+00:00 host proc[pid]: msg` | UTC when an offset or `Z` is given |
//! | `dmesg` | `[  123.456789] msg` | none (uptime only): [`LineFormat::Untimed`], one record per line |
//! | `dmesg -T` | `[Mon Nov 18 00:05:10 2019] msg` | local |
//!
//! A leading `<PRI>` (as `dmesg -r` writes) is accepted and gives the record its level. For the syslog
//! layouts `thread` is the process name (without `[pid]`), `prefix` the host and `message` what follows
//! `tag: `. Lines matching none of the layouts continue the record above them; text before the first
//! header is one [`LineFormat::Untimed`] record.
//!
//! RFC 3164 lines carry no year. The caller passes the year of the file's last line; a cheap pre-scan
//! counts the year rollovers in the file so earlier lines get earlier years. A month that goes back by
//! six or more (`Dec` → `Jan`, or `Nov` → `Feb` across a gap) is a rollover; a smaller step back is taken
//! as clock disorder, because a wrap would mean a longer jump forward than the step back.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::assemble::{Assembler, Header, HeaderRule, TrailingBlankLines};
use crate::lines::lines;
use crate::record::{Level, LineFormat, LogRecord};
use crate::scan::{digits, token};
use crate::time::{numeric_offset, offset_to_utc, parse_datetime_prefix, SourceTime};

/// Months back, from one RFC 3164 line to the next, that mean a new year.
const ROLLOVER_MONTHS: u32 = 6;

const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

/// Parses a syslog-style text into records, lazily. `last_year` is the year of the file's last line
/// (typically the year of the file's modification time); it dates the year-less RFC 3164 lines.
pub fn parse(text: &str, last_year: i32) -> Records<'_> {
    let rollovers = count_rollovers(text);
    let years = YearTracker { year: last_year.saturating_sub(rollovers), last_month: None };
    Records { inner: Assembler::new(text, SyslogLines { years }, TrailingBlankLines::Trim) }
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]); `rollovers` is
/// what a [`Rollovers`] pass over the same text counted.
pub fn stream(last_year: i32, rollovers: i32) -> crate::stream::RecordStream {
    let years = YearTracker { year: last_year.saturating_sub(rollovers), last_month: None };
    crate::stream::RecordStream::new(Box::new(SyslogLines { years }), TrailingBlankLines::Trim)
}

/// Counts the year rollovers of a text pushed in blocks, as [`parse`] does before reading the text (a
/// first pass, so the lines before a rollover get the year before).
#[derive(Debug, Default)]
pub struct Rollovers {
    decoder: crate::stream::TextDecoder,
    buf: String,
    tracker: YearTracker,
    /// Inside a line longer than the longest line read: its rest is not looked at.
    skipping: bool,
}

impl Rollovers {
    /// Adds the next block of the text.
    pub fn push(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes, &mut self.buf);
        self.read_lines(false);
    }

    /// Ends the text: how many rollovers it holds.
    pub fn finish(mut self) -> i32 {
        let mut buf = std::mem::take(&mut self.buf);
        self.decoder.finish(&mut buf);
        self.buf = buf;
        self.read_lines(true);
        self.tracker.year
    }

    fn read_lines(&mut self, at_end: bool) {
        let mut start = 0;
        while let Some(i) = memchr::memchr(b'\n', &self.buf.as_bytes()[start..]) {
            if !self.skipping {
                self.observe(start, start + i);
            }
            self.skipping = false;
            start += i + 1;
        }
        if at_end && start < self.buf.len() && !self.skipping {
            self.observe(start, self.buf.len());
            start = self.buf.len();
        }
        self.buf.drain(..start);
        if self.buf.len() > crate::lines::MAX_LINE_BYTES + 1 {
            if !self.skipping {
                self.observe(0, self.buf.len());
            }
            self.skipping = true;
            self.buf.clear();
        }
    }

    fn observe(&mut self, start: usize, end: usize) {
        let line = &self.buf.as_bytes()[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(stamp) = bsd_line_stamp(line) {
            self.tracker.observe(stamp.month);
        }
    }
}

/// Iterator over the records of a syslog-style text, returned by [`parse`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    inner: Assembler<'a, SyslogLines>,
}

impl<'a> Iterator for Records<'a> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        self.inner.next()
    }
}

/// Counts the year rollovers between the text's first and last RFC 3164 lines.
fn count_rollovers(text: &str) -> i32 {
    let mut tracker = YearTracker { year: 0, last_month: None };
    for line in lines(text) {
        if let Some(stamp) = bsd_line_stamp(line.text.as_bytes()) {
            tracker.observe(stamp.month);
        }
    }
    tracker.year
}

/// The year of RFC 3164 lines, advanced at each rollover.
#[derive(Debug, Clone, Default)]
struct YearTracker {
    year: i32,
    last_month: Option<u32>,
}

impl YearTracker {
    /// The year of a line in `month`, given the lines seen before it.
    fn observe(&mut self, month: u32) -> i32 {
        if self.last_month.is_some_and(|last| last >= month + ROLLOVER_MONTHS) {
            self.year = self.year.saturating_add(1);
        }
        self.last_month = Some(month);
        self.year
    }
}

/// The syslog line classifier.
#[derive(Debug, Clone)]
struct SyslogLines {
    years: YearTracker,
}

impl<'a> HeaderRule<'a> for SyslogLines {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
        let b = line.as_bytes();
        let (level, at) = priority(b).unwrap_or((Level::Unknown, 0));
        // One byte decides which layout to try, so continuation lines are rejected at once.
        let header = match b.get(at)? {
            b'A'..=b'Z' => self.bsd_header(line),
            b'0'..=b'9' => iso_header(line, at),
            b'[' => kernel_header(line, at),
            _ => None,
        }?;
        Some(Header { level: if level == Level::Unknown { header.level } else { level }, ..header })
    }
}

impl SyslogLines {
    /// `Mmm dd HH:MM:SS[.ffffff] host tag: msg`.
    fn bsd_header<'a>(&mut self, line: &'a str) -> Option<Header<'a>> {
        let stamp = bsd_line_stamp(line.as_bytes())?;
        let year = self.years.observe(stamp.month);
        // Feb 29 in a year inferred wrongly, or a day 31 in a short month: keep the line, drop the time.
        let time = NaiveDate::from_ymd_opt(year, stamp.month, stamp.day)
            .map(|d| SourceTime::Local(d.and_time(stamp.time)));
        Some(tagged_header(line, stamp.end, time))
    }
}

/// A parsed RFC 3164 timestamp.
struct BsdStamp {
    month: u32,
    day: u32,
    time: NaiveTime,
    /// Offset just past the timestamp.
    end: usize,
}

/// The timestamp of an RFC 3164 line (after any `<PRI>`), which must be followed by a space or the end.
///
/// Shared by the year pre-scan and the classifier, so both count exactly the same lines.
fn bsd_line_stamp(b: &[u8]) -> Option<BsdStamp> {
    let at = priority(b).map_or(0, |(_, at)| at);
    let stamp = bsd_stamp(b, at)?;
    matches!(b.get(stamp.end), None | Some(b' ')).then_some(stamp)
}

/// Reads `Mmm dd HH:MM:SS[.f]` at `at`; the day may be space-padded (`Jul  6`), zero-padded or bare.
fn bsd_stamp(b: &[u8], at: usize) -> Option<BsdStamp> {
    let name = b.get(at..at + 3)?;
    let month = MONTHS.iter().position(|m| m.as_slice() == name)? as u32 + 1;
    if b.get(at + 3) != Some(&b' ') {
        return None;
    }
    let mut i = at + 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (day, n) = digits(b, i, 1, 2)?;
    i += n;
    if !(1..=31).contains(&day) || b.get(i) != Some(&b' ') {
        return None;
    }
    let (time, n) = clock(b, i + 1)?;
    Some(BsdStamp { month, day, time, end: i + 1 + n })
}

/// Reads `HH:MM:SS[.f]` at `at`; returns the time and the bytes consumed.
fn clock(b: &[u8], at: usize) -> Option<(NaiveTime, usize)> {
    let (hour, _) = digits(b, at, 2, 2)?;
    let (minute, _) = digits(b, colon(b, at + 2)?, 2, 2)?;
    let (second, _) = digits(b, colon(b, at + 5)?, 2, 2)?;
    let mut end = at + 8;
    let mut nanos = 0;
    if b.get(end) == Some(&b'.') {
        if let Some((frac, n)) = digits(b, end + 1, 1, 9) {
            nanos = frac * 10u32.pow(9 - n as u32);
            end += 1 + n;
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos)?;
    Some((time, end - at))
}

/// The offset after a `:` at `at`.
fn colon(b: &[u8], at: usize) -> Option<usize> {
    (b.get(at) == Some(&b':')).then_some(at + 1)
}

/// `YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM|±HHMM] host tag: msg`.
fn iso_header(line: &str, at: usize) -> Option<Header<'_>> {
    let (naive, n) = parse_datetime_prefix(line.get(at..)?, b'-', b'T')?;
    let b = line.as_bytes();
    let mut end = at + n;
    let time = match b.get(end) {
        Some(b'Z') => {
            end += 1;
            SourceTime::Utc(naive)
        }
        Some(b'+' | b'-') => {
            let (east_secs, n) = numeric_offset(b.get(end..)?)?;
            end += n;
            offset_to_utc(naive, east_secs)?
        }
        _ => SourceTime::Local(naive),
    };
    if b.get(end) != Some(&b' ') {
        return None;
    }
    Some(tagged_header(line, end, Some(time)))
}

/// The header of a line whose timestamp ends at `end` and is followed by ` host tag: msg`.
///
/// Without a host (`Jul  6 13:18:04 kernel: msg`) the first word is taken as the tag when it ends in
/// `:`; without a tag (`-- MARK --`, `last message repeated 2 times`) the message follows the host.
fn tagged_header(line: &str, end: usize, time: Option<SourceTime>) -> Header<'_> {
    let host_at = end.saturating_add(1).min(line.len());
    let (host, after_host) = token(line, host_at);
    let (host, tag_at) = if host.ends_with(':') { (None, host_at) } else { (Some(host), after_host) };
    let (tag, after_tag) = token(line, tag_at);
    let (thread, message_at) = match tag.strip_suffix(':') {
        Some(tag) => (process_name(tag), after_tag),
        None => (None, tag_at),
    };
    let host = host.filter(|h| !h.is_empty());
    Header { thread, prefix: host, ..Header::with_time(time, LineFormat::Syslog, message_at) }
}

/// `python3[1686]` → `python3`; `kernel` → `kernel`.
fn process_name(tag: &str) -> Option<&str> {
    let name = match tag.strip_suffix(']') {
        Some(open) => open.rsplit_once('[').map_or(tag, |(name, _pid)| name),
        None => tag,
    };
    Some(name).filter(|n| !n.is_empty())
}

/// `[  123.456789] msg` (uptime: no time, own record) or `[Mon Nov 18 00:05:10 2019] msg` (local).
fn kernel_header(line: &str, at: usize) -> Option<Header<'_>> {
    let b = line.as_bytes();
    // Both layouts close their bracket within a few dozen bytes.
    let after_open = b.get(at + 1..)?;
    let close = at + 1 + memchr::memchr(b']', after_open.get(..64).unwrap_or(after_open))?;
    let inside = b.get(at + 1..close)?;
    let (time, format) = if is_uptime(inside) {
        (None, LineFormat::Untimed)
    } else {
        (Some(SourceTime::Local(human_time(inside)?)), LineFormat::Syslog)
    };
    let message_at = if b.get(close + 1) == Some(&b' ') { close + 2 } else { close + 1 };
    Some(Header::with_time(time, format, message_at))
}

/// `  123.456789`: optional padding, seconds, a dot and a fraction.
fn is_uptime(inside: &[u8]) -> bool {
    let padding = inside.iter().take_while(|&&c| c == b' ').count();
    let all_digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let value = inside.get(padding..).unwrap_or_default();
    match value.iter().position(|&c| c == b'.') {
        Some(dot) => {
            all_digits(value.get(..dot).unwrap_or_default())
                && all_digits(value.get(dot + 1..).unwrap_or_default())
        }
        None => false,
    }
}

/// `Mon Nov 18 00:05:10 2019` (day possibly space-padded), as `dmesg -T` prints it.
fn human_time(inside: &[u8]) -> Option<NaiveDateTime> {
    const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    if !WEEKDAYS.contains(&inside.get(..3)?) || inside.get(3) != Some(&b' ') {
        return None;
    }
    let stamp = bsd_stamp(inside, 4)?;
    if inside.get(stamp.end) != Some(&b' ') {
        return None;
    }
    let (year, n) = digits(inside, stamp.end + 1, 4, 4)?;
    if stamp.end + 1 + n != inside.len() {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, stamp.month, stamp.day)?;
    Some(date.and_time(stamp.time))
}

/// A leading `<PRI>` (1 to 3 digits): the severity as a level, and the offset after it.
fn priority(b: &[u8]) -> Option<(Level, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let (pri, n) = digits(b, 1, 1, 3)?;
    if b.get(1 + n) != Some(&b'>') {
        return None;
    }
    let level = match pri & 7 {
        0..=3 => Level::Error,
        4 => Level::Warning,
        5 | 6 => Level::Info,
        _ => Level::Verbose,
    };
    Some((level, n + 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{corpus_text, decoded_bytes, fragment_text, local, single, tiled, utc};
    use proptest::prelude::*;

    fn one(text: &str) -> LogRecord<'_> {
        single(text, parse(text, 2024))
    }

    #[test]
    fn rfc3164_line_fields() {
        let r = one("Jul  6 13:18:04 vm-01 dhclient[970]: DHCPREQUEST for 10.0.0.4 on eth0");
        assert_eq!(
            (r.format, r.level, r.time),
            (LineFormat::Syslog, Level::Unknown, local("2024-07-06 13:18:04"))
        );
        assert_eq!((r.thread, r.prefix), (Some("dhclient"), Some("vm-01")));
        assert_eq!(r.message, "DHCPREQUEST for 10.0.0.4 on eth0");

        let r = one("Nov 18 00:05:10 vm-01 kernel: [  123.456789] hv_storvsc: sense key 0x5");
        assert_eq!(
            (r.time, r.thread, r.message),
            (local("2024-11-18 00:05:10"), Some("kernel"), "[  123.456789] hv_storvsc: sense key 0x5")
        );
    }

    #[test]
    fn journald_short_and_precise_forms() {
        let line = "Jul 06 13:18:04 localhost python[255]: 2018/07/06 13:18:04.180810 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9133.0] Target handler state: enabled";
        let r = one(line);
        assert_eq!(
            (r.time, r.thread, r.prefix),
            (local("2024-07-06 13:18:04"), Some("python"), Some("localhost"))
        );
        assert_eq!(r.message, "2018/07/06 13:18:04.180810 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9133.0] Target handler state: enabled");
        assert_eq!(r.raw, line);
        let r = one("Jul 6 13:18:04.123456 host systemd-journald[91]: Journal started");
        assert_eq!((r.time, r.thread), (local("2024-07-06 13:18:04.123456"), Some("systemd-journald")));
    }

    #[test]
    fn lines_without_host_or_tag() {
        let r = one("Jul  6 13:18:04 kernel: Linux version 5.15.0");
        assert_eq!((r.thread, r.prefix, r.message), (Some("kernel"), None, "Linux version 5.15.0"));
        let r = one("Jul  6 13:18:04 vm-01 last message repeated 2 times");
        assert_eq!((r.thread, r.prefix, r.message), (None, Some("vm-01"), "last message repeated 2 times"));
        let r = one("Jul  6 13:18:04 vm-01");
        assert_eq!((r.thread, r.prefix, r.message), (None, Some("vm-01"), ""));
    }

    #[test]
    fn rfc3339_lines_convert_offsets_to_utc() {
        let r = one("2024-01-14T22:16:48.123456+00:00 vm-01 python3[1686]: 2024-01-14T22:16:48.000001Z INFO Daemon Daemon x");
        assert_eq!((r.format, r.time), (LineFormat::Syslog, utc("2024-01-14 22:16:48.123456")));
        assert_eq!((r.thread, r.prefix), (Some("python3"), Some("vm-01")));
        assert_eq!(r.message, "2024-01-14T22:16:48.000001Z INFO Daemon Daemon x");
        assert_eq!(one("2024-01-14T22:16:48.5+05:30 h p: m").time, utc("2024-01-14 16:46:48.5"));
        assert_eq!(one("2024-01-01T01:00:00-0800 h p[1]: m").time, utc("2024-01-01 09:00:00"));
        assert_eq!(one("2024-01-14T22:16:48Z h p: m").time, utc("2024-01-14 22:16:48"));
        assert_eq!(one("2024-01-14T22:16:48 h p: m").time, local("2024-01-14 22:16:48"));
        // A malformed offset is not a header.
        let r =
            one("Jan 14 22:16:48 h p: m\n2024-01-14T22:16:48+25:00 h p: m\n2024-01-14T22:16:48+0x h p: m");
        assert_eq!(r.lines, 3);
    }

    #[test]
    fn dmesg_lines_are_each_a_record_without_time() {
        let text = "[    0.000000] Linux version 5.15.0-1051-azure\n[    1.234567] hv_vmbus: registering driver\n  continuation\n";
        let records: Vec<_> = parse(text, 2024).collect();
        let got: Vec<_> = records.iter().map(|r| (r.line, r.lines, r.format, r.time, r.message)).collect();
        assert_eq!(
            got,
            vec![
                (1, 1, LineFormat::Untimed, None, "Linux version 5.15.0-1051-azure"),
                (2, 2, LineFormat::Untimed, None, "hv_vmbus: registering driver\n  continuation"),
            ]
        );
        let r = one("<4>[   12.5] EXT4-fs warning");
        assert_eq!((r.level, r.format, r.message), (Level::Warning, LineFormat::Untimed, "EXT4-fs warning"));
        assert_eq!(one("<3>Jul  6 13:18:04 h k: m").level, Level::Error);
    }

    #[test]
    fn dmesg_human_times() {
        let r = one("[Mon Nov 18 00:05:10 2019] sd 0:0:0:0: [sda] Synchronizing SCSI cache");
        assert_eq!((r.format, r.time), (LineFormat::Syslog, local("2019-11-18 00:05:10")));
        assert_eq!(
            (r.thread, r.prefix, r.message),
            (None, None, "sd 0:0:0:0: [sda] Synchronizing SCSI cache")
        );
        assert_eq!(one("[Mon Nov  4 00:05:10 2019] x").time, local("2019-11-04 00:05:10"));
        // Brackets that are neither layout continue the record above.
        let r = one(
            "[    5.000000] a\n[sda] b\n[Mon Nov 18 00:05:10 19] c\n[Xyz Nov 18 00:05:10 2019] d\n[12] e",
        );
        assert_eq!(r.lines, 5);
    }

    #[test]
    fn year_rolls_over_backwards_from_the_last_line() {
        // Two wraps (the Dec after a Jan is a second one): the last line is in the given year.
        let text = "Nov 30 23:00:00 h a: 1\nDec 31 23:59:59 h a: 2\nJan  1 00:00:01 h a: 3\n\
                    Dec 31 23:59:58 h a: 4\nJan  2 00:00:00 h a: 5\n";
        let times: Vec<_> = parse(text, 2025).map(|r| r.time).collect();
        assert_eq!(
            times,
            vec![
                local("2023-11-30 23:00:00"),
                local("2023-12-31 23:59:59"),
                local("2024-01-01 00:00:01"),
                local("2024-12-31 23:59:58"),
                local("2025-01-02 00:00:00"),
            ]
        );
        // ISO and dmesg lines carry their own years and do not disturb the count.
        let text =
            "Dec 31 23:59:59 h a: 1\n2025-01-01T00:00:00Z h a: 2\n[    1.0] x\nJan  1 00:00:01 h a: 3\n";
        let times: Vec<_> = parse(text, 2025).map(|r| r.time).collect();
        assert_eq!(
            times,
            vec![
                local("2024-12-31 23:59:59"),
                utc("2025-01-01 00:00:00"),
                None,
                local("2025-01-01 00:00:01")
            ]
        );
    }

    #[test]
    fn small_steps_back_are_not_rollovers() {
        let text = "Mar  1 00:00:00 h a: 1\nFeb 28 23:00:00 h a: 2\nMar  2 00:00:00 h a: 3\n";
        let years: Vec<_> =
            parse(text, 2023).map(|r| r.time.map(|t| t.naive().format("%Y").to_string())).collect();
        assert_eq!(years, vec![Some("2023".into()); 3]);
        // Nov -> Feb across a gap is a new year.
        let text = "Nov  1 00:00:00 h a: 1\nFeb  1 00:00:00 h a: 2\n";
        let times: Vec<_> = parse(text, 2023).map(|r| r.time).collect();
        assert_eq!(times, vec![local("2022-11-01 00:00:00"), local("2023-02-01 00:00:00")]);
    }

    #[test]
    fn impossible_day_keeps_the_record_without_time() {
        let r = one("Feb 29 10:00:00 h a: leap");
        assert_eq!(r.time, local("2024-02-29 10:00:00"));
        let records: Vec<_> = parse("Feb 29 10:00:00 h a: not leap", 2023).collect();
        assert_eq!(
            (records[0].format, records[0].time, records[0].message),
            (LineFormat::Syslog, None, "not leap")
        );
        // Day 0, hour 24 and unknown months are no headers at all.
        assert_eq!(one("Jul  6 00:00:00 h a: x\nJul  0 00:00:00 h a: y\nJul  6 24:00:00 h a: z\nJux  6 00:00:00 h a: w").lines, 4);
    }

    #[test]
    fn continuation_lines_and_leading_untimed_text() {
        let text = "-- Logs begin at Mon 2024-01-01 --\r\nJul  6 13:18:04 h python3[1]: Traceback (most recent call last):\r\n  File \"x.py\", line 1\r\n\r\n-- Reboot --\r\nJul  6 13:19:00 h a: next";
        let records: Vec<_> = parse(text, 2024).collect();
        let spans: Vec<_> = records.iter().map(|r| (r.line, r.lines, r.format)).collect();
        assert_eq!(
            spans,
            vec![(1, 1, LineFormat::Untimed), (2, 4, LineFormat::Syslog), (6, 1, LineFormat::Syslog)]
        );
        assert_eq!(
            records[1].message,
            "Traceback (most recent call last):\r\n  File \"x.py\", line 1\r\n\r\n-- Reboot --"
        );
        assert_eq!(records[0].message, "-- Logs begin at Mon 2024-01-01 --");
    }

    #[test]
    fn stray_carriage_returns_end_up_in_neither_raw_nor_message() {
        let r = one("Jul  5 13:18:04 h\r\r\n");
        assert_eq!((r.raw, r.prefix, r.message, r.lines), ("Jul  5 13:18:04 h", Some("h\r"), "", 1));
    }

    #[test]
    fn journald_corpus_excerpt_loses_no_line() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/linux/logs/issue-1239_wala-2.2.x_journald-prefixed-vmsnapshot.log"
        );
        let Some(text) = corpus_text(path) else { return };
        let records: Vec<_> = parse(&text, 2018).collect();
        assert_eq!(records.len(), 4);
        assert!(records.iter().all(|r| r.thread == Some("python") && r.prefix == Some("localhost")));
        assert_eq!(records[0].time, local("2018-07-06 13:18:04"));
    }

    /// The line-parser invariants, plus this parser's own: the message is the tail of the record.
    fn check_invariants(text: &str, year: i32) {
        for r in tiled(text, parse(text, year)) {
            assert!(r.raw.ends_with(r.message));
        }
    }

    const FRAGMENTS: &[&str] = &[
        "Jul  6 13:18:04 ",
        "Dec 31 23:59:59 ",
        "Jan 01 00:00:00.5 ",
        "Feb 29 01:02:03 ",
        "2024-01-14T22:16:48.123456+00:00 ",
        "2024-01-14T22:16:48-0800 ",
        "[  1.5] ",
        "[Mon Nov 18 00:05:10 2019] ",
        "<6>",
        "host ",
        "proc[12]: ",
        "kernel: ",
        "\n",
        "\r\n",
        "\u{e9}",
        "[",
        "]",
        ":",
        " ",
    ];

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_keeps_every_line(text in "\\PC*", year in any::<i32>()) {
            check_invariants(&text, year);
        }

        #[test]
        fn syslog_like_text_never_panics_and_keeps_every_line(
            text in fragment_text(FRAGMENTS),
            year in prop_oneof![Just(i32::MIN), Just(i32::MAX), 1970..2100i32],
        ) {
            check_invariants(&text, year);
        }

        #[test]
        fn arbitrary_bytes_decode_and_parse(text in decoded_bytes()) {
            check_invariants(&text, 2024);
        }
    }
}
