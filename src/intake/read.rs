//! Reading one member's bytes under the intake limits, keeping what was read when the data breaks part-way.
//!
//! Every limit (per member, total, compression ratio) is checked while the bytes flow, a chunk at a time: a
//! member is refused the moment it crosses a limit, never after it was inflated. Only the first
//! [`SPILL_BYTES`] of a member are buffered while it is being checked; a member that grows past that is
//! counted to its end without being kept, and read a second time only once it is known to be within the
//! limits — so refusing a bomb costs a fixed amount of memory, whatever the bomb's size.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Limits;

/// Bytes of a member buffered while its limits are still being checked.
const SPILL_BYTES: usize = 16 << 20;

/// Size of the chunks a member is read in.
const CHUNK_BYTES: usize = 64 << 10;

/// Most bytes a [`Metered`] reader hands out per call: keeps the decoders' read-ahead small, so the
/// compressed bytes counted track the compressed bytes actually used (for the streaming ratio check).
const METER_STEP: usize = 4 << 10;

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

/// Counts the compressed bytes a decoder has pulled from its input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meter(Rc<Cell<u64>>);

impl Meter {
    /// Wraps `inner` so that what is read through it is counted here.
    pub(crate) fn wrap<R>(&self, inner: R) -> Metered<R> {
        Metered { inner, meter: self.clone() }
    }

    fn get(&self) -> u64 {
        self.0.get()
    }
}

/// A reader that counts what passes through it (see [`Meter`]) and hands it out in small steps.
#[derive(Debug)]
pub(crate) struct Metered<R> {
    inner: R,
    meter: Meter,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let step = buf.len().min(METER_STEP);
        let n = self.inner.read(&mut buf[..step])?;
        self.meter.0.set(self.meter.0.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Metered<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Opens a member's decoded stream afresh and hands it to the consumer; its compressed input is wrapped in the
/// given meter. Called once, or twice for a member larger than [`SPILL_BYTES`].
pub(crate) type Open<'a> = dyn Fn(&Meter, &mut dyn FnMut(&mut dyn Read)) -> Result<(), MemberError> + 'a;

/// What the checking pass saw.
#[derive(Default)]
struct Pass {
    /// The bytes, while they fit in [`SPILL_BYTES`].
    data: Vec<u8>,
    /// The bytes no longer fit and were dropped.
    spilled: bool,
    /// Bytes produced.
    len: u64,
    /// The decoder's error, if the stream broke.
    error: Option<io::Error>,
    /// A limit crossed.
    refused: Option<MemberError>,
}

impl Pass {
    fn run(&mut self, reader: &mut dyn Read, meter: &Meter, limits: &Limits, budget: &ReadBudget) {
        let data = &mut self.data;
        let spilled = &mut self.spilled;
        let flow = flow(reader, meter, limits, budget, &mut |chunk| {
            if !*spilled {
                if data.len() + chunk.len() > SPILL_BYTES {
                    *spilled = true;
                    *data = Vec::new();
                } else {
                    data.extend_from_slice(chunk);
                }
            }
            true
        });
        self.len = flow.len;
        self.error = flow.error;
        self.refused = flow.refused;
    }
}

/// What one pass over a member's decoded stream saw.
#[derive(Default)]
struct Flow {
    /// Bytes produced.
    len: u64,
    /// The decoder's error, if the stream broke.
    error: Option<io::Error>,
    /// A limit crossed.
    refused: Option<MemberError>,
    /// The consumer asked to stop.
    stopped: bool,
}

/// Reads `reader` to its end (or until `consume` returns `false`) in [`CHUNK_BYTES`] chunks, checking the
/// per-member, total and ratio limits before each chunk is handed on.
fn flow(
    reader: &mut dyn Read,
    meter: &Meter,
    limits: &Limits,
    budget: &ReadBudget,
    consume: &mut dyn FnMut(&[u8]) -> bool,
) -> Flow {
    let mut out = Flow::default();
    let mut chunk = vec![0u8; CHUNK_BYTES];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return out,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                out.error = Some(err);
                return out;
            }
        };
        out.len += n as u64;
        if let Err(err) = budget.charge(n as u64, limits) {
            out.refused = Some(err);
            return out;
        }
        if out.len > limits.max_member_bytes {
            out.refused = Some(MemberError::TooLarge { limit: limits.max_member_bytes });
            return out;
        }
        if over_ratio(out.len, meter.get(), limits) {
            out.refused = Some(MemberError::Bomb { ratio: limits.max_ratio });
            return out;
        }
        if !consume(&chunk[..n]) {
            out.stopped = true;
            return out;
        }
    }
}

