//! Small byte-scanning helpers shared by the parsers. All are total: an offset past the end gives `None`
//! or an empty match, never a panic. They are `#[inline]` because they run on every header line and are
//! called from other modules, where the optimiser would otherwise keep them as calls.

/// Reads `min..=max` ASCII digits at `at` (at most 9, so the value fits); returns the value and the
/// digits consumed.
#[inline]
pub(crate) fn digits(b: &[u8], at: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    // One pass: this runs several times on every line that starts with a digit.
    let (mut value, mut count) = (0u32, 0usize);
    for &d in b.get(at..)?.iter().take(max.min(9)) {
        if !d.is_ascii_digit() {
            break;
        }
        value = value * 10 + u32::from(d - b'0');
        count += 1;
    }
    (count >= min).then_some((value, count))
}

/// Reads exactly `n` ASCII digits at `at`.
#[inline]
pub(crate) fn fixed_digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    digits(b, at, n, n).map(|(value, _)| value)
}

/// True when the byte at `at` is absent or cannot continue a word or number (a token boundary).
#[inline]
pub(crate) fn boundary(b: &[u8], at: usize) -> bool {
    b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Number of leading spaces.
#[inline]
pub(crate) fn spaces(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ').count()
}

/// Number of leading spaces and tabs.
#[inline]
pub(crate) fn indent(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b' ' || b == b'\t').count()
}

/// The space-delimited word at `at` and the offset just past its following space (or the line end).
#[inline]
pub(crate) fn token(line: &str, at: usize) -> (&str, usize) {
    let rest = line.get(at..).unwrap_or("");
    match memchr::memchr(b' ', rest.as_bytes()) {
        Some(i) => (rest.get(..i).unwrap_or(rest), at + i + 1),
        None => (rest, line.len()),
    }
}

/// `1`, `1.0`, `2.14.64`, ...: dot-separated runs of ASCII digits (a handler or agent version).
#[inline]
pub(crate) fn is_dotted_number(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_read_bounded_runs() {
        assert_eq!(digits(b"x2024-", 1, 4, 4), Some((2024, 4)));
        assert_eq!(digits(b"7:", 0, 1, 2), Some((7, 1)));
        assert_eq!(digits(b"123456", 0, 1, 3), Some((123, 3)));
        assert_eq!(digits(b"1a", 0, 2, 2), None);
        assert_eq!(digits(b"12", 5, 1, 2), None);
        assert_eq!(fixed_digits(b"0930", 2, 2), Some(30));
        assert_eq!(fixed_digits(b"093", 2, 2), None);
    }

    #[test]
    fn words_blanks_and_boundaries() {
        assert_eq!(token("INFO ExtHandler msg", 5), ("ExtHandler", 16));
        assert_eq!(token("INFO last", 5), ("last", 9));
        assert_eq!(token("short", 99), ("", 5));
        assert_eq!((spaces("  \tx"), indent("  \tx")), (2, 3));
        assert!(boundary(b"12:", 2) && boundary(b"12", 2) && !boundary(b"12Z", 2));
    }

    #[test]
    fn dotted_numbers() {
        for good in ["1", "1.0", "2.14.64", "1.0.9225.0"] {
            assert!(is_dotted_number(good), "{good}");
        }
        for bad in ["", ".", "1.", "1..0", "1.0a", "v1", "1.0-beta"] {
            assert!(!is_dotted_number(bad), "{bad}");
        }
    }
}
