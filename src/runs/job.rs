//! Focusing a report on the failed job a ticket names: its error code and when it failed.
//!
//! The answer names the run the job matches, the findings of the bundle that explain the code, and says
//! plainly when nothing in the guest can (a control-plane code: locks, Key Vault, restore-point limits) or
//! nothing in this bundle does, with what to check outside the VM.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{BackupRun, RunOutcome};
use crate::catalog::Catalog;
use crate::model::{Finding, Timestamp};

/// A run this close to the job's time is the job's run.
const MATCH_HOURS: i64 = 3;

/// The failed job to focus on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobQuery {
    /// The Azure Backup error code the job failed with.
    pub error_code: Option<String>,
    /// When it failed (UTC).
    pub time: Option<DateTime<Utc>>,
}

/// How the bundle answers for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobAnswer {
    /// Findings of the bundle explain the code.
    Explained,
    /// The code is decided outside the VM: no guest evidence can explain it.
    ControlPlane,
    /// The guest could show its cause, but this bundle shows none.
    NotInGuest,
    /// The code is not in the catalog.
    UnknownCode,
    /// Only a time was given: the run at that time and its cause.
    RunOnly,
}

/// The report's answer for one failed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFocus {
    /// The code asked about, as the catalog spells it when known.
    pub error_code: Option<String>,
    /// The time asked about.
    pub time: Option<Timestamp>,
    /// How the bundle answers.
    pub answer: JobAnswer,
    /// The run the job matches (nearest to its time, else the latest failed run).
    pub run: Option<String>,
    /// The bundle's findings that explain the code, cause first.
    pub findings: Vec<String>,
    /// The answer in a sentence or two.
    pub verdict: String,
    /// What to check outside the VM, when the guest does not explain the job.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub check_outside: Vec<String>,
}

/// Answers `query` from a report's runs and findings.
pub fn focus(query: &JobQuery, runs: &[BackupRun], findings: &[Finding]) -> JobFocus {
    let catalog = Catalog::get();
    let spec = query.error_code.as_deref().and_then(|c| catalog.code(c));
    let run = matching_run(runs, query.time);
    let mut explaining: Vec<&Finding> = match spec {
        Some(spec) => findings.iter().filter(|f| spec.findings.contains(&f.id)).collect(),
        None => Vec::new(),
    };
    explaining.sort_by_key(|f| (f.caused_by.is_some(), f.severity));
    // The matched run's own root cause leads when it explains the code.
    if let Some(cause) = run.and_then(|r| r.root_cause.as_ref()).and_then(|c| c.finding.as_deref()) {
        if let Some(at) = explaining.iter().position(|f| f.id == cause) {
            let f = explaining.remove(at);
            explaining.insert(0, f);
        }
    }
    let run_words = run.map(describe_run);
    let code_words = spec.map(|s| s.code.clone()).or_else(|| query.error_code.clone());
    let (answer, verdict, check_outside) = match (&query.error_code, spec) {
        (None, _) => {
            let verdict = match (run, run_words.as_deref()) {
                (Some(r), Some(words)) => match r.root_cause.as_ref().and_then(|c| c.finding.as_deref()) {
                    Some(cause) => format!("The job matches {words}; its root cause is {cause}."),
                    None if r.outcome.is_failure() => format!("The job matches {words}; nothing in the bundle explains it."),
                    None => format!("The job matches {words}."),
                },
                _ => "No backup run of the bundle is near that time: the job did not reach the VM, or the bundle \
                      does not cover it."
                    .to_string(),
            };
            (JobAnswer::RunOnly, verdict, Vec::new())
        }
        (Some(code), None) => (
            JobAnswer::UnknownCode,
            format!(
                "`{code}` is not an Azure Backup error code snaptriage knows (`snaptriage explain --list`)."
            ),
            Vec::new(),
        ),
        (Some(_), Some(spec)) if spec.findings.is_empty() || spec.guest_visible == "no" => (
            JobAnswer::ControlPlane,
            format!(
                "{} is decided outside the VM ({}): nothing in a guest bundle can explain it{}.",
                spec.code,
                spec.message.trim_end_matches('.'),
                run_words.as_deref().map(|w| format!("; the guest side of the job: {w}")).unwrap_or_default()
            ),
            spec.fix.clone(),
        ),
        (Some(_), Some(spec)) if !explaining.is_empty() => {
            let ids: Vec<&str> = explaining.iter().map(|f| f.id.as_str()).collect();
            let verdict = format!(
                "{} is explained by {}{}.",
                spec.code,
                ids.join(", "),
                run_words.as_deref().map(|w| format!(" ({w})")).unwrap_or_default()
            );
            (JobAnswer::Explained, verdict, Vec::new())
        }
        (Some(_), Some(spec)) => {
            let mut verdict = format!(
                "Nothing in this bundle explains {}{}; what the guest could show for it: {}",
                spec.code,
                run_words.as_deref().map(|w| format!(" ({w})")).unwrap_or_default(),
                spec.evidence.trim_end_matches('.')
            );
            // The run at that time failed for a reason the catalog files under other codes.
            let cause = run.and_then(|r| r.root_cause.as_ref()).and_then(|c| c.finding.as_deref());
            if let Some(f) = cause.and_then(|c| findings.iter().find(|f| f.id == c)) {
                let _ = write!(
                    verdict,
                    ". The run at that time failed because of {}, which Azure Backup reports as {}: check that the \
                     job's code is the one the portal shows for this run",
                    f.id,
                    f.error_codes.join(" or ")
                );
            }
            verdict.push('.');
            (JobAnswer::NotInGuest, verdict, spec.fix.clone())
        }
    };
    JobFocus {
        error_code: code_words,
        time: query.time.map(Timestamp),
        answer,
        run: run.map(|r| r.id.clone()),
        findings: explaining.iter().map(|f| f.id.clone()).collect(),
        verdict,
        check_outside,
    }
}

/// The run nearest to `time` (within [`MATCH_HOURS`], a failed one first at equal distance), else without a
/// time the latest failed run.
fn matching_run(runs: &[BackupRun], time: Option<DateTime<Utc>>) -> Option<&BackupRun> {
    match time {
        Some(t) => runs
            .iter()
            .filter_map(|r| {
                let (start, end) = r.span()?;
                let distance = if t < start {
                    start - t
                } else if t > end {
                    t - end
                } else {
                    Duration::zero()
                };
                (distance <= Duration::hours(MATCH_HOURS)).then_some((distance, !r.outcome.is_failure(), r))
            })
            .min_by_key(|(d, ok, _)| (*d, *ok))
            .map(|(_, _, r)| r),
        None => runs.iter().rev().find(|r| r.outcome.is_failure()),
    }
}

fn describe_run(run: &BackupRun) -> String {
    let when = run.ended.or(run.started).map(|t| t.human()).unwrap_or_else(|| "an unknown time".into());
    let seq = run.seq.map(|s| format!(", sequence number {s}")).unwrap_or_default();
    match run.outcome {
        RunOutcome::Success | RunOutcome::Warning => {
            format!("{} succeeded in the guest at {when}{seq}: the failure is on the platform side", run.id)
        }
        _ => format!("{} {} at {when}{seq}, code {}", run.id, run.outcome.as_str(), run.code_label()),
    }
}
