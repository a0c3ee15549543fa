//! What changed between two reports of the same VM: one from a bundle collected before a fix (OLD), one
//! collected after it (NEW).
//!
//! [`compare`] sorts the findings and the backup runs of both reports into what the fix **resolved** (in OLD
//! only), what is **new** (in NEW only) and what **persists** (in both), and says it in a one-line
//! [`Verdict`]. [`render`] prints a diff as a table, JSON, Markdown or HTML.
//!
//! How the two sides are matched:
//!
//! - Findings by id. A persisting finding keeps both time ranges (OLD's and NEW's first and last evidence)
//!   and notes a change of severity; a finding whose last evidence in NEW predates the runs since OLD is
//!   simply shown with that range, and the reader compares it with the runs.
//! - Runs by settings sequence number when both runs have one, else by start within
//!   [`RUN_MATCH_WINDOW_MINUTES`] minutes. NEW's logs usually still hold OLD's period, so most of OLD's runs
//!   are found again in NEW; the runs found only in NEW are those since OLD was collected. A run of OLD that
//!   failed is not "resolved" by being absent from NEW: what matters is the **latest** run on each side, shown
//!   as "the last run before" and "the last run after", with the runs only NEW holds and their outcomes.
//! - A finding counts as fixed when it was of severity error or worse in OLD and is absent from NEW, is below
//!   error there (a failure that later recovered is a warning), or when its last evidence in NEW is older than
//!   the first run since OLD (NEW's logs still hold OLD's failure).
//! - The exit code, as for `analyze`, follows NEW's findings alone: 1 when NEW has one of severity error or
//!   worse — even when that finding is only OLD's failure still in NEW's logs.
//!
//! The verdict is `fixed` (no error-or-worse finding is new or left, and every run since succeeded), `not
//! fixed` (the last run still fails for the reason it failed before, or an error-or-worse finding persists
//! with no run since to say otherwise), `changed` (something else: another cause, a new problem, some runs
//! since failing) or `unchanged` (nothing to tell the two apart).
//!
//! The two reports should be of the same VM: [`compare`] warns, without failing, when their operating
//! systems or time zones differ, when NEW's settings sequence numbers run behind OLD's, and when NEW was
//! collected before OLD.

pub mod render;

use chrono::Duration;
use serde::Serialize;

use crate::facts::identity::{primary, IdentityKind};
use crate::model::{Finding, Severity, Timestamp};
use crate::report::Report;
use crate::runs::{BackupRun, RunOutcome};

pub use render::{render_html, render_json, render_markdown, render_table};

/// Version of the JSON diff's shape; bumped on breaking change.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// Two runs without sequence numbers on both sides are the same run when they started this close.
pub const RUN_MATCH_WINDOW_MINUTES: i64 = 5;

/// The comparison of two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportDiff {
    /// [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The bundle collected before the fix.
    pub old: Side,
    /// The bundle collected after it.
    pub new: Side,
    /// What the fix changed, in one line.
    pub verdict: Verdict,
    /// Reasons to doubt the two bundles are of one VM, in the order before/after.
    pub warnings: Vec<String>,
    /// Findings resolved, new and persisting.
    pub findings: FindingChanges,
    /// Backup runs on both sides.
    pub runs: RunChanges,
}

impl ReportDiff {
    /// True when NEW has a finding of severity error or worse (exit code 1, as for `analyze`).
    pub fn new_has_errors(&self) -> bool {
        self.new.has_errors
    }
}

/// One bundle as the diff shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The bundle's path, as given.
    pub path: String,
    /// SHA-256 of the bundle file, when it is one.
    pub sha256: Option<String>,
    /// `linux`, `windows` or `unknown`.
    pub os: String,
    /// The OS release the bundle names (`Debian GNU/Linux 11`).
    pub os_name: Option<String>,
    /// The machine, in words (`VM web-01`, `host sql1`).
    pub machine: Option<String>,
    /// The guest agent's version.
    pub agent_version: Option<String>,
    /// How local-time logs were read.
    pub time_zone: Option<String>,
    /// When it was collected.
    pub collected_at: Option<Timestamp>,
    /// Findings in the report.
    pub findings: usize,
    /// Backup runs in the report.
    pub runs: usize,
    /// True when a finding is of severity error or worse.
    pub has_errors: bool,
}

