//! Event logs (EVTX): read with a filter built from the event-log signatures and decided before any
//! record becomes an event (provider and event id first, then the signatures' literals in the record's
//! text), render the kept records to one line of text, and tag them with the signatures.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::time::{Duration, Instant};

use snaptriage_parsers::evtx_log::{
    event_text, EventFilter, EventRule, EvtxLimits, EvtxOutcome, EvtxReader, EvtxScan, WinEvent,
};
use snaptriage_parsers::Level;

use super::{
    budget_spent, seconds, IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem, Watchdog,
};
use crate::facts::identity::IdentityKind;
use crate::intake::{Member, MemberError, StreamEnd};
use crate::signals::{MatchScratch, SignatureSet};

/// What became of an event log: the inventory status is decided by the caller from this.
pub(super) struct EventLogResult {
    /// Inventory detail.
    pub detail: String,
    /// Set when the log was read only in part or not at all: (failed, why).
    pub problem: Option<(bool, String)>,
}

/// Extra time the reader gets past its own deadline before it is abandoned.
const WATCHDOG_GRACE: Duration = Duration::from_secs(5);

/// The records the event-log signatures can match: those of the providers and event ids they name,
/// and, for a signature with `all` / `any` literals, only records whose text holds them (the matcher
/// requires the same literals in the same text, so nothing it would match is dropped). A timeline
/// export keeps everything.
fn event_filter(signatures: &SignatureSet, keep_all: bool) -> EventFilter {
    if keep_all {
        return EventFilter::keep_all();
    }
    EventFilter::new(
        signatures
            .signatures()
            .iter()
            .filter(|s| s.sources.contains(&crate::intake::ArtifactKind::Evtx))
            .map(|s| EventRule {
                providers: s.providers.clone(),
                event_ids: s.event_ids.clone(),
                all: s.all.clone(),
                any: s.any.clone(),
            }),
    )
}

/// Blocks of the member handed to the reader thread, and how many may wait for it.
const BLOCK_BYTES: usize = 1 << 20;
const BLOCKS_QUEUED: usize = 4;

/// What streaming an event log gave: the reader's scan, and how the member's bytes ended.
struct Streamed {
    scan: EvtxScan,
    end: StreamEnd,
}

/// Streams an event log member to a reader on a watchdog thread, a block at a time (the reader holds
/// one window of chunks, never the file): the reader stops itself at the member's deadline (the
/// outcome then says how far it got), and a reader stuck inside the decoder past it is abandoned after
/// [`WATCHDOG_GRACE`], so one pathological file cannot hang a run.
fn stream_with_watchdog(
    member: &Member,
    cx: &IngestContext<'_>,
    filter: EventFilter,
    watchdog: &Watchdog,
) -> Result<Streamed, MemberError> {
    let limits = EvtxLimits { deadline: Some(watchdog.deadline()), max_records: None };
    let give_up = watchdog.deadline() + WATCHDOG_GRACE;
    let (blocks, incoming) = sync_channel::<Vec<u8>>(BLOCKS_QUEUED);
    let (done, result) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("evtx-reader".into()).spawn(move || {
        let mut reader = EvtxReader::new(&filter, limits);
        for block in incoming.iter() {
            if !reader.push(&block) {
                // Dropping the receiver tells the sender to stop.
                break;
            }
        }
        let _ = done.send(reader.finish());
    });
    if let Err(e) = spawned {
        let why = format!("could not start a reader thread: {e}");
        return Ok(Streamed {
            scan: abandoned(why),
            end: StreamEnd { bytes: 0, truncated: None, stopped: true },
        });
    }
    let mut block = Vec::with_capacity(BLOCK_BYTES);
    let mut reader_gone = false;
    let send = |block: Vec<u8>| -> bool { send_before(&blocks, block, give_up) };
    let end = member.stream(cx.limits, cx.budget, &mut |bytes| {
        if let Some(progress) = cx.progress {
            progress.advance(bytes.len() as u64);
        }
        block.extend_from_slice(bytes);
        if block.len() >= BLOCK_BYTES {
            let full = std::mem::replace(&mut block, Vec::with_capacity(BLOCK_BYTES));
            reader_gone = !send(full);
        }
        !reader_gone
    })?;
    if !reader_gone && !block.is_empty() {
        send(block);
    }
    drop(blocks);
    let total = end.bytes;
    let scan = match wait_for(&result, give_up) {
        Some(scan) => scan,
        None => abandoned(format!(
            "time budget of {} s spent, and the reader, stuck in the EVTX decoder, did not stop within {} s \
             more: the file ({total} bytes) was abandoned and nothing of it analysed",
            seconds(watchdog.budget()),
            WATCHDOG_GRACE.as_secs()
        )),
    };
    Ok(Streamed { scan, end })
}

