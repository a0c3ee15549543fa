//! Line-oriented logs: parse, tag with signatures, collect clock statistics.

use chrono::Datelike;
use snaptriage_parsers::{
    generic_log, shell_log, syslog, vmsnapshot_log, waagent_log, waappagent_log, LineFormat, LogRecord,
    SourceTime,
};

use super::{IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem};
use crate::facts::Fact;
use crate::intake::{ArtifactKind, Member};
use crate::signals::MatchScratch;
use crate::timeline::observe;

/// Longest evidence line kept.
const EVIDENCE_CHARS: usize = 600;
/// Longest timeline text kept.
const TIMELINE_CHARS: usize = 300;
/// Largest distance (seconds) of an observed clock difference from a quarter-hour offset that still counts as
/// the same instant written in two clocks.
const PAIR_RESIDUAL_SECS: i64 = 120;

/// Parses a log member; returns the inventory detail.
pub(super) fn ingest_log(
    member: &Member,
    text: &str,
    cx: &IngestContext<'_>,
    out: &mut MemberOutcome,
) -> String {
    let mut state = LogScan::new(member.kind, text, cx);
    match member.kind {
        ArtifactKind::WaagentLog => waagent_log::parse(text).for_each(|r| state.record(r, out)),
        ArtifactKind::VmSnapshotLog => vmsnapshot_log::parse(text).for_each(|r| state.record(r, out)),
        ArtifactKind::VmSnapshotShellLog => shell_log::parse(text).for_each(|r| state.record(r, out)),
        ArtifactKind::WaAppAgentLog => waappagent_log::parse(text).for_each(|r| state.record(r, out)),
        ArtifactKind::Syslog | ArtifactKind::Dmesg => {
            let reference = cx.year_reference;
            let year = reference.map(|r| r.year()).or(member.modified_year).unwrap_or(cx.fallback_year);
            syslog::parse(text, year).for_each(|r| state.record(r, out));
            // Dated by the bundle's newest timestamp, a log ending well after it belongs to the year before.
            let ends_late = |s: &LogScan<'_>| {
                s.scan
                    .local_span
                    .zip(reference)
                    .is_some_and(|((_, last), r)| last > r + chrono::Duration::days(2))
            };
            if ends_late(&state) {
                state = LogScan::new(member.kind, text, cx);
                out.signals.clear();
                out.timeline.clear();
                syslog::parse(text, year - 1).for_each(|r| state.record(r, out));
            }
        }
        _ => generic_log::parse(text).for_each(|r| state.record(r, out)),
    }
    if member.kind == ArtifactKind::CollectorResults {
        if let Some((_, last)) = state.scan.utc_span {
            out.facts.push(Fact::CollectedAt(last.and_utc()));
        }
    }
    if let Some((t, line)) = state.latest {
        let (start, len) = state.latest_text;
        let first = text.get(start..start + len).unwrap_or("");
        state.scan.last_record = Some((t, line, clip(first, EVIDENCE_CHARS)));
    }
    let detail = format!("{} records{}", state.scan.records, state.format_note());
    out.scan = Some(state.scan);
    detail
}

struct LogScan<'c> {
    kind: ArtifactKind,
    cx: &'c IngestContext<'c>,
    scan: SourceScan,
    scratch: MatchScratch,
    scan_signatures: bool,
    last_time: Option<SourceTime>,
    latest: Option<(SourceTime, u32)>,
    /// Offset and length (in the text) of the latest record's first line.
    latest_text: (usize, usize),
    base: usize,
    formats: Vec<LineFormat>,
}

impl<'c> LogScan<'c> {
    fn new(kind: ArtifactKind, text: &str, cx: &'c IngestContext<'c>) -> Self {
        LogScan {
            kind,
            cx,
            scan: SourceScan::default(),
            scratch: MatchScratch::default(),
            scan_signatures: cx.signatures.covers(kind),
            last_time: None,
            latest: None,
            latest_text: (0, 0),
            base: text.as_ptr() as usize,
            formats: Vec::new(),
        }
    }

    fn record(&mut self, record: LogRecord<'_>, out: &mut MemberOutcome) {
        self.scan.records += 1;
        if !self.formats.contains(&record.format) {
            self.formats.push(record.format);
        }
        let time = self.effective_time(&record);
        if let Some(t) = time {
            self.scan.see(t);
            self.pair_with_previous(t);
            self.last_time = Some(t);
            self.latest = match self.latest {
                Some((lt, _)) if lt.naive() > t.naive() => self.latest,
                _ => Some((t, record.line)),
            };
            if self.latest.is_some_and(|(_, l)| l == record.line) {
                self.latest_text = (record.raw.as_ptr() as usize - self.base, record.first_line().len());
            }
        }
        if self.scan_signatures {
            self.tag(&record, time, out);
        }
        if self.cx.keep_timeline {
            out.timeline.push(TimelineItem {
                line: Some(record.line),
                record_id: None,
                time,
                level: record.level,
                text: clip(record.first_line(), TIMELINE_CHARS),
            });
        }
    }

