//! The Markdown report, for pasting into a support case.

use std::fmt::Write;

use super::Report;

/// Renders the report as Markdown.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let b = &report.bundle;
    let _ = writeln!(out, "# snaptriage report: `{}`\n", b.path);
    let _ = writeln!(out, "- OS: {}", b.os);
    if let Some(v) = &report.facts.agent_version {
        let _ = writeln!(out, "- Guest agent: {v}");
    }
    if let Some(c) = &b.collected_at {
        let _ = writeln!(out, "- Collected: {c}");
    }
    if let Some(r) = &report.redaction {
        let _ = writeln!(out, "- Redacted: {}", cell(&r.summary));
    }
    let _ = writeln!(out, "- Findings: {}", report.findings.len());
    let _ = writeln!(out, "- Coverage: {}\n", cell(&report.coverage.summary));
    if report.findings.is_empty() {
        out.push_str("No backup-relevant problem found in what was read (see coverage above).\n\n");
    }
    if !report.findings.is_empty() {
        out.push_str(
            "| # | severity | finding | error codes | first seen | summary |\n|---|---|---|---|---|---|\n",
        );
        for (i, f) in report.findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} ({}) | `{}` | {} | {} | {} |",
                i + 1,
                f.severity.as_str(),
                f.confidence.as_str(),
                f.id,
                f.error_codes.join(", "),
                f.first_seen.map_or_else(|| "-".to_string(), |t| t.to_string()),
                cell(&f.summary)
            );
        }
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = writeln!(out, "\n## {}. {} (`{}`)\n\n{}\n", i + 1, f.title, f.id, f.summary);
        if let Some(w) = &f.window {
            let _ = writeln!(out, "Rule: {w}\n");
        }
        out.push_str("Evidence:\n\n");
        for e in &f.evidence {
            let place = match e.line {
                Some(l) => format!("{}:{l}", e.path),
                None => e.path.clone(),
            };
            let _ = writeln!(
                out,
                "- `{}` {} — `{}`",
                place,
                e.timestamp.map_or_else(|| "-".to_string(), |t| t.to_string()),
                code(&e.text)
            );
        }
        out.push_str("\nWhat to do:\n\n");
        for step in &f.remediation {
            let _ = writeln!(out, "1. {step}");
        }
    }
    if !report.undecided.is_empty() {
        out.push_str(
            "\n## Undecided\n\nThese diagnoses found nothing, but could not read what they need.\n\n",
        );
        for u in &report.undecided {
            let _ = writeln!(out, "- {}", cell(&u.line()));
        }
    }
    let _ =
        writeln!(out, "\n## Inventory\n\n| path | kind | bytes | status | detail |\n|---|---|---|---|---|");
    for e in &report.inventory {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            e.path,
            e.kind,
            e.bytes,
            e.status.as_str(),
            cell(&e.detail)
        );
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn code(s: &str) -> String {
    s.lines().next().unwrap_or("").replace('`', "'")
}
