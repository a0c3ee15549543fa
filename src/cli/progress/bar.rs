//! The thread that draws the bar: it polls what the run has done about ten times a second, draws once
//! [`should_draw`] says so, and clears the bar when the run is over.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use snaptriage::progress::Progress;

use super::forced::ForcedStderr;
use super::{should_draw, ProgressMode, Workload};

/// Time between two looks at the run's counters.
const TICK: Duration = Duration::from_millis(100);
/// Redraws per second at most.
const REDRAWS_PER_SECOND: u8 = 10;

const BUNDLE_TEMPLATE: &str = "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} · {msg}";
const BATCH_TEMPLATE: &str = "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} bundles";

/// What the bar shows.
#[derive(Debug, Clone)]
pub enum Source {
    /// One bundle: the bytes its analysis has read against the listed estimate, and members done.
    Bundle(Arc<Progress>),
    /// A batch: bundles done of the total.
    Batch {
        /// Bundles done so far, counted by the workers.
        done: Arc<AtomicU64>,
        /// Bundles in the batch.
        total: u64,
    },
}

impl Source {
    fn workload(&self) -> Workload {
        match self {
            Source::Bundle(progress) => Workload::Bundle { listed_bytes: progress.expected() },
            Source::Batch { total, .. } => {
                Workload::Batch { bundles: usize::try_from(*total).unwrap_or(usize::MAX) }
            }
        }
    }

    fn style(&self) -> ProgressStyle {
        let template = match self {
            Source::Bundle(_) => BUNDLE_TEMPLATE,
            Source::Batch { .. } => BATCH_TEMPLATE,
        };
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }

    fn show(&self, bar: &ProgressBar) {
        match self {
            Source::Bundle(progress) => {
                let (read, expected) = (progress.read(), progress.expected());
                // Until intake has listed the members there is no total to fill the bar against.
                if expected == 0 {
                    bar.unset_length();
                } else {
                    bar.set_length(expected.max(read));
                }
                bar.set_position(read);
                let (members, done) = progress.members();
                bar.set_message(format!("{done}/{members} members"));
            }
            Source::Batch { done, total } => {
                bar.set_length(*total);
                bar.set_position(done.load(Ordering::Relaxed));
            }
        }
    }
}

/// The bar once drawn, shared with whoever writes to standard output meanwhile (see [`Bar::suspend`]).
type Shown = Arc<Mutex<Option<ProgressBar>>>;

fn lock(shown: &Shown) -> MutexGuard<'_, Option<ProgressBar>> {
    shown.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A progress bar on standard error for as long as this lives; dropping it (or [`Bar::clear`]) stops the
/// drawing thread and erases the bar.
#[derive(Debug)]
pub struct Bar {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    shown: Shown,
}

impl Bar {
    /// Starts watching `source`; when no bar can come of it (`never`, or `auto` off a terminal) nothing runs.
    pub fn start(mode: ProgressMode, source: Source) -> Bar {
        let shown = Shown::default();
        let terminal = std::io::stderr().is_terminal();
        // Neither of these can ever come to draw: no thread to watch for it.
        if mode == ProgressMode::Never || (mode == ProgressMode::Auto && !terminal) {
            return Bar { stop: None, thread: None, shown };
        }
        let (stop, stopped) = mpsc::channel();
        let drawn = shown.clone();
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || watch(mode, terminal, &source, &drawn, &stopped))
            .ok();
        Bar { stop: Some(stop), thread, shown }
    }

    /// Runs `write` with the bar taken off the screen, so that lines written to a terminal meanwhile are
    /// not drawn over.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        let shown = lock(&self.shown);
        match shown.as_ref() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Stops drawing and erases the bar.
    pub fn clear(self) {}
}

impl Drop for Bar {
    fn drop(&mut self) {
        // Closing the channel is the signal to stop.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The drawing thread: looks at the counters every [`TICK`] until the channel closes.
fn watch(mode: ProgressMode, terminal: bool, source: &Source, shown: &Shown, stopped: &Receiver<()>) {
    loop {
        let bar = {
            let mut slot = lock(shown);
            if slot.is_none() && should_draw(mode, terminal, source.workload()) {
                *slot = Some(new_bar(source, terminal));
            }
            slot.clone()
        };
        if let Some(bar) = bar {
            source.show(&bar);
        }
        match stopped.recv_timeout(TICK) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some(bar) = lock(shown).take() {
        bar.finish_and_clear();
    }
}

fn new_bar(source: &Source, terminal: bool) -> ProgressBar {
    let target = if terminal {
        ProgressDrawTarget::stderr_with_hz(REDRAWS_PER_SECOND)
    } else {
        ProgressDrawTarget::term_like_with_hz(Box::new(ForcedStderr), REDRAWS_PER_SECOND)
    };
    let bar = ProgressBar::with_draw_target(None, target).with_style(source.style());
    source.show(&bar);
    bar.tick();
    bar
}
