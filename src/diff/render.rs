//! A diff as a plain-text table, JSON, Markdown or HTML. Every rendering has the same parts in the same
//! order: the two bundles, warnings, the verdict, findings resolved / new / persisting, then the runs.

use crate::report::html::escape::esc;
use std::fmt::Write;

use super::{FindingState, ReportDiff, RunState, Side};

/// Pretty JSON with a trailing newline.
pub fn render_json(diff: &ReportDiff) -> String {
    let mut out = serde_json::to_string_pretty(diff).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

fn side_line(side: &Side) -> String {
    let mut parts: Vec<String> = side.machine.iter().cloned().collect();
    parts.push(side.os_name.clone().unwrap_or_else(|| side.os.clone()));
    if let Some(v) = &side.agent_version {
        parts.push(format!("agent {v}"));
    }
    if let Some(c) = &side.collected_at {
        parts.push(format!("collected {}", c.human()));
    }
    parts.push(format!("{} findings, {} runs", side.findings, side.runs));
    format!("{} ({})", side.path, parts.join(", "))
}

fn last_run(run: &Option<RunState>) -> String {
    run.as_ref().map_or_else(|| "none".to_string(), RunState::line)
}

fn counts_line(diff: &ReportDiff) -> String {
    let c = &diff.runs.counts;
    format!(
        "{} runs before, {} after: {} in both, {} only before, {} only after ({} of them failed)",
        c.old, c.new, c.in_both, c.only_old, c.only_new, c.only_new_failed
    )
}

fn finding_line(f: &FindingState) -> String {
    format!("{} [{}] {} — {}", f.id, f.severity.as_str(), f.range(), f.title)
}

/// Plain text for the terminal.
pub fn render_table(diff: &ReportDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "OLD: {}", side_line(&diff.old));
    let _ = writeln!(out, "NEW: {}", side_line(&diff.new));
    for w in &diff.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(out, "\n{}\n", diff.verdict.text);
    let f = &diff.findings;
    let _ = writeln!(out, "Resolved findings ({}):", f.resolved.len());
    for x in &f.resolved {
        let _ = writeln!(out, "  - {}", finding_line(x));
    }
    let _ = writeln!(out, "New findings ({}):", f.new.len());
    for x in &f.new {
        let _ = writeln!(out, "  + {}", finding_line(x));
    }
    let _ = writeln!(out, "Persisting findings ({}):", f.persisting.len());
    for p in &f.persisting {
        let severity = if p.severity_changed {
            format!("{} → {}", p.old.severity.as_str(), p.new.severity.as_str())
        } else {
            p.new.severity.as_str().to_string()
        };
        let _ = writeln!(
            out,
            "  = {} [{severity}] before {}; after {} — {}",
            p.id,
            p.old.range(),
            p.new.range(),
            p.new.title
        );
    }
    let _ = writeln!(out, "\nBackup runs: {}", counts_line(diff));
    let _ = writeln!(out, "  last run before: {}", last_run(&diff.runs.last_before));
    let _ = writeln!(out, "  last run after:  {}", last_run(&diff.runs.last_after));
    if !diff.runs.only_new.is_empty() {
        out.push_str("  runs only after:\n");
        for r in &diff.runs.only_new {
            let _ = writeln!(out, "    {}", r.line());
        }
    }
    if !diff.runs.only_old.is_empty() {
        out.push_str("  runs only before:\n");
        for r in &diff.runs.only_old {
            let _ = writeln!(out, "    {}", r.line());
        }
    }
    out
}

/// Markdown table cell text.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn md_findings(out: &mut String, title: &str, list: &[FindingState]) {
    let _ = writeln!(out, "\n## {title} ({})\n", list.len());
    if list.is_empty() {
        out.push_str("None.\n");
        return;
    }
    out.push_str("| finding | severity | first seen | last seen | title |\n|---|---|---|---|---|\n");
    for f in list {
        let at = |t: &Option<crate::model::Timestamp>| t.map_or_else(|| "-".to_string(), |t| t.human());
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            f.id,
            f.severity.as_str(),
            at(&f.first_seen),
            at(&f.last_seen),
            cell(&f.title)
        );
    }
}

fn md_runs(out: &mut String, title: &str, runs: &[RunState]) {
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{title}:\n\n| run | seq | started | outcome | code | root cause |\n|---|---|---|---|---|---|"
    );
    for r in runs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.id,
            r.seq.map_or_else(|| "-".to_string(), |s| s.to_string()),
            r.at().map_or_else(|| "-".to_string(), |t| t.human()),
            r.outcome.as_str(),
            cell(&r.code),
            r.root_cause.as_deref().unwrap_or("-")
        );
    }
}