/// How a streamed member ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEnd {
    /// Decoded bytes handed to the consumer.
    pub bytes: u64,
    /// Set when the member broke part-way: the bytes before the fault were handed on.
    pub truncated: Option<String>,
    /// The consumer stopped the stream before its end.
    pub stopped: bool,
}

/// Streams the member `open` gives to `consume`, a chunk at a time, under the limits. A limit crossed part-way
/// is an error even though chunks were already handed on: the caller drops what it made of them. A decode error
/// after some output keeps that output and reports it.
pub(crate) fn stream_limited(
    open: &Open<'_>,
    stored: u64,
    limits: &Limits,
    budget: &ReadBudget,
    consume: &mut dyn FnMut(&[u8]) -> bool,
) -> Result<StreamEnd, MemberError> {
    let meter = Meter::default();
    let mut seen = Flow::default();
    open(&meter, &mut |reader| seen = flow(reader, &meter, limits, budget, consume))?;
    if let Some(refusal) = seen.refused {
        return Err(refusal);
    }
    if !seen.stopped && over_ratio(seen.len, stored, limits) {
        return Err(MemberError::Bomb { ratio: limits.max_ratio });
    }
    let truncated = match seen.error {
        None => None,
        Some(err) if seen.len == 0 => return Err(MemberError::Corrupt(describe_io(&err))),
        Some(err) => Some(format!("{} after {} bytes", describe_io(&err), seen.len)),
    };
    Ok(StreamEnd { bytes: seen.len, truncated, stopped: seen.stopped })
}

fn over_ratio(out: u64, compressed: u64, limits: &Limits) -> bool {
    out > limits.ratio_floor_bytes && out > compressed.max(1).saturating_mul(limits.max_ratio)
}

/// Reads the stream `open` gives to its end under the per-member, total and ratio limits, checked as the bytes
/// flow. `stored` is the member's size in its container (for the final ratio test). A decode error after some
/// output keeps that output and reports it.
pub(crate) fn read_limited(
    open: &Open<'_>,
    stored: u64,
    limits: &Limits,
    budget: &ReadBudget,
) -> Result<MemberBytes, MemberError> {
    let meter = Meter::default();
    let mut pass = Pass::default();
    open(&meter, &mut |reader| pass.run(reader, &meter, limits, budget))?;
    if let Some(refusal) = pass.refused {
        return Err(refusal);
    }
    if over_ratio(pass.len, stored, limits) {
        return Err(MemberError::Bomb { ratio: limits.max_ratio });
    }
    if pass.spilled {
        // Within the limits: read it again, keeping it this time (exactly as many bytes as the first pass saw).
        let mut data = Vec::with_capacity(usize::try_from(pass.len).unwrap_or(0));
        let mut again = None;
        open(&Meter::default(), &mut |reader| {
            again = reader.take(pass.len).read_to_end(&mut data).err();
        })?;
        pass.data = data;
        pass.error = pass.error.or(again);
    }
    let truncated = match pass.error {
        None => None,
        Some(err) if pass.data.is_empty() => return Err(MemberError::Corrupt(describe_io(&err))),
        Some(err) => Some(format!("{} after {} bytes", describe_io(&err), pass.data.len())),
    };
    Ok(MemberBytes { data: pass.data, truncated })
}

