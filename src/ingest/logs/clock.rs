//! The in-order part of reading a log: record counts, the time spans, zone observations from neighbouring
//! records, the latest record. Cheap, and done as records leave the stream, before they are tagged.

use snaptriage_parsers::{vmsnapshot_log, LineFormat, LogRecord, SourceTime};

use super::super::SourceScan;
use super::{clip, EVIDENCE_CHARS};
use crate::intake::ArtifactKind;
use crate::timeline::observe;

/// Largest distance (seconds) of an observed clock difference from a quarter-hour offset that still counts as
/// the same instant written in two clocks.
const PAIR_RESIDUAL_SECS: i64 = 120;

/// Clock statistics of one log, gathered record by record in file order.
pub(super) struct ClockScan {
    kind: ArtifactKind,
    pub(super) scan: SourceScan,
    last_time: Option<SourceTime>,
    latest: Option<(SourceTime, u32)>,
    /// The latest record's first line.
    latest_text: String,
    formats: Vec<LineFormat>,
}

impl ClockScan {
    pub(super) fn new(kind: ArtifactKind) -> Self {
        ClockScan {
            kind,
            scan: SourceScan::default(),
            last_time: None,
            latest: None,
            latest_text: String::new(),
            formats: Vec::new(),
        }
    }

    /// Counts a record and returns the time it is placed at.
    pub(super) fn record(&mut self, record: &LogRecord<'_>) -> Option<SourceTime> {
        self.scan.records += 1;
        if !self.formats.contains(&record.format) {
            self.formats.push(record.format);
        }
        let time = self.effective_time(record);
        if let Some(t) = time {
            self.scan.see(t);
            self.pair_with_previous(t);
            self.last_time = Some(t);
            self.latest = match self.latest {
                Some((lt, _)) if lt.naive() > t.naive() => self.latest,
                _ => Some((t, record.line)),
            };
            if self.latest.is_some_and(|(_, l)| l == record.line) {
                let first = record.raw.lines().next().unwrap_or("");
                self.latest_text.clear();
                self.latest_text.push_str(first);
            }
        }
        time
    }

    /// Closes the read: the latest record becomes the scan's last record.
    pub(super) fn finish(mut self) -> SourceScan {
        if let Some((t, line)) = self.latest {
            self.scan.last_record = Some((t, line, clip(&self.latest_text, EVIDENCE_CHARS)));
        }
        self.scan
    }

    /// How the log's records are timed, for the inventory detail.
    pub(super) fn format_note(&self) -> &'static str {
        match (self.scan.utc_span.is_some(), self.scan.local_span.is_some()) {
            (true, true) => "; UTC and local timestamps",
            (true, false) => "; UTC timestamps",
            (false, true) => "; local timestamps",
            (false, false) => "; no timestamps",
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
                self.scan.zone_observations.add(q);
            }
        }
    }
}
