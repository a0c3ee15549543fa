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

/// Values of a breakdown key shown on standard error (all of them are in `--summary`).
const VALUES_SHOWN: usize = 12;
/// Findings named per value on standard error.
const FINDINGS_PER_VALUE: usize = 4;
/// A finding stands out in a group when its share there is at least this many times its share in the
/// rest of the fleet…
const STANDS_OUT_RATIO: f64 = 2.0;
/// …and it was found in at least this many bundles of the group.
const STANDS_OUT_MIN: usize = 2;

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
    /// Analysed bundles by OS (the denominators of `findings_by_os`).
    pub bundles_by_os: BTreeMap<String, usize>,
    /// Analysed bundles by agent version.
    pub bundles_by_agent_version: BTreeMap<String, usize>,
    /// Analysed bundles by VMSnapshot extension version.
    pub bundles_by_extension_version: BTreeMap<String, usize>,
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
        if !line.is_error() {
            for (bundles, key) in [
                &mut self.bundles_by_os,
                &mut self.bundles_by_agent_version,
                &mut self.bundles_by_extension_version,
            ]
            .into_iter()
            .zip(&keys)
            {
                *bundles.entry(key.clone()).or_default() += 1;
            }
        }
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

    /// The summary as JSON, with `standing_out_by_os` (and by agent and extension version): the
    /// `value: finding` pairs the tables mark, sorted.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        for (key, bundles, findings) in self.breakdowns() {
            let mut marked: Vec<String> = standing_out(bundles, findings)
                .into_iter()
                .map(|(value, finding)| format!("{value}: {finding}"))
                .collect();
            marked.sort();
            value[format!("standing_out_by_{key}")] = marked.into();
        }
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    /// Each breakdown: its JSON key, bundles per value and findings per value.
    fn breakdowns(&self) -> [(&'static str, &BTreeMap<String, usize>, &Breakdown); 3] {
        [
            ("os", &self.bundles_by_os, &self.findings_by_os),
            ("agent_version", &self.bundles_by_agent_version, &self.findings_by_agent_version),
            ("extension_version", &self.bundles_by_extension_version, &self.findings_by_extension_version),
        ]
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
        let titles = ["OS", "agent version", "VMSnapshot version"];
        for (key, (_, bundles, findings)) in titles.into_iter().zip(self.breakdowns()) {
            if !self.findings.is_empty() {
                out.push('\n');
                out.push_str(&fleet_table(key, bundles, findings, width));
            }
        }
        out
    }
}

/// One breakdown as a table: each value of the key (most bundles first) with its bundles and its most
/// frequent findings, the share of the group's bundles each was found in, and a mark on a finding
/// over-represented against the rest of the fleet (a bad agent release, a distro-wide problem).
fn fleet_table(key: &str, bundles: &BTreeMap<String, usize>, findings: &Breakdown, width: u16) -> String {
    let marked = standing_out(bundles, findings);
    let none = BTreeMap::new();
    let rows = by_count(bundles).take(VALUES_SHOWN).map(|(value, &group)| {
        let counts = findings.get(value).unwrap_or(&none);
        let named: Vec<String> = by_count(counts)
            .take(FINDINGS_PER_VALUE)
            .map(|(id, &n)| {
                let mark = if marked.contains(&(value.as_str(), id.as_str())) { " ▲" } else { "" };
                format!("{id} {n} ({}%){mark}", percent(n, group))
            })
            .collect();
        let more = counts.len().saturating_sub(FINDINGS_PER_VALUE);
        let mut cell = if named.is_empty() { "none".to_string() } else { named.join(", ") };
        if more > 0 {
            cell.push_str(&format!(", {more} more"));
        }
        vec![value.clone(), group.to_string(), cell]
    });
    let mut text = table(&[key, "bundles", "findings: bundles (share), ▲ well above the rest"], rows, width);
    let hidden = bundles.len().saturating_sub(VALUES_SHOWN);
    if hidden > 0 {
        text.push_str(&format!("{hidden} more {key} values in --summary\n"));
    }
    text
}

