//! Event logs (EVTX): read with a provider + event-id filter decided before rendering, render the kept
//! records to one line of text, and tag them with the event-log signatures.

use std::time::{Duration, Instant};

use snaptriage_parsers::evtx_log::{event_text, read_evtx, EvtxLimits, EvtxOutcome, EvtxScan, WinEvent};
use snaptriage_parsers::Level;

use super::{
    budget_spent, seconds, IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem, Watchdog,
};
use crate::signals::MatchScratch;

/// What became of an event log: the inventory status is decided by the caller from this.
pub(super) struct EventLogResult {
    /// Inventory detail.
    pub detail: String,
    /// Set when the log was read only in part or not at all: (failed, why).
    pub problem: Option<(bool, String)>,
}

/// Extra time the reader gets past its own deadline before it is abandoned.
const WATCHDOG_GRACE: Duration = Duration::from_secs(5);

/// Which records to render: owned, so the reader can run on a thread of its own.
struct EventFilter {
    keep_all: bool,
    wanted: Vec<(Vec<String>, Vec<u32>)>,
}

impl EventFilter {
    fn keeps(&self, provider: &str, id: u32) -> bool {
        self.keep_all
            || self.wanted.iter().any(|(providers, ids)| {
                (providers.is_empty() || providers.iter().any(|p| p.eq_ignore_ascii_case(provider)))
                    && (ids.is_empty() || ids.contains(&id))
            })
    }
}

/// Reads an event log on a watchdog thread: the reader stops itself at the member's deadline (the
/// outcome then says how far it got), and a reader stuck inside the decoder past it is abandoned after
/// [`WATCHDOG_GRACE`], so one pathological file cannot hang a run.
fn read_with_watchdog(bytes: Vec<u8>, filter: EventFilter, watchdog: &Watchdog) -> EvtxScan {
    let limits = EvtxLimits { deadline: Some(watchdog.deadline()), max_records: None };
    let total = bytes.len() as u64;
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("evtx-reader".into()).spawn(move || {
        let scan = read_evtx(&bytes, &|p: &str, id: u32| filter.keeps(p, id), &limits);
        let _ = tx.send(scan);
    });
    let abandoned = |why: String| EvtxScan {
        events: Vec::new(),
        records_seen: 0,
        records_kept: 0,
        chunks: 0,
        errors: vec![why.clone()],
        errors_total: 1,
        outcome: EvtxOutcome::Failed(why),
    };
    if let Err(e) = spawned {
        return abandoned(format!("could not start a reader thread: {e}"));
    }
    let wait = watchdog.deadline().saturating_duration_since(Instant::now()) + WATCHDOG_GRACE;
    match rx.recv_timeout(wait) {
        Ok(scan) => scan,
        Err(_) => abandoned(format!(
            "time budget of {} s spent, and the reader, stuck in the EVTX decoder, did not stop within {} s \
             more: the file ({total} bytes) was abandoned and nothing of it analysed",
            seconds(watchdog.budget()),
            WATCHDOG_GRACE.as_secs()
        )),
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
    let wanted = signatures
        .signatures()
        .iter()
        .filter(|s| s.sources.contains(&crate::intake::ArtifactKind::Evtx))
        .map(|s| (s.providers.clone(), s.event_ids.clone()))
        .collect();
    let scan = read_with_watchdog(bytes, EventFilter { keep_all: cx.keep_timeline, wanted }, watchdog);
    let mut clock = SourceScan { records: scan.records_seen, ..SourceScan::default() };
    let mut scratch = MatchScratch::default();
    for event in &scan.events {
        if let Some(t) = event.time {
            clock.see(t);
        }
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
