//! Event logs (EVTX): read with a provider + event-id filter decided before rendering, render the kept
//! records to one line of text, and tag them with the event-log signatures.

use std::time::{Duration, Instant};

use snaptriage_parsers::evtx_log::{event_text, read_evtx, EvtxLimits, EvtxOutcome, EvtxScan, WinEvent};
use snaptriage_parsers::Level;

use super::{IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem};
use crate::signals::MatchScratch;

/// Longest time one event log may take before it is cut off (reported as partial).
const PER_FILE_BUDGET: Duration = Duration::from_secs(60);

/// What became of an event log: the inventory status is decided by the caller from this.
pub(super) struct EventLogResult {
    /// Inventory detail.
    pub detail: String,
    /// Set when the log was read only in part or not at all.
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

/// Reads an event log on a watchdog thread: the reader stops itself at its deadline, and a reader stuck
/// inside the decoder past it is abandoned, so one pathological file cannot hang a run.
fn read_with_watchdog(bytes: Vec<u8>, filter: EventFilter) -> EvtxScan {
    let limits = EvtxLimits { deadline: Some(Instant::now() + PER_FILE_BUDGET), max_records: None };
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
    match rx.recv_timeout(PER_FILE_BUDGET + WATCHDOG_GRACE) {
        Ok(scan) => scan,
        Err(_) => abandoned(format!(
            "reading did not finish within {} s; the file was abandoned",
            (PER_FILE_BUDGET + WATCHDOG_GRACE).as_secs()
        )),
    }
}

/// Reads an event log member and tags its records.
pub(super) fn ingest_evtx(bytes: Vec<u8>, cx: &IngestContext<'_>, out: &mut MemberOutcome) -> EventLogResult {
    let signatures = cx.signatures;
    let wanted = signatures
        .signatures()
        .iter()
        .filter(|s| s.sources.contains(&crate::intake::ArtifactKind::Evtx))
        .map(|s| (s.providers.clone(), s.event_ids.clone()))
        .collect();
    let scan = read_with_watchdog(bytes, EventFilter { keep_all: cx.keep_timeline, wanted });
    let mut clock = SourceScan { records: scan.records_seen, ..SourceScan::default() };
    let mut scratch = MatchScratch::default();
    for event in &scan.events {
        clock.see(event.time);
        let text = event_text(event);
        if cx.keep_timeline {
            out.timeline.push(TimelineItem {
                line: None,
                record_id: Some(event.record_id),
                time: Some(event.time),
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
                time: Some(event.time),
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
