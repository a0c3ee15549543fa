//! Ingest: reads one member, runs the parser its kind calls for, and keeps only what later stages need —
//! signals (records a signature tagged), facts, clock statistics and, on request, a timeline.
//!
//! Runs in parallel across members; nothing here knows about diagnoses.

pub(crate) mod blocks;
mod events;
mod logs;
pub(crate) mod state;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use snaptriage_parsers::stream::TextDamage;
use snaptriage_parsers::{Level, SourceTime};

use crate::artifacts::{Clock, Reading};
use crate::facts::Fact;
use crate::intake::{ArtifactKind, Limits, Member, MemberError, ReadBudget};
use crate::inventory::{InventoryEntry, MemberStatus};
use crate::signals::{Captures, SignatureSet};
use crate::timeline::ZoneVotes;
pub use state::{Document, DocumentError, DocumentReader};

/// Shared, read-only inputs of every member's ingest.
#[derive(Debug)]
pub struct IngestContext<'a> {
    /// Intake limits.
    pub limits: &'a Limits,
    /// The bundle's shared read budget.
    pub budget: &'a ReadBudget,
    /// The memory budget of the blocks in flight across the members read at once.
    pub blocks: &'a blocks::BlockBudget,
    /// Compiled signatures.
    pub signatures: &'a SignatureSet,
    /// Keep every record for a timeline export.
    pub keep_timeline: bool,
    /// Wall time one member may take (see [`crate::Options::member_budget`]).
    pub member_budget: Duration,
    /// Log members expected to hold at least this many bytes are read as a pipeline.
    pub pipeline_bytes: u64,
    /// Where to count the bytes read, when the caller shows progress.
    pub progress: Option<&'a crate::progress::Progress>,
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
    /// Records it stands for (see [`crate::model::Signal::repeats`]); 1 as tagged.
    pub repeats: u32,
    /// When the last record it stands for was written, when more than one.
    pub until: Option<SourceTime>,
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
    pub zone_observations: ZoneVotes,
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

/// How many records a line-log reader handles between two looks at the clock.
const WATCH_EVERY: u64 = 256;

/// A member's time budget, started when its ingest starts (reading and decompressing count).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watchdog {
    started: Instant,
    budget: Duration,
}

impl Watchdog {
    pub(crate) fn start(budget: Duration) -> Self {
        Watchdog { started: Instant::now(), budget }
    }

    /// The instant the budget runs out (for readers that keep their own deadline).
    pub(crate) fn deadline(&self) -> Instant {
        self.started.checked_add(self.budget).unwrap_or_else(|| self.started + DEFAULT_FAR)
    }

    /// True once the budget is spent; looks at the clock only every [`WATCH_EVERY`] records (record 0
    /// included), so the check costs nothing measurable.
    pub(crate) fn spent_at(&self, record: u64) -> bool {
        record % WATCH_EVERY == 0 && self.started.elapsed() >= self.budget
    }

    pub(crate) fn budget(&self) -> Duration {
        self.budget
    }
}

/// A budget past any run (what an unrepresentable deadline becomes).
const DEFAULT_FAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// The inventory detail of a member stopped by its time budget, the same for every kind of member:
/// `time budget of 60 s spent after 1048576 of 73400320 bytes / 8192 records`.
pub(crate) fn budget_spent(budget: Duration, done_bytes: u64, total_bytes: u64, records: u64) -> String {
    format!(
        "time budget of {} s spent after {done_bytes} of {total_bytes} bytes / {records} records",
        seconds(budget)
    )
}

