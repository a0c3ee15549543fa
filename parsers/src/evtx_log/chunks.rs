//! Where a file's chunks and a chunk's records are, found without copying anything.
//!
//! The chunks are listed in the order the `evtx` crate reads them (and Windows does): from the chunk
//! holding the oldest records to the end of the file, then from the start of the file up to it, empty
//! chunks skipped. Each is a slice of the caller's bytes, so the workers read them in place; only a
//! chunk that must go through the crate's own reader is copied, one at a time.
//!
//! [`live_records`] walks an intact chunk's records the way the crate walks them, and gives up
//! (returning `None`) at the first thing that is not plainly right; the crate, which resynchronises
//! and reports, then reads that chunk instead.

use std::ops::Range;

use evtx::err::{ChunkError, EvtxError};
use evtx::{ChunkFlags, EvtxChunkHeader};

use super::CHUNK_SIZE;

/// Size of a chunk's header, where its records start.
const CHUNK_HEADER_SIZE: usize = 512;
/// Size of a record's header: magic, size, record id, FILETIME.
const RECORD_HEADER_SIZE: usize = 24;
/// A record's magic.
const RECORD_MAGIC: &[u8; 4] = b"\x2a\x2a\0\0";
/// 100 ns intervals per second, and seconds from 1601-01-01 to 1970-01-01.
const TICKS_PER_SECOND: u64 = 10_000_000;
const SECONDS_1601_TO_1970: i64 = 11_644_473_600;

/// One chunk of the file as listed, or why it could not be.
pub(super) struct ListedChunk<'a> {
    /// Its number in the file.
    pub(super) number: u64,
    /// Its bytes, or the error the crate gives for it.
    pub(super) data: Result<&'a [u8], EvtxError>,
    /// Its bytes as they stand, for carving when its header was rejected.
    pub(super) raw: &'a [u8],
}

/// The non-empty chunks of `window` (whole chunks of the file, from chunk `first` on) in file order,
/// each with the first record id its header names (`None` when the header is unreadable or names no
/// record). A trailing part of a chunk is left out: the crate reads only whole chunks.
pub(super) fn window_chunks(window: &[u8], first: u64) -> Vec<(ListedChunk<'_>, Option<u64>)> {
    let mut out = Vec::new();
    for (number, raw) in (first..).zip(window.chunks_exact(CHUNK_SIZE)) {
        if raw.iter().all(|&b| b == 0) {
            continue;
        }
        let (data, first_record) = match EvtxChunkHeader::from_bytes(raw) {
            Ok(h) => {
                let named = h.first_event_record_id <= h.last_event_record_id;
                (Ok(raw), named.then_some(h.first_event_record_id))
            }
            Err(e) => (
                Err(EvtxError::FailedToParseChunk {
                    chunk_id: number,
                    source: Box::new(ChunkError::FailedToParseChunkHeader(e)),
                }),
                None,
            ),
        };
        out.push((ListedChunk { number, data, raw }, first_record));
    }
    out
}

/// The number of the chunk holding the oldest records: the lowest first record id among `firsts`
/// (chunk number, first record id), the first such chunk on a tie; 0 when no chunk names one.
pub(super) fn oldest_chunk(firsts: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    firsts
        .into_iter()
        .fold((u64::MAX, 0), |best, (number, id)| if id < best.0 { (id, number) } else { best })
        .1
}

/// Where chunk `number` comes in reading order: from the oldest chunk to the end of the file, then
/// from the start of the file up to it.
pub(super) fn reading_key(number: u64, oldest: u64) -> (bool, u64) {
    (number < oldest, number)
}

