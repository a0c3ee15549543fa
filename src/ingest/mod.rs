//! Ingest: reads one member, runs the parser its kind calls for, and keeps only what later stages need —
//! signals (records a signature tagged), facts, clock statistics and, on request, a timeline.
//!
//! Runs in parallel across members; nothing here knows about diagnoses.

mod events;
mod logs;
mod state;

use std::sync::Arc;

use chrono::NaiveDateTime;
use snaptriage_parsers::{Level, SourceTime};

use crate::facts::Fact;
use crate::intake::{ArtifactKind, Limits, Member, MemberError, ReadBudget};
use crate::inventory::{InventoryEntry, MemberStatus};
use crate::signals::{Captures, SignatureSet};
use crate::timeline::ZoneObservation;

/// Shared, read-only inputs of every member's ingest.
#[derive(Debug)]
pub struct IngestContext<'a> {
    /// Intake limits.
    pub limits: &'a Limits,
    /// The bundle's shared read budget.
    pub budget: &'a ReadBudget,
    /// Compiled signatures.
    pub signatures: &'a SignatureSet,
    /// Keep every record for a timeline export.
    pub keep_timeline: bool,
    /// Year for year-less timestamps when nothing better is known.
    pub fallback_year: i32,
    /// The newest timestamp other sources of the bundle showed (dates year-less syslog lines).
    pub year_reference: Option<NaiveDateTime>,
}

/// A record a signature tagged, with its time still as the source wrote it.
#[derive(Debug, Clone)]
pub struct RawSignal {
    /// The signal name.
    pub signal: Arc<str>,
    /// Index of the signature in the set.
    pub signature: usize,
    /// 1-based physical line of the evidence (`None` for non-text sources).
    pub line: Option<u32>,
    /// Record number, for event logs.
    pub record_id: Option<u64>,
    /// When.
    pub time: Option<SourceTime>,
    /// Level of the record.
    pub level: Level,
    /// The record's component prefix (`ExtHandler`, `[Publisher.Type-1.0]`).
    pub prefix: Option<String>,
    /// The evidence line.
    pub text: String,
    /// The record's first line when the evidence line is a continuation line (its context), else empty.
    pub head: String,
    /// The whole record mentions the backup extension (its handler name).
    pub about_backup: bool,
    /// Regex captures.
    pub captures: Captures,
}

/// Clock statistics of one source.
#[derive(Debug, Clone, Default)]
pub struct SourceScan {
    /// Records parsed.
    pub records: u64,
    /// Earliest / latest UTC-written timestamps.
    pub utc_span: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Earliest / latest local-written timestamps.
    pub local_span: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Observed `local - utc` offsets (seconds) from instants written in both clocks.
    pub zone_observations: Vec<ZoneObservation>,
    /// The latest timed record: its time, line and first line (clipped).
    pub last_record: Option<(SourceTime, u32, String)>,
}

impl SourceScan {
    /// Widens the spans with one timestamp.
    pub fn see(&mut self, t: SourceTime) {
        let span = match t {
            SourceTime::Utc(_) => &mut self.utc_span,
            SourceTime::Local(_) => &mut self.local_span,
        };
        let n = t.naive();
        *span = Some(match *span {
            None => (n, n),
            Some((a, b)) => (a.min(n), b.max(n)),
        });
    }
}

/// A record kept for a timeline export.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// Line.
    pub line: Option<u32>,
    /// Event-log record number.
    pub record_id: Option<u64>,
    /// When.
    pub time: Option<SourceTime>,
    /// Level.
    pub level: Level,
    /// First line of the message (clipped).
    pub text: String,
}

/// Everything one member produced.
#[derive(Debug)]
pub struct MemberOutcome {
    /// Inventory row.
    pub entry: InventoryEntry,
    /// Kind.
    pub kind: ArtifactKind,
    /// Clock statistics, for sources with records.
    pub scan: Option<SourceScan>,
    /// Signals.
    pub signals: Vec<RawSignal>,
    /// Facts.
    pub facts: Vec<Fact>,
    /// Timeline records (only with `keep_timeline`).
    pub timeline: Vec<TimelineItem>,
}

/// True for sources whose timestamps carry no year: they are read after the others, so the bundle can date them.
pub fn needs_year(kind: ArtifactKind) -> bool {
    matches!(kind, ArtifactKind::Syslog | ArtifactKind::Dmesg)
}

/// Reads and parses one member. Never fails: a fault becomes the inventory row's status and detail.
pub fn ingest_member(member: &Member, cx: &IngestContext<'_>) -> MemberOutcome {
    let mut out = MemberOutcome {
        entry: InventoryEntry {
            path: member.path.clone(),
            kind: member.kind.name(),
            bytes: member.declared_size,
            status: MemberStatus::Skipped,
            detail: String::new(),
        },
        kind: member.kind,
        scan: None,
        signals: Vec::new(),
        facts: Vec::new(),
        timeline: Vec::new(),
    };
    if member.kind == ArtifactKind::Unknown {
        out.entry.detail = "not used by any analysis".into();
        return out;
    }
    let bytes = match member.read(cx.limits, cx.budget) {
        Ok(b) => b,
        Err(err) => {
            out.entry.status = match err {
                MemberError::BudgetSpent { .. } => MemberStatus::Skipped,
                _ => MemberStatus::Failed,
            };
            out.entry.detail = err.to_string();
            return out;
        }
    };
    out.entry.bytes = bytes.data.len() as u64;
    if member.kind == ArtifactKind::Evtx {
        let result = events::ingest_evtx(bytes.data, cx, &mut out);
        let truncated = bytes.truncated.map(|why| (false, why));
        (out.entry.status, out.entry.detail) = match result.problem.or(truncated) {
            None => (MemberStatus::Parsed, result.detail),
            Some((true, why)) => (MemberStatus::Failed, format!("{why}; {}", result.detail)),
            Some((false, why)) => (MemberStatus::Partial, format!("{why}; {}", result.detail)),
        };
        return out;
    }
    let text = snaptriage_parsers::lines::decode(&bytes.data);
    let result = if member.kind.is_line_log() {
        Ok(logs::ingest_log(member, &text, cx, &mut out))
    } else {
        state::ingest_state(member, &bytes.data, &text, cx, &mut out)
    };
    match (result, bytes.truncated) {
        (Ok(detail), None) => {
            out.entry.status = MemberStatus::Parsed;
            out.entry.detail = detail;
        }
        (Ok(detail), Some(why)) => {
            out.entry.status = MemberStatus::Partial;
            out.entry.detail = format!("{why}; {detail}");
        }
        (Err(why), _) => {
            out.entry.status = MemberStatus::Failed;
            out.entry.detail = why;
        }
    }
    out
}
