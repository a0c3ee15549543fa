//! `snaptriage timeline`: the bundle's records on one UTC timeline, in the columns Timesketch imports
//! (`message`, `datetime`, `timestamp_desc`, plus where each record comes from and what tagged it).
//!
//! By default the records a signature tagged (one row per record, a periodic signal counted on its first
//! record with `repeats`/`until`); with `--all` every record. `--from`/`--to` keep a time range.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use snaptriage::timeline::placement::TimelineEntry;
use snaptriage::Options;

use super::args::{TimelineArgs, TimelineFormat};
use super::output::Output;
use super::{analyse_showing_progress, options, EXIT_CLEAN};

/// The CSV header: Timesketch's required columns first.
const CSV_HEADER: &str =
    "message,datetime,timestamp,timestamp_desc,source_path,line,record_id,kind,level,signals,repeats,until\n";

/// One exported row.
#[derive(Serialize)]
struct Row<'a> {
    message: &'a str,
    /// RFC 3339 UTC; empty for an undated record (listed last).
    datetime: String,
    /// Microseconds since the Unix epoch, for Timesketch.
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<i64>,
    timestamp_desc: &'static str,
    source_path: &'a str,
    line: Option<u32>,
    record_id: Option<u64>,
    kind: &'a str,
    level: &'a str,
    signals: &'a [String],
    repeats: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
}

impl<'a> Row<'a> {
    fn of(e: &'a TimelineEntry) -> Row<'a> {
        Row {
            message: &e.text,
            datetime: e.time.map(|t| t.to_string()).unwrap_or_default(),
            timestamp: e.time.map(|t| t.0.timestamp_micros()),
            timestamp_desc: if e.record_id.is_some() { "Event Logged" } else { "Log Record Written" },
            source_path: &e.path,
            line: e.line,
            record_id: e.record_id,
            kind: e.kind,
            level: &e.level,
            signals: &e.signals,
            repeats: e.repeats,
            until: e.until.map(|t| t.to_string()),
        }
    }

    fn csv(&self) -> String {
        let number = |n: Option<String>| n.unwrap_or_default();
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv(self.message),
            self.datetime,
            number(self.timestamp.map(|t| t.to_string())),
            self.timestamp_desc,
            csv(self.source_path),
            number(self.line.map(|l| l.to_string())),
            number(self.record_id.map(|r| r.to_string())),
            self.kind,
            self.level,
            csv(&self.signals.join(",")),
            self.repeats,
            self.until.as_deref().unwrap_or(""),
        )
    }
}

/// Runs the export.
pub fn run(t: TimelineArgs) -> Result<u8> {
    let opts = Options { signal_timeline: !t.all, ..options(&t.engine, t.all)? };
    let mut analysis = analyse_showing_progress(&t.bundle, opts, t.engine.progress)?;
    if t.redact {
        // The report first, so its values get the placeholders `analyze --redact` gives them.
        let mut redactor = snaptriage::redact::Redactor::new();
        redactor.redact_report(&mut analysis.report);
        let redaction = redactor.redact_timeline(&mut analysis.timeline);
        eprintln!("snaptriage: timeline redacted: {}", redaction.summary);
    }
    let mut out = Output::open(t.output.as_deref())?;
    if t.format == TimelineFormat::Csv {
        out.write(CSV_HEADER.as_bytes())?;
    }
    for e in analysis.timeline.iter().filter(|e| within(e, t.from, t.to)) {
        let row = Row::of(e);
        let line = match t.format {
            TimelineFormat::Jsonl => serde_json::to_string(&row)? + "\n",
            TimelineFormat::Csv => row.csv(),
        };
        out.write(line.as_bytes())?;
    }
    out.finish()?;
    Ok(EXIT_CLEAN)
}

/// True when the entry lies in the range; an undated entry only when no range is asked for.
fn within(e: &TimelineEntry, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
    match e.time {
        Some(t) => from.is_none_or(|f| e.until.unwrap_or(t).0 >= f) && to.is_none_or(|to| t.0 <= to),
        None => from.is_none() && to.is_none(),
    }
}

fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
