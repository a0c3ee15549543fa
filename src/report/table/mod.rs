//! The terminal report: the verdict, the job asked about, the backup runs, the findings (each
//! consequence under its cause) with their evidence and remedies, then what could not be decided and what
//! was read. Every line fits the width; colour only when asked for.

mod paint;

use std::fmt::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, ColumnConstraint, ContentArrangement, Table, Width};

use super::words::{self, count, wrap};
use super::{Finding, Report};
use crate::inventory::MemberStatus;
use paint::{Painter, Tone};

/// How much of each finding's evidence the table shows.
const EVIDENCE_SHOWN: usize = 6;
/// Chars of a time in a table column (`2025-04-11 01:03:31`).
const TIME_CHARS: u16 = 19;
/// Narrowest width the report lays itself out for.
const MIN_WIDTH: u16 = 40;

/// How to render the terminal report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// Columns of the terminal.
    pub width: u16,
    /// Colour by severity and outcome (ANSI escape codes); without it the text has none.
    pub color: bool,
    /// Only the verdict, the runs and the finding ids (`--quiet`).
    pub brief: bool,
}

impl TableStyle {
    /// Plain text, `width` columns wide, in full.
    pub fn plain(width: u16) -> Self {
        TableStyle { width, color: false, brief: false }
    }
}

/// Renders the report for a terminal `width` columns wide, without colour.
pub fn render_table(report: &Report, width: u16) -> String {
    render_table_styled(report, &TableStyle::plain(width))
}

/// Renders the report as `style` asks.
pub fn render_table_styled(report: &Report, style: &TableStyle) -> String {
    let width = style.width.max(MIN_WIDTH);
    let r = Renderer { report, width: usize::from(width), table_width: width, paint: Painter(style.color) };
    let mut out = String::new();
    r.verdict(&mut out);
    if style.brief {
        r.runs(&mut out);
        r.finding_ids(&mut out);
        return out;
    }
    r.header(&mut out);
    r.job(&mut out);
    r.runs(&mut out);
    r.findings(&mut out);
    r.undecided(&mut out);
    r.inventory(&mut out);
    out
}

struct Renderer<'a> {
    report: &'a Report,
    width: usize,
    table_width: u16,
    paint: Painter,
}

