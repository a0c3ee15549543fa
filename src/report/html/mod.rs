//! A self-contained HTML report: a verdict, the job asked about, the backup runs, a timeline picture,
//! the findings as cards (consequences under their cause), then the facts and the inventory folded away.
//! Inline CSS and SVG only; every piece of bundle text is escaped.

pub(crate) mod escape;
mod svg;

use std::collections::BTreeSet;
use std::fmt::Write;

use escape::{esc, with_code};

use super::{Finding, Report, Timestamp};
use crate::runs::job::JobAnswer;
use crate::runs::{BackupRun, RunOutcome};

const STYLE: &str = include_str!("style.css");

/// Opens every `<details>` before printing, so a printed report hides nothing.
const PRINT_SCRIPT: &str = "addEventListener('beforeprint',function(){document.querySelectorAll('details')\
                            .forEach(function(d){d.open=true})})";

/// Renders the report as one HTML page (no external assets).
pub fn render_html(report: &Report) -> String {
    let mut out = String::new();
    let b = &report.bundle;
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
         <title>snaptriage: {}</title><style>{STYLE}</style><script>{PRINT_SCRIPT}</script></head><body>",
        esc(&b.path)
    );
    header(report, &mut out);
    verdict(report, &mut out);
    job(report, &mut out);
    runs(report, &mut out);
    timeline(report, &mut out);
    findings(report, &mut out);
    undecided(report, &mut out);
    facts(report, &mut out);
    inventory(report, &mut out);
    let _ = writeln!(
        out,
        "<footer>{} {} · {} members · {} records · {} signals</footer></body></html>",
        esc(&report.tool.name),
        esc(&report.tool.version),
        report.stats.members,
        report.stats.records,
        report.stats.signals
    );
    out
}

fn header(report: &Report, out: &mut String) {
    let b = &report.bundle;
    let _ = write!(
        out,
        "<header><h1>snaptriage report</h1><p class=\"meta\"><code>{}</code> · {}",
        esc(&b.path),
        esc(&b.os)
    );
    if let Some(vm) = crate::report::words::machine(&report.facts) {
        let _ = write!(out, " · {}", esc(&vm));
    }
    if let Some(v) = &report.facts.agent_version {
        let _ = write!(out, " · agent {}", esc(v));
    }
    if let Some(c) = &b.collected_at {
        let _ = write!(out, " · collected {}", c.human());
    }
    if let Some(z) = crate::report::words::local_clock(&report.facts) {
        let _ = write!(out, " · clock: {}", esc(&z));
    }
    out.push_str("</p></header>");
}

/// The cause a finding leads back to, when it is a consequence of another finding of the report.
fn cause_of<'a>(report: &'a Report, f: &Finding) -> Option<&'a Finding> {
    let id = f.caused_by.as_deref()?;
    report.findings.iter().find(|c| c.id == id && c.id != f.id)
}