impl Side {
    fn of(report: &Report) -> Side {
        Side {
            path: report.bundle.path.clone(),
            sha256: report.bundle.sha256.clone(),
            os: report.bundle.os.clone(),
            os_name: report.facts.os.clone(),
            machine: crate::report::words::machine(&report.facts),
            agent_version: report.facts.agent_version.clone(),
            time_zone: report.facts.time_zone.clone(),
            collected_at: report.bundle.collected_at,
            findings: report.findings.len(),
            runs: report.runs.len(),
            has_errors: report.has_errors(),
        }
    }
}

/// What the fix changed, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Its kind.
    pub kind: VerdictKind,
    /// The line: `fixed: fsfreeze-failed no longer found and the 2 runs since succeed`.
    pub text: String,
}

/// The kinds of verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    /// The problem is gone and the runs since succeed.
    Fixed,
    /// The problem is still there.
    NotFixed,
    /// Something else changed.
    Changed,
    /// Nothing tells the two apart.
    Unchanged,
}

impl VerdictKind {
    /// As the verdict line starts: `fixed`, `not fixed`, `changed`, `unchanged`.
    pub fn as_str(&self) -> &'static str {
        match self {
            VerdictKind::Fixed => "fixed",
            VerdictKind::NotFixed => "not fixed",
            VerdictKind::Changed => "changed",
            VerdictKind::Unchanged => "unchanged",
        }
    }
}

/// A finding on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingState {
    /// Stable id.
    pub id: String,
    /// How bad.
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// Azure Backup error codes it explains.
    pub error_codes: Vec<String>,
    /// Earliest evidence.
    pub first_seen: Option<Timestamp>,
    /// Latest evidence.
    pub last_seen: Option<Timestamp>,
    /// The finding it is a consequence of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
}

impl FindingState {
    fn of(f: &Finding) -> FindingState {
        FindingState {
            id: f.id.clone(),
            severity: f.severity,
            title: f.title.clone(),
            error_codes: f.error_codes.clone(),
            first_seen: f.first_seen,
            last_seen: f.last_seen,
            caused_by: f.caused_by.clone(),
        }
    }

    /// `first → last` as people read it, `-` for what is undated.
    pub fn range(&self) -> String {
        let at = |t: &Option<Timestamp>| t.map_or_else(|| "-".to_string(), |t| t.human());
        format!("{} → {}", at(&self.first_seen), at(&self.last_seen))
    }
}

/// A finding in both reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersistingFinding {
    /// Stable id.
    pub id: String,
    /// As OLD has it.
    pub old: FindingState,
    /// As NEW has it.
    pub new: FindingState,
    /// True when its severity differs.
    pub severity_changed: bool,
}

/// Findings sorted by side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingChanges {
    /// In OLD only, in OLD's order.
    pub resolved: Vec<FindingState>,
    /// In NEW only, in NEW's order.
    pub new: Vec<FindingState>,
    /// In both, in NEW's order.
    pub persisting: Vec<PersistingFinding>,
}

/// A backup run as the diff shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunState {
    /// The run's id in its own report (`run-3`).
    pub id: String,
    /// Settings sequence number.
    pub seq: Option<u64>,
    /// When it started.
    pub started: Option<Timestamp>,
    /// When it ended.
    pub ended: Option<Timestamp>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The code as reports print it (`121 FailedRetryableFsFreezeFailed`, `-`).
    pub code: String,
    /// For a failed run: the finding that explains it, or `unexplained`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
}

impl RunState {
    fn of(r: &BackupRun) -> RunState {
        RunState {
            id: r.id.clone(),
            seq: r.seq,
            started: r.started,
            ended: r.ended,
            outcome: r.outcome,
            code: r.code_label(),
            root_cause: r.root_cause.as_ref().map(|_| r.cause_label().to_string()),
        }
    }

    /// When it happened: its start, else its end.
    pub fn at(&self) -> Option<Timestamp> {
        self.started.or(self.ended)
    }