/// Seconds, with up to three decimals and no trailing zeros (`60`, `0.005`).
pub(crate) fn seconds(d: Duration) -> String {
    let text = format!("{:.3}", d.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Damage in a text member that its parser read past: said in the inventory detail, so a member read
/// "in full" never hides what was odd about it. Returns the notes and whether content was lost (a line
/// clipped, the file ending mid-line) rather than only replaced or skipped.
fn damage_notes(damage: &TextDamage, line_log: bool) -> (Vec<String>, bool) {
    let mut notes = Vec::new();
    let mut lost = false;
    if damage.replaced > 0 && !damage.utf16 {
        notes.push(format!("invalid UTF-8: {} byte sequences replaced with U+FFFD", damage.replaced));
    }
    if !line_log {
        return (notes, lost);
    }
    if damage.nuls > 0 {
        notes.push(format!("{} NUL bytes (left by a crash or a sparse copy) skipped", damage.nuls));
    }
    if damage.clipped_lines > 0 {
        lost = true;
        notes.push(format!(
            "{} lines longer than {} MiB clipped to their first {} MiB (the first at line {})",
            damage.clipped_lines,
            snaptriage_parsers::lines::MAX_LINE_BYTES >> 20,
            snaptriage_parsers::lines::MAX_LINE_BYTES >> 20,
            damage.first_clipped.unwrap_or(0)
        ));
    }
    if damage.ends_mid_line {
        lost = true;
        notes.push("ends mid-line (no final line break): the last record may be cut short".to_string());
    }
    (notes, lost)
}

/// The damage a whole-text decode of a structured member shows (only replaced UTF-8 is noted for those).
fn decode_damage(bytes: &[u8], text: &str, copied: bool) -> TextDamage {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let replaced = match text {
        t if copied && !utf16 => {
            memchr::memmem::find_iter(t.as_bytes(), "\u{FFFD}".as_bytes()).count() as u64
        }
        _ => 0,
    };
    TextDamage { replaced, utf16, ..TextDamage::default() }
}

/// True for sources whose timestamps carry no year: they are read after the others, so the bundle can date them.
pub fn needs_year(kind: ArtifactKind) -> bool {
    kind.spec().clock == Clock::LocalWithoutYear
}

/// Reads and parses one member. Never fails: a fault becomes the inventory row's status and detail.
pub fn ingest_member(member: &Member, cx: &IngestContext<'_>) -> MemberOutcome {
    let out = read_member(member, cx);
    if let Some(progress) = cx.progress {
        progress.member_done();
    }
    out
}

fn read_member(member: &Member, cx: &IngestContext<'_>) -> MemberOutcome {
    let watchdog = Watchdog::start(cx.member_budget);
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
    let reader = match member.kind.spec().reading {
        Reading::Ignored => {
            out.entry.detail = "not used by any analysis".into();
            return out;
        }
        Reading::LineLog(log) => {
            logs::ingest_log(member, log, cx, &watchdog, &mut out);
            return out;
        }
        Reading::EventLog => {
            ingest_event_log(member, cx, &watchdog, &mut out);
            return out;
        }
        Reading::Document(reader) => Some(reader),
        Reading::Archive => None,
    };
    let bytes = match member.read(cx.limits, cx.budget) {
        Ok(b) => b,
        Err(err) => {
            refuse(&mut out, &err);
            return out;
        }
    };
    out.entry.bytes = bytes.data.len() as u64;
    if let Some(progress) = cx.progress {
        progress.advance(out.entry.bytes);
    }
    let text = snaptriage_parsers::lines::decode(&bytes.data);
    let doc = Document { path: &member.path, bytes: &bytes.data, text: &text };
    let result = state::ingest_document(member, reader, &doc, cx, &mut out)
        .map_err(|e| Fault::Unreadable(e.to_string()));
    let damage = decode_damage(&bytes.data, &text, matches!(text, Cow::Owned(_)));
    settle(&mut out, result, bytes.truncated, &damage, false);
    out
}

/// Streams an event log and grades its inventory row from how the reading ended.
fn ingest_event_log(member: &Member, cx: &IngestContext<'_>, watchdog: &Watchdog, out: &mut MemberOutcome) {
    match events::ingest_evtx(member, cx, watchdog, out) {
        Ok(result) => {
            (out.entry.status, out.entry.detail) = match result.problem {
                None => (MemberStatus::Parsed, result.detail),
                Some((true, why)) => (MemberStatus::Failed, format!("{why}; {}", result.detail)),
                Some((false, why)) => (MemberStatus::Partial, format!("{why}; {}", result.detail)),
            };
        }
        // A limit crossed part-way: what was read of it is dropped with it.
        Err(err) => {
            out.signals.clear();
            out.timeline.clear();
            out.scan = None;
            refuse(out, &err);
        }
    }
}

/// A member refused by a limit (or unreadable from the start): nothing of it is analysed.
fn refuse(out: &mut MemberOutcome, err: &MemberError) {
    out.entry.status = match err {
        MemberError::BudgetSpent { .. } => MemberStatus::Skipped,
        _ => MemberStatus::Failed,
    };
    out.entry.detail = err.to_string();
    out.scan = None;
    out.signals.clear();
    out.facts.clear();
    out.timeline.clear();
}

/// Sets a member's inventory status and detail from how its parse ended.
fn settle(
    out: &mut MemberOutcome,
    result: Result<String, Fault>,
    truncated: Option<String>,
    damage: &TextDamage,
    line_log: bool,
) {
    let (notes, lost) = damage_notes(damage, line_log);
    let notes: String = notes.iter().map(|n| format!("; {n}")).collect();
    match (result, truncated) {
        (Ok(detail), None) if !lost => {
            out.entry.status = MemberStatus::Parsed;
            out.entry.detail = format!("{detail}{notes}");
        }
        (Ok(detail), None) => {
            out.entry.status = MemberStatus::Partial;
            out.entry.detail = format!("{detail}{notes}");
        }
        (Ok(detail), Some(why)) => {
            out.entry.status = MemberStatus::Partial;
            out.entry.detail = format!("{why}; {detail}{notes}");
        }
        (Err(Fault::Unreadable(why)), _) => {
            out.entry.status = MemberStatus::Failed;
            out.entry.detail = why;
        }
        (Err(Fault::OutOfTime(why)), truncated) => {
            // What was read before the budget ran out stays analysed; the member still counts as lost.
            out.entry.status = MemberStatus::Failed;
            let truncated = truncated.map(|t| format!("; {t}")).unwrap_or_default();
            out.entry.detail = format!("{why} (the records before were analysed){truncated}{notes}");
        }
    }
}

/// Why a member's parse did not complete.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The content could not be parsed.
    Unreadable(String),
    /// The time budget ran out (the detail from [`budget_spent`]).
    OutOfTime(String),
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An outcome with nothing in it yet.
    pub(crate) fn empty_outcome() -> MemberOutcome {
        MemberOutcome {
            entry: InventoryEntry {
                path: "var/log/waagent.log".into(),
                kind: ArtifactKind::WaagentLog.name(),
                bytes: 0,
                status: MemberStatus::Skipped,
                detail: String::new(),
            },
            kind: ArtifactKind::WaagentLog,
            scan: None,
            signals: Vec::new(),
            facts: Vec::new(),
            timeline: Vec::new(),
        }
    }
}