fn verdict(report: &Report, out: &mut String) {
    let lead = report.findings.iter().find(|f| cause_of(report, f).is_none()).or(report.findings.first());
    match lead {
        None => {
            out.push_str(
                "<section class=\"verdict\"><p class=\"headline\">No backup-relevant problem found in what was read.</p>\
                 <p>This is only as complete as what the bundle holds and snaptriage could read: see the coverage below.</p>",
            );
        }
        Some(f) => {
            let sev = f.severity.as_str();
            let _ = write!(
                out,
                "<section class=\"verdict {sev}\"><p class=\"headline\"><span class=\"badge {sev}\">{sev}</span> \
                 <a href=\"#finding-{id}\">{title}</a> <span class=\"why\">({id})</span></p><p>{summary}</p>",
                id = esc(&f.id),
                title = esc(&f.title),
                summary = with_code(&f.summary),
            );
            let mut explains = Vec::new();
            if !f.error_codes.is_empty() {
                explains.push(format!("error codes {}", esc(&f.error_codes.join(", "))));
            }
            let failed: Vec<&str> = report
                .runs
                .iter()
                .filter(|r| r.root_cause.as_ref().and_then(|c| c.finding.as_deref()) == Some(f.id.as_str()))
                .map(|r| r.id.as_str())
                .collect();
            if !failed.is_empty() {
                explains.push(format!("the failure of {}", esc(&failed.join(", "))));
            }
            let consequences: Vec<String> = report
                .findings
                .iter()
                .filter(|c| cause_of(report, c).is_some_and(|cause| cause.id == f.id))
                .map(|c| format!("<a href=\"#finding-{0}\">{0}</a>", esc(&c.id)))
                .collect();
            if !consequences.is_empty() {
                explains.push(format!("the consequences {}", consequences.join(", ")));
            }
            if !explains.is_empty() {
                let _ = write!(out, "<p>Explains {}.</p>", explains.join("; "));
            }
            let _ = write!(out, "<p>{}</p>", severity_counts(&report.findings));
        }
    }
    let failed_runs = report.runs.iter().filter(|r| r.outcome.is_failure()).count();
    if !report.runs.is_empty() {
        let _ =
            write!(out, "<p>Backup runs: {} seen, {} failed or stuck.</p>", report.runs.len(), failed_runs);
    }
    if let Some(r) = &report.redaction {
        let _ = write!(out, "<p class=\"redacted\">Redacted: {}</p>", esc(&r.summary));
    }
    let _ = write!(out, "<p>Coverage: {}</p></section>", esc(&report.coverage.summary));
}

fn severity_counts(findings: &[Finding]) -> String {
    let mut parts = Vec::new();
    for sev in
        [super::Severity::Critical, super::Severity::Error, super::Severity::Warning, super::Severity::Info]
    {
        let n = findings.iter().filter(|f| f.severity == sev).count();
        if n > 0 {
            parts.push(format!("{n} {}", sev.as_str()));
        }
    }
    format!("{}: {}.", crate::report::words::count(findings.len(), "finding"), parts.join(", "))
}