    /// `run-4 (seq 122) at 2025-04-11 01:03:27 UTC: failed, 121 FailedRetryableFsFreezeFailed, root cause
    /// fsfreeze-failed`.
    pub fn line(&self) -> String {
        let mut s = self.id.clone();
        if let Some(seq) = self.seq {
            s.push_str(&format!(" (seq {seq})"));
        }
        if let Some(t) = self.at() {
            s.push_str(&format!(" at {}", t.human()));
        }
        s.push_str(&format!(": {}", self.outcome.as_str()));
        if self.code != "-" {
            s.push_str(&format!(", {}", self.code));
        }
        if let Some(c) = &self.root_cause {
            s.push_str(&format!(", root cause {c}"));
        }
        s
    }
}

/// How many runs fall where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Runs in OLD.
    pub old: usize,
    /// Runs in NEW.
    pub new: usize,
    /// Runs found in both.
    pub in_both: usize,
    /// Runs only OLD shows (rotated out of NEW's logs, or another VM).
    pub only_old: usize,
    /// Runs only NEW shows: those since OLD.
    pub only_new: usize,
    /// Of those, the ones that failed or got stuck.
    pub only_new_failed: usize,
}

/// Backup runs on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunChanges {
    /// The latest run OLD shows.
    pub last_before: Option<RunState>,
    /// The latest run NEW shows.
    pub last_after: Option<RunState>,
    /// Counts.
    pub counts: RunCounts,
    /// Runs only NEW shows, oldest first.
    pub only_new: Vec<RunState>,
    /// Runs only OLD shows, oldest first.
    pub only_old: Vec<RunState>,
}

/// Compares the report of the bundle collected before a fix with the one collected after it.
pub fn compare(old: &Report, new: &Report) -> ReportDiff {
    let findings = compare_findings(&old.findings, &new.findings);
    let runs = compare_runs(&old.runs, &new.runs);
    let verdict = verdict(old, new, &findings, &runs);
    ReportDiff {
        schema_version: DIFF_SCHEMA_VERSION,
        old: Side::of(old),
        new: Side::of(new),
        verdict,
        warnings: same_vm_warnings(old, new),
        findings,
        runs,
    }
}

fn compare_findings(old: &[Finding], new: &[Finding]) -> FindingChanges {
    let find = |list: &[Finding], id: &str| list.iter().position(|f| f.id == id);
    let resolved =
        old.iter().filter(|f| find(new, &f.id).is_none()).map(FindingState::of).collect::<Vec<_>>();
    let mut added = Vec::new();
    let mut persisting = Vec::new();
    for f in new {
        match find(old, &f.id) {
            None => added.push(FindingState::of(f)),
            Some(i) => persisting.push(PersistingFinding {
                id: f.id.clone(),
                old: FindingState::of(&old[i]),
                new: FindingState::of(f),
                severity_changed: old[i].severity != f.severity,
            }),
        }
    }
    FindingChanges { resolved, new: added, persisting }
}

/// True when two runs, one of each report, are the same attempt.
fn same_run(a: &BackupRun, b: &BackupRun) -> bool {
    if let (Some(x), Some(y)) = (a.seq, b.seq) {
        return x == y;
    }
    match (a.started.or(a.ended), b.started.or(b.ended)) {
        (Some(x), Some(y)) => (x.0 - y.0).abs() <= Duration::minutes(RUN_MATCH_WINDOW_MINUTES),
        _ => false,
    }
}

fn compare_runs(old: &[BackupRun], new: &[BackupRun]) -> RunChanges {
    let mut matched_old = vec![false; old.len()];
    let mut only_new = Vec::new();
    for run in new {
        let twin = old.iter().enumerate().position(|(i, o)| !matched_old[i] && same_run(o, run));
        match twin {
            Some(i) => matched_old[i] = true,
            None => only_new.push(RunState::of(run)),
        }
    }
    let only_old: Vec<RunState> =
        old.iter().zip(&matched_old).filter(|(_, m)| !**m).map(|(r, _)| RunState::of(r)).collect();
    let counts = RunCounts {
        old: old.len(),
        new: new.len(),
        in_both: matched_old.iter().filter(|m| **m).count(),
        only_old: only_old.len(),
        only_new: only_new.len(),
        only_new_failed: only_new.iter().filter(|r| r.outcome.is_failure()).count(),
    };
    RunChanges {
        last_before: latest(old).map(RunState::of),
        last_after: latest(new).map(RunState::of),
        counts,
        only_new,
        only_old,
    }
}

