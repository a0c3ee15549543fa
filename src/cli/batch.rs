//! `snaptriage batch`: many bundles, one JSON line each; a bad bundle is a line with an error, never a stop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use snaptriage::inventory::MemberStatus;
use snaptriage::report::render_json;
use snaptriage::Options;

use super::args::BatchArgs;
use super::output::{Closed, Output};
use super::progress::{Bar, Source};
use super::{analyse, options, EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS};

/// `status` of a bundle that was analysed (its findings, possibly none, are in the line).
const ANALYSED: &str = "analysed";
/// `status` of a bundle that could not be opened or held nothing to analyse (`error` says why).
const NOT_ANALYSABLE: &str = "not-analysable";

/// One line of the batch output.
#[derive(Debug, Serialize)]
struct BatchLine {
    bundle: String,
    /// `analysed`, or `not-analysable` (then `error` says why and what to try).
    status: &'static str,
    sha256: Option<String>,
    os: Option<String>,
    collected_at: Option<snaptriage::report::Timestamp>,
    /// Finding ids, most severe first.
    findings: Vec<String>,
    /// `id:severity:confidence` for each finding.
    detail: Vec<String>,
    error_codes: Vec<String>,
    worst: Option<&'static str>,
    members: usize,
    failed_members: usize,
    partial_members: usize,
    /// The report's coverage in one sentence (what was read, what was lost, which sources are there).
    coverage: Option<String>,
    elapsed_ms: u64,
    /// Set when the bundle could not be analysed at all: what it is and what to try, as `analyze` says it.
    error: Option<String>,
}

/// Runs the batch.
pub fn run(args: BatchArgs) -> Result<u8> {
    let opts = options(&args.engine, false)?;
    let bundles = expand(&args.inputs)?;
    if bundles.is_empty() {
        bail!("no bundles found in the inputs");
    }
    if let Some(dir) = &args.reports {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create report directory", dir.display()))?;
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let out = Mutex::new(Output::open(args.output.as_deref())?);
    // Set when the reader of standard output goes away: the remaining bundles are not analysed.
    let closed = AtomicBool::new(false);
    let write_error = Mutex::new(None);
    let done = Arc::new(AtomicU64::new(0));
    let total = u64::try_from(bundles.len()).unwrap_or(u64::MAX);
    let bar = Bar::start(args.engine.progress, Source::Batch { done: done.clone(), total });
    let results: Vec<(bool, bool)> = pool.install(|| {
        bundles
            .par_iter()
            .filter_map(|bundle| {
                if closed.load(Ordering::Relaxed) {
                    return None;
                }
                let line = analyse_one(bundle, &opts, args.reports.as_deref());
                done.fetch_add(1, Ordering::Relaxed);
                let failed = line.error.is_some();
                let errors = matches!(line.worst, Some("critical" | "error"));
                let text = serde_json::to_string(&line).unwrap_or_default() + "\n";
                if let Ok(mut o) = out.lock() {
                    // Lines reach a terminal at once, so the bar is lifted off while one is written.
                    if let Err(e) = bar.suspend(|| o.write_line(text.as_bytes())) {
                        closed.store(true, Ordering::Relaxed);
                        if let Ok(mut slot) = write_error.lock() {
                            slot.get_or_insert(e);
                        }
                    }
                }
                Some((failed, errors))
            })
            .collect()
    });
    bar.clear();
    if let Some(e) = write_error.into_inner().ok().flatten() {
        return Err(e);
    }
    out.into_inner().map_err(|_| anyhow::anyhow!("output lock poisoned"))?.finish()?;
    if closed.load(Ordering::Relaxed) {
        return Err(Closed.into());
    }
    let failed = results.iter().filter(|r| r.0).count();
    eprintln!("snaptriage: {} bundle(s) analysed, {} could not be read", results.len() - failed, failed);
    Ok(if failed == results.len() {
        EXIT_FAILED
    } else if results.iter().any(|r| r.0 || r.1) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn analyse_one(bundle: &Path, opts: &Options, reports: Option<&Path>) -> BatchLine {
    let shown = bundle.display().to_string();
    let caught = std::panic::catch_unwind(|| analyse(bundle, opts));
    let analysis = match caught {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return failed_line(shown, super::one_line(&e)),
        Err(_) => return failed_line(shown, "internal error while analysing this bundle".into()),
    };
    let r = &analysis.report;
    if let Some(dir) = reports {
        let name =
            bundle.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "bundle".into());
        let _ = std::fs::write(dir.join(format!("{name}.json")), render_json(r));
    }
    let mut codes: Vec<String> = r.findings.iter().flat_map(|f| f.error_codes.clone()).collect();
    codes.sort();
    codes.dedup();
    let count = |status| r.inventory.iter().filter(|e| e.status == status).count();
    BatchLine {
        bundle: shown,
        status: ANALYSED,
        sha256: r.bundle.sha256.clone(),
        os: Some(r.bundle.os.clone()),
        collected_at: r.bundle.collected_at,
        findings: r.findings.iter().map(|f| f.id.clone()).collect(),
        detail: r
            .findings
            .iter()
            .map(|f| format!("{}:{}:{}", f.id, f.severity.as_str(), f.confidence.as_str()))
            .collect(),
        error_codes: codes,
        worst: r.worst().map(|s| s.as_str()),
        members: r.stats.members,
        failed_members: count(MemberStatus::Failed),
        partial_members: count(MemberStatus::Partial),
        coverage: Some(r.coverage.summary.clone()),
        elapsed_ms: r.stats.elapsed_ms,
        error: None,
    }
}

fn failed_line(bundle: String, error: String) -> BatchLine {
    BatchLine {
        bundle,
        status: NOT_ANALYSABLE,
        sha256: None,
        os: None,
        collected_at: None,
        findings: Vec::new(),
        detail: Vec::new(),
        error_codes: Vec::new(),
        worst: None,
        members: 0,
        failed_members: 0,
        partial_members: 0,
        coverage: None,
        elapsed_ms: 0,
        error: Some(error),
    }
}

/// Files given directly, plus the files directly inside given directories (sorted).
fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("{}: cannot list", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}
