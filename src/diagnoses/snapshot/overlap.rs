//! `backup-overlap`: a new snapshot task arrived while one was running.

use chrono::Duration;

use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;
use crate::timeline::human_duration;

/// The platform gives a snapshot task this long; a new run within it while one is open overlaps.
const TASK_WINDOW_MINUTES: i64 = 140;

/// `backup-overlap`.
pub struct BackupOverlap;

impl Diagnosis for BackupOverlap {
    fn id(&self) -> &'static str {
        "backup-overlap"
    }

    fn rule(&self) -> &'static str {
        "In the extension log, a new run starts within 140 min of an earlier run that has neither written a final \
         status nor failed (a new sequence number after a failed enable is the next task); a task delivered twice \
         and skipped adds low-confidence evidence. The agent's 'not all the extensions in the previous goal state \
         have completed' is routine and never counts."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["snap.run-start", "snap.final-status", "snap.failure", "snap.status-code", "snap.task-repeated"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let overlaps = overlapping_runs(cx);
        // The agent's "not all the extensions in the previous goal state have completed" is routine goal-state
        // bookkeeping, not a second snapshot task: it is never evidence of an overlap.
        let repeated: Vec<&Signal> = cx.named("snap.task-repeated").collect();
        if overlaps.is_empty() && repeated.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(overlaps.iter().flat_map(|(a, b)| [*a, *b]));
        evidence.extend(evidence_of(repeated.iter().copied()));
        let mut parts = Vec::new();
        if let Some((first, second)) = overlaps.first() {
            let gap = second.time.zip(first.time).map(|(b, a)| human_duration(b - a)).unwrap_or_default();
            parts.push(format!(
                "a new run started {gap} after an unfinished one ({})",
                count(overlaps.len(), "overlap")
            ));
        }
        if !repeated.is_empty() {
            parts.push(format!("the same task was delivered again {}", count(repeated.len(), "time")));
        }
        let (severity, confidence) = if !overlaps.is_empty() {
            (None, Confidence::High)
        } else {
            (Some(Severity::Info), Confidence::Low)
        };
        let summary = format!("Snapshot tasks overlapped: {}.", parts.join("; "));
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
    }
}

/// Pairs (open run start, new run start) where a run started while another was still open.
fn overlapping_runs<'c>(cx: &'c Context<'_>) -> Vec<(&'c Signal, &'c Signal)> {
    let mut out = Vec::new();
    let mut open: Option<&Signal> = None;
    // A run that failed is over, whatever its log says next: a new sequence number after a failed enable is
    // the next task, not an overlap.
    let ended_by_failure = |s: &Signal| match &*s.name {
        "snap.failure" | "snap.status-code" => true,
        "ext.failure" | "ext.nonzero-exit" => s.is_backup_extension(),
        _ => false,
    };
    let relevant = |s: &&Signal| s.kind == ArtifactKind::VmSnapshotLog || ended_by_failure(s);
    for s in cx.signals.iter().filter(relevant) {
        if ended_by_failure(s) {
            if open.is_some_and(|o| o.time.zip(s.time).is_some_and(|(o, t)| t >= o)) {
                open = None;
            }
            continue;
        }
        match &*s.name {
            "snap.run-start" => {
                if let (Some(prev), Some(t)) = (open, s.time) {
                    if prev.time.is_some_and(|p| t - p <= Duration::minutes(TASK_WINDOW_MINUTES) && t > p) {
                        out.push((prev, s));
                        continue;
                    }
                }
                open = Some(s);
            }
            "snap.final-status" if s.capture("code") != Some("4") => open = None,
            _ => {}
        }
    }
    out
}
