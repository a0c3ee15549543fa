//! Chunks read with the `evtx` crate's own reader, which renders each wanted record to XML that is then
//! parsed back: chunks whose checksums do not match or are not stored (damage the crate resynchronises
//! past and reports), chunks holding a record the decoder leaves to the crate, and chunks with a bad
//! magic, carved for records with the crate's record recovery.

use std::sync::Arc;

use evtx::{ChunkFlags, EvtxChunkData, EvtxRecord, ParserSettings};

use super::fields::{EventIdError, Fields};
use super::filter::Verdict;
use super::{error_chain, peek, timestamp_time, ChunkRead, ReadContext, WinEvent, CHUNK_SIZE};
use crate::error::ParseError;
use crate::time::SourceTime;
use crate::xml_tree;

/// A chunk's magic.
const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";

/// Reads chunk `number` (its 64 KiB in `chunk`) with the crate, reporting checksum problems first.
pub(super) fn read_chunk(
    chunk: &[u8],
    number: u64,
    settings: &Arc<ParserSettings>,
    cx: &ReadContext<'_>,
    read: &mut ChunkRead,
) {
    read.entered = true;
    read.counted = true;
    read.stats.rendered_chunks += 1;
    let mut data = match EvtxChunkData::new(chunk.to_vec(), false) {
        Ok(data) => data,
        Err(e) => {
            read.problem(format!("chunk {number}: {}", error_chain(&e)));
            return;
        }
    };
    data.number = Some(number);
    if data.header.flags.contains(ChunkFlags::NO_CRC32) {
        read.problem(format!(
            "chunk {number}: flagged NO_CRC32, no checksums stored (records read, not verified)"
        ));
    } else if !data.validate_header_checksum() {
        read.problem(format!("chunk {number}: header CRC32 mismatch (records read anyway)"));
    } else if !data.validate_data_checksum() {
        read.problem(format!("chunk {number}: record data CRC32 mismatch (records read anyway)"));
    }
    let mut parsed = match data.parse(Arc::clone(settings)) {
        Ok(parsed) => parsed,
        Err(e) => {
            read.problem(format!("chunk {number}: {}", error_chain(&e)));
            return;
        }
    };
    let mut templates = peek::TemplateCache::default();
    for record in parsed.iter() {
        if read.out_of_time(cx) {
            return;
        }
        match record {
            Ok(record) => {
                read.records += 1;
                read_record(number, record, &mut templates, cx, read);
            }
            Err(e) => read.problem(format!("chunk {number}: {}", error_chain(&e))),
        }
    }
    read.left = true;
}

/// Carves the records out of chunk `number` (its 64 KiB in `raw`), whose header the crate rejected (a
/// bad magic): with the magic restored, the crate's record recovery scans the chunk for anything that
/// parses as a record. Returns how many records it read.
pub(super) fn recover_chunk(
    raw: &[u8],
    number: u64,
    settings: &Arc<ParserSettings>,
    cx: &ReadContext<'_>,
    read: &mut ChunkRead,
) -> u64 {
    if raw.len() != CHUNK_SIZE {
        return 0;
    }
    read.entered = true;
    if raw.iter().all(|&b| b == 0) {
        return 0;
    }
    let mut patched = raw.to_vec();
    if let Some(magic) = patched.get_mut(..CHUNK_MAGIC.len()) {
        magic.copy_from_slice(CHUNK_MAGIC);
    }
    read.stats.rendered_chunks += 1;
    let Ok(mut data) = EvtxChunkData::new(patched, false) else { return 0 };
    let carving = Arc::new((**settings).clone().recover_records(true));
    let Ok(mut chunk) = data.parse(carving) else { return 0 };
    let mut templates = peek::TemplateCache::default();
    let mut recovered = 0u64;
    for record in chunk.iter() {
        if read.out_of_time(cx) {
            break;
        }
        // Walked records may fail on a damaged header; carved ones that fail are skipped by the crate.
        if let Ok(record) = record {
            read.records += 1;
            recovered += 1;
            read_record(number, record, &mut templates, cx, read);
        }
    }
    if !read.deadline_hit {
        read.left = true;
    }
    recovered
}

/// Decides on the record from its peeked provider and id, and renders it when it may be kept (or
/// when they could not be peeked, deciding after).
fn read_record(
    chunk: u64,
    record: EvtxRecord<'_>,
    templates: &mut peek::TemplateCache,
    cx: &ReadContext<'_>,
    read: &mut ChunkRead,
) {
    let start = usize::try_from(record.binxml_offset).unwrap_or(usize::MAX);
    let size = usize::try_from(record.binxml_size).unwrap_or(0);
    let peeked = peek::provider_and_event_id(record.chunk.data, start..start.saturating_add(size), templates);
    let verdict = match &peeked {
        Some((provider, event_id)) => Some(cx.select.verdict(provider, *event_id)),
        None => {
            read.stats.unpeeked += 1;
            None
        }
    };
    if verdict == Some(Verdict::Skip) {
        return;
    }
    let record_id = record.event_record_id;
    let header_time = timestamp_time(record.timestamp.as_second(), record.timestamp.subsec_nanosecond());
    read.stats.rendered += 1;
    let xml = match record.into_xml() {
        Ok(rendered) => rendered.data,
        Err(e) => {
            read.problem(format!("chunk {chunk}: record {record_id}: {}", error_chain(&e)));
            return;
        }
    };
    match event_from_xml(&xml, record_id, header_time) {
        Ok(event) => {
            let text = |out: &mut String| event.text().write(out);
            let decision =
                cx.select.decide(verdict, &event.provider, event.event_id, &text, &mut String::new());
            read.take(decision, event);
        }
        Err(e) => read.problem(format!("chunk {chunk}: record {record_id}: {e}")),
    }
}

/// Why the crate's rendering of a record gives no event.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenderedEventError {
    /// The rendered XML does not parse.
    #[error("rendered XML unreadable: {0}")]
    Xml(#[source] ParseError),
    /// The XML parses but its event id is missing or not a number.
    #[error("{0}")]
    EventId(#[from] EventIdError),
}

/// Reads the crate's rendering of one record.
pub(super) fn event_from_xml(
    xml: &str,
    record_id: u64,
    header_time: Option<SourceTime>,
) -> Result<WinEvent, RenderedEventError> {
    let root = xml_tree::parse(xml).map_err(RenderedEventError::Xml)?;
    Ok(Fields::from_xml(&root).take_event(record_id, header_time)?)
}
