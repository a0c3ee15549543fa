//! Placing what ingest read on the UTC timeline: zone observations from instants two sources wrote in
//! different clocks, every signal converted to UTC and sorted, each source's clock summarised, and the
//! timeline export.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use snaptriage_parsers::SourceTime;

use super::member_clock::Clocks;
use super::{pair_votes, rfc3339, ZoneObservation};
use crate::facts::SourceClock;
use crate::ingest::MemberOutcome;
use crate::intake::ArtifactKind;
use crate::model::{Signal, SourceInfo, Timestamp};
use crate::signals::SignatureSet;

/// One record (or one signal) on the UTC timeline, for the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    /// When, UTC.
    pub time: Option<Timestamp>,
    /// Member path.
    pub path: String,
    /// Member kind (`waagent-log`, `evtx` …).
    pub kind: &'static str,
    /// Line.
    pub line: Option<u32>,
    /// Event-log record number.
    pub record_id: Option<u64>,
    /// Level.
    pub level: String,
    /// Signal names that tagged the record.
    pub signals: Vec<String>,
    /// Records it stands for (a periodic signal counted on its first record); 1 for a record.
    pub repeats: u32,
    /// When the last of those was written, when more than one.
    pub until: Option<Timestamp>,
    /// Text (first line, clipped).
    pub text: String,
}

impl TimelineEntry {
    /// Timeline order: dated entries by time, then undated ones; by place within the same instant.
    fn order_key(&self) -> (bool, Option<Timestamp>, &str, Option<u32>, Option<u64>) {
        (self.time.is_none(), self.time, &self.path, self.line, self.record_id)
    }
}

/// Sorts entries into timeline order.
fn sort_entries(entries: &mut [TimelineEntry]) {
    entries.sort_by(|a, b| a.order_key().cmp(&b.order_key()).then_with(|| a.text.cmp(&b.text)));
}

/// The signals as timeline entries, one per signal, in timeline order (the export's default).
pub fn signal_timeline(signals: &[Signal]) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = signals
        .iter()
        .map(|s| TimelineEntry {
            time: s.time.map(Timestamp),
            path: s.path.to_string(),
            kind: s.kind.name(),
            line: s.line,
            record_id: s.record_id,
            level: s.level.as_str().to_string(),
            signals: vec![s.name.to_string()],
            repeats: s.repeats,
            until: s.until.map(Timestamp),
            text: if s.text.is_empty() { s.head.clone() } else { s.text.clone() },
        })
        .collect();
    sort_entries(&mut out);
    // One record tagged by several signatures is one entry listing them all.
    out.dedup_by(|later, earlier| {
        let same = later.path == earlier.path
            && later.line == earlier.line
            && later.record_id == earlier.record_id
            && later.time == earlier.time
            && (later.line.is_some() || later.record_id.is_some());
        if same {
            for name in later.signals.drain(..) {
                if !earlier.signals.contains(&name) {
                    earlier.signals.push(name);
                }
            }
        }
        same
    });
    out
}

/// Seconds a backup run's first extension-log line may trail the agent's Enable line.
const ENABLE_TO_RUN_SECS: i64 = 120;
/// Seconds between one instant written by two writers (service start vs its first line, status file vs the
/// agent's echo of it).
const SAME_MOMENT_SECS: i64 = 120;

/// Zone observations from instants two sources wrote in different clocks:
/// - the Linux agent (UTC) starting the backup extension, and the extension's local-time log starting a run
///   moments later;
/// - Windows: the Service Control Manager (event logs, UTC) reporting the guest agent running, and the agent's
///   local-time log starting; the extension's status file (UTC) and the agent's local-time line reporting it.
pub fn cross_source_observations(outcomes: &[MemberOutcome]) -> Vec<ZoneObservation> {
    let times =
        |kinds: &[ArtifactKind], signal: &str, utc: bool, backup_only: bool| -> Vec<chrono::NaiveDateTime> {
            outcomes
                .iter()
                .filter(|o| kinds.contains(&o.kind))
                .flat_map(|o| o.signals.iter())
                .filter(|s| &*s.signal == signal && (!backup_only || s.about_backup))
                .filter_map(|s| match (s.time, utc) {
                    (Some(SourceTime::Utc(t)), true) | (Some(SourceTime::Local(t)), false) => Some(t),
                    _ => None,
                })
                .collect()
        };
    let status_times: Vec<chrono::NaiveDateTime> = outcomes
        .iter()
        .flat_map(|o| o.facts.iter())
        .filter_map(|f| match f {
            crate::facts::Fact::ExtensionStatus(s) if s.is_backup_extension() => {
                s.time.map(|t| t.naive_utc())
            }
            _ => None,
        })
        .collect();
    let mut out = pair_votes(
        &times(&[ArtifactKind::WaagentLog], "ext.enable", true, true),
        &times(&[ArtifactKind::VmSnapshotLog], "snap.run-start", false, false),
        0..=ENABLE_TO_RUN_SECS,
    );
    out.extend(pair_votes(
        &times(&[ArtifactKind::Evtx], "win.agent-service-running", true, false),
        &times(&[ArtifactKind::WaAppAgentLog], "agent.version", false, false),
        -SAME_MOMENT_SECS..=SAME_MOMENT_SECS,
    ));
    out.extend(pair_votes(
        &status_times,
        &times(&[ArtifactKind::WaAppAgentLog], "win.agent-status-echo", false, true),
        -SAME_MOMENT_SECS..=SAME_MOMENT_SECS,
    ));
    out
}

