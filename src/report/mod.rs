//! The report: findings with their evidence, the facts learned, and the inventory — plus its renderings.

mod coverage;
pub(crate) mod html;
mod json;
mod markdown;
mod table;
pub mod words;

pub use coverage::{Coverage, FamilyCoverage, LostMember, MemberCounts};
pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use table::{render_table, render_table_styled, TableStyle};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::model::{sort_findings, Confidence, Evidence, Finding, Severity, Timestamp, Undecided};

use crate::facts::FactsReport;
use crate::inventory::InventoryEntry;
use crate::runs::job::JobFocus;
use crate::runs::BackupRun;

/// Version of the JSON report's shape; bumped on breaking change.
pub const SCHEMA_VERSION: u32 = 1;

/// Tool identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `snaptriage`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// The bundle analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// As given.
    pub path: String,
    /// SHA-256 of the bundle file (`null` for directories).
    pub sha256: Option<String>,
    /// `linux`, `windows` or `unknown`.
    pub os: String,
    /// When the bundle was collected (the collector's log, else the newest timestamp seen).
    pub collected_at: Option<Timestamp>,
}

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Members listed (nested ones included).
    pub members: usize,
    /// Records parsed.
    pub records: u64,
    /// Records tagged by a signature.
    pub signals: usize,
    /// Wall-clock milliseconds the analysis took (the one non-deterministic field).
    pub elapsed_ms: u64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Tool identity.
    pub tool: Tool,
    /// The bundle.
    pub bundle: BundleInfo,
    /// What the bundle says about the VM.
    pub facts: FactsReport,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Every backup run the bundle shows, oldest first, each failed one with its root cause.
    pub runs: Vec<BackupRun>,
    /// The failed job the report was asked about (`--job-error`, `--job-time`), answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobFocus>,
    /// Diagnoses that found nothing while what they need could not be read, by finding id.
    #[serde(default)]
    pub undecided: Vec<Undecided>,
    /// What the findings are based on: members read and lost, source families present and their spans.
    pub coverage: Coverage,
    /// Every member and what became of it.
    pub inventory: Vec<InventoryEntry>,
    /// Counters.
    pub stats: Stats,
    /// Present when identifying values were replaced by placeholders (`--redact`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub redaction: Option<Redaction>,
}

/// What redaction replaced: the report's identifying values stand as `<kind-N>` placeholders, one per
/// distinct value, the same throughout the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// Distinct values replaced, by kind (`ip`, `host`, `user`, `guid`, `sas`, …).
    pub replaced: BTreeMap<String, usize>,
    /// The same in one line, as the table, Markdown and HTML reports print it.
    pub summary: String,
}

impl Redaction {
    /// The redaction of a report whose values of each kind were replaced as `replaced` counts.
    pub fn new(replaced: BTreeMap<String, usize>) -> Self {
        let summary = if replaced.is_empty() {
            "no identifying value found".to_string()
        } else {
            let counts: Vec<String> = replaced.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
            format!("{} replaced by placeholders <kind-N>, the same value by the same one", counts.join(", "))
        };
        Redaction { replaced, summary }
    }
}

impl Report {
    /// The worst severity among findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }

    /// True when a finding of severity error or worse exists (exit code 1).
    pub fn has_errors(&self) -> bool {
        self.worst().is_some_and(|s| s <= Severity::Error)
    }
}