fn job(report: &Report, out: &mut String) {
    let Some(job) = &report.job else { return };
    let answer = match job.answer {
        JobAnswer::Explained => "explained by the bundle",
        JobAnswer::ControlPlane => "decided outside the VM",
        JobAnswer::NotInGuest => "not explained by this bundle",
        JobAnswer::UnknownCode => "code not in the catalog",
        JobAnswer::RunOnly => "the run at that time",
    };
    out.push_str("<section class=\"job\"><h2>The job asked about</h2><p>");
    if let Some(code) = &job.error_code {
        let _ = write!(out, "Error code <code>{}</code> ", esc(code));
    }
    if let Some(t) = &job.time {
        let _ = write!(out, "at {} ", t.human());
    }
    let _ = write!(out, "— <strong>{answer}</strong>.</p><p>{}</p>", with_code(&job.verdict));
    if let Some(run) = &job.run {
        let _ = write!(out, "<p>Matching run: <a href=\"#{0}\">{0}</a></p>", esc(run));
    }
    if !job.findings.is_empty() {
        let links: Vec<String> =
            job.findings.iter().map(|id| format!("<a href=\"#finding-{0}\">{0}</a>", esc(id))).collect();
        let _ = write!(out, "<p>Findings: {}</p>", links.join(", "));
    }
    if !job.check_outside.is_empty() {
        out.push_str("<p>Check outside the VM:</p><ul>");
        for c in &job.check_outside {
            let _ = write!(out, "<li>{}</li>", with_code(c));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

/// `2024-06-07 23:04:07` (UTC, to the second), or `-`.
fn when(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.0.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn runs(report: &Report, out: &mut String) {
    out.push_str("<section><h2>Backup runs</h2>");
    if report.runs.is_empty() {
        out.push_str("<p>No backup run in what was read.</p></section>");
        return;
    }
    out.push_str(
        "<table class=\"runs\"><tr><th>run</th><th>seq</th><th>started (UTC)</th><th>ended (UTC)</th>\
         <th>outcome</th><th>code</th><th>root cause</th><th>contributing</th></tr>",
    );
    for r in &report.runs {
        run_row(r, out);
    }
    out.push_str("</table></section>");
}

fn run_row(r: &BackupRun, out: &mut String) {
    let _ = write!(
        out,
        "<tr id=\"{id}\"><td class=\"nowrap\">{id}</td><td>{seq}</td><td class=\"when\">{start}</td>\
         <td class=\"when\">{end}</td><td><span class=\"badge {o}\">{o}</span></td><td class=\"wrap\">{code}",
        id = esc(&r.id),
        seq = r.seq.map_or_else(|| "-".to_string(), |s| s.to_string()),
        start = when(r.started),
        end = when(r.ended),
        o = r.outcome.as_str(),
        code = esc(&r.code_label()),
    );
    if let Some(m) = r.message.as_deref().filter(|_| r.outcome != RunOutcome::Success) {
        let _ = write!(out, "<div class=\"why\">{}</div>", esc(m));
    }
    out.push_str("</td><td class=\"wrap\">");
    match &r.root_cause {
        Some(c) => {
            match &c.finding {
                Some(f) => {
                    let _ = write!(out, "<a href=\"#finding-{0}\">{0}</a>", esc(f));
                }
                None => out.push_str("<strong>unexplained</strong>"),
            }
            let _ = write!(out, "<div class=\"why\">{}</div>", with_code(&c.why));
        }
        None => out.push('-'),
    }
    out.push_str("</td><td class=\"wrap\">");
    if r.contributing.is_empty() {
        out.push('-');
    } else {
        let links: Vec<String> =
            r.contributing.iter().map(|id| format!("<a href=\"#finding-{0}\">{0}</a>", esc(id))).collect();
        out.push_str(&links.join(", "));
    }
    out.push_str("</td></tr>");
}

fn timeline(report: &Report, out: &mut String) {
    out.push_str("<section><h2>Timeline</h2>");
    let pictures = svg::pictures(&report.runs, &report.findings);
    if pictures.is_empty() {
        out.push_str("<p>Nothing dated to draw.</p></section>");
        return;
    }
    out.push_str("<p class=\"legend\">runs:");
    for o in
        [RunOutcome::Success, RunOutcome::Warning, RunOutcome::Failed, RunOutcome::Stuck, RunOutcome::Unknown]
    {
        let _ = write!(out, "<span style=\"background:{}\"></span>{}", svg::outcome_colour(o), o.as_str());
    }
    out.push_str(" · evidence:");
    for s in
        [super::Severity::Critical, super::Severity::Error, super::Severity::Warning, super::Severity::Info]
    {
        let _ = write!(out, "<span style=\"background:{}\"></span>{}", svg::severity_colour(s), s.as_str());
    }
    out.push_str(" · shaded: a finding's window (first to last evidence); hover a mark for its line</p>");
    for p in pictures {
        let _ = write!(
            out,
            "<figure>{}<figcaption class=\"legend\">{}</figcaption></figure>",
            p.svg,
            esc(&p.caption)
        );
    }
    out.push_str("</section>");
}

fn findings(report: &Report, out: &mut String) {
    if report.findings.is_empty() {
        return;
    }
    out.push_str("<section class=\"page\"><h2>Findings</h2>");
    let mut shown = BTreeSet::new();
    for f in report.findings.iter().filter(|f| cause_of(report, f).is_none()) {
        card(report, f, &mut shown, out);
    }
    // Anything left (a cycle of causes) still gets its card.
    for f in &report.findings {
        if !shown.contains(f.id.as_str()) {
            card(report, f, &mut shown, out);
        }
    }
    out.push_str("</section>");
}

/// One finding's card, its consequences nested inside.
fn card<'a>(report: &'a Report, f: &'a Finding, shown: &mut BTreeSet<&'a str>, out: &mut String) {
    if !shown.insert(f.id.as_str()) {
        return;
    }
    let sev = f.severity.as_str();
    let _ = write!(
        out,
        "<article class=\"card {sev}\" id=\"finding-{id}\"><div class=\"head\"><span class=\"badge {sev}\">{sev}</span>\
         <h3>{title}</h3><span class=\"id\">{id}</span><span class=\"badge quiet\">{conf} confidence</span></div>",
        id = esc(&f.id),
        title = esc(&f.title),
        conf = f.confidence.as_str(),
    );
    if let Some(cause) = cause_of(report, f) {
        let _ = write!(
            out,
            "<p class=\"caused\">consequence of <a href=\"#finding-{0}\">{0}</a></p>",
            esc(&cause.id)
        );
    }
    let _ = write!(out, "<p>{}</p><p class=\"facts\">", with_code(&f.summary));
    if !f.error_codes.is_empty() {
        let codes: Vec<String> = f.error_codes.iter().map(|c| format!("<code>{}</code>", esc(c))).collect();
        let _ = write!(out, "explains {} · ", codes.join(" "));
    }
    let _ = write!(out, "seen {} → {}", when(f.first_seen), when(f.last_seen));
    if let Some(w) = &f.window {
        let _ = write!(out, "<br/>rule: {}", with_code(w));
    }
    out.push_str("</p>");
    if !f.evidence.is_empty() {
        let _ = write!(
            out,
            "<table class=\"evidence\"><tr><th>when (UTC)</th><th>where</th><th>text ({} of {})</th></tr>",
            f.evidence.len(),
            f.evidence_total.max(f.evidence.len())
        );
        for e in &f.evidence {
            let place = match (e.line, e.record_id) {
                (Some(l), _) => format!("{}:{l}", e.path),
                (None, Some(r)) => format!("{}#{r}", e.path),
                (None, None) => e.path.clone(),
            };
            let _ = write!(
                out,
                "<tr><td class=\"when\">{}</td><td class=\"where\">{}</td><td class=\"text\">{}</td></tr>",
                when(e.timestamp),
                esc(&place),
                esc(&e.text)
            );
        }
        out.push_str("</table>");
    }
    if !f.remediation.is_empty() {
        out.push_str("<p><strong>What to do</strong></p><ol>");
        for step in &f.remediation {
            let _ = write!(out, "<li>{}</li>", with_code(step));
        }
        out.push_str("</ol>");
    }
    let consequences: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|c| cause_of(report, c).is_some_and(|cause| cause.id == f.id))
        .collect();
    if !consequences.is_empty() {
        out.push_str("<div class=\"consequences\">");
        for c in consequences {
            card(report, c, shown, out);
        }
        out.push_str("</div>");
    }
    out.push_str("</article>");
}

fn undecided(report: &Report, out: &mut String) {
    if report.undecided.is_empty() {
        return;
    }
    out.push_str(
        "<section><h2>Undecided</h2><p>These diagnoses found nothing, but could not read what they need.</p><ul>",
    );
    for u in &report.undecided {
        let _ = write!(out, "<li>{}</li>", esc(&u.line()));
    }
    out.push_str("</ul></section>");
}

fn facts(report: &Report, out: &mut String) {
    let Ok(value) = serde_json::to_value(&report.facts) else { return };
    let mut rows = Vec::new();
    flatten("", &value, &mut rows);
    let _ = write!(
        out,
        "<section class=\"page\"><details><summary>Facts ({} values)</summary><table><tr><th>fact</th><th>value</th></tr>",
        rows.len()
    );
    for (key, val) in rows {
        let _ = write!(
            out,
            "<tr><td class=\"where\">{}</td><td class=\"wrap\">{}</td></tr>",
            esc(&key),
            esc(&val)
        );
    }
    out.push_str("</table></details></section>");
}

/// Every leaf of a JSON value as (`a.b[2].c`, value) rows.
fn flatten(prefix: &str, v: &serde_json::Value, rows: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match v {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, rows);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, rows);
            }
        }
        Value::String(s) => rows.push((prefix.to_string(), s.clone())),
        other => rows.push((prefix.to_string(), other.to_string())),
    }
}

fn inventory(report: &Report, out: &mut String) {
    let _ = write!(
        out,
        "<section><details><summary>Inventory ({} members)</summary><table><tr><th>path</th><th>kind</th>\
         <th>bytes</th><th>status</th><th>detail</th></tr>",
        report.inventory.len()
    );
    for e in &report.inventory {
        let _ = write!(
            out,
            "<tr><td class=\"where\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td></tr>",
            esc(&e.path),
            esc(e.kind),
            e.bytes,
            e.status.as_str(),
            esc(&e.detail)
        );
    }
    out.push_str("</table></details></section>");
}
