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

use chrono::{NaiveDate, NaiveTime, TimeDelta};

use crate::generic_log::{clock_time, numeric_offset, Grouped, Header, HeaderFn};
use crate::record::{LineFormat, LogRecord};
use crate::time::SourceTime;

/// Splits a `shell.log` into records, lazily. Every physical line lands in exactly one record; lines
/// before the first stamped line form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Grouped::new(text, shell_header as HeaderFn))
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
            self.zone = Some(Zone::Offset(if first == b'+' { offset } else { -offset }));
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
    let hour = time.hour();
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour24 = match (pm, hour) {
        (false, 12) => 0,
        (true, h) if h < 12 => h + 12,
        (_, h) => h,
    };
    time.with_hour(hour24)
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
    let lower = word.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| m.starts_with(&lower))?;
    u32::try_from(index + 1).ok()
}

/// Builds the header once the stamp ended, if every date field was seen.
fn finish(fields: &Fields, message_at: usize) -> Option<Header<'static>> {
    let date = NaiveDate::from_ymd_opt(fields.year?, fields.month?, fields.day?)?;
    let naive = date.and_time(fields.time?);
    let time = match fields.zone {
        Some(Zone::Utc) => SourceTime::Utc(naive),
        Some(Zone::Offset(secs)) => SourceTime::Utc(naive.checked_sub_signed(TimeDelta::try_seconds(secs)?)?),
        Some(Zone::Other) | None => SourceTime::Local(naive),
    };
    Some(Header::new(time, LineFormat::ShellLog, message_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::count_lines;
    use crate::record::Level;
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn one(line: &str) -> LogRecord<'_> {
        let records: Vec<_> = parse(line).collect();
        assert_eq!(records.len(), 1, "{line:?} gave {records:?}");
        records.into_iter().next().unwrap()
    }

    #[test]
    fn date_u_c_locale() {
        let r = one("Mon Nov 18 00:05:10 UTC 2019- python version unknown");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-18 00:05:10"))));
        assert_eq!((r.format, r.level, r.prefix), (LineFormat::ShellLog, Level::Unknown, None));
        assert_eq!(r.message, "python version unknown");
    }

    #[test]
    fn padded_day_and_dash_without_blank() {
        let r = one("Mon Nov  4 09:01:02 UTC 2019-3 returned from handle.py");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-04 09:01:02"))));
        assert_eq!(r.message, "3 returned from handle.py");
    }

    #[test]
    fn other_locale_layouts() {
        let r = one("Mon 18 Nov 2019 00:05:10 UTC- ConfigSequenceNumber from environment variable seqNo:4");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-18 00:05:10"))));
        assert_eq!(r.message, "ConfigSequenceNumber from environment variable seqNo:4");
        let r = one("Mon 18 Nov 00:05:10 UTC 2019 - /usr/bin/python3 path exists");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-18 00:05:10"))));
        assert_eq!(r.message, "/usr/bin/python3 path exists");
        let r = one("Mon 18 Nov 2019 12:05:10 PM UTC- x");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-18 12:05:10"))));
        let r = one("Tue 19 Nov 2019 12:09:59 AM GMT- y");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-19 00:09:59"))));
    }

    #[test]
    fn zones_other_than_utc() {
        let r = one("Mon Nov 18 00:05:10 CET 2019- x");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2019-11-18 00:05:10"))));
        let r = one("Mon, 18 Nov 2019 05:35:10 +0530- x");
        assert_eq!(r.time, Some(SourceTime::Utc(dt("2019-11-18 00:05:10"))));
        let r = one("Mon Nov 18 00:05:10 2019- no zone");
        assert_eq!(r.time, Some(SourceTime::Local(dt("2019-11-18 00:05:10"))));
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
        let path = "/work/shared/corpus/vmsnapshot/linux_shelllog_python_unknown_ale946.log";
        let Ok(text) = std::fs::read_to_string(path) else {
            println!("skipped: {path} is absent");
            return;
        };
        let records: Vec<_> = parse(&text).collect();
        assert_eq!(records.len(), 6);
        assert!(records
            .iter()
            .all(|r| r.format == LineFormat::ShellLog && r.time.is_some_and(|t| t.is_utc())));
        assert_eq!(records[5].time, Some(SourceTime::Utc(dt("2019-11-19 00:09:59"))));
        assert_eq!(records[5].message, "3 returned from handle.py");
    }

    fn fragments() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Mon ".to_string()),
            Just("Nov ".to_string()),
            Just(" 4 ".to_string()),
            Just("18 ".to_string()),
            Just("00:05:10 ".to_string()),
            Just("12:05:10 PM ".to_string()),
            Just("UTC ".to_string()),
            Just("+0530".to_string()),
            Just("2019".to_string()),
            Just("- ".to_string()),
            Just("-".to_string()),
            Just("\n".to_string()),
            "[ -~]{0,8}",
            any::<String>(),
        ];
        prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
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
