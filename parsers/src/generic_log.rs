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
//! - US date: `11/14/2019 05:52:13.44`, `11/14/2019 5:52:13 PM`, `1/2/2019 5:52:13 AM` (.NET's default
//!   `DateTime.ToString()`; read `DD/MM` when the first field is > 12); local.
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
//! separators are skipped, and so are the delimiters of field-per-column layouts (`stamp, Error, msg`,
//! `stamp | ERROR | msg`, `stamp;Info;msg`), where the level field may be in any case.

use chrono::{NaiveDate, NaiveDateTime};

use crate::assemble::{Assembler, Header, HeaderFn, TrailingBlankLines};
use crate::record::{Level, LineFormat, LogRecord};
use crate::scan::{boundary, digits, fixed_digits, spaces};
use crate::time::{clock_time, numeric_offset, offset_to_utc, parse_datetime_prefix, SourceTime};

/// Splits a generic log into records, lazily. Every physical line lands in exactly one record; lines before
/// the first recognised timestamp form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Assembler::new(text, generic_header as HeaderFn, TrailingBlankLines::Keep))
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]).
pub fn stream() -> crate::stream::RecordStream {
    crate::stream::RecordStream::new(Box::new(generic_header as HeaderFn), TrailingBlankLines::Keep)
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

// ---------------------------------------------------------------------------------------------------------
// Timestamps.
// ---------------------------------------------------------------------------------------------------------

/// Reads a leading timestamp in any layout of the module table (not bracketed, not logfmt). Returns the time
/// and the bytes consumed, zone suffix included.
pub(crate) fn leading_stamp(s: &str) -> Option<(SourceTime, usize)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    // `M/d/yyyy` puts a slash second or third; `yyyy/MM/dd` fifth.
    let us = b.get(1) == Some(&b'/') || b.get(2) == Some(&b'/');
    let (naive, n) = match b.get(4) {
        _ if us => us_datetime(s)?,
        Some(b'-') => {
            let mid = if b.get(10) == Some(&b'T') { b'T' } else { b' ' };
            parse_datetime_prefix(s, b'-', mid)?
        }
        Some(b'/') => {
            let mid = if b.get(10) == Some(&b'T') { b'T' } else { b' ' };
            parse_datetime_prefix(s, b'/', mid)?
        }
        _ => return None,
    };
    let (time, zone_len) = zone_suffix(s.get(n..)?, naive)?;
    let n = n + zone_len;
    boundary(b, n).then_some((time, n))
}

/// `MM/DD/YYYY HH:MM:SS[.f][ AM|PM]` (month and day of one or two digits, as .NET's default `M/d/yyyy
/// h:mm:ss tt` writes them), or `DD/MM/YYYY` when the first field cannot be a month.
fn us_datetime(s: &str) -> Option<(NaiveDateTime, usize)> {
    let b = s.as_bytes();
    let (first, n) = digits(b, 0, 1, 2)?;
    (b.get(n) == Some(&b'/')).then_some(())?;
    let (second, m) = digits(b, n + 1, 1, 2)?;
    let slash = n + 1 + m;
    (b.get(slash) == Some(&b'/')).then_some(())?;
    let year = fixed_digits(b, slash + 1, 4)?;
    let blank = slash + 5;
    (b.get(blank) == Some(&b' ')).then_some(())?;
    let (month, day) = if first > 12 { (second, first) } else { (first, second) };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let (time, t) = clock_time(s.get(blank + 1..)?)?;
    Some((date.and_time(time), blank + 1 + t))
}

