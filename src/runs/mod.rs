//! Backup runs: every attempt the bundle shows of the backup extension taking a snapshot, rebuilt from its
//! status files, its own log and the agent's log, each with its outcome and — for a run that failed — the
//! one finding that explains it.
//!
//! [`reconstruct`] gathers what each source says about a run ([`observe`]), groups it by sequence number
//! (each backup is a new settings sequence number) and, where a record names none, by time; [`attribute`]
//! then names each failed run's root cause among the findings.

mod attribute;
pub mod job;
mod observe;

use serde::{Deserialize, Serialize};

use crate::model::{Evidence, Timestamp};

pub use attribute::attribute;
pub use observe::reconstruct;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// The snapshot was taken.
    Success,
    /// Taken, with a warning.
    Warning,
    /// The extension (or the agent running it) reported a failure.
    Failed,
    /// Still transitioning long after it started: the platform times such a run out.
    Stuck,
    /// Started, and nothing says how it ended (still running at collection, or its end was not logged).
    Unknown,
}

impl RunOutcome {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            RunOutcome::Success => "success",
            RunOutcome::Warning => "warning",
            RunOutcome::Failed => "failed",
            RunOutcome::Stuck => "stuck",
            RunOutcome::Unknown => "unknown",
        }
    }

    /// True for a run that did not produce a snapshot and needs explaining.
    pub fn is_failure(&self) -> bool {
        matches!(self, RunOutcome::Failed | RunOutcome::Stuck)
    }
}

/// A step of a run the logs show (`freeze`, `snapshot`, `thaw`, `pre-script` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPhase {
    /// What the step was.
    pub name: String,
    /// When it was logged.
    pub at: Option<Timestamp>,
    /// False when the log says the step failed.
    pub ok: bool,
}

/// Why a failed run failed: a finding, or what the bundle lacks to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCause {
    /// The finding that explains the run; `None` when nothing in the bundle does ("unexplained").
    pub finding: Option<String>,
    /// How it was chosen, or what is missing to explain the run.
    pub why: String,
}

/// One backup attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRun {
    /// `run-1`, `run-2` … in time order.
    pub id: String,
    /// The settings sequence number it ran for, when a source names it.
    pub seq: Option<u64>,
    /// The backup task id, when the extension logged it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub task_id: Option<String>,
    /// First record of it.
    pub started: Option<Timestamp>,
    /// Its outcome's record (for a run still going: its latest record).
    pub ended: Option<Timestamp>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The extension's status code.
    pub code: Option<i64>,
    /// The extension's error name (`FailedRetryableFsFreezeFailed`), when known.
    pub error_name: Option<String>,
    /// The extension's status message, or the telling line.
    pub message: Option<String>,
    /// The steps the logs show, in order.
    pub phases: Vec<RunPhase>,
    /// Where it was seen: one record per source kind (the status file, the extension's log, the agent's).
    pub evidence: Vec<Evidence>,
    /// For a failed or stuck run: its root cause.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub root_cause: Option<RootCause>,
    /// Other findings seen during the run.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub contributing: Vec<String>,
}

impl BackupRun {
    /// The run's time span, for windows and overlaps: its start, else its end, to its end, else its start.
    pub fn span(&self) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
        let start = self.started.or(self.ended)?.0;
        let end = self.ended.or(self.started)?.0;
        Some((start.min(end), start.max(end)))
    }

    /// The run's code as reports print it: `85 FailedSnapshotLimitReached`, `121`, or `-`.
    pub fn code_label(&self) -> String {
        match (self.code, &self.error_name) {
            (Some(c), Some(n)) => format!("{c} {n}"),
            (Some(c), None) => c.to_string(),
            (None, Some(n)) => n.clone(),
            (None, None) => "-".into(),
        }
    }

    /// The root cause as reports print it: the finding id, or `unexplained`.
    pub fn cause_label(&self) -> &str {
        match &self.root_cause {
            Some(RootCause { finding: Some(f), .. }) => f,
            Some(RootCause { finding: None, .. }) => "unexplained",
            None => "-",
        }
    }
}

#[cfg(test)]
mod tests;
