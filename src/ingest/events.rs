//! Event logs (EVTX): read with a provider + event-id filter decided before rendering, render the kept
//! records to one line of text, and tag them with the event-log signatures.

use std::time::{Duration, Instant};

use snaptriage_parsers::evtx_log::{event_text, read_evtx, EvtxLimits, EvtxOutcome, WinEvent};
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

/// Reads an event log member and tags its records.
pub(super) fn ingest_evtx(bytes: &[u8], cx: &IngestContext<'_>, out: &mut MemberOutcome) -> EventLogResult {
    let signatures = cx.signatures;
    let keep_all = cx.keep_timeline;
    let keep = |provider: &str, id: u32| keep_all || signatures.wants_event(provider, id);
    let limits = EvtxLimits { deadline: Some(Instant::now() + PER_FILE_BUDGET), max_records: None };
    let scan = read_evtx(bytes, &keep, &limits);
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
