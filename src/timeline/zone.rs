//! Time zones: IANA names (with daylight-saving rules) or fixed offsets.

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone, Utc};

/// A zone to read local timestamps in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    /// An IANA zone (`Europe/Berlin`), daylight saving included.
    Named(chrono_tz::Tz),
    /// A fixed offset from UTC in seconds (`+02:00` = 7200).
    Fixed(i64),
}

/// Why a zone name was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{0}`: give an IANA name (Europe/Berlin), UTC, or an offset (+05:30)")]
pub struct ZoneParseError(pub String);

/// Parses `UTC`, `Z`, `+05:30`, `-0800`, `UTC+2` or an IANA name.
pub fn parse_zone(text: &str) -> Result<Zone, ZoneParseError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("gmt") || t == "Z" || t == "Etc/UTC" {
        return Ok(Zone::Fixed(0));
    }
    let offset_part = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    if let Some(seconds) = parse_offset(offset_part) {
        return Ok(Zone::Fixed(seconds));
    }
    t.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| ZoneParseError(t.to_string()))
}

fn parse_offset(s: &str) -> Option<i64> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = if digits.len() <= 2 { (digits.as_str(), "0") } else { digits.split_at(digits.len() - 2) };
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

impl Zone {
    /// Name as shown in reports.
    pub fn name(&self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_string(),
            Zone::Fixed(s) => super::format_offset(*s),
        }
    }

    /// Converts a wall-clock time in this zone to UTC. In a daylight-saving gap the instant just after it is
    /// used; in a repeated hour, the earlier one.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Fixed(s) => (local - chrono::Duration::seconds(*s)).and_utc(),
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                    t.with_timezone(&Utc)
                }
                chrono::LocalResult::None => {
                    let shifted = local + chrono::Duration::hours(1);
                    let offset = tz.offset_from_utc_datetime(&shifted).fix().local_minus_utc();
                    (local - chrono::Duration::seconds(i64::from(offset))).and_utc()
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_offsets() {
        assert_eq!(parse_zone("UTC"), Ok(Zone::Fixed(0)));
        assert_eq!(parse_zone("+05:30"), Ok(Zone::Fixed(19800)));
        assert_eq!(parse_zone("-0800"), Ok(Zone::Fixed(-28800)));
        assert_eq!(parse_zone("UTC+2"), Ok(Zone::Fixed(7200)));
        assert_eq!(parse_zone("Europe/Berlin").unwrap().name(), "Europe/Berlin");
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone("+99:00").is_err());
    }

    #[test]
    fn named_zone_applies_daylight_saving() {
        let berlin = parse_zone("Europe/Berlin").unwrap();
        let winter = NaiveDateTime::parse_from_str("2024-01-15 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let summer = NaiveDateTime::parse_from_str("2024-07-15 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(berlin.local_to_utc(winter).format("%H:%M").to_string(), "11:00");
        assert_eq!(berlin.local_to_utc(summer).format("%H:%M").to_string(), "10:00");
    }
}
