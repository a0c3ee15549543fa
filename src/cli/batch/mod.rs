//! `snaptriage batch`: many bundles, one JSON line each, in input order; a bad bundle is an error line,
//! never a stop.
//!
//! Bundles are analysed in parallel on a thread pool of `--jobs` threads. Lines leave in input order
//! through a reorder buffer ([`ordered`]): a bundle finished far ahead of the next line due waits there,
//! and no bundle more than [`WINDOW_PER_JOB`] × jobs inputs ahead of it is started, so the buffer (and the
//! memory the batch holds) stays bounded however many bundles there are.

mod analyse;
mod discover;
mod inputs;
mod line;
mod ordered;
mod out_dir;
mod shard;
mod summary;

use std::io::IsTerminal;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::args::BatchArgs;
use super::output::Output;
use super::progress::{Bar, Source};
use super::{options, output, EXIT_CLEAN};
use analyse::Settings;
use inputs::{Input, Sources};
use shard::Shard;
use summary::Summary;

/// Inputs started at most ahead of the next line to write, per job.
const WINDOW_PER_JOB: usize = 4;

/// Runs the batch: exit 0 once every input has its line (error lines included); an error (exit 2) when the
/// batch itself cannot run.
pub fn run(args: BatchArgs) -> Result<u8> {
    let shard = Shard::from_flags(
        args.shard_index,
        args.shard_count,
        std::env::var("JOB_COMPLETION_INDEX").ok().as_deref(),
    )?;
    let options = options(&args.engine, false)?;
    let stdin = std::io::stdin();
    let gathered = inputs::gather(Sources {
        paths: &args.inputs,
        manifest: args.manifest.as_deref(),
        jsonl: args.stdin_jsonl.then(|| Box::new(stdin.lock()) as Box<dyn std::io::BufRead>),
    })?;
    let mut summary = Summary {
        skipped: gathered.skipped.len(),
        duplicates: gathered.duplicates,
        skipped_files: gathered.skipped,
        ..Summary::default()
    };
    let all = gathered.items.len();
    let items: Vec<Input> = match shard {
        Some(shard) => gathered.items.into_iter().filter(|i| shard.keeps(i.shard_key())).collect(),
        None => gathered.items,
    };
    summary.other_shards = all - items.len();
    if all == 0 {
        bail!("no bundles found in the inputs");
    }
    if args.list {
        return list(&items, &summary, args.output.as_deref(), args.quiet);
    }
    let out_dir = args.out_dir.as_deref().map(out_dir::OutDir::open).transpose()?;
    let settings = Settings {
        options,
        timeout: args.timeout.map(Duration::from_secs),
        out_dir,
        skip_existing: args.skip_existing,
    };
    let jobs = args.jobs.filter(|&j| j > 0).unwrap_or_else(rayon::current_num_threads);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("starting the thread pool")?;
    let mut out = Output::open(args.output.as_deref())?;
    let done = Arc::new(AtomicU64::new(0));
    let total = u64::try_from(items.len()).unwrap_or(u64::MAX);
    let bar = Bar::start(args.engine.progress, Source::Batch { done: done.clone(), total });
    let written = ordered::run(&pool, &items, jobs * WINDOW_PER_JOB, &done, &settings, |outcome| {
        summary.add(&outcome.line, outcome.reused);
        let text = serde_json::to_string(&outcome.line).context("writing a line")? + "\n";
        bar.suspend(|| out.write_line(text.as_bytes()))
    });
    bar.clear();
    written?;
    out.finish()?;
    if let Some(path) = &args.summary {
        std::fs::write(path, summary.to_json())
            .with_context(|| format!("{}: cannot write the summary", path.display()))?;
    }
    if !args.quiet {
        let width = if std::io::stderr().is_terminal() { output::terminal_width() } else { 100 };
        eprint!("{}", summary.to_text(width));
    }
    Ok(EXIT_CLEAN)
}

/// `--list`: each input as a `--stdin-jsonl` line (`{"bundle", "id"}`; a bad input line keeps its error),
/// and what was left out on standard error.
fn list(items: &[Input], summary: &Summary, output: Option<&std::path::Path>, quiet: bool) -> Result<u8> {
    let mut out = Output::open(output)?;
    for item in items {
        let entry = match item {
            Input::Bundle(b) => serde_json::json!({"bundle": b.path, "id": item.id()}),
            Input::Invalid { id, error } => serde_json::json!({"id": id, "error": error}),
        };
        out.write_line(format!("{entry}\n").as_bytes())?;
    }
    out.finish()?;
    if quiet {
        return Ok(EXIT_CLEAN);
    }
    eprintln!(
        "listed {} inputs; {} files skipped (not bundles), {} duplicates dropped, {} left to other shards",
        items.len(),
        summary.skipped,
        summary.duplicates,
        summary.other_shards
    );
    Ok(EXIT_CLEAN)
}