    /// A record that embeds a stamp written in the other clock is a zone observation (the same instant written
    /// in both clocks), and is dated by whichever of the two is UTC.
    fn effective_time(&mut self, record: &LogRecord<'_>) -> Option<SourceTime> {
        let outer = record.time?;
        if self.kind != ArtifactKind::VmSnapshotLog {
            return Some(outer);
        }
        // Either way round: a UTC backup-logger stamp inside a local-time line, or a local-time freeze-helper
        // stamp inside a UTC line. The record keeps the UTC one.
        match (outer, vmsnapshot_log::embedded_stamp(record.message).map(|(t, _, _)| t)) {
            (SourceTime::Local(l), Some(inner @ SourceTime::Utc(u))) => {
                self.scan.zone_observations.extend(observe(l, u));
                Some(inner)
            }
            (SourceTime::Utc(u), Some(SourceTime::Local(l))) => {
                self.scan.zone_observations.extend(observe(l, u));
                Some(outer)
            }
            _ => Some(outer),
        }
    }

    /// Adjacent records of one file written in different clocks (a local-time daemon next to a UTC extension
    /// handler) are close in time: their difference, when it sits near a quarter hour, is the zone offset.
    fn pair_with_previous(&mut self, t: SourceTime) {
        let Some(prev) = self.last_time else { return };
        let (local, utc) = match (prev, t) {
            (SourceTime::Local(l), SourceTime::Utc(u)) | (SourceTime::Utc(u), SourceTime::Local(l)) => (l, u),
            _ => return,
        };
        let diff = (local - utc).num_seconds();
        if let Some(q) = observe(local, utc) {
            if (diff - q).abs() <= PAIR_RESIDUAL_SECS {
                self.scan.zone_observations.push(q);
            }
        }
    }

    fn tag(&mut self, record: &LogRecord<'_>, time: Option<SourceTime>, out: &mut MemberOutcome) {
        let matches = self.cx.signatures.match_text(self.kind, record.raw, &mut self.scratch);
        for m in matches {
            let (line, text) = evidence_line(record, m.offset);
            let about_backup = mentions_backup(record.raw);
            let head = if line == record.line {
                String::new()
            } else {
                clip(record.raw.lines().next().unwrap_or(""), 300)
            };
            let sig = &self.cx.signatures.signatures()[m.signature];
            out.signals.push(RawSignal {
                signal: sig.signal.clone(),
                signature: m.signature,
                line: Some(line),
                record_id: None,
                time,
                level: record.level,
                prefix: record.prefix.map(str::to_string),
                text,
                head,
                about_backup,
                captures: m.captures,
            });
        }
    }

    fn format_note(&self) -> String {
        let basis = match (self.scan.utc_span.is_some(), self.scan.local_span.is_some()) {
            (true, true) => "; UTC and local timestamps",
            (true, false) => "; UTC timestamps",
            (false, true) => "; local timestamps",
            (false, false) => "; no timestamps",
        };
        basis.to_string()
    }
}

/// True when a record names the backup extension (`Microsoft.Azure.RecoveryServices.VMSnapshot[Linux]`).
fn mentions_backup(raw: &str) -> bool {
    memchr::memmem::find(raw.as_bytes(), b"RecoveryServices.VMSnapshot").is_some()
        || memchr::memmem::find(raw.as_bytes(), b"RecoveryServices_VMSnapshot").is_some()
}

/// The physical line (number and text) of a record where a match starts.
fn evidence_line(record: &LogRecord<'_>, offset: usize) -> (u32, String) {
    let raw = record.raw;
    let offset = offset.min(raw.len());
    let before = raw.get(..offset).unwrap_or(raw);
    let newlines = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let end = raw[start..].find('\n').map_or(raw.len(), |i| start + i);
    let line = raw[start..end].trim_end_matches('\r').trim();
    (record.line.saturating_add(newlines), clip(line, EVIDENCE_CHARS))
}

fn clip(text: &str, max: usize) -> String {
    crate::facts::clip(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_line_points_into_continuations() {
        let text = "2024-01-01T00:00:00.000000Z ERROR ExtHandler ExtHandler Event: x\n[stderr]\nNo module named 'imp'\n";
        let rec = waagent_log::parse(text).next().unwrap();
        let at = rec.raw.find("No module").unwrap();
        assert_eq!(evidence_line(&rec, at), (3, "No module named 'imp'".to_string()));
        assert_eq!(evidence_line(&rec, 5).0, 1);
    }
}
