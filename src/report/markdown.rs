//! The Markdown report, ready to paste into a GitHub or Azure DevOps ticket: the verdict, the job asked
//! about, the facts, the backup runs and the findings, each finding with its evidence and remedies, then
//! the inventory folded away.

use std::fmt::Write;

use super::words::{self, count};
use super::{Finding, Report};
use crate::facts::is_backup_extension;

/// Renders the report as Markdown.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# snaptriage report: {}\n", code_span(&report.bundle.path));
    let _ = writeln!(out, "**Verdict:** {}\n", inline(&words::verdict(report)));
    job(report, &mut out);
    facts(report, &mut out);
    runs(report, &mut out);
    let order = words::reading_order(&report.findings);
    if !order.is_empty() {
        out.push_str("## Findings\n\n| # | severity | finding | error codes | first seen | summary |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for (i, f) in order.iter().enumerate() {
            let id = match &f.caused_by {
                Some(cause) => format!("{} (consequence of {})", code_span(&f.id), code_span(cause)),
                None => code_span(&f.id),
            };
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {} | {} |",
                i + 1,
                f.severity.as_str(),
                f.confidence.as_str(),
                cell(&id),
                cell(&f.error_codes.join(", ")),
                words::time(f.first_seen),
                cell(&f.summary)
            );
        }
        for (i, f) in order.iter().enumerate() {
            finding(i + 1, f, &mut out);
        }
    }
    undecided(report, &mut out);
    inventory(report, &mut out);
    out
}

fn job(report: &Report, out: &mut String) {
    let Some(job) = &report.job else { return };
    let _ = writeln!(out, "## Job\n\n{}\n", inline(&words::job_line(job)));
    if !job.findings.is_empty() {
        let ids: Vec<String> = job.findings.iter().map(|f| link(f, &report.findings)).collect();
        let _ = writeln!(out, "Explained by: {}\n", ids.join(", "));
    }
    if !job.check_outside.is_empty() {
        out.push_str("Check outside the VM:\n\n");
        for step in &job.check_outside {
            let _ = writeln!(out, "- {}", inline(step));
        }
        out.push('\n');
    }
}

fn facts(report: &Report, out: &mut String) {
    let b = &report.bundle;
    let f = &report.facts;
    if let Some(vm) = words::machine(f) {
        let _ = writeln!(out, "- Machine: {}", inline(&vm));
    }
    let _ = writeln!(out, "- OS: {}", inline(f.os.as_deref().unwrap_or(&b.os)));
    if let Some(v) = &f.agent_version {
        let _ = writeln!(out, "- Guest agent: {}", inline(v));
    }
    if let Some(ext) = f.extensions.iter().find(|e| is_backup_extension(&e.name)) {
        let version = ext.version.as_deref().unwrap_or("version unknown");
        let _ = writeln!(out, "- Backup extension: {} {}", inline(&ext.name), inline(version));
    }
    if let Some(c) = &b.collected_at {
        let _ = writeln!(out, "- Collected: {}", c.human());
    }
    if let Some(clock) = words::local_clock(f) {
        let _ = writeln!(out, "- Clock: {}", inline(&clock));
    }
    if let Some(r) = &report.redaction {
        let _ = writeln!(out, "- Redacted: {}", inline(&r.summary));
    }
    let _ = writeln!(out, "- Coverage: {}\n", inline(&report.coverage.summary));
}

fn runs(report: &Report, out: &mut String) {
    let runs = &report.runs;
    if runs.is_empty() {
        out.push_str("No backup run seen in the bundle.\n\n");
        return;
    }
    let (shown, hidden) = words::shown_runs(runs);
    let failed = runs.iter().filter(|r| r.outcome.is_failure()).count();
    let _ = writeln!(out, "## Backup runs\n\n{}, {failed} failed or stuck.\n", count(runs.len(), "run"));
    out.push_str("| run | seq | started | outcome | code | root cause |\n|---|---|---|---|---|---|\n");
    for run in shown {
        let cause = match run.root_cause.as_ref().and_then(|c| c.finding.as_deref()) {
            Some(id) => link(id, &report.findings),
            None => run.cause_label().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&run.id),
            run.seq.map_or_else(|| "-".to_string(), |s| s.to_string()),
            words::time(run.started.or(run.ended)),
            run.outcome.as_str(),
            cell(&run.code_label()),
            cell(&cause)
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n{} not shown: only the failed runs and the latest {} are (the JSON report has them all).",
            count(hidden, "earlier run"),
            words::RUNS_LATEST
        );
    }
    out.push('\n');
}

