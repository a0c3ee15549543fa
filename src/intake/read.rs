//! Reading one member's bytes under the intake limits, keeping what was read when the data breaks part-way.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Limits;

/// A member's bytes, and why they stop early if they do.
#[derive(Debug)]
pub struct MemberBytes {
    /// What was read (decompressed).
    pub data: Vec<u8>,
    /// Set when the member broke part-way: the bytes before the fault are in `data`.
    pub truncated: Option<String>,
}

/// Why a member could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    /// The member is larger than the per-member limit.
    #[error("over the {limit}-byte per-member limit")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The member decompresses to far more than it occupies: a likely zip bomb.
    #[error("compression ratio over {ratio}:1 (zip bomb?)")]
    Bomb {
        /// The limit.
        ratio: u64,
    },
    /// The bundle's total read budget is spent.
    #[error("the bundle's {limit}-byte total read budget is spent")]
    BudgetSpent {
        /// The limit.
        limit: u64,
    },
    /// The data could not be decoded at all.
    #[error("{0}")]
    Corrupt(String),
}

/// Counts the uncompressed bytes read from one bundle, across threads.
#[derive(Debug, Default)]
pub struct ReadBudget {
    spent: AtomicU64,
}

impl ReadBudget {
    /// Charges `n` bytes; fails when the total passes the limit.
    pub fn charge(&self, n: u64, limits: &Limits) -> Result<(), MemberError> {
        let before = self.spent.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > limits.max_total_bytes {
            return Err(MemberError::BudgetSpent { limit: limits.max_total_bytes });
        }
        Ok(())
    }

    /// Bytes charged so far.
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }
}

/// Reads `reader` to its end under the per-member and ratio limits. `stored` is the member's size in the
/// archive (for the ratio test). A decode error after some output keeps that output and reports it.
pub fn read_limited(reader: impl Read, stored: u64, limits: &Limits) -> Result<MemberBytes, MemberError> {
    let mut data = Vec::new();
    let mut limited = reader.take(limits.max_member_bytes.saturating_add(1));
    let truncated = match limited.read_to_end(&mut data) {
        Ok(_) => None,
        Err(err) if data.is_empty() => return Err(MemberError::Corrupt(describe_io(&err))),
        Err(err) => Some(format!("{} after {} bytes", describe_io(&err), data.len())),
    };
    let len = data.len() as u64;
    if len > limits.max_member_bytes {
        return Err(MemberError::TooLarge { limit: limits.max_member_bytes });
    }
    if len > limits.ratio_floor_bytes && len > stored.max(1).saturating_mul(limits.max_ratio) {
        return Err(MemberError::Bomb { ratio: limits.max_ratio });
    }
    Ok(MemberBytes { data, truncated })
}

/// Decompresses a gzip stream (all concatenated members) under the limits.
pub fn gunzip(compressed: &[u8], limits: &Limits) -> Result<MemberBytes, MemberError> {
    let out = read_limited(flate2::read::MultiGzDecoder::new(compressed), compressed.len() as u64, limits)?;
    if out.data.is_empty() && !compressed.is_empty() && out.truncated.is_none() {
        return Err(MemberError::Corrupt("gzip stream holds no data".into()));
    }
    Ok(out)
}

fn describe_io(err: &std::io::Error) -> String {
    let text = err.to_string();
    if err.kind() == std::io::ErrorKind::UnexpectedEof {
        format!("truncated data ({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gunzip_reads_concatenated_members() {
        let mut both = gz(b"first\n");
        both.extend(gz(b"second\n"));
        let out = gunzip(&both, &Limits::default()).unwrap();
        assert_eq!(out.data, b"first\nsecond\n");
        assert_eq!(out.truncated, None);
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read() {
        let text = "2024-01-01T00:00:00.000000Z INFO ExtHandler ExtHandler line\n".repeat(2000);
        let whole = gz(text.as_bytes());
        let cut = &whole[..whole.len() / 2];
        let out = gunzip(cut, &Limits::default()).unwrap();
        assert!(!out.data.is_empty());
        assert!(text.as_bytes().starts_with(&out.data));
        assert!(out.truncated.as_deref().unwrap().contains("truncated"), "{:?}", out.truncated);
    }

    #[test]
    fn garbage_is_corrupt_and_limits_hold() {
        assert!(matches!(gunzip(b"not gzip at all", &Limits::default()), Err(MemberError::Corrupt(_))));
        let limits = Limits { max_member_bytes: 10, ..Limits::default() };
        assert_eq!(gunzip(&gz(&[b'a'; 100]), &limits).unwrap_err(), MemberError::TooLarge { limit: 10 });
        let limits = Limits { ratio_floor_bytes: 1000, max_ratio: 10, ..Limits::default() };
        assert_eq!(gunzip(&gz(&[0u8; 100_000]), &limits).unwrap_err(), MemberError::Bomb { ratio: 10 });
    }

    #[test]
    fn budget_is_shared() {
        let limits = Limits { max_total_bytes: 100, ..Limits::default() };
        let budget = ReadBudget::default();
        budget.charge(60, &limits).unwrap();
        assert!(budget.charge(60, &limits).is_err());
    }
}