/// The latest run: the last one with the latest time (reports list runs oldest first).
fn latest(runs: &[BackupRun]) -> Option<&BackupRun> {
    runs.iter().enumerate().max_by_key(|(i, r)| (r.started.or(r.ended), *i)).map(|(_, r)| r)
}

fn is_error(s: Severity) -> bool {
    s <= Severity::Error
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "the run since" / "the 3 runs since".
fn runs_since(n: usize) -> String {
    if n == 1 {
        "the run since".into()
    } else {
        format!("the {n} runs since")
    }
}

fn at_text(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "an unknown time".to_string(), |t| t.human())
}

fn verdict(old: &Report, new: &Report, findings: &FindingChanges, runs: &RunChanges) -> Verdict {
    let say = |kind: VerdictKind, rest: String| Verdict { kind, text: format!("{}: {rest}", kind.as_str()) };
    // Error-or-worse problems of OLD that NEW no longer has at that level.
    let mut gone: Vec<String> = findings
        .resolved
        .iter()
        .filter(|f| is_error(f.severity))
        .map(|f| format!("{} no longer found", f.id))
        .collect();
    gone.extend(
        findings
            .persisting
            .iter()
            .filter(|p| is_error(p.old.severity) && !is_error(p.new.severity))
            .map(|p| format!("{} now only a {}", p.id, p.new.severity.as_str())),
    );
    let left: Vec<&PersistingFinding> =
        findings.persisting.iter().filter(|p| is_error(p.old.severity) && is_error(p.new.severity)).collect();
    let added: Vec<&FindingState> = findings.new.iter().filter(|f| is_error(f.severity)).collect();
    let added_text = || {
        and_list(
            &added
                .iter()
                .map(|f| format!("{} is new (since {})", f.id, at_text(f.first_seen)))
                .collect::<Vec<_>>(),
        )
    };
    let before_failed = runs.last_before.as_ref().is_some_and(|r| r.outcome.is_failure());
    let old_had_problem = old.has_errors() || before_failed;
    let since = runs.counts.only_new;

    if let Some(after) = runs.last_after.as_ref().filter(|r| r.outcome.is_failure()) {
        let cause = after.root_cause.clone().unwrap_or_else(|| "unexplained".into());
        let what = format!("last run at {} {} ({})", at_text(after.at()), after.outcome.as_str(), after.code);
        let before_cause =
            runs.last_before.as_ref().filter(|r| r.outcome.is_failure()).and_then(|r| r.root_cause.clone());
        if before_cause.as_deref() == Some(cause.as_str()) || left.iter().any(|p| p.id == cause) {
            return say(VerdictKind::NotFixed, format!("{cause} persists, {what}"));
        }
        return match before_cause {
            Some(b) => say(VerdictKind::Changed, format!("the {what}, now {cause} (before: {b})")),
            None => say(VerdictKind::Changed, format!("the {what} ({cause}); the last run before succeeded")),
        };
    }
    if since > 0 && runs.last_after.is_some() {
        let failed = runs.counts.only_new_failed;
        if failed > 0 {
            return say(
                VerdictKind::Changed,
                format!("the last run succeeds, but {failed} of {} failed", runs_since(since)),
            );
        }
        if !added.is_empty() {
            return say(VerdictKind::Changed, format!("{} succeed, but {}", runs_since(since), added_text()));
        }
        // Evidence that stops before the first run since is OLD's problem still in the logs, not a new one.
        let first_since = runs.only_new.iter().filter_map(RunState::at).min();
        let stale =
            |p: &&PersistingFinding| matches!((p.new.last_seen, first_since), (Some(l), Some(f)) if l < f);
        gone.extend(
            left.iter()
                .filter(|p| stale(p))
                .map(|p| format!("{} not seen since {}", p.id, at_text(p.new.last_seen))),
        );
        if let Some(p) = left.iter().find(|p| !stale(p)) {
            return say(
                VerdictKind::Changed,
                format!(
                    "{} succeed, but {} is still found (last seen {})",
                    runs_since(since),
                    p.id,
                    at_text(p.new.last_seen)
                ),
            );
        }
        if !gone.is_empty() {
            return say(VerdictKind::Fixed, format!("{} and {} succeed", and_list(&gone), runs_since(since)));
        }
        if old_had_problem {
            return say(VerdictKind::Fixed, format!("{} succeed", runs_since(since)));
        }
        return say(
            VerdictKind::Unchanged,
            format!("no problem before or after; {} succeed", runs_since(since)),
        );
    }
    // No run since OLD: the findings alone speak.
    if let Some(p) = left.first() {
        let ids: Vec<String> = left.iter().map(|p| p.id.clone()).collect();
        return say(
            VerdictKind::NotFixed,
            format!(
                "{} {} (last seen {}), no backup run since",
                and_list(&ids),
                if ids.len() == 1 { "persists" } else { "persist" },
                at_text(p.new.last_seen)
            ),
        );
    }
    if !added.is_empty() {
        return say(VerdictKind::Changed, added_text());
    }
    if !gone.is_empty() {
        return say(VerdictKind::Fixed, format!("{}; no backup run since to confirm it", and_list(&gone)));
    }
    if findings.resolved.is_empty() && findings.new.is_empty() && !new.has_errors() {
        return say(VerdictKind::Unchanged, "no finding resolved or new, and no backup run since".into());
    }
    say(
        VerdictKind::Changed,
        format!(
            "{} resolved and {} new, none of severity error or worse",
            crate::report::words::count(findings.resolved.len(), "finding"),
            findings.new.len()
        ),
    )
}

