//! The command-line front end, part of the binary only: parses flags, validates them into the library's
//! [`Options`], runs the engine, prints. Reports go to standard output (or `--output`); diagnostics to
//! standard error.

mod args;
mod batch;
mod diff;
mod explain;
mod generate;
mod output;
mod progress;
mod rules;
mod timeline;
mod truncation;
mod verdict;
mod what_is;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Parser;
use snaptriage::intake::Limits;
use snaptriage::progress::Progress;
use snaptriage::report::{
    render_html, render_json, render_markdown, render_table_styled, Report, TableStyle,
};
use snaptriage::runs::job::{self, JobQuery};
use snaptriage::timeline::parse_zone;
use snaptriage::{analyze_path, Analysis, Options};

use args::{AnalyzeArgs, Cli, Command, EngineArgs, ReportFormat};
use output::Output;
use progress::{Bar, ProgressMode, Source};

/// Exit code: no finding of severity error or worse.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings of severity error or worse.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: the input could not be analysed.
pub const EXIT_FAILED: u8 = 2;

/// Runs the CLI with the process arguments.
pub fn main() -> ExitCode {
    let argv = args::with_default_command(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_FAILED);
        }
        // `--help` and `--version` are output like any other: through the one stdout writer.
        Err(e) => {
            let _ = output::print(&e.render().to_string());
            return ExitCode::from(EXIT_CLEAN);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) if output::is_closed(&err) => ExitCode::from(EXIT_CLEAN),
        Err(err) => {
            match err.downcast_ref::<verdict::Unanalysable>() {
                Some(why) => eprintln!("snaptriage: {why}"),
                None => eprintln!("snaptriage: error: {}", one_line(&err)),
            }
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// An error and its causes on one line, each cause said once (an I/O error wrapped with its own text is not
/// repeated).
fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string().replace(['\n', '\r'], " ");
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Analyses a bundle; a bundle that cannot be opened, or in which no member could be analysed, is an
/// [`verdict::Unanalysable`] error saying what the input is and what to try.
fn analyse(bundle: &Path, opts: &Options) -> Result<Analysis> {
    let analysis = analyze_path(bundle, opts).map_err(|e| verdict::opening(bundle, e))?;
    if analysis.report.coverage.nothing_analysed() {
        return Err(verdict::nothing_analysed(bundle, &analysis.report).into());
    }
    Ok(analysis)
}

/// [`analyse`] with a progress bar on standard error when `mode` and the bundle's size call for one; the
/// bar is erased before this returns, so the report is printed on a clean screen.
pub(crate) fn analyse_showing_progress(
    bundle: &Path,
    mut opts: Options,
    mode: ProgressMode,
) -> Result<Analysis> {
    if mode == ProgressMode::Never {
        return analyse(bundle, &opts);
    }
    let counters = Arc::new(Progress::new());
    opts.progress = Some(counters.clone());
    let bar = Bar::start(mode, Source::Bundle(counters));
    let analysis = analyse(bundle, &opts);
    bar.clear();
    analysis
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Analyze(a) => analyze(a),
        Command::Batch(b) => batch::run(b),
        Command::Timeline(t) => timeline::run(t),
        Command::Diff(d) => diff::run(d),
        Command::Explain(e) => explain::run(&e),
        Command::Rules(r) => rules::run(r),
        Command::Completions(c) => generate::completions(c.shell),
        Command::Man(m) => generate::man(m.out_dir.as_deref()),
    }
}

/// Validates engine flags into options.
pub(crate) fn options(engine: &EngineArgs, keep_timeline: bool) -> Result<Options> {
    let timezone = engine.timezone_assume.as_deref().map(parse_zone).transpose()?;
    let mut signature_files = Vec::new();
    for path in &engine.signatures {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read signature file", path.display()))?;
        signature_files.push((path.display().to_string(), text));
    }
    let limits = Limits {
        max_member_bytes: engine.max_member_mib.saturating_mul(1 << 20),
        max_depth: engine.max_depth,
        ..Limits::default()
    };
    Ok(Options { limits, signature_files, timezone, keep_timeline, ..Options::default() })
}

fn analyze(a: AnalyzeArgs) -> Result<u8> {
    let opts = options(&a.engine, false)?;
    let progress = if a.quiet { ProgressMode::Never } else { a.engine.progress };
    let mut analysis = analyse_showing_progress(&a.bundle, opts, progress)?;
    if a.job_error.is_some() || a.job_time.is_some() {
        let query = JobQuery { error_code: a.job_error.clone(), time: a.job_time };
        analysis.report.job = Some(job::focus(&query, &analysis.report.runs, &analysis.report.findings));
    }
    if a.redact {
        snaptriage::redact::redact_report(&mut analysis.report);
    }
    let report = &analysis.report;
    let to_terminal = a.output.is_none() && std::io::stdout().is_terminal();
    let format = a
        .format
        .or_else(|| a.output.as_deref().and_then(format_for_file))
        .unwrap_or(if to_terminal { ReportFormat::Table } else { ReportFormat::Json });
    let text = match format {
        ReportFormat::Table => {
            let color = output::use_color(a.color, to_terminal, std::env::var_os("NO_COLOR").as_deref());
            render_table_styled(
                report,
                &TableStyle { width: output::terminal_width(), color, brief: a.quiet },
            )
        }
        ReportFormat::Json => render_json(report),
        ReportFormat::Markdown => render_markdown(report),
        ReportFormat::Html => render_html(report),
    };
    let mut out = Output::open(a.output.as_deref())?;
    out.write(text.as_bytes())?;
    out.finish()?;
    if let Some(warning) = cut_off_warning(report).filter(|_| !a.quiet) {
        eprintln!("{warning}");
    }
    Ok(if report.has_errors() { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// The format an output file's extension asks for.
fn format_for_file(path: &Path) -> Option<ReportFormat> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => Some(ReportFormat::Html),
        "md" | "markdown" => Some(ReportFormat::Markdown),
        "json" => Some(ReportFormat::Json),
        "txt" => Some(ReportFormat::Table),
        _ => None,
    }
}

/// One line for stderr when the bundle itself is cut off or damaged but partly read: the report covers only
/// what could be read, and the engineer should fetch the bundle again.
fn cut_off_warning(report: &Report) -> Option<String> {
    let name = report.bundle.path.rsplit(['/', '\\']).next().unwrap_or(&report.bundle.path);
    let row = report.inventory.iter().find(|m| {
        m.path == name && (m.detail.starts_with("truncated:") || m.detail.starts_with("damaged:"))
    })?;
    let what = if row.detail.starts_with("truncated:") { "is cut off" } else { "is damaged" };
    Some(format!(
        "snaptriage: warning: {name} {what} ({}) — the report covers only what could be read; download it again",
        row.detail.split(';').next().unwrap_or("").trim_start_matches("truncated:").trim_start_matches("damaged:").trim()
    ))
}