/// Markdown, for a support case.
pub fn render_markdown(diff: &ReportDiff) -> String {
    let mut out = String::new();
    out.push_str("# snaptriage diff\n\n");
    let _ = writeln!(out, "- Before: {}", cell(&side_line(&diff.old)));
    let _ = writeln!(out, "- After: {}", cell(&side_line(&diff.new)));
    for w in &diff.warnings {
        let _ = writeln!(out, "- **Warning:** {}", cell(w));
    }
    let _ = writeln!(out, "\n**{}**", cell(&diff.verdict.text));
    let f = &diff.findings;
    md_findings(&mut out, "Resolved", &f.resolved);
    md_findings(&mut out, "New", &f.new);
    let _ = writeln!(out, "\n## Persisting ({})\n", f.persisting.len());
    if f.persisting.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str(
            "| finding | severity before | severity after | before | after |\n|---|---|---|---|---|\n",
        );
        for p in &f.persisting {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                p.id,
                p.old.severity.as_str(),
                p.new.severity.as_str(),
                p.old.range(),
                p.new.range()
            );
        }
    }
    let _ = writeln!(out, "\n## Backup runs\n\n{}\n", counts_line(diff));
    let _ = writeln!(out, "- Last run before: {}", cell(&last_run(&diff.runs.last_before)));
    let _ = writeln!(out, "- Last run after: {}", cell(&last_run(&diff.runs.last_after)));
    md_runs(&mut out, "Runs only after", &diff.runs.only_new);
    md_runs(&mut out, "Runs only before", &diff.runs.only_old);
    out
}

fn html_findings(out: &mut String, title: &str, list: &[FindingState]) {
    let _ = write!(out, "<h2>{title} ({})</h2>", list.len());
    if list.is_empty() {
        out.push_str("<p>None.</p>");
        return;
    }
    out.push_str("<table><tr><th>finding</th><th>severity</th><th>seen</th><th>title</th></tr>");
    for f in list {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td class=\"{sev}\">{sev}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.id),
            esc(&f.range()),
            esc(&f.title),
            sev = f.severity.as_str()
        );
    }
    out.push_str("</table>");
}

fn html_runs(out: &mut String, title: &str, runs: &[RunState]) {
    if runs.is_empty() {
        return;
    }
    let _ = write!(out, "<h3>{title}</h3><ul>");
    for r in runs {
        let _ = write!(out, "<li>{}</li>", esc(&r.line()));
    }
    out.push_str("</ul>");
}

/// One self-contained HTML page.
pub fn render_html(diff: &ReportDiff) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>snaptriage diff: {} → {}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:72em}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}}\
         .critical,.error{{color:#b00}}.warning{{color:#a60}}.verdict{{font-size:1.2em;font-weight:bold}}</style>\
         </head><body><h1>snaptriage diff</h1>",
        esc(&diff.old.path),
        esc(&diff.new.path)
    );
    let _ = write!(
        out,
        "<ul><li>Before: {}</li><li>After: {}</li></ul>",
        esc(&side_line(&diff.old)),
        esc(&side_line(&diff.new))
    );
    for w in &diff.warnings {
        let _ = write!(out, "<p class=\"warning\">Warning: {}</p>", esc(w));
    }
    let _ = write!(out, "<p class=\"verdict\">{}</p>", esc(&diff.verdict.text));
    let f = &diff.findings;
    html_findings(&mut out, "Resolved", &f.resolved);
    html_findings(&mut out, "New", &f.new);
    let _ = write!(out, "<h2>Persisting ({})</h2>", f.persisting.len());
    if f.persisting.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str("<table><tr><th>finding</th><th>severity</th><th>before</th><th>after</th></tr>");
        for p in &f.persisting {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.id),
                p.old.severity.as_str(),
                p.new.severity.as_str(),
                esc(&p.old.range()),
                esc(&p.new.range())
            );
        }
        out.push_str("</table>");
    }
    let _ = write!(
        out,
        "<h2>Backup runs</h2><p>{}</p><ul><li>Last run before: {}</li><li>Last run after: {}</li></ul>",
        esc(&counts_line(diff)),
        esc(&last_run(&diff.runs.last_before)),
        esc(&last_run(&diff.runs.last_after))
    );
    html_runs(&mut out, "Runs only after", &diff.runs.only_new);
    html_runs(&mut out, "Runs only before", &diff.runs.only_old);
    out.push_str("</body></html>\n");
    out
}
