//! The types every stage shares: a tagged record on the UTC timeline ([`Signal`]), a source's clock
//! ([`SourceInfo`]), and what findings are made of ([`Finding`], [`Evidence`], [`Severity`], [`Confidence`]). They
//! live here so that no stage imports a later one: ingest and timeline make signals, facts and diagnoses
//! read them, the report shows evidence and what could not be decided ([`Undecided`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use snaptriage_parsers::Level;

use crate::intake::ArtifactKind;
use crate::signals::Captures;

/// RFC 3339 UTC with microseconds and `Z`, the one format the reports use.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// An instant as people read it: `2025-04-11 01:03:31 UTC` (to the second, fractions dropped).
pub fn human_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// An instant on the UTC timeline: ordered as a time, written (and read back) as RFC 3339 with
/// microseconds and `Z`, the one format reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl Timestamp {
    /// As people read it (see [`human_time`]).
    pub fn human(&self) -> String {
        human_time(self.0)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time: {e}")))
    }
}

/// How bad a finding is. Orders most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Backups certainly fail because of it.
    Critical,
    /// Backups fail or will fail because of it.
    Error,
    /// A risk, a past failure that recovered, or a weak sign.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// One step less severe (info stays info).
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::Error,
            Severity::Error => Severity::Warning,
            Severity::Warning | Severity::Info => Severity::Info,
        }
    }
}

/// How sure the diagnosis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Direct, unambiguous evidence.
    High,
    /// Strong but indirect evidence.
    Medium,
    /// A plausible reading of weak evidence.
    Low,
}

impl Confidence {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// One piece of evidence: where in the bundle, when, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    /// Member path in the bundle.
    pub path: String,
    /// 1-based line, for text sources.
    pub line: Option<u32>,
    /// Record number, for binary sources (event logs).
    pub record_id: Option<u64>,
    /// When, on the UTC timeline (RFC 3339 in the report).
    pub timestamp: Option<Timestamp>,
    /// The line or a rendering of the record.
    pub text: String,
}

/// A diagnosis that found nothing while what it needs could not be read: the report cannot say the problem is
/// absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undecided {
    /// The finding id the diagnosis decides.
    pub finding: String,
    /// What it could not read, and why (`System.evtx unreadable: <why>`).
    pub reason: String,
}

impl Undecided {
    /// The line reports show: `vss-failure: undecided — System.evtx unreadable: <why>`.
    pub fn line(&self) -> String {
        format!("{}: undecided — {}", self.finding, self.reason)
    }
}

/// A diagnosis' conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id (see the catalog).
    pub id: String,
    /// How bad.
    pub severity: Severity,
    /// How sure.
    pub confidence: Confidence,
    /// Azure Backup error codes it explains.
    pub error_codes: Vec<String>,
    /// One-line title.
    pub title: String,
    /// What this bundle shows, in a sentence or two.
    pub summary: String,
    /// The correlation window or rule that made the finding, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window: Option<String>,
    /// Earliest evidence, RFC 3339 UTC.
    pub first_seen: Option<Timestamp>,
    /// Latest evidence, RFC 3339 UTC.
    pub last_seen: Option<Timestamp>,
    /// Evidence, oldest first (capped; `evidence_total` counts all).
    pub evidence: Vec<Evidence>,
    /// How many pieces of evidence there were before capping.
    pub evidence_total: usize,
    /// What to do.
    pub remediation: Vec<String>,
    /// The finding this one is a consequence of, when both are in the bundle (it is then not an independent
    /// problem: fixing the cause fixes it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caused_by: Option<String>,
}

/// Sorts findings deterministically: severity, first seen (undated last), id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| match (&a.first_seen, &b.first_seen) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// A tagged record on the UTC timeline.
#[derive(Debug, Clone)]
pub struct Signal {
    /// Signal name.
    pub name: Arc<str>,
    /// Signature id that tagged it.
    pub signature: Arc<str>,
    /// Member path.
    pub path: Arc<str>,
    /// Member kind.
    pub kind: ArtifactKind,
    /// Physical line.
    pub line: Option<u32>,
    /// Event-log record number.
    pub record_id: Option<u64>,
    /// When, UTC.
    pub time: Option<DateTime<Utc>>,
    /// Record level.
    pub level: Level,
    /// Record prefix (`ExtHandler`, `[Publisher.Type-ver]`).
    pub prefix: Option<String>,
    /// Evidence line.
    pub text: String,
    /// First line of the record, when the evidence is a continuation line.
    pub head: String,
    /// The record names the backup extension somewhere.
    pub about_backup: bool,
    /// Regex captures.
    pub captures: Captures,
    /// How many records the signal stands for: a periodic signature's consecutive records with the same
    /// captures on one day, with no other signal of their member between them, are counted on their first one (1 for every other signal).
    pub repeats: u32,
    /// When the last of those records was written, for a signal standing for more than one.
    pub until: Option<DateTime<Utc>>,
}

impl Signal {
    /// The latest time the signal covers: its last repeat, else its own time.
    pub fn seen_until(&self) -> Option<DateTime<Utc>> {
        self.until.or(self.time)
    }

    /// A capture by name.
    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.get(name).map(String::as_str)
    }

    /// The signal as report evidence.
    pub fn evidence(&self) -> Evidence {
        Evidence {
            path: self.path.to_string(),
            line: self.line,
            record_id: self.record_id,
            timestamp: self.time.map(Timestamp),
            text: self.text.clone(),
        }
    }

    /// True when the record mentions `needle` in its evidence line, prefix or head (case-insensitive).
    pub fn mentions(&self, needle: &str) -> bool {
        let n = needle.to_ascii_lowercase();
        [self.text.as_str(), self.head.as_str(), self.prefix.as_deref().unwrap_or("")]
            .iter()
            .any(|s| s.to_ascii_lowercase().contains(&n))
    }

    /// True when the record concerns the backup extension (by prefix, path or text).
    pub fn is_backup_extension(&self) -> bool {
        matches!(self.kind, ArtifactKind::VmSnapshotLog | ArtifactKind::VmSnapshotShellLog)
            || self.about_backup
            || [self.text.as_str(), self.head.as_str(), self.prefix.as_deref().unwrap_or("")]
                .iter()
                .any(|s| crate::artifacts::backup::mentions_backup(s))
    }
}

/// Clock statistics of one source, on the UTC timeline.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Member path.
    pub path: String,
    /// Kind.
    pub kind: ArtifactKind,
    /// First timestamp.
    pub first: Option<DateTime<Utc>>,
    /// Last timestamp.
    pub last: Option<DateTime<Utc>>,
    /// The latest record: line and text.
    pub last_record: Option<(u32, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_order_as_times_and_read_back_what_they_write() {
        let early = Timestamp(Utc.with_ymd_and_hms(2024, 3, 15, 19, 30, 6).unwrap());
        let late = Timestamp(early.0 + chrono::Duration::microseconds(1));
        assert!(early < late);
        let json = serde_json::to_string(&early).unwrap();
        assert_eq!(json, "\"2024-03-15T19:30:06.000000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), early);
        // Another offset reads as the same instant.
        assert_eq!(serde_json::from_str::<Timestamp>("\"2024-03-15T21:30:06+02:00\"").unwrap(), early);
        let err = serde_json::from_str::<Timestamp>("\"yesterday\"").unwrap_err().to_string();
        assert!(err.contains("\"yesterday\" is not an RFC 3339 time"), "{err}");
    }
}
