//! Analysing in parallel, writing in input order. Inputs are started on the pool at most `window` ahead
//! of the next line due; finished lines wait in a reorder buffer until every earlier line is out. The
//! buffer therefore never holds more than `window` lines, however long the batch.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use anyhow::{Context, Result};
use rayon::ThreadPool;

use super::analyse::{line_for, Outcome, Settings};
use super::inputs::Input;

/// Analyses `items` on `pool` and hands each outcome to `emit` in input order. An error from `emit` (the
/// reader went away) stops the batch: inputs not started yet are not analysed.
pub fn run(
    pool: &ThreadPool,
    items: &[Input],
    window: usize,
    done: &AtomicU64,
    settings: &Settings,
    mut emit: impl FnMut(Outcome) -> Result<()>,
) -> Result<()> {
    let window = window.max(1);
    let stop = AtomicBool::new(false);
    let (send, receive) = mpsc::channel::<(usize, Outcome)>();
    pool.in_place_scope(|scope| {
        let mut waiting: BTreeMap<usize, Outcome> = BTreeMap::new();
        let (mut started, mut written) = (0, 0);
        let result = loop {
            while started < items.len() && started < written + window {
                let (index, item, send, stop) = (started, &items[started], send.clone(), &stop);
                scope.spawn(move |_| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| line_for(item, settings)))
                        .unwrap_or_else(|_| Outcome::internal_error(item));
                    done.fetch_add(1, Ordering::Relaxed);
                    let _ = send.send((index, outcome));
                });
                started += 1;
            }
            if written == items.len() {
                break Ok(());
            }
            // Every input not yet written has a sender alive (ours, at least): this waits, never fails.
            let (index, outcome) = match receive.recv().context("a bundle's analysis vanished") {
                Ok(received) => received,
                Err(e) => break Err(e),
            };
            waiting.insert(index, outcome);
            let mut failed = None;
            while let Some(outcome) = waiting.remove(&written) {
                written += 1;
                if let Err(e) = emit(outcome) {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(e) = failed {
                break Err(e);
            }
        };
        stop.store(true, Ordering::Relaxed);
        result
    })
}
