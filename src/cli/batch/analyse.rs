//! One input to its line: key the bundle, reuse its stored report (`--skip-existing`) or analyse it within
//! the time allowed, store the report (`--out-dir`).

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use snaptriage::report::render_json;
use snaptriage::Options;

use super::inputs::{Bundle, Input};
use super::line::BatchLine;
use super::out_dir::{BundleKey, OutDir};

/// What a worker needs besides the input.
pub struct Settings {
    /// Engine options.
    pub options: Options,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--out-dir`.
    pub out_dir: Option<OutDir>,
    /// `--skip-existing`.
    pub skip_existing: bool,
}

/// An input's line, and whether it came from a stored report.
pub struct Outcome {
    /// The line.
    pub line: BatchLine,
    /// True when the bundle was not analysed again (`--skip-existing`).
    pub reused: bool,
}

impl Outcome {
    /// The line of an input whose handling broke down.
    pub fn internal_error(input: &Input) -> Outcome {
        let path = match input {
            Input::Bundle(b) => Some(b.shown.clone()),
            Input::Invalid { .. } => None,
        };
        let line = BatchLine::failed(input.id().to_string(), path, None, INTERNAL_ERROR.into(), 0);
        Outcome { line, reused: false }
    }
}

/// The error of a bundle whose analysis broke down.
const INTERNAL_ERROR: &str = "internal error while analysing this bundle";

/// Turns one input into its line; never fails (a failure is an error line).
pub fn line_for(input: &Input, settings: &Settings) -> Outcome {
    let id = input.id().to_string();
    match input {
        Input::Invalid { error, .. } => {
            Outcome { line: BatchLine::failed(id, None, None, error.clone(), 0), reused: false }
        }
        Input::Bundle(bundle) => bundle_line(id, bundle, settings),
    }
}

fn bundle_line(id: String, bundle: &Bundle, settings: &Settings) -> Outcome {
    let started = Instant::now();
    // A bundle that cannot even be read is left to the analysis, which says why in `analyze`'s words.
    let key = BundleKey::of(&bundle.path).ok();
    let sha256 = key.as_ref().filter(|k| k.is_content).map(|k| k.hex.clone());
    let path = bundle.shown.clone();
    if let (Some(dir), Some(key), true) = (&settings.out_dir, &key, settings.skip_existing) {
        if let Some(report) = dir.stored(key).and_then(|text| serde_json::from_str(&text).ok()) {
            return Outcome { line: BatchLine::from_report(id, path, sha256, &report), reused: true };
        }
    }
    let elapsed = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let report = match analyse_within(&bundle.path, &settings.options, settings.timeout) {
        Ok(report) => report,
        Err(error) => {
            let error = super::super::one_line(&error);
            return Outcome {
                line: BatchLine::failed(id, Some(path), sha256, error, elapsed()),
                reused: false,
            };
        }
    };
    let value = serde_json::from_str(&report).unwrap_or_default();
    let mut line = BatchLine::from_report(id, path, sha256, &value);
    if let (Some(dir), Some(key)) = (&settings.out_dir, &key) {
        if let Err(e) = dir.store(key, &report) {
            line.status = super::line::ERROR;
            line.error = Some(super::super::one_line(&e));
        }
    }
    Outcome { line, reused: false }
}

/// The bundle's JSON report, or the one-line reason there is none. With a timeout the analysis runs on a
/// thread of its own that is given up on (left to end by itself: the engine bounds each member's time)
/// once the time is over.
fn analyse_within(path: &Path, options: &Options, timeout: Option<Duration>) -> Result<String> {
    let Some(timeout) = timeout else { return analyse_caught(path, options) };
    let (send, receive) = mpsc::channel();
    let (path_owned, options_owned) = (path.to_path_buf(), options.clone());
    std::thread::Builder::new()
        .name("bundle".into())
        .spawn(move || {
            let _ = send.send(analyse_caught(&path_owned, &options_owned));
        })
        .context("cannot start the analysis")?;
    match receive.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(anyhow!("timed out after {} s", timeout.as_secs())),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(anyhow!(INTERNAL_ERROR)),
    }
}

fn analyse_caught(path: &Path, options: &Options) -> Result<String> {
    match std::panic::catch_unwind(|| super::super::analyse(path, options)) {
        Ok(analysis) => analysis.map(|a| render_json(&a.report)),
        Err(_) => Err(anyhow!(INTERNAL_ERROR)),
    }
}