/// The file's chunks in reading order (see the module documentation).
#[cfg(test)]
pub(super) fn list_chunks(file: &[u8]) -> Vec<ListedChunk<'_>> {
    let window = file.get(super::FILE_HEADER_SIZE..).unwrap_or_default();
    let listed = window_chunks(window, 0);
    let oldest = oldest_chunk(listed.iter().filter_map(|(c, first)| Some((c.number, (*first)?))));
    let mut chunks: Vec<ListedChunk<'_>> = listed.into_iter().map(|(c, _)| c).collect();
    chunks.sort_by_key(|c| reading_key(c.number, oldest));
    chunks
}

/// One record of a chunk, as its header gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LiveRecord {
    /// `EventRecordID` from the record header.
    pub(super) record_id: u64,
    /// The header's FILETIME as seconds and nanoseconds since the Unix epoch.
    pub(super) seconds: i64,
    pub(super) nanos: i32,
    /// The record's BinXML, chunk-relative.
    pub(super) binxml: Range<usize>,
}

/// True when the chunk's header and records match their CRC32s (and the chunk stores them).
pub(super) fn checksums_match(chunk: &[u8], header: &EvtxChunkHeader) -> bool {
    if header.flags.contains(ChunkFlags::NO_CRC32) {
        return false;
    }
    let Some(head) = chunk.get(..CHUNK_HEADER_SIZE) else { return false };
    // The header's CRC32 covers its first 120 bytes and the tables after its own checksum.
    let mut covered = [0u8; CHUNK_HEADER_SIZE - 8];
    covered[..120].copy_from_slice(&head[..120]);
    covered[120..].copy_from_slice(&head[128..]);
    if evtx::checksum_ieee(&covered) != header.header_chunk_checksum {
        return false;
    }
    let records =
        usize::try_from(header.free_space_offset).ok().and_then(|end| chunk.get(CHUNK_HEADER_SIZE..end));
    records.is_some_and(|r| evtx::checksum_ieee(r) == header.events_checksum)
}

/// The chunk's live records in order, walked as the crate walks an undamaged chunk: from the end of
/// the header, each record starting where the one before ends, up to the free space or the record
/// whose id is the header's last. `None` as soon as a record header cannot be read as it stands.
pub(super) fn live_records(chunk: &[u8], header: &EvtxChunkHeader) -> Option<Vec<LiveRecord>> {
    let live_end = usize::try_from(header.free_space_offset).unwrap_or(usize::MAX).min(chunk.len());
    let mut out = Vec::with_capacity(128);
    let mut offset = CHUNK_HEADER_SIZE;
    while offset < live_end {
        let head = chunk.get(offset..offset.checked_add(RECORD_HEADER_SIZE)?)?;
        if &head[..4] != RECORD_MAGIC {
            return None;
        }
        let size = usize::try_from(u32::from_le_bytes(head[4..8].try_into().ok()?)).ok()?;
        let record_id = u64::from_le_bytes(head[8..16].try_into().ok()?);
        let filetime = u64::from_le_bytes(head[16..24].try_into().ok()?);
        let (seconds, nanos) = filetime_parts(filetime)?;
        // The size counts the header and the copy of the size that ends the record.
        let binxml_size = size.checked_sub(RECORD_HEADER_SIZE + 4)?;
        let start = offset + RECORD_HEADER_SIZE;
        let end = start.checked_add(binxml_size)?;
        if end > chunk.len() {
            return None;
        }
        out.push(LiveRecord { record_id, seconds, nanos, binxml: start..end });
        if record_id == header.last_event_record_id {
            break;
        }
        offset = offset.checked_add(size)?;
    }
    Some(out)
}

/// A FILETIME as the crate's record time gives it (Unix seconds and nanoseconds), when the crate can
/// represent it.
fn filetime_parts(filetime: u64) -> Option<(i64, i32)> {
    let seconds = i64::try_from(filetime / TICKS_PER_SECOND).ok()? - SECONDS_1601_TO_1970;
    let nanos = i32::try_from((filetime % TICKS_PER_SECOND) * 100).ok()?;
    let time = evtx::Timestamp::new(seconds, nanos).ok()?;
    Some((time.as_second(), time.subsec_nanosecond()))
}
