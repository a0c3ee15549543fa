//! An event log read as its bytes arrive, a window of chunks at a time.
//!
//! The file header is read once its 4 KiB are in; after it, bytes are gathered into windows of
//! [`WINDOW_CHUNKS`] whole chunks, each window's chunks read in parallel (or one after the other under a
//! record limit) as soon as it is full, and only their reads (the kept events and the counters) stay.
//! Memory is a window, whatever the file's size. The reads are put in the crate's reading order at the
//! end, once the chunk holding the oldest records is known: a log that has wrapped around keeps its
//! newest chunks before its oldest in the file.

use std::io::Cursor;
use std::sync::Arc;

use evtx::{EvtxParser, HeaderFlags, ParserSettings};
use rayon::prelude::*;

use super::chunks::{self, ListedChunk};
use super::filter::Select;
use super::{
    error_chain, read_listed, ChunkRead, EvtxLimits, EvtxScan, Mode, ReadContext, Scan, CHUNK_SIZE,
    FILE_HEADER_SIZE,
};
use crate::guard::catch_panic;

/// Chunks gathered before they are read: 4 MiB, enough to keep every core busy.
const WINDOW_CHUNKS: usize = 64;
const WINDOW_BYTES: usize = WINDOW_CHUNKS * CHUNK_SIZE;

/// The state of one file being read.
pub(super) struct Reader<'s> {
    cx: ReadContext<'s>,
    scan: Scan,
    /// The file header's bytes, until it is complete and read.
    head: Vec<u8>,
    /// The header has been read; chunks follow.
    opened: bool,
    /// Nothing more is read: the header was refused, the deadline passed or the record limit was met.
    closed: bool,
    /// Bytes of the window being gathered.
    pending: Vec<u8>,
    /// The number of the first chunk in `pending`.
    next_chunk: u64,
    /// Each chunk's read, in file order.
    reads: Vec<ChunkRead>,
    /// (chunk number, first record id) of every chunk whose header names its records.
    firsts: Vec<(u64, u64)>,
    /// Records read so far, for a record limit.
    records: u64,
}

impl<'s> Reader<'s> {
    pub(super) fn new(select: &'s dyn Select, limits: EvtxLimits, mode: Mode) -> Self {
        Reader {
            cx: ReadContext {
                select,
                limits,
                budget: None,
                settings: Arc::new(ParserSettings::new().indent(false)),
                mode,
            },
            scan: Scan::new(limits),
            head: Vec::with_capacity(FILE_HEADER_SIZE),
            opened: false,
            closed: false,
            pending: Vec::new(),
            next_chunk: 0,
            reads: Vec::new(),
            firsts: Vec::new(),
            records: 0,
        }
    }