fn finding(n: usize, f: &Finding, out: &mut String) {
    let _ = writeln!(
        out,
        "\n<a id=\"{}\"></a>\n\n## {n}. {} ({})\n",
        anchor_of(&f.id),
        inline(&f.title),
        code_span(&f.id)
    );
    let _ = writeln!(
        out,
        "**{}** ({} confidence){}. {}\n",
        f.severity.as_str(),
        f.confidence.as_str(),
        if f.error_codes.is_empty() {
            String::new()
        } else {
            format!(", explains {}", f.error_codes.join(", "))
        },
        inline(&f.summary)
    );
    if let Some(cause) = &f.caused_by {
        let _ = writeln!(
            out,
            "Consequence of [{}](#{}): fixing that fixes this.\n",
            code_span(cause),
            anchor_of(cause)
        );
    }
    if let Some(w) = &f.window {
        let _ = writeln!(out, "Rule: {}\n", inline(w));
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "Evidence ({} of {}):\n", f.evidence.len(), f.evidence_total);
        let lines: Vec<String> = f
            .evidence
            .iter()
            .map(|e| {
                let place = match (e.line, e.record_id) {
                    (Some(l), _) => format!("{}:{l}", e.path),
                    (None, Some(r)) => format!("{}#{r}", e.path),
                    (None, None) => e.path.clone(),
                };
                let text = words::evidence_text(e).replace(['\r', '\n'], " ");
                format!("{}  {place}  {}", words::time(e.timestamp), text.trim())
            })
            .collect();
        let fence = fence_for(&lines);
        let _ = writeln!(out, "{fence}text\n{}\n{fence}\n", lines.join("\n"));
    }
    if !f.remediation.is_empty() {
        out.push_str("What to do:\n\n");
        for (i, step) in f.remediation.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, inline(step));
        }
    }
}

fn undecided(report: &Report, out: &mut String) {
    if report.undecided.is_empty() {
        return;
    }
    out.push_str("\n## Undecided\n\nThese diagnoses found nothing, but could not read what they need.\n\n");
    for u in &report.undecided {
        let _ = writeln!(out, "- {}", inline(&u.line()));
    }
}

fn inventory(report: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "\n<details><summary>Inventory ({})</summary>\n\n| path | kind | bytes | status | detail |\n|---|---|---|---|---|",
        count(report.inventory.len(), "member")
    );
    for e in &report.inventory {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&code_span(&e.path)),
            cell(e.kind),
            e.bytes,
            e.status.as_str(),
            cell(&e.detail)
        );
    }
    out.push_str("\n</details>\n");
}

/// A link to a finding's section when the report has it, else its id as code.
fn link(id: &str, findings: &[Finding]) -> String {
    if findings.iter().any(|f| f.id == id) {
        format!("[{}](#{})", code_span(id), anchor_of(id))
    } else {
        code_span(id)
    }
}

/// The anchor GitHub and Azure DevOps give a finding's heading is long and differs between them, so each
/// section links by its id: `#finding-<id>`, named by an HTML anchor before the heading.
fn anchor_of(id: &str) -> String {
    format!(
        "finding-{}",
        id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>()
    )
}

/// A table cell: prose on one line with `|` escaped.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Prose on one line, as list items, paragraphs and cells need it, without leading or trailing space; a `<`
/// outside code (a placeholder like `<ip-1>`) is escaped so that it is not taken for HTML.
fn inline(s: &str) -> String {
    let flat = one_line(s);
    let mut out = String::with_capacity(flat.len());
    let mut chars = flat.chars().peekable();
    let mut open_code: Option<usize> = None;
    while let Some(c) = chars.next() {
        if c == '`' {
            let mut run = 1;
            while chars.next_if_eq(&'`').is_some() {
                run += 1;
            }
            open_code = match open_code {
                None => Some(run),
                Some(n) if n == run => None,
                other => other,
            };
            out.push_str(&"`".repeat(run));
        } else if c == '<' && open_code.is_none() {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` on one line, without leading or trailing space.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\n', '\r'], " ").trim().to_string()
}

/// `text` as inline code, with a delimiter longer than any run of backticks inside it.
fn code_span(text: &str) -> String {
    let text = one_line(text);
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// A code fence longer than any run of backticks in `lines`, so log text cannot close it.
fn fence_for(lines: &[String]) -> String {
    let longest = lines.iter().map(|l| longest_run(l, '`')).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("  a | b\nc  "), "a \\| b c");
    }

    #[test]
    fn placeholders_are_not_taken_for_html_but_code_stays_code() {
        assert_eq!(inline("host <host-1> said `a<b`"), "host &lt;host-1> said `a<b`");
    }

    #[test]
    fn fences_and_code_spans_outgrow_the_backticks_inside() {
        assert_eq!(fence_for(&["plain".into()]), "```");
        assert_eq!(fence_for(&["log says ``` here".into()]), "````");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("fsfreeze-failed"), "`fsfreeze-failed`");
    }
}