/// Hands `block` to the reader; `false` when it is gone (done with the file) or still busy at `until`.
fn send_before(blocks: &SyncSender<Vec<u8>>, mut block: Vec<u8>, until: Instant) -> bool {
    loop {
        match blocks.try_send(block) {
            Ok(()) => return true,
            Err(TrySendError::Disconnected(_)) => return false,
            Err(TrySendError::Full(back)) => {
                if Instant::now() >= until {
                    return false;
                }
                block = back;
                // While the reader catches up, this thread helps the pool it spreads chunks over.
                if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
    }
}

/// The scan of a file given up on: nothing of it is analysed.
fn abandoned(why: String) -> EvtxScan {
    EvtxScan {
        events: Vec::new(),
        records_seen: 0,
        records_kept: 0,
        chunks: 0,
        span: None,
        errors: vec![why.clone()],
        errors_total: 1,
        outcome: EvtxOutcome::Failed(why),
    }
}

/// The reader's scan, if it comes before `until`. Meanwhile this thread, when it belongs to a rayon
/// pool, runs the pool's pending work: the reader spreads the file's chunks over the pool, which would
/// otherwise be a thread short while this one waits.
fn wait_for(rx: &Receiver<EvtxScan>, until: Instant) -> Option<EvtxScan> {
    loop {
        match rx.try_recv() {
            Ok(scan) => return Some(scan),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {}
        }
        let left = until.checked_duration_since(Instant::now())?;
        let block = match rayon::yield_now() {
            Some(rayon::Yield::Executed) => continue,
            // Nothing pending: wait a moment for the scan, then look for work again.
            Some(rayon::Yield::Idle) => left.min(Duration::from_millis(1)),
            // Not on a pool: just wait.
            None => left,
        };
        match rx.recv_timeout(block) {
            Ok(scan) => return Some(scan),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// Reads an event log member and tags its records.
pub(super) fn ingest_evtx(
    member: &Member,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
) -> Result<EventLogResult, MemberError> {
    let signatures = cx.signatures;
    let Streamed { scan, end } =
        stream_with_watchdog(member, cx, event_filter(signatures, cx.keep_timeline), watchdog)?;
    let total = end.bytes;
    out.entry.bytes = total;
    let mut clock = SourceScan { records: scan.records_seen, ..SourceScan::default() };
    if let Some((first, last)) = scan.span {
        clock.see(first);
        clock.see(last);
    }
    let mut scratch = MatchScratch::default();
    for event in &scan.events {
        let text = event_text(event);
        if cx.keep_timeline {
            out.timeline.push(TimelineItem {
                line: None,
                record_id: Some(event.record_id),
                time: event.time,
                level: level_of(event),
                text: crate::facts::clip(&text, 2000),
            });
        }
        for m in signatures.match_event(&event.provider, event.event_id, &text, &mut scratch) {
            let sig = &signatures.signatures()[m.signature];
            out.signals.push(RawSignal {
                signal: sig.signal.clone(),
                signature: m.signature,
                line: None,
                record_id: Some(event.record_id),
                time: event.time,
                level: level_of(event),
                prefix: Some(event.provider.clone()),
                text: crate::facts::clip(&text, 1200),
                head: String::new(),
                about_backup: crate::artifacts::backup::mentions_backup(&text),
                captures: m.captures,
                repeats: 1,
                until: None,
            });
        }
    }
    out.scan = Some(clock);
    if let Some(computer) = scan.events.iter().rev().find_map(|e| e.computer.as_deref()) {
        super::state::identify(out, &member.path, IdentityKind::Hostname, computer);
    }
    let detail = format!(
        "{} records in {} chunks, {} kept for analysis",
        scan.records_seen, scan.chunks, scan.records_kept
    );
    let problem = match scan.outcome {
        EvtxOutcome::Complete => None,
        EvtxOutcome::Partial(why) => Some((false, why)),
        EvtxOutcome::Failed(why) => Some((true, why)),
        // Worded and graded like any member over its budget; the records read before are analysed.
        EvtxOutcome::DeadlinePassed { at_byte, records } => Some((
            true,
            format!(
                "{} (the records before were analysed)",
                budget_spent(watchdog.budget(), at_byte.min(total), total, records)
            ),
        )),
    };
    let problem = problem.or(end.truncated.map(|why| (false, why)));
    Ok(EventLogResult { detail, problem })
}

fn level_of(e: &WinEvent) -> Level {
    match e.level {
        Some(1) | Some(2) => Level::Error,
        Some(3) => Level::Warning,
        Some(4) | Some(0) => Level::Info,
        Some(5) => Level::Verbose,
        _ => Level::Unknown,
    }
}