/// Reads what follows a date-time: `Z`, `±HH:MM`, `±HHMM`, `±HH`, ` UTC`, ` GMT`, or nothing (local).
fn zone_suffix(s: &str, naive: NaiveDateTime) -> Option<(SourceTime, usize)> {
    let b = s.as_bytes();
    match b.first() {
        Some(b'Z') | Some(b'z') if boundary(b, 1) => return Some((SourceTime::Utc(naive), 1)),
        Some(b'+' | b'-') => {
            if let Some((east_secs, len)) = numeric_offset(b) {
                return Some((offset_to_utc(naive, east_secs)?, len));
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
    // Delimited fields: `stamp, LEVEL, text`, `stamp | LEVEL | text`, `stamp;LEVEL;text`.
    let b = rest.as_bytes();
    let delimiter = b.get(i).copied().filter(|c| FIELD_DELIMITERS.contains(c));
    if delimiter.is_some() {
        i += 1;
        i += spaces(rest.get(i..)?);
    }
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
            // In delimited fields the level is a whole field, whatever its case (`, Error, `).
            let field =
                delimiter.is_some() && b.get(i + len + spaces(rest.get(i + len..)?)) == delimiter.as_ref();
            if !(colon || upper || field) || !boundary(b, i + len) {
                return None;
            }
            (Level::from_word(word)?, i + len + usize::from(colon))
        }
    };
    let mut end = word_end + spaces(rest.get(word_end..)?);
    if b.get(end).is_some_and(|c| FIELD_DELIMITERS.contains(c)) {
        end += 1;
    } else {
        for sep in ["- ", ": "] {
            if rest.get(end..)?.starts_with(sep) {
                end += sep.len();
                break;
            }
        }
    }
    end += spaces(rest.get(end..)?);
    Some((level, end))
}

/// Characters that separate the fields of delimited log lines.
const FIELD_DELIMITERS: &[u8] = b",|;";

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
    use crate::test_support::{corpus_files, decoded_bytes, fragment_text, local, single, tiled, utc};
    use proptest::prelude::*;

    fn one(line: &str) -> LogRecord<'_> {
        single(line, parse(line))
    }

    #[test]
    fn iso_utc_with_agent_level() {
        let r = one("2024-05-30T13:15:45.331589Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Enable extension: [main/handle.sh enable]");
        assert_eq!(r.time, utc("2024-05-30 13:15:45.331589"));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.format, LineFormat::Generic);
        assert!(r.message.starts_with("ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux"));
    }

    #[test]
    fn iso_offsets_convert_to_utc_and_no_zone_is_local() {
        let r = one("2024-01-01T10:00:00+02:00 started");
        assert_eq!(r.time, utc("2024-01-01 08:00:00"));
        assert_eq!(r.message, "started");
        let r = one("2024-01-01T01:30:00.5-0530 x");
        assert_eq!(r.time, utc("2024-01-01 07:00:00.5"));
        let r = one("2024-01-01T10:00:00 x");
        assert_eq!(r.time, local("2024-01-01 10:00:00"));
    }

    #[test]
    fn python_asctime_with_comma_and_dashes() {
        let r = one("2024-03-01 12:00:01,250 - ERROR - Failed to mount /data");
        assert_eq!(r.time, local("2024-03-01 12:00:01.250"));
        assert_eq!(r.level, Level::Error);
        assert_eq!(r.message, "Failed to mount /data");
    }

    #[test]
    fn space_form_with_utc_word() {
        let r = one("2024-03-01 12:00:01 UTC WARNING: low disk");
        assert_eq!(r.time, utc("2024-03-01 12:00:01"));
        assert_eq!(r.level, Level::Warning);
        assert_eq!(r.message, "low disk");
    }

    #[test]
    fn slash_form_from_old_agent() {
        let r = one(
            "2017/03/27 11:46:55.022925 WARNING PUT http://168.63.129.16:32526/status [400: Bad Request]",
        );
        assert_eq!(r.time, local("2017-03-27 11:46:55.022925"));
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
        assert_eq!(r.time, local("2024-03-01 12:00:01"));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.message, "hello");
    }

    #[test]
    fn windows_thread_id_then_us_date() {
        let r = one("[00000006] [11/14/2019 05:52:13.44] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.949");
        assert_eq!(r.thread, Some("00000006"));
        assert_eq!(r.time, local("2019-11-14 05:52:13.44"));
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.message, "WindowsAzureGuestAgent starting. Version 2.7.41491.949");
        let r = one("[00000010] 2021-01-12T16:35:45Z [ERROR] InstallPlugins() failed with exception");
        assert_eq!(r.time, utc("2021-01-12 16:35:45"));
        assert_eq!(r.level, Level::Error);
        assert_eq!(r.message, "InstallPlugins() failed with exception");
    }

    #[test]
    fn us_date_with_meridiem_and_day_first_fallback() {
        let r = one("12/11/2018 6:27:55 PM started");
        assert_eq!(r.time, local("2018-12-11 18:27:55"));
        assert_eq!(r.message, "started");
        let r = one("25/12/2018 12:00:00 AM x");
        assert_eq!(r.time, local("2018-12-25 00:00:00"));
    }

    #[test]
    fn plugin_log_layouts() {
        let r = one("2019-01-12 00:30:47.243 ERROR Failed to enable the extension");
        assert_eq!(
            (r.time, r.level, r.message),
            (local("2019-01-12 00:30:47.243"), Level::Error, "Failed to enable the extension")
        );
        let r = one("1/12/2019 12:30:47 AM, Error, Snapshot failed: VSS timed out");
        assert_eq!(
            (r.time, r.level, r.message),
            (local("2019-01-12 00:30:47"), Level::Error, "Snapshot failed: VSS timed out")
        );
        let r = one("2019-01-12T00:30:47.2430000Z | WARNING | retrying");
        assert_eq!(
            (r.time, r.level, r.message),
            (utc("2019-01-12 00:30:47.243"), Level::Warning, "retrying")
        );
        let r = one("2019-01-12 00:30:47;Info;started");
        assert_eq!((r.level, r.message), (Level::Info, "started"));
        let r = one("[00000004] [1/2/2019 3:04:05 PM] [HEART] alive");
        assert_eq!(
            (r.thread, r.time, r.level, r.message),
            (Some("00000004"), local("2019-01-02 15:04:05"), Level::Info, "alive")
        );
        // A delimiter with no level field after it leaves the message whole.
        let r = one("2019-01-12 00:30:47, plain words");
        assert_eq!((r.level, r.message), (Level::Unknown, ", plain words"));
        for not_a_date in ["1/2 of the disks", "1/12/19 00:00:00 x", "13/13/2019 00:00:00 x"] {
            assert_eq!(one(not_a_date).format, LineFormat::Untimed, "{not_a_date}");
        }
    }

    #[test]
    fn logrus_and_handler_logfmt() {
        let r = one(r#"time="2024-01-01T00:00:00Z" level=warning msg="retrying" attempt=2"#);
        assert_eq!(r.time, utc("2024-01-01 00:00:00"));
        assert_eq!(r.level, Level::Warning);
        assert_eq!(r.message, r#"msg="retrying" attempt=2"#);
        let r = one("time=2018-06-20T23:09:27Z version=v1.4.0 operation=enable seq=0 event=start");
        assert_eq!(r.time, utc("2018-06-20 23:09:27"));
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
        let Some(files) =
            corpus_files(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/vmsnapshot"), |_| true)
        else {
            return;
        };
        for (_path, text) in &files {
            tiled(text, parse(text));
        }
    }

    /// Pieces of real stamps and levels, for generating text that reaches the deeper parsing paths.
    const FRAGMENTS: &[&str] = &[
        "2024-01-01T00:00:00.5Z ",
        "2024-01-01 00:00:00,1+05:30 ",
        "[00000006] [11/14/2019 05:52:13.44] ",
        "12/31/2019 11:59:59 PM ",
        "time=\"2024-01-01T00:00:00Z\" level=",
        "[INFO] ",
        "- ERROR: ",
        "\n",
        "\r\n",
    ];

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_line(text in fragment_text(FRAGMENTS)) {
            tiled(&text, parse(&text));
        }

        #[test]
        fn arbitrary_bytes_never_panic(text in decoded_bytes()) {
            tiled(&text, parse(&text));
        }
    }
}
