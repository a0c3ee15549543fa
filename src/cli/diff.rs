//! `snaptriage diff OLD NEW`: analyses a bundle collected before a fix and one collected after it, and
//! prints what changed (see the library's `diff` module). Exit codes as `analyze` gives them for NEW; 2 when
//! either bundle cannot be analysed, the message saying which.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context as _, Result};
use snaptriage::diff::{compare, render_html, render_json, render_markdown, render_table};
use snaptriage::report::Report;

use super::args::{DiffArgs, ReportFormat};
use super::output::{self, Output};
use super::verdict::Unanalysable;
use super::{analyse_showing_progress, format_for_file, options, EXIT_CLEAN, EXIT_FINDINGS};

/// Runs the comparison.
pub fn run(d: DiffArgs) -> Result<u8> {
    let opts = options(&d.engine, false)?;
    let old = analyse_side("OLD", &d.old, opts.clone(), &d)?;
    let new = analyse_side("NEW", &d.new, opts, &d)?;
    let diff = compare(&old, &new);
    let to_terminal = d.output.is_none() && std::io::stdout().is_terminal();
    let format = d
        .format
        .or_else(|| d.output.as_deref().and_then(format_for_file))
        .unwrap_or(if to_terminal { ReportFormat::Table } else { ReportFormat::Json });
    let text = match format {
        ReportFormat::Table => render_table(&diff),
        ReportFormat::Json => render_json(&diff),
        ReportFormat::Markdown => render_markdown(&diff),
        ReportFormat::Html => render_html(&diff),
    };
    let mut out = Output::open(d.output.as_deref())?;
    out.write(text.as_bytes())?;
    out.finish()?;
    for warning in &diff.warnings {
        eprintln!("snaptriage: warning: {warning}");
    }
    Ok(if diff.new_has_errors() { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Analyses one side; a failure names the side (`OLD bundle a.zip: …`).
fn analyse_side(side: &str, bundle: &Path, opts: snaptriage::Options, d: &DiffArgs) -> Result<Report> {
    match analyse_showing_progress(bundle, opts, d.engine.progress) {
        Ok(analysis) => Ok(analysis.report),
        Err(err) if output::is_closed(&err) => Err(err),
        Err(err) => match err.downcast::<Unanalysable>() {
            Ok(why) => Err(Unanalysable(format!("{side} bundle: {}", why.0)).into()),
            Err(err) => Err(err).with_context(|| format!("{side} bundle {}", bundle.display())),
        },
    }
}
