//! Timestamps as sources write them, before the engine puts them on one UTC timeline.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A timestamp read from a source, tagged with the clock it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceTime {
    /// The writer used UTC (ISO-8601 `Z`, `date -u`, Python `utcnow()`).
    Utc(NaiveDateTime),
    /// The writer used the VM's wall clock and recorded no zone.
    Local(NaiveDateTime),
}

impl SourceTime {
    /// The date and time as written, whatever the clock.
    pub fn naive(&self) -> NaiveDateTime {
        match *self {
            SourceTime::Utc(t) | SourceTime::Local(t) => t,
        }
    }

    /// True when the source wrote UTC.
    pub fn is_utc(&self) -> bool {
        matches!(self, SourceTime::Utc(_))
    }
}

/// Parses up to `max` ASCII digits at the start of `s`; returns the value and the digits consumed.
fn digits(s: &[u8], min: usize, max: usize) -> Option<(u32, usize)> {
    let n = s.iter().take(max).take_while(|b| b.is_ascii_digit()).count();
    if n < min {
        return None;
    }
    let value = s[..n].iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
    Some((value, n))
}

/// Parses `YYYY?MM?DD?HH:MM:SS[.ffffff]` at the start of `s`, where each `?` is the given separator
/// (`date_sep` between date parts, `mid` between date and time). Returns the time and the bytes consumed.
///
/// Fractions of 1 to 9 digits are accepted. Calendar-invalid values (month 13, hour 25) give `None`.
pub fn parse_datetime_prefix(s: &str, date_sep: u8, mid: u8) -> Option<(NaiveDateTime, usize)> {
    let b = s.as_bytes();
    let (year, n) = digits(b, 4, 4)?;
    let mut i = n;
    let sep = |i: usize, c: u8| (b.get(i) == Some(&c)).then_some(i + 1);
    i = sep(i, date_sep)?;
    let (month, n) = digits(&b[i..], 2, 2)?;
    i = sep(i + n, date_sep)?;
    let (day, n) = digits(&b[i..], 2, 2)?;
    i = sep(i + n, mid)?;
    let (hour, n) = digits(&b[i..], 2, 2)?;
    i = sep(i + n, b':')?;
    let (minute, n) = digits(&b[i..], 2, 2)?;
    i = sep(i + n, b':')?;
    let (second, n) = digits(&b[i..], 2, 2)?;
    i += n;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        if let Some((frac, n)) = digits(&b[i + 1..], 1, 9) {
            nanos = frac * 10u32.pow(9 - n as u32);
            i += 1 + n;
        }
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos)?;
    Some((date.and_time(time), i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn parses_iso_and_slash_forms_with_and_without_fraction() {
        assert_eq!(
            parse_datetime_prefix("2023-10-27T07:57:10.702114Z INFO", b'-', b'T'),
            Some((dt("2023-10-27 07:57:10.702114"), 26))
        );
        assert_eq!(
            parse_datetime_prefix("2016/02/17 07:54:53 ERROR:x", b'/', b' '),
            Some((dt("2016-02-17 07:54:53"), 19))
        );
        assert_eq!(
            parse_datetime_prefix("2024-01-14 22:16:48.7", b'-', b' '),
            Some((dt("2024-01-14 22:16:48.700"), 21))
        );
    }

    #[test]
    fn rejects_impossible_dates_and_short_fields() {
        assert_eq!(parse_datetime_prefix("2023-13-27T07:57:10Z", b'-', b'T'), None);
        assert_eq!(parse_datetime_prefix("2023-1-27T07:57:10Z", b'-', b'T'), None);
        assert_eq!(parse_datetime_prefix("q2017/08/02 15:09:57", b'/', b' '), None);
        assert_eq!(parse_datetime_prefix("", b'-', b'T'), None);
    }
}