    /// Takes the next bytes of the file. Returns `false` once reading has stopped (not an event log,
    /// deadline, record limit): later bytes would be ignored.
    pub(super) fn push(&mut self, mut bytes: &[u8]) -> bool {
        if self.closed {
            return false;
        }
        if !self.opened {
            let take = (FILE_HEADER_SIZE - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.head.len() < FILE_HEADER_SIZE {
                return true;
            }
            self.open();
            if self.closed {
                return false;
            }
        }
        if !self.pending.is_empty() {
            let take = (WINDOW_BYTES - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < WINDOW_BYTES {
                return true;
            }
            let window = std::mem::take(&mut self.pending);
            self.read_window(&window);
            self.pending = window;
            self.pending.clear();
        }
        // Whole windows are read in place; only a window's start is gathered.
        while !self.closed && bytes.len() >= WINDOW_BYTES {
            self.read_window(&bytes[..WINDOW_BYTES]);
            bytes = &bytes[WINDOW_BYTES..];
        }
        if !self.closed {
            self.pending.extend_from_slice(bytes);
        }
        !self.closed
    }

    /// Reads what is left and puts every chunk's read in reading order.
    pub(super) fn finish(mut self) -> Scan {
        if !self.opened && !self.closed {
            // Shorter than a file header: the crate says why it is not an event log.
            self.open();
        }
        if !self.closed {
            let whole = self.pending.len() / CHUNK_SIZE * CHUNK_SIZE;
            let window = std::mem::take(&mut self.pending);
            self.read_window(&window[..whole]);
        }
        let oldest = chunks::oldest_chunk(self.firsts.iter().copied());
        self.reads.sort_by_key(|read| chunks::reading_key(read.number, oldest));
        for read in std::mem::take(&mut self.reads) {
            self.scan.merge(read);
            if self.scan.stopped.is_some() || self.scan.deadline_at.is_some() {
                break;
            }
        }
        // As at every chunk, the limits are looked at once more past the last one.
        self.scan.out_of_time();
        self.scan
    }

    /// Reads the file header, noting a missing or wrong checksum; a header the crate refuses ends the
    /// file.
    fn open(&mut self) {
        let opened = catch_panic(|| EvtxParser::from_read_seek(Cursor::new(&self.head[..])));
        let parser = match opened {
            Ok(Ok(parser)) => parser,
            Ok(Err(e)) => return self.refuse(format!("not a readable EVTX file: {}", error_chain(&e))),
            Err(panic) => {
                return self.refuse(format!("the EVTX reader panicked on the file header: {panic}"))
            }
        };
        let header = parser.header();
        if header.flags.contains(HeaderFlags::NO_CRC32) {
            self.scan.problem(
                "file header: flagged NO_CRC32, no checksums stored (records read, not verified)".to_string(),
            );
        } else if !header.validate_checksum() {
            self.scan.problem("file header: CRC32 mismatch (chunks read anyway)".to_string());
        }
        self.opened = true;
        self.head = Vec::new();
    }

    fn refuse(&mut self, reason: String) {
        self.scan.failed = Some(reason);
        self.closed = true;
    }

    /// Reads the whole chunks of `window`, the next ones of the file.
    fn read_window(&mut self, window: &[u8]) {
        let first = self.next_chunk;
        self.next_chunk = first.saturating_add((window.len() / CHUNK_SIZE) as u64);
        if self.cx.limits.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            let mut read = ChunkRead::new(first);
            read.not_started = true;
            self.reads.push(read);
            self.closed = true;
            return;
        }
        let listed = chunks::window_chunks(window, first);
        self.firsts.extend(listed.iter().filter_map(|(chunk, id)| Some((chunk.number, (*id)?))));
        let listed: Vec<ListedChunk<'_>> = listed.into_iter().map(|(chunk, _)| chunk).collect();
        match self.cx.limits.max_records {
            // A record limit counts records in file order: one chunk after the other.
            Some(max) => {
                for chunk in &listed {
                    self.cx.budget = Some(max.saturating_sub(self.records));
                    let read = read_listed(chunk, &self.cx);
                    self.records = self.records.saturating_add(read.records);
                    let stop = read.limit_hit || read.deadline_hit || read.not_started || self.records >= max;
                    self.reads.push(read);
                    if stop {
                        self.closed = true;
                        return;
                    }
                }
            }
            None => {
                let cx = &self.cx;
                let reads: Vec<ChunkRead> = listed.par_iter().map(|chunk| read_listed(chunk, cx)).collect();
                self.closed = reads.iter().any(|r| r.deadline_hit || r.not_started);
                self.reads.extend(reads);
            }
        }
    }
}

/// An exported event log read as its bytes arrive: push the file's bytes in blocks of any size, then
/// [`finish`](EvtxReader::finish) to get what [`read_evtx_filtered`](super::read_evtx_filtered) gives for
/// the whole file. At most a window of chunks (4 MiB) is held, whatever the file's size.
pub struct EvtxReader<'f> {
    inner: Reader<'f>,
}

impl<'f> EvtxReader<'f> {
    /// A reader keeping the records `filter` wants, within `limits`.
    pub fn new(filter: &'f super::EventFilter, limits: EvtxLimits) -> Self {
        EvtxReader { inner: Reader::new(filter, limits, Mode::Decode) }
    }

    /// Takes the next bytes of the file; `false` once reading has stopped (not an event log, deadline,
    /// record limit), when the rest of the file need not be pushed.
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        self.inner.push(bytes)
    }

    /// The scan of everything pushed.
    pub fn finish(self) -> EvtxScan {
        self.inner.finish().finish()
    }
}
