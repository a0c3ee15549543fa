//! The batch in numbers, for standard error (tables) and `--summary` (JSON): inputs analysed, failed,
//! reused, skipped and dropped; findings and error codes counted; the slowest bundles; findings broken
//! down by OS, agent version and VMSnapshot extension version.

use std::collections::BTreeMap;
use std::path::PathBuf;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use super::line::BatchLine;

/// Slowest bundles listed.
const SLOWEST: usize = 5;
/// Names of skipped files listed on standard error (all of them are in `--summary`).
const SKIPPED_SHOWN: usize = 10;

/// A slow bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    /// The line's id.
    pub id: String,
    /// Milliseconds.
    pub elapsed_ms: u64,
}

/// Counts by finding id within one value of a breakdown key (`linux` → `fsfreeze-failed` → 3).
pub type Breakdown = BTreeMap<String, BTreeMap<String, usize>>;

/// The summary.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Lines written.
    pub lines: usize,
    /// Bundles analysed in this run.
    pub analysed: usize,
    /// Inputs that got an error line.
    pub failed: usize,
    /// Bundles whose line came from a stored report (`--skip-existing`).
    pub reused: usize,
    /// Files found in directories that are not bundles.
    pub skipped: usize,
    /// Inputs dropped as repeats of an earlier one.
    pub duplicates: usize,
    /// Inputs left to other shards.
    pub other_shards: usize,
    /// The skipped files.
    pub skipped_files: Vec<PathBuf>,
    /// Bundles each finding id was found in.
    pub findings: BTreeMap<String, usize>,
    /// Bundles each error code was found in.
    pub error_codes: BTreeMap<String, usize>,
    /// The slowest bundles, slowest first.
    pub slowest: Vec<Slow>,
    /// Findings by OS.
    pub findings_by_os: Breakdown,
    /// Findings by agent version.
    pub findings_by_agent_version: Breakdown,
    /// Findings by VMSnapshot extension version.
    pub findings_by_extension_version: Breakdown,
}

impl Summary {
    /// Counts one line.
    pub fn add(&mut self, line: &BatchLine, reused: bool) {
        self.lines += 1;
        if line.is_error() {
            self.failed += 1;
        } else if reused {
            self.reused += 1;
        } else {
            self.analysed += 1;
        }
        let known = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
        let keys = [known(&line.os), known(&line.agent_version), known(&line.extension_version)];
        for finding in &line.findings {
            *self.findings.entry(finding.id.clone()).or_default() += 1;
            for (breakdown, key) in [
                &mut self.findings_by_os,
                &mut self.findings_by_agent_version,
                &mut self.findings_by_extension_version,
            ]
            .into_iter()
            .zip(&keys)
            {
                *breakdown.entry(key.clone()).or_default().entry(finding.id.clone()).or_default() += 1;
            }
        }
        for code in &line.error_codes {
            *self.error_codes.entry(code.clone()).or_default() += 1;
        }
        if line.path.is_some() {
            self.slowest.push(Slow { id: line.id.clone(), elapsed_ms: line.elapsed_ms });
            self.slowest.sort_by_key(|s| std::cmp::Reverse(s.elapsed_ms));
            self.slowest.truncate(SLOWEST);
        }
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The summary as tables for standard error.
    pub fn to_text(&self, width: u16) -> String {
        let mut out = String::new();
        let counts = [
            ("analysed", self.analysed),
            ("failed", self.failed),
            ("reused (stored report)", self.reused),
            ("skipped (not a bundle)", self.skipped),
            ("duplicates dropped", self.duplicates),
            ("left to other shards", self.other_shards),
        ];
        let rows = counts.iter().map(|(what, n)| vec![what.to_string(), n.to_string()]);
        out.push_str(&table(&["bundles", "count"], rows, width));
        if !self.skipped_files.is_empty() {
            let names: Vec<String> =
                self.skipped_files.iter().take(SKIPPED_SHOWN).map(|p| p.display().to_string()).collect();
            let more = self.skipped_files.len().saturating_sub(SKIPPED_SHOWN);
            out.push_str(&format!("\nskipped: {}", names.join(", ")));
            if more > 0 {
                out.push_str(&format!(" and {more} more"));
            }
            out.push('\n');
        }
        if !self.findings.is_empty() {
            let rows = by_count(&self.findings).map(|(id, n)| vec![id.clone(), n.to_string()]);
            out.push('\n');
            out.push_str(&table(&["finding", "bundles"], rows, width));
        }
        if !self.error_codes.is_empty() {
            let rows = by_count(&self.error_codes).map(|(code, n)| vec![code.clone(), n.to_string()]);
            out.push('\n');
            out.push_str(&table(&["error code", "bundles"], rows, width));
        }
        if !self.slowest.is_empty() {
            let rows = self.slowest.iter().map(|s| vec![s.id.clone(), format!("{} ms", s.elapsed_ms)]);
            out.push('\n');
            out.push_str(&table(&["slowest bundle", "time"], rows, width));
        }
        out
    }
}

/// Most frequent first, then by name.
fn by_count(counts: &BTreeMap<String, usize>) -> impl Iterator<Item = (&String, &usize)> {
    let mut sorted: Vec<(&String, &usize)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    sorted.into_iter()
}

fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>, width: u16) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    table.set_header(header.to_vec());
    for row in rows {
        table.add_row(row);
    }
    format!("{table}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::batch::line::LineFinding;

    fn line(id: &str, os: &str, findings: &[&str], elapsed_ms: u64) -> BatchLine {
        let mut line = BatchLine::failed(id.into(), Some(id.into()), None, String::new(), elapsed_ms);
        line.status = super::super::line::OK;
        line.error = None;
        line.os = Some(os.into());
        line.findings =
            findings.iter().map(|f| LineFinding { id: (*f).into(), severity: "error".into() }).collect();
        line
    }

    #[test]
    fn findings_are_counted_and_broken_down_and_the_slowest_kept() {
        let mut summary = Summary::default();
        for (i, os) in ["linux", "windows", "linux", "linux", "linux", "linux"].iter().enumerate() {
            summary.add(&line(&format!("b{i}"), os, &["agent-outdated"], i as u64), i == 5);
        }
        summary.add(&BatchLine::failed("bad".into(), None, None, "x".into(), 0), false);
        assert_eq!((summary.lines, summary.analysed, summary.reused, summary.failed), (7, 5, 1, 1));
        assert_eq!(summary.findings["agent-outdated"], 6);
        assert_eq!(summary.findings_by_os["linux"]["agent-outdated"], 5);
        assert_eq!(summary.findings_by_extension_version["unknown"]["agent-outdated"], 6);
        let slowest: Vec<&str> = summary.slowest.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(slowest, vec!["b5", "b4", "b3", "b2", "b1"]);
        assert!(summary.to_text(100).contains("agent-outdated"));
    }
}