impl Renderer<'_> {
    /// Wrapped prose, each line painted as a whole.
    fn para(&self, out: &mut String, text: &str, first: &str, rest: &str, tone: Option<Tone>) {
        for line in wrap(text, self.width, first, rest) {
            let line = match tone {
                Some(t) => self.paint.paint(&line, t),
                None => line,
            };
            let _ = writeln!(out, "{line}");
        }
    }

    fn verdict(&self, out: &mut String) {
        let tone = match self.report.worst() {
            Some(s) => Tone::severity(s),
            None => Tone::Plain,
        };
        self.para(out, &words::verdict(self.report), "", "  ", Some(tone));
    }

    fn header(&self, out: &mut String) {
        let b = &self.report.bundle;
        let f = &self.report.facts;
        out.push('\n');
        self.para(out, &format!("snaptriage {} · {}", self.report.tool.version, b.path), "", "  ", None);
        let mut parts = Vec::new();
        if let Some(vm) = words::machine(f) {
            parts.push(vm);
        }
        parts.push(format!("os: {}", f.os.as_deref().unwrap_or(&b.os)));
        if let Some(v) = &f.agent_version {
            parts.push(format!("agent: {v}"));
        }
        if let Some(c) = &b.collected_at {
            parts.push(format!("collected: {}", c.human()));
        }
        self.para(out, &parts.join(" · "), "", "  ", None);
        if let Some(clock) = words::local_clock(f) {
            self.para(out, &format!("clock: {clock}"), "", "  ", None);
        }
        if let Some(r) = &self.report.redaction {
            self.para(out, &format!("Redacted: {}", r.summary), "", "  ", None);
        }
    }

    fn job(&self, out: &mut String) {
        let Some(job) = &self.report.job else { return };
        out.push('\n');
        self.para(out, &words::job_line(job), "", "  ", Some(Tone::Bold));
        if !job.findings.is_empty() {
            self.para(out, &format!("explained by: {}", job.findings.join(", ")), "  ", "    ", None);
        }
        if !job.check_outside.is_empty() {
            let _ = writeln!(out, "  check outside the VM:");
            for step in &job.check_outside {
                self.para(out, step, "    - ", "      ", None);
            }
        }
    }

    fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.table_width)
            .set_header(header.to_vec());
        if self.paint.0 {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table
    }

    fn runs(&self, out: &mut String) {
        let runs = &self.report.runs;
        out.push('\n');
        if runs.is_empty() {
            self.para(out, "Backup runs: none seen in the bundle.", "", "  ", None);
            return;
        }
        let (shown, hidden) = words::shown_runs(runs);
        let failed = runs.iter().filter(|r| r.outcome.is_failure()).count();
        let heading = format!("Backup runs: {}, {} failed or stuck", count(runs.len(), "run"), failed);
        self.para(out, &heading, "", "  ", Some(Tone::Bold));
        let mut table = self.table(&["run", "seq", "started (UTC)", "outcome", "code", "root cause"]);
        for run in &shown {
            table.add_row(vec![
                Cell::new(&run.id),
                Cell::new(run.seq.map_or_else(|| "-".to_string(), |s| s.to_string())),
                Cell::new(words::time_short(run.started.or(run.ended))),
                self.paint.cell(run.outcome.as_str(), Tone::outcome(run.outcome)),
                Cell::new(run.code_label()),
                Cell::new(run.cause_label()),
            ]);
        }
        keep_whole(&mut table, 2);
        let _ = writeln!(out, "{table}");
        if hidden > 0 {
            let note = format!(
                "{} not shown (only the failed runs and the latest {} are; the JSON report has them all).",
                count(hidden, "earlier run"),
                words::RUNS_LATEST
            );
            self.para(out, &note, "", "  ", None);
        }
    }

    fn finding_ids(&self, out: &mut String) {
        out.push('\n');
        if self.report.findings.is_empty() {
            let _ = writeln!(out, "Findings: none");
            return;
        }
        let _ = writeln!(out, "Findings:");
        for f in words::reading_order(&self.report.findings) {
            let indent = if f.caused_by.is_some() { "    ↳ " } else { "  " };
            let line = format!("{indent}{} {}", f.severity.as_str(), f.id);
            let _ = writeln!(out, "{}", self.paint.paint(&line, Tone::severity(f.severity)));
        }
    }

    fn findings(&self, out: &mut String) {
        if self.report.findings.is_empty() {
            return;
        }
        let order = words::reading_order(&self.report.findings);
        out.push('\n');
        self.para(out, &format!("Findings: {}", order.len()), "", "  ", Some(Tone::Bold));
        let mut table = self.table(&["#", "severity", "finding", "first seen (UTC)", "explains"]);
        for (i, f) in order.iter().enumerate() {
            let id = match &f.caused_by {
                Some(cause) => format!("{}\n↳ consequence of {cause}", f.id),
                None => f.id.clone(),
            };
            table.add_row(vec![
                Cell::new(i + 1),
                self.paint.cell(
                    &format!("{} ({})", f.severity.as_str(), f.confidence.as_str()),
                    Tone::severity(f.severity),
                ),
                Cell::new(id),
                Cell::new(words::time_short(f.first_seen)),
                Cell::new(if f.error_codes.is_empty() { "-".to_string() } else { f.error_codes.join(", ") }),
            ]);
        }
        keep_whole(&mut table, 3);
        let _ = writeln!(out, "{table}");
        for (i, f) in order.iter().enumerate() {
            self.details(i + 1, f, out);
        }
    }

    fn details(&self, n: usize, f: &Finding, out: &mut String) {
        out.push('\n');
        let title = format!("[{n}] {} — {}", f.id, f.title);
        self.para(out, &title, "", "    ", Some(Tone::severity(f.severity)));
        if let Some(cause) = &f.caused_by {
            self.para(
                out,
                &format!("↳ consequence of {cause}: fixing that fixes this"),
                "    ",
                "      ",
                None,
            );
        }
        self.para(out, &f.summary, "    ", "    ", None);
        if !f.error_codes.is_empty() {
            self.para(out, &format!("explains: {}", f.error_codes.join(", ")), "    ", "      ", None);
        }
        if let Some(w) = &f.window {
            self.para(out, &format!("rule: {w}"), "    ", "      ", None);
        }
        let shown = f.evidence.len().min(EVIDENCE_SHOWN);
        let _ = writeln!(out, "    evidence ({shown} of {}):", f.evidence_total);
        for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
            let place = match (e.line, e.record_id) {
                (Some(l), _) => format!("{}:{l}", e.path),
                (None, Some(r)) => format!("{}#{r}", e.path),
                (None, None) => e.path.clone(),
            };
            let head = format!("{}  {place}", words::time(e.timestamp));
            let head_lines = if head.chars().count() + 6 <= self.width {
                vec![format!("      {head}")]
            } else {
                wrap(&head, self.width, "      ", "        ")
            };
            for line in head_lines {
                let _ = writeln!(out, "{}", self.paint.paint(&line, Tone::Dim));
            }
            self.para(out, words::evidence_text(e), "        ", "          ", None);
        }
        if !f.remediation.is_empty() {
            let _ = writeln!(out, "    what to do:");
            for (i, step) in f.remediation.iter().enumerate() {
                let first = format!("      {}. ", i + 1);
                let rest = " ".repeat(first.chars().count());
                self.para(out, step, &first, &rest, None);
            }
        }
    }

    /// The diagnoses that could not decide, only when there are some.
    fn undecided(&self, out: &mut String) {
        if self.report.undecided.is_empty() {
            return;
        }
        out.push('\n');
        let heading = format!(
            "Undecided: {} found nothing, but could not read what they need:",
            count(self.report.undecided.len(), "diagnosis")
        );
        self.para(out, &heading, "", "  ", Some(Tone::Bold));
        for u in &self.report.undecided {
            self.para(out, &u.line(), "  - ", "    ", None);
        }
    }

    fn inventory(&self, out: &mut String) {
        let report = self.report;
        let n = |s: MemberStatus| report.inventory.iter().filter(|e| e.status == s).count();
        let line = format!(
            "Inventory: {} — {} parsed, {} partial, {} skipped, {} failed; {}, {}; analysed in {} ms.",
            count(report.inventory.len(), "member"),
            n(MemberStatus::Parsed),
            n(MemberStatus::Partial),
            n(MemberStatus::Skipped),
            n(MemberStatus::Failed),
            count(usize::try_from(report.stats.records).unwrap_or(usize::MAX), "record"),
            count(report.stats.signals, "signal"),
            report.stats.elapsed_ms,
        );
        out.push('\n');
        self.para(out, &line, "", "  ", None);
        for e in report
            .inventory
            .iter()
            .filter(|e| matches!(e.status, MemberStatus::Failed | MemberStatus::Partial))
        {
            self.para(out, &format!("{}: {} ({})", e.status.as_str(), e.path, e.detail), "  ", "    ", None);
        }
        self.para(out, &format!("Coverage: {}", report.coverage.summary), "", "  ", None);
    }
}

/// Keeps a time column on one line (its chars and the padding): the other columns wrap first.
fn keep_whole(table: &mut Table, column: usize) {
    if let Some(c) = table.column_mut(column) {
        c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(TIME_CHARS + 2)));
    }
}
