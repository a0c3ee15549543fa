//! Naming each failed run's root cause among the findings.
//!
//! In order of strength: a finding the run's own code belongs to (the catalog's guest-side codes: status
//! `85` or `FailedSnapshotLimitReached` is `snapshot-limit-reached`); a finding with evidence during the run
//! or shortly before it (a crash four minutes before the failure), the most severe first and the one that
//! only restates the failure (`vmsnapshot-failed`) last; a condition that lasted across the run (the agent
//! not running, the WireServer unreachable). A consequence (`caused_by`) gives way to its cause. Nothing
//! found: "unexplained", with what the bundle lacks.

use chrono::{DateTime, Duration, Utc};

use super::{BackupRun, RootCause};
use crate::catalog::Catalog;
use crate::model::{Finding, Severity};

/// Evidence this long before a run's start can explain it (a crash, a block, a quarantine).
const LEAD_MINUTES: i64 = 30;
/// Evidence this long after a run's last record still belongs to it (status written late).
const TRAIL_MINUTES: i64 = 15;
/// Findings that only restate that the extension reported a failure: the cause when nothing else is.
const RESTATING: &[&str] = &["vmsnapshot-failed", "extension-failed"];

/// Sets the root cause and contributing findings of every failed or stuck run.
pub fn attribute(runs: &mut [BackupRun], findings: &[Finding]) {
    let catalog = Catalog::get();
    let candidates: Vec<&Finding> = findings.iter().filter(|f| f.severity <= Severity::Warning).collect();
    for run in runs.iter_mut().filter(|r| r.outcome.is_failure()) {
        let by_code = candidates.iter().copied().find(|f| {
            let codes = catalog.codes_of(&f.id);
            run.code.is_some_and(|c| codes.has_status_code(c))
                || run.error_name.as_deref().is_some_and(|n| codes.has_error_name(n))
                || run.code.is_some_and(|c| codes.has_exit_code(&c.to_string()) && c != 0)
        });
        let during: Vec<&Finding> = candidates.iter().copied().filter(|f| seen_during(f, run)).collect();
        let lasting: Vec<&Finding> =
            candidates.iter().copied().filter(|f| !during.contains(f) && lasted_across(f, run)).collect();
        let (cause, why) = if let Some(f) = by_code {
            (Some(f), format!("the run's code {} belongs to it", run.code_label()))
        } else if let Some(f) = strongest(&during) {
            (Some(f), "its evidence falls within the run or just before it".to_string())
        } else if let Some(f) = strongest(&lasting) {
            (Some(f), "it lasted across the run".to_string())
        } else {
            (None, missing(run))
        };
        // A consequence gives way to its cause when the cause is in the bundle too.
        let cause = cause
            .map(|f| f.caused_by.as_deref().and_then(|c| findings.iter().find(|g| g.id == c)).unwrap_or(f));
        run.root_cause = Some(RootCause { finding: cause.map(|f| f.id.clone()), why });
        let mut contributing: Vec<String> = during
            .iter()
            .chain(&lasting)
            .map(|f| f.id.clone())
            .filter(|id| Some(id) != cause.map(|f| &f.id))
            .collect();
        contributing.sort();
        contributing.dedup();
        run.contributing = contributing;
    }
}

/// The strongest explanation among `set`: not one that only restates the failure, not a consequence, the
/// most severe.
fn strongest<'f>(set: &[&'f Finding]) -> Option<&'f Finding> {
    set.iter()
        .copied()
        .min_by_key(|f| (RESTATING.contains(&f.id.as_str()), f.caused_by.is_some(), f.severity))
}

/// A finding with evidence dated within the run, or shortly before it.
fn seen_during(f: &Finding, run: &BackupRun) -> bool {
    let Some((start, end)) = run.span() else { return false };
    let from = start - Duration::minutes(LEAD_MINUTES);
    let to = end + Duration::minutes(TRAIL_MINUTES);
    let within = |t: DateTime<Utc>| t >= from && t <= to;
    f.evidence.iter().filter_map(|e| e.timestamp).any(|t| within(t.0))
        || run
            .evidence
            .iter()
            .any(|r| f.evidence.iter().any(|e| e.path == r.path && e.line.is_some() && e.line == r.line))
}

/// A finding whose evidence spans the run (it was there before and after).
fn lasted_across(f: &Finding, run: &BackupRun) -> bool {
    let Some((start, _)) = run.span() else { return false };
    match (f.first_seen, f.last_seen) {
        (Some(first), Some(last)) => first.0 <= start && last.0 >= start - Duration::hours(1),
        _ => false,
    }
}

/// What the bundle lacks to explain a failed run.
fn missing(run: &BackupRun) -> String {
    let has = |what: &str| run.evidence.iter().any(|e| e.path.to_ascii_lowercase().contains(what));
    let what = if !has("log") {
        "no log of the extension or the agent covers this run; collect the extension's own log"
    } else if run.code.is_none() && run.error_name.is_none() {
        "the logs show the run failing without a code or a cause; look at the extension's log around it"
    } else {
        "no finding matches the extension's code or was seen during the run; check the platform side"
    };
    match run.code_label().as_str() {
        "-" => what.to_string(),
        code => format!("the extension reported {code}, but {what}"),
    }
}