/// The (value, finding) pairs of a breakdown whose finding stands out in that group, sorted.
fn standing_out<'a>(
    bundles: &'a BTreeMap<String, usize>,
    findings: &'a Breakdown,
) -> Vec<(&'a str, &'a str)> {
    let fleet: usize = bundles.values().sum();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for counts in findings.values() {
        for (id, n) in counts {
            *totals.entry(id.as_str()).or_default() += n;
        }
    }
    let mut marked = Vec::new();
    for (value, counts) in findings {
        let group = bundles.get(value).copied().unwrap_or(0);
        for (id, &n) in counts {
            if stands_out(n, group, totals[id.as_str()], fleet) {
                marked.push((value.as_str(), id.as_str()));
            }
        }
    }
    marked
}

/// True when `n` of `group` bundles is at least [`STANDS_OUT_RATIO`] times the share of the finding in the
/// other `fleet - group` bundles (`total - n` of them); a finding only this group has stands out once
/// there are other bundles to compare with.
fn stands_out(n: usize, group: usize, total: usize, fleet: usize) -> bool {
    let rest = fleet.saturating_sub(group);
    if n < STANDS_OUT_MIN || rest == 0 || group == 0 {
        return false;
    }
    let inside = n as f64 / group as f64;
    let outside = total.saturating_sub(n) as f64 / rest as f64;
    inside >= STANDS_OUT_RATIO * outside
}

fn percent(n: usize, of: usize) -> usize {
    (n * 100 + of / 2).checked_div(of).unwrap_or(0)
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
        assert_eq!(summary.bundles_by_os["linux"], 5);
    }

    #[test]
    fn a_finding_concentrated_on_one_agent_version_is_marked_and_a_fleet_wide_one_is_not() {
        let mut summary = Summary::default();
        for i in 0..20 {
            let bad = i < 5;
            let mut findings = vec!["agent-outdated"];
            if bad || i == 10 {
                findings.push("wireserver-unreachable");
            }
            let mut line = line(&format!("b{i}"), "linux", &findings, 1);
            line.agent_version = Some(if bad { "2.2.53" } else { "2.9.1.1" }.into());
            summary.add(&line, false);
        }
        let text = summary.to_text(160);
        let row = |value: &str| -> String {
            text.lines()
                .find(|l| l.contains(value))
                .unwrap_or_else(|| panic!("no row for {value}:\n{text}"))
                .into()
        };
        let bad = row("2.2.53");
        assert!(bad.contains("wireserver-unreachable 5 (100%) ▲"), "{bad}");
        assert!(bad.contains("agent-outdated 5 (100%)") && !bad.contains("(100%) ▲,"), "{bad}");
        let good = row("2.9.1.1");
        assert!(good.contains("wireserver-unreachable 1 (7%)") && !good.contains('▲'), "{good}");
        assert!(text.contains("agent version") && text.contains("VMSnapshot version"), "{text}");
        assert_eq!(summary.bundles_by_agent_version["2.9.1.1"], 15);
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(
            json["standing_out_by_agent_version"],
            serde_json::json!(["2.2.53: wireserver-unreachable"])
        );
        assert_eq!(json["standing_out_by_os"], serde_json::json!([]));
    }

    #[test]
    fn standing_out_needs_a_rest_to_compare_with_and_two_bundles() {
        assert!(stands_out(5, 5, 6, 20));
        assert!(!stands_out(5, 20, 5, 20), "the whole fleet is no group");
        assert!(!stands_out(1, 1, 1, 20), "one bundle is not a pattern");
        assert!(!stands_out(5, 10, 10, 20), "the same share inside and out");
        assert_eq!((percent(1, 3), percent(2, 3), percent(0, 0)), (33, 67, 0));
    }
}
