//! The VMSnapshot extension's `shell.log` (written by `main/handle.sh`): `` `date -u` `` + `- ` + text,
//! e.g. `Mon Nov 18 00:05:10 UTC 2019- python version unknown`.
//!
//! `date` prints its locale's layout, so the stamp is read as a run of blank-separated tokens in any
//! order: an optional leading weekday, an English month name, the day (space-padded or not), `H:MM:SS` with
//! an optional `AM`/`PM`, a 4-digit year and an optional zone, ended by `-` (glued to the last token or not)
//! or by the end of the line. That covers `Mon Nov  4 00:05:10 UTC 2019`, `Mon 18 Nov 2019 00:05:10 UTC`,
//! `Mon 18 Nov 00:05:10 UTC 2019`, `Mon 18 Nov 2019 12:05:10 AM UTC` and `Mon, 18 Nov 2019 00:05:10 +0000`.
//! Zone `UTC`/`GMT`/`UT`/`Z` ⇒ UTC, a numeric offset ⇒ converted to UTC, any other zone or none ⇒ local.
//! Lines that do not start with such a stamp continue the record above.

use chrono::{NaiveDate, NaiveTime};

use crate::assemble::{Assembler, Header, HeaderFn, TrailingBlankLines};

use crate::record::{LineFormat, LogRecord};
use crate::time::{clock_time, hour_24, numeric_offset, offset_to_utc, SourceTime};

/// Splits a `shell.log` into records, lazily. Every physical line lands in exactly one record; lines
/// before the first stamped line form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Assembler::new(text, shell_header as HeaderFn, TrailingBlankLines::Keep))
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]).
pub fn stream() -> crate::stream::RecordStream {
    crate::stream::RecordStream::new(Box::new(shell_header as HeaderFn), TrailingBlankLines::Keep)
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

/// More tokens than any `date` layout has (weekday, day, month, year, time, AM/PM, zone, separator).
const MAX_TOKENS: usize = 9;

/// How the writer's zone turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Utc,
    /// Seconds east of UTC.
    Offset(i64),
    Other,
}

/// The date fields read so far.
#[derive(Debug, Default)]
struct Fields {
    month: Option<u32>,
    day: Option<u32>,
    year: Option<i32>,
    time: Option<NaiveTime>,
    zone: Option<Zone>,
}

fn shell_header(line: &str) -> Option<Header<'_>> {
    // Cheap gate: a weekday or day-of-month comes first.
    if !line.as_bytes().first()?.is_ascii_alphanumeric() {
        return None;
    }
    let mut fields = Fields::default();
    let mut pos = 0;
    for index in 0..MAX_TOKENS {
        pos += line.get(pos..)?.bytes().take_while(|&b| b == b' ').count();
        let rest = line.get(pos..)?;
        if rest.is_empty() {
            return finish(&fields, line.len());
        }
        if let Some(after_dash) = rest.strip_prefix('-').filter(|_| !fields.expects_offset(rest)) {
            return finish(&fields, line.len() - after_dash.len() + usize::from(after_dash.starts_with(' ')));
        }
        let token_len = rest.find(' ').unwrap_or(rest.len());
        let token = rest.get(..token_len)?;
        // A `-` glued to the token ends the stamp (`2019- msg`, `2019-msg`); an offset's sign does not.
        let dash = token.get(1..)?.find('-').map(|i| i + 1);
        let (token, ends) = match dash {
            Some(i) => (token.get(..i)?, Some(pos + i + 1)),
            None => (token, None),
        };
        fields.take(token, index)?;
        match ends {
            Some(after_dash) => {
                let message_at = after_dash + usize::from(line.as_bytes().get(after_dash) == Some(&b' '));
                return finish(&fields, message_at);
            }
            None => pos += token_len,
        }
    }
    None
}

impl Fields {
    /// True when `rest` (starting with `-`) is a zone offset such as `-0500` rather than the separator.
    fn expects_offset(&self, rest: &str) -> bool {
        self.time.is_some() && self.zone.is_none() && numeric_offset(rest.as_bytes()).is_some()
    }

