//! The terminal report: a findings table, then each finding's evidence and remedies, then the inventory summary.

use std::fmt::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use super::{Finding, Report};
use crate::inventory::MemberStatus;

/// How much of each finding the table shows.
const EVIDENCE_SHOWN: usize = 6;
const TEXT_WIDTH: usize = 160;

/// Renders the report for a terminal `width` columns wide.
pub fn render_table(report: &Report, width: u16) -> String {
    let mut out = String::new();
    header(report, &mut out);
    if report.findings.is_empty() {
        out.push_str("\nNo backup-relevant problem found in what was read (see coverage below).\n");
    } else {
        out.push('\n');
        out.push_str(&summary_table(&report.findings, width));
        out.push('\n');
        for (i, f) in report.findings.iter().enumerate() {
            details(i + 1, f, &mut out);
        }
    }
    undecided(report, &mut out);
    inventory_summary(report, &mut out);
    out
}

fn header(report: &Report, out: &mut String) {
    let b = &report.bundle;
    let f = &report.facts;
    let _ = writeln!(out, "snaptriage {}  ·  {}", report.tool.version, b.path);
    let mut parts = vec![format!("os: {}", b.os)];
    if let Some(v) = &f.agent_version {
        parts.push(format!("agent: {v}"));
    }
    if let Some(c) = &b.collected_at {
        parts.push(format!("collected: {c}"));
    }
    if let Some(z) = &f.time_zone {
        parts.push(format!("local clock: {z}"));
    }
    let _ = writeln!(out, "{}", parts.join("  ·  "));
    if let Some(r) = &report.redaction {
        let _ = writeln!(out, "Redacted: {}", r.summary);
    }
}

fn summary_table(findings: &[Finding], width: u16) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(vec!["#", "severity", "finding", "first seen (UTC)", "summary"]);
    for (i, f) in findings.iter().enumerate() {
        table.add_row(vec![
            (i + 1).to_string(),
            format!("{} ({})", f.severity.as_str(), f.confidence.as_str()),
            f.id.clone(),
            f.first_seen.map(|t| short_time(&t.to_string())).unwrap_or_else(|| "-".into()),
            f.summary.clone(),
        ]);
    }
    table.to_string()
}

fn details(n: usize, f: &Finding, out: &mut String) {
    let _ = writeln!(out, "\n[{n}] {} — {}", f.id, f.title);
    let _ = writeln!(out, "    explains: {}", f.error_codes.join(", "));
    if let Some(w) = &f.window {
        let _ = writeln!(out, "    rule: {w}");
    }
    let _ = writeln!(out, "    evidence ({} of {}):", f.evidence.len().min(EVIDENCE_SHOWN), f.evidence_total);
    for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
        let place = match (e.line, e.record_id) {
            (Some(l), _) => format!("{}:{l}", e.path),
            (None, Some(r)) => format!("{}#{r}", e.path),
            (None, None) => e.path.clone(),
        };
        let when = e.timestamp.map(|t| short_time(&t.to_string())).unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "      {when}  {place}");
        let _ = writeln!(out, "        {}", clip(&e.text, TEXT_WIDTH));
    }
    let _ = writeln!(out, "    what to do:");
    for step in &f.remediation {
        let _ = writeln!(out, "      - {step}");
    }
}

/// The diagnoses that could not decide, only when there are some.
fn undecided(report: &Report, out: &mut String) {
    if report.undecided.is_empty() {
        return;
    }
    out.push_str("\nUndecided (these found nothing, but could not read what they need):\n");
    for u in &report.undecided {
        let _ = writeln!(out, "  {}", clip(&u.line(), TEXT_WIDTH));
    }
}

fn inventory_summary(report: &Report, out: &mut String) {
    let count = |s: MemberStatus| report.inventory.iter().filter(|e| e.status == s).count();
    let _ = writeln!(
        out,
        "\nInventory: {} members — {} parsed, {} partial, {} skipped, {} failed; {} records, {} signals, {} ms",
        report.inventory.len(),
        count(MemberStatus::Parsed),
        count(MemberStatus::Partial),
        count(MemberStatus::Skipped),
        count(MemberStatus::Failed),
        report.stats.records,
        report.stats.signals,
        report.stats.elapsed_ms,
    );
    for e in
        report.inventory.iter().filter(|e| matches!(e.status, MemberStatus::Failed | MemberStatus::Partial))
    {
        let _ = writeln!(out, "  {}: {} ({})", e.status.as_str(), e.path, e.detail);
    }
    let _ = writeln!(out, "Coverage: {}", report.coverage.summary);
}

/// `2024-03-15T17:10:47.429804Z` → `2024-03-15 17:10:47`.
fn short_time(t: &str) -> String {
    t.get(..19).map(|s| s.replace('T', " ")).unwrap_or_else(|| t.to_string())
}

fn clip(text: &str, max: usize) -> String {
    let one_line = text.lines().next().unwrap_or("");
    if one_line.chars().count() <= max {
        return one_line.to_string();
    }
    let mut s: String = one_line.chars().take(max).collect();
    s.push('…');
    s
}