/// Converts every signal to UTC, sorts them, and summarises each source's clock. The members' signals are
/// moved onto the timeline (their lists are left empty), so a large log's signals are not held twice.
pub fn place_on_timeline(
    outcomes: &mut [MemberOutcome],
    signatures: &SignatureSet,
    member_clocks: &Clocks,
) -> (Vec<Signal>, Vec<SourceInfo>, Vec<SourceClock>) {
    let mut signals = Vec::new();
    let mut sources = Vec::new();
    let mut clocks = Vec::new();
    for o in outcomes {
        let clock = member_clocks.of(&o.entry.path);
        let path: Arc<str> = Arc::from(o.entry.path.as_str());
        for raw in std::mem::take(&mut o.signals) {
            signals.push(Signal {
                name: raw.signal.clone(),
                signature: Arc::from(signatures.signatures()[raw.signature].id.as_str()),
                path: path.clone(),
                kind: o.kind,
                line: raw.line,
                record_id: raw.record_id,
                time: raw.time.map(|t| clock.to_utc(t)),
                level: raw.level,
                prefix: raw.prefix,
                text: raw.text,
                head: raw.head,
                about_backup: raw.about_backup,
                captures: raw.captures,
                repeats: raw.repeats,
                until: raw.until.map(|t| clock.to_utc(t)),
            });
        }
        let Some(scan) = &o.scan else { continue };
        let to_utc = |span: Option<(chrono::NaiveDateTime, chrono::NaiveDateTime)>, utc: bool| {
            span.map(|(a, b)| {
                let wrap = |n| if utc { SourceTime::Utc(n) } else { SourceTime::Local(n) };
                (clock.to_utc(wrap(a)), clock.to_utc(wrap(b)))
            })
        };
        let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            [to_utc(scan.utc_span, true), to_utc(scan.local_span, false)].into_iter().flatten().collect();
        let first = spans.iter().map(|s| s.0).min();
        let last = spans.iter().map(|s| s.1).max();
        sources.push(SourceInfo {
            path: o.entry.path.clone(),
            kind: o.kind,
            first,
            last,
            last_record: scan.last_record.as_ref().map(|(_, line, text)| (*line, text.clone())),
        });
        clocks.push(SourceClock {
            path: o.entry.path.clone(),
            basis: clock.basis_for(scan.utc_span.is_some(), scan.local_span.is_some()),
            first: first.map(rfc3339),
            last: last.map(rfc3339),
        });
    }
    signals.sort_by(|a, b| {
        (a.time.is_none(), a.time, &a.path, a.line, &a.signature).cmp(&(
            b.time.is_none(),
            b.time,
            &b.path,
            b.line,
            &b.signature,
        ))
    });
    (signals, sources, clocks)
}

/// Every record kept for the timeline export, in UTC, with the signals that tagged it.
pub fn build_timeline(outcomes: &[MemberOutcome], signals: &[Signal], clocks: &Clocks) -> Vec<TimelineEntry> {
    // Signals keyed by (path, line or record number).
    let mut tagged: std::collections::BTreeMap<(&str, u64), Vec<String>> = Default::default();
    for s in signals {
        if let Some(at) = s.line.map(u64::from).or(s.record_id) {
            tagged.entry((&s.path, at)).or_default().push(s.name.to_string());
        }
    }
    let mut out = Vec::new();
    for o in outcomes {
        let clock = clocks.of(&o.entry.path);
        for item in &o.timeline {
            let names = item
                .line
                .map(u64::from)
                .or(item.record_id)
                .and_then(|at| tagged.get(&(o.entry.path.as_str(), at)))
                .cloned()
                .unwrap_or_default();
            out.push(TimelineEntry {
                time: item.time.map(|t| Timestamp(clock.to_utc(t))),
                path: o.entry.path.clone(),
                kind: o.kind.name(),
                line: item.line,
                record_id: item.record_id,
                level: item.level.as_str().to_string(),
                signals: names,
                repeats: 1,
                until: None,
                text: item.text.clone(),
            });
        }
    }
    sort_entries(&mut out);
    out
}