/// Reasons to doubt that OLD and NEW are of the same VM, collected in that order.
fn same_vm_warnings(old: &Report, new: &Report) -> Vec<String> {
    let mut warnings = Vec::new();
    let differ = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(x), Some(y)) if x != y);
    if old.bundle.os != new.bundle.os && old.bundle.os != "unknown" && new.bundle.os != "unknown" {
        warnings.push(format!(
            "the bundles look like different VMs: OLD is {}, NEW is {}",
            old.bundle.os, new.bundle.os
        ));
    } else if differ(&old.facts.os, &new.facts.os) {
        warnings.push(format!(
            "the bundles look like different VMs: OLD runs {}, NEW runs {}",
            old.facts.os.as_deref().unwrap_or("-"),
            new.facts.os.as_deref().unwrap_or("-")
        ));
    }
    for kind in [IdentityKind::VmName, IdentityKind::Hostname] {
        let name = |r: &Report| primary(&r.facts.identity, kind).map(str::to_ascii_lowercase);
        if let (Some(a), Some(b)) = (name(old), name(new)) {
            if a.split('.').next() != b.split('.').next() {
                let shown = |r: &Report| primary(&r.facts.identity, kind).unwrap_or("-").to_string();
                warnings.push(format!(
                    "the bundles look like different VMs: OLD's {} is {}, NEW's is {}",
                    kind.label(),
                    shown(old),
                    shown(new)
                ));
                break;
            }
        }
    }
    if differ(&old.facts.time_zone, &new.facts.time_zone) {
        warnings.push(format!(
            "local-time logs were read differently (OLD: {}, NEW: {}): another VM, or another zone setting",
            old.facts.time_zone.as_deref().unwrap_or("-"),
            new.facts.time_zone.as_deref().unwrap_or("-")
        ));
    }
    let top_seq = |r: &Report| r.runs.iter().filter_map(|run| run.seq).max();
    if let (Some(a), Some(b)) = (top_seq(old), top_seq(new)) {
        if b < a {
            warnings.push(format!(
                "NEW's backup sequence numbers stop at {b}, below OLD's {a}: another VM, or NEW is the older bundle"
            ));
        }
    }
    if let (Some(a), Some(b)) = (old.bundle.collected_at, new.bundle.collected_at) {
        if b < a {
            warnings.push(format!(
                "NEW was collected before OLD ({} < {}): the arguments may be the wrong way round",
                b.human(),
                a.human()
            ));
        }
    }
    warnings
}