    /// Files one token into its field; `None` when it fits none (so the line is not a stamp).
    fn take(&mut self, token: &str, index: usize) -> Option<()> {
        let word = token.trim_end_matches([',', '.']);
        let b = word.as_bytes();
        let first = *b.first()?;
        if first.is_ascii_digit() {
            if word.contains(':') && self.time.is_none() {
                let (time, n) = clock_time(word)?;
                (n == word.len()).then_some(())?;
                self.time = Some(time);
            } else if b.len() <= 2 && self.day.is_none() {
                self.day = Some(word.parse().ok()?);
            } else if b.len() == 4 && self.year.is_none() {
                self.year = Some(word.parse().ok()?);
            } else {
                return None;
            }
        } else if first == b'+' || first == b'-' {
            let (offset, n) = numeric_offset(b)?;
            (n == b.len() && self.time.is_some() && self.zone.is_none()).then_some(())?;
            self.zone = Some(Zone::Offset(offset));
        } else if !word.bytes().all(|c| c.is_ascii_alphabetic()) {
            return None;
        } else if let Some(month) = month_number(word).filter(|_| self.month.is_none()) {
            self.month = Some(month);
        } else if self.time.is_some() && (word.eq_ignore_ascii_case("AM") || word.eq_ignore_ascii_case("PM"))
        {
            // The caller sees `H:MM:SS` and `PM` as two tokens: fold the meridiem into the time here.
            self.time = Some(apply_meridiem(self.time?, word.eq_ignore_ascii_case("PM"))?);
        } else if self.time.is_some() && self.zone.is_none() && word.len() <= 5 {
            let utc = ["UTC", "GMT", "UT", "Z", "UCT"].iter().any(|z| word.eq_ignore_ascii_case(z));
            self.zone = Some(if utc { Zone::Utc } else { Zone::Other });
        } else if index == 0 {
            // The weekday: its spelling carries no information we need.
        } else {
            return None;
        }
        Some(())
    }
}

/// Turns a 12-hour clock reading into 24-hour time.
fn apply_meridiem(time: NaiveTime, pm: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    time.with_hour(hour_24(time.hour(), pm)?)
}

/// An English month name or abbreviation (`Nov`, `November`, `Sept`), any case.
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    // Compared in place: this runs on every token of every line, so no lower-cased copy.
    let prefix_of =
        |m: &&str| m.as_bytes().get(..word.len()).is_some_and(|p| p.eq_ignore_ascii_case(word.as_bytes()));
    let index = MONTHS.iter().position(prefix_of)?;
    u32::try_from(index + 1).ok()
}