/// Decompresses a gzip stream (all concatenated members) under the limits.
pub(crate) fn gunzip(
    compressed: &[u8],
    limits: &Limits,
    budget: &ReadBudget,
) -> Result<MemberBytes, MemberError> {
    let open = |meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)| {
        consume(&mut flate2::read::MultiGzDecoder::new(meter.wrap(compressed)));
        Ok(())
    };
    let out = read_limited(&open, compressed.len() as u64, limits, budget)?;
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
        let out = gunzip(&both, &Limits::default(), &ReadBudget::default()).unwrap();
        assert_eq!(out.data, b"first\nsecond\n");
        assert_eq!(out.truncated, None);
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read() {
        let text = "2024-01-01T00:00:00.000000Z INFO ExtHandler ExtHandler line\n".repeat(2000);
        let whole = gz(text.as_bytes());
        let cut = &whole[..whole.len() / 2];
        let out = gunzip(cut, &Limits::default(), &ReadBudget::default()).unwrap();
        assert!(!out.data.is_empty());
        assert!(text.as_bytes().starts_with(&out.data));
        assert!(out.truncated.as_deref().unwrap().contains("truncated"), "{:?}", out.truncated);
    }

    #[test]
    fn garbage_is_corrupt_and_limits_hold() {
        assert!(matches!(
            gunzip(b"not gzip at all", &Limits::default(), &ReadBudget::default()),
            Err(MemberError::Corrupt(_))
        ));
        let limits = Limits { max_member_bytes: 10, ..Limits::default() };
        assert_eq!(
            gunzip(&gz(&[b'a'; 100]), &limits, &ReadBudget::default()).unwrap_err(),
            MemberError::TooLarge { limit: 10 }
        );
        let limits = Limits { ratio_floor_bytes: 1000, max_ratio: 10, ..Limits::default() };
        assert_eq!(
            gunzip(&gz(&[0u8; 100_000]), &limits, &ReadBudget::default()).unwrap_err(),
            MemberError::Bomb { ratio: 10 }
        );
    }

    #[test]
    fn limits_stop_the_stream_early_and_large_members_are_read_twice() {
        // Counts how many bytes the decoder was asked for: a refusal must come long before the end.
        let bomb = gz(&vec![0u8; 256 << 20]);
        let limits = Limits { ratio_floor_bytes: 1 << 20, max_ratio: 100, ..Limits::default() };
        let budget = ReadBudget::default();
        assert_eq!(gunzip(&bomb, &limits, &budget).unwrap_err(), MemberError::Bomb { ratio: 100 });
        assert!(budget.spent() < 8 << 20, "inflated {} bytes before refusing", budget.spent());
        let limits = Limits { max_member_bytes: 1 << 20, ..Limits::default() };
        let budget = ReadBudget::default();
        assert_eq!(gunzip(&bomb, &limits, &budget).unwrap_err(), MemberError::TooLarge { limit: 1 << 20 });
        assert!(budget.spent() < 2 << 20);
        let limits = Limits { max_total_bytes: 1 << 20, ..Limits::default() };
        let budget = ReadBudget::default();
        assert!(matches!(gunzip(&bomb, &limits, &budget), Err(MemberError::BudgetSpent { .. })));
        // Larger than the spill buffer and within the limits: read in full.
        let big: Vec<u8> = (0..SPILL_BYTES + 12345).map(|i| (i % 251) as u8).collect();
        let out = gunzip(&gz(&big), &Limits::default(), &ReadBudget::default()).unwrap();
        assert_eq!(out.data.len(), big.len());
        assert!(out.data == big);
        let cut = gz(&big);
        let out = gunzip(&cut[..cut.len() - 100], &Limits::default(), &ReadBudget::default()).unwrap();
        assert!(out.data.len() > SPILL_BYTES && big.starts_with(&out.data));
        assert!(out.truncated.is_some());
    }

    #[test]
    fn budget_is_shared() {
        let limits = Limits { max_total_bytes: 100, ..Limits::default() };
        let budget = ReadBudget::default();
        budget.charge(60, &limits).unwrap();
        assert!(budget.charge(60, &limits).is_err());
    }
}
