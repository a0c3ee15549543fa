//! A self-contained HTML report.

use std::fmt::Write;

use super::Report;

/// Renders the report as one HTML page (no external assets).
pub fn render_html(report: &Report) -> String {
    let mut out = String::new();
    let b = &report.bundle;
    let _ = write!(
        out,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>snaptriage: {}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:72em}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}}\
         .critical,.error{{color:#b00}}.warning{{color:#a60}}code{{font-size:.9em}}</style></head><body>",
        esc(&b.path)
    );
    let _ = write!(out, "<h1>snaptriage report</h1><p><code>{}</code> · {}", esc(&b.path), esc(&b.os));
    if let Some(v) = &report.facts.agent_version {
        let _ = write!(out, " · agent {}", esc(v));
    }
    if let Some(c) = &b.collected_at {
        let _ = write!(out, " · collected {}", esc(&c.to_string()));
    }
    out.push_str("</p>");
    if let Some(r) = &report.redaction {
        let _ = write!(out, "<p class=\"redacted\">Redacted: {}</p>", esc(&r.summary));
    }
    let _ = write!(out, "<p>Coverage: {}</p>", esc(&report.coverage.summary));
    if report.findings.is_empty() {
        out.push_str("<p>No backup-relevant problem found in what was read (see coverage above).</p>");
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = write!(
            out,
            "<h2 class=\"{sev}\">{n}. {title} <small>({id}, {sev}, {conf} confidence)</small></h2><p>{summary}</p>\
             <p>Explains: {codes}</p>",
            n = i + 1,
            title = esc(&f.title),
            id = esc(&f.id),
            sev = f.severity.as_str(),
            conf = f.confidence.as_str(),
            summary = esc(&f.summary),
            codes = esc(&f.error_codes.join(", "))
        );
        out.push_str("<table><tr><th>when (UTC)</th><th>where</th><th>text</th></tr>");
        for e in &f.evidence {
            let place = match e.line {
                Some(l) => format!("{}:{l}", e.path),
                None => e.path.clone(),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                esc(&e.timestamp.map_or_else(|| "-".to_string(), |t| t.to_string())),
                esc(&place),
                esc(&e.text)
            );
        }
        out.push_str("</table><ol>");
        for step in &f.remediation {
            let _ = write!(out, "<li>{}</li>", esc(step));
        }
        out.push_str("</ol>");
    }
    if !report.undecided.is_empty() {
        out.push_str(
            "<h2>Undecided</h2><p>These diagnoses found nothing, but could not read what they need.</p><ul>",
        );
        for u in &report.undecided {
            let _ = write!(out, "<li>{}</li>", esc(&u.line()));
        }
        out.push_str("</ul>");
    }
    out.push_str("<h2>Inventory</h2><table><tr><th>path</th><th>kind</th><th>bytes</th><th>status</th><th>detail</th></tr>");
    for e in &report.inventory {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.path),
            e.kind,
            e.bytes,
            e.status.as_str(),
            esc(&e.detail)
        );
    }
    out.push_str("</table></body></html>\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
