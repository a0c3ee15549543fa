//! Event logs (EVTX): read with a filter built from the event-log signatures and decided before any
//! record becomes an event (provider and event id first, then the signatures' literals in the record's
//! text), render the kept records to one line of text, and tag them with the signatures.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use snaptriage_parsers::evtx_log::{
    event_text, read_evtx_filtered, EventFilter, EventRule, EvtxLimits, EvtxOutcome, EvtxScan, WinEvent,
};
use snaptriage_parsers::Level;

use super::{
    budget_spent, seconds, IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem, Watchdog,
};
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

/// Reads an event log on a watchdog thread: the reader stops itself at the member's deadline (the
/// outcome then says how far it got), and a reader stuck inside the decoder past it is abandoned after
/// [`WATCHDOG_GRACE`], so one pathological file cannot hang a run.
fn read_with_watchdog(bytes: Vec<u8>, filter: EventFilter, watchdog: &Watchdog) -> EvtxScan {
    let limits = EvtxLimits { deadline: Some(watchdog.deadline()), max_records: None };
    let total = bytes.len() as u64;
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("evtx-reader".into()).spawn(move || {
        let scan = read_evtx_filtered(&bytes, &filter, &limits);
        let _ = tx.send(scan);
    });
    let abandoned = |why: String| EvtxScan {
        events: Vec::new(),
        records_seen: 0,
        records_kept: 0,
        chunks: 0,
        span: None,
        errors: vec![why.clone()],
        errors_total: 1,
        outcome: EvtxOutcome::Failed(why),
    };
    if let Err(e) = spawned {
        return abandoned(format!("could not start a reader thread: {e}"));
    }
    let wait = watchdog.deadline().saturating_duration_since(Instant::now()) + WATCHDOG_GRACE;
    match wait_for(&rx, Instant::now() + wait) {
        Some(scan) => scan,
        None => abandoned(format!(
            "time budget of {} s spent, and the reader, stuck in the EVTX decoder, did not stop within {} s \
             more: the file ({total} bytes) was abandoned and nothing of it analysed",
            seconds(watchdog.budget()),
            WATCHDOG_GRACE.as_secs()
        )),
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
    bytes: Vec<u8>,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
) -> EventLogResult {
    let total = bytes.len() as u64;
    let signatures = cx.signatures;
    let scan = read_with_watchdog(bytes, event_filter(signatures, cx.keep_timeline), watchdog);
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
                about_backup: mentions_backup(&text),
                captures: m.captures,
            });
        }
    }
    out.scan = Some(clock);
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
    EventLogResult { detail, problem }
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

fn mentions_backup(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("iaasbcdrextension") || lower.contains("recoveryservices.vmsnapshot")
}