/// Builds the header once the stamp ended, if every date field was seen.
fn finish(fields: &Fields, message_at: usize) -> Option<Header<'static>> {
    let date = NaiveDate::from_ymd_opt(fields.year?, fields.month?, fields.day?)?;
    let naive = date.and_time(fields.time?);
    let time = match fields.zone {
        Some(Zone::Utc) => SourceTime::Utc(naive),
        Some(Zone::Offset(east_secs)) => offset_to_utc(naive, east_secs)?,
        Some(Zone::Other) | None => SourceTime::Local(naive),
    };
    Some(Header::new(time, LineFormat::ShellLog, message_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Level;
    use crate::test_support::{corpus_text, decoded_bytes, fragment_text, local, single, tiled, utc};
    use proptest::prelude::*;

    fn one(line: &str) -> LogRecord<'_> {
        single(line, parse(line))
    }

    #[test]
    fn date_u_c_locale() {
        let r = one("Mon Nov 18 00:05:10 UTC 2019- python version unknown");
        assert_eq!(r.time, utc("2019-11-18 00:05:10"));
        assert_eq!((r.format, r.level, r.prefix), (LineFormat::ShellLog, Level::Unknown, None));
        assert_eq!(r.message, "python version unknown");
    }

    #[test]
    fn padded_day_and_dash_without_blank() {
        let r = one("Mon Nov  4 09:01:02 UTC 2019-3 returned from handle.py");
        assert_eq!(r.time, utc("2019-11-04 09:01:02"));
        assert_eq!(r.message, "3 returned from handle.py");
    }

    #[test]
    fn other_locale_layouts() {
        let r = one("Mon 18 Nov 2019 00:05:10 UTC- ConfigSequenceNumber from environment variable seqNo:4");
        assert_eq!(r.time, utc("2019-11-18 00:05:10"));
        assert_eq!(r.message, "ConfigSequenceNumber from environment variable seqNo:4");
        let r = one("Mon 18 Nov 00:05:10 UTC 2019 - /usr/bin/python3 path exists");
        assert_eq!(r.time, utc("2019-11-18 00:05:10"));
        assert_eq!(r.message, "/usr/bin/python3 path exists");
        let r = one("Mon 18 Nov 2019 12:05:10 PM UTC- x");
        assert_eq!(r.time, utc("2019-11-18 12:05:10"));
        let r = one("Tue 19 Nov 2019 12:09:59 AM GMT- y");
        assert_eq!(r.time, utc("2019-11-19 00:09:59"));
    }

    #[test]
    fn zones_other_than_utc() {
        let r = one("Mon Nov 18 00:05:10 CET 2019- x");
        assert_eq!(r.time, local("2019-11-18 00:05:10"));
        let r = one("Mon, 18 Nov 2019 05:35:10 +0530- x");
        assert_eq!(r.time, utc("2019-11-18 00:05:10"));
        let r = one("Mon Nov 18 00:05:10 2019- no zone");
        assert_eq!(r.time, local("2019-11-18 00:05:10"));
        assert_eq!(r.message, "no zone");
    }

    #[test]
    fn stamp_alone_has_empty_message() {
        let r = one("Mon Nov 18 00:05:10 UTC 2019");
        assert_eq!((r.format, r.message), (LineFormat::ShellLog, ""));
    }

    #[test]
    fn non_matching_lines_continue() {
        let text = concat!(
            "stray\n",
            "Mon Nov 18 00:05:10 UTC 2019- The command is enable, exiting\n",
            "Traceback (most recent call last):\n",
            "  File \"x\"\n",
            "Mon Nov 31 00:05:10 UTC 2019- impossible date\n",
            "Monday is here - not a date\n",
            "Tue Nov 19 00:09:59 UTC 2019- next\n",
        );
        let records: Vec<_> = parse(text).collect();
        let spans: Vec<_> = records.iter().map(|r| (r.line, r.lines, r.format)).collect();
        assert_eq!(
            spans,
            [(1, 1, LineFormat::Untimed), (2, 5, LineFormat::ShellLog), (7, 1, LineFormat::ShellLog)]
        );
        assert_eq!(records[1].first_line(), "The command is enable, exiting");
    }

    #[test]
    fn corpus_shell_log() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/vmsnapshot/linux_shelllog_python_unknown_ale946.log"
        );
        let Some(text) = corpus_text(path) else { return };
        let records: Vec<_> = parse(&text).collect();
        assert_eq!(records.len(), 6);
        assert!(records
            .iter()
            .all(|r| r.format == LineFormat::ShellLog && r.time.is_some_and(|t| t.is_utc())));
        assert_eq!(records[5].time, utc("2019-11-19 00:09:59"));
        assert_eq!(records[5].message, "3 returned from handle.py");
    }

    /// Pieces of `date` output in several locales, for generating text that reaches the deeper paths.
    const FRAGMENTS: &[&str] = &[
        "Mon ",
        "Nov ",
        " 4 ",
        "18 ",
        "00:05:10 ",
        "12:05:10 PM ",
        "UTC ",
        "+0530",
        "2019",
        "- ",
        "-",
        "\n",
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
