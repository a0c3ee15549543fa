//! Timestamps as sources write them, before the engine puts them on one UTC timeline.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::scan::{boundary, digits, fixed_digits};

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

/// Years a timestamp may name and still be taken as a real instant. A guest clock reset to the epoch
/// writes 1970; `0000`, `0001` (.NET's unset `DateTime`) or `9999` mean "no time", and taking them at their
/// word would stretch a source's span over millennia and make every real event look ancient or future.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

/// `t` when its year is in [`PLAUSIBLE_YEARS`].
pub fn plausible(t: NaiveDateTime) -> Option<NaiveDateTime> {
    use chrono::Datelike;
    PLAUSIBLE_YEARS.contains(&t.year()).then_some(t)
}

/// Parses `YYYY?MM?DD?HH:MM:SS[.ffffff]` at the start of `s`, where each `?` is the given separator
/// (`date_sep` between date parts, `mid` between date and time). Returns the time and the bytes consumed.
///
/// Fractions of 1 to 9 digits are accepted. Calendar-invalid values (month 13, hour 25, `2024-02-30`) and
/// years outside [`PLAUSIBLE_YEARS`] give `None`; [`parse_datetime_shape`] tells those apart from text
/// that is no timestamp at all.
pub fn parse_datetime_prefix(s: &str, date_sep: u8, mid: u8) -> Option<(NaiveDateTime, usize)> {
    match parse_datetime_shape(s, date_sep, mid)? {
        (Some(t), n) => Some((t, n)),
        (None, _) => None,
    }
}

/// Like [`parse_datetime_prefix`], but text shaped like a timestamp whose values name no real instant
/// (year `0000` or `9999`, month 13, `2024-02-30`, hour 25) gives `Some((None, consumed))`: a log line
/// that starts with such a stamp is still a record, of unknown time.
pub fn parse_datetime_shape(s: &str, date_sep: u8, mid: u8) -> Option<(Option<NaiveDateTime>, usize)> {
    let b = s.as_bytes();
    let (year, n) = digits(b, 0, 4, 4)?;
    let mut i = n;
    let sep = |i: usize, c: u8| (b.get(i) == Some(&c)).then_some(i + 1);
    i = sep(i, date_sep)?;
    let (month, n) = digits(b, i, 2, 2)?;
    i = sep(i + n, date_sep)?;
    let (day, n) = digits(b, i, 2, 2)?;
    i = sep(i + n, mid)?;
    let (hour, n) = digits(b, i, 2, 2)?;
    i = sep(i + n, b':')?;
    let (minute, n) = digits(b, i, 2, 2)?;
    i = sep(i + n, b':')?;
    let (second, n) = digits(b, i, 2, 2)?;
    i += n;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        if let Some((frac, n)) = digits(b, i + 1, 1, 9) {
            nanos = frac * 10u32.pow(9 - n as u32);
            i += 1 + n;
        }
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day);
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second.min(59), nanos);
    Some((date.zip(time).and_then(|(d, t)| plausible(d.and_time(t))), i))
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
    if let Some((pm, len)) = meridiem(s.get(i..)?) {
        hour = hour_24(hour, pm)?;
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

/// `±HH:MM`, `±HHMM` or `±HH` at the start of `b`, ending at a token boundary: the offset in seconds east
/// of UTC and the bytes consumed.
pub(crate) fn numeric_offset(b: &[u8]) -> Option<(i64, usize)> {
    let east = match b.first()? {
        b'+' => true,
        b'-' => false,
        _ => return None,
    };
    let hours = fixed_digits(b, 1, 2)?;
    let (minutes, len) = if b.get(3) == Some(&b':') {
        (fixed_digits(b, 4, 2)?, 6)
    } else if let Some(m) = fixed_digits(b, 3, 2) {
        (m, 5)
    } else {
        (0, 3)
    };
    let secs = i64::from(hours * 3600 + minutes * 60);
    (hours <= 23 && minutes <= 59 && boundary(b, len)).then_some((if east { secs } else { -secs }, len))
}

/// The UTC time of a wall-clock reading taken `east_secs` seconds east of UTC.
pub(crate) fn offset_to_utc(naive: NaiveDateTime, east_secs: i64) -> Option<SourceTime> {
    Some(SourceTime::Utc(naive.checked_sub_signed(TimeDelta::try_seconds(east_secs)?)?))
}

/// Turns a 12-hour clock's hour (1 to 12) into 24-hour time; `None` for an hour a 12-hour clock lacks.
pub(crate) fn hour_24(hour: u32, pm: bool) -> Option<u32> {
    if !(1..=12).contains(&hour) {
        return None;
    }
    Some(match (pm, hour) {
        (false, 12) => 0,
        (true, h) if h < 12 => h + 12,
        (_, h) => h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::dt;

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

    #[test]
    fn numeric_offsets_are_signed_and_bounded() {
        assert_eq!(numeric_offset(b"+05:30 x"), Some((19_800, 6)));
        assert_eq!(numeric_offset(b"-0800"), Some((-28_800, 5)));
        assert_eq!(numeric_offset(b"+05]"), Some((18_000, 3)));
        for bad in [&b"+24:00"[..], b"+05:60", b"+05:30x", b"05:30", b"+5", b""] {
            assert_eq!(numeric_offset(bad), None, "{bad:?}");
        }
        let utc = offset_to_utc(dt("2024-01-01 05:30:00"), 19_800);
        assert_eq!(utc, Some(SourceTime::Utc(dt("2024-01-01 00:00:00"))));
    }

    #[test]
    fn clock_times_with_fractions_and_meridiems() {
        let t = |s: &str| clock_time(s).map(|(t, n)| (t.to_string(), n));
        assert_eq!(t("5:52:13 PM x"), Some(("17:52:13".to_string(), 10)));
        assert_eq!(t("12:00:00 am"), Some(("00:00:00".to_string(), 11)));
        assert_eq!(t("05:52:13,44 rest"), Some(("05:52:13.440".to_string(), 11)));
        assert_eq!(t("13:00:00 PM"), None);
        assert_eq!(t("05:52:13 PMx"), Some(("05:52:13".to_string(), 8)));
        assert_eq!(t("5:2:13"), None);
        assert_eq!(
            (hour_24(12, false), hour_24(12, true), hour_24(1, true), hour_24(0, false)),
            (Some(0), Some(12), Some(13), None)
        );
    }
}
